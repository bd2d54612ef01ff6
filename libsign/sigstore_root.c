/*
 * sigstore_root.c - a Sigstore trusted root (sigstore_root.h), read with
 * jansson, bounded: its logs' keys and its CAs' certificates parsed with
 * OpenSSL, every validity period read as a closed interval.
 */
#include "sigstore_root.h"

#include <jansson.h>
#include <openssl/rsa.h>
#include <openssl/x509_vfy.h>
#include <stdlib.h>
#include <string.h>

/* The public-good root is 7 KB; a root of more is no root a verifier reads. */
#define ROOT_MAX_JSON (4u << 20)
#define ROOT_MAX_ENTRIES 64     /* per list: tlogs, ctlogs, CAs, TSAs */
#define ROOT_MAX_CHAIN 10       /* certificates per CA */
#define ROOT_MAX_DER (64u << 10) /* one key or certificate */
#define ROOT_MAX_URL 1024

static const char *const media_types[] = {
	"application/vnd.dev.sigstore.trustedroot+json;version=0.1",
	"application/vnd.dev.sigstore.trustedroot.v0.2+json",
	"application/vnd.dev.sigstore.trustedroot+json;version=0.2",
};

static void log_clear(signp_sig_log *l)
{
	EVP_PKEY_free(l->key);
	free(l->base_url);
	free(l->origin);
}

static void ca_clear(signp_sig_ca *c)
{
	size_t i;
	for (i = 0; i < c->ncerts; i++)
		X509_free(c->certs[i]);
	free(c->certs);
	free(c->uri);
}

void signp_trusted_root_free(signp_trusted_root *r)
{
	size_t i;
	if (r == NULL)
		return;
	for (i = 0; i < r->ntlogs; i++)
		log_clear(&r->tlogs[i]);
	for (i = 0; i < r->nctlogs; i++)
		log_clear(&r->ctlogs[i]);
	for (i = 0; i < r->ncas; i++)
		ca_clear(&r->cas[i]);
	for (i = 0; i < r->ntsas; i++)
		ca_clear(&r->tsas[i]);
	free(r->tlogs);
	free(r->ctlogs);
	free(r->cas);
	free(r->tsas);
	free(r);
}

/* A base64 member (protobuf-JSON bytes). */
static int get_bytes(sign_buf *out, const json_t *obj, const char *name, const char *what,
	sign_error *err)
{
	const json_t *v = json_object_get(obj, name);
	if (!json_is_string(v) || json_string_length(v) == 0)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: no %s", what, name);
	if (json_string_length(v) > ROOT_MAX_DER / 3 * 4 + 4)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: %s is longer than %u bytes", what,
			name, ROOT_MAX_DER);
	signp_buf_clear(out);
	if (signp_b64_decode_lines(out, json_string_value(v), json_string_length(v)) != SIGN_OK)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: %s is not base64", what, name);
	return SIGN_OK;
}

/* An optional string member; *out NULL when absent. */
static int get_opt_string(char **out, const json_t *obj, const char *name, const char *what,
	sign_error *err)
{
	const json_t *v = json_object_get(obj, name);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return SIGN_OK;
	if (!json_is_string(v) || json_string_length(v) > ROOT_MAX_URL ||
	    strlen(json_string_value(v)) != json_string_length(v))
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: %s is not a string of at most %u bytes",
			what, name, ROOT_MAX_URL);
	if ((*out = signp_strdup(json_string_value(v))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "trusted root: out of memory");
	return SIGN_OK;
}

/* validFor {start, end}: start required, end absent = open; closed interval. */
static int get_validity(const json_t *obj, int64_t *start, int64_t *end, const char *what,
	sign_error *err)
{
	const json_t *vf = json_object_get(obj, "validFor"), *s, *e;
	if (!json_is_object(vf))
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: no validFor", what);
	s = json_object_get(vf, "start");
	e = json_object_get(vf, "end");
	if (json_is_null(e)) /* protobuf-JSON: null is absent */
		e = NULL;
	if (s == NULL || json_is_null(s))
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: validFor has no start", what);
	if (signp_time_parse(json_string_value(s), start) != SIGN_OK)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: validFor.start is not an RFC 3339 time",
			what);
	*end = SIGNP_TIME_OPEN;
	if (e != NULL && signp_time_parse(json_string_value(e), end) != SIGN_OK)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: validFor.end is not an RFC 3339 time",
			what);
	if (*end < *start)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: validFor ends before it starts", what);
	return SIGN_OK;
}

/* What a publicKey's keyDetails says the key is: an EVP_PKEY type, and
 * whether rawBytes is a PKCS#1 RSAPublicKey instead of an SPKI. */
static int key_kind(const char *details, int *type, int *pkcs1)
{
	*pkcs1 = 0;
	if (details == NULL)
		return -1;
	if (strncmp(details, "PKIX_ECDSA_", 11) == 0)
		*type = EVP_PKEY_EC;
	else if (strcmp(details, "PKIX_ED25519") == 0 || strcmp(details, "PKIX_ED25519_PH") == 0)
		*type = EVP_PKEY_ED25519;
	else if (strncmp(details, "PKIX_RSA_", 9) == 0)
		*type = EVP_PKEY_RSA;
	else if (strcmp(details, "PKCS1_RSA_PKCS1V5") == 0) {
		*type = EVP_PKEY_RSA;
		*pkcs1 = 1;
	} else
		return -1;
	return 0;
}

/* The host of a URL (scheme, user, port and path dropped): what
 * sigstore-go names a Rekor v2 log's checkpoints by (url.Hostname()). */
static char *url_host(const char *url)
{
	const char *p = strstr(url, "://"), *end, *at;
	p = p != NULL ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at != NULL)
		p = at + 1;
	if (*p == '[') { /* [IPv6]:port */
		const char *close = memchr(p, ']', (size_t)(end - p));
		if (close == NULL)
			return NULL;
		return signp_strndup(p + 1, (size_t)(close - p - 1));
	}
	at = memchr(p, ':', (size_t)(end - p));
	if (at != NULL)
		end = at;
	if (end == p)
		return NULL;
	return signp_strndup(p, (size_t)(end - p));
}

static int parse_log(signp_sig_log *l, const json_t *j, const char *what, sign_error *err)
{
	const json_t *pk = json_object_get(j, "publicKey"), *lid = json_object_get(j, "logId");
	const char *alg = json_string_value(json_object_get(j, "hashAlgorithm"));
	const unsigned char *p;
	sign_buf b = SIGN_BUF_INIT;
	int type, pkcs1, r;

	if (!json_is_object(j))
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s is not an object", what);
	if (alg == NULL || strcmp(alg, "SHA2_256") != 0)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: hashAlgorithm is not SHA2_256", what);
	if ((r = get_opt_string(&l->base_url, j, "baseUrl", what, err)) != SIGN_OK)
		return r;
	if (l->base_url != NULL && (l->origin = url_host(l->base_url)) == NULL)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: baseUrl has no host", what);
	if (!json_is_object(lid))
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: no logId", what);
	if ((r = get_bytes(&b, lid, "keyId", what, err)) != SIGN_OK)
		goto out;
	if (b.size > sizeof(l->id)) {
		r = signp_err(err, SIGN_EFORMAT, "trusted root: %s: logId.keyId is %zu bytes, more than %zu",
			what, b.size, sizeof(l->id));
		goto out;
	}
	memcpy(l->id, b.ptr, b.size);
	l->idlen = b.size;
	if (!json_is_object(pk)) {
		r = signp_err(err, SIGN_EFORMAT, "trusted root: %s: no publicKey", what);
		goto out;
	}
	if (key_kind(json_string_value(json_object_get(pk, "keyDetails")), &type, &pkcs1) != 0) {
		char d[64];
		const char *s = json_string_value(json_object_get(pk, "keyDetails"));
		signp_clean_copy(d, sizeof(d), s != NULL ? s : "(none)", s != NULL ? strlen(s) : 6);
		r = signp_err(err, SIGN_EFORMAT, "trusted root: %s: unsupported keyDetails %s", what, d);
		goto out;
	}
	if ((r = get_bytes(&b, pk, "rawBytes", what, err)) != SIGN_OK)
		goto out;
	p = (const unsigned char *)b.ptr;
	l->key = pkcs1 ? d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)b.size) : d2i_PUBKEY(NULL, &p, (long)b.size);
	if (l->key == NULL || p != (const unsigned char *)b.ptr + b.size) {
		r = signp_err_openssl(err, SIGN_EFORMAT, "trusted root: %s: publicKey.rawBytes is not %s", what,
			pkcs1 ? "a PKCS#1 RSA public key" : "a DER SubjectPublicKeyInfo");
		goto out;
	}
	if (EVP_PKEY_get_base_id(l->key) != type) {
		r = signp_err(err, SIGN_EFORMAT, "trusted root: %s: publicKey is not the key its keyDetails names",
			what);
		goto out;
	}
	r = get_validity(pk, &l->start, &l->end, what, err);
out:
	signp_buf_dispose_secure(&b);
	return r;
}

static int parse_ca(signp_sig_ca *c, const json_t *j, const char *what, sign_error *err)
{
	const json_t *certs = json_object_get(json_object_get(j, "certChain"), "certificates"), *cj;
	sign_buf b = SIGN_BUF_INIT;
	size_t i, n;
	int r;

	if (!json_is_object(j))
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s is not an object", what);
	if ((r = get_opt_string(&c->uri, j, "uri", what, err)) != SIGN_OK)
		return r;
	n = json_is_array(certs) ? json_array_size(certs) : 0;
	if (n == 0 || n > ROOT_MAX_CHAIN)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s: %zu certificates in certChain (1 to %u)",
			what, n, ROOT_MAX_CHAIN);
	if ((c->certs = calloc(n, sizeof(*c->certs))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "trusted root: out of memory");
	json_array_foreach(certs, i, cj) {
		const unsigned char *p;
		char sub[96];
		snprintf(sub, sizeof(sub), "%.48s certificate %zu", what, i);
		if (!json_is_object(cj)) {
			r = signp_err(err, SIGN_EFORMAT, "trusted root: %s is not an object", sub);
			goto out;
		}
		if ((r = get_bytes(&b, cj, "rawBytes", sub, err)) != SIGN_OK)
			goto out;
		p = (const unsigned char *)b.ptr;
		c->certs[i] = d2i_X509(NULL, &p, (long)b.size);
		if (c->certs[i] == NULL || p != (const unsigned char *)b.ptr + b.size) {
			X509_free(c->certs[i]);
			c->certs[i] = NULL;
			r = signp_err_openssl(err, SIGN_EFORMAT, "trusted root: %s is not a DER certificate", sub);
			goto out;
		}
		c->ncerts++;
	}
	r = get_validity(j, &c->start, &c->end, what, err);
out:
	signp_buf_dispose_secure(&b);
	return r;
}

/* An optional array member of at most ROOT_MAX_ENTRIES; *n 0 when absent. */
static int get_list(const json_t **out, size_t *n, const json_t *doc, const char *name,
	sign_error *err)
{
	const json_t *a = json_object_get(doc, name);
	*out = a;
	*n = 0;
	if (a == NULL || json_is_null(a))
		return SIGN_OK;
	if (!json_is_array(a))
		return signp_err(err, SIGN_EFORMAT, "trusted root: %s is not an array", name);
	if (json_array_size(a) > ROOT_MAX_ENTRIES)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %zu %s, more than %u", json_array_size(a),
			name, ROOT_MAX_ENTRIES);
	*n = json_array_size(a);
	return SIGN_OK;
}

static int parse_logs(signp_sig_log **out, size_t *count, const json_t *doc, const char *name,
	sign_error *err)
{
	const json_t *a, *j;
	size_t i, n;
	int r;
	if ((r = get_list(&a, &n, doc, name, err)) != SIGN_OK || n == 0)
		return r;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "trusted root: out of memory");
	json_array_foreach(a, i, j) {
		char what[32];
		snprintf(what, sizeof(what), "%s[%zu]", name, i);
		*count = i + 1; /* freed by the caller, parsed or not */
		if ((r = parse_log(&(*out)[i], j, what, err)) != SIGN_OK)
			return r;
	}
	return SIGN_OK;
}

static int parse_cas(signp_sig_ca **out, size_t *count, const json_t *doc, const char *name,
	sign_error *err)
{
	const json_t *a, *j;
	size_t i, n;
	int r;
	if ((r = get_list(&a, &n, doc, name, err)) != SIGN_OK || n == 0)
		return r;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return signp_err(err, SIGN_ENOMEM, "trusted root: out of memory");
	json_array_foreach(a, i, j) {
		char what[48];
		snprintf(what, sizeof(what), "%s[%zu]", name, i);
		*count = i + 1;
		if ((r = parse_ca(&(*out)[i], j, what, err)) != SIGN_OK)
			return r;
	}
	return SIGN_OK;
}

int signp_trusted_root_parse(signp_trusted_root **out, const void *json, size_t len,
	sign_error *err)
{
	signp_trusted_root *r;
	json_t *doc;
	json_error_t je;
	const char *mt;
	size_t i;
	int rc;

	*out = NULL;
	if (len > ROOT_MAX_JSON)
		return signp_err(err, SIGN_EFORMAT, "trusted root: %zu bytes, more than %u", len, ROOT_MAX_JSON);
	if ((doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return signp_err(err, SIGN_EFORMAT, "trusted root: not JSON: %s", je.text);
	if ((r = calloc(1, sizeof(*r))) == NULL) {
		json_decref(doc);
		return signp_err(err, SIGN_ENOMEM, "trusted root: out of memory");
	}
	if (!json_is_object(doc)) {
		rc = signp_err(err, SIGN_EFORMAT, "trusted root: not a JSON object");
		goto fail;
	}
	mt = json_string_value(json_object_get(doc, "mediaType"));
	for (i = 0; mt != NULL && i < sizeof(media_types) / sizeof(media_types[0]); i++)
		if (strcmp(mt, media_types[i]) == 0)
			break;
	if (mt == NULL || i == sizeof(media_types) / sizeof(media_types[0])) {
		char m[80];
		signp_clean_copy(m, sizeof(m), mt != NULL ? mt : "(none)", mt != NULL ? strlen(mt) : 6);
		rc = signp_err(err, SIGN_EFORMAT, "trusted root: unsupported mediaType %s", m);
		goto fail;
	}
	if ((rc = parse_logs(&r->tlogs, &r->ntlogs, doc, "tlogs", err)) != SIGN_OK ||
	    (rc = parse_logs(&r->ctlogs, &r->nctlogs, doc, "ctlogs", err)) != SIGN_OK ||
	    (rc = parse_cas(&r->cas, &r->ncas, doc, "certificateAuthorities", err)) != SIGN_OK ||
	    (rc = parse_cas(&r->tsas, &r->ntsas, doc, "timestampAuthorities", err)) != SIGN_OK)
		goto fail;
	json_decref(doc);
	*out = r;
	return SIGN_OK;
fail:
	json_decref(doc);
	signp_trusted_root_free(r);
	return rc;
}

const signp_sig_log *signp_sig_log_find(const signp_sig_log *logs, size_t n, const void *id,
	size_t idlen, int64_t t)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (logs[i].idlen == idlen && memcmp(logs[i].id, id, idlen) == 0 &&
		    logs[i].start <= t && t <= logs[i].end)
			return &logs[i];
	return NULL;
}

/* A certificate whose notAfter is the verification time is valid at it
 * (RFC 5280 4.1.2.5: "through notAfter"); X509_cmp_time counts equal as
 * earlier, so OpenSSL reports it expired. */
static int not_after_inclusive(int ok, X509_STORE_CTX *ctx)
{
	X509 *c;
	if (ok || X509_STORE_CTX_get_error(ctx) != X509_V_ERR_CERT_HAS_EXPIRED)
		return ok;
	c = X509_STORE_CTX_get_current_cert(ctx);
	return c != NULL &&
	       ASN1_TIME_cmp_time_t(X509_get0_notAfter(c),
		       X509_VERIFY_PARAM_get_time(X509_STORE_CTX_get0_param(ctx))) == 0;
}

X509_STORE *signp_sig_ca_store(const signp_sig_ca *ca, int64_t t)
{
	X509_STORE *store = X509_STORE_new();
	X509_VERIFY_PARAM *p;
	if (store == NULL || ca->ncerts == 0 || X509_STORE_add_cert(store, ca->certs[ca->ncerts - 1]) != 1) {
		X509_STORE_free(store);
		return NULL;
	}
	p = X509_STORE_get0_param(store);
	X509_VERIFY_PARAM_set_time(p, (time_t)t);
	X509_VERIFY_PARAM_set_flags(p, X509_V_FLAG_PARTIAL_CHAIN);
	X509_STORE_set_verify_cb(store, not_after_inclusive);
	return store;
}

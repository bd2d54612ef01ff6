/*
 * fulcio.c - the checks on a Fulcio signing certificate (fulcio.h): its
 * chain at a time with OpenSSL's X509_STORE, its embedded SCT with
 * OpenSSL's CT API, its identity against exact strings or POSIX extended
 * regular expressions.
 */
#define _GNU_SOURCE /* memfd_create */
#include "fulcio.h"
#include "re.h"

#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define OID_FULCIO_SAN "1.3.6.1.4.1.57264.1.7" /* otherName: a UTF8String */
#define MAX_SANS 64                            /* names of a certificate looked at */
#define MAX_NAME 4096                          /* bytes of one name or issuer */

/* ---- the chain ---- */

static void name_of(char *out, size_t outsz, const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long len;
	out[0] = '\0';
	if (b == NULL)
		return;
	if (X509_NAME_print_ex(b, n, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB) >= 0 &&
	    (len = BIO_get_mem_data(b, &p)) > 0)
		signp_clean_copy(out, outsz, p, (size_t)len);
	BIO_free(b);
	if (out[0] == '\0')
		signp_strlcpy(out, "(empty name)", outsz);
}

static int self_signed(X509 *x)
{
	return (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
}

/* Verify leaf through one CA at t: the CA's last certificate the anchor
 * (signp_sig_ca_store), its others and `extra` untrusted.  Returns 1 (and *chain), 0 with the
 * OpenSSL verify error in *verr, or -1 (out of memory). */
static int verify_with_ca(X509 *leaf, STACK_OF(X509) *extra, const signp_sig_ca *ca, int64_t t,
	STACK_OF(X509) **chain, int *verr)
{
	X509_STORE *store = signp_sig_ca_store(ca, t);
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *untrusted = sk_X509_new_null();
	size_t i;
	int ok = -1;

	*chain = NULL;
	if (store == NULL || ctx == NULL || untrusted == NULL)
		goto out;
	for (i = 0; i + 1 < ca->ncerts; i++)
		if (!sk_X509_push(untrusted, ca->certs[i]))
			goto out;
	for (i = 0; extra != NULL && i < (size_t)sk_X509_num(extra); i++)
		if (!sk_X509_push(untrusted, sk_X509_value(extra, (int)i)))
			goto out;
	if (X509_STORE_CTX_init(ctx, store, leaf, untrusted) != 1)
		goto out;
	if (X509_verify_cert(ctx) == 1) {
		ok = (*chain = X509_STORE_CTX_get1_chain(ctx)) != NULL ? 1 : -1;
	} else {
		*verr = X509_STORE_CTX_get_error(ctx);
		ok = 0;
	}
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(store);
	sk_X509_free(untrusted); /* the certificates are the CA's and the caller's */
	return ok;
}

int signp_fulcio_verify_chain(X509 *leaf, STACK_OF(X509) *extra, const signp_trusted_root *r,
	int64_t t, STACK_OF(X509) **chain_out, sign_error *err)
{
	STACK_OF(X509) *chain = NULL;
	const signp_sig_ca *outside = NULL;
	char when[32], name[256];
	int verr = X509_V_OK, e;
	size_t i;
	uint32_t ku, xku;

	if (chain_out != NULL)
		*chain_out = NULL;
	signp_time_format(when, t);
	for (i = 0; extra != NULL && i < (size_t)sk_X509_num(extra); i++)
		if (self_signed(sk_X509_value(extra, (int)i))) {
			name_of(name, sizeof(name), X509_get_subject_name(sk_X509_value(extra, (int)i)));
			return signp_err(err, SIGN_EVERIFY,
				"certificate chain: the chain given with the signature holds a self-signed certificate (%s): a root comes from the trusted root only",
				name);
		}
	for (i = 0; i < r->ncas; i++) {
		int ok = verify_with_ca(leaf, extra, &r->cas[i], t, &chain, &e);
		if (ok < 0)
			return signp_err(err, SIGN_ENOMEM, "certificate chain: out of memory");
		if (ok == 0) {
			/* another CA's certificate, not this CA's: no news */
			if (e != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY &&
			    e != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT && verr == X509_V_OK)
				verr = e;
			continue;
		}
		if (r->cas[i].start <= t && t <= r->cas[i].end)
			break;
		if (outside == NULL)
			outside = &r->cas[i];
		sk_X509_pop_free(chain, X509_free);
		chain = NULL;
	}
	if (chain == NULL) {
		if (outside != NULL) {
			char s[32], end[32];
			signp_time_format(s, outside->start);
			if (outside->end == SIGNP_TIME_OPEN)
				signp_strlcpy(end, "open-ended", sizeof(end));
			else
				signp_time_format(end, outside->end);
			return signp_err(err, SIGN_EVERIFY,
				"certificate chain: issued by the Fulcio CA %.200s, whose validity in the trusted root (%s to %s) does not include the signing time %s",
				outside->uri != NULL ? outside->uri : "(no uri)", s, end, when);
		}
		if (verr != X509_V_OK)
			return signp_err(err, SIGN_EVERIFY, "certificate chain: %s at the signing time %s",
				X509_verify_cert_error_string(verr), when);
		name_of(name, sizeof(name), X509_get_issuer_name(leaf));
		return signp_err(err, SIGN_EVERIFY,
			"certificate chain: the certificate (issuer %s) was issued by no Fulcio CA of the trusted root",
			name);
	}
	/* a signing certificate: digitalSignature and the code-signing EKU */
	ku = X509_get_key_usage(leaf);
	xku = X509_get_extended_key_usage(leaf);
	if (!(X509_get_extension_flags(leaf) & EXFLAG_KUSAGE) || !(ku & KU_DIGITAL_SIGNATURE)) {
		sk_X509_pop_free(chain, X509_free);
		return signp_err(err, SIGN_EVERIFY,
			"certificate chain: the certificate's key usage does not allow digital signatures");
	}
	if (!(X509_get_extension_flags(leaf) & EXFLAG_XKUSAGE) || !(xku & XKU_CODE_SIGN)) {
		sk_X509_pop_free(chain, X509_free);
		return signp_err(err, SIGN_EVERIFY,
			"certificate chain: the certificate is not a code-signing certificate (no extended key usage codeSigning)");
	}
	if (chain_out != NULL)
		*chain_out = chain;
	else
		sk_X509_pop_free(chain, X509_free);
	return SIGN_OK;
}

/* ---- the SCT ---- */

/* OpenSSL fills a CTLOG_STORE only from a file (CTLOG_STORE_load_file):
 * the trusted root's CT log keys are written as such a file into an
 * anonymous memory file (memfd), opened by its /proc/self/fd path.  Log i
 * is named "log<i>", so a log OpenSSL finds leads back to r->ctlogs[i]. */
static int ctlog_store(CTLOG_STORE **out, const signp_trusted_root *r, sign_error *err)
{
	sign_buf conf = SIGN_BUF_INIT, b64 = SIGN_BUF_INIT;
	CTLOG_STORE *store = NULL;
	char path[64];
	size_t i;
	int fd = -1, rc = SIGN_ENOMEM;

	*out = NULL;
	if (signp_buf_puts(&conf, "enabled_logs = ") != SIGN_OK)
		goto out;
	for (i = 0; i < r->nctlogs; i++)
		if (signp_buf_printf(&conf, "%slog%zu", i ? "," : "", i) != SIGN_OK)
			goto out;
	if (signp_buf_putc(&conf, '\n') != SIGN_OK)
		goto out;
	for (i = 0; i < r->nctlogs; i++) {
		unsigned char *der = NULL;
		int len = i2d_PUBKEY(r->ctlogs[i].key, &der);
		if (len <= 0) {
			rc = signp_err_openssl(err, SIGN_ECRYPTO, "SCT: CT log key %zu", i);
			goto out;
		}
		signp_buf_clear(&b64);
		rc = signp_b64_encode(&b64, der, (size_t)len);
		OPENSSL_free(der);
		if (rc != SIGN_OK ||
		    signp_buf_printf(&conf, "[log%zu]\ndescription = log%zu\nkey = %s\n", i, i, b64.ptr) != SIGN_OK) {
			rc = SIGN_ENOMEM;
			goto out;
		}
	}
	if ((fd = memfd_create("sign-ctlogs", MFD_CLOEXEC)) < 0) {
		rc = signp_err_errno(err, SIGN_ERROR, "SCT: cannot hold the CT log keys for OpenSSL");
		goto out;
	}
	if (write(fd, conf.ptr, conf.size) != (ssize_t)conf.size) {
		rc = signp_err_errno(err, SIGN_ERROR, "SCT: cannot hold the CT log keys for OpenSSL");
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if ((store = CTLOG_STORE_new()) == NULL)
		goto out;
	if (CTLOG_STORE_load_file(store, path) != 1) {
		rc = signp_err_openssl(err, SIGN_ERROR, "SCT: OpenSSL did not load the CT log keys (is /proc mounted?)");
		goto out;
	}
	*out = store;
	store = NULL;
	rc = SIGN_OK;
out:
	if (rc == SIGN_ENOMEM)
		signp_err(err, rc, "SCT: out of memory");
	if (fd >= 0)
		close(fd);
	CTLOG_STORE_free(store);
	free(conf.ptr);
	free(b64.ptr);
	return rc;
}

/* The trusted root's CT log behind OpenSSL's log of this SCT, or NULL. */
static const signp_sig_log *sct_log(const signp_trusted_root *r, const CTLOG_STORE *store, const SCT *sct)
{
	const unsigned char *id;
	size_t idlen = SCT_get0_log_id(sct, (unsigned char **)&id), i;
	const CTLOG *log = CTLOG_STORE_get0_log_by_id(store, id, idlen);
	const char *name = log != NULL ? CTLOG_get0_name(log) : NULL;
	if (name == NULL || strncmp(name, "log", 3) != 0)
		return NULL;
	i = strtoul(name + 3, NULL, 10);
	return i < r->nctlogs ? &r->ctlogs[i] : NULL;
}

int signp_fulcio_verify_sct(X509 *leaf, STACK_OF(X509) *chain, const signp_trusted_root *r,
	sign_error *err)
{
	STACK_OF(SCT) *scts;
	CTLOG_STORE *store = NULL;
	CT_POLICY_EVAL_CTX *ctx = NULL;
	char why[400] = "";
	int i, rc;

	if (chain == NULL || sk_X509_num(chain) < 2)
		return signp_err(err, SIGN_EINVAL, "SCT: the certificate's issuer is needed");
	scts = X509_get_ext_d2i(leaf, NID_ct_precert_scts, NULL, NULL);
	if (scts == NULL || sk_SCT_num(scts) == 0) {
		SCT_LIST_free(scts);
		ERR_clear_error();
		return signp_err(err, SIGN_EVERIFY, "SCT: the certificate carries no embedded SCT");
	}
	if (r->nctlogs == 0) {
		SCT_LIST_free(scts);
		return signp_err(err, SIGN_EVERIFY, "SCT: the trusted root has no CT log");
	}
	if ((rc = ctlog_store(&store, r, err)) != SIGN_OK)
		goto out;
	if ((ctx = CT_POLICY_EVAL_CTX_new()) == NULL || CT_POLICY_EVAL_CTX_set1_cert(ctx, leaf) != 1 ||
	    CT_POLICY_EVAL_CTX_set1_issuer(ctx, sk_X509_value(chain, 1)) != 1) {
		rc = signp_err_openssl(err, SIGN_ENOMEM, "SCT: out of memory");
		goto out;
	}
	CT_POLICY_EVAL_CTX_set_shared_CTLOG_STORE(ctx, store);
	/* 1 all valid, 0 some not, < 0 an error: each SCT's status says which */
	(void)SCT_LIST_validate(scts, ctx);
	ERR_clear_error();
	for (i = 0; i < sk_SCT_num(scts); i++) {
		const SCT *sct = sk_SCT_value(scts, i);
		const signp_sig_log *log = sct_log(r, store, sct);
		int64_t t = (int64_t)(SCT_get_timestamp(sct) / 1000);
		char hex[2 * 32 + 1] = "", when[32];
		unsigned char *id;
		size_t idlen = SCT_get0_log_id(sct, &id);
		signp_hex(hex, id, idlen < 32 ? idlen : 32);
		signp_time_format(when, t);
		switch (SCT_get_validation_status(sct)) {
		case SCT_VALIDATION_STATUS_VALID:
			if (log != NULL && log->start <= t && t <= log->end) {
				rc = SIGN_OK;
				goto out;
			}
			snprintf(why, sizeof(why), "its time %s is outside the validity of CT log %s in the trusted root",
				when, hex);
			break;
		case SCT_VALIDATION_STATUS_UNKNOWN_LOG:
			if (why[0] == '\0')
				snprintf(why, sizeof(why), "its CT log %s is not in the trusted root", hex);
			break;
		case SCT_VALIDATION_STATUS_INVALID:
			snprintf(why, sizeof(why), "its signature does not verify with the key of CT log %s", hex);
			break;
		default:
			if (why[0] == '\0')
				snprintf(why, sizeof(why), "its version or form is not one OpenSSL verifies");
			break;
		}
	}
	rc = signp_err(err, SIGN_EVERIFY, "SCT: no SCT of the certificate verifies: %s", why);
out:
	CT_POLICY_EVAL_CTX_free(ctx);
	CTLOG_STORE_free(store);
	SCT_LIST_free(scts);
	return rc;
}

/* ---- the identity ---- */

/* An ASN1 string as C text; -1 when it holds a NUL or is too long. */
static int asn1_text(char *out, size_t outsz, const ASN1_STRING *s)
{
	int len = ASN1_STRING_length(s);
	const unsigned char *d = ASN1_STRING_get0_data(s);
	if (len < 0 || (size_t)len >= outsz || (len > 0 && memchr(d, '\0', (size_t)len) != NULL))
		return -1;
	memcpy(out, d, (size_t)len);
	out[len] = '\0';
	return 0;
}

typedef struct sans {
	char *v[MAX_SANS];
	size_t n;
} sans;

static void sans_free(sans *s)
{
	size_t i;
	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
}

/* The certificate's email, URI and Fulcio otherName SANs, in its order. */
static int sans_get(sans *out, X509 *leaf)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	ASN1_OBJECT *fulcio = OBJ_txt2obj(OID_FULCIO_SAN, 1);
	char text[MAX_NAME];
	int i, rc = SIGN_OK;

	out->n = 0;
	for (i = 0; gens != NULL && fulcio != NULL && i < sk_GENERAL_NAME_num(gens) && out->n < MAX_SANS; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s = NULL;
		if (g->type == GEN_EMAIL)
			s = g->d.rfc822Name;
		else if (g->type == GEN_URI)
			s = g->d.uniformResourceIdentifier;
		else if (g->type == GEN_OTHERNAME && OBJ_cmp(g->d.otherName->type_id, fulcio) == 0 &&
			 g->d.otherName->value != NULL && g->d.otherName->value->type == V_ASN1_UTF8STRING)
			s = g->d.otherName->value->value.utf8string;
		if (s == NULL || asn1_text(text, sizeof(text), s) != 0)
			continue;
		if ((out->v[out->n] = signp_strdup(text)) == NULL) {
			rc = SIGN_ENOMEM;
			break;
		}
		out->n++;
	}
	ERR_clear_error();
	ASN1_OBJECT_free(fulcio);
	GENERAL_NAMES_free(gens);
	return rc;
}

/* The OIDC issuer: extension .1.8 (a DER UTF8String), else .1.1 (the
 * string itself).  1 found, 0 absent, -1 malformed. */
static int issuer_get(char *out, size_t outsz, X509 *leaf)
{
	static const char *const oids[] = { SIGNP_OID_FULCIO_ISSUER_V2, SIGNP_OID_FULCIO_ISSUER_V1 };
	size_t k;
	for (k = 0; k < 2; k++) {
		ASN1_OBJECT *o = OBJ_txt2obj(oids[k], 1);
		int idx = o != NULL ? X509_get_ext_by_OBJ(leaf, o, -1) : -1;
		const ASN1_OCTET_STRING *data;
		ASN1_OBJECT_free(o);
		if (idx < 0)
			continue;
		data = X509_EXTENSION_get_data(X509_get_ext(leaf, idx));
		if (k == 0) {
			const unsigned char *p = ASN1_STRING_get0_data(data);
			ASN1_UTF8STRING *u = d2i_ASN1_UTF8STRING(NULL, &p, ASN1_STRING_length(data));
			int bad = u == NULL || p != ASN1_STRING_get0_data(data) + ASN1_STRING_length(data) ||
				  asn1_text(out, outsz, u) != 0;
			ASN1_UTF8STRING_free(u);
			ERR_clear_error();
			return bad ? -1 : 1;
		}
		return asn1_text(out, outsz, data) != 0 ? -1 : 1;
	}
	return 0;
}

/* Does s match the exact string want (if set) and the regexp re (if set)? */
static int matches(const char *s, const char *want, const regex_t *re)
{
	return (want == NULL || strcmp(s, want) == 0) && (re == NULL || regexec(re, s, 0, NULL, 0) == 0);
}

static int compile(regex_t *re, const char *pattern, const char *what, sign_error *err)
{
	char why[128], p[200];
	int e = signp_regcomp(re, pattern, why, sizeof(why));
	if (e != SIGN_OK) {
		signp_clean_copy(p, sizeof(p), pattern, strlen(pattern));
		return signp_err(err, e,
			"identity: the %s regexp %s is not a POSIX extended regular expression: %s", what, p, why);
	}
	return SIGN_OK;
}

/* "exact X", "regexp R" or both, for a message. */
static void wanted(char *out, size_t outsz, const char *want, const char *re)
{
	if (want != NULL && re != NULL)
		snprintf(out, outsz, "%.300s (and to match %.300s)", want, re);
	else if (want != NULL)
		snprintf(out, outsz, "%.600s", want);
	else
		snprintf(out, outsz, "a match of %.600s", re);
}

int signp_identity_set(signp_identity *id, const char *san, const char *san_regexp, const char *issuer,
	const char *issuer_regexp, sign_error *err)
{
	regex_t re;
	int rc;
	id->san = san;
	id->san_regexp = san_regexp;
	id->issuer = issuer;
	id->issuer_regexp = issuer_regexp;
	if (id->san_regexp != NULL) {
		if ((rc = compile(&re, id->san_regexp, "SAN", err)) != SIGN_OK)
			return rc;
		regfree(&re);
	}
	if (id->issuer_regexp != NULL) {
		if ((rc = compile(&re, id->issuer_regexp, "OIDC issuer", err)) != SIGN_OK)
			return rc;
		regfree(&re);
	}
	return SIGN_OK;
}

int signp_fulcio_check_identity(X509 *leaf, const signp_identity *id, sign_error *err)
{
	regex_t san_re, iss_re;
	int have_san_re = 0, have_iss_re = 0, rc;
	char issuer[MAX_NAME], want[640], got[400];
	sans s = { { NULL }, 0 };
	size_t i;

	if (id == NULL || (id->san == NULL && id->san_regexp == NULL) ||
	    (id->issuer == NULL && id->issuer_regexp == NULL))
		return signp_err(err, SIGN_EINVAL,
			"identity: both a SAN (exact or regexp) and an OIDC issuer (exact or regexp) are needed");
	if (id->san_regexp != NULL) {
		if ((rc = compile(&san_re, id->san_regexp, "SAN", err)) != SIGN_OK)
			return rc;
		have_san_re = 1;
	}
	if (id->issuer_regexp != NULL) {
		if ((rc = compile(&iss_re, id->issuer_regexp, "OIDC issuer", err)) != SIGN_OK)
			goto out;
		have_iss_re = 1;
	}
	if ((rc = sans_get(&s, leaf)) != SIGN_OK) {
		rc = signp_err(err, rc, "identity: out of memory");
		goto out;
	}
	for (i = 0; i < s.n; i++)
		if (matches(s.v[i], id->san, have_san_re ? &san_re : NULL))
			break;
	if (i == s.n) {
		wanted(want, sizeof(want), id->san, id->san_regexp);
		if (s.n == 0)
			rc = signp_err(err, SIGN_EVERIFY,
				"identity: the certificate has no email, URI or Fulcio SAN, %s is wanted", want);
		else {
			signp_clean_copy(got, sizeof(got), s.v[0], strlen(s.v[0]));
			rc = signp_err(err, SIGN_EVERIFY, "identity: the certificate's SAN is %s%s, not %s", got,
				s.n > 1 ? " (and others)" : "", want);
		}
		goto out;
	}
	wanted(want, sizeof(want), id->issuer, id->issuer_regexp);
	switch (issuer_get(issuer, sizeof(issuer), leaf)) {
	case 0:
		rc = signp_err(err, SIGN_EVERIFY,
			"identity: the certificate names no OIDC issuer (extension %s or %s), %s is wanted",
			SIGNP_OID_FULCIO_ISSUER_V2, SIGNP_OID_FULCIO_ISSUER_V1, want);
		goto out;
	case -1:
		rc = signp_err(err, SIGN_EVERIFY, "identity: the certificate's OIDC issuer extension is malformed");
		goto out;
	default:
		break;
	}
	if (!matches(issuer, id->issuer, have_iss_re ? &iss_re : NULL)) {
		signp_clean_copy(got, sizeof(got), issuer, strlen(issuer));
		rc = signp_err(err, SIGN_EVERIFY, "identity: the certificate's OIDC issuer is %s, not %s", got, want);
		goto out;
	}
	rc = SIGN_OK;
out:
	sans_free(&s);
	if (have_san_re)
		regfree(&san_re);
	if (have_iss_re)
		regfree(&iss_re);
	return rc;
}

int signp_fulcio_describe(X509 *leaf, sign_buf *san_out, sign_buf *issuer_out)
{
	sans s = { { NULL }, 0 };
	char issuer[MAX_NAME];
	int rc;
	if ((rc = sans_get(&s, leaf)) != SIGN_OK)
		return rc;
	if (san_out != NULL) {
		signp_buf_clear(san_out);
		rc = signp_buf_puts(san_out, s.n > 0 ? s.v[0] : "");
	}
	if (rc == SIGN_OK && issuer_out != NULL) {
		signp_buf_clear(issuer_out);
		rc = signp_buf_puts(issuer_out, issuer_get(issuer, sizeof(issuer), leaf) == 1 ? issuer : "");
	}
	sans_free(&s);
	return rc;
}

/*
 * fakesigstore.c - a throwaway, offline Fulcio, CT log, Rekor and TSA, so
 * that tests can make keyless Sigstore material a verifier must accept,
 * and variants with exactly one piece wrong that it must refuse.  Its
 * output is made here with OpenSSL and jansson, not with libsign's
 * verification code (only `attach` and `payload` use libsign: the
 * registry client and cosign's payload and manifest layout).
 *
 *   fakesigstore init DIR [--not-before T] [--not-after T] [--ca-curve P-256|P-384]
 *       DIR/root.pem, inter.pem (+ .key.pem): the Fulcio root and
 *       intermediate CA (P-384 by default, as Fulcio's); ctlog.pub.pem,
 *       rekor.pub.pem (+ .key.pem): the CT log and Rekor keys (P-256);
 *       tsa-root.pem, tsa.pem (+ .key.pem), tsa-chain.pem (leaf, root):
 *       the timestamp authority (EKU timeStamping, critical);
 *       trusted_root.json (application/vnd.dev.sigstore.trustedroot+json;
 *       version=0.1) listing them, each valid from --not-before.  T is unix
 *       seconds or YYYY-MM-DDTHH:MM:SSZ; by default a day ago to a year on.
 *
 *   fakesigstore sign DIR --payload FILE --identity SAN --issuer URL [options]
 *       --out OUTDIR      (default .) where the files below go
 *       --email           the SAN is an rfc822Name (default: a URI)
 *       --othername       the SAN is Fulcio's otherName 1.3.6.1.4.1.57264.1.7
 *       --time T          signing time (default now): the log's integrated
 *                         time and the TSA's genTime; the leaf is valid
 *                         from T-30 s for 10 minutes, as Fulcio's are
 *                         (a T ahead of now makes an entry from the future)
 *       --log-index N     the entry's index (default 3), --tree-size N
 *                         (default index + 3): the Merkle tree it is in
 *       --dsse            sign an in-toto statement in a DSSE envelope
 *                         (Rekor kind dsse 0.0.1) instead of the payload:
 *                         its subject is the payload file (--subject-name,
 *                         default the file's name), --predicate-type URI
 *                         (default https://slsa.dev/provenance/v1),
 *                         --predicate FILE (JSON, default {}); or
 *                         --statement FILE taken as it is; or, for an
 *                         image as cosign v3 signs it, --subject-digest
 *                         sha256:HEX (a subject with no name; add
 *                         --predicate-type https://sigstore.dev/cosign/sign/v1)
 *       --bundle-version 0.1|0.2|0.3   (default 0.3)
 *       --no-timestamp    no RFC 3161 timestamp
 *     Tampering, each makes exactly one piece wrong and everything else valid:
 *       --bad-sct         the embedded SCT is signed by another key
 *       --expired         the leaf's validity ended before the integrated time
 *       --bad-set         the signed entry timestamp is signed by another key
 *       --bad-checkpoint  the checkpoint is signed by another key
 *       --bad-proof       one hash of the inclusion proof is wrong
 *       --other-digest    the Rekor body records the digest of other data
 *       --untrusted-ca    the leaf is issued by a CA that is not in the root
 *       --bad-timestamp   the RFC 3161 timestamp is over other bytes
 *     OUTDIR gets: payload (the bytes signed: the payload, or the
 *     statement), cert.pem, chain.pem (intermediate, root), sig.b64, sig.der,
 *     body.json (the Rekor entry body), rekor-bundle.json (cosign's
 *     dev.sigstore.cosign/bundle), timestamp.json (cosign's
 *     dev.sigstore.cosign/rfc3161timestamp), timestamp.der (the
 *     TimeStampResp), bundle.sigstore.json (a Sigstore bundle).
 *
 *   fakesigstore payload REPOSITORY DIGEST
 *       cosign's simple-signing payload for the image, to stdout.
 *
 *   fakesigstore attach REGISTRY REPO DIGEST OUTDIR
 *       attach OUTDIR's signature as cosign does: the payload blob and the
 *       sha256-<hex>.sig manifest (appended to one already there) with the
 *       signature, certificate, chain, bundle and rfc3161timestamp
 *       annotations, on a plain-HTTP registry.  Prints the manifest digest.
 *
 *   fakesigstore attach-att REGISTRY REPO DIGEST OUTDIR
 *       attach OUTDIR's DSSE envelope (made with sign --dsse) as cosign v2
 *       attaches a keyless attestation: a layer of the sha256-<hex>.att
 *       manifest, media type application/vnd.dsse.envelope.v1+json, the
 *       envelope JSON as its blob, annotations signature "", predicateType,
 *       certificate, chain, bundle and rfc3161timestamp.
 *
 *   fakesigstore attach-bundle REGISTRY REPO DIGEST OUTDIR
 *       attach OUTDIR's bundle.sigstore.json as cosign v3 does: an OCI 1.1
 *       referrer of the image (artifactType and layer
 *       application/vnd.dev.sigstore.bundle.v0.3+json, empty config,
 *       subject), PUT by digest and listed in the referrers tag schema's
 *       fallback index sha256-<hex> (as go-containerregistry lists it:
 *       artifactType the config's media type, sorted by digest).  Prints
 *       the referrer's digest.
 *
 *   fakesigstore check DIR OUTDIR
 *       checks with OpenSSL's CT API that the SCT verifies (SCT_LIST_validate),
 *       with libsign's RFC 9162 verifier that the inclusion proof reaches
 *       the checkpoint's root, that the body records the payload's digest,
 *       the signature and the certificate, and that the leaf was valid at
 *       the integrated time.  One line per property, "ok NAME" or
 *       "bad NAME: why"; exit 1 when one is bad.
 *
 * Exit: 0 ok, 1 a check failed, 2 usage or error.
 *
 * Cross-checked once by hand with another verifier, sigstore-js
 * (@sigstore/verify 3.1.1 from npm, given trusted_root.json): it accepts
 * the bundles (v0.1 to v0.3, message and DSSE, URI and email SANs) and
 * refuses each tampered one for its reason (SCT, chain, inclusion
 * promise, checkpoint signature, root hash, body digest, timestamp).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/ct.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common.h"
#include "cosign.h"
#include "mediatype.h"
#include "merkle.h"
#include "registry.h"

#define REKOR_URL  "https://rekor.fake.test"
#define REKOR_ORIGIN "rekor.fake.test"
#define CTLOG_URL  "https://ctfe.fake.test"
#define FULCIO_URL "https://fulcio.fake.test"
#define TSA_URL    "https://tsa.fake.test"
#define ORG        "sigstore.fake"
#define MAX_FILE   (64u << 20)
#define MAX_TREE   4096u

#define ANN_CERT   "dev.sigstore.cosign/certificate"
#define ANN_CHAIN  "dev.sigstore.cosign/chain"
#define ANN_BUNDLE "dev.sigstore.cosign/bundle"
#define ANN_TSA    "dev.sigstore.cosign/rfc3161timestamp"

__attribute__((format(printf, 1, 2), noreturn))
static void die(const char *fmt, ...)
{
	va_list ap;
	unsigned long e;
	fputs("fakesigstore: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	while ((e = ERR_get_error()) != 0)
		fprintf(stderr, ": %s", ERR_error_string(e, NULL));
	fputc('\n', stderr);
	exit(2);
}

static void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		die("out of memory");
	return p;
}

#define CHECK_SSL(expr) do { if (!(expr)) die("%s failed", #expr); } while (0)

/* ---- encodings, hashes, files ---- */

static char *b64(const void *p, size_t n)
{
	char *s = xmalloc(4 * ((n + 2) / 3) + 1);
	EVP_EncodeBlock((unsigned char *)s, p, (int)n);
	return s;
}

/* Standard base64 (padded) to bytes; NULL when invalid. */
static unsigned char *unb64(const char *s, size_t *n)
{
	size_t len = strlen(s), pad = 0;
	unsigned char *out;
	int got;
	if (len % 4 != 0 || len > MAX_FILE)
		return NULL;
	out = xmalloc(len / 4 * 3 + 1);
	got = EVP_DecodeBlock(out, (const unsigned char *)s, (int)len);
	if (got < 0) {
		free(out);
		return NULL;
	}
	if (len >= 1 && s[len - 1] == '=')
		pad++;
	if (len >= 2 && s[len - 2] == '=')
		pad++;
	*n = (size_t)got - pad;
	return out;
}

static void hex(char *out, const unsigned char *p, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", p[i]);
	out[2 * n] = '\0';
}

static void sha256(unsigned char out[32], const void *p, size_t n)
{
	CHECK_SSL(EVP_Digest(p, n, out, NULL, EVP_sha256(), NULL));
}

static char *path_of(const char *dir, const char *name)
{
	size_t n = strlen(dir) + strlen(name) + 2;
	char *p = xmalloc(n);
	snprintf(p, n, "%s/%s", dir, name);
	return p;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char *p = path_of(dir, name);
	FILE *f = fopen(p, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die("writing %s: %s", p, strerror(errno));
	free(p);
}

static void write_str(const char *dir, const char *name, const char *s)
{
	write_file(dir, name, s, strlen(s));
}

static unsigned char *read_path(const char *p, size_t *len)
{
	FILE *f = fopen(p, "rb");
	unsigned char *buf;
	size_t n = 0, cap = 1 << 16, got;
	if (f == NULL)
		die("reading %s: %s", p, strerror(errno));
	buf = xmalloc(cap + 1);
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			if (cap >= MAX_FILE)
				die("reading %s: larger than %u bytes", p, MAX_FILE);
			cap *= 2;
			buf = realloc(buf, cap + 1);
			if (buf == NULL)
				die("out of memory");
		}
	}
	if (ferror(f))
		die("reading %s: %s", p, strerror(errno));
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

static char *read_in(const char *dir, const char *name, size_t *len)
{
	char *p = path_of(dir, name);
	size_t n;
	char *s = (char *)read_path(p, len ? len : &n);
	free(p);
	return s;
}

static char *json_text(const json_t *j, size_t flags)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | flags);
	if (s == NULL)
		die("encoding JSON");
	return s;
}

static json_t *load_json(const char *dir, const char *name)
{
	json_error_t e;
	size_t n;
	char *s = read_in(dir, name, &n);
	json_t *j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &e);
	if (j == NULL)
		die("%s/%s: %s", dir, name, e.text);
	free(s);
	return j;
}

static int64_t parse_time(const char *s)
{
	struct tm tm;
	char *end;
	long long v;
	memset(&tm, 0, sizeof(tm));
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
		&tm.tm_min, &tm.tm_sec) == 6) {
		tm.tm_year -= 1900;
		tm.tm_mon -= 1;
		return (int64_t)timegm(&tm);
	}
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || v < 0)
		die("not a time (unix seconds or YYYY-MM-DDTHH:MM:SSZ): %s", s);
	return v;
}

static void rfc3339(char out[32], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- keys and certificates ---- */

static EVP_PKEY *genkey(const char *curve)
{
	EVP_PKEY *k = EVP_EC_gen(curve);
	if (k == NULL)
		die("generating a %s key", curve);
	return k;
}

static void save_key(const char *dir, const char *name, EVP_PKEY *k)
{
	char *p = path_of(dir, name);
	FILE *f = fopen(p, "wb");
	if (f == NULL || !PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) || fclose(f) != 0)
		die("writing %s", p);
	free(p);
}

static char *pubkey_pem(EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s;
	long n;
	CHECK_SSL(b != NULL && PEM_write_bio_PUBKEY(b, k));
	n = BIO_get_mem_data(b, &data);
	s = xmalloc((size_t)n + 1);
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	BIO_free(b);
	return s;
}

static EVP_PKEY *load_key(const char *dir, const char *name)
{
	char *p = path_of(dir, name);
	FILE *f = fopen(p, "rb");
	EVP_PKEY *k;
	if (f == NULL)
		die("reading %s: %s", p, strerror(errno));
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL)
		die("reading %s", p);
	free(p);
	return k;
}

static char *cert_pem(X509 *x)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *s;
	long n;
	CHECK_SSL(b != NULL && PEM_write_bio_X509(b, x));
	n = BIO_get_mem_data(b, &data);
	s = xmalloc((size_t)n + 1);
	memcpy(s, data, (size_t)n);
	s[n] = '\0';
	BIO_free(b);
	return s;
}

static X509 *load_cert(const char *dir, const char *name)
{
	char *p = path_of(dir, name);
	FILE *f = fopen(p, "rb");
	X509 *x;
	if (f == NULL)
		die("reading %s: %s", p, strerror(errno));
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL)
		die("reading %s", p);
	free(p);
	return x;
}

static unsigned char *spki_der(EVP_PKEY *k, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	if (n <= 0)
		die("encoding a public key");
	*len = (size_t)n;
	return der;
}

/* logId / keyId: SHA-256 of the DER SubjectPublicKeyInfo. */
static void key_id(unsigned char out[32], EVP_PKEY *k)
{
	size_t n;
	unsigned char *der = spki_der(k, &n);
	sha256(out, der, n);
	OPENSSL_free(der);
}

static unsigned char *cert_der(X509 *x, size_t *len)
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	if (n <= 0)
		die("encoding a certificate");
	*len = (size_t)n;
	return der;
}

static char *cert_b64(X509 *x)
{
	size_t n;
	unsigned char *der = cert_der(x, &n);
	char *s = b64(der, n);
	OPENSSL_free(der);
	return s;
}

/* ECDSA (DER) over data, with SHA-256. */
static unsigned char *sign_data(EVP_PKEY *k, const void *data, size_t len, size_t *siglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned char *sig;
	CHECK_SSL(c != NULL && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, k) == 1);
	CHECK_SSL(EVP_DigestSign(c, NULL, siglen, data, len) == 1);
	sig = xmalloc(*siglen);
	CHECK_SSL(EVP_DigestSign(c, sig, siglen, data, len) == 1);
	EVP_MD_CTX_free(c);
	return sig;
}

static int verify_data(EVP_PKEY *k, const void *data, size_t len, const void *sig, size_t siglen)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok;
	CHECK_SSL(c != NULL && EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, k) == 1);
	ok = EVP_DigestVerify(c, sig, siglen, data, len) == 1;
	EVP_MD_CTX_free(c);
	ERR_clear_error();
	return ok;
}

static const EVP_MD *md_for(EVP_PKEY *k)
{
	return EVP_PKEY_get_bits(k) > 256 ? EVP_sha384() : EVP_sha256();
}

enum kind { K_ROOT, K_INTER, K_TSA, K_LEAF };

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (e == NULL || !X509_add_ext(x, e, -1))
		die("adding extension %s = %s", OBJ_nid2sn(nid), value);
	X509_EXTENSION_free(e);
}

/* A certificate of pub, issued by issuer (NULL: self-signed, signed by
 * key) with the extensions of its kind; a leaf is not signed here. */
static X509 *mkcert(enum kind kind, const char *cn, EVP_PKEY *pub, X509 *issuer, EVP_PKEY *key,
	int64_t nb, int64_t na)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *serial;
	CHECK_SSL(x != NULL && name != NULL && bn != NULL);
	CHECK_SSL(X509_set_version(x, 2));
	CHECK_SSL(BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY));
	serial = BN_to_ASN1_INTEGER(bn, NULL);
	CHECK_SSL(serial != NULL && X509_set_serialNumber(x, serial));
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	if (cn != NULL) {
		CHECK_SSL(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
			(const unsigned char *)ORG, -1, -1, 0));
		CHECK_SSL(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
			(const unsigned char *)cn, -1, -1, 0));
	}
	CHECK_SSL(X509_set_subject_name(x, name));
	CHECK_SSL(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name));
	X509_NAME_free(name);
	CHECK_SSL(ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) != NULL);
	CHECK_SSL(ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) != NULL);
	CHECK_SSL(X509_set_pubkey(x, pub));
	switch (kind) {
	case K_ROOT:
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:1");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
		add_ext(x, x, NID_subject_key_identifier, "hash");
		add_ext(x, x, NID_authority_key_identifier, "keyid:always");
		break;
	case K_INTER:
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
		add_ext(x, issuer, NID_key_usage, "critical,keyCertSign,cRLSign");
		add_ext(x, issuer, NID_ext_key_usage, "codeSigning");
		add_ext(x, issuer, NID_subject_key_identifier, "hash");
		add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
		break;
	case K_TSA:
		add_ext(x, issuer, NID_basic_constraints, "critical,CA:FALSE");
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
		add_ext(x, issuer, NID_ext_key_usage, "critical,timeStamping");
		add_ext(x, issuer, NID_subject_key_identifier, "hash");
		add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
		break;
	case K_LEAF:
		add_ext(x, issuer, NID_key_usage, "critical,digitalSignature");
		add_ext(x, issuer, NID_ext_key_usage, "codeSigning");
		add_ext(x, issuer, NID_subject_key_identifier, "hash");
		add_ext(x, issuer, NID_authority_key_identifier, "keyid:always");
		return x;
	}
	if (X509_sign(x, key, md_for(key)) <= 0)
		die("signing the %s certificate", cn);
	return x;
}

/* ---- init ---- */

static json_t *log_json(const char *url, EVP_PKEY *k, int64_t start)
{
	size_t n;
	unsigned char *der = spki_der(k, &n), id[32];
	char ts[32], *raw = b64(der, n), *kid;
	json_t *j;
	key_id(id, k);
	kid = b64(id, 32);
	rfc3339(ts, start);
	j = json_pack("{s:s,s:s,s:{s:s,s:s,s:{s:s}},s:{s:s}}", "baseUrl", url, "hashAlgorithm",
		"SHA2_256", "publicKey", "rawBytes", raw, "keyDetails", "PKIX_ECDSA_P256_SHA_256",
		"validFor", "start", ts, "logId", "keyId", kid);
	OPENSSL_free(der);
	free(raw);
	free(kid);
	if (j == NULL)
		die("building the trusted root");
	return j;
}

static json_t *ca_json(const char *cn, const char *url, X509 *first, X509 *root, int64_t start)
{
	char ts[32], *a = cert_b64(first), *b = cert_b64(root);
	json_t *j;
	rfc3339(ts, start);
	j = json_pack("{s:{s:s,s:s},s:s,s:{s:[{s:s},{s:s}]},s:{s:s}}", "subject", "organization",
		ORG, "commonName", cn, "uri", url, "certChain", "certificates", "rawBytes", a,
		"rawBytes", b, "validFor", "start", ts);
	free(a);
	free(b);
	if (j == NULL)
		die("building the trusted root");
	return j;
}

static int cmd_init(int argc, char **argv)
{
	const char *dir, *curve = "P-384";
	int64_t now = (int64_t)time(NULL), nb = now - 86400, na = now + 365 * 86400;
	EVP_PKEY *rootk, *interk, *ctk, *rekork, *tsark, *tsak;
	X509 *root, *inter, *tsaroot, *tsa;
	json_t *tr;
	char *s, *p1, *p2;
	int i;

	if (argc < 1)
		die("usage: fakesigstore init DIR [--not-before T] [--not-after T] [--ca-curve C]");
	dir = argv[0];
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--not-before") == 0 && i + 1 < argc)
			nb = parse_time(argv[++i]);
		else if (strcmp(argv[i], "--not-after") == 0 && i + 1 < argc)
			na = parse_time(argv[++i]);
		else if (strcmp(argv[i], "--ca-curve") == 0 && i + 1 < argc)
			curve = argv[++i];
		else
			die("init: unknown option %s", argv[i]);
	}
	if (na <= nb)
		die("init: --not-after must be later than --not-before");
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		die("creating %s: %s", dir, strerror(errno));

	rootk = genkey(curve);
	interk = genkey(curve);
	ctk = genkey("P-256");
	rekork = genkey("P-256");
	tsark = genkey("P-256");
	tsak = genkey("P-256");
	root = mkcert(K_ROOT, "sigstore", rootk, NULL, rootk, nb, na);
	inter = mkcert(K_INTER, "sigstore-intermediate", interk, root, rootk, nb, na);
	tsaroot = mkcert(K_ROOT, "tsa", tsark, NULL, tsark, nb, na);
	tsa = mkcert(K_TSA, "tsa signing", tsak, tsaroot, tsark, nb, na);

	save_key(dir, "root.key.pem", rootk);
	save_key(dir, "inter.key.pem", interk);
	save_key(dir, "ctlog.key.pem", ctk);
	save_key(dir, "rekor.key.pem", rekork);
	save_key(dir, "tsa-root.key.pem", tsark);
	save_key(dir, "tsa.key.pem", tsak);
	s = pubkey_pem(ctk);
	write_str(dir, "ctlog.pub.pem", s);
	free(s);
	s = pubkey_pem(rekork);
	write_str(dir, "rekor.pub.pem", s);
	free(s);
	s = cert_pem(root);
	write_str(dir, "root.pem", s);
	free(s);
	s = cert_pem(inter);
	write_str(dir, "inter.pem", s);
	free(s);
	s = cert_pem(tsaroot);
	write_str(dir, "tsa-root.pem", s);
	free(s);
	p1 = cert_pem(tsa);
	write_str(dir, "tsa.pem", p1);
	p2 = cert_pem(tsaroot);
	s = xmalloc(strlen(p1) + strlen(p2) + 1);
	strcpy(s, p1);
	strcat(s, p2);
	write_str(dir, "tsa-chain.pem", s);
	free(s);
	free(p1);
	free(p2);

	tr = json_pack("{s:s,s:[o],s:[o],s:[o],s:[o]}", "mediaType",
		"application/vnd.dev.sigstore.trustedroot+json;version=0.1",
		"tlogs", log_json(REKOR_URL, rekork, nb),
		"certificateAuthorities", ca_json("sigstore", FULCIO_URL, inter, root, nb),
		"ctlogs", log_json(CTLOG_URL, ctk, nb),
		"timestampAuthorities", ca_json("tsa", TSA_URL, tsa, tsaroot, nb));
	if (tr == NULL)
		die("building the trusted root");
	s = json_dumps(tr, JSON_INDENT(2));
	if (s == NULL)
		die("encoding the trusted root");
	write_str(dir, "trusted_root.json", s);
	free(s);
	json_decref(tr);
	X509_free(root);
	X509_free(inter);
	X509_free(tsaroot);
	X509_free(tsa);
	EVP_PKEY_free(rootk);
	EVP_PKEY_free(interk);
	EVP_PKEY_free(ctk);
	EVP_PKEY_free(rekork);
	EVP_PKEY_free(tsark);
	EVP_PKEY_free(tsak);
	return 0;
}

/* ---- sign ---- */

typedef struct sign_opts {
	const char *dir, *payload, *identity, *issuer, *out, *bundle_version;
	const char *subject_name, *subject_digest, *predicate_type, *predicate, *statement;
	int email, othername, dsse, no_timestamp;
	int64_t t;
	uint64_t index, size;
	int bad_sct, expired, bad_set, bad_checkpoint, bad_proof, other_digest, untrusted_ca;
	int bad_timestamp;
} sign_opts;

static void add_san(X509 *x, const sign_opts *o)
{
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	GENERAL_NAME *g = GENERAL_NAME_new();
	CHECK_SSL(gens != NULL && g != NULL);
	if (o->othername) {
		ASN1_TYPE *v = ASN1_TYPE_new();
		ASN1_UTF8STRING *u = ASN1_UTF8STRING_new();
		ASN1_OBJECT *oid = OBJ_txt2obj("1.3.6.1.4.1.57264.1.7", 1);
		CHECK_SSL(v != NULL && u != NULL && oid != NULL);
		CHECK_SSL(ASN1_STRING_set(u, o->identity, -1));
		ASN1_TYPE_set(v, V_ASN1_UTF8STRING, u);
		CHECK_SSL(GENERAL_NAME_set0_othername(g, oid, v));
	} else {
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		CHECK_SSL(s != NULL && ASN1_STRING_set(s, o->identity, -1));
		GENERAL_NAME_set0_value(g, o->email ? GEN_EMAIL : GEN_URI, s);
	}
	CHECK_SSL(sk_GENERAL_NAME_push(gens, g));
	/* critical: the subject is empty (RFC 5280 4.2.1.6), as Fulcio's */
	CHECK_SSL(X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 1, X509V3_ADD_DEFAULT) == 1);
	GENERAL_NAMES_free(gens);
}

/* An extension whose value (the OCTET STRING's content) is val. */
static void add_raw_ext(X509 *x, const char *oid, const void *val, size_t n)
{
	ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *e;
	CHECK_SSL(obj != NULL && os != NULL && ASN1_OCTET_STRING_set(os, val, (int)n));
	e = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os);
	CHECK_SSL(e != NULL && X509_add_ext(x, e, -1));
	X509_EXTENSION_free(e);
	ASN1_OCTET_STRING_free(os);
	ASN1_OBJECT_free(obj);
}

static void add_issuer_exts(X509 *x, const char *issuer)
{
	ASN1_UTF8STRING *u = ASN1_UTF8STRING_new();
	unsigned char *der = NULL;
	int n;
	/* 1.1: the issuer's bytes; 1.8: a DER UTF8String */
	add_raw_ext(x, "1.3.6.1.4.1.57264.1.1", issuer, strlen(issuer));
	CHECK_SSL(u != NULL && ASN1_STRING_set(u, issuer, -1));
	n = i2d_ASN1_UTF8STRING(u, &der);
	CHECK_SSL(n > 0);
	add_raw_ext(x, "1.3.6.1.4.1.57264.1.8", der, (size_t)n);
	OPENSSL_free(der);
	ASN1_UTF8STRING_free(u);
}

/* Embed an SCT for the precertificate entry of x (RFC 6962 3.2): signed by
 * sct_key under the log ID of ct_key, over the TBS without the SCT list,
 * and the issuer's key hash.  x is then signed (again) by issuer_key. */
static void add_sct(X509 *x, X509 *issuer, EVP_PKEY *issuer_key, EVP_PKEY *ct_key,
	EVP_PKEY *sct_key, uint64_t ts_ms)
{
	unsigned char ikh[32], logid[32], *tbs = NULL, *msg, *p, *sig;
	size_t siglen, n;
	int tbslen, i;
	SCT *sct = SCT_new();
	STACK_OF(SCT) *scts = sk_SCT_new_null();

	CHECK_SSL(sct != NULL && scts != NULL);
	if (X509_sign(x, issuer_key, md_for(issuer_key)) <= 0)
		die("signing the leaf certificate");
	tbslen = i2d_re_X509_tbs(x, &tbs);
	CHECK_SSL(tbslen > 0 && tbslen < (1 << 24));
	key_id(ikh, X509_get0_pubkey(issuer));
	key_id(logid, ct_key);
	n = 1 + 1 + 8 + 2 + 32 + 3 + (size_t)tbslen + 2;
	p = msg = xmalloc(n);
	*p++ = 0; /* v1 */
	*p++ = 0; /* certificate_timestamp */
	for (i = 7; i >= 0; i--)
		*p++ = (unsigned char)(ts_ms >> (8 * i));
	*p++ = 0; /* precert_entry */
	*p++ = 1;
	memcpy(p, ikh, 32);
	p += 32;
	*p++ = (unsigned char)(tbslen >> 16);
	*p++ = (unsigned char)(tbslen >> 8);
	*p++ = (unsigned char)tbslen;
	memcpy(p, tbs, (size_t)tbslen);
	p += tbslen;
	*p++ = 0; /* no extensions */
	*p++ = 0;
	sig = sign_data(sct_key, msg, n, &siglen);
	CHECK_SSL(SCT_set_version(sct, SCT_VERSION_V1));
	CHECK_SSL(SCT_set1_log_id(sct, logid, sizeof(logid)));
	SCT_set_timestamp(sct, ts_ms);
	CHECK_SSL(SCT_set_signature_nid(sct, NID_ecdsa_with_SHA256));
	CHECK_SSL(SCT_set1_signature(sct, sig, siglen));
	CHECK_SSL(sk_SCT_push(scts, sct));
	CHECK_SSL(X509_add1_ext_i2d(x, NID_ct_precert_scts, scts, 0, X509V3_ADD_DEFAULT) == 1);
	if (X509_sign(x, issuer_key, md_for(issuer_key)) <= 0)
		die("signing the leaf certificate");
	SCT_LIST_free(scts);
	OPENSSL_free(tbs);
	free(msg);
	free(sig);
}

/* ---- Merkle tree (RFC 6962 2.1) ---- */

typedef unsigned char hash32[32];

static void node_hash(hash32 out, const hash32 l, const hash32 r)
{
	unsigned char buf[65];
	buf[0] = 1;
	memcpy(buf + 1, l, 32);
	memcpy(buf + 33, r, 32);
	sha256(out, buf, sizeof(buf));
}

static void leaf_hash(hash32 out, const void *data, size_t n)
{
	unsigned char *buf = xmalloc(n + 1);
	buf[0] = 0;
	memcpy(buf + 1, data, n);
	sha256(out, buf, n + 1);
	free(buf);
}

static uint64_t split(uint64_t n)
{
	uint64_t k = 1;
	while (k * 2 < n)
		k *= 2;
	return k;
}

static void mth(hash32 out, const hash32 *leaves, uint64_t n)
{
	hash32 l, r;
	uint64_t k;
	if (n == 1) {
		memcpy(out, leaves[0], 32);
		return;
	}
	k = split(n);
	mth(l, leaves, k);
	mth(r, leaves + k, n - k);
	node_hash(out, l, r);
}

/* PATH(m, D[n]), leaf to root. */
static void audit_path(hash32 *proof, size_t *np, uint64_t m, const hash32 *leaves, uint64_t n)
{
	uint64_t k;
	if (n <= 1)
		return;
	k = split(n);
	if (m < k) {
		audit_path(proof, np, m, leaves, k);
		mth(proof[(*np)++], leaves + k, n - k);
	} else {
		audit_path(proof, np, m - k, leaves + k, n - k);
		mth(proof[(*np)++], leaves, k);
	}
}

/* ---- RFC 3161 ---- */

static int tsa_time(TS_RESP_CTX *c, void *arg, long *sec, long *usec)
{
	(void)c;
	*sec = (long)*(const int64_t *)arg;
	*usec = 0;
	return 1;
}

static ASN1_INTEGER *tsa_serial(TS_RESP_CTX *c, void *arg)
{
	BIGNUM *bn = BN_new();
	ASN1_INTEGER *s = NULL;
	(void)c;
	(void)arg;
	if (bn != NULL && BN_rand(bn, 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY))
		s = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return s;
}

/* The TSA's TimeStampResp (DER) over SHA-256(data), at time t. */
static unsigned char *timestamp(const char *dir, int64_t t, const void *data, size_t len,
	size_t *outlen)
{
	TS_RESP_CTX *c = TS_RESP_CTX_new();
	X509 *cert = load_cert(dir, "tsa.pem");
	EVP_PKEY *key = load_key(dir, "tsa.key.pem");
	ASN1_OBJECT *policy = OBJ_txt2obj("1.3.6.1.4.1.57264.2", 1);
	TS_REQ *rq = TS_REQ_new();
	TS_MSG_IMPRINT *mi = TS_MSG_IMPRINT_new();
	X509_ALGOR *alg = X509_ALGOR_new();
	ASN1_INTEGER *nonce = tsa_serial(NULL, NULL);
	BIO *rb = BIO_new(BIO_s_mem());
	TS_RESP *resp;
	unsigned char digest[32], *der = NULL;
	int n;

	CHECK_SSL(c != NULL && policy != NULL && rq != NULL && mi != NULL && alg != NULL &&
		nonce != NULL && rb != NULL);
	CHECK_SSL(TS_RESP_CTX_set_signer_cert(c, cert));
	CHECK_SSL(TS_RESP_CTX_set_signer_key(c, key));
	CHECK_SSL(TS_RESP_CTX_set_def_policy(c, policy));
	CHECK_SSL(TS_RESP_CTX_add_md(c, EVP_sha256()));
	CHECK_SSL(TS_RESP_CTX_set_signer_digest(c, EVP_sha256()));
	CHECK_SSL(TS_RESP_CTX_set_ess_cert_id_digest(c, EVP_sha256()));
	TS_RESP_CTX_set_time_cb(c, tsa_time, &t);
	TS_RESP_CTX_set_serial_cb(c, tsa_serial, NULL);

	sha256(digest, data, len);
	CHECK_SSL(X509_ALGOR_set0(alg, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, NULL));
	CHECK_SSL(TS_MSG_IMPRINT_set_algo(mi, alg));
	CHECK_SSL(TS_MSG_IMPRINT_set_msg(mi, digest, sizeof(digest)));
	CHECK_SSL(TS_REQ_set_version(rq, 1));
	CHECK_SSL(TS_REQ_set_msg_imprint(rq, mi));
	CHECK_SSL(TS_REQ_set_cert_req(rq, 1));
	CHECK_SSL(TS_REQ_set_nonce(rq, nonce));
	CHECK_SSL(i2d_TS_REQ_bio(rb, rq));
	resp = TS_RESP_create_response(c, rb);
	if (resp == NULL ||
	    ASN1_INTEGER_get(TS_STATUS_INFO_get0_status(TS_RESP_get_status_info(resp))) != 0)
		die("the TSA did not grant the timestamp");
	n = i2d_TS_RESP(resp, &der);
	CHECK_SSL(n > 0);
	*outlen = (size_t)n;
	TS_RESP_free(resp);
	BIO_free(rb);
	ASN1_INTEGER_free(nonce);
	X509_ALGOR_free(alg);
	TS_MSG_IMPRINT_free(mi);
	TS_REQ_free(rq);
	ASN1_OBJECT_free(policy);
	EVP_PKEY_free(key);
	X509_free(cert);
	TS_RESP_CTX_free(c);
	return der;
}

/* ---- the pieces of one signature ---- */

static char *make_statement(const sign_opts *o, const void *artifact, size_t len)
{
	unsigned char d[32];
	char h[65], *s;
	const char *name = o->subject_name;
	json_t *pred, *st, *subject;
	json_error_t e;
	if (o->subject_digest != NULL) {
		/* an image, as cosign v3 signs it: the digest, no name */
		if (strncmp(o->subject_digest, "sha256:", 7) != 0 || strlen(o->subject_digest) != 71)
			die("--subject-digest: want sha256:<64 hex>, got %s", o->subject_digest);
		snprintf(h, sizeof(h), "%s", o->subject_digest + 7);
		subject = name ? json_pack("{s:s,s:{s:s}}", "name", name, "digest", "sha256", h) :
				 json_pack("{s:{s:s}}", "digest", "sha256", h);
	} else {
		sha256(d, artifact, len);
		hex(h, d, 32);
		if (name == NULL) {
			name = strrchr(o->payload, '/');
			name = name ? name + 1 : o->payload;
		}
		subject = json_pack("{s:s,s:{s:s}}", "name", name, "digest", "sha256", h);
	}
	if (o->predicate != NULL) {
		pred = json_load_file(o->predicate, JSON_REJECT_DUPLICATES, &e);
		if (pred == NULL)
			die("%s: %s", o->predicate, e.text);
	} else {
		pred = json_object();
	}
	st = json_pack("{s:s,s:[o],s:s,s:o}", "_type", "https://in-toto.io/Statement/v1",
		"subject", subject, "predicateType",
		o->predicate_type ? o->predicate_type : "https://slsa.dev/provenance/v1",
		"predicate", pred);
	if (st == NULL)
		die("building the statement");
	s = json_text(st, 0);
	json_decref(st);
	return s;
}

/* DSSE's pre-authentication encoding. */
static unsigned char *pae(const char *type, const void *payload, size_t len, size_t *outlen)
{
	char head[128];
	int h = snprintf(head, sizeof(head), "DSSEv1 %zu %s %zu ", strlen(type), type, len);
	unsigned char *p = xmalloc((size_t)h + len);
	memcpy(p, head, (size_t)h);
	memcpy(p + h, payload, len);
	*outlen = (size_t)h + len;
	return p;
}

static json_t *proof_json(const hash32 *proof, size_t np)
{
	json_t *a = json_array();
	size_t i;
	CHECK_SSL(a != NULL);
	for (i = 0; i < np; i++) {
		char *s = b64(proof[i], 32);
		CHECK_SSL(json_array_append_new(a, json_string(s)) == 0);
		free(s);
	}
	return a;
}

static uint64_t parse_u64(const char *s)
{
	char *end;
	unsigned long long v;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s || s[0] == '-')
		die("not a number: %s", s);
	return v;
}

static int cmd_sign(int argc, char **argv)
{
	static const char *intoto = "application/vnd.in-toto+json";
	sign_opts o;
	EVP_PKEY *ikey, *ctkey, *rekor, *leafkey, *other = genkey("P-256"), *rootkey = NULL;
	X509 *inter, *root, *leaf;
	unsigned char *payload, *sig, *signed_data, digest[32], logid[32], *tsr = NULL, *setsig;
	unsigned char *cpsig, *cpblob;
	size_t plen, siglen, sdlen, tsrlen = 0, setlen, cplen, np = 0, i, n;
	char *sigb64, *leafpem, *chainpem, *certb64, *p1, *p2, *body, *bodyb64, *setb64, *note;
	char *envelope, *cosign, *s, *env_json = NULL, dhex[65], logidhex[65], num[3][24];
	int64_t nb, na;
	hash32 *leaves, *proof, roothash;
	json_t *bodyj, *setj, *tlog, *vm, *bundle, *content;
	const char *mt;
	int a;

	memset(&o, 0, sizeof(o));
	o.t = (int64_t)time(NULL);
	o.index = 3;
	o.out = ".";
	o.bundle_version = "0.3";
	if (argc < 1)
		die("usage: fakesigstore sign DIR --payload FILE --identity SAN --issuer URL [options]");
	o.dir = argv[0];
	for (a = 1; a < argc; a++) {
		const char *f = argv[a], *v = a + 1 < argc ? argv[a + 1] : NULL;
#define VAL(name, dst) else if (strcmp(f, name) == 0 && v != NULL) { dst = v; a++; }
#define FLAG(name, dst) else if (strcmp(f, name) == 0) dst = 1;
		if (0) {}
		VAL("--payload", o.payload)
		VAL("--identity", o.identity)
		VAL("--issuer", o.issuer)
		VAL("--out", o.out)
		VAL("--bundle-version", o.bundle_version)
		VAL("--subject-name", o.subject_name)
		VAL("--subject-digest", o.subject_digest)
		VAL("--predicate-type", o.predicate_type)
		VAL("--predicate", o.predicate)
		VAL("--statement", o.statement)
		FLAG("--email", o.email)
		FLAG("--othername", o.othername)
		FLAG("--dsse", o.dsse)
		FLAG("--no-timestamp", o.no_timestamp)
		FLAG("--bad-sct", o.bad_sct)
		FLAG("--expired", o.expired)
		FLAG("--bad-set", o.bad_set)
		FLAG("--bad-checkpoint", o.bad_checkpoint)
		FLAG("--bad-proof", o.bad_proof)
		FLAG("--other-digest", o.other_digest)
		FLAG("--untrusted-ca", o.untrusted_ca)
		FLAG("--bad-timestamp", o.bad_timestamp)
		else if (strcmp(f, "--time") == 0 && v != NULL) { o.t = parse_time(v); a++; }
		else if (strcmp(f, "--log-index") == 0 && v != NULL) { o.index = parse_u64(v); a++; }
		else if (strcmp(f, "--tree-size") == 0 && v != NULL) { o.size = parse_u64(v); a++; }
		else
			die("sign: unknown option or missing value: %s", f);
#undef VAL
#undef FLAG
	}
	if ((o.payload == NULL && !(o.dsse && (o.statement || o.subject_digest))) ||
	    o.identity == NULL || o.issuer == NULL)
		die("sign: --payload, --identity and --issuer are required");
	if ((o.statement || o.subject_digest || o.predicate || o.predicate_type) && !o.dsse)
		die("sign: --statement, --subject-digest, --predicate-type and --predicate need --dsse");
	if (o.size == 0)
		o.size = o.index + 3;
	if (o.index >= o.size || o.size > MAX_TREE || o.size < 2)
		die("sign: want --log-index < --tree-size, 2 <= --tree-size <= %u", MAX_TREE);
	if (strcmp(o.bundle_version, "0.1") != 0 && strcmp(o.bundle_version, "0.2") != 0 &&
	    strcmp(o.bundle_version, "0.3") != 0)
		die("sign: --bundle-version is 0.1, 0.2 or 0.3");
	if (o.bad_timestamp && o.no_timestamp)
		die("sign: --bad-timestamp or --no-timestamp, not both");
	if (o.email + o.othername > 1)
		die("sign: --email or --othername, not both");
	if (mkdir(o.out, 0700) != 0 && errno != EEXIST)
		die("creating %s: %s", o.out, strerror(errno));

	/* the CA that issues the leaf: DIR's, or a stranger with the same names */
	if (o.untrusted_ca) {
		int64_t now = o.t;
		EVP_PKEY *real = load_key(o.dir, "inter.key.pem");
		const char *curve = EVP_PKEY_get_bits(real) > 256 ? "P-384" : "P-256";
		EVP_PKEY_free(real);
		rootkey = genkey(curve);
		ikey = genkey(curve);
		root = mkcert(K_ROOT, "sigstore", rootkey, NULL, rootkey, now - 86400, now + 86400);
		inter = mkcert(K_INTER, "sigstore-intermediate", ikey, root, rootkey, now - 86400,
			now + 86400);
	} else {
		ikey = load_key(o.dir, "inter.key.pem");
		inter = load_cert(o.dir, "inter.pem");
		root = load_cert(o.dir, "root.pem");
	}
	ctkey = load_key(o.dir, "ctlog.key.pem");
	rekor = load_key(o.dir, "rekor.key.pem");
	key_id(logid, rekor);
	hex(logidhex, logid, 32);

	/* the leaf, as Fulcio issues it */
	leafkey = genkey("P-256");
	nb = o.expired ? o.t - 1200 : o.t - 30;
	na = nb + 600;
	leaf = mkcert(K_LEAF, NULL, leafkey, inter, ikey, nb, na);
	add_san(leaf, &o);
	add_issuer_exts(leaf, o.issuer);
	add_sct(leaf, inter, ikey, ctkey, o.bad_sct ? other : ctkey, (uint64_t)nb * 1000u);

	/* the signature */
	if (o.payload != NULL) {
		payload = read_path(o.payload, &plen);
	} else {
		payload = xmalloc(1);
		plen = 0;
	}
	if (o.dsse) {
		unsigned char *st;
		size_t stlen;
		if (o.statement != NULL) {
			st = read_path(o.statement, &stlen);
		} else {
			st = (unsigned char *)make_statement(&o, payload, plen);
			stlen = strlen((char *)st);
		}
		free(payload);
		payload = st;
		plen = stlen;
		signed_data = pae(intoto, payload, plen, &sdlen);
	} else {
		signed_data = xmalloc(plen);
		memcpy(signed_data, payload, plen);
		sdlen = plen;
	}
	sha256(digest, payload, plen);
	sig = sign_data(leafkey, signed_data, sdlen, &siglen);
	sigb64 = b64(sig, siglen);
	leafpem = cert_pem(leaf);
	certb64 = b64(leafpem, strlen(leafpem));

	/* the Rekor entry's body */
	if (o.other_digest) {
		static const char other_data[] = "fakesigstore: some other artifact\n";
		unsigned char od[32];
		sha256(od, other_data, sizeof(other_data) - 1);
		hex(dhex, od, 32);
	} else {
		hex(dhex, digest, 32);
	}
	if (o.dsse) {
		json_t *env = json_pack("{s:s,s:s,s:[{s:s}]}", "payload", (p1 = b64(payload, plen)),
			"payloadType", intoto, "signatures", "sig", sigb64);
		unsigned char eh[32];
		char ehex[65];
		CHECK_SSL(env != NULL);
		free(p1);
		env_json = json_text(env, 0);
		json_decref(env);
		sha256(eh, env_json, strlen(env_json));
		hex(ehex, eh, 32);
		bodyj = json_pack("{s:s,s:s,s:{s:{s:s,s:s},s:{s:s,s:s},s:[{s:s,s:s}]}}",
			"apiVersion", "0.0.1", "kind", "dsse", "spec",
			"envelopeHash", "algorithm", "sha256", "value", ehex,
			"payloadHash", "algorithm", "sha256", "value", dhex,
			"signatures", "signature", sigb64, "verifier", certb64);
	} else {
		bodyj = json_pack("{s:s,s:s,s:{s:{s:{s:s,s:s}},s:{s:s,s:{s:s}}}}",
			"apiVersion", "0.0.1", "kind", "hashedrekord", "spec",
			"data", "hash", "algorithm", "sha256", "value", dhex,
			"signature", "content", sigb64, "publicKey", "content", certb64);
	}
	CHECK_SSL(bodyj != NULL);
	body = json_text(bodyj, JSON_SORT_KEYS);
	bodyb64 = b64(body, strlen(body));

	/* the signed entry timestamp */
	setj = json_pack("{s:s,s:I,s:s,s:I}", "body", bodyb64, "integratedTime", (json_int_t)o.t,
		"logID", logidhex, "logIndex", (json_int_t)o.index);
	CHECK_SSL(setj != NULL);
	s = json_text(setj, JSON_SORT_KEYS);
	setsig = sign_data(o.bad_set ? other : rekor, s, strlen(s), &setlen);
	setb64 = b64(setsig, setlen);
	free(s);
	json_decref(setj);

	/* the tree, the proof and the checkpoint */
	leaves = xmalloc(sizeof(hash32) * (size_t)o.size);
	proof = xmalloc(sizeof(hash32) * 64);
	for (i = 0; i < o.size; i++) {
		char other_leaf[64];
		n = (size_t)snprintf(other_leaf, sizeof(other_leaf), "fakesigstore leaf %zu", i);
		if (i == o.index)
			leaf_hash(leaves[i], body, strlen(body));
		else
			leaf_hash(leaves[i], other_leaf, n);
	}
	mth(roothash, leaves, o.size);
	audit_path(proof, &np, o.index, leaves, o.size);
	if (o.bad_proof)
		proof[0][0] ^= 0x01;
	p1 = b64(roothash, 32);
	n = strlen(REKOR_ORIGIN) + strlen(p1) + 64;
	note = xmalloc(n);
	snprintf(note, n, "%s\n%llu\n%s\n", REKOR_ORIGIN, (unsigned long long)o.size, p1);
	free(p1);
	cpsig = sign_data(o.bad_checkpoint ? other : rekor, note, strlen(note), &cplen);
	cpblob = xmalloc(4 + cplen);
	memcpy(cpblob, logid, 4);
	memcpy(cpblob + 4, cpsig, cplen);
	p1 = b64(cpblob, 4 + cplen);
	n = strlen(note) + strlen(REKOR_ORIGIN) + strlen(p1) + 16;
	envelope = xmalloc(n);
	snprintf(envelope, n, "%s\n\xe2\x80\x94 %s %s\n", note, REKOR_ORIGIN, p1);
	free(p1);

	if (!o.no_timestamp && o.bad_timestamp) {
		static const char other_data[] = "fakesigstore: not the signature";
		tsr = timestamp(o.dir, o.t, other_data, sizeof(other_data) - 1, &tsrlen);
	} else if (!o.no_timestamp) {
		tsr = timestamp(o.dir, o.t, sig, siglen, &tsrlen);
	}

	/* cosign's annotations */
	bundle = json_pack("{s:s,s:{s:s,s:I,s:I,s:s}}", "SignedEntryTimestamp", setb64, "Payload",
		"body", bodyb64, "integratedTime", (json_int_t)o.t, "logIndex", (json_int_t)o.index,
		"logID", logidhex);
	CHECK_SSL(bundle != NULL);
	cosign = json_text(bundle, 0);
	json_decref(bundle);
	write_str(o.out, "rekor-bundle.json", cosign);
	if (tsr != NULL) {
		p1 = b64(tsr, tsrlen);
		bundle = json_pack("{s:s}", "SignedRFC3161Timestamp", p1);
		CHECK_SSL(bundle != NULL);
		s = json_text(bundle, 0);
		write_str(o.out, "timestamp.json", s);
		write_file(o.out, "timestamp.der", tsr, tsrlen);
		free(s);
		free(p1);
		json_decref(bundle);
	}

	/* the Sigstore bundle */
	snprintf(num[0], sizeof(num[0]), "%llu", (unsigned long long)o.index);
	snprintf(num[1], sizeof(num[1]), "%llu", (unsigned long long)o.size);
	snprintf(num[2], sizeof(num[2]), "%lld", (long long)o.t);
	p1 = b64(logid, 32);
	p2 = b64(roothash, 32);
	tlog = json_pack("{s:s,s:{s:s},s:{s:s,s:s},s:s,s:{s:s},s:{s:s,s:s,s:s,s:o,s:{s:s}},s:s}",
		"logIndex", num[0], "logId", "keyId", p1, "kindVersion", "kind",
		o.dsse ? "dsse" : "hashedrekord", "version", "0.0.1", "integratedTime", num[2],
		"inclusionPromise", "signedEntryTimestamp", setb64, "inclusionProof", "logIndex", num[0],
		"rootHash", p2, "treeSize", num[1], "hashes", proof_json(proof, np), "checkpoint",
		"envelope", envelope, "canonicalizedBody", bodyb64);
	CHECK_SSL(tlog != NULL);
	free(p1);
	free(p2);
	free(certb64);
	certb64 = cert_b64(leaf);
	if (strcmp(o.bundle_version, "0.3") == 0) {
		mt = "application/vnd.dev.sigstore.bundle.v0.3+json";
		vm = json_pack("{s:{s:s},s:[o]}", "certificate", "rawBytes", certb64, "tlogEntries",
			tlog);
	} else {
		mt = strcmp(o.bundle_version, "0.2") == 0 ?
			"application/vnd.dev.sigstore.bundle+json;version=0.2" :
			"application/vnd.dev.sigstore.bundle+json;version=0.1";
		p1 = cert_b64(inter);
		vm = json_pack("{s:{s:[{s:s},{s:s}]},s:[o]}", "x509CertificateChain", "certificates",
			"rawBytes", certb64, "rawBytes", p1, "tlogEntries", tlog);
		free(p1);
	}
	CHECK_SSL(vm != NULL);
	if (tsr != NULL) {
		p1 = b64(tsr, tsrlen);
		CHECK_SSL(json_object_set_new(vm, "timestampVerificationData",
			json_pack("{s:[{s:s}]}", "rfc3161Timestamps", "signedTimestamp", p1)) == 0);
		free(p1);
	}
	if (o.dsse) {
		json_error_t e;
		content = json_loads(env_json, 0, &e);
	} else {
		p1 = b64(digest, 32);
		content = json_pack("{s:{s:s,s:s},s:s}", "messageDigest", "algorithm", "SHA2_256",
			"digest", p1, "signature", sigb64);
		free(p1);
	}
	CHECK_SSL(content != NULL);
	bundle = json_pack("{s:s,s:o,s:o}", "mediaType", mt, "verificationMaterial", vm,
		o.dsse ? "dsseEnvelope" : "messageSignature", content);
	CHECK_SSL(bundle != NULL);
	s = json_dumps(bundle, JSON_INDENT(2));
	CHECK_SSL(s != NULL);
	write_str(o.out, "bundle.sigstore.json", s);
	free(s);
	json_decref(bundle);

	/* the rest */
	write_file(o.out, "payload", payload, plen);
	write_str(o.out, "cert.pem", leafpem);
	p1 = cert_pem(inter);
	p2 = cert_pem(root);
	chainpem = xmalloc(strlen(p1) + strlen(p2) + 1);
	strcpy(chainpem, p1);
	strcat(chainpem, p2);
	write_str(o.out, "chain.pem", chainpem);
	write_str(o.out, "sig.b64", sigb64);
	write_file(o.out, "sig.der", sig, siglen);
	write_str(o.out, "body.json", body);
	if (env_json != NULL)
		write_str(o.out, "envelope.json", env_json);

	free(p1);
	free(p2);
	free(chainpem);
	free(cosign);
	free(envelope);
	free(cpblob);
	free(cpsig);
	free(note);
	free(leaves);
	free(proof);
	free(setsig);
	free(setb64);
	free(body);
	free(bodyb64);
	json_decref(bodyj);
	free(env_json);
	OPENSSL_free(tsr);
	free(certb64);
	free(leafpem);
	free(sigb64);
	free(sig);
	free(signed_data);
	free(payload);
	X509_free(leaf);
	X509_free(inter);
	X509_free(root);
	EVP_PKEY_free(leafkey);
	EVP_PKEY_free(ikey);
	EVP_PKEY_free(rootkey);
	EVP_PKEY_free(ctkey);
	EVP_PKEY_free(rekor);
	EVP_PKEY_free(other);
	return 0;
}

/* ---- check ---- */

static int failures;

__attribute__((format(printf, 2, 3)))
static void report(int ok, const char *fmt, ...)
{
	va_list ap;
	fputs(ok ? "ok " : "bad ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	if (!ok)
		failures++;
}

/* The embedded SCT, by OpenSSL's CT code: a CT log list file naming the
 * CT log key of DIR, a policy context with the leaf and its issuer. */
static void check_sct(const char *dir, X509 *leaf, X509 *issuer, int64_t at)
{
	EVP_PKEY *ct = load_key(dir, "ctlog.key.pem");
	size_t n;
	unsigned char *der = spki_der(ct, &n);
	char *k = b64(der, n), tmpl[] = "/tmp/fakesigstore-ctlogs.XXXXXX";
	int fd = mkstemp(tmpl), valid = 0, i;
	FILE *f;
	CTLOG_STORE *store = CTLOG_STORE_new();
	CT_POLICY_EVAL_CTX *ctx = CT_POLICY_EVAL_CTX_new();
	STACK_OF(SCT) *scts = X509_get_ext_d2i(leaf, NID_ct_precert_scts, NULL, NULL);

	if (fd < 0 || (f = fdopen(fd, "w")) == NULL)
		die("creating a CT log list: %s", strerror(errno));
	fprintf(f, "enabled_logs = fake\n[fake]\ndescription = fakesigstore CT log\nkey = %s\n", k);
	fclose(f);
	CHECK_SSL(store != NULL && ctx != NULL);
	if (!CTLOG_STORE_load_file(store, tmpl))
		die("loading the CT log list");
	unlink(tmpl);
	if (scts == NULL || sk_SCT_num(scts) != 1) {
		report(0, "sct: want one embedded SCT, found %d", scts ? sk_SCT_num(scts) : 0);
	} else {
		for (i = 0; i < sk_SCT_num(scts); i++)
			SCT_set_source(sk_SCT_value(scts, i), SCT_SOURCE_X509V3_EXTENSION);
		CHECK_SSL(CT_POLICY_EVAL_CTX_set1_cert(ctx, leaf));
		CHECK_SSL(CT_POLICY_EVAL_CTX_set1_issuer(ctx, issuer));
		CT_POLICY_EVAL_CTX_set_shared_CTLOG_STORE(ctx, store);
		/* at the integrated time: the SCT must not be later */
		CT_POLICY_EVAL_CTX_set_time(ctx, (uint64_t)at * 1000u);
		valid = SCT_LIST_validate(scts, ctx) == 1 &&
			SCT_get_validation_status(sk_SCT_value(scts, 0)) == SCT_VALIDATION_STATUS_VALID;
		ERR_clear_error();
		if (valid)
			report(1, "sct");
		else
			report(0, "sct: SCT_LIST_validate refuses it (validation status %d)",
				(int)SCT_get_validation_status(sk_SCT_value(scts, 0)));
	}
	SCT_LIST_free(scts);
	CT_POLICY_EVAL_CTX_free(ctx);
	CTLOG_STORE_free(store);
	OPENSSL_free(der);
	free(k);
	EVP_PKEY_free(ct);
}

static const char *jstr(const json_t *j, const char *path)
{
	/* path: dot-separated object members */
	char buf[256], *tok, *save = NULL;
	const json_t *cur = j;
	snprintf(buf, sizeof(buf), "%s", path);
	for (tok = strtok_r(buf, ".", &save); tok && cur; tok = strtok_r(NULL, ".", &save))
		cur = json_is_array(cur) ? json_array_get(cur, 0) : json_object_get(cur, tok);
	return json_string_value(cur);
}

/* The checkpoint: signed by DIR's Rekor key (hint = first 4 bytes of the
 * log ID), its origin, size and root those of the log and the proof. */
static void check_checkpoint(EVP_PKEY *rekor, const char *envelope, const char *size,
	const char *root)
{
	const char *sep = strstr(envelope, "\n\n"), *line, *sp;
	char *body, want[512];
	unsigned char *blob, logid[32];
	size_t bodylen, n;
	if (sep == NULL) {
		report(0, "checkpoint: no blank line");
		return;
	}
	bodylen = (size_t)(sep - envelope) + 1;
	body = xmalloc(bodylen + 1);
	memcpy(body, envelope, bodylen);
	body[bodylen] = '\0';
	snprintf(want, sizeof(want), "%s\n%s\n%s\n", REKOR_ORIGIN, size, root);
	report(strcmp(body, want) == 0, "checkpoint-content%s",
		strcmp(body, want) == 0 ? "" : ": origin, size or root differ from the proof's");
	line = sep + 2;
	if (strncmp(line, "\xe2\x80\x94 " REKOR_ORIGIN " ", strlen(REKOR_ORIGIN) + 5) != 0) {
		report(0, "checkpoint: no signature line from %s", REKOR_ORIGIN);
		free(body);
		return;
	}
	line += strlen(REKOR_ORIGIN) + 5;
	sp = strchr(line, '\n');
	{
		char *b = xmalloc(strlen(line) + 1);
		memcpy(b, line, sp ? (size_t)(sp - line) : strlen(line));
		b[sp ? (size_t)(sp - line) : strlen(line)] = '\0';
		blob = unb64(b, &n);
		free(b);
	}
	key_id(logid, rekor);
	if (blob == NULL || n < 5 || memcmp(blob, logid, 4) != 0)
		report(0, "checkpoint: signature missing or key hint not the log's");
	else
		report(verify_data(rekor, body, bodylen, blob + 4, n - 4), "checkpoint-signature");
	free(blob);
	free(body);
}

static void check_proof(const json_t *tlog, const unsigned char *body, size_t bodylen)
{
	const json_t *ip = json_object_get(tlog, "inclusionProof"), *hashes, *h;
	const char *idx = json_string_value(json_object_get(ip, "logIndex"));
	const char *size = json_string_value(json_object_get(ip, "treeSize"));
	const char *root = json_string_value(json_object_get(ip, "rootHash"));
	sign_buf leaf = SIGN_BUF_INIT, rootb = SIGN_BUF_INIT, proof[64];
	sign_error err;
	size_t i, n = 0, np;
	unsigned char lh[32], *d;
	memset(&err, 0, sizeof(err));
	memset(proof, 0, sizeof(proof));
	hashes = json_object_get(ip, "hashes");
	np = json_array_size(hashes);
	if (idx == NULL || size == NULL || root == NULL || np > 64) {
		report(0, "proof: incomplete inclusion proof");
		return;
	}
	signp_merkle_leaf_hash(lh, body, bodylen);
	signp_buf_put(&leaf, lh, 32);
	d = unb64(root, &n);
	if (d != NULL)
		signp_buf_put(&rootb, d, n);
	free(d);
	json_array_foreach(hashes, i, h) {
		d = json_string_value(h) ? unb64(json_string_value(h), &n) : NULL;
		if (d != NULL)
			signp_buf_put(&proof[i], d, n);
		free(d);
	}
	if (signp_merkle_verify_inclusion(parse_u64(idx), parse_u64(size), &leaf, proof, np, &rootb,
		&err) == SIGN_OK)
		report(1, "proof");
	else
		report(0, "proof: %s", err.message);
	for (i = 0; i < np; i++)
		sign_buf_dispose(&proof[i]);
	sign_buf_dispose(&leaf);
	sign_buf_dispose(&rootb);
}

static int cmd_check(int argc, char **argv)
{
	const char *dir, *out, *kind, *s, *bodyb64;
	X509 *leaf, *inter, *root;
	EVP_PKEY *rekor;
	json_t *bundle, *cb, *tlog, *body;
	unsigned char *bodybytes, digest[32], *sig, *p;
	size_t bodylen, plen, siglen, n;
	char *payload, *sigb64, *pem, *pemb64, dhex[65], logidhex[65];
	unsigned char logid[32];
	int64_t it;
	X509_STORE *store;
	X509_STORE_CTX *xc;
	STACK_OF(X509) *untrusted;

	if (argc != 2)
		die("usage: fakesigstore check DIR OUTDIR");
	dir = argv[0];
	out = argv[1];
	leaf = load_cert(out, "cert.pem");
	inter = load_cert(out, "chain.pem");
	root = load_cert(dir, "root.pem");
	rekor = load_key(dir, "rekor.key.pem");
	key_id(logid, rekor);
	hex(logidhex, logid, 32);
	bundle = load_json(out, "bundle.sigstore.json");
	cb = load_json(out, "rekor-bundle.json");
	tlog = json_array_get(json_object_get(json_object_get(bundle, "verificationMaterial"),
		"tlogEntries"), 0);
	bodyb64 = json_string_value(json_object_get(tlog, "canonicalizedBody"));
	if (tlog == NULL || bodyb64 == NULL || (bodybytes = unb64(bodyb64, &bodylen)) == NULL)
		die("%s/bundle.sigstore.json: no transparency log entry", out);
	payload = read_in(out, "payload", &plen);
	sigb64 = read_in(out, "sig.b64", NULL);
	sig = unb64(sigb64, &siglen);
	if (sig == NULL)
		die("%s/sig.b64: not base64", out);
	it = (int64_t)json_integer_value(json_object_get(json_object_get(cb, "Payload"),
		"integratedTime"));

	/* the chain, at the integrated time */
	store = X509_STORE_new();
	xc = X509_STORE_CTX_new();
	untrusted = sk_X509_new_null();
	CHECK_SSL(store && xc && untrusted && X509_STORE_add_cert(store, root) &&
		sk_X509_push(untrusted, inter));
	CHECK_SSL(X509_STORE_CTX_init(xc, store, leaf, untrusted));
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(xc), (time_t)it);
	{
		int ok = X509_verify_cert(xc) == 1;
		report(ok, "chain%s%s", ok ? "" : ": ",
			ok ? "" : X509_verify_cert_error_string(X509_STORE_CTX_get_error(xc)));
	}
	ERR_clear_error();
	X509_STORE_CTX_free(xc);
	X509_STORE_free(store);
	sk_X509_free(untrusted);

	/* the leaf's validity */
	report(X509_cmp_time(X509_get0_notBefore(leaf), &(time_t){ (time_t)it }) <= 0 &&
		X509_cmp_time(X509_get0_notAfter(leaf), &(time_t){ (time_t)it }) >= 0,
		"leaf-valid-at-integrated-time");

	check_sct(dir, leaf, inter, it);

	/* the signature over the payload (or DSSE's PAE) */
	kind = jstr(tlog, "kindVersion.kind");
	if (kind != NULL && strcmp(kind, "dsse") == 0) {
		p = pae("application/vnd.in-toto+json", payload, plen, &n);
		report(verify_data(X509_get0_pubkey(leaf), p, n, sig, siglen), "signature");
		free(p);
	} else {
		report(verify_data(X509_get0_pubkey(leaf), payload, plen, sig, siglen), "signature");
	}

	/* the body */
	body = json_loadb((const char *)bodybytes, bodylen, JSON_REJECT_DUPLICATES, NULL);
	sha256(digest, payload, plen);
	hex(dhex, digest, 32);
	pem = read_in(out, "cert.pem", NULL);
	pemb64 = b64(pem, strlen(pem));
	if (kind != NULL && strcmp(kind, "dsse") == 0) {
		const json_t *sg = json_array_get(json_object_get(json_object_get(body, "spec"),
			"signatures"), 0);
		s = jstr(body, "spec.payloadHash.value");
		report(s && strcmp(s, dhex) == 0, "body-digest");
		s = json_string_value(json_object_get(sg, "signature"));
		report(s && strcmp(s, sigb64) == 0, "body-signature");
		s = json_string_value(json_object_get(sg, "verifier"));
		report(s && strcmp(s, pemb64) == 0, "body-certificate");
	} else {
		s = jstr(body, "spec.data.hash.value");
		report(s && strcmp(s, dhex) == 0, "body-digest");
		s = jstr(body, "spec.signature.content");
		report(s && strcmp(s, sigb64) == 0, "body-signature");
		s = jstr(body, "spec.signature.publicKey.content");
		report(s && strcmp(s, pemb64) == 0, "body-certificate");
	}
	s = json_string_value(json_object_get(json_object_get(cb, "Payload"), "body"));
	report(s && strcmp(s, bodyb64) == 0, "cosign-bundle-body");

	/* the SET, over the canonical JSON of cosign's Payload */
	{
		json_t *pl = json_object_get(cb, "Payload");
		char *canon = json_text(pl, JSON_SORT_KEYS);
		const char *setb64 = json_string_value(json_object_get(cb, "SignedEntryTimestamp"));
		unsigned char *set = setb64 ? unb64(setb64, &n) : NULL;
		const char *lid = json_string_value(json_object_get(pl, "logID"));
		report(lid && strcmp(lid, logidhex) == 0, "set-log-id");
		report(set && verify_data(rekor, canon, strlen(canon), set, n), "set");
		s = jstr(tlog, "inclusionPromise.signedEntryTimestamp");
		report(s && setb64 && strcmp(s, setb64) == 0, "bundle-set");
		free(set);
		free(canon);
	}

	check_proof(tlog, bodybytes, bodylen);
	{
		const json_t *ip = json_object_get(tlog, "inclusionProof");
		const char *env = jstr(ip, "checkpoint.envelope");
		if (env == NULL)
			report(0, "checkpoint: none");
		else
			check_checkpoint(rekor, env,
				json_string_value(json_object_get(ip, "treeSize")),
				json_string_value(json_object_get(ip, "rootHash")));
	}

	free(pem);
	free(pemb64);
	json_decref(body);
	free(sig);
	free(sigb64);
	free(payload);
	free(bodybytes);
	json_decref(cb);
	json_decref(bundle);
	EVP_PKEY_free(rekor);
	X509_free(root);
	X509_free(inter);
	X509_free(leaf);
	return failures ? 1 : 0;
}

/* ---- payload, attach ---- */

static int cmd_payload(int argc, char **argv)
{
	sign_buf b = SIGN_BUF_INIT;
	if (argc != 2)
		die("usage: fakesigstore payload REPOSITORY DIGEST");
	if (signp_cosign_payload(&b, argv[0], argv[1]) != SIGN_OK)
		die("cannot make the payload of %s@%s", argv[0], argv[1]);
	fwrite(b.ptr, 1, b.size, stdout);
	sign_buf_dispose(&b);
	return 0;
}

/* A file of OUTDIR without its trailing newlines, or NULL if absent. */
static char *read_opt(const char *dir, const char *name)
{
	char *p = path_of(dir, name), *s = NULL;
	size_t n;
	if (access(p, F_OK) == 0) {
		s = (char *)read_path(p, &n);
		while (n > 0 && s[n - 1] == '\n' && strncmp(name, "sig", 3) == 0)
			s[--n] = '\0';
	}
	free(p);
	return s;
}

static int cmd_attach(int argc, char **argv)
{
	const char *repo, *digest, *out;
	signp_registry_options ro;
	signp_registry *r = NULL;
	sign_error err;
	sign_buf old = SIGN_BUF_INIT, man = SIGN_BUF_INIT, cfg = SIGN_BUF_INIT;
	char tag[96], pd[72], cd[72], md[80], *payload, *sigb64, *cert, *chain, *rb, *ts, *s;
	size_t plen;
	int changed = 0, rc;
	json_t *m, *layers, *ann;

	if (argc != 4)
		die("usage: fakesigstore attach REGISTRY REPO DIGEST OUTDIR");
	repo = argv[1];
	digest = argv[2];
	out = argv[3];
	memset(&ro, 0, sizeof(ro));
	memset(&err, 0, sizeof(err));
	ro.host = argv[0];
	ro.insecure = 1;
	ro.scheme_hint = "http";
	payload = read_in(out, "payload", &plen);
	sigb64 = read_opt(out, "sig.b64");
	cert = read_opt(out, "cert.pem");
	chain = read_opt(out, "chain.pem");
	rb = read_opt(out, "rekor-bundle.json");
	ts = read_opt(out, "timestamp.json");
	if (sigb64 == NULL || cert == NULL)
		die("%s: no sig.b64 or cert.pem", out);
	if (signp_cosign_sig_tag(tag, digest) != SIGN_OK)
		die("not a digest: %s", digest);
	if (sign_global_init() != SIGN_OK)
		die("cannot initialise libsign");
	if (signp_registry_new(&r, &ro, &err) != SIGN_OK)
		die("%s", err.message);
	signp_digest(pd, payload, plen);
	if (signp_registry_put_blob(r, repo, pd, payload, plen, &err) != SIGN_OK)
		die("uploading the payload: %s", err.message);
	rc = signp_registry_get_manifest(r, repo, tag, &old, NULL, NULL, &err);
	if (rc != SIGN_OK && rc != SIGN_ENOTFOUND)
		die("reading %s:%s: %s", repo, tag, err.message);
	if (signp_cosign_manifest_append(&man, &cfg, &changed, rc == SIGN_OK ? old.ptr : NULL,
		rc == SIGN_OK ? old.size : 0, pd, plen, sigb64, NULL, payload, plen, &err) != SIGN_OK)
		die("%s", err.message);
	if (!changed) {
		fprintf(stderr, "fakesigstore: %s:%s already holds this signature\n", repo, tag);
		goto done;
	}
	/* cosign's annotations of a keyless signature, in Go's (sorted) order */
	m = json_loadb(man.ptr, man.size, JSON_REJECT_DUPLICATES, NULL);
	layers = json_object_get(m, "layers");
	ann = json_object_get(json_array_get(layers, json_array_size(layers) - 1), "annotations");
	if (ann == NULL)
		die("the manifest has no annotated layer");
	if (rb != NULL)
		json_object_set_new(ann, ANN_BUNDLE, json_string(rb));
	json_object_set_new(ann, ANN_CERT, json_string(cert));
	json_object_set_new(ann, ANN_CHAIN, json_string(chain ? chain : ""));
	if (ts != NULL)
		json_object_set_new(ann, ANN_TSA, json_string(ts));
	s = json_text(m, 0);
	json_decref(m);
	signp_digest(cd, cfg.ptr, cfg.size);
	if (signp_registry_put_blob(r, repo, cd, cfg.ptr, cfg.size, &err) != SIGN_OK)
		die("uploading the config: %s", err.message);
	if (signp_registry_put_manifest(r, repo, tag, s, strlen(s), SIGN_MT_OCI_MANIFEST, md,
		&err) != SIGN_OK)
		die("uploading %s:%s: %s", repo, tag, err.message);
	printf("%s\n", md);
	free(s);
done:
	sign_buf_dispose(&old);
	sign_buf_dispose(&man);
	sign_buf_dispose(&cfg);
	signp_registry_free(r);
	sign_global_cleanup();
	free(payload);
	free(sigb64);
	free(cert);
	free(chain);
	free(rb);
	free(ts);
	return 0;
}

#define MT_BUNDLE_V03 "application/vnd.dev.sigstore.bundle.v0.3+json"


/* cosign v2's keyless attestation: a DSSE layer of the .att manifest. */
static int cmd_attach_att(int argc, char **argv)
{
	const char *repo, *digest, *out;
	signp_registry_options ro;
	signp_registry *r = NULL;
	sign_error err;
	sign_buf old = SIGN_BUF_INIT, man = SIGN_BUF_INIT, cfg = SIGN_BUF_INIT;
	char tag[96], ed[72], cd[72], md[80], *bundle, *cert, *chain, *rb, *ts, *env;
	const char *pt;
	size_t blen;
	int rc;
	json_t *b, *st, *layer, *ann, *pl;
	sign_buf stmt = SIGN_BUF_INIT;

	if (argc != 4)
		die("usage: fakesigstore attach-att REGISTRY REPO DIGEST OUTDIR");
	repo = argv[1];
	digest = argv[2];
	out = argv[3];
	memset(&ro, 0, sizeof(ro));
	memset(&err, 0, sizeof(err));
	ro.host = argv[0];
	ro.insecure = 1;
	ro.scheme_hint = "http";
	bundle = read_in(out, "bundle.sigstore.json", &blen);
	cert = read_opt(out, "cert.pem");
	chain = read_opt(out, "chain.pem");
	rb = read_opt(out, "rekor-bundle.json");
	ts = read_opt(out, "timestamp.json");
	if (cert == NULL)
		die("%s: no cert.pem", out);
	b = json_loadb(bundle, blen, 0, NULL);
	if (b == NULL || json_object_get(b, "dsseEnvelope") == NULL)
		die("%s: the bundle has no DSSE envelope (sign with --dsse)", out);
	env = json_dumps(json_object_get(b, "dsseEnvelope"), JSON_COMPACT);
	pl = json_object_get(json_object_get(b, "dsseEnvelope"), "payload");
	if (env == NULL || !json_is_string(pl) ||
	    signp_b64_decode(&stmt, json_string_value(pl), strlen(json_string_value(pl))) != SIGN_OK)
		die("%s: unreadable envelope", out);
	st = json_loadb(stmt.ptr, stmt.size, 0, NULL);
	pt = json_string_value(json_object_get(st, "predicateType"));
	if (signp_cosign_sig_tag(tag, digest) != SIGN_OK)
		die("not a digest: %s", digest);
	memcpy(tag + strlen(tag) - 3, "att", 3);
	if (sign_global_init() != SIGN_OK)
		die("cannot initialise libsign");
	if (signp_registry_new(&r, &ro, &err) != SIGN_OK)
		die("%s", err.message);
	signp_digest(ed, env, strlen(env));
	if (signp_registry_put_blob(r, repo, ed, env, strlen(env), &err) != SIGN_OK)
		die("uploading the envelope: %s", err.message);
	rc = signp_registry_get_manifest(r, repo, tag, &old, NULL, NULL, &err);
	if (rc != SIGN_OK && rc != SIGN_ENOTFOUND)
		die("reading %s:%s: %s", repo, tag, err.message);
	/* cosign's annotations, in Go's (sorted) order */
	ann = json_object();
	if (rb != NULL)
		json_object_set_new(ann, ANN_BUNDLE, json_string(rb));
	json_object_set_new(ann, ANN_CERT, json_string(cert));
	json_object_set_new(ann, ANN_CHAIN, json_string(chain ? chain : ""));
	if (ts != NULL)
		json_object_set_new(ann, ANN_TSA, json_string(ts));
	json_object_set_new(ann, "dev.cosignproject.cosign/signature", json_string(""));
	json_object_set_new(ann, "predicateType", json_string(pt ? pt : ""));
	layer = json_pack("{s:s, s:I, s:s, s:o}", "mediaType", "application/vnd.dsse.envelope.v1+json", "size",
		(json_int_t)strlen(env), "digest", ed, "annotations", ann);
	if (signp_cosign_manifest_add_layer(&man, &cfg, rc == SIGN_OK ? old.ptr : NULL, rc == SIGN_OK ? old.size : 0,
		layer, &err) != SIGN_OK)
		die("%s", err.message);
	signp_digest(cd, cfg.ptr, cfg.size);
	if (signp_registry_put_blob(r, repo, cd, cfg.ptr, cfg.size, &err) != SIGN_OK)
		die("uploading the config: %s", err.message);
	if (signp_registry_put_manifest(r, repo, tag, man.ptr, man.size, SIGN_MT_OCI_MANIFEST, md, &err) != SIGN_OK)
		die("uploading %s:%s: %s", repo, tag, err.message);
	printf("%s\n", md);
	free(env);
	json_decref(st);
	json_decref(b);
	sign_buf_dispose(&stmt);
	sign_buf_dispose(&old);
	sign_buf_dispose(&man);
	sign_buf_dispose(&cfg);
	signp_registry_free(r);
	free(bundle);
	free(cert);
	free(chain);
	free(rb);
	free(ts);
	return 0;
}

/* What cosign's annotations say of a bundle: its content and, for DSSE,
 * the statement's predicate type. */
static void bundle_kind(const char *bundle, size_t len, const char **content, char **ptype)
{
	json_t *b = json_loadb(bundle, len, JSON_REJECT_DUPLICATES, NULL), *st;
	const char *pl = jstr(b, "dsseEnvelope.payload");
	unsigned char *raw;
	size_t n;
	*content = pl ? "dsse-envelope" : "message-signature";
	*ptype = NULL;
	if (pl != NULL && (raw = unb64(pl, &n)) != NULL) {
		st = json_loadb((const char *)raw, n, 0, NULL);
		if (json_string_value(json_object_get(st, "predicateType")) != NULL)
			*ptype = strdup(json_string_value(json_object_get(st, "predicateType")));
		json_decref(st);
		free(raw);
	}
	json_decref(b);
}

static int cmd_attach_bundle(int argc, char **argv)
{
	static const char empty[] = "{}";
	const char *repo, *digest, *content;
	signp_registry_options ro;
	signp_registry *r = NULL;
	sign_error err;
	sign_buf old = SIGN_BUF_INIT;
	char smt[256], sd[80], ed[72], bd[72], md[72], itag[96], created[32], *bundle, *ptype;
	char *man, *ib;
	uint64_t ssize = 0;
	size_t blen, i;
	json_t *m, *ann, *idx = NULL, *list, *e;
	int rc;

	if (argc != 4)
		die("usage: fakesigstore attach-bundle REGISTRY REPO DIGEST OUTDIR");
	repo = argv[1];
	digest = argv[2];
	if (!signp_digest_valid(digest) || strncmp(digest, "sha256:", 7) != 0)
		die("not a sha256 digest: %s", digest);
	bundle = read_in(argv[3], "bundle.sigstore.json", &blen);
	bundle_kind(bundle, blen, &content, &ptype);
	memset(&ro, 0, sizeof(ro));
	memset(&err, 0, sizeof(err));
	ro.host = argv[0];
	ro.insecure = 1;
	ro.scheme_hint = "http";
	if (sign_global_init() != SIGN_OK)
		die("cannot initialise libsign");
	if (signp_registry_new(&r, &ro, &err) != SIGN_OK)
		die("%s", err.message);
	if (signp_registry_head_manifest(r, repo, digest, sd, smt, &ssize, &err) != SIGN_OK)
		die("the subject %s@%s: %s", repo, digest, err.message);
	signp_digest(ed, empty, 2);
	signp_digest(bd, bundle, blen);
	if (signp_registry_put_blob(r, repo, ed, empty, 2, &err) != SIGN_OK ||
	    signp_registry_put_blob(r, repo, bd, bundle, blen, &err) != SIGN_OK)
		die("uploading the bundle: %s", err.message);
	rfc3339(created, (int64_t)time(NULL));
	ann = json_pack("{s:s,s:s}", "org.opencontainers.image.created", created,
		"dev.sigstore.bundle.content", content);
	CHECK_SSL(ann != NULL);
	if (ptype != NULL)
		json_object_set_new(ann, "dev.sigstore.bundle.predicateType", json_string(ptype));
	m = json_pack("{s:i,s:s,s:s,s:{s:s,s:s,s:s,s:i},s:[{s:s,s:s,s:I}],s:{s:s,s:s,s:I},s:o}",
		"schemaVersion", 2, "mediaType", SIGN_MT_OCI_MANIFEST, "artifactType", MT_BUNDLE_V03,
		"config", "mediaType", SIGN_MT_EMPTY, "artifactType", MT_BUNDLE_V03, "digest", ed,
		"size", 2, "layers", "mediaType", MT_BUNDLE_V03, "digest", bd, "size",
		(json_int_t)blen, "subject", "mediaType", smt, "digest", digest, "size",
		(json_int_t)ssize, "annotations", ann);
	CHECK_SSL(m != NULL);
	man = json_text(m, 0);
	json_decref(m);
	signp_digest(md, man, strlen(man));
	if (signp_registry_put_manifest(r, repo, md, man, strlen(man), SIGN_MT_OCI_MANIFEST, NULL,
		&err) != SIGN_OK)
		die("uploading the referrer: %s", err.message);

	/* the referrers tag schema: the index at sha256-<hex> lists it */
	snprintf(itag, sizeof(itag), "sha256-%s", digest + 7);
	rc = signp_registry_get_manifest(r, repo, itag, &old, smt, NULL, &err);
	if (rc == SIGN_OK) {
		idx = json_loadb(old.ptr, old.size, JSON_REJECT_DUPLICATES, NULL);
		if (!json_is_array(json_object_get(idx, "manifests")))
			die("%s:%s is not an image index", repo, itag);
	} else if (rc == SIGN_ENOTFOUND) {
		idx = json_pack("{s:i,s:s,s:[]}", "schemaVersion", 2, "mediaType", SIGN_MT_OCI_INDEX,
			"manifests");
	} else {
		die("reading %s:%s: %s", repo, itag, err.message);
	}
	list = json_object_get(idx, "manifests");
	e = json_pack("{s:s,s:s,s:I,s:s}", "mediaType", SIGN_MT_OCI_MANIFEST, "digest", md, "size",
		(json_int_t)strlen(man), "artifactType", SIGN_MT_EMPTY);
	CHECK_SSL(e != NULL);
	for (i = 0; i < json_array_size(list); i++) {
		const char *d = jstr(json_array_get(list, i), "digest");
		if (d != NULL && strcmp(d, md) >= 0)
			break;
	}
	CHECK_SSL(json_array_insert_new(list, i, e) == 0);
	ib = json_text(idx, 0);
	if (signp_registry_put_manifest(r, repo, itag, ib, strlen(ib), SIGN_MT_OCI_INDEX, NULL,
		&err) != SIGN_OK)
		die("updating %s:%s: %s", repo, itag, err.message);
	printf("%s\n", md);
	free(ib);
	json_decref(idx);
	free(man);
	free(ptype);
	free(bundle);
	sign_buf_dispose(&old);
	signp_registry_free(r);
	sign_global_cleanup();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: fakesigstore init|sign|check|payload|attach|attach-bundle ...\n"
			"(see the header of tests/tools/fakesigstore.c)\n");
		return 2;
	}
	if (strcmp(argv[1], "init") == 0)
		return cmd_init(argc - 2, argv + 2);
	if (strcmp(argv[1], "sign") == 0)
		return cmd_sign(argc - 2, argv + 2);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc - 2, argv + 2);
	if (strcmp(argv[1], "payload") == 0)
		return cmd_payload(argc - 2, argv + 2);
	if (strcmp(argv[1], "attach") == 0)
		return cmd_attach(argc - 2, argv + 2);
	if (strcmp(argv[1], "attach-bundle") == 0)
		return cmd_attach_bundle(argc - 2, argv + 2);
	if (strcmp(argv[1], "attach-att") == 0)
		return cmd_attach_att(argc - 2, argv + 2);
	die("unknown command %s", argv[1]);
}

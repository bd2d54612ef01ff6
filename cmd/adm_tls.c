/*
 * adm_tls.c - the serving certificate and key of `sign admission`: loaded
 * at start, and loaded again when either file changes on disk (cert-manager
 * and Secret volumes replace them by rename or by swapping a symlink, so
 * the files are compared by what stat(2) says through the links: device,
 * inode, size and mtime).  A new pair is put in force only when its key
 * matches its certificate; new connections get it, open ones keep theirs.
 * The event loops take the pair in force under a mutex (adm_tls_ssl); the
 * one thread that checks the files swaps it under the same mutex.
 */
#include "adm.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/x509.h>

void adm_filesig_read(adm_filesig *s, const char *path)
{
	struct stat st;
	memset(s, 0, sizeof(*s));
	if (stat(path, &st) != 0)
		return;
	s->ok = 1;
	s->dev = st.st_dev;
	s->ino = st.st_ino;
	s->size = st.st_size;
	s->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

int adm_filesig_same(const adm_filesig *a, const adm_filesig *b)
{
	return a->ok == b->ok && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime_ns == b->mtime_ns;
}

/* The reason at the top of OpenSSL's error queue, which is emptied. */
static void ssl_why(char *why, size_t n, const char *what)
{
	unsigned long e = ERR_peek_last_error();
	char reason[200] = "unknown error";
	if (e != 0)
		ERR_error_string_n(e, reason, sizeof(reason));
	const char *r = ERR_reason_error_string(e);
	snprintf(why, n, "%s: %s", what, r ? r : reason);
	ERR_clear_error();
}

static SSL_CTX *load_pair(const char *cert, const char *key, char *subject, size_t subjlen,
	char *why, size_t n)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	X509 *x;
	char what[600];
	if (ctx == NULL) {
		ssl_why(why, n, "making a TLS context");
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
		SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		snprintf(what, sizeof(what), "reading the certificate %s", cert);
		ssl_why(why, n, what);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
			ERR_clear_error();
			snprintf(why, n, "key %s and certificate %s: the key does not match the "
				"certificate", key, cert);
			goto fail;
		}
		snprintf(what, sizeof(what), "reading the key %s", key);
		ssl_why(why, n, what);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(what, sizeof(what), "key %s and certificate %s", key, cert);
		ERR_clear_error();
		snprintf(why, n, "%s: the key does not match the certificate", what);
		goto fail;
	}
	x = SSL_CTX_get0_certificate(ctx);
	subject[0] = '\0';
	if (x != NULL) {
		char *s = X509_NAME_oneline(X509_get_subject_name(x), NULL, 0);
		if (s != NULL) {
			snprintf(subject, subjlen, "%s", s);
			OPENSSL_free(s);
		}
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int adm_tls_init(adm_tls *t, const char *cert, const char *key, char *why, size_t whylen)
{
	memset(t, 0, sizeof(*t));
	pthread_mutex_init(&t->mu, NULL);
	t->cert_path = cert;
	t->key_path = key;
	adm_filesig_read(&t->cert_sig, cert);
	adm_filesig_read(&t->key_sig, key);
	t->ctx = load_pair(cert, key, t->subject, sizeof(t->subject), why, whylen);
	return t->ctx ? 0 : -1;
}

int adm_tls_check(adm_tls *t, char *why, size_t whylen)
{
	adm_filesig c, k;
	char subject[256];
	SSL_CTX *ctx, *old;
	adm_filesig_read(&c, t->cert_path);
	adm_filesig_read(&k, t->key_path);
	if (adm_filesig_same(&c, &t->cert_sig) && adm_filesig_same(&k, &t->key_sig))
		return 0;
	/* tried once per change: a bad pair is not retried (and logged) every second */
	t->cert_sig = c;
	t->key_sig = k;
	ctx = load_pair(t->cert_path, t->key_path, subject, sizeof(subject), why, whylen);
	if (ctx == NULL)
		return -1;
	pthread_mutex_lock(&t->mu);
	old = t->ctx;
	t->ctx = ctx;
	pthread_mutex_unlock(&t->mu);
	SSL_CTX_free(old); /* connections made on it hold their own reference */
	memcpy(t->subject, subject, sizeof(subject));
	return 1;
}

SSL *adm_tls_ssl(adm_tls *t)
{
	SSL *ssl;
	pthread_mutex_lock(&t->mu);
	ssl = SSL_new(t->ctx);
	pthread_mutex_unlock(&t->mu);
	return ssl;
}

void adm_tls_free(adm_tls *t)
{
	SSL_CTX_free(t->ctx);
	t->ctx = NULL;
	pthread_mutex_destroy(&t->mu);
}

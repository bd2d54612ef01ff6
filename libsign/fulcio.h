/*
 * fulcio.h - the checks on a Fulcio signing certificate: its chain to a
 * CA of the trusted root at a verified time, its embedded SCT, and the
 * identity it carries (SAN and OIDC issuer).  Internal.
 */
#ifndef SIGN_FULCIO_H
#define SIGN_FULCIO_H

#include "common.h"
#include "sigstore_root.h"

#include <openssl/x509.h>

/* Fulcio's OIDC issuer extensions. */
#define SIGNP_OID_FULCIO_ISSUER_V1 "1.3.6.1.4.1.57264.1.1"   /* deprecated, raw string */
#define SIGNP_OID_FULCIO_ISSUER_V2 "1.3.6.1.4.1.57264.1.8"   /* DER UTF8String */

/* What the certificate must say.  Each of the four may be NULL; a
 * regexp is POSIX extended, matched anywhere as cosign's Go regexp is
 * (anchor it with ^...$).  At least one of san/san_regexp and one of
 * issuer/issuer_regexp must be set. */
typedef struct signp_identity {
	const char *san;
	const char *san_regexp;
	const char *issuer;
	const char *issuer_regexp;
} signp_identity;

/* Does leaf chain, through the bundle's intermediates `extra` (may be
 * NULL; a self-signed certificate in it is refused), to a CA of r whose
 * validFor includes t, with every certificate valid at t, the leaf a
 * code-signing certificate (digitalSignature, EKU codeSigning)?
 * *chain_out (may be NULL) gets the verified chain, leaf first (free with
 * sk_X509_pop_free(.., X509_free)).  SIGN_OK, or SIGN_EVERIFY saying why. */
int signp_fulcio_verify_chain(X509 *leaf, STACK_OF(X509) *extra, const signp_trusted_root *r,
	int64_t t, STACK_OF(X509) **chain_out, sign_error *err);

/* Does one SCT embedded in leaf verify with a CT log key of r, its
 * issuer being chain[1]?  SIGN_OK, or SIGN_EVERIFY. */
int signp_fulcio_verify_sct(X509 *leaf, STACK_OF(X509) *chain, const signp_trusted_root *r,
	sign_error *err);

/* Does leaf carry id?  SAN: email, URI, or Fulcio's otherName
 * (1.3.6.1.4.1.57264.1.7, a UTF8String).  Issuer: .1.8, else .1.1.
 * SIGN_OK, or SIGN_EVERIFY naming what the certificate says instead. */
int signp_fulcio_check_identity(X509 *leaf, const signp_identity *id, sign_error *err);

/* Fill id from a command's four options (each may be NULL) and check its
 * regexps are ones signp_fulcio_check_identity can use: SIGN_OK, or
 * SIGN_EINVAL naming the one that is not (checked before any work, so a
 * bad pattern is a usage error, not a failed signature). */
int signp_identity_set(signp_identity *id, const char *san, const char *san_regexp, const char *issuer,
	const char *issuer_regexp, sign_error *err);

/* The certificate's SAN and issuer as text (for output); "" when absent. */
int signp_fulcio_describe(X509 *leaf, sign_buf *san_out, sign_buf *issuer_out);

#endif

/*
 * tsa.h - RFC 3161 signed timestamps (a bundle's rfc3161Timestamps,
 * cosign's dev.sigstore.cosign/rfc3161timestamp), checked with OpenSSL's
 * TS API against the timestamp authorities of a trusted root.  Internal.
 */
#ifndef SIGN_TSA_H
#define SIGN_TSA_H

#include "common.h"
#include "sigstore_root.h"

/* Does the timestamp token `der` (a TimeStampToken, i.e. the CMS
 * SignedData; a whole TimeStampResp is accepted too) carry a message
 * imprint of `data` (the signature bytes), and is it signed by a TSA of r
 * (its chain from the token or the root, valid at genTime, the TSA's
 * validFor including genTime, EKU timeStamping)?  *time_out gets genTime
 * (unix seconds).  SIGN_OK, SIGN_EFORMAT, or SIGN_EVERIFY saying why. */
int signp_tsa_verify(const void *der, size_t len, const void *data, size_t datalen,
	const signp_trusted_root *r, int64_t *time_out, sign_error *err);

#endif

/*
 * tuf_scan.h - a targets file read in one pass of an event parser, without
 * a tree of its targets: the verifier's lean form of a large targets file.
 * Internal.
 *
 * A targets file of 100,000 tags is 9 MB of JSON; a tree of it is more than
 * ten times that, and building it was most of a first verify's time.  The
 * scan keeps, for each target, what a lookup reads (its name, sha256 and
 * length, as trust.c's target_entry reads them), and where the "signed"
 * value and its "targets" member lie in the bytes.  The rest of the file
 * (version, expiry, delegations, signatures) is parsed as usual from its
 * skeleton: the same bytes with an empty "targets" object.
 *
 * The signatures of a lean file are checked over the very bytes of its
 * "signed" value (tuf_sig.c), which are what the tree's canonical form
 * would be for any file a notary client or sign wrote.  A file the scan
 * cannot stand for (a duplicate member where it reads, two targets of one
 * name, a name with a NUL, a "signed" whose bytes are not canonical, so
 * that no signature verifies over them) is parsed as a whole instead: the
 * scan only spares work.
 */
#ifndef SIGN_TUF_SCAN_H
#define SIGN_TUF_SCAN_H

#include "tuf.h"

/* Scan bytes.  SIGN_OK; SIGN_EINVAL when the scan cannot stand for them
 * (not JSON, a duplicate member, no "signed" or "targets" object, ...):
 * parse them as a whole, which says what is wrong; SIGN_ENOMEM. */
int signp_tuf_scan_targets(signp_tuf_scan **out, const void *bytes, size_t len, sign_error *err);

/* Parse data as the targets role, lean: f->doc is the skeleton's tree,
 * f->bytes the whole file (data's memory, taken over on success: data is
 * left empty), f->scan its targets and where its "signed" bytes are.
 * SIGN_EINVAL when the scan cannot stand for the file (then
 * signp_tuf_parse it); the skeleton's own failures (signp_tuf_parse's,
 * SIGN_EVERIFY) otherwise. */
int signp_tuf_parse_lean(signp_tuf_file **out, const char *role, sign_buf *data, sign_error *err);

#endif

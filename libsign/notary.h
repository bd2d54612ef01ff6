/*
 * notary.h - the Notary v1 server trust backend (notary-server's HTTP API,
 * reference notary-tuf.md §5).  Internal.
 */
#ifndef SIGN_NOTARY_H
#define SIGN_NOTARY_H

#include "common.h"
#include "registry.h"
#include "trust_backend.h"
#include "tuf.h"

#include <jansson.h>

#define SIGN_NOTARY_MAX_KEY (256u << 10) /* a .key answer */

/* A trust backend over a notary server.  http is a handle made for the
 * server URL (signp_registry_options.base_url, label "notary server");
 * borrowed: it must outlive the backend.  gun is the GUN as in the
 * metadata ("docker.io/library/alpine").  name = "notary".
 *   refresh: GET timestamp.json (kept for fetch("timestamp")); a GUN with
 *            no trust data -> SIGN_ENOTFOUND.
 *   fetch:   N.<role>.json (version > 0), <role>.<sha256>.json (falling
 *            back to <role>.json on 404), or <role>.json.
 *   publish: one multipart POST of every file but "timestamp" (the server
 *            signs timestamps); SIGN_ECONFLICT when the server holds a
 *            newer version, SIGN_EREGISTRY when it refuses the update. */
int signp_trust_backend_notary(signp_trust_backend **out, signp_registry *http, const char *gun,
	sign_error *err);

/* The server-held public key of role "timestamp" or "snapshot": GET
 * .../<role>.key, or with rotate POST (a new pending key).  Note: before a
 * root listing the server's key is published, every GET makes a NEW key,
 * so cache the answer.  keyobj_out: {"keytype":..,"keyval":{"private":null,
 * "public":..}} (caller decrefs); keyid_out: its TUF key ID. */
int signp_notary_server_key(json_t **keyobj_out, char keyid_out[65], signp_trust_backend *be,
	const char *role, int rotate, sign_error *err);

/* ---- pieces exposed for unit tests ---- */

/* Parse a .key answer (encoding/json order, any key order accepted) into
 * a canonical key object and its ID.  SIGN_EFORMAT on anything else. */
int signp_notary_parse_key(json_t **keyobj_out, char keyid_out[65], const void *body, size_t len,
	sign_error *err);

/* Turn a notary-server error answer (status and body, usually
 * {"errors":[{"code","message","detail"}]}) into an error: returns the
 * code and fills err with "<what>: notary server <server>: ...".
 *   404 / METADATA_NOT_FOUND         -> SIGN_ENOTFOUND
 *   400 VERSION                      -> SIGN_ECONFLICT
 *   400 INVALID_UPDATE               -> SIGN_EREGISTRY, with detail Name and Error.Msg
 *   401, 403, UNAUTHORIZED, DENIED   -> SIGN_EAUTH
 *   anything else                    -> SIGN_EREGISTRY */
int signp_notary_error(sign_error *err, const char *what, const char *server, long status,
	const void *body, size_t len);

/* Is role a notary role name usable in a URL (root, targets, snapshot,
 * timestamp, targets/<name>[/<name>...] with [-a-z0-9_]) ? */
int signp_notary_role_ok(const char *role);

/* The multipart publish body of files (all but "timestamp"), one part per
 * role: name "files", filename "<role>".  nparts_out may be NULL. */
int signp_notary_publish_body(sign_buf *body, char boundary_out[72], const signp_trust_out *files,
	size_t n, size_t *nparts_out, sign_error *err);

#endif

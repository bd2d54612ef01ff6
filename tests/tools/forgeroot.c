/*
 * forgeroot - an attacker's root rotation, for tests/cli/test_rotate.sh:
 *
 *   forgeroot HOME GUN [TRUST_SERVER_URL]
 *
 * publishes root version N+1 of GUN that lists a fresh root key (a
 * certificate with CN = GUN) and is signed by that new key ONLY, not by
 * the root keys of version N.  A verifier must refuse it.  With
 * TRUST_SERVER_URL the root goes to that Notary server (which should
 * refuse it itself); otherwise into the registry's trust artifact.
 *
 * Uses libsign's internals on purpose.  Exit 0 when published, 3 when the
 * backend refused it, 2 on any other error.
 */
#include "common.h"
#include "ctx.h"
#include "key.h"
#include "ref.h"
#include "store.h"
#include "trust.h"
#include "tuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static int die(const sign_error *err, const char *what, int rc)
{
	fprintf(stderr, "forgeroot: %s: %s\n", what, err->message[0] ? err->message : "failed");
	return rc;
}

int main(int argc, char **argv)
{
	sign_ctx_options o = SIGN_CTX_OPTIONS_INIT;
	sign_ctx *ctx = NULL;
	sign_error err = { 0 };
	signp_ref ref;
	signp_store *st = NULL;
	signp_trust_backend *be = NULL;
	signp_tuf_file *root = NULL;
	signp_key *k = NULL;
	sign_buf data = SIGN_BUF_INIT, cert = SIGN_BUF_INIT, wire = SIGN_BUF_INIT;
	json_t *s = NULL, *obj = NULL;
	signp_tuf_signer signer;
	signp_trust_out f;
	char tid[65];
	int rc = 2;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: forgeroot HOME GUN [TRUST_SERVER_URL]\n");
		return 2;
	}
	sign_global_init();
	o.home = argv[1];
	o.trust_server = argc == 4 ? argv[3] : NULL;
	if (sign_ctx_new(&ctx, &o, &err) != SIGN_OK || signp_ref_parse(&ref, argv[2], NULL, &err) != SIGN_OK ||
	    signp_store_open(&st, ctx, &ref, 0, &err) != SIGN_OK ||
	    signp_trust_backend_open(&be, ctx, st, &ref, &err) != SIGN_OK) {
		rc = die(&err, "opening", 2);
		goto out;
	}
	if (be->refresh(be, &err) != SIGN_OK ||
	    be->fetch(be, "root", 0, NULL, SIGN_MAX_METADATA, &data, &err) != SIGN_OK ||
	    signp_tuf_parse(&root, "root", data.ptr, data.size, &err) != SIGN_OK) {
		rc = die(&err, "reading root", 2);
		goto out;
	}
	if (signp_key_generate(&k, &err) != SIGN_OK ||
	    signp_key_root_cert(&cert, k, ref.gun, signp_now(), 3650, &err) != SIGN_OK ||
	    signp_tuf_key_new(&obj, tid, k->pkey, cert.ptr, &err) != SIGN_OK) {
		rc = die(&err, "making a root key", 2);
		goto out;
	}
	s = json_deep_copy(root->signed_obj);
	json_object_set_new(json_object_get(s, "keys"), tid, obj);
	json_object_set_new(json_object_get(s, "roles"), "root",
		json_pack("{s:[s], s:i}", "keyids", tid, "threshold", 1));
	json_object_set_new(s, "version", json_integer(root->version + 1));
	signer.keyid = tid;
	signer.pkey = k->pkey;
	if (signp_tuf_sign(&wire, s, &signer, 1, &err) != SIGN_OK) {
		rc = die(&err, "signing", 2);
		goto out;
	}
	memset(&f, 0, sizeof(f));
	signp_strlcpy(f.role, "root", sizeof(f.role));
	f.version = root->version + 1;
	f.bytes = (const unsigned char *)wire.ptr;
	f.len = wire.size;
	if (be->publish(be, &f, 1, &err) != SIGN_OK) {
		rc = die(&err, "publishing", 3);
		goto out;
	}
	rc = 0;
out:
	json_decref(s);
	signp_key_free(k);
	signp_tuf_file_free(root);
	sign_buf_dispose(&data);
	sign_buf_dispose(&cert);
	sign_buf_dispose(&wire);
	if (be)
		be->free(be);
	signp_store_free(st);
	sign_ctx_free(ctx);
	sign_global_cleanup();
	return rc;
}

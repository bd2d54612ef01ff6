/*
 * update.h - the repository key's update of the targets role, as a stage
 * of the publish transaction (publish.h): tags set or removed, the tags
 * the publish journal says were lost published again, and a new GUN's
 * root.  sign push, sign trust refresh and sign revoke use it.  Internal.
 */
#ifndef SIGN_UPDATE_H
#define SIGN_UPDATE_H

#include "common.h"
#include "ctx.h"
#include "publish.h"
#include "store.h"
#include "trust.h"

/* One change to a targets entry. */
typedef struct signp_target_change {
	const char *tag;
	const char *digest;     /* NULL: remove the tag (revoke) */
	uint64_t size;
} signp_target_change;

typedef struct signp_update_req {
	sign_ctx *ctx;
	signp_trust_backend *be;
	const signp_gun_keys *k;
	const signp_target_change *changes; /* NULL/0: refresh only */
	size_t nchanges;
	int allow_init;               /* a GUN without trust data gets root v1 */
	const char *root_keyid;       /* a new GUN's root key (NULL: the home's first) */
	/* the publish journal (journal.h), or NULL: each read of the published
	 * state drops the entries it confirms or that another publisher
	 * changed (*jdirty set), and adds the lost ones to the update (their
	 * tags go into republished, their signatures are checked in st) */
	json_t *journal;
	int *jdirty;
	json_t *republished;
	signp_store *st;
	/* out: root v1 was made with a root key created for it */
	int created_root;
} signp_update_req;

/* The stage callback: arg is a signp_update_req.  The transaction needs
 * allow_missing (the stage answers a missing GUN itself). */
int signp_update_stage(signp_publish *tx, const signp_trust *t, void *arg, sign_error *err);

/* After an update that carried the journal: save it when it changed, and
 * say which lost tags were published again (published != 0) or still
 * wait for it. */
void signp_update_journal_done(sign_ctx *ctx, const char *gun, const json_t *journal, int jdirty,
	const json_t *republished, int published);

#endif

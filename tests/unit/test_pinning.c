/*
 * test_pinning.c - trust pinning (pinning.h) on roots built here: a pin is
 * met only by a valid signature of the pinned key itself; a root that
 * lists the key without its signature, or claims its key ID over another
 * key, is refused with the message saying which; a CA pin is met by a root
 * certificate for the GUN that chains to the CA, and the root must be
 * signed by it.  Also the order in which the rules are resolved
 * (--root-key, `sign trust pin`, config.json certs, prefix*, ca), and a
 * whole load under a CA pin.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "memtrust.h"
#include "pinning.h"

#define GUN "example.com/unit/pins"

static char dir[1024];
static int nfile;

static int group_setup(void **state)
{
	(void)state;
	if (sign_global_init() != SIGN_OK)
		return -1;
	mt_tmpdir(dir, sizeof(dir), "pins");
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return mt_rmtree(dir);
}

/* ---------------------------------------------------------------------- */
/* helpers                                                                 */

/* A pin on the given public keys (references taken). */
static void pin_keys(signp_pin *p, EVP_PKEY *const *keys, size_t n)
{
	memset(p, 0, sizeof(*p));
	p->keyids = json_array();
	snprintf(p->rule, sizeof(p->rule), "test");
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(EVP_PKEY_up_ref(keys[i]), 1);
		p->keys[p->nkeys++] = keys[i];
	}
}

static void pin_ids(signp_pin *p, const char *id)
{
	memset(p, 0, sizeof(*p));
	p->keyids = json_pack("[s]", id);
	snprintf(p->rule, sizeof(p->rule), "test");
}

/* A root (version 1) whose root role lists [ids...] (key objects objs),
 * threshold 1, signed by signers; parsed. */
static signp_tuf_file *root_with(mt_repo *r, const char *const *ids, json_t *const *objs, size_t n,
	const signp_tuf_signer *sg, size_t nsg)
{
	json_t *s = mt_root_signed(r, ids[0], objs[0], 1);
	json_t *rr = json_object_get(json_object_get(s, "roles"), "root");
	signp_tuf_file *f = NULL;
	sign_buf w = SIGN_BUF_INIT;
	sign_error err;
	memset(&err, 0, sizeof(err));
	for (size_t i = 1; i < n; i++) {
		json_object_set(json_object_get(s, "keys"), ids[i], objs[i]);
		json_array_append_new(json_object_get(rr, "keyids"), json_string(ids[i]));
	}
	mt_sign_with(&w, s, sg, nsg);
	if (signp_tuf_parse(&f, "root", w.ptr, w.size, &err) != SIGN_OK)
		fail_msg("root: %s", err.message);
	sign_buf_dispose(&w);
	json_decref(s);
	return f;
}

static void check_fails(const signp_pin *p, const signp_tuf_file *root, const char *msg)
{
	sign_error err;
	memset(&err, 0, sizeof(err));
	assert_int_equal(signp_pin_check_root(p, root, GUN, signp_now(), &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, msg);
}

static void check_ok(const signp_pin *p, const signp_tuf_file *root)
{
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_pin_check_root(p, root, GUN, signp_now(), &err) != SIGN_OK)
		fail_msg("pin: %s", err.message);
}

/* Write bytes to a new file of the test folder; its path in out. */
static void write_file(char *out, size_t size, const char *name, const void *data, size_t len)
{
	FILE *f;
	snprintf(out, size, "%s/%d-%s", dir, ++nfile, name);
	assert_non_null(f = fopen(out, "w"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void write_pub(char *out, size_t size, const signp_key *k)
{
	sign_buf pem = SIGN_BUF_INIT;
	assert_int_equal(signp_key_public_pem(&pem, k->pkey, NULL), SIGN_OK);
	write_file(out, size, "root.pub", pem.ptr, pem.size);
	sign_buf_dispose(&pem);
}

/* A certificate over subject (CN = cn) issued by issuer (NULL: self),
 * a CA when is_ca; PEM in out. */
static void make_cert(sign_buf *out, EVP_PKEY *subject, const char *cn, EVP_PKEY *issuer_key,
	X509 *issuer, int is_ca, X509 **keep)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *name;
	X509V3_CTX v3;
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;
	assert_non_null(x);
	assert_non_null(bio);
	assert_int_equal(X509_set_version(x, 2), 1);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365));
	assert_int_equal(X509_set_pubkey(x, subject), 1);
	name = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
		(const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name), 1);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	{
		const char *bc = is_ca ? "critical,CA:TRUE" : "critical,CA:FALSE";
		const char *ku = is_ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature";
		X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_basic_constraints, bc);
		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		e = X509V3_EXT_conf_nid(NULL, &v3, NID_key_usage, ku);
		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, issuer_key, EVP_sha256()) > 0);
	assert_int_equal(PEM_write_bio_X509(bio, x), 1);
	n = BIO_get_mem_data(bio, &p);
	signp_buf_clear(out);
	assert_int_equal(signp_buf_put(out, p, (size_t)n), SIGN_OK);
	BIO_free(bio);
	if (keep)
		*keep = x;
	else
		X509_free(x);
}

/* ---------------------------------------------------------------------- */
/* pins on keys                                                            */

static void test_pinned_key_signs(void **state)
{
	mt_repo r;
	signp_pin p;
	(void)state;
	mt_repo_init(&r, GUN);
	mt_sign_role(&r, MT_ROOT);
	{
		signp_tuf_file *root = NULL;
		assert_int_equal(signp_tuf_parse(&root, "root", r.w[MT_ROOT].ptr, r.w[MT_ROOT].size, NULL),
			SIGN_OK);
		pin_keys(&p, &r.k[MT_ROOT]->pkey, 1);
		check_ok(&p, root);
		signp_pin_dispose(&p);
		/* by ID: the canonical ID of the key, or the certificate's TUF ID */
		pin_ids(&p, r.k[MT_ROOT]->id);
		check_ok(&p, root);
		signp_pin_dispose(&p);
		pin_ids(&p, r.id[MT_ROOT]);
		check_ok(&p, root);
		signp_pin_dispose(&p);
		/* another key: the root does not list it */
		pin_keys(&p, &r.k[MT_TARGETS]->pkey, 1);
		check_fails(&p, root, "root version 1 does not list the pinned root key");
		signp_pin_dispose(&p);
		signp_tuf_file_free(root);
	}
	mt_repo_dispose(&r);
}

/* The root lists the pinned key (a valid certificate over it) beside
 * another root key, and only the other one signed. */
static void test_pinned_key_listed_not_signed(void **state)
{
	mt_repo r;
	signp_key *pk = mt_new_key();
	char pid[65], oid[65];
	json_t *objs[2];
	const char *ids[2] = { oid, pid };
	signp_tuf_file *root;
	signp_pin p;
	(void)state;
	mt_repo_init(&r, GUN);
	objs[0] = mt_cert_obj(r.k[MT_ROOT], GUN, oid);
	objs[1] = mt_cert_obj(pk, GUN, pid);
	{
		signp_tuf_signer sg = { oid, r.k[MT_ROOT]->pkey };
		root = root_with(&r, ids, objs, 2, &sg, 1);
	}
	pin_keys(&p, &pk->pkey, 1);
	check_fails(&p, root, "root version 1 lists the pinned root key but is not signed by it");
	signp_pin_dispose(&p);
	pin_ids(&p, pk->id);
	check_fails(&p, root, "root version 1 lists the pinned root key but is not signed by it");
	signp_pin_dispose(&p);
	/* a signature by the pinned key under another key's ID does not count */
	signp_tuf_file_free(root);
	{
		signp_tuf_signer sg = { oid, pk->pkey };
		root = root_with(&r, ids, objs, 2, &sg, 1);
	}
	pin_keys(&p, &pk->pkey, 1);
	check_fails(&p, root, "root version 1 lists the pinned root key but is not signed by it");
	signp_pin_dispose(&p);
	/* its own signature does */
	signp_tuf_file_free(root);
	{
		signp_tuf_signer sg = { pid, pk->pkey };
		root = root_with(&r, ids, objs, 2, &sg, 1);
	}
	pin_keys(&p, &pk->pkey, 1);
	check_ok(&p, root);
	signp_pin_dispose(&p);
	signp_tuf_file_free(root);
	json_decref(objs[0]);
	json_decref(objs[1]);
	signp_key_free(pk);
	mt_repo_dispose(&r);
}

/* The pinned key's ID written over another key, and a signature by that
 * other key under the ID: a claim, never trusted on its own. */
static void test_pinned_id_claimed(void **state)
{
	mt_repo r;
	signp_key *pk = mt_new_key();
	char pid[65], oid[65];
	json_t *pobj, *oobj;
	signp_tuf_file *root;
	signp_pin p;
	(void)state;
	mt_repo_init(&r, GUN);
	pobj = mt_cert_obj(pk, GUN, pid);
	oobj = mt_cert_obj(r.k[MT_ROOT], GUN, oid);
	/* under the pinned key's certificate ID */
	{
		const char *ids[1] = { pid };
		signp_tuf_signer sg = { pid, r.k[MT_ROOT]->pkey };
		root = root_with(&r, ids, &oobj, 1, &sg, 1);
	}
	pin_ids(&p, pid);
	check_fails(&p, root, "root version 1 does not list the pinned root key");
	signp_pin_dispose(&p);
	pin_keys(&p, &pk->pkey, 1);
	check_fails(&p, root, "root version 1 does not list the pinned root key");
	signp_pin_dispose(&p);
	signp_tuf_file_free(root);
	/* under the pinned key's canonical ID */
	{
		const char *ids[1] = { pk->id };
		signp_tuf_signer sg = { pk->id, r.k[MT_ROOT]->pkey };
		root = root_with(&r, ids, &oobj, 1, &sg, 1);
	}
	pin_ids(&p, pk->id);
	check_fails(&p, root, "root version 1 does not list the pinned root key");
	signp_pin_dispose(&p);
	signp_tuf_file_free(root);
	json_decref(pobj);
	json_decref(oobj);
	signp_key_free(pk);
	mt_repo_dispose(&r);
}

/* ---------------------------------------------------------------------- */
/* CA pins                                                                 */

typedef struct ca_setup {
	signp_key *ca;
	X509 *cax;
	sign_buf ca_pem;
	char ca_path[2048];
} ca_setup;

static void ca_init(ca_setup *c)
{
	memset(c, 0, sizeof(*c));
	c->ca = mt_new_key();
	make_cert(&c->ca_pem, c->ca->pkey, "Unit Test CA", c->ca->pkey, NULL, 1, &c->cax);
	write_file(c->ca_path, sizeof(c->ca_path), "ca.pem", c->ca_pem.ptr, c->ca_pem.size);
}

static void ca_dispose(ca_setup *c)
{
	signp_key_free(c->ca);
	X509_free(c->cax);
	sign_buf_dispose(&c->ca_pem);
}

static void pin_ca(signp_pin *p, const ca_setup *c)
{
	memset(p, 0, sizeof(*p));
	p->keyids = json_array();
	snprintf(p->ca_file, sizeof(p->ca_file), "%s", c->ca_path);
	snprintf(p->rule, sizeof(p->rule), "test");
	assert_int_equal(signp_buf_put(&p->ca_pem, c->ca_pem.ptr, c->ca_pem.size), SIGN_OK);
}

/* A key object for k with a certificate (CN = cn) the CA issued. */
static json_t *ca_issued_obj(const ca_setup *c, const signp_key *k, const char *cn, char id[65])
{
	sign_buf pem = SIGN_BUF_INIT;
	json_t *o = NULL;
	sign_error err;
	memset(&err, 0, sizeof(err));
	make_cert(&pem, k->pkey, cn, c->ca->pkey, c->cax, 0, NULL);
	if (signp_tuf_key_new(&o, id, k->pkey, pem.ptr, &err) != SIGN_OK)
		fail_msg("key object: %s", err.message);
	sign_buf_dispose(&pem);
	return o;
}

#define CA_MISS "root version 1 does not list the pinned root key (nor a certificate for this GUN " \
	"that chains to the pinned CA)"

static void test_ca_pin(void **state)
{
	ca_setup c;
	mt_repo r;
	signp_key *other = mt_new_key();
	char id[65], sid[65], xid[65];
	json_t *issued, *self, *wrong_cn;
	signp_tuf_file *root;
	signp_pin p;
	(void)state;
	ca_init(&c);
	mt_repo_init(&r, GUN);
	issued = ca_issued_obj(&c, r.k[MT_ROOT], GUN, id);
	self = mt_cert_obj(r.k[MT_ROOT], GUN, sid);
	wrong_cn = ca_issued_obj(&c, r.k[MT_ROOT], "example.com/other", xid);
	pin_ca(&p, &c);
	/* a certificate for the GUN from the CA, signed by its key: met */
	{
		const char *ids[1] = { id };
		signp_tuf_signer sg = { id, r.k[MT_ROOT]->pkey };
		root = root_with(&r, ids, &issued, 1, &sg, 1);
	}
	check_ok(&p, root);
	signp_tuf_file_free(root);
	/* the same key in a self-signed certificate: no chain */
	{
		const char *ids[1] = { sid };
		signp_tuf_signer sg = { sid, r.k[MT_ROOT]->pkey };
		root = root_with(&r, ids, &self, 1, &sg, 1);
	}
	check_fails(&p, root, CA_MISS);
	signp_tuf_file_free(root);
	/* from the CA, for another GUN */
	{
		const char *ids[1] = { xid };
		signp_tuf_signer sg = { xid, r.k[MT_ROOT]->pkey };
		root = root_with(&r, ids, &wrong_cn, 1, &sg, 1);
	}
	check_fails(&p, root, CA_MISS);
	signp_tuf_file_free(root);
	/* listed, chaining, but only another root key signed */
	{
		char oid[65];
		json_t *oobj = mt_cert_obj(other, GUN, oid);
		json_t *objs[2] = { oobj, issued };
		const char *ids[2] = { oid, id };
		signp_tuf_signer sg = { oid, other->pkey };
		root = root_with(&r, ids, objs, 2, &sg, 1);
		json_decref(oobj);
	}
	check_fails(&p, root, "root version 1 lists the pinned root key but is not signed by it");
	signp_tuf_file_free(root);
	signp_pin_dispose(&p);
	json_decref(issued);
	json_decref(self);
	json_decref(wrong_cn);
	signp_key_free(other);
	mt_repo_dispose(&r);
	ca_dispose(&c);
}

/* ---------------------------------------------------------------------- */
/* resolving the rules                                                     */

static void resolve(signp_pin *p, sign_ctx *ctx, const char *gun, const char *const *files)
{
	sign_error err;
	memset(&err, 0, sizeof(err));
	if (signp_pin_resolve(p, ctx, gun, files, &err) != SIGN_OK)
		fail_msg("resolve: %s", err.message);
}

static void test_resolve_order(void **state)
{
	char home[4200], pub1[4300], pub2[4300], pub3[4300];
	signp_key *k1 = mt_new_key(), *k2 = mt_new_key(), *k3 = mt_new_key();
	const char *files[2] = { pub3, NULL };
	sign_ctx *ctx;
	ca_setup c;
	signp_pin p;
	sign_error err;
	(void)state;
	snprintf(home, sizeof(home), "%s/resolve-home", dir);
	ctx = mt_ctx(home, 0);
	write_pub(pub1, sizeof(pub1), k1);
	write_pub(pub2, sizeof(pub2), k2);
	write_pub(pub3, sizeof(pub3), k3);
	ca_init(&c);

	resolve(&p, ctx, GUN, NULL);
	assert_int_equal(signp_pin_active(&p), 0);
	assert_string_equal(p.rule, "trust on first use");
	assert_int_equal(p.disable_tofu, 0);
	signp_pin_dispose(&p);

	/* rules in config.json: a CA for the prefix, certs for prefix* */
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_trust_pin_rule(ctx, "example.com/", NULL, c.ca_path, &err), SIGN_OK);
	resolve(&p, ctx, GUN, NULL);
	assert_string_equal(p.rule, "config.json trust_pinning.ca \"example.com/\"");
	assert_string_equal(p.ca_file, c.ca_path);
	assert_int_equal(p.ca_pem.size, c.ca_pem.size);
	assert_int_equal(signp_pin_active(&p), 1);
	signp_pin_dispose(&p);
	assert_int_equal(sign_trust_pin_rule(ctx, "example.com/unit/*", pub1, NULL, &err), SIGN_OK);
	resolve(&p, ctx, GUN, NULL);
	assert_string_equal(p.rule, "config.json trust_pinning.certs \"example.com/unit/*\"");
	assert_int_equal(json_array_size(p.keyids), 1);
	assert_string_equal(json_string_value(json_array_get(p.keyids, 0)), k1->id);
	signp_pin_dispose(&p);
	/* the exact GUN beats the prefix */
	assert_int_equal(sign_trust_pin_rule(ctx, GUN, pub2, NULL, &err), SIGN_OK);
	resolve(&p, ctx, GUN, NULL);
	assert_string_equal(p.rule, "config.json trust_pinning.certs \"" GUN "\"");
	assert_string_equal(json_string_value(json_array_get(p.keyids, 0)), k2->id);
	signp_pin_dispose(&p);
	/* `sign trust pin` beats config.json: the key itself */
	assert_int_equal(sign_trust_pin(ctx, GUN, pub3, &err), SIGN_OK);
	resolve(&p, ctx, GUN, NULL);
	assert_string_equal(p.rule, "sign trust pin");
	assert_int_equal(p.nkeys, 1);
	assert_int_equal(EVP_PKEY_eq(p.keys[0], k3->pkey), 1);
	signp_pin_dispose(&p);
	/* another GUN under the prefix keeps the prefix rule */
	resolve(&p, ctx, "example.com/unit/other", NULL);
	assert_string_equal(p.rule, "config.json trust_pinning.certs \"example.com/unit/*\"");
	signp_pin_dispose(&p);
	/* --root-key beats everything */
	files[0] = pub1;
	resolve(&p, ctx, GUN, files);
	assert_string_equal(p.rule, "--root-key");
	assert_int_equal(p.nkeys, 1);
	assert_int_equal(EVP_PKEY_eq(p.keys[0], k1->pkey), 1);
	signp_pin_dispose(&p);
	/* disable_tofu in config.json */
	assert_int_equal(sign_trust_set_tofu(ctx, 0, &err), SIGN_OK);
	resolve(&p, ctx, "other.example/app", NULL);
	assert_int_equal(p.disable_tofu, 1);
	assert_int_equal(signp_pin_active(&p), 0);
	signp_pin_dispose(&p);
	/* a --root-key file that holds no key */
	{
		char bad[4300];
		write_file(bad, sizeof(bad), "bad.pub", "not a key\n", 10);
		files[0] = bad;
		memset(&err, 0, sizeof(err));
		assert_int_not_equal(signp_pin_resolve(&p, ctx, GUN, files, &err), SIGN_OK);
		assert_true(signp_str_has_prefix(err.message, "reading root key "));
	}

	sign_ctx_free(ctx);
	ca_dispose(&c);
	signp_key_free(k1);
	signp_key_free(k2);
	signp_key_free(k3);
}

/* A whole load under a CA rule of config.json: the root whose certificate
 * the CA issued is accepted (pinned by the rule); a self-signed one is not. */
static void test_load_under_ca_pin(void **state)
{
	char home[4200], id[65];
	ca_setup c;
	mt_repo r;
	mt_backend m;
	sign_ctx *ctx;
	signp_trust *t = NULL;
	sign_error err;
	json_t *issued;
	(void)state;
	snprintf(home, sizeof(home), "%s/ca-home", dir);
	ctx = mt_ctx(home, 0);
	ca_init(&c);
	memset(&err, 0, sizeof(err));
	assert_int_equal(sign_trust_pin_rule(ctx, "example.com/unit/", NULL, c.ca_path, &err), SIGN_OK);
	mt_repo_init(&r, GUN);
	mt_backend_init(&m);
	/* self-signed (as sign and notary make it): refused */
	mt_repo_sign_all(&r);
	mt_serve(&m, &r);
	assert_int_equal(mt_load(&t, ctx, &m, GUN, NULL, &err), SIGN_EVERIFY);
	mt_assert_err(&err, SIGN_EVERIFY, "root of " GUN ": no root version is signed by the pinned root key "
		"(pinned by config.json trust_pinning.ca \"example.com/unit/\"): " CA_MISS);
	/* issued by the CA */
	issued = ca_issued_obj(&c, r.k[MT_ROOT], GUN, id);
	json_decref(r.s[MT_ROOT]);
	r.s[MT_ROOT] = mt_root_signed(&r, id, issued, 1);
	memcpy(r.id[MT_ROOT], id, sizeof(id));
	json_decref(issued);
	mt_repo_sign_all(&r);
	mt_serve(&m, &r);
	if (mt_load(&t, ctx, &m, GUN, NULL, &err) != SIGN_OK)
		fail_msg("CA pinned: %s", err.message);
	assert_string_equal(t->pinned_by, "config.json trust_pinning.ca \"example.com/unit/\"");
	signp_trust_free(t);
	m.be.free(&m.be);
	mt_repo_dispose(&r);
	ca_dispose(&c);
	sign_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pinned_key_signs),
		cmocka_unit_test(test_pinned_key_listed_not_signed),
		cmocka_unit_test(test_pinned_id_claimed),
		cmocka_unit_test(test_ca_pin),
		cmocka_unit_test(test_resolve_order),
		cmocka_unit_test(test_load_under_ca_pin),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/*
 * admit_cache.c - the admission engine's bounded verdict cache and its
 * singleflight (admit.h): a SipHash table with chaining, an LRU list, and
 * one condition variable per verification under way.
 */
#include "admit.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

/* A verification under way: the thread that runs it and every waiter hold
 * a reference; the last one frees it. */
struct signp_admit_flight {
	pthread_cond_t cond;
	size_t refs;
	int done, ok, retry;
	char *text;
	struct entry *e;        /* its entry while under way, then NULL */
};

typedef struct entry {
	struct entry *hnext;    /* hash chain */
	struct entry *prev, *next; /* LRU list (kept entries only) */
	uint64_t h;
	signp_admit_flight *flight; /* under way: not in the LRU list */
	int64_t expires_ms;
	char *text;
	char key[];
} entry;

struct signp_admit_cache {
	pthread_mutex_t mu;
	entry **buckets;
	size_t mask;
	entry lru;              /* sentinel: lru.next is the most recent */
	size_t size, max;
	size_t waiting;         /* threads in a wait */
	unsigned char sipkey[crypto_shorthash_KEYBYTES];
};

static uint64_t hash_key(const signp_admit_cache *c, const char *key)
{
	unsigned char out[crypto_shorthash_BYTES];
	uint64_t h = 0;
	crypto_shorthash(out, (const unsigned char *)key, strlen(key), c->sipkey);
	memcpy(&h, out, sizeof(h));
	return h;
}

int signp_admit_cache_new(signp_admit_cache **out, size_t max_entries, sign_error *err)
{
	signp_admit_cache *c;
	size_t nb = 16;
	*out = NULL;
	if (max_entries == 0 || max_entries > ((size_t)1 << 28))
		return signp_err(err, SIGN_EINVAL, "admission cache: %zu entries: out of range",
			max_entries);
	while (nb < max_entries * 2)
		nb <<= 1;
	if ((c = calloc(1, sizeof(*c))) == NULL || (c->buckets = calloc(nb, sizeof(entry *))) == NULL) {
		free(c);
		return signp_err(err, SIGN_ENOMEM, "admission cache: out of memory");
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		free(c->buckets);
		free(c);
		return signp_err(err, SIGN_ERROR, "admission cache: cannot make a mutex");
	}
	c->mask = nb - 1;
	c->max = max_entries;
	c->lru.next = c->lru.prev = &c->lru;
	crypto_shorthash_keygen(c->sipkey);
	*out = c;
	return SIGN_OK;
}

static void entry_free(entry *e)
{
	free(e->text);
	free(e);
}

void signp_admit_cache_free(signp_admit_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i <= c->mask; i++) {
		entry *e = c->buckets[i], *n;
		for (; e != NULL; e = n) {
			n = e->hnext;
			entry_free(e);
		}
	}
	free(c->buckets);
	pthread_mutex_destroy(&c->mu);
	sodium_memzero(c->sipkey, sizeof(c->sipkey));
	free(c);
}

size_t signp_admit_cache_size(signp_admit_cache *c)
{
	size_t n;
	pthread_mutex_lock(&c->mu);
	n = c->size;
	pthread_mutex_unlock(&c->mu);
	return n;
}

size_t signp_admit_cache_waiting(signp_admit_cache *c)
{
	size_t n;
	pthread_mutex_lock(&c->mu);
	n = c->waiting;
	pthread_mutex_unlock(&c->mu);
	return n;
}

/* ---- under the mutex ---- */

static entry *find(signp_admit_cache *c, const char *key, uint64_t h)
{
	for (entry *e = c->buckets[h & c->mask]; e != NULL; e = e->hnext)
		if (e->h == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

static void hash_unlink(signp_admit_cache *c, entry *e)
{
	entry **pp = &c->buckets[e->h & c->mask];
	while (*pp != NULL && *pp != e)
		pp = &(*pp)->hnext;
	if (*pp == e)
		*pp = e->hnext;
	e->hnext = NULL;
}

static void lru_unlink(entry *e)
{
	e->prev->next = e->next;
	e->next->prev = e->prev;
	e->prev = e->next = NULL;
}

static void lru_front(signp_admit_cache *c, entry *e)
{
	e->next = c->lru.next;
	e->prev = &c->lru;
	c->lru.next->prev = e;
	c->lru.next = e;
}

/* Remove a kept entry and free it. */
static void drop_kept(signp_admit_cache *c, entry *e)
{
	hash_unlink(c, e);
	lru_unlink(e);
	c->size--;
	entry_free(e);
}

static entry *entry_new(const char *key, uint64_t h)
{
	size_t n = strlen(key);
	entry *e = calloc(1, sizeof(*e) + n + 1);
	if (e == NULL)
		return NULL;
	memcpy(e->key, key, n + 1);
	e->h = h;
	return e;
}

/* Keep e (not yet in the LRU list, already in the table) until
 * expires_ms with text; the least recent entries go past the bound. */
static int keep(signp_admit_cache *c, entry *e, int64_t expires_ms, const char *text)
{
	char *t = signp_strdup(text != NULL ? text : "");
	if (t == NULL)
		return -1;
	free(e->text);
	e->text = t;
	e->expires_ms = expires_ms;
	lru_front(c, e);
	c->size++;
	while (c->size > c->max && c->lru.prev != &c->lru && c->lru.prev != e)
		drop_kept(c, c->lru.prev);
	return 0;
}

static void copy_text(char *text, size_t textsz, const char *src)
{
	if (textsz > 0)
		signp_strlcpy(text, src != NULL ? src : "", textsz);
}

static void flight_unref(signp_admit_flight *f)
{
	if (--f->refs > 0)
		return;
	pthread_cond_destroy(&f->cond);
	free(f->text);
	free(f);
}

static signp_admit_flight *flight_new(void)
{
	signp_admit_flight *f = calloc(1, sizeof(*f));
	pthread_condattr_t ca;
	int ok;
	if (f == NULL)
		return NULL;
	if (pthread_condattr_init(&ca) != 0) {
		free(f);
		return NULL;
	}
	ok = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
	     pthread_cond_init(&f->cond, &ca) == 0;
	pthread_condattr_destroy(&ca);
	if (!ok) {
		free(f);
		return NULL;
	}
	f->refs = 1;
	return f;
}

signp_admit_claim_result signp_admit_cache_claim(signp_admit_cache *c, const char *key,
	int64_t now_ms, int64_t deadline_ms, int *ok, char *text, size_t textsz,
	signp_admit_flight **flight)
{
	uint64_t h = hash_key(c, key);
	signp_admit_claim_result res;
	struct timespec until;
	entry *e;

	*ok = 0;
	*flight = NULL;
	copy_text(text, textsz, "");
	until.tv_sec = (time_t)(deadline_ms / 1000);
	until.tv_nsec = (long)(deadline_ms % 1000) * 1000000L;
	pthread_mutex_lock(&c->mu);
	for (;;) {
		signp_admit_flight *f;
		e = find(c, key, h);
		if (e != NULL && e->flight == NULL) {
			if (e->expires_ms > now_ms) {
				lru_unlink(e);
				lru_front(c, e);
				*ok = 1;
				copy_text(text, textsz, e->text);
				res = SIGNP_ADMIT_HIT;
				break;
			}
			drop_kept(c, e);
			e = NULL;
		}
		if (e == NULL) {
			if ((e = entry_new(key, h)) == NULL || (e->flight = flight_new()) == NULL) {
				free(e);
				res = SIGNP_ADMIT_NOMEM;
				break;
			}
			e->flight->e = e;
			e->hnext = c->buckets[h & c->mask];
			c->buckets[h & c->mask] = e;
			*flight = e->flight;
			res = SIGNP_ADMIT_RUN;
			break;
		}
		/* under way elsewhere: wait for its end, or for our deadline */
		f = e->flight;
		f->refs++;
		c->waiting++;
		while (!f->done) {
			int rc = deadline_ms > 0 ? pthread_cond_timedwait(&f->cond, &c->mu, &until) :
						   pthread_cond_wait(&f->cond, &c->mu);
			if (rc == ETIMEDOUT)
				break;
		}
		c->waiting--;
		if (!f->done) {
			flight_unref(f);
			res = SIGNP_ADMIT_TIMEOUT;
			break;
		}
		if (f->retry) {
			flight_unref(f);
			continue;
		}
		*ok = f->ok;
		copy_text(text, textsz, f->text);
		flight_unref(f);
		res = SIGNP_ADMIT_SHARED;
		break;
	}
	pthread_mutex_unlock(&c->mu);
	return res;
}

void signp_admit_cache_finish(signp_admit_cache *c, signp_admit_flight *f, int ok,
	int64_t keep_until_ms, const char *text, int retry)
{
	entry *e;
	if (f == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	e = f->e;
	f->e = NULL;
	f->done = 1;
	f->ok = ok;
	f->retry = retry;
	f->text = signp_strdup(text != NULL ? text : "");
	if (f->text == NULL && !ok)
		f->retry = 1; /* no message to share: the waiters look for themselves */
	e->flight = NULL;
	if (!(ok && keep_until_ms > 0 && keep(c, e, keep_until_ms, NULL) == 0)) {
		hash_unlink(c, e);
		entry_free(e);
	}
	pthread_cond_broadcast(&f->cond);
	flight_unref(f);
	pthread_mutex_unlock(&c->mu);
}

int signp_admit_cache_get(signp_admit_cache *c, const char *key, int64_t now_ms, char *text,
	size_t textsz)
{
	uint64_t h = hash_key(c, key);
	entry *e;
	int hit = 0;
	pthread_mutex_lock(&c->mu);
	e = find(c, key, h);
	if (e != NULL && e->flight == NULL) {
		if (e->expires_ms > now_ms) {
			lru_unlink(e);
			lru_front(c, e);
			copy_text(text, textsz, e->text);
			hit = 1;
		} else {
			drop_kept(c, e);
		}
	}
	pthread_mutex_unlock(&c->mu);
	return hit;
}

void signp_admit_cache_put(signp_admit_cache *c, const char *key, int64_t keep_until_ms,
	const char *text)
{
	uint64_t h = hash_key(c, key);
	entry *e;
	pthread_mutex_lock(&c->mu);
	e = find(c, key, h);
	if (e != NULL && e->flight != NULL) {
		/* a verification of the key is under way: it decides */
		pthread_mutex_unlock(&c->mu);
		return;
	}
	if (e != NULL)
		drop_kept(c, e);
	if ((e = entry_new(key, h)) != NULL) {
		e->hnext = c->buckets[h & c->mask];
		c->buckets[h & c->mask] = e;
		if (keep(c, e, keep_until_ms, text) != 0) {
			hash_unlink(c, e);
			entry_free(e);
		}
	}
	pthread_mutex_unlock(&c->mu);
}

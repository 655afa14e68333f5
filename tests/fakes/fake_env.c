/*
 * fake_env.c: counting allocator, balanced lock, seeded random, log counter.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_env.h"

struct fake_hdr {
	size_t size;
	size_t pad;	/* keep the payload 16-byte aligned */
};

static void *fe_alloc(void *ctx, size_t size)
{
	struct fake_env *fe = ctx;
	struct fake_hdr *h;

	if (fe->fail_after && --fe->fail_after == 0)
		return NULL;
	h = malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	h->size = size;
	fe->live_allocs++;
	fe->live_bytes += size;
	return h + 1;
}

static void fe_free(void *ctx, void *p, size_t size)
{
	struct fake_env *fe = ctx;
	struct fake_hdr *h = (struct fake_hdr *)p - 1;

	if (h->size != size) {
		fprintf(stderr, "fake_env: free size %zu != alloc %zu\n", size,
			h->size);
		abort();
	}
	fe->live_allocs--;
	fe->live_bytes -= size;
	free(h);
}

static void fe_lock(void *ctx)
{
	struct fake_env *fe = ctx;

	if (++fe->lock_depth > fe->max_lock_depth)
		fe->max_lock_depth = fe->lock_depth;
}

static void fe_unlock(void *ctx)
{
	struct fake_env *fe = ctx;

	if (--fe->lock_depth < 0) {
		fprintf(stderr, "fake_env: unlock without lock\n");
		abort();
	}
}

static uint32_t fe_random(void *ctx)
{
	struct fake_env *fe = ctx;

	/* xorshift32: deterministic per seed. */
	fe->rng ^= fe->rng << 13;
	fe->rng ^= fe->rng >> 17;
	fe->rng ^= fe->rng << 5;
	return fe->rng;
}

static void fe_log(void *ctx, enum net_log_level lvl, const char *msg)
{
	struct fake_env *fe = ctx;

	if (lvl == NET_LOG_ERR) {
		fe->err_logs++;
		fprintf(stderr, "net: %s\n", msg);
	}
}

void fake_env_init(struct fake_env *fe, uint32_t seed)
{
	memset(fe, 0, sizeof(*fe));
	fe->rng = seed ? seed : 1;
	fe->env.alloc = fe_alloc;
	fe->env.free = fe_free;
	fe->env.lock = fe_lock;
	fe->env.unlock = fe_unlock;
	fe->env.random = fe_random;
	fe->env.log = fe_log;
	fe->env.ctx = fe;
}

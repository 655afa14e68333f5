/*
 * fake_env.h: a struct net_env for host tests.
 *
 * Counts live allocations and bytes (teardown asserts both are zero),
 * checks lock/unlock balance and that free gets the size alloc was given,
 * gives deterministic "random" numbers from a seed, and counts error logs
 * (the stack logs an error when buffers are leaked at destroy).
 */
#ifndef TESTS_FAKES_FAKE_ENV_H
#define TESTS_FAKES_FAKE_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "../../net/netstack.h"

struct fake_env {
	struct net_env env;	/* hand &fe.env to netstack_create() */
	size_t live_allocs;
	size_t live_bytes;
	int lock_depth;		/* must be 0 between calls */
	int max_lock_depth;
	uint32_t rng;
	unsigned err_logs;
	size_t fail_after;	/* fail the Nth alloc from now (0: never) */
};

void fake_env_init(struct fake_env *fe, uint32_t seed);

#endif

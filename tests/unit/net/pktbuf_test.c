/*
 * pktbuf_test.c: packet buffers and pools: bounds, exhaustion, growth in
 * chunks up to the cap, and the reserve that receive rings never take.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"

static void test_push_pull_within_bounds_succeed(void **state)
{
	struct fixture *fx = *state;
	struct pktbuf *p = pktbuf_alloc(fx->ns, 16, 10);
	uint8_t *d;

	assert_non_null(p);
	d = p->data;
	assert_ptr_equal(pktbuf_push(p, 16), d - 16);
	assert_int_equal(p->len, 26);
	assert_null(pktbuf_push(p, 1));		/* no headroom left */
	assert_int_equal(p->len, 26);
	assert_ptr_equal(pktbuf_pull(p, 26), d + 10);
	assert_null(pktbuf_pull(p, 1));		/* nothing left */
	assert_int_equal(p->len, 0);
	pktbuf_free(p);
}

static void test_put_trim_respect_capacity(void **state)
{
	struct fixture *fx = *state;
	struct pktbuf *p = pktbuf_alloc(fx->ns, 0, 0);

	assert_non_null(p);
	assert_non_null(pktbuf_put(p, NET_PKT_SMALL_CAP));
	assert_null(pktbuf_put(p, 1));
	assert_int_equal(pktbuf_trim(p, 100), 0);
	assert_int_equal(p->len, 100);
	assert_int_equal(pktbuf_trim(p, 101), -EINVAL);
	pktbuf_free(p);
}

static void test_pool_exhausted_alloc_fails_and_counts(void **state)
{
	struct fixture *fx = *state;
	struct pktbuf *held[64];
	int i;

	for (i = 0; i < 64; i++) {
		held[i] = pktbuf_alloc(fx->ns, 0, 100);
		assert_non_null(held[i]);
	}
	assert_int_equal(net_pkt_in_use(fx->ns), 64);
	assert_null(pktbuf_alloc(fx->ns, 0, 100));
	assert_int_equal(stat(fx, NET_STAT_DROP_NOBUFS), 1);
	pktbuf_free(held[0]);
	held[0] = pktbuf_alloc(fx->ns, 0, 100);
	assert_non_null(held[0]);
	for (i = 0; i < 64; i++)
		pktbuf_free(held[i]);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
}

static void test_large_request_gets_large_buffer(void **state)
{
	struct fixture *fx = *state;
	struct pktbuf *p = pktbuf_alloc(fx->ns, NET_HEADROOM, 65535);

	assert_non_null(p);
	assert_int_equal(p->cap, NET_PKT_LARGE_CAP);
	memset(p->data, 0xab, p->len);	/* ASan checks the bounds */
	pktbuf_free(p);
	assert_null(pktbuf_alloc(fx->ns, 0, NET_PKT_LARGE_CAP + 1));
}

static void test_queue_keeps_fifo_order(void **state)
{
	struct fixture *fx = *state;
	struct pktq q = {0};
	struct pktbuf *a = pktbuf_alloc(fx->ns, 0, 1);
	struct pktbuf *b = pktbuf_alloc(fx->ns, 0, 1);

	pktq_push(&q, a);
	pktq_push(&q, b);
	assert_int_equal(q.len, 2);
	assert_ptr_equal(pktq_pop(&q), a);
	assert_ptr_equal(pktq_pop(&q), b);
	assert_null(pktq_pop(&q));
	pktbuf_free(a);
	pktbuf_free(b);
}

/* Two stacks in one process share nothing. */
static void test_two_stacks_have_separate_pools(void **state)
{
	struct fixture *fx = *state;
	struct fake_env fe2;
	struct netstack *ns2;
	struct pktbuf *p;

	fake_env_init(&fe2, 7);
	ns2 = netstack_create(&fe2.env, NULL);
	assert_non_null(ns2);
	p = pktbuf_alloc(ns2, 0, 10);
	assert_int_equal(net_pkt_in_use(ns2), 1);
	assert_int_equal(net_pkt_in_use(fx->ns), 0);
	pktbuf_free(p);
	netstack_destroy(ns2);
	assert_int_equal(fe2.live_allocs, 0);
}

/* A leaked buffer is reported when the stack is destroyed. */
static void test_leaked_buffer_reported_at_destroy(void **state)
{
	struct fake_env fe2;
	struct netstack *ns2;
	struct pktbuf *p;

	(void)state;
	fake_env_init(&fe2, 7);
	ns2 = netstack_create(&fe2.env, NULL);
	p = pktbuf_alloc(ns2, 0, 10);
	assert_non_null(p);
	netstack_destroy(ns2);
	assert_int_equal(fe2.err_logs, 1);
	assert_int_equal(fe2.live_allocs, 0);
}

static void test_create_out_of_memory_returns_null_and_frees(void **state)
{
	struct fake_env fe2;
	size_t n;

	(void)state;
	for (n = 1; n < 12; n++) {
		fake_env_init(&fe2, 7);
		fe2.fail_after = n;
		struct netstack *ns2 = netstack_create(&fe2.env, NULL);

		if (ns2)
			netstack_destroy(ns2);
		assert_int_equal(fe2.live_allocs, 0);
	}
}

/* A stack of its own with the pool sizes under test; other params as the fixture. */
static struct netstack *pool_stack(struct fake_env *fe, uint32_t small, uint32_t max, uint32_t reserve)
{
	struct netstack_params par;
	struct netstack *ns;

	fake_env_init(fe, 7);
	test_params(&par);
	par.pkt_small = small;
	par.pkt_small_max = max;
	par.pkt_reserve = reserve;
	ns = netstack_create(&fe->env, &par);
	assert_non_null(ns);
	return ns;
}

static void pool_stack_destroy(struct fake_env *fe, struct netstack *ns)
{
	assert_int_equal(net_pkt_in_use(ns), 0);
	netstack_destroy(ns);
	assert_int_equal(fe->live_allocs, 0);
	assert_int_equal(fe->live_bytes, 0);
	assert_int_equal(fe->err_logs, 0);
}

/* Takes small buffers with alloc (rx: pktbuf_alloc_rx) until NULL; returns how many. */
static uint32_t drain(struct netstack *ns, bool rx, struct pktbuf **held, uint32_t max)
{
	uint32_t n = 0;

	while (n < max) {
		struct pktbuf *p = rx ? pktbuf_alloc_rx(ns, 114, 1934) : pktbuf_alloc(ns, 0, 100);

		if (!p)
			break;
		held[n++] = p;
	}
	return n;
}

static void release(struct pktbuf **held, uint32_t n)
{
	while (n)
		pktbuf_free(held[--n]);
}

/* Without a cap above pkt_small the pool is fixed: growth is opt-in. */
static void test_default_cap_grow_refused(void **state)
{
	struct fake_env fe;
	struct netstack *ns = pool_stack(&fe, 64, 0, 0);
	struct pktpool_stats st;

	(void)state;
	assert_int_equal(pktpool_grow(ns, 1), -ENOSPC);
	pktpool_get_stats(ns, &st);
	assert_int_equal(st.small_total, 64);
	assert_int_equal(st.small_max, 64);
	assert_int_equal(st.reserve, 16);	/* a quarter of 64 */
	pool_stack_destroy(&fe, ns);
}

/* Growth comes in chunks of at most PKTPOOL_CHUNK (two allocations each). */
static void test_grow_adds_buffers_in_chunks(void **state)
{
	struct fake_env fe;
	struct netstack *ns = pool_stack(&fe, 64, 64 + PKTPOOL_CHUNK + 100, 8);
	static struct pktbuf *held[64 + PKTPOOL_CHUNK + 100];
	struct pktpool_stats st;
	size_t allocs = fe.live_allocs;
	size_t bytes = fe.live_bytes;
	uint32_t i;

	(void)state;
	assert_int_equal(pktpool_grow(ns, PKTPOOL_CHUNK + 100), PKTPOOL_CHUNK + 100);
	assert_int_equal(fe.live_allocs, allocs + 4);
	assert_true(fe.live_bytes - bytes < (size_t)(PKTPOOL_CHUNK + 100) * (NET_PKT_SMALL_CAP + 128));
	pktpool_get_stats(ns, &st);
	assert_int_equal(st.small_total, 64 + PKTPOOL_CHUNK + 100);
	assert_int_equal(st.small_free, st.small_total);
	/* Every buffer, old and new, is whole and distinct: ASan checks the writes. */
	assert_int_equal(drain(ns, false, held, 64 + PKTPOOL_CHUNK + 100), 64 + PKTPOOL_CHUNK + 100);
	for (i = 0; i < 64 + PKTPOOL_CHUNK + 100; i++) {
		assert_int_equal(held[i]->cap, NET_PKT_SMALL_CAP);
		/* The whole storage as packet (headroom 0), so ASan lets it be written. */
		assert_non_null(pktbuf_put(held[i], NET_PKT_SMALL_CAP - 100));
		memset(held[i]->head, (int)i, NET_PKT_SMALL_CAP);
	}
	for (i = 0; i < 64 + PKTPOOL_CHUNK + 100; i++)
		assert_int_equal(held[i]->head[NET_PKT_SMALL_CAP - 1], (uint8_t)i);
	assert_null(pktbuf_alloc(ns, 0, 100));
	release(held, 64 + PKTPOOL_CHUNK + 100);
	pool_stack_destroy(&fe, ns);
}

/* The cap bounds growth: a request past it is cut short, then refused. */
static void test_grow_past_cap_partial_then_enospc(void **state)
{
	struct fake_env fe;
	struct netstack *ns = pool_stack(&fe, 64, 100, 8);
	struct pktpool_stats st;

	(void)state;
	assert_int_equal(pktpool_grow(ns, 20), 20);
	assert_int_equal(pktpool_grow(ns, 50), 16);
	assert_int_equal(pktpool_grow(ns, 1), -ENOSPC);
	pktpool_get_stats(ns, &st);
	assert_int_equal(st.small_total, 100);
	assert_int_equal(pktpool_grow(ns, 0), 0);
	pool_stack_destroy(&fe, ns);
}

/* Out of memory: nothing added, nothing leaked; the cap room is given back. */
static void test_grow_out_of_memory_adds_nothing(void **state)
{
	struct fake_env fe;
	struct netstack *ns = pool_stack(&fe, 64, 64 + 2 * PKTPOOL_CHUNK, 8);
	struct pktpool_stats st;
	size_t allocs = fe.live_allocs;

	(void)state;
	fe.fail_after = 1;			/* the first chunk's descriptors */
	assert_int_equal(pktpool_grow(ns, 10), -ENOMEM);
	assert_int_equal(fe.live_allocs, allocs);
	fe.fail_after = 2;			/* the first chunk's storage */
	assert_int_equal(pktpool_grow(ns, 10), -ENOMEM);
	assert_int_equal(fe.live_allocs, allocs);
	fe.fail_after = 3;			/* the second chunk: keep the first */
	assert_int_equal(pktpool_grow(ns, 2 * PKTPOOL_CHUNK), PKTPOOL_CHUNK);
	fe.fail_after = 0;
	pktpool_get_stats(ns, &st);
	assert_int_equal(st.small_total, 64 + PKTPOOL_CHUNK);
	/* The failed half of the grant is not lost to the cap. */
	assert_int_equal(pktpool_grow(ns, PKTPOOL_CHUNK), PKTPOOL_CHUNK);
	pool_stack_destroy(&fe, ns);
}

/* Receive rings stop at the reserve; the stack's own sends still get buffers. */
static void test_rx_alloc_leaves_reserve_for_tx(void **state)
{
	struct fake_env fe;
	struct netstack *ns = pool_stack(&fe, 64, 0, 10);
	struct pktbuf *rx[64], *tx[64];
	uint32_t nrx, ntx;

	(void)state;
	nrx = drain(ns, true, rx, 64);
	assert_int_equal(nrx, 54);
	/* An empty ring slot is not a lost packet. */
	assert_int_equal(net_stat_get(ns, NET_STAT_DROP_NOBUFS), 0);
	ntx = drain(ns, false, tx, 64);
	assert_int_equal(ntx, 10);
	assert_int_equal(net_stat_get(ns, NET_STAT_DROP_NOBUFS), 1);
	/* A freed transmit buffer refills the reserve, not the ring. */
	pktbuf_free(tx[--ntx]);
	assert_null(pktbuf_alloc_rx(ns, 114, 1934));
	assert_non_null(tx[ntx++] = pktbuf_alloc(ns, 0, 100));
	/* With the reserve whole again, a buffer above it goes to the ring. */
	release(tx, ntx);
	pktbuf_free(rx[--nrx]);
	assert_non_null(rx[nrx++] = pktbuf_alloc_rx(ns, 114, 1934));
	assert_null(pktbuf_alloc_rx(ns, 114, 1934));
	assert_null(pktbuf_alloc_rx(ns, 0, NET_PKT_SMALL_CAP + 1));	/* small only */
	release(rx, nrx);
	pool_stack_destroy(&fe, ns);
}

/*
 * Issue 7 item 1: two NICs with 128-entry rings on the default 256 buffers.
 * Without growth the second ring is cut at the reserve; with each NIC's
 * ring grown in, both rings fill and the reserve is still whole.
 */
static void test_two_rings_grown_both_full_reserve_kept(void **state)
{
	struct fake_env fe;
	struct netstack_params par;
	struct netstack *ns;
	static struct pktbuf *ring[2][128], *tx[512];
	uint32_t n0, n1, ntx;

	(void)state;
	fake_env_init(&fe, 7);
	memset(&par, 0, sizeof(par));
	par.pkt_small_max = 1024;
	ns = netstack_create(&fe.env, &par);
	assert_non_null(ns);
	n0 = drain(ns, true, ring[0], 128);
	n1 = drain(ns, true, ring[1], 128);
	assert_int_equal(n0, 128);
	assert_int_equal(n1, 256 - 128 - 64);
	release(ring[1], n1);
	release(ring[0], n0);

	assert_int_equal(pktpool_grow(ns, 128 + 32), 160);
	assert_int_equal(pktpool_grow(ns, 128 + 32), 160);
	n0 = drain(ns, true, ring[0], 128);
	n1 = drain(ns, true, ring[1], 128);
	assert_int_equal(n0, 128);
	assert_int_equal(n1, 128);
	ntx = drain(ns, false, tx, 512);
	assert_int_equal(ntx, 256 + 320 - 256);
	release(tx, ntx);
	release(ring[1], n1);
	release(ring[0], n0);
	pool_stack_destroy(&fe, ns);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_push_pull_within_bounds_succeed, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_put_trim_respect_capacity, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pool_exhausted_alloc_fails_and_counts, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_large_request_gets_large_buffer, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_queue_keeps_fifo_order, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_two_stacks_have_separate_pools, fixture_setup, fixture_teardown),
		cmocka_unit_test(test_leaked_buffer_reported_at_destroy),
		cmocka_unit_test(test_create_out_of_memory_returns_null_and_frees),
		cmocka_unit_test(test_default_cap_grow_refused),
		cmocka_unit_test(test_grow_adds_buffers_in_chunks),
		cmocka_unit_test(test_grow_past_cap_partial_then_enospc),
		cmocka_unit_test(test_grow_out_of_memory_adds_nothing),
		cmocka_unit_test(test_rx_alloc_leaves_reserve_for_tx),
		cmocka_unit_test(test_two_rings_grown_both_full_reserve_kept),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * pktbuf_test.c: packet buffers and pools.
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

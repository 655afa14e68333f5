/*
 * timer_test.c: the stack's timer heap, net_next_deadline() and the clock
 * hook (net/timer.c, net/netstack.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "../../../net/netstack_priv.h"
#include "../../../net/timer.h"

#define NT 2000

struct rec {
	struct net_timer t;
	uint64_t fired_at;		/* 0: not fired */
	uint32_t order;			/* position in the firing sequence */
};

static uint32_t fire_seq;
static uint64_t fire_now;

static void rec_fire(struct netstack *ns, struct net_timer *t)
{
	struct rec *r = (struct rec *)t;

	(void)ns;
	r->fired_at = fire_now;
	r->order = ++fire_seq;
}

/* A random model: arm, move and cancel 2000 timers; each fires once, in
 * deadline order, exactly when due, and the heap ends empty. */
static void test_heap_random_model_fires_in_order(void **state)
{
	struct fixture *fx = *state;
	struct rec *r = calloc(NT, sizeof(*r));
	uint32_t seed = 7, i, step;
	uint64_t now = 0, last_when = 0;

	assert_non_null(r);
	fire_seq = 0;
	for (i = 0; i < NT; i++)
		net_timer_init(&r[i].t, rec_fire);
	for (step = 0; step < 20000; step++) {
		seed = seed * 1103515245u + 12345u;
		i = (seed >> 8) % NT;
		seed = seed * 1103515245u + 12345u;
		if ((seed >> 16) % 4 == 0)
			net_timer_cancel(fx->ns, &r[i].t);
		else
			assert_int_equal(net_timer_arm(fx->ns, &r[i].t,
						       1 + (seed >> 4) % 1000000), 0);
	}
	/* Run the clock forward in steps; check order and punctuality. */
	for (now = 0; now <= 1000000; now += 997) {
		fire_now = now;
		net_poll(fx->ns, now);
	}
	fire_now = 2000000;
	net_poll(fx->ns, 2000000);
	for (i = 0; i < NT; i++) {
		assert_false(net_timer_armed(&r[i].t));
		if (!r[i].order)
			continue;
		assert_true(r[i].fired_at >= r[i].t.when);
		assert_true(r[i].fired_at < r[i].t.when + 997);
	}
	/* Firing order follows deadlines. */
	for (step = 1; step <= fire_seq; step++)
		for (i = 0; i < NT; i++)
			if (r[i].order == step) {
				assert_true(r[i].t.when >= last_when);
				last_when = r[i].t.when;
			}
	assert_int_equal(net_timers_next(fx->ns), UINT64_MAX);
	free(r);
}

/* The heap is sized at creation for every TCP pcb the stack may have:
 * 10,000 connections' timers arm and go without one allocation under the
 * lock (and so without a way to fail). */
static void test_heap_arms_max_pcbs_without_alloc(void **state)
{
	struct fixture *fx = *state;
	struct net_timer *many = calloc(10000, sizeof(*many));
	size_t base = fx->fe.live_bytes, allocs = fx->fe.live_allocs;
	int i;

	assert_non_null(many);
	for (i = 0; i < 10000; i++) {
		net_timer_init(&many[i], rec_fire);
		assert_int_equal(net_timer_arm(fx->ns, &many[i], 1000 + i), 0);
	}
	assert_int_equal(fx->fe.live_bytes, base);
	assert_int_equal(fx->fe.live_allocs, allocs);
	for (i = 0; i < 10000; i++)
		net_timer_cancel(fx->ns, &many[(i * 7919) % 10000]);
	assert_int_equal(net_timers_next(fx->ns), UINT64_MAX);
	free(many);
}

static struct net_timer *rearm_t;
static uint32_t rearm_count;

static void rearm_fire(struct netstack *ns, struct net_timer *t)
{
	rearm_count++;
	/* Re-arm in the past: must wait for the next poll, not loop here. */
	net_timer_arm(ns, t, 0);
}

/* A callback that re-arms itself for a past time fires once per poll. */
static void test_timer_rearm_in_past_once_per_poll(void **state)
{
	struct fixture *fx = *state;
	struct net_timer t;

	rearm_t = &t;
	rearm_count = 0;
	net_timer_init(&t, rearm_fire);
	net_timer_arm(fx->ns, &t, 5);
	net_poll(fx->ns, 10);
	assert_int_equal(rearm_count, 1);
	net_poll(fx->ns, 11);
	assert_int_equal(rearm_count, 2);
	net_timer_cancel(fx->ns, &t);
	assert_false(net_timer_armed(&t));
}

/* net_next_deadline: the heap's top, moved by re-arming and cancelling. */
static void test_next_deadline_follows_heap(void **state)
{
	struct fixture *fx = *state;
	struct net_timer a, b;

	net_poll(fx->ns, 100);
	assert_int_equal(net_next_deadline(fx->ns), UINT64_MAX);
	net_timer_init(&a, rec_fire);
	net_timer_init(&b, rec_fire);
	net_timer_arm(fx->ns, &a, 5000);
	net_timer_arm(fx->ns, &b, 3000);
	assert_int_equal(net_next_deadline(fx->ns), 3000);
	net_timer_arm(fx->ns, &b, 9000);
	assert_int_equal(net_next_deadline(fx->ns), 5000);
	net_timer_cancel(fx->ns, &a);
	assert_int_equal(net_next_deadline(fx->ns), 9000);
	net_timer_cancel(fx->ns, &b);
	assert_int_equal(net_next_deadline(fx->ns), UINT64_MAX);
}

/* An ARP request pending for an unknown neighbour is a deadline (its
 * retry); nothing at all is due on an idle stack. */
static void test_next_deadline_includes_arp_retry(void **state)
{
	struct fixture *fx = *state;
	uint8_t payload[8] = {0};
	struct pktbuf *p;

	assert_int_equal(net_next_deadline(fx->ns), UINT64_MAX);
	p = pktbuf_alloc(fx->ns, NET_HEADROOM, sizeof(payload));
	assert_non_null(p);
	memcpy(p->data, payload, sizeof(payload));
	{
		struct ip_out o = {.dst = IP_PEER, .proto = 253};

		ip_output(fx->ns, p, &o);
	}
	p = expect_tx(fx, 0x0806);	/* the ARP request */
	pktbuf_free(p);
	assert_true(net_next_deadline(fx->ns) > net_now(fx->ns));
	assert_true(net_next_deadline(fx->ns) < UINT64_MAX);
}

static uint64_t fake_clock;

static uint64_t clock_hook(void *ctx)
{
	(void)ctx;
	return fake_clock;
}

/* With env.now set, the API sees the time now, not the last poll's; and
 * the clock never goes backwards. */
static void test_now_hook_fresh_and_monotonic(void **state)
{
	struct fake_env fe;
	struct netstack *ns;

	(void)state;
	fake_env_init(&fe, 1);
	fe.env.now = clock_hook;
	fake_clock = 1000;
	ns = netstack_create(&fe.env, NULL);
	assert_non_null(ns);
	assert_int_equal(net_now(ns), 1000);
	fake_clock = 5000;
	assert_int_equal(net_now(ns), 5000);	/* no poll in between */
	fake_clock = 4000;
	assert_int_equal(net_now(ns), 5000);
	netstack_destroy(ns);
	assert_int_equal(fe.live_allocs, 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, fixture_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		T(test_heap_random_model_fires_in_order),
		T(test_timer_rearm_in_past_once_per_poll),
		T(test_heap_arms_max_pcbs_without_alloc),
		T(test_next_deadline_follows_heap),
		T(test_next_deadline_includes_arp_retry),
		cmocka_unit_test(test_now_hook_fresh_and_monotonic),
	};
#undef T
	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}

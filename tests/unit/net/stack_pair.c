/*
 * stack_pair.c: two stacks over a simulated link (see stack_pair.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <cmocka.h>

#include "stack_pair.h"
#include "../../../net/netif.h"

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0xa};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0xb};

struct stack_pair *stack_pair_new(const struct netstack_params *par,
				  uint64_t start_ns)
{
	return stack_pair_new_offload(par, start_ns, 0);
}

struct stack_pair *stack_pair_new_offload(const struct netstack_params *par,
					  uint64_t start_ns, uint32_t offload)
{
	struct stack_pair *pr = calloc(1, sizeof(*pr));

	assert_non_null(pr);
	fake_env_init(&pr->fea, 1);
	fake_env_init(&pr->feb, 2);
	pr->a = netstack_create(&pr->fea.env, par);
	pr->b = netstack_create(&pr->feb.env, par);
	assert_non_null(pr->a);
	assert_non_null(pr->b);
	sim_link_init(&pr->link, 99);
	pr->link.offload = offload;
	pr->ia = sim_link_attach(&pr->link, 0, pr->a, mac_a, 1500);
	pr->ib = sim_link_attach(&pr->link, 1, pr->b, mac_b, 1500);
	assert_int_equal(netif_set_up(pr->a, pr->ia, true), 0);
	assert_int_equal(netif_set_up(pr->b, pr->ib, true), 0);
	assert_int_equal(netif_addr_add(pr->a, pr->ia, IP_A, 24), 0);
	assert_int_equal(netif_addr_add(pr->b, pr->ib, IP_B, 24), 0);
	pr->link.delay_ns = 1000000;	/* 1 ms */
	if (start_ns) {
		pr->now = start_ns;
		net_poll(pr->a, pr->now);
		net_poll(pr->b, pr->now);
	}
	return pr;
}

void stack_pair_free(struct stack_pair *pr)
{
	sim_link_destroy(&pr->link);
	netstack_destroy(pr->a);
	netstack_destroy(pr->b);
	assert_int_equal(pr->fea.live_allocs, 0);
	assert_int_equal(pr->feb.live_allocs, 0);
	assert_int_equal(pr->fea.err_logs + pr->feb.err_logs, 0);
	free(pr);
}

void stack_pair_step(struct stack_pair *pr, uint64_t ns)
{
	pr->now += ns;
	sim_link_run(&pr->link, pr->now);
	net_poll(pr->a, pr->now);
	net_poll(pr->b, pr->now);
}

/*
 * stack_pair.h: two stacks joined by a simulated link (tests/fakes/sim_link),
 * A at 192.168.7.1/24 and B at 192.168.7.2/24, for end-to-end host tests.
 * stack_pair_free() asserts that both stacks gave back every allocation
 * and logged no error.
 */
#ifndef TESTS_UNIT_NET_STACK_PAIR_H
#define TESTS_UNIT_NET_STACK_PAIR_H

#include <stdint.h>

#include "fake_env.h"
#include "sim_link.h"
#include "../../../net/ip.h"

#define IP_A IP4(192, 168, 7, 1)
#define IP_B IP4(192, 168, 7, 2)

struct stack_pair {
	struct fake_env fea, feb;
	struct netstack *a, *b;
	struct sim_link link;
	int ia, ib;		/* each stack's link interface */
	uint64_t now;		/* the shared fake clock */
};

/* Both stacks with par, linked (1 ms one way), up and addressed. With
 * start_ns non-zero, the clock starts there and both stacks are polled. */
struct stack_pair *stack_pair_new(const struct netstack_params *par,
				  uint64_t start_ns);
/* The same over a link whose ends advertise offload (NETIF_OFFLOAD_*). */
struct stack_pair *stack_pair_new_offload(const struct netstack_params *par,
					  uint64_t start_ns, uint32_t offload);
void stack_pair_free(struct stack_pair *pr);
/* Advance the clock by ns, deliver what is due, poll both stacks. */
void stack_pair_step(struct stack_pair *pr, uint64_t ns);

#endif

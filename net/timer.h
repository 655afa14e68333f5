/*
 * timer.h: the stack's one timer facility, a binary min-heap of deadlines.
 *
 * A struct net_timer is embedded in whatever owns it (a TCP control block,
 * a DHCP client); arming puts it in the stack's heap, cancelling takes it
 * out, both O(log n), so 10,000 connections each with a timer cost nothing
 * per packet beyond a re-arm. net_poll() runs every timer whose deadline
 * has passed, earliest first, with the stack lock held; a callback may
 * re-arm its own timer or any other. net_next_deadline() (netstack.h) reads
 * the heap's top so the caller can sleep exactly until then.
 *
 * The heap is allocated once, at stack creation, with a slot for every TCP
 * pcb the stack may have (params.tcp_max_pcbs) and a few more, so arming
 * never allocates under the stack lock and cannot fail in use; past that
 * it doubles from env.alloc.
 */
#ifndef NET_TIMER_H
#define NET_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct netstack;
struct net_timer;

typedef void (*net_timer_fn)(struct netstack *ns, struct net_timer *t);

struct net_timer {
	uint64_t when;		/* deadline, ns on the stack's clock */
	uint32_t slot;		/* heap index + 1; 0 = not armed */
	net_timer_fn fn;	/* run once when the deadline passes */
};

void net_timer_init(struct net_timer *t, net_timer_fn fn);
/* Arm (or move) t to fire at when. -ENOMEM if the heap cannot grow. */
int net_timer_arm(struct netstack *ns, struct net_timer *t, uint64_t when);
/* Disarm t; harmless if it is not armed. */
void net_timer_cancel(struct netstack *ns, struct net_timer *t);

static inline bool net_timer_armed(const struct net_timer *t)
{
	return t->slot != 0;
}

#endif /* NET_TIMER_H */

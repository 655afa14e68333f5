/*
 * tcp_aq.c: a listener's accept queue, one list per receive queue of a
 * multiqueue NIC, so that a connection is accepted on the CPU its frames
 * arrive on (the NIC's queue q interrupts CPU q; RSS-style steering, as
 * Linux's SO_INCOMING_CPU / SO_REUSEPORT groups do, with one socket).
 *
 * List 0 holds connections from single-queue links (rx_queue 0): anyone
 * takes them, oldest first, as before. List q + 1 holds those whose SYN
 * came on queue q; an accept from CPU c (tcp_accept_on, pref c) takes its
 * own list first (counted TCP_ACCEPT_STEERED), else the oldest head that
 * others may take (counted TCP_ACCEPT_STOLEN when it was another CPU's).
 * Another CPU's head may be taken when nothing on that CPU has ever
 * accepted or waited for readiness on this listener (no acceptor there),
 * or once it has waited
 * TCP_AQ_STEAL_NS: a timer on the listener (TCP_T_ACCEPT) wakes every
 * waiter then, so no connection is stranded when the thread on its CPU
 * stops accepting or is busy.
 *
 * Readiness must agree with accept, or a level-triggered waiter on CPU c
 * would spin on a connection it may not take: tcp_accept_ready() reads
 * two masks published under the stack lock (lists with a connection, and
 * lists anyone may take from), so the socket layer asks it without the lock.
 * Every operation touches at most TCP_AQ_LISTS heads; removing a child
 * that dies in the queue walks its own list only.
 */
#include <errno.h>

#include "netstack_priv.h"
#include "tcp_priv.h"

/* Another CPU may take a connection that waited this long for its own. */
#define TCP_AQ_STEAL_NS (20ull * 1000000ull)

static unsigned list_of_cpu(int pref)
{
	return pref >= 0 && pref < TCP_AQ_LISTS - 1 ? (unsigned)pref + 1 : TCP_AQ_LISTS;
}

/* Recomputes the published masks and the steal timer. Stack lock held. */
static void aq_update(struct tcp_pcb *lis)
{
	uint64_t now = lis->ns->now, next = 0;
	uint32_t own = 0, any = 0, acceptors = __atomic_load_n(&lis->acceptors, __ATOMIC_RELAXED);

	for (unsigned l = 0; l < TCP_AQ_LISTS; l++) {
		struct tcp_pcb *h = lis->aq_head[l];
		if (!h)
			continue;
		own |= 1u << l;
		if (l == 0 || !(acceptors >> l & 1) || now >= h->aq_at + TCP_AQ_STEAL_NS)
			any |= 1u << l;
		else if (!next || h->aq_at + TCP_AQ_STEAL_NS < next)
			next = h->aq_at + TCP_AQ_STEAL_NS;
	}
	__atomic_store_n(&lis->aq_own, own, __ATOMIC_RELEASE);
	__atomic_store_n(&lis->aq_any, any, __ATOMIC_RELEASE);
	if (next)
		tcp_timer_set(lis, TCP_T_ACCEPT, next);
	else
		tcp_timer_clear(lis, TCP_T_ACCEPT);
}

void tcp_aq_add(struct tcp_pcb *lis, struct tcp_pcb *c, uint8_t rx_queue)
{
	unsigned l = rx_queue < TCP_AQ_LISTS ? rx_queue : 0;

	c->aq_list = (uint8_t)l;
	c->aq_at = lis->ns->now;
	c->aq_seq = lis->aq_next_seq++;
	c->aq_next = NULL;
	if (lis->aq_tail[l])
		lis->aq_tail[l]->aq_next = c;
	else
		lis->aq_head[l] = c;
	lis->aq_tail[l] = c;
	lis->aq_len++;
	aq_update(lis);
}

void tcp_aq_remove(struct tcp_pcb *lis, struct tcp_pcb *c)
{
	unsigned l = c->aq_list;
	struct tcp_pcb **pp, *prev = NULL;

	for (pp = &lis->aq_head[l]; *pp; prev = *pp, pp = &(*pp)->aq_next)
		if (*pp == c) {
			*pp = c->aq_next;
			if (lis->aq_tail[l] == c)
				lis->aq_tail[l] = prev;
			lis->aq_len--;
			break;
		}
	aq_update(lis);
}

struct tcp_pcb *tcp_aq_take(struct tcp_pcb *lis, int pref)
{
	struct netstack *ns = lis->ns;
	unsigned mine = list_of_cpu(pref), best = TCP_AQ_LISTS;
	uint32_t any;

	if (mine < TCP_AQ_LISTS) {
		if (!(__atomic_load_n(&lis->acceptors, __ATOMIC_RELAXED) >> mine & 1)) {
			__atomic_fetch_or(&lis->acceptors, 1u << mine, __ATOMIC_RELAXED);
			aq_update(lis);   /* this CPU's connections are its own from now on */
		}
		if (lis->aq_head[mine]) {
			net_count(ns, NET_STAT_TCP_ACCEPT_STEERED);
			best = mine;
		}
	}
	any = pref < 0 ? lis->aq_own : lis->aq_any;
	if (best == TCP_AQ_LISTS) {
		for (unsigned l = 0; l < TCP_AQ_LISTS; l++) {
			if (!(any >> l & 1) || !lis->aq_head[l])
				continue;
			/* Oldest first across lists: sequence numbers wrap, so compare the distance. */
			if (best == TCP_AQ_LISTS ||
			    (int32_t)(lis->aq_head[l]->aq_seq - lis->aq_head[best]->aq_seq) < 0)
				best = l;
		}
		if (best == TCP_AQ_LISTS)
			return NULL;
		if (best != 0 && pref >= 0)
			net_count(ns, NET_STAT_TCP_ACCEPT_STOLEN);
	}
	struct tcp_pcb *c = lis->aq_head[best];
	tcp_aq_remove(lis, c);
	return c;
}

void tcp_aq_timer(struct tcp_pcb *lis)
{
	aq_update(lis);
	tcp_notify(lis, TCP_EV_ACCEPT);   /* waiters on other CPUs look again */
}

bool tcp_accept_ready(struct tcp_pcb *lis, int cpu)
{
	unsigned mine = list_of_cpu(cpu);
	/*
	 * Someone on this CPU waits for the listener (epoll asks at once when
	 * a service adds it): its connections are its own from the first,
	 * not only after its first accept. Without the lock, hence atomic;
	 * the published masks catch up at the next change.
	 */
	if (mine < TCP_AQ_LISTS && !(__atomic_load_n(&lis->acceptors, __ATOMIC_RELAXED) >> mine & 1))
		__atomic_fetch_or(&lis->acceptors, 1u << mine, __ATOMIC_RELAXED);
	uint32_t own = __atomic_load_n(&lis->aq_own, __ATOMIC_ACQUIRE);
	uint32_t any = __atomic_load_n(&lis->aq_any, __ATOMIC_ACQUIRE);

	if (cpu < 0)
		return own != 0;
	return any != 0 || (mine < TCP_AQ_LISTS && (own >> mine & 1));
}

/*
 * kernel/netstat.c: the stack's counters on the console, for people and
 * for tests. With `net.stats=N` a thread prints, every N seconds, every
 * non-zero stack counter (drops by reason, TCP segments, resets, ...) on
 * one line and one line per TCP connection (state, RTT, RTO, cwnd,
 * ssthresh, retransmits, bytes), like `netstat -s` and `ss -ti`.
 *
 * Everything is copied out under the stack lock and printed after it is
 * dropped: the serial console is slow and the lock is held with
 * interrupts off.
 */
#include <stdint.h>
#include <string.h>

#include "include/skiff.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/netdev.h"
#include "kernel/netstat.h"
#include "mm/heap.h"
#include "net/netconf.h"
#include "net/netstack.h"
#include "net/tcp.h"

#define NETSTAT_MAX_CONNS 64	/* connections listed per report */

SKIFF_OPTION(net_stats, "net.stats", "print the stack's counters and TCP connections every N seconds");

/* One report's copy; per call, so two reports at once cannot mix. */
struct conn_snap {
	uint64_t v[NET_STAT_COUNT];
	struct tcp_conn_info ci[NETSTAT_MAX_CONNS];
	unsigned n;
	unsigned total;
};

static void snap_one(void *arg, const struct tcp_conn_info *ci)
{
	struct conn_snap *s = arg;

	if (s->n < NETSTAT_MAX_CONNS)
		s->ci[s->n++] = *ci;
	s->total++;
}

static void print_counters(const uint64_t *v)
{
	char line[1024];
	size_t used = 0;

	line[0] = 0;
	for (int i = 0; i < NET_STAT_COUNT; i++) {
		if (!v[i])
			continue;
		int n = snprintf(line + used, sizeof(line) - used, " %s=%lu", net_stat_name((enum net_stat)i),
				 (unsigned long)v[i]);
		if (n < 0 || (size_t)n >= sizeof(line) - used) {
			/* Full: print what we have and start a new line. */
			line[used] = 0;
			klog("netstat", "counters:%s", line);
			used = 0;
			n = snprintf(line, sizeof(line), " %s=%lu", net_stat_name((enum net_stat)i),
				     (unsigned long)v[i]);
		}
		used += (size_t)n;
	}
	klog("netstat", "counters:%s", used ? line : " none");
}

static void print_conn(const struct tcp_conn_info *c)
{
	char l[16], r[16];

	klog("netstat", "tcp %s:%u %s:%u %s rtt %u.%03u ms rto %u ms cwnd %u ssthresh %u retrans %lu sent %lu rcvd %lu",
	     ip4_format(c->local_addr, l), c->local_port, ip4_format(c->remote_addr, r), c->remote_port,
	     tcp_state_name(c->state), c->srtt_us / 1000, c->srtt_us % 1000, c->rto_ms, c->cwnd, c->ssthresh,
	     (unsigned long)c->retransmits, (unsigned long)c->bytes_sent, (unsigned long)c->bytes_received);
}

void netstat_print(void)
{
	struct netstack *ns = netdev_stack();
	struct conn_snap *s;

	if (!ns)
		return;
	s = kmalloc(sizeof(*s));
	if (!s)
		return;
	s->n = 0;
	s->total = 0;
	netdev_lock();
	for (int i = 0; i < NET_STAT_COUNT; i++)
		s->v[i] = net_stat_get(ns, (enum net_stat)i);
	tcp_foreach(ns, snap_one, s);
	netdev_unlock();
	print_counters(s->v);
	for (unsigned i = 0; i < s->n; i++)
		print_conn(&s->ci[i]);
	if (s->total > s->n)
		klog("netstat", "... and %u more TCP connections", s->total - s->n);
	kfree(s);
}

static int netstat_thread(void *arg)
{
	uint64_t period = (uint64_t)(uintptr_t)arg * 1000000000ull;

	for (;;) {
		thread_sleep(period);
		netstat_print();
	}
	return 0;
}

void netstat_init(void)
{
	long n = cmdline_get_long("net.stats", 0);
	struct thread *t;

	if (n <= 0)
		return;
	t = thread_create(netstat_thread, (void *)(uintptr_t)n, 0);
	if (t)
		thread_detach(t);
	else
		kwarn("netstat", "could not start the net.stats thread");
}

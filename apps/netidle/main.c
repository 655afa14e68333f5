/*
 * apps/netidle: a guest that answers the network and never exits, for
 * network tests and benchmarks. Once an interface other than lo has an
 * address (ip= or DHCP) it prints "netidle: ready on ADDR", then starts the
 * standard small services (services.c: TCP echo 7, discard 9, chargen 19,
 * UDP echo 7) and prints "netidle: tcp echo 7, discard 9, chargen 19 ...".
 * After that the network thread does all the work; this thread only sleeps
 * (or prints the services' counters every netidle.stats seconds).
 *
 * netidle.heartbeat=MS adds a thread on CPU 0 (the network thread's) that
 * wakes every MS ms and prints "netidle: heartbeat N at T ms, net passes P":
 * it shows that other threads on CPU 0 still run while the network is
 * busy, and (P, the network thread's passes so far) how often the network
 * thread wakes when it is not.
 *
 * netidle.loopback_storm=N (after "ready") keeps N UDP datagrams bouncing
 * over lo for ever: each one received on port NETIDLE_STORM_PORT is sent
 * again to 127.0.0.1, from the receive callback in the network thread. It
 * is input that never stops, so the network thread always has another
 * pass to run; the heartbeat line then adds "loopback M" (datagrams so far).
 */
#include <skiff.h>

#include "services.h"
#include "drivers/virtio-net/vnet.h"
#include "kernel/netdev.h"
#include "net/netconf.h"
#include "net/ip.h"
#include "net/netif.h"
#include "net/udp.h"

#define NETIDLE_STORM_PORT 9999

SKIFF_OPTION(heartbeat, "netidle.heartbeat", "print a heartbeat line every MS ms from a thread on CPU 0 (0: none)");

SKIFF_OPTION(loopback_storm, "netidle.loopback_storm", "keep N UDP datagrams bouncing over lo for ever (0: none)");

static struct udp_pcb *storm_pcb;
static uint64_t storm_count;   /* datagrams received on the storm port */

/* In the network thread, stack lock held: send it straight back round. */
static void storm_recv(void *arg, const struct udp_meta *m, const uint8_t *data, size_t len)
{
	(void)arg;
	(void)m;
	__atomic_store_n(&storm_count, storm_count + 1, __ATOMIC_RELAXED);
	udp_sendto(netdev_stack(), storm_pcb, IP4(127, 0, 0, 1), NETIDLE_STORM_PORT, data, len);
}

static void storm_start(long n)
{
	struct netstack *ns = netdev_stack();
	netdev_lock();
	int err = udp_bind(ns, NETIDLE_STORM_PORT, 0, storm_recv, NULL, &storm_pcb);
	for (long i = 0; !err && i < n; i++)
		err = udp_sendto(ns, storm_pcb, IP4(127, 0, 0, 1), NETIDLE_STORM_PORT, "storm", 5);
	netdev_unlock();
	if (err)
		printf("netidle: loopback storm failed (%d)\n", err);
	else
		printf("netidle: loopback storm of %ld datagrams started\n", n);
}

static int heartbeat(void *arg)
{
	uint64_t period_ns = (uint64_t)(uintptr_t)arg * 1000000ull;
	for (unsigned long n = 1;; n++) {
		thread_sleep(period_ns);
		char storm[48] = "";
		if (storm_pcb)
			snprintf(storm, sizeof(storm), ", loopback %lu",
				 (unsigned long)__atomic_load_n(&storm_count, __ATOMIC_RELAXED));
		printf("netidle: heartbeat %lu at %lu ms, net passes %lu%s\n", n,
		       (unsigned long)(skiff_time_ns() / 1000000), (unsigned long)netdev_passes(), storm);
	}
	return 0;
}

SKIFF_OPTION(netidle_nodelay, "netidle.nodelay", "1: TCP services send without Nagle's delay");
/*
 * The virtio-net driver's counters (a profile of the data path: frames per
 * notification and interrupt, TSO segments, merged receives), when there
 * is a virtio-net NIC.
 */
static void vnet_print(void)
{
	struct vnet_stats v;

	if (vnet_stats_get(0, &v))
		return;
	printf("netidle: virtio-net rx frames %lu (merged %lu, no large buffer %lu), tx frames %lu (tso %lu), "
	       "irqs %lu, kicks rx %lu (saved %lu) tx %lu (saved %lu)\n",
	       (unsigned long)v.rx_frames, (unsigned long)v.rx_merged, (unsigned long)v.rx_nobuf_large,
	       (unsigned long)v.tx_frames, (unsigned long)v.tx_tso, (unsigned long)v.irqs,
	       (unsigned long)v.rx_kicks, (unsigned long)v.rx_kicks_saved, (unsigned long)v.tx_kicks,
	       (unsigned long)v.tx_kicks_saved);
	/* Multiqueue: each pair's share (its frames and its interrupts, on its CPU). */
	for (unsigned i = 0; v.queues > 1 && i < v.queues && i < VNET_STATS_QUEUES; i++)
		printf("netidle: virtio-net queue %u: rx frames %lu, tx frames %lu, irqs %lu\n", i,
		       (unsigned long)v.q[i].rx_frames, (unsigned long)v.q[i].tx_frames, (unsigned long)v.q[i].irqs);
}

/*
 * CPU 0's busy time (not halted) since boot, in us: under QEMU's -icount
 * it counts the instructions the guest ran, whatever the host's load, so
 * the cost of a transfer is the difference across it.
 */
static void busy_print(void)
{
	uint64_t now = skiff_time_ns(), idle = skiff_cpu_idle_ns(0);

	printf("netidle: cpu0 busy %lu us of %lu us\n", (unsigned long)((now - idle) / 1000),
	       (unsigned long)(now / 1000));
}

SKIFF_OPTION(netidle_stats, "netidle.stats", "print service counters every N seconds (0: never)");

int main(void)
{
	long hb = skiff_opt_long("netidle.heartbeat", 0);
	if (hb > 0) {
		struct thread *t = thread_create(heartbeat, (void *)(uintptr_t)hb, 0);
		if (t)
			thread_detach(t);
		else
			printf("netidle: could not start the heartbeat thread\n");
	}
	struct netstack *ns = netdev_stack();
	uint64_t start = skiff_time_ns();
	long stats = skiff_opt_long("netidle.stats", 0);
	bool ready = false;
	while (!ready) {
		for (int i = 2; ns && i <= NETIF_MAX && !ready; i++) {
			netdev_lock();
			uint32_t a = netif_get(ns, i) ? netif_addr_primary(ns, i) : 0;
			netdev_unlock();
			if (a) {
				char buf[16];
				printf("netidle: ready on %s after %lu ms\n", ip4_format(a, buf),
				       (unsigned long)((skiff_time_ns() - start) / 1000000));
				ready = true;
			}
		}
		if (!ready)
			thread_sleep(1000000);   /* 1 ms: DHCP or a static address appears within a few polls */
	}
	long storm = skiff_opt_long("netidle.loopback_storm", 0);
	if (storm > 0 && ns)
		storm_start(storm);
	services_start(ns, skiff_opt_long("netidle.nodelay", 0) == 1);
	for (;;) {
		if (stats > 0) {
			thread_sleep((uint64_t)stats * 1000000000ull);
			services_print();
			vnet_print();
			busy_print();
		} else {
			thread_sleep(3600ull * 1000000000ull);
		}
	}
}

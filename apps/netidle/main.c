/*
 * apps/netidle: a guest that answers the network and never exits, for
 * network tests and benchmarks. Once an interface other than lo has an
 * address (ip= or DHCP) it prints "netidle: ready on ADDR", then starts the
 * standard small services (services.c: TCP echo 7, discard 9, chargen 19,
 * UDP echo 7) and prints "netidle: tcp echo 7, discard 9, chargen 19 ...".
 * After that the network thread does all the work; this thread only sleeps
 * (or prints counters every netidle.stats seconds).
 */
#include <skiff.h>

#include "services.h"
#include "kernel/netdev.h"
#include "net/netconf.h"
#include "net/netif.h"

SKIFF_OPTION(netidle_nodelay, "netidle.nodelay", "1: TCP services send without Nagle's delay");
SKIFF_OPTION(netidle_stats, "netidle.stats", "print service counters every N seconds (0: never)");

int main(void)
{
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
	services_start(ns, skiff_opt_long("netidle.nodelay", 0) == 1);
	for (;;) {
		if (stats > 0) {
			thread_sleep((uint64_t)stats * 1000000000ull);
			services_print();
		} else {
			thread_sleep(3600ull * 1000000000ull);
		}
	}
}

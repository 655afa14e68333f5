/*
 * apps/netidle: a guest that only answers the network (ping, ARP) and
 * never exits, for network tests and benchmarks. Once an interface other
 * than lo has an address (ip= or DHCP) it prints "netidle: ready on ADDR"
 * and then sleeps; the network thread does the rest.
 */
#include <skiff.h>

#include "kernel/netdev.h"
#include "net/netconf.h"
#include "net/netif.h"

int main(void)
{
	struct netstack *ns = netdev_stack();
	uint64_t start = skiff_time_ns();
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
	for (;;)
		thread_sleep(3600ull * 1000000000ull);
}

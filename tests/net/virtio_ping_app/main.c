/*
 * tests/net/virtio_ping_app: the guest tests/net/virtio_ping.sh pings. It
 * stays up for vping.seconds (the kernel answers ICMP echo on its own),
 * prints eth0's and the driver's counters every 2 s and on exit, so the test can
 * check the guest saw the traffic and kept running, then exits 0.
 *
 * It lives under tests/ rather than apps/ so every `make` does not build
 * it; the test copies it into a scratch tree as apps/vping.
 */
#include <skiff.h>

#include "drivers/virtio-net/vnet.h"
#include "kernel/netdev.h"
#include "net/netconf.h"
#include "net/netif.h"

SKIFF_OPTION(vping_seconds, "vping.seconds", "stay up this long (default 60)");

static void show(const char *when)
{
	struct netstack *ns = netdev_stack();
	int idx = ns ? (int)netif_nametoindex(ns, "eth0") : 0;
	struct netif_stats st;
	char a[16];
	if (idx <= 0 || netif_stats_get(ns, idx, &st)) {
		printf("vping: %s: no eth0\n", when);
		return;
	}
	uint32_t addr = netif_addr_primary(ns, idx);
	struct vnet_stats vs;
	if (vnet_stats_get(0, &vs) == 0)
		printf("vping: %s: virtio-net %s irqs %lu rx_malformed %lu rx_nobuf %lu tx_ring_full %lu "
		       "tx_malformed %lu kicks rx %lu (saved %lu) tx %lu (saved %lu)\n",
		       when, vs.msix ? "msix" : "intx", (unsigned long)vs.irqs, (unsigned long)vs.rx_malformed,
		       (unsigned long)vs.rx_nobuf, (unsigned long)vs.tx_ring_full, (unsigned long)vs.tx_malformed,
		       (unsigned long)vs.rx_kicks, (unsigned long)vs.rx_kicks_saved, (unsigned long)vs.tx_kicks,
		       (unsigned long)vs.tx_kicks_saved);
	printf("vping: %s: eth0 %s rx %lu tx %lu rx_dropped %lu tx_dropped %lu tx_errors %lu\n", when,
	       addr ? ip4_format(addr, a) : "none", (unsigned long)st.rx_packets, (unsigned long)st.tx_packets,
	       (unsigned long)st.rx_dropped, (unsigned long)st.tx_dropped, (unsigned long)st.tx_errors);
}

int main(void)
{
	long s = skiff_opt_long("vping.seconds", 60);
	printf("vping: up for %ld s\n", s);
	for (long i = 1; i <= s; i++) {
		thread_sleep(1000000000ull);
		if (i % 2 == 0 && i < s)
			show("running");
	}
	show("final");
	return 0;
}

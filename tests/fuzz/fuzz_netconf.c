/*
 * tests/fuzz/fuzz_netconf.c: libFuzzer target: the network options of the
 * command line (net/netconf.c): ip4_parse and netconf_parse on the raw
 * string, then netconf_apply_cmdline against a stack with eth0, eth1 and
 * eth2, which may add addresses and routes or start DHCP; the stack must
 * then run, stop and come back to empty.
 *
 * Input: a flags byte (NETCONF_DHCP_REST, NETCONF_IGNORE_UNKNOWN), then
 * the command line.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "net_test_util.h"
#include "../../net/netconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t macs[3][6] = {
		{2, 0, 0, 0, 0, 1}, {2, 0, 0, 0, 0, 2}, {2, 0, 0, 0, 0, 3},
	};
	static const char *const names[3] = {"eth0", "eth1", "eth2"};
	static struct capture_netif cap[3];
	static char line[4096];
	struct netstack_params par;
	struct fake_env fe;
	struct netconf nc;
	struct netstack *ns;
	uint32_t a;
	size_t len;
	int i;

	if (size < 1)
		return 0;
	len = size - 1 < sizeof(line) - 1 ? size - 1 : sizeof(line) - 1;
	memcpy(line, data + 1, len);
	line[len] = '\0';
	ip4_parse(line, len, &a);
	netconf_parse(line, &nc);

	fake_env_init(&fe, 7);
	fuzz_env_reuse_big(&fe);
	test_params(&par);
	par.tcp_max_pcbs = 16;	/* the default sizes hash tables for 16384 */
	ns = netstack_create(&fe.env, &par);
	if (!ns)
		fuzz_fail("setup: netstack_create");
	for (i = 0; i < 3; i++)
		if (capture_netif_add(&cap[i], ns, macs[i], 1500, names[i]) <= 0)
			fuzz_fail("setup: %s", names[i]);
	netconf_apply_cmdline(ns, line, data[0] & (NETCONF_DHCP_REST | NETCONF_IGNORE_UNKNOWN));
	if (fe.lock_depth)
		fuzz_fail("lock depth %d after netconf_apply_cmdline", fe.lock_depth);
	/* Whatever was configured runs for a while (DHCP retries, ARP). */
	for (i = 1; i <= 4; i++) {
		net_poll(ns, (uint64_t)i * 10 * FUZZ_SEC);
		int k;

		for (k = 0; k < 3; k++) {
			struct pktbuf *p;

			while ((p = capture_pop(&cap[k]))) {
				fuzz_check_tx(p, macs[k], 1500);
				pktbuf_free(p);
			}
		}
	}
	netstack_destroy(ns);
	if (fe.live_allocs || fe.live_bytes || fe.err_logs)
		fuzz_fail("after destroy: %zu allocations live, %u error logs", fe.live_allocs,
			  fe.err_logs);
	return 0;
}

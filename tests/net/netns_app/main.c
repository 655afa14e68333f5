/*
 * tests/net/netns_app: the guest of tests/net/netns.sh. It moves eth1 into
 * a second network stack (kernel/netns.h) and gives it the address eth0
 * has in the default stack, then does what the serial console tells it:
 *   delete  delete the stack: eth1 goes back to the default stack
 *   again   a new stack over eth1, configured as before
 *   quit    exit 0
 * At start it checks the API's errors and isolation from inside, printing
 * "nstest: check NAME: PASS|FAIL (...)"; after each step a line the test
 * waits for. Options: nstest.ip=A.B.C.D/N and nstest.gw=A.B.C.D (eth1's
 * in the new stack), nstest.cpu=N (its network thread's CPU).
 *
 * It lives under tests/ rather than apps/ so every `make` does not build
 * it; the test copies it into a scratch tree as apps/nstest.
 */
#include <errno.h>
#include <skiff.h>
#include <string.h>

#include "kernel/console.h"
#include "kernel/netns.h"
#include "net/netconf.h"
#include "net/ip.h"
#include "net/netif.h"
#include "net/route.h"

SKIFF_OPTION(nstest_ip, "nstest.ip", "eth1's address in the new stack (A.B.C.D/N)");
SKIFF_OPTION(nstest_gw, "nstest.gw", "eth1's default gateway in the new stack");
SKIFF_OPTION(nstest_cpu, "nstest.cpu", "CPU of the new stack's network thread (default 0)");

static int failures;

static void check(const char *name, bool ok, long got)
{
	printf("nstest: check %s: %s (%ld)\n", name, ok ? "PASS" : "FAIL", got);
	if (!ok)
		failures++;
}

/* The stack over eth1, configured as libioth's netlink calls would. NULL on failure. */
static struct netns *make_stack(void)
{
	struct netconf c;
	const char *ip = skiff_opt("nstest.ip"), *gw = skiff_opt("nstest.gw");
	char spec[96];
	snprintf(spec, sizeof(spec), "ip=%s gw=%s", ip ? ip : "", gw ? gw : "");
	if (netconf_parse(spec, &c) || !c.has_addr || !c.has_gw) {
		printf("nstest: bad nstest.ip= / nstest.gw= ('%s')\n", spec);
		return NULL;
	}
	const char *names[] = { "eth1" };
	struct netns *nn;
	int err = netns_create(names, 1, (unsigned)skiff_opt_long("nstest.cpu", 0), &nn);
	if (err) {
		printf("nstest: netns_create: %d\n", err);
		return NULL;
	}
	int idx = netns_if_nametoindex(nn, "eth1");
	if (idx < 0 || (err = netns_link_set(nn, idx, true)) || (err = netns_addr_add(nn, idx, c.addr, c.prefix)) ||
	    (err = netns_route_add(nn, 0, 0, c.gw, 0))) {
		printf("nstest: configuring eth1 (ifindex %d): %d\n", idx, err);
		return nn;
	}
	char a[16];
	printf("nstest: stack %u ready: eth1 ifindex %d address %s/%u gw %s\n", netns_id(nn), idx,
	       ip4_format(c.addr, a), c.prefix, gw);
	return nn;
}

/* got must equal want. */
static void check_eq(const char *name, long got, long want)
{
	check(name, got == want, got);
}

/* What the stacks look like from inside: each sees its own interfaces and routes only. */
static void checks(struct netns *nn)
{
	struct netns *def = netns_default();
	struct route_result rr;
	const char *none[] = { "eth9" }, *twice[] = { "eth0", "eth0" };
	struct netns *x;
	int r;

	check_eq("eth1 gone from the default stack", netns_if_nametoindex(def, "eth1"), -ENODEV);
	check_eq("eth0 not in the new stack", netns_if_nametoindex(nn, "eth0"), -ENODEV);
	check("lookup by id", netns_lookup(netns_id(nn)) == nn && netns_lookup(0) == def, netns_id(nn));
	r = route_lookup(netns_stack(nn), IP4(192, 0, 2, 1), &rr);
	check_eq("default route in the new stack via eth1", r ? r : rr.ifindex, netns_if_nametoindex(nn, "eth1"));
	check_eq("no default route in the default stack", route_lookup(netns_stack(def), IP4(192, 0, 2, 1), &rr),
		 -ENETUNREACH);
	check_eq("create over an unknown NIC", netns_create(none, 1, 0, &x), -ENODEV);
	check_eq("create naming a NIC twice", netns_create(twice, 2, 0, &x), -EINVAL);
	check_eq("create on a CPU that is not online", netns_create(NULL, 0, 999, &x), -EINVAL);
	check_eq("delete the default stack", netns_delete(def), -EPERM);
	check_eq("prefix 33", netns_addr_add(nn, 1, IP4(10, 1, 1, 1), 33), -EINVAL);
	check_eq("delete a route that is not there", netns_route_del(nn, IP4(10, 9, 0, 0), 16, 0, 0), -ESRCH);
	/*
	 * A stack with loopback only, twice: the second round must give the
	 * heap back exactly (the first may grow per-CPU tables for good).
	 */
	for (int round = 1; round <= 2; round++) {
		struct skiff_mem_stats before, after;
		skiff_mem_stats(&before);
		r = netns_create(NULL, 0, 0, &x);
		check_eq("create a loopback-only stack", r, 0);
		if (r)
			break;
		check("its lo answers", netns_if_nametoindex(x, "lo") > 0, netns_if_nametoindex(x, "lo"));
		check_eq("delete it", netns_delete(x), 0);
		skiff_mem_stats(&after);
		if (round == 2)
			check_eq("heap back to where it was", (long)(after.heap_bytes_in_use - before.heap_bytes_in_use), 0);
	}
}

/* A line from the console, without its end. */
static void read_line(char *buf, size_t size)
{
	size_t n = 0;
	for (;;) {
		int c = console_getc();
		if (c == '\n' || c == '\r') {
			if (n)
				break;
			continue;
		}
		if (n + 1 < size)
			buf[n++] = (char)c;
	}
	buf[n] = 0;
}

int main(void)
{
	struct netns *nn = make_stack();
	if (!nn)
		return 1;
	checks(nn);
	printf("nstest: checks done, %d failed\n", failures);
	for (;;) {
		char cmd[32];
		printf("nstest: command?\n");
		read_line(cmd, sizeof(cmd));
		if (!strcmp(cmd, "quit"))
			break;
		if (!strcmp(cmd, "delete") && nn) {
			int r = netns_delete(nn);
			nn = NULL;
			int idx = netns_if_nametoindex(netns_default(), "eth1");
			printf("nstest: stack deleted (%d); eth1 in the default stack: ifindex %d, link %s, address %s\n", r,
			       idx, idx > 0 && netif_is_up(netns_stack(netns_default()), idx) ? "up" : "down",
			       idx > 0 && netif_addr_primary(netns_stack(netns_default()), idx) ? "some" : "none");
		} else if (!strcmp(cmd, "again") && !nn) {
			nn = make_stack();
		} else {
			printf("nstest: unknown or untimely command '%s'\n", cmd);
		}
	}
	return failures ? 1 : 0;
}

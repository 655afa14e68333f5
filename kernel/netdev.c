/*
 * kernel/netdev.c: the NICs (see netdev.h): driver registration at boot,
 * interrupt kicks routed to the stack that has a NIC now, receive-pool
 * growth for rings, the default stack's compatibility calls, and the boot
 * sequence (default stack, drivers, ip= options, network thread).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "drivers/virtio-net/virtio_mmio.h"
#include "include/skiff.h"
#include "kernel/bootinfo.h"
#include "kernel/cmdline.h"
#include "kernel/cmdline_parse.h"
#include "kernel/log.h"
#include "kernel/netdev.h"
#include "kernel/netdev_priv.h"
#include "kernel/netns.h"
#include "net/netconf.h"
#include "net/netif.h"
#include "net/netstack.h"
#include "net/pktbuf.h"

/* Buffers added per receive ring beyond its size: frames in flight while the ring is refilled. */
#define NETDEV_RX_MARGIN 32

extern const struct netdrv *const __netdrv_start[], *const __netdrv_end[];

struct netdev netdevs[NETDEV_MAX];
unsigned netdev_count;

struct netstack *netdev_stack(void)
{
	struct netns *nn = netns_default();
	return nn ? netns_stack(nn) : NULL;
}

void netdev_lock(void)
{
	netns_lock(netns_default());
}

void netdev_unlock(void)
{
	netns_unlock(netns_default());
}

bool netdev_in_thread(struct netdev *d)
{
	struct netns *nn = __atomic_load_n(&d->owner, __ATOMIC_ACQUIRE);
	if (nn && nn->thr && thread_self() == nn->thr)
		return true;
	return netdev_queue_in_poller(d);
}

uint64_t netdev_passes(void)
{
	return netns_passes(netns_default());
}

void netdev_kick(struct netdev *d)
{
	struct netns *nn = d ? __atomic_load_n(&d->owner, __ATOMIC_ACQUIRE) : NULL;
	if (!nn)
		nn = netns_default();
	/*
	 * Stacks live in a static table and their events are never
	 * re-initialised, so a kick that read an owner just replaced (or a
	 * stack just deleted) only sets an event nobody needs: harmless.
	 */
	if (nn)
		event_signal(&nn->event);
}

void netdev_lock_dev(struct netdev *d)
{
	for (;;) {
		struct netns *nn = __atomic_load_n(&d->owner, __ATOMIC_ACQUIRE);
		netns_lock(nn);
		if (__atomic_load_n(&d->owner, __ATOMIC_ACQUIRE) == nn)
			return;
		netns_unlock(nn);   /* it moved while we waited: follow it */
	}
}

void netdev_unlock_dev(struct netdev *d)
{
	netns_unlock(d->owner);
}

int netdev_rx_ring_grow(struct netstack *ns, unsigned entries)
{
	struct netns *nn = ns ? netns_of(ns) : NULL;
	if (!nn)
		return -ENODEV;
	/* A NIC coming back: the pool already holds its ring's worth (it never shrinks). */
	if (nn->binding && (nn->grown >> nn->binding->index & 1))
		return (int)entries;
	int got = pktpool_grow(ns, entries + NETDEV_RX_MARGIN);
	if (nn->binding && got > 0)
		nn->grown |= 1u << nn->binding->index;
	if (got < (int)(entries + NETDEV_RX_MARGIN)) {
		struct pktpool_stats st;
		pktpool_get_stats(ns, &st);
		kwarn(nn->tag, "packet pool: %d of %u buffers added for a %u-entry ring (%u of at most %u)",
		      got < 0 ? 0 : got, entries + NETDEV_RX_MARGIN, entries, st.small_total, st.small_max);
	}
	return got;
}

int netdev_register(const struct netif_ops *nops, const struct netdev_ops *dops, void *drv, const char *driver,
		    struct netdev **out)
{
	struct netns *nn = netns_default();
	if (!nn)
		return -ENODEV;
	if (netdev_count == NETDEV_MAX)
		return -ENOSPC;
	struct netdev *d = &netdevs[netdev_count];
	netns_lock(nn);
	int idx = netif_add(nn->ns, nops, drv, NULL);
	if (idx < 0) {
		netns_unlock(nn);
		return idx;
	}
	*d = (struct netdev){ .nops = nops, .ops = dops, .drv = drv, .driver = driver, .index = netdev_count,
			      .owner = nn, .ifindex = idx };
	memcpy(d->name, netif_name(netif_get(nn->ns, idx)), NETIF_NAMESIZ);
	nn->devs[nn->ndevs++] = d;
	/* At boot the driver grew the pool before registering (netdev_rx_ring_grow). */
	nn->grown |= 1u << d->index;
	netdev_count++;
	netns_unlock(nn);
	if (out)
		*out = d;
	return idx;
}

SKIFF_OPTION(net_ip, "ip", "eth0's address: A.B.C.D/N, or dhcp (the default)");
SKIFF_OPTION(net_gw, "gw", "eth0's default gateway, with a static ip=");
SKIFF_OPTION(net_if_ip, "eth*.ip", "an interface's address: A.B.C.D/N or dhcp");
SKIFF_OPTION(net_if_gw, "eth*.gw", "an interface's default gateway");

static void log_interfaces(struct netns *nn)
{
	struct netstack *ns = nn->ns;
	struct pktpool_stats st;
	pktpool_get_stats(ns, &st);
	klog(nn->tag, "packet buffers: %u small (at most %u, %u kept from receive rings), %u large", st.small_total,
	     st.small_max, st.reserve, st.large_total);
	for (unsigned i = 0; i < netdev_count; i++) {
		struct netdev *d = &netdevs[i];
		if (d->owner != nn)
			continue;
		struct netif *nif = netif_get(ns, d->ifindex);
		uint8_t mac[ETH_ALEN];
		netif_mac(nif, mac);
		char a[16];
		uint32_t addr = netif_addr_primary(ns, d->ifindex);
		klog(nn->tag, "%s: driver %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s, address %s", netif_name(nif),
		     d->driver, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
		     netif_is_up(ns, d->ifindex) ? "up" : "down", addr ? ip4_format(addr, a) : "none (dhcp)");
	}
}

/* Whether the len bytes at key name a network option: ip, gw, ethN.ip, ethN.gw. */
static bool net_option_key(const char *key, size_t len, bool *is_ip)
{
	char k[CMDLINE_MAX_KEY];
	if (len >= sizeof(k))
		return false;
	memcpy(k, key, len);
	k[len] = '\0';
	if (!strcmp(k, "ip") || cmdline_key_matches("eth*.ip", k)) {
		*is_ip = true;
		return true;
	}
	*is_ip = false;
	return !strcmp(k, "gw") || cmdline_key_matches("eth*.gw", k);
}

/*
 * Why netconf refused the command line's network options, in words: the
 * first ip=/gw= token whose value is malformed on its own, else what is
 * wrong with them together (a gateway without an address of its own).
 */
static void net_options_reason(const char *line, int err, char *buf, size_t size)
{
	for (const char *s = line; *s;) {
		while (*s == ' ')
			s++;
		const char *tok = s;
		while (*s && *s != ' ')
			s++;
		size_t len = (size_t)(s - tok);
		const char *eq = memchr(tok, '=', len);
		bool is_ip;
		if (!eq || !net_option_key(tok, (size_t)(eq - tok), &is_ip))
			continue;
		const char *val = eq + 1;
		size_t vlen = len - (size_t)(val - tok);
		struct netconf c;
		char one[CMDLINE_MAX_VAL + 4] = "ip=";
		uint32_t a;
		if (is_ip && vlen < CMDLINE_MAX_VAL) {
			memcpy(one + 3, val, vlen);
			one[3 + vlen] = '\0';
			if (netconf_parse(one, &c) == 0)
				continue;
			snprintf(buf, size, "option %.*s: not an address A.B.C.D/N (octets 0-255, prefix 0-32) nor dhcp",
				 (int)len, tok);
			return;
		}
		if (!is_ip && (ip4_parse(val, vlen, &a) || !a)) {
			snprintf(buf, size, "option %.*s: not an address A.B.C.D", (int)len, tok);
			return;
		}
	}
	snprintf(buf, size, "options: a gw= needs an ip=A.B.C.D/N on the same interface, not dhcp (%s)",
		 strerror(-err));
}

/*
 * ip=/gw= (eth0) and ethN.ip=/ethN.gw=, parsed and applied by net/netconf;
 * an interface given neither gets DHCP; options naming no NIC here (an
 * app's "name.ip=", a NIC the machine lacks) are not ours. A malformed
 * value changes nothing, so then every interface falls back to DHCP, with
 * a warning that names the value and what is wrong with it.
 */
static void apply_config(struct netstack *ns)
{
	int n = netconf_apply_cmdline(ns, cmdline_str(), NETCONF_DHCP_REST | NETCONF_IGNORE_UNKNOWN);
	if (n >= 0)
		return;
	char why[160];
	net_options_reason(cmdline_str(), n, why, sizeof(why));
	kwarn("net", "bad network %s; every interface uses dhcp", why);
	n = netconf_apply_cmdline(ns, "", NETCONF_DHCP_REST);
	if (n < 0)
		kwarn("net", "could not start dhcp: %s", strerror(-n));
}

/* The virtio-mmio transports (QEMU's microvm: no PCI) to the drivers that take them. */
static void attach_mmio(void)
{
	virtio_mmio_scan(boot_info.cmdline);
	for (unsigned i = 0; i < virtio_mmio_count(); i++) {
		const struct virtio_mmio_dev *m = virtio_mmio_get(i);
		for (const struct netdrv *const *dr = __netdrv_start; dr < __netdrv_end; dr++) {
			if (!(*dr)->match_mmio || !(*dr)->match_mmio(m))
				continue;
			int err = (*dr)->attach_mmio(m);
			if (err)
				kwarn("net", "%s: mmio%u: attach failed: %s", (*dr)->name, m->index, strerror(-err));
			break;
		}
	}
}

void netdev_init(void)
{
	netns_boot_init();
	netdev_flush_init();
	if (netns_default_create()) {
		kwarn("net", "no memory for the network stack; networking is off");
		return;
	}
	for (unsigned i = 0; i < pci_count(); i++) {
		struct pci_dev *d = pci_get(i);
		for (const struct netdrv *const *dr = __netdrv_start; dr < __netdrv_end; dr++) {
			if (!(*dr)->match(d))
				continue;
			int err = (*dr)->attach(d);
			if (err)
				kwarn("net", "%s: %02x:%02x.%x: attach failed: %s", (*dr)->name, d->bus, d->dev, d->fn,
				      strerror(-err));
			break;
		}
	}
	attach_mmio();
	struct netns *nn = netns_default();
	apply_config(nn->ns);
	log_interfaces(nn);
	netns_start_thread(nn);
}

/*
 * kernel/netdev.c: the kernel's network stack instance and its thread (see
 * netdev.h). The net_env boundary is filled here: memory from the kernel
 * heap, a recursive spinlock (kernel/spinlock.h) as the stack lock (the stack never blocks
 * while holding it), randomness from RDRAND when the CPU has it and the TSC
 * otherwise, log lines tagged "net".
 *
 * The thread sleeps on an event, set by NIC interrupts, rearm checks that
 * found new frames and loopback kicks, with a timeout that ends exactly at
 * the next deadline: the stack's (net_next_deadline()) or a device's
 * (netdev_ops.next_deadline); with none due it sleeps without a timeout.
 * An API call from another thread can arm an earlier timer (an ARP retry,
 * a TCP retransmission); the outermost netdev_unlock() of such a call
 * notices and wakes the thread. After every pass the thread yields, so
 * other threads on CPU 0 run even when its event never stays clear.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "include/skiff.h"
#include "kernel/cmdline.h"
#include "kernel/log.h"
#include "kernel/netdev.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "mm/heap.h"
#include "net/netconf.h"
#include "net/netif.h"
#include "net/netstack.h"
#include "net/pktbuf.h"
#include "sched/sched.h"

#define NET_POLL_BUDGET 64
#define NETDEV_MAX 8
/* Buffers added per receive ring beyond its size: frames in flight while the ring is refilled. */
#define NETDEV_RX_MARGIN 32
/* The small-buffer pool may take at most 1/NETDEV_POOL_MEM_SHARE of RAM... */
#define NETDEV_POOL_MEM_SHARE 32
/* ...and stays between these (2 KiB each: 512 KiB and 32 MiB). */
#define NETDEV_POOL_MIN 256
#define NETDEV_POOL_MAX 16384

struct netdev {
	const struct netdev_ops *ops;
	void *drv;
	int ifindex;
	const char *driver;
};

extern const struct netdrv *const __netdrv_start[], *const __netdrv_end[];

static struct netstack *ns;
static struct netdev devs[NETDEV_MAX];
static unsigned ndevs;
static struct event net_event;
static uint64_t net_passes;   /* times the network thread woke and polled; read by netdev_passes() */
static struct thread *net_thr;   /* the network thread, once it runs */
/* The deadline the network thread sleeps until; 0 while it runs. Under the stack lock. */
static uint64_t net_sleep_until;

static uint64_t next_deadline(void);

/* The stack lock (callbacks re-enter the stack, so it is recursive). */
static struct rspinlock stack_lock = RSPINLOCK_INIT("net");

void netdev_lock(void)
{
	rspin_lock(&stack_lock);
}

void netdev_unlock(void)
{
	/*
	 * The outermost release by a thread other than the network thread,
	 * while that one sleeps: a timer armed in between may be due before
	 * it wakes. The check re-enters the lock (depth 2), so it runs once.
	 */
	if (rspin_depth(&stack_lock) == 1 && net_sleep_until && thread_self() != net_thr &&
	    next_deadline() < net_sleep_until) {
		net_sleep_until = 0;
		event_signal(&net_event);
	}
	rspin_unlock(&stack_lock);
}

static void *env_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return kmalloc(size);
}

static void env_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	(void)size;
	kfree(p);
}

static void env_lock(void *ctx)
{
	(void)ctx;
	netdev_lock();
}

static void env_unlock(void *ctx)
{
	(void)ctx;
	netdev_unlock();
}

static uint32_t env_random(void *ctx)
{
	(void)ctx;
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (c & (1u << 30)) {
		uint32_t v;
		unsigned char ok;
		for (int i = 0; i < 10; i++) {
			__asm__ volatile("rdrand %0; setc %1" : "=r"(v), "=qm"(ok));
			if (ok)
				return v;
		}
	}
	/* No RDRAND: mix the TSC; good enough for IP ids and DHCP xids, not for secrets. */
	uint64_t x = rdtsc() * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

static void env_log(void *ctx, enum net_log_level lvl, const char *msg)
{
	(void)ctx;
	if (lvl <= NET_LOG_WARN)
		kwarn("net", "%s", msg);
	else if (lvl == NET_LOG_INFO)
		klog("net", "%s", msg);
}

static void env_kick(void *ctx)
{
	(void)ctx;
	netdev_kick();
}

static uint64_t env_now(void *ctx)
{
	(void)ctx;
	return time_ns();
}

static const struct net_env kernel_env = {
	.now = env_now,
	.kick = env_kick,
	.alloc = env_alloc,
	.free = env_free,
	.lock = env_lock,
	.unlock = env_unlock,
	.random = env_random,
	.log = env_log,
};

uint64_t netdev_passes(void)
{
	return __atomic_load_n(&net_passes, __ATOMIC_RELAXED);
}

struct netstack *netdev_stack(void)
{
	return ns;
}

void netdev_kick(void)
{
	event_signal(&net_event);
}

int netdev_rx_ring_grow(unsigned entries)
{
	if (!ns)
		return -ENODEV;
	int got = pktpool_grow(ns, entries + NETDEV_RX_MARGIN);
	if (got < (int)(entries + NETDEV_RX_MARGIN)) {
		struct pktpool_stats st;
		pktpool_get_stats(ns, &st);
		kwarn("net", "packet pool: %d of %u buffers added for a %u-entry ring (%u of at most %u)", got < 0 ? 0 : got,
		      entries + NETDEV_RX_MARGIN, entries, st.small_total, st.small_max);
	}
	return got;
}

int netdev_register(const struct netif_ops *nops, const struct netdev_ops *dops, void *drv, const char *driver)
{
	if (ndevs == NETDEV_MAX)
		return -ENOSPC;
	netdev_lock();
	int idx = netif_add(ns, nops, drv, NULL);
	netdev_unlock();
	if (idx < 0)
		return idx;
	devs[ndevs++] = (struct netdev){ dops, drv, idx, driver };
	return idx;
}

/* The earliest of the stack's next timer and every device's; UINT64_MAX when none. Stack lock held. */
static uint64_t next_deadline(void)
{
	uint64_t next = net_next_deadline(ns);
	for (unsigned i = 0; i < ndevs; i++) {
		if (!devs[i].ops->next_deadline)
			continue;
		uint64_t d = devs[i].ops->next_deadline(devs[i].drv);
		if (d < next)
			next = d;
	}
	return next;
}

static int net_thread(void *arg)
{
	(void)arg;
	net_thr = thread_self();
	for (;;) {
		netdev_lock();
		uint64_t next = next_deadline();
		uint64_t now = time_ns();
		net_sleep_until = next > now ? next : 0;
		netdev_unlock();
		/* Until the deadline, or for ever when nothing is due; interrupts and kicks end it early. */
		if (next > now)
			event_wait(&net_event, next == UINT64_MAX ? WAITQ_FOREVER : next - now);
		__atomic_store_n(&net_passes, net_passes + 1, __ATOMIC_RELAXED);
		netdev_lock();
		net_sleep_until = 0;
		/* First, so received frames are stamped with the time they were taken, not the last wake-up's. */
		net_poll(ns, time_ns());
		for (unsigned i = 0; i < ndevs; i++) {
			/* Bounded: a device that keeps receiving yields to the others each budget. */
			for (int round = 0; round < 16; round++)
				if (devs[i].ops->poll(devs[i].drv, NET_POLL_BUDGET) < NET_POLL_BUDGET)
					break;
		}
		for (unsigned i = 0; i < ndevs; i++)
			if (devs[i].ops->irq_rearm)
				devs[i].ops->irq_rearm(devs[i].drv);
		netdev_unlock();
		/*
		 * event_wait returns without switching when the event is already
		 * set, and under sustained input (a rearm that found new frames,
		 * loopback traffic) it always is: let every other ready thread on
		 * this CPU run once per pass. Without one, this returns at once.
		 */
		thread_yield();
	}
	return 0;
}

SKIFF_OPTION(net_ip, "ip", "eth0's address: A.B.C.D/N, or dhcp (the default)");
SKIFF_OPTION(net_gw, "gw", "eth0's default gateway, with a static ip=");
SKIFF_OPTION(net_if_ip, "eth*.ip", "an interface's address: A.B.C.D/N or dhcp");
SKIFF_OPTION(net_if_gw, "eth*.gw", "an interface's default gateway");

static void log_interfaces(void)
{
	struct pktpool_stats st;
	pktpool_get_stats(ns, &st);
	klog("net", "packet buffers: %u small (at most %u, %u kept from receive rings), %u large", st.small_total,
	     st.small_max, st.reserve, st.large_total);
	for (unsigned i = 0; i < ndevs; i++) {
		struct netif *nif = netif_get(ns, devs[i].ifindex);
		uint8_t mac[ETH_ALEN];
		netif_mac(nif, mac);
		char a[16];
		uint32_t addr = netif_addr_primary(ns, devs[i].ifindex);
		klog("net", "%s: driver %s, MAC %02x:%02x:%02x:%02x:%02x:%02x, link %s, address %s", netif_name(nif),
		     devs[i].driver, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
		     netif_is_up(ns, devs[i].ifindex) ? "up" : "down", addr ? ip4_format(addr, a) : "none (dhcp)");
	}
}

/*
 * ip=/gw= (eth0) and ethN.ip=/ethN.gw=, parsed and applied by net/netconf;
 * an interface given neither gets DHCP. A bad line changes nothing, so
 * then every interface falls back to DHCP, with a warning.
 */
static void apply_config(void)
{
	int n = netconf_apply_cmdline(ns, cmdline_str(), NETCONF_DHCP_REST);
	if (n >= 0)
		return;
	kwarn("net", "bad network options on the command line (%d); every interface uses dhcp", n);
	n = netconf_apply_cmdline(ns, "", NETCONF_DHCP_REST);
	if (n < 0)
		kwarn("net", "could not start dhcp (%d)", n);
}

void net_init(void)
{
	event_init(&net_event);
	struct netstack_params params;
	memset(&params, 0, sizeof(params));
	/* Room for the rings of however many NICs there are, within a share of RAM. */
	uint64_t cap = skiff_mem_total() / NETDEV_POOL_MEM_SHARE / NET_PKT_SMALL_CAP;
	params.pkt_small_max = cap < NETDEV_POOL_MIN ? NETDEV_POOL_MIN : cap > NETDEV_POOL_MAX ? NETDEV_POOL_MAX : (uint32_t)cap;
	ns = netstack_create(&kernel_env, &params);
	if (!ns) {
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
				kwarn("net", "%s: %02x:%02x.%x: attach failed (%d)", (*dr)->name, d->bus, d->dev, d->fn,
				      err);
			break;
		}
	}
	apply_config();
	log_interfaces();
	if (!thread_create(net_thread, NULL, 0))
		kwarn("net", "could not start the network thread");
}

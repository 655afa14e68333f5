/*
 * kernel/netns.c: the kernel's network stacks and their threads (see
 * netns.h). The net_env boundary is filled here, once per stack: memory
 * from the kernel heap, the stack's recursive spinlock (kernel/spinlock.h;
 * the stack never blocks while holding it), randomness from RDRAND when
 * the CPU has it and the TSC otherwise, log lines tagged "net" (default
 * stack) or "netN".
 *
 * Each stack's thread sleeps on its event, set by its NICs' interrupts,
 * rearm checks that found new frames and loopback kicks, with a timeout
 * that ends exactly at the next deadline: the stack's (net_next_deadline())
 * or a device's (netdev_ops.next_deadline); with none due it sleeps
 * without a timeout. An API call from another thread can arm an earlier
 * timer (an ARP retry, a TCP retransmission); the outermost netns_unlock()
 * of such a call notices and wakes the thread. After every pass the thread
 * yields, so other threads on its CPU run even when its event never stays
 * clear.
 *
 * Moves take one stack lock at a time (never two: no lock order to keep):
 * under the old one the interface is removed and the driver unbound, under
 * the new one it is added and bound. Stacks live in a static table whose
 * events are set up once at boot, so a late kick to a deleted stack is a
 * spurious wake-up, never a use after free.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/rdrand.h"
#include "include/skiff.h"
#include "kernel/log.h"
#include "kernel/netdev_priv.h"
#include "kernel/netns.h"
#include "kernel/time.h"
#include "lib/fmt.h"
#include "mm/heap.h"
#include "net/netif.h"
#include "net/netstack.h"
#include "net/pktbuf.h"
#include "net/route.h"

#define NET_POLL_BUDGET 64
/* The small-buffer pool may take at most 1/NETNS_POOL_MEM_SHARE of RAM... */
#define NETNS_POOL_MEM_SHARE 32
/* ...and stays between these (2 KiB each: 512 KiB and 32 MiB). */
#define NETNS_POOL_MIN 256
#define NETNS_POOL_MAX 16384
#define NETNS_SMALL_RAM (16ull << 20)   /* below this, the sizes below */
#define NETNS_SMALL_TCP_BUF (16u * 1024)

static struct netns stacks[NETNS_MAX];
struct spinlock netns_reg_lock = SPINLOCK_INIT("netns");

/* ---- the net_env boundary ---- */

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
	netns_lock(ctx);
}

static void env_unlock(void *ctx)
{
	netns_unlock(ctx);
}

static uint32_t env_random(void *ctx)
{
	(void)ctx;
	uint32_t v;
	if (rdrand32(&v) == 0)
		return v;
	/* No RDRAND (or a failing one): mix the TSC; good enough for IP ids and DHCP xids, not for secrets. */
	uint64_t x = rdtsc() * 0x9e3779b97f4a7c15ull;
	return (uint32_t)(x >> 32) ^ (uint32_t)x;
}

static void env_log(void *ctx, enum net_log_level lvl, const char *msg)
{
	struct netns *nn = ctx;
	if (lvl <= NET_LOG_WARN)
		kwarn(nn->tag, "%s", msg);
	else if (lvl == NET_LOG_INFO)
		klog(nn->tag, "%s", msg);
}

static void env_kick(void *ctx)
{
	event_signal(&((struct netns *)ctx)->event);
}

static uint64_t env_now(void *ctx)
{
	(void)ctx;
	return time_ns();
}

/* ---- the stack lock and thread ---- */

/* The earliest of the stack's next timer and every device's; UINT64_MAX when none. Stack lock held. */
static uint64_t next_deadline(struct netns *nn)
{
	uint64_t next = net_next_deadline(nn->ns);
	for (unsigned i = 0; i < nn->ndevs; i++) {
		struct netdev *d = nn->devs[i];
		if (!d->ops->next_deadline)
			continue;
		uint64_t t = d->ops->next_deadline(d->drv);
		if (t < next)
			next = t;
	}
	return next;
}

void netns_lock(struct netns *nn)
{
	rspin_lock(&nn->lock);
	if (nn->lock.depth == 1)
		nn->held_since = time_ns();
}

/* The outermost release's hold time into nn->lk (lock held). */
static void lock_account(struct netns *nn)
{
	uint64_t dt = time_ns() - nn->held_since;

	nn->lk.holds++;
	nn->lk.total_ns += dt;
	if (dt > nn->lk.max_ns)
		nn->lk.max_ns = dt;
	nn->lk.over_100us += dt > 100000;
	nn->lk.over_1ms += dt > 1000000;
}

void netns_lock_stats(struct netns *nn, struct netns_lock_stats *out)
{
	out->holds = __atomic_load_n(&nn->lk.holds, __ATOMIC_RELAXED);
	out->total_ns = __atomic_load_n(&nn->lk.total_ns, __ATOMIC_RELAXED);
	out->max_ns = __atomic_load_n(&nn->lk.max_ns, __ATOMIC_RELAXED);
	out->over_100us = __atomic_load_n(&nn->lk.over_100us, __ATOMIC_RELAXED);
	out->over_1ms = __atomic_load_n(&nn->lk.over_1ms, __ATOMIC_RELAXED);
}

void netns_unlock(struct netns *nn)
{
	/*
	 * The outermost release by a thread other than the network thread,
	 * while that one sleeps: a timer armed in between may be due before
	 * it wakes. The check re-enters the lock (depth 2), so it runs once.
	 */
	if (rspin_depth(&nn->lock) == 1 && nn->sleep_until && thread_self() != nn->thr &&
	    next_deadline(nn) < nn->sleep_until) {
		nn->sleep_until = 0;
		event_signal(&nn->event);
	}
	if (rspin_depth(&nn->lock) == 1)
		lock_account(nn);
	rspin_unlock(&nn->lock);
}

static int netns_thread(void *arg)
{
	struct netns *nn = arg;
	nn->thr = thread_self();   /* its creator stores the same; netns_unlock may look first */
	while (!nn->stopping) {
		netns_lock(nn);
		uint64_t next = next_deadline(nn);
		uint64_t now = time_ns();
		nn->sleep_until = next > now ? next : 0;
		netns_unlock(nn);
		/* Until the deadline, or for ever when nothing is due; interrupts and kicks end it early. */
		if (next > now)
			event_wait(&nn->event, next == UINT64_MAX ? WAITQ_FOREVER : next - now);
		if (nn->stopping)
			break;
		netns_lock(nn);
		nn->sleep_until = 0;
		/* First, so received frames are stamped with the time they were taken, not the last wake-up's. */
		net_poll(nn->ns, time_ns());
		for (unsigned i = 0; i < nn->ndevs; i++) {
			struct netdev *d = nn->devs[i];
			/* Bounded: a device that keeps receiving yields to the others each budget. */
			for (int round = 0; round < 16; round++)
				if (d->ops->poll(d->drv, NET_POLL_BUDGET) < NET_POLL_BUDGET)
					break;
		}
		for (unsigned i = 0; i < nn->ndevs; i++)
			if (nn->devs[i]->ops->irq_rearm)
				nn->devs[i]->ops->irq_rearm(nn->devs[i]->drv);
		/* Counted under the lock, once the pass is done: see netns_sync(). */
		__atomic_store_n(&nn->passes, nn->passes + 1, __ATOMIC_RELEASE);
		netns_unlock(nn);
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

void netns_start_thread(struct netns *nn)
{
	nn->thr = thread_create(netns_thread, nn, nn->cpu);
	if (!nn->thr)
		kwarn(nn->tag, "could not start the network thread");
}

/* ---- stacks ---- */

void netns_boot_init(void)
{
	for (unsigned i = 0; i < NETNS_MAX; i++) {
		struct netns *nn = &stacks[i];
		nn->id = i;
		if (i)
			snprintf(nn->tag, sizeof(nn->tag), "net%u", i);
		else
			memcpy(nn->tag, "net", 4);
		event_init(&nn->event);
	}
}

/* A net/ stack for nn, sized as the default one; 0 or -ENOMEM. */
static int netns_setup(struct netns *nn, unsigned cpu)
{
	rspin_init(&nn->lock, nn->tag);
	nn->env = (struct net_env){
		.now = env_now,
		.kick = env_kick,
		.alloc = env_alloc,
		.free = env_free,
		.lock = env_lock,
		.unlock = env_unlock,
		.random = env_random,
		.log = env_log,
		.ctx = nn,
	};
	nn->thr = NULL;
	nn->cpu = cpu;
	nn->sleep_until = 0;
	nn->passes = 0;
	nn->ndevs = 0;
	nn->grown = 0;
	nn->binding = NULL;
	nn->stopping = false;
	struct netstack_params params;
	memset(&params, 0, sizeof(params));
	/* Room for the rings of however many NICs there are, within a share of RAM. */
	uint64_t cap = skiff_mem_total() / NETNS_POOL_MEM_SHARE / NET_PKT_SMALL_CAP;
	params.pkt_small_max = cap < NETNS_POOL_MIN ? NETNS_POOL_MIN : cap > NETNS_POOL_MAX ? NETNS_POOL_MAX : (uint32_t)cap;
	/*
	 * A small guest keeps one 64 KiB datagram buffer instead of the
	 * default four, and TCP rings of 16 KiB instead of 128 KiB each way: a
	 * connection costs 32 KiB, not 256 KiB, so a 4 MiB guest holds tens of
	 * clients rather than three (its windows are smaller; so is its RAM).
	 */
	if (skiff_mem_total() < NETNS_SMALL_RAM) {
		params.pkt_large = 1;
		params.tcp_sndbuf = params.tcp_rcvbuf = NETNS_SMALL_TCP_BUF;
		params.tcp_rcvbuf_max = NETNS_SMALL_TCP_BUF;
	}
	nn->ns = netstack_create(&nn->env, &params);
	return nn->ns ? 0 : -ENOMEM;
}

int netns_default_create(void)
{
	int err = netns_setup(&stacks[0], 0);
	if (!err)
		stacks[0].state = NETNS_LIVE;
	return err;
}

struct netns *netns_default(void)
{
	return stacks[0].ns ? &stacks[0] : NULL;
}

struct netns *netns_lookup(unsigned id)
{
	if (id >= NETNS_MAX)
		return NULL;
	return __atomic_load_n(&stacks[id].state, __ATOMIC_ACQUIRE) == NETNS_LIVE ? &stacks[id] : NULL;
}

struct netns *netns_of(struct netstack *ns)
{
	for (unsigned i = 0; i < NETNS_MAX; i++)
		if (stacks[i].ns == ns && stacks[i].state != NETNS_FREE)
			return &stacks[i];
	return NULL;
}

unsigned netns_id(const struct netns *nn)
{
	return nn->id;
}

struct netstack *netns_stack(struct netns *nn)
{
	return nn->ns;
}

void netns_sync(struct netns *nn)
{
	/*
	 * A pass counted after this read holds the lock from before its
	 * polling until after its count, so it began after we let go.
	 */
	netns_lock(nn);
	uint64_t p = netns_passes(nn);
	event_signal(&nn->event);
	netns_unlock(nn);
	for (int i = 0; i < NETNS_SYNC_WAIT_MS && netns_passes(nn) == p; i++)
		thread_sleep(1000000);   /* 1 ms */
}

uint64_t netns_passes(struct netns *nn)
{
	return __atomic_load_n(&nn->passes, __ATOMIC_ACQUIRE);
}

/* ---- moving a NIC ---- */

static void devs_remove(struct netns *nn, struct netdev *d)
{
	for (unsigned i = 0; i < nn->ndevs; i++) {
		if (nn->devs[i] == d) {
			nn->devs[i] = nn->devs[--nn->ndevs];
			return;
		}
	}
}

/* Adds d to nn as interface d->name and binds its driver; nn's lock held. */
static int dev_join(struct netns *nn, struct netdev *d)
{
	int idx = netif_add(nn->ns, d->nops, d->drv, d->name);
	if (idx < 0)
		return idx;
	nn->binding = d;
	int err = d->ops->bind(d->drv, netif_get(nn->ns, idx));
	nn->binding = NULL;
	if (err) {
		netif_remove(nn->ns, idx);
		return err;
	}
	d->ifindex = idx;
	nn->devs[nn->ndevs++] = d;
	__atomic_store_n(&d->owner, nn, __ATOMIC_RELEASE);
	return 0;
}

/*
 * Moves d (claimed: d->moving) from the stack that has it to to. On
 * failure it goes back where it was (unconfigured); if even that fails it
 * is left in no stack, which is logged.
 */
static int dev_move(struct netdev *d, struct netns *to)
{
	struct netns *from = d->owner;
	netns_lock(from);
	devs_remove(from, d);
	/* Link down and everything of it gone before the driver lets go of the pool. */
	netif_remove(from->ns, d->ifindex);
	d->ops->unbind(d->drv);
	netns_unlock(from);

	netns_lock(to);
	int err = dev_join(to, d);
	netns_unlock(to);
	if (!err) {
		klog(to->tag, "%s: moved from stack %u to stack %u", d->name, from->id, to->id);
		netdev_kick(d);
		return 0;
	}
	netns_lock(from);
	int back = dev_join(from, d);
	netns_unlock(from);
	if (back)
		kwarn(from->tag, "%s: lost: could not join stack %u (%s) nor come back (%s)", d->name, to->id,
		      strerror(-err), strerror(-back));
	else
		netdev_kick(d);
	return err;
}

static struct netdev *dev_by_name(const char *name)
{
	for (unsigned i = 0; i < netdev_count; i++)
		if (!strcmp(netdevs[i].name, name))
			return &netdevs[i];
	return NULL;
}

/* Claims a free stack slot and the named NICs for a create; under netns_reg_lock. */
static int create_claim(const char *const *names, unsigned n, struct netdev **ds, struct netns **slot)
{
	struct netns *nn = NULL;
	for (unsigned i = 1; i < NETNS_MAX && !nn; i++)
		if (stacks[i].state == NETNS_FREE)
			nn = &stacks[i];
	if (!nn)
		return -ENOSPC;
	for (unsigned i = 0; i < n; i++) {
		ds[i] = names[i] ? dev_by_name(names[i]) : NULL;
		if (!ds[i])
			return -ENODEV;
		if (!ds[i]->ops->bind || !ds[i]->ops->unbind)
			return -EOPNOTSUPP;
		if (ds[i]->moving || ds[i]->owner->state != NETNS_LIVE)
			return -EBUSY;
		for (unsigned j = 0; j < i; j++)
			if (ds[j] == ds[i])
				return -EINVAL;
	}
	for (unsigned i = 0; i < n; i++)
		ds[i]->moving = true;
	nn->state = NETNS_BUSY;
	*slot = nn;
	return 0;
}

static void release_devs(struct netdev **ds, unsigned n)
{
	uint64_t f = spin_lock_irqsave(&netns_reg_lock);
	for (unsigned i = 0; i < n; i++)
		ds[i]->moving = false;
	spin_unlock_irqrestore(&netns_reg_lock, f);
}

static void set_state(struct netns *nn, int state)
{
	uint64_t f = spin_lock_irqsave(&netns_reg_lock);
	__atomic_store_n(&nn->state, state, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&netns_reg_lock, f);
}

int netns_create(const char *const *names, unsigned n, unsigned cpu, struct netns **out)
{
	struct netdev *ds[NETDEV_MAX];
	struct netns *nn = NULL;
	if (!netns_default())
		return -ENODEV;   /* networking is off */
	if (cpu >= skiff_cpu_count() || n > NETDEV_MAX || (n && !names))
		return -EINVAL;
	uint64_t f = spin_lock_irqsave(&netns_reg_lock);
	int err = create_claim(names, n, ds, &nn);
	spin_unlock_irqrestore(&netns_reg_lock, f);
	if (err)
		return err;
	err = netns_setup(nn, cpu);
	if (err)
		goto out_free;
	unsigned moved = 0;
	for (; moved < n; moved++)
		if ((err = dev_move(ds[moved], nn)))
			break;
	if (err) {
		/*
		 * To the default stack: the one they came from may have been
		 * deleted since they left it (it no longer owned them).
		 */
		for (unsigned i = 0; i < moved; i++)
			dev_move(ds[i], &stacks[0]);
		goto out_destroy;
	}
	netns_start_thread(nn);
	if (!nn->thr) {
		err = -ENOMEM;
		for (unsigned i = 0; i < n; i++)
			dev_move(ds[i], &stacks[0]);
		goto out_destroy;
	}
	release_devs(ds, n);
	set_state(nn, NETNS_LIVE);
	klog(nn->tag, "stack %u: %u NIC(s), network thread on CPU %u", nn->id, n, cpu);
	*out = nn;
	return 0;
out_destroy:
	netstack_destroy(nn->ns);
	nn->ns = NULL;
out_free:
	release_devs(ds, n);
	set_state(nn, NETNS_FREE);
	return err;
}

int netns_delete(struct netns *nn)
{
	struct netdev *ds[NETDEV_MAX];
	unsigned n = 0;
	if (!nn || nn == &stacks[0])
		return -EPERM;
	uint64_t f = spin_lock_irqsave(&netns_reg_lock);
	int err = nn->state == NETNS_LIVE ? 0 : -EBUSY;
	for (unsigned i = 0; !err && i < netdev_count; i++)
		if (netdevs[i].owner == nn && netdevs[i].moving)
			err = -EBUSY;
	if (!err) {
		nn->state = NETNS_BUSY;
		for (unsigned i = 0; i < netdev_count; i++) {
			if (netdevs[i].owner == nn) {
				netdevs[i].moving = true;
				ds[n++] = &netdevs[i];
			}
		}
	}
	spin_unlock_irqrestore(&netns_reg_lock, f);
	if (err)
		return err;
	nn->stopping = true;
	event_signal(&nn->event);
	if (nn->thr)
		thread_join(nn->thr, NULL);
	nn->thr = NULL;
	for (unsigned i = 0; i < n; i++)
		dev_move(ds[i], &stacks[0]);
	netstack_destroy(nn->ns);
	nn->ns = NULL;
	release_devs(ds, n);
	klog(nn->tag, "stack %u deleted", nn->id);
	set_state(nn, NETNS_FREE);
	return 0;
}

int netns_move(struct netns *to, const char *name)
{
	struct netdev *d;
	int err = 0;
	uint64_t f = spin_lock_irqsave(&netns_reg_lock);
	d = name ? dev_by_name(name) : NULL;
	if (!to || !d)
		err = to ? -ENODEV : -EINVAL;
	else if (!d->ops->bind || !d->ops->unbind)
		err = -EOPNOTSUPP;
	else if (d->moving || to->state != NETNS_LIVE || d->owner->state != NETNS_LIVE)
		err = -EBUSY;
	else if (d->owner == to)
		err = -EEXIST;
	if (!err) {
		d->moving = true;
		/* No delete of the target while the NIC is on its way in (the
		 * default stack is never deleted: leave it live for lookups). */
		if (to != &stacks[0])
			to->state = NETNS_BUSY;
	}
	spin_unlock_irqrestore(&netns_reg_lock, f);
	if (err)
		return err;
	err = dev_move(d, to);
	release_devs(&d, 1);
	if (to != &stacks[0])
		set_state(to, NETNS_LIVE);
	return err;
}

/* ---- configuration ---- */

int netns_if_nametoindex(struct netns *nn, const char *name)
{
	unsigned idx = netif_nametoindex(nn->ns, name);
	return idx ? (int)idx : -ENODEV;
}

int netns_link_set(struct netns *nn, int ifindex, bool up)
{
	return netif_set_up(nn->ns, ifindex, up);
}

int netns_addr_add(struct netns *nn, int ifindex, uint32_t addr, unsigned prefix)
{
	if (prefix > 32)
		return -EINVAL;
	return netif_addr_add(nn->ns, ifindex, addr, (uint8_t)prefix);
}

int netns_addr_del(struct netns *nn, int ifindex, uint32_t addr, unsigned prefix)
{
	if (prefix > 32)
		return -EINVAL;
	return netif_addr_del(nn->ns, ifindex, addr, (uint8_t)prefix);
}

int netns_route_add(struct netns *nn, uint32_t dst, unsigned prefix, uint32_t gw, int ifindex)
{
	if (prefix > 32 || ifindex < 0)
		return -EINVAL;
	return route_add(nn->ns, dst, (uint8_t)prefix, gw, ifindex, 0);
}

int netns_route_del(struct netns *nn, uint32_t dst, unsigned prefix, uint32_t gw, int ifindex)
{
	if (prefix > 32 || ifindex < 0)
		return -EINVAL;
	return route_del_via(nn->ns, dst, (uint8_t)prefix, gw, ifindex);
}

/*
 * kernel/netns.h: network stacks in the kernel, isolated from each other
 * like Linux network namespaces (libioth's ioth_newstack: "a stack over
 * the named interfaces"; in a unikernel the VNL names a NIC).
 *
 * A netns is one net/ stack (its own loopback, addresses, routes, ARP
 * cache, connections and packet pools), a recursive lock that serialises
 * calls into it, a network thread that polls its NICs and runs its timers
 * (woken by their interrupts and kicks, sleeping until the next deadline
 * otherwise: no periodic tick), and the NICs it owns. netns 0 is the
 * default stack: created at boot with every NIC, never deleted.
 *
 * A NIC moves like `ip link set dev eth1 netns X`: it keeps its name,
 * gets a new ifindex in the new stack and arrives down and unconfigured;
 * whatever it had in the old stack (addresses, routes, ARP entries, DHCP)
 * is gone. Its driver re-binds to the new stack's pool (virtio resets the
 * device; ne2k only drops its transmit queue), so no packet buffer ever
 * crosses stacks.
 *
 * Lifetimes: a netns pointer is valid until netns_delete() returns; the
 * caller (the socket layer) keeps it alive while anything refers to it.
 * Configuration and lookup calls may come from any thread on any CPU;
 * netns_create() and netns_delete() block the calling thread (device
 * resets, the network thread's end), so never with a stack lock held.
 */
#ifndef KERNEL_NETNS_H
#define KERNEL_NETNS_H

#include <stdbool.h>
#include <stdint.h>

#include "net/netstack.h"

#define NETNS_MAX 8   /* stacks at once, the default one included */

struct netns;

/* The default stack (id 0); NULL only when networking could not start. */
struct netns *netns_default(void);
/*
 * Creates a stack over the NICs named in names[0..n) (n may be 0: a stack
 * with loopback only), moving each out of the stack that has it (the
 * default one or another), with its network thread on CPU cpu. 0 and *out,
 * or: -EINVAL (cpu not online, a name given twice), -ENODEV (no such NIC),
 * -EBUSY (a NIC is moving for another call), -EOPNOTSUPP (its driver
 * cannot move), -ENOSPC (NETNS_MAX stacks), -ENOMEM. On failure nothing
 * was created and the NICs already moved are in the default stack
 * (unconfigured); the others did not move.
 */
int netns_create(const char *const *names, unsigned n, unsigned cpu, struct netns **out);
/*
 * Deletes a stack: its thread stops, its NICs go back to the default stack
 * (down, unconfigured), and the stack is freed with everything in it
 * (connections, endpoints, queued packets). Whether sockets still use it
 * (libioth: EBUSY) is for the caller to decide before calling: after this
 * the stack is gone. Never from the stack's own callbacks (its thread
 * runs them, and this waits for that thread to end). -EPERM for the
 * default stack, -EBUSY while it is being created or deleted by another
 * call.
 */
int netns_delete(struct netns *nn);
/*
 * Moves the named NIC into stack to (ip link set dev NAME netns TO), from
 * whichever stack has it; it arrives down and unconfigured under its boot
 * name. 0, or: -EINVAL (to NULL), -ENODEV (no such NIC), -EOPNOTSUPP (its
 * driver cannot move), -EEXIST (to has it already), -EBUSY (the NIC or to
 * is being created, deleted or moved into by another call). On failure
 * the NIC stays where it was (unconfigured if it had to come back).
 */
int netns_move(struct netns *to, const char *name);
/* The stack with this id (0: the default one), or NULL. */
struct netns *netns_lookup(unsigned id);
unsigned netns_id(const struct netns *nn);
/* Its net/ stack, for the net/ API (net/netif.h, net/udp.h, net/tcp.h, ...). */
struct netstack *netns_stack(struct netns *nn);
/*
 * The stack lock (recursive, interrupts left on, never taken by an
 * interrupt handler, never held across a yield or a sleep). Every net/ call takes it by itself; hold it to make
 * several calls one step. The outermost unlock wakes the network thread
 * when a call armed a timer earlier than the one it sleeps until.
 */
void netns_lock(struct netns *nn);
void netns_unlock(struct netns *nn);

/*
 * How long the stack lock is held, outermost take to release: what
 * another CPU's thread may have to wait, and how long its holder keeps
 * its own CPU's other threads waiting (interrupt handlers run meanwhile;
 * the threads they wake run once the holder yields). Counted under the
 * lock; read without it (a snapshot may mix two holds).
 */
struct netns_lock_stats {
	uint64_t holds;
	uint64_t total_ns;
	uint64_t max_ns;
	uint64_t over_100us;	/* holds longer than 100 us */
	uint64_t over_1ms;	/* ... and than 1 ms */
};
void netns_lock_stats(struct netns *nn, struct netns_lock_stats *out);
/* Passes of its network thread (each wake-up that polled), counted as each ends. */
uint64_t netns_passes(struct netns *nn);
/*
 * Wakes the stack's network thread and waits (sleeping, at most
 * NETNS_SYNC_WAIT_MS) until it has made one whole pass that began after
 * this call: every NIC polled, finished transmits reclaimed. For figures
 * that must not count buffers a NIC is done with but nobody polled for
 * (an idle virtio NIC is not polled at all). Not from the stack's thread.
 */
#define NETNS_SYNC_WAIT_MS 1000
void netns_sync(struct netns *nn);

/*
 * Configuration, ip(8)-style, for libioth's netlink calls. Addresses are
 * IPv4 in host byte order; each returns 0 or a negative errno and takes
 * the stack lock itself.
 */
/* The index of the named interface in this stack (> 0), or -ENODEV. */
int netns_if_nametoindex(struct netns *nn, const char *name);
/* ip link set dev X up|down: -ENODEV. */
int netns_link_set(struct netns *nn, int ifindex, bool up);
/* ip addr add|del A/prefix dev X (with its connected route): -EINVAL, -ENODEV, -EEXIST, -ENOENT, -ENOSPC. */
int netns_addr_add(struct netns *nn, int ifindex, uint32_t addr, unsigned prefix);
int netns_addr_del(struct netns *nn, int ifindex, uint32_t addr, unsigned prefix);
/*
 * ip route add dst/prefix [via gw] [dev X]: gw 0 is on-link (then ifindex
 * is needed); ifindex 0 takes the interface whose subnet holds gw. A
 * default route is dst 0, prefix 0. -EINVAL, -EEXIST, -ENOSPC, -ENODEV,
 * -ENETUNREACH (gw on no subnet of ours).
 */
int netns_route_add(struct netns *nn, uint32_t dst, unsigned prefix, uint32_t gw, int ifindex);
/* ip route del dst/prefix [via gw] [dev X] (gw, ifindex 0: any): -ESRCH when no such route. */
int netns_route_del(struct netns *nn, uint32_t dst, unsigned prefix, uint32_t gw, int ifindex);

#endif

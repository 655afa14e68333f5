/*
 * kernel/netdev.h: the kernel side of the network boundary, NIC by NIC.
 * Drivers' IRQ handlers only acknowledge their device and call
 * netdev_kick(); the network thread of the stack that has the NIC then
 * polls it (receive ring into netif_input, transmit completions
 * reclaimed) with that stack's lock held. Stacks, their threads and the
 * moves of NICs between them are kernel/netns.h.
 *
 * Drivers register themselves with NETDRV(...): at boot netdev_init()
 * walks the PCI devices in bus order and offers each to every driver's
 * match(), so eth0 is the first NIC on the bus, eth1 the next, whatever
 * the driver. Every NIC starts in the default stack (netns 0); its name
 * stays with it when it moves.
 */
#ifndef KERNEL_NETDEV_H
#define KERNEL_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci/pci.h"
#include "net/netif.h"
#include "net/netstack.h"

#define NETDEV_MAX 8   /* NICs in the machine */

struct netdev;   /* a NIC as the kernel knows it: its driver, the stack that has it now */

struct netdev_ops {
	/*
	 * Hands up to budget received frames to netif_input() and reclaims
	 * finished transmits; returns the number of frames received. Runs in
	 * the network thread with the stack lock held.
	 */
	int (*poll)(void *drv, int budget);
	/*
	 * Re-arms the device's receive interrupt after a poll that drained
	 * it; every pass ends with it, after all polls and timers, so it is
	 * also the last chance to act before the thread sleeps. May be NULL.
	 */
	void (*irq_rearm)(void *drv);
	/*
	 * When the device next needs a poll that no interrupt will announce
	 * (a transmit to time out, no interrupt line at all), in time_ns();
	 * UINT64_MAX for never. May be NULL (never). Stack lock held.
	 */
	uint64_t (*next_deadline)(void *drv);
	/*
	 * A move to another stack (netns_create, netns_delete). unbind:
	 * the interface is already removed from its stack (link down); give
	 * back every pktbuf taken from that stack's pool (receive ring,
	 * transmit queue) and touch that stack no more. bind: become the
	 * device of nif (netif_stack(nif) is the new stack, whose pool to
	 * fill rings from); 0 or a negative errno. Each runs with its stack's
	 * lock held, unbind first, and no poll or xmit comes in between. Both
	 * NULL: the NIC cannot move (-EOPNOTSUPP).
	 */
	void (*unbind)(void *drv);
	int (*bind)(void *drv, struct netif *nif);
	/*
	 * A NIC with several receive queues (netdev_set_queues): queue q >= 1
	 * is drained by poll_queue and re-armed by rearm_queue in a poller
	 * thread on CPU q, with the stack lock held (queue 0 stays with poll
	 * and irq_rearm, in the network thread). NULL: one queue.
	 */
	int (*poll_queue)(void *drv, unsigned q, int budget);
	void (*rearm_queue)(void *drv, unsigned q);
};

struct virtio_mmio_dev;

struct netdrv {
	const char *name;                          /* "virtio-net", "ne2k" */
	bool (*match)(const struct pci_dev *d);
	/* Sets the device up and calls netdev_register(); 0 or a negative errno. */
	int (*attach)(struct pci_dev *d);
	/* The same for a virtio-mmio transport (drivers/virtio-net/virtio_mmio.h); NULL: PCI only. */
	bool (*match_mmio)(const struct virtio_mmio_dev *m);
	int (*attach_mmio)(const struct virtio_mmio_dev *m);
};

#define NETDRV(id) \
	static const struct netdrv *const netdrv_ptr_##id __attribute__((used, section(".netdrv"), aligned(8))) = &id

/*
 * A driver about to post a receive ring of entries buffers from stack ns
 * (at attach: netdev_stack(); in bind: netif_stack(nif)): grows that
 * stack's small-buffer pool by entries plus a margin, within the cap set
 * from RAM, so every NIC can keep its ring full and the stack still has
 * buffers of its own. A NIC coming back to a stack whose pool it grew
 * before does not grow it again (the pool never shrinks). Returns what
 * pktpool_grow() returns (buffers added, or -ENOSPC / -ENOMEM) or entries
 * when no growth was needed; short growth is logged, not fatal: rings then
 * fill only down to the pool's reserve (pktbuf_alloc_rx()).
 */
int netdev_rx_ring_grow(struct netstack *ns, unsigned entries);
/*
 * Registers an attached device as the next ethN of the default stack;
 * returns its ifindex there or a negative errno, and its handle in *out
 * (for netdev_kick).
 */
int netdev_register(const struct netif_ops *nops, const struct netdev_ops *dops, void *drv, const char *driver,
		    struct netdev **out);
/*
 * From interrupt handlers (or anywhere): wake the network thread of the
 * stack that has d now (NULL, before registration: the default stack's).
 * Cheap, never blocks; a kick racing with a move may wake the old stack
 * once more, which then finds nothing to do.
 */
void netdev_kick(struct netdev *d);
/*
 * Receive queues beyond the first (kernel/netdev_queue.c): a driver
 * whose NIC now spreads received frames over n queues, queue q's
 * interrupt routed to CPU q, asks for a poller thread per queue
 * 1..n-1 on CPU q (started once, kept when n shrinks: a poller whose
 * queue is not in use sleeps). 0, or -EINVAL / -ENOMEM.
 */
#define NETDEV_QUEUES 16
int netdev_set_queues(struct netdev *d, unsigned n);
/* From queue q's interrupt handler: wake its poller (q 0: netdev_kick). */
void netdev_kick_queue(struct netdev *d, unsigned q);
/*
 * For a driver whose xmit, called from a thread that is not queue q's
 * (netdev_in_thread false), left frames unpublished: fn(arg) must run
 * under the stack lock soon to ring the doorbell. When q's thread runs on
 * the caller's CPU, the caller runs fn itself as it gives up the CPU
 * (kernel/netdev_flush.c); otherwise, q's thread is woken as by
 * netdev_kick_queue and fn is left to its pass (false). Stack lock held.
 */
bool netdev_flush_later(struct netdev *d, unsigned q, void (*fn)(void *arg), void *arg);
/* Takes the lock of the stack that has d now, for reading driver state that poll and xmit update. */
void netdev_lock_dev(struct netdev *d);
void netdev_unlock_dev(struct netdev *d);
/*
 * True when called from the network thread of the stack that has d now,
 * whose pass still ends with d's irq_rearm, or from one of d's queue
 * pollers, whose pass ends with its rearm_queue.
 */
bool netdev_in_thread(struct netdev *d);

/*
 * The default stack (netns 0): every NIC is there at boot, and apps that
 * know of no other use it. The lock serialises calls into it (recursive);
 * netns_lock(netns_default()) is the same lock.
 */
struct netstack *netdev_stack(void);
void netdev_lock(void);
void netdev_unlock(void);
/* Passes of the default stack's network thread since boot (each wake-up that polled): for tests and tuning. */
uint64_t netdev_passes(void);

/* Boot: create the default stack, attach drivers, apply ip= options, start its network thread. */
void netdev_init(void);

#endif

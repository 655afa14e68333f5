/*
 * kernel/netdev.h: the kernel side of the network boundary. One stack
 * (net/) per kernel, driven by one network thread on CPU 0: drivers' IRQ
 * handlers only acknowledge their device and call netdev_kick(); the
 * thread then polls each device (receive ring into netif_input, transmit
 * completions reclaimed) and runs net_poll() with the current time. It
 * sleeps until the next deadline of the stack or a device, and not at all
 * when none is due: there is no periodic tick.
 *
 * Drivers register themselves with NETDRV(...): at boot net_init() walks
 * the PCI devices in bus order and offers each to every driver's match(),
 * so eth0 is the first NIC on the bus, eth1 the next, whatever the driver.
 */
#ifndef KERNEL_NETDEV_H
#define KERNEL_NETDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci/pci.h"
#include "net/netif.h"
#include "net/netstack.h"

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
};

struct netdrv {
	const char *name;                          /* "virtio-net", "ne2k" */
	bool (*match)(const struct pci_dev *d);
	/* Sets the device up and calls netdev_register(); 0 or a negative errno. */
	int (*attach)(struct pci_dev *d);
};

#define NETDRV(id) \
	static const struct netdrv *const netdrv_ptr_##id __attribute__((used, section(".netdrv"), aligned(8))) = &id

/*
 * A driver about to post a receive ring of entries buffers: grows the
 * stack's small-buffer pool by entries plus a margin, within the cap set
 * from RAM at boot, so every NIC can keep its ring full and the stack still
 * has buffers of its own. Returns what pktpool_grow() returns (buffers
 * added, or -ENOSPC / -ENOMEM); short growth is logged, not fatal: rings
 * then fill only down to the pool's reserve (pktbuf_alloc_rx()).
 */
int netdev_rx_ring_grow(unsigned entries);
/* Registers an attached device as the next ethN; returns its ifindex or a negative errno. */
int netdev_register(const struct netif_ops *nops, const struct netdev_ops *dops, void *drv, const char *driver);
/* From interrupt handlers (or anywhere): wake the network thread. Cheap, never blocks. */
void netdev_kick(void);
/* True when called from the network thread, whose pass still ends with every irq_rearm. */
bool netdev_in_thread(void);
/* Passes of the network thread since boot (each wake-up that polled): for tests and tuning. */
uint64_t netdev_passes(void);
/* The kernel's stack, and the lock that serialises calls into it (recursive). */
struct netstack *netdev_stack(void);
void netdev_lock(void);
void netdev_unlock(void);

/* Boot: create the stack, attach drivers, apply ip= options, start the network thread. */
void net_init(void);

#endif

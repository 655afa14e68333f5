/*
 * drivers/virtio-net/vnet.h: what the virtio-net driver tells the rest of
 * the kernel beyond the netif and netdev ops: its counters, for tests and
 * for an app that wants to see interrupt and notification rates.
 */
#ifndef DRIVERS_VIRTIO_NET_VNET_H
#define DRIVERS_VIRTIO_NET_VNET_H

#include <stdbool.h>
#include <stdint.h>

/* One queue pair's share (multiqueue, virtio 1.2 5.1.6.5.5). */
struct vnet_queue_stats {
	uint64_t rx_frames;        /* frames passed up from its receive queue */
	uint64_t tx_frames;        /* frames given to its transmit queue */
	uint64_t irqs;             /* its MSI-X vector's interrupts (on its CPU) */
};

#define VNET_STATS_QUEUES 8

struct vnet_stats {
	uint64_t rx_malformed;     /* bad id, bad length, short, or offload flags we did not ask for */
	uint64_t rx_nobuf;         /* refill found the pktbuf pool empty */
	uint64_t tx_ring_full;     /* frames dropped: no free descriptor */
	uint64_t tx_copied;        /* frames without headroom for the header, copied */
	uint64_t tx_malformed;     /* bad used elements on the transmit queue */
	uint64_t irqs;             /* interrupts taken (queue and configuration) */
	uint64_t rx_frames;        /* frames passed up */
	uint64_t rx_merged;        /* ... of them merged from several buffers (MRG_RXBUF) */
	uint64_t rx_nobuf_large;   /* merged frames dropped: no large pktbuf free */
	uint64_t tx_frames;        /* frames given to the device */
	uint64_t tx_tso;           /* ... of them TSO segments past the MTU */
	uint64_t rx_kicks;         /* receive-queue notifications sent ... */
	uint64_t rx_kicks_saved;   /* ... and skipped because the device said it would look anyway */
	uint64_t tx_kicks;
	uint64_t tx_kicks_saved;
	uint64_t tx_publish_own;   /* deferred doorbells rung by the sending thread itself (no switch) */
	uint64_t tx_publish_woken; /* ... left to the queue's thread, woken (it runs on another CPU) */
	bool msix;                 /* MSI-X, else INTx */
	uint64_t features;         /* negotiated feature bits */
	unsigned queues;           /* queue pairs in use (1 without MQ) */
	struct vnet_queue_stats q[VNET_STATS_QUEUES];
};

/* Counters of the unit-th virtio-net device attached (0 = first); -ENODEV when there is none. */
int vnet_stats_get(unsigned unit, struct vnet_stats *out);

#endif

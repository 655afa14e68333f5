/*
 * drivers/virtio-net/vnet_priv.h: what vnet.c (the device: set-up,
 * interrupts, multiqueue negotiation) and vnet_io.c (the data path) share:
 * the driver's state per device and per queue pair.
 */
#ifndef DRIVERS_VIRTIO_NET_VNET_PRIV_H
#define DRIVERS_VIRTIO_NET_VNET_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "drivers/pci/pci.h"
#include "drivers/virtio-net/virtio_pci.h"
#include "drivers/virtio-net/virtq.h"
#include "drivers/virtio-net/vnet.h"
#include "drivers/virtio-net/vnet_hdr.h"
#include "net/netif.h"
#include "net/netstack.h"
#include "net/pktbuf.h"

/* 5.1.3: feature bits (the offloads' are in vnet_hdr.h). */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_STATUS 16

/* 5.1.4: struct virtio_net_config. */
#define VNET_CFG_MAC 0
#define VNET_CFG_STATUS 6
#define VNET_CFG_MAX_PAIRS 8       /* le16 max_virtqueue_pairs, with MQ */
#define VIRTIO_NET_S_LINK_UP 1

/* 5.1.2: receiveqK is 2(K-1), transmitqK 2(K-1)+1, controlq 2N (N = max_virtqueue_pairs). */
#define VNET_RXQ(i) ((uint16_t)(2 * (i)))
#define VNET_TXQ(i) ((uint16_t)(2 * (i) + 1))
#define VNET_MAX_PAIRS 8
#define VNET_CTRL_RING 8u
/* 5.1.6.5.5: class, command and acknowledgement of the control queue. */
#define VIRTIO_NET_CTRL_MQ 4
#define VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET 0
#define VIRTIO_NET_OK 0
#define VNET_CTRL_TIMEOUT_NS (1000 * NSEC_PER_MSEC)
#define VNET_RING 128u             /* entries per queue; the stack's pool grows by this per NIC */
#define VNET_MTU 1500
#define VNET_MAX_FRAME (14 + VNET_MTU)
/*
 * Receive buffers: the header at head+114, the frame at head+126, so the IP
 * header after the 14-byte Ethernet header is 4-byte aligned; 1922 bytes
 * of buffer remain, more than the 1526 5.1.6.3.1 asks for.
 */
#define VNET_RX_HEADROOM 114u
#define VNET_RX_LEN (NET_PKT_SMALL_CAP - VNET_RX_HEADROOM)
#define VNET_DMA_LIMIT (1ull << 32)   /* kernel memory is identity-mapped below 4 GiB */
/* Large pktbufs the stack gets for TSO sends and merged receives (1 MiB); short ones fall back. */
#define VNET_LARGE_BUFS 16u

#define VNET_MAX_UNITS 4

#define MSIX_ENTRY_CONFIG 0
#define MSIX_ENTRY_PAIR(i) (1u + (i))   /* both queues of pair i */

struct vnet;

/* One receiveq/transmitq pair (5.1.2) and what its receive path assembles. */
struct vnet_pair {
	struct vnet *v;
	unsigned index;                /* 0..npairs-1: the CPU it belongs to */
	struct virtq rxq, txq;
	void *rxq_mem, *txq_mem;
	void *rx_token[VNET_RING], *tx_token[VNET_RING];
	uint32_t rx_wlen[VNET_RING], tx_wlen[VNET_RING];
	struct virtio_notify rx_notify, tx_notify;
	int vec;                       /* its MSI-X vector (0: none of its own) */
	bool tx_deferred;              /* frames from outside its pass's thread wait for that pass, which is asked for */
	bool rx_short;                 /* the last refill left the receive ring short: the pool was at its reserve */
	struct pktbuf *rx_big;         /* a merged frame being assembled (MRG_RXBUF), or NULL */
	uint16_t rx_left;              /* buffers of the current merged frame still to come */
	bool rx_drop;                  /* ... which is being dropped (malformed, or no large buffer) */
	struct vnet_queue_stats qs;    /* this pair's share of the counters */
};

struct vnet {
	struct pci_dev *pci;
	struct virtio_pci vp;
	struct netstack *ns;           /* whose pool the rings are filled from */
	struct netif *nif;             /* NULL while between stacks */
	struct netdev *dev;            /* for netdev_kick */
	uint64_t features;             /* negotiated */
	uint8_t mac[ETH_ALEN];
	struct vnet_pair pairs[VNET_MAX_PAIRS];
	unsigned npairs;               /* in use, 1..VNET_MAX_PAIRS */
	unsigned npairs_irq;           /* pairs with an MSI-X entry and vector of their own */
	struct virtq ctrlq;            /* with MQ */
	void *ctrlq_mem;
	void *ctrl_token[VNET_CTRL_RING];
	uint32_t ctrl_wlen[VNET_CTRL_RING];
	struct virtio_notify ctrl_notify;
	uint8_t ctrl_buf[8];           /* class, command, le16 pairs, ack (device-writable) */
	bool msix;                     /* else INTx through the I/O APIC */
	uint32_t gsi;                  /* INTx or the virtio-mmio line, and its IOAPIC_* flags */
	unsigned gsi_flags;
	int vec_queue, vec_config;
	volatile bool config_changed;  /* set by the interrupt, consumed by poll */
	bool link_was_up;              /* 5.1.4.2: the status as last read, at start and after a config change */
	struct netstack *large_for;    /* the stack whose large pool we grew */
	struct vnet_stats stats;
};

static inline bool has(const struct vnet *v, unsigned bit)
{
	return (v->features >> bit) & 1;
}

static inline uint64_t dma_addr(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* vnet.c */
bool vnet_link_up(struct vnet *v);

/* vnet_io.c: the netif and netdev operations of the data path (stack lock held). */
int vnet_xmit(struct netif *nif, struct pktbuf *p);
uint32_t vnet_get_offload(struct netif *nif);
/* 5.1.6.3: fills pair qp's receive ring from v->ns's pool, down to its reserve. */
void vnet_rx_refill(struct vnet_pair *qp);
int vnet_poll(void *drv, int budget);
int vnet_poll_queue(void *drv, unsigned q, int budget);
void vnet_irq_rearm(void *drv);
void vnet_rearm_queue(void *drv, unsigned q);
uint64_t vnet_next_deadline(void *drv);

#endif

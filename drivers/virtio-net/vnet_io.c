/*
 * drivers/virtio-net/vnet_io.c: the virtio-net data path (virtio 1.2
 * 5.1.6): transmit on the sending CPU's queue pair, receive from one pair
 * per poll, and the end-of-pass re-arming that keeps notifications and
 * interrupts from being lost (vnet.c has the device's set-up, interrupts
 * and multiqueue negotiation; vnet_priv.h what the two share).
 *
 * Everything here runs with the stack lock held: from the network thread
 * (pair 0, configuration changes), a queue poller on CPU i (pair i,
 * kernel/netdev_queue.c), or a sender's xmit. Promises as vnet.c's header
 * says: zero-copy receive of a frame in one buffer, one copy for a merged
 * one, one doorbell per queue per pass, a full transmit ring drops the
 * frame with -ENOBUFS.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "drivers/virtio-net/vnet_priv.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/netdev.h"
#include "kernel/time.h"
#include "net/netif.h"
#include "net/pktbuf.h"

/* Frees every transmitted buffer the device has finished with. */
static void vnet_tx_reclaim(struct vnet_pair *qp)
{
	for (unsigned n = 0; n < VNET_RING * 2; n++) {
		void *tok;
		uint32_t len;
		int r = virtq_get(&qp->txq, &tok, &len);
		if (r == 0)
			break;
		if (r < 0)
			qp->v->stats.tx_malformed++;
		pktbuf_free(tok);   /* NULL for a bad id: nothing to free */
	}
}

/* A copy of p with NET_HEADROOM in front, for the rare frame built without room for our header. */
static struct pktbuf *vnet_tx_copy(struct vnet *v, struct pktbuf *p)
{
	struct pktbuf *c = pktbuf_alloc(v->ns, NET_HEADROOM, p->len);
	if (c) {
		memcpy(c->data, p->data, p->len);
		pktbuf_frag_set(c, p->frag, p->frag_len);	/* outlives p: still valid */
	}
	pktbuf_free(p);
	v->stats.tx_copied++;
	return c;
}

/*
 * 2.7.13: publishes the frames added since the last call and notifies the
 * device if it wants to be (2.7.13.4: EVENT_IDX, or NO_NOTIFY): once per
 * pass for the network thread's and the pollers' frames. A provisional
 * "no" (virtq_kick_confirm) is checked by the rearm before they sleep.
 */
static void vnet_tx_flush(struct vnet_pair *qp)
{
	qp->tx_deferred = false;
	if (virtq_kick_prepare(&qp->txq))
		virtio_pci_notify(qp->tx_notify, VNET_TXQ(qp->index));
}

/*
 * The deferred doorbell (netdev_flush_later) of frames a thread other than
 * the pair's own sent, rung by that thread as it gives up its CPU: what
 * the pass would have done for them (publish, the check behind a
 * provisional "no", reclaim what the device finished). Stack lock held;
 * nothing when a pass published them meanwhile or the device left.
 */
static void vnet_tx_publish(void *arg)
{
	struct vnet_pair *qp = arg;
	if (!qp->tx_deferred || !qp->v->nif || qp->index >= qp->v->npairs)
		return;
	qp->v->stats.tx_publish_own++;
	vnet_tx_flush(qp);
	if (virtq_kick_confirm(&qp->txq))
		virtio_pci_notify(qp->tx_notify, VNET_TXQ(qp->index));
	vnet_tx_reclaim(qp);
}

/* 5.1.6.5.5: the transmit queue of the sending CPU's pair, so CPUs do not share one ring's cache lines. */
static struct vnet_pair *vnet_tx_pair(struct vnet *v)
{
	return &v->pairs[v->npairs > 1 ? cpu_id() % v->npairs : 0];
}

int vnet_xmit(struct netif *nif, struct pktbuf *p)
{
	struct vnet *v = netif_drv(nif);
	struct vnet_pair *qp = vnet_tx_pair(v);
	/* 2.7.6: a fragment (NETIF_OFFLOAD_SG) is a second descriptor of the chain. */
	unsigned nseg = p->frag_len ? 2 : 1;
	if (pktbuf_total(p) > vnet_tx_max_frame(v->features)) {
		pktbuf_free(p);
		return -EMSGSIZE;
	}
	if (virtq_num_free(&qp->txq) < nseg) {
		vnet_tx_flush(qp);   /* what waits unpublished can only drain once the device sees it */
		vnet_tx_reclaim(qp);
	}
	if (virtq_num_free(&qp->txq) < nseg) {
		/* Ask for an interrupt once most in-flight frames are done, so the ring drains. */
		if (virtq_enable_cb_delayed(&qp->txq))
			netdev_kick_queue(v->dev, qp->index);
		v->stats.tx_ring_full++;
		pktbuf_free(p);
		return -ENOBUFS;
	}
	if (pktbuf_headroom(p) < VNET_HDR_LEN && !(p = vnet_tx_copy(v, p)))
		return -ENOMEM;
	/* 5.1.6.2: the checksum and segmentation asked for; num_buffers 0 on transmit. */
	uint8_t *h = pktbuf_push(p, VNET_HDR_LEN);
	if (vnet_hdr_tx(h, p, v->features)) {
		v->stats.tx_malformed++;
		pktbuf_free(p);
		return -EINVAL;
	}
	struct virtq_seg seg[2] = {
		{ .addr = dma_addr(p->data), .len = (uint32_t)p->len, .device_writes = false },
		{ .addr = dma_addr(p->frag), .len = (uint32_t)p->frag_len, .device_writes = false },
	};
	int err = virtq_add(&qp->txq, seg, nseg, p);
	if (err) {
		pktbuf_free(p);
		return err;
	}
	v->stats.tx_frames++;
	qp->qs.tx_frames++;
	if (pktbuf_total(p) > VNET_HDR_LEN + VNET_MAX_FRAME)
		v->stats.tx_tso++;
	/*
	 * The network thread's and the pollers' frames wait for the end of
	 * their pass (vnet_irq_rearm, vnet_rearm_queue: one doorbell per
	 * queue for the batch). So do another thread's (a service sending
	 * its replies): the first of them asks for vnet_tx_publish, which
	 * publishes them all, run by the sender itself as it gives up its
	 * CPU when the queue's thread lives there (no switch to that thread
	 * for one doorbell), else by that thread's pass. A service that
	 * answers N connections in one wake-up of its own then costs one
	 * doorbell, a VM exit, instead of N.
	 */
	if (!netdev_in_thread(v->dev) && !qp->tx_deferred) {
		qp->tx_deferred = true;
		if (!netdev_flush_later(v->dev, qp->index, vnet_tx_publish, qp))
			v->stats.tx_publish_woken++;
	}
	return 0;
}

/* What the stack may leave to the device (net/netif.h), from the negotiated features. */
uint32_t vnet_get_offload(struct netif *nif)
{
	struct vnet *v = netif_drv(nif);
	uint32_t o = NETIF_OFFLOAD_SG;   /* 2.7.6: any frame may be a chain of descriptors */
	if (has(v, VIRTIO_NET_F_CSUM))
		o |= NETIF_OFFLOAD_TX_CSUM;
	if (has(v, VIRTIO_NET_F_GUEST_CSUM))
		o |= NETIF_OFFLOAD_RX_CSUM;
	if (has(v, VIRTIO_NET_F_HOST_TSO4))
		o |= NETIF_OFFLOAD_TSO4;
	return o;
}

/* ---- receive ---- */

/*
 * 5.1.6.3: keeps the receive queue full of empty pktbufs; stops quietly when
 * only the pool's reserve is left, which stays for the stack's own sends.
 */
void vnet_rx_refill(struct vnet_pair *qp)
{
	struct vnet *v = qp->v;
	qp->rx_short = false;
	while (virtq_num_free(&qp->rxq) > 0) {
		struct pktbuf *p = pktbuf_alloc_rx(v->ns, VNET_RX_HEADROOM, VNET_RX_LEN);
		if (!p) {
			v->stats.rx_nobuf++;
			qp->rx_short = true;
			break;
		}
		struct virtq_seg seg = { .addr = dma_addr(p->data), .len = (uint32_t)p->len, .device_writes = true };
		if (seg.addr + seg.len > VNET_DMA_LIMIT || virtq_add(&qp->rxq, &seg, 1, p)) {
			pktbuf_free(p);
			break;
		}
	}
}

/* Hands a whole frame (data at its virtio header) to the stack, marked with the queue it came on. */
static void vnet_rx_deliver(struct vnet_pair *qp, struct pktbuf *p, bool csum_ok)
{
	pktbuf_pull(p, VNET_HDR_LEN);
	if (csum_ok)
		p->csum = PKTBUF_CSUM_VALID;   /* 5.1.6.4: NEEDS_CSUM or DATA_VALID */
	p->rx_queue = qp->v->npairs > 1 ? (uint8_t)(qp->index + 1) : 0;   /* pktbuf.h: 0 is "one queue" */
	qp->v->stats.rx_frames++;
	qp->qs.rx_frames++;
	netif_input(qp->v->nif, p);
}

/*
 * A further buffer of a merged frame (5.1.6.4: num_buffers > 1): its
 * bytes, all frame (the header is in the first), are appended to the
 * large buffer, which goes up once the last has come.
 */
static void vnet_rx_more(struct vnet_pair *qp, int r, struct pktbuf *p, uint32_t len)
{
	struct vnet *v = qp->v;
	struct pktbuf *big = qp->rx_big;
	if (r < 0) {
		v->stats.rx_malformed++;
		qp->rx_drop = true;
	} else if (!qp->rx_drop && !pktbuf_put(big, len)) {
		v->stats.rx_malformed++;   /* more than a 64 KiB datagram's frame */
		qp->rx_drop = true;
	} else if (!qp->rx_drop) {
		memcpy(big->data + big->len - len, p->data, len);
	}
	pktbuf_free(p);
	if (--qp->rx_left)
		return;
	qp->rx_big = NULL;
	if (qp->rx_drop) {
		pktbuf_free(big);
		return;
	}
	v->stats.rx_merged++;
	vnet_rx_deliver(qp, big, big->csum == PKTBUF_CSUM_VALID);
}

/* One used receive buffer: checks it, strips the header and passes the frame up (or drops it). */
static void vnet_rx_one(struct vnet_pair *qp, int r, struct pktbuf *p, uint32_t len)
{
	struct vnet *v = qp->v;
	if (qp->rx_left) {
		vnet_rx_more(qp, r, p, len);
		return;
	}
	struct vnet_rx_hdr rh;
	if (r < 0 || len < VNET_HDR_LEN + 14 || vnet_hdr_rx(p->data, v->features, &rh)) {
		/* 5.1.6.4.1: flags or a GSO type we did not negotiate: not a frame to trust. */
		v->stats.rx_malformed++;
		pktbuf_free(p);
		return;
	}
	pktbuf_trim(p, len);
	if (rh.num_buffers == 1) {
		vnet_rx_deliver(qp, p, rh.csum_ok);
		return;
	}
	/* Merged: one copy into a large buffer, the frame as aligned as in a posted one. */
	qp->rx_left = (uint16_t)(rh.num_buffers - 1);
	qp->rx_big = pktbuf_alloc_large_try(v->ns, VNET_RX_HEADROOM, len);
	qp->rx_drop = !qp->rx_big;
	if (qp->rx_big) {
		memcpy(qp->rx_big->data, p->data, len);
		qp->rx_big->csum = rh.csum_ok ? PKTBUF_CSUM_VALID : PKTBUF_CSUM_NONE;
	} else {
		v->stats.rx_nobuf_large++;
	}
	pktbuf_free(p);
}

/* Link state is re-read only after a configuration-change interrupt (5.1.4.2). */
static void vnet_check_config(struct vnet *v)
{
	/* Taken in one step: the interrupt may set it again while the pass runs (the stack lock leaves interrupts on). */
	if (!__atomic_exchange_n(&v->config_changed, false, __ATOMIC_ACQ_REL))
		return;
	bool up = vnet_link_up(v);
	if (up != v->link_was_up)
		klog("virtio-net", "%s: link %s", netif_name(v->nif), up ? "up" : "down");
	v->link_was_up = up;
}

/* Up to budget frames of pair qp to the stack, transmit completions reaped, the ring refilled. */
static int vnet_poll_pair(struct vnet_pair *qp, int budget)
{
	int n = 0;
	virtq_disable_cb(&qp->rxq);
	virtq_disable_cb(&qp->txq);   /* undo a full ring's request (vnet_xmit) once we are reaping anyway */
	vnet_tx_reclaim(qp);
	while (n < budget) {
		void *tok;
		uint32_t len;
		int r = virtq_get(&qp->rxq, &tok, &len);
		if (r == 0)
			break;
		if (r < 0 && !tok) {
			qp->v->stats.rx_malformed++;   /* bad id: no buffer to give back */
			continue;
		}
		vnet_rx_one(qp, r, tok, len);
		n++;
	}
	vnet_rx_refill(qp);
	if (virtq_kick_prepare(&qp->rxq))
		virtio_pci_notify(qp->rx_notify, VNET_RXQ(qp->index));
	vnet_tx_flush(qp);   /* the replies to this batch, and what the stack's timers sent before it */
	return n;
}

/* The network thread: configuration changes, pair 0, and the other pairs' completed transmits. */
int vnet_poll(void *drv, int budget)
{
	struct vnet *v = drv;
	vnet_check_config(v);
	for (unsigned i = 1; i < v->npairs; i++) {
		vnet_tx_reclaim(&v->pairs[i]);   /* cheap when empty; frees what a quiet CPU sent */
		if (v->pairs[i].rx_short)
			netdev_kick_queue(v->dev, i);   /* its refill retry (vnet_next_deadline woke us) */
	}
	return vnet_poll_pair(&v->pairs[0], budget);
}

/* A queue poller on CPU q (kernel/netdev_queue.c). Nothing while between stacks. */
int vnet_poll_queue(void *drv, unsigned q, int budget)
{
	struct vnet *v = drv;
	if (!v->nif || q >= v->npairs)
		return 0;
	return vnet_poll_pair(&v->pairs[q], budget);
}

/*
 * The end of a pass over pair qp, before its thread sleeps: notifications
 * skipped on a provisional "no" during the pass are checked (virtq.c),
 * then the next receive interrupt is asked for, with a poll again if a
 * frame slipped in.
 */
static void vnet_rearm_pair(struct vnet_pair *qp)
{
	struct vnet *v = qp->v;
	if (virtq_kick_confirm(&qp->rxq))
		virtio_pci_notify(qp->rx_notify, VNET_RXQ(qp->index));
	if (virtq_kick_confirm(&qp->txq))
		virtio_pci_notify(qp->tx_notify, VNET_TXQ(qp->index));
	if (virtq_enable_cb(&qp->rxq))
		netdev_kick_queue(v->dev, qp->index);
	/*
	 * A receive ring left short (replies built in received buffers still
	 * sit in the transmit ring, so the pool was at its reserve) may run
	 * dry, and a dry ring raises no receive interrupt: the device drops
	 * frames and nothing would wake us to refill it. Transmit completions
	 * give buffers back, so let them interrupt (5.1.6.2.1).
	 */
	if (qp->rx_short && virtq_enable_cb(&qp->txq))
		netdev_kick_queue(v->dev, qp->index);
}

/* The network thread's rearm: every pair's pending transmits published (frames of other CPUs' app threads), pair 0 rearmed. */
void vnet_irq_rearm(void *drv)
{
	struct vnet *v = drv;
	for (unsigned i = 0; i < v->npairs; i++)
		vnet_tx_flush(&v->pairs[i]);   /* frames sent while other devices were polled */
	vnet_rearm_pair(&v->pairs[0]);
}

void vnet_rearm_queue(void *drv, unsigned q)
{
	struct vnet *v = drv;
	if (!v->nif || q >= v->npairs)
		return;
	vnet_tx_flush(&v->pairs[q]);
	vnet_rearm_pair(&v->pairs[q]);
}

/* Short of buffers with none coming back by transmit: look again soon. */
#define VNET_RX_SHORT_RETRY_NS (10 * NSEC_PER_MSEC)

/*
 * No timer while the receive rings are full: their interrupts announce
 * every frame (virtq.c keeps the handshake for it from being lost). Only
 * a ring left short by an empty pool is looked at again soon, since a dry
 * ring raises no interrupt at all; the network thread then polls pair 0
 * and kicks the others' pollers.
 */
uint64_t vnet_next_deadline(void *drv)
{
	struct vnet *v = drv;
	for (unsigned i = 0; i < v->npairs; i++)
		if (v->pairs[i].rx_short)
			return time_ns() + VNET_RX_SHORT_RETRY_NS;
	return UINT64_MAX;
}

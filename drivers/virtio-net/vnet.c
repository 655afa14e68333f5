/*
 * drivers/virtio-net/vnet.c: the virtio network device (virtio 1.2 5.1)
 * on the modern PCI transport (virtio_pci.c) or virtio-mmio (virtio_mmio.c)
 * with split virtqueues (virtq.c), for QEMU's virtio-net-pci and
 * virtio-net-device. This file sets the device up (negotiation, queues,
 * interrupts, multiqueue); the data path is vnet_io.c.
 *
 * Promises to the stack (kernel/netdev.h): receive is zero-copy for a
 * frame in one buffer, the device writes straight into pktbufs posted on
 * the receive queue, and poll strips the virtio_net_hdr and hands the frame
 * to netif_input; a frame merged from several buffers (MRG_RXBUF, 5.1.6.4:
 * a coalesced 64 KiB TCP segment) is copied once into a large pktbuf, or
 * counted and dropped when none is free. Transmit prepends the header in
 * the pktbuf's headroom (one descriptor per frame) and the buffer is freed
 * once the device has used it; frames are published to the device once
 * per pass of the network thread (or of the queue's poller), with at most
 * one notification (vnet_tx_flush), and a frame sent by another thread
 * asks for that pass (netdev_kick_queue); a full transmit ring drops the frame
 * and returns -ENOBUFS. The interrupt handlers only acknowledge and kick
 * the network thread. Malformed used-ring elements are counted and dropped.
 * A move to another stack (kernel/netns.h) resets the device, which gives
 * back every posted buffer (2.4), and starts it again filled from the new
 * stack's pool.
 *
 * Features: VERSION_1, MAC, STATUS, EVENT_IDX (and ACCESS_PLATFORM when the
 * device insists), and the offloads (vnet_hdr.c): CSUM and GUEST_CSUM
 * (checksums left to the device both ways), HOST_TSO4 (the stack sends
 * TCP segments of up to 64 KiB), GUEST_TSO4 with MRG_RXBUF (it receives
 * them); each can be turned off with vnet.features=-NAME,... or all with
 * vnet.offload=off. Deviations: GUEST_TSO4 only with MRG_RXBUF (posted
 * buffers are 2 KiB).
 *
 * Multiqueue (5.1.6.5.5, with CTRL_VQ 5.1.6.5): when the device offers
 * MQ, N = min(CPUs, max_virtqueue_pairs, MSI-X entries - 1,
 * VNET_MAX_PAIRS, vnet.queues=) pairs are set up (receiveqK is 2(K-1),
 * transmitqK 2(K-1)+1, controlq 2 * max_virtqueue_pairs: 5.1.2) and
 * turned on with VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET, answered before
 * attach returns (the control queue is polled with a bound, no
 * interrupt). Pair i has MSI-X entry 1 + i, routed to CPU i, for both its
 * queues; pair 0 is polled by the stack's network thread as before, pair
 * i >= 1 by a poller thread on CPU i (kernel/netdev_queue.c). A frame
 * sent on CPU c goes out on transmitq (c mod N), published once per pass
 * by whichever thread's pass it belongs to. Received frames carry their
 * queue in pktbuf.rx_queue, which the TCP listener uses to hand a
 * connection to an accept() on the same CPU. Without MSI-X (INTx,
 * virtio-mmio) or with too few entries for two pairs, one pair is used
 * (no shared-vector mode: a single vector cannot say which pair to
 * poll). vnet.queues=1 or vnet.features=-mq turns MQ off. All of it runs
 * under the stack lock (one per stack): per-CPU pollers take turns.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"
#include "drivers/virtio-net/virtio_mmio.h"
#include "drivers/virtio-net/virtio_pci.h"
#include "drivers/virtio-net/virtq.h"
#include "drivers/virtio-net/vnet.h"
#include "drivers/virtio-net/vnet_hdr.h"
#include "drivers/virtio-net/vnet_priv.h"
#include "include/skiff.h"
#include "kernel/cmdline.h"
#include "kernel/cpu.h"
#include "kernel/log.h"
#include "kernel/netdev.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "mm/heap.h"
#include "mm/page.h"
#include "net/netif.h"
#include "net/pktbuf.h"

SKIFF_OPTION(vnet_features, "vnet.features",
	     "virtio-net features to turn off (-NAME) or on: csum guest_csum host_tso4 guest_tso4 tso4 mrg_rxbuf "
	     "event_idx ctrl_vq mq, e.g. -tso4,-csum (default: all the device offers)");
SKIFF_OPTION(vnet_offload, "vnet.offload", "off: negotiate no virtio-net offload (checksums, TSO, merged buffers)");
SKIFF_OPTION(vnet_queues, "vnet.queues", "virtio-net queue pairs at most (MQ; default: one per CPU; 1: MQ off)");

static struct vnet *units[VNET_MAX_UNITS];   /* attached devices, for vnet_stats_get */
static unsigned nunits;

bool vnet_link_up(struct vnet *v)
{
	if (!has(v, VIRTIO_NET_F_STATUS))
		return true;   /* 5.1.4: without STATUS the link is assumed up */
	uint16_t st = *(volatile uint16_t *)(v->vp.device + VNET_CFG_STATUS);
	return st & VIRTIO_NET_S_LINK_UP;
}

/* ---- netif_ops ---- */

static void vnet_get_mac(struct netif *nif, uint8_t mac[ETH_ALEN])
{
	memcpy(mac, ((struct vnet *)netif_drv(nif))->mac, ETH_ALEN);
}

static uint16_t vnet_get_mtu(struct netif *nif)
{
	(void)nif;
	return VNET_MTU;
}

/*
 * Per frame sent, so the cached status: a read of the configuration space
 * is a VM exit, and the device announces every change of it with a
 * configuration interrupt (4.1.4.5, 5.1.4.2), after which poll reads it
 * again (vnet_check_config). A frame sent between the interrupt and that
 * poll sees the old state, as it would had it been sent a moment earlier.
 */
static bool vnet_link_ok(struct netif *nif)
{
	return ((struct vnet *)netif_drv(nif))->link_was_up;
}

static const struct netif_ops vnet_netif_ops = {
	.xmit = vnet_xmit,
	.get_mac = vnet_get_mac,
	.get_mtu = vnet_get_mtu,
	.link_ok = vnet_link_ok,
	.get_offload = vnet_get_offload,
};

static int vnet_bind(void *drv, struct netif *nif);
static void vnet_unbind(void *drv);

static const struct netdev_ops vnet_netdev_ops = {
	.poll = vnet_poll,
	.irq_rearm = vnet_irq_rearm,
	.next_deadline = vnet_next_deadline,
	.unbind = vnet_unbind,
	.bind = vnet_bind,
	.poll_queue = vnet_poll_queue,
	.rearm_queue = vnet_rearm_queue,
};

/* ---- interrupts: acknowledge, note, kick; nothing else ---- */

/* Pair i's own vector, on CPU i: its poller (the network thread for pair 0). */
static void vnet_irq_pair(void *ctx)
{
	struct vnet_pair *qp = ctx;
	qp->v->stats.irqs++;
	qp->qs.irqs++;
	netdev_kick_queue(qp->v->dev, qp->index);
}

static void vnet_irq_config(void *ctx)
{
	struct vnet *v = ctx;
	v->stats.irqs++;
	v->config_changed = true;
	netdev_kick(v->dev);
}

/* 4.1.4.5.1: INTx is shared and level-triggered; reading the ISR acknowledges and deasserts it. */
static void vnet_irq_intx(void *ctx)
{
	struct vnet *v = ctx;
	uint8_t isr = virtio_pci_isr(&v->vp);
	if (!isr)
		return;   /* another device on the line */
	v->stats.irqs++;
	if (isr & VIRTIO_ISR_CONFIG)
		v->config_changed = true;
	netdev_kick(v->dev);
}

/*
 * MSI-X (4.1.5.1.2): one entry for configuration changes and one per
 * queue pair the device may use (at most one per CPU and VNET_MAX_PAIRS),
 * pair i's routed to CPU i; false if unusable. How many pairs are really
 * used is known only after negotiation (vnet_mq_start).
 */
static bool vnet_setup_msix(struct vnet *v)
{
	int entries = v->pci ? pci_msix_count(v->pci) : 0;
	if (entries < 2)
		return false;
	unsigned want = cpu_count() < VNET_MAX_PAIRS ? cpu_count() : VNET_MAX_PAIRS;
	if (want > (unsigned)entries - 1)
		want = (unsigned)entries - 1;
	int vc = irq_alloc_vector();
	if (vc < 0)
		return false;
	irq_set_handler((unsigned)vc, vnet_irq_config, v);
	if (pci_msix_set(v->pci, MSIX_ENTRY_CONFIG, (uint8_t)vc, (uint8_t)cpus[0].apic_id))
		goto out_off;
	v->npairs_irq = 0;
	for (unsigned i = 0; i < want; i++) {
		struct vnet_pair *qp = &v->pairs[i];
		int vq = irq_alloc_vector();
		if (vq < 0)
			break;   /* fewer pairs then */
		irq_set_handler((unsigned)vq, vnet_irq_pair, qp);
		if (pci_msix_set(v->pci, MSIX_ENTRY_PAIR(i), (uint8_t)vq, (uint8_t)cpus[i].apic_id)) {
			irq_set_handler((unsigned)vq, NULL, NULL);
			break;
		}
		qp->vec = vq;
		v->npairs_irq = i + 1;
	}
	if (!v->npairs_irq || pci_msix_enable(v->pci, true))
		goto out_off;
	v->msix = true;
	v->vec_config = vc;
	v->vec_queue = v->pairs[0].vec;
	return true;
out_off:
	pci_msix_enable(v->pci, false);
	irq_set_handler((unsigned)vc, NULL, NULL);
	for (unsigned i = 0; i < v->npairs_irq; i++) {
		irq_set_handler((unsigned)v->pairs[i].vec, NULL, NULL);
		v->pairs[i].vec = 0;
	}
	v->npairs_irq = 0;
	return false;
}

/*
 * INTx: the GSI is the line the firmware wrote (PCI 3.0 6.2.4), level-triggered,
 * active low; virtio-mmio: the line its discovery named (v->gsi set at attach).
 */
static int vnet_setup_intx(struct vnet *v)
{
	const struct pci_dev *d = v->pci;
	if (d && (!d->irq_pin || d->irq_line == 0xff || d->irq_line == 0)) {
		kwarn("virtio-net", "%02x:%02x.%x: no MSI-X and no INTx line assigned", d->bus, d->dev, d->fn);
		return -ENODEV;
	}
	if (d) {
		v->gsi = d->irq_line;
		v->gsi_flags = IOAPIC_LEVEL | IOAPIC_ACTIVE_LOW;
	}
	int vec = irq_alloc_vector();
	if (vec < 0) {
		kwarn("virtio-net", "no free interrupt vector (%d)", vec);
		return vec;
	}
	irq_set_handler((unsigned)vec, vnet_irq_intx, v);
	int err = ioapic_route(v->gsi, (uint8_t)vec, v->gsi_flags, (uint8_t)cpus[0].apic_id);
	if (err) {
		kwarn("virtio-net", "cannot route GSI %u (%d)", v->gsi, err);
		irq_set_handler((unsigned)vec, NULL, NULL);
		return err;
	}
	v->vec_queue = v->vec_config = vec;
	return 0;
}

/* ---- attach: virtio 1.2 3.1.1 ---- */

/* 3.1.1 step 4-6: offer what we understand of what the device has, and check it took. */
static int vnet_negotiate(struct vnet *v)
{
	uint64_t dev = virtio_pci_device_features(&v->vp);
	if (!((dev >> VIRTIO_F_VERSION_1) & 1)) {
		kwarn("virtio-net", "device does not offer VIRTIO_F_VERSION_1 (legacy only): not supported");
		return -ENODEV;
	}
	uint64_t base = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_NET_F_MAC | 1ull << VIRTIO_NET_F_STATUS |
			1ull << VIRTIO_F_RING_EVENT_IDX |
			/* 6.1: refusing it may make the device fail FEATURES_OK; we have no IOMMU, so addresses are physical. */
			1ull << VIRTIO_F_ACCESS_PLATFORM;
	/* 5.1.6.5.5: MQ only with a vector per pair to spread them over CPUs, and not when told one pair. */
	if (v->npairs_irq > 1 && skiff_opt_long("vnet.queues", 0) != 1)
		base |= 1ull << VIRTIO_NET_F_MQ | 1ull << VIRTIO_NET_F_CTRL_VQ;
	const char *bad, *off = cmdline_get("vnet.offload");
	uint64_t want = vnet_features_want(base, cmdline_get("vnet.features"), off && !strcmp(off, "off"), &bad);
	if (bad)
		kwarn("virtio-net", "vnet.features: unknown feature at '%s' (known: csum guest_csum host_tso4 "
				    "guest_tso4 tso4 mrg_rxbuf event_idx)", bad);
	/* The dependencies again, over what this device offers (5.1.3.1). */
	v->features = vnet_features_deps(dev & want);
	virtio_pci_set_driver_features(&v->vp, v->features);
	virtio_pci_add_status(&v->vp, VIRTIO_STATUS_FEATURES_OK);
	if (!(virtio_pci_status(&v->vp) & VIRTIO_STATUS_FEATURES_OK)) {
		kwarn("virtio-net", "device refused features 0x%lx", (unsigned long)v->features);
		return -EIO;
	}
	return 0;
}

/* 5.1.4: the MAC, read until config_generation is stable (4.1.4.3.1: the six bytes are several reads). */
static void vnet_read_mac(struct vnet *v)
{
	if (!has(v, VIRTIO_NET_F_MAC)) {
		/* Locally administered, unique per slot. */
		uint8_t m[ETH_ALEN] = { 0x02, 0x00, 0x5f, v->pci ? v->pci->bus : 0xff, v->pci ? v->pci->dev : 0,
					v->pci ? v->pci->fn : (uint8_t)nunits };
		memcpy(v->mac, m, ETH_ALEN);
		return;
	}
	for (int tries = 0; tries < 16; tries++) {
		uint8_t gen = virtio_pci_config_generation(&v->vp);
		for (int i = 0; i < ETH_ALEN; i++)
			v->mac[i] = v->vp.device[VNET_CFG_MAC + i];
		if (virtio_pci_config_generation(&v->vp) == gen)
			return;
	}
}

/* virtq's stronger fence where mfence is none (cpu_fences_elided). */
static void vnet_io_fence(void)
{
	io_fence();
}

/* Ring memory is sized for VNET_RING entries whatever size the device allows. */
static unsigned vnet_ring_order(void)
{
	unsigned order = 0;
	while ((PAGE_SIZE << order) < virtq_mem_size(VNET_RING))
		order++;
	return order;
}

/* Ring memory for one queue, kept for the device's life (a restart reuses it). */
static int vnet_queue_alloc(void **mem)
{
	if (!*mem)
		*mem = page_alloc(vnet_ring_order());
	return *mem ? 0 : -ENOMEM;
}

/* 4.1.5.1.3: queue q of at most ring entries in fresh ring memory, told to the device with MSI-X entry msix. */
static int vnet_queue_setup(struct vnet *v, uint16_t q, uint16_t ring, struct virtq *vq, void **mem, void **tok,
			    uint32_t *wlen, uint16_t msix, struct virtio_notify *notify)
{
	uint16_t max = virtio_pci_queue_max(&v->vp, q);
	if (max == 0) {
		kwarn("virtio-net", "queue %u is missing", q);
		return -ENODEV;
	}
	if (vnet_queue_alloc(mem)) {
		kwarn("virtio-net", "no memory for queue %u", q);
		return -ENOMEM;
	}
	uint16_t size = ring;
	while (size > max)
		size /= 2;   /* 2.7: split queue sizes are powers of two, so max is one too */
	memset(*mem, 0, PAGE_SIZE << vnet_ring_order());
	struct virtq_stats st = vq->stats;   /* counted over the device's life, across restarts */
	int err = virtq_init(vq, q, size, *mem, tok, wlen, has(v, VIRTIO_F_RING_EVENT_IDX));
	if (err) {
		kwarn("virtio-net", "queue %u: bad size %u", q, size);
		return err;
	}
	vq->stats = st;
	/*
	 * Every queue relies on store->load fences against the device
	 * (2.7.13.4.1, 2.7.14); on QEMU's TCG with one vCPU mfence is not
	 * one, and a lost handshake leaves a ring waiting for good.
	 */
	if (cpu_fences_elided())
		virtq_set_fence(vq, vnet_io_fence);
	uint64_t base = dma_addr(*mem);
	return virtio_pci_queue_setup(&v->vp, q, size, base, base + virtq_avail_offset(size),
				      base + virtq_used_offset(size), v->msix ? msix : VIRTIO_MSI_NO_VECTOR, notify);
}

/* Both queues of pair i, on its MSI-X entry. */
static int vnet_pair_setup(struct vnet *v, unsigned i)
{
	struct vnet_pair *qp = &v->pairs[i];
	uint16_t msix = (uint16_t)MSIX_ENTRY_PAIR(i);
	qp->v = v;
	qp->index = i;
	int err = vnet_queue_setup(v, VNET_RXQ(i), VNET_RING, &qp->rxq, &qp->rxq_mem, qp->rx_token, qp->rx_wlen, msix,
				   &qp->rx_notify);
	if (!err)
		err = vnet_queue_setup(v, VNET_TXQ(i), VNET_RING, &qp->txq, &qp->txq_mem, qp->tx_token, qp->tx_wlen,
				       msix, &qp->tx_notify);
	return err;
}

static void vnet_free_queue_mem(struct vnet *v)
{
	for (unsigned i = 0; i < VNET_MAX_PAIRS; i++) {
		struct vnet_pair *qp = &v->pairs[i];
		if (qp->rxq_mem)
			page_free(qp->rxq_mem, vnet_ring_order());
		if (qp->txq_mem)
			page_free(qp->txq_mem, vnet_ring_order());
		qp->rxq_mem = qp->txq_mem = NULL;
	}
	if (v->ctrlq_mem)
		page_free(v->ctrlq_mem, vnet_ring_order());
	v->ctrlq_mem = NULL;
}

/* Undoes vnet_setup_msix / vnet_setup_intx so no handler points at freed state. */
static void vnet_irq_teardown(struct vnet *v)
{
	if (v->msix)
		pci_msix_enable(v->pci, false);
	else if (v->vec_queue)
		ioapic_mask(v->gsi, true);
	for (unsigned i = 0; i < v->npairs_irq; i++)
		irq_set_handler((unsigned)v->pairs[i].vec, NULL, NULL);
	if (v->vec_queue)
		irq_set_handler((unsigned)v->vec_queue, NULL, NULL);
	if (v->vec_config && v->vec_config != v->vec_queue)
		irq_set_handler((unsigned)v->vec_config, NULL, NULL);
}

/* Frees every buffer the rings held; only once the device is reset (it no longer owns them). */
static void vnet_release_buffers(struct vnet *v)
{
	for (unsigned p = 0; p < VNET_MAX_PAIRS; p++) {
		struct vnet_pair *qp = &v->pairs[p];
		pktbuf_free(qp->rx_big);
		qp->rx_big = NULL;
		qp->rx_left = 0;
		for (unsigned i = 0; i < VNET_RING; i++) {
			pktbuf_free(qp->rx_token[i]);
			pktbuf_free(qp->tx_token[i]);
			qp->rx_token[i] = qp->tx_token[i] = NULL;
		}
	}
}

/* 5.1.4: max_virtqueue_pairs (with MQ), 1 without. */
static unsigned vnet_max_pairs(struct vnet *v)
{
	if (!has(v, VIRTIO_NET_F_MQ))
		return 1;
	unsigned n = v->vp.device[VNET_CFG_MAX_PAIRS] | v->vp.device[VNET_CFG_MAX_PAIRS + 1] << 8;
	return n ? n : 1;
}

/*
 * 5.1.6.5.5: VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET on the control queue, after
 * DRIVER_OK: the header and the le16 count read by the device, the ack
 * byte written by it. The answer is polled for (bounded): it comes while
 * QEMU handles the notification, and attach needs it before going on.
 */
static int vnet_ctrl_pairs_set(struct vnet *v, unsigned n)
{
	volatile uint8_t *b = v->ctrl_buf;
	b[0] = VIRTIO_NET_CTRL_MQ;
	b[1] = VIRTIO_NET_CTRL_MQ_VQ_PAIRS_SET;
	b[2] = (uint8_t)n;
	b[3] = (uint8_t)(n >> 8);
	b[4] = 0xff;
	struct virtq_seg segs[3] = {
		{ .addr = dma_addr(v->ctrl_buf), .len = 2, .device_writes = false },
		{ .addr = dma_addr(v->ctrl_buf + 2), .len = 2, .device_writes = false },
		{ .addr = dma_addr(v->ctrl_buf + 4), .len = 1, .device_writes = true },
	};
	int err = virtq_add(&v->ctrlq, segs, 3, v);
	if (err)
		return err;
	virtq_kick_prepare(&v->ctrlq);
	virtio_pci_notify(v->ctrl_notify, v->ctrlq.index);   /* a control command always wants the device's eye */
	uint64_t until = time_ns() + VNET_CTRL_TIMEOUT_NS;
	for (;;) {
		void *tok;
		uint32_t len;
		int r = virtq_get(&v->ctrlq, &tok, &len);
		if (r > 0)
			break;
		if (r < 0)
			return -EIO;
		if (time_ns() > until)
			return -ETIMEDOUT;
		cpu_relax();
	}
	return b[4] == VIRTIO_NET_OK ? 0 : -EIO;
}

/*
 * With MQ: the control queue (controlq is 2 * max_virtqueue_pairs, 5.1.2)
 * and pairs 1..n-1; how many is decided here (see the file's header).
 */
static unsigned vnet_mq_pairs(struct vnet *v)
{
	unsigned n = vnet_max_pairs(v);
	long opt = skiff_opt_long("vnet.queues", 0);
	if (n > v->npairs_irq)
		n = v->npairs_irq;
	if (n > VNET_MAX_PAIRS)
		n = VNET_MAX_PAIRS;
	if (opt > 0 && (unsigned long)opt < n)
		n = (unsigned)opt;
	return n ? n : 1;
}

/* The pairs' receive rings filled from v->ns's pool, grown for them once. */
static int vnet_fill_rings(struct vnet *v)
{
	/* 64 KiB segments either way need the stack's large buffers; once per stack (the pool never shrinks). */
	if ((has(v, VIRTIO_NET_F_HOST_TSO4) || has(v, VIRTIO_NET_F_GUEST_TSO4)) && v->large_for != v->ns) {
		int got = pktpool_grow_large(v->ns, VNET_LARGE_BUFS);
		if (got < 0)
			kwarn("virtio-net", "no large packet buffers for TSO (%d): segments stay MSS-sized", got);
		v->large_for = v->ns;
	}
	/* Short growth is logged; the rings then fill to the reserve. */
	netdev_rx_ring_grow(v->ns, v->npairs * v->pairs[0].rxq.size);
	for (unsigned i = 0; i < v->npairs; i++) {
		struct vnet_pair *qp = &v->pairs[i];
		qp->rx_big = NULL;
		qp->rx_left = 0;
		vnet_rx_refill(qp);
		if (virtq_num_free(&qp->rxq) == qp->rxq.size) {
			kwarn("virtio-net", "no packet buffers for receive queue %u", i);
			return -ENOMEM;
		}
		/* The transmit queue interrupts only when asked (a full ring); completions are reaped in poll. */
		virtq_disable_cb(&qp->txq);
		virtq_enable_cb(&qp->rxq);
	}
	return 0;
}

/*
 * 3.1.1: from reset to DRIVER_OK, with the receive queues filled from
 * v->ns's pool and, with MQ, the pairs turned on. On failure the device is
 * reset again and holds nothing.
 */
static int vnet_start(struct vnet *v)
{
	int err = virtio_pci_reset(&v->vp);
	if (err)
		return err;
	virtio_pci_add_status(&v->vp, VIRTIO_STATUS_ACKNOWLEDGE);
	virtio_pci_add_status(&v->vp, VIRTIO_STATUS_DRIVER);
	if ((err = vnet_negotiate(v)))
		goto out_failed;
	/* 3.1.1 step 7: device-specific setup; 4.1.5.1.2: the configuration vector is reset with the device. */
	if (v->msix && virtio_pci_set_config_vector(&v->vp, MSIX_ENTRY_CONFIG) != MSIX_ENTRY_CONFIG) {
		kwarn("virtio-net", "device refused the MSI-X configuration vector");
		err = -EIO;
		goto out_failed;
	}
	v->npairs = has(v, VIRTIO_NET_F_MQ) ? vnet_mq_pairs(v) : 1;
	for (unsigned i = 0; i < v->npairs; i++)
		if ((err = vnet_pair_setup(v, i)))
			goto out_failed;
	if (has(v, VIRTIO_NET_F_MQ) &&
	    (err = vnet_queue_setup(v, (uint16_t)(2 * vnet_max_pairs(v)), VNET_CTRL_RING, &v->ctrlq, &v->ctrlq_mem,
				    v->ctrl_token, v->ctrl_wlen, VIRTIO_MSI_NO_VECTOR, &v->ctrl_notify)))
		goto out_failed;
	v->link_was_up = vnet_link_up(v);
	if ((err = vnet_fill_rings(v)))
		goto out_failed;
	/* 3.1.1 step 8; 3.1.2: no notification before DRIVER_OK. */
	virtio_pci_add_status(&v->vp, VIRTIO_STATUS_DRIVER_OK);
	for (unsigned i = 0; i < v->npairs; i++)
		if (virtq_kick_prepare(&v->pairs[i].rxq))
			virtio_pci_notify(v->pairs[i].rx_notify, VNET_RXQ(i));
	/* 5.1.6.5.5: until this the device uses pair 0 only; if refused, so do we. */
	if (v->npairs > 1 && (err = vnet_ctrl_pairs_set(v, v->npairs))) {
		kwarn("virtio-net", "the device refused %u queue pairs (%d): using one", v->npairs, err);
		v->npairs = 1;
	}
	if (v->dev)
		netdev_set_queues(v->dev, v->npairs);
	return 0;
out_failed:
	/* 3.1.1: tell the device the driver gave up. */
	virtio_pci_add_status(&v->vp, VIRTIO_STATUS_FAILED);
	virtio_pci_reset(&v->vp);
	vnet_release_buffers(v);
	return err;
}

/* Leaving a stack (its lock held): 2.4: after a reset the device uses no buffer any more. */
static void vnet_unbind(void *drv)
{
	struct vnet *v = drv;
	virtio_pci_reset(&v->vp);
	vnet_release_buffers(v);
	v->nif = NULL;
	v->ns = NULL;
}

/* Joining a stack (its lock held): start again with rings from its pool. */
static int vnet_bind(void *drv, struct netif *nif)
{
	struct vnet *v = drv;
	v->ns = netif_stack(nif);
	v->nif = nif;
	int err = vnet_start(v);
	if (err) {
		v->nif = NULL;
		v->ns = NULL;
	}
	return err;
}

/* Attach from the transport's init on: queues, interrupts, start, registration. where: for logs. */
static int vnet_attach_common(struct vnet *v, const char *where)
{
	int err;
	for (unsigned i = 0; i < VNET_MAX_PAIRS; i++) {
		v->pairs[i].v = v;   /* the interrupt handlers' context */
		v->pairs[i].index = i;
	}
	/* Interrupts first, so queues can name their MSI-X entry. */
	if ((err = virtio_pci_reset(&v->vp)))
		goto out_free_mem;
	if (!vnet_setup_msix(v) && (err = vnet_setup_intx(v)))
		goto out_irq;
	if ((err = vnet_start(v)))
		goto out_irq;
	vnet_read_mac(v);
	int idx = netdev_register(&vnet_netif_ops, &vnet_netdev_ops, v, "virtio-net", &v->dev);
	if (idx < 0) {
		kwarn("virtio-net", "cannot register the interface (%d)", idx);
		err = idx;
		virtio_pci_reset(&v->vp);
		vnet_release_buffers(v);
		goto out_irq;
	}
	v->nif = netif_get(v->ns, idx);
	if (v->npairs > 1 && (err = netdev_set_queues(v->dev, v->npairs))) {
		/* No pollers: pairs 1.. would never be drained, so back to one (5.1.6.5.5 allows it at any time). */
		kwarn("virtio-net", "no poller threads for %u queue pairs (%d): using one", v->npairs, err);
		vnet_ctrl_pairs_set(v, 1);
		v->npairs = 1;
		netdev_set_queues(v->dev, 1);
	}
	if (nunits < VNET_MAX_UNITS)
		units[nunits++] = v;
	char names[96];
	vnet_features_name(v->features, names, sizeof(names));
	klog("virtio-net", "%s: %s, features 0x%lx (%s), queues %u/%u, %s%s, pairs %u", where, netif_name(v->nif),
	     (unsigned long)v->features, names, v->pairs[0].rxq.size, v->pairs[0].txq.size,
	     v->msix ? "MSI-X" : v->pci ? "INTx" : "GSI line",
	     cpu_fences_elided() ? ", ring fences by port I/O (TCG)" : "", v->npairs);
	return 0;
out_irq:
	vnet_irq_teardown(v);
out_free_mem:
	vnet_free_queue_mem(v);
	kfree(v);
	return err;
}

static int vnet_attach(struct pci_dev *d)
{
	struct vnet *v = kzalloc(sizeof(*v));
	if (!v) {
		kwarn("virtio-net", "%02x:%02x.%x: no memory for the driver state", d->bus, d->dev, d->fn);
		return -ENOMEM;
	}
	v->pci = d;
	v->ns = netdev_stack();
	pci_enable_bus_master(d);
	int err = virtio_pci_init(&v->vp, d);
	if (err) {
		kfree(v);
		return err;
	}
	char where[16];
	snprintf(where, sizeof(where), "%02x:%02x.%x", d->bus, d->dev, d->fn);
	return vnet_attach_common(v, where);
}

/* A virtio-mmio transport with a network device behind it (QEMU's microvm). */
static int vnet_attach_mmio(const struct virtio_mmio_dev *m)
{
	struct vnet *v = kzalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->ns = netdev_stack();
	v->gsi = m->gsi;
	v->gsi_flags = m->irq_flags;
	int err = virtio_mmio_init(&v->vp, m);
	if (err) {
		kfree(v);
		return err;
	}
	char where[16];
	snprintf(where, sizeof(where), "mmio%u", m->index);
	return vnet_attach_common(v, where);
}

int vnet_stats_get(unsigned unit, struct vnet_stats *out)
{
	if (unit >= nunits)
		return -ENODEV;
	struct vnet *v = units[unit];
	netdev_lock_dev(v->dev);   /* poll and xmit update the counters under the stack lock */
	*out = v->stats;
	out->queues = v->npairs;
	for (unsigned i = 0; i < v->npairs && i < VNET_STATS_QUEUES; i++) {
		const struct vnet_pair *qp = &v->pairs[i];
		out->rx_kicks += qp->rxq.stats.notifies;
		out->rx_kicks_saved += qp->rxq.stats.notifies_saved;
		out->tx_kicks += qp->txq.stats.notifies;
		out->tx_kicks_saved += qp->txq.stats.notifies_saved;
		out->q[i] = qp->qs;
	}
	out->msix = v->msix;
	out->features = v->features;
	netdev_unlock_dev(v->dev);
	return 0;
}

static bool vnet_match(const struct pci_dev *d)
{
	return d->vendor == VIRTIO_PCI_VENDOR &&
	       (d->device == VIRTIO_PCI_DEVICE_TRANS_NET || d->device == VIRTIO_PCI_DEVICE_MODERN_BASE + 1);
}

static bool vnet_match_mmio(const struct virtio_mmio_dev *m)
{
	return m->device_id == VIRTIO_ID_NET;
}

static const struct netdrv vnet_driver = {
	.name = "virtio-net",
	.match = vnet_match,
	.attach = vnet_attach,
	.match_mmio = vnet_match_mmio,
	.attach_mmio = vnet_attach_mmio,
};
NETDRV(vnet_driver);

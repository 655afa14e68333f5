/*
 * drivers/virtio-net/vnet_hdr.h: the virtio-net offload features and the
 * per-frame header that carries them (virtio 1.2 5.1.3, 5.1.6), as pure
 * functions over bytes so that they are tested on the host
 * (tests/unit/virtio/vnet_hdr_test.c).
 *
 * Promises: vnet_features_want() never asks for a feature without the ones
 * 5.1.3.1 says it depends on; vnet_hdr_tx() describes a pktbuf's checksum
 * and TSO state exactly as 5.1.6.2 asks; vnet_hdr_rx() accepts only the
 * flags and GSO types the negotiated features allow (5.1.6.4.1) and
 * returns everything else as malformed.
 */
#ifndef DRIVERS_VIRTIO_NET_VNET_HDR_H
#define DRIVERS_VIRTIO_NET_VNET_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pktbuf;

/* 5.1.3: feature bits. */
#define VIRTIO_NET_F_CSUM 0
#define VIRTIO_NET_F_GUEST_CSUM 1
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_MQ 22
#define VIRTIO_NET_F_EVENT_IDX 29   /* VIRTIO_F_RING_EVENT_IDX (6) */

/* The offloads, for "vnet.offload=off". */
#define VNET_OFFLOAD_FEATURES                                                                                \
	(1ull << VIRTIO_NET_F_CSUM | 1ull << VIRTIO_NET_F_GUEST_CSUM | 1ull << VIRTIO_NET_F_GUEST_TSO4 |     \
	 1ull << VIRTIO_NET_F_HOST_TSO4 | 1ull << VIRTIO_NET_F_MRG_RXBUF)

/* 5.1.6: struct virtio_net_hdr; with VERSION_1 it always has num_buffers: 12 bytes. */
#define VNET_HDR_LEN 12
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1

/*
 * The driver features to offer, from those the driver understands (base
 * plus the offloads), less those the options turn off: spec is a comma
 * list of feature names (csum, guest_csum, host_tso4, guest_tso4,
 * mrg_rxbuf, event_idx, ctrl_vq, mq, and tso4 for both TSO bits), each with a leading
 * '-' (off) or '+'/nothing (on, the default); offload_off drops every
 * offload first. Then dependencies: 5.1.3.1 (GUEST_TSO4 needs GUEST_CSUM,
 * HOST_TSO4 needs CSUM), and GUEST_TSO4 needs MRG_RXBUF here (the driver
 * posts 2 KiB buffers only, and 64 KiB frames need merged ones); MQ
 * needs CTRL_VQ (5.1.3.1) and CTRL_VQ goes only with MQ here.
 * Returns the mask; *bad points at the first unknown name (NULL if none).
 */
uint64_t vnet_features_want(uint64_t base, const char *spec, bool offload_off, const char **bad);
/* f less the features whose dependencies (as above) are missing from f. */
uint64_t vnet_features_deps(uint64_t f);

/* The received frame's offload state, from its header. */
struct vnet_rx_hdr {
	uint16_t num_buffers;       /* buffers the frame spans (1 without MRG_RXBUF) */
	bool csum_ok;               /* NEEDS_CSUM or DATA_VALID: the device vouches (5.1.6.4) */
	bool gso;                   /* a coalesced TCP segment (GSO_TCPV4) */
};

/*
 * Parses the header at h for a device with the negotiated features.
 * 0, or -EINVAL for what those features forbid: a flag or a GSO type not
 * negotiated (5.1.6.4.1), num_buffers 0, or num_buffers > 1 without
 * MRG_RXBUF.
 */
int vnet_hdr_rx(const uint8_t h[VNET_HDR_LEN], uint64_t features, struct vnet_rx_hdr *out);

/*
 * Writes the header for frame p (data at its Ethernet header): NEEDS_CSUM
 * with csum_start/csum_offset for a PKTBUF_CSUM_PARTIAL checksum, and
 * GSO_TCPV4 with hdr_len and gso_size for a TSO frame (5.1.6.2). -EINVAL
 * for a state the features do not allow (the stack never makes one).
 */
int vnet_hdr_tx(uint8_t h[VNET_HDR_LEN], const struct pktbuf *p, uint64_t features);

/* The largest frame xmit takes: 1514, or a 64 KiB datagram's with HOST_TSO4. */
size_t vnet_tx_max_frame(uint64_t features);

/* Names of the negotiated offload features, space-separated, into buf; "none" if there are none. */
void vnet_features_name(uint64_t features, char *buf, size_t size);

#endif

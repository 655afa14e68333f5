/*
 * drivers/virtio-net/vnet_hdr.c: choosing the virtio-net offload features
 * and reading and writing struct virtio_net_hdr (virtio 1.2 5.1.3, 5.1.6;
 * see vnet_hdr.h for the promises). No device access: vnet.c calls these.
 *
 * The header's 16-bit fields are little-endian (1.2 1.4: le16 with
 * VERSION_1), written byte by byte so the code does not depend on the
 * host's order.
 */
#include <errno.h>
#include <string.h>

#include "drivers/virtio-net/vnet_hdr.h"
#include "net/pktbuf.h"

/* 5.1.6 field offsets. */
#define HDR_FLAGS 0
#define HDR_GSO_TYPE 1
#define HDR_HDR_LEN 2
#define HDR_GSO_SIZE 4
#define HDR_CSUM_START 6
#define HDR_CSUM_OFFSET 8
#define HDR_NUM_BUFFERS 10

#define ETH_HLEN 14
#define ETH_MAX_FRAME (ETH_HLEN + 1500)
#define IP_MAX_DGRAM 65535u

static const struct {
	const char *name;
	uint64_t bits;
} feature_table[] = {
	{ "csum", 1ull << VIRTIO_NET_F_CSUM },
	{ "guest_csum", 1ull << VIRTIO_NET_F_GUEST_CSUM },
	{ "guest_tso4", 1ull << VIRTIO_NET_F_GUEST_TSO4 },
	{ "host_tso4", 1ull << VIRTIO_NET_F_HOST_TSO4 },
	{ "tso4", 1ull << VIRTIO_NET_F_GUEST_TSO4 | 1ull << VIRTIO_NET_F_HOST_TSO4 },
	{ "mrg_rxbuf", 1ull << VIRTIO_NET_F_MRG_RXBUF },
	{ "event_idx", 1ull << VIRTIO_NET_F_EVENT_IDX },
	{ "ctrl_vq", 1ull << VIRTIO_NET_F_CTRL_VQ },
	{ "mq", 1ull << VIRTIO_NET_F_MQ },
};
#define NFEATURES (sizeof(feature_table) / sizeof(feature_table[0]))

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static bool has(uint64_t f, unsigned bit)
{
	return (f >> bit) & 1;
}

/* The bits named by s[0..len), 0 when the name is unknown. */
static uint64_t feature_bits(const char *s, size_t len)
{
	for (size_t i = 0; i < NFEATURES; i++)
		if (strlen(feature_table[i].name) == len && !memcmp(feature_table[i].name, s, len))
			return feature_table[i].bits;
	return 0;
}

uint64_t vnet_features_want(uint64_t base, const char *spec, bool offload_off, const char **bad)
{
	uint64_t want = base | VNET_OFFLOAD_FEATURES;

	*bad = NULL;
	if (offload_off)
		want &= ~VNET_OFFLOAD_FEATURES;
	for (const char *s = spec ? spec : ""; *s;) {
		while (*s == ',' || *s == ' ')
			s++;
		if (!*s)
			break;
		bool off = *s == '-';
		if (*s == '-' || *s == '+')
			s++;
		const char *name = s;
		while (*s && *s != ',' && *s != ' ')
			s++;
		uint64_t bits = feature_bits(name, (size_t)(s - name));
		if (!bits) {
			if (!*bad)
				*bad = name;
			continue;
		}
		want = off ? want & ~bits : want | bits;
	}
	return vnet_features_deps(want);
}

uint64_t vnet_features_deps(uint64_t f)
{
	/* 5.1.3.1: a TSO feature needs the checksum feature of its direction. */
	if (!has(f, VIRTIO_NET_F_CSUM))
		f &= ~(1ull << VIRTIO_NET_F_HOST_TSO4);
	if (!has(f, VIRTIO_NET_F_GUEST_CSUM) || !has(f, VIRTIO_NET_F_MRG_RXBUF))
		f &= ~(1ull << VIRTIO_NET_F_GUEST_TSO4);
	/* 5.1.3.1: MQ needs CTRL_VQ; the driver uses the control queue for MQ only, so one goes without the other. */
	if (!has(f, VIRTIO_NET_F_MQ) || !has(f, VIRTIO_NET_F_CTRL_VQ))
		f &= ~(1ull << VIRTIO_NET_F_MQ | 1ull << VIRTIO_NET_F_CTRL_VQ);
	return f;
}

int vnet_hdr_rx(const uint8_t h[VNET_HDR_LEN], uint64_t features, struct vnet_rx_hdr *out)
{
	uint8_t flags = h[HDR_FLAGS], gso = h[HDR_GSO_TYPE];

	memset(out, 0, sizeof(*out));
	out->num_buffers = 1;
	if (has(features, VIRTIO_NET_F_MRG_RXBUF)) {
		out->num_buffers = get_le16(h + HDR_NUM_BUFFERS);
		if (out->num_buffers == 0)
			return -EINVAL;
	}
	/* 5.1.6.4.1: without GUEST_CSUM the device sets neither flag. */
	if (flags & ~(VIRTIO_NET_HDR_F_NEEDS_CSUM | VIRTIO_NET_HDR_F_DATA_VALID))
		return -EINVAL;
	if (flags && !has(features, VIRTIO_NET_F_GUEST_CSUM))
		return -EINVAL;
	/* ... and no GSO type it was not given (no ECN bit: GUEST_ECN is never negotiated). */
	if (gso != VIRTIO_NET_HDR_GSO_NONE &&
	    (gso != VIRTIO_NET_HDR_GSO_TCPV4 || !has(features, VIRTIO_NET_F_GUEST_TSO4)))
		return -EINVAL;
	out->csum_ok = flags != 0;
	out->gso = gso == VIRTIO_NET_HDR_GSO_TCPV4;
	return 0;
}

int vnet_hdr_tx(uint8_t h[VNET_HDR_LEN], const struct pktbuf *p, uint64_t features)
{
	/* The frame starts after the header, which vnet.c pushed in front of it. */
	const uint8_t *frame = h + VNET_HDR_LEN;

	memset(h, 0, VNET_HDR_LEN);
	if (p->csum != PKTBUF_CSUM_PARTIAL) {
		/* 5.1.6.2: no offload asked for: flags 0, GSO_NONE. */
		return p->gso_size ? -EINVAL : 0;
	}
	const uint8_t *start = p->head + p->csum_start;
	size_t end = (size_t)(p->data + p->len - frame);
	if (!has(features, VIRTIO_NET_F_CSUM) || start < frame || (size_t)(start - frame) + p->csum_offset + 2 > end)
		return -EINVAL;
	uint16_t cs = (uint16_t)(start - frame);
	/* 5.1.6.2 (1): the device sums from csum_start to the end and stores at csum_start + csum_offset. */
	h[HDR_FLAGS] = VIRTIO_NET_HDR_F_NEEDS_CSUM;
	put_le16(h + HDR_CSUM_START, cs);
	put_le16(h + HDR_CSUM_OFFSET, p->csum_offset);
	if (!p->gso_size)
		return 0;
	/* 5.1.6.2 (2): a TCPv4 segment for the device to cut at gso_size, headers to the end of TCP's. */
	if (!has(features, VIRTIO_NET_F_HOST_TSO4) || (size_t)cs + 20 > end)
		return -EINVAL;
	uint16_t tcp_hl = (uint16_t)((start[12] >> 4) * 4);
	h[HDR_GSO_TYPE] = VIRTIO_NET_HDR_GSO_TCPV4;
	put_le16(h + HDR_HDR_LEN, (uint16_t)(cs + tcp_hl));
	put_le16(h + HDR_GSO_SIZE, p->gso_size);
	return 0;
}

size_t vnet_tx_max_frame(uint64_t f)
{
	return has(f, VIRTIO_NET_F_HOST_TSO4) ? ETH_HLEN + IP_MAX_DGRAM : ETH_MAX_FRAME;
}

void vnet_features_name(uint64_t f, char *buf, size_t size)
{
	size_t n = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < NFEATURES; i++) {
		/* tso4 is a shorthand: name only single bits. */
		if ((feature_table[i].bits & (feature_table[i].bits - 1)) || !(f & feature_table[i].bits))
			continue;
		size_t l = strlen(feature_table[i].name);
		if (n + l + 2 > size)
			break;
		if (n)
			buf[n++] = ' ';
		memcpy(buf + n, feature_table[i].name, l + 1);
		n += l;
	}
	if (!n && size > 4)
		memcpy(buf, "none", 5);
}

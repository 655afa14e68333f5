/*
 * tests/unit/virtio/vnet_hdr_test.c: drivers/virtio-net/vnet_hdr.c, the
 * virtio-net offload features (virtio 1.2 5.1.3, 5.1.3.1) and the
 * virtio_net_hdr each frame carries (5.1.6.2 transmit, 5.1.6.4 receive):
 * the options' feature choice with its dependencies, a round trip of the
 * transmit header against a pktbuf's checksum and TSO state, and a table
 * of receive headers the negotiated features forbid.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio-net/vnet_hdr.h"
#include "net/pktbuf.h"

#define B(bit) (1ull << (bit))
#define BASE (B(32) | B(5))   /* VERSION_1 | MAC: passed through untouched */
#define ALL (VNET_OFFLOAD_FEATURES | B(VIRTIO_NET_F_EVENT_IDX))

static uint64_t want(const char *spec, bool off)
{
	const char *bad;
	uint64_t f = vnet_features_want(BASE, spec, off, &bad);

	assert_null(bad);
	return f;
}

static void test_features_default_all_offloads(void **state)
{
	(void)state;
	assert_int_equal(want(NULL, false), BASE | VNET_OFFLOAD_FEATURES);
	assert_int_equal(want("", false), BASE | VNET_OFFLOAD_FEATURES);
}

/* 5.1.3.1: HOST_TSO4 needs CSUM, GUEST_TSO4 needs GUEST_CSUM (and MRG_RXBUF here). */
static void test_features_off_takes_dependents(void **state)
{
	(void)state;
	uint64_t f = want("-csum", false);
	assert_false(f & B(VIRTIO_NET_F_CSUM));
	assert_false(f & B(VIRTIO_NET_F_HOST_TSO4));
	assert_true(f & B(VIRTIO_NET_F_GUEST_TSO4));
	f = want("-guest_csum", false);
	assert_false(f & B(VIRTIO_NET_F_GUEST_TSO4));
	assert_true(f & B(VIRTIO_NET_F_HOST_TSO4));
	f = want("-mrg_rxbuf", false);
	assert_false(f & B(VIRTIO_NET_F_GUEST_TSO4));
	assert_true(f & B(VIRTIO_NET_F_GUEST_CSUM));
	f = want("-tso4", false);
	assert_false(f & (B(VIRTIO_NET_F_GUEST_TSO4) | B(VIRTIO_NET_F_HOST_TSO4)));
	assert_true(f & B(VIRTIO_NET_F_CSUM));
	f = want("-event_idx, -host_tso4", false);
	assert_int_equal(f, BASE | (VNET_OFFLOAD_FEATURES & ~B(VIRTIO_NET_F_HOST_TSO4)));
}

/* 5.1.3.1: MQ needs CTRL_VQ; the driver asks for CTRL_VQ only with MQ; -mq and vnet.offload=off. */
static void test_features_mq_with_ctrl_vq_only(void **state)
{
	(void)state;
	const char *bad;
	uint64_t mq = B(VIRTIO_NET_F_MQ) | B(VIRTIO_NET_F_CTRL_VQ);
	assert_int_equal(vnet_features_want(BASE | mq, NULL, false, &bad) & mq, mq);
	assert_int_equal(vnet_features_want(BASE | mq, "-mq", false, &bad) & mq, 0);
	assert_int_equal(vnet_features_want(BASE | mq, "-ctrl_vq", false, &bad) & mq, 0);
	assert_int_equal(vnet_features_want(BASE | mq, NULL, true, &bad) & mq, mq);   /* not an offload */
	/* What a device offers without mq=on (QEMU: CTRL_VQ alone): neither. */
	assert_int_equal(vnet_features_deps(BASE | B(VIRTIO_NET_F_CTRL_VQ)), BASE);
	assert_int_equal(vnet_features_deps(BASE | B(VIRTIO_NET_F_MQ)), BASE);
}

static void test_features_offload_off_then_one_back(void **state)
{
	(void)state;
	assert_int_equal(want(NULL, true), BASE);
	assert_int_equal(want("+csum", true), BASE | B(VIRTIO_NET_F_CSUM));
	/* A TSO bit alone, without its checksum feature, is not asked for. */
	assert_int_equal(want("host_tso4", true), BASE);
}

static void test_features_unknown_name_reported(void **state)
{
	(void)state;
	const char *bad;
	uint64_t f = vnet_features_want(BASE, "-csum,-bogus,-gso", false, &bad);

	assert_non_null(bad);
	assert_int_equal(strncmp(bad, "bogus", 5), 0);
	assert_false(f & B(VIRTIO_NET_F_CSUM));   /* the known ones still apply */
}

static void test_features_name(void **state)
{
	(void)state;
	char buf[96];

	vnet_features_name(BASE | ALL, buf, sizeof(buf));
	assert_string_equal(buf, "csum guest_csum guest_tso4 host_tso4 mrg_rxbuf event_idx");
	vnet_features_name(BASE, buf, sizeof(buf));
	assert_string_equal(buf, "none");
}

/* A frame in a buffer: Ethernet, a 20-byte IPv4 header, a 32-byte TCP header, data. */
struct frame {
	uint8_t mem[256];
	struct pktbuf p;
};

static uint8_t *frame_init(struct frame *fr, size_t data_len)
{
	memset(fr, 0, sizeof(*fr));
	fr->p.head = fr->mem;
	fr->p.cap = sizeof(fr->mem);
	fr->p.data = fr->mem + 32;   /* the virtio header goes in front */
	fr->p.len = VNET_HDR_LEN + 14 + 20 + 32 + data_len;
	fr->p.data[VNET_HDR_LEN + 14 + 20 + 12] = 8 << 4;   /* TCP data offset: 32 bytes */
	return fr->p.data;
}

/* frame_init with the TCP checksum left partial (and a TSO segment when gso_size). */
static uint8_t *frame_partial(struct frame *fr, uint16_t gso_size)
{
	uint8_t *h = frame_init(fr, 100);

	fr->p.csum = PKTBUF_CSUM_PARTIAL;
	fr->p.csum_start = (uint16_t)(32 + VNET_HDR_LEN + 14 + 20);
	fr->p.csum_offset = 16;
	fr->p.gso_size = gso_size;
	return h;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* 5.1.6.2: no offload asked for: an all-zero header. */
static void test_tx_plain_frame_zero_header(void **state)
{
	(void)state;
	struct frame fr;
	uint8_t *h = frame_init(&fr, 100), zero[VNET_HDR_LEN] = { 0 };

	memset(h, 0xee, VNET_HDR_LEN);
	assert_int_equal(vnet_hdr_tx(h, &fr.p, ALL), 0);
	assert_memory_equal(h, zero, VNET_HDR_LEN);
}

/* 5.1.6.2 (1): NEEDS_CSUM, csum_start at TCP's header from the frame's start, csum_offset 16. */
static void test_tx_partial_checksum_header(void **state)
{
	(void)state;
	struct frame fr;
	uint8_t *h = frame_partial(&fr, 0);

	assert_int_equal(vnet_hdr_tx(h, &fr.p, ALL), 0);
	assert_int_equal(h[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h[1], VIRTIO_NET_HDR_GSO_NONE);
	assert_int_equal(le16(h + 6), 34);
	assert_int_equal(le16(h + 8), 16);
	/* Without CSUM negotiated the driver may not ask (5.1.6.2.1). */
	assert_int_equal(vnet_hdr_tx(h, &fr.p, ALL & ~B(VIRTIO_NET_F_CSUM)), -EINVAL);
}

/* 5.1.6.2 (2): GSO_TCPV4 with hdr_len through TCP's options and gso_size. */
static void test_tx_tso_header(void **state)
{
	(void)state;
	struct frame fr;
	uint8_t *h = frame_partial(&fr, 1448);

	assert_int_equal(vnet_hdr_tx(h, &fr.p, ALL), 0);
	assert_int_equal(h[0], VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(h[1], VIRTIO_NET_HDR_GSO_TCPV4);
	assert_int_equal(le16(h + 2), 14 + 20 + 32);
	assert_int_equal(le16(h + 4), 1448);
	assert_int_equal(vnet_hdr_tx(h, &fr.p, ALL & ~B(VIRTIO_NET_F_HOST_TSO4)), -EINVAL);
	/* TSO without a partial checksum is not a state the stack makes. */
	fr.p.csum = PKTBUF_CSUM_NONE;
	assert_int_equal(vnet_hdr_tx(h, &fr.p, ALL), -EINVAL);
	/* csum_start outside the frame is refused, not sent to the device. */
	fr.p.csum = PKTBUF_CSUM_PARTIAL;
	fr.p.csum_start = 4;
	assert_int_equal(vnet_hdr_tx(h, &fr.p, ALL), -EINVAL);
}

static void rx_hdr(uint8_t h[VNET_HDR_LEN], uint8_t flags, uint8_t gso, uint16_t nbuf)
{
	memset(h, 0, VNET_HDR_LEN);
	h[0] = flags;
	h[1] = gso;
	h[10] = (uint8_t)nbuf;
	h[11] = (uint8_t)(nbuf >> 8);
}

static void test_rx_header_accepted(void **state)
{
	(void)state;
	uint8_t h[VNET_HDR_LEN];
	struct vnet_rx_hdr r;

	rx_hdr(h, 0, 0, 1);
	assert_int_equal(vnet_hdr_rx(h, ALL, &r), 0);
	assert_false(r.csum_ok);
	assert_int_equal(r.num_buffers, 1);
	rx_hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 34);
	assert_int_equal(vnet_hdr_rx(h, ALL, &r), 0);
	assert_true(r.csum_ok);
	assert_true(r.gso);
	assert_int_equal(r.num_buffers, 34);
	rx_hdr(h, VIRTIO_NET_HDR_F_DATA_VALID, 0, 1);
	assert_int_equal(vnet_hdr_rx(h, ALL, &r), 0);
	assert_true(r.csum_ok);
	/* Without MRG_RXBUF num_buffers means nothing: one buffer. */
	rx_hdr(h, 0, 0, 0);
	assert_int_equal(vnet_hdr_rx(h, ALL & ~B(VIRTIO_NET_F_MRG_RXBUF), &r), 0);
	assert_int_equal(r.num_buffers, 1);
}

/* 5.1.6.4.1: what the negotiated features forbid the device to set. */
static void test_rx_header_malformed_table(void **state)
{
	(void)state;
	static const struct {
		uint8_t flags, gso;
		uint16_t nbuf;
		uint64_t features;
	} bad[] = {
		{ VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 1, ALL & ~B(VIRTIO_NET_F_GUEST_CSUM) },
		{ VIRTIO_NET_HDR_F_DATA_VALID, 0, 1, ALL & ~B(VIRTIO_NET_F_GUEST_CSUM) },
		{ 4, 0, 1, ALL },   /* VIRTIO_NET_HDR_F_RSC_INFO: not ours */
		{ 0, VIRTIO_NET_HDR_GSO_TCPV4, 1, ALL & ~B(VIRTIO_NET_F_GUEST_TSO4) },
		{ 0, VIRTIO_NET_HDR_GSO_TCPV4 | 0x80, 1, ALL },   /* ECN: GUEST_ECN never negotiated */
		{ 0, 3, 1, ALL },   /* UDP */
		{ 0, 4, 1, ALL },   /* TCPV6 */
		{ 0, 0, 0, ALL },   /* num_buffers 0 */
	};
	uint8_t h[VNET_HDR_LEN];
	struct vnet_rx_hdr r;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rx_hdr(h, bad[i].flags, bad[i].gso, bad[i].nbuf);
		assert_int_equal(vnet_hdr_rx(h, bad[i].features, &r), -EINVAL);
	}
}

static void test_tx_max_frame(void **state)
{
	(void)state;
	assert_int_equal(vnet_tx_max_frame(ALL), 14 + 65535);
	assert_int_equal(vnet_tx_max_frame(ALL & ~B(VIRTIO_NET_F_HOST_TSO4)), 1514);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_features_default_all_offloads),
		cmocka_unit_test(test_features_off_takes_dependents),
		cmocka_unit_test(test_features_mq_with_ctrl_vq_only),
		cmocka_unit_test(test_features_offload_off_then_one_back),
		cmocka_unit_test(test_features_unknown_name_reported),
		cmocka_unit_test(test_features_name),
		cmocka_unit_test(test_tx_plain_frame_zero_header),
		cmocka_unit_test(test_tx_partial_checksum_header),
		cmocka_unit_test(test_tx_tso_header),
		cmocka_unit_test(test_rx_header_accepted),
		cmocka_unit_test(test_rx_header_malformed_table),
		cmocka_unit_test(test_tx_max_frame),
	};
	return cmocka_run_group_tests_name("vnet_hdr", tests, NULL, NULL);
}

/*
 * net_test_util.c: frame builders and the standard fixture.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "../../../net/byteorder.h"
#include "../../../net/checksum.h"

const uint8_t MAC_US[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
const uint8_t MAC_PEER[6] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc};
const uint8_t MAC_BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void test_params(struct netstack_params *p)
{
	memset(p, 0, sizeof(*p));
	p->pkt_small = 64;
	p->pkt_large = 3;
	p->arp_entries = 8;
	p->arp_queue_max = 16;
	p->reass_slots = 2;
	p->reass_max_frags = 64;
	p->reass_timeout_ns = 30 * SEC;
	p->icmp_rate_per_s = 10;
	p->icmp_burst = 5;
}

int fixture_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct netstack_params par;

	assert_non_null(fx);
	fake_env_init(&fx->fe, 12345);
	test_params(&par);
	fx->ns = netstack_create(&fx->fe.env, &par);
	assert_non_null(fx->ns);
	fx->ifindex = capture_netif_add(&fx->cap, fx->ns, MAC_US, 1500, NULL);
	assert_true(fx->ifindex > 0);
	assert_int_equal(netif_set_up(fx->ns, fx->ifindex, true), 0);
	assert_int_equal(netif_addr_add(fx->ns, fx->ifindex, IP_US, 24), 0);
	capture_purge(&fx->cap);	/* the gratuitous ARP */
	*state = fx;
	return 0;
}

int fixture_teardown(void **state)
{
	struct fixture *fx = *state;

	capture_purge(&fx->cap);
	assert_int_equal(fx->fe.lock_depth, 0);
	netstack_destroy(fx->ns);
	/* Pools and heap back to empty, no leaked buffers reported. */
	assert_int_equal(fx->fe.live_allocs, 0);
	assert_int_equal(fx->fe.live_bytes, 0);
	assert_int_equal(fx->fe.err_logs, 0);
	free(fx);
	return 0;
}

void fixture_learn_peer(struct fixture *fx)
{
	uint8_t f[64];
	size_t n = tb_eth(f, MAC_BCAST, MAC_PEER, 0x0806);

	n += tb_arp(f + n, 1, MAC_PEER, IP_PEER, (const uint8_t[6]){0}, IP_US);
	inject(fx, f, n);
	pktbuf_free(expect_tx(fx, 0x0806));	/* our reply */
}

size_t tb_eth(uint8_t *buf, const uint8_t *dst, const uint8_t *src,
	      uint16_t type)
{
	memcpy(buf, dst, 6);
	memcpy(buf + 6, src, 6);
	put_be16(buf + 12, type);
	return 14;
}

size_t tb_ipv4(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
	       uint16_t id, uint16_t frag, uint8_t ttl, size_t payload_len)
{
	buf[0] = 0x45;
	buf[1] = 0;
	put_be16(buf + 2, (uint16_t)(20 + payload_len));
	put_be16(buf + 4, id);
	put_be16(buf + 6, frag);
	buf[8] = ttl;
	buf[9] = proto;
	put_be16(buf + 10, 0);
	put_be32(buf + 12, src);
	put_be32(buf + 16, dst);
	put_be16(buf + 10, inet_csum(buf, 20));
	return 20;
}

size_t tb_icmp_echo(uint8_t *buf, uint8_t type, uint16_t id, uint16_t seq,
		    const uint8_t *data, size_t len)
{
	buf[0] = type;
	buf[1] = 0;
	put_be16(buf + 2, 0);
	put_be16(buf + 4, id);
	put_be16(buf + 6, seq);
	if (len)
		memcpy(buf + 8, data, len);
	put_be16(buf + 2, inet_csum(buf, 8 + len));
	return 8 + len;
}

size_t tb_udp(uint8_t *buf, uint32_t src, uint32_t dst, uint16_t sport,
	      uint16_t dport, const uint8_t *data, size_t len, bool csum)
{
	uint16_t s;

	put_be16(buf, sport);
	put_be16(buf + 2, dport);
	put_be16(buf + 4, (uint16_t)(8 + len));
	put_be16(buf + 6, 0);
	if (len)
		memcpy(buf + 8, data, len);
	if (csum) {
		s = csum_fold(csum_partial(buf, 8 + len,
					   csum_pseudo(src, dst, 17,
						       (uint16_t)(8 + len))));
		put_be16(buf + 6, s ? s : 0xffff);
	}
	return 8 + len;
}

size_t tb_arp(uint8_t *buf, uint16_t op, const uint8_t *sha, uint32_t spa,
	      const uint8_t *tha, uint32_t tpa)
{
	put_be16(buf, 1);
	put_be16(buf + 2, 0x0800);
	buf[4] = 6;
	buf[5] = 4;
	put_be16(buf + 6, op);
	memcpy(buf + 8, sha, 6);
	put_be32(buf + 14, spa);
	memcpy(buf + 18, tha, 6);
	put_be32(buf + 24, tpa);
	return 28;
}

size_t tb_frame_ip(uint8_t *buf, uint32_t src, uint32_t dst, uint8_t proto,
		   uint16_t id, uint16_t frag, const uint8_t *payload,
		   size_t plen)
{
	size_t n = tb_eth(buf, MAC_US, MAC_PEER, 0x0800);

	n += tb_ipv4(buf + n, src, dst, proto, id, frag, 64, plen);
	memcpy(buf + n, payload, plen);
	return n + plen;
}

void inject(struct fixture *fx, const uint8_t *frame, size_t len)
{
	assert_true(capture_inject(&fx->cap, frame, len));
}

struct pktbuf *expect_tx(struct fixture *fx, uint16_t ethertype)
{
	struct pktbuf *p = capture_pop(&fx->cap);

	assert_non_null(p);
	assert_true(p->len >= 14);
	assert_int_equal(get_be16(p->data + 12), ethertype);
	return p;
}

void expect_no_tx(struct fixture *fx)
{
	assert_int_equal(capture_count(&fx->cap), 0);
}

uint64_t stat(struct fixture *fx, enum net_stat s)
{
	return net_stat_get(fx->ns, s);
}

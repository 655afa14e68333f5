/*
 * tests/fuzz/fuzz_dhcp.c: libFuzzer target: server messages to the DHCP
 * client (net/dhcp.c, RFC 2131) in each state of RFC 2131 figure 5 the
 * client has: SELECTING, REQUESTING, BOUND, RENEWING, REBINDING. The
 * client runs on eth1 of the configured stack (fuzz_util.h) and is driven
 * to the state by a well-behaved server (10.0.2.2 leasing 10.0.2.15 for
 * 600 s: T1 at 300 s, T2 at 525 s); then the fuzzer's messages arrive,
 * with the clock moving between them, and the stack must come back to
 * empty at the end.
 *
 * Input: the state (0-4, modulo 5), then records of a control byte
 * (bit 0: the fuzz bytes are options after a header already made right
 * for the client, its xid, chaddr and the magic cookie; else they are the
 * whole message; bit 1: sent unicast to 10.0.2.15 rather than
 * broadcast), a delay byte (fuzz_delay_ns), a 16-bit length and the
 * bytes; at most 32 records.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"
#include "net_test_util.h"
#include "../../net/byteorder.h"
#include "../../net/dhcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SRV_IP	0x0a000202u	/* 10.0.2.2 */
#define YI_IP	0x0a00020fu	/* 10.0.2.15 */
#define MSG_MAX	1400

static const uint8_t mac_srv[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

/* A server message carrying body to the client on eth1. */
static void server_send(struct fstack *s, bool made, bool unicast, const uint8_t *body,
			size_t blen)
{
	static uint8_t d[DHCP_HDR_LEN + MSG_MAX], u[8 + sizeof(d)], f[14 + 20 + sizeof(u)];
	uint32_t dst = unicast ? YI_IP : 0xffffffffu;
	size_t dlen = 0, n;

	if (made) {
		struct dhcp_hdr h;

		memset(&h, 0, sizeof(h));
		h.op = DHCP_BOOTREPLY;
		h.xid = s->dhcp_xid;
		h.yiaddr = YI_IP;
		h.siaddr = SRV_IP;
		memcpy(h.chaddr, MAC_ETH1, 6);
		dhcp_hdr_emit(&h, d);
		dlen = DHCP_HDR_LEN;
	}
	if (blen > sizeof(d) - dlen)
		blen = sizeof(d) - dlen;
	memcpy(d + dlen, body, blen);
	dlen += blen;
	n = tb_udp(u, SRV_IP, dst, 67, 68, d, dlen, true);
	dlen = tb_eth(f, unicast ? MAC_ETH1 : MAC_BCAST, mac_srv, 0x0800);
	dlen += tb_ipv4(f + dlen, SRV_IP, dst, 17, 1, 0, 64, n);
	memcpy(f + dlen, u, n);
	fstack_input(s, 1, f, dlen + n);
}

/* A well-formed OFFER (2) or ACK (5), as slirp sends them. */
static void server_reply(struct fstack *s, uint8_t type)
{
	uint8_t o[64], *p = o;

	*p++ = 53; *p++ = 1; *p++ = type;
	*p++ = 54; *p++ = 4; put_be32(p, SRV_IP); p += 4;
	*p++ = 51; *p++ = 4; put_be32(p, 600); p += 4;
	*p++ = 1; *p++ = 4; put_be32(p, 0xffffff00u); p += 4;
	*p++ = 3; *p++ = 4; put_be32(p, SRV_IP); p += 4;
	*p++ = 6; *p++ = 4; put_be32(p, 0x0a000203u); p += 4;
	*p++ = 255;
	server_send(s, true, false, o, (size_t)(p - o));
	fstack_step(s, 0);
}

static void expect_state(struct fstack *s, enum dhcp_state want)
{
	struct dhcp_info info;

	if (dhcp_info_get(s->ns, s->eth1.ifindex, &info) || info.state != want)
		fuzz_fail("setup: DHCP client in state %d, not %d", (int)info.state, (int)want);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fstack s;
	struct fin in = {data, size};
	unsigned state = fin_u8(&in) % 5;
	int i;

	fstack_init(&s, FSTACK_DHCP);
	expect_state(&s, DHCP_SELECTING);
	if (state >= 1) {
		server_reply(&s, 2);
		expect_state(&s, DHCP_REQUESTING);
	}
	if (state >= 2) {
		server_reply(&s, 5);
		expect_state(&s, DHCP_BOUND);
	}
	if (state >= 3) {
		fstack_step(&s, 301 * FUZZ_SEC);
		expect_state(&s, DHCP_RENEWING);
	}
	if (state >= 4) {
		fstack_step(&s, 225 * FUZZ_SEC);
		expect_state(&s, DHCP_REBINDING);
	}
	for (i = 0; i < 32 && in.n; i++) {
		uint8_t ctl = fin_u8(&in), delay = fin_u8(&in);
		size_t want = fin_u16(&in) % MSG_MAX, len;
		const uint8_t *b = fin_take(&in, want, &len);

		server_send(&s, ctl & 1, ctl & 2, b, len);
		fstack_step(&s, fuzz_delay_ns(delay));
	}
	fstack_fini(&s);
	return 0;
}

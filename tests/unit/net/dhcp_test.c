/*
 * dhcp_test.c: the DHCP client (RFC 2131) against a scripted server that
 * answers the way QEMU's slirp does (10.0.2.15 offered, router 10.0.2.2,
 * replies broadcast, options 53/54/51/1/3/6).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "../../../net/byteorder.h"
#include "../../../net/checksum.h"
#include "../../../net/dhcp.h"
#include "../../../net/route.h"

#define SLIRP_GW   IP4(10, 0, 2, 2)
#define SLIRP_ME   IP4(10, 0, 2, 15)
#define SLIRP_DNS  IP4(10, 0, 2, 3)
#define LEASE_S    86400u

static const uint8_t mac_srv[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};

struct creq {		/* what the client sent */
	uint8_t type;
	uint32_t xid;
	uint16_t flags;
	uint32_t ciaddr;
	uint32_t req_ip;
	uint32_t server;
	uint32_t ip_src;
	uint32_t ip_dst;
	const uint8_t *eth_dst;
};

static int dhcp_setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct netstack_params par;

	fake_env_init(&fx->fe, 4242);
	test_params(&par);
	fx->ns = netstack_create(&fx->fe.env, &par);
	assert_non_null(fx->ns);
	fx->ifindex = capture_netif_add(&fx->cap, fx->ns, MAC_US, 1500, NULL);
	assert_int_equal(netif_set_up(fx->ns, fx->ifindex, true), 0);
	*state = fx;
	return 0;
}

/* Pop the client's next message, check the UDP/IP framing, parse it. */
static struct creq expect_client(struct fixture *fx)
{
	struct pktbuf *p = expect_tx(fx, 0x0800);
	const uint8_t *ip = p->data + 14, *u = ip + 20, *d = u + 8, *o;
	size_t dlen = get_be16(u + 4) - 8;
	struct creq r;

	memset(&r, 0, sizeof(r));
	assert_int_equal(ip[9], 17);
	assert_int_equal(inet_csum(ip, 20), 0);
	assert_int_equal(get_be16(u), 68);
	assert_int_equal(get_be16(u + 2), 67);
	assert_int_equal(csum_fold(csum_partial(u, dlen + 8,
			 csum_pseudo(get_be32(ip + 12), get_be32(ip + 16), 17,
				     (uint16_t)(dlen + 8)))), 0);
	assert_true(dlen >= 300);
	assert_int_equal(d[0], 1);
	assert_memory_equal(d + 28, MAC_US, 6);
	assert_int_equal(get_be32(d + 236), 0x63825363);
	r.xid = get_be32(d + 4);
	r.flags = get_be16(d + 10);
	r.ciaddr = get_be32(d + 12);
	r.ip_src = get_be32(ip + 12);
	r.ip_dst = get_be32(ip + 16);
	r.eth_dst = memcmp(p->data, MAC_BCAST, 6) == 0 ? MAC_BCAST : mac_srv;
	for (o = d + 240; *o != 255; o += 2 + o[1]) {
		if (*o == 0) {
			o -= 1;
			continue;
		}
		if (*o == 53)
			r.type = o[2];
		if (*o == 50)
			r.req_ip = get_be32(o + 2);
		if (*o == 54)
			r.server = get_be32(o + 2);
	}
	pktbuf_free(p);
	return r;
}

/* A server message; srv_msg() fills slirp's values. */
struct srv {
	uint8_t type;
	uint32_t xid;
	uint32_t yiaddr;
	uint32_t server;	/* option 54 */
	uint32_t lease;		/* option 51 */
	uint32_t mask;		/* option 1 */
	uint32_t router;	/* option 3, 0: none */
	uint32_t ip_dst;	/* broadcast, or unicast to yiaddr */
	bool corrupt_cookie;
};

static struct srv srv_msg(uint8_t type, uint32_t xid, uint32_t yiaddr)
{
	struct srv m = {.type = type, .xid = xid, .yiaddr = yiaddr,
			.server = SLIRP_GW, .lease = LEASE_S,
			.mask = 0xffffff00, .router = SLIRP_GW,
			.ip_dst = IP4_BROADCAST};

	return m;
}

/* Send a server message to the client. */
static void server_send_msg(struct fixture *fx, const struct srv *m)
{
	uint8_t f[700] = {0}, d[400] = {0}, *o = d + 240;
	size_t n, dl, ul;
	uint8_t u[420];

	d[0] = 2;
	d[1] = 1;
	d[2] = 6;
	put_be32(d + 4, m->xid);
	put_be32(d + 16, m->yiaddr);
	put_be32(d + 20, SLIRP_GW);
	memcpy(d + 28, MAC_US, 6);
	put_be32(d + 236, m->corrupt_cookie ? 0x63825364 : 0x63825363);
	*o++ = 53; *o++ = 1; *o++ = m->type;
	*o++ = 54; *o++ = 4; put_be32(o, m->server); o += 4;
	if (m->type != 6) {
		*o++ = 51; *o++ = 4; put_be32(o, m->lease); o += 4;
		*o++ = 1; *o++ = 4; put_be32(o, m->mask); o += 4;
		if (m->router) {
			*o++ = 3; *o++ = 4; put_be32(o, m->router); o += 4;
		}
		*o++ = 6; *o++ = 4; put_be32(o, SLIRP_DNS); o += 4;
	}
	*o++ = 255;
	dl = 300;
	ul = tb_udp(u, SLIRP_GW, m->ip_dst, 67, 68, d, dl, true);
	n = tb_eth(f, m->ip_dst == IP4_BROADCAST ? MAC_BCAST : MAC_US, mac_srv,
		   0x0800);
	n += tb_ipv4(f + n, SLIRP_GW, m->ip_dst, 17, 1, 0, 64, ul);
	memcpy(f + n, u, ul);
	inject(fx, f, n + ul);
}

/* Send a server message (slirp style: to broadcast) to the client. */
static void server_send(struct fixture *fx, uint8_t type, uint32_t xid,
			uint32_t yiaddr, bool corrupt_cookie)
{
	struct srv m = srv_msg(type, xid, yiaddr);

	m.corrupt_cookie = corrupt_cookie;
	server_send_msg(fx, &m);
}

/* RFC 2131 3.1: DISCOVER, OFFER, REQUEST, ACK, then bound. */
static struct creq bind_lease(struct fixture *fx)
{
	struct creq r;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	r = expect_client(fx);
	assert_int_equal(r.type, 1);
	assert_int_equal(r.flags, 0x8000);	/* broadcast, for slirp */
	assert_int_equal(r.ip_src, 0);
	assert_int_equal(r.ip_dst, IP4_BROADCAST);
	assert_ptr_equal(r.eth_dst, MAC_BCAST);
	server_send(fx, 2, r.xid, SLIRP_ME, false);
	r = expect_client(fx);
	assert_int_equal(r.type, 3);
	assert_int_equal(r.req_ip, SLIRP_ME);
	assert_int_equal(r.server, SLIRP_GW);
	assert_int_equal(r.ciaddr, 0);
	server_send(fx, 5, r.xid, SLIRP_ME, false);
	return r;
}

static void test_init_offer_ack_binds_and_configures(void **state)
{
	struct fixture *fx = *state;
	struct route_result rr;
	struct dhcp_info info;

	bind_lease(fx);
	capture_purge(&fx->cap);	/* gratuitous ARP */
	assert_int_equal(dhcp_info_get(fx->ns, fx->ifindex, &info), 0);
	assert_int_equal(info.state, DHCP_BOUND);
	assert_int_equal(info.addr, SLIRP_ME);
	assert_int_equal(info.prefix, 24);
	assert_int_equal(info.router, SLIRP_GW);
	assert_int_equal(info.dns[0], SLIRP_DNS);
	assert_int_equal(info.lease_s, LEASE_S);
	assert_int_equal(netif_addr_primary(fx->ns, fx->ifindex), SLIRP_ME);
	assert_int_equal(route_lookup(fx->ns, IP4(8, 8, 8, 8), &rr), 0);
	assert_int_equal(rr.nexthop, SLIRP_GW);
	assert_int_equal(rr.src, SLIRP_ME);
	assert_int_equal(net_stat_get(fx->ns, NET_STAT_DHCP_LEASE_ACQUIRED), 1);
}

/* RFC 2131 4.1: replies with a wrong xid or bad cookie are ignored. */
static void test_selecting_foreign_or_bad_reply_ignored(void **state)
{
	struct fixture *fx = *state;
	struct creq r;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	r = expect_client(fx);
	server_send(fx, 2, r.xid + 1, SLIRP_ME, false);
	server_send(fx, 2, r.xid, SLIRP_ME, true);
	expect_no_tx(fx);
	assert_int_equal(net_stat_get(fx->ns, NET_STAT_DROP_DHCP_NOT_OURS), 1);
	assert_int_equal(net_stat_get(fx->ns, NET_STAT_DROP_DHCP_BAD), 1);
	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), -EALREADY);
}

/* RFC 2131 4.1: DISCOVER is retransmitted with exponential backoff. */
static void test_selecting_no_offer_retransmits_with_backoff(void **state)
{
	struct fixture *fx = *state;
	uint64_t t = 0, last = 0, expect_s[] = {4, 8, 16, 32, 64, 64};
	size_t i;
	struct creq first, r;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	first = expect_client(fx);
	for (i = 0; i < 6; i++) {
		/* Step 100 ms until the next DISCOVER. */
		while (capture_count(&fx->cap) == 0) {
			t += SEC / 10;
			net_poll(fx->ns, t);
			assert_true(t < 1000 * SEC);
		}
		r = expect_client(fx);
		assert_int_equal(r.type, 1);
		assert_int_equal(r.xid, first.xid);
		/* +-1 s of randomness, and the 100 ms step. */
		assert_true(t - last >= (expect_s[i] - 1) * SEC);
		assert_true(t - last <= (expect_s[i] + 1) * SEC + SEC / 10);
		last = t;
	}
}

/* RFC 2131 3.1.5: a NAK sends the client back to INIT (a new DISCOVER). */
static void test_requesting_nak_restarts_discovery(void **state)
{
	struct fixture *fx = *state;
	struct creq r;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	r = expect_client(fx);
	server_send(fx, 2, r.xid, SLIRP_ME, false);
	r = expect_client(fx);
	assert_int_equal(r.type, 3);
	server_send(fx, 6, r.xid, 0, false);
	r = expect_client(fx);
	assert_int_equal(r.type, 1);
	assert_int_equal(net_stat_get(fx->ns, NET_STAT_DHCP_NAK), 1);
	assert_int_equal(netif_addr_primary(fx->ns, fx->ifindex), 0);
}

/* RFC 2131 4.4.5: at T1 renew by unicast; the ACK extends the lease. */
static void test_bound_t1_renews_unicast(void **state)
{
	struct fixture *fx = *state;
	struct dhcp_info info;
	struct creq r;

	bind_lease(fx);
	capture_purge(&fx->cap);
	net_poll(fx->ns, LEASE_S / 2 * SEC - 1);
	expect_no_tx(fx);
	net_poll(fx->ns, LEASE_S / 2 * SEC);
	/* Unicast to the server needs its MAC first. */
	pktbuf_free(expect_tx(fx, 0x0806));
	{
		uint8_t f[64] = {0};
		size_t n = tb_eth(f, MAC_US, mac_srv, 0x0806);

		tb_arp(f + n, 2, mac_srv, SLIRP_GW, MAC_US, SLIRP_ME);
		inject(fx, f, 60);
	}
	r = expect_client(fx);
	assert_int_equal(r.type, 3);
	assert_int_equal(r.ciaddr, SLIRP_ME);
	assert_int_equal(r.ip_src, SLIRP_ME);
	assert_int_equal(r.ip_dst, SLIRP_GW);
	assert_int_equal(r.flags, 0);
	assert_int_equal(r.req_ip, 0);		/* RFC 2131 table 5 */
	dhcp_info_get(fx->ns, fx->ifindex, &info);
	assert_int_equal(info.state, DHCP_RENEWING);
	server_send(fx, 5, r.xid, SLIRP_ME, false);
	dhcp_info_get(fx->ns, fx->ifindex, &info);
	assert_int_equal(info.state, DHCP_BOUND);
	assert_int_equal(info.expiry_ns, (uint64_t)LEASE_S / 2 * SEC + (uint64_t)LEASE_S * SEC);
}

/* RFC 2131 4.4.5: no answer to renewals -> rebind (broadcast) at T2 ->
 * at expiry the address goes and discovery restarts. */
static void test_no_server_rebinds_then_expires(void **state)
{
	struct fixture *fx = *state;
	struct dhcp_info info;
	struct route_result rr;
	uint64_t t2 = (uint64_t)LEASE_S * 7 * SEC / 8;
	struct pktbuf *p;
	struct creq r;

	bind_lease(fx);
	net_poll(fx->ns, t2 - 1);
	capture_purge(&fx->cap);	/* ARP for the server, renewals */
	dhcp_info_get(fx->ns, fx->ifindex, &info);
	assert_int_equal(info.state, DHCP_RENEWING);
	net_poll(fx->ns, t2);
	r = expect_client(fx);
	assert_int_equal(r.type, 3);
	assert_int_equal(r.ip_dst, IP4_BROADCAST);
	assert_int_equal(r.ciaddr, SLIRP_ME);
	dhcp_info_get(fx->ns, fx->ifindex, &info);
	assert_int_equal(info.state, DHCP_REBINDING);
	net_poll(fx->ns, (uint64_t)LEASE_S * SEC - 1);
	capture_purge(&fx->cap);
	assert_int_equal(netif_addr_primary(fx->ns, fx->ifindex), SLIRP_ME);
	net_poll(fx->ns, (uint64_t)LEASE_S * SEC);
	assert_int_equal(net_stat_get(fx->ns, NET_STAT_DHCP_LEASE_EXPIRED), 1);
	assert_int_equal(netif_addr_primary(fx->ns, fx->ifindex), 0);
	assert_int_equal(route_lookup(fx->ns, IP4(8, 8, 8, 8), &rr), -ENETUNREACH);
	r = expect_client(fx);
	assert_int_equal(r.type, 1);
	while ((p = capture_pop(&fx->cap)))
		pktbuf_free(p);
	assert_int_equal(dhcp_stop(fx->ns, fx->ifindex), 0);
	assert_int_equal(dhcp_stop(fx->ns, fx->ifindex), -ENOENT);
}

/* RFC 2131 4.1: REQUEST unanswered DHCP_REQUEST_TRIES times -> INIT. */
static void test_requesting_no_ack_falls_back_to_discover(void **state)
{
	struct fixture *fx = *state;
	uint64_t t = 0;
	int requests = 1;
	struct creq r;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	r = expect_client(fx);
	server_send(fx, 2, r.xid, SLIRP_ME, false);
	r = expect_client(fx);
	for (;;) {
		t += SEC / 2;
		net_poll(fx->ns, t);
		if (!capture_count(&fx->cap))
			continue;
		r = expect_client(fx);
		if (r.type == 1)
			break;
		requests++;
		assert_true(t < 300 * SEC);
	}
	assert_int_equal(requests, 4);
}

/* RFC 2131 4.4.1 / RFC 1122 3.3.1: the client installs a default route
 * only where none exists, and never deletes one it did not install: a
 * static default route on another interface survives bind and stop. */
static void test_bind_keeps_static_default_route_of_other_if(void **state)
{
	struct fixture *fx = *state;
	struct capture_netif cap2;
	const uint8_t mac2[6] = {0x52, 0x54, 0, 0, 0, 2};
	struct route_result rr;
	int if2 = capture_netif_add(&cap2, fx->ns, mac2, 1500, NULL);

	assert_int_equal(netif_set_up(fx->ns, if2, true), 0);
	assert_int_equal(netif_addr_add(fx->ns, if2, IP4(192, 168, 1, 10), 24), 0);
	assert_int_equal(route_add(fx->ns, 0, 0, IP4(192, 168, 1, 1), 0, 0), 0);
	bind_lease(fx);
	assert_int_equal(route_lookup(fx->ns, IP4(8, 8, 8, 8), &rr), 0);
	assert_int_equal(rr.ifindex, if2);
	assert_int_equal(rr.nexthop, IP4(192, 168, 1, 1));
	assert_int_equal(dhcp_stop(fx->ns, fx->ifindex), 0);
	assert_int_equal(route_lookup(fx->ns, IP4(8, 8, 8, 8), &rr), 0);
	assert_int_equal(rr.nexthop, IP4(192, 168, 1, 1));
	capture_purge(&cap2);
}

/* RFC 2131 4.4.5: when the lease goes the client removes its own default
 * route only; one an administrator put in its place stays. */
static void test_expiry_removes_only_own_default_route(void **state)
{
	struct fixture *fx = *state;
	struct route_result rr;
	struct pktbuf *p;

	bind_lease(fx);
	assert_int_equal(route_del(fx->ns, 0, 0), 0);
	assert_int_equal(route_add(fx->ns, 0, 0, IP4(10, 0, 2, 254), 0, 0), 0);
	net_poll(fx->ns, (uint64_t)LEASE_S * SEC);
	assert_int_equal(net_stat_get(fx->ns, NET_STAT_DHCP_LEASE_EXPIRED), 1);
	while ((p = capture_pop(&fx->cap)))
		pktbuf_free(p);
	/* The static route outlived the lease (its gateway is off-link now,
	 * but that is the administrator's business). */
	assert_int_equal(route_add(fx->ns, 0, 0, IP4(10, 0, 2, 254),
				   fx->ifindex, 0), -EEXIST);
	assert_int_equal(route_lookup(fx->ns, IP4(8, 8, 8, 8), &rr), 0);
	assert_int_equal(rr.nexthop, IP4(10, 0, 2, 254));
}

/* RFC 2131 3.3: a lease of 0xffffffff is infinite; T1/T2 never come. */
static void test_bound_infinite_lease_never_renews(void **state)
{
	struct fixture *fx = *state;
	struct dhcp_info info;
	struct srv m;
	struct creq r;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	r = expect_client(fx);
	server_send(fx, 2, r.xid, SLIRP_ME, false);
	r = expect_client(fx);
	m = srv_msg(5, r.xid, SLIRP_ME);
	m.lease = 0xffffffffu;
	server_send_msg(fx, &m);
	capture_purge(&fx->cap);
	assert_int_equal(dhcp_info_get(fx->ns, fx->ifindex, &info), 0);
	assert_int_equal(info.state, DHCP_BOUND);
	assert_int_equal(info.lease_s, 0xffffffffu);
	assert_true(info.t1_ns <= info.t2_ns && info.t2_ns <= info.expiry_ns);
	/* Half and 7/8 of 0xffffffff s, and far beyond: still bound, silent. */
	net_poll(fx->ns, 0x7fffffffull * SEC);
	net_poll(fx->ns, 0xffffffffull * 7 / 8 * SEC);
	net_poll(fx->ns, 0xffffffffull * SEC);
	net_poll(fx->ns, UINT64_MAX - 1);
	expect_no_tx(fx);
	assert_int_equal(dhcp_info_get(fx->ns, fx->ifindex, &info), 0);
	assert_int_equal(info.state, DHCP_BOUND);
	assert_int_equal(netif_addr_primary(fx->ns, fx->ifindex), SLIRP_ME);
}

/* RFC 2131 4.4.5: a long finite lease keeps T1 < T2 < expiry (no
 * overflow in the 7/8 arithmetic). */
static void test_bound_long_lease_timers_ordered(void **state)
{
	struct fixture *fx = *state;
	struct dhcp_info info;
	struct srv m;
	struct creq r;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	r = expect_client(fx);
	server_send(fx, 2, r.xid, SLIRP_ME, false);
	r = expect_client(fx);
	m = srv_msg(5, r.xid, SLIRP_ME);
	m.lease = 0xfffffffeu;
	server_send_msg(fx, &m);
	capture_purge(&fx->cap);
	assert_int_equal(dhcp_info_get(fx->ns, fx->ifindex, &info), 0);
	assert_int_equal(info.t1_ns, 0x7fffffffull * SEC);
	assert_int_equal(info.t2_ns, 0xfffffffeull * 7 / 8 * SEC);
	assert_int_equal(info.expiry_ns, 0xfffffffeull * SEC);
}

/* RFC 2131 4.4.1 / RFC 1122 3.2.1.3: an OFFER whose address cannot name
 * this host (0, loopback, multicast, class E, the subnet's broadcast or
 * network address) or whose server id is not a unicast address is
 * dropped and counted; the client keeps selecting. */
static void test_selecting_offer_bad_address_dropped(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		uint32_t yiaddr;
		uint32_t server;
	} bad[] = {
		{0, SLIRP_GW},
		{IP4(10, 0, 2, 255), SLIRP_GW},		/* subnet broadcast */
		{IP4(10, 0, 2, 0), SLIRP_GW},		/* subnet network */
		{IP4(127, 0, 0, 1), SLIRP_GW},
		{IP4(224, 0, 0, 5), SLIRP_GW},
		{IP4(240, 0, 0, 1), SLIRP_GW},
		{IP4_BROADCAST, SLIRP_GW},
		{SLIRP_ME, IP4(127, 0, 0, 1)},		/* loopback server */
		{SLIRP_ME, IP4(224, 0, 0, 9)},
		{SLIRP_ME, IP4_BROADCAST},
		{SLIRP_ME, 0},
	};
	struct dhcp_info info;
	struct creq r;
	size_t i;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	r = expect_client(fx);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct srv m = srv_msg(2, r.xid, bad[i].yiaddr);

		m.server = bad[i].server;
		server_send_msg(fx, &m);
		expect_no_tx(fx);
		assert_int_equal(net_stat_get(fx->ns, NET_STAT_DROP_DHCP_BAD_ADDR),
				 i + 1);
	}
	assert_int_equal(dhcp_info_get(fx->ns, fx->ifindex, &info), 0);
	assert_int_equal(info.state, DHCP_SELECTING);
	/* A good OFFER still works afterwards. */
	server_send(fx, 2, r.xid, SLIRP_ME, false);
	r = expect_client(fx);
	assert_int_equal(r.type, 3);
}

/* RFC 2131 4.4.1: an ACK for a subnet broadcast address is not applied. */
static void test_requesting_ack_bad_address_dropped(void **state)
{
	struct fixture *fx = *state;
	struct dhcp_info info;
	struct srv m;
	struct creq r;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	r = expect_client(fx);
	server_send(fx, 2, r.xid, SLIRP_ME, false);
	r = expect_client(fx);
	m = srv_msg(5, r.xid, IP4(10, 0, 0, 255));
	m.mask = 0xffffff00;
	server_send_msg(fx, &m);
	m = srv_msg(5, r.xid, SLIRP_ME);
	m.server = IP4(127, 0, 0, 1);
	server_send_msg(fx, &m);
	assert_int_equal(net_stat_get(fx->ns, NET_STAT_DROP_DHCP_BAD_ADDR), 2);
	assert_int_equal(dhcp_info_get(fx->ns, fx->ifindex, &info), 0);
	assert_int_equal(info.state, DHCP_REQUESTING);
	assert_int_equal(netif_addr_primary(fx->ns, fx->ifindex), 0);
	expect_no_tx(fx);
}

/* Inject UDP from the server's MAC to dst:dport on the client's link. */
static void udp_to(struct fixture *fx, uint32_t dst, uint16_t dport)
{
	uint8_t f[128], u[64], d[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	size_t n, ul;

	ul = tb_udp(u, SLIRP_GW, dst, 67, dport, d, sizeof(d), true);
	n = tb_eth(f, MAC_US, mac_srv, 0x0800);
	n += tb_ipv4(f + n, SLIRP_GW, dst, 17, 9, 0, 64, ul);
	memcpy(f + n, u, ul);
	inject(fx, f, n + ul);
}

/* RFC 1122 3.3.4 / RFC 2131 4.1: an interface without an address takes
 * only what a DHCP client there needs: UDP to port 68. Anything else
 * unicast to a foreign address is not for us. */
static void test_no_address_only_dhcp_client_port_accepted(void **state)
{
	struct fixture *fx = *state;
	uint64_t not_us = net_stat_get(fx->ns, NET_STAT_DROP_IP_NOT_FOR_US);

	/* No DHCP client: nothing is for us, not even port 68. */
	udp_to(fx, IP4(10, 9, 9, 9), 7777);
	udp_to(fx, SLIRP_ME, 68);
	assert_int_equal(net_stat_get(fx->ns, NET_STAT_DROP_IP_NOT_FOR_US),
			 not_us + 2);
	expect_no_tx(fx);
	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	capture_purge(&fx->cap);
	udp_to(fx, IP4(10, 9, 9, 9), 7777);
	assert_int_equal(net_stat_get(fx->ns, NET_STAT_DROP_IP_NOT_FOR_US),
			 not_us + 3);
	assert_int_equal(net_stat_get(fx->ns, NET_STAT_DROP_UDP_NO_PORT), 0);
	expect_no_tx(fx);
}

/* RFC 2131 4.1: before it has an address the client accepts an OFFER
 * unicast to the offered address. */
static void test_selecting_unicast_offer_accepted(void **state)
{
	struct fixture *fx = *state;
	struct creq r;
	struct srv m;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	r = expect_client(fx);
	m = srv_msg(2, r.xid, SLIRP_ME);
	m.ip_dst = SLIRP_ME;
	server_send_msg(fx, &m);
	r = expect_client(fx);
	assert_int_equal(r.type, 3);
}

/* RFC 2131 figure 1: emit then parse gives back every field, at the
 * offsets the RFC gives them, with sname/file zero and the cookie. */
static void test_dhcp_hdr_emit_parse_round_trip(void **state)
{
	struct dhcp_hdr in = {.op = DHCP_BOOTREPLY, .hops = 2,
			      .xid = 0xdeadbeef, .secs = 513,
			      .flags = DHCP_FLAG_BROADCAST,
			      .ciaddr = IP4(1, 2, 3, 4), .yiaddr = SLIRP_ME,
			      .siaddr = IP4(5, 6, 7, 8),
			      .giaddr = IP4(9, 10, 11, 12)}, out;
	enum net_stat why;
	uint8_t b[DHCP_HDR_LEN + 1];
	size_t i;

	(void)state;
	memcpy(in.chaddr, MAC_US, 6);
	memset(b, 0xaa, sizeof(b));
	memset(&out, 0, sizeof(out));
	dhcp_hdr_emit(&in, b);
	assert_int_equal(b[0], 2);
	assert_int_equal(b[1], 1);
	assert_int_equal(b[2], 6);
	assert_int_equal(b[3], 2);
	assert_int_equal(get_be32(b + 4), 0xdeadbeef);
	assert_int_equal(get_be16(b + 8), 513);
	assert_int_equal(get_be16(b + 10), 0x8000);
	assert_int_equal(get_be32(b + 12), IP4(1, 2, 3, 4));
	assert_int_equal(get_be32(b + 16), SLIRP_ME);
	assert_int_equal(get_be32(b + 20), IP4(5, 6, 7, 8));
	assert_int_equal(get_be32(b + 24), IP4(9, 10, 11, 12));
	assert_memory_equal(b + 28, MAC_US, 6);
	for (i = 34; i < 236; i++)		/* chaddr pad, sname, file */
		assert_int_equal(b[i], 0);
	assert_int_equal(get_be32(b + 236), 0x63825363);
	assert_int_equal(b[DHCP_HDR_LEN], 0xaa);	/* nothing past it */
	assert_int_equal(dhcp_hdr_parse(b, DHCP_HDR_LEN, &out, &why), 0);
	assert_int_equal(out.op, DHCP_BOOTREPLY);
	assert_int_equal(out.hops, 2);
	assert_int_equal(out.xid, 0xdeadbeef);
	assert_int_equal(out.secs, 513);
	assert_int_equal(out.flags, DHCP_FLAG_BROADCAST);
	assert_int_equal(out.ciaddr, IP4(1, 2, 3, 4));
	assert_int_equal(out.yiaddr, SLIRP_ME);
	assert_int_equal(out.siaddr, IP4(5, 6, 7, 8));
	assert_int_equal(out.giaddr, IP4(9, 10, 11, 12));
	assert_memory_equal(out.chaddr, MAC_US, 6);
}

/* RFC 2131 2 and 3: a table of malformed fixed parts, each rejected. */
static void test_dhcp_hdr_parse_malformed_table_einval(void **state)
{
	static const struct {
		const char *what;
		size_t off;		/* byte to set */
		uint8_t val;
		size_t len;		/* bytes handed to parse */
	} cases[] = {
		{"empty", 0, 2, 0},
		{"no cookie", 0, 2, 236},
		{"cookie cut", 0, 2, 239},
		{"op 0", 0, 0, 240},
		{"op 3", 0, 3, 240},
		{"htype 6 (IEEE 802)", 1, 6, 240},
		{"hlen 16", 2, 16, 240},
		{"hlen 0", 2, 0, 240},
		{"cookie first byte", 236, 0x64, 240},
		{"cookie last byte", 239, 0x64, 240},
	};
	struct dhcp_hdr good = {.op = DHCP_BOOTREPLY, .xid = 7};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[DHCP_HDR_LEN];
		struct dhcp_hdr h;
		enum net_stat why = NET_STAT_COUNT;

		dhcp_hdr_emit(&good, b);
		b[cases[i].off] = cases[i].val;
		if (dhcp_hdr_parse(b, cases[i].len, &h, &why) != -EINVAL ||
		    why != NET_STAT_DROP_DHCP_BAD)
			fail_msg("case '%s': not rejected", cases[i].what);
	}
}

/* The client counts malformed replies (short, bad op, htype, cookie) and
 * a BOOTREQUEST from another client, and keeps selecting. */
static void test_selecting_malformed_replies_dropped(void **state)
{
	struct fixture *fx = *state;
	static const struct {
		size_t off;
		uint8_t val;
	} cases[] = {
		{0, 1},		/* op BOOTREQUEST */
		{1, 6},		/* htype */
		{2, 8},		/* hlen */
		{238, 0},	/* cookie */
	};
	struct creq r;
	size_t i;

	assert_int_equal(dhcp_start(fx->ns, fx->ifindex), 0);
	r = expect_client(fx);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t f[700] = {0}, d[300] = {0}, u[320];
		struct dhcp_hdr h = {.op = DHCP_BOOTREPLY, .xid = r.xid,
				     .yiaddr = SLIRP_ME};
		size_t n, ul;

		memcpy(h.chaddr, MAC_US, 6);
		dhcp_hdr_emit(&h, d);
		d[240] = 53; d[241] = 1; d[242] = 2; d[243] = 255;
		d[cases[i].off] = cases[i].val;
		ul = tb_udp(u, SLIRP_GW, IP4_BROADCAST, 67, 68, d, sizeof(d), true);
		n = tb_eth(f, MAC_BCAST, mac_srv, 0x0800);
		n += tb_ipv4(f + n, SLIRP_GW, IP4_BROADCAST, 17, 1, 0, 64, ul);
		memcpy(f + n, u, ul);
		inject(fx, f, n + ul);
		assert_int_equal(net_stat_get(fx->ns, NET_STAT_DROP_DHCP_BAD), i + 1);
		expect_no_tx(fx);
	}
}

int main(void)
{
#define D(fn) cmocka_unit_test_setup_teardown(fn, dhcp_setup, fixture_teardown)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dhcp_hdr_emit_parse_round_trip),
		cmocka_unit_test(test_dhcp_hdr_parse_malformed_table_einval),
		D(test_selecting_malformed_replies_dropped),
		D(test_init_offer_ack_binds_and_configures),
		D(test_selecting_foreign_or_bad_reply_ignored),
		D(test_selecting_no_offer_retransmits_with_backoff),
		D(test_requesting_nak_restarts_discovery),
		D(test_bound_t1_renews_unicast),
		D(test_no_server_rebinds_then_expires),
		D(test_requesting_no_ack_falls_back_to_discover),
		D(test_bind_keeps_static_default_route_of_other_if),
		D(test_expiry_removes_only_own_default_route),
		D(test_bound_infinite_lease_never_renews),
		D(test_bound_long_lease_timers_ordered),
		D(test_selecting_offer_bad_address_dropped),
		D(test_requesting_ack_bad_address_dropped),
		D(test_no_address_only_dhcp_client_port_accepted),
		D(test_selecting_unicast_offer_accepted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

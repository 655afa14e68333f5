/*
 * dhcp.c: DHCP client, RFC 2131 (message format from RFC 951/1542,
 * options from RFC 2132).
 *
 * Promises: per interface, INIT -> SELECTING (DISCOVER, broadcast flag set
 * so a server without ARP for us - like QEMU's slirp - can answer) ->
 * REQUESTING -> BOUND; renew at T1 by unicast to the server, rebind at T2 by
 * broadcast, and on expiry or NAK remove the address and start over.
 * Retransmission follows RFC 2131 4.1: 4, 8, 16, 32, 64 s, +-1 s of
 * randomness; REQUESTING gives up after DHCP_REQUEST_TRIES. In RENEWING and
 * REBINDING the wait is half the time left, at least 60 s (4.4.5). On ACK
 * the address (yiaddr), netmask (option 1) and router (option 3) are applied
 * to the interface and routing table; DNS servers (option 6) are kept for
 * apps. The default route is installed only where none exists, and the
 * client removes only the route it installed. An infinite lease
 * (0xffffffff, RFC 2131 3.3) is never renewed. Malformed or foreign
 * (xid/chaddr) replies, and OFFERs or ACKs whose address or server id
 * cannot name a host (RFC 1122 3.2.1.3), are dropped and counted.
 * Deviations: no INIT-REBOOT, no DHCPDECLINE after ARP probing, no
 * DHCPRELEASE on stop, option overload (52) ignored; the first OFFER wins.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "byteorder.h"
#include "dhcp.h"
#include "netconf.h"

#define SEC			1000000000ull
#define DHCP_MAGIC		0x63825363u	/* RFC 2131 3 */
#define DHCP_MAGIC_OFF		236	/* after the fixed fields */
#define DHCP_MIN_LEN		300	/* BOOTP minimum; some servers insist */
#define DHCP_MAX_LEN		576
#define DHCP_REQUEST_TRIES	4
#define DHCP_BACKOFF_MAX_S	64
#define DHCP_LEASE_INFINITE	0xffffffffu	/* RFC 2131 3.3 */

enum {
	DHCPDISCOVER = 1, DHCPOFFER, DHCPREQUEST, DHCPDECLINE, DHCPACK,
	DHCPNAK, DHCPRELEASE,
};

enum {
	OPT_PAD = 0, OPT_MASK = 1, OPT_ROUTER = 3, OPT_DNS = 6,
	OPT_REQ_IP = 50, OPT_LEASE = 51, OPT_MSG_TYPE = 53, OPT_SERVER = 54,
	OPT_PARAMS = 55, OPT_T1 = 58, OPT_T2 = 59, OPT_CLIENT_ID = 61,
	OPT_END = 255,
};

struct dhcp_client {
	struct netstack *ns;
	int ifindex;
	struct udp_pcb *pcb;
	enum dhcp_state state;
	uint32_t xid;
	uint32_t tries;		/* transmissions in this state */
	uint64_t timer;		/* next retransmission */
	uint64_t started;	/* for the secs field */
	struct dhcp_info info;	/* the lease (or offer) */
	uint32_t applied_addr;	/* what we put on the interface */
	uint8_t applied_prefix;
	uint32_t applied_gw;	/* default route we installed, 0: none */
};

/* The parsed options we act on. */
struct dhcp_msg {
	uint8_t type;
	uint32_t yiaddr;
	uint32_t server;
	uint32_t mask;
	bool has_mask;
	uint32_t router;
	uint32_t dns[2];
	uint32_t lease_s;
	uint32_t t1_s;
	uint32_t t2_s;
};

static struct dhcp_client *dhcp_client_of(struct netstack *ns, int ifindex)
{
	struct netif *nif = netif_lookup(ns, ifindex);

	return nif ? nif->dhcp : NULL;
}

/* RFC 2131 4.1: exponential backoff with +-1 s of randomisation. */
static uint64_t dhcp_backoff(struct dhcp_client *c)
{
	uint32_t s = 4u << (c->tries < 4 ? c->tries : 4);
	int64_t jitter = (int64_t)(net_random(c->ns) % 2001) - 1000;

	if (s > DHCP_BACKOFF_MAX_S)
		s = DHCP_BACKOFF_MAX_S;
	return (uint64_t)((int64_t)s * 1000 + jitter) * 1000000ull;
}

static uint8_t *opt_put(uint8_t *o, uint8_t code, uint8_t len, const void *v)
{
	o[0] = code;
	o[1] = len;
	memcpy(o + 2, v, len);
	return o + 2 + len;
}

/* RFC 2131 2, figure 1 (RFC 951 for the BOOTP fields). */
int dhcp_hdr_parse(const uint8_t *buf, size_t len, struct dhcp_hdr *h,
		   enum net_stat *why)
{
	*why = NET_STAT_DROP_DHCP_BAD;
	if (len < DHCP_HDR_LEN)
		return -EINVAL;
	if ((buf[0] != DHCP_BOOTREQUEST && buf[0] != DHCP_BOOTREPLY) ||
	    buf[1] != 1 || buf[2] != ETH_ALEN ||
	    get_be32(buf + DHCP_MAGIC_OFF) != DHCP_MAGIC)
		return -EINVAL;
	h->op = buf[0];
	h->hops = buf[3];
	h->xid = get_be32(buf + 4);
	h->secs = get_be16(buf + 8);
	h->flags = get_be16(buf + 10);
	h->ciaddr = get_be32(buf + 12);
	h->yiaddr = get_be32(buf + 16);
	h->siaddr = get_be32(buf + 20);
	h->giaddr = get_be32(buf + 24);
	memcpy(h->chaddr, buf + 28, ETH_ALEN);
	return 0;
}

void dhcp_hdr_emit(const struct dhcp_hdr *h, uint8_t *buf)
{
	memset(buf, 0, DHCP_HDR_LEN);
	buf[0] = h->op;
	buf[1] = 1;			/* htype: Ethernet */
	buf[2] = ETH_ALEN;		/* hlen */
	buf[3] = h->hops;
	put_be32(buf + 4, h->xid);
	put_be16(buf + 8, h->secs);
	put_be16(buf + 10, h->flags);
	put_be32(buf + 12, h->ciaddr);
	put_be32(buf + 16, h->yiaddr);
	put_be32(buf + 20, h->siaddr);
	put_be32(buf + 24, h->giaddr);
	memcpy(buf + 28, h->chaddr, ETH_ALEN);	/* rest of the 16 stays 0 */
	put_be32(buf + DHCP_MAGIC_OFF, DHCP_MAGIC);
}

/* RFC 2131 4.4.1 table 5: fields and options per message and state. */
static int dhcp_send(struct dhcp_client *c, uint8_t type)
{
	static const uint8_t params[] = {OPT_MASK, OPT_ROUTER, OPT_DNS,
					 OPT_LEASE, OPT_SERVER, OPT_T1, OPT_T2};
	struct netif *nif = netif_lookup(c->ns, c->ifindex);
	uint8_t m[DHCP_MAX_LEN], v[7], *o;
	struct dhcp_hdr h;
	uint64_t secs = (c->ns->now - c->started) / SEC;
	bool unicast = c->state == DHCP_RENEWING;
	size_t len;

	memset(m, 0, sizeof(m));
	memset(&h, 0, sizeof(h));
	h.op = DHCP_BOOTREQUEST;
	h.xid = c->xid;
	h.secs = (uint16_t)(secs > 0xffff ? 0xffff : secs);
	/* RFC 2131 4.1: ask for broadcast replies until we have an address. */
	if (!unicast && c->state != DHCP_REBINDING)
		h.flags = DHCP_FLAG_BROADCAST;
	if (c->state == DHCP_RENEWING || c->state == DHCP_REBINDING)
		h.ciaddr = c->info.addr;
	memcpy(h.chaddr, nif->mac, ETH_ALEN);
	dhcp_hdr_emit(&h, m);
	o = m + DHCP_HDR_LEN;
	o = opt_put(o, OPT_MSG_TYPE, 1, &type);
	v[0] = 1;
	memcpy(v + 1, nif->mac, ETH_ALEN);
	o = opt_put(o, OPT_CLIENT_ID, 7, v);
	if (c->state == DHCP_REQUESTING) {
		put_be32(v, c->info.addr);
		o = opt_put(o, OPT_REQ_IP, 4, v);
		put_be32(v, c->info.server);
		o = opt_put(o, OPT_SERVER, 4, v);
	}
	o = opt_put(o, OPT_PARAMS, sizeof(params), params);
	*o++ = OPT_END;
	len = (size_t)(o - m);
	if (len < DHCP_MIN_LEN)
		len = DHCP_MIN_LEN;
	return udp_sendto(c->ns, c->pcb, unicast ? c->info.server : IP4_BROADCAST,
			  DHCP_SERVER_PORT, m, len);
}

static void dhcp_unapply(struct dhcp_client *c)
{
	/* Only the route we installed: the default route may since have been
	 * replaced by a static one, which is not ours to remove. */
	if (c->applied_gw)
		route_del_via(c->ns, 0, 0, c->applied_gw, c->ifindex);
	if (c->applied_addr)
		netif_addr_del(c->ns, c->ifindex, c->applied_addr,
			       c->applied_prefix);
	c->applied_gw = 0;
	c->applied_addr = 0;
}

/* RFC 2131 4.4.1: INIT sends DISCOVER and moves to SELECTING. */
static void dhcp_discover(struct dhcp_client *c)
{
	dhcp_unapply(c);
	memset(&c->info, 0, sizeof(c->info));
	c->xid = net_random(c->ns);
	c->started = c->ns->now;
	c->state = DHCP_SELECTING;
	c->tries = 0;
	dhcp_send(c, DHCPDISCOVER);
	c->timer = c->ns->now + dhcp_backoff(c);
}

static uint8_t mask_prefix(uint32_t mask, uint32_t addr)
{
	uint8_t n = 0;

	if (!mask) {
		/* RFC 2131 doesn't mandate option 1; use the classful mask. */
		return (addr >> 31) == 0 ? 8 : (addr >> 30) == 2 ? 16 : 24;
	}
	while (n < 32 && (mask & (0x80000000u >> n)))
		n++;
	return n;
}

/* RFC 2131 4.4.1: DHCPACK - configure the interface and the timers. */

/* Appends the decimal digits of v at p; returns the new end. (net/ has no printf.) */
static char *dhcp_put_dec(char *p, uint32_t v)
{
	char tmp[10];
	int n = 0;
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *dhcp_put_str(char *p, const char *s)
{
	size_t n = strlen(s);
	memcpy(p, s, n);
	return p + n;
}

/* "dhcp: lease bound: 10.0.2.15/24 router 10.0.2.2, 86400 s": what a reader of the boot log wants. */
static void dhcp_log_bound(struct netstack *ns, const struct dhcp_client *c)
{
	char msg[96], a[16], *p = msg;
	p = dhcp_put_str(p, "dhcp: lease bound: ");
	p = dhcp_put_str(p, ip4_format(c->info.addr, a));
	*p++ = '/';
	p = dhcp_put_dec(p, c->info.prefix);
	if (c->info.router) {
		p = dhcp_put_str(p, " router ");
		p = dhcp_put_str(p, ip4_format(c->info.router, a));
	}
	p = dhcp_put_str(p, ", lease ");
	p = dhcp_put_dec(p, c->info.lease_s);
	p = dhcp_put_str(p, " s");
	*p = 0;
	net_log(ns, NET_LOG_INFO, msg);
}

/*
 * RFC 2131 4.4.1 / RFC 2132 3.5: the router option becomes the default
 * route, unless one exists already (static, or another interface's
 * lease): the first default route wins and is never taken away. A router
 * that changes at renewal replaces only the route this client installed;
 * an ACK without the option leaves the route as it is.
 */
static void dhcp_apply_router(struct dhcp_client *c, uint32_t router)
{
	if (!router || c->applied_gw == router)
		return;
	if (c->applied_gw)
		route_del_via(c->ns, 0, 0, c->applied_gw, c->ifindex);
	c->applied_gw = 0;
	if (route_add(c->ns, 0, 0, router, c->ifindex, 0) == 0)
		c->applied_gw = router;
}

/* now + s seconds, saturating: UINT64_MAX means never. */
static uint64_t dhcp_after(uint64_t now, uint64_t s)
{
	uint64_t d = s * SEC;	/* s < 2^32, so no overflow here */

	return d > UINT64_MAX - now ? UINT64_MAX : now + d;
}

/*
 * RFC 2131 4.4.5: T1 defaults to 0.5 and T2 to 0.875 of the lease; keep
 * T1 <= T2 <= expiry whatever the server sent. RFC 2131 3.3: a lease of
 * 0xffffffff is infinite, so the timers never fire and we never renew.
 */
static void dhcp_set_timers(struct dhcp_client *c, const struct dhcp_msg *msg,
			    uint32_t lease)
{
	uint64_t now = c->ns->now, t1_s, t2_s;

	if (lease == DHCP_LEASE_INFINITE) {
		c->info.t1_ns = c->info.t2_ns = c->info.expiry_ns = UINT64_MAX;
		return;
	}
	t2_s = msg->t2_s ? msg->t2_s : (uint64_t)lease * 7 / 8;
	if (t2_s > lease)
		t2_s = lease;
	t1_s = msg->t1_s ? msg->t1_s : (uint64_t)lease / 2;
	if (t1_s > t2_s)
		t1_s = t2_s;
	c->info.t1_ns = dhcp_after(now, t1_s);
	c->info.t2_ns = dhcp_after(now, t2_s);
	c->info.expiry_ns = dhcp_after(now, lease);
}

static void dhcp_bind(struct dhcp_client *c, const struct dhcp_msg *msg)
{
	struct netstack *ns = c->ns;
	uint8_t prefix = mask_prefix(msg->has_mask ? msg->mask : 0, msg->yiaddr);
	uint32_t lease = msg->lease_s ? msg->lease_s : 3600;

	if (c->applied_addr != msg->yiaddr || c->applied_prefix != prefix) {
		dhcp_unapply(c);
		if (netif_addr_add(ns, c->ifindex, msg->yiaddr, prefix) == 0) {
			c->applied_addr = msg->yiaddr;
			c->applied_prefix = prefix;
		}
	}
	dhcp_apply_router(c, msg->router);
	c->info.addr = msg->yiaddr;
	c->info.prefix = prefix;
	c->info.router = msg->router;
	if (msg->server)
		c->info.server = msg->server;
	c->info.dns[0] = msg->dns[0];
	c->info.dns[1] = msg->dns[1];
	c->info.lease_s = lease;
	dhcp_set_timers(c, msg, lease);
	c->state = DHCP_BOUND;
	c->info.state = DHCP_BOUND;
	c->tries = 0;
	net_count(ns, NET_STAT_DHCP_LEASE_ACQUIRED);
	dhcp_log_bound(ns, c);
}

/* RFC 2132: walk the options, bounds-checked; false if malformed. */
static bool dhcp_parse_opts(const uint8_t *o, size_t len, struct dhcp_msg *m)
{
	size_t i = 0;

	while (i < len) {
		uint8_t code = o[i], l;
		const uint8_t *v;

		if (code == OPT_PAD) {
			i++;
			continue;
		}
		if (code == OPT_END)
			return m->type != 0;
		if (i + 2 > len || i + 2 + o[i + 1] > len)
			return false;
		l = o[i + 1];
		v = o + i + 2;
		switch (code) {
		case OPT_MSG_TYPE:
			if (l != 1)
				return false;
			m->type = v[0];
			break;
		case OPT_MASK:
			if (l != 4)
				return false;
			m->mask = get_be32(v);
			m->has_mask = true;
			break;
		case OPT_ROUTER:
			if (l < 4 || l % 4)
				return false;
			m->router = get_be32(v);
			break;
		case OPT_DNS:
			if (l < 4 || l % 4)
				return false;
			m->dns[0] = get_be32(v);
			if (l >= 8)
				m->dns[1] = get_be32(v + 4);
			break;
		case OPT_SERVER:
		case OPT_LEASE:
		case OPT_T1:
		case OPT_T2:
			if (l != 4)
				return false;
			if (code == OPT_SERVER)
				m->server = get_be32(v);
			else if (code == OPT_LEASE)
				m->lease_s = get_be32(v);
			else if (code == OPT_T1)
				m->t1_s = get_be32(v);
			else
				m->t2_s = get_be32(v);
			break;
		default:
			break;
		}
		i += 2u + l;
	}
	/* RFC 2131 4.1: options end with END; tolerate its absence. */
	return m->type != 0;
}

/* RFC 1122 3.2.1.3: a unicast address some host may have: not 0, 127/8,
 * multicast, or class E (which holds the limited broadcast). */
static bool dhcp_unicast_ok(uint32_t a)
{
	return a && !ip4_is_loopback(a) && !ip4_is_multicast(a) &&
	       !ip4_is_class_e(a);
}

/*
 * RFC 2131 4.4.1 / RFC 1122 3.2.1.3: the offered address must be able to
 * name this host, so not the subnet's broadcast or network address (host
 * part all ones or all zeros) either; the server id must be a unicast
 * address, as we may send to it (RENEWING). An ACK may omit the server id.
 */
static bool dhcp_msg_addrs_ok(const struct dhcp_msg *m)
{
	uint8_t prefix = mask_prefix(m->has_mask ? m->mask : 0, m->yiaddr);
	uint32_t host = m->yiaddr & ~ip4_mask(prefix);

	if (m->type == DHCPOFFER || m->type == DHCPACK) {
		if (!dhcp_unicast_ok(m->yiaddr))
			return false;
		if (prefix < 31 && (host == 0 || host == ~ip4_mask(prefix)))
			return false;
	}
	if (m->server || m->type == DHCPOFFER)
		return dhcp_unicast_ok(m->server);
	return true;
}

/* RFC 2131 4.4 figure 5: the client's reaction to a server message. */
static void dhcp_input(void *arg, const struct udp_meta *um,
		       const uint8_t *d, size_t len)
{
	struct dhcp_client *c = arg;
	struct netstack *ns = c->ns;
	struct netif *nif = netif_lookup(ns, c->ifindex);
	struct dhcp_msg msg;
	struct dhcp_hdr h;
	enum net_stat why;

	if (dhcp_hdr_parse(d, len, &h, &why)) {
		net_drop(ns, nif, why);
		return;
	}
	if (um->sport != DHCP_SERVER_PORT || h.op != DHCP_BOOTREPLY) {
		net_drop(ns, nif, NET_STAT_DROP_DHCP_BAD);
		return;
	}
	if (h.xid != c->xid || memcmp(h.chaddr, nif->mac, ETH_ALEN)) {
		net_drop(ns, nif, NET_STAT_DROP_DHCP_NOT_OURS);
		return;
	}
	memset(&msg, 0, sizeof(msg));
	msg.yiaddr = h.yiaddr;
	if (!dhcp_parse_opts(d + DHCP_HDR_LEN, len - DHCP_HDR_LEN, &msg)) {
		net_drop(ns, nif, NET_STAT_DROP_DHCP_BAD);
		return;
	}
	if (!dhcp_msg_addrs_ok(&msg)) {
		net_drop(ns, nif, NET_STAT_DROP_DHCP_BAD_ADDR);
		return;
	}
	switch (c->state) {
	case DHCP_SELECTING:
		/* RFC 2131 4.4.1: collect an OFFER, then REQUEST it. */
		if (msg.type != DHCPOFFER)
			break;
		c->info.addr = msg.yiaddr;
		c->info.server = msg.server;
		c->state = DHCP_REQUESTING;
		c->tries = 0;
		dhcp_send(c, DHCPREQUEST);
		c->timer = ns->now + dhcp_backoff(c);
		break;
	case DHCP_REQUESTING:
	case DHCP_RENEWING:
	case DHCP_REBINDING:
		if (msg.type == DHCPACK) {
			dhcp_bind(c, &msg);
		} else if (msg.type == DHCPNAK) {
			/* RFC 2131 3.1.5 / 4.4.4: NAK restarts from INIT. */
			net_count(ns, NET_STAT_DHCP_NAK);
			dhcp_discover(c);
		}
		break;
	default:
		break;
	}
	c->info.state = c->state;	/* dhcp_info_get() sees it at once */
}

static uint64_t dhcp_half_left(uint64_t now, uint64_t until)
{
	uint64_t half = until > now ? (until - now) / 2 : 0;

	return now + (half > 60 * SEC ? half : 60 * SEC);
}

/* RFC 2131 4.4.5: T1, T2 and expiry; retransmissions in every state. */
static void dhcp_timers(struct dhcp_client *c)
{
	struct netstack *ns = c->ns;
	uint64_t now = ns->now;

	switch (c->state) {
	case DHCP_INIT:
		dhcp_discover(c);
		break;
	case DHCP_SELECTING:
		if (now < c->timer)
			break;
		c->tries++;
		dhcp_send(c, DHCPDISCOVER);
		c->timer = now + dhcp_backoff(c);
		break;
	case DHCP_REQUESTING:
		if (now < c->timer)
			break;
		if (++c->tries >= DHCP_REQUEST_TRIES) {
			dhcp_discover(c);
			break;
		}
		dhcp_send(c, DHCPREQUEST);
		c->timer = now + dhcp_backoff(c);
		break;
	case DHCP_BOUND:
		if (now < c->info.t1_ns)
			break;
		c->state = DHCP_RENEWING;
		c->timer = 0;
		/* fall through */
	case DHCP_RENEWING:
		if (now >= c->info.t2_ns) {
			c->state = DHCP_REBINDING;
			c->timer = 0;
		} else {
			if (now >= c->timer) {
				dhcp_send(c, DHCPREQUEST);
				c->timer = dhcp_half_left(now, c->info.t2_ns);
			}
			break;
		}
		/* fall through */
	case DHCP_REBINDING:
		if (now >= c->info.expiry_ns) {
			net_count(ns, NET_STAT_DHCP_LEASE_EXPIRED);
			dhcp_discover(c);
		} else if (now >= c->timer) {
			dhcp_send(c, DHCPREQUEST);
			c->timer = dhcp_half_left(now, c->info.expiry_ns);
		}
		break;
	default:
		break;
	}
	c->info.state = c->state;
}

void dhcp_poll(struct netstack *ns)
{
	int i;

	for (i = 0; i < NETIF_MAX; i++)
		if (ns->ifs[i] && ns->ifs[i]->dhcp)
			dhcp_timers(ns->ifs[i]->dhcp);
}

int dhcp_start(struct netstack *ns, int ifindex)
{
	struct netif *nif;
	struct dhcp_client *c;
	int ret;

	net_lock(ns);
	nif = netif_lookup(ns, ifindex);
	if (!nif || nif->loopback) {
		ret = nif ? -EINVAL : -ENODEV;
		goto out_unlock;
	}
	if (nif->dhcp) {
		ret = -EALREADY;
		goto out_unlock;
	}
	c = net_alloc(ns, sizeof(*c));
	if (!c) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	c->ns = ns;
	c->ifindex = ifindex;
	ret = udp_bind(ns, DHCP_CLIENT_PORT, ifindex, dhcp_input, c, &c->pcb);
	if (ret < 0) {
		net_free(ns, c, sizeof(*c));
		goto out_unlock;
	}
	nif->dhcp = c;
	c->state = DHCP_INIT;
	dhcp_discover(c);
	c->info.state = c->state;
out_unlock:
	net_unlock(ns);
	return ret;
}

void dhcp_detach(struct netstack *ns, struct netif *nif)
{
	struct dhcp_client *c = nif->dhcp;

	if (!c)
		return;
	udp_unbind(ns, c->pcb);
	nif->dhcp = NULL;
	net_free(ns, c, sizeof(*c));
}

int dhcp_stop(struct netstack *ns, int ifindex)
{
	struct dhcp_client *c;
	int ret = 0;

	net_lock(ns);
	c = dhcp_client_of(ns, ifindex);
	if (!c) {
		ret = -ENOENT;
	} else {
		dhcp_unapply(c);
		dhcp_detach(ns, netif_lookup(ns, ifindex));
	}
	net_unlock(ns);
	return ret;
}

int dhcp_info_get(struct netstack *ns, int ifindex, struct dhcp_info *out)
{
	struct dhcp_client *c;

	net_lock(ns);
	c = dhcp_client_of(ns, ifindex);
	if (c)
		*out = c->info;
	net_unlock(ns);
	return c ? 0 : -ENOENT;
}

/* RFC 2131 4.4.5: the next retransmission, T1, T2 or expiry of any client. */
static uint64_t dhcp_client_deadline(const struct dhcp_client *c)
{
	switch (c->state) {
	case DHCP_INIT:
		return 0;
	case DHCP_SELECTING:
	case DHCP_REQUESTING:
		return c->timer;
	case DHCP_BOUND:
		return c->info.t1_ns;
	case DHCP_RENEWING:
		return c->timer < c->info.t2_ns ? c->timer : c->info.t2_ns;
	case DHCP_REBINDING:
		return c->timer < c->info.expiry_ns ? c->timer
						    : c->info.expiry_ns;
	default:
		return UINT64_MAX;
	}
}

uint64_t dhcp_next_deadline(struct netstack *ns)
{
	uint64_t next = UINT64_MAX;
	int i;

	for (i = 0; i < NETIF_MAX; i++) {
		struct netif *nif = ns->ifs[i];
		uint64_t d;

		if (!nif || !nif->dhcp)
			continue;
		d = dhcp_client_deadline(nif->dhcp);
		if (d < next)
			next = d;
	}
	return next;
}

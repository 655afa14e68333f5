/*
 * icmp.c: the Internet Control Message Protocol, RFC 792, with the host
 * rules of RFC 1122 3.2.2.
 *
 * Promises: echo requests of any size that reassembles are answered in
 * place (the request's buffer becomes the reply); requests to broadcast or
 * multicast addresses are not answered (RFC 1122 3.2.2.6 allows either).
 * Echo replies go to the handler set by icmp_echo_handler_set(), with the
 * RTT when the (dst, id, seq) is among the last ICMP_ECHO_REMEMBER sent.
 * Errors (destination unreachable, time exceeded) are sent through a token
 * bucket (par.icmp_rate_per_s, par.icmp_burst) and never about an ICMP
 * error, a non-first fragment, a link-layer broadcast, or a datagram to a
 * broadcast or multicast address: icmp_send_error() is the one place that
 * guard lives. Sources were validated by ip_input().
 * Received destination unreachable and time exceeded messages go to TCP
 * (tcp_icmp.c: RFC 5927 checks, PMTUD); UDP's are only counted.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "byteorder.h"
#include "checksum.h"
#include "tcp_priv.h"

#define SEC 1000000000ull

/* RFC 792: type(1) code(1) checksum(2) rest(4), checksum over it all. */
int icmp_hdr_parse(const uint8_t *msg, size_t len, struct icmp_hdr *h,
		   enum net_stat *why)
{
	if (len < ICMP_HDR_LEN) {
		*why = NET_STAT_DROP_ICMP_SHORT;
		return -EINVAL;
	}
	if (inet_csum(msg, len) != 0) {
		*why = NET_STAT_DROP_ICMP_CHECKSUM;
		return -EINVAL;
	}
	h->type = msg[0];
	h->code = msg[1];
	h->csum = get_be16(msg + 2);
	h->id = get_be16(msg + 4);
	h->seq = get_be16(msg + 6);
	return 0;
}

/* RFC 792: "For computing the checksum, the checksum field should be zero." */
void icmp_hdr_emit(const struct icmp_hdr *h, uint8_t *msg, size_t len)
{
	msg[0] = h->type;
	msg[1] = h->code;
	put_be16(msg + 2, 0);
	put_be16(msg + 4, h->id);
	put_be16(msg + 6, h->seq);
	put_be16(msg + 2, inet_csum(msg, len));
}

void icmp_init(struct netstack *ns)
{
	ns->icmp.tokens_milli = (uint64_t)ns->par.icmp_burst * 1000;
	ns->icmp.last_refill = ns->now;
}

void icmp_echo_handler_set(struct netstack *ns,
			   void (*fn)(void *arg,
				      const struct icmp_echo_reply *r),
			   void *arg)
{
	net_lock(ns);
	ns->icmp.echo_fn = fn;
	ns->icmp.echo_arg = arg;
	net_unlock(ns);
}

/* RFC 792 "Echo or Echo Reply Message": swap addresses, type 8 -> 0. */
static void icmp_echo_reply_send(struct netstack *ns, struct netif *nif,
				 struct pktbuf *p, const struct ip_hdr *h,
				 struct icmp_hdr *ih)
{
	struct ip_out o;

	if (netif_is_bcast(nif, h->dst) || ip4_is_multicast(h->dst)) {
		net_drop(ns, nif, NET_STAT_DROP_ICMP_BCAST_ECHO);
		pktbuf_free(p);
		return;
	}
	/* Code, identifier, sequence number and data go back as sent. Only
	 * the type changes, so patch the verified checksum (RFC 1624 3)
	 * instead of summing up to 64 KiB again. 0x0000 and 0xffff are both
	 * zero in ones' complement, but only 0xffff verifies when everything
	 * else is zero, so never send 0x0000. */
	{
		uint16_t sum = csum_update16(get_be16(p->data + 2),
					     (uint16_t)(ICMP_ECHO_REQUEST << 8 | ih->code),
					     (uint16_t)(ICMP_ECHO_REPLY << 8 | ih->code));

		ih->type = ICMP_ECHO_REPLY;
		p->data[0] = ICMP_ECHO_REPLY;
		put_be16(p->data + 2, sum ? sum : 0xffff);
	}
	memset(&o, 0, sizeof(o));
	o.src = h->dst;
	o.dst = h->src;
	o.proto = IP_PROTO_ICMP;
	o.tos = h->tos;
	net_count(ns, NET_STAT_ICMP_ECHO_REPLIED);
	ip_output(ns, p, &o);
}

static void icmp_echo_reply_input(struct netstack *ns, struct netif *nif,
				  struct pktbuf *p, const struct ip_hdr *h,
				  const struct icmp_hdr *ih)
{
	struct icmp_state *st = &ns->icmp;
	struct icmp_echo_reply r;
	int i;

	if (!st->echo_fn) {
		net_drop(ns, nif, NET_STAT_DROP_ICMP_NO_LISTENER);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.from = h->src;
	r.id = ih->id;
	r.seq = ih->seq;
	r.ttl = h->ttl;
	r.rx_ns = ns->now;
	r.data = p->data + ICMP_HDR_LEN;
	r.len = p->len - ICMP_HDR_LEN;
	for (i = 0; i < ICMP_ECHO_REMEMBER; i++) {
		struct icmp_echo_sent *s = &st->sent[i];

		if (s->used && s->dst == h->src && s->id == r.id &&
		    s->seq == r.seq) {
			r.rtt_known = true;
			r.rtt_ns = ns->now - s->tx_ns;
			s->used = false;
			break;
		}
	}
	st->echo_fn(st->echo_arg, &r);
}

/*
 * RFC 1122 3.2.2.1 / 3.2.2.4: hand a destination unreachable or time
 * exceeded to the transport that sent the datagram it quotes. The quote
 * must be an IPv4 header from one of our addresses plus at least 8 bytes
 * (RFC 792); anything else is counted and dropped (RFC 5927 4.1). UDP has
 * no connected endpoints yet, so its errors are only counted.
 */
static void icmp_error_input(struct netstack *ns, struct netif *nif,
			     const struct pktbuf *p, const struct icmp_hdr *ih)
{
	const uint8_t *q = p->data + ICMP_HDR_LEN;
	size_t qlen = p->len - ICMP_HDR_LEN;
	struct ip_hdr qh;
	size_t ihl;

	net_count(ns, NET_STAT_ICMP_ERROR_IN);
	if (qlen < IP_HDR_LEN || (q[0] >> 4) != 4) {
		net_drop(ns, nif, NET_STAT_DROP_ICMP_BAD_QUOTE);
		return;
	}
	ihl = (size_t)(q[0] & 0xf) * 4;
	if (ihl < IP_HDR_LEN || qlen < ihl + 8) {
		net_drop(ns, nif, NET_STAT_DROP_ICMP_BAD_QUOTE);
		return;
	}
	/* Not ip_hdr_parse(): the quote is truncated by design, and routers
	 * may have changed TTL and checksum on the way. */
	memset(&qh, 0, sizeof(qh));
	qh.hdr_len = (uint8_t)ihl;
	qh.tot_len = get_be16(q + 2);
	qh.proto = q[9];
	qh.src = get_be32(q + 12);
	qh.dst = get_be32(q + 16);
	if (!net_local_addr_if(ns, qh.src)) {
		net_drop(ns, nif, NET_STAT_DROP_ICMP_BAD_QUOTE);
		return;
	}
	if (qh.proto == IP_PROTO_TCP)
		tcp_icmp_error(ns, &qh, q + ihl, qlen - ihl, ih->type,
			       ih->code, ih->seq);
}

/* RFC 792 / RFC 1122 3.2.2: demultiplex on type; consumes p. */
void icmp_input(struct netstack *ns, struct netif *nif, struct pktbuf *p,
		const struct ip_hdr *h)
{
	struct icmp_hdr ih;
	enum net_stat why;

	if (icmp_hdr_parse(p->data, p->len, &ih, &why)) {
		net_drop(ns, nif, why);
		goto out_free;
	}
	switch (ih.type) {
	case ICMP_ECHO_REQUEST:
		icmp_echo_reply_send(ns, nif, p, h, &ih);
		return;
	case ICMP_ECHO_REPLY:
		icmp_echo_reply_input(ns, nif, p, h, &ih);
		goto out_free;
	case ICMP_DEST_UNREACH:
	case ICMP_TIME_EXCEEDED:
		icmp_error_input(ns, nif, p, &ih);
		goto out_free;
	default:
		/* RFC 1122 3.2.2: unknown types MUST be silently discarded. */
		net_drop(ns, nif, NET_STAT_DROP_ICMP_TYPE);
		goto out_free;
	}
out_free:
	pktbuf_free(p);
}

static bool icmp_is_error_type(uint8_t type)
{
	return !(type == ICMP_ECHO_REPLY || type == ICMP_ECHO_REQUEST ||
		 (type >= 13 && type <= 18));
}

/* Token bucket: refill by elapsed time, spend one token per error. */
static bool icmp_rate_ok(struct netstack *ns)
{
	struct icmp_state *st = &ns->icmp;
	uint64_t cap = (uint64_t)ns->par.icmp_burst * 1000;
	uint64_t elapsed = ns->now - st->last_refill;
	uint64_t add = elapsed / (SEC / 1000) * ns->par.icmp_rate_per_s;

	if (add) {
		st->tokens_milli += add;
		if (st->tokens_milli > cap)
			st->tokens_milli = cap;
		st->last_refill = ns->now;
	}
	if (st->tokens_milli < 1000)
		return false;
	st->tokens_milli -= 1000;
	return true;
}

/*
 * RFC 792 / RFC 1122 3.2.2: send an error about the datagram whose header
 * is h and whose payload starts at p->data (the header precedes it in the
 * buffer). Does not consume p.
 */
void icmp_send_error(struct netstack *ns, const struct pktbuf *p,
		     const struct ip_hdr *h, uint8_t type, uint8_t code)
{
	size_t quote = p->len < 8 ? p->len : 8;
	struct icmp_hdr ih;
	struct pktbuf *e;
	struct ip_out o;

	/* RFC 1122 3.2.2: never about an ICMP error, a later fragment, a
	 * datagram sent as a link-layer broadcast, or one to an IP broadcast
	 * or multicast address (any of ours: the reassembly timer has no
	 * receiving interface). ip_input() has already refused sources that
	 * do not name a single host, the rule's last case. An ICMP type is
	 * read as the bare first byte: the datagram may be a piece that did
	 * not reassemble, with no checksum to check, so no view fits. */
	if (h->proto == IP_PROTO_ICMP &&
	    (p->len < 1 || icmp_is_error_type(p->data[0])))
		return;
	if (h->frag_off || p->l2_bcast || ip4_is_multicast(h->dst) ||
	    ip_addr_is_bcast(ns, h->dst))
		return;
	if (!icmp_rate_ok(ns)) {
		net_count(ns, NET_STAT_DROP_ICMP_RATELIMIT);
		return;
	}
	e = pktbuf_alloc(ns, NET_HEADROOM, ICMP_HDR_LEN + h->hdr_len + quote);
	if (!e)
		return;
	memset(&ih, 0, sizeof(ih));
	ih.type = type;
	ih.code = code;
	/* RFC 792: the internet header plus the first 64 bits of data. */
	memcpy(e->data + ICMP_HDR_LEN, p->data - h->hdr_len,
	       h->hdr_len + quote);
	icmp_hdr_emit(&ih, e->data, e->len);
	memset(&o, 0, sizeof(o));
	o.src = net_local_addr_if(ns, h->dst) ? h->dst : 0;
	o.dst = h->src;
	o.proto = IP_PROTO_ICMP;
	net_count(ns, NET_STAT_ICMP_ERROR_OUT);
	ip_output(ns, e, &o);
}

/* RFC 792 "Echo or Echo Reply Message": the request an app sends. */
int icmp_echo_send(struct netstack *ns, uint32_t dst, uint16_t id,
		   uint16_t seq, const void *payload, size_t len)
{
	struct icmp_echo_sent *s;
	struct icmp_hdr ih;
	struct pktbuf *p;
	struct ip_out o;
	int ret;

	if (len > ICMP_ECHO_MAX_DATA)
		return -EMSGSIZE;
	net_lock(ns);
	p = pktbuf_alloc(ns, NET_HEADROOM, ICMP_HDR_LEN + len);
	if (!p) {
		ret = -ENOBUFS;
		goto out_unlock;
	}
	memset(&ih, 0, sizeof(ih));
	ih.type = ICMP_ECHO_REQUEST;
	ih.id = id;
	ih.seq = seq;
	if (len)
		memcpy(p->data + ICMP_HDR_LEN, payload, len);
	icmp_hdr_emit(&ih, p->data, p->len);
	s = &ns->icmp.sent[ns->icmp.sent_next++ % ICMP_ECHO_REMEMBER];
	s->used = true;
	s->dst = dst;
	s->id = id;
	s->seq = seq;
	s->tx_ns = ns->now;
	memset(&o, 0, sizeof(o));
	o.dst = dst;
	o.proto = IP_PROTO_ICMP;
	ret = ip_output(ns, p, &o);
out_unlock:
	net_unlock(ns);
	return ret;
}

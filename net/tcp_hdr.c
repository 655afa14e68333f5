/*
 * tcp_hdr.c: parse and emit TCP headers and options (see tcp_hdr.h).
 *
 * RFC 9293 3.1 (header format), 3.2 (option format: kind, length, data;
 * EOL and NOP are single bytes), RFC 7323 2.2 and 3.2 (window scale and
 * timestamps), RFC 2018 2 and 3 (SACK-permitted, SACK blocks).
 */
#include <errno.h>
#include <string.h>

#include "tcp_hdr.h"
#include "byteorder.h"

/* One option with a sane length: pick out the kinds we know. */
static void opt_one(struct tcp_hdr *h, uint8_t kind, const uint8_t *o,
		    uint8_t olen)
{
	unsigned i, n;

	switch (kind) {
	case TCPOPT_MSS:
		if (olen != 4)
			goto bad;
		h->has_mss = true;
		h->mss = get_be16(o + 2);
		return;
	case TCPOPT_WSCALE:
		if (olen != 3)
			goto bad;
		h->has_ws = true;
		h->ws = o[2];
		return;
	case TCPOPT_SACK_PERM:
		if (olen != 2)
			goto bad;
		h->sack_perm = true;
		return;
	case TCPOPT_TS:
		if (olen != 10)
			goto bad;
		h->has_ts = true;
		h->tsval = get_be32(o + 2);
		h->tsecr = get_be32(o + 6);
		return;
	case TCPOPT_SACK:
		/* RFC 2018 3: 2 + 8n bytes, n >= 1. */
		if (olen < 10 || (olen - 2) % 8)
			goto bad;
		n = (unsigned)(olen - 2) / 8;
		if (n > TCP_MAX_SACK)
			goto bad;
		for (i = 0; i < n; i++) {
			h->sack[i].start = get_be32(o + 2 + 8 * i);
			h->sack[i].end = get_be32(o + 6 + 8 * i);
		}
		h->nsack = (uint8_t)n;
		return;
	default:
		/* RFC 1122 4.2.2.5: ignore options we do not implement. */
		return;
	}
bad:
	h->opt_err = true;
}

/* RFC 9293 3.2: walk kind/length/data up to the end of the header. */
static void opt_parse(struct tcp_hdr *h, const uint8_t *o, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t kind = o[i], olen;

		if (kind == TCPOPT_EOL)
			return;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		/* No room for a length byte, a length below 2 (which would
		 * loop forever or step backwards) or running past the
		 * header: nothing after this point can be trusted. */
		if (i + 1 >= len) {
			h->opt_err = true;
			return;
		}
		olen = o[i + 1];
		if (olen < 2 || i + olen > len) {
			h->opt_err = true;
			return;
		}
		opt_one(h, kind, o + i, olen);
		i += olen;
	}
}

int tcp_hdr_parse(const uint8_t *buf, size_t len, struct tcp_hdr *h,
		  enum net_stat *why)
{
	size_t off;

	memset(h, 0, sizeof(*h));
	if (len < TCP_HDR_LEN) {
		*why = NET_STAT_DROP_TCP_SHORT;
		return -EINVAL;
	}
	off = (size_t)(buf[12] >> 4) * 4;
	if (off < TCP_HDR_LEN || off > len) {
		*why = NET_STAT_DROP_TCP_BAD_OFF;
		return -EINVAL;
	}
	h->sport = get_be16(buf);
	h->dport = get_be16(buf + 2);
	h->seq = get_be32(buf + 4);
	h->ack = get_be32(buf + 8);
	h->hdr_len = (uint8_t)off;
	h->flags = buf[13];
	h->wnd = get_be16(buf + 14);
	h->csum = get_be16(buf + 16);
	h->urp = get_be16(buf + 18);
	opt_parse(h, buf + TCP_HDR_LEN, off - TCP_HDR_LEN);
	return 0;
}

static unsigned sack_fit(const struct tcp_hdr *h, size_t used)
{
	unsigned n = h->nsack;

	if (n > TCP_MAX_SACK)
		n = TCP_MAX_SACK;
	while (n && used + 4 + 8 * n > TCP_OPT_SPACE)
		n--;
	return n;
}

static size_t opt_len_base(const struct tcp_hdr *h)
{
	size_t n = 0;

	if (h->has_mss)
		n += 4;
	if (h->has_ts)
		n += 12;	/* SACK-permitted rides in its NOPs */
	else if (h->sack_perm)
		n += 4;
	if (h->has_ws)
		n += 4;
	return n;
}

size_t tcp_hdr_opt_len(const struct tcp_hdr *h)
{
	size_t n = opt_len_base(h);
	unsigned s = sack_fit(h, n);

	return n + (s ? 4 + 8 * s : 0);
}

size_t tcp_hdr_emit(const struct tcp_hdr *h, uint8_t *buf)
{
	uint8_t *o = buf + TCP_HDR_LEN;
	unsigned i, ns = sack_fit(h, opt_len_base(h));

	if (h->has_mss) {
		o[0] = TCPOPT_MSS;
		o[1] = 4;
		put_be16(o + 2, h->mss);
		o += 4;
	}
	if (h->has_ts) {
		if (h->sack_perm) {
			o[0] = TCPOPT_SACK_PERM;
			o[1] = 2;
		} else {
			o[0] = TCPOPT_NOP;
			o[1] = TCPOPT_NOP;
		}
		o[2] = TCPOPT_TS;
		o[3] = 10;
		put_be32(o + 4, h->tsval);
		put_be32(o + 8, h->tsecr);
		o += 12;
	} else if (h->sack_perm) {
		o[0] = TCPOPT_NOP;
		o[1] = TCPOPT_NOP;
		o[2] = TCPOPT_SACK_PERM;
		o[3] = 2;
		o += 4;
	}
	if (h->has_ws) {
		o[0] = TCPOPT_NOP;
		o[1] = TCPOPT_WSCALE;
		o[2] = 3;
		o[3] = h->ws;
		o += 4;
	}
	if (ns) {
		o[0] = TCPOPT_NOP;
		o[1] = TCPOPT_NOP;
		o[2] = TCPOPT_SACK;
		o[3] = (uint8_t)(2 + 8 * ns);
		for (i = 0; i < ns; i++) {
			put_be32(o + 4 + 8 * i, h->sack[i].start);
			put_be32(o + 8 + 8 * i, h->sack[i].end);
		}
		o += 4 + 8 * ns;
	}
	i = (unsigned)(o - buf);
	put_be16(buf, h->sport);
	put_be16(buf + 2, h->dport);
	put_be32(buf + 4, h->seq);
	put_be32(buf + 8, h->ack);
	buf[12] = (uint8_t)((i / 4) << 4);
	buf[13] = h->flags;
	put_be16(buf + 14, h->wnd);
	put_be16(buf + 16, h->csum);
	put_be16(buf + 18, h->urp);
	return i;
}

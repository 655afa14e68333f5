/*
 * tcp_hdr.h: the checked view of a TCP header, RFC 9293 3.1, with the
 * options of RFC 9293 3.2 (MSS), RFC 7323 (window scale, timestamps) and
 * RFC 2018 (SACK-permitted, SACK blocks).
 *
 * tcp_hdr_parse() never reads past len: a header shorter than 20 bytes or
 * with a data offset outside 20..len is rejected with the reason; a
 * malformed option (length 0 or 1, running past the header, or the wrong
 * length for its kind) ends or skips option parsing and sets opt_err, as
 * RFC 9293 3.1 asks ("MUST be prepared to handle an illegal option length
 * without crashing"); the segment itself is still good. Unknown options
 * are skipped by their length (RFC 1122 4.2.2.5). The checksum is not
 * checked here: it needs the IP pseudo-header (tcp_in.c does it).
 *
 * tcp_hdr_emit() writes the header and the options present in the view,
 * 32-bit aligned with NOPs in the layout Linux uses, and returns its
 * length; SACK blocks that would not fit in the 40 option bytes are left
 * out (the first, most recent, always fits).
 */
#ifndef NET_TCP_HDR_H
#define NET_TCP_HDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstack.h"

#define TCP_HDR_LEN	20u	/* without options */
#define TCP_HDR_MAX	60u	/* data offset is 4 bits of words */
#define TCP_OPT_SPACE	40u

/* RFC 9293 3.1 control bits. */
#define TCP_FIN	0x01u
#define TCP_SYN	0x02u
#define TCP_RST	0x04u
#define TCP_PSH	0x08u
#define TCP_ACK	0x10u
#define TCP_URG	0x20u
#define TCP_ECE	0x40u
#define TCP_CWR	0x80u

/* Option kinds (IANA "TCP Option Kind Numbers"). */
#define TCPOPT_EOL	0
#define TCPOPT_NOP	1
#define TCPOPT_MSS	2
#define TCPOPT_WSCALE	3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK	5
#define TCPOPT_TS	8

#define TCP_MAX_SACK	4	/* 2 + 4 * 8 = 34 bytes, the most that fit */
#define TCP_MAX_WSCALE	14	/* RFC 7323 2.3 */

struct tcp_sack_block {
	uint32_t start;		/* first sequence number of the block */
	uint32_t end;		/* one past the last */
};

struct tcp_hdr {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t hdr_len;	/* bytes, 20..60 */
	uint8_t flags;		/* TCP_FIN | TCP_SYN | ... */
	uint16_t wnd;		/* unscaled, as on the wire */
	uint16_t csum;
	uint16_t urp;
	/* options: has_* says the option was present (or is to be sent) */
	bool has_mss;
	bool has_ws;
	bool sack_perm;
	bool has_ts;
	bool opt_err;		/* parse: a malformed option was met */
	uint8_t ws;		/* shift count, as sent (clamp at use) */
	uint16_t mss;
	uint32_t tsval, tsecr;
	uint8_t nsack;		/* SACK blocks present / to send */
	struct tcp_sack_block sack[TCP_MAX_SACK];
};

/*
 * Check buf[0..len) starts with a well-formed TCP header and fill *h.
 * 0, or -EINVAL with *why = NET_STAT_DROP_TCP_SHORT / _BAD_OFF.
 */
int tcp_hdr_parse(const uint8_t *buf, size_t len, struct tcp_hdr *h,
		  enum net_stat *why);
/* Bytes of options tcp_hdr_emit() would write for h (a multiple of 4). */
size_t tcp_hdr_opt_len(const struct tcp_hdr *h);
/* Write h (checksum field as given) into buf, which has room for
 * TCP_HDR_MAX bytes; returns the header length written. */
size_t tcp_hdr_emit(const struct tcp_hdr *h, uint8_t *buf);

#endif /* NET_TCP_HDR_H */

/*
 * ip.h: IPv4 (RFC 791, RFC 1122 3.2.1) header view and output.
 *
 * Addresses are uint32_t in host byte order everywhere above the wire;
 * IP4(10,0,2,15) builds one. ip_hdr_parse() checks a header against the
 * bytes actually received and says why it is malformed; ip_hdr_emit() writes
 * a 20-byte header with its checksum. ip_output() routes, fills the header,
 * fragments to the interface MTU and hands the result to the link; it
 * consumes the buffer whatever happens.
 */
#ifndef NET_IP_H
#define NET_IP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstack.h"

struct pktbuf;

#define IP4(a, b, c, d) \
	(((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | \
	 ((uint32_t)(c) << 8) | (uint32_t)(d))
#define IP4_BROADCAST	0xffffffffu
#define IP_HDR_LEN	20u
#define IP_MAX_DGRAM	65535u
#define IP_DEFAULT_TTL	64
#define IP_PROTO_ICMP	1
#define IP_PROTO_TCP	6
#define IP_PROTO_UDP	17

/* RFC 791 3.1: the version/IHL byte and the flags/fragment offset word. */
#define IP_VERSION	4
#define IP_IHL_MASK	0x0f	/* header length in 32-bit words */
#define IP_FLAG_DF	0x4000	/* don't fragment */
#define IP_FLAG_MF	0x2000	/* more fragments */
#define IP_OFF_MASK	0x1fff	/* fragment offset in 8-byte units */

struct ip_hdr {
	uint8_t hdr_len;	/* bytes, 20..60 */
	uint8_t tos;
	uint16_t tot_len;	/* header + payload */
	uint16_t id;
	bool df;		/* don't fragment */
	bool mf;		/* more fragments */
	uint16_t frag_off;	/* bytes (wire field * 8) */
	uint8_t ttl;
	uint8_t proto;
	uint32_t src;
	uint32_t dst;
};

/*
 * Check buf[0..len) holds a well-formed header: version, IHL, total length
 * within len, checksum. 0 and *h, or -EINVAL with *why set to the reason.
 */
int ip_hdr_parse(const uint8_t *buf, size_t len, struct ip_hdr *h,
		 enum net_stat *why);
/* Write a 20-byte header (options are never sent) with its checksum. */
void ip_hdr_emit(const struct ip_hdr *h, uint8_t *buf);

struct ip_out {
	uint32_t src;		/* 0: the route's preferred source */
	uint32_t dst;
	uint8_t proto;
	uint8_t ttl;		/* 0: IP_DEFAULT_TTL */
	uint8_t tos;
	bool df;
	int ifindex;		/* 0: route; else force this interface */
};

/*
 * Send p (data at the transport header) as one or more IPv4 datagrams.
 * Consumes p. -ENETUNREACH, -EMSGSIZE (DF and too big), -ENOBUFS, or what
 * the link returned.
 */
int ip_output(struct netstack *ns, struct pktbuf *p, const struct ip_out *o);

/* Address class helpers (RFC 1122 3.2.1.3). */
static inline bool ip4_is_multicast(uint32_t a)
{
	return (a >> 28) == 0xe;
}

/* 240/4, class E: reserved (RFC 1112 4, RFC 6890); no host has one. */
static inline bool ip4_is_class_e(uint32_t a)
{
	return (a >> 28) == 0xf;
}

static inline bool ip4_is_loopback(uint32_t a)
{
	return (a >> 24) == 127;
}

static inline uint32_t ip4_mask(uint8_t prefix)
{
	return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

#endif /* NET_IP_H */

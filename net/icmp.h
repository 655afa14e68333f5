/*
 * icmp.h: ICMP (RFC 792) echo for ping, and error generation.
 *
 * The stack answers echo requests of any size that reassembles. An app sends
 * requests with icmp_echo_send() and receives replies through one handler per
 * stack; the handler runs inside netif_input()/net_poll() and gets the reply's
 * source, id, seq, TTL, payload and round-trip time when the stack still
 * remembers when it sent that (id, seq).
 */
#ifndef NET_ICMP_H
#define NET_ICMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstack.h"

#define ICMP_ECHO_REPLY		0
#define ICMP_DEST_UNREACH	3
#define ICMP_ECHO_REQUEST	8
#define ICMP_TIME_EXCEEDED	11

#define ICMP_UNREACH_NET	0
#define ICMP_UNREACH_HOST	1
#define ICMP_UNREACH_PROTO	2
#define ICMP_UNREACH_PORT	3
#define ICMP_UNREACH_NEEDFRAG	4

#define ICMP_HDR_LEN		8
#define ICMP_ECHO_MAX_DATA	65507u	/* 65535 - 20 (IP) - 8 (ICMP) */

/*
 * RFC 792: type, code, checksum, then four bytes whose meaning depends on
 * the type; the two 16-bit halves get the echo names.
 */
struct icmp_hdr {
	uint8_t type;		/* ICMP_* */
	uint8_t code;
	uint16_t csum;		/* parse: as received; emit computes it */
	uint16_t id;		/* echo: identifier; errors: unused, 0 */
	uint16_t seq;		/* echo: sequence number; errors: unused, 0,
				 * except needfrag: next-hop MTU (RFC 1191) */
};

/*
 * Check msg[0..len) is a whole ICMP message: long enough for a header and
 * with a correct checksum (RFC 792: over the whole message). 0 and *h, or
 * -EINVAL with *why set to the reason.
 */
int icmp_hdr_parse(const uint8_t *msg, size_t len, struct icmp_hdr *h,
		   enum net_stat *why);
/*
 * Write h (h->csum ignored) at msg, whose len >= ICMP_HDR_LEN bytes hold
 * the whole message, then its checksum: write the data first.
 */
void icmp_hdr_emit(const struct icmp_hdr *h, uint8_t *msg, size_t len);

struct icmp_echo_reply {
	uint32_t from;		/* replying host */
	uint16_t id;
	uint16_t seq;
	uint8_t ttl;		/* TTL of the reply datagram */
	uint64_t rx_ns;		/* stack time when it arrived */
	bool rtt_known;		/* the stack remembered the send time */
	uint64_t rtt_ns;	/* rx_ns - send time */
	const uint8_t *data;	/* payload, valid during the callback */
	size_t len;
};

void icmp_echo_handler_set(struct netstack *ns,
			   void (*fn)(void *arg,
				      const struct icmp_echo_reply *r),
			   void *arg);

/* Send an echo request with len bytes of payload (<= ICMP_ECHO_MAX_DATA). */
int icmp_echo_send(struct netstack *ns, uint32_t dst, uint16_t id,
		   uint16_t seq, const void *payload, size_t len);

#endif /* NET_ICMP_H */

/*
 * udp.h: UDP (RFC 768) endpoints for DHCP and, later, sockets.
 *
 * udp_bind() claims a local port (optionally on one interface only, which is
 * how DHCP clients on several NICs share port 68) and registers a receive
 * callback; the payload passed to it is valid only during the call.
 * udp_sendto() copies the payload into a packet buffer, computes the
 * checksum and sends it. Checksums are verified on input unless zero
 * (RFC 768: zero means none was computed). udp_hdr_parse()/udp_hdr_emit()
 * read and write the header with named fields.
 */
#ifndef NET_UDP_H
#define NET_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "netstack.h"

#define UDP_HDR_LEN	8
#define UDP_MAX_PCBS	16

/* RFC 768 "Format": the header as a checked view. */
struct udp_hdr {
	uint16_t sport;		/* 0: none (RFC 768 "Source Port") */
	uint16_t dport;
	uint16_t len;		/* header + data, >= UDP_HDR_LEN */
	uint16_t csum;		/* 0: the sender computed none */
};

/*
 * Check buf[0..len) (a whole datagram) starts with a header whose length
 * field fits in it: 0 and *h, or -EINVAL with *why set to the reason. The
 * checksum needs the pseudo-header; udp_input() checks it.
 */
int udp_hdr_parse(const uint8_t *buf, size_t len, struct udp_hdr *h,
		  enum net_stat *why);
/* Write the UDP_HDR_LEN bytes of h at buf, checksum as given. */
void udp_hdr_emit(const struct udp_hdr *h, uint8_t *buf);

struct udp_pcb;

struct udp_meta {
	uint32_t src;		/* remote address */
	uint32_t dst;		/* local address it was sent to */
	uint16_t sport;		/* remote port */
	uint16_t dport;		/* local port */
	int ifindex;		/* receiving interface */
	uint8_t ttl;
};

/*
 * Bind port (host order) on ifindex (0: all interfaces). -EADDRINUSE if the
 * same port is bound on an overlapping interface, -ENOSPC, -EINVAL.
 */
int udp_bind(struct netstack *ns, uint16_t port, int ifindex,
	     void (*recv)(void *arg, const struct udp_meta *m,
			  const uint8_t *data, size_t len),
	     void *arg, struct udp_pcb **out);
void udp_unbind(struct netstack *ns, struct udp_pcb *pcb);
/* The port pcb holds (the ephemeral one udp_bind() chose for port 0). */
uint16_t udp_local_port(const struct udp_pcb *pcb);

/*
 * Send len bytes from pcb's port to dst:dport. If pcb is bound to an
 * interface the datagram leaves through it (so 255.255.255.255 works before
 * the interface has an address) with that interface's first address, or
 * 0.0.0.0, as source.
 */
int udp_sendto(struct netstack *ns, struct udp_pcb *pcb, uint32_t dst,
	       uint16_t dport, const void *data, size_t len);

#endif /* NET_UDP_H */

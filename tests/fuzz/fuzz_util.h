/*
 * tests/fuzz/fuzz_util.h: what the libFuzzer targets of tests/fuzz/ share.
 *
 * An input reader that never fails (bytes past the end read as zero, so
 * every input is a valid program for a target), a configured host stack
 * (struct fstack) to throw frames at, a checksum fixer so the fuzzer can
 * get past the checksums it cannot learn, and the teardown that turns a
 * leak or an unbalanced lock into a finding (abort(), which libFuzzer and
 * the replay runner both report).
 *
 * The stack (fstack_init): eth0 10.0.0.1/24 (MAC_US) with a default route
 * via 10.0.0.254 and the peer 10.0.0.2 (MAC_PEER) in the ARP cache; a UDP
 * echo on port 7; a TCP listener on port 80 whose accepted connections
 * echo what they read; one active connection to 10.0.0.2:5000
 * ESTABLISHED (its ISNs in est_iss / est_irs) and one to 10.0.0.3:5001 in
 * SYN-SENT with its SYN queued behind an ARP request. With FSTACK_DHCP,
 * eth1 (MAC_ETH1, no address) runs the DHCP client, in SELECTING.
 */
#ifndef TESTS_FUZZ_FUZZ_UTIL_H
#define TESTS_FUZZ_FUZZ_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fake_env.h"
#include "capture_netif.h"
#include "../../net/netstack.h"
#include "../../net/tcp.h"
#include "../../net/udp.h"

#define FUZZ_MS		1000000ull
#define FUZZ_SEC	1000000000ull

/* The fuzz input, read front to back. */
struct fin {
	const uint8_t *p;
	size_t n;
};

uint8_t fin_u8(struct fin *in);
uint16_t fin_u16(struct fin *in);
uint32_t fin_u32(struct fin *in);
/* Up to want bytes (fewer at the end); *got says how many. */
const uint8_t *fin_take(struct fin *in, size_t want, size_t *got);

/* A finding: print why and abort(). */
void fuzz_fail(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));

/* Time steps from one byte: 0 ms, then 1 ms doubling up to 2^36 ms. */
uint64_t fuzz_delay_ns(uint8_t b);

/*
 * Rewrite the IPv4 header checksum and, for an unfragmented datagram, the
 * TCP, UDP or ICMP checksum of an Ethernet frame, as far as its lengths
 * are consistent; anything else is left as it is.
 */
void fuzz_fix_csums(uint8_t *frame, size_t len);

/*
 * Make fe keep the big blocks it frees (packet pool storage, >= 32 KiB)
 * for the next stack: a fresh mapping per input costs more than the
 * input itself. Kept blocks are poisoned while unused, so a stale pointer
 * into a destroyed stack's pool is still an ASan report; the counts
 * fstack_fini checks stay exact.
 */
void fuzz_env_reuse_big(struct fake_env *fe);

#define FSTACK_DHCP	0x1u	/* eth1 runs the DHCP client */
#define FSTACK_APPS	8	/* app-owned TCP connections at most */

extern const uint8_t MAC_ETH1[6];
#define FUZZ_IP_US	0x0a000001u	/* 10.0.0.1 */
#define FUZZ_IP_PEER	0x0a000002u	/* 10.0.0.2, in the ARP cache */
#define FUZZ_IP_OTHER	0x0a000003u	/* 10.0.0.3, being resolved */
#define FUZZ_IP_GW	0x0a0000feu	/* 10.0.0.254 */

struct fstack {
	struct fake_env fe;
	struct netstack *ns;
	struct capture_netif eth0;
	struct capture_netif eth1;	/* with FSTACK_DHCP */
	bool has_eth1;
	uint64_t now;
	struct udp_pcb *echo;
	struct tcp_pcb *lis;
	struct tcp_pcb *app[FSTACK_APPS];	/* echoing connections */
	struct tcp_pcb *est;		/* 10.0.0.2:5000, in app[] */
	uint32_t est_iss, est_irs;
	uint16_t est_port;		/* its local port */
	uint32_t est_tsval;		/* the last TSval it sent */
	uint32_t dhcp_xid;		/* of the client's last message on eth1 */
};

void fstack_init(struct fstack *s, unsigned flags);
/*
 * Point a TCP/IPv4 frame at the ESTABLISHED connection: peer to us, the
 * connection's ports, and seq and ack taken as offsets from what it
 * expects (est_irs + 1, est_iss + 1), so raw headers reach its state
 * machine. Other frames are left alone.
 */
void fstack_aim_est(struct fstack *s, uint8_t *frame, size_t len);
/* Feed one frame to eth0 (iface 0) or eth1 (1), as received. */
void fstack_input(struct fstack *s, int iface, const uint8_t *frame, size_t len);
/* Advance the clock by ns, run timers, let the apps read and echo, and
 * throw away what the stack sent. */
void fstack_step(struct fstack *s, uint64_t ns);
/* Advance the clock by ns and run timers, nothing else. */
void fstack_tick(struct fstack *s, uint64_t ns);
/* Throw away what the stack sent (noting the DHCP client's xid). */
void fstack_purge(struct fstack *s);
/* Hand c to the apps (fstack_fini aborts it if still there). */
void fstack_app_add(struct fstack *s, struct tcp_pcb *c);
/* Take c back from the apps (before the caller closes it). */
void fstack_app_forget(struct fstack *s, struct tcp_pcb *c);
/* The apps' turn alone: accept, echo, close at EOF or error. */
void fstack_apps_run(struct fstack *s);
/* Close everything, let every timer run out, check the pools are empty,
 * destroy, check every byte came back. Findings abort. With FUZZ_STATS
 * set in the environment, the stack's non-zero counters go to stderr
 * (to see what an input reached). */
void fstack_fini(struct fstack *s);
/* Check the lock is balanced (after each call into the stack). */
void fstack_check(struct fstack *s);

/*
 * The stack's output is checked as hard as its input is fuzzed: a frame
 * it sends must fit the link (at most 14 + mtu bytes) and come from the
 * interface's MAC; an ARP packet must be a well-formed request or reply
 * for IPv4 about that MAC; an IPv4 datagram must pass ip_hdr_parse (its
 * checksum and lengths), and when whole, its TCP, UDP or ICMP checksum
 * must verify and a TCP header must parse. Anything else is a finding.
 */
void fuzz_check_tx(const struct pktbuf *p, const uint8_t mac[6], uint16_t mtu);

/* Parse a captured frame as TCP over IPv4 over Ethernet. */
struct ip_hdr;
struct tcp_hdr;
struct pktbuf;
bool fuzz_tcp_view(const struct pktbuf *p, struct ip_hdr *ih, struct tcp_hdr *th,
		   size_t *payload_len);

/* A peer's usual SYN options: MSS 1460, window scale 7, SACK permitted. */
void fuzz_syn_options(struct tcp_hdr *th);

#endif

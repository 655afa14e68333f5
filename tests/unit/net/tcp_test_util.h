/*
 * tcp_test_util.h: helpers for the TCP engine tests: a fixture with one
 * stack on a capturing eth0 that already knows the peer's MAC, a fake
 * clock, and segment builders/checkers in the style of seg_in() /
 * expect_seg() / expect_no_tx(). The peer is IP_PEER:PEER_PORT, we are
 * IP_US:US_PORT unless a test says otherwise.
 */
#ifndef TESTS_UNIT_NET_TCP_TEST_UTIL_H
#define TESTS_UNIT_NET_TCP_TEST_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net_test_util.h"
#include "../../../net/tcp.h"
#include "../../../net/tcp_hdr.h"
#include "../../../net/tcp_seq.h"

#define US_PORT 80
#define PEER_PORT 40000
#define MS_NS 1000000ull

struct tfx {
	struct fixture fx;
	uint64_t now;			/* the fake clock, ns */
	struct netstack_params par;
	/* events seen by ev_record() */
	unsigned ev_bits;
	unsigned ev_calls;
	struct tcp_pcb *lis;		/* listener made by tfx_listen */
	struct tcp_pcb *pcb;		/* the connection under test */
	uint32_t iss;			/* our ISN */
	uint32_t peer_iss;		/* the peer's ISN */
	uint32_t snd;			/* the peer's next sequence to send */
	uint32_t rcv;			/* what the peer expects from us next */
	bool peer_ts;			/* peer uses timestamps */
	uint32_t peer_tsval;		/* the peer's clock */
	uint32_t our_tsval;		/* last TSval we sent */
	uint16_t pport;			/* the peer's port (PEER_PORT) */
};

/* A captured segment, checked and parsed. */
struct tseg {
	struct tcp_hdr th;
	struct ip_hdr ip;
	uint8_t data[2048];
	uint32_t len;
};

int tfx_setup(void **state);
/* Like tfx_setup with params changed by fn first. */
int tfx_setup_with(void **state, void (*fn)(struct netstack_params *p));
/* Like tfx_setup_with on an eth0 that advertises offload (NETIF_OFFLOAD_*). */
int tfx_setup_offload(void **state, void (*fn)(struct netstack_params *p),
		      uint32_t offload);
int tfx_teardown(void **state);
/* Aborts the test's pcb, closes its listener, and checks that no pcb and
 * no packet buffer is left. */
void tfx_done(struct tfx *t);

void ev_record(void *arg, struct tcp_pcb *pcb, unsigned events);

/* Move the clock by ms and poll. */
void tick(struct tfx *t, uint64_t ms);

/* Inject a segment from the peer; th's ports default to the standard
 * ones when zero. */
void seg_in_hdr(struct tfx *t, struct tcp_hdr *th, const void *data,
		size_t len);
/* The usual case: flags, seq, ack, window, payload; timestamps added
 * when t->peer_ts. */
void seg_in(struct tfx *t, uint8_t flags, uint32_t seq, uint32_t ack,
	    uint16_t wnd, const void *data, size_t len);

/* Pop the next frame; assert it is an IPv4 TCP segment with a good
 * checksum and DF set; parse it into *s. */
void expect_seg(struct tfx *t, struct tseg *s);
/* expect_seg and check flags exactly. */
void expect_flags(struct tfx *t, struct tseg *s, uint8_t flags);
void expect_nothing(struct tfx *t);
uint32_t tx_count(struct tfx *t);

/* LISTEN on US_PORT (t->lis). */
void tfx_listen(struct tfx *t);
/* Full passive open from the peer with the given SYN options (NULL: MSS
 * 1460 only) and window; leaves t->pcb accepted and ESTABLISHED. */
void tfx_passive_open(struct tfx *t, const struct tcp_hdr *synopts,
		      uint16_t wnd);
/* Active open to IP_PEER:PEER_PORT, answered with synopts (NULL: MSS 1460
 * only) and wnd; t->pcb ESTABLISHED. */
void tfx_active_open(struct tfx *t, const struct tcp_hdr *synopts,
		     uint16_t wnd);

uint64_t tstat(struct tfx *t, enum net_stat s);
void fill_pattern(uint8_t *buf, size_t len, uint32_t start);

#endif

/*
 * tcp_priv.h: internals shared by the TCP files of net/ (tcp_pcb.c,
 * tcp_usr.c, tcp_in.c, tcp_out.c, tcp_timer.c, tcp_cc.c, tcp_ring.c).
 *
 * One struct tcp_pcb per connection or listener, allocated from env.alloc
 * when the app opens it or a SYN arrives, never per packet. Its byte rings
 * are allocated when the connection is synchronized (ESTABLISHED), so a SYN
 * flood costs a pcb per half-open connection, bounded by the SYN backlog.
 * Field names follow RFC 9293 3.3.1 (snd_una, snd_nxt, rcv_nxt, ...).
 */
#ifndef NET_TCP_PRIV_H
#define NET_TCP_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tcp.h"
#include "tcp_hdr.h"
#include "tcp_seq.h"
#include "siphash.h"
#include "timer.h"

struct netif;
struct pktbuf;
struct ip_hdr;

#define MS		1000000ull	/* ns */
#define TCP_DEFAULT_MSS	536u		/* RFC 9293 3.7.1 without an option */
#define TCP_OOO_MAX	8		/* out-of-order ranges held */
#define TCP_SCORE_MAX	16		/* SACKed ranges remembered (RFC 6675) */
#define TCP_DUPACK_THRESH 3		/* RFC 5681 3.2 / RFC 6675 DupThresh */
#define TCP_RCVBUF_GROW_MAX (512u * 1024) /* default growth cap of a ring */

/* A byte ring: size bytes at buf; head is the offset of byte 0, len the
 * bytes queued in order from there. */
struct tcp_ring {
	uint8_t *buf;
	uint32_t size;			/* 0 until allocated */
	uint32_t head;			/* index of the first byte */
	uint32_t len;			/* bytes queued */
};

/* Send-queue bytes at p, in the caller's memory (tcp_sndref.c). */
struct tcp_sndref {
	uint32_t seq;			/* sequence of the first byte */
	uint32_t len;			/* bytes */
	const uint8_t *p;		/* unchanged while the stack lives */
};
#define TCP_SNDREF_MAX	8		/* references held per pcb */

/* A range of sequence space [start, end). */
struct tcp_range {
	uint32_t start, end;
	uint32_t stamp;			/* bigger = more recently touched */
};

/* The deadlines a pcb's one net_timer stands for; 0 = off. */
enum tcp_timer_kind {
	TCP_T_RTO,			/* retransmission (SYN, data, FIN) */
	TCP_T_PERSIST,			/* zero-window probe */
	TCP_T_DELACK,			/* delayed ACK */
	TCP_T_KEEP,			/* keep-alive idle / probe */
	TCP_T_2MSL,			/* TIME-WAIT, orphaned FIN-WAIT-2 */
	TCP_T_TXRETRY,			/* link said -ENOBUFS: try again */
	TCP_T_TLP,			/* RFC 8985 tail loss probe */
	TCP_T_ACCEPT,			/* listener: a steered connection may be taken by others (tcp_aq.c) */
	TCP_T_COUNT
};

/* Accept-queue lists: 0 for single-queue links, 1 + q for NIC queue q (tcp_aq.c). */
#define TCP_AQ_LISTS 9

struct tcp_pcb {
	struct netstack *ns;
	uint8_t state;			/* enum tcp_state */
	uint32_t laddr, raddr;		/* host order; laddr 0: any */
	uint16_t lport, rport;

	/* Tables (tcp_pcb.c). */
	struct tcp_pcb *hnext;		/* connection or listener chain */
	struct tcp_pcb *bnext;		/* bound-port chain */
	struct tcp_pcb *anext, *aprev;	/* every pcb of the stack */
	struct tcp_pcb *twnext, *twprev;	/* orphaned TIME-WAIT, oldest first */
	bool on_tw;			/* on that list */
	uint8_t hashed;			/* 0, TCP_H_CONN or TCP_H_LISTEN */
	bool bound;			/* on the bound-port chain */
	bool eph_conn;			/* port chosen by connect (RFC 6056) */

	/* Listener and its children. */
	struct tcp_pcb *parent;		/* listener, until accepted */
	bool in_synq;			/* counted in parent's syn_len */
	struct tcp_pcb *aq_next;	/* accept queue link */
	uint8_t aq_list;		/* child: which of the parent's lists (tcp_aq.c) */
	uint8_t rx_queue;		/* child: 1 + the NIC queue its SYN came on, 0: none */
	uint32_t aq_seq;		/* child: order of arrival in the accept queue */
	uint64_t aq_at;			/* child: when it joined it */
	struct tcp_pcb *aq_head[TCP_AQ_LISTS], *aq_tail[TCP_AQ_LISTS];
	uint32_t aq_len;		/* established, not yet accepted */
	uint32_t aq_next_seq;		/* next child's aq_seq */
	uint32_t acceptors;		/* lists whose CPU has tried to accept */
	uint32_t aq_own, aq_any;	/* published: lists with a child; lists anyone may take from */
	uint32_t syn_len;		/* children in SYN-RECEIVED */
	uint32_t backlog;

	/* The app's side. */
	tcp_event_fn fn;
	void *arg;
	unsigned events;		/* published readiness, see tcp_events */
	unsigned notify;		/* bits to tell the callback */
	struct tcp_pcb *nnext;		/* notify list */
	bool notify_queued;
	bool app;			/* the app holds the pointer */
	bool zombie;			/* destroyed; memory freed at flush */
	bool connected_once;		/* reached ESTABLISHED at some point */
	int error;			/* pending, negative errno */
	int soft_error;			/* last ICMP soft error, for a timeout */

	/* Options (TCP_OPT_*). */
	bool nodelay, keepalive, reuseaddr;
	uint32_t keepidle_s, keepintvl_s, keepcnt;
	uint32_t sndbuf, rcvbuf;
	uint32_t rcvbuf_max;		/* the receive ring may grow to this */
	uint32_t maxseg;		/* 0: the path's */
	uint32_t user_timeout_ms;	/* 0: retry count rules */

	struct tcp_ring snd;		/* from snd_base: unacked, then unsent */
	struct tcp_sndref sref[TCP_SNDREF_MAX];	/* snd bytes held by reference, by seq */
	uint8_t nsref;			/* sref entries in use */
	struct tcp_ring rcv;		/* unread in-order bytes, then holes */

	/* RFC 9293 3.3.1 send sequence variables. */
	uint32_t iss;
	uint32_t snd_una;		/* oldest unacknowledged */
	uint32_t snd_nxt;		/* next to send (moves back on RTO) */
	uint32_t snd_max;		/* highest ever sent + 1 */
	uint32_t snd_wnd;		/* bytes, scaled */
	uint32_t snd_wl1, snd_wl2;	/* seq and ack of the last update */
	uint32_t max_snd_wnd;		/* largest window seen (RFC 5961 5.2) */
	uint32_t snd_base;		/* sequence of send ring byte 0 */
	bool fin_queued;		/* FIN follows the ring's data */
	bool more;			/* TCP_SEND_MORE: hold a partial one */
	uint32_t snd_sml;		/* end of the last partial segment */

	/* RFC 9293 3.3.1 receive sequence variables. */
	uint32_t irs;
	uint32_t rcv_nxt;
	uint32_t rcv_adv;		/* right edge we advertised */
	uint32_t last_ack_sent;		/* RFC 7323 4.3 Last.ACK.sent */
	uint32_t rcv_wnd_max;		/* min(ring, interface limit) */
	bool fin_rcvd;			/* rcv_nxt covers the peer's FIN */
	bool ooo_fin;			/* FIN seen beyond a hole */
	uint32_t ooo_fin_seq;
	bool shut_rd;
	bool rcv_grow_failed;		/* no memory to grow: stop trying */
	bool ack_now;			/* send an ACK at the next output */
	bool dsack;			/* RFC 2883: report dsack_blk next */
	struct tcp_sack_block dsack_blk;	/* a duplicate we received */
	struct tcp_range ooo[TCP_OOO_MAX];	/* received beyond rcv_nxt */
	uint8_t nooo;
	uint32_t ooo_stamp;

	/* Negotiated options. */
	uint16_t mss;			/* send MSS: peer's, path, TCP_OPT_MAXSEG */
	uint16_t rcv_mss;		/* MSS we advertised */
	uint16_t path_mss;		/* interface limit */
	uint32_t tso_max;		/* data bytes per TSO segment, 0: no TSO */
	uint8_t snd_ws, rcv_ws;		/* RFC 7323 2: shift counts */
	bool ws_ok, ts_ok, sack_ok;
	uint32_t ts_recent;		/* RFC 7323 4.3 TS.Recent */
	uint64_t ts_recent_at;		/* when it was set (24-day rule) */
	uint32_t ts_off;		/* TSval offset of the address pair */

	/* Timers (tcp_timer.c). */
	struct net_timer timer;
	uint64_t t_at[TCP_T_COUNT];
	uint8_t backoff;		/* RTO doublings in a row */
	uint8_t keep_probes;		/* unanswered keep-alives */
	bool tlp_out;			/* a tail loss probe awaits its ACK */
	uint64_t rexmit_since;		/* first RTO of the current run */
	uint64_t last_rx;		/* for keep-alive idleness */
	uint64_t last_tx;		/* last data sent (RFC 5681 4.1) */

	/* RFC 6298 round-trip estimation. */
	uint32_t srtt_us, rttvar_us;	/* 0 srtt: no sample yet */
	uint32_t rto_ms;
	bool rtt_on;			/* a segment is being timed */
	uint32_t rtt_seq;		/* ...this sequence number */
	uint64_t rtt_at;		/* ...sent at this time */

	/* RFC 5681 / 6582 / 6675 congestion control (tcp_cc.c). */
	uint32_t cwnd, ssthresh;
	uint32_t ca_acked;		/* bytes acked toward the next +SMSS */
	uint32_t dupacks;
	uint32_t recover;		/* RFC 6582 "recover" */
	bool in_recovery;
	bool sack_recovery;		/* this recovery runs on RFC 6675 */
	bool undo_on;			/* RFC 3708: episode may be undone */
	uint32_t undo_retrans;		/* its retransmissions not D-SACKed */
	uint32_t undo_marker;		/* SND.UNA when it began */
	uint32_t undo_hi;		/* end of its highest retransmission */
	uint32_t prior_cwnd, prior_ssthresh;	/* to restore */
	uint32_t hi_rxt;		/* RFC 6675 HighRxt */
	bool una_rxt_on;		/* SND.UNA's segment was resent... */
	uint32_t una_rxt_mark;		/* ...when SND.MAX was this */
	struct tcp_range score[TCP_SCORE_MAX];	/* SACKed by the peer */
	uint8_t nscore;

	/* struct tcp_conn_info counters. */
	uint64_t retransmits, bytes_acked, bytes_received;
	uint64_t segs_in, segs_out;
};

#define TCP_H_CONN	1
#define TCP_H_LISTEN	2

/* Per-stack TCP state, allocated by tcp_init(). */
struct tcp_stack {
	struct tcp_pcb **conn_hash;	/* by 4-tuple */
	struct tcp_pcb **lis_hash;	/* by local port */
	struct tcp_pcb **bind_hash;	/* by local port */
	uint32_t mask;			/* buckets - 1, per table */
	uint32_t hash_seed;
	struct tcp_pcb *all;		/* every pcb */
	struct tcp_pcb *tw_head, *tw_tail;	/* orphaned TIME-WAIT pcbs */
	uint32_t count;
	struct siphash_key isn_key;	/* RFC 6528 secret */
	struct siphash_key port_key;	/* RFC 6056 secret */
	struct siphash_key cookie_key;	/* RFC 4987 secret */
	struct siphash_key ts_key;	/* RFC 7323 7.1 TSval offset secret */
	uint32_t port_next;		/* RFC 6056 3.3.3 next_ephemeral */
	struct tcp_pcb *nhead, *ntail;	/* pcbs with callbacks to run */
	int depth;			/* tcp_enter nesting */
	bool flushing;
	uint64_t chal_at;		/* RFC 5961 7: this second's start */
	uint32_t chal_n;		/* challenge ACKs sent in it */
	uint32_t chal_limit;		/* this second's (randomized) limit */
};

/* tcp_pcb.c */
int tcp_init(struct netstack *ns);
void tcp_fini(struct netstack *ns);
void tcp_params_defaults(struct netstack_params *p);
void tcp_enter(struct netstack *ns);
void tcp_leave(struct netstack *ns);
struct tcp_pcb *tcp_pcb_new(struct netstack *ns);
void tcp_pcb_destroy(struct tcp_pcb *pcb);
struct tcp_pcb *tcp_lookup_conn(struct netstack *ns, uint32_t laddr,
				uint16_t lport, uint32_t raddr, uint16_t rport);
struct tcp_pcb *tcp_lookup_listener(struct netstack *ns, uint32_t laddr,
				    uint16_t lport);
void tcp_hash_conn(struct tcp_pcb *pcb);
void tcp_unhash(struct tcp_pcb *pcb);
void tcp_tw_add(struct tcp_pcb *pcb);
uint32_t tcp_isn(struct netstack *ns, uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport);
uint32_t tcp_ts_offset(struct netstack *ns, uint32_t laddr, uint32_t raddr);
int tcp_rings_alloc(struct tcp_pcb *pcb);
void tcp_orphan_trim(struct tcp_pcb *pcb);
void tcp_notify(struct tcp_pcb *pcb, unsigned bits);
void tcp_set_state(struct tcp_pcb *pcb, enum tcp_state s);
/* Connection over: error (0 for an orderly end); frees it if the app let
 * go, else leaves it CLOSED for the app to read the error. */
void tcp_finish(struct tcp_pcb *pcb, int err);
void tcp_route_setup(struct tcp_pcb *pcb, struct netif *nif);

/* tcp_ring.c */
uint32_t ring_room(const struct tcp_ring *r);
uint32_t ring_write_at(struct tcp_ring *r, uint32_t off, const void *src,
		       uint32_t n);
uint32_t ring_read_at(const struct tcp_ring *r, uint32_t off, void *dst,
		      uint32_t n);
void ring_consume(struct tcp_ring *r, uint32_t n);
void ring_move(struct tcp_ring *r, uint8_t *buf, uint32_t size);
uint32_t ring_spans(const struct tcp_ring *r, struct tcp_span span[2]);
uint32_t ooo_add(struct tcp_pcb *pcb, uint32_t start, uint32_t end);
uint32_t ooo_take(struct tcp_pcb *pcb);
unsigned ooo_sack_blocks(const struct tcp_pcb *pcb,
			 struct tcp_sack_block *out, unsigned max);

/* tcp_sndref.c */
bool sndref_add(struct tcp_pcb *pcb, uint32_t seq, const void *p, uint32_t n);
void sndref_ack(struct tcp_pcb *pcb);
void sndq_read(const struct tcp_pcb *pcb, uint32_t seq, uint8_t *dst,
	       uint32_t n);
const uint8_t *sndref_tail(const struct tcp_pcb *pcb, uint32_t seq, uint32_t n,
			   uint32_t *head);

/* tcp_in.c */
void tcp_input(struct netstack *ns, struct netif *nif, struct pktbuf *p,
	       const struct ip_hdr *h);

/* tcp_out.c */
void tcp_output(struct tcp_pcb *pcb);
int tcp_send_ctl(struct tcp_pcb *pcb, uint32_t seq, uint8_t flags);
int tcp_send_data(struct tcp_pcb *pcb, uint32_t seq, uint32_t len,
		  uint8_t flags);
void tcp_send_ack_now(struct tcp_pcb *pcb);
void tcp_send_challenge_ack(struct tcp_pcb *pcb);
void tcp_send_reset(struct netstack *ns, uint32_t src, uint32_t dst,
		    const struct tcp_hdr *th, uint32_t seg_len);
int tcp_send_rst_pcb(struct tcp_pcb *pcb);
void tcp_send_syn(struct tcp_pcb *pcb);
void tcp_send_cookie_synack(struct netstack *ns, uint32_t src, uint32_t dst,
			    const struct tcp_hdr *syn, uint32_t cookie,
			    uint16_t mss, uint16_t wnd);
uint32_t tcp_rcv_window(struct tcp_pcb *pcb);
uint32_t tcp_ts_now(struct tcp_pcb *pcb);
uint32_t tcp_smss(const struct tcp_pcb *pcb);
/* Data bytes tcp_output() puts in one segment: tcp_smss, or more with TSO. */
uint32_t tcp_seg_max(const struct tcp_pcb *pcb);
uint32_t tcp_new_data_len(const struct tcp_pcb *pcb, uint32_t smss);
uint32_t tcp_fin_seq(const struct tcp_pcb *pcb);
bool tcp_fin_sent(const struct tcp_pcb *pcb);
bool tcp_fin_acked(const struct tcp_pcb *pcb);
void tcp_window_update_check(struct tcp_pcb *pcb);
void tcp_persist_probe(struct tcp_pcb *pcb);
int tcp_retransmit_una(struct tcp_pcb *pcb);

/* tcp_timer.c */
void tcp_timer_fire(struct netstack *ns, struct net_timer *t);

/* tcp_aq.c: the accept queue's lists (stack lock held). */
void tcp_aq_add(struct tcp_pcb *lis, struct tcp_pcb *c, uint8_t rx_queue);
void tcp_aq_remove(struct tcp_pcb *lis, struct tcp_pcb *c);
/* The child an accept on CPU pref (-1: any) gets, out of the queue; NULL when none it may take. */
struct tcp_pcb *tcp_aq_take(struct tcp_pcb *lis, int pref);
/* TCP_T_ACCEPT fired: steered children that waited long enough are open to all. */
void tcp_aq_timer(struct tcp_pcb *lis);
void tcp_timer_set(struct tcp_pcb *pcb, enum tcp_timer_kind k,
		   uint64_t when);
void tcp_timer_clear(struct tcp_pcb *pcb, enum tcp_timer_kind k);
void tcp_timer_rearm(struct tcp_pcb *pcb);
void tcp_rto_restart(struct tcp_pcb *pcb);
void tcp_rtt_sample(struct tcp_pcb *pcb, uint64_t rtt_ns);
void tcp_keep_reset(struct tcp_pcb *pcb);
void tcp_enter_time_wait(struct tcp_pcb *pcb);
void tcp_tlp_arm(struct tcp_pcb *pcb);

/* tcp_icmp.c */
void tcp_icmp_error(struct netstack *ns, const struct ip_hdr *qh,
		    const uint8_t *l4, size_t l4len, uint8_t type,
		    uint8_t code, uint16_t mtu);

/* tcp_cc.c */
void tcp_cc_init(struct tcp_pcb *pcb);
void tcp_cc_ack(struct tcp_pcb *pcb, uint32_t acked);
bool tcp_cc_dupack(struct tcp_pcb *pcb);
void tcp_cc_rto(struct tcp_pcb *pcb);
uint32_t tcp_cc_window(const struct tcp_pcb *pcb);
void tcp_cc_idle_check(struct tcp_pcb *pcb);
void tcp_cc_dsack(struct tcp_pcb *pcb, const struct tcp_hdr *th);
void tcp_cc_lost_rxt(struct tcp_pcb *pcb);

/* tcp_cookie.c */
uint32_t tcp_cookie_make(struct netstack *ns, uint32_t laddr, uint16_t lport,
			 uint32_t raddr, uint16_t rport, uint32_t peer_isn,
			 uint16_t mss);
bool tcp_cookie_check(struct netstack *ns, uint32_t laddr, uint16_t lport,
		      uint32_t raddr, uint16_t rport, uint32_t peer_isn,
		      uint32_t cookie, uint16_t *mss);

/* tcp_sack.c */
void tcp_sack_update(struct tcp_pcb *pcb, const struct tcp_hdr *th);
void tcp_sack_prune(struct tcp_pcb *pcb);
bool tcp_sack_is_lost(const struct tcp_pcb *pcb, uint32_t seq);
uint32_t tcp_sack_pipe(const struct tcp_pcb *pcb);
bool tcp_sack_next_hole(struct tcp_pcb *pcb, uint32_t *seq, uint32_t *len);
bool tcp_sack_next_unsacked(struct tcp_pcb *pcb, uint32_t *seq,
			    uint32_t *len);
uint32_t tcp_sack_skip(const struct tcp_pcb *pcb, uint32_t seq,
		       uint32_t *lim);
uint32_t tcp_sack_bytes_above(const struct tcp_pcb *pcb, uint32_t seq);
uint32_t tcp_sack_bytes_below(const struct tcp_pcb *pcb, uint32_t seq);

static inline uint32_t tcp_flight(const struct tcp_pcb *pcb)
{
	return pcb->snd_max - pcb->snd_una;
}

#endif /* NET_TCP_PRIV_H */

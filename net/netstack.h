/*
 * netstack.h: the network stack as an object, and the one boundary through
 * which it reaches the machine.
 *
 * A struct netstack owns its interfaces, ARP cache, routes, reassembly state,
 * ICMP and UDP endpoints and its packet pool. There are no globals in net/;
 * a process may create as many stacks as it likes.
 *
 * Everything machine-specific comes in through struct net_env, given to
 * netstack_create(): memory, a lock, randomness, a log hook and a clock.
 * With env.now set, every input path and API call reads the clock afresh
 * (RTT samples and timestamps are exact); without it the stack's clock is
 * the now_ns of the last net_poll(ns, now_ns), as in a test that drives a
 * fake clock by hand. net_poll() runs every timer that is due (ARP,
 * reassembly, DHCP, TCP, loopback delivery); net_next_deadline() says when
 * the next one is, so the caller can sleep exactly until then.
 *
 * Locking: every public entry point takes env.lock and releases it with
 * env.unlock before returning. Callbacks (UDP receive, ICMP echo reply) run
 * with the lock held and may call back into the API, so the lock must be
 * recursive; on a single network thread both hooks may be NULL.
 */
#ifndef NET_NETSTACK_H
#define NET_NETSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct netstack;

enum net_log_level {
	NET_LOG_ERR,
	NET_LOG_WARN,
	NET_LOG_INFO,
	NET_LOG_DEBUG,
};

/* The machine boundary. Only alloc and free are required. */
struct net_env {
	void *(*alloc)(void *ctx, size_t size);	/* NULL on failure */
	void (*free)(void *ctx, void *ptr, size_t size);
	void (*lock)(void *ctx);		/* recursive; may be NULL */
	void (*unlock)(void *ctx);		/* may be NULL */
	uint32_t (*random)(void *ctx);		/* ids, xids; NULL: a weak LCG */
	void (*log)(void *ctx, enum net_log_level lvl, const char *msg);
	/*
	 * The stack has work for the next net_poll() that no device interrupt
	 * will announce (a loopback packet queued); may be NULL. Called with
	 * the stack lock held: it must only wake whoever polls.
	 */
	void (*kick)(void *ctx);
	/* Monotonic nanoseconds; may be NULL (then net_poll's now_ns rules). */
	uint64_t (*now)(void *ctx);
	void *ctx;				/* passed to every hook */
};

/*
 * Sizes fixed at creation; zero fields take the defaults in netstack.c.
 * The small-buffer pool alone can grow later, up to pkt_small_max, through
 * pktpool_grow() (pktbuf.h).
 */
struct netstack_params {
	uint32_t pkt_small;		/* buffers of NET_PKT_SMALL_CAP bytes */
	uint32_t pkt_small_max;		/* cap on pktpool_grow(), >= pkt_small */
	uint32_t pkt_reserve;		/* small buffers receive rings never get */
	uint32_t pkt_large;		/* buffers for 64 KiB datagrams */
	uint32_t arp_entries;		/* ARP cache size (bounded) */
	uint32_t arp_queue_max;		/* packets held awaiting resolution */
	uint32_t reass_slots;		/* datagrams reassembled at once */
	uint32_t reass_max_frags;	/* fragments accepted per datagram */
	uint64_t reass_timeout_ns;	/* RFC 791: give up after this */
	uint32_t icmp_rate_per_s;	/* error token bucket refill rate */
	uint32_t icmp_burst;		/* error token bucket depth */
	/* TCP (net/tcp*.c); times in ms */
	uint32_t tcp_max_pcbs;		/* connections + listeners + TIME-WAIT */
	uint32_t tcp_sndbuf;		/* default send ring bytes */
	uint32_t tcp_rcvbuf;		/* default receive ring bytes */
	uint32_t tcp_rcvbuf_max;	/* a receive ring grows up to this */
	uint32_t tcp_msl_ms;		/* RFC 9293 3.4.2: TIME-WAIT is 2 * MSL */
	uint32_t tcp_rto_initial_ms;	/* RFC 6298 2.1: 1 s */
	uint32_t tcp_rto_min_ms;	/* RFC 6298 2.4 */
	uint32_t tcp_rto_max_ms;	/* RFC 6298 2.5 */
	uint32_t tcp_syn_retries;	/* SYN / SYN-ACK retransmissions */
	uint32_t tcp_max_retries;	/* RTOs in a row before ETIMEDOUT */
	uint32_t tcp_syn_backlog;	/* half-open connections per listener */
	uint32_t tcp_delack_ms;		/* RFC 1122 4.2.3.2: at most 500 */
	uint32_t tcp_challenge_acks_per_s; /* RFC 5961 7 */
	uint32_t tcp_fin_wait2_ms;	/* orphaned FIN-WAIT-2 lifetime */
	uint32_t tcp_keepidle_s;	/* RFC 1122 4.2.3.6: >= 2 hours */
	uint32_t tcp_keepintvl_s;
	uint32_t tcp_keepcnt;
	uint32_t tcp_syncookies;	/* RFC 4987 when the SYN queue is full:
					 * 1 (default) on, 2 off */
};

/*
 * Drop reasons and event counters, readable by apps. X-macro so the name
 * table cannot drift from the enum.
 */
#define NET_STAT_LIST(X) \
	X(DROP_NOBUFS) X(DROP_LINK_DOWN) X(DROP_TX_ERROR) \
	X(DROP_ETH_SHORT) X(DROP_ETH_NOT_FOR_US) X(DROP_ETH_TYPE) \
	X(DROP_ARP_SHORT) X(DROP_ARP_BAD_HDR) X(DROP_ARP_BAD_OP) \
	X(DROP_ARP_BAD_SENDER) X(DROP_ARP_QUEUE_FULL) X(DROP_ARP_TIMEOUT) \
	X(DROP_ARP_NO_ENTRY) \
	X(DROP_IP_SHORT) X(DROP_IP_VERSION) X(DROP_IP_BAD_IHL) \
	X(DROP_IP_BAD_LEN) X(DROP_IP_CHECKSUM) X(DROP_IP_BAD_SRC) \
	X(DROP_IP_NOT_FOR_US) X(DROP_IP_NO_ROUTE) X(DROP_IP_PROTO) \
	X(DROP_IP_DF_TOO_BIG) X(DROP_IP_MARTIAN) \
	X(DROP_REASS_TIMEOUT) X(DROP_REASS_OVERSIZE) X(DROP_REASS_TOO_MANY) \
	X(DROP_REASS_BAD_FRAG) X(DROP_REASS_EVICTED) X(DROP_REASS_DUP) \
	X(DROP_ICMP_SHORT) X(DROP_ICMP_CHECKSUM) X(DROP_ICMP_TYPE) \
	X(DROP_ICMP_BCAST_ECHO) X(DROP_ICMP_RATELIMIT) X(DROP_ICMP_NO_LISTENER) \
	X(DROP_UDP_SHORT) X(DROP_UDP_BAD_LEN) X(DROP_UDP_CHECKSUM) \
	X(DROP_UDP_NO_PORT) \
	X(DROP_IP_SRC_ZERO) X(DROP_IP_SRC_CLASS_E) X(DROP_IP_SRC_OURS) \
	X(DROP_IP_L2_BCAST) X(DROP_ETH_BAD_SRC) \
	X(DROP_DHCP_BAD) X(DROP_DHCP_NOT_OURS) X(DROP_LOOP_FULL) \
	X(DROP_DHCP_BAD_ADDR) \
	X(IP_FRAG_OUT) X(IP_REASS_OK) X(ICMP_ERROR_OUT) X(ICMP_ECHO_REPLIED) \
	X(ARP_REQUEST_OUT) X(ARP_REPLY_OUT) X(ARP_GRATUITOUS_OUT) \
	X(DHCP_LEASE_ACQUIRED) X(DHCP_NAK) X(DHCP_LEASE_EXPIRED) \
	X(TCP_SEG_IN) X(TCP_SEG_OUT) \
	X(DROP_TCP_SHORT) X(DROP_TCP_CHECKSUM) X(DROP_TCP_BAD_OFF) \
	X(DROP_TCP_NO_PCB) X(DROP_TCP_PAWS) X(DROP_TCP_OUT_OF_WINDOW) \
	X(DROP_TCP_BAD_ACK) X(DROP_TCP_BAD_FLAGS) X(DROP_TCP_BCAST) \
	X(DROP_TCP_LISTEN_OVERFLOW) X(DROP_TCP_OOO_FULL) X(DROP_TCP_NOMEM) \
	X(DROP_TCP_SYN_SENT) X(DROP_TCP_CLOSED) X(DROP_TCP_NO_ACK) \
	X(DROP_TCP_SYN_FIN) \
	X(TCP_BAD_OPTION) X(TCP_RST_OUT) X(TCP_RST_IN) \
	X(TCP_CHALLENGE_ACK) X(TCP_CHALLENGE_ACK_LIMITED) \
	X(TCP_RETRANSMIT) X(TCP_FAST_RETRANSMIT) X(TCP_RTO) \
	X(TCP_ACTIVE_OPEN) X(TCP_PASSIVE_OPEN) X(TCP_ESTAB_RESET) \
	X(TCP_ACCEPT_STEERED) X(TCP_ACCEPT_STOLEN) \
	X(TCP_TIMEOUT) X(TCP_TX_BACKPRESSURE) X(TCP_TW_REUSE) \
	X(TCP_DELAYED_ACK) X(TCP_RCV_GROW) X(TCP_RCV_WND_RETRACT) X(TCP_PERSIST_PROBE) X(TCP_KEEPALIVE_PROBE) \
	X(TCP_SYN_COOKIE_SENT) X(TCP_SYN_COOKIE_OK) X(TCP_SACK_RECOVERY) \
	X(TCP_PARTIAL_ACK) X(TCP_DUP_ACK_IN) \
	X(ICMP_ERROR_IN) X(DROP_ICMP_BAD_QUOTE) X(DROP_ICMP_TCP_NO_CONN) \
	X(DROP_ICMP_TCP_SEQ) X(TCP_PMTU_REDUCED) X(TCP_ICMP_SOFT) \
	X(TCP_ICMP_ABORT) \
	X(TCP_TW_RECYCLED) X(TCP_SPURIOUS_UNDO) X(TCP_TLP_PROBE) \
	X(TCP_LOST_RETRANSMIT) \
	X(DROP_TCP_LISTEN_RST) X(TCP_SYN_RECEIVED) \
	X(DROP_IP_GSO_NO_TSO) X(TCP_TSO_SEG_OUT) X(CSUM_RX_TRUSTED) \
	X(TCP_SEND_REF) X(TCP_SEND_REF_COPIED) X(TCP_SEG_REF_OUT)

#define NET_STAT_ENUM(name) NET_STAT_##name,
enum net_stat {
	NET_STAT_LIST(NET_STAT_ENUM)
	NET_STAT_COUNT
};
#undef NET_STAT_ENUM

/* NULL if env lacks alloc/free or memory for the pools is short. */
struct netstack *netstack_create(const struct net_env *env,
				 const struct netstack_params *params);
/* Frees every interface, queued packet and the pools. */
void netstack_destroy(struct netstack *ns);

/* Advance the stack's clock to now_ns and run whatever timers are due. */
void net_poll(struct netstack *ns, uint64_t now_ns);
/* The stack's clock: env.now() when set (never going backwards), else the
 * time of the last net_poll(). */
uint64_t net_now(struct netstack *ns);
/*
 * When the next stack timer is due, on the stack's clock: UINT64_MAX when
 * nothing is pending at all, a time <= net_now() when work is waiting now
 * (a loopback packet queued). Sleep until then, or until a device
 * interrupt or env.kick, and call net_poll().
 */
uint64_t net_next_deadline(struct netstack *ns);

uint64_t net_stat_get(const struct netstack *ns, enum net_stat s);
const char *net_stat_name(enum net_stat s);

/* Packet buffers in use (allocated, not yet freed); 0 when idle. */
uint32_t net_pkt_in_use(const struct netstack *ns);

#endif /* NET_NETSTACK_H */

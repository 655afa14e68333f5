/*
 * netstack.h: the network stack as an object, and the one boundary through
 * which it reaches the machine.
 *
 * A struct netstack owns its interfaces, ARP cache, routes, reassembly state,
 * ICMP and UDP endpoints and its packet pool. There are no globals in net/;
 * a process may create as many stacks as it likes.
 *
 * Everything machine-specific comes in through struct net_env, given to
 * netstack_create(): memory, a lock, randomness and a log hook. Time comes in
 * as an argument: net_poll(ns, now_ns) records now_ns as the stack's clock and
 * runs every timer that is due (ARP, reassembly, DHCP, loopback delivery).
 * Input paths (netif_input() and the API calls) use the time of the last
 * net_poll(); the kernel calls net_poll() with a fresh time before draining a
 * NIC's receive ring, so the granularity of the stack's clock is the poll.
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
	X(DROP_DHCP_BAD) X(DROP_DHCP_NOT_OURS) X(DROP_LOOP_FULL) \
	X(IP_FRAG_OUT) X(IP_REASS_OK) X(ICMP_ERROR_OUT) X(ICMP_ECHO_REPLIED) \
	X(ARP_REQUEST_OUT) X(ARP_REPLY_OUT) X(ARP_GRATUITOUS_OUT) \
	X(DHCP_LEASE_ACQUIRED) X(DHCP_NAK) X(DHCP_LEASE_EXPIRED)

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
/* The time of the last net_poll(). */
uint64_t net_now(const struct netstack *ns);

uint64_t net_stat_get(const struct netstack *ns, enum net_stat s);
const char *net_stat_name(enum net_stat s);

/* Packet buffers in use (allocated, not yet freed); 0 when idle. */
uint32_t net_pkt_in_use(const struct netstack *ns);

#endif /* NET_NETSTACK_H */

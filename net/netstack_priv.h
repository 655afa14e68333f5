/*
 * netstack_priv.h: internals shared by the files of net/. Not for drivers
 * or apps, which use the public headers.
 *
 * struct netstack holds all state of one stack; nothing in net/ is global.
 * Fixed-size tables (interfaces, routes, UDP endpoints) live inline; the
 * packet pool, ARP cache and reassembly slots are allocated once at
 * netstack_create() from env.alloc and sized by struct netstack_params.
 */
#ifndef NET_NETSTACK_PRIV_H
#define NET_NETSTACK_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "netstack.h"
#include "pktbuf.h"
#include "netif.h"
#include "route.h"
#include "ip.h"
#include "udp.h"
#include "icmp.h"
#include "timer.h"
#include "eth.h"

struct pktchunk;

/* Small buffers live in chunks added by pktpool_grow(); large ones in one array. */
struct pktpool {
	struct netstack *ns;		/* owner, for locking and stats */
	struct pktchunk *chunks;	/* every chunk of small buffers */
	struct pktchunk *chunks_large;	/* large buffers added later */
	struct pktbuf *descs_large;	/* n_large descriptors */
	uint8_t *mem_large;		/* n_large * NET_PKT_LARGE_CAP */
	struct pktbuf *free_small;	/* free list through next */
	struct pktbuf *free_large;
	uint32_t n_small;		/* small buffers owned, all chunks */
	uint32_t n_small_max;		/* pktpool_grow() stops here */
	uint32_t n_small_pending;	/* granted to a grow still allocating */
	uint32_t n_free_small;		/* length of free_small */
	uint32_t n_large;		/* all large buffers, chunks included */
	uint32_t n_large_pending;	/* granted to a grow still allocating */
	uint32_t reserve;		/* small buffers pktbuf_alloc_rx() leaves */
	uint32_t in_use;		/* allocated and not yet freed */
};

struct netif_addr {
	uint32_t addr;			/* host order, 0 = slot free */
	uint8_t prefix;
};

struct dhcp_client;
struct tcp_stack;

struct netif {
	struct netstack *ns;		/* owning stack */
	int index;			/* 1-based */
	char name[NETIF_NAMESIZ];
	const struct netif_ops *ops;
	void *drv;			/* driver's private state */
	bool loopback;			/* no link header, no ARP */
	bool up;			/* administratively up */
	uint8_t mac[ETH_ALEN];
	uint16_t mtu;
	struct netif_addr addrs[NETIF_MAX_ADDRS];
	struct netif_stats stats;
	struct dhcp_client *dhcp;	/* NULL unless DHCP runs here */
	uint32_t rcv_wnd_max;		/* TCP receive window cap, 0: none */
	uint32_t offload;		/* NETIF_OFFLOAD_*, from ops->get_offload */
};

enum arp_state {
	ARP_FREE,
	ARP_PENDING,			/* request sent, packets queued */
	ARP_REACHABLE,
};

struct arp_entry {
	uint32_t ip;			/* host order */
	int ifindex;
	uint8_t mac[ETH_ALEN];
	uint8_t state;			/* enum arp_state */
	uint8_t retries;		/* requests sent while pending */
	uint64_t deadline;		/* expiry, or next retry if pending */
	uint64_t last_used;		/* for eviction when full */
	struct pktq q;			/* waiting for resolution */
	struct arp_entry *hnext;	/* hash chain */
};

struct arp_cache {
	struct arp_entry *entries;	/* par.arp_entries of them */
	struct arp_entry **buckets;	/* nbuckets chains */
	uint32_t nbuckets;		/* power of two */
	uint32_t used;			/* entries not free */
	uint32_t queued;		/* packets on all entry queues */
	uint64_t next_timer;		/* earliest deadline, or UINT64_MAX */
};

struct route_entry {
	bool used;
	uint32_t dst;			/* network, host order, masked */
	uint8_t prefix;
	uint32_t gw;			/* 0: on-link */
	int ifindex;
	uint32_t metric;
};

#define REASS_BITMAP_BYTES	(65536 / 8 / 8)	/* one bit per 8-byte block */

struct reass_slot {
	bool used;
	uint32_t src;			/* RFC 791 3.2: src, dst, id, proto */
	uint32_t dst;
	uint16_t id;
	uint8_t proto;
	int ifindex;
	struct pktbuf *buf;		/* large buffer receiving the data */
	uint8_t hdr[60];		/* header of the first fragment */
	uint8_t hdr_len;		/* 0 until offset 0 arrived */
	uint32_t total;			/* payload length, 0 until last seen */
	uint32_t end_max;		/* furthest data octet received */
	uint32_t blocks;		/* 8-byte blocks received */
	uint32_t nfrags;		/* fragments accepted */
	uint64_t deadline;
	uint64_t started;		/* for evicting the oldest */
	uint8_t bitmap[REASS_BITMAP_BYTES];
};

struct icmp_echo_sent {
	uint32_t dst;
	uint16_t id;
	uint16_t seq;
	uint64_t tx_ns;
	bool used;
};

#define ICMP_ECHO_REMEMBER 16

struct icmp_state {
	void (*echo_fn)(void *arg, const struct icmp_echo_reply *r);
	void *echo_arg;
	uint64_t tokens_milli;		/* token bucket, 1000 per token */
	uint64_t last_refill;
	struct icmp_echo_sent sent[ICMP_ECHO_REMEMBER];
	uint32_t sent_next;		/* ring cursor */
};

struct udp_pcb {
	bool used;
	uint16_t port;			/* host order */
	int ifindex;			/* 0: any */
	void (*recv)(void *arg, const struct udp_meta *m,
		     const uint8_t *data, size_t len);
	void *arg;
};

#define LOOP_QUEUE_MAX 256

struct net_timer_heap {
	struct net_timer **v;		/* min-heap on ->when */
	uint32_t n;			/* armed timers */
	uint32_t cap;			/* slots in v */
};

struct netstack {
	struct net_env env;
	struct netstack_params par;	/* with defaults filled in */
	uint64_t now;			/* the clock, see net_clock() */
	uint32_t rng;			/* fallback when env.random is NULL */
	uint64_t stats[NET_STAT_COUNT];
	struct pktpool pool;
	struct netif *ifs[NETIF_MAX];	/* slot (ifindex - 1) % NETIF_MAX */
	int next_index;			/* where the next ifindex search starts */
	uint32_t next_eth;		/* N of the next default "ethN" */
	struct arp_cache arp;
	struct route_entry routes[ROUTE_MAX];
	struct reass_slot *reass;	/* par.reass_slots of them */
	uint16_t ip_id;
	struct icmp_state icmp;
	struct udp_pcb udp[UDP_MAX_PCBS];
	struct pktq loopq;		/* frames sent on lo, delivered at poll */
	int lo_index;
	struct net_timer_heap timers;	/* every armed net_timer */
	struct tcp_stack *tcp;		/* tcp_priv.h */
};

/* netstack.c */
void *net_alloc(struct netstack *ns, size_t size);	/* zeroed */
/* Not zeroed: for buffers whose bytes are written before they are read (TCP rings). */
void *net_alloc_raw(struct netstack *ns, size_t size);
void net_free(struct netstack *ns, void *p, size_t size);
void net_lock(struct netstack *ns);
void net_unlock(struct netstack *ns);
uint32_t net_random(struct netstack *ns);
void net_log(struct netstack *ns, enum net_log_level lvl, const char *msg);
void net_count(struct netstack *ns, enum net_stat s);
/* Adds n to a counter that counts bytes (TCP_SEND_REF). */
void net_add(struct netstack *ns, enum net_stat s, uint64_t n);
void net_drop(struct netstack *ns, struct netif *nif, enum net_stat s);
/* Refresh ns->now from env.now (if set) and return it; call on entry. */
uint64_t net_clock(struct netstack *ns);

/* timer.c */
int net_timers_init(struct netstack *ns, uint32_t cap);
void net_timers_run(struct netstack *ns, uint64_t now);
uint64_t net_timers_next(const struct netstack *ns);
void net_timers_fini(struct netstack *ns);

/* pktbuf.c */
int pktpool_init(struct netstack *ns, struct pktpool *pool);
void pktpool_fini(struct netstack *ns, struct pktpool *pool);

/* netif.c */
struct netif *netif_lookup(struct netstack *ns, int ifindex);
/* netif_addr_primary() for a caller that holds the lock and the netif. */
uint32_t netif_addr_first(const struct netif *nif);
bool netif_has_addr(const struct netif *nif, uint32_t ip);
bool netif_is_bcast(const struct netif *nif, uint32_t ip);
struct netif *net_local_addr_if(struct netstack *ns, uint32_t ip);
int netif_output(struct netstack *ns, struct netif *nif, struct pktbuf *p,
		 uint32_t nexthop);
int netif_xmit(struct netif *nif, struct pktbuf *p);
void netif_destroy_all(struct netstack *ns);

/* eth.c */
void eth_input(struct netif *nif, struct pktbuf *p);
int eth_output(struct netif *nif, struct pktbuf *p, const uint8_t *dst,
	       uint16_t type);

/* arp.c */
int arp_init(struct netstack *ns);
void arp_fini(struct netstack *ns);
void arp_input(struct netif *nif, struct pktbuf *p);
int arp_output(struct netif *nif, struct pktbuf *p, uint32_t nexthop);
void arp_poll(struct netstack *ns);
void arp_flush_if(struct netstack *ns, int ifindex);
int arp_announce(struct netif *nif, uint32_t ip);

/* ip.c */
void ip_input(struct netif *nif, struct pktbuf *p);
uint16_t ip_next_id(struct netstack *ns);
bool ip_addr_is_bcast(struct netstack *ns, uint32_t a);

/* ip_reass.c */
int ip_reass_init(struct netstack *ns);
void ip_reass_fini(struct netstack *ns);
struct pktbuf *ip_reass(struct netstack *ns, struct netif *nif,
			struct pktbuf *p, const struct ip_hdr *h);
void ip_reass_poll(struct netstack *ns);
uint64_t ip_reass_next_deadline(struct netstack *ns);
uint32_t ip_reass_in_use(struct netstack *ns);

/* ip_frag.c */
int ip_fragment(struct netstack *ns, struct netif *nif, struct pktbuf *p,
		const struct ip_hdr *h, uint32_t nexthop);

/* route.c */
void route_flush_if(struct netstack *ns, int ifindex);
int route_del_exact(struct netstack *ns, uint32_t dst, uint8_t prefix,
		    uint32_t gw, int ifindex);

/* loopback.c */
int loopback_init(struct netstack *ns);
void loopback_poll(struct netstack *ns);

/* icmp.c */
void icmp_init(struct netstack *ns);
void icmp_input(struct netstack *ns, struct netif *nif, struct pktbuf *p,
		const struct ip_hdr *h);
void icmp_send_error(struct netstack *ns, const struct pktbuf *p,
		     const struct ip_hdr *h, uint8_t type, uint8_t code);

/* udp.c */
void udp_input(struct netstack *ns, struct netif *nif, struct pktbuf *p,
	       const struct ip_hdr *h);

/* dhcp.c */
void dhcp_poll(struct netstack *ns);
uint64_t dhcp_next_deadline(struct netstack *ns);
void dhcp_detach(struct netstack *ns, struct netif *nif);

#endif /* NET_NETSTACK_PRIV_H */

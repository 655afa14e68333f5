/*
 * pktbuf.h: the one packet buffer type shared by drivers and the stack.
 *
 * A pktbuf is one contiguous buffer: head .. head+cap is storage, data ..
 * data+len is the packet. Headers are prepended with pktbuf_push() into the
 * headroom and stripped with pktbuf_pull(), without copying. push, pull, put
 * and trim check bounds and return NULL / -EINVAL instead of overrunning.
 *
 * Ownership: whoever receives a pktbuf owns it. Every *_input() and every
 * netif xmit consumes the buffer it is given and frees it on drop.
 *
 * Buffers come from pools owned by the stack: small buffers for frames,
 * large ones for 64 KiB datagrams (reassembly and big echo requests).
 * Exhaustion returns NULL and counts DROP_NOBUFS. The large pool is fixed at
 * netstack_create(); the small pool starts at netstack_params.pkt_small and
 * grows in chunks through pktpool_grow(), never past pkt_small_max, never
 * shrinking (a NIC that posts a receive ring asks for its ring's worth).
 *
 * pktbufs are for frames in flight only: a frame being received, routed,
 * answered or waiting briefly for ARP or a free transmit slot. Anything that
 * holds data for long (TCP's send and receive queues, application buffers)
 * keeps it in its own byte storage, never in pktbufs, so that it cannot eat
 * the receive budget.
 *
 * Receive rings are filled with pktbuf_alloc_rx(), which always leaves
 * pkt_reserve small buffers free: however many NICs post rings, the stack
 * can still send ARP, ICMP and DHCP, so RX posting cannot make it deaf.
 */
#ifndef NET_PKTBUF_H
#define NET_PKTBUF_H

#include <stddef.h>
#include <stdint.h>

struct netstack;
struct pktpool;

#define NET_PKT_SMALL_CAP	2048u	/* an Ethernet frame plus headroom */
#define NET_PKT_LARGE_CAP	(65536u + 256u)	/* a whole IPv4 datagram */
#define NET_HEADROOM		128u	/* room for link + IP headers */

struct pktbuf {
	uint8_t *head;		/* start of storage */
	uint8_t *data;		/* start of the packet */
	size_t len;		/* bytes of packet at data */
	size_t cap;		/* bytes of storage at head */
	struct pktbuf *next;	/* queue link, owned by the current holder */
	struct pktpool *pool;	/* where pktbuf_free() returns it */
	uint16_t ifindex;	/* receiving interface, 0 if none */
	uint8_t l2_bcast;	/* received as link-layer broadcast */
};

/*
 * A buffer with headroom bytes before data and len bytes of (uninitialised)
 * packet. Picks a small buffer when headroom + len fits, else a large one.
 */
struct pktbuf *pktbuf_alloc(struct netstack *ns, size_t headroom, size_t len);
void pktbuf_free(struct pktbuf *p);

/*
 * A small buffer to park in a receive ring, as pktbuf_alloc() but NULL
 * (without counting a drop: nothing was lost) once only the reserve is left.
 */
struct pktbuf *pktbuf_alloc_rx(struct netstack *ns, size_t headroom, size_t len);

/*
 * Adds up to n small buffers to the pool, in chunks of at most
 * PKTPOOL_CHUNK buffers (a chunk's storage is one allocation of at most
 * 1 MiB, well within a kernel heap's 4 MiB limit). Returns the number added,
 * which is less than n when the cap (pkt_small_max) or memory ran out;
 * -ENOSPC when the pool is already at its cap and -ENOMEM when no chunk
 * could be had, both with nothing added. Not for per-packet paths: it
 * calls env.alloc (without the stack lock held across it).
 */
#define PKTPOOL_CHUNK 512u
int pktpool_grow(struct netstack *ns, uint32_t n);

struct pktpool_stats {
	uint32_t small_total;	/* small buffers owned */
	uint32_t small_free;	/* of those, free now */
	uint32_t small_max;	/* growth cap */
	uint32_t reserve;	/* free small buffers pktbuf_alloc_rx() leaves */
	uint32_t large_total;
	uint32_t in_use;	/* small and large allocated now */
};

void pktpool_get_stats(struct netstack *ns, struct pktpool_stats *st);

/* Prepend n bytes; returns the new data pointer or NULL without headroom. */
uint8_t *pktbuf_push(struct pktbuf *p, size_t n);
/* Strip n bytes from the front; returns the new data pointer or NULL. */
uint8_t *pktbuf_pull(struct pktbuf *p, size_t n);
/* Append n bytes; returns a pointer to them or NULL without tailroom. */
uint8_t *pktbuf_put(struct pktbuf *p, size_t n);
/* Shorten to len bytes (drop link padding); -EINVAL if len > p->len. */
int pktbuf_trim(struct pktbuf *p, size_t len);

static inline size_t pktbuf_headroom(const struct pktbuf *p)
{
	return (size_t)(p->data - p->head);
}

static inline size_t pktbuf_tailroom(const struct pktbuf *p)
{
	return p->cap - pktbuf_headroom(p) - p->len;
}

/* A FIFO of buffers linked through next. */
struct pktq {
	struct pktbuf *head;	/* oldest */
	struct pktbuf *tail;	/* newest */
	uint32_t len;		/* buffers queued */
};

void pktq_push(struct pktq *q, struct pktbuf *p);
struct pktbuf *pktq_pop(struct pktq *q);
void pktq_purge(struct pktq *q);	/* free every buffer */

#endif /* NET_PKTBUF_H */

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
 * large ones for 64 KiB datagrams (reassembly, big echo requests, TSO
 * segments and coalesced receives). Exhaustion returns NULL and counts
 * DROP_NOBUFS. The large pool starts at netstack_params.pkt_large and grows
 * only through pktpool_grow_large() (a NIC with TSO asks for some), never
 * past PKTPOOL_LARGE_MAX; the small pool starts at netstack_params.pkt_small and
 * grows in chunks through pktpool_grow(), never past pkt_small_max, never
 * shrinking (a NIC that posts a receive ring asks for its ring's worth).
 *
 * pktbufs are for frames in flight only: a frame being received, routed,
 * answered or waiting briefly for ARP or a free transmit slot. Anything that
 * holds data for long (TCP's send and receive queues, application buffers)
 * keeps it in its own byte storage, never in pktbufs, so that it cannot eat
 * the receive budget.
 *
 * A transmitted frame may end in a fragment (frag, frag_len): read-only
 * bytes outside the buffer that follow data .. data+len on the wire, so
 * TCP can send a static file's bytes without copying them (tcp_send_ref).
 * len counts the buffer's own bytes only; pktbuf_total() is the frame.
 * Only an interface with NETIF_OFFLOAD_SG is handed one: ip_output()
 * linearizes for the others (pktbuf_linearize) and ip_fragment() copies
 * out of both parts, so code below IP that reads data .. data+len of a
 * frame sent elsewhere never sees a fragment. Received buffers never
 * have one.
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
	uint8_t csum;		/* PKTBUF_CSUM_*: checksum offload state */
	uint8_t rx_queue;	/* 1 + the receive queue of a multiqueue link, 0: one queue */
	uint16_t csum_start;	/* PARTIAL: where summing starts, from head */
	uint16_t csum_offset;	/* PARTIAL: the field, from csum_start */
	uint16_t gso_size;	/* TCP payload per wire segment (TSO), 0: none */
	const uint8_t *frag;	/* read-only bytes after data+len, or NULL */
	size_t frag_len;	/* bytes at frag, 0: none */
};

/*
 * Checksum offload state (the meanings of virtio 1.2 5.1.6's
 * NEEDS_CSUM and DATA_VALID, and Linux's CHECKSUM_PARTIAL/UNNECESSARY):
 * - PARTIAL (transmit): the transport checksum is not done. The field at
 *   csum_start + csum_offset holds the folded pseudo-header sum and
 *   whoever sends the frame (the NIC, or ip_output() for one that cannot)
 *   completes it over csum_start .. the end.
 * - VALID (receive): the NIC (or the host behind a virtual one) vouches for
 *   the transport checksum, which may itself be partial: do not verify it.
 * A fresh buffer has neither; a copy into a new buffer must not carry them.
 */
#define PKTBUF_CSUM_NONE	0
#define PKTBUF_CSUM_PARTIAL	1
#define PKTBUF_CSUM_VALID	2

/* Marks p's transport checksum partial: start is data-relative, the field at start + offset. */
void pktbuf_csum_partial(struct pktbuf *p, size_t start, uint16_t offset);
/* Completes a PARTIAL checksum in software and clears the state; no-op otherwise. */
void pktbuf_csum_finish(struct pktbuf *p);

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
 * A large buffer if one is free, else NULL without counting a drop: for
 * senders that can fall back to a small frame (TSO) or readers that can
 * drop a coalesced frame they have counted themselves.
 */
struct pktbuf *pktbuf_alloc_large_try(struct netstack *ns, size_t headroom, size_t len);

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

/*
 * Adds n large buffers (one allocation of n * NET_PKT_LARGE_CAP bytes),
 * for a NIC that sends or receives 64 KiB segments (TSO, coalesced
 * receive). Returns n, -ENOSPC past PKTPOOL_LARGE_MAX, -ENOMEM. Not for
 * per-packet paths.
 */
#define PKTPOOL_LARGE_MAX 64u
int pktpool_grow_large(struct netstack *ns, uint32_t n);

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

/* The frame's bytes: the buffer's own and the fragment's. */
static inline size_t pktbuf_total(const struct pktbuf *p)
{
	return p->len + p->frag_len;
}

/* Appends n read-only bytes at ext (which outlive the frame) as p's fragment. */
void pktbuf_frag_set(struct pktbuf *p, const void *ext, size_t n);
/* Copies n bytes of the frame from off (buffer, then fragment) to dst; the
 * caller keeps off + n <= pktbuf_total(p). */
void pktbuf_copy_out(const struct pktbuf *p, size_t off, void *dst, size_t n);
/*
 * The frame in one buffer: the fragment copied into p's tailroom, or p's
 * bytes and state moved to a new buffer (same headroom) when it has too
 * little. Returns the buffer to use (p itself when it had no fragment);
 * NULL, p freed and DROP_NOBUFS counted, when no buffer is free.
 */
struct pktbuf *pktbuf_linearize(struct netstack *ns, struct pktbuf *p);

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

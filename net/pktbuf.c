/*
 * pktbuf.c: packet buffers and the stack's pools of them.
 *
 * Promises: the first pkt_large large and pkt_small small buffers are taken
 * at netstack_create(); later small buffers come only from pktpool_grow(),
 * a chunk (one descriptor block, one storage block) at a time, up to
 * pkt_small_max, later large ones only from pktpool_grow_large(), one chunk
 * per call, up to PKTPOOL_LARGE_MAX; all stay until the stack is destroyed. alloc and free are
 * O(1) free-list operations under the stack lock; exhaustion returns NULL
 * and counts DROP_NOBUFS; pktbuf_alloc_rx() never takes the last
 * pkt_reserve small buffers. push, pull, put and trim never step outside
 * head .. head+cap. Under ASan (pktbuf_poison.h) a free buffer's storage is
 * poisoned whole and a buffer in use is poisoned outside its packet bytes,
 * so an overrun or a use-after-free inside a pool is reported.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "byteorder.h"
#include "checksum.h"
#include "pktbuf_poison.h"

/* n buffers of cap bytes: descriptors here, storage in mem. */
struct pktchunk {
	struct pktchunk *next;		/* pool's chunk list */
	uint8_t *mem;			/* n * cap */
	uint32_t n;
	uint32_t cap;			/* NET_PKT_SMALL_CAP or NET_PKT_LARGE_CAP */
	struct pktbuf descs[];		/* n of them */
};

static size_t chunk_hdr_size(uint32_t n)
{
	return sizeof(struct pktchunk) + (size_t)n * sizeof(struct pktbuf);
}

static void chunk_free(struct netstack *ns, struct pktchunk *c)
{
	/* Hand the allocator its block as it gave it. */
	PKTBUF_UNPOISON(c->mem, (size_t)c->n * c->cap);
	net_free(ns, c->mem, (size_t)c->n * c->cap);
	net_free(ns, c, chunk_hdr_size(c->n));
}

/* A chunk of n buffers of cap bytes, not yet on any list; called without the lock. */
static struct pktchunk *chunk_alloc(struct pktpool *pool, uint32_t n, uint32_t cap)
{
	struct netstack *ns = pool->ns;
	struct pktchunk *c = net_alloc(ns, chunk_hdr_size(n));
	uint32_t i;

	if (!c)
		return NULL;
	c->n = n;
	c->cap = cap;
	c->mem = net_alloc(ns, (size_t)n * cap);
	if (!c->mem) {
		net_free(ns, c, chunk_hdr_size(n));
		return NULL;
	}
	PKTBUF_POISON(c->mem, (size_t)n * cap);
	for (i = 0; i < n; i++) {
		c->descs[i].pool = pool;
		c->descs[i].cap = cap;
		c->descs[i].head = c->mem + (size_t)i * cap;
	}
	return c;
}

/* Puts a new chunk's buffers on the free list; called with the lock held. */
static void chunk_link(struct pktpool *pool, struct pktchunk *c)
{
	uint32_t i;

	c->next = pool->chunks;
	pool->chunks = c;
	for (i = c->n; i-- > 0;) {
		c->descs[i].next = pool->free_small;
		pool->free_small = &c->descs[i];
	}
	pool->n_small += c->n;
	pool->n_free_small += c->n;
}

/* Allocates and links up to n small buffers, PKTPOOL_CHUNK at a time; returns how many. */
static uint32_t pool_add(struct pktpool *pool, uint32_t n)
{
	uint32_t added = 0;

	while (added < n) {
		uint32_t k = n - added < PKTPOOL_CHUNK ? n - added : PKTPOOL_CHUNK;
		struct pktchunk *c = chunk_alloc(pool, k, NET_PKT_SMALL_CAP);

		if (!c)
			break;
		net_lock(pool->ns);
		chunk_link(pool, c);
		net_unlock(pool->ns);
		added += k;
	}
	return added;
}

int pktpool_init(struct netstack *ns, struct pktpool *pool)
{
	uint32_t i;

	memset(pool, 0, sizeof(*pool));
	pool->ns = ns;
	pool->n_small_max = ns->par.pkt_small_max;
	pool->reserve = ns->par.pkt_reserve;
	pool->n_large = ns->par.pkt_large;
	pool->descs_large = net_alloc(ns, sizeof(struct pktbuf) * pool->n_large);
	pool->mem_large = net_alloc(ns, (size_t)pool->n_large * NET_PKT_LARGE_CAP);
	if (!pool->descs_large || !pool->mem_large ||
	    pool_add(pool, ns->par.pkt_small) < ns->par.pkt_small) {
		pktpool_fini(ns, pool);
		return -ENOMEM;
	}
	PKTBUF_POISON(pool->mem_large, (size_t)pool->n_large * NET_PKT_LARGE_CAP);
	for (i = 0; i < pool->n_large; i++) {
		struct pktbuf *p = &pool->descs_large[i];

		p->pool = pool;
		p->cap = NET_PKT_LARGE_CAP;
		p->head = pool->mem_large + (size_t)i * NET_PKT_LARGE_CAP;
		p->next = pool->free_large;
		pool->free_large = p;
	}
	return 0;
}

void pktpool_fini(struct netstack *ns, struct pktpool *pool)
{
	struct pktchunk *c;

	/* Every buffer must be home by now; a leak is a bug worth shouting. */
	if (pool->in_use)
		net_log(ns, NET_LOG_ERR, "pktbuf: buffers leaked at destroy");
	while ((c = pool->chunks)) {
		pool->chunks = c->next;
		chunk_free(ns, c);
	}
	while ((c = pool->chunks_large)) {
		pool->chunks_large = c->next;
		pool->n_large -= c->n;
		chunk_free(ns, c);
	}
	net_free(ns, pool->descs_large, sizeof(struct pktbuf) * pool->n_large);
	if (pool->mem_large)
		PKTBUF_UNPOISON(pool->mem_large, (size_t)pool->n_large * NET_PKT_LARGE_CAP);
	net_free(ns, pool->mem_large, (size_t)pool->n_large * NET_PKT_LARGE_CAP);
	pool->descs_large = NULL;
	pool->mem_large = NULL;
	pool->free_small = NULL;
	pool->free_large = NULL;
	pool->n_small = 0;
	pool->n_free_small = 0;
}

int pktpool_grow(struct netstack *ns, uint32_t n)
{
	struct pktpool *pool = &ns->pool;
	uint32_t room, grant, added;

	if (!n)
		return 0;
	/* Claim the room first so two growers cannot both pass the cap. */
	net_lock(ns);
	room = pool->n_small_max - pool->n_small - pool->n_small_pending;
	grant = n < room ? n : room;
	pool->n_small_pending += grant;
	net_unlock(ns);
	if (!grant)
		return -ENOSPC;
	added = pool_add(pool, grant);
	net_lock(ns);
	pool->n_small_pending -= grant;
	net_unlock(ns);
	return added ? (int)added : -ENOMEM;
}

int pktpool_grow_large(struct netstack *ns, uint32_t n)
{
	struct pktpool *pool = &ns->pool;
	struct pktchunk *c;
	uint32_t i;

	if (!n)
		return 0;
	net_lock(ns);
	if (pool->n_large + pool->n_large_pending + n > PKTPOOL_LARGE_MAX) {
		net_unlock(ns);
		return -ENOSPC;
	}
	pool->n_large_pending += n;
	net_unlock(ns);
	c = chunk_alloc(pool, n, NET_PKT_LARGE_CAP);
	net_lock(ns);
	pool->n_large_pending -= n;
	if (c) {
		c->next = pool->chunks_large;
		pool->chunks_large = c;
		for (i = 0; i < n; i++) {
			c->descs[i].next = pool->free_large;
			pool->free_large = &c->descs[i];
		}
		pool->n_large += n;
	}
	net_unlock(ns);
	return c ? (int)n : -ENOMEM;
}

void pktpool_get_stats(struct netstack *ns, struct pktpool_stats *st)
{
	struct pktpool *pool = &ns->pool;

	net_lock(ns);
	st->small_total = pool->n_small;
	st->small_free = pool->n_free_small;
	st->small_max = pool->n_small_max;
	st->reserve = pool->reserve;
	st->large_total = pool->n_large;
	st->in_use = pool->in_use;
	net_unlock(ns);
}

/* Takes a buffer off a free list and readies it; NULL if the list is empty. */
static struct pktbuf *pool_take(struct pktpool *pool, bool small, size_t headroom, size_t len)
{
	struct pktbuf **list = small ? &pool->free_small : &pool->free_large;
	struct pktbuf *p = *list;

	if (!p)
		return NULL;
	*list = p->next;
	if (small)
		pool->n_free_small--;
	pool->in_use++;
	p->next = NULL;
	p->data = p->head + headroom;
	p->len = len;
	p->ifindex = 0;
	p->l2_bcast = 0;
	p->rx_queue = 0;
	PKTBUF_UNPOISON(p->data, len);
	p->csum = PKTBUF_CSUM_NONE;
	p->gso_size = 0;
	p->frag = NULL;
	p->frag_len = 0;
	return p;
}

struct pktbuf *pktbuf_alloc(struct netstack *ns, size_t headroom, size_t len)
{
	struct pktbuf *p;
	size_t need = headroom + len;

	if (need > NET_PKT_LARGE_CAP) {
		net_count(ns, NET_STAT_DROP_NOBUFS);
		return NULL;
	}
	net_lock(ns);
	p = pool_take(&ns->pool, need <= NET_PKT_SMALL_CAP, headroom, len);
	if (!p)
		ns->stats[NET_STAT_DROP_NOBUFS]++;
	net_unlock(ns);
	return p;
}

struct pktbuf *pktbuf_alloc_rx(struct netstack *ns, size_t headroom, size_t len)
{
	struct pktpool *pool = &ns->pool;
	struct pktbuf *p = NULL;

	if (headroom + len > NET_PKT_SMALL_CAP)
		return NULL;
	net_lock(ns);
	if (pool->n_free_small > pool->reserve)
		p = pool_take(pool, true, headroom, len);
	net_unlock(ns);
	return p;
}

struct pktbuf *pktbuf_alloc_large_try(struct netstack *ns, size_t headroom, size_t len)
{
	struct pktbuf *p;

	if (headroom + len > NET_PKT_LARGE_CAP)
		return NULL;
	net_lock(ns);
	p = pool_take(&ns->pool, false, headroom, len);
	net_unlock(ns);
	return p;
}

void pktbuf_free(struct pktbuf *p)
{
	struct pktpool *pool;

	if (!p)
		return;
	pool = p->pool;
	net_lock(pool->ns);
	if (p->cap == NET_PKT_SMALL_CAP) {
		p->next = pool->free_small;
		pool->free_small = p;
		pool->n_free_small++;
	} else {
		p->next = pool->free_large;
		pool->free_large = p;
	}
	pool->in_use--;
	PKTBUF_POISON(p->head, p->cap);
	net_unlock(pool->ns);
}

uint8_t *pktbuf_push(struct pktbuf *p, size_t n)
{
	if (n > pktbuf_headroom(p))
		return NULL;
	p->data -= n;
	p->len += n;
	PKTBUF_UNPOISON(p->data, n);
	return p->data;
}

uint8_t *pktbuf_pull(struct pktbuf *p, size_t n)
{
	if (n > p->len)
		return NULL;
	p->data += n;
	p->len -= n;
	return p->data;
}

uint8_t *pktbuf_put(struct pktbuf *p, size_t n)
{
	uint8_t *tail = p->data + p->len;

	if (n > pktbuf_tailroom(p))
		return NULL;
	p->len += n;
	PKTBUF_UNPOISON(tail, n);
	return tail;
}

int pktbuf_trim(struct pktbuf *p, size_t len)
{
	if (len > p->len)
		return -EINVAL;
	PKTBUF_POISON(p->data + len, p->len - len);
	p->len = len;
	return 0;
}

void pktbuf_csum_partial(struct pktbuf *p, size_t start, uint16_t offset)
{
	p->csum = PKTBUF_CSUM_PARTIAL;
	p->csum_start = (uint16_t)(pktbuf_headroom(p) + start);
	p->csum_offset = offset;
}

void pktbuf_csum_finish(struct pktbuf *p)
{
	uint8_t *from = p->head + p->csum_start;
	uint8_t *end = p->data + p->len;
	uint32_t sum, fs;

	if (p->csum != PKTBUF_CSUM_PARTIAL)
		return;
	p->csum = PKTBUF_CSUM_NONE;
	/* A start outside the packet is a bug upstream; leave the bytes. */
	if (from < p->data || from + p->csum_offset + 2 > end)
		return;
	/* The field holds the pseudo-header sum, so summing it in is right. */
	sum = csum_partial(from, (size_t)(end - from), 0);
	if (p->frag_len) {
		/* RFC 1071 2 (B): after an odd number of bytes the fragment's
		 * words straddle, and its sum counts byte-swapped. */
		fs = csum_partial(p->frag, p->frag_len, 0);
		if ((size_t)(end - from) & 1)
			fs = ((fs & 0xffu) << 8) | (fs >> 8);
		sum += fs;
	}
	put_be16(from + p->csum_offset, csum_fold(sum));
}

void pktbuf_frag_set(struct pktbuf *p, const void *ext, size_t n)
{
	p->frag = n ? ext : NULL;
	p->frag_len = n;
}

void pktbuf_copy_out(const struct pktbuf *p, size_t off, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t k = 0;

	if (off < p->len) {
		k = p->len - off < n ? p->len - off : n;
		memcpy(d, p->data + off, k);
		off += k;
	}
	if (n > k)
		memcpy(d + k, p->frag + (off - p->len), n - k);
}

struct pktbuf *pktbuf_linearize(struct netstack *ns, struct pktbuf *p)
{
	size_t hr = pktbuf_headroom(p);
	struct pktbuf *q;

	if (!p->frag_len)
		return p;
	if (p->frag_len <= pktbuf_tailroom(p)) {
		memcpy(pktbuf_put(p, p->frag_len), p->frag, p->frag_len);
		pktbuf_frag_set(p, NULL, 0);
		return p;
	}
	q = pktbuf_alloc(ns, hr, pktbuf_total(p));
	if (!q) {
		pktbuf_free(p);
		return NULL;
	}
	pktbuf_copy_out(p, 0, q->data, q->len);
	q->ifindex = p->ifindex;
	q->csum = p->csum;
	q->csum_start = p->csum_start;	/* from head: same headroom */
	q->csum_offset = p->csum_offset;
	q->gso_size = p->gso_size;
	pktbuf_free(p);
	return q;
}

uint32_t net_pkt_in_use(const struct netstack *ns)
{
	return ns->pool.in_use;
}

void pktq_push(struct pktq *q, struct pktbuf *p)
{
	p->next = NULL;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->len++;
}

struct pktbuf *pktq_pop(struct pktq *q)
{
	struct pktbuf *p = q->head;

	if (!p)
		return NULL;
	q->head = p->next;
	if (!q->head)
		q->tail = NULL;
	q->len--;
	p->next = NULL;
	return p;
}

void pktq_purge(struct pktq *q)
{
	struct pktbuf *p;

	while ((p = pktq_pop(q)))
		pktbuf_free(p);
}

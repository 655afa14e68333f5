/*
 * mm/heap.c: a heap object: power-of-two size classes of 16..2048 bytes cut
 * from single pages (one class per page, objects naturally aligned, the
 * idea of Bonwick's slab allocator, USENIX 1994, without constructors), and
 * larger requests as whole buddy blocks.
 *
 * Promises: no per-object header: a block's page metadata (struct
 * buddy_page) says which heap owns it, its class and, for slabs, the free
 * list and count, so free needs only the pointer. Bad frees are reported
 * as errors, never acted on: pointers outside the span or not at an object
 * boundary (-EINVAL), objects already free or pointers into free pages
 * (-EALREADY), blocks of another
 * heap (-EXDEV). A slab page goes back to the page allocator the moment
 * its last object is freed, so an idle heap holds no pages.
 *
 * Free objects are chained through their first word; the second holds a
 * per-address magic so a double free is caught without a bitmap (the
 * suspicion is confirmed by walking the page's free list, so a live object
 * that happens to contain the magic is not misreported).
 *
 * Cross-CPU frees (the mimalloc idea of a per-page "thread free" list,
 * Leijen et al. 2019, kept per heap here): a block freed by a thread that
 * does not own it is pushed onto the owner's lock-free inbox with a
 * REMOTE_MAGIC tag in its second word; the owner drains the inbox when it
 * next allocates. Large blocks skip the inbox: their metadata belongs to
 * the block alone, so any thread may hand them back to the page source.
 * The remote side only adds to atomic counters of the owner; the owner's
 * own counters stay plain, so the local path has no atomic operations.
 */
#include <errno.h>
#include <string.h>

#include "mm/heap.h"

enum { HEAP_KIND_SLAB = 1, HEAP_KIND_LARGE };

#define FREE_MAGIC 0x5ee7f4eeb10c0000ull
#define REMOTE_MAGIC 0x7e307e0ff1ceb10cull

struct free_obj {
	struct free_obj *next;
	uintptr_t magic;      /* FREE_MAGIC ^ own address while on the free list */
};

void heap_create(struct heap *h, struct buddy *b, uint16_t owner, const struct heap_page_ops *ops, void *ctx)
{
	memset(h, 0, sizeof(*h));
	h->buddy = b;
	h->ops = ops;
	h->ctx = ctx;
	h->owner = owner ? owner : 1;
	inbox_init(&h->remote);
}

void heap_set_peers(struct heap *h, struct heap *const *peers, unsigned n)
{
	h->peers = peers;
	h->npeers = n;
}

static void stat_add(uint64_t *c, uint64_t n)
{
	__atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

static uint64_t stat_get(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

static void *pages_get(struct heap *h, unsigned order)
{
	return h->ops ? h->ops->alloc(h->ctx, order) : buddy_alloc(h->buddy, order);
}

static void pages_put(struct heap *h, void *p, unsigned order)
{
	/* Cannot fail: the page came from this source and is marked ours. */
	if (h->ops)
		h->ops->free(h->ctx, p, order);
	else
		buddy_free(h->buddy, p, order);
}

static unsigned class_of(size_t size)
{
	unsigned c = 0;
	while (((size_t)1 << (c + HEAP_MIN_SHIFT)) < size)
		c++;
	return c;
}

static size_t class_size(unsigned c)
{
	return (size_t)1 << (c + HEAP_MIN_SHIFT);
}

static void partial_push(struct heap *h, struct buddy_page *pg)
{
	pg->prev = NULL;
	pg->next = h->partial[pg->sclass];
	if (pg->next)
		pg->next->prev = pg;
	h->partial[pg->sclass] = pg;
}

static void partial_remove(struct heap *h, struct buddy_page *pg)
{
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		h->partial[pg->sclass] = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
	pg->next = pg->prev = NULL;
}

static void obj_mark_free(struct buddy_page *pg, struct free_obj *o)
{
	o->next = pg->freelist;
	o->magic = FREE_MAGIC ^ (uintptr_t)o;
	pg->freelist = o;
}

/* A fresh page for class c, every object on its free list, lowest address first. */
static struct buddy_page *slab_new(struct heap *h, unsigned c)
{
	char *page = pages_get(h, 0);
	if (!page)
		return NULL;
	struct buddy_page *pg = buddy_page_of(h->buddy, page);
	pg->owner = h->owner;
	pg->kind = HEAP_KIND_SLAB;
	pg->sclass = (uint8_t)c;
	pg->inuse = 0;
	pg->freelist = NULL;
	size_t sz = class_size(c);
	for (size_t off = BUDDY_PAGE_SIZE; off >= sz; off -= sz)
		obj_mark_free(pg, (struct free_obj *)(page + off - sz));
	h->st.pages++;
	partial_push(h, pg);
	return pg;
}

static void *small_alloc(struct heap *h, unsigned c)
{
	struct buddy_page *pg = h->partial[c];
	if (!pg && !(pg = slab_new(h, c)))
		return NULL;
	struct free_obj *o = pg->freelist;
	pg->freelist = o->next;
	o->next = NULL;
	o->magic = 0;       /* a live object must not look free */
	pg->inuse++;
	if (!pg->freelist)
		partial_remove(h, pg);
	h->st.bytes_in_use += class_size(c);
	h->st.class_live[c]++;
	return o;
}

static void *large_alloc(struct heap *h, size_t size)
{
	unsigned order = 0;
	while ((BUDDY_PAGE_SIZE << order) < size)
		order++;
	void *p = pages_get(h, order);
	if (!p)
		return NULL;
	struct buddy_page *pg = buddy_page_of(h->buddy, p);
	pg->owner = h->owner;
	pg->kind = HEAP_KIND_LARGE;
	pg->size = size;
	h->st.pages += (uint64_t)1 << order;
	h->st.bytes_in_use += BUDDY_PAGE_SIZE << order;
	h->st.large_live++;
	return p;
}

void *heap_alloc(struct heap *h, size_t size, size_t align)
{
	void *p = NULL;
	if (!inbox_empty(&h->remote))
		heap_drain_remote(h);   /* blocks of the right class may be among them */
	if (!align)
		align = 1;
	if ((align & (align - 1)) || align > BUDDY_PAGE_SIZE || size > HEAP_MAX_SIZE)
		goto out;
	if (size < align)
		size = align;   /* natural alignment of the class gives the alignment */
	if (size <= HEAP_MAX_SMALL)
		p = small_alloc(h, class_of(size));
	else
		p = large_alloc(h, size);
out:
	if (p)
		h->st.allocs++;
	else
		h->st.failures++;
	return p;
}

void *heap_zalloc(struct heap *h, size_t size)
{
	void *p = heap_alloc(h, size, 0);
	if (p)
		memset(p, 0, size);
	return p;
}

/*
 * The metadata and slot size of a live-looking heap block of any owner, or
 * -EINVAL / -EALREADY. Reads only the block's own metadata, which nobody
 * else writes while the block is live, so any thread may call it.
 */
static long block_check(const struct buddy *b, const void *p, struct buddy_page **out)
{
	struct buddy_page *pg = buddy_page_of(b, p);
	if (!pg)
		return -EINVAL;
	if (buddy_block_state(b, p) == BUDDY_PAGE_FREE)
		return -EALREADY;   /* the block went back to the pages: freed already */
	if (pg->state != BUDDY_PAGE_ALLOC)
		return -EINVAL;     /* unmanaged, or a tail page inside a live block */
	if (pg->kind != HEAP_KIND_SLAB && pg->kind != HEAP_KIND_LARGE)
		return -EINVAL;   /* a page_alloc() page, not a heap block */
	uintptr_t off = (uintptr_t)p & (BUDDY_PAGE_SIZE - 1);
	*out = pg;
	if (pg->kind == HEAP_KIND_LARGE)
		return off ? -EINVAL : (long)(BUDDY_PAGE_SIZE << pg->order);
	if (off & (class_size(pg->sclass) - 1))
		return -EINVAL;
	return (long)class_size(pg->sclass);
}

/* Owner only: is o on h's remote list? Safe: producers only prepend, and only the owner takes. */
static bool on_remote_list(const struct heap *h, const void *o)
{
	for (const struct inbox_msg *m = __atomic_load_n(&h->remote.head, __ATOMIC_ACQUIRE); m; m = m->next)
		if (m == o)
			return true;
	return false;
}

/* The metadata of a block this heap may act on, or a negative errno. */
static long lookup(const struct heap *h, const void *p, struct buddy_page **out)
{
	struct buddy_page *pg;
	long size = block_check(h->buddy, p, &pg);
	if (size < 0)
		return size;
	if (pg->owner != h->owner)
		return -EXDEV;
	if (pg->kind == HEAP_KIND_SLAB) {
		const struct free_obj *o = p;
		if (o->magic == (FREE_MAGIC ^ (uintptr_t)o)) {
			for (const struct free_obj *f = pg->freelist; f; f = f->next)
				if (f == o)
					return -EALREADY;
		}
		if (o->magic == (REMOTE_MAGIC ^ (uintptr_t)o) && on_remote_list(h, o))
			return -EALREADY;   /* freed by another CPU, not drained yet */
	}
	*out = pg;
	return size;
}

long heap_slot_size(const struct heap *h, const void *p)
{
	struct buddy_page *pg;
	return lookup(h, p, &pg);
}

int heap_owner_of(const struct buddy *b, const void *p)
{
	const struct buddy_page *pg = buddy_page_of(b, p);
	if (!pg || pg->state != BUDDY_PAGE_ALLOC || !pg->owner)
		return -EINVAL;
	return pg->owner;
}

int heap_free(struct heap *h, void *p)
{
	struct buddy_page *pg;
	if (!p)
		return 0;
	long r = lookup(h, p, &pg);
	if (r < 0)
		return (int)r;
	h->st.frees++;
	h->st.bytes_in_use -= (uint64_t)r;
	if (pg->kind == HEAP_KIND_LARGE) {
		h->st.large_live--;
		h->st.pages -= (uint64_t)1 << pg->order;
		pg->owner = 0;
		pg->kind = 0;
		pages_put(h, p, pg->order);
		return 0;
	}
	h->st.class_live[pg->sclass]--;
	if (!pg->freelist)
		partial_push(h, pg);   /* was full */
	obj_mark_free(pg, p);
	if (--pg->inuse == 0) {
		partial_remove(h, pg);
		pg->owner = 0;
		pg->kind = 0;
		pg->freelist = NULL;
		h->st.pages--;
		pages_put(h, (void *)((uintptr_t)p & ~(BUDDY_PAGE_SIZE - 1)), 0);
	}
	return 0;
}

/* The peer heap owning p, or NULL. */
static struct heap *peer_of(const struct heap *h, const void *p)
{
	int owner = heap_owner_of(h->buddy, p);
	if (owner <= 0 || (unsigned)owner > h->npeers)
		return NULL;
	return __atomic_load_n(&h->peers[owner - 1], __ATOMIC_ACQUIRE);
}

int heap_free_any(struct heap *h, void *p)
{
	int r = heap_free(h, p);
	if (r != -EXDEV)
		return r;
	struct heap *owner = peer_of(h, p);
	if (!owner || owner == h)
		return -EXDEV;
	r = heap_free_remote(owner, p);
	if (r == 0)
		h->st.remote_sent++;
	return r;
}

int heap_free_remote(struct heap *owner, void *p)
{
	struct buddy_page *pg;
	long size = block_check(owner->buddy, p, &pg);
	if (size < 0)
		return (int)size;
	if (pg->owner != owner->owner)
		return -EXDEV;
	if (pg->kind == HEAP_KIND_LARGE) {
		unsigned order = pg->order;
		pg->owner = 0;
		pg->kind = 0;
		pages_put(owner, p, order);
		stat_add(&owner->remote_large_pages, (uint64_t)1 << order);
		stat_add(&owner->remote_large_bytes, (uint64_t)size);
		stat_add(&owner->remote_large, 1);
		return 0;
	}
	/* The caller owns the object until the push: its words are ours to read and write. */
	struct free_obj *o = p;
	if (o->magic == (FREE_MAGIC ^ (uintptr_t)o) || o->magic == (REMOTE_MAGIC ^ (uintptr_t)o))
		return -EALREADY;
	o->magic = REMOTE_MAGIC ^ (uintptr_t)o;
	/* Counted before the push, so the owner's drain never subtracts first. */
	stat_add(&owner->remote_pending_bytes, (uint64_t)size);
	stat_add(&owner->remote_pending, 1);
	_Static_assert(sizeof(struct inbox_msg) <= (1u << HEAP_MIN_SHIFT), "an object holds the list node");
	inbox_push(&owner->remote, (struct inbox_msg *)p);
	return 0;
}

unsigned long heap_drain_remote(struct heap *h)
{
	unsigned long n = 0;
	uint64_t bytes = 0;
	struct inbox_msg *m = inbox_take_all(&h->remote);
	while (m) {
		struct inbox_msg *next = m->next;
		struct buddy_page *pg;
		long size = block_check(h->buddy, m, &pg);
		if (size >= 0 && pg->kind == HEAP_KIND_SLAB)
			((struct free_obj *)m)->magic = 0;   /* off the list now: heap_free need not search it */
		int r = size < 0 ? (int)size : heap_free(h, m);
		if (r == 0) {
			bytes += (uint64_t)size;
			h->st.remote_received++;
		} else {
			h->st.remote_bad++;
			if (h->bad_remote)
				h->bad_remote(h, m, r);
		}
		n++;
		m = next;
	}
	if (n) {
		__atomic_fetch_sub(&h->remote_pending_bytes, bytes, __ATOMIC_RELAXED);
		__atomic_fetch_sub(&h->remote_pending, n, __ATOMIC_RELAXED);
	}
	return n;
}

void heap_read_stats(const struct heap *h, struct heap_stats *st)
{
	_Static_assert(sizeof(*st) % sizeof(uint64_t) == 0, "heap_stats is all uint64_t counters");
	const uint64_t *src = (const uint64_t *)&h->st;
	uint64_t *dst = (uint64_t *)st;
	for (size_t i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = stat_get(&src[i]);
	uint64_t pend = stat_get(&h->remote_pending), pend_bytes = stat_get(&h->remote_pending_bytes);
	uint64_t large = stat_get(&h->remote_large);
	st->bytes_in_use -= pend_bytes + stat_get(&h->remote_large_bytes);
	st->frees += pend + large;
	st->large_live -= large;
	st->pages -= stat_get(&h->remote_large_pages);
	st->remote_received += pend + large;
	st->remote_pending = pend;
}

void *heap_realloc(struct heap *h, void *p, size_t size)
{
	if (!p)
		return heap_alloc(h, size, 0);
	struct buddy_page *pg;
	long slot = lookup(h, p, &pg);
	bool foreign = slot == -EXDEV && peer_of(h, p);
	if (foreign)
		slot = block_check(h->buddy, p, &pg);
	if (slot < 0)
		return NULL;
	if (!size) {
		heap_free_any(h, p);
		return NULL;
	}
	/* Same slot size would be chosen again: keep the block (ours only: a peer's is moved here). */
	if (!foreign &&
	    (size <= HEAP_MAX_SMALL ? (pg->kind == HEAP_KIND_SLAB && class_size(class_of(size)) == (size_t)slot)
				    : (pg->kind == HEAP_KIND_LARGE && size <= (size_t)slot &&
				       (pg->order == 0 || size > (BUDDY_PAGE_SIZE << (pg->order - 1)))))) {
		if (pg->kind == HEAP_KIND_LARGE)
			pg->size = size;
		return p;
	}
	void *n = heap_alloc(h, size, 0);
	if (!n)
		return NULL;
	size_t keep = pg->kind == HEAP_KIND_LARGE ? pg->size : (size_t)slot;
	memcpy(n, p, keep < size ? keep : size);
	heap_free_any(h, p);
	return n;
}

long heap_slot_size_any(const struct heap *h, const void *p)
{
	struct buddy_page *pg;
	long slot = lookup(h, p, &pg);
	if (slot == -EXDEV && peer_of(h, p))
		slot = block_check(h->buddy, p, &pg);
	return slot;
}

uint64_t heap_pages_held(const struct heap *h)
{
	return h->st.pages - stat_get(&h->remote_large_pages);
}

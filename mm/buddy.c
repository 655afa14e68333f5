/*
 * mm/buddy.c: binary buddy allocator (Knowlton 1965; Knuth TAOCP vol. 1,
 * 2.5 "buddy system"), over one span of memory with a metadata entry per
 * page.
 *
 * Promises: a block of order n is 2^n pages aligned to 2^n pages (the span
 * base is aligned to the largest block, so index alignment is address
 * alignment); free blocks are always fully coalesced, so freeing everything
 * restores the exact free-list shape that adding the ranges produced; free
 * needs only the address and order, and detects addresses it never handed
 * out, double frees and order mismatches from the page states alone.
 *
 * Invariant: every managed page is either the head of a block (FREE or
 * ALLOC, with its order) or a TAIL; unmanaged pages (holes, reservations)
 * are never FREE, so they never merge.
 *
 * The metadata is written lazily, per largest block (4 MiB, 1024 entries):
 * a whole largest block added free gets its head entry only and is marked
 * BLK_LAZY (its other entries are TAILs that are not written yet); its
 * entries are written when it is first allocated. A largest block nothing
 * was ever added to is BLK_UNTOUCHED (all UNMANAGED, nothing written). So
 * buddy_init and buddy_add_range write O(largest blocks), not O(pages):
 * at boot with 256 MiB that was 2 MiB of memset and a store per page,
 * the biggest part of the kernel's boot under QEMU's TCG. The allocator
 * itself never reads an unwritten entry: a buddy of order < MAX_ORDER
 * lies in the same largest block, which was written when it was split;
 * buddy_page_of answers for unwritten entries with read-only stand-ins.
 */
#include <errno.h>
#include <string.h>

#include "mm/buddy.h"

#define BLOCK_PAGES(order) ((size_t)1 << (order))
#define SPAN_ALIGN (BUDDY_PAGE_SIZE << BUDDY_MAX_ORDER)

#define BLK_PAGES BLOCK_PAGES(BUDDY_MAX_ORDER)

/* Per largest block: how much of its metadata is written (see the top). */
enum { BLK_UNTOUCHED = 0, BLK_LAZY, BLK_WRITTEN };

/* Stand-ins buddy_page_of returns for entries not written yet: read-only (see buddy.h). */
static const struct buddy_page unwritten_unmanaged = { .state = BUDDY_PAGE_UNMANAGED };
static const struct buddy_page unwritten_tail = { .state = BUDDY_PAGE_TAIL };

static size_t span_pages(uintptr_t lo, uintptr_t hi)
{
	uintptr_t base = lo & ~(SPAN_ALIGN - 1);
	uintptr_t top = (hi + SPAN_ALIGN - 1) & ~(SPAN_ALIGN - 1);
	return (top - base) / BUDDY_PAGE_SIZE;
}

size_t buddy_meta_bytes(uintptr_t lo, uintptr_t hi)
{
	size_t n = span_pages(lo, hi);
	/* The entries, then one state byte per largest block (rounded to keep the total aligned). */
	return n * sizeof(struct buddy_page) + ((n / BLK_PAGES + 7) & ~(size_t)7);
}

void buddy_init(struct buddy *b, uintptr_t lo, uintptr_t hi, struct buddy_page *meta)
{
	memset(b, 0, sizeof(*b));
	b->base = lo & ~(SPAN_ALIGN - 1);
	b->npages = span_pages(lo, hi);
	b->meta = meta;
	b->blk = (uint8_t *)(meta + b->npages);
	memset(b->blk, BLK_UNTOUCHED, b->npages / BLK_PAGES);   /* the entries stay unwritten */
}

static size_t page_index(const struct buddy *b, const struct buddy_page *pg)
{
	return (size_t)(pg - b->meta);
}

/* Writes the entries of largest block k as its state says they are: all UNMANAGED, or TAILs after a head. */
static void blk_write(struct buddy *b, size_t k)
{
	struct buddy_page *m = &b->meta[k * BLK_PAGES];
	if (b->blk[k] == BLK_UNTOUCHED) {
		memset(m, 0, BLK_PAGES * sizeof(*m));
	} else if (b->blk[k] == BLK_LAZY) {
		for (size_t i = 1; i < BLK_PAGES; i++)
			m[i] = (struct buddy_page){ .state = BUDDY_PAGE_TAIL };
	}
	/* Release: a CPU that sees WRITTEN in buddy_page_of (no lock there) sees the entries. */
	__atomic_store_n(&b->blk[k], BLK_WRITTEN, __ATOMIC_RELEASE);
}

struct buddy_page *buddy_page_of(const struct buddy *b, const void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (a < b->base || (a - b->base) / BUDDY_PAGE_SIZE >= b->npages)
		return NULL;
	size_t i = (a - b->base) / BUDDY_PAGE_SIZE;
	switch (__atomic_load_n(&b->blk[i / BLK_PAGES], __ATOMIC_ACQUIRE)) {
	case BLK_UNTOUCHED:
		return (struct buddy_page *)&unwritten_unmanaged;
	case BLK_LAZY:
		return i % BLK_PAGES ? (struct buddy_page *)&unwritten_tail : &b->meta[i];
	default:
		return &b->meta[i];
	}
}

enum buddy_page_state buddy_block_state(const struct buddy *b, const void *p)
{
	const struct buddy_page *pg = buddy_page_of(b, p);
	if (pg == &unwritten_tail)
		return BUDDY_PAGE_FREE;   /* inside a whole free largest block */
	if (!pg || pg->state != BUDDY_PAGE_TAIL)
		return pg ? (enum buddy_page_state)pg->state : BUDDY_PAGE_UNMANAGED;
	/* The head is the nearest aligned index below whose block reaches this page. */
	for (unsigned o = 1; o <= BUDDY_MAX_ORDER; o++) {
		const struct buddy_page *h = &b->meta[page_index(b, pg) & ~(BLOCK_PAGES(o) - 1)];
		if ((h->state == BUDDY_PAGE_FREE || h->state == BUDDY_PAGE_ALLOC) && h->order >= o)
			return (enum buddy_page_state)h->state;
	}
	return BUDDY_PAGE_UNMANAGED;   /* cannot happen while the invariant holds */
}

void *buddy_page_addr(const struct buddy *b, const struct buddy_page *pg)
{
	return (void *)(b->base + page_index(b, pg) * BUDDY_PAGE_SIZE);
}

static void list_push(struct buddy *b, struct buddy_page *pg, unsigned order)
{
	pg->state = BUDDY_PAGE_FREE;
	pg->order = (uint8_t)order;
	pg->prev = NULL;
	pg->next = b->free[order];
	if (pg->next)
		pg->next->prev = pg;
	b->free[order] = pg;
	b->nfree[order]++;
}

static void list_remove(struct buddy *b, struct buddy_page *pg, unsigned order)
{
	if (pg->prev)
		pg->prev->next = pg->next;
	else
		b->free[order] = pg->next;
	if (pg->next)
		pg->next->prev = pg->prev;
	pg->next = pg->prev = NULL;
	b->nfree[order]--;
}

/*
 * Put the block at page index i of the given order on the free lists,
 * merging with its buddy (index i ^ 2^order) for as long as that buddy is a
 * whole free block of the same order. The page that stops being a head
 * becomes a TAIL, so a stale pointer to it is caught later.
 */
static void free_block(struct buddy *b, size_t i, unsigned order)
{
	while (order < BUDDY_MAX_ORDER) {
		size_t bi = i ^ BLOCK_PAGES(order);
		if (bi >= b->npages)
			break;
		struct buddy_page *bud = &b->meta[bi];
		if (bud->state != BUDDY_PAGE_FREE || bud->order != order)
			break;
		list_remove(b, bud, order);
		bud->state = BUDDY_PAGE_TAIL;
		b->meta[i].state = BUDDY_PAGE_TAIL;
		if (bi < i)
			i = bi;
		order++;
	}
	list_push(b, &b->meta[i], order);
}

long buddy_add_range(struct buddy *b, uintptr_t start, uintptr_t end)
{
	start = (start + BUDDY_PAGE_SIZE - 1) & ~(BUDDY_PAGE_SIZE - 1);
	end &= ~(BUDDY_PAGE_SIZE - 1);
	if (end <= start)
		return 0;
	if (start < b->base || (end - b->base) / BUDDY_PAGE_SIZE > b->npages)
		return -EINVAL;
	size_t i = (start - b->base) / BUDDY_PAGE_SIZE;
	size_t n = (end - b->base) / BUDDY_PAGE_SIZE;
	long added = 0;
	while (i < n) {
		size_t blk = i / BLK_PAGES;
		if (b->blk[blk] == BLK_LAZY) {
			i = (blk + 1) * BLK_PAGES;   /* wholly added already */
			continue;
		}
		if (b->blk[blk] == BLK_UNTOUCHED) {
			if (i % BLK_PAGES == 0 && i + BLK_PAGES <= n) {
				/* A whole largest block: its head alone (see the top). */
				b->meta[i] = (struct buddy_page){ .state = BUDDY_PAGE_UNMANAGED };
				b->blk[blk] = BLK_LAZY;
				b->managed_pages += BLK_PAGES;
				b->free_pages += BLK_PAGES;
				added += (long)BLK_PAGES;
				list_push(b, &b->meta[i], BUDDY_MAX_ORDER);
				i += BLK_PAGES;
				continue;
			}
			blk_write(b, blk);
		}
		if (b->meta[i].state != BUDDY_PAGE_UNMANAGED) {
			i++;
			continue;
		}
		/* Largest aligned block that fits and covers only new pages. */
		unsigned order = 0;
		while (order < BUDDY_MAX_ORDER && !(i & BLOCK_PAGES(order)) &&
		       i + BLOCK_PAGES(order + 1) <= n)
			order++;
		size_t len = BLOCK_PAGES(order);
		for (size_t k = 1; k < len; k++) {
			if (b->meta[i + k].state != BUDDY_PAGE_UNMANAGED) {
				len = k;
				break;
			}
		}
		if (len != BLOCK_PAGES(order)) {
			/* An earlier range overlaps: add what fits as smaller blocks. */
			while (BLOCK_PAGES(order) > len)
				order--;
			len = BLOCK_PAGES(order);
		}
		for (size_t k = 1; k < len; k++)
			b->meta[i + k].state = BUDDY_PAGE_TAIL;
		b->managed_pages += len;
		b->free_pages += len;
		added += (long)len;
		free_block(b, i, order);
		i += len;
	}
	return added;
}

void *buddy_alloc(struct buddy *b, unsigned order)
{
	if (order > BUDDY_MAX_ORDER)
		return NULL;
	unsigned o = order;
	while (o <= BUDDY_MAX_ORDER && !b->free[o])
		o++;
	if (o > BUDDY_MAX_ORDER)
		return NULL;
	struct buddy_page *pg = b->free[o];
	list_remove(b, pg, o);
	size_t i = page_index(b, pg);
	if (b->blk[i / BLK_PAGES] == BLK_LAZY)
		blk_write(b, i / BLK_PAGES);   /* its first use: the tails become real */
	/* Split: the upper half of each step goes back on the list below. */
	while (o > order) {
		o--;
		list_push(b, &b->meta[i + BLOCK_PAGES(o)], o);
	}
	pg->state = BUDDY_PAGE_ALLOC;
	pg->order = (uint8_t)order;
	pg->freelist = NULL;
	pg->inuse = 0;
	pg->owner = 0;
	pg->kind = 0;
	pg->sclass = 0;
	b->free_pages -= BLOCK_PAGES(order);
	return buddy_page_addr(b, pg);
}

int buddy_free(struct buddy *b, void *p, unsigned order)
{
	uintptr_t a = (uintptr_t)p;
	struct buddy_page *pg = buddy_page_of(b, p);
	if (!pg || (a & (BUDDY_PAGE_SIZE - 1)) || order > BUDDY_MAX_ORDER)
		return -EINVAL;
	switch (pg->state) {
	case BUDDY_PAGE_ALLOC:
		break;
	case BUDDY_PAGE_UNMANAGED:
		return -EINVAL;
	default:
		/* Inside a free block: most likely freed already (and merged). */
		return buddy_block_state(b, p) == BUDDY_PAGE_FREE ? -EALREADY : -EINVAL;
	}
	if (pg->order != order)
		return -ERANGE;
	b->free_pages += BLOCK_PAGES(order);
	free_block(b, page_index(b, pg), order);
	return 0;
}

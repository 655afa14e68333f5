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
 */
#include <errno.h>
#include <string.h>

#include "mm/buddy.h"

#define BLOCK_PAGES(order) ((size_t)1 << (order))
#define SPAN_ALIGN (BUDDY_PAGE_SIZE << BUDDY_MAX_ORDER)

size_t buddy_meta_bytes(uintptr_t lo, uintptr_t hi)
{
	uintptr_t base = lo & ~(SPAN_ALIGN - 1);
	uintptr_t top = (hi + SPAN_ALIGN - 1) & ~(SPAN_ALIGN - 1);
	return (top - base) / BUDDY_PAGE_SIZE * sizeof(struct buddy_page);
}

void buddy_init(struct buddy *b, uintptr_t lo, uintptr_t hi, struct buddy_page *meta)
{
	memset(b, 0, sizeof(*b));
	b->base = lo & ~(SPAN_ALIGN - 1);
	b->npages = buddy_meta_bytes(lo, hi) / sizeof(struct buddy_page);
	b->meta = meta;
	memset(meta, 0, b->npages * sizeof(*meta));   /* all UNMANAGED */
}

static size_t page_index(const struct buddy *b, const struct buddy_page *pg)
{
	return (size_t)(pg - b->meta);
}

struct buddy_page *buddy_page_of(const struct buddy *b, const void *p)
{
	uintptr_t a = (uintptr_t)p;
	if (a < b->base || (a - b->base) / BUDDY_PAGE_SIZE >= b->npages)
		return NULL;
	return &b->meta[(a - b->base) / BUDDY_PAGE_SIZE];
}

enum buddy_page_state buddy_block_state(const struct buddy *b, const void *p)
{
	const struct buddy_page *pg = buddy_page_of(b, p);
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

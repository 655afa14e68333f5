/*
 * tcp_ring.c: the per-connection byte rings and the receiver's list of
 * out-of-order ranges.
 *
 * Promises: a ring never holds more than its size; writes at an offset
 * (out-of-order data lands at its sequence offset beyond the in-order
 * bytes) wrap around the end. Copies never leave the buffer: a read
 * takes only queued bytes, a write only [0, size) from head, and an
 * unallocated ring copies nothing. The range list keeps at most TCP_OOO_MAX
 * disjoint, non-adjacent ranges sorted by sequence; a segment that would
 * need one more is refused (the sender retransmits it), which bounds the
 * bookkeeping without a per-segment allocation. The same list yields the
 * SACK blocks of RFC 2018 4, the most recently changed range first.
 */
#include <string.h>

#include "tcp_priv.h"

uint32_t ring_room(const struct tcp_ring *r)
{
	return r->size - r->len;
}

/*
 * Both copies stay inside the ring whatever the caller asks: a write only
 * into [0, size) from head, a read only from the queued bytes [0, len)
 * (what lies beyond is stale or out-of-order data, never to be sent or
 * handed out in order). An unallocated ring (size 0) copies nothing. They
 * return the bytes copied; a read zeroes the part of dst it cannot fill,
 * so a logic slip elsewhere sends zeros rather than old memory, and never
 * divides by zero or runs off the buffer.
 */
uint32_t ring_write_at(struct tcp_ring *r, uint32_t off, const void *src,
		       uint32_t n)
{
	uint32_t pos, first;

	if (!r->buf || !r->size || off >= r->size)
		return 0;
	if (n > r->size - off)
		n = r->size - off;
	pos = (uint32_t)(((uint64_t)r->head + off) % r->size);
	first = r->size - pos;
	if (first > n)
		first = n;
	memcpy(r->buf + pos, src, first);
	if (n > first)
		memcpy(r->buf, (const uint8_t *)src + first, n - first);
	return n;
}

uint32_t ring_read_at(const struct tcp_ring *r, uint32_t off, void *dst,
		      uint32_t n)
{
	uint32_t pos, first, want = n;

	if (!r || !r->buf || !r->size || off >= r->len)
		n = 0;
	else if (n > r->len - off)
		n = r->len - off;
	if (n < want)
		memset((uint8_t *)dst + n, 0, want - n);
	if (!n)
		return 0;
	pos = (uint32_t)(((uint64_t)r->head + off) % r->size);
	first = r->size - pos;
	if (first > n)
		first = n;
	memcpy(dst, r->buf + pos, first);
	if (n > first)
		memcpy((uint8_t *)dst + first, r->buf, n - first);
	return n;
}

void ring_consume(struct tcp_ring *r, uint32_t n)
{
	if (n > r->len)
		n = r->len;
	r->head = (r->head + n) % (r->size ? r->size : 1);
	r->len -= n;
}

uint32_t ring_spans(const struct tcp_ring *r, struct tcp_span span[2])
{
	uint32_t first;

	if (!r->buf || !r->len) {
		/* Nothing queued (or no ring): no pointer arithmetic on NULL. */
		span[0].p = r->buf;
		span[1].p = r->buf;
		span[0].len = 0;
		span[1].len = 0;
		return 0;
	}
	span[0].p = r->buf + r->head;
	span[1].p = r->buf;
	first = r->size - r->head;
	if (first > r->len)
		first = r->len;
	span[0].len = first;
	span[1].len = r->len - first;
	return r->len;
}

/*
 * Moves everything the ring holds, [0, size) from head (the queued bytes
 * and what lies beyond them: out-of-order data at its offset), to the
 * start of buf, which has room for size >= the ring's; the ring then uses
 * buf. The caller frees the old buffer.
 */
void ring_move(struct tcp_ring *r, uint8_t *buf, uint32_t size)
{
	uint32_t first = r->size - r->head;

	if (r->buf && r->size && size >= r->size) {
		memcpy(buf, r->buf + r->head, first);
		memcpy(buf + first, r->buf, r->head);
	}
	r->buf = buf;
	r->size = size;
	r->head = 0;
}

static void ooo_remove(struct tcp_pcb *pcb, unsigned i)
{
	memmove(&pcb->ooo[i], &pcb->ooo[i + 1],
		(pcb->nooo - i - 1) * sizeof(pcb->ooo[0]));
	pcb->nooo--;
}

/* Record [start, end) as received; 0 if the list is full. */
uint32_t ooo_add(struct tcp_pcb *pcb, uint32_t start, uint32_t end)
{
	unsigned i, j;

	for (i = 0; i < pcb->nooo; i++) {
		struct tcp_range *r = &pcb->ooo[i];

		if (seq_lt(end, r->start))
			break;		/* goes before r, disjoint */
		if (seq_gt(start, r->end))
			continue;	/* after r */
		/* Overlaps or touches r: merge, then swallow followers. */
		r->start = seq_min(r->start, start);
		r->end = seq_max(r->end, end);
		r->stamp = ++pcb->ooo_stamp;
		for (j = i + 1; j < pcb->nooo &&
				seq_leq(pcb->ooo[j].start, r->end);) {
			r->end = seq_max(r->end, pcb->ooo[j].end);
			ooo_remove(pcb, j);
		}
		return 1;
	}
	if (pcb->nooo == TCP_OOO_MAX)
		return 0;
	memmove(&pcb->ooo[i + 1], &pcb->ooo[i],
		(pcb->nooo - i) * sizeof(pcb->ooo[0]));
	pcb->ooo[i].start = start;
	pcb->ooo[i].end = end;
	pcb->ooo[i].stamp = ++pcb->ooo_stamp;
	pcb->nooo++;
	return 1;
}

/* rcv_nxt moved: drop ranges it passed; return bytes of a range that now
 * continues the in-order data (the caller advances rcv_nxt by them). */
uint32_t ooo_take(struct tcp_pcb *pcb)
{
	uint32_t more = 0;

	while (pcb->nooo && seq_leq(pcb->ooo[0].start, pcb->rcv_nxt)) {
		if (seq_gt(pcb->ooo[0].end, pcb->rcv_nxt + more))
			more = pcb->ooo[0].end - pcb->rcv_nxt;
		ooo_remove(pcb, 0);
	}
	return more;
}

/* RFC 2018 4: the first block holds the most recent segment, then the
 * others, most recent first. */
unsigned ooo_sack_blocks(const struct tcp_pcb *pcb,
			 struct tcp_sack_block *out, unsigned max)
{
	bool used[TCP_OOO_MAX] = {false};
	unsigned n = 0, i;

	while (n < max && n < pcb->nooo) {
		int best = -1;

		for (i = 0; i < pcb->nooo; i++)
			if (!used[i] && (best < 0 ||
					 pcb->ooo[i].stamp > pcb->ooo[best].stamp))
				best = (int)i;
		used[best] = true;
		out[n].start = pcb->ooo[best].start;
		out[n].end = pcb->ooo[best].end;
		n++;
	}
	return n;
}

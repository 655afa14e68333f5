/*
 * drivers/virtio-net/virtq.c: the driver side of a split virtqueue
 * (virtio 1.2 2.7; see virtq.h for the promises).
 *
 * Layout: descriptor table, then the available ring, then the used ring on
 * its own cache line; 2.7 needs 16/2/4-byte alignment, this gives more.
 * Free descriptors form a list through their next fields. Only the driver
 * writes the descriptor table and the available ring, and only the device
 * writes the used ring, so each shared field is touched through volatile
 * accesses with the barriers 2.7.13 and 2.7.14 ask for. For machines
 * where mfence orders nothing against the device, the store->load steps of
 * the notification handshakes also call the queue's fence hook
 * (virtq_set_fence) before the caller may wait: at once when enabling
 * interrupts, and for skipped notifications in virtq_kick_confirm, once
 * per burst rather than per publish.
 *
 * Deviation: no indirect descriptors (2.7.5.3) and no packed rings (2.8);
 * chains are at most VIRTQ_MAX_SEGS long.
 */
#include <errno.h>
#include <string.h>

#include "arch/x86_64/io.h"
#include "drivers/virtio-net/virtq.h"

#define VIRTQ_USED_ALIGN 64u

static inline uint16_t rd16(const volatile uint16_t *p)
{
	return *p;
}

static inline void wr16(volatile uint16_t *p, uint16_t v)
{
	*p = v;
}

size_t virtq_avail_offset(uint16_t size)
{
	return sizeof(struct virtq_desc) * size;
}

size_t virtq_used_offset(uint16_t size)
{
	/* avail: flags, idx, ring[size], used_event. */
	size_t end = virtq_avail_offset(size) + 2 * (3 + (size_t)size);
	return (end + VIRTQ_USED_ALIGN - 1) & ~(size_t)(VIRTQ_USED_ALIGN - 1);
}

size_t virtq_mem_size(uint16_t size)
{
	/* used: flags, idx, ring[size], avail_event. */
	return virtq_used_offset(size) + 4 + sizeof(struct virtq_used_elem) * size + 2;
}

/* 2.7.10: used_event sits after the available ring, avail_event after the used ring. */
static volatile uint16_t *used_event(struct virtq *q)
{
	return &q->avail->ring[q->size];
}

static volatile uint16_t *avail_event(struct virtq *q)
{
	return (volatile uint16_t *)&q->used->ring[q->size];
}

int virtq_init(struct virtq *q, uint16_t index, uint16_t size, void *mem, void **token, uint32_t *wlen,
	       bool event_idx)
{
	if (size == 0 || (size & (size - 1)) || size > VIRTQ_MAX_SIZE)
		return -EINVAL;
	memset(q, 0, sizeof(*q));
	q->size = size;
	q->index = index;
	q->event_idx = event_idx;
	q->desc = mem;
	q->avail = (struct virtq_avail *)((uint8_t *)mem + virtq_avail_offset(size));
	q->used = (struct virtq_used *)((uint8_t *)mem + virtq_used_offset(size));
	q->token = token;
	q->wlen = wlen;
	for (uint16_t i = 0; i < size; i++) {
		q->desc[i].next = (uint16_t)(i + 1);
		token[i] = NULL;
		wlen[i] = 0;
	}
	q->free_head = 0;
	q->num_free = size;
	return 0;
}

int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned n, void *token)
{
	if (n == 0 || n > VIRTQ_MAX_SEGS || !token)
		return -EINVAL;
	if (q->num_free < n)
		return -ENOSPC;
	uint16_t head = q->free_head, i = head;
	uint32_t writable = 0;
	for (unsigned k = 0; k < n; k++) {
		struct virtq_desc *d = &q->desc[i];
		d->addr = segs[k].addr;
		d->len = segs[k].len;
		d->flags = (uint16_t)((segs[k].device_writes ? VIRTQ_DESC_F_WRITE : 0) |
				      (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
		if (segs[k].device_writes)
			writable += segs[k].len;
		i = d->next;
	}
	q->free_head = i;
	q->num_free = (uint16_t)(q->num_free - n);
	q->token[head] = token;
	q->wlen[head] = writable;
	/* 2.7.13.2: the chain head goes into the next free slot of the available ring. */
	wr16(&q->avail->ring[q->avail_idx & (q->size - 1)], head);
	q->avail_idx++;
	return 0;
}

/* 2.7.10 / 2.7.8: whether the device asked to be notified of the entries from old to now. */
static bool device_wants_kick(struct virtq *q, uint16_t now, uint16_t old)
{
	if (q->event_idx)
		return virtq_need_event(rd16(avail_event(q)), now, old);
	return !(rd16(&q->used->flags) & VIRTQ_USED_F_NO_NOTIFY);
}

bool virtq_kick_prepare(struct virtq *q)
{
	uint16_t old = q->kicked_idx, now = q->avail_idx;
	if (old == now)
		return false;
	/* 2.7.13.3.1: descriptors and ring entries are visible before the index that exposes them. */
	smp_wmb();
	wr16(&q->avail->idx, now);
	q->kicked_idx = now;
	/*
	 * 2.7.13.4.1: the idx store must be visible before we read the
	 * device's suppression state, or the device may go idle between our
	 * read and its next look at idx and miss the new entries for good
	 * (store->load: mfence).
	 */
	mb();
	bool need = device_wants_kick(q, now, old);
	if (need) {
		q->unconfirmed = false;   /* the notification makes the device look at all of it */
		q->stats.notifies++;
		return true;
	}
	q->stats.notifies_saved++;
	if (!q->fence)
		return false;
	/*
	 * Where mfence is no fence the "no" may come from a stale read:
	 * virtq_kick_confirm checks it behind the real one, once for a whole
	 * burst. A burst as long as the ring is checked at once, which keeps
	 * the range within what 16-bit indexes compare.
	 */
	if (!q->unconfirmed) {
		q->unconfirmed = true;
		q->unconfirmed_old = old;
	}
	if ((uint16_t)(now - q->unconfirmed_old) >= q->size)
		return virtq_kick_confirm(q);
	return false;
}

bool virtq_kick_confirm(struct virtq *q)
{
	if (!q->unconfirmed)
		return false;
	q->unconfirmed = false;
	q->fence();
	/* One look for every publish since the first unchecked "no" (2.7.10: the crossed range). */
	bool need = device_wants_kick(q, q->kicked_idx, q->unconfirmed_old);
	if (need)
		q->stats.notifies++;
	return need;
}

bool virtq_pending(const struct virtq *q)
{
	return rd16(&q->used->idx) != q->last_used;
}

/* Returns the chain at head to the free list; bounded by the ring size against a looping chain. */
static void free_chain(struct virtq *q, uint16_t head)
{
	uint16_t i = head, n = 1;
	while ((q->desc[i].flags & VIRTQ_DESC_F_NEXT) && n < q->size) {
		i = q->desc[i].next;
		n++;
	}
	q->desc[i].next = q->free_head;
	q->free_head = head;
	q->num_free = (uint16_t)(q->num_free + n);
	q->token[head] = NULL;
	q->wlen[head] = 0;
}

int virtq_get(struct virtq *q, void **token, uint32_t *len)
{
	*token = NULL;
	*len = 0;
	if (rd16(&q->used->idx) == q->last_used)
		return 0;
	/* 2.7.14: read the element only after seeing the index that covers it. */
	smp_rmb();
	volatile struct virtq_used_elem *e = &q->used->ring[q->last_used & (q->size - 1)];
	uint32_t id = e->id, n = e->len;
	q->last_used++;
	if (id >= q->size || !q->token[id]) {
		q->stats.bad_id++;
		return -EIO;
	}
	void *t = q->token[id];
	uint32_t cap = q->wlen[id];
	free_chain(q, (uint16_t)id);
	*token = t;
	if (n > cap) {
		q->stats.bad_len++;
		return -EIO;
	}
	*len = n;
	return 1;
}

void virtq_disable_cb(struct virtq *q)
{
	/*
	 * 2.7.7: without EVENT_IDX the flag asks the device not to interrupt.
	 * With it the flag must stay 0 (2.7.7.1); leaving used_event where it
	 * is has the same effect, because the device interrupts only when its
	 * used index crosses used_event, which it already did.
	 */
	if (!q->event_idx)
		wr16(&q->avail->flags, VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/*
 * 2.7.14 (note) and 2.7.10: after publishing used_event (or clearing the
 * flag) the driver looks at the used index again, behind a full barrier:
 * the device decides whether to interrupt from the used_event it reads
 * after moving its index, once, so if it read the old one and we read
 * the old index, neither side acts and the interrupt is lost for good.
 * True when more than bufs elements are pending past last_used. Where
 * mfence is no fence (q->fence) a "no" is confirmed behind the real one.
 */
static bool used_past(struct virtq *q, uint16_t bufs)
{
	mb();
	if ((uint16_t)(rd16(&q->used->idx) - q->last_used) > bufs)
		return true;
	if (!q->fence)
		return false;
	q->fence();
	return (uint16_t)(rd16(&q->used->idx) - q->last_used) > bufs;
}

bool virtq_enable_cb(struct virtq *q)
{
	if (q->event_idx)
		wr16(used_event(q), q->last_used);   /* 2.7.10: interrupt for the very next element */
	else
		wr16(&q->avail->flags, 0);
	return used_past(q, 0);
}

bool virtq_enable_cb_delayed(struct virtq *q)
{
	if (!q->event_idx)
		return virtq_enable_cb(q);
	uint16_t outstanding = (uint16_t)(q->avail_idx - q->last_used);
	uint16_t bufs = (uint16_t)(outstanding * 3 / 4);
	wr16(used_event(q), (uint16_t)(q->last_used + bufs));
	return used_past(q, bufs);
}

void virtq_set_fence(struct virtq *q, void (*fence)(void))
{
	q->fence = fence;
}

/*
 * pipe/ring.c: the shared-memory SPSC byte ring (pipe/ring.h says the
 * contract and the memory ordering). Portable: freestanding in the kernel,
 * plain C on Linux for the monitor and the tests (TSan checks the
 * ordering there).
 */
#include <errno.h>
#include <string.h>

#include "ring.h"

#define LOAD_ACQ(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)
#define LOAD_RLX(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE_REL(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
/* Orders this side's earlier store (head/tail or a wait flag) before its next load of the other's. */
#define FENCE_FULL() __atomic_thread_fence(__ATOMIC_SEQ_CST)

int pipe_ring_init(struct pipe_ring *r, void *ctl, void *data, uint32_t cap)
{
	if (cap < 16 || (cap & (cap - 1)))
		return -EINVAL;
	r->ctl = ctl;
	r->data = data;
	r->cap = cap;
	return 0;
}

void pipe_ring_reset(struct pipe_ring *r)
{
	memset(r->ctl, 0, sizeof(*r->ctl));
	FENCE_FULL();
}

uint32_t pipe_ring_readable_len(const struct pipe_ring *r)
{
	uint32_t n = LOAD_ACQ(&r->ctl->head) - LOAD_RLX(&r->ctl->tail);
	return n > r->cap ? PIPE_RING_CORRUPT : n;
}

uint32_t pipe_ring_writable_len(const struct pipe_ring *r)
{
	uint32_t used = LOAD_RLX(&r->ctl->head) - LOAD_ACQ(&r->ctl->tail);
	return used > r->cap ? 0 : r->cap - used;
}

size_t pipe_ring_write(struct pipe_ring *r, const void *buf, size_t len)
{
	uint32_t room = pipe_ring_writable_len(r);
	uint32_t n = len < room ? (uint32_t)len : room;
	if (!n)
		return 0;
	uint32_t head = LOAD_RLX(&r->ctl->head);
	uint32_t off = head & (r->cap - 1);
	uint32_t first = r->cap - off < n ? r->cap - off : n;
	memcpy(r->data + off, buf, first);
	memcpy(r->data, (const uint8_t *)buf + first, n - first);
	STORE_REL(&r->ctl->head, head + n);
	return n;
}

uint32_t pipe_ring_peek(const struct pipe_ring *r, const uint8_t **p)
{
	uint32_t n = pipe_ring_readable_len(r);
	if (n == PIPE_RING_CORRUPT || n == 0)
		return 0;
	uint32_t off = LOAD_RLX(&r->ctl->tail) & (r->cap - 1);
	*p = r->data + off;
	return r->cap - off < n ? r->cap - off : n;
}

void pipe_ring_consume(struct pipe_ring *r, uint32_t n)
{
	STORE_REL(&r->ctl->tail, LOAD_RLX(&r->ctl->tail) + n);
}

size_t pipe_ring_peek_copy(const struct pipe_ring *r, void *buf, size_t len)
{
	uint32_t avail = pipe_ring_readable_len(r);
	if (avail == PIPE_RING_CORRUPT)
		return 0;
	uint32_t n = len < avail ? (uint32_t)len : avail;
	uint32_t off = LOAD_RLX(&r->ctl->tail) & (r->cap - 1);
	uint32_t first = r->cap - off < n ? r->cap - off : n;
	memcpy(buf, r->data + off, first);
	memcpy((uint8_t *)buf + first, r->data, n - first);
	return n;
}

size_t pipe_ring_read(struct pipe_ring *r, void *buf, size_t len)
{
	uint32_t avail = pipe_ring_readable_len(r);
	if (avail == PIPE_RING_CORRUPT)
		return 0;
	uint32_t n = len < avail ? (uint32_t)len : avail;
	if (!n)
		return 0;
	uint32_t tail = LOAD_RLX(&r->ctl->tail);
	uint32_t off = tail & (r->cap - 1);
	uint32_t first = r->cap - off < n ? r->cap - off : n;
	memcpy(buf, r->data + off, first);
	memcpy((uint8_t *)buf + first, r->data, n - first);
	STORE_REL(&r->ctl->tail, tail + n);
	return n;
}

void pipe_ring_set_fin(struct pipe_ring *r) { STORE_REL(&r->ctl->fin, 1); }
void pipe_ring_set_reset(struct pipe_ring *r) { STORE_REL(&r->ctl->reset, 1); }
bool pipe_ring_fin(const struct pipe_ring *r) { return LOAD_ACQ(&r->ctl->fin) != 0; }
bool pipe_ring_is_reset(const struct pipe_ring *r) { return LOAD_ACQ(&r->ctl->reset) != 0; }
void pipe_ring_set_gone(struct pipe_ring *r) { STORE_REL(&r->ctl->gone, 1); }
bool pipe_ring_gone(const struct pipe_ring *r) { return LOAD_ACQ(&r->ctl->gone) != 0; }

void pipe_ring_reader_arm(struct pipe_ring *r)
{
	__atomic_store_n(&r->ctl->rd_wait, 1, __ATOMIC_RELAXED);
	FENCE_FULL();
}

void pipe_ring_reader_disarm(struct pipe_ring *r) { __atomic_store_n(&r->ctl->rd_wait, 0, __ATOMIC_RELAXED); }

bool pipe_ring_reader_needs_wake(const struct pipe_ring *r)
{
	FENCE_FULL();
	return __atomic_load_n(&r->ctl->rd_wait, __ATOMIC_RELAXED) != 0;
}

void pipe_ring_writer_arm(struct pipe_ring *r)
{
	__atomic_store_n(&r->ctl->wr_wait, 1, __ATOMIC_RELAXED);
	FENCE_FULL();
}

void pipe_ring_writer_disarm(struct pipe_ring *r) { __atomic_store_n(&r->ctl->wr_wait, 0, __ATOMIC_RELAXED); }

bool pipe_ring_writer_needs_wake(const struct pipe_ring *r)
{
	FENCE_FULL();
	return __atomic_load_n(&r->ctl->wr_wait, __ATOMIC_RELAXED) != 0;
}

/*
 * pipe/shm.c: laying out and checking the shared memory of the pipes
 * (pipe/shm.h). Portable like pipe/ring.c.
 */
#include <errno.h>
#include <string.h>

#include "shm.h"

#define PAGE 4096u

static uint64_t align_up(uint64_t v, uint64_t a) { return (v + a - 1) & ~(a - 1); }

int pipe_shm_format(void *base, uint64_t size, uint32_t nslots, uint32_t max_ring, uint32_t host_id)
{
	if (nslots < 2 || nslots > PIPE_MAX_SLOTS)
		return -EINVAL;
	uint64_t ctl_off = PAGE;
	uint64_t data_off = align_up(ctl_off + (uint64_t)nslots * sizeof(struct pipe_slot_ctl), PAGE);
	if (size <= data_off)
		return -EINVAL;
	uint64_t ring = 1ull << 31;
	while (ring > max_ring || data_off + 2ull * nslots * ring > size)
		ring >>= 1;
	if (ring < PAGE)
		return -EINVAL;
	struct pipe_shm_hdr *h = base;
	uint32_t epoch = h->magic == PIPE_SHM_MAGIC ? h->epoch + 1 : 1;
	memset(base, 0, data_off);
	h->version = PIPE_SHM_VERSION;
	h->nslots = nslots;
	h->ring_size = (uint32_t)ring;
	h->ctl_off = (uint32_t)ctl_off;
	h->data_off = (uint32_t)data_off;
	h->host_id = host_id;
	h->epoch = epoch;
	/* The magic last: a guest that sees it sees a complete header. */
	__atomic_store_n(&h->magic, PIPE_SHM_MAGIC, __ATOMIC_RELEASE);
	return 0;
}

int pipe_shm_check(const void *base, uint64_t size)
{
	const struct pipe_shm_hdr *h = base;
	if (size < PAGE || __atomic_load_n(&h->magic, __ATOMIC_ACQUIRE) != PIPE_SHM_MAGIC ||
	    h->version != PIPE_SHM_VERSION)
		return -EINVAL;
	uint32_t n = h->nslots, ring = h->ring_size;
	if (n < 2 || n > PIPE_MAX_SLOTS || ring < PAGE || (ring & (ring - 1)) || h->ctl_off < PAGE ||
	    (uint64_t)h->ctl_off + (uint64_t)n * sizeof(struct pipe_slot_ctl) > h->data_off ||
	    (uint64_t)h->data_off + 2ull * n * ring > size)
		return -EINVAL;
	return 0;
}

int pipe_shm_slot(void *base, uint32_t i, struct pipe_slot_view *v)
{
	struct pipe_shm_hdr *h = base;
	if (i >= h->nslots)
		return -EINVAL;
	struct pipe_slot_ctl *c = (struct pipe_slot_ctl *)((uint8_t *)base + h->ctl_off) + i;
	uint8_t *data = (uint8_t *)base + h->data_off + 2ull * i * h->ring_size;
	pipe_ring_init(&v->g2h, &c->g2h, data, h->ring_size);
	pipe_ring_init(&v->h2g, &c->h2g, data + h->ring_size, h->ring_size);
	return 0;
}

void pipe_shm_post_guest(void *base, uint32_t slot)
{
	struct pipe_shm_hdr *h = base;
	__atomic_fetch_or(&h->guest_pending[slot / 64], 1ull << (slot % 64), __ATOMIC_SEQ_CST);
}

uint64_t pipe_shm_take_pending(void *base, unsigned w)
{
	struct pipe_shm_hdr *h = base;
	return __atomic_exchange_n(&h->guest_pending[w], 0, __ATOMIC_ACQ_REL);
}

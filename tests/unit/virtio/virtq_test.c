/*
 * tests/unit/virtio/virtq_test.c: drivers/virtio-net/virtq.c, the driver
 * side of a split virtqueue (virtio 1.2 2.7), against a fake device that
 * plays the other side of the same ring memory: it takes chains from the
 * available ring (2.7.13), returns them through the used ring (2.7.14),
 * and decides notifications the way 2.7.7 / 2.7.10 tell a device to.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "drivers/virtio-net/virtq.h"

#define QSIZE 8

struct fake_dev {
	struct virtq *q;            /* the same memory, read as the device would */
	uint16_t last_avail;        /* next available-ring entry the device takes */
	uint16_t used_idx;          /* device's used index */
};

struct fixture {
	struct virtq q;
	void *mem;
	void *token[QSIZE];
	uint32_t wlen[QSIZE];
	int cookie[QSIZE * 4];      /* distinct addresses to use as tokens */
	struct fake_dev dev;
};

static int fixture_setup(struct fixture *f, bool event_idx)
{
	memset(f, 0, sizeof(*f));
	f->mem = aligned_alloc(4096, (virtq_mem_size(QSIZE) + 4095) & ~(size_t)4095);
	if (!f->mem)
		return -1;
	memset(f->mem, 0, virtq_mem_size(QSIZE));
	if (virtq_init(&f->q, 0, QSIZE, f->mem, f->token, f->wlen, event_idx))
		return -1;
	f->dev.q = &f->q;
	return 0;
}

static int setup_with(void **state, bool event_idx)
{
	struct fixture *f = malloc(sizeof(*f));
	if (!f || fixture_setup(f, event_idx))
		return -1;
	*state = f;
	return 0;
}

static int setup_event_idx(void **state)
{
	return setup_with(state, true);
}

static int setup_flags(void **state)
{
	return setup_with(state, false);
}

/* Every test hands all chains back: the free list must be whole again. */
static int teardown(void **state)
{
	struct fixture *f = *state;
	int ok = virtq_num_free(&f->q) == QSIZE;
	for (unsigned i = 0; i < QSIZE; i++)
		ok = ok && f->token[i] == NULL;
	free(f->mem);
	free(f);
	return ok ? 0 : -1;
}

/* ---- the fake device ---- */

static uint16_t *dev_used_event(struct virtq *q)
{
	return &q->avail->ring[q->size];
}

static uint16_t *dev_avail_event(struct virtq *q)
{
	return (uint16_t *)&q->used->ring[q->size];
}

/* 2.7.13: takes the next published chain; returns its head or -1 when none; fills segs. */
static int dev_pop(struct fake_dev *d, struct virtq_seg *segs, unsigned *n)
{
	struct virtq *q = d->q;
	if (q->avail->idx == d->last_avail)
		return -1;
	uint16_t head = q->avail->ring[d->last_avail % q->size];
	d->last_avail++;
	uint16_t i = head;
	*n = 0;
	for (;;) {
		struct virtq_desc *desc = &q->desc[i];
		segs[*n] = (struct virtq_seg){ desc->addr, desc->len, (desc->flags & VIRTQ_DESC_F_WRITE) != 0 };
		(*n)++;
		if (!(desc->flags & VIRTQ_DESC_F_NEXT) || *n == VIRTQ_MAX_SEGS)
			break;
		i = desc->next;
	}
	return head;
}

/* 2.7.14 + 2.7.10: returns a used element; true when the driver asked to be interrupted for it. */
static bool dev_push(struct fake_dev *d, uint32_t id, uint32_t len)
{
	struct virtq *q = d->q;
	uint16_t old = d->used_idx;
	q->used->ring[d->used_idx % q->size] = (struct virtq_used_elem){ id, len };
	d->used_idx++;
	q->used->idx = d->used_idx;
	if (q->event_idx)
		return virtq_need_event(*dev_used_event(q), d->used_idx, old);
	return !(q->avail->flags & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* The device takes the next published chain, which must be there; returns its head. */
static uint32_t dev_take(struct fixture *f)
{
	struct virtq_seg s[VIRTQ_MAX_SEGS];
	unsigned n;
	int head = dev_pop(&f->dev, s, &n);
	assert_true(head >= 0);
	return (uint32_t)head;
}

/* The device uses the next published chain, writing len bytes; true when it asked for an interrupt. */
static bool dev_use_next(struct fixture *f, uint32_t len)
{
	return dev_push(&f->dev, dev_take(f), len);
}

/* The device uses every published chain, writing nothing. */
static void dev_use_all(struct fixture *f)
{
	struct virtq_seg s[VIRTQ_MAX_SEGS];
	unsigned n;
	int head;
	while ((head = dev_pop(&f->dev, s, &n)) >= 0)
		dev_push(&f->dev, (uint32_t)head, 0);
}

static int add1(struct fixture *f, unsigned k, uint32_t len, bool writes)
{
	struct virtq_seg s = { 0x100000u + 0x1000u * k, len, writes };
	return virtq_add(&f->q, &s, 1, &f->cookie[k]);
}

/* Takes everything the device has used, expecting well-formed elements. */
static unsigned drain(struct fixture *f)
{
	void *tok;
	uint32_t len;
	unsigned n = 0;
	while (virtq_get(&f->q, &tok, &len) == 1)
		n++;
	return n;
}

/* ---- layout and setup ---- */

/* 2.7: Queue Size is a power of two; anything else is refused. */
static void test_init_not_power_of_two_rejected(void **state)
{
	struct fixture *f = *state;
	struct virtq q;
	void *tok[QSIZE];
	uint32_t wl[QSIZE];
	assert_int_equal(virtq_init(&q, 0, 0, f->mem, tok, wl, false), -EINVAL);
	assert_int_equal(virtq_init(&q, 0, 3, f->mem, tok, wl, false), -EINVAL);
	assert_int_equal(virtq_init(&q, 0, 6, f->mem, tok, wl, false), -EINVAL);
}

/* 2.7: descriptor table 16-aligned, available ring 2-aligned, used ring 4-aligned, no overlap. */
static void test_layout_aligned_and_disjoint(void **state)
{
	(void)state;
	for (uint32_t size = 1; size <= VIRTQ_MAX_SIZE; size *= 2) {
		size_t a = virtq_avail_offset((uint16_t)size), u = virtq_used_offset((uint16_t)size);
		assert_int_equal(a % 16, 0);
		assert_true(a >= 16 * size);
		assert_int_equal(u % 4, 0);
		assert_true(u >= a + 6 + 2 * size);
		assert_true(virtq_mem_size((uint16_t)size) >= u + 6 + 8 * size);
	}
}

/* ---- adding and publishing ---- */

/* Running out of descriptors is -ENOSPC, never an overrun. */
static void test_add_ring_full_enospc(void **state)
{
	struct fixture *f = *state;
	for (unsigned k = 0; k < QSIZE; k++)
		assert_int_equal(add1(f, k, 100, true), 0);
	assert_int_equal(virtq_num_free(&f->q), 0);
	assert_int_equal(add1(f, QSIZE, 100, true), -ENOSPC);
	virtq_kick_prepare(&f->q);
	dev_use_all(f);
	assert_int_equal(drain(f), QSIZE);
}

/* 2.7.13.3: entries added are invisible to the device until the index is published. */
static void test_add_unpublished_until_kick_prepare(void **state)
{
	struct fixture *f = *state;
	struct virtq_seg s[VIRTQ_MAX_SEGS];
	unsigned n;
	assert_int_equal(add1(f, 0, 100, true), 0);
	assert_int_equal(dev_pop(&f->dev, s, &n), -1);
	virtq_kick_prepare(&f->q);
	int head = dev_pop(&f->dev, s, &n);
	assert_true(head >= 0);
	dev_push(&f->dev, (uint32_t)head, 0);
	assert_int_equal(drain(f), 1);
}

/* 2.7.5: a chain's descriptors carry NEXT on all but the last and WRITE on device-writable parts. */
static void test_add_chain_device_sees_segments(void **state)
{
	struct fixture *f = *state;
	struct virtq_seg in[3] = { { 0x1000, 12, false }, { 0x2000, 100, true }, { 0x3000, 200, true } };
	assert_int_equal(virtq_add(&f->q, in, 3, &f->cookie[0]), 0);
	assert_int_equal(virtq_num_free(&f->q), QSIZE - 3);
	virtq_kick_prepare(&f->q);
	struct virtq_seg out[VIRTQ_MAX_SEGS];
	unsigned n;
	int head = dev_pop(&f->dev, out, &n);
	assert_int_equal(n, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(out[i].addr, in[i].addr);
		assert_int_equal(out[i].len, in[i].len);
		assert_int_equal(out[i].device_writes, in[i].device_writes);
	}
	/* The device may write up to the writable bytes, 300. */
	dev_push(&f->dev, (uint32_t)head, 300);
	void *tok;
	uint32_t len;
	assert_int_equal(virtq_get(&f->q, &tok, &len), 1);
	assert_ptr_equal(tok, &f->cookie[0]);
	assert_int_equal(len, 300);
	assert_int_equal(virtq_num_free(&f->q), QSIZE);
}

static void test_add_bad_arguments_einval(void **state)
{
	struct fixture *f = *state;
	struct virtq_seg s[VIRTQ_MAX_SEGS + 1] = { 0 };
	assert_int_equal(virtq_add(&f->q, s, 0, &f->cookie[0]), -EINVAL);
	assert_int_equal(virtq_add(&f->q, s, VIRTQ_MAX_SEGS + 1, &f->cookie[0]), -EINVAL);
	assert_int_equal(virtq_add(&f->q, s, 1, NULL), -EINVAL);
	assert_int_equal(virtq_num_free(&f->q), QSIZE);
}

/* ---- used ring ---- */

/* 2.7.14: nothing used yet reads as 0, not an error. */
static void test_get_empty_returns_zero(void **state)
{
	struct fixture *f = *state;
	void *tok = &f->cookie[0];
	uint32_t len = 7;
	assert_int_equal(virtq_get(&f->q, &tok, &len), 0);
	assert_null(tok);
	assert_int_equal(len, 0);
}

/* Indices are free-running 16-bit counters (2.7.6, 2.7.8): many laps, out-of-order completion. */
static void test_used_out_of_order_across_index_wrap(void **state)
{
	struct fixture *f = *state;
	struct virtq_seg s[VIRTQ_MAX_SEGS];
	unsigned n;
	for (unsigned round = 0; round < 70000 / 4; round++) {
		int heads[4];
		for (unsigned k = 0; k < 4; k++)
			assert_int_equal(add1(f, k, 64, true), 0);
		virtq_kick_prepare(&f->q);
		for (unsigned k = 0; k < 4; k++)
			heads[k] = dev_pop(&f->dev, s, &n);
		for (int k = 3; k >= 0; k--)      /* reverse order: the device may complete in any order */
			dev_push(&f->dev, (uint32_t)heads[k], (uint32_t)k);
		for (int k = 3; k >= 0; k--) {
			void *tok;
			uint32_t len;
			assert_int_equal(virtq_get(&f->q, &tok, &len), 1);
			assert_ptr_equal(tok, &f->cookie[k]);
			assert_int_equal(len, (uint32_t)k);
		}
	}
	assert_int_equal(f->q.last_used, (uint16_t)(4 * (70000 / 4)));   /* past 65535: the index wrapped */
	assert_int_equal(f->q.stats.bad_id, 0);
}

/* A used id that names no descriptor is counted and skipped; the next good element still arrives. */
static void test_used_bad_id_counted_skipped(void **state)
{
	struct fixture *f = *state;
	struct virtq_seg s[VIRTQ_MAX_SEGS];
	unsigned n;
	assert_int_equal(add1(f, 0, 64, true), 0);
	virtq_kick_prepare(&f->q);
	int head = dev_pop(&f->dev, s, &n);
	dev_push(&f->dev, QSIZE + 3, 10);
	dev_push(&f->dev, 0xffffffffu, 10);
	dev_push(&f->dev, (uint32_t)head, 10);
	void *tok;
	uint32_t len;
	assert_int_equal(virtq_get(&f->q, &tok, &len), -EIO);
	assert_null(tok);
	assert_int_equal(virtq_get(&f->q, &tok, &len), -EIO);
	assert_int_equal(virtq_get(&f->q, &tok, &len), 1);
	assert_ptr_equal(tok, &f->cookie[0]);
	assert_int_equal(f->q.stats.bad_id, 2);
}

/* An id used twice (or a descriptor that is not a chain head) is not outstanding: counted, no double free. */
static void test_used_duplicate_id_counted(void **state)
{
	struct fixture *f = *state;
	struct virtq_seg in[2] = { { 0x1000, 10, true }, { 0x2000, 10, true } };
	struct virtq_seg s[VIRTQ_MAX_SEGS];
	unsigned n;
	assert_int_equal(virtq_add(&f->q, in, 2, &f->cookie[0]), 0);
	virtq_kick_prepare(&f->q);
	int head = dev_pop(&f->dev, s, &n);
	uint16_t second = f->q.desc[head].next;
	dev_push(&f->dev, second, 5);           /* not a head */
	dev_push(&f->dev, (uint32_t)head, 5);
	dev_push(&f->dev, (uint32_t)head, 5);   /* again */
	void *tok;
	uint32_t len;
	assert_int_equal(virtq_get(&f->q, &tok, &len), -EIO);
	assert_int_equal(virtq_get(&f->q, &tok, &len), 1);
	assert_int_equal(virtq_get(&f->q, &tok, &len), -EIO);
	assert_null(tok);
	assert_int_equal(f->q.stats.bad_id, 2);
	assert_int_equal(virtq_num_free(&f->q), QSIZE);
}

/* A length beyond the chain's writable bytes is counted; the buffer comes back so it is not leaked. */
static void test_used_len_beyond_buffer_returns_token(void **state)
{
	struct fixture *f = *state;
	struct virtq_seg s[VIRTQ_MAX_SEGS];
	unsigned n;
	assert_int_equal(add1(f, 0, 1500, true), 0);
	assert_int_equal(add1(f, 1, 60, false), 0);   /* device-readable only: may report 0 */
	virtq_kick_prepare(&f->q);
	int rx = dev_pop(&f->dev, s, &n), tx = dev_pop(&f->dev, s, &n);
	dev_push(&f->dev, (uint32_t)rx, 1501);
	dev_push(&f->dev, (uint32_t)tx, 1);
	void *tok;
	uint32_t len;
	assert_int_equal(virtq_get(&f->q, &tok, &len), -EIO);
	assert_ptr_equal(tok, &f->cookie[0]);
	assert_int_equal(virtq_get(&f->q, &tok, &len), -EIO);
	assert_ptr_equal(tok, &f->cookie[1]);
	assert_int_equal(f->q.stats.bad_len, 2);
	assert_int_equal(virtq_num_free(&f->q), QSIZE);
}

/* ---- notifications: driver -> device ---- */

/* Nothing new published: no notification. */
static void test_kick_nothing_new_no_notify(void **state)
{
	struct fixture *f = *state;
	assert_false(virtq_kick_prepare(&f->q));
	assert_int_equal(f->q.stats.notifies + f->q.stats.notifies_saved, 0);
}

/* 2.7.10: notify only when the new entries cross the device's avail_event. */
static void test_kick_event_idx_only_when_avail_event_crossed(void **state)
{
	struct fixture *f = *state;
	*dev_avail_event(&f->q) = 2;   /* the device will look by itself until it has seen entry 2 */
	assert_int_equal(add1(f, 0, 10, true), 0);
	assert_false(virtq_kick_prepare(&f->q));   /* idx 0 -> 1 */
	assert_int_equal(add1(f, 1, 10, true), 0);
	assert_false(virtq_kick_prepare(&f->q));   /* 1 -> 2 */
	assert_int_equal(add1(f, 2, 10, true), 0);
	assert_int_equal(add1(f, 3, 10, true), 0);
	assert_true(virtq_kick_prepare(&f->q));    /* 2 -> 4 writes entry 2 */
	assert_int_equal(f->q.stats.notifies, 1);
	assert_int_equal(f->q.stats.notifies_saved, 2);
	dev_use_all(f);
	assert_int_equal(drain(f), 4);
}

/*
 * The fence window: what the device does while our store is not yet visible
 * to it. Where mfence is no fence (QEMU's TCG before 8.1 with one vCPU) the
 * device can act between our store and our load as if the store had not
 * happened; virtq's fence hook is the point where it has.
 */
static struct fixture *window_fx;   /* the queue the hook plays the device for */
static void (*window_dev)(struct fixture *f);   /* what the device does in the window; NULL: nothing */
static unsigned fence_calls;

static void fake_fence(void)
{
	fence_calls++;
	if (window_dev)
		window_dev(window_fx);
	window_dev = NULL;
}

static void use_fake_fence(struct fixture *f, void (*dev)(struct fixture *f))
{
	window_fx = f;
	window_dev = dev;
	fence_calls = 0;
	virtq_set_fence(&f->q, fake_fence);
}

/* The device finishes its work and asks to be notified (2.7.10: avail_event = the idx it has seen, 1). */
static void dev_goes_idle_at_1(struct fixture *f)
{
	*dev_avail_event(&f->q) = 1;
}

/*
 * 2.7.13.4.1: the driver MUST perform a suitable memory barrier before
 * reading avail_event. The device publishes avail_event 1 (it saw idx 1,
 * not our 2) while our idx store is invisible to it, and goes idle: the
 * "no" of kick_prepare is provisional, and only the look behind the real
 * fence in kick_confirm shows that the device needs the notification.
 */
static void test_kick_event_idx_device_idles_in_fence_window_confirm_notifies(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add1(f, 0, 10, true), 0);
	assert_true(virtq_kick_prepare(&f->q));        /* 0 -> 1 crosses avail_event 0 */
	uint32_t busy = dev_take(f);                   /* busy: avail_event stays 0 */
	use_fake_fence(f, dev_goes_idle_at_1);
	assert_int_equal(add1(f, 1, 10, true), 0);
	assert_false(virtq_kick_prepare(&f->q));       /* 1 -> 2, avail_event 0 as read: provisional no */
	assert_int_equal(fence_calls, 0);
	assert_true(virtq_kick_confirm(&f->q));        /* behind the fence: avail_event 1 crossed */
	assert_int_equal(fence_calls, 1);
	assert_false(virtq_kick_confirm(&f->q));       /* checked: nothing left, no second fence */
	assert_int_equal(fence_calls, 1);
	dev_push(&f->dev, busy, 0);
	dev_use_all(f);
	assert_int_equal(drain(f), 2);
}

/* Several skipped notifications in a burst: one fence checks them all; a device still busy needs none. */
static void test_kick_confirm_burst_one_fence_busy_device_no_notify(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add1(f, 0, 10, true), 0);
	assert_true(virtq_kick_prepare(&f->q));
	uint32_t busy = dev_take(f);
	use_fake_fence(f, NULL);
	for (unsigned k = 1; k < 4; k++) {
		assert_int_equal(add1(f, k, 10, true), 0);
		assert_false(virtq_kick_prepare(&f->q));
	}
	assert_false(virtq_kick_confirm(&f->q));       /* avail_event still 0: the device will look */
	assert_int_equal(fence_calls, 1);
	dev_push(&f->dev, busy, 0);
	dev_use_all(f);
	assert_int_equal(drain(f), 4);
}

/* A provisional "no" goes unchecked for at most a ring's worth of entries (16-bit index arithmetic). */
static void test_kick_unconfirmed_burst_checked_at_ring_size(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add1(f, 0, 10, true), 0);
	assert_true(virtq_kick_prepare(&f->q));
	*dev_avail_event(&f->q) = 0xff00;              /* far away: every look says no */
	use_fake_fence(f, NULL);
	for (unsigned k = 1; k < QSIZE + 1; k++) {
		dev_use_next(f, 0);
		assert_int_equal(drain(f), 1);
		assert_int_equal(add1(f, k, 10, true), 0);
		assert_false(virtq_kick_prepare(&f->q));
		assert_int_equal(fence_calls, k < QSIZE ? 0 : 1);
	}
	dev_use_all(f);
	assert_int_equal(drain(f), 1);
}

/* A notification the first look already asks for costs no fence: the notify itself is I/O. */
static void test_kick_needed_skips_fence(void **state)
{
	struct fixture *f = *state;
	use_fake_fence(f, NULL);
	assert_int_equal(add1(f, 0, 10, true), 0);
	assert_true(virtq_kick_prepare(&f->q));
	assert_false(virtq_kick_confirm(&f->q));
	assert_int_equal(fence_calls, 0);
	dev_use_next(f, 0);
	assert_int_equal(drain(f), 1);
}

/* Without a fence hook kick_prepare's answer is final: nothing is left to confirm. */
static void test_kick_no_fence_hook_confirm_false(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add1(f, 0, 10, true), 0);
	assert_true(virtq_kick_prepare(&f->q));
	assert_int_equal(add1(f, 1, 10, true), 0);
	assert_false(virtq_kick_prepare(&f->q));
	assert_false(virtq_kick_confirm(&f->q));
	dev_use_all(f);
	assert_int_equal(drain(f), 2);
}

/* 2.7.8 without EVENT_IDX: VIRTQ_USED_F_NO_NOTIFY suppresses notifications. */
static void test_kick_no_notify_flag_suppresses(void **state)
{
	struct fixture *f = *state;
	f->q.used->flags = VIRTQ_USED_F_NO_NOTIFY;
	assert_int_equal(add1(f, 0, 10, true), 0);
	assert_false(virtq_kick_prepare(&f->q));
	f->q.used->flags = 0;
	assert_int_equal(add1(f, 1, 10, true), 0);
	assert_true(virtq_kick_prepare(&f->q));
	dev_use_all(f);
	assert_int_equal(drain(f), 2);
}

/* ---- notifications: device -> driver ---- */

/* 2.7.10: after enable_cb the device interrupts for the next element only, not for each one after. */
static void test_enable_cb_event_idx_interrupts_once(void **state)
{
	struct fixture *f = *state;
	for (unsigned k = 0; k < 4; k++)
		assert_int_equal(add1(f, k, 10, true), 0);
	virtq_kick_prepare(&f->q);
	assert_false(virtq_enable_cb(&f->q));
	assert_true(dev_use_next(f, 1));
	assert_false(dev_use_next(f, 1));
	assert_false(dev_use_next(f, 1));
	virtq_disable_cb(&f->q);   /* a no-op with EVENT_IDX: the flag must stay 0 (2.7.7.1) */
	assert_int_equal(f->q.avail->flags, 0);
	assert_int_equal(drain(f), 3);
	assert_false(virtq_enable_cb(&f->q));
	assert_true(dev_use_next(f, 1));
	assert_int_equal(drain(f), 1);
}

/* An element used before enable_cb was seen: enable_cb says so, since no interrupt will come for it. */
static void test_enable_cb_pending_element_reported(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add1(f, 0, 10, true), 0);
	virtq_kick_prepare(&f->q);
	dev_use_next(f, 1);
	assert_true(virtq_enable_cb(&f->q));
	assert_int_equal(drain(f), 1);
	assert_false(virtq_enable_cb(&f->q));
}

/* The device uses element 1 deciding on the used_event it still sees (0), which it already passed: no interrupt. */
static void dev_uses_next_unseen(struct fixture *f)
{
	uint16_t seen = 0, old = f->dev.used_idx;
	uint16_t mine = *dev_used_event(&f->q);
	*dev_used_event(&f->q) = seen;
	bool irq = dev_use_next(f, 0);
	*dev_used_event(&f->q) = mine;
	assert_false(irq);
	assert_int_equal(f->dev.used_idx, old + 1);
}

/*
 * 2.7.14 (note) and 2.7.10: after publishing used_event the driver re-checks
 * the used index behind a full barrier. The device used an element in the
 * window where our used_event store was invisible to it, deciding on the
 * old used_event (0), already passed: it will never interrupt, so only the
 * re-check after the real fence can report the element.
 */
static void test_enable_cb_element_used_in_fence_window_reported(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add1(f, 0, 10, true), 0);
	assert_int_equal(add1(f, 1, 10, true), 0);
	virtq_kick_prepare(&f->q);
	assert_true(dev_use_next(f, 1));   /* crosses used_event 0 */
	assert_int_equal(drain(f), 1);
	use_fake_fence(f, dev_uses_next_unseen);
	assert_true(virtq_enable_cb(&f->q));
	assert_int_equal(fence_calls, 1);
	assert_int_equal(*dev_used_event(&f->q), 1);   /* the store came before the fence */
	assert_int_equal(drain(f), 1);
}

/* The same for the delayed form (used by a full transmit ring). */
static void test_enable_cb_delayed_element_used_in_fence_window_reported(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add1(f, 0, 10, false), 0);
	assert_int_equal(add1(f, 1, 10, false), 0);
	virtq_kick_prepare(&f->q);
	assert_true(dev_use_next(f, 0));
	assert_int_equal(drain(f), 1);
	use_fake_fence(f, dev_uses_next_unseen);
	assert_true(virtq_enable_cb_delayed(&f->q));   /* 1 outstanding: notify at the next one */
	assert_int_equal(fence_calls, 1);
	assert_int_equal(drain(f), 1);
}

/* Elements already pending at the first look: reported without the fence. */
static void test_enable_cb_pending_skips_fence(void **state)
{
	struct fixture *f = *state;
	use_fake_fence(f, NULL);
	assert_int_equal(add1(f, 0, 10, true), 0);
	virtq_kick_prepare(&f->q);
	dev_use_next(f, 1);
	assert_true(virtq_enable_cb(&f->q));
	assert_int_equal(fence_calls, 0);
	assert_int_equal(drain(f), 1);
}

/* 2.7.7 without EVENT_IDX: VIRTQ_AVAIL_F_NO_INTERRUPT while disabled, cleared by enable_cb. */
static void test_disable_cb_flag_without_event_idx(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(add1(f, 0, 10, true), 0);
	assert_int_equal(add1(f, 1, 10, true), 0);
	virtq_kick_prepare(&f->q);
	virtq_disable_cb(&f->q);
	assert_false(dev_use_next(f, 1));
	assert_int_equal(drain(f), 1);
	assert_false(virtq_enable_cb(&f->q));
	assert_true(dev_use_next(f, 1));
	assert_int_equal(drain(f), 1);
}

/* Delayed enable: with 8 outstanding, the interrupt comes at the 7th completion (past 3/4), not before. */
static void test_enable_cb_delayed_three_quarters(void **state)
{
	struct fixture *f = *state;
	for (unsigned k = 0; k < QSIZE; k++)
		assert_int_equal(add1(f, k, 10, false), 0);
	virtq_kick_prepare(&f->q);
	assert_false(virtq_enable_cb_delayed(&f->q));
	for (unsigned k = 0; k < 6; k++)
		assert_false(dev_use_next(f, 0));
	assert_true(dev_use_next(f, 0));
	assert_false(dev_use_next(f, 0));
	assert_int_equal(drain(f), QSIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_not_power_of_two_rejected, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_layout_aligned_and_disjoint, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_add_ring_full_enospc, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_add_unpublished_until_kick_prepare, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_add_chain_device_sees_segments, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_add_bad_arguments_einval, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_get_empty_returns_zero, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_used_out_of_order_across_index_wrap, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_used_bad_id_counted_skipped, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_used_duplicate_id_counted, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_used_len_beyond_buffer_returns_token, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_kick_nothing_new_no_notify, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_kick_event_idx_only_when_avail_event_crossed, setup_event_idx,
						teardown),
		cmocka_unit_test_setup_teardown(test_kick_event_idx_device_idles_in_fence_window_confirm_notifies,
						setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_kick_confirm_burst_one_fence_busy_device_no_notify, setup_event_idx,
						teardown),
		cmocka_unit_test_setup_teardown(test_kick_unconfirmed_burst_checked_at_ring_size, setup_event_idx,
						teardown),
		cmocka_unit_test_setup_teardown(test_kick_needed_skips_fence, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_kick_no_fence_hook_confirm_false, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_kick_no_notify_flag_suppresses, setup_flags, teardown),
		cmocka_unit_test_setup_teardown(test_enable_cb_event_idx_interrupts_once, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_enable_cb_pending_element_reported, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_enable_cb_element_used_in_fence_window_reported, setup_event_idx,
						teardown),
		cmocka_unit_test_setup_teardown(test_enable_cb_delayed_element_used_in_fence_window_reported,
						setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_enable_cb_pending_skips_fence, setup_event_idx, teardown),
		cmocka_unit_test_setup_teardown(test_disable_cb_flag_without_event_idx, setup_flags, teardown),
		cmocka_unit_test_setup_teardown(test_enable_cb_delayed_three_quarters, setup_event_idx, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

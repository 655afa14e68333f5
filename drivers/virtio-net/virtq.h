/*
 * drivers/virtio-net/virtq.h: split virtqueues (virtio 1.2 2.7), the
 * driver's side: descriptor free list, available ring, used ring, and
 * notification suppression in both directions (2.7.7, 2.7.10).
 *
 * Promises: virtq_add never overruns the ring (-ENOSPC when out of
 * descriptors); virtq_get validates every used-ring element the device
 * writes (an id that is not an outstanding chain head, or a length larger
 * than the chain's writable bytes, is counted and reported, never trusted);
 * the ring memory is the caller's (zeroed, virtq_mem_size bytes, 4 KiB
 * aligned) and buffer addresses are the caller's physical addresses.
 *
 * No device access lives here: the caller notifies the device when
 * virtq_kick_prepare says so, which keeps this file testable on the host
 * against a fake device (tests/unit/virtio/).
 */
#ifndef DRIVERS_VIRTIO_NET_VIRTQ_H
#define DRIVERS_VIRTIO_NET_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 2.7.5: descriptor flags. */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
/* 2.7.6: the driver asks for no used-buffer notifications (without EVENT_IDX). */
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
/* 2.7.8: the device asks for no available-buffer notifications (without EVENT_IDX). */
#define VIRTQ_USED_F_NO_NOTIFY 1

#define VIRTQ_MAX_SIZE 32768u   /* 2.7: Queue Size is at most 32768 */
#define VIRTQ_MAX_SEGS 4u       /* buffers per chain this driver ever uses */

/* 2.7.5 */
struct virtq_desc {
	uint64_t addr;              /* guest-physical address of the buffer */
	uint32_t len;
	uint16_t flags;             /* VIRTQ_DESC_F_* */
	uint16_t next;              /* with F_NEXT: the chain's next descriptor */
};

/* 2.7.6: followed by le16 used_event when VIRTIO_F_EVENT_IDX is negotiated. */
struct virtq_avail {
	uint16_t flags;
	uint16_t idx;               /* where the driver puts the next entry (mod size) */
	uint16_t ring[];
};

/* 2.7.8 */
struct virtq_used_elem {
	uint32_t id;                /* head of the chain the device used */
	uint32_t len;               /* bytes the device wrote into it */
};

/* 2.7.8: followed by le16 avail_event when VIRTIO_F_EVENT_IDX is negotiated. */
struct virtq_used {
	uint16_t flags;
	uint16_t idx;
	struct virtq_used_elem ring[];
};

/* One buffer of a chain. */
struct virtq_seg {
	uint64_t addr;              /* physical address */
	uint32_t len;
	bool device_writes;         /* VIRTQ_DESC_F_WRITE: a receive buffer */
};

struct virtq_stats {
	uint64_t bad_id;            /* used element naming no outstanding chain */
	uint64_t bad_len;           /* used length beyond the chain's writable bytes */
	uint64_t notifies;          /* times virtq_kick_prepare (or _confirm) said "notify" */
	uint64_t notifies_saved;    /* ... and virtq_kick_prepare said the device does not need one */
};

struct virtq {
	uint16_t size;              /* entries, a power of two */
	uint16_t index;             /* queue number on the device */
	bool event_idx;             /* VIRTIO_F_EVENT_IDX negotiated */
	struct virtq_desc *desc;
	struct virtq_avail *avail;
	struct virtq_used *used;
	uint16_t free_head;         /* first free descriptor, chained through next */
	uint16_t num_free;
	uint16_t avail_idx;         /* shadow of avail->idx, including unpublished entries */
	uint16_t kicked_idx;        /* avail->idx at the last notification decision */
	uint16_t last_used;         /* next used-ring entry to consume */
	void (*fence)(void);        /* a store->load fence where mfence is not one (virtq_set_fence); NULL */
	bool unconfirmed;           /* with fence: a "no notification" not yet checked behind it */
	uint16_t unconfirmed_old;   /* ... avail->idx before the first such publish */
	void **token;               /* per chain head: the caller's cookie, NULL when free */
	uint32_t *wlen;             /* per chain head: writable bytes of the chain */
	struct virtq_stats stats;
};

/* Bytes of ring memory for size entries: descriptor table, avail ring, used ring, each aligned. */
size_t virtq_mem_size(uint16_t size);
/* Physical offsets of the three parts in that memory (for queue_desc/driver/device). */
size_t virtq_avail_offset(uint16_t size);
size_t virtq_used_offset(uint16_t size);

/*
 * Lays the queue out in mem (virtq_mem_size(size) zeroed bytes, 4 KiB
 * aligned) with per-head arrays token/wlen of size entries each.
 * -EINVAL unless size is a power of two in 1..VIRTQ_MAX_SIZE.
 */
int virtq_init(struct virtq *q, uint16_t index, uint16_t size, void *mem, void **token, uint32_t *wlen,
	       bool event_idx);

/* Descriptors free for new chains. */
static inline unsigned virtq_num_free(const struct virtq *q)
{
	return q->num_free;
}

/*
 * Adds one chain of n segments with cookie token (non-NULL) to the
 * available ring. Not visible to the device until virtq_kick_prepare.
 * -ENOSPC without n free descriptors, -EINVAL for n == 0 or n > VIRTQ_MAX_SEGS.
 */
int virtq_add(struct virtq *q, const struct virtq_seg *segs, unsigned n, void *token);

/*
 * Publishes added chains (avail->idx) and says whether the device wants a
 * notification for them (2.7.13.3-4: avail_event or VIRTQ_USED_F_NO_NOTIFY).
 * With a fence hook (virtq_set_fence) a "no" is provisional: the caller
 * must call virtq_kick_confirm before it waits for anything the device
 * would do with these chains.
 */
bool virtq_kick_prepare(struct virtq *q);
/*
 * Checks the provisional "no"s of virtq_kick_prepare behind the fence
 * hook, once for all of them; true when the device wants a notification
 * after all. False at no cost when there is nothing to check.
 */
bool virtq_kick_confirm(struct virtq *q);

/*
 * Takes the next used element: 1 with *token and *len set; 0 when the
 * device has used nothing new; -EIO for a malformed element, which is
 * consumed and counted: *token is NULL for a bad id, or the chain's cookie
 * (its descriptors freed) for a bad length, so the caller can reuse or free
 * the buffer.
 */
int virtq_get(struct virtq *q, void **token, uint32_t *len);

/* True when the device has used elements not yet taken. */
bool virtq_pending(const struct virtq *q);

/* 2.7.7 / 2.7.10: ask for no used-buffer notifications (best effort: the device may still send one). */
void virtq_disable_cb(struct virtq *q);
/*
 * Ask for a notification at the next used element. Returns true when
 * elements are already pending, which the device will not notify about:
 * the caller must poll again instead of waiting.
 */
bool virtq_enable_cb(struct virtq *q);
/*
 * Ask for a notification only once about three quarters of the outstanding
 * chains are used (with EVENT_IDX; otherwise like virtq_enable_cb). Same return.
 */
bool virtq_enable_cb_delayed(struct virtq *q);

/*
 * A fence for the store->load steps of the notification handshakes
 * (2.7.13.4.1, 2.7.14), for machines where mfence does not order our
 * stores against the device (vnet.c: QEMU's TCG before 8.1 with one
 * vCPU), called after mb() only where a "no" would let the driver wait:
 * in virtq_enable_cb*, and in virtq_kick_confirm for the notifications
 * virtq_kick_prepare skipped. NULL, the default, for none.
 */
void virtq_set_fence(struct virtq *q, void (*fence)(void));

/* 2.7.10: the device's rule for "has the other side's event index been crossed". */
static inline bool virtq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

#endif

/*
 * pipe/shm.h: the layout of the memory the guest and the monitor share
 * (QEMU ivshmem-doorbell BAR2, docs/specs/ivshmem-spec.rst in QEMU; the
 * monitor creates the file and hands it to QEMU as the ivshmem server).
 *
 *   offset 0            struct pipe_shm_hdr (one page)
 *   ctl_off             nslots x struct pipe_slot_ctl (two ring control blocks each)
 *   data_off            nslots x (g2h data, h2g data), ring_size bytes each
 *
 * Slot 0 is the control pipe (NewStreamRequest -> DataStreamInfo, pipe/msg.h);
 * slots 1.. are data pipes, handed out only by the monitor. A slot's
 * owner is the monitor while it is free; it becomes the guest's for its
 * guest ends once the monitor names it in a DataStreamInfo or an
 * IncomingConnection, and returns to the monitor when the guest sets
 * h2g.gone (its last store to the slot).
 *
 * Notifications (ivshmem doorbell, spec "Doorbell Register"): the guest
 * rings the monitor's peer ID with vector = slot, so each slot has an
 * eventfd of its own in the monitor; the monitor sets the slot's bit in
 * guest_pending and signals the guest's vector 0 (MSI-X entry 0): the
 * guest's interrupt handler takes the bitmap words with an atomic
 * exchange and wakes each named slot.
 *
 * Both sides are little-endian x86-64 processes sharing this memory, so the
 * layout is a C struct with fixed-width fields, checked by static asserts.
 */
#ifndef PIPE_SHM_H
#define PIPE_SHM_H

#include <stdbool.h>
#include <stdint.h>

#include "ring.h"

#define PIPE_SHM_MAGIC 0x49504b53u   /* "SKPI" */
#define PIPE_SHM_VERSION 1
#define PIPE_MAX_SLOTS 256
#define PIPE_CONTROL_SLOT 0

struct pipe_shm_hdr {
	uint32_t magic;            /* PIPE_SHM_MAGIC once the monitor has laid it out */
	uint32_t version;
	uint32_t nslots;           /* including the control slot */
	uint32_t ring_size;        /* bytes per ring, a power of two */
	uint32_t ctl_off;          /* offset of the slot control blocks */
	uint32_t data_off;         /* offset of slot 0's g2h data */
	uint32_t host_id;          /* the monitor's ivshmem peer ID: the guest's doorbell target */
	uint32_t epoch;            /* bumped by every monitor that lays the memory out */
	uint8_t pad0[32];
	uint64_t guest_pending[PIPE_MAX_SLOTS / 64]; /* slots with news for the guest */
	uint8_t slot_state[PIPE_MAX_SLOTS];          /* monitor's own: PIPE_SLOT_* */
};

enum { PIPE_SLOT_FREE = 0, PIPE_SLOT_USED = 1 };

struct pipe_slot_ctl {
	struct pipe_ring_ctl g2h;  /* guest -> host */
	struct pipe_ring_ctl h2g;  /* host -> guest */
};

_Static_assert(sizeof(struct pipe_shm_hdr) <= 4096, "header fits a page");
_Static_assert(__builtin_offsetof(struct pipe_shm_hdr, guest_pending) == 64, "pending on its own line");

/* A side's view of one slot: its two rings. */
struct pipe_slot_view {
	struct pipe_ring g2h, h2g;
};

/*
 * The monitor: lays out size bytes at base for nslots slots with the
 * largest power-of-two ring that fits (at most max_ring); -EINVAL when
 * not even 4 KiB rings fit or nslots is out of range.
 */
int pipe_shm_format(void *base, uint64_t size, uint32_t nslots, uint32_t max_ring, uint32_t host_id);
/* Either side: checks a laid-out header against the mapping's size; 0 or -EINVAL. */
int pipe_shm_check(const void *base, uint64_t size);
/* The view of slot i of a checked layout; -EINVAL when i is out of range. */
int pipe_shm_slot(void *base, uint32_t i, struct pipe_slot_view *v);

/* The monitor: marks slot news for the guest (the caller then signals vector 0). */
void pipe_shm_post_guest(void *base, uint32_t slot);
/* The guest: takes word w of the pending bitmap (atomic exchange with 0). */
uint64_t pipe_shm_take_pending(void *base, unsigned w);

#endif

/*
 * pipe/ring.h: a single-producer single-consumer byte ring in memory shared
 * between the guest and the host monitor (one ring per direction of a
 * pipe; ivshmem BAR2 in the guest, the same file mmap()ed by the monitor).
 *
 * The ring's control block lives in the shared memory; each side builds a
 * private view (struct pipe_ring) of it from offsets it trusts, never from
 * pointers read out of the shared memory. head and tail are free-running
 * 32-bit byte counters (readable = head - tail, wrapping), the data area's
 * size a power of two, so full and empty differ without a spare byte.
 *
 * Memory ordering (GCC __atomic, the C11 model; x86-64 in practice):
 *   - the producer copies bytes in, then stores head with release; the
 *     consumer loads head with acquire before it copies them out: a reader
 *     never sees a byte before it was written;
 *   - the consumer stores tail with release after copying out; the producer
 *     loads tail with acquire before overwriting: no byte is overwritten
 *     before it was read;
 *   - sleeping (no busy polling): a side that finds nothing to do sets its
 *     wait flag (rd_wait or wr_wait), issues a full fence and checks again
 *     before it sleeps; the other side publishes head/tail, issues a full
 *     fence and reads the flag: if set, it notifies (doorbell or eventfd).
 *     The two fences order store-then-load on both sides (Dekker), so at
 *     least one of them sees the other's store: a wake-up is never lost.
 *   - fin (the producer will write no more) and reset (it aborted) are
 *     stored with release after the last head; gone (the consumer left)
 *     likewise after its last tail.
 * A consumer must not trust a peer's counters: readable_len() reports a
 * head more than a ring ahead of tail as corrupt (PIPE_RING_CORRUPT).
 */
#ifndef PIPE_RING_H
#define PIPE_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PIPE_RING_CORRUPT UINT32_MAX

/* In shared memory: producer-written fields on one cache line, consumer-written on the next. */
struct pipe_ring_ctl {
	uint32_t head;             /* bytes ever written (mod 2^32) */
	uint32_t fin;              /* 1: producer closed, no byte after head */
	uint32_t reset;            /* 1: producer aborted the stream */
	uint32_t wr_wait;          /* 1: producer sleeps until space frees */
	uint8_t pad0[48];
	uint32_t tail;             /* bytes ever consumed (mod 2^32) */
	uint32_t rd_wait;          /* 1: consumer sleeps until bytes arrive */
	uint32_t gone;             /* 1: consumer left; writes are refused */
	uint8_t pad1[52];
};

_Static_assert(sizeof(struct pipe_ring_ctl) == 128, "two cache lines");

/* One side's private view of a ring. */
struct pipe_ring {
	struct pipe_ring_ctl *ctl;
	uint8_t *data;
	uint32_t cap;              /* power of two */
};

/* The view; -EINVAL unless cap is a power of two >= 16. */
int pipe_ring_init(struct pipe_ring *r, void *ctl, void *data, uint32_t cap);
/* Zeroes the control block: only while neither side uses the ring. */
void pipe_ring_reset(struct pipe_ring *r);

/* Consumer: bytes ready to read, or PIPE_RING_CORRUPT. */
uint32_t pipe_ring_readable_len(const struct pipe_ring *r);
/* Producer: bytes that fit now (0 when the counters are corrupt). */
uint32_t pipe_ring_writable_len(const struct pipe_ring *r);

/* Producer: copies min(len, writable) bytes in and publishes them; returns that count. */
size_t pipe_ring_write(struct pipe_ring *r, const void *buf, size_t len);
/* Consumer: copies min(len, readable) bytes out and frees their space; returns that count. */
size_t pipe_ring_read(struct pipe_ring *r, void *buf, size_t len);
/*
 * Consumer, zero copy: *p and the return value describe the readable bytes
 * up to the end of the data area (a second call after consume() gets the
 * wrapped rest); consume(n) frees the first n of them.
 */
uint32_t pipe_ring_peek(const struct pipe_ring *r, const uint8_t **p);
void pipe_ring_consume(struct pipe_ring *r, uint32_t n);
/* Consumer: copies min(len, readable) bytes out without consuming them (a later consume() does). */
size_t pipe_ring_peek_copy(const struct pipe_ring *r, void *buf, size_t len);

/* Producer: no more bytes (fin) or abort (reset). */
void pipe_ring_set_fin(struct pipe_ring *r);
void pipe_ring_set_reset(struct pipe_ring *r);
bool pipe_ring_fin(const struct pipe_ring *r);
bool pipe_ring_is_reset(const struct pipe_ring *r);
/* Consumer: leaves for good; the producer's writes then fail. */
void pipe_ring_set_gone(struct pipe_ring *r);
bool pipe_ring_gone(const struct pipe_ring *r);

/*
 * Sleeping without lost wake-ups (see the header comment). The consumer
 * calls reader_arm(), re-checks readable_len() and sleeps only if still
 * empty, then reader_disarm(). The producer, after write/fin/reset, calls
 * reader_needs_wake() and notifies when it returns true. The same pairs
 * for a producer waiting for space.
 */
void pipe_ring_reader_arm(struct pipe_ring *r);
void pipe_ring_reader_disarm(struct pipe_ring *r);
bool pipe_ring_reader_needs_wake(const struct pipe_ring *r);
void pipe_ring_writer_arm(struct pipe_ring *r);
void pipe_ring_writer_disarm(struct pipe_ring *r);
bool pipe_ring_writer_needs_wake(const struct pipe_ring *r);

#endif

/*
 * sock/svc_outq.h: a connection's output queue for the callback services:
 * the bytes a handler sent that the socket could not take yet, in order,
 * bounded by a limit.
 *
 * Promises: push takes all of its bytes or none (-ENOBUFS when the limit
 * would be passed, -ENOMEM when memory is short, the queue unchanged
 * either way); front/consume hand the bytes out in the order pushed, each
 * exactly once. Bytes are copied once, at push, into chunks of at least
 * SVC_OUTQ_CHUNK_MIN bytes (small sends share a chunk) and at most
 * SVC_OUTQ_CHUNK_MAX (a large send is several chunks: no allocation is
 * larger, whatever the send). Not thread-safe: one service thread owns it.
 */
#ifndef SOCK_SVC_OUTQ_H
#define SOCK_SVC_OUTQ_H

#include <stddef.h>
#include <stdint.h>

#define SVC_OUTQ_CHUNK_MIN	4096u
#define SVC_OUTQ_CHUNK_MAX	65536u

struct svc_outq_chunk {
	struct svc_outq_chunk *next;
	uint32_t off;		/* first byte not yet consumed */
	uint32_t len;		/* bytes stored */
	uint32_t cap;		/* bytes the chunk can store */
	uint8_t data[];
};

struct svc_outq {
	struct svc_outq_chunk *head, *tail;
	size_t bytes;		/* stored, not yet consumed */
	size_t limit;		/* push fails past this */
	size_t chunks;		/* allocated now */
};

void svc_outq_init(struct svc_outq *q, size_t limit);
/* Appends len bytes: 0, -ENOBUFS (over the limit) or -ENOMEM; all or none. */
int svc_outq_push(struct svc_outq *q, const void *p, size_t len);
/* The first contiguous run of queued bytes (NULL, *len 0 when empty). */
const uint8_t *svc_outq_front(const struct svc_outq *q, size_t *len);
/* Drops the first n queued bytes (n <= bytes), freeing emptied chunks. */
void svc_outq_consume(struct svc_outq *q, size_t n);
/* Drops everything and frees every chunk. */
void svc_outq_clear(struct svc_outq *q);

static inline size_t svc_outq_bytes(const struct svc_outq *q)
{
	return q->bytes;
}

/* Bytes a push may still add without -ENOBUFS. */
static inline size_t svc_outq_room(const struct svc_outq *q)
{
	return q->bytes < q->limit ? q->limit - q->bytes : 0;
}

#endif /* SOCK_SVC_OUTQ_H */

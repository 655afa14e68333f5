/*
 * sock/svc_outq.c: the output queue of a service connection (svc_outq.h).
 * A singly linked list of chunks: push fills the tail's spare room first,
 * then appends chunks; consume frees chunks from the head as they empty.
 * A failed push gives back what it had taken, so the caller sees all or
 * nothing.
 */
#include <errno.h>
#include <string.h>

#include "sock/svc_os.h"
#include "sock/svc_outq.h"

void svc_outq_init(struct svc_outq *q, size_t limit)
{
	q->head = q->tail = NULL;
	q->bytes = 0;
	q->limit = limit;
	q->chunks = 0;
}

static struct svc_outq_chunk *chunk_new(size_t want)
{
	size_t cap = want < SVC_OUTQ_CHUNK_MIN ? SVC_OUTQ_CHUNK_MIN :
		     want > SVC_OUTQ_CHUNK_MAX ? SVC_OUTQ_CHUNK_MAX : want;
	struct svc_outq_chunk *ch = malloc(sizeof(*ch) + cap);

	if (!ch)
		return NULL;
	ch->next = NULL;
	ch->off = ch->len = 0;
	ch->cap = (uint32_t)cap;
	return ch;
}

int svc_outq_push(struct svc_outq *q, const void *p, size_t len)
{
	const uint8_t *src = p;
	struct svc_outq_chunk *old_tail = q->tail, *first_new = NULL, *last = NULL;
	uint32_t old_tail_len = old_tail ? old_tail->len : 0;
	size_t left = len, n, added = 0;

	if (len > svc_outq_room(q))
		return -ENOBUFS;
	if (old_tail && old_tail->len < old_tail->cap && left) {
		n = old_tail->cap - old_tail->len;
		n = n < left ? n : left;
		memcpy(old_tail->data + old_tail->len, src, n);
		old_tail->len += (uint32_t)n;
		src += n;
		left -= n;
	}
	/* The new chunks are built apart and linked on success only. */
	while (left) {
		struct svc_outq_chunk *ch = chunk_new(left);

		if (!ch)
			goto out_undo;
		n = ch->cap < left ? ch->cap : left;
		memcpy(ch->data, src, n);
		ch->len = (uint32_t)n;
		src += n;
		left -= n;
		added++;
		if (last)
			last->next = ch;
		else
			first_new = ch;
		last = ch;
	}
	if (first_new) {
		if (q->tail)
			q->tail->next = first_new;
		else
			q->head = first_new;
		q->tail = last;
		q->chunks += added;
	}
	q->bytes += len;
	return 0;

out_undo:
	while (first_new) {
		struct svc_outq_chunk *next = first_new->next;

		free(first_new);
		first_new = next;
	}
	if (old_tail)
		old_tail->len = old_tail_len;
	return -ENOMEM;
}

const uint8_t *svc_outq_front(const struct svc_outq *q, size_t *len)
{
	if (!q->head) {
		*len = 0;
		return NULL;
	}
	*len = q->head->len - q->head->off;
	return q->head->data + q->head->off;
}

void svc_outq_consume(struct svc_outq *q, size_t n)
{
	while (n && q->head) {
		struct svc_outq_chunk *ch = q->head;
		size_t avail = ch->len - ch->off;
		size_t take = n < avail ? n : avail;

		ch->off += (uint32_t)take;
		q->bytes -= take;
		n -= take;
		if (ch->off < ch->len)
			break;
		/* Emptied: a tail chunk is freed too, so an idle connection
		 * holds no queue memory. */
		q->head = ch->next;
		if (!q->head)
			q->tail = NULL;
		q->chunks--;
		free(ch);
	}
}

void svc_outq_clear(struct svc_outq *q)
{
	while (q->head) {
		struct svc_outq_chunk *ch = q->head;

		q->head = ch->next;
		free(ch);
	}
	q->tail = NULL;
	q->bytes = 0;
	q->chunks = 0;
}

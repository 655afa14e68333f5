/*
 * tcp_sndref.c: send-queue bytes held by reference (tcp_send_ref): a
 * small fixed array per pcb of sequence ranges whose bytes live in the
 * caller's memory (static content in the image) instead of the send ring.
 *
 * Promises: a referenced range still occupies its place in the send ring's
 * accounting (snd.len, ring_room), so sequence space, the window offered
 * to the app, Nagle and TCP_SEND_MORE are exactly tcp_send()'s; only the
 * copy is skipped. The ring bytes under a reference are never read.
 * References are sorted by sequence and disjoint; at most TCP_SNDREF_MAX
 * are held (no allocation per send or per segment): a send that would
 * need one more is copied instead (sndref_add returns false). A reference
 * contiguous with the last one in both sequence and memory extends it.
 * Every segment reads its bytes again from the reference, so a
 * retransmission (RTO, fast retransmit, SACK, TLP, persist) needs no copy
 * kept. References go once the peer acknowledges all their bytes.
 */
#include <string.h>

#include "tcp_priv.h"

bool sndref_add(struct tcp_pcb *pcb, uint32_t seq, const void *p, uint32_t n)
{
	struct tcp_sndref *last = pcb->nsref ? &pcb->sref[pcb->nsref - 1] : NULL;

	if (last && last->seq + last->len == seq && last->p + last->len == p &&
	    last->len + n > last->len) {
		last->len += n;
		return true;
	}
	if (pcb->nsref == TCP_SNDREF_MAX)
		return false;
	pcb->sref[pcb->nsref].seq = seq;
	pcb->sref[pcb->nsref].len = n;
	pcb->sref[pcb->nsref].p = p;
	pcb->nsref++;
	return true;
}

void sndref_ack(struct tcp_pcb *pcb)
{
	unsigned k = 0;

	while (k < pcb->nsref &&
	       seq_leq(pcb->sref[k].seq + pcb->sref[k].len, pcb->snd_base))
		k++;
	if (!k)
		return;
	memmove(&pcb->sref[0], &pcb->sref[k],
		(pcb->nsref - k) * sizeof(pcb->sref[0]));
	pcb->nsref = (uint8_t)(pcb->nsref - k);
}

/*
 * Copies n queued bytes from seq to dst: ring bytes from the ring, the
 * rest from their references. The caller keeps [seq, seq + n) within the
 * queue (ring_read_at zero-fills past it, as before).
 */
void sndq_read(const struct tcp_pcb *pcb, uint32_t seq, uint8_t *dst,
	       uint32_t n)
{
	unsigned i;

	for (i = 0; i < pcb->nsref && n; i++) {
		const struct tcp_sndref *r = &pcb->sref[i];
		uint32_t end = r->seq + r->len, k;

		if (seq_leq(end, seq))
			continue;
		if (seq_lt(seq, r->seq)) {
			/* Ring bytes up to this reference. */
			k = r->seq - seq < n ? r->seq - seq : n;
			ring_read_at(&pcb->snd, seq - pcb->snd_base, dst, k);
			seq += k;
			dst += k;
			n -= k;
			if (!n)
				return;
		}
		k = end - seq < n ? end - seq : n;
		memcpy(dst, r->p + (seq - r->seq), k);
		seq += k;
		dst += k;
		n -= k;
	}
	if (n)
		ring_read_at(&pcb->snd, seq - pcb->snd_base, dst, n);
}

/*
 * The referenced tail of the segment [seq, seq + n): when a reference
 * holds its last byte, the bytes from max(seq, the reference's start) to
 * the end are at the returned pointer (*head is the count before them,
 * which the caller copies with sndq_read); else NULL, *head = n.
 */
const uint8_t *sndref_tail(const struct tcp_pcb *pcb, uint32_t seq, uint32_t n,
			   uint32_t *head)
{
	uint32_t last = seq + n - 1;
	unsigned i;

	*head = n;
	if (!n)
		return NULL;
	for (i = pcb->nsref; i-- > 0;) {
		const struct tcp_sndref *r = &pcb->sref[i];

		if (seq_lt(last, r->seq))
			continue;
		if (!seq_lt(last, r->seq + r->len))
			return NULL;	/* the last byte is a ring byte */
		if (seq_lt(seq, r->seq)) {
			*head = r->seq - seq;
			return r->p;
		}
		*head = 0;
		return r->p + (seq - r->seq);
	}
	return NULL;
}

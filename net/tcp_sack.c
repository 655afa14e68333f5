/*
 * tcp_sack.c: the sender's SACK scoreboard and the loss-recovery helpers
 * of RFC 6675 (IsLost, SetPipe, NextSeg), for RFC 2018 SACK blocks.
 *
 * Promises: the scoreboard keeps at most TCP_SCORE_MAX disjoint ranges
 * above SND.UNA, sorted; blocks that are malformed, below SND.UNA or
 * beyond SND.MAX are ignored (RFC 2018 and RFC 5961's spirit: never trust
 * a block for data not sent). When full, the highest range gives way: the
 * sender may then resend data the peer had, never skip data it lacks.
 * IsLost(seq) holds when more than (DupThresh - 1) * SMSS bytes or
 * DupThresh ranges are SACKed above seq (RFC 6675 4); all of these walk
 * the scoreboard only (a few entries), never the data.
 * Deviations: NextSeg rule (4) (the rescue retransmission) is not used.
 */
#include <string.h>

#include "netstack_priv.h"
#include "tcp_priv.h"

static void score_remove(struct tcp_pcb *pcb, unsigned i)
{
	memmove(&pcb->score[i], &pcb->score[i + 1],
		(pcb->nscore - i - 1) * sizeof(pcb->score[0]));
	pcb->nscore--;
}

static void score_add(struct tcp_pcb *pcb, uint32_t start, uint32_t end)
{
	unsigned i, j;

	for (i = 0; i < pcb->nscore; i++) {
		struct tcp_range *r = &pcb->score[i];

		if (seq_lt(end, r->start))
			break;
		if (seq_gt(start, r->end))
			continue;
		r->start = seq_min(r->start, start);
		r->end = seq_max(r->end, end);
		for (j = i + 1; j < pcb->nscore &&
				seq_leq(pcb->score[j].start, r->end);) {
			r->end = seq_max(r->end, pcb->score[j].end);
			score_remove(pcb, j);
		}
		return;
	}
	if (pcb->nscore == TCP_SCORE_MAX) {
		if (i == pcb->nscore)
			return;		/* the highest anyway: forget it */
		pcb->nscore--;		/* drop the highest */
	}
	memmove(&pcb->score[i + 1], &pcb->score[i],
		(pcb->nscore - i) * sizeof(pcb->score[0]));
	pcb->score[i].start = start;
	pcb->score[i].end = end;
	pcb->nscore++;
}

/* RFC 2018 4: take the blocks of an arriving ACK. */
void tcp_sack_update(struct tcp_pcb *pcb, const struct tcp_hdr *th)
{
	unsigned i;

	for (i = 0; i < th->nsack; i++) {
		uint32_t s = th->sack[i].start, e = th->sack[i].end;

		if (!seq_lt(s, e) || seq_gt(e, pcb->snd_max) ||
		    !seq_gt(e, pcb->snd_una) || e - s > pcb->snd_max - pcb->snd_una)
			continue;
		if (seq_lt(s, pcb->snd_una))
			s = pcb->snd_una;
		score_add(pcb, s, e);
	}
}

/* SND.UNA moved: forget what it covers. */
void tcp_sack_prune(struct tcp_pcb *pcb)
{
	while (pcb->nscore && seq_leq(pcb->score[0].end, pcb->snd_una))
		score_remove(pcb, 0);
	if (pcb->nscore && seq_lt(pcb->score[0].start, pcb->snd_una))
		pcb->score[0].start = pcb->snd_una;
	if (seq_lt(pcb->hi_rxt, pcb->snd_una))
		pcb->hi_rxt = pcb->snd_una;
}

/* RFC 6675 4 IsLost, as an edge: every unSACKed byte below it is lost. */
static uint32_t lost_edge(const struct tcp_pcb *pcb)
{
	uint32_t sacked = 0, smss = tcp_smss(pcb);
	unsigned cnt = 0;
	int i;

	for (i = (int)pcb->nscore - 1; i >= 0; i--) {
		sacked += pcb->score[i].end - pcb->score[i].start;
		cnt++;
		if (sacked > (TCP_DUPACK_THRESH - 1) * smss ||
		    cnt >= TCP_DUPACK_THRESH)
			return pcb->score[i].start;
	}
	return pcb->snd_una;
}

bool tcp_sack_is_lost(const struct tcp_pcb *pcb, uint32_t seq)
{
	return seq_lt(seq, lost_edge(pcb));
}

/* Bytes of [a, b) not covered by the scoreboard. */
static uint32_t unsacked(const struct tcp_pcb *pcb, uint32_t a, uint32_t b)
{
	uint32_t n;
	unsigned i;

	if (!seq_lt(a, b))
		return 0;
	n = b - a;
	for (i = 0; i < pcb->nscore; i++) {
		uint32_t s = seq_max(a, pcb->score[i].start);
		uint32_t e = seq_min(b, pcb->score[i].end);

		if (seq_lt(s, e))
			n -= e - s;
	}
	return n;
}

/* RFC 6675 4 SetPipe: bytes believed in the network. */
uint32_t tcp_sack_pipe(const struct tcp_pcb *pcb)
{
	uint32_t l = lost_edge(pcb);
	uint32_t pipe = unsacked(pcb, l, pcb->snd_max);

	/* (b): bytes resent and not yet SACKed count (again, if above
	 * the lost edge: the original may be in flight too). */
	if (seq_gt(pcb->hi_rxt, pcb->snd_una))
		pipe += unsacked(pcb, pcb->snd_una, pcb->hi_rxt);
	return pipe;
}

/* The first unSACKed bytes at or above max(HighRxt, SND.UNA) and below
 * edge, up to one SMSS and the end of the hole (data only). */
static bool hole_below(struct tcp_pcb *pcb, uint32_t edge, uint32_t *seq,
		       uint32_t *len)
{
	uint32_t s = seq_max(pcb->hi_rxt, pcb->snd_una);
	uint32_t e = edge, data_end = pcb->snd_base + pcb->snd.len;
	unsigned i;

	for (i = 0; i < pcb->nscore; i++)
		if (seq_leq(pcb->score[i].start, s) &&
		    seq_lt(s, pcb->score[i].end))
			s = pcb->score[i].end;
	if (!seq_lt(s, edge))
		return false;
	for (i = 0; i < pcb->nscore; i++)
		if (seq_gt(pcb->score[i].start, s)) {
			e = seq_min(e, pcb->score[i].start);
			break;
		}
	e = seq_min(e, data_end);
	if (!seq_lt(s, e))
		return false;
	*seq = s;
	*len = e - s < tcp_smss(pcb) ? e - s : tcp_smss(pcb);
	return true;
}

/* RFC 6675 4 NextSeg (1): the first lost, unSACKed, not yet resent
 * bytes. */
bool tcp_sack_next_hole(struct tcp_pcb *pcb, uint32_t *seq, uint32_t *len)
{
	return hole_below(pcb, lost_edge(pcb), seq, len);
}

/* RFC 6675 4 NextSeg (3): with no lost hole and no new data to send, the
 * first unSACKed bytes above HighRxt and below the highest SACKed octet
 * (1.a, 1.b without 1.c): without this a hole near the end of the data,
 * with too little SACKed above it to count as lost, waits for the RTO. */
bool tcp_sack_next_unsacked(struct tcp_pcb *pcb, uint32_t *seq,
			    uint32_t *len)
{
	if (!pcb->nscore)
		return false;
	return hole_below(pcb, pcb->score[pcb->nscore - 1].end, seq, len);
}

/*
 * RFC 6675 5.1: after a timeout the scoreboard still says what the peer
 * holds: a go-back retransmission from seq skips SACKed ranges. Returns
 * the first unSACKed sequence at or after seq and sets *lim to the start
 * of the next SACKed range above it (0: none).
 */
uint32_t tcp_sack_skip(const struct tcp_pcb *pcb, uint32_t seq, uint32_t *lim)
{
	unsigned i;

	*lim = 0;
	for (i = 0; i < pcb->nscore; i++) {
		const struct tcp_range *r = &pcb->score[i];

		if (seq_leq(r->start, seq) && seq_lt(seq, r->end)) {
			seq = r->end;
			continue;
		}
		if (seq_gt(r->start, seq)) {
			*lim = r->start;
			break;
		}
	}
	return seq;
}

/* SACKed bytes at or above seq (the lost-retransmission test). */
uint32_t tcp_sack_bytes_above(const struct tcp_pcb *pcb, uint32_t seq)
{
	uint32_t n = 0;
	unsigned i;

	for (i = pcb->nscore; i-- > 0 && seq_gt(pcb->score[i].end, seq);)
		n += pcb->score[i].end - seq_max(pcb->score[i].start, seq);
	return n;
}

/* SACKed bytes below seq: sent but not in flight (for the cwnd test). */
uint32_t tcp_sack_bytes_below(const struct tcp_pcb *pcb, uint32_t seq)
{
	uint32_t n = 0;
	unsigned i;

	for (i = 0; i < pcb->nscore && seq_lt(pcb->score[i].start, seq); i++)
		n += seq_min(pcb->score[i].end, seq) - pcb->score[i].start;
	return n;
}

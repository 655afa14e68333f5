/*
 * tcp_sack_test.c: the RFC 6675 helpers of net/tcp_sack.c on a pcb set
 * up by hand (white box): the scoreboard update rules, IsLost, SetPipe,
 * NextSeg and the go-back skip. Segments are 1000 bytes, S(i) their
 * starts, SND.UNA = S(0), SND.MAX = S(10).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../net/netstack_priv.h"
#include "../../../net/tcp_priv.h"

#define BASE 1000000u
#define S(i) (BASE + 1000u * (uint32_t)(i))

static struct tcp_pcb *mkpcb(void)
{
	struct tcp_pcb *pcb = calloc(1, sizeof(*pcb));

	assert_non_null(pcb);
	pcb->mss = 1000;
	pcb->snd_una = S(0);
	pcb->snd_base = S(0);
	pcb->snd_max = S(10);
	pcb->snd_nxt = S(10);
	pcb->hi_rxt = S(0);
	pcb->snd.len = 10000;	/* the data is in the ring */
	pcb->snd.size = 16384;
	return pcb;
}

static void sack(struct tcp_pcb *pcb, uint32_t a, uint32_t b)
{
	struct tcp_hdr th;

	memset(&th, 0, sizeof(th));
	th.nsack = 1;
	th.sack[0].start = a;
	th.sack[0].end = b;
	tcp_sack_update(pcb, &th);
}

/* RFC 2018 4 / RFC 6675 4: blocks merge; blocks for unsent data, below
 * SND.UNA or reversed are ignored; a block reaching below SND.UNA is cut. */
static void test_scoreboard_update_merges_and_filters(void **state)
{
	struct tcp_pcb *pcb = mkpcb();

	(void)state;
	sack(pcb, S(2), S(3));
	sack(pcb, S(4), S(5));
	sack(pcb, S(3), S(4));		/* joins both */
	assert_int_equal(pcb->nscore, 1);
	assert_int_equal(pcb->score[0].start, S(2));
	assert_int_equal(pcb->score[0].end, S(5));
	sack(pcb, S(9), S(12));		/* beyond SND.MAX */
	sack(pcb, S(0) - 500, S(0));	/* below SND.UNA */
	sack(pcb, S(7), S(6));		/* reversed */
	assert_int_equal(pcb->nscore, 1);
	sack(pcb, S(0) - 500, S(1));	/* cut at SND.UNA */
	assert_int_equal(pcb->nscore, 2);
	assert_int_equal(pcb->score[0].start, S(0));
	free(pcb);
}

/* RFC 6675 4 IsLost: more than (DupThresh - 1) * SMSS bytes, or
 * DupThresh ranges, SACKed above. */
static void test_is_lost_needs_three_segments_above(void **state)
{
	struct tcp_pcb *pcb = mkpcb();

	(void)state;
	sack(pcb, S(2), S(4));
	assert_false(tcp_sack_is_lost(pcb, S(0)));	/* 2 segments */
	sack(pcb, S(5), S(6));
	assert_true(tcp_sack_is_lost(pcb, S(0)));	/* 3 segments */
	assert_true(tcp_sack_is_lost(pcb, S(1)));
	assert_false(tcp_sack_is_lost(pcb, S(4)));	/* 1 above */
	free(pcb);
}

/* RFC 6675 4 SetPipe: (a) unSACKed bytes not lost, plus (b) bytes at or
 * below HighRxt, each counted again even above the lost edge. */
static void test_pipe_counts_resent_bytes_above_lost_edge(void **state)
{
	struct tcp_pcb *pcb = mkpcb();

	(void)state;
	sack(pcb, S(1), S(2));
	sack(pcb, S(4), S(5));
	sack(pcb, S(6), S(7));
	sack(pcb, S(8), S(9));
	/* Lost edge at S(4): S(0), S(2), S(3) lost; S(5), S(7), S(9) not. */
	assert_int_equal(tcp_sack_pipe(pcb), 3000);
	pcb->hi_rxt = S(1);		/* S(0) resent */
	assert_int_equal(tcp_sack_pipe(pcb), 4000);
	pcb->hi_rxt = S(6);		/* ... and S(2), S(3), S(5) */
	assert_int_equal(tcp_sack_pipe(pcb), 3000 + 4000);
	free(pcb);
}

/* RFC 6675 4 NextSeg (1) then (3). */
static void test_next_seg_lost_holes_then_unsacked(void **state)
{
	struct tcp_pcb *pcb = mkpcb();
	uint32_t seq, len;

	(void)state;
	sack(pcb, S(1), S(2));
	sack(pcb, S(4), S(5));
	sack(pcb, S(6), S(7));
	sack(pcb, S(8), S(9));
	assert_true(tcp_sack_next_hole(pcb, &seq, &len));
	assert_int_equal(seq, S(0));
	assert_int_equal(len, 1000);
	pcb->hi_rxt = S(1);
	assert_true(tcp_sack_next_hole(pcb, &seq, &len));
	assert_int_equal(seq, S(2));
	assert_int_equal(len, 1000);
	pcb->hi_rxt = S(4);
	assert_false(tcp_sack_next_hole(pcb, &seq, &len));
	/* Rule (3): not lost, below the highest SACK: S(5), then S(7). */
	assert_true(tcp_sack_next_unsacked(pcb, &seq, &len));
	assert_int_equal(seq, S(5));
	pcb->hi_rxt = S(6);
	assert_true(tcp_sack_next_unsacked(pcb, &seq, &len));
	assert_int_equal(seq, S(7));
	pcb->hi_rxt = S(8);
	/* S(9) lies above the highest SACKed byte: not rule (3)'s. */
	assert_false(tcp_sack_next_unsacked(pcb, &seq, &len));
	free(pcb);
}

/* RFC 6675 5.1: the go-back after an RTO skips SACKed ranges. */
static void test_skip_jumps_sacked_ranges(void **state)
{
	struct tcp_pcb *pcb = mkpcb();
	uint32_t lim;

	(void)state;
	sack(pcb, S(1), S(3));
	sack(pcb, S(3), S(4));
	sack(pcb, S(6), S(7));
	assert_int_equal(tcp_sack_skip(pcb, S(0), &lim), S(0));
	assert_int_equal(lim, S(1));
	assert_int_equal(tcp_sack_skip(pcb, S(1), &lim), S(4));
	assert_int_equal(lim, S(6));
	assert_int_equal(tcp_sack_skip(pcb, S(6) + 10, &lim), S(7));
	assert_int_equal(lim, 0);
	assert_int_equal(tcp_sack_bytes_below(pcb, S(7)), 4000);
	assert_int_equal(tcp_sack_bytes_below(pcb, S(2)), 1000);
	pcb->snd_una = S(3);
	tcp_sack_prune(pcb);
	assert_int_equal(pcb->nscore, 2);
	assert_int_equal(pcb->score[0].start, S(3));
	free(pcb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scoreboard_update_merges_and_filters),
		cmocka_unit_test(test_is_lost_needs_three_segments_above),
		cmocka_unit_test(test_pipe_counts_resent_bytes_above_lost_edge),
		cmocka_unit_test(test_next_seg_lost_holes_then_unsacked),
		cmocka_unit_test(test_skip_jumps_sacked_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/unit/lossylink/link_test.c: tools/lossylink's knob logic on the
 * host: the spec parser (every knob, its units and bounds, a table of
 * malformed specs), the seeded stream (same seed, same fates), each knob's
 * effect on link_decide (rates over many frames within a few standard
 * deviations, delay and jitter bounds, rate serialisation, reordering,
 * corruption past the Ethernet header) and the departure queue's order.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/lossylink/link.h"
#include "tools/lossylink/queue.h"

#define NFRAMES 100000

/* ---- helpers */

static struct link_knobs knobs(const char *spec)
{
	struct link_knobs k;
	char err[256];

	link_knobs_default(&k);
	if (link_parse(spec, &k, err, sizeof(err)) != 0)
		fail_msg("spec '%s' refused: %s", spec, err);
	return k;
}

/* The parser's verdict on spec: 0 or -EINVAL, err filled. */
static int parse(const char *spec, char *err, size_t len)
{
	struct link_knobs k;

	link_knobs_default(&k);
	err[0] = '\0';
	return link_parse(spec, &k, err, len);
}

/* Sends NFRAMES frames of len bytes, 1 us apart, through a fresh direction. */
static struct link_stats run_frames(const struct link_knobs *k, size_t len)
{
	struct link_dir d;
	struct link_fate f;
	int i;

	link_dir_init(&d, k, 1);
	for (i = 0; i < NFRAMES; i++)
		link_decide(&d, (uint64_t)i * 1000, len, &f);
	return d.st;
}

/* count of NFRAMES is within 5 standard deviations of p (ppm) * NFRAMES. */
static void assert_near(uint64_t count, uint32_t ppm)
{
	double p = ppm / 1e6, mean = p * NFRAMES, sd = __builtin_sqrt(NFRAMES * p * (1 - p));

	if (count < mean - 5 * sd || count > mean + 5 * sd)
		fail_msg("count %llu, expected %.0f +/- %.0f", (unsigned long long)count, mean, 5 * sd);
}

/* ---- parsing */

static void test_parse_empty_is_no_impairment(void **state)
{
	struct link_knobs k = knobs("");

	(void)state;
	assert_int_equal(k.loss, 0);
	assert_int_equal(k.dup, 0);
	assert_int_equal(k.rate, 0);
	assert_int_equal(k.limit, LINK_LIMIT_DEFAULT);
	assert_int_equal(k.seed, 1);
}

static void test_parse_every_knob(void **state)
{
	struct link_knobs k = knobs("loss=20%,dup=1%,reorder=5.5%,corrupt=0.0001%,delay=10ms,"
				    "jitter=250us,hold=1.5s,rate=100mbit,limit=64,seed=42");

	(void)state;
	assert_int_equal(k.loss, 200000);
	assert_int_equal(k.dup, 10000);
	assert_int_equal(k.reorder, 55000);
	assert_int_equal(k.corrupt, 1);
	assert_int_equal(k.delay, 10000000);
	assert_int_equal(k.jitter, 250000);
	assert_int_equal(k.hold, 1500000000);
	assert_int_equal(k.rate, 100000000);
	assert_int_equal(k.limit, 64);
	assert_int_equal(k.seed, 42);
}

static void test_parse_units(void **state)
{
	(void)state;
	assert_int_equal(knobs("delay=800ns").delay, 800);
	assert_int_equal(knobs("delay=2s").delay, 2000000000);
	assert_int_equal(knobs("delay=0").delay, 0);
	assert_int_equal(knobs("delay=0.5ms").delay, 500000);
	assert_int_equal(knobs("delay=60s").delay, 60000000000ull);
	assert_int_equal(knobs("rate=9600bit").rate, 9600);
	assert_int_equal(knobs("rate=512kbit").rate, 512000);
	assert_int_equal(knobs("rate=1.5gbit").rate, 1500000000);
	assert_int_equal(knobs("rate=0").rate, 0);
	assert_int_equal(knobs("rate=0mbit").rate, 0);
	assert_int_equal(knobs("delay=0ms").delay, 0);
	assert_int_equal(knobs("loss=100%").loss, LINK_PPM);
	assert_int_equal(knobs("loss=0%").loss, 0);
}

static void test_parse_later_knob_wins(void **state)
{
	(void)state;
	assert_int_equal(knobs("loss=1%,loss=2%").loss, 20000);
}

/* Each malformed spec is refused with a reason naming the culprit, and
 * leaves the knobs as they were. */
static void test_parse_malformed_refused(void **state)
{
	static const struct { const char *spec, *says; } bad[] = {
		{ "loss=20", "bad loss '20'" },
		{ "loss=101%", "bad loss '101%'" },
		{ "loss=100.1%", "bad loss '100.1%'" },
		{ "loss=-1%", "bad loss '-1%'" },
		{ "loss=%", "bad loss '%'" },
		{ "loss=1.%", "bad loss '1.%'" },
		{ "loss=0.00001%", "bad loss '0.00001%'" },
		{ "loss=20%%", "bad loss '20%%'" },
		{ "dup=x", "bad dup 'x'" },
		{ "reorder=", "bad reorder ''" },
		{ "corrupt=1e3%", "bad corrupt '1e3%'" },
		{ "delay=10", "bad delay '10'" },
		{ "delay=10min", "bad delay '10min'" },
		{ "delay=61s", "bad delay '61s'" },
		{ "delay=99999999999999999999ms", "bad delay" },
		{ "jitter=-1ms", "bad jitter '-1ms'" },
		{ "hold=1.0000000001s", "bad hold" },
		{ "rate=100", "bad rate '100'" },
		{ "rate=100mbps", "bad rate '100mbps'" },
		{ "rate=999bit", "bad rate '999bit'" },
		{ "rate=101gbit", "bad rate '101gbit'" },
		{ "rate=0.0001kbit", "bad rate '0.0001kbit'" },
		{ "rate=0xyz", "bad rate '0xyz'" },
		{ "delay=0xyz", "bad delay '0xyz'" },
		{ "limit=0", "bad limit '0'" },
		{ "limit=100001", "bad limit '100001'" },
		{ "limit=1.5", "bad limit '1.5'" },
		{ "seed=abc", "bad seed 'abc'" },
		{ "seed=18446744073709551616", "bad seed" },
		{ "speed=1", "unknown link knob 'speed'" },
		{ "loss", "bad link knob 'loss'" },
		{ "=1%", "bad link knob '=1%'" },
		{ "loss=1%,,dup=1%", "empty knob" },
		{ ",loss=1%", "empty knob" },
		{ "loss=1%,", "empty knob" },
	};
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct link_knobs k;

		link_knobs_default(&k);
		k.loss = 7;
		if (link_parse(bad[i].spec, &k, err, sizeof(err)) != -EINVAL)
			fail_msg("spec '%s' accepted", bad[i].spec);
		if (!strstr(err, bad[i].says))
			fail_msg("spec '%s': reason '%s' lacks '%s'", bad[i].spec, err, bad[i].says);
		assert_null(strchr(err, '\n'));
		assert_int_equal(k.loss, 7);
	}
}

static void test_parse_too_long_refused(void **state)
{
	char spec[600], err[256];

	(void)state;
	memset(spec, 'a', sizeof(spec) - 1);
	spec[sizeof(spec) - 1] = '\0';
	assert_int_equal(parse(spec, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "too long"));
}

static void test_describe_round_trip(void **state)
{
	struct link_knobs k = knobs("loss=20%,dup=1%,reorder=5%,delay=2ms,rate=10mbit,seed=9"), k2;
	char buf[256], spec[256], err[256], *p;

	(void)state;
	link_describe(&k, buf, sizeof(buf));
	assert_string_equal(buf, "loss=20.0000% dup=1.0000% reorder=5.0000% hold=2000us delay=2000us "
				 "rate=10000000bit limit=1000 seed=9");
	/* What it prints parses back to the same knobs. */
	snprintf(spec, sizeof(spec), "%s", buf);
	for (p = spec; *p; p++)
		if (*p == ' ')
			*p = ',';
	link_knobs_default(&k2);
	assert_int_equal(link_parse(spec, &k2, err, sizeof(err)), 0);
	assert_memory_equal(&k, &k2, sizeof(k));
}

/* ---- randomness */

static void test_rng_same_seed_same_stream(void **state)
{
	struct link_rng a, b, c;
	int i, same = 0;

	(void)state;
	link_rng_seed(&a, 5);
	link_rng_seed(&b, 5);
	link_rng_seed(&c, 6);
	for (i = 0; i < 1000; i++) {
		uint64_t x = link_rng_next(&a);

		assert_true(x == link_rng_next(&b));
		same += x == link_rng_next(&c);
	}
	assert_int_equal(same, 0);
}

static void test_rng_below_in_range_and_spread(void **state)
{
	struct link_rng r;
	int hist[10] = { 0 }, i;

	(void)state;
	link_rng_seed(&r, 1);
	for (i = 0; i < 100000; i++) {
		uint64_t x = link_rng_below(&r, 10);

		assert_true(x < 10);
		hist[x]++;
	}
	for (i = 0; i < 10; i++)
		assert_true(hist[i] > 9500 && hist[i] < 10500);
}

/* Two directions of one link get different streams from one seed. */
static void test_directions_differ(void **state)
{
	struct link_knobs k = knobs("loss=50%");
	struct link_dir a, b;
	struct link_fate fa, fb;
	int i, differ = 0;

	(void)state;
	link_dir_init(&a, &k, 1);
	link_dir_init(&b, &k, 2);
	for (i = 0; i < 100; i++) {
		link_decide(&a, 0, 100, &fa);
		link_decide(&b, 0, 100, &fb);
		differ += fa.ncopies != fb.ncopies;
	}
	assert_true(differ > 10);
}

/* ---- decisions */

static void test_no_knobs_pass_everything_now(void **state)
{
	struct link_knobs k = knobs("");
	struct link_dir d;
	struct link_fate f;
	int i;

	(void)state;
	link_dir_init(&d, &k, 1);
	for (i = 0; i < 1000; i++) {
		link_decide(&d, 777, 1514, &f);
		assert_int_equal(f.ncopies, 1);
		assert_int_equal(f.copy[0].depart, 777);
		assert_int_equal(f.copy[0].flip_bit, -1);
		assert_false(f.copy[0].held);
	}
	assert_int_equal(d.st.in, 1000);
	assert_int_equal(d.st.lost + d.st.duplicated + d.st.corrupted + d.st.reordered, 0);
}

static void test_loss_rate(void **state)
{
	struct link_knobs k = knobs("loss=20%");
	struct link_stats st = run_frames(&k, 100);

	(void)state;
	assert_int_equal(st.in, NFRAMES);
	assert_near(st.lost, 200000);
}

static void test_loss_all_and_none(void **state)
{
	struct link_knobs all = knobs("loss=100%"), none = knobs("loss=0%");

	(void)state;
	assert_int_equal(run_frames(&all, 100).lost, NFRAMES);
	assert_int_equal(run_frames(&none, 100).lost, 0);
}

static void test_dup_rate(void **state)
{
	struct link_knobs k = knobs("dup=1%");

	(void)state;
	assert_near(run_frames(&k, 100).duplicated, 10000);
}

/* A lost frame is not duplicated: loss comes first (netem's order). */
static void test_lost_frames_have_no_copies(void **state)
{
	struct link_knobs k = knobs("loss=50%,dup=50%");
	struct link_dir d;
	struct link_fate f;
	int i, two = 0;

	(void)state;
	link_dir_init(&d, &k, 1);
	for (i = 0; i < 10000; i++) {
		link_decide(&d, 0, 100, &f);
		assert_true(f.ncopies >= 0 && f.ncopies <= 2);
		two += f.ncopies == 2;
	}
	assert_int_equal(d.st.duplicated, two);
	assert_int_equal(d.st.in, 10000);
	assert_true(two > 2000 && two < 3000); /* 50 % of the 50 % that pass */
}

static void test_same_seed_same_fates(void **state)
{
	struct link_knobs k = knobs("loss=20%,dup=5%,reorder=5%,corrupt=5%,delay=1ms,jitter=1ms,seed=77");
	struct link_dir a, b;
	struct link_fate fa, fb;
	int i, j;

	(void)state;
	link_dir_init(&a, &k, 1);
	link_dir_init(&b, &k, 1);
	for (i = 0; i < 10000; i++) {
		link_decide(&a, (uint64_t)i * 1000, 1000, &fa);
		link_decide(&b, (uint64_t)i * 1000, 1000, &fb);
		assert_int_equal(fa.ncopies, fb.ncopies);
		for (j = 0; j < fa.ncopies; j++) {
			assert_int_equal(fa.copy[j].depart, fb.copy[j].depart);
			assert_int_equal(fa.copy[j].flip_bit, fb.copy[j].flip_bit);
			assert_int_equal(fa.copy[j].held, fb.copy[j].held);
		}
	}
}

/* Corruption flips one bit past the Ethernet header, never in it. */
static void test_corrupt_past_ethernet_header(void **state)
{
	struct link_knobs k = knobs("corrupt=100%");
	struct link_dir d;
	struct link_fate f;
	int i;

	(void)state;
	link_dir_init(&d, &k, 1);
	for (i = 0; i < 10000; i++) {
		link_decide(&d, 0, 60, &f);
		assert_true(f.copy[0].flip_bit >= LINK_ETH_HLEN * 8);
		assert_true(f.copy[0].flip_bit < 60 * 8);
	}
	assert_int_equal(d.st.corrupted, 10000);
	/* A runt with nothing past the header is left alone. */
	link_decide(&d, 0, LINK_ETH_HLEN, &f);
	assert_int_equal(f.copy[0].flip_bit, -1);
}

static void test_flip_changes_one_bit(void **state)
{
	uint8_t frame[64], orig[64];
	int i, diff = 0;

	(void)state;
	memset(frame, 0x5a, sizeof(frame));
	memcpy(orig, frame, sizeof(frame));
	link_flip(frame, sizeof(frame), 8 * 20 + 3);
	for (i = 0; i < 64; i++)
		diff += __builtin_popcount(frame[i] ^ orig[i]);
	assert_int_equal(diff, 1);
	assert_int_equal(frame[20], 0x5a ^ 0x08);
	link_flip(frame, sizeof(frame), 64 * 8); /* out of range: nothing */
	link_flip(frame, sizeof(frame), -1);
	frame[20] ^= 0x08;
	assert_memory_equal(frame, orig, sizeof(frame));
}

static void test_corrupt_rate(void **state)
{
	struct link_knobs k = knobs("corrupt=3%");

	(void)state;
	assert_near(run_frames(&k, 1000).corrupted, 30000);
}

static void test_delay_and_jitter_bounds(void **state)
{
	struct link_knobs k = knobs("delay=10ms,jitter=2ms");
	struct link_dir d;
	struct link_fate f;
	uint64_t lo = UINT64_MAX, hi = 0, sum = 0;
	int i;

	(void)state;
	link_dir_init(&d, &k, 1);
	for (i = 0; i < NFRAMES; i++) {
		link_decide(&d, 1000000000, 100, &f);
		uint64_t w = f.copy[0].depart - 1000000000;

		lo = w < lo ? w : lo;
		hi = w > hi ? w : hi;
		sum += w;
	}
	assert_true(lo >= 8000000 && lo < 8010000);
	assert_true(hi <= 12000000 && hi > 11990000);
	assert_true(sum / NFRAMES > 9990000 && sum / NFRAMES < 10010000);
}

/* Jitter larger than the delay never sends a frame before it came. */
static void test_jitter_clamped_at_zero(void **state)
{
	struct link_knobs k = knobs("delay=1ms,jitter=5ms");
	struct link_dir d;
	struct link_fate f;
	int i, zero = 0;

	(void)state;
	link_dir_init(&d, &k, 1);
	for (i = 0; i < 10000; i++) {
		link_decide(&d, 500, 100, &f);
		assert_true(f.copy[0].depart >= 500);
		zero += f.copy[0].depart == 500;
	}
	assert_true(zero > 3000); /* 4 of the 10 ms range fall below zero */
}

/* rate: back-to-back frames leave one serialisation time apart
 * (1250 bytes at 10 Mbit/s = 1 ms), and the clock catches up after idle. */
static void test_rate_serialises(void **state)
{
	struct link_knobs k = knobs("rate=10mbit");
	struct link_dir d;
	struct link_fate f;
	int i;

	(void)state;
	link_dir_init(&d, &k, 1);
	for (i = 1; i <= 5; i++) {
		link_decide(&d, 0, 1250, &f);
		assert_int_equal(f.copy[0].depart, (uint64_t)i * 1000000);
	}
	link_decide(&d, 100000000, 1250, &f);
	assert_int_equal(f.copy[0].depart, 101000000);
}

/* A duplicate is serialised after its original. */
static void test_rate_counts_duplicates(void **state)
{
	struct link_knobs k = knobs("rate=10mbit,dup=100%");
	struct link_dir d;
	struct link_fate f;

	(void)state;
	link_dir_init(&d, &k, 1);
	link_decide(&d, 0, 1250, &f);
	assert_int_equal(f.ncopies, 2);
	assert_int_equal(f.copy[0].depart, 1000000);
	assert_int_equal(f.copy[1].depart, 2000000);
}

/* reorder holds a chosen frame back by hold, so later ones overtake it. */
static void test_reorder_holds_back(void **state)
{
	struct link_knobs k = knobs("reorder=25%,hold=3ms");
	struct link_dir d;
	struct link_fate f;
	int i, held = 0;

	(void)state;
	link_dir_init(&d, &k, 1);
	for (i = 0; i < NFRAMES; i++) {
		link_decide(&d, 1000, 100, &f);
		if (f.copy[0].held) {
			assert_int_equal(f.copy[0].depart, 1000 + 3000000);
			held++;
		} else {
			assert_int_equal(f.copy[0].depart, 1000);
		}
	}
	assert_int_equal(d.st.reordered, held);
	assert_near(held, 250000);
}

/* ---- the departure queue */

static void test_queue_orders_by_departure_then_arrival(void **state)
{
	struct link_queue q;
	const struct link_slot *s;
	static const uint64_t dep[] = { 50, 10, 30, 10, 40, 30 };
	static const uint8_t want[] = { 1, 3, 2, 5, 4, 0 };
	uint8_t b;
	int i;

	(void)state;
	assert_int_equal(link_queue_init(&q, 8), 0);
	for (i = 0; i < 6; i++) {
		b = (uint8_t)i;
		assert_int_equal(link_queue_put(&q, dep[i], &b, 1), 0);
	}
	assert_int_equal(link_queue_next(&q), 10);
	assert_null(link_queue_due(&q, 9));
	for (i = 0; i < 6; i++) {
		s = link_queue_due(&q, 1000);
		assert_non_null(s);
		assert_int_equal(s->data[0], want[i]);
		link_queue_pop(&q);
	}
	assert_null(link_queue_due(&q, UINT64_MAX));
	assert_int_equal(link_queue_next(&q), UINT64_MAX);
	link_queue_free(&q);
}

static void test_queue_full_refuses_then_recovers(void **state)
{
	struct link_queue q;
	uint8_t frame[LINK_FRAME_MAX + 1] = { 0 };
	int i;

	(void)state;
	assert_int_equal(link_queue_init(&q, 4), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(link_queue_put(&q, (uint64_t)i, frame, 100), 0);
	assert_int_equal(link_queue_put(&q, 9, frame, 100), -ENOBUFS);
	link_queue_pop(&q);
	assert_int_equal(link_queue_put(&q, 9, frame, 100), 0);
	assert_int_equal(link_queue_put(&q, 9, frame, 100), -ENOBUFS);
	link_queue_free(&q);
	assert_int_equal(link_queue_init(&q, 4), 0);
	assert_int_equal(link_queue_put(&q, 1, frame, LINK_FRAME_MAX + 1), -ENOBUFS);
	assert_int_equal(link_queue_put(&q, 1, frame, LINK_FRAME_MAX), 0);
	link_queue_free(&q);
}

/* Many random puts and pops come out in order, slots reused. */
static void test_queue_random_order(void **state)
{
	struct link_queue q;
	struct link_rng r;
	uint64_t last = 0;
	uint8_t b = 0;
	int i;

	(void)state;
	link_rng_seed(&r, 3);
	assert_int_equal(link_queue_init(&q, 256), 0);
	for (i = 0; i < 200; i++)
		assert_int_equal(link_queue_put(&q, 1000 + link_rng_below(&r, 1000), &b, 1), 0);
	for (i = 0; i < 100000; i++) {
		const struct link_slot *s = link_queue_due(&q, UINT64_MAX);

		assert_non_null(s);
		assert_true(s->depart >= last);
		last = s->depart;
		link_queue_pop(&q);
		assert_int_equal(link_queue_put(&q, last + link_rng_below(&r, 1000), &b, 1), 0);
	}
	assert_int_equal(q.n, 200);
	link_queue_free(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_empty_is_no_impairment),
		cmocka_unit_test(test_parse_every_knob),
		cmocka_unit_test(test_parse_units),
		cmocka_unit_test(test_parse_later_knob_wins),
		cmocka_unit_test(test_parse_malformed_refused),
		cmocka_unit_test(test_parse_too_long_refused),
		cmocka_unit_test(test_describe_round_trip),
		cmocka_unit_test(test_rng_same_seed_same_stream),
		cmocka_unit_test(test_rng_below_in_range_and_spread),
		cmocka_unit_test(test_directions_differ),
		cmocka_unit_test(test_no_knobs_pass_everything_now),
		cmocka_unit_test(test_loss_rate),
		cmocka_unit_test(test_loss_all_and_none),
		cmocka_unit_test(test_dup_rate),
		cmocka_unit_test(test_lost_frames_have_no_copies),
		cmocka_unit_test(test_same_seed_same_fates),
		cmocka_unit_test(test_corrupt_past_ethernet_header),
		cmocka_unit_test(test_flip_changes_one_bit),
		cmocka_unit_test(test_corrupt_rate),
		cmocka_unit_test(test_delay_and_jitter_bounds),
		cmocka_unit_test(test_jitter_clamped_at_zero),
		cmocka_unit_test(test_rate_serialises),
		cmocka_unit_test(test_rate_counts_duplicates),
		cmocka_unit_test(test_reorder_holds_back),
		cmocka_unit_test(test_queue_orders_by_departure_then_arrival),
		cmocka_unit_test(test_queue_full_refuses_then_recovers),
		cmocka_unit_test(test_queue_random_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

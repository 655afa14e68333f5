/*
 * tests/unit/pipe/ring_test.c: the shared-memory byte ring (pipe/ring.c):
 * empty, full, wrap-around, zero-copy peek, fin/reset/gone, the wait-flag
 * handshake and corrupt counters.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "pipe/ring.h"

#define CAP 64u

struct fixture {
	struct pipe_ring_ctl ctl;
	uint8_t data[CAP];
	struct pipe_ring r;
};

static int setup(void **state)
{
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	assert_int_equal(pipe_ring_init(&f.r, &f.ctl, f.data, CAP), 0);
	*state = &f;
	return 0;
}

static void test_init_rejects_bad_capacity(void **state)
{
	(void)state;
	struct pipe_ring_ctl ctl;
	uint8_t d[48];
	struct pipe_ring r;
	assert_int_equal(pipe_ring_init(&r, &ctl, d, 48), -EINVAL);
	assert_int_equal(pipe_ring_init(&r, &ctl, d, 8), -EINVAL);
	assert_int_equal(pipe_ring_init(&r, &ctl, d, 0), -EINVAL);
}

static void test_empty_ring_reads_nothing(void **state)
{
	struct fixture *f = *state;
	uint8_t b[8];
	assert_int_equal(pipe_ring_readable_len(&f->r), 0);
	assert_int_equal(pipe_ring_writable_len(&f->r), CAP);
	assert_int_equal(pipe_ring_read(&f->r, b, sizeof(b)), 0);
}

static void test_full_ring_takes_nothing_more(void **state)
{
	struct fixture *f = *state;
	uint8_t b[CAP + 10];
	memset(b, 0xab, sizeof(b));
	assert_int_equal(pipe_ring_write(&f->r, b, sizeof(b)), CAP);
	assert_int_equal(pipe_ring_readable_len(&f->r), CAP);
	assert_int_equal(pipe_ring_writable_len(&f->r), 0);
	assert_int_equal(pipe_ring_write(&f->r, b, 1), 0);
	assert_int_equal(pipe_ring_read(&f->r, b, 1), 1);
	assert_int_equal(pipe_ring_writable_len(&f->r), 1);
}

/* Bytes written across the end of the data area come back in order. */
static void test_wrap_around_keeps_order(void **state)
{
	struct fixture *f = *state;
	uint8_t in[40], out[40];
	for (unsigned round = 0; round < 10; round++) {
		for (unsigned i = 0; i < sizeof(in); i++)
			in[i] = (uint8_t)(round * 40 + i);
		assert_int_equal(pipe_ring_write(&f->r, in, sizeof(in)), sizeof(in));
		assert_int_equal(pipe_ring_read(&f->r, out, sizeof(out)), sizeof(out));
		assert_memory_equal(in, out, sizeof(in));
	}
	assert_int_equal(f->ctl.head, 400);
}

/* The 32-bit counters wrap without changing the arithmetic. */
static void test_counters_wrap_at_2_32(void **state)
{
	struct fixture *f = *state;
	f->ctl.head = f->ctl.tail = UINT32_MAX - 5;
	uint8_t in[20] = "0123456789abcdefghi", out[20];
	assert_int_equal(pipe_ring_write(&f->r, in, 20), 20);
	assert_int_equal(pipe_ring_readable_len(&f->r), 20);
	assert_int_equal(pipe_ring_read(&f->r, out, 20), 20);
	assert_memory_equal(in, out, 20);
	assert_int_equal(pipe_ring_readable_len(&f->r), 0);
}

static void test_peek_stops_at_end_then_wraps(void **state)
{
	struct fixture *f = *state;
	uint8_t in[CAP], out[CAP];
	for (unsigned i = 0; i < CAP; i++)
		in[i] = (uint8_t)i;
	pipe_ring_write(&f->r, in, 50);
	pipe_ring_read(&f->r, out, 50);
	pipe_ring_write(&f->r, in, 30);   /* 14 bytes at the end, 16 wrapped */
	const uint8_t *p;
	assert_int_equal(pipe_ring_peek(&f->r, &p), 14);
	assert_memory_equal(p, in, 14);
	pipe_ring_consume(&f->r, 14);
	assert_int_equal(pipe_ring_peek(&f->r, &p), 16);
	assert_memory_equal(p, in + 14, 16);
	pipe_ring_consume(&f->r, 16);
	assert_int_equal(pipe_ring_peek(&f->r, &p), 0);
}

/* peek_copy takes bytes across the wrap without consuming them; consume then frees them. */
static void test_peek_copy_leaves_bytes(void **state)
{
	struct fixture *f = *state;
	uint8_t in[CAP], out[CAP];
	for (unsigned i = 0; i < CAP; i++)
		in[i] = (uint8_t)(i + 1);
	pipe_ring_write(&f->r, in, 50);
	pipe_ring_read(&f->r, out, 50);
	pipe_ring_write(&f->r, in, 30);   /* wraps */
	assert_int_equal(pipe_ring_peek_copy(&f->r, out, 40), 30);
	assert_memory_equal(out, in, 30);
	assert_int_equal(pipe_ring_readable_len(&f->r), 30);
	pipe_ring_consume(&f->r, 30);
	assert_int_equal(pipe_ring_readable_len(&f->r), 0);
}

/* A head more than a ring ahead of tail is a peer's corruption, not data. */
static void test_corrupt_counters_reported(void **state)
{
	struct fixture *f = *state;
	uint8_t b[8];
	f->ctl.head = CAP + 1;
	assert_int_equal(pipe_ring_readable_len(&f->r), PIPE_RING_CORRUPT);
	assert_int_equal(pipe_ring_read(&f->r, b, sizeof(b)), 0);
	assert_int_equal(pipe_ring_writable_len(&f->r), 0);
	assert_int_equal(pipe_ring_write(&f->r, b, sizeof(b)), 0);
}

static void test_fin_reset_gone_flags(void **state)
{
	struct fixture *f = *state;
	assert_false(pipe_ring_fin(&f->r));
	assert_false(pipe_ring_is_reset(&f->r));
	assert_false(pipe_ring_gone(&f->r));
	pipe_ring_set_fin(&f->r);
	pipe_ring_set_reset(&f->r);
	pipe_ring_set_gone(&f->r);
	assert_true(pipe_ring_fin(&f->r));
	assert_true(pipe_ring_is_reset(&f->r));
	assert_true(pipe_ring_gone(&f->r));
	pipe_ring_reset(&f->r);
	assert_false(pipe_ring_fin(&f->r));
	assert_int_equal(pipe_ring_readable_len(&f->r), 0);
}

/* The producer is told to notify exactly when the consumer armed its wait. */
static void test_reader_wait_flag_handshake(void **state)
{
	struct fixture *f = *state;
	assert_false(pipe_ring_reader_needs_wake(&f->r));
	pipe_ring_reader_arm(&f->r);
	assert_true(pipe_ring_reader_needs_wake(&f->r));
	pipe_ring_reader_disarm(&f->r);
	assert_false(pipe_ring_reader_needs_wake(&f->r));
	assert_false(pipe_ring_writer_needs_wake(&f->r));
	pipe_ring_writer_arm(&f->r);
	assert_true(pipe_ring_writer_needs_wake(&f->r));
	pipe_ring_writer_disarm(&f->r);
	assert_false(pipe_ring_writer_needs_wake(&f->r));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_init_rejects_bad_capacity, setup),
		cmocka_unit_test_setup(test_empty_ring_reads_nothing, setup),
		cmocka_unit_test_setup(test_full_ring_takes_nothing_more, setup),
		cmocka_unit_test_setup(test_wrap_around_keeps_order, setup),
		cmocka_unit_test_setup(test_counters_wrap_at_2_32, setup),
		cmocka_unit_test_setup(test_peek_stops_at_end_then_wraps, setup),
		cmocka_unit_test_setup(test_peek_copy_leaves_bytes, setup),
		cmocka_unit_test_setup(test_corrupt_counters_reported, setup),
		cmocka_unit_test_setup(test_fin_reset_gone_flags, setup),
		cmocka_unit_test_setup(test_reader_wait_flag_handshake, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

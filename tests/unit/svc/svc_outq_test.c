/*
 * tests/unit/svc/svc_outq_test.c: a service connection's output queue
 * (sock/svc_outq.c). Order and exactly-once delivery against a shadow
 * buffer, the limit (all or nothing, -ENOBUFS), small sends sharing a
 * chunk, large sends split into bounded chunks, and an allocation failure
 * in the middle of a push leaving the queue as it was. svc_outq.c is built
 * with malloc renamed to outq_test_malloc (tests/unit/svc.mk) so allocations
 * can be made to fail; every teardown checks that no chunk is left.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "sock/svc_outq.h"

void *outq_test_malloc(size_t size);

static int fail_after = -1;	/* allocations left before one fails; <0: none fail */
static long live_allocs;

void *outq_test_malloc(size_t size)
{
	void *p;

	if (fail_after == 0)
		return NULL;
	if (fail_after > 0)
		fail_after--;
	p = malloc(size);
	if (p)
		live_allocs++;
	return p;
}

/* svc_outq.c frees with plain free(); count through the queue instead. */
static struct svc_outq q;

static int setup(void **state)
{
	(void)state;
	fail_after = -1;
	live_allocs = 0;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	svc_outq_clear(&q);
	assert_int_equal(q.chunks, 0);
	assert_null(q.head);
	assert_int_equal(svc_outq_bytes(&q), 0);
	return 0;
}

static void fill_pattern(uint8_t *p, size_t len, uint32_t seed)
{
	for (size_t i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* Takes up to max bytes from the front, at most step per front() call. */
static size_t drain(uint8_t *out, size_t max, size_t step)
{
	size_t got = 0, len;

	while (got < max) {
		const uint8_t *p = svc_outq_front(&q, &len);

		if (!p)
			break;
		if (len > step)
			len = step;
		if (len > max - got)
			len = max - got;
		memcpy(out + got, p, len);
		svc_outq_consume(&q, len);
		got += len;
	}
	return got;
}

static void test_empty_queue_front_is_null(void **state)
{
	size_t len = 99;

	(void)state;
	svc_outq_init(&q, 1000);
	assert_null(svc_outq_front(&q, &len));
	assert_int_equal(len, 0);
	assert_int_equal(svc_outq_room(&q), 1000);
}

static void test_pushes_come_out_in_order_exactly_once(void **state)
{
	static uint8_t in[400000], out[400000];
	size_t sizes[] = {1, 7, 4095, 4096, 4097, 65535, 65536, 65537, 100000, 3};
	size_t off = 0, got;

	(void)state;
	svc_outq_init(&q, sizeof(in));
	fill_pattern(in, sizeof(in), 1);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(svc_outq_push(&q, in + off, sizes[i]), 0);
		off += sizes[i];
		/* Interleave partial drains with pushes. */
		if (i % 3 == 2) {
			got = drain(out + (off - svc_outq_bytes(&q)), 5000, 1234);
			assert_true(got <= 5000);
		}
	}
	got = drain(out + (off - svc_outq_bytes(&q)), sizeof(out), 777);
	assert_int_equal(svc_outq_bytes(&q), 0);
	assert_memory_equal(in, out, off);
	assert_int_equal(q.chunks, 0);	/* emptied chunks are freed */
	(void)got;
}

static void test_small_pushes_share_one_chunk(void **state)
{
	(void)state;
	svc_outq_init(&q, 1 << 20);
	for (int i = 0; i < 100; i++)
		assert_int_equal(svc_outq_push(&q, "0123456789", 10), 0);
	assert_int_equal(q.chunks, 1);
	assert_int_equal(svc_outq_bytes(&q), 1000);
}

static void test_large_push_is_split_into_bounded_chunks(void **state)
{
	static uint8_t big[1 << 20];
	struct svc_outq_chunk *ch;

	(void)state;
	svc_outq_init(&q, sizeof(big));
	assert_int_equal(svc_outq_push(&q, big, sizeof(big)), 0);
	assert_int_equal(q.chunks, sizeof(big) / SVC_OUTQ_CHUNK_MAX);
	for (ch = q.head; ch; ch = ch->next)
		assert_true(ch->cap <= SVC_OUTQ_CHUNK_MAX);
}

static void test_push_over_limit_takes_nothing(void **state)
{
	uint8_t buf[100] = {0};

	(void)state;
	svc_outq_init(&q, 250);
	assert_int_equal(svc_outq_push(&q, buf, 100), 0);
	assert_int_equal(svc_outq_push(&q, buf, 100), 0);
	assert_int_equal(svc_outq_push(&q, buf, 51), -ENOBUFS);
	assert_int_equal(svc_outq_bytes(&q), 200);
	assert_int_equal(svc_outq_room(&q), 50);
	assert_int_equal(svc_outq_push(&q, buf, 50), 0);	/* exactly to the limit */
	assert_int_equal(svc_outq_room(&q), 0);
	assert_int_equal(svc_outq_push(&q, buf, 1), -ENOBUFS);
	svc_outq_consume(&q, 120);
	assert_int_equal(svc_outq_room(&q), 120);
}

static void test_failed_allocation_leaves_queue_unchanged(void **state)
{
	static uint8_t in[200000], out[200000];
	size_t len;

	(void)state;
	svc_outq_init(&q, sizeof(in));
	fill_pattern(in, sizeof(in), 7);
	assert_int_equal(svc_outq_push(&q, in, 100), 0);	/* tail with room */
	fail_after = 2;	/* the third new chunk of the next push fails */
	assert_int_equal(svc_outq_push(&q, in + 100, 150000), -ENOMEM);
	assert_int_equal(svc_outq_bytes(&q), 100);
	assert_int_equal(q.chunks, 1);
	assert_int_equal(q.head->len, 100);	/* the tail's room was given back */
	fail_after = -1;
	assert_int_equal(svc_outq_push(&q, in + 100, 150000), 0);
	len = drain(out, sizeof(out), 100000);
	assert_int_equal(len, 150100);
	assert_memory_equal(in, out, len);
}

static void test_consume_across_chunks_and_clear_frees_all(void **state)
{
	static uint8_t in[3 * SVC_OUTQ_CHUNK_MAX], out[3 * SVC_OUTQ_CHUNK_MAX];
	size_t len;
	const uint8_t *p;

	(void)state;
	svc_outq_init(&q, sizeof(in));
	fill_pattern(in, sizeof(in), 3);
	assert_int_equal(svc_outq_push(&q, in, sizeof(in)), 0);
	svc_outq_consume(&q, SVC_OUTQ_CHUNK_MAX + 10);	/* one whole chunk and a bit */
	assert_int_equal(q.chunks, 2);
	p = svc_outq_front(&q, &len);
	assert_int_equal(len, SVC_OUTQ_CHUNK_MAX - 10);
	assert_memory_equal(p, in + SVC_OUTQ_CHUNK_MAX + 10, len);
	len = drain(out, 100, 100);
	assert_memory_equal(out, in + SVC_OUTQ_CHUNK_MAX + 10, 100);
	svc_outq_clear(&q);
	assert_int_equal(q.chunks, 0);
	assert_int_equal(svc_outq_room(&q), sizeof(in));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_queue_front_is_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pushes_come_out_in_order_exactly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_small_pushes_share_one_chunk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_push_is_split_into_bounded_chunks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_over_limit_takes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_allocation_leaves_queue_unchanged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_consume_across_chunks_and_clear_frees_all, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

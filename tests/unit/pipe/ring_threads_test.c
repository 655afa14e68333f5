/*
 * tests/unit/pipe/ring_threads_test.c: a producer and a consumer on two
 * threads move 64 MiB of a known byte sequence through a small ring, each
 * sleeping on a futex-like condition when it has nothing to do, with the
 * ring's wait flags deciding who notifies (pipe/ring.h's handshake).
 * Built twice: with ASan/UBSan and under ThreadSanitizer (pipe.mk), which
 * reports any data race on the ring's bytes or counters. A lost wake-up
 * shows as a hang, caught by the bounded waits below (a FAIL, not a hang).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pipe/ring.h"

#define CAP 4096u
#define TOTAL (64u << 20)

/* A counting event per side: what an eventfd or an interrupt is to the real peers. */
struct ev {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned count;
};

struct shared {
	struct pipe_ring_ctl ctl;
	uint8_t data[CAP];
	struct ev to_reader, to_writer;
	int timed_out;
	uint64_t notifies;
};

static void ev_signal(struct ev *e)
{
	pthread_mutex_lock(&e->mu);
	e->count++;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

/* 0, or -ETIMEDOUT after 10 s: a lost wake-up. */
static int ev_wait(struct ev *e)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 10;
	int err = 0;
	pthread_mutex_lock(&e->mu);
	while (!e->count && !err)
		err = pthread_cond_timedwait(&e->cv, &e->mu, &ts);
	if (e->count)
		err = 0, e->count--;
	pthread_mutex_unlock(&e->mu);
	return err ? -ETIMEDOUT : 0;
}

static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 7 + (i >> 12)); }

static void *writer(void *p)
{
	struct shared *s = p;
	struct pipe_ring r;
	pipe_ring_init(&r, &s->ctl, s->data, CAP);
	uint8_t buf[1500];
	uint64_t sent = 0;
	while (sent < TOTAL) {
		size_t n = (sent / 1500) % 3 ? 1500 : 333;   /* odd sizes: wrap at every offset */
		if (n > TOTAL - sent)
			n = TOTAL - sent;
		for (size_t i = 0; i < n; i++)
			buf[i] = pattern(sent + i);
		size_t done = 0;
		while (done < n) {
			size_t w = pipe_ring_write(&r, buf + done, n - done);
			if (w) {
				done += w;
				if (pipe_ring_reader_needs_wake(&r))
					ev_signal(&s->to_reader), __atomic_fetch_add(&s->notifies, 1, __ATOMIC_RELAXED);
				continue;
			}
			pipe_ring_writer_arm(&r);
			if (pipe_ring_writable_len(&r) == 0 && ev_wait(&s->to_writer)) {
				s->timed_out = 1;
				return NULL;
			}
			pipe_ring_writer_disarm(&r);
		}
		sent += n;
	}
	pipe_ring_set_fin(&r);
	if (pipe_ring_reader_needs_wake(&r))
		ev_signal(&s->to_reader);
	return NULL;
}

static void test_two_threads_move_64mib_in_order(void **state)
{
	(void)state;
	static struct shared s;
	memset(&s, 0, sizeof(s));
	pthread_mutex_init(&s.to_reader.mu, NULL);
	pthread_cond_init(&s.to_reader.cv, NULL);
	pthread_mutex_init(&s.to_writer.mu, NULL);
	pthread_cond_init(&s.to_writer.cv, NULL);
	struct pipe_ring r;
	pipe_ring_init(&r, &s.ctl, s.data, CAP);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, writer, &s), 0);
	uint8_t buf[1000];
	uint64_t got = 0, bad = 0;
	for (;;) {
		size_t n = pipe_ring_read(&r, buf, sizeof(buf));
		if (n) {
			for (size_t i = 0; i < n; i++)
				bad += buf[i] != pattern(got + i);
			got += n;
			if (pipe_ring_writer_needs_wake(&r))
				ev_signal(&s.to_writer);
			continue;
		}
		if (pipe_ring_fin(&r) && pipe_ring_readable_len(&r) == 0)
			break;
		pipe_ring_reader_arm(&r);
		if (pipe_ring_readable_len(&r) == 0 && !pipe_ring_fin(&r) && ev_wait(&s.to_reader)) {
			s.timed_out = 1;
			break;
		}
		pipe_ring_reader_disarm(&r);
	}
	pthread_join(t, NULL);
	assert_int_equal(s.timed_out, 0);
	assert_int_equal(got, TOTAL);
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_threads_move_64mib_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

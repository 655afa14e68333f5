/*
 * pktbuf_poison_test.c: under ASan the pools poison what a holder may not
 * touch (net/pktbuf_poison.h): a freed buffer, the bytes past a packet's
 * end, headroom not taken with push, the tail cut off by trim. Each bad
 * access runs in a forked child, which ASan must kill with a report; the
 * same accesses made legal (push, put) must pass unreported, so the
 * poisoning is precise as well as present.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "../../../net/pktbuf_poison.h"

/* Runs fn(fx) in a child with stderr captured into out; returns its exit
 * status (-1 for a signal). */
static int run_child(void (*fn)(struct fixture *), struct fixture *fx, char *out, size_t cap)
{
	int fds[2], status;
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fds[1], 2);
		close(fds[0]);
		fn(fx);
		_exit(0);	/* no atexit: the fixture stays the parent's */
	}
	close(fds[1]);
	while (got + 1 < cap && (n = read(fds[0], out + got, cap - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void expect_report(struct fixture *fx, void (*fn)(struct fixture *))
{
	static char out[16384];

#ifndef PKTBUF_ASAN
	skip();
#endif
	assert_int_not_equal(run_child(fn, fx, out, sizeof(out)), 0);
	if (!strstr(out, "AddressSanitizer: use-after-poison"))
		fail_msg("no ASan report; child said: %s", out);
}

static volatile uint8_t sink;

static void read_after_free(struct fixture *fx)
{
	struct pktbuf *p = pktbuf_alloc(fx->ns, 64, 100);
	uint8_t *d = p->data;

	pktbuf_free(p);
	sink = d[0];
}

static void read_large_after_free(struct fixture *fx)
{
	struct pktbuf *p = pktbuf_alloc(fx->ns, 64, 4000);
	uint8_t *d = p->data;

	pktbuf_free(p);
	sink = d[3999];
}

static void read_past_len(struct fixture *fx)
{
	struct pktbuf *p = pktbuf_alloc(fx->ns, 64, 100);

	sink = p->data[100];
}

static void write_headroom_without_push(struct fixture *fx)
{
	struct pktbuf *p = pktbuf_alloc(fx->ns, 64, 100);

	p->data[-14] = 0;
}

static void read_after_trim(struct fixture *fx)
{
	struct pktbuf *p = pktbuf_alloc(fx->ns, 64, 100);

	assert_int_equal(pktbuf_trim(p, 40), 0);
	sink = p->data[64];
}

/* The legal ways to the same bytes: push, put, and pull keeping what was
 * before data readable (a layer quoting the header it stripped). */
static void legal_accesses(struct fixture *fx)
{
	struct pktbuf *p = pktbuf_alloc(fx->ns, 64, 100);
	uint8_t *hdr = pktbuf_push(p, 14), *tail = pktbuf_put(p, 28);

	memset(hdr, 1, 14);
	memset(tail, 2, 28);
	pktbuf_pull(p, 14);
	sink = hdr[0];
	sink = p->data[p->len - 1];
	pktbuf_free(p);
}

/* A use-after-free inside the pool is caught (the storage is still the
 * pool's, so without the hooks ASan would see a valid heap access). */
static void test_read_after_free_reported(void **state)
{
	expect_report(*state, read_after_free);
}

static void test_large_read_after_free_reported(void **state)
{
	expect_report(*state, read_large_after_free);
}

/* An overrun past the packet's end, inside the buffer's storage. */
static void test_read_past_len_reported(void **state)
{
	expect_report(*state, read_past_len);
}

static void test_headroom_write_without_push_reported(void **state)
{
	expect_report(*state, write_headroom_without_push);
}

static void test_read_after_trim_reported(void **state)
{
	expect_report(*state, read_after_trim);
}

static void test_push_put_pull_accesses_not_reported(void **state)
{
	static char out[16384];

	assert_int_equal(run_child(legal_accesses, *state, out, sizeof(out)), 0);
	assert_string_equal(out, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_after_free_reported, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_large_read_after_free_reported, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_read_past_len_reported, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_headroom_write_without_push_reported, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_read_after_trim_reported, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_push_put_pull_accesses_not_reported, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * epset_test.c: epoll sets (sock/epset.c) over a scripted file, so that a
 * notification can be made to land exactly where another CPU's would: in
 * the window between a step under the set's lock and a step under the
 * file's own lock.
 *
 * The file's watch op plays the file's lock: when told to, it first
 * delivers a notification to the watches on its list (what another CPU's
 * readiness change does while the remover waits for that lock) and only
 * then adds or removes the watch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "sock_os_host.h"
#include "../../../sock/epset.h"
#include "../../../sock/fd.h"

struct sfile {
	struct list_node watches;
	unsigned ready;		/* what poll says */
	bool notify_on_del;	/* race a notification into the removal */
	bool released;
};

static unsigned sf_poll(struct file *f)
{
	struct sfile *sf = f->priv;

	return sf->ready;
}

static void sf_watch(struct file *f, struct watch *w, bool add)
{
	struct sfile *sf = f->priv;

	if (!add && sf->notify_on_del)
		watch_list_notify(&sf->watches, sf->ready);
	if (add)
		list_add_tail(&sf->watches, &w->link);
	else if (list_linked(&w->link))
		list_del(&w->link);
}

static void sf_release(struct file *f)
{
	struct sfile *sf = f->priv;

	watch_list_gone(&sf->watches);
	sf->released = true;
}

static const struct file_ops sf_ops = {
	.poll = sf_poll,
	.watch = sf_watch,
	.release = sf_release,
};

static struct file *sfile_new(struct sfile *sf)
{
	struct file *f;

	memset(sf, 0, sizeof(*sf));
	list_init(&sf->watches);
	f = file_new(&sf_ops, sf, 0);
	assert_non_null(f);
	return f;
}

/* epoll_ctl(2) EPOLL_CTL_DEL: once it returns, the item is gone for good,
 * even if the file became ready while the item was being taken off its
 * watch list (a notification from another CPU, under the file's lock). A
 * later epoll_wait must neither report it nor touch its memory. */
static void test_del_racing_notification_item_gone(void **state)
{
	struct epset_result r[4];
	struct sfile sa, sb;
	struct file *ep, *fa, *fb;

	(void)state;
	fa = sfile_new(&sa);
	fb = sfile_new(&sb);
	assert_int_equal(epset_new(&ep), 0);
	assert_int_equal(epset_control(ep, EPSET_ADD, 3, fa, WATCH_IN, 1), 0);
	assert_int_equal(epset_control(ep, EPSET_ADD, 4, fb, WATCH_IN, 2), 0);
	assert_int_equal(epset_wait(ep, r, 4, 0), 0);
	sa.ready = WATCH_IN;
	sa.notify_on_del = true;
	assert_int_equal(epset_control(ep, EPSET_DEL, 3, fa, 0, 0), 0);
	assert_true(list_empty(&sa.watches));
	sb.ready = WATCH_IN;
	watch_list_notify(&sb.watches, sb.ready);
	assert_int_equal(epset_wait(ep, r, 4, 0), 1);
	assert_int_equal(r[0].data, 2);
	file_put(ep);
	file_put(fa);
	file_put(fb);
	assert_true(sa.released && sb.released);
	assert_int_equal(sock_os_host_live(), 0);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The fastest of five rounds of n EPSET_MOD calls on (f, fd): rounds that
 * another process interrupted do not count. */
static uint64_t mod_cost_ns(struct file *ep, struct file *f, int fd, int n)
{
	uint64_t best = UINT64_MAX;

	for (int round = 0; round < 5; round++) {
		uint64_t t0 = now_ns(), t;

		for (int i = 0; i < n; i++)
			assert_int_equal(epset_control(ep, EPSET_MOD, fd, f,
						       WATCH_IN | EPSET_ONESHOT, (uint64_t)i), 0);
		t = now_ns() - t0;
		if (t < best)
			best = t;
	}
	return best;
}

/* epoll(7) with EPOLLONESHOT re-arms with EPOLL_CTL_MOD after every event,
 * so finding an item must not cost in proportion to the set: a MOD in a
 * set of 8192 costs about what it costs in a set of one (within a factor
 * far below the 8192 a list walk would give). */
static void test_mod_cost_independent_of_set_size(void **state)
{
	enum { N = 8192, MODS = 2000 };
	struct sfile *sf = calloc(N, sizeof(*sf));
	struct file **f = calloc(N, sizeof(*f));
	struct file *small, *big;
	uint64_t t_small, t_big;

	(void)state;
	assert_non_null(sf);
	assert_non_null(f);
	for (int i = 0; i < N; i++)
		f[i] = sfile_new(&sf[i]);
	assert_int_equal(epset_new(&small), 0);
	assert_int_equal(epset_new(&big), 0);
	assert_int_equal(epset_control(small, EPSET_ADD, 0, f[0], WATCH_IN, 0), 0);
	for (int i = 0; i < N; i++)
		assert_int_equal(epset_control(big, EPSET_ADD, i, f[i], WATCH_IN, 0), 0);
	t_small = mod_cost_ns(small, f[0], 0, MODS);
	t_big = mod_cost_ns(big, f[N - 1], N - 1, MODS);
	print_message("MOD: %.0f ns in a set of 1, %.0f ns in a set of %d\n",
		      (double)t_small / MODS, (double)t_big / MODS, N);
	assert_true(t_big < 20 * t_small);
	file_put(small);
	file_put(big);
	for (int i = 0; i < N; i++)
		file_put(f[i]);
	free(sf);
	free(f);
	assert_int_equal(sock_os_host_live(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_del_racing_notification_item_gone),
		cmocka_unit_test(test_mod_cost_independent_of_set_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

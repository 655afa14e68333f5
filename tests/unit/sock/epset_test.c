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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_del_racing_notification_item_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

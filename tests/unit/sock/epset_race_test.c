/*
 * epset_race_test.c: an epoll set against a notification that races with
 * EPOLL_CTL_DEL. epset_control's DEL takes the item off the set under the
 * set's lock, drops it, then removes the item's watch from the file under
 * the file's lock; a notifier holding the file's lock (the network thread,
 * on another CPU) may run the item's watch fn in between. The item must
 * not come back on the ready list then: it is freed right after, and the
 * next epoll_wait would read it (a use-after-free ASan reports; in the
 * kernel, a jump through a freed file's ops).
 *
 * The fake file here plays that notifier: its watch op, asked to remove
 * the watch, first calls the watch's fn as the racing notifier would.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../../sock/epset.h"
#include "../../../sock/fd.h"

static struct watch *fake_w;

static unsigned fake_poll(struct file *f)
{
	(void)f;
	return WATCH_IN;	/* always readable */
}

static void fake_watch(struct file *f, struct watch *w, bool add)
{
	(void)f;
	if (add) {
		fake_w = w;
		return;
	}
	/* The notifier got the file's lock first: it reports readiness to
	 * the item that DEL has just taken off the set. */
	w->fn(w, WATCH_IN);
	fake_w = NULL;
}

static void fake_release(struct file *f)
{
	(void)f;
	if (fake_w)
		fake_w->fn(fake_w, WATCH_GONE);
}

static const struct file_ops fake_ops = {
	.poll = fake_poll,
	.watch = fake_watch,
	.release = fake_release,
};

static void test_epoll_del_racing_notify_leaves_nothing_ready(void **state)
{
	struct epset_result out[4];
	struct file *ep, *f;

	(void)state;
	assert_int_equal(epset_new(&ep), 0);
	f = file_new(&fake_ops, NULL, 0);
	assert_non_null(f);
	assert_int_equal(epset_control(ep, EPSET_ADD, 5, f, EPSET_IN, 42), 0);
	assert_int_equal(epset_wait(ep, out, 4, 0), 1);
	assert_int_equal(out[0].data, 42);
	assert_int_equal(epset_control(ep, EPSET_DEL, 5, f, 0, 0), 0);
	/* Nothing is in the set: nothing may be reported (nor read). */
	assert_int_equal(epset_wait(ep, out, 4, 0), 0);
	file_put(f);
	file_put(ep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoll_del_racing_notify_leaves_nothing_ready),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

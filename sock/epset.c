/*
 * sock/epset.c: epoll sets (see epset.h).
 *
 * Locks: epset_control calls on one set run one at a time (ctl, taken
 * before any file's lock, never inside one). Each set has a sock_spin guarding its item and ready lists and
 * its own watch list (the threads waiting on it). An item's watch fn runs
 * under the watched file's lock (a stack lock, the console's) and takes
 * the set's lock inside it; so the set's lock is never held while taking
 * a file's lock: epset_control adds and removes watches with the set's
 * lock dropped, holding a reference to the file instead.
 *
 * Lifetime: a set holds no reference to its files. A file going away
 * sends WATCH_GONE first (sock/fd.h), while it can still be polled; the
 * item fn then unlinks and frees the item under the set's lock. So an
 * item reached under the set's lock always names a live file, and
 * epoll_wait may poll it there. Each item holds a reference to the set's
 * memory (refs), so a WATCH_GONE racing with the set's own release still
 * finds it.
 */
#include <errno.h>
#include <stddef.h>

#include "sock/epset.h"
#include "sock/sock_os.h"

struct epset {
	struct sock_spin ctl;		/* one epset_control at a time */
	struct sock_spin lock;
	struct list_node items;		/* every struct ep_item */
	struct list_node ready;		/* items with something to report */
	struct list_node watches;	/* waiters on the set (epoll_wait, poll) */
	unsigned refs;			/* the file's plus one per item; atomic */
	unsigned nitems;
};

struct ep_item {
	struct watch w;			/* on the target's list; arg: the item */
	struct epset *ep;
	struct file *file;		/* not a reference (see above) */
	int fd;
	unsigned events;		/* EPOLL* asked for, ET/ONESHOT included */
	uint64_t data;
	bool disabled;			/* ONESHOT fired */
	struct list_node link;		/* on ep->items */
	struct list_node rlink;		/* on ep->ready when linked */
};

#define EP_REPORT_MASK (WATCH_IN | WATCH_PRI | WATCH_OUT | WATCH_RDHUP | \
			WATCH_RDNORM | WATCH_WRNORM)

static void ep_unref(struct epset *ep)
{
	if (!__atomic_sub_fetch(&ep->refs, 1, __ATOMIC_ACQ_REL))
		sock_os_free(ep);
}

/* The set's lock held: the item may have news; wake the waiters. */
static void ep_mark_ready(struct epset *ep, struct ep_item *it)
{
	if (it->disabled)
		return;
	if (!list_linked(&it->rlink))
		list_add_tail(&ep->ready, &it->rlink);
	watch_list_notify(&ep->watches, WATCH_IN);
}

/* Under the target's lock, maybe in an interrupt handler. */
static void ep_item_notify(struct watch *w, unsigned events)
{
	struct ep_item *it = w->arg;
	struct epset *ep = it->ep;
	unsigned long saved = sock_spin_lock(&ep->lock);

	if (events & WATCH_GONE) {
		/* The file is going: the item goes with it. */
		if (list_linked(&it->rlink))
			list_del(&it->rlink);
		list_del(&it->link);
		ep->nitems--;
		sock_spin_unlock(&ep->lock, saved);
		sock_os_free(it);
		ep_unref(ep);
		return;
	}
	ep_mark_ready(ep, it);
	sock_spin_unlock(&ep->lock, saved);
}

static struct ep_item *ep_find(struct epset *ep, struct file *f, int fd)
{
	list_for_each(n, &ep->items) {
		struct ep_item *it = container_of(n, struct ep_item, link);

		if (it->file == f && it->fd == fd)
			return it;
	}
	return NULL;
}

/* What to report for an item now: 0 when nothing (set's lock held). */
static unsigned ep_item_events(struct ep_item *it)
{
	unsigned r = it->file->ops->poll(it->file);

	if (r & WATCH_IN)
		r |= WATCH_RDNORM;
	if (r & WATCH_OUT)
		r |= WATCH_WRNORM;
	return r & ((it->events & EP_REPORT_MASK) | WATCH_ERR | WATCH_HUP);
}

static int ep_add(struct epset *ep, int fd, struct file *f, unsigned events,
		  uint64_t data)
{
	struct ep_item *it = sock_os_zalloc(sizeof(*it));
	unsigned long saved;

	if (!it)
		return -ENOMEM;
	it->ep = ep;
	it->file = f;
	it->fd = fd;
	it->events = events;
	it->data = data;
	list_init(&it->rlink);
	watch_init(&it->w, events & EP_REPORT_MASK, ep_item_notify, it);
	saved = sock_spin_lock(&ep->lock);
	if (ep_find(ep, f, fd)) {
		sock_spin_unlock(&ep->lock, saved);
		sock_os_free(it);
		return -EEXIST;
	}
	list_add_tail(&ep->items, &it->link);
	ep->nitems++;
	__atomic_fetch_add(&ep->refs, 1, __ATOMIC_RELAXED);
	sock_spin_unlock(&ep->lock, saved);
	/* The caller's reference keeps f (so the item) alive from here on. */
	f->ops->watch(f, &it->w, true);
	saved = sock_spin_lock(&ep->lock);
	if (ep_item_events(it))
		ep_mark_ready(ep, it);
	sock_spin_unlock(&ep->lock, saved);
	return 0;
}

static int ep_del(struct epset *ep, int fd, struct file *f)
{
	unsigned long saved = sock_spin_lock(&ep->lock);
	struct ep_item *it = ep_find(ep, f, fd);

	if (!it) {
		sock_spin_unlock(&ep->lock, saved);
		return -ENOENT;
	}
	if (list_linked(&it->rlink))
		list_del(&it->rlink);
	list_del(&it->link);
	ep->nitems--;
	sock_spin_unlock(&ep->lock, saved);
	/* After this no fn call for the item can be running or start. */
	f->ops->watch(f, &it->w, false);
	sock_os_free(it);
	ep_unref(ep);
	return 0;
}

static int ep_mod(struct epset *ep, int fd, struct file *f, unsigned events,
		  uint64_t data)
{
	unsigned long saved = sock_spin_lock(&ep->lock);
	struct ep_item *it = ep_find(ep, f, fd);

	if (!it) {
		sock_spin_unlock(&ep->lock, saved);
		return -ENOENT;
	}
	it->events = events;
	it->w.mask = events & EP_REPORT_MASK;
	it->data = data;
	it->disabled = false;
	if (ep_item_events(it))
		ep_mark_ready(ep, it);
	sock_spin_unlock(&ep->lock, saved);
	return 0;
}

static unsigned ep_poll(struct file *f)
{
	struct epset *ep = f->priv;

	return list_empty(&ep->ready) ? 0 : WATCH_IN;
}

static void ep_watch(struct file *f, struct watch *w, bool add)
{
	struct epset *ep = f->priv;
	unsigned long saved = sock_spin_lock(&ep->lock);

	if (add)
		list_add_tail(&ep->watches, &w->link);
	else if (list_linked(&w->link))
		list_del(&w->link);
	sock_spin_unlock(&ep->lock, saved);
}

/*
 * Every item still in the set: take a reference to its file if it still
 * has one, and remove the watch with the set's lock dropped. An item whose
 * file is already being released is left to its WATCH_GONE, which frees
 * it and drops its hold on ep.
 */
static void ep_release(struct file *f)
{
	struct epset *ep = f->priv;

	for (;;) {
		unsigned long saved = sock_spin_lock(&ep->lock);
		struct ep_item *it = NULL;

		list_for_each(n, &ep->items) {
			struct ep_item *cand = container_of(n, struct ep_item, link);

			if (file_tryhold(cand->file)) {
				it = cand;
				break;
			}
		}
		if (!it) {
			sock_spin_unlock(&ep->lock, saved);
			break;
		}
		struct file *target = it->file;
		int fd = it->fd;

		sock_spin_unlock(&ep->lock, saved);
		/* Nobody else can call epset_control: the set is going. */
		ep_del(ep, fd, target);
		file_put(target);
	}
	ep_unref(ep);
}

static const struct file_ops epoll_ops = {
	.read = NULL,
	.write = NULL,
	.poll = ep_poll,
	.watch = ep_watch,
	.close = NULL,
	.release = ep_release,
};

int epset_new(struct file **out)
{
	struct epset *ep = sock_os_zalloc(sizeof(*ep));

	if (!ep)
		return -ENOMEM;
	list_init(&ep->items);
	list_init(&ep->ready);
	list_init(&ep->watches);
	ep->refs = 1;
	*out = file_new(&epoll_ops, ep, 0);
	if (!*out) {
		sock_os_free(ep);
		return -ENOMEM;
	}
	return 0;
}

bool file_is_epset(const struct file *f)
{
	return f->ops == &epoll_ops;
}

int epset_control(struct file *epf, int op, int fd, struct file *target,
		  unsigned events, uint64_t data)
{
	struct epset *ep = epf->priv;
	unsigned long saved;
	int err;

	if (!file_is_epset(epf) || file_is_epset(target) || !target->ops->watch)
		return -EINVAL;
	saved = sock_spin_lock(&ep->ctl);
	switch (op) {
	case EPSET_ADD:
		err = ep_add(ep, fd, target, events, data);
		break;
	case EPSET_DEL:
		err = ep_del(ep, fd, target);
		break;
	case EPSET_MOD:
		err = ep_mod(ep, fd, target, events, data);
		break;
	default:
		err = -EINVAL;
	}
	sock_spin_unlock(&ep->ctl, saved);
	return err;
}

/* Take up to max reports off the ready list (set's lock held). Each item
 * is looked at once per call: level-triggered ones go back to the tail. */
static int ep_harvest(struct epset *ep, struct epset_result *out, int max)
{
	struct list_node again;
	int n = 0;

	list_init(&again);
	while (n < max && !list_empty(&ep->ready)) {
		struct ep_item *it = container_of(list_pop_head(&ep->ready),
						  struct ep_item, rlink);
		unsigned r = it->disabled ? 0 : ep_item_events(it);

		if (!r)
			continue;	/* not ready any more: off the list */
		out[n].events = r;
		out[n].data = it->data;
		n++;
		if (it->events & EPSET_ONESHOT)
			it->disabled = true;
		else if (!(it->events & EPSET_ET))
			list_add_tail(&again, &it->rlink);
	}
	while (!list_empty(&again))
		list_add_tail(&ep->ready, list_pop_head(&again));
	return n;
}

int epset_wait(struct file *epf, struct epset_result *out, int max,
		    uint64_t timeout_ns)
{
	struct epset *ep = epf->priv;
	uint64_t deadline = SOCK_OS_FOREVER;
	struct sock_waiter *me = NULL;
	bool timed_out = false;
	struct watch w;
	int n;

	if (!file_is_epset(epf) || max <= 0)
		return -EINVAL;
	if (timeout_ns != SOCK_OS_FOREVER)
		deadline = sock_os_now() + timeout_ns;
	for (;;) {
		unsigned long saved = sock_spin_lock(&ep->lock);

		n = ep_harvest(ep, out, max);
		if (n || !timeout_ns || timed_out) {
			if (me)
				list_del(&w.link);
			sock_spin_unlock(&ep->lock, saved);
			return n;
		}
		if (!me) {
			/* Watched from the same hold of the lock as the
			 * empty harvest: no item can slip in between. */
			me = sock_os_waiter();
			watch_init(&w, WATCH_IN, watch_wake_waiter, me);
			list_add_tail(&ep->watches, &w.link);
		}
		sock_spin_unlock(&ep->lock, saved);
		timed_out = sock_os_wait(me, deadline) == -ETIMEDOUT;
	}
}

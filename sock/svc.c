/*
 * sock/svc.c: callback network services (include/skiff/service.h), Toro's
 * SysRegisterNetworkService over the POSIX socket and epoll calls.
 *
 * svc_register() starts one thread on the CPU the app chose; that thread
 * runs init, then waits in epoll_wait() on one epoll set holding the
 * service's listening sockets and connections, with a timeout that is the
 * next connection timer (a heap, sched/timerq.h: no scan of connections).
 * Each wake handles the entries epoll reported (a burst of accepts per
 * ready listener, one read and a flush per ready connection, svc_conn.c),
 * then the timers that are due, then frees the connections that ended in
 * that pass. The thread is the only one that touches the service, so no
 * lock is taken here; the network stack's own locking is the socket
 * layer's business, and no handler runs under it.
 */
#define _GNU_SOURCE	/* accept4 on the host */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock/svc_priv.h"

#define SVC_EVENTS		64	/* epoll entries taken per wake */
#define SVC_ACCEPT_BURST	16	/* accepts per ready listener per wake */
#define SVC_ACCEPT_RETRY_MS	100	/* a listener whose accept fails rests */
#define SVC_BACKLOG		128

void *svc_timer_grow(void *old, size_t size)
{
	return realloc(old, size);
}

static int lis_set_events(struct svc_lis *l, uint32_t events)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = &l->ep;
	return epoll_ctl(l->svc->epfd, EPOLL_CTL_MOD, l->ep.fd, &ev) ? -errno : 0;
}

static void lis_retry_fired(struct timer *t)
{
	struct svc_lis *l = container_of(t, struct svc_lis, retry);

	if (lis_set_events(l, EPOLLIN) == 0)
		l->off = false;
	else
		timerq_add(&l->svc->timers, &l->retry,
			   svc_os_now_ns() + SVC_ACCEPT_RETRY_MS * 1000000ull);
}

/*
 * accept() failed for a reason that does not go away by itself (no
 * descriptors, no memory): level-triggered, the listener would be
 * reported again at once, so it leaves epoll for a while instead.
 */
static void lis_rest(struct svc_lis *l, int err)
{
	struct svc *s = l->svc;

	SVC_STAT_ADD(s, accept_errors, 1);
	if (!l->warned)
		svc_os_log("svc %s: accept on port %u: error %d; retrying every %u ms\n",
			   s->name, (unsigned)l->port, err, SVC_ACCEPT_RETRY_MS);
	l->warned = true;
	if (lis_set_events(l, 0) == 0)
		l->off = true;
	timerq_add(&s->timers, &l->retry,
		   svc_os_now_ns() + SVC_ACCEPT_RETRY_MS * 1000000ull);
}

static void lis_event(struct svc_lis *l)
{
	struct svc *s = l->svc;
	int k;

	for (k = 0; k < SVC_ACCEPT_BURST && !s->stopping; k++) {
		struct sockaddr_in sa;
		struct svc_conn *c;
		int fd = svc_os_accept(l->ep.fd, &sa);

		if (fd < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			lis_rest(l, -errno);
			return;
		}
		l->warned = false;
		/* Over the limit: taken and closed, so the client learns at
		 * once instead of waiting in the backlog. */
		if (__atomic_load_n(&s->st.active, __ATOMIC_RELAXED) >= s->max_conns ||
		    !(c = svc_conn_new(s, fd, ntohl(sa.sin_addr.s_addr),
					  ntohs(sa.sin_port), l->port, false))) {
			close(fd);
			SVC_STAT_ADD(s, refused, 1);
			continue;
		}
		if (s->h.accept && s->h.accept(c) != 0) {
			c->close_called = true;	/* never accepted: no close call */
			SVC_STAT_ADD(s, refused, 1);
			svc_close(c, SVC_CLOSE_NOW);
		} else {
			SVC_STAT_ADD(s, accepted, 1);
		}
		svc_conn_touch(c);
		svc_conn_settle_all(s);
	}
}

/* Adds the listening socket fd to s; l->shared says who closes it. */
static int lis_add(struct svc *s, int fd, uint16_t port, bool shared)
{
	struct epoll_event ev;
	struct svc_lis *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->ep.kind = SVC_EP_LISTENER;
	l->ep.fd = fd;
	l->svc = s;
	l->port = port;
	l->shared = shared;
	timer_init(&l->retry, lis_retry_fired);
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &l->ep;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
		int err = -errno;

		free(l);
		return err;
	}
	l->next = s->lis;
	s->lis = l;
	return port;
}

int svc_listen_fd(struct svc *s, int fd)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);

	if (getsockname(fd, (struct sockaddr *)&sa, &salen) != 0)
		return -errno;
	if (sa.sin_family != AF_INET)
		return -EINVAL;
	return lis_add(s, fd, ntohs(sa.sin_port), true);
}

int svc_listen(struct svc *s, uint16_t port, int backlog)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int fd, one = 1, err;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	/* A restarted service binds over its old connections' TIME-WAIT. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fd, backlog > 0 ? backlog : SVC_BACKLOG) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &salen) != 0) {
		err = -errno;
		goto out_close;
	}
	err = lis_add(s, fd, ntohs(sa.sin_port), false);
	if (err < 0)
		goto out_close;
	return err;

out_close:
	close(fd);
	return err;
}

int svc_connect(struct svc *s, uint32_t addr, uint16_t port, void *data,
		struct svc_conn **out)
{
	struct sockaddr_in sa;
	struct svc_conn *c;
	int fd, err;

	*out = NULL;
	if (__atomic_load_n(&s->st.active, __ATOMIC_RELAXED) >= s->max_conns)
		return -EMFILE;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(addr);
	/* Even a connect that completes at once (loopback) is reported
	 * through EPOLLOUT, so connected runs from the loop like every other
	 * handler, never inside the caller's. */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		return err;
	}
	c = svc_conn_new(s, fd, addr, port, 0, true);
	if (!c) {
		close(fd);
		return -ENOMEM;
	}
	c->data = data;
	SVC_STAT_ADD(s, connects, 1);
	*out = c;
	return 0;
}

static void svc_tick_fired(struct timer *t)
{
	struct svc *s = container_of(t, struct svc, tick);

	if (s->h.tick)
		s->h.tick(s);
	svc_conn_settle_all(s);
}

int svc_set_tick(struct svc *s, uint64_t ms)
{
	uint64_t ns = ms > UINT64_MAX / 2000000u ? UINT64_MAX / 2 : ms * 1000000u;

	return timerq_add(&s->timers, &s->tick, svc_os_now_ns() + ns);
}

void svc_clear_tick(struct svc *s)
{
	timerq_cancel(&s->timers, &s->tick);
}

int svc_listen_pipe(struct svc *s, uint16_t port)
{
	uint16_t host_port = 0;
	int fd = svc_os_pipe_listen(port, &host_port), err;

	if (fd < 0)
		return fd;
	/* Connections report the guest's port (svc_conn_port), as TCP ones do. */
	err = lis_add(s, fd, port, false);
	if (err < 0) {
		close(fd);
		return err;
	}
	return host_port;
}

/* Milliseconds until the next timer, rounded up; -1: none. */
static int wait_ms(struct svc *s)
{
	uint64_t next = timerq_next(&s->timers), now, ms;

	if (next == UINT64_MAX)
		return -1;
	now = svc_os_now_ns();
	if (next <= now)
		return 0;
	ms = (next - now + 999999) / 1000000;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void svc_teardown(struct svc *s)
{
	while (!list_empty(&s->conns))
		svc_conn_stop(container_of(s->conns.next, struct svc_conn, link));
	svc_conn_settle_all(s);
	svc_conn_free_dead(s);
	timerq_cancel(&s->timers, &s->tick);
	while (s->lis) {
		struct svc_lis *l = s->lis;

		s->lis = l->next;
		timerq_cancel(&s->timers, &l->retry);
		if (l->shared)
			epoll_ctl(s->epfd, EPOLL_CTL_DEL, l->ep.fd, NULL);
		else
			close(l->ep.fd);
		free(l);
	}
	if (s->epfd >= 0)
		close(s->epfd);
	s->epfd = -1;
	free(s->timers.heap);
	s->timers.heap = NULL;
	s->timers.n = s->timers.cap = 0;
}

static int svc_main(void *arg)
{
	struct svc *s = arg;
	struct epoll_event evs[SVC_EVENTS];
	int rc, n, i;

	s->epfd = epoll_create1(0);
	rc = s->epfd < 0 ? -errno : s->h.init(s);
	svc_conn_settle_all(s);
	if (rc) {
		svc_os_log("svc %s: init failed (%d)\n", s->name, rc);
		svc_teardown(s);
		s->init_rc = rc;
		svc_os_event_signal(&s->init_done);	/* s is freed after this */
		return rc;
	}
	svc_os_event_signal(&s->init_done);
	while (!__atomic_load_n(&s->stopping, __ATOMIC_ACQUIRE)) {
		n = epoll_wait(s->epfd, evs, SVC_EVENTS, wait_ms(s));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			svc_os_log("svc %s: epoll_wait: error %d; stopping\n",
				   s->name, -errno);
			break;
		}
		for (i = 0; i < n; i++) {
			struct svc_ep *ep = evs[i].data.ptr;

			if (ep->kind == SVC_EP_LISTENER)
				lis_event(container_of(ep, struct svc_lis, ep));
			else
				svc_conn_event(container_of(ep, struct svc_conn, ep),
					       evs[i].events);
		}
		timerq_run(&s->timers, svc_os_now_ns());
		svc_conn_free_dead(s);
	}
	svc_teardown(s);
	return 0;
}

int svc_register(const struct svc_config *cfg, struct svc **out)
{
	struct svc *s;
	int rc;

	*out = NULL;
	if (!cfg || !cfg->handlers.init || !cfg->handlers.receive ||
	    (cfg->in_max && cfg->in_max < 64))
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	snprintf(s->name, sizeof(s->name), "%s", cfg->name ? cfg->name : "?");
	s->h = cfg->handlers;
	s->data = cfg->data;
	s->cpu = cfg->cpu;
	s->max_conns = cfg->max_conns ? cfg->max_conns : SVC_DEFAULT_MAX_CONNS;
	s->out_max = cfg->out_max ? cfg->out_max : SVC_DEFAULT_OUT_MAX;
	s->in_max = cfg->in_max ? cfg->in_max : SVC_DEFAULT_IN_MAX;
	s->epfd = -1;
	list_init(&s->conns);
	list_init(&s->dead);
	list_init(&s->touched);
	timerq_init(&s->timers, svc_timer_grow);
	timer_init(&s->tick, svc_tick_fired);
	svc_os_event_init(&s->init_done);
	s->scratch = malloc(s->in_max);
	if (!s->scratch) {
		rc = -ENOMEM;
		goto out_free;
	}
	rc = svc_os_thread_start(&s->thread, svc_main, s, s->cpu);
	if (rc)
		goto out_free;
	svc_os_event_wait(&s->init_done);
	if (s->init_rc) {
		rc = s->init_rc;
		svc_os_thread_join(&s->thread);
		goto out_free;
	}
	*out = s;
	return 0;

out_free:
	svc_os_event_destroy(&s->init_done);
	free(s->scratch);
	free(s);
	return rc;
}

void svc_stop(struct svc *s)
{
	__atomic_store_n(&s->stopping, true, __ATOMIC_RELEASE);
}

int svc_join(struct svc *s)
{
	int rc = svc_os_thread_join(&s->thread);

	svc_os_event_destroy(&s->init_done);
	free(s->scratch);
	free(s);
	return rc;
}

void *svc_data(struct svc *s)
{
	return s->data;
}

const char *svc_name(const struct svc *s)
{
	return s->name;
}

void svc_get_stats(const struct svc *s, struct svc_stats *st)
{
	const uint64_t *src = (const uint64_t *)&s->st;
	uint64_t *dst = (uint64_t *)st;
	size_t i;

	for (i = 0; i < sizeof(*st) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

const char *svc_reason_name(enum svc_reason why)
{
	static const char *const names[] = {
		[SVC_PEER_CLOSED] = "peer closed",
		[SVC_LOCAL_CLOSED] = "closed",
		[SVC_RESET] = "reset",
		[SVC_FAILED] = "failed",
		[SVC_STOPPED] = "stopped",
	};

	return (unsigned)why < sizeof(names) / sizeof(names[0]) ? names[why] : "?";
}

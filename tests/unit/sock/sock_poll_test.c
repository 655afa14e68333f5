/*
 * sock_poll_test.c: readiness (sock_poll, fd_poll, epoll sets) for each
 * event, as Linux's poll(2)/epoll(7) report it for TCP and UDP sockets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sock_pair.h"
#include "../../../sock/epset.h"
#include "../../../sock/poll.h"
#include "../../../sock/sock_file.h"
#include "../../../sock/sock_os.h"

#define MS 1000000ull

/* A connection and a descriptor for each end. */
struct conn {
	struct sock *c, *s;	/* the client on A, the accepted socket on B */
	int cfd, sfd;		/* their descriptors */
};

static void conn_open(struct sock_pair *sp, uint16_t port, struct conn *k)
{
	sp_tcp_pair(sp, port, &k->c, &k->s);
	k->cfd = sock_fd_open(k->c, 0);
	k->sfd = sock_fd_open(k->s, 0);
	assert_true(k->cfd >= 0);
	assert_true(k->sfd >= 0);
}

/* Closes both descriptors (-1: closed already), and with them the sockets. */
static void conn_close(struct conn *k)
{
	if (k->cfd >= 0)
		fd_close(k->cfd);
	if (k->sfd >= 0)
		fd_close(k->sfd);
}

/* epoll_ctl(2) as sock/posix_poll.c makes it: the open descriptor's file
 * is looked up for the call and put back after it. */
static int ep_ctl(struct file *ep, int op, int fd, unsigned events, uint64_t data)
{
	struct file *f = fd_get(fd);
	int err;

	assert_non_null(f);
	err = epset_control(ep, op, fd, f, events, data);
	file_put(f);
	return err;
}

/* Two connections (ports 80 and 81) and an empty epoll set. */
struct ep_two {
	struct sock_pair *sp;
	struct conn k1, k2;
	struct file *ep;
};

static void ep_two_open(struct ep_two *w)
{
	w->sp = sock_pair_new();
	conn_open(w->sp, 80, &w->k1);
	conn_open(w->sp, 81, &w->k2);
	assert_int_equal(epset_new(&w->ep), 0);
}

/* The set goes first, with whatever items are still in it. */
static void ep_two_close(struct ep_two *w)
{
	file_put(w->ep);
	conn_close(&w->k1);
	conn_close(&w->k2);
	sock_pair_free(w->sp);
}

static short poll1(int fd, short events, uint64_t timeout_ns)
{
	struct fd_pollfd p = { fd, events, 0 };

	assert_true(fd_poll(&p, 1, timeout_ns) >= 0);
	return p.revents;
}

/* A listener is readable when a connection waits for accept. */
static void test_listener_in_when_connection_pending(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock_addr to = { SP_IP_B, 84 };
	struct sock *lis = sp_tcp_listen(sp, 84, 4), *c, *s;
	int lfd;

	(void)state;
	lfd = sock_fd_open(lis, 0);
	assert_int_equal(poll1(lfd, WATCH_IN, 0), 0);
	assert_int_equal(sock_create(&sp->sna, SOCK_T_STREAM, &c), 0);
	assert_int_equal(sock_connect(c, &to, 0), 0);
	assert_int_equal(poll1(lfd, WATCH_IN, 2000 * MS), WATCH_IN);
	assert_int_equal(sock_accept(lis, 0, &s, NULL), 0);
	assert_int_equal(poll1(lfd, WATCH_IN, 0), 0);
	sock_close(s);
	sock_close(c);
	assert_int_equal(fd_close(lfd), 0);
	sock_pair_free(sp);
}

/* Connected: writable at once; readable (with RDNORM when asked) once
 * data is in; not before. */
static void test_connected_out_then_in_on_data(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct conn k;

	(void)state;
	conn_open(sp, 80, &k);
	assert_int_equal(poll1(k.sfd, WATCH_IN | WATCH_OUT, 0), WATCH_OUT);
	assert_int_equal(poll1(k.sfd, WATCH_IN, 50 * MS), 0);
	sp_send_all(k.c, "x", 1);
	assert_int_equal(poll1(k.sfd, WATCH_IN | WATCH_RDNORM, 2000 * MS),
			 WATCH_IN | WATCH_RDNORM);
	conn_close(&k);
	sock_pair_free(sp);
}

struct later {
	struct sock *s;
	unsigned delay_ms;
};

static void *send_later(void *p)
{
	struct later *l = p;

	usleep(l->delay_ms * 1000);
	sp_send_all(l->s, "wake", 4);
	return NULL;
}

/* A poll over several files sleeps until one of them changes, and says
 * which (one waiter, many watches). */
static void test_poll_wakes_on_the_one_that_changes(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct conn k1, k2;
	struct later l;
	pthread_t t;
	uint64_t t0;

	(void)state;
	conn_open(sp, 80, &k1);
	conn_open(sp, 81, &k2);
	struct fd_pollfd p[3] = { { k1.sfd, WATCH_IN, 0 }, { -1, WATCH_IN, 7 }, { k2.sfd, WATCH_IN, 0 } };
	l = (struct later){ k2.c, 100 };
	t = sp_spawn(send_later, &l);
	t0 = sp_ms();
	assert_int_equal(fd_poll(p, 3, 5000 * MS), 1);
	assert_true(sp_ms() - t0 >= 80);
	assert_int_equal(p[0].revents, 0);
	assert_int_equal(p[1].revents, 0);
	assert_int_equal(p[2].revents, WATCH_IN);
	pthread_join(t, NULL);
	conn_close(&k1);
	conn_close(&k2);
	sock_pair_free(sp);
}

/* poll(2): POLLRDNORM alone is "data may be read" as POLLIN is; a poll (or
 * an epoll set) asking only for it is woken by data that arrives while it
 * sleeps, not left to its timeout. */
static void test_rdnorm_alone_woken_by_data(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct epset_result r[2];
	struct fd_pollfd p;
	struct file *ep;
	struct later l;
	struct conn k;
	pthread_t t;
	uint64_t t0;
	char buf[8];

	(void)state;
	conn_open(sp, 80, &k);
	p = (struct fd_pollfd){ k.sfd, WATCH_RDNORM, 0 };
	l = (struct later){ k.c, 100 };
	t = sp_spawn(send_later, &l);
	t0 = sp_ms();
	assert_int_equal(fd_poll(&p, 1, 3000 * MS), 1);
	assert_true(sp_ms() - t0 < 2000);
	assert_int_equal(p.revents, WATCH_RDNORM);
	pthread_join(t, NULL);
	sp_recv_all(k.s, buf, 4);
	assert_int_equal(epset_new(&ep), 0);
	assert_int_equal(ep_ctl(ep, EPSET_ADD, k.sfd, WATCH_RDNORM, 9), 0);
	t = sp_spawn(send_later, &l);
	t0 = sp_ms();
	assert_int_equal(epset_wait(ep, r, 2, 3000 * MS), 1);
	assert_true(sp_ms() - t0 < 2000);
	assert_int_equal(r[0].events, WATCH_RDNORM);
	pthread_join(t, NULL);
	file_put(ep);
	conn_close(&k);
	sock_pair_free(sp);
}

/* RFC 9293 3.10.7.4 (the peer's FIN): IN and RDHUP, not yet HUP; after our
 * own shutdown too, HUP. */
static void test_peer_fin_in_rdhup_then_hup(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct conn k;

	(void)state;
	conn_open(sp, 80, &k);
	assert_int_equal(sock_shutdown(k.c, SOCK_SHUT_WR), 0);
	assert_int_equal(poll1(k.sfd, WATCH_RDHUP, 2000 * MS), WATCH_RDHUP);
	assert_int_equal(poll1(k.sfd, WATCH_IN | WATCH_OUT | WATCH_RDHUP, 0),
			 WATCH_IN | WATCH_OUT | WATCH_RDHUP);
	assert_int_equal(sock_shutdown(k.s, SOCK_SHUT_WR), 0);
	assert_true(poll1(k.sfd, WATCH_IN, 0) & WATCH_HUP);
	conn_close(&k);
	sock_pair_free(sp);
}

/* A reset: ERR while the error is pending, and HUP (Linux reports IN and
 * OUT too: calls fail at once). */
static void test_reset_err_hup(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct conn k;
	short r;

	(void)state;
	conn_open(sp, 80, &k);
	assert_int_equal(sock_setopt(k.s, SOCK_OPT_LINGER, 0), 0);
	fd_close(k.sfd);
	r = poll1(k.cfd, WATCH_IN, 2000 * MS);
	assert_true(r & WATCH_ERR);
	assert_true(r & WATCH_HUP);
	assert_true(r & WATCH_IN);
	assert_int_equal(sock_error(k.c), -ECONNRESET);
	r = poll1(k.cfd, WATCH_IN, 0);
	assert_false(r & WATCH_ERR);
	assert_true(r & WATCH_HUP);
	fd_close(k.cfd);
	sock_pair_free(sp);
}

/* A descriptor that is not open: NVAL; a negative one: skipped. */
static void test_closed_fd_nval_negative_skipped(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct fd_pollfd p[2] = { { 77, WATCH_IN, 0 }, { -5, WATCH_IN, 3 } };

	(void)state;
	assert_int_equal(fd_poll(p, 2, 0), 1);
	assert_int_equal(p[0].revents, WATCH_NVAL);
	assert_int_equal(p[1].revents, 0);
	sock_pair_free(sp);
}

/* Timeouts: 0 checks and returns, N ms waits about N ms. */
static void test_poll_timeout_zero_and_ms(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct conn k;
	uint64_t t0, ms;

	(void)state;
	conn_open(sp, 80, &k);
	t0 = sp_ms();
	assert_int_equal(poll1(k.sfd, WATCH_IN, 0), 0);
	assert_true(sp_ms() - t0 < 50);
	t0 = sp_ms();
	assert_int_equal(poll1(k.sfd, WATCH_IN, 120 * MS), 0);
	ms = sp_ms() - t0;
	assert_true(ms >= 110);
	assert_true(ms < 2000);
	conn_close(&k);
	sock_pair_free(sp);
}

/* A never-connected stream socket: OUT and HUP (Linux); a UDP socket is
 * always writable. */
static void test_fresh_sockets(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *t, *u;

	(void)state;
	assert_int_equal(sock_create(&sp->sna, SOCK_T_STREAM, &t), 0);
	assert_int_equal(sock_create(&sp->sna, SOCK_T_DGRAM, &u), 0);
	assert_int_equal(sock_poll(t), WATCH_OUT | WATCH_HUP);
	assert_int_equal(sock_poll(u), WATCH_OUT);
	sock_close(t);
	sock_close(u);
	sock_pair_free(sp);
}

/* epoll, level-triggered: reported on every wait while readable, gone
 * once read. */
static void test_epoll_level_triggered_until_read(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct epset_result r[4];
	struct file *ep;
	struct conn k;
	char b[8];

	(void)state;
	conn_open(sp, 80, &k);
	assert_int_equal(epset_new(&ep), 0);
	assert_int_equal(ep_ctl(ep, EPSET_ADD, k.sfd, WATCH_IN, 42), 0);
	assert_int_equal(ep_ctl(ep, EPSET_ADD, k.sfd, WATCH_IN, 42), -EEXIST);
	assert_int_equal(epset_wait(ep, r, 4, 0), 0);
	sp_send_all(k.c, "abc", 3);
	assert_int_equal(epset_wait(ep, r, 4, 2000 * MS), 1);
	assert_int_equal(r[0].data, 42);
	assert_int_equal(r[0].events, WATCH_IN);	/* RDNORM only when asked */
	assert_int_equal(epset_wait(ep, r, 4, 0), 1);
	assert_int_equal(sock_recv(k.s, b, sizeof(b), 0), 3);
	assert_int_equal(epset_wait(ep, r, 4, 0), 0);
	assert_int_equal(ep_ctl(ep, EPSET_DEL, k.sfd, 0, 0), 0);
	assert_int_equal(ep_ctl(ep, EPSET_DEL, k.sfd, 0, 0), -ENOENT);
	file_put(ep);
	conn_close(&k);
	sock_pair_free(sp);
}

/* EPOLLET: reported once per arrival; EPOLLONESHOT: once until MOD. */
static void test_epoll_edge_and_oneshot(void **state)
{
	struct epset_result r[4];
	struct ep_two w;

	(void)state;
	ep_two_open(&w);
	assert_int_equal(ep_ctl(w.ep, EPSET_ADD, w.k1.sfd, WATCH_IN | EPSET_ET, 1), 0);
	assert_int_equal(ep_ctl(w.ep, EPSET_ADD, w.k2.sfd, WATCH_IN | EPSET_ONESHOT, 2), 0);
	sp_send_all(w.k1.c, "a", 1);
	assert_int_equal(epset_wait(w.ep, r, 4, 2000 * MS), 1);
	assert_int_equal(r[0].data, 1);
	assert_int_equal(epset_wait(w.ep, r, 4, 0), 0);	/* unread, but no new edge */
	sp_send_all(w.k1.c, "b", 1);
	assert_int_equal(epset_wait(w.ep, r, 4, 2000 * MS), 1);
	assert_int_equal(r[0].data, 1);
	sp_send_all(w.k2.c, "x", 1);
	assert_int_equal(epset_wait(w.ep, r, 4, 2000 * MS), 1);
	assert_int_equal(r[0].data, 2);
	sp_send_all(w.k2.c, "y", 1);
	usleep(50000);
	assert_int_equal(epset_wait(w.ep, r, 4, 0), 0);	/* disabled */
	assert_int_equal(ep_ctl(w.ep, EPSET_MOD, w.k2.sfd, WATCH_IN, 3), 0);
	assert_int_equal(epset_wait(w.ep, r, 4, 0), 1);
	assert_int_equal(r[0].data, 3);
	ep_two_close(&w);	/* the set goes with items in it */
}

/* A file that goes away leaves the set by itself (WATCH_GONE): nothing
 * leaks and the set still works for the others. */
static void test_epoll_closed_file_leaves_set(void **state)
{
	struct epset_result r[4];
	struct ep_two w;

	(void)state;
	ep_two_open(&w);
	assert_int_equal(ep_ctl(w.ep, EPSET_ADD, w.k1.sfd, WATCH_IN, 1), 0);
	assert_int_equal(ep_ctl(w.ep, EPSET_ADD, w.k2.sfd, WATCH_IN, 2), 0);
	sp_send_all(w.k1.c, "a", 1);
	assert_int_equal(epset_wait(w.ep, r, 4, 2000 * MS), 1);
	fd_close(w.k1.sfd);	/* ready and in the set: it must leave it */
	w.k1.sfd = -1;
	assert_int_equal(epset_wait(w.ep, r, 4, 0), 0);
	sp_send_all(w.k2.c, "b", 1);
	assert_int_equal(epset_wait(w.ep, r, 4, 2000 * MS), 1);
	assert_int_equal(r[0].data, 2);
	ep_two_close(&w);
}

struct ep_arg {
	struct file *ep;
	int n;
	uint64_t ms;
};

static void *epoll_thread(void *p)
{
	struct ep_arg *a = p;
	struct epset_result r[4];
	uint64_t t0 = sp_ms();

	a->n = epset_wait(a->ep, r, 4, 5000 * MS);
	a->ms = sp_ms() - t0;
	return NULL;
}

/* Many connections, few ready: a waiting thread wakes once one is, and
 * gets only the ready ones. */
static void test_epoll_wait_blocks_and_reports_only_ready(void **state)
{
	enum { N = 40 };
	struct sock_pair *sp = sock_pair_new();
	struct epset_result r[N];
	struct conn k[N];
	struct file *ep;
	struct ep_arg a;
	pthread_t t;

	(void)state;
	assert_int_equal(epset_new(&ep), 0);
	for (int i = 0; i < N; i++) {
		conn_open(sp, (uint16_t)(1000 + i), &k[i]);
		assert_int_equal(ep_ctl(ep, EPSET_ADD, k[i].sfd, WATCH_IN, (uint64_t)i), 0);
	}
	a = (struct ep_arg){ ep, 0, 0 };
	t = sp_spawn(epoll_thread, &a);
	usleep(100000);
	sp_send_all(k[7].c, "x", 1);
	pthread_join(t, NULL);
	assert_true(a.n >= 1);
	assert_true(a.ms >= 80);
	sp_send_all(k[31].c, "y", 1);
	usleep(50000);
	assert_int_equal(epset_wait(ep, r, N, 0), 2);
	assert_true((r[0].data == 7 && r[1].data == 31) || (r[0].data == 31 && r[1].data == 7));
	file_put(ep);
	for (int i = 0; i < N; i++)
		conn_close(&k[i]);
	sock_pair_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listener_in_when_connection_pending),
		cmocka_unit_test(test_connected_out_then_in_on_data),
		cmocka_unit_test(test_poll_wakes_on_the_one_that_changes),
		cmocka_unit_test(test_rdnorm_alone_woken_by_data),
		cmocka_unit_test(test_peer_fin_in_rdhup_then_hup),
		cmocka_unit_test(test_reset_err_hup),
		cmocka_unit_test(test_closed_fd_nval_negative_skipped),
		cmocka_unit_test(test_poll_timeout_zero_and_ms),
		cmocka_unit_test(test_fresh_sockets),
		cmocka_unit_test(test_epoll_level_triggered_until_read),
		cmocka_unit_test(test_epoll_edge_and_oneshot),
		cmocka_unit_test(test_epoll_closed_file_leaves_set),
		cmocka_unit_test(test_epoll_wait_blocks_and_reports_only_ready),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * fd_test.c: the descriptor table (sock/fd.c) and sockets as files
 * (sock/sock_file.c): POSIX's lowest-free rule, EMFILE, dup, and close()
 * of a descriptor another thread is blocked on.
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

#include "sock_os_host.h"
#include "sock_pair.h"
#include "../../../sock/epset.h"
#include "../../../sock/fd.h"
#include "../../../sock/poll.h"
#include "../../../sock/sock_file.h"

static int udp_fd(struct sock_pair *sp)
{
	struct sock *s;

	assert_int_equal(sock_create(&sp->sna, SOCK_T_DGRAM, &s), 0);
	return sock_fd_open(s, 0);
}

/* POSIX: a new descriptor is the lowest one free. */
static void test_install_takes_lowest_free(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	int a = udp_fd(sp), b = udp_fd(sp), c = udp_fd(sp);

	(void)state;
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(c, 2);
	assert_int_equal(fd_close(b), 0);
	assert_int_equal(fd_close(b), -EBADF);
	assert_int_equal(udp_fd(sp), 1);
	assert_int_equal(fd_close(a), 0);
	assert_int_equal(fd_close(1), 0);
	assert_int_equal(fd_close(c), 0);
	assert_int_equal(fd_close(-1), -EBADF);
	assert_int_equal(fd_close(FD_MAX), -EBADF);
	sock_pair_free(sp);
}

/* A full table: EMFILE, and the socket offered is closed, not leaked;
 * one close makes room again. */
static void test_full_table_emfile(void **state)
{
	struct sock_pair *sp = sock_pair_new();

	(void)state;
	for (int i = 0; i < FD_MAX; i++)
		assert_int_equal(udp_fd(sp), i);
	assert_int_equal(fd_count(), FD_MAX);
	assert_int_equal(udp_fd(sp), -EMFILE);
	assert_int_equal(sock_net_open_count(&sp->sna), FD_MAX);
	assert_int_equal(fd_close(500), 0);
	assert_int_equal(udp_fd(sp), 500);
	for (int i = 0; i < FD_MAX; i++)
		assert_int_equal(fd_close(i), 0);
	sock_pair_free(sp);
}

/* dup: two descriptors, one file; closing one leaves the other working
 * (only the last close cancels the socket). */
static void test_dup_close_one_other_works(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *c, *s, *got;
	struct file *f, *g;
	int fd, fd2;
	char b[4];

	(void)state;
	sp_tcp_pair(sp, 80, &c, &s);
	fd = sock_fd_open(s, 0);
	f = fd_get(fd);
	fd2 = fd_install_from(10, f);	/* the table takes f's reference */
	assert_int_equal(fd2, 10);
	assert_int_equal(fd_close(fd), 0);
	assert_int_equal(sock_fd_get(fd2, &g, &got), 0);
	assert_ptr_equal(got, s);
	sp_send_all(c, "dup", 3);
	sp_recv_all(got, b, 3);
	assert_memory_equal(b, "dup", 3);
	file_put(g);
	assert_int_equal(fd_close(fd2), 0);
	sock_close(c);
	sock_pair_free(sp);
}

struct blocked {
	int fd;
	bool accept;
	long ret;
	uint64_t ms;
};

/* What the POSIX face does: look up (a reference), call, put. */
static void *blocked_thread(void *p)
{
	struct blocked *b = p;
	struct file *f;
	struct sock *s, *ns;
	uint64_t t0 = sp_ms();
	char buf[8];

	assert_int_equal(sock_fd_get(b->fd, &f, &s), 0);
	if (b->accept)
		b->ret = sock_accept(s, sock_file_flags(f), &ns, NULL);
	else
		b->ret = sock_recv(s, buf, sizeof(buf), sock_file_flags(f));
	b->ms = sp_ms() - t0;
	file_put(f);
	return NULL;
}

/* close() of a descriptor another thread is blocked on (recv, accept):
 * that thread returns EBADF at once, and the socket is freed only after
 * it let go (the pair's teardown checks nothing leaked). */
static void test_close_wakes_blocked_recv_and_accept(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *c, *s, *lis;
	struct blocked br, ba;
	pthread_t tr, ta;
	int sfd, lfd;

	(void)state;
	sp_tcp_pair(sp, 80, &c, &s);
	sfd = sock_fd_open(s, 0);
	lis = sp_tcp_listen(sp, 85, 4);
	lfd = sock_fd_open(lis, 0);
	br = (struct blocked){ sfd, false, 0, 0 };
	ba = (struct blocked){ lfd, true, 0, 0 };
	tr = sp_spawn(blocked_thread, &br);
	ta = sp_spawn(blocked_thread, &ba);
	usleep(150000);
	assert_int_equal(fd_close(sfd), 0);
	assert_int_equal(fd_close(lfd), 0);
	pthread_join(tr, NULL);
	pthread_join(ta, NULL);
	assert_int_equal(br.ret, -EBADF);
	assert_int_equal(ba.ret, -EBADF);
	assert_true(br.ms >= 140 && br.ms < 2000);
	assert_true(ba.ms >= 140 && ba.ms < 2000);
	sock_close(c);
	sock_pair_free(sp);
}

enum blocked_call { B_SEND, B_CONNECT, B_POLL, B_EPOLL };

struct blocked2 {
	int fd;
	enum blocked_call call;
	struct file *ep;	/* B_EPOLL: the set holding fd */
	long ret;
	short revents;
};

static void *blocked2_thread(void *p)
{
	struct blocked2 *b = p;
	struct sock_addr nobody = { 0xc0a80763u, 9 };	/* 192.168.7.99: no ARP answer */
	struct epset_result r[2];
	struct fd_pollfd pf = { b->fd, WATCH_IN, 0 };
	static char big[4u << 20];
	struct file *f;
	struct sock *s;

	assert_int_equal(sock_fd_get(b->fd, &f, &s), 0);
	switch (b->call) {
	case B_SEND:
		b->ret = sock_send(s, big, sizeof(big), 0);
		break;
	case B_CONNECT:
		b->ret = sock_connect(s, &nobody, 0);
		break;
	case B_POLL:
		b->ret = fd_poll(&pf, 1, 10000 * 1000000ull);
		b->revents = pf.revents;
		break;
	case B_EPOLL:
		b->ret = epset_wait(b->ep, r, 2, 3000 * 1000000ull);
		break;
	}
	file_put(f);
	return NULL;
}

/* close() from another thread of a descriptor blocked in send (peer not
 * reading), connect (no answer), poll or epoll_wait: send and connect
 * return at once (send with what it queued, connect EBADF); poll says
 * POLLNVAL; an epoll set forgets the file and its wait goes on to its
 * own timeout, as Linux's does. */
static void test_close_wakes_blocked_send_connect_poll(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct blocked2 bs, bc, bp, be;
	struct sock *c, *s, *u, *q, *e;
	pthread_t ts, tc, tp, te;
	uint64_t t0;
	struct file *f;

	(void)state;
	sp_tcp_pair(sp, 80, &c, &s);
	assert_int_equal(sock_create(&sp->sna, SOCK_T_STREAM, &u), 0);
	assert_int_equal(sock_create(&sp->sna, SOCK_T_DGRAM, &q), 0);
	assert_int_equal(sock_create(&sp->sna, SOCK_T_DGRAM, &e), 0);
	bs = (struct blocked2){ sock_fd_open(c, 0), B_SEND, NULL, 0, 0 };
	bc = (struct blocked2){ sock_fd_open(u, 0), B_CONNECT, NULL, 0, 0 };
	bp = (struct blocked2){ sock_fd_open(q, 0), B_POLL, NULL, 0, 0 };
	be = (struct blocked2){ sock_fd_open(e, 0), B_EPOLL, NULL, 0, 0 };
	assert_int_equal(epset_new(&be.ep), 0);
	f = fd_get(be.fd);
	assert_int_equal(epset_control(be.ep, EPSET_ADD, be.fd, f, WATCH_IN, 1), 0);
	file_put(f);
	ts = sp_spawn(blocked2_thread, &bs);
	tc = sp_spawn(blocked2_thread, &bc);
	tp = sp_spawn(blocked2_thread, &bp);
	te = sp_spawn(blocked2_thread, &be);
	usleep(300000);
	t0 = sp_ms();
	assert_int_equal(fd_close(bs.fd), 0);
	assert_int_equal(fd_close(bc.fd), 0);
	assert_int_equal(fd_close(bp.fd), 0);
	assert_int_equal(fd_close(be.fd), 0);
	pthread_join(ts, NULL);
	pthread_join(tc, NULL);
	pthread_join(tp, NULL);
	assert_true(sp_ms() - t0 < 2000);
	assert_true(bs.ret > 0 && bs.ret < (long)(4u << 20));
	assert_int_equal(bc.ret, -EBADF);
	assert_int_equal(bp.ret, 1);
	assert_int_equal(bp.revents, WATCH_NVAL);
	pthread_join(te, NULL);
	assert_int_equal(be.ret, 0);
	file_put(be.ep);
	sock_close(s);
	sock_pair_free(sp);
}

/* O_NONBLOCK on the file makes its calls DONTWAIT. */
static void test_nonblocking_file_eagain(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *c, *s, *got;
	struct file *f;
	int fd;
	char b;

	(void)state;
	sp_tcp_pair(sp, 80, &c, &s);
	fd = sock_fd_open(s, FILE_NONBLOCK);
	assert_int_equal(sock_fd_get(fd, &f, &got), 0);
	struct sock_iov iov = { &b, 1 };
	assert_int_equal(f->ops->read(f, &iov, 1), -EAGAIN);
	file_put(f);
	assert_int_equal(fd_close(fd), 0);
	sock_close(c);
	sock_pair_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_takes_lowest_free),
		cmocka_unit_test(test_full_table_emfile),
		cmocka_unit_test(test_dup_close_one_other_works),
		cmocka_unit_test(test_close_wakes_blocked_recv_and_accept),
		cmocka_unit_test(test_close_wakes_blocked_send_connect_poll),
		cmocka_unit_test(test_nonblocking_file_eagain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

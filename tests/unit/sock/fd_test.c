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
#include "../../../sock/fd.h"
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
	struct sock_addr any = { 0, 85 };
	struct sock *c, *s, *lis;
	struct blocked br, ba;
	pthread_t tr, ta;
	int sfd, lfd;

	(void)state;
	sp_tcp_pair(sp, 80, &c, &s);
	sfd = sock_fd_open(s, 0);
	assert_int_equal(sock_create(&sp->snb, SOCK_T_STREAM, &lis), 0);
	assert_int_equal(sock_bind(lis, &any), 0);
	assert_int_equal(sock_listen(lis, 4), 0);
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
		cmocka_unit_test(test_nonblocking_file_eagain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

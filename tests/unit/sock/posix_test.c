/*
 * posix_test.c: the POSIX face (sock/posix_*.c) on the host, as an app
 * sees it: compiled against skiff's include/ with its names renamed
 * (socket -> skp_socket, ...; tests/unit/sock.mk) so that they do not
 * meet libc's, over the two-stack fixture with stack A as the default.
 * What is checked here is what the face itself decides: argument checks,
 * errno values, conversions, and that its calls allocate nothing per use.
 */
#define _POSIX_C_SOURCE 200809L	/* not libc's struct timeval: skiff's */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "sock_os_host.h"
#include "sock_pair.h"
#include "../../../sock/sock_file.h"

static struct sockaddr_in sin_of(uint32_t addr, uint16_t port)
{
	struct sockaddr_in a;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(addr);
	return a;
}

static struct sock_pair *pair_new(void)
{
	struct sock_pair *sp = sock_pair_new();

	sock_os_host_set_default(&sp->sna);
	return sp;
}

static void pair_free(struct sock_pair *sp)
{
	sock_os_host_set_default(NULL);
	sock_pair_free(sp);
}

/* A UDP socket of the default stack (A), bound to port. */
static int udp_bound(uint16_t port)
{
	struct sockaddr_in a = sin_of(0, port);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	assert_true(fd >= 0);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)))
		fail_msg("bind: errno %d", errno);
	return fd;
}

/* epoll_wait(2) is an event loop's every turn: with the usual maxevents
 * (64 here) it must not allocate, and it reports every ready item once. */
static void test_epoll_wait_64_allocates_nothing(void **state)
{
	enum { N = 12 };	/* UDP_MAX_PCBS is 16 per stack */
	struct sock_pair *sp = pair_new();
	struct epoll_event ev, out[64];
	int ep, fd[N];
	long before;

	(void)state;
	ep = epoll_create1(0);
	assert_true(ep >= 0);
	for (int i = 0; i < N; i++) {
		fd[i] = udp_bound((uint16_t)(6000 + i));
		ev.events = EPOLLOUT;
		ev.data.u64 = (uint64_t)i << 40 | 7;
		assert_int_equal(epoll_ctl(ep, EPOLL_CTL_ADD, fd[i], &ev), 0);
	}
	before = sock_os_host_allocs();
	for (int round = 0; round < 3; round++) {
		unsigned seen = 0;

		assert_int_equal(epoll_wait(ep, out, 64, 0), N);
		for (int i = 0; i < N; i++) {
			assert_int_equal(out[i].events, EPOLLOUT);
			assert_int_equal(out[i].data.u64 & 0xff, 7);
			seen |= 1u << (out[i].data.u64 >> 40);
		}
		assert_int_equal(seen, (1u << N) - 1);
	}
	assert_int_equal(sock_os_host_allocs(), before);
	for (int i = 0; i < N; i++)
		assert_int_equal(close(fd[i]), 0);
	assert_int_equal(close(ep), 0);
	pair_free(sp);
}

/* A listener on stack B's port with the given backlog; the POSIX face
 * only knows the default stack (A), so B's listener is made by the core
 * and given a descriptor, as the face would. */
static int listener_b(struct sock_pair *sp, uint16_t port, int backlog)
{
	struct sock_addr any = { 0, port };
	struct sock *lis;
	int fd;

	assert_int_equal(sock_create(&sp->snb, SOCK_T_STREAM, &lis), 0);
	assert_int_equal(sock_bind(lis, &any), 0);
	fd = sock_fd_open(lis, 0);
	assert_true(fd >= 0);
	assert_int_equal(listen(fd, backlog), 0);
	return fd;
}

/* Connect n clients of stack A to B:port and count how many complete
 * within the timeout (none is accepted meanwhile). */
static int connect_n(int n, uint16_t port, int *fds)
{
	struct sockaddr_in to = sin_of(SP_IP_B, port);
	struct timeval tv = { 1, 0 };
	int ok = 0;

	for (int i = 0; i < n; i++) {
		fds[i] = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fds[i] >= 0);
		assert_int_equal(setsockopt(fds[i], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
		if (connect(fds[i], (struct sockaddr *)&to, sizeof(to)) == 0)
			ok++;
	}
	return ok;
}

/* listen(2) on Linux: a backlog above somaxconn is cut to it, and the
 * check is unsigned, so a negative backlog (listen(fd, -1), used for "as
 * many as allowed") means SOMAXCONN, not 1. Four clients that are not
 * accepted yet all complete their handshakes and can then be accepted. */
static void test_listen_negative_backlog_is_somaxconn(void **state)
{
	struct sock_pair *sp = pair_new();
	struct timeval tv = { 2, 0 };
	int lfd, c[4], fd;

	(void)state;
	lfd = listener_b(sp, 7100, -1);
	assert_int_equal(connect_n(4, 7100, c), 4);
	/* The last handshakes may still be on their way to the listener. */
	assert_int_equal(setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	for (int i = 0; i < 4; i++) {
		fd = accept(lfd, NULL, NULL);
		assert_true(fd >= 0);
		assert_int_equal(close(fd), 0);
	}
	assert_int_equal(fcntl(lfd, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(accept(lfd, NULL, NULL), -1);
	assert_int_equal(errno, EAGAIN);
	for (int i = 0; i < 4; i++)
		assert_int_equal(close(c[i]), 0);
	assert_int_equal(close(lfd), 0);
	pair_free(sp);
}

struct rx {
	int fd;
	ssize_t ret;
	int err;
};

static void *recv_thread(void *p)
{
	struct rx *r = p;
	char buf[16];

	r->ret = recv(r->fd, buf, sizeof(buf), 0);
	r->err = errno;
	return NULL;
}

/* socket(7) SO_RCVTIMEO: a timeout too long to represent is no timeout at
 * all (Linux: MAX_SCHEDULE_TIMEOUT), not one that wrapped around into the
 * past: a receive still waits for the datagram that comes 200 ms later. */
static void test_rcvtimeo_huge_waits(void **state)
{
	struct sock_pair *sp = pair_new();
	struct timeval tv = { 0x7fffffffffffffffL, 999999 }, back;
	socklen_t len = sizeof(back);
	struct sock_addr to = { SP_IP_A, 6100 };
	struct rx r = { udp_bound(6100), 0, 0 };
	struct sock *tx;
	pthread_t t;

	(void)state;
	assert_int_equal(setsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(getsockopt(r.fd, SOL_SOCKET, SO_RCVTIMEO, &back, &len), 0);
	assert_true(back.tv_sec >= 0);
	t = sp_spawn(recv_thread, &r);
	usleep(200000);
	assert_int_equal(sock_create(&sp->snb, SOCK_T_DGRAM, &tx), 0);
	struct sock_iov iov = { "hello", 5 };
	assert_int_equal(sock_sendmsg(tx, &iov, 1, 0, &to), 5);
	pthread_join(t, NULL);
	assert_int_equal(r.ret, 5);
	sock_close(tx);
	assert_int_equal(close(r.fd), 0);
	pair_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoll_wait_64_allocates_nothing),
		cmocka_unit_test(test_listen_negative_backlog_is_somaxconn),
		cmocka_unit_test(test_rcvtimeo_huge_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

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
#include <netinet/tcp.h>
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

static struct tcp_info tcp_info_of(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0xa5, sizeof(ti));
	assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len), 0);
	assert_int_equal(len, sizeof(ti));
	return ti;
}

/* Polls fd's TCP_INFO (20 ms apart, up to 10 s) until ok(ti) holds. */
static struct tcp_info tcp_info_wait(int fd, bool (*ok)(const struct tcp_info *))
{
	struct tcp_info ti = tcp_info_of(fd);

	for (int i = 0; i < 500 && !ok(&ti); i++) {
		usleep(20000);
		ti = tcp_info_of(fd);
	}
	return ti;
}

static bool info_retransmitting(const struct tcp_info *ti)
{
	return ti->tcpi_retransmits > 0;
}

static bool info_probing(const struct tcp_info *ti)
{
	return ti->tcpi_probes > 0;
}

static void link_drop_all(struct sock_pair *sp, bool on)
{
	pthread_mutex_lock(sp->lock);
	sp->link.drop_pct = on ? 100 : 0;
	sp->link.max_drops = on ? UINT64_MAX : 0;
	pthread_mutex_unlock(sp->lock);
}

/*
 * getsockopt TCP_INFO (Linux's struct tcp_info): an established
 * connection's state and counters; a short buffer gets that many bytes
 * (Linux); a UDP socket: ENOPROTOOPT. And what an app (httpd's stall
 * timer) tells apart with it: data lost on the path shows as RTOs in a
 * row with bytes unacknowledged (tcpi_retransmits), a peer that stopped
 * reading as zero-window probes (tcpi_probes), never the other one.
 */
static void test_tcp_info_tells_loss_from_closed_window(void **state)
{
	struct sock_pair *sp = pair_new();
	struct sockaddr_in to = sin_of(SP_IP_B, 7200);
	static char big[256 * 1024];
	struct tcp_info ti;
	uint8_t shortbuf[12];
	socklen_t len = 8;
	int lfd, c, srv, u, flags;
	ssize_t n;

	(void)state;
	lfd = listener_b(sp, 7200, 4);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c >= 0);
	assert_int_equal(connect(c, (struct sockaddr *)&to, sizeof(to)), 0);
	srv = accept(lfd, NULL, NULL);
	assert_true(srv >= 0);

	ti = tcp_info_of(c);
	assert_int_equal(ti.tcpi_state, 1);		/* ESTABLISHED */
	assert_true(ti.tcpi_snd_mss > 0 && ti.tcpi_snd_mss <= 1460);
	assert_true(ti.tcpi_snd_wnd > 0);
	assert_int_equal(ti.tcpi_unacked, 0);
	assert_int_equal(ti.tcpi_retransmits, 0);
	assert_int_equal(ti.tcpi_probes, 0);
	assert_int_equal(tcp_info_of(lfd).tcpi_state, 10);	/* LISTEN */

	memset(shortbuf, 0x5a, sizeof(shortbuf));
	assert_int_equal(getsockopt(c, IPPROTO_TCP, TCP_INFO, shortbuf, &len), 0);
	assert_int_equal(len, 8);
	assert_int_equal(shortbuf[0], 1);
	assert_int_equal(shortbuf[8], 0x5a);		/* nothing past len */

	u = udp_bound(7201);
	len = sizeof(ti);
	assert_int_equal(getsockopt(u, IPPROTO_TCP, TCP_INFO, &ti, &len), -1);
	assert_int_equal(errno, ENOPROTOOPT);

	/* Loss: nothing gets through; the RTO resends, unanswered. */
	link_drop_all(sp, true);
	assert_int_equal(send(c, "lost", 4, 0), 4);
	ti = tcp_info_wait(c, info_retransmitting);
	assert_true(ti.tcpi_retransmits > 0);
	assert_int_equal(ti.tcpi_unacked, 4);
	assert_int_equal(ti.tcpi_probes, 0);
	assert_true(ti.tcpi_total_retrans > 0);
	link_drop_all(sp, false);
	assert_int_equal(recv(srv, big, 4, MSG_WAITALL), 4);
	assert_memory_equal(big, "lost", 4);

	/* A reader that stopped: fill its window, then it is probed. */
	flags = fcntl(c, F_GETFL, 0);
	assert_int_equal(fcntl(c, F_SETFL, flags | O_NONBLOCK), 0);
	for (int i = 0; i < 1000; i++) {
		n = send(c, big, sizeof(big), 0);
		if (n < 0) {
			assert_int_equal(errno, EAGAIN);
			usleep(5000);
			ti = tcp_info_of(c);
			if (ti.tcpi_snd_wnd == 0)
				break;
		}
	}
	ti = tcp_info_wait(c, info_probing);
	assert_int_equal(ti.tcpi_snd_wnd, 0);
	assert_true(ti.tcpi_probes > 0);
	assert_int_equal(ti.tcpi_retransmits, 0);

	assert_int_equal(close(u), 0);
	assert_int_equal(close(c), 0);
	assert_int_equal(close(srv), 0);
	assert_int_equal(close(lfd), 0);
	pair_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoll_wait_64_allocates_nothing),
		cmocka_unit_test(test_listen_negative_backlog_is_somaxconn),
		cmocka_unit_test(test_rcvtimeo_huge_waits),
		cmocka_unit_test(test_tcp_info_tells_loss_from_closed_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

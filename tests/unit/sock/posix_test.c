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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoll_wait_64_allocates_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

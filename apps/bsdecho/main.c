/*
 * apps/bsdecho: RFC 862 echo over TCP and UDP written only against the
 * POSIX socket headers (sys/socket.h, netinet/in.h, arpa/inet.h, unistd.h,
 * errno.h), the way a Linux server would be: blocking calls, a thread per
 * TCP connection (spread over the CPUs), a thread for UDP.
 *
 * bsdecho.mode=epoll serves TCP from one thread with epoll instead
 * (evloop.c).
 *
 * At start it checks itself over 127.0.0.1 (an echo round trip, poll() on
 * the socket and the console, a refused non-blocking connect reported
 * through SO_ERROR, a receive timeout, a UDP round trip) and prints
 * "bsdecho: self-check passed (N checks)" or one "bsdecho: FAIL ..." line
 * per failed check; then "bsdecho: tcp and udp echo on port P (MODE)".
 * bsdecho.stats=N prints the connection counters every N seconds
 * ("bsdecho: conns opened A closed B, bytes C").
 */
#include <skiff.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <poll.h>
#include <sys/time.h>
#include <unistd.h>

#include "bsdecho.h"

SKIFF_OPTION(bsdecho_port, "bsdecho.port", "TCP and UDP echo port (default 7)");
SKIFF_OPTION(bsdecho_stats, "bsdecho.stats", "print counters every N seconds (0: never)");
SKIFF_OPTION(bsdecho_mode, "bsdecho.mode", "threads (a thread per connection, default) or epoll (one thread)");

static unsigned long opened, closed_n, bytes;

void bsdecho_count_open(void)
{
	__atomic_fetch_add(&opened, 1, __ATOMIC_RELAXED);
}

void bsdecho_count_close(void)
{
	__atomic_fetch_add(&closed_n, 1, __ATOMIC_RELAXED);
}

void bsdecho_count_bytes(unsigned long n)
{
	__atomic_fetch_add(&bytes, n, __ATOMIC_RELAXED);
}

static int echo_conn(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[8192];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		/* A blocking send queues all of it (or fails). */
		if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
		bsdecho_count_bytes((unsigned long)n);
	}
	close(fd);
	bsdecho_count_close();
	return 0;
}

static int udp_echo(void *arg)
{
	int fd = (int)(intptr_t)arg;
	/* The largest datagram; thread stacks are 60 KiB. */
	static char buf[65536];

	for (;;) {
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &flen);

		if (n >= 0)
			sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&from, flen);
	}
	return 0;
}

static int listen_on(int type, unsigned short port)
{
	struct sockaddr_in a;
	int one = 1;
	int fd = socket(AF_INET, type, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons(port);
	a.sin_addr.s_addr = htonl(INADDR_ANY);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (type == SOCK_STREAM && listen(fd, SOMAXCONN) < 0)) {
		printf("bsdecho: bind/listen on port %u: %s\n", port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int checks, failures;

static void check(bool ok, const char *what)
{
	checks++;
	if (!ok) {
		failures++;
		printf("bsdecho: FAIL %s (errno %d)\n", what, errno);
	}
}

static void loopback_addr(struct sockaddr_in *a, unsigned short port)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	inet_pton(AF_INET, "127.0.0.1", &a->sin_addr);
}

/* Address text conversion and getaddrinfo, as glibc answers them. */
static void inet_checks(void)
{
	struct in_addr in;
	struct addrinfo hints, *res = NULL;
	char txt[INET_ADDRSTRLEN];

	check(inet_pton(AF_INET, "10.77.3.2", &in) == 1 && ntohl(in.s_addr) == 0x0a4d0302 &&
	      !strcmp(inet_ntop(AF_INET, &in, txt, sizeof(txt)), "10.77.3.2"), "inet_pton/inet_ntop");
	check(inet_pton(AF_INET, "1.2.3", &in) == 0 && inet_pton(AF_INET, "01.2.3.4", &in) == 0 &&
	      inet_pton(AF_INET, "1.2.3.256", &in) == 0, "inet_pton refuses non-dotted-quads");
	check(ntohl(inet_addr("10.1")) == 0x0a000001 && inet_addr("x") == INADDR_NONE, "inet_addr");
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	check(getaddrinfo("192.168.1.9", "8080", &hints, &res) == 0 && res && !res->ai_next &&
	      res->ai_family == AF_INET && res->ai_protocol == IPPROTO_TCP &&
	      ntohs(((struct sockaddr_in *)res->ai_addr)->sin_port) == 8080 &&
	      ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr) == 0xc0a80109,
	      "getaddrinfo numeric");
	if (res)
		freeaddrinfo(res);
	check(getaddrinfo("example.org", "80", &hints, &res) == EAI_NONAME, "getaddrinfo: no resolver");
}

static void self_check(unsigned short port)
{
	static const char msg[] = "hello, echo";
	struct sockaddr_in a;
	char buf[64];
	int fd;

	loopback_addr(&a, port);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	check(fd >= 0, "tcp socket");
	check(connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0, "tcp connect to 127.0.0.1");
	check(send(fd, msg, sizeof(msg), 0) == (ssize_t)sizeof(msg), "tcp send");
	struct pollfd pf[3] = { { fd, POLLIN, 0 }, { 0, POLLIN, 0 }, { 1, POLLOUT, 0 } };
	check(poll(pf, 2, 2000) == 1 && pf[0].revents == POLLIN, "poll: the echo is readable");
	check(poll(pf, 3, 0) == 2 && pf[1].revents == 0 && pf[2].revents == POLLOUT,
	      "poll: console in idle, out writable");
	check(recv(fd, buf, sizeof(msg), MSG_WAITALL) == (ssize_t)sizeof(msg), "tcp recv");
	check(memcmp(buf, msg, sizeof(msg)) == 0, "tcp echo content");
	struct timeval tv = { 0, 200000 };
	check(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) == 0, "SO_RCVTIMEO");
	check(recv(fd, buf, sizeof(buf), 0) < 0 && errno == EAGAIN, "recv times out with EAGAIN");
	close(fd);

	/* A refused non-blocking connect: EINPROGRESS, then SO_ERROR. */
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	loopback_addr(&a, 5);
	int r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	check(r < 0 && errno == EINPROGRESS, "non-blocking connect says EINPROGRESS");
	int err = 0;
	socklen_t elen = sizeof(err);
	for (int i = 0; i < 100 && err == 0; i++) {
		usleep(10000);
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
	}
	check(err == ECONNREFUSED, "SO_ERROR is ECONNREFUSED");
	close(fd);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	loopback_addr(&a, port);
	check(sendto(fd, msg, sizeof(msg), 0, (struct sockaddr *)&a, sizeof(a)) == (ssize_t)sizeof(msg),
	      "udp sendto");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval){ 2, 0 }, sizeof(tv));
	memset(buf, 0, sizeof(buf));
	check(recv(fd, buf, sizeof(buf), 0) == (ssize_t)sizeof(msg) && memcmp(buf, msg, sizeof(msg)) == 0,
	      "udp echo");
	close(fd);
	inet_checks();
	if (!failures)
		printf("bsdecho: self-check passed (%d checks)\n", checks);
}

static int acceptor(void *arg)
{
	int lfd = (int)(intptr_t)arg;
	unsigned ncpu = skiff_cpu_count(), next = 0;

	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		int one = 1;

		if (fd < 0) {
			printf("bsdecho: accept: %s\n", strerror(errno));
			thread_sleep(100000000);
			continue;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct thread *t = thread_create(echo_conn, (void *)(intptr_t)fd, next++ % ncpu);
		if (!t) {
			close(fd);
			continue;
		}
		bsdecho_count_open();
		thread_detach(t);
	}
	return 0;
}

static int evloop_thread(void *arg)
{
	return bsdecho_evloop((int)(intptr_t)arg);
}

static bool spawn(int (*fn)(void *), int fd)
{
	struct thread *t = thread_create(fn, (void *)(intptr_t)fd, 0);

	if (t)
		thread_detach(t);
	return t != NULL;
}

int main(void)
{
	unsigned short port = (unsigned short)skiff_opt_long("bsdecho.port", 7);
	long stats = skiff_opt_long("bsdecho.stats", 0);
	const char *mode = skiff_opt("bsdecho.mode");
	bool ev = mode && !strcmp(mode, "epoll");
	int lfd = listen_on(SOCK_STREAM, port);
	int ufd = listen_on(SOCK_DGRAM, port);

	if (lfd < 0 || ufd < 0 || !spawn(udp_echo, ufd) || !spawn(ev ? evloop_thread : acceptor, lfd))
		return 1;
	self_check(port);
	printf("bsdecho: tcp and udp echo on port %u (%s)\n", port, ev ? "epoll" : "threads");
	for (;;) {
		thread_sleep((stats > 0 ? (uint64_t)stats : 3600) * 1000000000ull);
		if (stats > 0)
			printf("bsdecho: conns opened %lu closed %lu, bytes %lu\n",
			       __atomic_load_n(&opened, __ATOMIC_RELAXED),
			       __atomic_load_n(&closed_n, __ATOMIC_RELAXED),
			       __atomic_load_n(&bytes, __ATOMIC_RELAXED));
	}
}

/*
 * apps/echo: libioth's TCP echo server (its iothtest_server), written for
 * skiff: a stack of its own over one NIC, an echo service on port 5000,
 * a thread per connection (pthread_create + pthread_detach), a log line
 * per connection opened and closed.
 *
 * Options:
 *   echo.nic=NAME    the NIC the stack takes (default eth0; it becomes the
 *                    stack's vde0); "default": no stack of its own, serve
 *                    on the kernel's (configured by ip=/ethN.ip=)
 *   echo.ip=A.B.C.D/N, echo.gw=A.B.C.D
 *                    the address of vde0 and the default route; without
 *                    echo.ip, DHCP (both read by ioth_newstack_opt)
 *   echo.port=P      default 5000
 *   echo.stats=N     print a stats line every N seconds, and once whenever
 *                    the open connections drop to zero and stay there for
 *                    half a second (0: never):
 *                    "echo: stats conns_open O conns_total T heap_bytes H
 *                     pkt_in_use P threads N sockets S tcp_pcbs C"
 *                    so a leak check can compare with a baseline.
 *   echo.quiet=1     no per-connection lines (for long soak runs)
 *
 * Lines: "echo: listening on ADDR:PORT (nic NAME as vde0)" once ready;
 * "echo: open FD from ADDR:PORT", "echo: close FD after N bytes".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <skiff.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ioth.h>

SKIFF_OPTION(echo_nic, "echo.nic", "NIC for the echo stack (default eth0), or 'default' for the kernel's stack");
SKIFF_OPTION(echo_ip, "echo.ip", "address of the echo stack's interface, A.B.C.D/N (default: DHCP)");
SKIFF_OPTION(echo_gw, "echo.gw", "default gateway of the echo stack");
SKIFF_OPTION(echo_port, "echo.port", "TCP port (default 5000)");
SKIFF_OPTION(echo_stats, "echo.stats", "print a stats line every N s and when connections drop to 0 (0: never)");
SKIFF_OPTION(echo_quiet, "echo.quiet", "1: no line per connection");

#define ECHO_DHCP_TIMEOUT_MS 60000
#define ECHO_BACKLOG 128

static struct ioth *stack;
static bool quiet;
static long conns_open;		/* atomic */
static long conns_total;	/* atomic */

static void *handle(void *arg)
{
	int fd = (int)(intptr_t)arg;
	char buf[BUFSIZ];
	unsigned long bytes = 0;
	ssize_t n;

	while ((n = ioth_recv(fd, buf, sizeof(buf), 0)) > 0) {
		/* A blocking send queues everything; loop anyway for a partial one. */
		for (ssize_t off = 0; off < n;) {
			ssize_t w = ioth_send(fd, buf + off, (size_t)(n - off), 0);
			if (w <= 0) {
				n = -1;
				break;
			}
			off += w;
		}
		if (n < 0)
			break;
		bytes += (unsigned long)n;
	}
	if (!quiet)
		printf("echo: close %d after %lu bytes%s\n", fd, bytes, n < 0 ? " (error)" : "");
	ioth_close(fd);
	__atomic_sub_fetch(&conns_open, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void print_stats(void)
{
	struct skiff_mem_stats ms;
	struct ioth_stats is;
	skiff_mem_stats(&ms);
	if (ioth_stack_stats(stack, &is) < 0)
		memset(&is, 0, sizeof(is));
	printf("echo: stats conns_open %ld conns_total %ld heap_bytes %lu pkt_in_use %lu threads %lu sockets %lu tcp_pcbs %lu\n",
	       __atomic_load_n(&conns_open, __ATOMIC_ACQUIRE), __atomic_load_n(&conns_total, __ATOMIC_ACQUIRE),
	       (unsigned long)ms.heap_bytes_in_use, is.pkt_in_use, (unsigned long)ms.threads_alive, is.sockets,
	       is.tcp_pcbs);
}

/*
 * Every period, and once per idle spell: when no connection has been open
 * for half a second after some were (their threads have exited by then).
 */
static void *stats_loop(void *arg)
{
	uint64_t period = (uint64_t)(uintptr_t)arg * 1000000000ull;
	uint64_t next = skiff_time_ns() + period, idle_since = 0;
	long printed_total = -1;

	print_stats();
	for (;;) {
		thread_sleep(100000000ull);
		uint64_t now = skiff_time_ns();
		long open = __atomic_load_n(&conns_open, __ATOMIC_ACQUIRE);
		long total = __atomic_load_n(&conns_total, __ATOMIC_ACQUIRE);
		if (open > 0 || total == printed_total)
			idle_since = 0;
		else if (!idle_since)
			idle_since = now;
		if (now >= next || (idle_since && now - idle_since >= 500000000ull)) {
			print_stats();
			printed_total = total;
			idle_since = 0;
			next = now + period;
		}
	}
	return NULL;
}

static void start_thread(void *(*fn)(void *), void *arg)
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, arg) != 0) {
		printf("echo: no thread\n");
		return;
	}
	pthread_detach(t);
}

int main(void)
{
	const char *nic = skiff_opt("echo.nic");
	long port = skiff_opt_long("echo.port", 5000);
	long stats = skiff_opt_long("echo.stats", 0);
	char addr_text[INET_ADDRSTRLEN] = "0.0.0.0";
	char where[48];

	ioth_set_license("SPDX-License-Identifier: MIT");
	quiet = skiff_opt_long("echo.quiet", 0) == 1;
	if (!nic)
		nic = "eth0";
	if (port <= 0 || port > 65535) {
		printf("echo: bad echo.port %ld\n", port);
		return 2;
	}
	if (strcmp(nic, "default") == 0) {
		stack = ioth_get_defstack();
		snprintf(where, sizeof(where), "the kernel's stack");
	} else {
		uint8_t addr[4];
		stack = ioth_newstack_opt("echo", nic, ECHO_DHCP_TIMEOUT_MS, addr);
		if (stack)
			inet_ntop(AF_INET, addr, addr_text, sizeof(addr_text));
		snprintf(where, sizeof(where), "nic %s as vde0", nic);
	}
	if (!stack)
		return 1;

	int fd = ioth_msocket(stack, AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("echo: socket");
		return 1;
	}
	int one = 1;
	ioth_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (ioth_bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || ioth_listen(fd, ECHO_BACKLOG) < 0) {
		perror("echo: bind/listen");
		return 1;
	}
	if (stats > 0)
		start_thread(stats_loop, (void *)(uintptr_t)stats);
	printf("echo: listening on %s:%ld (%s)\n", addr_text, port, where);

	for (;;) {
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int c = ioth_accept(fd, (struct sockaddr *)&peer, &plen);
		if (c < 0) {
			/* Out of descriptors or memory: let connections finish, then accept again. */
			perror("echo: accept");
			thread_sleep(100000000ull);
			continue;
		}
		__atomic_add_fetch(&conns_open, 1, __ATOMIC_RELEASE);
		__atomic_add_fetch(&conns_total, 1, __ATOMIC_RELEASE);
		if (!quiet) {
			char pa[INET_ADDRSTRLEN];
			inet_ntop(AF_INET, &peer.sin_addr, pa, sizeof(pa));
			printf("echo: open %d from %s:%u\n", c, pa, ntohs(peer.sin_port));
		}
		pthread_t t;
		if (pthread_create(&t, NULL, handle, (void *)(intptr_t)c) != 0) {
			printf("echo: no thread for connection %d; closing it\n", c);
			ioth_close(c);
			__atomic_sub_fetch(&conns_open, 1, __ATOMIC_RELEASE);
			continue;
		}
		pthread_detach(t);
	}
}

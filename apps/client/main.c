/*
 * apps/client: libioth's terminal client (its iothtest_client), written for
 * skiff: a stack of its own over one NIC, a TCP connection to a server,
 * and poll() over the serial console (descriptor 0) and the socket: what
 * is typed goes to the server, what comes back is written to the console
 * (descriptor 1) as it is. A typed CR is sent as LF, as a terminal's
 * line discipline would (ICRNL), so Enter ends a line.
 *
 * Options:
 *   client.server=A.B.C.D:PORT  whom to talk to (default 192.168.250.50:5000,
 *                    libioth's example server)
 *   client.nic=NAME  the NIC the stack takes (default eth0; it becomes
 *                    vde0); "default": the kernel's stack (ip= options)
 *   client.ip=A.B.C.D/N, client.gw=A.B.C.D
 *                    vde0's address and default route (default: DHCP;
 *                    both read by ioth_newstack_opt)
 *   client.wait=S    keep trying to connect for S seconds (default 60): the
 *                    server may boot after the client
 *
 * Lines: "client: connected to A:P from B:Q" once connected, then only
 * what the server sends; at the end "client: WHY (sent N, received M
 * bytes)", WHY being "server closed the connection" or the error, and the
 * app exits 0 when the server closed, 1 otherwise.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <skiff.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ioth.h>

SKIFF_OPTION(client_server, "client.server", "server to connect to, A.B.C.D:PORT (default 192.168.250.50:5000)");
SKIFF_OPTION(client_nic, "client.nic", "NIC for the client's stack (default eth0), or 'default' for the kernel's stack");
SKIFF_OPTION(client_ip, "client.ip", "address of the client stack's interface, A.B.C.D/N (default: DHCP)");
SKIFF_OPTION(client_gw, "client.gw", "default gateway of the client's stack");
SKIFF_OPTION(client_wait, "client.wait", "seconds to keep trying to connect (default 60)");

#define CLIENT_DHCP_TIMEOUT_MS 60000

/* "A.B.C.D:PORT" into a sockaddr_in; 0 or -1. */
static int parse_server(const char *s, struct sockaddr_in *sa)
{
	char ip[16];
	const char *colon = strchr(s, ':');
	if (!colon || (size_t)(colon - s) >= sizeof(ip))
		return -1;
	memcpy(ip, s, (size_t)(colon - s));
	ip[colon - s] = '\0';
	char *end;
	long port = strtol(colon + 1, &end, 10);
	if (*end || end == colon + 1 || port <= 0 || port > 65535)
		return -1;
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, ip, &sa->sin_addr) == 1 ? 0 : -1;
}

/* A connected socket, retrying until wait_s seconds have passed; -1 if none. */
static int connect_retry(struct ioth *stack, const struct sockaddr_in *sa, long wait_s)
{
	uint64_t until = skiff_time_ns() + (uint64_t)wait_s * 1000000000ull;
	for (;;) {
		int fd = ioth_msocket(stack, AF_INET, SOCK_STREAM, 0);
		if (fd < 0) {
			perror("client: socket");
			return -1;
		}
		if (ioth_connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0)
			return fd;
		int err = errno;
		ioth_close(fd);
		if (skiff_time_ns() >= until) {
			errno = err;
			perror("client: connect");
			return -1;
		}
		sleep(1);
	}
}

/* Writes all of buf to fd; false on an error. */
static bool write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w <= 0)
			return false;
		buf += w;
		n -= (size_t)w;
	}
	return true;
}

int main(void)
{
	const char *server = skiff_opt("client.server");
	const char *nic = skiff_opt("client.nic");
	struct sockaddr_in sa;
	struct ioth *stack;

	ioth_set_license("SPDX-License-Identifier: MIT");
	if (!server)
		server = "192.168.250.50:5000";
	if (parse_server(server, &sa) < 0) {
		printf("client: bad client.server '%s' (want A.B.C.D:PORT)\n", server);
		return 2;
	}
	if (!nic)
		nic = "eth0";
	stack = strcmp(nic, "default") == 0 ? ioth_get_defstack()
					     : ioth_newstack_opt("client", nic, CLIENT_DHCP_TIMEOUT_MS, NULL);
	if (!stack)
		return 1;
	int fd = connect_retry(stack, &sa, skiff_opt_long("client.wait", 60));
	if (fd < 0)
		return 1;

	struct sockaddr_in me;
	socklen_t mlen = sizeof(me);
	char a1[INET_ADDRSTRLEN], a2[INET_ADDRSTRLEN];
	ioth_getsockname(fd, (struct sockaddr *)&me, &mlen);
	printf("client: connected to %s:%u from %s:%u\n", inet_ntop(AF_INET, &sa.sin_addr, a1, sizeof(a1)),
	       ntohs(sa.sin_port), inet_ntop(AF_INET, &me.sin_addr, a2, sizeof(a2)), ntohs(me.sin_port));

	unsigned long sent = 0, received = 0;
	struct pollfd pfd[2] = { { STDIN_FILENO, POLLIN, 0 }, { fd, POLLIN, 0 } };
	char buf[BUFSIZ];
	const char *why = NULL;
	while (!why) {
		if (poll(pfd, 2, -1) < 0) {
			why = strerror(errno);
			break;
		}
		if (pfd[0].revents & POLLIN) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				why = n < 0 ? strerror(errno) : "end of console input";
				break;
			}
			for (ssize_t i = 0; i < n; i++)
				if (buf[i] == '\r')
					buf[i] = '\n';
			if (!write_all(fd, buf, (size_t)n)) {
				why = strerror(errno);
				break;
			}
			sent += (unsigned long)n;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = ioth_read(fd, buf, sizeof(buf));
			if (n <= 0) {
				why = n < 0 ? strerror(errno) : "server closed the connection";
				break;
			}
			received += (unsigned long)n;
			write_all(STDOUT_FILENO, buf, (size_t)n);
		}
	}
	printf("client: %s (sent %lu, received %lu bytes)\n", why, sent, received);
	int status = strcmp(why, "server closed the connection") == 0 ? 0 : 1;
	ioth_close(fd);
	if (stack != ioth_get_defstack() && ioth_delstack(stack) < 0)
		perror("client: delstack");
	return status;
}

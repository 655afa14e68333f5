/*
 * apps/socktest: seed 001's demo of the xv6 loopback socket API
 * (include/xv6/socket.h) on skiff, over TCP on 127.0.0.1.
 *
 * socktest.mode=demo (default): a server thread listens on socktest.port
 * (default 7000) and echoes what its client sends; the client (main)
 * reads lines from the serial console, sends each one and prints the echo
 * as "socktest: echo: LINE". Typed characters are echoed as they come
 * (the console has no line discipline); CR or LF ends a line, backspace
 * erases, empty lines are skipped; "quit" (or the end of input) ends the
 * demo, and the app exits 0 if every line came back.
 *
 * socktest.mode=check: every error class of the API once, and more
 * (check.c); one line per check with the code it got and PASS or FAIL, a
 * summary line, exit status 0 only if all passed.
 */
#include <skiff.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <xv6/socket.h>

#include "socktest.h"

SKIFF_OPTION(mode, "socktest.mode", "demo (default: echo console lines over 127.0.0.1) or check");
SKIFF_OPTION(port, "socktest.port", "the server's port (default 7000; check mode uses the next 200 too)");

#define LINE_MAX	256

void sleep_ms(unsigned ms)
{
	thread_sleep((uint64_t)ms * 1000000u);
}

uint64_t now_ms(void)
{
	return skiff_time_ns() / 1000000u;
}

int recv_all(int port, char *buf, int len)
{
	int got = 0, n;

	while (got < len) {
		n = recv(port, buf + got, len - got);
		if (n < 0)
			return n;
		got += n;
	}
	return got;
}

int connect_wait(int port, const char *host, unsigned wait_ms)
{
	uint64_t end = now_ms() + wait_ms;
	int lp;

	/* The server's listen() opens the port: a client that comes first
	 * is refused (E_NOTFOUND), as in the seed, and tries again. */
	while ((lp = connect(port, host)) == E_NOTFOUND && now_ms() < end)
		sleep_ms(10);
	return lp;
}

static int echo_main(void *arg)
{
	struct echo_srv *e = arg;
	char buf[512];
	int n, r;

	e->listen_rc = listen(e->port);
	if (e->listen_rc)
		return 0;
	for (;;) {
		n = recv(e->port, buf, sizeof(buf));
		if (n < 0) {
			e->end_rc = n;
			break;
		}
		r = send(e->port, buf, n);
		if (r) {
			e->end_rc = r;
			break;
		}
		e->bytes += (uint64_t)n;
	}
	disconnect(e->port);
	return 0;
}

int echo_start(struct echo_srv *e, int port, unsigned cpu)
{
	memset(e, 0, sizeof(*e));
	e->port = port;
	e->th = thread_create(echo_main, e, cpu % skiff_cpu_count());
	return e->th ? 0 : -1;
}

void echo_join(struct echo_srv *e)
{
	if (e->th)
		thread_join(e->th, NULL);
	e->th = NULL;
}

/*
 * One line from the console into line (NUL-terminated, CR/LF dropped):
 * its length, -1 at the end of input, -2 when the console cannot be read.
 * Typed characters are shown as they arrive; backspace (BS or DEL) takes
 * back the last one.
 */
static int read_line(char *line, int size)
{
	static bool after_cr;
	int len = 0;
	long n;
	char c;

	for (;;) {
		n = read(STDIN_FILENO, &c, 1);
		if (n < 0) {
			printf("socktest: reading the console: %s\n", strerror(errno));
			return -2;
		}
		if (n == 0) {
			line[len] = '\0';
			return len ? len : -1;
		}
		/* CR LF is one line end, not a line end and an empty line. */
		if (c == '\n' && after_cr) {
			after_cr = false;
			continue;
		}
		after_cr = c == '\r';
		if (c == '\r' || c == '\n') {
			printf("\n");
			line[len] = '\0';
			return len;
		}
		if (c == '\b' || c == 0x7f) {
			if (len > 0) {
				len--;
				printf("\b \b");
			}
			continue;
		}
		if (c < ' ' || len == size - 1)
			continue;	/* control characters; a full line */
		line[len++] = c;
		printf("%c", c);
	}
}

static int demo(int port)
{
	struct echo_srv srv;
	char line[LINE_MAX], echo[LINE_MAX];
	int lp, n, r = 0, lines = 0;

	if (echo_start(&srv, port, 1)) {
		printf("socktest: no thread for the server\n");
		return 1;
	}
	printf("socktest: server thread echoes on 127.0.0.1:%d\n", port);
	lp = connect_wait(port, "localhost", 10000);
	if (lp < 0) {
		printf("socktest: connect: %d %s: %s\n", lp, xv6_errname(lp), xv6_strerror(lp));
		return 1;
	}
	printf("socktest: client connected from local port %d; type lines, \"quit\" ends\n", lp);
	while ((n = read_line(line, sizeof(line))) != -1) {
		if (n == -2) {
			r = E_FAIL;
			break;
		}
		if (n == 0)
			continue;
		if (strcmp(line, "quit") == 0)
			break;
		r = send(lp, line, n);
		if (r == 0)
			r = recv_all(lp, echo, n);
		if (r < 0) {
			printf("socktest: %d %s: %s\n", r, xv6_errname(r), xv6_strerror(r));
			break;
		}
		printf("socktest: echo: %.*s\n", n, echo);
		lines++;
	}
	disconnect(lp);
	echo_join(&srv);
	printf("socktest: %d lines echoed, %llu bytes; server ended with %d %s\n", lines,
	       (unsigned long long)srv.bytes, srv.end_rc, xv6_errname(srv.end_rc));
	return r < 0 ? 1 : 0;
}

int main(void)
{
	const char *mode = skiff_opt("socktest.mode");
	long port = skiff_opt_long("socktest.port", 7000);

	if (port < 1 || port > 65535 - 200) {
		printf("socktest: socktest.port=%ld is out of range\n", port);
		return 2;
	}
	if (!mode || strcmp(mode, "demo") == 0)
		return demo((int)port);
	if (strcmp(mode, "check") == 0)
		return check_run((int)port);
	printf("socktest: unknown socktest.mode '%s' (demo or check)\n", mode);
	return 2;
}

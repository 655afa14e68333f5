/*
 * tools/msgtool.c: a SchemeStation domain on Linux (the library is msg/,
 * the format include/skiff/msg.h), to talk to skiff guests running
 * apps/msgrouter: it connects to a router (and to direct peers), sends
 * the packets it reads, and prints the packets that come for it.
 *
 *   msgtool --addr ADDR [--router A.B.C.D[:PORT]] [--peer ADDR@A.B.C.D[:PORT]]...
 *           [--listen PORT] [--input FILE] [--wait MS] [--expect N] [--quiet]
 *
 * Input (FILE, or stdin when FILE is "-" or absent): one packet per line,
 * "DEST TEXT": TEXT (the rest of the line, without its newline) goes to
 * the domain DEST (hex). Blank lines and lines starting with '#' are
 * skipped. Each packet that arrives is printed on stdout as
 * "packet N bytes: TEXT" (octets outside printable ASCII as \xNN).
 * Connections going up and down are told on stderr.
 *
 * After the input ends msgtool keeps listening for --wait MS (default
 * 2000), or until --expect N packets have arrived, then sends what it
 * still queues, says goodbye (the close command) and exits: 0; 1 when
 * fewer than --expect packets came, an input line was bad (told on
 * stderr, the line skipped) or packets could not leave (no connection
 * within 2 s after the wait); 2 for a bad option (one line on stderr
 * saying which).
 *
 * The same library code as in the guest does the work: this file is the
 * transport (non-blocking sockets in one poll() loop) and the options.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "include/skiff/msg.h"

#define TOOL_CONNS	64
#define TOOL_PEERS	16
#define TOOL_LINE	(MSG_MAX_DATA + 64)

struct hconn {
	int fd;
	bool used, connecting, want_out, closed;
	struct msg_conn *mc;
};

static struct {
	struct msg_node *node;
	struct hconn conns[TOOL_CONNS];
	int lfd;			/* --listen, or -1 */
	int in_fd;			/* -1 once the input ended */
	bool blocked;			/* a line met a full queue: wait for ready */
	bool skipping;			/* in a line too long to be a packet */
	char in[2 * TOOL_LINE];		/* input read, lines not yet sent */
	size_t in_off, in_len;
	unsigned long lineno;
	bool quiet;
	unsigned long received, bad_lines;
	uint64_t sent_ok;
} T;

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static const char *ip_text(uint32_t ip, char *buf, size_t n)
{
	snprintf(buf, n, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
	return buf;
}

static struct hconn *hconn_new(int fd)
{
	int i;

	for (i = 0; i < TOOL_CONNS; i++) {
		if (!T.conns[i].used) {
			memset(&T.conns[i], 0, sizeof(T.conns[i]));
			T.conns[i].used = true;
			T.conns[i].fd = fd;
			return &T.conns[i];
		}
	}
	return NULL;
}

/* ---- the library's transport ---- */

static void *io_connect(void *ctx, uint32_t ip, uint16_t port, struct msg_conn *c)
{
	struct sockaddr_in sa;
	struct hconn *h;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	(void)ctx;
	if (fd < 0)
		return NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(ip);
	if ((connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 && errno != EINPROGRESS) ||
	    !(h = hconn_new(fd))) {
		close(fd);
		return NULL;
	}
	h->connecting = true;
	h->mc = c;
	return h;
}

static long io_write(void *ctx, void *handle, const uint8_t *p, size_t len)
{
	struct hconn *h = handle;
	ssize_t n = send(h->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT);

	(void)ctx;
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
		h->want_out = true;
		return 0;
	}
	return -errno;
}

/* The socket is closed at the end of the loop's pass: h may be in use up
 * the stack. close() sends what the kernel holds, then FIN. */
static void io_close(void *ctx, void *handle, bool drain)
{
	struct hconn *h = handle;

	(void)ctx;
	(void)drain;
	h->closed = true;
	h->mc = NULL;
}

static void io_deliver(void *ctx, const struct msg_addr *dst, const uint8_t *data, size_t len)
{
	size_t i;

	(void)ctx;
	(void)dst;
	T.received++;
	printf("packet %zu bytes: ", len);
	for (i = 0; i < len; i++) {
		if (data[i] >= 32 && data[i] < 127 && data[i] != '\\')
			putchar(data[i]);
		else
			printf("\\x%02x", data[i]);
	}
	putchar('\n');
	fflush(stdout);
}

static void io_event(void *ctx, const struct msg_event *ev)
{
	static const char *const kinds[] = { "in", "router", "peer" };
	char a[MSG_ADDR_TEXT], ip[16];

	(void)ctx;
	if (T.quiet || (ev->type != MSG_EV_UP && ev->type != MSG_EV_DOWN))
		return;
	fprintf(stderr, "msgtool: #%llu %s:%u %s: %s %s%s%s\n",
		(unsigned long long)ev->conn_id, ip_text(ev->ip, ip, sizeof(ip)), ev->port,
		ev->type == MSG_EV_UP ? "up" : "down", kinds[ev->kind],
		ev->peer_known ? msg_addr_format(&ev->peer, a) : "?",
		ev->type == MSG_EV_DOWN ? ": " : "",
		ev->type == MSG_EV_DOWN ? msg_err_name(ev->err) : "");
}

static void io_ready(void *ctx)
{
	(void)ctx;
	T.blocked = false;
}

/* ---- input ---- */

/* Sends the line p[0..n). False when the queue is full (try again later). */
static bool send_line(char *p, size_t n)
{
	char *sp = memchr(p, ' ', n);
	struct msg_addr dst;
	int rc;

	if (n == 0 || p[0] == '#')
		return true;
	if (!sp || msg_addr_parse(p, (size_t)(sp - p), &dst) || sp + 1 == p + n) {
		fprintf(stderr, "msgtool: input line %lu: want \"DEST TEXT\" with DEST in hex\n",
			T.lineno + 1);
		T.bad_lines++;
		return true;
	}
	rc = msg_node_send(T.node, &dst, sp + 1, (size_t)(p + n - sp - 1));
	if (rc == -ENOBUFS) {
		T.blocked = true;
		return false;
	}
	if (rc) {
		fprintf(stderr, "msgtool: input line %lu: not sent: %s\n", T.lineno + 1,
			msg_err_name(rc));
		T.bad_lines++;
		return true;
	}
	T.sent_ok++;
	return true;
}

/* Sends the whole lines held, in order, until one meets a full queue. */
static void send_lines(void)
{
	while (!T.blocked && T.in_off < T.in_len) {
		char *p = T.in + T.in_off;
		size_t left = T.in_len - T.in_off;
		char *nl = memchr(p, '\n', left);
		size_t n;

		if (!nl && T.in_fd >= 0)
			break;		/* the rest of the line is still to come */
		n = nl ? (size_t)(nl - p) : left;
		if (T.skipping) {
			T.skipping = false;
		} else if (!send_line(p, n)) {
			return;
		}
		T.lineno++;
		T.in_off += n + (nl ? 1 : 0);
	}
	if (T.in_off == T.in_len)
		T.in_off = T.in_len = 0;
}

/* The input is readable: take what fits, then send the lines. */
static void read_input(void)
{
	ssize_t n;

	if (T.in_off) {
		memmove(T.in, T.in + T.in_off, T.in_len - T.in_off);
		T.in_len -= T.in_off;
		T.in_off = 0;
	}
	if (T.in_len == sizeof(T.in)) {
		/* No newline in two packets' worth of text. */
		fprintf(stderr, "msgtool: input line %lu: longer than a packet (%d bytes)\n",
			T.lineno + 1, MSG_MAX_DATA);
		T.bad_lines++;
		T.in_len = 0;
		T.skipping = true;
	}
	n = read(T.in_fd, T.in + T.in_len, sizeof(T.in) - T.in_len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		if (T.in_fd != STDIN_FILENO)
			close(T.in_fd);
		T.in_fd = -1;	/* a last line without a newline is sent whole */
	} else {
		T.in_len += (size_t)n;
	}
	send_lines();
}

/* ---- the loop ---- */

static void accept_one(void)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct hconn *h;
	int fd = accept4(T.lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK);

	if (fd < 0)
		return;
	h = hconn_new(fd);
	if (!h) {
		close(fd);
		return;
	}
	h->mc = msg_node_accepted(T.node, h, ntohl(sa.sin_addr.s_addr), ntohs(sa.sin_port));
	if (!h->mc)
		h->closed = true;
}

static void conn_event(struct hconn *h, short re)
{
	static uint8_t buf[65536];
	ssize_t n;

	if (h->closed || !h->mc)
		return;
	if (h->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (!(re & (POLLOUT | POLLERR | POLLHUP)))
			return;
		h->connecting = false;
		getsockopt(h->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err || (re & (POLLERR | POLLHUP))) {
			struct msg_conn *mc = h->mc;

			h->closed = true;
			h->mc = NULL;
			msg_conn_gone(mc, err ? -err : -ECONNREFUSED);
			return;
		}
		msg_conn_connected(h->mc);
		return;
	}
	if (re & (POLLIN | POLLERR | POLLHUP)) {
		n = recv(h->fd, buf, sizeof(buf), 0);
		if (n > 0) {
			msg_conn_input(h->mc, buf, (size_t)n);
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			struct msg_conn *mc = h->mc;

			h->closed = true;
			h->mc = NULL;
			msg_conn_gone(mc, n == 0 ? 0 : -errno);
			return;
		}
	}
	if (!h->closed && h->mc && (re & POLLOUT) && h->want_out) {
		h->want_out = false;
		msg_conn_writable(h->mc);
	}
}

static void reap(void)
{
	int i;

	for (i = 0; i < TOOL_CONNS; i++) {
		if (T.conns[i].used && T.conns[i].closed) {
			close(T.conns[i].fd);
			T.conns[i].used = false;
		}
	}
}

/* One poll() over the listener, the input and every connection. */
static void run_once(int timeout_ms)
{
	struct pollfd pfd[TOOL_CONNS + 2];
	struct hconn *owner[TOOL_CONNS + 2];
	int i, k = 0, n;

	if (T.lfd >= 0) {
		pfd[k] = (struct pollfd){ .fd = T.lfd, .events = POLLIN };
		owner[k++] = NULL;
	}
	if (T.in_fd >= 0 && !T.blocked) {
		pfd[k] = (struct pollfd){ .fd = T.in_fd, .events = POLLIN };
		owner[k++] = NULL;
	}
	for (i = 0; i < TOOL_CONNS; i++) {
		struct hconn *h = &T.conns[i];

		if (!h->used || h->closed)
			continue;
		pfd[k] = (struct pollfd){ .fd = h->fd,
			.events = h->connecting ? POLLOUT : (short)(POLLIN | (h->want_out ? POLLOUT : 0)) };
		owner[k++] = h;
	}
	n = poll(pfd, (nfds_t)k, timeout_ms);
	if (n <= 0)
		return;
	for (i = 0; i < k; i++) {
		if (!pfd[i].revents)
			continue;
		if (owner[i])
			conn_event(owner[i], pfd[i].revents);
		else if (pfd[i].fd == T.lfd)
			accept_one();
		else if (T.in_fd >= 0)
			read_input();
	}
	if (!T.blocked)
		send_lines();
	reap();
}

/* ---- options ---- */

static void usage_error(const char *fmt, const char *what)
{
	fprintf(stderr, "msgtool: ");
	fprintf(stderr, fmt, what);
	fprintf(stderr, " (msgtool --addr ADDR [--router A.B.C.D[:PORT]] [--peer ADDR@A.B.C.D[:PORT]]... "
		"[--listen PORT] [--input FILE] [--wait MS] [--expect N] [--quiet])\n");
	exit(2);
}

static unsigned long number(const char *opt, const char *s, unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || !*s || *end || v > max || s[0] == '-') {
		char what[128];

		snprintf(what, sizeof(what), "%s '%s' (want a number up to %lu)", opt, s, max);
		usage_error("bad %s", what);
	}
	return v;
}

struct opts {
	struct msg_config cfg;
	struct msg_peer peers[TOOL_PEERS];
	const char *input;
	unsigned long wait_ms, expect, listen_port;
};

static void parse_options(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "router", required_argument, NULL, 'r' },
		{ "peer", required_argument, NULL, 'p' },
		{ "listen", required_argument, NULL, 'l' },
		{ "input", required_argument, NULL, 'i' },
		{ "wait", required_argument, NULL, 'w' },
		{ "expect", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	struct msg_config *cfg = &o->cfg;
	bool have_addr = false;
	int c;

	cfg->role = MSG_DOMAIN;
	cfg->peers = o->peers;
	o->input = "-";
	o->wait_ms = 2000;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (msg_addr_parse(optarg, strlen(optarg), &cfg->addr))
				usage_error("bad --addr '%s' (want 1 to 32 hex digits)", optarg);
			have_addr = true;
			break;
		case 'r':
			if (msg_ipv4_parse(optarg, strlen(optarg), &cfg->router_ip, &cfg->router_port))
				usage_error("bad --router '%s' (want A.B.C.D[:PORT])", optarg);
			break;
		case 'p':
			if (cfg->npeers == TOOL_PEERS)
				usage_error("more than 16 --peer options%s", "");
			if (msg_peer_parse(optarg, strlen(optarg), &o->peers[cfg->npeers]))
				usage_error("bad --peer '%s' (want ADDR@A.B.C.D[:PORT])", optarg);
			cfg->npeers++;
			break;
		case 'l':
			o->listen_port = number("--listen", optarg, 65535);
			break;
		case 'i':
			o->input = optarg;
			break;
		case 'w':
			o->wait_ms = number("--wait", optarg, 86400000ul);
			break;
		case 'e':
			o->expect = number("--expect", optarg, 1ul << 30);
			break;
		case 'q':
			T.quiet = true;
			break;
		default:
			usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (!have_addr)
		usage_error("--addr is required%s", "");
	if (!cfg->router_ip && !cfg->npeers && !o->listen_port)
		usage_error("nothing to talk to: give --router, --peer or --listen%s", "");
}

/* --listen: other domains may open direct connections to us. */
static int open_listener(unsigned long port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 16)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Until the input is sent and --wait passed (or --expect packets came). */
static void run(const struct opts *o)
{
	uint64_t deadline = UINT64_MAX, next_tick = now_ms();

	for (;;) {
		uint64_t now = now_ms(), due;

		if (now >= next_tick)
			next_tick = now + msg_node_tick(T.node, now);
		if (T.in_fd < 0 && !T.blocked && T.in_len == 0 && deadline == UINT64_MAX)
			deadline = now + o->wait_ms;
		if (now >= deadline || (o->expect && T.received >= o->expect && T.in_fd < 0 &&
					msg_node_queued(T.node) == 0))
			return;
		due = next_tick < deadline ? next_tick : deadline;
		run_once(due > now ? (int)(due - now) : 0);
	}
}

int main(int argc, char **argv)
{
	static struct opts o;
	struct msg_io io = {
		.connect = io_connect, .write = io_write, .close = io_close,
		.alloc = calloc, .free = free, .deliver = io_deliver,
		.event = io_event, .ready = io_ready,
	};
	uint64_t deadline;
	size_t unsent;
	int rc;

	parse_options(argc, argv, &o);
	T.lfd = -1;
	T.in_fd = strcmp(o.input, "-") == 0 ? STDIN_FILENO : open(o.input, O_RDONLY);
	if (T.in_fd < 0) {
		fprintf(stderr, "msgtool: cannot open %s: %s\n", o.input, strerror(errno));
		return 2;
	}
	if (o.listen_port && (T.lfd = open_listener(o.listen_port)) < 0) {
		fprintf(stderr, "msgtool: cannot listen on port %lu: %s\n", o.listen_port,
			strerror(errno));
		return 1;
	}
	rc = msg_node_new(&o.cfg, &io, now_ms(), &T.node);
	if (rc) {
		fprintf(stderr, "msgtool: %s\n", msg_err_name(rc));
		return 1;
	}
	run(&o);
	/* What is queued goes out (bounded), then the close commands. */
	deadline = now_ms() + 2000;
	while (msg_node_queued(T.node) && now_ms() < deadline)
		run_once(50);
	unsent = msg_node_queued(T.node);
	msg_node_free(T.node);
	reap();
	if (unsent)
		fprintf(stderr, "msgtool: %zu bytes could not be sent\n", unsent);
	if (o.expect && T.received < o.expect)
		fprintf(stderr, "msgtool: %lu packets arrived, %lu expected\n", T.received, o.expect);
	return unsent || T.bad_lines || (o.expect && T.received < o.expect) ? 1 : 0;
}

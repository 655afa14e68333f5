/*
 * tests/unit/httpd/httpd_server_test.c: apps/httpd's service (httpd.c) on
 * the host, over Linux's TCP on 127.0.0.1: the kernel's callback services
 * (sock/svc*.c built with SVC_HOST, as tests/unit/svc does) run httpd's
 * handlers unchanged; this file stands in for main.c (the options, the
 * listening socket, the template fields, /stats) and for the generated
 * file table (a small file, a template and a 1 MiB + 123 byte file).
 *
 * Each test starts the server with its options, talks to it with blocking
 * sockets (10 s receive timeouts) and stops it; the teardown checks that
 * no connection is left counted open. ASan's leak check at exit covers
 * the memory of connections and services.
 */
#define _GNU_SOURCE	/* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "apps/httpd/http_parse.h"
#include "apps/httpd/httpd.h"
#include "apps/httpd/www.h"

/* ---- what main.c and the generated table provide ---- */

struct httpd httpd;

#define BIG_SIZE	(1048576 + 123)
#define FIXED_MTIME	784111777u	/* Sun, 06 Nov 1994 08:49:37 GMT */

static uint8_t big_data[BIG_SIZE + 1];
static const char small_data[] = "hello web\n";
static const char tmpl_data[] = "<p>{{app}} on cpu {{cpu}}, {{nope}} {{ x</p>\n";

const struct www_file www_files[] = {
	{"/small.txt", "text/plain; charset=utf-8", (const uint8_t *)small_data, sizeof(small_data) - 1,
	 "\"5ma11\"", FIXED_MTIME, false, NULL},
	{"/index.html", "text/html; charset=utf-8", (const uint8_t *)tmpl_data, sizeof(tmpl_data) - 1,
	 "\"t\"", FIXED_MTIME, true, NULL},
	{"/big.bin", "application/octet-stream", big_data, BIG_SIZE, "\"b19\"", FIXED_MTIME, false, NULL},
	{"/gen.bin", "application/octet-stream", NULL, 1048576, "\"9e1\"", FIXED_MTIME, false, www_gen_1m},
	{"/gen17.bin", "application/octet-stream", NULL, 17, "\"9e2\"", FIXED_MTIME, false, www_gen_1m},
};
const unsigned www_count = 5;

uint64_t skiff_wall_time(void)
{
	return (uint64_t)time(NULL);
}

unsigned cpu_id(void)
{
	return 7;
}

int httpd_tmpl_field(struct httpd_svc *hs, const char *name, size_t len, char *out, size_t cap)
{
	(void)hs;
	if (len == 3 && !memcmp(name, "app", 3))
		return snprintf(out, cap, "httpd");
	if (len == 3 && !memcmp(name, "cpu", 3))
		return snprintf(out, cap, "%u", cpu_id());
	return -1;
}

int httpd_prof_text(char *buf, size_t cap)
{
	return snprintf(buf, cap, "prof stub\n");
}

int httpd_stats_json(struct httpd_svc *hs, char *buf, size_t cap)
{
	(void)hs;
	return snprintf(buf, cap, "{\"requests\": %llu}\n",
			(unsigned long long)__atomic_load_n(&httpd.ctr.requests, __ATOMIC_RELAXED));
}

/* ---- the server ---- */

static struct httpd_svc svcs[2];
static int port;
static int listen_sndbuf;	/* a test's SO_SNDBUF for the listener (accepted sockets inherit it) */
static int client_rcvbuf;	/* a test's SO_RCVBUF for its next connections */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The defaults of main.c; a test changes httpd.cfg before start(). */
static int setup(void **state)
{
	(void)state;
	memset(&httpd, 0, sizeof(httpd));
	listen_sndbuf = 0;
	client_rcvbuf = 0;
	httpd.cfg.max_conns = 64;
	httpd.cfg.max_requests = 1000;
	httpd.cfg.idle_ms = 5000;
	httpd.cfg.request_ms = 5000;
	httpd.cfg.out_max = 65536;
	httpd.cfg.log = false;
	return 0;
}

static void start_n(unsigned n)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
	unsigned i;

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (listen_sndbuf)
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &listen_sndbuf, sizeof(listen_sndbuf));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 128), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
	port = ntohs(sa.sin_port);
	httpd.listen_fd = fd;
	for (i = 0; i < n; i++) {
		struct svc_config sc = {
			.name = "httpd",
			.handlers = httpd_handlers,
			.data = &svcs[i],
			.cpu = i,
			.max_conns = httpd.cfg.max_conns + HTTPD_REFUSE_SLACK,
			.out_max = httpd.cfg.out_max,
			.in_max = HTTPD_IN_MAX,
		};

		memset(&svcs[i], 0, sizeof(svcs[i]));
		svcs[i].h = &httpd;
		svcs[i].cpu = i;
		svcs[i].buf = malloc(HTTPD_BUF);
		assert_non_null(svcs[i].buf);
		svcs[i].heads = calloc(HTTPD_HEADS, sizeof(*svcs[i].heads));
		assert_non_null(svcs[i].heads);
		assert_int_equal(svc_register(&sc, &httpd.svc[i]), 0);
		httpd.nsvc++;
	}
}

static void start(void)
{
	start_n(1);
}

static int client(void)
{
	struct sockaddr_in sa;
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	if (client_rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &client_rcvbuf, sizeof(client_rcvbuf));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Stops every service (a connection wakes them), joins, checks the books. */
static int teardown(void **state)
{
	unsigned i;
	int fd;

	(void)state;
	for (i = 0; i < httpd.nsvc; i++)
		svc_stop(httpd.svc[i]);
	fd = httpd.nsvc ? client() : -1;
	for (i = 0; i < httpd.nsvc; i++) {
		assert_int_equal(svc_join(httpd.svc[i]), 0);
		free(svcs[i].buf);
		free(svcs[i].heads);
	}
	if (fd >= 0)
		close(fd);
	if (httpd.nsvc)
		close(httpd.listen_fd);
	assert_int_equal(httpd.ctr.conns_open, 0);
	return 0;
}

/* ---- a small HTTP client ---- */

struct conn {
	int fd;
	uint8_t *buf;		/* bytes read and not yet taken */
	size_t len, cap;
};

struct resp {
	int status;
	char head[4096];	/* the head, NUL-terminated */
	uint8_t *body;
	size_t body_len;
};

static void conn_open(struct conn *c)
{
	c->fd = client();
	c->cap = 4 << 20;
	c->buf = malloc(c->cap);
	c->len = 0;
	assert_non_null(c->buf);
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	free(c->buf);
}

static void send_str(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		assert_true(n > 0);
		s += n;
		len -= (size_t)n;
	}
}

static void send_s(struct conn *c, const char *s)
{
	send_str(c->fd, s, strlen(s));
}

/* Reads more; false at EOF or timeout. */
static bool fill(struct conn *c)
{
	ssize_t n;

	assert_true(c->len < c->cap);
	n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
	if (n <= 0)
		return false;
	c->len += (size_t)n;
	return true;
}

static void take(struct conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->len - n);
	c->len -= n;
}

/* A header's value in r (case-insensitive name), or NULL. */
static const char *hdr(const struct resp *r, const char *name, char *out, size_t cap)
{
	const char *p = r->head;
	size_t n = strlen(name);

	while ((p = strstr(p, "\r\n")) != NULL) {
		p += 2;
		if (!strncasecmp(p, name, n) && p[n] == ':') {
			const char *v = p + n + 1, *e;

			while (*v == ' ')
				v++;
			e = strstr(v, "\r\n");
			snprintf(out, cap, "%.*s", (int)(e - v), v);
			return out;
		}
	}
	return NULL;
}

/* Reads one response; its body by Content-Length unless no_body (HEAD).
 * False when the connection ended first. */
static bool read_resp(struct conn *c, struct resp *r, bool no_body)
{
	uint8_t *end;
	size_t head_len;
	char v[64];

	memset(r, 0, sizeof(*r));
	while (!(end = memmem(c->buf, c->len, "\r\n\r\n", 4)))
		if (!fill(c))
			return false;
	head_len = (size_t)(end - c->buf) + 4;
	assert_true(head_len < sizeof(r->head));
	memcpy(r->head, c->buf, head_len);
	r->head[head_len] = 0;
	take(c, head_len);
	assert_int_equal(sscanf(r->head, "HTTP/1.1 %d ", &r->status), 1);
	if (!no_body && r->status != 304 && hdr(r, "Content-Length", v, sizeof(v))) {
		size_t want = strtoull(v, NULL, 10);

		while (c->len < want)
			if (!fill(c))
				return false;
		r->body = malloc(want + 1);
		assert_non_null(r->body);
		memcpy(r->body, c->buf, want);
		r->body[want] = 0;
		r->body_len = want;
		take(c, want);
	}
	return true;
}

static void resp_free(struct resp *r)
{
	free(r->body);
	r->body = NULL;
}

/* True when the server closed: EOF with no more bytes, within 10 s. */
static bool sees_eof(struct conn *c)
{
	return c->len == 0 && !fill(c);
}

/* One request on a new connection: the response; closes. */
static void one(const char *req, struct resp *r, bool *closed)
{
	struct conn c;

	conn_open(&c);
	send_s(&c, req);
	assert_true(read_resp(&c, r, !strncmp(req, "HEAD", 4)));
	if (closed)
		*closed = sees_eof(&c);
	conn_close(&c);
}

static bool has(const struct resp *r, const char *name, const char *want)
{
	char v[256];

	return hdr(r, name, v, sizeof(v)) && !strcmp(v, want);
}

static uint64_t status_count(int status)
{
	return __atomic_load_n(&httpd.ctr.status[httpd_status_idx(status)], __ATOMIC_RELAXED);
}

/* ---- GET, HEAD, validators ---- */

/* RFC 9110 6.6.1, 8.3, 8.6, 8.8: a static file with its metadata. */
static void test_get_static_200_headers_and_body(void **state)
{
	struct resp r;
	char v[64], d[HTTP_DATE_LEN + 1];
	bool closed;
	uint64_t t;

	(void)state;
	start();
	one("GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n", &r, NULL);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 10);
	assert_memory_equal(r.body, "hello web\n", 10);
	assert_true(has(&r, "Content-Type", "text/plain; charset=utf-8"));
	assert_true(has(&r, "Content-Length", "10"));
	assert_true(has(&r, "ETag", "\"5ma11\""));
	http_date_format(FIXED_MTIME, d);
	assert_true(has(&r, "Last-Modified", d));
	assert_non_null(hdr(&r, "Date", v, sizeof(v)));
	assert_int_equal(http_date_parse(v, strlen(v), (uint64_t)time(NULL), &t), 0);
	assert_true(t + 5 >= (uint64_t)time(NULL));
	assert_null(hdr(&r, "Connection", v, sizeof(v)));	/* 1.1 persists by default */
	resp_free(&r);
	/* "/" is the template, made per request: no validators. */
	one("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &r, &closed);
	assert_int_equal(r.status, 200);
	assert_string_equal((char *)r.body, "<p>httpd on cpu 7, {{nope}} {{ x</p>\n");
	assert_true(has(&r, "Cache-Control", "no-cache"));
	assert_true(has(&r, "Connection", "close"));
	assert_null(hdr(&r, "ETag", v, sizeof(v)));
	assert_true(closed);
	resp_free(&r);
	assert_int_equal(status_count(200), 2);
}

/* RFC 9110 9.3.2: HEAD gets GET's header fields and no content. */
static void test_head_same_fields_no_body_then_get_on_same_connection(void **state)
{
	struct conn c;
	struct resp h, g;

	(void)state;
	start();
	conn_open(&c);
	send_s(&c, "HEAD /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_true(read_resp(&c, &h, true));
	assert_int_equal(h.status, 200);
	assert_true(has(&h, "Content-Length", "1048699"));
	/* Nothing after the head: the next response starts right there. */
	send_s(&c, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_true(read_resp(&c, &g, false));
	assert_int_equal(g.status, 200);
	assert_memory_equal(g.body, "hello web\n", 10);
	resp_free(&g);
	conn_close(&c);
}

/* RFC 9110 13.1.2, 13.1.3, 13.2.2, 15.4.5. */
static void test_conditional_get_304(void **state)
{
	struct resp r;
	char v[64];

	(void)state;
	start();
	one("GET /small.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: W/\"x\", \"5ma11\"\r\n\r\n", &r, NULL);
	assert_int_equal(r.status, 304);
	assert_true(has(&r, "ETag", "\"5ma11\""));
	assert_null(hdr(&r, "Content-Length", v, sizeof(v)));
	one("GET /small.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"other\"\r\n\r\n", &r, NULL);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	one("GET /small.txt HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
	    &r, NULL);
	assert_int_equal(r.status, 304);
	one("GET /small.txt HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n\r\n",
	    &r, NULL);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* If-None-Match wins over If-Modified-Since. */
	one("GET /small.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"other\"\r\n"
	    "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", &r, NULL);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* An invalid date is ignored. */
	one("GET /small.txt HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: yesterday\r\n\r\n", &r, NULL);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	/* HEAD too. */
	one("HEAD /small.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: *\r\n\r\n", &r, NULL);
	assert_int_equal(r.status, 304);
	assert_int_equal(status_count(304), 3);
}

static void test_stats_json(void **state)
{
	struct resp r;

	(void)state;
	start();
	one("GET /stats HTTP/1.1\r\nHost: a\r\n\r\n", &r, NULL);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "Content-Type", "application/json"));
	assert_true(has(&r, "Cache-Control", "no-cache"));
	assert_string_equal((char *)r.body, "{\"requests\": 0}\n");
	resp_free(&r);
}

/* ---- persistence and order ---- */

/* RFC 9112 9.3.2: pipelined requests, sent in one segment, are answered
 * in order, a 1 MiB body in the middle included. */
static void test_pipelined_requests_answered_in_order(void **state)
{
	struct conn c;
	struct resp r;

	(void)state;
	start();
	conn_open(&c);
	send_s(&c, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n"
		   "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n"
		   "GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n"
		   "HEAD /small.txt HTTP/1.1\r\nHost: a\r\n\r\n"
		   "GET /small.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
		   "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 10);
	resp_free(&r);
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.status, 404);
	assert_string_equal((char *)r.body, "404 Not Found\n");
	resp_free(&r);
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, BIG_SIZE);
	assert_memory_equal(r.body, big_data, BIG_SIZE);
	resp_free(&r);
	assert_true(read_resp(&c, &r, true));
	assert_int_equal(r.status, 200);
	assert_true(read_resp(&c, &r, false));
	assert_true(has(&r, "Connection", "close"));
	resp_free(&r);
	/* RFC 9112 9.6: nothing after the response that said close. */
	assert_true(sees_eof(&c));
	conn_close(&c);
}

/* /1m.bin's definition (apps/httpd/httpd.mk), byte by byte: n bytes. */
static uint8_t *gen_1m_expected(size_t n)
{
	uint8_t *b = malloc(n + 16);
	size_t k;

	assert_non_null(b);
	for (k = 0; k * 16 < n; k++)
		snprintf((char *)b + k * 16, 17, "%015x\n", (unsigned)(k * 16));
	return b;
}

/* A generated file (www_file.gen, no bytes in the image) is served with
 * the bytes its definition gives: streamed in chunks (1 MiB) and inside
 * one response (17 bytes, a record and one byte of the next). */
static void test_generated_file_served_byte_exact(void **state)
{
	struct conn c;
	struct resp r;
	uint8_t *want = gen_1m_expected(1048576);

	(void)state;
	start();
	conn_open(&c);
	send_s(&c, "GET /gen.bin HTTP/1.1\r\nHost: a\r\n\r\n"
		   "GET /gen17.bin HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 1048576);
	assert_memory_equal(r.body, want, 1048576);
	resp_free(&r);
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 17);
	assert_memory_equal(r.body, want, 17);
	resp_free(&r);
	conn_close(&c);
	free(want);
}

/* www_gen_1m at any offset and length matches the definition. */
static void test_gen_1m_any_span(void **state)
{
	uint8_t *want = gen_1m_expected(1048576), got[100];
	static const size_t offs[] = {0, 1, 15, 16, 17, 4095, 524287, 1048476};
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		for (n = 0; n <= 100; n += 33) {
			memset(got, 0xaa, sizeof(got));
			www_gen_1m(offs[i], got, n);
			assert_memory_equal(got, want + offs[i], n);
		}
	}
	free(want);
}

/* More pipelined requests than the input buffer holds, behind a 1 MiB
 * response and with a small output queue: reading pauses (TCP flow
 * control) and resumes, and every request is answered, in order. */
static void test_pipelined_flood_behind_big_file_all_answered(void **state)
{
	const char *small = "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n";
	const char *nope = "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t n = 1200, i, cap = 64 + n * 40, len = 0;
	char *all = malloc(cap);
	struct conn c;
	struct resp r;

	(void)state;
	httpd.cfg.out_max = 32768;
	httpd.cfg.max_requests = 10000;
	start();
	assert_non_null(all);
	len += (size_t)snprintf(all + len, cap - len, "GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(all + len, cap - len, "%s", i % 3 == 2 ? nope : small);
	assert_true(len > HTTPD_IN_MAX);
	conn_open(&c);
	send_str(c.fd, all, len);
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.body_len, BIG_SIZE);
	assert_memory_equal(r.body, big_data, BIG_SIZE);
	resp_free(&r);
	for (i = 0; i < n; i++) {
		if (!read_resp(&c, &r, false))
			fail_msg("response %zu of %zu missing; %zu bytes held; requests %llu, open %llu, aborted %llu",
				 i, n, c.len, (unsigned long long)httpd.ctr.requests,
				 (unsigned long long)httpd.ctr.conns_open, (unsigned long long)httpd.ctr.aborted);
		assert_int_equal(r.status, i % 3 == 2 ? 404 : 200);
		resp_free(&r);
	}
	conn_close(&c);
	free(all);
}

/* A malformed request behind responses that filled the output queue: the
 * responses before it are all delivered, then its 400, then the close. */
static void test_error_behind_full_queue_keeps_earlier_responses(void **state)
{
	const char *small = "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t n = 2000, i, cap = 64 + n * 40, len = 0;
	char *all = malloc(cap);
	struct conn c;
	struct resp r;

	(void)state;
	/* Room for one small response: the next waits, and so would the 400
	 * (main.c never allows so small a queue; the cases are the same). */
	httpd.cfg.out_max = 256;
	httpd.cfg.max_requests = 10000;
	listen_sndbuf = 4096;
	client_rcvbuf = 2048;
	start();
	assert_non_null(all);
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(all + len, cap - len, "%s", small);
	len += (size_t)snprintf(all + len, cap - len, "GARBAGE\r\n\r\n");
	conn_open(&c);
	send_str(c.fd, all, len);
	usleep(300000);	/* the server runs into its full queue */
	for (i = 0; i < n; i++) {
		if (!read_resp(&c, &r, false))
			fail_msg("response %zu of %zu missing", i, n);
		assert_int_equal(r.status, 200);
		resp_free(&r);
	}
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.status, 400);
	resp_free(&r);
	assert_true(sees_eof(&c));
	conn_close(&c);
	free(all);
}

/* A request that trickles in byte by byte is answered once whole. */
static void test_request_in_pieces_answered(void **state)
{
	const char *req = "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n";
	struct conn c;
	struct resp r;
	size_t i;

	(void)state;
	start();
	conn_open(&c);
	for (i = 0; req[i]; i++) {
		send_str(c.fd, req + i, 1);
		usleep(2000);
	}
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.status, 200);
	resp_free(&r);
	conn_close(&c);
}

/* RFC 9112 2.2: bare LF lines and leading empty lines (telnet, nc). */
static void test_bare_lf_and_leading_empty_lines_answered(void **state)
{
	struct conn c;
	struct resp r;

	(void)state;
	start();
	conn_open(&c);
	send_s(&c, "\r\n\nGET /small.txt HTTP/1.1\nHost: a\n\n");
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.status, 200);
	resp_free(&r);
	conn_close(&c);
}

/* RFC 9112 9.3: HTTP/1.0 closes unless keep-alive was asked, and then the
 * response says keep-alive (RFC 9112 C.2.2). */
static void test_http10_close_unless_keep_alive(void **state)
{
	struct conn c;
	struct resp r;
	bool closed;

	(void)state;
	start();
	one("GET /small.txt HTTP/1.0\r\n\r\n", &r, &closed);
	assert_int_equal(r.status, 200);
	assert_true(has(&r, "Connection", "close"));
	assert_true(closed);
	resp_free(&r);
	conn_open(&c);
	send_s(&c, "GET /small.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
	assert_true(read_resp(&c, &r, false));
	assert_true(has(&r, "Connection", "keep-alive"));
	resp_free(&r);
	send_s(&c, "GET /small.txt HTTP/1.0\r\n\r\n");
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_true(sees_eof(&c));
	conn_close(&c);
}

/* httpd.max_requests: the last response says close, then the server closes. */
static void test_max_requests_last_says_close(void **state)
{
	struct conn c;
	struct resp r;
	int i;

	(void)state;
	httpd.cfg.max_requests = 3;
	start();
	conn_open(&c);
	for (i = 0; i < 3; i++) {
		char v[16];

		send_s(&c, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
		assert_true(read_resp(&c, &r, false));
		assert_int_equal(r.status, 200);
		assert_true(i < 2 ? !hdr(&r, "Connection", v, sizeof(v)) : has(&r, "Connection", "close"));
		resp_free(&r);
	}
	assert_true(sees_eof(&c));
	conn_close(&c);
}

/* 1000 requests on one connection, sent one after the other. */
static void test_thousand_keep_alive_requests_one_connection(void **state)
{
	struct conn c;
	struct resp r;
	int i;

	(void)state;
	start();
	conn_open(&c);
	for (i = 0; i < 1000; i++) {
		send_s(&c, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
		assert_true(read_resp(&c, &r, false));
		assert_int_equal(r.status, 200);
		resp_free(&r);
	}
	assert_int_equal(httpd.ctr.conns_total, 1);
	conn_close(&c);
}

/* ---- errors ---- */

struct err_case {
	const char *req;
	int status;
	bool closes;
};

/* Every error status a request can cause, with its connection fate. */
static void test_error_statuses_and_connection_fate(void **state)
{
	static char long_line[HTTP_LINE_MAX + 64], many_fields[HTTP_HEAD_MAX + 512];
	const struct err_case cases[] = {
		{"GET /nope HTTP/1.1\r\nHost: a\r\n\r\n", 404, false},
		{"POST / HTTP/1.1\r\nHost: a\r\n\r\n", 405, false},
		{"DELETE /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", 405, false},
		{"PUT / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 405, true},
		{"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 413, true},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 413, true},
		{"GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 400, true},
		{"GET / HTTP/1.1\r\n\r\n", 400, true},
		{"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n", 400, true},
		{"GET * HTTP/1.1\r\nHost: a\r\n\r\n", 400, true},
		{"BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501, true},
		{"GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, true},
		{long_line, 414, true},
		{many_fields, 431, true},
	};
	size_t i, n;

	(void)state;
	memset(long_line, 0, sizeof(long_line));
	memcpy(long_line, "GET /", 5);
	memset(long_line + 5, 'a', HTTP_LINE_MAX);
	strcat(long_line, " HTTP/1.1\r\nHost: a\r\n\r\n");
	n = (size_t)snprintf(many_fields, sizeof(many_fields), "GET / HTTP/1.1\r\nHost: a\r\n");
	while (n < HTTP_HEAD_MAX)
		n += (size_t)snprintf(many_fields + n, sizeof(many_fields) - n, "X-F: %0100d\r\n", 0);
	strcat(many_fields, "\r\n");
	start();
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conn c;
		struct resp r;
		char v[64], want[64];

		conn_open(&c);
		send_s(&c, cases[i].req);
		assert_true(read_resp(&c, &r, false));
		if (r.status != cases[i].status)
			fail_msg("case %zu: status %d, want %d", i, r.status, cases[i].status);
		snprintf(want, sizeof(want), "%d %s\n", r.status, http_reason(r.status));
		assert_string_equal((char *)r.body, want);
		if (r.status == 405)
			assert_true(has(&r, "Allow", "GET, HEAD"));
		if (cases[i].closes) {
			assert_true(has(&r, "Connection", "close"));
			if (!sees_eof(&c))
				fail_msg("case %zu: connection not closed", i);
		} else {
			struct resp ok;

			assert_null(hdr(&r, "Connection", v, sizeof(v)));
			send_s(&c, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
			assert_true(read_resp(&c, &ok, false));
			assert_int_equal(ok.status, 200);
			resp_free(&ok);
		}
		resp_free(&r);
		conn_close(&c);
	}
}

/* ---- timers ---- */

/* RFC 9110 15.5.9: a request not complete within request_ms: 408, close;
 * bytes that keep trickling in do not extend it. */
static void test_slow_request_408_then_close(void **state)
{
	struct conn c;
	struct resp r;
	uint64_t t0;
	int i;

	(void)state;
	httpd.cfg.request_ms = 600;
	start();
	conn_open(&c);
	t0 = now_ms();
	send_s(&c, "GET /small.txt HTTP/1.1\r\n");
	for (i = 0; i < 3; i++) {
		usleep(150000);
		send_s(&c, "X: y\r\n");
	}
	assert_true(read_resp(&c, &r, false));
	assert_int_equal(r.status, 408);
	/* Counted from the first byte: extended by the last, it would come
	 * at 1050 ms. */
	assert_true(now_ms() - t0 >= 580);
	assert_true(now_ms() - t0 < 1000);
	resp_free(&r);
	assert_true(sees_eof(&c));
	conn_close(&c);
	assert_int_equal(status_count(408), 1);
}

/* RFC 9112 9.5: an idle connection is closed without a response; empty
 * lines are not a request and do not keep it open. */
static void test_idle_connection_closed_silently(void **state)
{
	struct conn c, d;
	uint64_t t0;
	int i;

	(void)state;
	httpd.cfg.idle_ms = 300;
	start();
	conn_open(&c);
	t0 = now_ms();
	assert_true(sees_eof(&c));
	assert_true(now_ms() - t0 >= 280);
	assert_true(now_ms() - t0 < 3000);
	conn_close(&c);
	conn_open(&d);
	t0 = now_ms();
	for (i = 0; i < 10 && now_ms() - t0 < 250; i++) {
		send_s(&d, "\r\n");
		usleep(50000);
	}
	assert_true(sees_eof(&d));
	assert_true(now_ms() - t0 < 3000);
	conn_close(&d);
	assert_int_equal(httpd.ctr.idle_closed, 2);
	assert_int_equal(httpd.ctr.requests, 0);
}

/* A client that asks for 1 MiB and never reads: closed after idle_ms of
 * no progress; the queue never held more than out_max. */
static void test_stalled_reader_closed_after_idle(void **state)
{
	struct sockaddr_in sa;
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0), small = 4096;
	const char *req = "GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n";
	uint64_t t0;
	char b[4096];
	ssize_t n;
	size_t got = 0;

	(void)state;
	httpd.cfg.idle_ms = 300;
	httpd.cfg.out_max = 32768;
	/* Linux's own buffers would otherwise take the whole MiB. */
	listen_sndbuf = 4096;
	start();
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	send_str(fd, req, strlen(req));
	t0 = now_ms();
	while (__atomic_load_n(&httpd.ctr.aborted, __ATOMIC_RELAXED) == 0 && now_ms() - t0 < 5000)
		usleep(20000);
	assert_int_equal(httpd.ctr.aborted, 1);
	/* What arrives is a prefix of the response, then the end. */
	while ((n = recv(fd, b, sizeof(b), 0)) > 0)
		got += (size_t)n;
	assert_true(got < BIG_SIZE);
	close(fd);
}

/* ---- limits ---- */

/* httpd.max_conns: with the places held by connections that have sent
 * nothing yet (none kept alive, so none to shed), one more gets 503 with
 * Connection: close, and a place freed is taken by the next client. */
static void test_max_conns_extra_gets_503(void **state)
{
	struct conn a, b, x, y;
	struct resp r;

	(void)state;
	httpd.cfg.max_conns = 2;
	start();
	conn_open(&a);
	conn_open(&b);
	conn_open(&x);
	send_s(&x, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_true(read_resp(&x, &r, false));
	assert_int_equal(r.status, 503);
	assert_true(has(&r, "Connection", "close"));
	assert_true(has(&r, "Retry-After", "1"));
	resp_free(&r);
	assert_true(sees_eof(&x));
	conn_close(&x);
	conn_close(&a);
	/* a's close reaches the server before y's connection is served. */
	{
		uint64_t t0 = now_ms();

		while (__atomic_load_n(&httpd.ctr.conns_open, __ATOMIC_RELAXED) > 1 && now_ms() - t0 < 5000)
			usleep(10000);
	}
	conn_open(&y);
	send_s(&y, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_true(read_resp(&y, &r, false));
	assert_int_equal(r.status, 200);
	resp_free(&r);
	conn_close(&y);
	conn_close(&b);
	assert_int_equal(httpd.ctr.refused, 1);
}

/* RFC 9112 9.5, 9.3.1: past max_conns a newcomer is served and the
 * oldest kept-alive idle connection is closed to make room (a client must
 * be ready to retry on a kept-alive connection closed under it); the
 * newer idle one stays. */
static void test_max_conns_sheds_oldest_idle(void **state)
{
	struct conn a, b, x;
	struct resp r;

	(void)state;
	httpd.cfg.max_conns = 2;
	start();
	conn_open(&a);
	send_s(&a, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_true(read_resp(&a, &r, false));
	resp_free(&r);
	conn_open(&b);
	send_s(&b, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_true(read_resp(&b, &r, false));
	resp_free(&r);
	conn_open(&x);
	send_s(&x, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_true(read_resp(&x, &r, false));
	assert_int_equal(r.status, 200);
	assert_false(has(&r, "Connection", "close"));
	resp_free(&r);
	assert_true(sees_eof(&a));
	send_s(&b, "GET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_true(read_resp(&b, &r, false));
	assert_int_equal(r.status, 200);
	resp_free(&r);
	assert_int_equal(httpd.ctr.shed, 1);
	assert_int_equal(httpd.ctr.refused, 0);
	conn_close(&a);
	conn_close(&b);
	conn_close(&x);
}

/* Two services on one listening socket serve every connection. */
static void test_two_services_share_the_listener(void **state)
{
	struct svc_stats s0, s1;
	int i;

	(void)state;
	start_n(2);
	for (i = 0; i < 50; i++) {
		struct resp r;

		one("GET /small.txt HTTP/1.0\r\n\r\n", &r, NULL);
		assert_int_equal(r.status, 200);
		resp_free(&r);
	}
	svc_get_stats(httpd.svc[0], &s0);
	svc_get_stats(httpd.svc[1], &s1);
	assert_int_equal(s0.accepted + s1.accepted, 50);
}

static void fill_big(void)
{
	size_t i;

	for (i = 0; i < BIG_SIZE; i++)
		big_data[i] = (uint8_t)(i * 131 + (i >> 11));
}

int main(void)
{
#define T_(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_get_static_200_headers_and_body),
		T_(test_head_same_fields_no_body_then_get_on_same_connection),
		T_(test_conditional_get_304),
		T_(test_stats_json),
		T_(test_pipelined_requests_answered_in_order),
		T_(test_generated_file_served_byte_exact),
		T_(test_gen_1m_any_span),
		T_(test_pipelined_flood_behind_big_file_all_answered),
		T_(test_error_behind_full_queue_keeps_earlier_responses),
		T_(test_request_in_pieces_answered),
		T_(test_bare_lf_and_leading_empty_lines_answered),
		T_(test_http10_close_unless_keep_alive),
		T_(test_max_requests_last_says_close),
		T_(test_thousand_keep_alive_requests_one_connection),
		T_(test_error_statuses_and_connection_fate),
		T_(test_slow_request_408_then_close),
		T_(test_idle_connection_closed_silently),
		T_(test_stalled_reader_closed_after_idle),
		T_(test_max_conns_extra_gets_503),
		T_(test_max_conns_sheds_oldest_idle),
		T_(test_two_services_share_the_listener),
	};
#undef T_
	fill_big();
	return cmocka_run_group_tests(tests, NULL, NULL);
}

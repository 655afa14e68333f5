/*
 * tests/unit/svc/svc_test.c: the callback services (sock/svc*.c, the
 * contract in include/skiff/service.h) over Linux's own TCP on 127.0.0.1.
 * The service code is the kernel's, built with SVC_HOST: its thread is a
 * pthread, its sockets and epoll are Linux's. The test thread is the
 * client, with blocking sockets and 10 s receive timeouts.
 *
 * Each test starts a service that listens on two ephemeral ports: the
 * test's, and a control port whose first connection makes the service
 * stop itself (svc_stop may only be called from its own handlers). The
 * teardown stops it, joins its thread and checks that every accepted
 * connection got exactly one close call and every handler ran in the
 * service thread.
 */
#define _GNU_SOURCE	/* memmem */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "include/skiff/service.h"

enum ev_type { EV_ACCEPT, EV_CLOSE, EV_TIMEOUT, EV_WRITABLE, EV_CONNECTED, EV_TICK, EV_TYPES };

struct ev {
	enum ev_type type;
	uint64_t id;
	enum svc_reason why;
	int err;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct ev log[1024];
	int nlog;
	int count[EV_TYPES];

	struct svc *s;
	int port, ctl_port;
	pthread_t svc_thread;
	bool wrong_thread;
	int init_rc;

	/* The test's behaviour; NULL: the defaults below. */
	size_t (*receive)(struct svc_conn *c, const uint8_t *d, size_t len);
	void (*on_accept)(struct svc_conn *c);
	void (*on_close)(struct svc_conn *c, enum svc_reason why, int err);
	void (*on_timeout)(struct svc_conn *c);
	void (*on_writable)(struct svc_conn *c);
	int accept_rc;
	int connect_port;	/* the tick's svc_connect goes there (0: no tick) */
	int connect_rc;
	char got[64];		/* what the outbound connection received */
	size_t got_len;
	struct svc_stats final;
} T;

/* ---- helpers ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void check_thread(void)
{
	if (!pthread_equal(pthread_self(), T.svc_thread))
		T.wrong_thread = true;
}

static void record(enum ev_type type, struct svc_conn *c, enum svc_reason why, int err)
{
	pthread_mutex_lock(&T.mu);
	if (T.nlog < (int)(sizeof(T.log) / sizeof(T.log[0])))
		T.log[T.nlog++] = (struct ev){type, c ? svc_conn_id(c) : 0, why, err};
	T.count[type]++;
	pthread_cond_broadcast(&T.cv);
	pthread_mutex_unlock(&T.mu);
}

static int count_of(enum ev_type type)
{
	int n;

	pthread_mutex_lock(&T.mu);
	n = T.count[type];
	pthread_mutex_unlock(&T.mu);
	return n;
}

/* Waits up to ms for n events of type; true when they came. */
static bool wait_count(enum ev_type type, int n, int ms)
{
	uint64_t end = now_ms() + (uint64_t)ms;
	bool ok;

	pthread_mutex_lock(&T.mu);
	while (T.count[type] < n && now_ms() < end) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 10 * 1000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&T.cv, &T.mu, &ts);
	}
	ok = T.count[type] >= n;
	pthread_mutex_unlock(&T.mu);
	return ok;
}

static struct ev last_of(enum ev_type type)
{
	struct ev e = {0};

	pthread_mutex_lock(&T.mu);
	for (int i = T.nlog - 1; i >= 0; i--)
		if (T.log[i].type == type) {
			e = T.log[i];
			break;
		}
	pthread_mutex_unlock(&T.mu);
	return e;
}

/* A deterministic byte stream: byte i of it. */
static uint8_t gen_byte(uint64_t i)
{
	return (uint8_t)((i * 7 + (i >> 9)) & 0xff);
}

static void gen_fill(uint8_t *p, uint64_t off, size_t len)
{
	for (size_t i = 0; i < len; i++)
		p[i] = gen_byte(off + i);
}

static int client_connect_buf(int port, int rcvbuf)
{
	struct sockaddr_in sa;
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (rcvbuf)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static int client_connect(int port)
{
	return client_connect_buf(port, 0);
}

static void send_all(int fd, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len) {
		ssize_t n = send(fd, b, len, MSG_NOSIGNAL);

		assert_true(n > 0);
		b += n;
		len -= (size_t)n;
	}
}

/* Reads until EOF (or max, or the 10 s timeout); returns the byte count. */
static size_t recv_all(int fd, uint8_t *buf, size_t max)
{
	size_t got = 0;

	while (got < max) {
		ssize_t n = recv(fd, buf + got, max - got, 0);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	return got;
}

/* True when the peer closed: recv returns 0 within the timeout. */
static bool sees_eof(int fd)
{
	uint8_t b;

	return recv(fd, &b, 1, 0) == 0;
}

/* ---- the service under test: fixed handlers that call the test's ---- */

static int h_init(struct svc *s)
{
	T.svc_thread = pthread_self();
	if (T.init_rc)
		return T.init_rc;
	T.port = svc_listen(s, 0, 16);
	T.ctl_port = svc_listen(s, 0, 4);
	if (T.connect_port)
		svc_set_tick(s, 5);
	return T.port > 0 && T.ctl_port > 0 ? 0 : -1;
}

static int h_accept(struct svc_conn *c)
{
	check_thread();
	if (svc_conn_port(c) == T.ctl_port) {
		svc_stop(svc_of(c));
		return -1;
	}
	record(EV_ACCEPT, c, 0, 0);
	if (T.on_accept)
		T.on_accept(c);
	return T.accept_rc;
}

static size_t h_receive(struct svc_conn *c, const uint8_t *d, size_t len)
{
	check_thread();
	return T.receive ? T.receive(c, d, len) : len;
}

static void h_close(struct svc_conn *c, enum svc_reason why, int err)
{
	check_thread();
	if (T.on_close)
		T.on_close(c, why, err);
	record(EV_CLOSE, c, why, err);
}

static void h_timeout(struct svc_conn *c)
{
	check_thread();
	record(EV_TIMEOUT, c, 0, 0);
	if (T.on_timeout)
		T.on_timeout(c);
	else
		svc_close(c, 0);
}

static void h_writable(struct svc_conn *c)
{
	check_thread();
	record(EV_WRITABLE, c, 0, 0);
	if (T.on_writable)
		T.on_writable(c);
}

/* The service's tick (svc_set_tick in init): one outbound connection,
 * with octets sent before it is established. */
static void h_tick(struct svc *s)
{
	struct svc_conn *c;

	check_thread();
	record(EV_TICK, NULL, 0, 0);
	T.connect_rc = svc_connect(s, INADDR_LOOPBACK, (uint16_t)T.connect_port, &T, &c);
	if (T.connect_rc == 0) {
		assert_ptr_equal(svc_conn_data(c), &T);
		assert_int_equal(svc_send(c, "early ", 6), 0);
	}
}

static void h_connected(struct svc_conn *c)
{
	check_thread();
	record(EV_CONNECTED, c, 0, 0);
	assert_int_equal(svc_send(c, "late", 4), 0);
}

static size_t out_receive(struct svc_conn *c, const uint8_t *d, size_t len)
{
	(void)c;
	if (T.got_len + len <= sizeof(T.got)) {
		memcpy(T.got + T.got_len, d, len);
		T.got_len += len;
	}
	return len;
}

static struct svc_config base_config(void)
{
	struct svc_config cfg = {
		.name = "test",
		.handlers = {
			.init = h_init,
			.accept = h_accept,
			.receive = h_receive,
			.close = h_close,
			.timeout = h_timeout,
			.writable = h_writable,
			.connected = h_connected,
			.tick = h_tick,
		},
	};
	return cfg;
}

static void start(struct svc_config cfg)
{
	assert_int_equal(svc_register(&cfg, &T.s), 0);
	assert_non_null(T.s);
	assert_true(T.port > 0);
}

static int setup(void **state)
{
	(void)state;
	memset(&T, 0, sizeof(T));
	pthread_mutex_init(&T.mu, NULL);
	pthread_cond_init(&T.cv, NULL);
	return 0;
}

/* Stops the service through its control port and checks the books. */
static int teardown(void **state)
{
	(void)state;
	if (T.s) {
		int fd = client_connect(T.ctl_port);

		svc_get_stats(T.s, &T.final);
		assert_int_equal(svc_join(T.s), 0);
		close(fd);
		T.s = NULL;
		/* Every connection accept took or svc_connect began got
		 * exactly one close. */
		assert_int_equal(count_of(EV_CLOSE), (int)(T.final.accepted + T.final.connects));
	}
	assert_false(T.wrong_thread);
	pthread_cond_destroy(&T.cv);
	pthread_mutex_destroy(&T.mu);
	return 0;
}

/* ---- registration ---- */

static void test_register_runs_init_in_its_thread_before_returning(void **state)
{
	(void)state;
	start(base_config());
	/* init ran (the ports are known) in a thread that is not ours. */
	assert_false(pthread_equal(T.svc_thread, pthread_self()));
	assert_true(T.ctl_port > 0);
	assert_string_equal(svc_name(T.s), "test");
}

static void test_register_init_error_is_returned_without_handle(void **state)
{
	struct svc_config cfg = base_config();
	struct svc *s = (struct svc *)1;

	(void)state;
	T.init_rc = -98;
	assert_int_equal(svc_register(&cfg, &s), -98);
	assert_null(s);
	cfg.handlers.receive = NULL;
	assert_int_equal(svc_register(&cfg, &s), -EINVAL);
}

/* ---- input ---- */

static size_t saw_len[16];
static int saw_calls;

/* HTTP-like: nothing is consumed until the blank line has come. */
static size_t request_receive(struct svc_conn *c, const uint8_t *d, size_t len)
{
	static const char reply[] = "HTTP/1.0 200 OK\r\n\r\nwelcome\n";

	if (saw_calls < 16)
		saw_len[saw_calls] = len;
	saw_calls++;
	if (len < 4 || memcmp(d, "GET ", 4) != 0 ||
	    !memmem(d, len, "\r\n\r\n", 4))
		return 0;
	assert_int_equal(svc_send(c, reply, sizeof(reply) - 1), 0);
	svc_close(c, 0);
	return len;
}

static void test_request_in_pieces_is_held_until_whole(void **state)
{
	const char *pieces[] = {"GET /", "index HTTP/1.0\r\n", "Host: x\r\n\r\n"};
	uint8_t buf[256];
	size_t n;
	int fd;

	(void)state;
	saw_calls = 0;
	T.receive = request_receive;
	start(base_config());
	fd = client_connect(T.port);
	for (int i = 0; i < 3; i++) {
		send_all(fd, pieces[i], strlen(pieces[i]));
		usleep(50000);	/* separate segments, separate calls */
	}
	n = recv_all(fd, buf, sizeof(buf));
	assert_int_equal(n, strlen("HTTP/1.0 200 OK\r\n\r\nwelcome\n"));
	assert_memory_equal(buf, "HTTP/1.0 200 OK\r\n\r\nwelcome\n", n);
	assert_true(wait_count(EV_CLOSE, 1, 2000));
	assert_int_equal(last_of(EV_CLOSE).why, SVC_LOCAL_CLOSED);
	/* Each call saw every byte so far, the held ones first. */
	assert_int_equal(saw_calls, 3);
	assert_int_equal(saw_len[0], 5);
	assert_int_equal(saw_len[1], 5 + 16);
	assert_int_equal(saw_len[2], 5 + 16 + 11);
	close(fd);
}

static size_t never_consume(struct svc_conn *c, const uint8_t *d, size_t len)
{
	(void)c;
	(void)d;
	(void)len;
	return 0;
}

static void test_full_input_with_nothing_queued_fails_emsgsize(void **state)
{
	struct svc_config cfg = base_config();
	uint8_t junk[200] = {0};
	int fd;

	(void)state;
	cfg.in_max = 64;
	T.receive = never_consume;
	start(cfg);
	fd = client_connect(T.port);
	send_all(fd, junk, sizeof(junk));
	assert_true(wait_count(EV_CLOSE, 1, 5000));
	assert_int_equal(last_of(EV_CLOSE).why, SVC_FAILED);
	assert_int_equal(last_of(EV_CLOSE).err, -EMSGSIZE);
	close(fd);
}

/* Echo through a tiny output queue: sends what fits, consumes only that. */
static size_t echo_receive(struct svc_conn *c, const uint8_t *d, size_t len)
{
	size_t room = svc_send_room(c), n = len < room ? len : room;

	if (n && svc_send(c, d, n) != 0)
		return 0;
	return n;
}

struct pump {
	int fd;
	size_t len;
};

static void *pump_thread(void *arg)
{
	struct pump *p = arg;
	uint8_t buf[8192];

	for (size_t off = 0; off < p->len;) {
		size_t n = p->len - off < sizeof(buf) ? p->len - off : sizeof(buf);

		gen_fill(buf, off, n);
		send_all(p->fd, buf, n);
		off += n;
	}
	shutdown(p->fd, SHUT_WR);
	return NULL;
}

/*
 * Flow control end to end: with 4 KiB of queue and 1 KiB of input buffer,
 * a client that writes 4 MB before reading anything fills the path; the
 * service pauses its reading and loses nothing (byte-exact echo).
 */
static void test_echo_pauses_input_when_output_full_and_loses_nothing(void **state)
{
	struct svc_config cfg = base_config();
	const size_t total = 4u << 20;
	struct pump p;
	pthread_t th;
	uint8_t *got = malloc(total), *want = malloc(total);
	size_t n;

	(void)state;
	cfg.in_max = 1024;
	cfg.out_max = 4096;
	T.receive = echo_receive;
	start(cfg);
	p.fd = client_connect_buf(T.port, 32768);
	p.len = total;
	assert_int_equal(pthread_create(&th, NULL, pump_thread, &p), 0);
	usleep(300000);	/* let everything back up */
	n = recv_all(p.fd, got, total);
	pthread_join(th, NULL);
	assert_int_equal(n, total);
	gen_fill(want, 0, total);
	assert_memory_equal(got, want, total);
	assert_true(wait_count(EV_CLOSE, 1, 5000));
	assert_int_equal(last_of(EV_CLOSE).why, SVC_PEER_CLOSED);
	close(p.fd);
	free(got);
	free(want);
}

/* ---- output ---- */

static uint64_t big_total, big_off;
static size_t big_max_queued;

/* Streams big_total bytes of the generator in 16 KiB sends, pausing on
 * -ENOBUFS until writable, then closes. */
static void big_pump(struct svc_conn *c)
{
	uint8_t buf[16384];

	while (big_off < big_total) {
		size_t n = big_total - big_off < sizeof(buf) ? big_total - big_off : sizeof(buf);
		size_t before = svc_queued(c);
		int rc;

		gen_fill(buf, big_off, n);
		rc = svc_send(c, buf, n);
		if (svc_queued(c) > big_max_queued)
			big_max_queued = svc_queued(c);
		if (rc == -ENOBUFS) {
			assert_int_equal(svc_queued(c), before);	/* nothing taken */
			return;
		}
		assert_int_equal(rc, 0);
		big_off += n;
	}
	svc_close(c, 0);
}

static size_t big_receive(struct svc_conn *c, const uint8_t *d, size_t len)
{
	(void)d;
	big_pump(c);
	return len;
}

static void test_large_response_flows_through_bounded_queue(void **state)
{
	struct svc_config cfg = base_config();
	const size_t total = 16u << 20;
	uint8_t *got = malloc(total + 1), *want = malloc(total);
	struct svc_stats st;
	size_t n;
	int fd;

	(void)state;
	cfg.out_max = 65536;
	big_total = total;
	big_off = 0;
	big_max_queued = 0;
	T.receive = big_receive;
	T.on_writable = big_pump;
	start(cfg);
	fd = client_connect_buf(T.port, 16384);
	send_all(fd, "go", 2);
	usleep(300000);	/* the queue fills before we read */
	n = recv_all(fd, got, total + 1);
	assert_int_equal(n, total);
	gen_fill(want, 0, total);
	assert_memory_equal(got, want, total);
	assert_true(wait_count(EV_CLOSE, 1, 5000));
	assert_int_equal(last_of(EV_CLOSE).why, SVC_LOCAL_CLOSED);
	svc_get_stats(T.s, &st);
	assert_true(st.send_refused > 0);	/* the bound was hit ... */
	assert_true(count_of(EV_WRITABLE) > 0);	/* ... and writable resumed it */
	assert_true(big_max_queued <= 65536);
	close(fd);
	free(got);
	free(want);
}

static int emsgsize_rc;

static size_t oversize_receive(struct svc_conn *c, const uint8_t *d, size_t len)
{
	static uint8_t buf[4097];

	(void)d;
	emsgsize_rc = svc_send(c, buf, sizeof(buf));
	svc_close(c, 0);
	return len;
}

static void test_send_larger_than_out_max_is_emsgsize(void **state)
{
	struct svc_config cfg = base_config();
	uint8_t b[16];
	int fd;

	(void)state;
	cfg.out_max = 4096;
	T.receive = oversize_receive;
	start(cfg);
	fd = client_connect(T.port);
	send_all(fd, "x", 1);
	assert_int_equal(recv_all(fd, b, sizeof(b)), 0);	/* nothing was sent */
	assert_int_equal(emsgsize_rc, -EMSGSIZE);
	close(fd);
}

/* ---- closing ---- */

static size_t consume_all(struct svc_conn *c, const uint8_t *d, size_t len)
{
	(void)c;
	(void)d;
	return len;
}

static void bye_on_close(struct svc_conn *c, enum svc_reason why, int err)
{
	(void)err;
	if (why == SVC_PEER_CLOSED)
		assert_int_equal(svc_send(c, "bye", 3), 0);
}

/* RFC 9293 3.10.4: after the peer's FIN we may still send; our FIN follows. */
static void test_peer_fin_calls_close_which_may_still_send(void **state)
{
	uint8_t buf[16];
	int fd;

	(void)state;
	T.receive = consume_all;
	T.on_close = bye_on_close;
	start(base_config());
	fd = client_connect(T.port);
	send_all(fd, "hello", 5);
	shutdown(fd, SHUT_WR);
	assert_int_equal(recv_all(fd, buf, sizeof(buf)), 3);
	assert_memory_equal(buf, "bye", 3);
	assert_true(wait_count(EV_CLOSE, 1, 2000));
	assert_int_equal(last_of(EV_CLOSE).why, SVC_PEER_CLOSED);
	assert_int_equal(last_of(EV_CLOSE).err, 0);
	close(fd);
}

/* RFC 9293 3.10.7.4: a RST from the peer ends the connection: SVC_RESET. */
static void test_peer_reset_reports_reset(void **state)
{
	struct linger lg = {1, 0};
	int fd;

	(void)state;
	T.receive = consume_all;
	start(base_config());
	fd = client_connect(T.port);
	assert_true(wait_count(EV_ACCEPT, 1, 2000));
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);	/* linger 0: RST */
	assert_true(wait_count(EV_CLOSE, 1, 2000));
	assert_int_equal(last_of(EV_CLOSE).why, SVC_RESET);
	assert_int_equal(last_of(EV_CLOSE).err, -ECONNRESET);
}

static int info_rc = 1;
static struct tcp_info info_got;

static void info_on_accept(struct svc_conn *c)
{
	__atomic_store_n(&info_rc, svc_conn_tcp_info(c, &info_got), __ATOMIC_RELEASE);
}

/* svc_conn_tcp_info: the accepted connection's TCP_INFO (here Linux's
 * own, the same call skiff's POSIX face answers): established, an MSS,
 * the peer's window open, nothing in flight. */
static void test_conn_tcp_info_of_accepted_connection(void **state)
{
	int fd;

	(void)state;
	T.receive = consume_all;
	T.on_accept = info_on_accept;
	start(base_config());
	fd = client_connect(T.port);
	assert_true(wait_count(EV_ACCEPT, 1, 2000));
	/* accept is recorded before on_accept runs: wait for it too. */
	for (int i = 0; i < 200 && __atomic_load_n(&info_rc, __ATOMIC_ACQUIRE) == 1; i++)
		usleep(10000);
	assert_int_equal(info_rc, 0);
	assert_int_equal(info_got.tcpi_state, 1);	/* TCP_ESTABLISHED */
	assert_true(info_got.tcpi_snd_mss > 0);
	assert_int_equal(info_got.tcpi_unacked, 0);
	assert_int_equal(info_got.tcpi_retransmits, 0);
	close(fd);
}

static void refuse_nothing(struct svc_conn *c)
{
	(void)c;
}

static void test_accept_nonzero_refuses_without_close_call(void **state)
{
	int fd;

	(void)state;
	T.on_accept = refuse_nothing;
	T.accept_rc = -1;
	start(base_config());
	fd = client_connect(T.port);
	assert_true(sees_eof(fd));
	assert_int_equal(count_of(EV_CLOSE), 0);
	close(fd);
	T.accept_rc = 0;
	svc_get_stats(T.s, &T.final);
	assert_int_equal(T.final.refused, 1);
	assert_int_equal(T.final.accepted, 0);
}

static void test_max_conns_refuses_the_extra_connection(void **state)
{
	struct svc_config cfg = base_config();
	int a, b, c;

	(void)state;
	cfg.max_conns = 2;
	T.receive = consume_all;
	start(cfg);
	a = client_connect(T.port);
	b = client_connect(T.port);
	assert_true(wait_count(EV_ACCEPT, 2, 2000));
	c = client_connect(T.port);
	assert_true(sees_eof(c));	/* closed at once, not left waiting */
	assert_int_equal(count_of(EV_ACCEPT), 2);
	close(a);
	close(b);
	close(c);
	assert_true(wait_count(EV_CLOSE, 2, 2000));
}

static void test_stop_closes_open_connections_with_stopped(void **state)
{
	int a, b, ctl;

	(void)state;
	T.receive = consume_all;
	start(base_config());
	a = client_connect(T.port);
	b = client_connect(T.port);
	assert_true(wait_count(EV_ACCEPT, 2, 2000));
	ctl = client_connect(T.ctl_port);
	assert_int_equal(svc_join(T.s), 0);
	T.s = NULL;
	assert_int_equal(count_of(EV_CLOSE), 2);
	assert_int_equal(last_of(EV_CLOSE).why, SVC_STOPPED);
	assert_true(sees_eof(a));
	assert_true(sees_eof(b));
	close(a);
	close(b);
	close(ctl);
}

/*
 * accept() failing with EMFILE must not spin the service (the listener
 * stays readable): the listener rests and is retried, and the waiting
 * connections are taken once descriptors are free again.
 */
static void test_accept_out_of_descriptors_rests_then_retries(void **state)
{
	struct rlimit old, low;
	struct svc_stats st;
	int fd[4], lowest;

	(void)state;
	T.receive = consume_all;
	start(base_config());
	for (int i = 0; i < 4; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM, 0);
		assert_true(fd[i] >= 0);
	}
	lowest = dup(0);
	assert_true(lowest >= 0);
	close(lowest);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low = old;
	low.rlim_cur = (rlim_t)lowest + 2;	/* room for two accepts */
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	for (int i = 0; i < 4; i++) {
		struct sockaddr_in sa = {.sin_family = AF_INET,
					 .sin_port = htons((uint16_t)T.port),
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

		assert_int_equal(connect(fd[i], (struct sockaddr *)&sa, sizeof(sa)), 0);
	}
	assert_true(wait_count(EV_ACCEPT, 2, 2000));
	assert_false(wait_count(EV_ACCEPT, 3, 300));	/* the other two wait */
	svc_get_stats(T.s, &st);
	/* Resting, not spinning: a few failed accepts in 300 ms, not thousands. */
	assert_true(st.accept_errors >= 1 && st.accept_errors <= 10);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_true(wait_count(EV_ACCEPT, 4, 2000));	/* the retry took them */
	for (int i = 0; i < 4; i++)
		close(fd[i]);
	assert_true(wait_count(EV_CLOSE, 4, 2000));
}

/* ---- timers ---- */

static void arm_by_order(struct svc_conn *c)
{
	/* Connections 1, 2, 3 get 300, 100, 200 ms. */
	static const uint64_t ms[] = {300, 100, 200};

	assert_int_equal(svc_set_timer(c, ms[(svc_conn_id(c) - 1) % 3]), 0);
}

static void test_timers_fire_in_deadline_order(void **state)
{
	int fd[3];
	uint64_t order[3];

	(void)state;
	T.on_accept = arm_by_order;
	start(base_config());
	for (int i = 0; i < 3; i++) {
		fd[i] = client_connect(T.port);
		assert_true(wait_count(EV_ACCEPT, i + 1, 2000));
	}
	assert_true(wait_count(EV_TIMEOUT, 3, 3000));
	pthread_mutex_lock(&T.mu);
	for (int i = 0, k = 0; i < T.nlog && k < 3; i++)
		if (T.log[i].type == EV_TIMEOUT)
			order[k++] = T.log[i].id;
	pthread_mutex_unlock(&T.mu);
	assert_int_equal(order[0], 2);
	assert_int_equal(order[1], 3);
	assert_int_equal(order[2], 1);
	/* The default timeout action here closes: each client sees EOF. */
	for (int i = 0; i < 3; i++) {
		assert_true(sees_eof(fd[i]));
		close(fd[i]);
	}
	assert_true(wait_count(EV_CLOSE, 3, 2000));
	assert_int_equal(last_of(EV_CLOSE).why, SVC_LOCAL_CLOSED);
}

static size_t clear_on_data(struct svc_conn *c, const uint8_t *d, size_t len)
{
	(void)d;
	svc_clear_timer(c);
	return len;
}

static void arm_200(struct svc_conn *c)
{
	assert_int_equal(svc_set_timer(c, 200), 0);
}

static void test_cleared_timer_does_not_fire(void **state)
{
	int fd;

	(void)state;
	T.on_accept = arm_200;
	T.receive = clear_on_data;
	start(base_config());
	fd = client_connect(T.port);
	send_all(fd, "x", 1);
	assert_false(wait_count(EV_TIMEOUT, 1, 500));
	close(fd);
	assert_true(wait_count(EV_CLOSE, 1, 2000));
}

static size_t flood_then_close(struct svc_conn *c, const uint8_t *d, size_t len)
{
	static uint8_t buf[16384];

	(void)d;
	while (svc_send(c, buf, sizeof(buf)) == 0)
		;
	svc_close(c, 0);
	assert_int_equal(svc_set_timer(c, 200), 0);	/* a bound on the drain */
	return len;
}

/* A closing connection whose peer reads nothing is bounded by its timer. */
static void test_timer_bounds_a_close_that_cannot_drain(void **state)
{
	struct svc_config cfg = base_config();
	int fd;

	(void)state;
	cfg.out_max = 65536;
	T.receive = flood_then_close;
	start(cfg);
	fd = client_connect_buf(T.port, 4096);
	send_all(fd, "x", 1);
	assert_true(wait_count(EV_CLOSE, 1, 10000));
	assert_int_equal(last_of(EV_CLOSE).why, SVC_FAILED);
	assert_int_equal(last_of(EV_CLOSE).err, -ETIMEDOUT);
	close(fd);
}

/* ---- services side by side ---- */

static int slow_port;

static int slow_init(struct svc *s)
{
	slow_port = svc_listen(s, 0, 4);
	return slow_port > 0 ? 0 : -1;
}

/* Sleeps 1.5 s before answering: a slow handler. */
static size_t slow_receive(struct svc_conn *c, const uint8_t *d, size_t len)
{
	(void)d;
	if (len == 4 && memcmp(d, "STOP", 4) == 0) {
		svc_stop(svc_of(c));
		return len;
	}
	usleep(1500000);
	svc_send(c, "slow", 4);
	svc_close(c, 0);
	return len;
}

static size_t fast_receive(struct svc_conn *c, const uint8_t *d, size_t len)
{
	(void)d;
	svc_send(c, "fast", 4);
	svc_close(c, 0);
	return len;
}

static void test_slow_handler_delays_only_its_own_service(void **state)
{
	struct svc_config scfg = {
		.name = "slow",
		.handlers = {.init = slow_init, .receive = slow_receive},
	};
	struct svc *slow;
	uint8_t buf[8];
	uint64_t t0, fast_ms, slow_ms;
	int sfd, ffd, stop;

	(void)state;
	T.receive = fast_receive;
	start(base_config());
	assert_int_equal(svc_register(&scfg, &slow), 0);
	sfd = client_connect(slow_port);
	t0 = now_ms();
	send_all(sfd, "req", 3);
	usleep(100000);	/* the slow handler is now asleep */
	ffd = client_connect(T.port);
	send_all(ffd, "req", 3);
	assert_int_equal(recv_all(ffd, buf, sizeof(buf)), 4);
	fast_ms = now_ms() - t0;
	assert_memory_equal(buf, "fast", 4);
	assert_int_equal(recv_all(sfd, buf, sizeof(buf)), 4);
	slow_ms = now_ms() - t0;
	assert_memory_equal(buf, "slow", 4);
	assert_true(fast_ms < 1000);	/* well before the slow answer */
	assert_true(slow_ms >= 1500);
	close(sfd);
	close(ffd);
	stop = client_connect(slow_port);
	send_all(stop, "STOP", 4);
	assert_int_equal(svc_join(slow), 0);
	close(stop);
}

/* ---- a listening socket shared by two services (svc_listen_fd) ---- */

static int shared_fd;

static int shared_init(struct svc *s)
{
	return svc_listen_fd(s, shared_fd) > 0 ? 0 : -1;
}

/* Answers with the service's name (one letter) and closes. */
static size_t shared_receive(struct svc_conn *c, const uint8_t *d, size_t len)
{
	(void)d;
	svc_send(c, svc_name(svc_of(c)), 1);
	svc_close(c, 0);
	return len;
}

static int shared_listener(int *port)
{
	struct sockaddr_in sa;
	socklen_t salen = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &salen), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/*
 * Two services accept from one socket the app made: every connection is
 * served by one of them, and stopping both leaves the socket open and
 * listening (the app owns it).
 */
static void test_listen_fd_shared_by_two_services_app_keeps_it(void **state)
{
	struct svc_config a = {
		.name = "A",
		.handlers = {.init = shared_init, .receive = shared_receive},
	};
	struct svc_config b = a;
	struct svc *sa, *sb;
	struct svc_stats sta, stb;
	int port, i, fd;
	uint8_t buf[4];

	(void)state;
	b.name = "B";
	shared_fd = shared_listener(&port);
	assert_int_equal(svc_register(&a, &sa), 0);
	assert_int_equal(svc_register(&b, &sb), 0);
	for (i = 0; i < 40; i++) {
		fd = client_connect(port);
		send_all(fd, "x", 1);
		assert_int_equal(recv_all(fd, buf, sizeof(buf)), 1);
		assert_true(buf[0] == 'A' || buf[0] == 'B');
		close(fd);
	}
	svc_get_stats(sa, &sta);
	svc_get_stats(sb, &stb);
	assert_int_equal(sta.accepted + stb.accepted, 40);
	svc_stop(sa);
	svc_stop(sb);
	/* A connection wakes both (each watches the socket), so they see the
	 * stop and end. It may be taken and closed by one that was still in
	 * its last accept burst (svc_stop from another thread takes effect at
	 * the service's next check; on a loaded host one was still awake from
	 * connection 40), so the app's claim is checked with a second one,
	 * made once both are gone: the listener is still the app's and that
	 * connection waits in its backlog. */
	fd = client_connect(port);
	assert_int_equal(svc_join(sa), 0);
	assert_int_equal(svc_join(sb), 0);
	close(fd);
	fd = client_connect(port);
	{
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int c = -1;
		uint64_t end = now_ms() + 5000;

		while (c < 0 && now_ms() < end) {
			c = accept(shared_fd, (struct sockaddr *)&peer, &plen);
			if (c < 0)
				usleep(10000);
		}
		assert_true(c >= 0);
		close(c);
	}
	close(fd);
	close(shared_fd);
}

/* svc_listen_fd on a descriptor that is not a socket fails init cleanly. */
static void test_listen_fd_not_a_socket_fails_init(void **state)
{
	struct svc_config a = {
		.name = "A",
		.handlers = {.init = shared_init, .receive = shared_receive},
	};
	struct svc *s = NULL;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	shared_fd = p[0];
	assert_int_equal(svc_register(&a, &s), -1);
	assert_null(s);
	close(p[0]);
	close(p[1]);
}

/* A listening socket of the test's own on 127.0.0.1; *port is its port. */
static int test_listener(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 4), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

/* svc_connect from the service's tick: what is sent while connecting
 * goes first, connected runs once, input comes to receive, the peer's FIN
 * ends it with close(SVC_PEER_CLOSED). */
static void test_connect_queues_until_established_then_flows(void **state)
{
	struct svc_config cfg = base_config();
	struct timeval tv = {10, 0};
	char buf[32];
	int lfd, fd;
	ssize_t n;
	size_t got = 0;

	(void)state;
	lfd = test_listener(&T.connect_port);
	T.receive = out_receive;
	start(cfg);
	setsockopt(lfd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (got < 10 && (n = recv(fd, buf + got, sizeof(buf) - got, 0)) > 0)
		got += (size_t)n;
	assert_int_equal(got, 10);
	assert_memory_equal(buf, "early late", 10);
	assert_int_equal(T.connect_rc, 0);
	assert_true(wait_count(EV_CONNECTED, 1, 5000));
	send_all(fd, "pong", 4);
	close(fd);
	assert_true(wait_count(EV_CLOSE, 1, 5000));
	assert_int_equal(last_of(EV_CLOSE).why, SVC_PEER_CLOSED);
	assert_int_equal(count_of(EV_CONNECTED), 1);
	assert_int_equal(count_of(EV_TICK), 1);
	assert_int_equal(T.got_len, 4);
	assert_memory_equal(T.got, "pong", 4);
	close(lfd);
}

/* Nobody listens: close(SVC_FAILED, -ECONNREFUSED), connected never. */
static void test_connect_refused_reports_failed_close(void **state)
{
	int lfd;

	(void)state;
	lfd = test_listener(&T.connect_port);
	close(lfd);	/* the port is free again: a connect is refused */
	start(base_config());
	assert_true(wait_count(EV_CLOSE, 1, 5000));
	assert_int_equal(T.connect_rc, 0);
	assert_int_equal(last_of(EV_CLOSE).why, SVC_FAILED);
	assert_int_equal(last_of(EV_CLOSE).err, -ECONNREFUSED);
	assert_int_equal(count_of(EV_CONNECTED), 0);
}

int main(void)
{
#define T_(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_register_runs_init_in_its_thread_before_returning),
		T_(test_register_init_error_is_returned_without_handle),
		T_(test_request_in_pieces_is_held_until_whole),
		T_(test_full_input_with_nothing_queued_fails_emsgsize),
		T_(test_echo_pauses_input_when_output_full_and_loses_nothing),
		T_(test_large_response_flows_through_bounded_queue),
		T_(test_send_larger_than_out_max_is_emsgsize),
		T_(test_peer_fin_calls_close_which_may_still_send),
		T_(test_peer_reset_reports_reset),
		T_(test_conn_tcp_info_of_accepted_connection),
		T_(test_accept_nonzero_refuses_without_close_call),
		T_(test_max_conns_refuses_the_extra_connection),
		T_(test_stop_closes_open_connections_with_stopped),
		T_(test_accept_out_of_descriptors_rests_then_retries),
		T_(test_timers_fire_in_deadline_order),
		T_(test_cleared_timer_does_not_fire),
		T_(test_timer_bounds_a_close_that_cannot_drain),
		T_(test_slow_handler_delays_only_its_own_service),
		T_(test_listen_fd_shared_by_two_services_app_keeps_it),
		T_(test_listen_fd_not_a_socket_fails_init),
		T_(test_connect_queues_until_established_then_flows),
		T_(test_connect_refused_reports_failed_close),
	};
#undef T_
	return cmocka_run_group_tests(tests, NULL, NULL);
}

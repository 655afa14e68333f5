/*
 * sock_tcp_test.c: stream sockets (sock/sock_tcp.c) between two stacks,
 * with pthreads blocking in them: Linux's socket semantics (RFC 9293's
 * user calls as BSD sockets present them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "sock_pair.h"

struct io_arg {
	struct sock *s;
	void *buf;
	size_t len;
	unsigned flags;
	long ret;
	uint64_t ms;		/* how long the call took */
};

static void *recv_thread(void *p)
{
	struct io_arg *a = p;
	uint64_t t0 = sp_ms();

	a->ret = sock_recv(a->s, a->buf, a->len, a->flags);
	a->ms = sp_ms() - t0;
	return NULL;
}

static void *send_thread(void *p)
{
	struct io_arg *a = p;

	a->ret = sock_send(a->s, a->buf, a->len, a->flags);
	return NULL;
}

/* A fresh pair of stacks with a connection on port 80: c on A, s on B. */
static struct sock_pair *conn_new(struct sock **c, struct sock **s)
{
	struct sock_pair *sp = sock_pair_new();

	sp_tcp_pair(sp, 80, c, s);
	return sp;
}

/* Closes c and s (NULL: closed already) and frees the stacks, which
 * checks that nothing was left behind. */
static void conn_free(struct sock_pair *sp, struct sock *c, struct sock *s)
{
	if (c)
		sock_close(c);
	if (s)
		sock_close(s);
	sock_pair_free(sp);
}

static void fill(uint8_t *b, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)(i * 131u + seed + (i >> 11));
}

/* A blocking send larger than both rings returns only when all of it is
 * queued; the reader gets every byte in order. */
static void test_blocking_send_1mb_all_bytes_arrive(void **state)
{
	size_t n = 1u << 20;
	uint8_t *out = malloc(n), *in = malloc(n);
	struct sock *c, *s;
	struct sock_pair *sp = conn_new(&c, &s);
	struct io_arg a;
	pthread_t t;

	(void)state;
	fill(out, n, 1);
	a = (struct io_arg){ c, out, n, 0, 0, 0 };
	t = sp_spawn(send_thread, &a);
	sp_recv_all(s, in, n);
	pthread_join(t, NULL);
	assert_int_equal(a.ret, (long)n);
	assert_memory_equal(in, out, n);
	free(in);
	free(out);
	conn_free(sp, c, s);
}

/* A receive with nothing there blocks the thread until data comes. */
static void test_recv_blocks_until_data_arrives(void **state)
{
	struct sock *c, *s;
	struct sock_pair *sp = conn_new(&c, &s);
	char buf[16] = "";
	struct io_arg a;
	pthread_t t;

	(void)state;
	a = (struct io_arg){ s, buf, sizeof(buf), 0, 0, 0 };
	t = sp_spawn(recv_thread, &a);
	usleep(100000);
	sp_send_all(c, "late", 4);
	pthread_join(t, NULL);
	assert_int_equal(a.ret, 4);
	assert_memory_equal(buf, "late", 4);
	assert_true(a.ms >= 80);
	conn_free(sp, c, s);
}

static void *accept_thread(void *p)
{
	struct io_arg *a = p;
	struct sock *ns = NULL;
	uint64_t t0 = sp_ms();

	a->ret = sock_accept(a->s, a->flags, &ns, NULL);
	a->ms = sp_ms() - t0;
	a->buf = ns;
	return NULL;
}

/* accept() blocks until a connection completes. */
static void test_accept_blocks_until_connect(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock_addr to = { SP_IP_B, 81 };
	struct sock *lis = sp_tcp_listen(sp, 81, 4), *c;
	struct io_arg a;
	pthread_t t;

	(void)state;
	a = (struct io_arg){ lis, NULL, 0, 0, 0, 0 };
	t = sp_spawn(accept_thread, &a);
	usleep(100000);
	assert_int_equal(sock_create(&sp->sna, SOCK_T_STREAM, &c), 0);
	assert_int_equal(sock_connect(c, &to, 0), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.ret, 0);
	assert_non_null(a.buf);
	assert_true(a.ms >= 80);
	sock_close(a.buf);
	sock_close(c);
	sock_close(lis);
	sock_pair_free(sp);
}

/* Linux: shutdown(SHUT_RD) on a listener stops it, and a thread blocked in
 * accept() on it returns EINVAL at once (the usual way to stop an accept
 * loop); poll() then says HUP. */
static void test_listener_shutdown_wakes_blocked_accept(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *lis = sp_tcp_listen(sp, 86, 4);
	struct io_arg a;
	pthread_t t;

	(void)state;
	sock_set_timeout(lis, false, 5000000000ull);
	a = (struct io_arg){ lis, NULL, 0, 0, 0, 0 };
	t = sp_spawn(accept_thread, &a);
	usleep(100000);
	assert_int_equal(sock_shutdown(lis, SOCK_SHUT_RDWR), 0);
	pthread_join(t, NULL);
	assert_int_equal(a.ret, -EINVAL);
	assert_true(a.ms < 2000);
	assert_true(sock_poll(lis) & WATCH_HUP);
	sock_close(lis);
	sock_pair_free(sp);
}

/* Non-blocking calls that cannot proceed say EAGAIN at once. */
static void test_dontwait_calls_eagain(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *lis = sp_tcp_listen(sp, 82, 4), *ns, *c, *s;
	char b;

	(void)state;
	assert_int_equal(sock_accept(lis, SOCK_MSG_DONTWAIT, &ns, NULL), -EAGAIN);
	sp_tcp_pair(sp, 80, &c, &s);
	assert_int_equal(sock_recv(s, &b, 1, SOCK_MSG_DONTWAIT), -EAGAIN);
	sock_close(lis);
	conn_free(sp, c, s);
}

/* Linux: connect() on a non-blocking socket says EINPROGRESS; the socket
 * turns writable when the handshake is done and SO_ERROR is 0; connect()
 * again reports the outcome (0), then EISCONN. */
static void test_connect_dontwait_einprogress_then_connected(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock_addr to = { SP_IP_B, 83 }, peer;
	struct sock *lis = sp_tcp_listen(sp, 83, 4), *c, *s;
	uint64_t t0;

	(void)state;
	assert_int_equal(sock_create(&sp->sna, SOCK_T_STREAM, &c), 0);
	assert_int_equal(sock_connect(c, &to, SOCK_MSG_DONTWAIT), -EINPROGRESS);
	assert_false(sock_poll(c) & WATCH_OUT);
	assert_int_equal(sock_connect(c, &to, SOCK_MSG_DONTWAIT), -EALREADY);
	t0 = sp_ms();
	while (!(sock_poll(c) & WATCH_OUT) && sp_ms() - t0 < 5000)
		usleep(1000);
	assert_true(sock_poll(c) & WATCH_OUT);
	assert_int_equal(sock_error(c), 0);
	assert_int_equal(sock_connect(c, &to, SOCK_MSG_DONTWAIT), 0);
	assert_int_equal(sock_getpeername(c, &peer), 0);
	assert_int_equal(peer.addr, SP_IP_B);
	assert_int_equal(peer.port, 83);
	assert_int_equal(sock_accept(lis, 0, &s, NULL), 0);
	sock_close(lis);
	conn_free(sp, c, s);
}

/* SO_RCVTIMEO: a receive that finds nothing gives EAGAIN after the
 * timeout, not before and not much later. */
static void test_rcvtimeo_expires_with_eagain(void **state)
{
	struct sock *c, *s;
	struct sock_pair *sp = conn_new(&c, &s);
	uint64_t t0, ms;
	char b;

	(void)state;
	sock_set_timeout(s, false, 150000000);
	t0 = sp_ms();
	assert_int_equal(sock_recv(s, &b, 1, 0), -EAGAIN);
	ms = sp_ms() - t0;
	assert_true(ms >= 140);
	assert_true(ms < 2000);
	conn_free(sp, c, s);
}

/* SO_SNDTIMEO against a peer that never reads: the send returns what was
 * queued when the timeout struck; then a non-blocking send says EAGAIN. */
static void test_sndtimeo_full_path_returns_partial(void **state)
{
	size_t n = 8u << 20;
	uint8_t *buf = calloc(1, n);
	struct sock *c, *s;
	struct sock_pair *sp = conn_new(&c, &s);
	long r;

	(void)state;
	sock_set_timeout(c, true, 300000000);
	r = sock_send(c, buf, n, 0);
	assert_true(r > 0);
	assert_true(r < (long)n);
	assert_int_equal(sock_send(c, buf, 1000, SOCK_MSG_DONTWAIT), -EAGAIN);
	assert_false(sock_poll(c) & WATCH_OUT);
	free(buf);
	conn_free(sp, c, s);
}

/* RFC 9293 3.10.4 via shutdown(SHUT_WR): the peer reads EOF and can still
 * send back; the half-closed side receives it. */
static void test_shutdown_wr_peer_reads_eof_and_replies(void **state)
{
	struct sock *c, *s;
	struct sock_pair *sp = conn_new(&c, &s);
	char buf[8];

	(void)state;
	sp_send_all(c, "bye", 3);
	assert_int_equal(sock_shutdown(c, SOCK_SHUT_WR), 0);
	sp_recv_all(s, buf, 3);
	assert_int_equal(sock_recv(s, buf, sizeof(buf), 0), 0);
	assert_true(sock_poll(s) & WATCH_RDHUP);
	sp_send_all(s, "ok", 2);
	sp_recv_all(c, buf, 2);
	assert_memory_equal(buf, "ok", 2);
	assert_int_equal(sock_send(c, "x", 1, 0), -EPIPE);
	conn_free(sp, c, s);
}

/* A peer that aborts (SO_LINGER 0: RST): a blocked receive gets
 * ECONNRESET; later sends get EPIPE, as on Linux. */
static void test_peer_reset_econnreset_then_epipe(void **state)
{
	struct sock *c, *s;
	struct sock_pair *sp = conn_new(&c, &s);
	struct io_arg a;
	char buf[8];
	pthread_t t;

	(void)state;
	a = (struct io_arg){ c, buf, sizeof(buf), 0, 0, 0 };
	t = sp_spawn(recv_thread, &a);
	usleep(50000);
	assert_int_equal(sock_setopt(s, SOCK_OPT_LINGER, 0), 0);
	sock_close(s);
	pthread_join(t, NULL);
	assert_int_equal(a.ret, -ECONNRESET);
	assert_int_equal(sock_send(c, "x", 1, 0), -EPIPE);
	conn_free(sp, c, NULL);
}

/* Two listeners on one port: EADDRINUSE (RFC 9293 3.4: one pcb per
 * socket pair, so one listener per local address and port). */
static void test_bind_same_port_twice_eaddrinuse(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock_addr any = { 0, 90 };
	struct sock *l1, *l2;

	(void)state;
	assert_int_equal(sock_create(&sp->snb, SOCK_T_STREAM, &l1), 0);
	assert_int_equal(sock_create(&sp->snb, SOCK_T_STREAM, &l2), 0);
	assert_int_equal(sock_bind(l1, &any), 0);
	assert_int_equal(sock_listen(l1, 1), 0);
	assert_int_equal(sock_bind(l2, &any), -EADDRINUSE);
	sock_close(l1);
	sock_close(l2);
	sock_pair_free(sp);
}

/* RFC 9293 3.10.7.1: a SYN to a closed port is answered by RST: a blocking
 * connect says ECONNREFUSED. */
static void test_connect_closed_port_econnrefused(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock_addr to = { SP_IP_B, 5 };
	struct sock *c;

	(void)state;
	assert_int_equal(sock_create(&sp->sna, SOCK_T_STREAM, &c), 0);
	assert_int_equal(sock_connect(c, &to, 0), -ECONNREFUSED);
	assert_int_equal(sock_error(c), 0);
	sock_close(c);
	sock_pair_free(sp);
}

/* MSG_PEEK copies without consuming; MSG_WAITALL gathers several sends. */
static void test_peek_then_waitall(void **state)
{
	struct sock *c, *s;
	struct sock_pair *sp = conn_new(&c, &s);
	char buf[16];

	(void)state;
	sp_send_all(c, "abc", 3);
	assert_int_equal(sock_recv(s, buf, 2, SOCK_MSG_PEEK), 2);
	assert_memory_equal(buf, "ab", 2);
	usleep(20000);
	sp_send_all(c, "def", 3);
	sp_recv_all(s, buf, 6);
	assert_memory_equal(buf, "abcdef", 6);
	conn_free(sp, c, s);
}

/* Names: the client's local address is A's, the server's peer is the
 * client's own local port. */
static void test_names_match_both_ends(void **state)
{
	struct sock *c, *s;
	struct sock_pair *sp = conn_new(&c, &s);
	struct sock_addr cl, sr, sl, cr;

	(void)state;
	assert_int_equal(sock_getsockname(c, &cl), 0);
	assert_int_equal(sock_getpeername(c, &cr), 0);
	assert_int_equal(sock_getsockname(s, &sl), 0);
	assert_int_equal(sock_getpeername(s, &sr), 0);
	assert_int_equal(cl.addr, SP_IP_A);
	assert_int_equal(sr.addr, SP_IP_A);
	assert_int_equal(cl.port, sr.port);
	assert_int_equal(sl.port, 80);
	assert_int_equal(cr.port, 80);
	conn_free(sp, c, s);
}

/* The per-stack count of open sockets follows create and close. */
static void test_open_count_follows_sockets(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *x, *y;

	(void)state;
	assert_int_equal(sock_create(&sp->sna, SOCK_T_STREAM, &x), 0);
	assert_int_equal(sock_create(&sp->sna, SOCK_T_DGRAM, &y), 0);
	assert_int_equal(sock_net_open_count(&sp->sna), 2);
	assert_int_equal(sock_net_open_count(&sp->snb), 0);
	sock_close(x);
	assert_int_equal(sock_net_open_count(&sp->sna), 1);
	sock_close(y);
	sock_pair_free(sp);
}

/* Options reach the engine and read back. */
static void test_options_set_and_get(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *x;
	int v;

	(void)state;
	assert_int_equal(sock_create(&sp->sna, SOCK_T_STREAM, &x), 0);
	assert_int_equal(sock_setopt(x, SOCK_OPT_NODELAY, 1), 0);
	assert_int_equal(sock_getopt(x, SOCK_OPT_NODELAY, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sock_setopt(x, SOCK_OPT_KEEPALIVE, 1), 0);
	assert_int_equal(sock_getopt(x, SOCK_OPT_KEEPALIVE, &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(sock_setopt(x, SOCK_OPT_RCVBUF, 32768), 0);
	assert_int_equal(sock_getopt(x, SOCK_OPT_RCVBUF, &v), 0);
	assert_int_equal(v, 32768);
	assert_int_equal(sock_getopt(x, SOCK_OPT_TYPE, &v), 0);
	assert_int_equal(v, SOCK_T_STREAM);
	assert_int_equal(sock_getopt(x, SOCK_OPT_ACCEPTCONN, &v), 0);
	assert_int_equal(v, 0);
	sock_set_timeout(x, false, 5000000);
	assert_int_equal(sock_get_timeout(x, false), 5000000);
	sock_close(x);
	sock_pair_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_blocking_send_1mb_all_bytes_arrive),
		cmocka_unit_test(test_recv_blocks_until_data_arrives),
		cmocka_unit_test(test_accept_blocks_until_connect),
		cmocka_unit_test(test_listener_shutdown_wakes_blocked_accept),
		cmocka_unit_test(test_dontwait_calls_eagain),
		cmocka_unit_test(test_connect_dontwait_einprogress_then_connected),
		cmocka_unit_test(test_rcvtimeo_expires_with_eagain),
		cmocka_unit_test(test_sndtimeo_full_path_returns_partial),
		cmocka_unit_test(test_shutdown_wr_peer_reads_eof_and_replies),
		cmocka_unit_test(test_peer_reset_econnreset_then_epipe),
		cmocka_unit_test(test_bind_same_port_twice_eaddrinuse),
		cmocka_unit_test(test_connect_closed_port_econnrefused),
		cmocka_unit_test(test_peek_then_waitall),
		cmocka_unit_test(test_names_match_both_ends),
		cmocka_unit_test(test_open_count_follows_sockets),
		cmocka_unit_test(test_options_set_and_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

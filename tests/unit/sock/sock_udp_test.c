/*
 * sock_udp_test.c: datagram sockets (sock/sock_udp.c) between two stacks:
 * RFC 768 datagrams keep their boundaries, the per-socket queue is
 * bounded (drop and count when full), Linux's bind/connect rules.
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

static struct sock *udp_on(struct sock_net *sn, uint32_t addr, uint16_t port)
{
	struct sock_addr a = { addr, port };
	struct sock *s;

	assert_int_equal(sock_create(sn, SOCK_T_DGRAM, &s), 0);
	assert_int_equal(sock_bind(s, &a), 0);
	return s;
}

static long send_to(struct sock *s, uint32_t addr, uint16_t port,
		    const void *buf, size_t len)
{
	struct sock_iov iov = { (void *)buf, len };
	struct sock_addr to = { addr, port };

	return sock_sendmsg(s, &iov, 1, 0, &to);
}

static long recv_from(struct sock *s, void *buf, size_t len, unsigned *flags,
		      struct sock_addr *from)
{
	struct sock_iov iov = { buf, len };

	return sock_recvmsg(s, &iov, 1, flags, from);
}

/* RFC 768: each datagram arrives whole and alone: three sends, three
 * receives of exactly those sizes, with the sender's address. */
static void test_datagram_boundaries_kept(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *rx = udp_on(&sp->snb, 0, 5000);
	struct sock *tx = udp_on(&sp->sna, 0, 6000);
	static const size_t sizes[] = { 100, 1, 1400 };
	uint8_t out[1400], in[2000];

	(void)state;
	memset(out, 0x5a, sizeof(out));
	sock_set_timeout(rx, false, 2000000000);
	for (int i = 0; i < 3; i++)
		assert_int_equal(send_to(tx, SP_IP_B, 5000, out, sizes[i]), (long)sizes[i]);
	for (int i = 0; i < 3; i++) {
		struct sock_addr from;
		unsigned flags = 0;

		assert_int_equal(recv_from(rx, in, sizeof(in), &flags, &from), (long)sizes[i]);
		assert_int_equal(flags, 0);
		assert_int_equal(from.addr, SP_IP_A);
		assert_int_equal(from.port, 6000);
	}
	sock_close(rx);
	sock_close(tx);
	sock_pair_free(sp);
}

/* A buffer shorter than the datagram gets its head and MSG_TRUNC; the
 * rest is gone (the next receive is the next datagram). */
static void test_short_buffer_truncates_and_discards_rest(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *rx = udp_on(&sp->snb, 0, 5000);
	struct sock *tx = udp_on(&sp->sna, 0, 0);
	unsigned flags = 0;
	char in[16];

	(void)state;
	sock_set_timeout(rx, false, 2000000000);
	assert_int_equal(send_to(tx, SP_IP_B, 5000, "0123456789", 10), 10);
	assert_int_equal(send_to(tx, SP_IP_B, 5000, "next", 4), 4);
	assert_int_equal(recv_from(rx, in, 4, &flags, NULL), 4);
	assert_int_equal(flags, SOCK_MSG_TRUNC);
	assert_memory_equal(in, "0123", 4);
	flags = 0;
	assert_int_equal(recv_from(rx, in, sizeof(in), &flags, NULL), 4);
	assert_memory_equal(in, "next", 4);
	sock_close(rx);
	sock_close(tx);
	sock_pair_free(sp);
}

/* A full queue drops what does not fit and counts it; nothing blocks and
 * what was queued is intact. */
static void test_full_queue_drops_and_counts(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock_addr a = { 0, 5000 };
	struct sock *rx, *tx = udp_on(&sp->sna, 0, 0);
	char out[500], in[600];
	long got = 0;

	(void)state;
	assert_int_equal(sock_create(&sp->snb, SOCK_T_DGRAM, &rx), 0);
	assert_int_equal(sock_setopt(rx, SOCK_OPT_RCVBUF, 2048), 0);
	assert_int_equal(sock_bind(rx, &a), 0);
	memset(out, 1, sizeof(out));
	for (int i = 0; i < 10; i++)
		assert_int_equal(send_to(tx, SP_IP_B, 5000, out, sizeof(out)), 500);
	usleep(100000);
	while (sock_recv(rx, in, sizeof(in), SOCK_MSG_DONTWAIT) == 500)
		got++;
	assert_true(got >= 3);
	assert_true(got <= 4);
	assert_int_equal(got + (long)sock_udp_drops(rx), 10);
	sock_close(rx);
	sock_close(tx);
	sock_pair_free(sp);
}

/* A connected socket hears only its peer (Linux); send() goes there. */
static void test_connected_filters_other_sources(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *rx = udp_on(&sp->snb, 0, 5000);
	struct sock *peer = udp_on(&sp->sna, 0, 6000);
	struct sock *other = udp_on(&sp->sna, 0, 6001);
	struct sock_addr to = { SP_IP_A, 6000 }, name;
	char in[8];

	(void)state;
	assert_int_equal(sock_connect(rx, &to, 0), 0);
	assert_int_equal(sock_getpeername(rx, &name), 0);
	assert_int_equal(name.port, 6000);
	sock_set_timeout(rx, false, 2000000000);
	assert_int_equal(send_to(other, SP_IP_B, 5000, "no", 2), 2);
	assert_int_equal(send_to(peer, SP_IP_B, 5000, "yes", 3), 3);
	assert_int_equal(sock_recv(rx, in, sizeof(in), 0), 3);
	assert_memory_equal(in, "yes", 3);
	assert_int_equal(sock_send(rx, "back", 4, 0), 4);
	sock_set_timeout(peer, false, 2000000000);
	assert_int_equal(sock_recv(peer, in, sizeof(in), 0), 4);
	assert_int_equal(sock_recv(rx, in, sizeof(in), SOCK_MSG_DONTWAIT), -EAGAIN);
	sock_close(rx);
	sock_close(peer);
	sock_close(other);
	sock_pair_free(sp);
}

/* Linux's bind rules: a foreign address EADDRNOTAVAIL, a taken port
 * EADDRINUSE, port 0 an ephemeral port (RFC 6335 6), and sending from an
 * unbound socket binds it. */
static void test_bind_rules(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock_addr foreign = { 0x0a000001u, 7000 }, taken = { 0, 5000 }, name;
	struct sock *a = udp_on(&sp->snb, 0, 5000), *b, *c;

	(void)state;
	assert_int_equal(sock_create(&sp->snb, SOCK_T_DGRAM, &b), 0);
	assert_int_equal(sock_bind(b, &foreign), -EADDRNOTAVAIL);
	assert_int_equal(sock_bind(b, &taken), -EADDRINUSE);
	assert_int_equal(sock_create(&sp->sna, SOCK_T_DGRAM, &c), 0);
	assert_int_equal(sock_send(c, "x", 1, 0), -EDESTADDRREQ);
	assert_int_equal(send_to(c, SP_IP_B, 5000, "x", 1), 1);
	assert_int_equal(sock_getsockname(c, &name), 0);
	assert_true(name.port >= 49152);
	sock_close(a);
	sock_close(b);
	sock_close(c);
	sock_pair_free(sp);
}

struct rx_arg {
	struct sock *s;
	long ret;
};

static void *recv_thread(void *p)
{
	struct rx_arg *a = p;
	char buf[64];

	a->ret = sock_recv(a->s, buf, sizeof(buf), 0);
	return NULL;
}

/* A receive blocks until a datagram comes; with a timeout, EAGAIN. */
static void test_recv_blocks_then_timeout(void **state)
{
	struct sock_pair *sp = sock_pair_new();
	struct sock *rx = udp_on(&sp->snb, 0, 5000), *tx = udp_on(&sp->sna, 0, 0);
	struct rx_arg a = { rx, 0 };
	pthread_t t = sp_spawn(recv_thread, &a);
	uint64_t t0;
	char b;

	(void)state;
	usleep(50000);
	assert_int_equal(send_to(tx, SP_IP_B, 5000, "hello", 5), 5);
	pthread_join(t, NULL);
	assert_int_equal(a.ret, 5);
	sock_set_timeout(rx, false, 100000000);
	t0 = sp_ms();
	assert_int_equal(sock_recv(rx, &b, 1, 0), -EAGAIN);
	assert_true(sp_ms() - t0 >= 90);
	sock_close(rx);
	sock_close(tx);
	sock_pair_free(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_datagram_boundaries_kept),
		cmocka_unit_test(test_short_buffer_truncates_and_discards_rest),
		cmocka_unit_test(test_full_queue_drops_and_counts),
		cmocka_unit_test(test_connected_filters_other_sources),
		cmocka_unit_test(test_bind_rules),
		cmocka_unit_test(test_recv_blocks_then_timeout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

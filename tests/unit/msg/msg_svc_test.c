/*
 * tests/unit/msg/msg_svc_test.c: the SchemeStation library on the
 * callback services (msg/msg_svc.c) over Linux's TCP on 127.0.0.1, the
 * glue the guests run: sock/svc*.c built with SVC_HOST, as in
 * tests/unit/svc/. A router and a domain are two services in one
 * process; the domain's generator runs from its started and ready calls,
 * so the node's queue, svc's bounded queue and the writable call all
 * take part, and the router's deliver checks the sequence.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "include/skiff/msg_svc.h"

#define PACKETS		20000
#define SIZE		200

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned got, out_of_order, next;
	unsigned sent;
	int send_err;
	unsigned ready_calls;
	unsigned bad;		/* checks failed in a service thread */
	bool pong;
} T;

static struct msg_addr addr_n(unsigned v)
{
	struct msg_addr a;

	memset(&a, 0, sizeof(a));
	a.b[15] = (uint8_t)v;
	return a;
}

/* A port nobody uses right now (bound, read, closed). */
static uint16_t free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	return ntohs(sa.sin_port);
}

static void r_deliver(struct msg_svc *m, const struct msg_addr *dst,
		      const uint8_t *data, size_t len)
{
	unsigned seq;
	char text[32];
	struct msg_addr d2 = addr_n(2);

	(void)dst;
	snprintf(text, sizeof(text), "%.*s", (int)(len < 31 ? len : 31), (const char *)data);
	/* cmocka's asserts belong to the test's thread: count here. */
	if (strncmp(text, "ping", 4) == 0) {
		if (msg_node_send(msg_svc_node(m), &d2, "pong", 4) != 0)
			T.bad++;
		return;
	}
	pthread_mutex_lock(&T.mu);
	if (len != SIZE || sscanf(text, "seq %u", &seq) != 1)
		T.bad++;
	if (seq != T.next)
		T.out_of_order++;
	T.next = seq + 1;
	T.got++;
	pthread_cond_broadcast(&T.cv);
	pthread_mutex_unlock(&T.mu);
}

/* The domain's generator: as many as the queue takes, then wait for ready. */
static void d_pump(struct msg_svc *m)
{
	struct msg_addr r = addr_n(1);
	char buf[SIZE];

	while (T.sent < PACKETS && !T.send_err) {
		int n = snprintf(buf, sizeof(buf), "seq %u", T.sent), rc;

		memset(buf + n, '.', sizeof(buf) - (size_t)n);
		rc = msg_node_send(msg_svc_node(m), &r, buf, sizeof(buf));
		if (rc == -ENOBUFS)
			return;
		if (rc)
			T.send_err = rc;
		else
			T.sent++;
	}
	if (T.sent == PACKETS) {
		T.sent++;	/* once: a ping after the stream */
		if (msg_node_send(msg_svc_node(m), &r, "ping", 4) != 0)
			T.bad++;
	}
}

static void d_ready(struct msg_svc *m)
{
	T.ready_calls++;
	d_pump(m);
}

static void d_deliver(struct msg_svc *m, const struct msg_addr *dst,
		      const uint8_t *data, size_t len)
{
	(void)m;
	(void)dst;
	pthread_mutex_lock(&T.mu);
	T.pong = len == 4 && memcmp(data, "pong", 4) == 0;
	pthread_cond_broadcast(&T.cv);
	pthread_mutex_unlock(&T.mu);
}

static bool wait_until(bool (*done)(void), int ms)
{
	struct timespec end;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &end);
	end.tv_sec += ms / 1000;
	pthread_mutex_lock(&T.mu);
	while (!(ok = done()))
		if (pthread_cond_timedwait(&T.cv, &T.mu, &end) == ETIMEDOUT) {
			ok = done();
			break;
		}
	pthread_mutex_unlock(&T.mu);
	return ok;
}

static bool all_in(void)
{
	return T.got == PACKETS && T.pong;
}

/* Seed 003 end to end on the services: 20,000 packets of 200 octets
 * (4 MB, far past both queues) from a domain through its connection to a
 * router, in order, then a ping answered the other way. */
static void test_domain_streams_to_router_over_services(void **state)
{
	struct msg_svc_config rc, dc;
	struct msg_svc *r, *d;
	uint16_t port = free_port();

	(void)state;
	memset(&T, 0, sizeof(T));
	pthread_mutex_init(&T.mu, NULL);
	pthread_cond_init(&T.cv, NULL);
	memset(&rc, 0, sizeof(rc));
	rc.name = "router";
	rc.msg.role = MSG_ROUTER;
	rc.msg.addr = addr_n(1);
	rc.listen_port = port;
	rc.deliver = r_deliver;
	assert_int_equal(msg_svc_start(&rc, &r), 0);

	memset(&dc, 0, sizeof(dc));
	dc.name = "domain";
	dc.msg.role = MSG_DOMAIN;
	dc.msg.addr = addr_n(2);
	dc.msg.router_ip = INADDR_LOOPBACK;
	dc.msg.router_port = port;
	dc.started = d_pump;
	dc.ready = d_ready;
	dc.deliver = d_deliver;
	assert_int_equal(msg_svc_start(&dc, &d), 0);

	assert_true(wait_until(all_in, 60000));
	assert_int_equal(T.out_of_order, 0);
	assert_int_equal(T.send_err, 0);
	assert_int_equal(T.bad, 0);
	assert_true(T.ready_calls > 0);	/* the queue did fill and drain */

	msg_svc_stop(d);
	assert_int_equal(msg_svc_join(d), 0);
	msg_svc_stop(r);
	assert_int_equal(msg_svc_join(r), 0);
	pthread_cond_destroy(&T.cv);
	pthread_mutex_destroy(&T.mu);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_domain_streams_to_router_over_services),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

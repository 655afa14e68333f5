/*
 * sock_pair.c: the two-stack fixture with a pump thread (sock_pair.h).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "sock_os_host.h"
#include "sock_pair.h"
#include "../../../net/netif.h"
#include "../../../sock/fd.h"

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 0x02, 0, 0, 0, 0, 0xb };

uint64_t sp_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t now_ns(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The fake env's hooks, called behind the shared mutex. */
static void le_lock(void *ctx)
{
	struct locked_env *le = ctx;

	pthread_mutex_lock(le->m);
	le->fe->env.lock(le->fe);
}

static void le_unlock(void *ctx)
{
	struct locked_env *le = ctx;

	le->fe->env.unlock(le->fe);
	pthread_mutex_unlock(le->m);
}

static void *le_alloc(void *ctx, size_t size)
{
	struct locked_env *le = ctx;

	return le->fe->env.alloc(le->fe, size);
}

static void le_free(void *ctx, void *p, size_t size)
{
	struct locked_env *le = ctx;

	le->fe->env.free(le->fe, p, size);
}

static uint32_t le_random(void *ctx)
{
	struct locked_env *le = ctx;

	return le->fe->env.random(le->fe);
}

static void le_log(void *ctx, enum net_log_level lvl, const char *msg)
{
	struct locked_env *le = ctx;

	le->fe->env.log(le->fe, lvl, msg);
}

static void locked_env_init(struct locked_env *le, struct fake_env *fe,
			    pthread_mutex_t *m, uint32_t seed)
{
	fake_env_init(fe, seed);
	memset(le, 0, sizeof(*le));
	le->fe = fe;
	le->m = m;
	le->env.alloc = le_alloc;
	le->env.free = le_free;
	le->env.lock = le_lock;
	le->env.unlock = le_unlock;
	le->env.random = le_random;
	le->env.log = le_log;
	le->env.now = now_ns;
	le->env.ctx = le;
}

static void sn_lock(void *ctx)
{
	pthread_mutex_lock(ctx);
}

static void sn_unlock(void *ctx)
{
	pthread_mutex_unlock(ctx);
}

static void *pump(void *arg)
{
	struct sock_pair *sp = arg;

	while (!__atomic_load_n(&sp->stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = now_ns(NULL);

		pthread_mutex_lock(sp->lock);
		sim_link_run(&sp->link, now);
		net_poll(sp->a, now);
		net_poll(sp->b, now);
		pthread_mutex_unlock(sp->lock);
		usleep(200);
	}
	return NULL;
}

pthread_t sp_spawn(void *(*fn)(void *), void *arg)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, fn, arg), 0);
	return t;
}

struct sock_pair *sock_pair_new(void)
{
	struct sock_pair *sp = calloc(1, sizeof(*sp));
	pthread_mutexattr_t ma;
	int ia, ib;

	assert_non_null(sp);
	alarm(SP_TEST_LIMIT_S);
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	sp->lock = calloc(1, sizeof(*sp->lock));
	assert_non_null(sp->lock);
	pthread_mutex_init(sp->lock, &ma);
	pthread_mutexattr_destroy(&ma);
	locked_env_init(&sp->lea, &sp->fea, sp->lock, 1);
	locked_env_init(&sp->leb, &sp->feb, sp->lock, 2);
	sp->a = netstack_create(&sp->lea.env, NULL);
	sp->b = netstack_create(&sp->leb.env, NULL);
	assert_non_null(sp->a);
	assert_non_null(sp->b);
	sim_link_init(&sp->link, 7);
	sp->link.delay_ns = 100000;
	sim_link_set_now(&sp->link, now_ns(NULL));
	ia = sim_link_attach(&sp->link, 0, sp->a, mac_a, 1500);
	ib = sim_link_attach(&sp->link, 1, sp->b, mac_b, 1500);
	assert_int_equal(netif_set_up(sp->a, ia, true), 0);
	assert_int_equal(netif_set_up(sp->b, ib, true), 0);
	assert_int_equal(netif_addr_add(sp->a, ia, SP_IP_A, 24), 0);
	assert_int_equal(netif_addr_add(sp->b, ib, SP_IP_B, 24), 0);
	sock_net_init(&sp->sna, sp->a, sn_lock, sn_unlock, sp->lock);
	sock_net_init(&sp->snb, sp->b, sn_lock, sn_unlock, sp->lock);
	sp->pump = sp_spawn(pump, sp);
	return sp;
}

void sock_pair_free(struct sock_pair *sp)
{
	__atomic_store_n(&sp->stop, true, __ATOMIC_RELEASE);
	pthread_join(sp->pump, NULL);
	assert_int_equal(sock_net_open_count(&sp->sna), 0);
	assert_int_equal(sock_net_open_count(&sp->snb), 0);
	assert_int_equal(fd_count(), 0);
	assert_int_equal(sock_os_host_live(), 0);
	sim_link_destroy(&sp->link);
	netstack_destroy(sp->a);
	netstack_destroy(sp->b);
	assert_int_equal(sp->fea.live_allocs, 0);
	assert_int_equal(sp->feb.live_allocs, 0);
	assert_int_equal(sp->fea.err_logs + sp->feb.err_logs, 0);
	pthread_mutex_destroy(sp->lock);
	free(sp->lock);
	free(sp);
	alarm(0);
}

struct sock *sp_tcp_listen(struct sock_pair *sp, uint16_t port, int backlog)
{
	struct sock_addr any = { 0, port };
	struct sock *lis;

	assert_int_equal(sock_create(&sp->snb, SOCK_T_STREAM, &lis), 0);
	assert_int_equal(sock_bind(lis, &any), 0);
	assert_int_equal(sock_listen(lis, backlog), 0);
	return lis;
}

void sp_tcp_pair(struct sock_pair *sp, uint16_t port, struct sock **client,
		 struct sock **server)
{
	struct sock_addr to = { SP_IP_B, port }, peer;
	struct sock *lis = sp_tcp_listen(sp, port, 8);

	assert_int_equal(sock_create(&sp->sna, SOCK_T_STREAM, client), 0);
	assert_int_equal(sock_connect(*client, &to, 0), 0);
	assert_int_equal(sock_accept(lis, 0, server, &peer), 0);
	assert_int_equal(peer.addr, SP_IP_A);
	sock_close(lis);
}

void sp_send_all(struct sock *s, const void *buf, size_t len)
{
	assert_int_equal(sock_send(s, buf, len, 0), (long)len);
}

void sp_recv_all(struct sock *s, void *buf, size_t len)
{
	assert_int_equal(sock_recv(s, buf, len, SOCK_MSG_WAITALL), (long)len);
}

/*
 * sock_pair.h: two stacks joined by a simulated link, each with a struct
 * sock_net, driven by a pump thread on the real monotonic clock, for the
 * socket layer's tests with pthreads as the threads that block.
 *
 * A at 192.168.7.1/24, B at 192.168.7.2/24 (1500-byte MTU, 100 us one
 * way). Both stacks share one recursive mutex as their lock: the link's
 * frame list is touched by both (each one's transmit), so one lock
 * serialises all of it, as one network thread would. The pump takes it
 * every 200 us to deliver frames and run timers.
 *
 * sock_pair_free() stops the pump, destroys both stacks and asserts that
 * every socket, descriptor and allocation (the stacks' and the socket
 * layer's) is back to zero. sock_pair_new() arms alarm(): a test that
 * hangs is killed instead of running for ever.
 */
#ifndef TESTS_UNIT_SOCK_SOCK_PAIR_H
#define TESTS_UNIT_SOCK_SOCK_PAIR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "fake_env.h"
#include "sim_link.h"
#include "../../../sock/sock.h"

#define SP_IP_A 0xc0a80701u	/* 192.168.7.1 */
#define SP_IP_B 0xc0a80702u	/* 192.168.7.2 */

struct locked_env {
	struct net_env env;	/* handed to netstack_create() */
	struct fake_env *fe;	/* counts and checks, behind the mutex */
	pthread_mutex_t *m;
};

/*
 * posix_test.c is built against skiff's include/, whose <pthread.h> is
 * not glibc's: pthread objects stay behind pointers (and pthread_t, a
 * pointer-sized value in both, last) so the layout is the same for it.
 */
struct sock_pair {
	pthread_mutex_t *lock;	/* recursive: the stacks' lock (glibc's) */
	struct fake_env fea, feb;
	struct locked_env lea, leb;
	struct netstack *a, *b;
	struct sim_link link;
	struct sock_net sna, snb;
	pthread_t pump;
	bool stop;		/* atomic */
};

/* Seconds before alarm() kills a hung test. */
#define SP_TEST_LIMIT_S 30

struct sock_pair *sock_pair_new(void);
void sock_pair_free(struct sock_pair *sp);

/* Host monotonic milliseconds, for timing assertions. */
uint64_t sp_ms(void);
/* Run fn(arg) on a new thread. */
pthread_t sp_spawn(void *(*fn)(void *), void *arg);


struct sock;

/* A TCP listener on B, bound to port on any address, listening. */
struct sock *sp_tcp_listen(struct sock_pair *sp, uint16_t port, int backlog);
/* A listener on B (port), a connected client on A and the accepted
 * socket on B; the listener is closed again. */
void sp_tcp_pair(struct sock_pair *sp, uint16_t port, struct sock **client,
		 struct sock **server);
/* Send all of buf (blocking), asserting it went. */
void sp_send_all(struct sock *s, const void *buf, size_t len);
/* Receive exactly len bytes (MSG_WAITALL), asserting they came. */
void sp_recv_all(struct sock *s, void *buf, size_t len);

#endif

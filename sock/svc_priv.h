/*
 * sock/svc_priv.h: what svc.c (the service: registration, its thread, the
 * epoll loop, listeners) and svc_conn.c (one connection: input, output,
 * close, timer) share. See include/skiff/service.h for the contract.
 */
#ifndef SOCK_SVC_PRIV_H
#define SOCK_SVC_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/skiff/service.h"
#include "lib/list.h"
#include "sched/timerq.h"
#include "sock/svc_os.h"
#include "sock/svc_outq.h"

/* Every epoll entry's data.ptr points at one of these, first in its owner. */
enum svc_ep_kind { SVC_EP_LISTENER, SVC_EP_CONN };

struct svc_ep {
	enum svc_ep_kind kind;
	int fd;
};

struct svc_lis {
	struct svc_ep ep;	/* first: epoll's data.ptr */
	struct svc *svc;
	uint16_t port;
	bool off;		/* out of epoll for a while (accept failing) */
	bool warned;		/* logged this run of failures */
	bool shared;		/* svc_listen_fd: the app's socket, not closed here */
	struct timer retry;	/* puts it back */
	struct svc_lis *next;
};

/*
 * A connection's life: OPEN (handlers called) -> CLOSING (svc_close: the
 * queue drains, then close(LOCAL)) or LINGER (close(PEER) was called; what
 * it queued drains) -> DEAD (socket closed, on svc->dead until the end of
 * the pass, so events later in the same batch find it and skip it).
 */
enum svc_conn_state { SVC_CONN_OPEN, SVC_CONN_CLOSING, SVC_CONN_LINGER, SVC_CONN_DEAD };

struct svc_conn {
	struct svc_ep ep;	/* first: epoll's data.ptr */
	struct svc *svc;
	void *data;		/* the app's, svc_conn_set_data() */
	uint64_t id;
	uint32_t peer_addr;	/* host order */
	uint16_t peer_port;
	uint16_t local_port;	/* the listener's */
	enum svc_conn_state state;
	uint32_t ev;		/* epoll events registered now */
	bool connecting;	/* svc_connect: the handshake is not over yet */
	bool eof;		/* the peer's FIN was read */
	bool paused;		/* input buffer full: not reading until the queue drains */
	bool refused;		/* svc_send said -ENOBUFS: writable is owed */
	bool close_called;	/* the close handler ran (or must never run) */
	bool touched;		/* on svc->touched */
	int err;		/* failure to report (negative errno), 0: none */
	uint64_t sent;		/* bytes the socket took (svc_conn_sent) */
	uint8_t *in;		/* held input, in_max bytes, NULL when none held */
	size_t in_len;
	struct svc_outq out;
	struct timer timer;
	struct list_node link;	/* svc->conns while not DEAD, then svc->dead */
	struct list_node tlink;	/* svc->touched */
};

struct svc {
	char name[32];
	struct svc_handlers h;
	void *data;
	unsigned cpu;
	unsigned max_conns;
	size_t out_max, in_max;

	int epfd;
	bool stopping;
	uint8_t *scratch;	/* in_max bytes: input no connection holds yet */
	struct svc_lis *lis;
	struct list_node conns;	/* open, closing and lingering */
	struct list_node dead;	/* freed at the end of the pass */
	struct list_node touched; /* to settle after the current handler */
	struct timerq timers;
	struct timer tick;	/* svc_set_tick */
	uint64_t next_id;

	struct svc_os_thread thread;
	struct svc_os_event init_done;
	int init_rc;

	struct svc_stats st;	/* updated with relaxed atomics */
};

#define SVC_STAT_ADD(s, field, n) \
	__atomic_fetch_add(&(s)->st.field, (uint64_t)(n), __ATOMIC_RELAXED)

/* svc_conn.c */
struct svc_conn *svc_conn_new(struct svc *s, int fd, uint32_t addr,
			      uint16_t port, uint16_t local_port, bool connecting);
void svc_conn_event(struct svc_conn *c, uint32_t events);
void svc_conn_settle_all(struct svc *s);
void svc_conn_stop(struct svc_conn *c);
void svc_conn_free_dead(struct svc *s);
void svc_conn_touch(struct svc_conn *c);

/* svc.c */
void *svc_timer_grow(void *old, size_t size);

#endif /* SOCK_SVC_PRIV_H */

/*
 * msg/msg_svc.c: the SchemeStation library (msg/, skiff/msg.h) on the
 * callback services (skiff/service.h): seed 003's event loop is exactly
 * Toro's multiplexing. The service's accept, receive, connected, writable
 * and close handlers report to the node; the node's transport calls
 * (connect, write, close) are svc_connect, svc_send and svc_close; its
 * timers and the app's run on the service's tick.
 *
 * This file is the glue, not the portable part: it uses the socket
 * service and libc (printf, calloc); msg_wire.c, msg_conn.c and
 * msg_node.c use neither. It builds in the kernel and, with SVC_HOST, on
 * Linux like sock/svc*.c.
 *
 * Writes: svc_send is all or nothing, bounded by out_max. The node is
 * given what fits (svc_send_room); when nothing fits, one refused
 * svc_send arms the service's writable call, which drains the node's
 * queue again. So octets wait in the node's queue, never in both.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "include/skiff/msg_svc.h"
#include "include/skiff/service.h"

#ifdef SVC_HOST
#include <time.h>
uint64_t msg_svc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}
#else
#include "include/skiff.h"
uint64_t msg_svc_now_ms(void)
{
	return skiff_time_ns() / 1000000u;
}
#endif

#define MSG_SVC_OUT_MAX	(32u * 1024)	/* svc's queue: the node's holds the rest */
/* About 128 KiB per connection (svc's queues, the node's queue and
 * reassembly buffer): 256 of them is what a small guest can hold. */
#define MSG_SVC_MAX_CONNS	256
#define MSG_SVC_NEVER	UINT64_MAX

struct msg_svc {
	struct msg_svc_config cfg;
	char name[32];
	struct svc *svc;
	struct msg_node *node;
	uint64_t node_due;		/* ms: the node's next tick */
	uint64_t app_due;		/* ms: the app's timer, or NEVER */
	bool stopping;			/* msg_svc_stop: end at the next tick */
};

static void *io_connect(void *ctx, uint32_t ip, uint16_t port, struct msg_conn *c)
{
	struct msg_svc *m = ctx;
	struct svc_conn *sc;

	return svc_connect(m->svc, ip, port, c, &sc) == 0 ? sc : NULL;
}

static long io_write(void *ctx, void *handle, const uint8_t *p, size_t len)
{
	struct svc_conn *sc = handle;
	size_t room = svc_send_room(sc);
	int rc;

	(void)ctx;
	if (room == 0) {
		rc = svc_send(sc, p, 1);	/* refused: writable will follow */
		return rc == -ENOBUFS ? 0 : rc < 0 ? rc : 1;
	}
	if (len > room)
		len = room;
	rc = svc_send(sc, p, len);
	if (rc == -ENOBUFS)
		return 0;
	return rc < 0 ? rc : (long)len;
}

static void io_close(void *ctx, void *handle, bool drain)
{
	struct svc_conn *sc = handle;

	(void)ctx;
	svc_conn_set_data(sc, NULL);	/* the node has forgotten it */
	svc_close(sc, drain ? 0 : SVC_CLOSE_NOW);
}

static void io_deliver(void *ctx, const struct msg_addr *dst, const uint8_t *data, size_t len)
{
	struct msg_svc *m = ctx;

	m->cfg.deliver(m, dst, data, len);
}

static void io_ready(void *ctx)
{
	struct msg_svc *m = ctx;

	if (m->cfg.ready)
		m->cfg.ready(m);
}

static const char *kind_name(enum msg_kind k)
{
	return k == MSG_K_ROUTER ? "router" : k == MSG_K_PEER ? "peer" : "in";
}

static void io_event(void *ctx, const struct msg_event *ev)
{
	struct msg_svc *m = ctx;
	char a[MSG_ADDR_TEXT];
	const char *addr = ev->peer_known ? msg_addr_format(&ev->peer, a) : "?";
	unsigned long long id = (unsigned long long)ev->conn_id;

	switch (ev->type) {
	case MSG_EV_ADDED:
	case MSG_EV_REMOVED:
		/* The table's changes are what tests and people watch for. */
		printf("%s: table: %s %s (#%llu)\n", m->name,
		       ev->type == MSG_EV_ADDED ? "added" : "removed", addr, id);
		return;
	case MSG_EV_UP:
		if (!m->cfg.quiet)
			printf("%s: #%llu %u.%u.%u.%u:%u up: %s %s\n", m->name, id,
			       ev->ip >> 24, (ev->ip >> 16) & 255, (ev->ip >> 8) & 255,
			       ev->ip & 255, ev->port, kind_name(ev->kind), addr);
		return;
	case MSG_EV_DOWN:
		if (m->cfg.quiet && ev->err != -EBADMSG && ev->err != -EPROTONOSUPPORT)
			return;
		if (ev->err == -EBADMSG || ev->err == -EPROTONOSUPPORT)
			printf("%s: #%llu %u.%u.%u.%u:%u refused: %s %s 0x%x\n", m->name, id,
			       ev->ip >> 24, (ev->ip >> 16) & 255, (ev->ip >> 8) & 255,
			       ev->ip & 255, ev->port, kind_name(ev->kind),
			       msg_err_name(ev->err), (unsigned)ev->detail);
		else
			printf("%s: #%llu %u.%u.%u.%u:%u down: %s %s: %s\n", m->name, id,
			       ev->ip >> 24, (ev->ip >> 16) & 255, (ev->ip >> 8) & 255,
			       ev->ip & 255, ev->port, kind_name(ev->kind), addr,
			       msg_err_name(ev->err));
		return;
	}
}

static void arm(struct msg_svc *m)
{
	uint64_t now = msg_svc_now_ms(), due = m->node_due;

	if (m->app_due < due)
		due = m->app_due;
	svc_set_tick(m->svc, due > now ? due - now : 0);
}

static void on_tick(struct svc *s)
{
	struct msg_svc *m = svc_data(s);
	uint64_t now = msg_svc_now_ms();

	if (__atomic_load_n(&m->stopping, __ATOMIC_ACQUIRE)) {
		/* The close commands are queued; svc_stop drops what the
		 * sockets have not taken by the end of this pass. */
		msg_node_free(m->node);
		m->node = NULL;
		svc_stop(s);
		return;
	}
	if (now >= m->node_due)
		m->node_due = now + msg_node_tick(m->node, now);
	if (now >= m->app_due) {
		m->app_due = MSG_SVC_NEVER;
		if (m->cfg.timer)
			m->cfg.timer(m);
	}
	arm(m);
}

void msg_svc_set_timer(struct msg_svc *m, uint64_t ms)
{
	m->app_due = msg_svc_now_ms() + ms;
	arm(m);
}

static int on_init(struct svc *s)
{
	struct msg_svc *m = svc_data(s);
	struct msg_io io = {
		.ctx = m, .connect = io_connect, .write = io_write, .close = io_close,
		.alloc = calloc, .free = free, .deliver = io_deliver,
		.event = io_event, .ready = io_ready,
	};
	uint64_t now = msg_svc_now_ms();
	int rc;

	m->svc = s;
	if (m->cfg.listen_port) {
		rc = svc_listen(s, m->cfg.listen_port, 0);
		if (rc < 0) {
			printf("%s: cannot listen on port %u (%d)\n", m->name,
			       m->cfg.listen_port, rc);
			return rc;
		}
	}
	rc = msg_node_new(&m->cfg.msg, &io, now, &m->node);
	if (rc)
		return rc;
	m->node_due = now + msg_node_tick(m->node, now);
	m->app_due = MSG_SVC_NEVER;
	arm(m);
	if (m->cfg.started)
		m->cfg.started(m);
	return 0;
}

static int on_accept(struct svc_conn *sc)
{
	struct msg_svc *m = svc_data(svc_of(sc));
	uint32_t ip;
	uint16_t port;
	struct msg_conn *c;

	if (!m->node)
		return -ESHUTDOWN;	/* stopping */
	svc_conn_peer(sc, &ip, &port);
	c = msg_node_accepted(m->node, sc, ip, port);
	if (!c)
		return -ENOMEM;
	svc_conn_set_data(sc, c);
	return 0;
}

static void on_connected(struct svc_conn *sc)
{
	struct msg_conn *c = svc_conn_data(sc);

	if (c)
		msg_conn_connected(c);
}

static size_t on_receive(struct svc_conn *sc, const uint8_t *data, size_t len)
{
	struct msg_conn *c = svc_conn_data(sc);

	if (c)
		msg_conn_input(c, data, len);	/* all taken: the node reassembles */
	return len;
}

static void on_writable(struct svc_conn *sc)
{
	struct msg_conn *c = svc_conn_data(sc);

	if (c)
		msg_conn_writable(c);
}

static void on_close(struct svc_conn *sc, enum svc_reason why, int err)
{
	struct msg_conn *c = svc_conn_data(sc);

	if (!c)
		return;		/* the node closed it */
	svc_conn_set_data(sc, NULL);
	msg_conn_gone(c, why == SVC_PEER_CLOSED ? 0 : err ? err : -ECONNABORTED);
}

int msg_svc_start(const struct msg_svc_config *cfg, struct msg_svc **out)
{
	struct msg_svc *m;
	struct svc_config sc;
	struct svc *s;
	int rc;

	*out = NULL;
	if (!cfg->deliver)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	snprintf(m->name, sizeof(m->name), "%s", cfg->name ? cfg->name : "msg");
	memset(&sc, 0, sizeof(sc));
	sc.name = m->name;
	sc.data = m;
	sc.cpu = cfg->cpu;
	sc.out_max = MSG_SVC_OUT_MAX;
	sc.max_conns = MSG_SVC_MAX_CONNS;
	sc.handlers.init = on_init;
	sc.handlers.accept = on_accept;
	sc.handlers.receive = on_receive;
	sc.handlers.close = on_close;
	sc.handlers.writable = on_writable;
	sc.handlers.connected = on_connected;
	sc.handlers.tick = on_tick;
	rc = svc_register(&sc, &s);
	if (rc) {
		free(m);
		return rc;
	}
	*out = m;
	return 0;
}

void msg_svc_stop(struct msg_svc *m)
{
	__atomic_store_n(&m->stopping, true, __ATOMIC_RELEASE);
}

int msg_svc_join(struct msg_svc *m)
{
	int rc = svc_join(m->svc);

	free(m);
	return rc;
}

struct msg_node *msg_svc_node(struct msg_svc *m)
{
	return m->node;
}

void *msg_svc_data(struct msg_svc *m)
{
	return m->cfg.data;
}

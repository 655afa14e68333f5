/*
 * include/skiff/msg_svc.h: a SchemeStation domain or router (skiff/msg.h)
 * run as a callback service (skiff/service.h): the library's connections
 * are the service's, its timers the service's tick, its log lines the
 * console's. What an app writes is the packet callback and, if it sends
 * a lot, the ready callback; msgsvc calls them all in the service's
 * thread, which is also the only thread that may call msg_node_send() on
 * the node (msg_svc_node) or msg_svc_set_timer().
 *
 * Log lines, one per event, prefixed by cfg.name:
 *   NAME: #ID A.B.C.D:PORT up: KIND ADDR
 *   NAME: #ID A.B.C.D:PORT down: KIND ADDR: REASON
 *   NAME: table: added ADDR (#ID) / NAME: table: removed ADDR (#ID)
 * KIND is "router", "peer" or "in" (a connection another domain opened).
 */
#ifndef SKIFF_MSG_SVC_H
#define SKIFF_MSG_SVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

struct msg_svc;

struct msg_svc_config {
	const char *name;		/* the service's and the log lines' */
	struct msg_config msg;
	uint16_t listen_port;		/* 0: takes no connections */
	unsigned cpu;
	bool quiet;			/* no per-connection log lines */
	void *data;			/* msg_svc_data() */
	/* Once, in the service thread, when the node runs. May be NULL. */
	void (*started)(struct msg_svc *m);
	/* A packet for this node's address. */
	void (*deliver)(struct msg_svc *m, const struct msg_addr *dst,
			const uint8_t *data, size_t len);
	/* A refused send may be tried again. May be NULL. */
	void (*ready)(struct msg_svc *m);
	/* The timer msg_svc_set_timer() armed. May be NULL. */
	void (*timer)(struct msg_svc *m);
};

/* Starts the service (and the node) on cfg->cpu; 0 or a negative errno. */
int msg_svc_start(const struct msg_svc_config *cfg, struct msg_svc **out);
struct msg_node *msg_svc_node(struct msg_svc *m);
void *msg_svc_data(struct msg_svc *m);
/* The app's one-shot timer, in ms from now (re-arms when set). */
void msg_svc_set_timer(struct msg_svc *m, uint64_t ms);
/*
 * From any thread: the node says goodbye on every connection (the close
 * command) and is freed in the service's thread at its next tick, then
 * the service stops. msg_svc_join waits for that and frees m.
 */
void msg_svc_stop(struct msg_svc *m);
int msg_svc_join(struct msg_svc *m);
/* Milliseconds of the service's clock. */
uint64_t msg_svc_now_ms(void);

#endif /* SKIFF_MSG_SVC_H */

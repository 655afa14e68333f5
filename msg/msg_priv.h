/*
 * msg/msg_priv.h: what msg_node.c (the node: its connection list, routing
 * table, sending, timers) and msg_conn.c (one connection: handshake,
 * reassembly, send queue) share. Portable: freestanding headers only.
 */
#ifndef MSG_MSG_PRIV_H
#define MSG_MSG_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/skiff/msg.h"

#define MSG_TABLE_BUCKETS	256	/* routing table hash chains */
#define MSG_PRE_MAX		(MSG_HELLO_LEN + MSG_HDR_LEN + MSG_CTL_LEN)

/*
 * A connection's life. Ours (router, peer): IDLE (a peer nobody sent to
 * yet) or RETRY -> CONNECTING -> HELLO (our hello sent) -> VALID, and back
 * to RETRY when it ends. Theirs (IN): HELLO (waiting for their hello) ->
 * OPEN_WAIT (ours sent, waiting for "open") -> VALID, then freed.
 */
enum msg_state {
	MSG_S_IDLE,
	MSG_S_RETRY,
	MSG_S_CONNECTING,
	MSG_S_HELLO,
	MSG_S_OPEN_WAIT,
	MSG_S_VALID,
};

struct msg_conn {
	struct msg_node *node;
	void *handle;			/* the host's transport, NULL when none */
	uint64_t id;
	enum msg_state state;
	enum msg_kind kind;
	bool dead;			/* ended: freed when the node's call returns */
	bool peer_known;		/* peer is its address (expected, or from its hello) */
	bool in_table;
	bool refused;			/* a send got -ENOBUFS: ready is owed */
	struct msg_addr peer;
	uint32_t ip;			/* the TCP peer, host order */
	uint16_t port;
	uint64_t since;			/* ms: this state began (handshake timeout) */
	uint64_t last_rx, last_tx;	/* ms: keepalives and silence */
	uint64_t retry_at;		/* ms, RETRY */

	/* Receive: a packet (or hello) that came in pieces, gathered here. */
	uint8_t *rx;			/* MSG_FRAME_MAX octets */
	size_t rx_len;

	/* Send: the handshake's own octets go first, then the queue (a ring). */
	uint8_t pre[MSG_PRE_MAX];
	size_t pre_len, pre_off;
	uint8_t *tx;
	size_t tx_cap, tx_head, tx_len;

	struct msg_conn *prev, *next;	/* node->conns */
	struct msg_conn *hnext;		/* routing table chain */
	struct msg_conn *dnext;		/* node->dead */
};

struct msg_node {
	struct msg_config cfg;
	struct msg_io io;
	struct msg_peer *peers;		/* cfg.peers, copied */
	uint64_t now;			/* ms, from the last tick */
	uint64_t next_id;
	unsigned depth;			/* nested calls in; dead freed at 0 */
	bool ready_owed;
	struct msg_conn *conns;
	struct msg_conn *router;	/* domain: the connection to the router */
	struct msg_conn *dead;
	struct msg_conn *table[MSG_TABLE_BUCKETS];
	struct msg_stats st;
};

/* msg_node.c */
void msg_node_enter(struct msg_node *n);
void msg_node_leave(struct msg_node *n);
void msg_event(struct msg_conn *c, enum msg_event_type type, int err, uint32_t detail);
struct msg_conn *msg_table_find(struct msg_node *n, const struct msg_addr *a);
void msg_table_add(struct msg_conn *c);
void msg_table_del(struct msg_conn *c);
/* A VALID connection learnt its peer's address: the table follows the role's rule. */
void msg_node_conn_valid(struct msg_conn *c);
/* A data packet arrived on c (router: forward; domain: deliver). */
void msg_node_packet(struct msg_conn *c, const uint8_t *frame, const struct msg_frame *f);

/* msg_conn.c */
struct msg_conn *msg_conn_new(struct msg_node *n, enum msg_kind kind, enum msg_state st);
void msg_conn_start(struct msg_conn *c);
/* Ends c's transport: ours go back to RETRY, theirs are freed. */
void msg_conn_down(struct msg_conn *c, int err, uint32_t detail);
/* Queues one packet's octets (header and data, or a control packet). */
int msg_conn_queue(struct msg_conn *c, const uint8_t *hdr, size_t hlen,
		   const uint8_t *data, size_t dlen);
void msg_conn_drain(struct msg_conn *c);
void msg_conn_tick(struct msg_conn *c);
void msg_conn_release(struct msg_conn *c);

#endif /* MSG_MSG_PRIV_H */

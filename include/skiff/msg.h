/*
 * include/skiff/msg.h: SchemeStation domains exchanging packets over TCP
 * (seed 003, "Networking Implementation"), as a portable library (msg/):
 * the wire format, the handshake, a domain's connections with their send
 * queues and receive reassembly, and a router's table. It uses no socket
 * and no kernel call: the host gives it a transport (struct msg_io) and
 * feeds it what the transport reports, so the same code runs in a skiff
 * guest over the callback services (skiff/msg_svc.h) and on Linux in
 * tools/msgtool over plain sockets.
 *
 * ---- The wire format (all integers big-endian, network order) ----
 *
 * A domain address is 128 bits (MSG_ADDR_LEN = 16 octets), written in text
 * as 1 to 32 hex digits, the number right-aligned ("b" is 00...0b).
 *
 * Handshake, once per TCP connection, before any packet:
 *   client -> server  hello: magic MSG_MAGIC_CLIENT (4 octets, "SSNC"),
 *                     version MSG_VERSION (2 octets, 1), its address (16)
 *   server -> client  hello: magic MSG_MAGIC_SERVER (4, "SSNS"), version
 *                     (2), its address (16)
 *   client -> server  the control packet "open connection" (below)
 * The connection is valid for the client once it has sent "open", for the
 * server once it has received it. A hello with the wrong magic or another
 * version is refused: the receiver logs why and closes the connection
 * (no answer). A packet before "open" is a protocol error (closed).
 *
 * Packet (MSG_HDR_LEN = 20 octets of header):
 *   destination address   16 octets
 *   data length            4 octets, 1..MSG_MAX_DATA (16384) for data
 *   data                   that many octets
 * A packet whose length is 0 is a control packet: the header is followed
 * by MSG_CTL_LEN = 6 octets, a command (2 octets) and its argument (4):
 *   0  MSG_CTL_OPEN       open connection (handshake); argument 0
 *   1  MSG_CTL_CLOSE      the sender closes the connection; argument:
 *                         why (0: normal end)
 *   2  MSG_CTL_KEEPALIVE  nothing to say (sent after keepalive_ms of
 *                         silence; skiff's addition, so a domain that died
 *                         without a FIN is noticed); argument 0
 * A control packet's destination is the receiving end's address; it is
 * not checked. An unknown command is counted and dropped (the framing
 * stays intact); a length over MSG_MAX_DATA cannot be skipped safely, so
 * the connection is closed.
 *
 * ---- Routing (seed 003, 3) ----
 * A domain keeps a list of connections: to the router (msg_config.router_*),
 * to peers whose TCP address it knows (msg_config.peers, opened on the
 * first packet for them), and the ones other domains opened to it. To send,
 * it looks for a connection to the destination (msg_find_connection):
 * the first connection established or opened for an address keeps
 * carrying its packets, so they stay in order; without one, the packet
 * goes to the router. Each connection has its own send queue (queue_max
 * bytes), drained as the transport takes bytes; a full queue refuses a
 * packet (-ENOBUFS) and io.ready says when there is room again.
 * A router delivers packets for its own address like a domain and
 * forwards the others by destination over the connection that domain
 * opened; packets for addresses it does not know, or for a domain whose
 * queue is full (a router never stalls one domain for another), are
 * dropped and counted. A connection that closes, fails, sends nothing
 * (not even a keepalive) for dead_ms, or breaks the protocol leaves the
 * table at once. Connections to the router and to peers are opened again
 * every retry_ms.
 */
#ifndef SKIFF_MSG_H
#define SKIFF_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MSG_PORT		7000		/* the router's port by convention */
#define MSG_ADDR_LEN		16
#define MSG_ADDR_TEXT		33		/* 32 hex digits and a NUL */
#define MSG_MAGIC_CLIENT	0x53534e43u	/* "SSNC" */
#define MSG_MAGIC_SERVER	0x53534e53u	/* "SSNS" */
#define MSG_VERSION		1
#define MSG_HELLO_LEN		22		/* magic 4, version 2, address 16 */
#define MSG_HDR_LEN		20		/* destination 16, length 4 */
#define MSG_CTL_LEN		6		/* command 2, argument 4 */
#define MSG_MAX_DATA		16384
#define MSG_FRAME_MAX		(MSG_HDR_LEN + MSG_MAX_DATA)

enum msg_ctl {
	MSG_CTL_OPEN = 0,
	MSG_CTL_CLOSE = 1,
	MSG_CTL_KEEPALIVE = 2,
};

struct msg_addr {
	uint8_t b[MSG_ADDR_LEN];
};

/* ---- the codec (msg/msg_wire.c) and text forms (msg/msg_text.c) ---- */

struct msg_hello {
	uint32_t magic;
	uint16_t version;
	struct msg_addr addr;
};

struct msg_frame {
	struct msg_addr dst;
	uint32_t len;		/* data octets; 0: a control packet */
	const uint8_t *data;	/* points into the parsed buffer */
	uint16_t cmd;		/* control packets only */
	uint32_t arg;
};

/* Writes a hello into p (MSG_HELLO_LEN octets); returns MSG_HELLO_LEN. */
size_t msg_hello_put(uint8_t *p, uint32_t magic, const struct msg_addr *a);
/*
 * Parses a hello from p[0..len): MSG_HELLO_LEN when whole and right, 0 when
 * len is short of it (more to come), -EBADMSG when the magic is not want,
 * -EPROTONOSUPPORT when the version is not MSG_VERSION. h is filled as far
 * as read either way (the log names the wrong value).
 */
int msg_hello_parse(const uint8_t *p, size_t len, uint32_t want, struct msg_hello *h);
/* Writes a data packet's header; the data follows it. Returns MSG_HDR_LEN. */
size_t msg_hdr_put(uint8_t *p, const struct msg_addr *dst, uint32_t len);
/* Writes a control packet (MSG_HDR_LEN + MSG_CTL_LEN octets); returns that. */
size_t msg_ctl_put(uint8_t *p, const struct msg_addr *dst, uint16_t cmd, uint32_t arg);
/*
 * Parses one packet from p[0..len): its whole size when complete, 0 when
 * more octets are needed, -EMSGSIZE for a length over MSG_MAX_DATA,
 * -EPROTO for a control packet with an unknown command (its size is in
 * f->len's place: the caller may skip MSG_HDR_LEN + MSG_CTL_LEN octets).
 */
long msg_frame_parse(const uint8_t *p, size_t len, struct msg_frame *f);

/* Text form: 1..32 hex digits (an optional "0x"), right-aligned. 0 or -EINVAL. */
int msg_addr_parse(const char *s, size_t n, struct msg_addr *a);
/* Shortest hex form ("0" for zero) into buf[MSG_ADDR_TEXT]; returns buf. */
char *msg_addr_format(const struct msg_addr *a, char *buf);
bool msg_addr_eq(const struct msg_addr *a, const struct msg_addr *b);
/* "A.B.C.D" or "A.B.C.D:PORT" (port: MSG_PORT when absent; port NULL: no
 * ":PORT" allowed); ip in host order. 0 or -EINVAL. */
int msg_ipv4_parse(const char *s, size_t n, uint32_t *ip, uint16_t *port);
/* "ADDR@A.B.C.D[:PORT]" (struct msg_peer below). 0 or -EINVAL. */
struct msg_peer;
int msg_peer_parse(const char *s, size_t n, struct msg_peer *p);
/* Words for the errors the library reports ("wrong magic", ...). */
const char *msg_err_name(int err);

/* ---- domains and routers (msg/msg_node.c, msg/msg_conn.c) ---- */

struct msg_node;
struct msg_conn;

enum msg_role { MSG_DOMAIN, MSG_ROUTER };

/* How a connection came to be. */
enum msg_kind {
	MSG_K_IN,	/* another domain opened it to us */
	MSG_K_ROUTER,	/* ours, to the router */
	MSG_K_PEER,	/* ours, to a peer in msg_config.peers */
};

struct msg_peer {
	struct msg_addr addr;
	uint32_t ip;		/* IPv4, host order */
	uint16_t port;
};

struct msg_config {
	enum msg_role role;
	struct msg_addr addr;		/* this domain's (or router's) address */
	uint32_t router_ip;		/* domains: the router, 0: none */
	uint16_t router_port;
	const struct msg_peer *peers;	/* copied by msg_node_new */
	unsigned npeers;
	size_t queue_max;		/* send queue per connection; 0: 65536 */
	unsigned keepalive_ms;		/* 0: 2000 */
	unsigned dead_ms;		/* 0: 4 * keepalive_ms */
	unsigned retry_ms;		/* 0: 500 */
	unsigned handshake_ms;		/* connect and handshake; 0: 5000 */
};

enum msg_event_type {
	MSG_EV_UP,		/* handshake done: the connection is valid */
	MSG_EV_DOWN,		/* it ended (err: why, msg_err_name) */
	MSG_EV_ADDED,		/* an address entered the routing table */
	MSG_EV_REMOVED,		/* an address left the routing table */
};

struct msg_event {
	enum msg_event_type type;
	uint64_t conn_id;
	enum msg_kind kind;
	uint32_t ip;		/* the connection's peer, host order */
	uint16_t port;
	bool peer_known;	/* peer holds its domain address */
	struct msg_addr peer;
	int err;		/* DOWN: 0 (closed by the peer) or a negative errno */
	uint32_t detail;	/* DOWN: the wrong magic or version received */
};

/*
 * What the library needs from its host. Every call into the library is
 * made from one thread; none of these may call back into it, except
 * deliver and ready, which may call msg_node_send().
 */
struct msg_io {
	void *ctx;
	/* Begins a TCP connection to ip:port for c; the transport's handle,
	 * or NULL (c is tried again after retry_ms). The host reports the
	 * outcome with msg_conn_connected() or msg_conn_gone(). */
	void *(*connect)(void *ctx, uint32_t ip, uint16_t port, struct msg_conn *c);
	/* Takes up to len octets for the peer: how many it took (0: none
	 * now, the host calls msg_conn_writable() when it can take more),
	 * or a negative errno (the connection is then dropped). */
	long (*write)(void *ctx, void *handle, const uint8_t *p, size_t len);
	/* The library is done with handle: after this call the host reports
	 * nothing more about it. drain: what write took goes out first. */
	void (*close)(void *ctx, void *handle, bool drain);
	/* Memory, calloc's and free's contract: libc's and the kernel's
	 * own fit as they are. */
	void *(*alloc)(size_t n, size_t size);
	void (*free)(void *p);
	/* A data packet for this node's address. */
	void (*deliver)(void *ctx, const struct msg_addr *dst, const uint8_t *data, size_t len);
	void (*event)(void *ctx, const struct msg_event *ev);	/* may be NULL */
	/* A queue that refused a packet (-ENOBUFS) has room again. */
	void (*ready)(void *ctx);				/* may be NULL */
};

struct msg_stats {
	uint64_t sent;		/* data packets queued by msg_node_send */
	uint64_t received;	/* data packets that arrived */
	uint64_t delivered;	/* of them, for this node (io.deliver) */
	uint64_t forwarded;	/* router: queued toward their destination */
	uint64_t unknown;	/* router: dropped, no domain has that address */
	uint64_t queue_full;	/* dropped (router) or refused (send): queue full */
	uint64_t not_mine;	/* domain: dropped, for another address */
	uint64_t no_route;	/* msg_node_send: no connection, peer or router */
	uint64_t malformed;	/* bad packets: dropped, or the connection closed */
	uint64_t refused;	/* handshakes refused (magic, version, protocol) */
	uint64_t dead;		/* connections dropped after dead_ms of silence */
	uint64_t lost_bytes;	/* queued octets lost with their connection */
	uint64_t conns;		/* connections now */
	uint64_t domains;	/* addresses in the routing table now */
};

/* A node: a domain or a router. now_ms is the host's monotonic clock. */
int msg_node_new(const struct msg_config *cfg, const struct msg_io *io,
		 uint64_t now_ms, struct msg_node **out);
/* Closes every connection (a close command first where valid) and frees. */
void msg_node_free(struct msg_node *n);
const struct msg_addr *msg_node_addr(const struct msg_node *n);
void msg_node_stats(const struct msg_node *n, struct msg_stats *st);
/* Octets waiting in all send queues (the host tool drains before exit). */
size_t msg_node_queued(const struct msg_node *n);

/*
 * Sends len octets (1..MSG_MAX_DATA) to dst. 0: queued (or delivered, for
 * this node's own address); -ENOBUFS: the queue is full (io.ready follows);
 * -EMSGSIZE, -EINVAL (len 0); -EHOSTUNREACH: no connection, peer or router.
 */
int msg_node_send(struct msg_node *n, const struct msg_addr *dst,
		  const void *data, size_t len);
/* The connection packets for dst go over now, or NULL (seed: findconnection). */
struct msg_conn *msg_find_connection(struct msg_node *n, const struct msg_addr *dst);

/*
 * Timers: keepalives, silent connections, handshakes that take too long,
 * retries. Returns the milliseconds until it wants to run again.
 */
uint64_t msg_node_tick(struct msg_node *n, uint64_t now_ms);

/* ---- what the host reports about its transports ---- */

/* A connection another domain opened (the host's handle). NULL: refused. */
struct msg_conn *msg_node_accepted(struct msg_node *n, void *handle,
				   uint32_t ip, uint16_t port);
/* c's TCP connection (io.connect) is established: the hello goes out. */
void msg_conn_connected(struct msg_conn *c);
/* Octets from c's peer, all taken (partial packets are kept). */
void msg_conn_input(struct msg_conn *c, const uint8_t *p, size_t len);
/* The transport takes octets again. */
void msg_conn_writable(struct msg_conn *c);
/* The transport ended by itself (0: the peer closed; else the error). */
void msg_conn_gone(struct msg_conn *c, int err);

uint64_t msg_conn_id(const struct msg_conn *c);

#endif /* SKIFF_MSG_H */

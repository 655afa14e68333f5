/*
 * apps/netidle/services.c: the standard small services on the TCP engine
 * (net/tcp.h), until sockets exist: RFC 862 echo on TCP port 7, RFC 863
 * discard on 9, RFC 864 character generator on 19, and RFC 862 echo over
 * UDP on 7.
 *
 * Everything after services_start() runs in the pcb callbacks, that is in
 * the network thread with the stack lock held, so nothing here blocks or
 * allocates. What it promises:
 *   - echo never loses or reorders a byte: it moves from the receive ring
 *     only what the send ring took, so when the send ring is full the data
 *     stays in the receive ring, the window toward the client closes (flow
 *     control end to end) and TCP_EV_WRITABLE resumes the copy;
 *   - chargen sends the RFC 864 pattern (72 printable characters per line,
 *     each line starting one character further along the 95 printable
 *     ASCII characters, CR LF) and refills its send ring on
 *     TCP_EV_WRITABLE; what the client sends it is discarded;
 *   - on the peer's FIN each service finishes what it queued and closes
 *     (RFC 9293 3.10.4); a reset or timeout releases the pcb;
 *   - up to SVC_CONNS connections at once; one more is reset at accept.
 * Deviation: RFC 864 says a TCP chargen server may stop "after some time";
 * this one sends until the client closes.
 */
#include <skiff.h>
#include <errno.h>
#include <string.h>

#include "services.h"
#include "kernel/netdev.h"
#include "net/tcp.h"
#include "net/udp.h"

#define SVC_CONNS	1024	/* connections at once, all services */
#define SVC_BACKLOG	256	/* established, waiting for accept */

enum svc_kind { SVC_ECHO, SVC_DISCARD, SVC_CHARGEN, SVC_KINDS };

static const uint16_t svc_port[SVC_KINDS] = {7, 9, 19};
static const char *const svc_name[SVC_KINDS] = {"echo", "discard", "chargen"};

struct svc_conn {
	struct tcp_pcb *pcb;	/* NULL: the slot is free */
	uint8_t kind;		/* enum svc_kind */
	bool busy;		/* inside this connection's handler */
	unsigned pending;	/* events that came in while busy */
	uint32_t gen_off;	/* chargen: offset in the pattern */
	int next_free;
};

/* RFC 864: 95 lines of 72 characters + CR LF, then the pattern repeats. */
#define GEN_LINE	74
#define GEN_PERIOD	(95 * GEN_LINE)

static struct {
	struct netstack *ns;
	struct tcp_pcb *lis[SVC_KINDS];
	struct udp_pcb *udp_echo;
	bool nodelay;
	struct svc_conn conn[SVC_CONNS];
	int free_head;
	unsigned active;
	uint64_t accepted[SVC_KINDS];
	uint64_t bytes[SVC_KINDS];	/* echoed, discarded, generated */
	uint64_t refused;		/* no slot: reset at accept */
	/* Two periods back to back: any offset has GEN_PERIOD contiguous bytes. */
	uint8_t gen[2 * GEN_PERIOD];
} svc;

static struct svc_conn *conn_alloc(void)
{
	struct svc_conn *c;

	if (svc.free_head < 0)
		return NULL;
	c = &svc.conn[svc.free_head];
	svc.free_head = c->next_free;
	svc.active++;
	return c;
}

/* Hand the pcb back to the stack (FIN after what is queued) and the slot
 * to the free list; no callback comes for it after tcp_close(). */
static void conn_release(struct svc_conn *c)
{
	tcp_close(svc.ns, c->pcb);
	c->pcb = NULL;
	c->next_free = svc.free_head;
	svc.free_head = (int)(c - svc.conn);
	svc.active--;
}

/* True once the peer's FIN is in and every byte before it was taken:
 * tcp_recv() says 0 there, -EAGAIN while the stream is open. */
static bool conn_at_eof(struct svc_conn *c)
{
	uint8_t b;

	return tcp_recv(svc.ns, c->pcb, &b, 1, TCP_RECV_PEEK) == 0;
}

/* RFC 863 (and chargen's input): consume everything that came in. */
static void conn_drain(struct svc_conn *c)
{
	struct tcp_span sp[2];
	size_t n;

	while ((n = tcp_recv_peek(svc.ns, c->pcb, sp)) > 0) {
		svc.bytes[SVC_DISCARD] += c->kind == SVC_DISCARD ? n : 0;
		tcp_recv_ack(svc.ns, c->pcb, n);
	}
}

/*
 * RFC 862: send back what came in. Only what tcp_send() took is consumed
 * from the receive ring; the rest waits there for TCP_EV_WRITABLE. The
 * span is handed to tcp_send() straight away, before any other call on
 * the pcb, so it is still valid (net/tcp.h).
 */
static int echo_pump(struct svc_conn *c)
{
	struct tcp_span sp[2];
	size_t n;
	long took;

	while ((n = tcp_recv_peek(svc.ns, c->pcb, sp)) > 0) {
		took = tcp_send(svc.ns, c->pcb, sp[0].p, sp[0].len,
				sp[1].len ? TCP_SEND_MORE : 0);
		if (took == -EAGAIN)
			return 0;
		if (took < 0)
			return (int)took;
		tcp_recv_ack(svc.ns, c->pcb, (size_t)took);
		svc.bytes[SVC_ECHO] += (uint64_t)took;
		if ((size_t)took < sp[0].len)
			return 0;	/* send ring full */
	}
	return 0;
}

/*
 * RFC 864: fill the send ring with the pattern from where it stopped. Each
 * piece but the last says more follows, so that on a TSO interface the
 * pieces leave as 64 KiB segments, not one each (net/tcp.h); the empty
 * send at the end lets go what that held.
 */
static int chargen_pump(struct svc_conn *c)
{
	for (;;) {
		long took = tcp_send(svc.ns, c->pcb, svc.gen + c->gen_off,
				     GEN_PERIOD, TCP_SEND_MORE);

		if (took < 0 && took != -EAGAIN)
			return (int)took;
		if (took > 0) {
			c->gen_off = (uint32_t)((c->gen_off + (size_t)took) % GEN_PERIOD);
			svc.bytes[SVC_CHARGEN] += (uint64_t)took;
		}
		if (took < GEN_PERIOD) {	/* the ring is full */
			tcp_send(svc.ns, c->pcb, NULL, 0, 0);
			return 0;
		}
	}
}

static void conn_handle(struct svc_conn *c, unsigned events)
{
	int err = 0;

	/* Reset or timed out: nothing more can be sent or received. The
	 * state decides, not the event bits, which may be stale. */
	if (tcp_state(c->pcb) == TCP_CLOSED) {
		if (events & TCP_EV_ERROR)
			tcp_error(svc.ns, c->pcb);
		conn_release(c);
		return;
	}
	switch (c->kind) {
	case SVC_ECHO:
		err = echo_pump(c);
		break;
	case SVC_DISCARD:
		conn_drain(c);
		break;
	case SVC_CHARGEN:
		conn_drain(c);
		err = chargen_pump(c);
		break;
	}
	/* RFC 9293 3.10.4: the client is done, and echo has queued all it
	 * sent; closing sends our FIN after what is queued. */
	if (err || conn_at_eof(c))
		conn_release(c);
}

/* The pcb callback. The engine may call it again from inside our own calls
 * on the pcb; those events are picked up by the outer invocation. */
static void conn_event(void *arg, struct tcp_pcb *pcb, unsigned events)
{
	struct svc_conn *c = arg;

	(void)pcb;
	if (c->busy) {
		c->pending |= events;
		return;
	}
	c->busy = true;
	for (;;) {
		conn_handle(c, events | c->pending);
		c->pending = 0;
		if (!c->pcb) {
			c->busy = false;	/* released */
			return;
		}
		if (!c->pending)
			break;
		events = 0;
	}
	c->busy = false;
}

static void reject_event(void *arg, struct tcp_pcb *pcb, unsigned events)
{
	(void)arg;
	(void)pcb;
	(void)events;
}

static void lis_event(void *arg, struct tcp_pcb *lis, unsigned events)
{
	unsigned kind = (unsigned)(uintptr_t)arg;
	struct tcp_pcb *pcb;
	struct svc_conn *c;

	if (!(events & TCP_EV_ACCEPT))
		return;
	for (;;) {
		c = conn_alloc();
		if (!c) {
			/* Out of slots: take the connection and reset it, so the
			 * client learns at once instead of retrying forever. */
			if (tcp_accept(svc.ns, lis, reject_event, NULL, &pcb) != 0)
				return;
			tcp_abort(svc.ns, pcb);
			svc.refused++;
			continue;
		}
		c->kind = (uint8_t)kind;
		c->gen_off = 0;
		c->busy = false;
		c->pending = 0;
		if (tcp_accept(svc.ns, lis, conn_event, c, &pcb) != 0) {
			c->pcb = pcb = NULL;
			c->next_free = svc.free_head;
			svc.free_head = (int)(c - svc.conn);
			svc.active--;
			return;
		}
		c->pcb = pcb;
		svc.accepted[kind]++;
		if (svc.nodelay)
			tcp_setopt(svc.ns, pcb, TCP_OPT_NODELAY, 1);
		/* Data (even a FIN) may have come with the handshake. */
		conn_event(c, pcb, tcp_events(pcb) | TCP_EV_WRITABLE);
	}
}

/* RFC 862 over UDP: each datagram goes back to where it came from. Not to
 * the well-known small-service ports, so two echo servers cannot bounce a
 * datagram between them forever. */
static void udp_echo(void *arg, const struct udp_meta *m, const uint8_t *data,
		     size_t len)
{
	(void)arg;
	if (m->sport == 7 || m->sport == 9 || m->sport == 13 ||
	    m->sport == 19 || m->sport == 0)
		return;
	udp_sendto(svc.ns, svc.udp_echo, m->src, m->sport, data, len);
}

static int listen_on(unsigned kind)
{
	struct tcp_pcb *pcb;
	int err = tcp_open(svc.ns, lis_event, (void *)(uintptr_t)kind, &pcb);

	if (err)
		return err;
	err = tcp_bind(svc.ns, pcb, 0, svc_port[kind]);
	if (!err)
		err = tcp_listen(svc.ns, pcb, SVC_BACKLOG);
	if (err) {
		tcp_abort(svc.ns, pcb);
		return err;
	}
	svc.lis[kind] = pcb;
	return 0;
}

int services_start(struct netstack *ns, bool nodelay)
{
	unsigned i, k;
	int err, failed = 0;

	svc.ns = ns;
	svc.nodelay = nodelay;
	for (i = 0; i < 2 * GEN_PERIOD; i++) {
		unsigned line = (i % GEN_PERIOD) / GEN_LINE, col = i % GEN_LINE;

		svc.gen[i] = col == 72 ? '\r' : col == 73 ? '\n' :
			     (uint8_t)(' ' + (line + col) % 95);
	}
	for (i = 0; i < SVC_CONNS; i++)
		svc.conn[i].next_free = i + 1 < SVC_CONNS ? (int)i + 1 : -1;
	svc.free_head = 0;

	netdev_lock();
	for (k = 0; k < SVC_KINDS; k++) {
		err = listen_on(k);
		if (err) {
			printf("netidle: tcp %s port %u: error %d\n", svc_name[k],
			       svc_port[k], err);
			failed = err;
		}
	}
	err = udp_bind(ns, 7, 0, udp_echo, NULL, &svc.udp_echo);
	netdev_unlock();
	if (err)
		printf("netidle: udp echo port 7: error %d\n", err);
	if (!failed)
		printf("netidle: tcp echo 7, discard 9, chargen 19%s\n",
		       err ? "" : "; udp echo 7");
	return failed ? failed : err;
}

void services_print(void)
{
	uint64_t acc[SVC_KINDS], bytes[SVC_KINDS], refused;
	unsigned active;

	/* Copy under the lock, print outside it: the console is slow. */
	netdev_lock();
	memcpy(acc, svc.accepted, sizeof(acc));
	memcpy(bytes, svc.bytes, sizeof(bytes));
	refused = svc.refused;
	active = svc.active;
	netdev_unlock();
	printf("netidle: tcp conns %u (refused %llu); accepted echo %llu discard %llu "
	       "chargen %llu; bytes echoed %llu discarded %llu generated %llu\n",
	       active, (unsigned long long)refused,
	       (unsigned long long)acc[SVC_ECHO],
	       (unsigned long long)acc[SVC_DISCARD],
	       (unsigned long long)acc[SVC_CHARGEN],
	       (unsigned long long)bytes[SVC_ECHO],
	       (unsigned long long)bytes[SVC_DISCARD],
	       (unsigned long long)bytes[SVC_CHARGEN]);
}

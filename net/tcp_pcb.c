/*
 * tcp_pcb.c: TCP control blocks, their tables, and the setup half of the
 * engine API (open, bind, listen, accept, connect).
 *
 * Promises: a segment finds its connection with one hash lookup on the
 * 4-tuple (or its listener with one on the port), never a scan; the tables
 * are sized from params.tcp_max_pcbs at stack creation. Initial sequence
 * numbers follow RFC 6528 (a SipHash-2-4 of the 4-tuple keyed with a secret
 * drawn from env.random at creation, plus a 4 us clock); the TSval offset
 * is a keyed hash of the address pair (RFC 7323 5.4, 7.1); ephemeral ports
 * follow RFC 6056 3.3.3 (algorithm 3, hash-based offset plus a counter) in
 * the RFC 6335 range 49152-65535. Callbacks never run in the middle of a
 * state change: tcp_notify() queues them and the outermost tcp_leave() runs
 * them, so a callback may close, abort or send on any pcb.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "tcp_priv.h"

#define EPH_MIN 49152u
#define EPH_NUM 16384u

void tcp_params_defaults(struct netstack_params *p)
{
	if (!p->tcp_max_pcbs)
		p->tcp_max_pcbs = 16384;
	/* 1 Gbit/s x 1 ms = 125 kB in flight. */
	if (!p->tcp_sndbuf)
		p->tcp_sndbuf = 128 * 1024;
	if (!p->tcp_rcvbuf)
		p->tcp_rcvbuf = 128 * 1024;
	/* Room for a larger window (tcp_in.c, rcv_grow) where the sender
	 * fills what we offer; unused unless it does: four times the ring,
	 * up to 512 KiB (the window a 1 % lossy path needed to match a
	 * Linux receiver's recovery count, bench/lossy.sh), or the ring
	 * when that is larger. The SYN's window scale covers it
	 * (tcp_route_setup). */
	if (!p->tcp_rcvbuf_max) {
		p->tcp_rcvbuf_max = p->tcp_rcvbuf < TCP_RCVBUF_GROW_MAX / 4 ?
				    4 * p->tcp_rcvbuf : TCP_RCVBUF_GROW_MAX;
	}
	if (p->tcp_rcvbuf_max < p->tcp_rcvbuf)
		p->tcp_rcvbuf_max = p->tcp_rcvbuf;
	if (!p->tcp_msl_ms)
		p->tcp_msl_ms = 30000;
	if (!p->tcp_rto_initial_ms)
		p->tcp_rto_initial_ms = 1000;
	if (!p->tcp_rto_min_ms)
		p->tcp_rto_min_ms = 200;
	if (!p->tcp_rto_max_ms)
		p->tcp_rto_max_ms = 60000;
	if (!p->tcp_syn_retries)
		p->tcp_syn_retries = 6;
	if (!p->tcp_max_retries)
		p->tcp_max_retries = 15;
	/* The backoff count is a uint8_t: a limit above it never ends. */
	if (p->tcp_syn_retries > 255)
		p->tcp_syn_retries = 255;
	if (p->tcp_max_retries > 255)
		p->tcp_max_retries = 255;
	if (!p->tcp_syn_backlog)
		p->tcp_syn_backlog = 128;
	if (!p->tcp_delack_ms)
		p->tcp_delack_ms = 40;
	if (!p->tcp_challenge_acks_per_s)
		p->tcp_challenge_acks_per_s = 100;
	if (!p->tcp_fin_wait2_ms)
		p->tcp_fin_wait2_ms = 60000;
	if (!p->tcp_keepidle_s)
		p->tcp_keepidle_s = 7200;
	if (!p->tcp_keepintvl_s)
		p->tcp_keepintvl_s = 75;
	if (!p->tcp_keepcnt)
		p->tcp_keepcnt = 9;
	if (!p->tcp_syncookies)
		p->tcp_syncookies = 1;
}

static uint32_t mix32(uint32_t h)
{
	/* MurmurHash3's finalizer: every input bit reaches every output bit. */
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

static uint32_t hash4(const struct tcp_stack *ts, uint32_t laddr,
		      uint16_t lport, uint32_t raddr, uint16_t rport)
{
	uint32_t h = mix32(ts->hash_seed ^ raddr);

	h = mix32(h ^ (((uint32_t)lport << 16) | rport));
	h = mix32(h ^ laddr);
	return h & ts->mask;
}

static uint32_t hash_port(const struct tcp_stack *ts, uint16_t port)
{
	return mix32(ts->hash_seed ^ port) & ts->mask;
}

static uint64_t rand64(struct netstack *ns)
{
	return ((uint64_t)net_random(ns) << 32) | net_random(ns);
}

int tcp_init(struct netstack *ns)
{
	struct tcp_stack *ts = net_alloc(ns, sizeof(*ts));
	uint32_t n = 64;
	size_t sz;

	if (!ts)
		return -ENOMEM;
	while (n < ns->par.tcp_max_pcbs && n < 65536)
		n *= 2;
	sz = sizeof(struct tcp_pcb *) * n;
	ts->conn_hash = net_alloc(ns, sz);
	ts->lis_hash = net_alloc(ns, sz);
	ts->bind_hash = net_alloc(ns, sz);
	if (!ts->conn_hash || !ts->lis_hash || !ts->bind_hash) {
		net_free(ns, ts->conn_hash, sz);
		net_free(ns, ts->lis_hash, sz);
		net_free(ns, ts->bind_hash, sz);
		net_free(ns, ts, sizeof(*ts));
		return -ENOMEM;
	}
	ts->mask = n - 1;
	ts->hash_seed = net_random(ns);
	/* RFC 6528 3: the secret key; RFC 6056 3.3.3: a second one. */
	ts->isn_key.k0 = rand64(ns);
	ts->isn_key.k1 = rand64(ns);
	ts->port_key.k0 = rand64(ns);
	ts->port_key.k1 = rand64(ns);
	ts->cookie_key.k0 = rand64(ns);
	ts->cookie_key.k1 = rand64(ns);
	ts->port_next = net_random(ns);
	ts->ts_key.k0 = rand64(ns);	/* RFC 7323 7.1 */
	ts->ts_key.k1 = rand64(ns);
	ns->tcp = ts;
	return 0;
}

static void pcb_free_mem(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;

	net_free(ns, pcb->snd.buf, pcb->snd.size);
	net_free(ns, pcb->rcv.buf, pcb->rcv.size);
	net_free(ns, pcb, sizeof(*pcb));
}

void tcp_fini(struct netstack *ns)
{
	struct tcp_stack *ts = ns->tcp;
	size_t sz;

	if (!ts)
		return;
	/* Callbacks still queued die with the stack: unlink them first
	 * (zombies are only on this list), then free every pcb. */
	while (ts->nhead) {
		struct tcp_pcb *pcb = ts->nhead;

		ts->nhead = pcb->nnext;
		pcb->notify_queued = false;
		if (pcb->zombie)
			pcb_free_mem(pcb);
	}
	ts->ntail = NULL;
	while (ts->all)
		tcp_pcb_destroy(ts->all);
	sz = sizeof(struct tcp_pcb *) * (ts->mask + 1);
	net_free(ns, ts->conn_hash, sz);
	net_free(ns, ts->lis_hash, sz);
	net_free(ns, ts->bind_hash, sz);
	net_free(ns, ts, sizeof(*ts));
	ns->tcp = NULL;
}

/* Run queued callbacks once the state is consistent (see file header). */
static void notify_flush(struct netstack *ns)
{
	struct tcp_stack *ts = ns->tcp;

	ts->flushing = true;
	while (ts->nhead) {
		struct tcp_pcb *pcb = ts->nhead;
		unsigned bits = pcb->notify;

		ts->nhead = pcb->nnext;
		if (!ts->nhead)
			ts->ntail = NULL;
		pcb->nnext = NULL;
		pcb->notify_queued = false;
		pcb->notify = 0;
		if (pcb->zombie) {
			pcb_free_mem(pcb);
			continue;
		}
		if (pcb->app && pcb->fn && bits)
			pcb->fn(pcb->arg, pcb, bits);
	}
	ts->flushing = false;
}

void tcp_enter(struct netstack *ns)
{
	net_lock(ns);
	net_clock(ns);
	ns->tcp->depth++;
}

void tcp_leave(struct netstack *ns)
{
	struct tcp_stack *ts = ns->tcp;

	if (ts->depth == 1 && !ts->flushing && ts->nhead)
		notify_flush(ns);
	ts->depth--;
	net_unlock(ns);
}

static unsigned events_of(const struct tcp_pcb *pcb)
{
	unsigned ev = 0;

	if (pcb->state == TCP_LISTEN)
		return pcb->aq_len ? TCP_EV_ACCEPT : 0;
	if (pcb->rcv.len || pcb->fin_rcvd || pcb->error ||
	    (pcb->state == TCP_CLOSED && pcb->connected_once))
		ev |= TCP_EV_READABLE;
	if (pcb->error || (pcb->connected_once && !pcb->fin_queued &&
			   (pcb->state == TCP_ESTABLISHED ||
			    pcb->state == TCP_CLOSE_WAIT) &&
			   (!pcb->snd.buf || ring_room(&pcb->snd) > 0)))
		ev |= TCP_EV_WRITABLE;
	if (pcb->connected_once)
		ev |= TCP_EV_CONNECTED;
	if (pcb->error)
		ev |= TCP_EV_ERROR;
	if ((pcb->state == TCP_CLOSED &&
	     (pcb->connected_once || pcb->error)) ||
	    pcb->state == TCP_TIME_WAIT)
		ev |= TCP_EV_CLOSED;
	return ev;
}

void tcp_notify(struct tcp_pcb *pcb, unsigned bits)
{
	struct tcp_stack *ts = pcb->ns->tcp;
	unsigned ev = events_of(pcb);

	/* Release: a waiter that sees the bit also sees the data behind it. */
	__atomic_store_n(&pcb->events, ev, __ATOMIC_RELEASE);
	/* Only what is true now: a stale CLOSED on a live connection (say,
	 * from tcp_accept's catch-up) would make an app close it. */
	bits &= ev;
	if (!bits || !pcb->app || !pcb->fn)
		return;
	pcb->notify |= bits;
	if (pcb->notify_queued)
		return;
	pcb->notify_queued = true;
	pcb->nnext = NULL;
	if (ts->ntail)
		ts->ntail->nnext = pcb;
	else
		ts->nhead = pcb;
	ts->ntail = pcb;
}

static void tw_remove(struct tcp_pcb *pcb)
{
	struct tcp_stack *ts = pcb->ns->tcp;

	if (!pcb->on_tw)
		return;
	if (pcb->twprev)
		pcb->twprev->twnext = pcb->twnext;
	else
		ts->tw_head = pcb->twnext;
	if (pcb->twnext)
		pcb->twnext->twprev = pcb->twprev;
	else
		ts->tw_tail = pcb->twprev;
	pcb->twnext = pcb->twprev = NULL;
	pcb->on_tw = false;
}

/* An orphan entered TIME-WAIT: it may be recycled when pcbs run out. */
void tcp_tw_add(struct tcp_pcb *pcb)
{
	struct tcp_stack *ts = pcb->ns->tcp;

	if (pcb->on_tw || pcb->app || pcb->parent ||
	    pcb->state != TCP_TIME_WAIT)
		return;
	pcb->twprev = ts->tw_tail;
	pcb->twnext = NULL;
	if (ts->tw_tail)
		ts->tw_tail->twnext = pcb;
	else
		ts->tw_head = pcb;
	ts->tw_tail = pcb;
	pcb->on_tw = true;
}

struct tcp_pcb *tcp_pcb_new(struct netstack *ns)
{
	struct tcp_stack *ts = ns->tcp;
	struct tcp_pcb *pcb;

	/* Out of pcbs: the oldest orphaned TIME-WAIT gives way, as Linux
	 * does when its TIME-WAIT buckets overflow; the 2*MSL quiet time
	 * (RFC 9293 3.4.2) is cut short for that one 4-tuple only. */
	if (ts->count >= ns->par.tcp_max_pcbs && ts->tw_head) {
		net_count(ns, NET_STAT_TCP_TW_RECYCLED);
		tcp_pcb_destroy(ts->tw_head);
	}
	if (ts->count >= ns->par.tcp_max_pcbs)
		return NULL;
	pcb = net_alloc(ns, sizeof(*pcb));
	if (!pcb)
		return NULL;
	pcb->ns = ns;
	pcb->state = TCP_CLOSED;
	pcb->sndbuf = ns->par.tcp_sndbuf;
	pcb->rcvbuf = ns->par.tcp_rcvbuf;
	pcb->rcvbuf_max = ns->par.tcp_rcvbuf_max;
	pcb->keepidle_s = ns->par.tcp_keepidle_s;
	pcb->keepintvl_s = ns->par.tcp_keepintvl_s;
	pcb->keepcnt = ns->par.tcp_keepcnt;
	pcb->rto_ms = ns->par.tcp_rto_initial_ms;
	pcb->mss = TCP_DEFAULT_MSS;
	net_timer_init(&pcb->timer, tcp_timer_fire);
	pcb->anext = ts->all;
	if (ts->all)
		ts->all->aprev = pcb;
	ts->all = pcb;
	ts->count++;
	return pcb;
}

static void unbind(struct tcp_pcb *pcb)
{
	struct tcp_stack *ts = pcb->ns->tcp;
	struct tcp_pcb **pp;

	if (!pcb->bound)
		return;
	for (pp = &ts->bind_hash[hash_port(ts, pcb->lport)]; *pp;
	     pp = &(*pp)->bnext)
		if (*pp == pcb) {
			*pp = pcb->bnext;
			break;
		}
	pcb->bound = false;
}

static void do_bind(struct tcp_pcb *pcb)
{
	struct tcp_stack *ts = pcb->ns->tcp;
	uint32_t b = hash_port(ts, pcb->lport);

	pcb->bnext = ts->bind_hash[b];
	ts->bind_hash[b] = pcb;
	pcb->bound = true;
}

void tcp_unhash(struct tcp_pcb *pcb)
{
	struct tcp_stack *ts = pcb->ns->tcp;
	struct tcp_pcb **pp;

	if (pcb->hashed == TCP_H_CONN)
		pp = &ts->conn_hash[hash4(ts, pcb->laddr, pcb->lport,
					  pcb->raddr, pcb->rport)];
	else if (pcb->hashed == TCP_H_LISTEN)
		pp = &ts->lis_hash[hash_port(ts, pcb->lport)];
	else
		return;
	for (; *pp; pp = &(*pp)->hnext)
		if (*pp == pcb) {
			*pp = pcb->hnext;
			break;
		}
	pcb->hashed = 0;
}

void tcp_hash_conn(struct tcp_pcb *pcb)
{
	struct tcp_stack *ts = pcb->ns->tcp;
	uint32_t b = hash4(ts, pcb->laddr, pcb->lport, pcb->raddr,
			   pcb->rport);

	tcp_unhash(pcb);
	pcb->hnext = ts->conn_hash[b];
	ts->conn_hash[b] = pcb;
	pcb->hashed = TCP_H_CONN;
}

/* The child leaves its listener's books (SYN queue or accept queue),
 * by where it is, not by its state: tcp_finish() sets CLOSED first. */
static void detach_child(struct tcp_pcb *pcb)
{
	struct tcp_pcb *lis = pcb->parent;

	if (!lis)
		return;
	if (pcb->in_synq) {
		lis->syn_len--;
		pcb->in_synq = false;
	} else {
		tcp_aq_remove(lis, pcb);
		__atomic_store_n(&lis->events, events_of(lis),
				 __ATOMIC_RELEASE);
	}
	pcb->parent = NULL;
}

/* A listener going away takes its unaccepted children with it. */
static void destroy_children(struct tcp_pcb *lis)
{
	struct tcp_pcb *c, *next;

	for (c = lis->ns->tcp->all; c; c = next) {
		next = c->anext;
		if (c->parent != lis)
			continue;
		/* RFC 9293 3.10.4: queued connections are reset. */
		if (c->state != TCP_SYN_RECEIVED)
			tcp_send_rst_pcb(c);
		tcp_pcb_destroy(c);
		/* next may have been freed only if it was c's child: never. */
	}
}

void tcp_pcb_destroy(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;
	struct tcp_stack *ts = ns->tcp;

	if (pcb->state == TCP_LISTEN)
		destroy_children(pcb);
	detach_child(pcb);
	tcp_unhash(pcb);
	unbind(pcb);
	tw_remove(pcb);
	net_timer_cancel(ns, &pcb->timer);
	if (pcb->aprev)
		pcb->aprev->anext = pcb->anext;
	else
		ts->all = pcb->anext;
	if (pcb->anext)
		pcb->anext->aprev = pcb->aprev;
	ts->count--;
	pcb->state = TCP_CLOSED;
	pcb->app = false;
	if (pcb->notify_queued) {
		pcb->zombie = true;	/* the flush frees it */
		return;
	}
	pcb_free_mem(pcb);
}

struct tcp_pcb *tcp_lookup_conn(struct netstack *ns, uint32_t laddr,
				uint16_t lport, uint32_t raddr, uint16_t rport)
{
	struct tcp_stack *ts = ns->tcp;
	struct tcp_pcb *pcb = ts->conn_hash[hash4(ts, laddr, lport, raddr,
						  rport)];

	for (; pcb; pcb = pcb->hnext)
		if (pcb->lport == lport && pcb->rport == rport &&
		    pcb->raddr == raddr && pcb->laddr == laddr)
			return pcb;
	return NULL;
}

struct tcp_pcb *tcp_lookup_listener(struct netstack *ns, uint32_t laddr,
				    uint16_t lport)
{
	struct tcp_stack *ts = ns->tcp;
	struct tcp_pcb *pcb = ts->lis_hash[hash_port(ts, lport)];
	struct tcp_pcb *any = NULL;

	for (; pcb; pcb = pcb->hnext) {
		if (pcb->lport != lport)
			continue;
		if (pcb->laddr == laddr)
			return pcb;
		if (!pcb->laddr)
			any = pcb;
	}
	return any;
}

/* RFC 6528 3: ISN = M + F(localip, localport, remoteip, remoteport,
 * secretkey), M a 4-microsecond timer. */
uint32_t tcp_isn(struct netstack *ns, uint32_t laddr, uint16_t lport,
		 uint32_t raddr, uint16_t rport)
{
	uint8_t m[12];
	uint32_t f;

	memcpy(m, &laddr, 4);
	memcpy(m + 4, &raddr, 4);
	memcpy(m + 8, &lport, 2);
	memcpy(m + 10, &rport, 2);
	f = (uint32_t)siphash24(&ns->tcp->isn_key, m, sizeof(m));
	return f + (uint32_t)(ns->now / 4000);
}

/*
 * RFC 7323 5.4 and 7.1: the TSval offset is a keyed hash of the address
 * pair, not of the connection. TSval then runs on, monotonic, across
 * every connection between the two hosts, which is what lets a peer
 * holding an old incarnation in TIME-WAIT accept a new SYN by its newer
 * timestamp (RFC 6191 3), and PAWS compare incarnations at all; a random
 * offset per connection made about every other reconnect look older.
 * Ports are left out on purpose (as Linux's secure_tcp_ts_off): every
 * port pair between two hosts shares one clock, so any reuse of a
 * 4-tuple sees it move forward. The key is separate from the ISN key, so
 * the offset tells nothing about ISNs. It still hides our uptime.
 */
uint32_t tcp_ts_offset(struct netstack *ns, uint32_t laddr, uint32_t raddr)
{
	uint8_t m[8];

	memcpy(m, &laddr, 4);
	memcpy(m + 4, &raddr, 4);
	return (uint32_t)siphash24(&ns->tcp->ts_key, m, sizeof(m));
}

/* The receive ring, needed as soon as the window is open; the send ring
 * waits for the first tcp_send() (tcp_snd_ring), so a connection that
 * only receives never holds one. */
int tcp_rings_alloc(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;

	if (!pcb->rcv.buf) {
		pcb->rcv.buf = net_alloc_raw(ns, pcb->rcvbuf);	/* a ring: read only where written */
		if (!pcb->rcv.buf)
			return -ENOMEM;
		pcb->rcv.size = pcb->rcvbuf;
	}
	return 0;
}

/* A closed connection's rings, once nothing can need them: the receive
 * ring when the app has closed with nothing unread (data for an orphan
 * is answered with RST, tcp_in_sync), the send ring when all it held is
 * acknowledged. So an orphan waiting in FIN-WAIT-2 or LAST-ACK for a
 * peer that never finishes holds its control block only, and memory for
 * closed connections is bounded by tcp_max_pcbs control blocks rather
 * than by rings. */
void tcp_orphan_trim(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;

	if (pcb->app || pcb->parent)
		return;
	if (pcb->rcv.buf && !pcb->rcv.len) {
		net_free(ns, pcb->rcv.buf, pcb->rcv.size);
		memset(&pcb->rcv, 0, sizeof(pcb->rcv));
	}
	if (pcb->snd.buf && !pcb->snd.len) {
		net_free(ns, pcb->snd.buf, pcb->snd.size);
		memset(&pcb->snd, 0, sizeof(pcb->snd));
		pcb->nsref = 0;
	}
}

void tcp_set_state(struct tcp_pcb *pcb, enum tcp_state s)
{
	pcb->state = (uint8_t)s;
	if (s == TCP_ESTABLISHED)
		pcb->connected_once = true;
}

void tcp_finish(struct tcp_pcb *pcb, int err)
{
	int k;

	for (k = 0; k < TCP_T_COUNT; k++)
		pcb->t_at[k] = 0;
	net_timer_cancel(pcb->ns, &pcb->timer);
	if (err)
		pcb->error = err;
	tcp_set_state(pcb, TCP_CLOSED);
	if (!pcb->app) {
		tcp_pcb_destroy(pcb);
		return;
	}
	tcp_unhash(pcb);
	tcp_notify(pcb, TCP_EV_CLOSED | TCP_EV_READABLE | TCP_EV_WRITABLE |
			(err ? TCP_EV_ERROR : 0));
}

/*
 * RFC 9293 3.7.1 / RFC 6691: the MSS we can take on this interface is its
 * MTU less the fixed IP and TCP headers. Segments are built in one small
 * pktbuf, so the MSS never exceeds what one holds with full options:
 * loopback's 65535 MTU would otherwise need the few large buffers.
 * An interface may also cap the receive window (netif_set_rcv_window_max).
 * On a TSO interface (NETIF_OFFLOAD_TSO4) data segments may be up to 64 KiB
 * and the device cuts them at the MSS (tcp_out.c).
 */
void tcp_route_setup(struct tcp_pcb *pcb, struct netif *nif)
{
	uint32_t mss = NET_PKT_SMALL_CAP - NET_HEADROOM - TCP_HDR_MAX;
	uint32_t wmax = pcb->rcvbuf, gmax = pcb->rcvbuf_max;
	uint8_t ws = 0;

	if (nif && nif->mtu > 40 && (uint32_t)nif->mtu - 40 < mss)
		mss = (uint32_t)nif->mtu - 40;
	if (nif && nif->rcv_wnd_max && nif->rcv_wnd_max < wmax)
		wmax = nif->rcv_wnd_max;
	if (gmax < pcb->rcvbuf)
		gmax = pcb->rcvbuf;
	if (nif && nif->rcv_wnd_max && nif->rcv_wnd_max < gmax)
		gmax = nif->rcv_wnd_max;
	pcb->path_mss = (uint16_t)mss;
	/* A TSO interface takes one datagram of up to 64 KiB and cuts it. */
	pcb->tso_max = nif && (nif->offload & NETIF_OFFLOAD_TSO4) ?
		       NETIF_TSO_MAX - IP_HDR_LEN - TCP_HDR_MAX : 0;
	pcb->rcv_mss = (uint16_t)mss;
	if (pcb->maxseg && pcb->maxseg < pcb->rcv_mss)
		pcb->rcv_mss = (uint16_t)pcb->maxseg;
	pcb->rcv_wnd_max = wmax;
	/* RFC 7323 2.3: the smallest shift that lets the window cover the
	 * ring, and the ring it may grow to (tcp_in.c rcv_grow) within a
	 * unit: 3 for the default 128 KiB growing to 512 KiB, whose window
	 * is then 65535 << 3, 8 bytes short of it. The coarser window is
	 * rounded so that its edge never retracts (tcp_out.c rcv_wnd_field,
	 * RFC 7323 2.4). */
	while (ws < TCP_MAX_WSCALE &&
	       ((65535u << ws) < wmax || (65536u << ws) < gmax))
		ws++;
	pcb->rcv_ws = ws;
	if (gmax > 65535u << ws)
		gmax = 65535u << ws;
	pcb->rcvbuf_max = gmax;
}

/* ---- the API: setup ---- */

int tcp_open(struct netstack *ns, tcp_event_fn fn, void *arg,
	     struct tcp_pcb **out)
{
	struct tcp_pcb *pcb;

	if (!out)
		return -EINVAL;
	tcp_enter(ns);
	pcb = tcp_pcb_new(ns);
	if (pcb) {
		pcb->fn = fn;
		pcb->arg = arg;
		pcb->app = true;
	}
	tcp_leave(ns);
	*out = pcb;
	return pcb ? 0 : -ENOMEM;
}

/*
 * May pcb take (addr, port)? Bound pcbs and listeners on it say no, unless
 * both sides asked for REUSEADDR and the other is not listening. When
 * connecting (raddr known), a port that connect() itself handed to other
 * connections, TIME-WAIT included, is shared: the 4-tuple tells them apart
 * (RFC 6056 3.3.3 "suitable" means the 4-tuple is unused), so a client is
 * not held to 16,384 connections per 2*MSL across all its peers.
 */
static bool port_usable(struct netstack *ns, const struct tcp_pcb *pcb,
			uint32_t addr, uint16_t port, bool connecting)
{
	struct tcp_stack *ts = ns->tcp;
	struct tcp_pcb *o = ts->bind_hash[hash_port(ts, port)];

	for (; o; o = o->bnext) {
		if (o == pcb || o->lport != port)
			continue;
		if (o->laddr && addr && o->laddr != addr)
			continue;
		if (connecting && o->eph_conn && o->rport)
			continue;
		if (pcb->reuseaddr && o->state != TCP_LISTEN &&
		    (o->reuseaddr || o->state == TCP_TIME_WAIT || !o->app))
			continue;
		return false;
	}
	return true;
}

/* RFC 6056 3.3.3, algorithm 3: offset = F(local, remote, secret), then
 * step a shared counter; a port is suitable if nothing bound holds it and
 * (when the peer is known) the 4-tuple is unused. */
static uint16_t eph_port(struct netstack *ns, struct tcp_pcb *pcb,
			 uint32_t raddr, uint16_t rport)
{
	struct tcp_stack *ts = ns->tcp;
	uint8_t m[10];
	uint32_t offset, count;

	memcpy(m, &pcb->laddr, 4);
	memcpy(m + 4, &raddr, 4);
	memcpy(m + 8, &rport, 2);
	offset = (uint32_t)siphash24(&ts->port_key, m, sizeof(m));
	for (count = 0; count < EPH_NUM; count++) {
		uint16_t port = (uint16_t)(EPH_MIN +
					   (offset + ts->port_next) % EPH_NUM);

		ts->port_next++;
		if (!port_usable(ns, pcb, pcb->laddr, port, raddr != 0))
			continue;
		if (raddr && tcp_lookup_conn(ns, pcb->laddr, port, raddr,
					     rport))
			continue;
		return port;
	}
	return 0;
}

int tcp_bind(struct netstack *ns, struct tcp_pcb *pcb, uint32_t addr,
	     uint16_t port)
{
	int ret = 0;

	tcp_enter(ns);
	if (pcb->bound || pcb->state != TCP_CLOSED) {
		ret = -EINVAL;
		goto out;
	}
	if (addr && !net_local_addr_if(ns, addr)) {
		ret = -EADDRNOTAVAIL;
		goto out;
	}
	pcb->laddr = addr;
	if (!port)
		port = eph_port(ns, pcb, 0, 0);
	if (!port || !port_usable(ns, pcb, addr, port, false)) {
		pcb->laddr = 0;
		ret = -EADDRINUSE;
		goto out;
	}
	pcb->lport = port;
	do_bind(pcb);
out:
	tcp_leave(ns);
	return ret;
}

int tcp_listen(struct netstack *ns, struct tcp_pcb *pcb, int backlog)
{
	struct tcp_stack *ts = ns->tcp;
	int ret = 0;
	uint32_t b;

	tcp_enter(ns);
	if (pcb->state == TCP_LISTEN) {
		pcb->backlog = backlog > 0 ? (uint32_t)backlog : 1;
		goto out;
	}
	if (pcb->state != TCP_CLOSED || pcb->connected_once) {
		ret = -EINVAL;
		goto out;
	}
	if (!pcb->bound) {
		tcp_leave(ns);
		ret = tcp_bind(ns, pcb, 0, 0);
		if (ret)
			return ret;
		tcp_enter(ns);
	}
	if (tcp_lookup_listener(ns, pcb->laddr, pcb->lport) &&
	    tcp_lookup_listener(ns, pcb->laddr, pcb->lport)->laddr ==
	    pcb->laddr) {
		ret = -EADDRINUSE;
		goto out;
	}
	pcb->backlog = backlog > 0 ? (uint32_t)backlog : 1;
	tcp_set_state(pcb, TCP_LISTEN);
	b = hash_port(ts, pcb->lport);
	pcb->hnext = ts->lis_hash[b];
	ts->lis_hash[b] = pcb;
	pcb->hashed = TCP_H_LISTEN;
out:
	tcp_leave(ns);
	return ret;
}

int tcp_accept(struct netstack *ns, struct tcp_pcb *lis, tcp_event_fn fn,
	       void *arg, struct tcp_pcb **out)
{
	return tcp_accept_on(ns, lis, -1, fn, arg, out);
}

int tcp_accept_on(struct netstack *ns, struct tcp_pcb *lis, int cpu,
		  tcp_event_fn fn, void *arg, struct tcp_pcb **out)
{
	struct tcp_pcb *c;
	int ret = 0;

	tcp_enter(ns);
	if (lis->state != TCP_LISTEN) {
		ret = -EINVAL;
		goto out;
	}
	c = tcp_aq_take(lis, cpu);
	if (!c) {
		ret = -EAGAIN;
		goto out;
	}
	c->parent = NULL;
	c->app = true;
	c->fn = fn;
	c->arg = arg;
	tcp_notify(lis, 0);
	/* Whatever arrived before accept is announced to the new owner. */
	tcp_notify(c, TCP_EV_CONNECTED | TCP_EV_WRITABLE |
		       TCP_EV_READABLE | TCP_EV_CLOSED);
	*out = c;
out:
	tcp_leave(ns);
	return ret;
}

int tcp_connect(struct netstack *ns, struct tcp_pcb *pcb, uint32_t dst,
		uint16_t dport)
{
	struct route_result rr;
	int ret;

	tcp_enter(ns);
	if (pcb->state == TCP_LISTEN || pcb->connected_once) {
		ret = -EISCONN;
		goto out;
	}
	if (pcb->state != TCP_CLOSED) {
		ret = -EALREADY;
		goto out;
	}
	/* A failed attempt leaves its error and queued data behind: a new
	 * attempt takes a new pcb. */
	if (pcb->rport) {
		ret = -EINVAL;
		goto out;
	}
	if (!dst || !dport || dst == IP4_BROADCAST || ip4_is_multicast(dst)) {
		ret = -EINVAL;
		goto out;
	}
	ret = route_lookup(ns, dst, &rr);
	if (ret < 0) {
		ret = -ENETUNREACH;
		goto out;
	}
	if (!pcb->laddr)
		pcb->laddr = rr.src ? rr.src : netif_addr_primary(ns,
								 rr.ifindex);
	if (!pcb->laddr) {
		ret = -EADDRNOTAVAIL;
		goto out;
	}
	if (!pcb->bound) {
		pcb->lport = eph_port(ns, pcb, dst, dport);
		if (!pcb->lport) {
			ret = -EADDRNOTAVAIL;
			goto out;
		}
		pcb->eph_conn = true;
		do_bind(pcb);
	} else if (tcp_lookup_conn(ns, pcb->laddr, pcb->lport, dst, dport)) {
		ret = -EADDRINUSE;
		goto out;
	}
	ret = tcp_rings_alloc(pcb);
	if (ret)
		goto out;
	pcb->raddr = dst;
	pcb->rport = dport;
	tcp_route_setup(pcb, netif_lookup(ns, rr.ifindex));
	pcb->iss = tcp_isn(ns, pcb->laddr, pcb->lport, dst, dport);
	pcb->ts_off = tcp_ts_offset(ns, pcb->laddr, dst);
	pcb->snd_una = pcb->iss;
	pcb->snd_nxt = pcb->iss;
	pcb->snd_max = pcb->iss;
	pcb->snd_base = pcb->iss + 1;
	tcp_cc_init(pcb);
	tcp_hash_conn(pcb);
	tcp_set_state(pcb, TCP_SYN_SENT);
	net_count(ns, NET_STAT_TCP_ACTIVE_OPEN);
	tcp_send_syn(pcb);
	ret = 0;
out:
	tcp_leave(ns);
	return ret;
}

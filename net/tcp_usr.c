/*
 * tcp_usr.c: the data half of the engine API: send, receive, shutdown,
 * close and abort (RFC 9293 3.10.2 to 3.10.5, the "user calls"), and
 * options, status and counters (3.10.6 STATUS).
 *
 * Promises: tcp_send() copies into the send ring and never blocks; it
 * returns -EAGAIN with nothing taken when the ring is full. tcp_send_ref()
 * is the same call that queues a reference instead of a copy
 * (tcp_sndref.c), with the same accounting. Data queued in
 * SYN-SENT or SYN-RECEIVED leaves after the handshake (RFC 9293 3.10.2).
 * tcp_recv() and tcp_recv_ack() open the window and send a window update
 * when it grew by enough (RFC 9293 3.8.6.2.2). tcp_close() hands the pcb
 * to the stack: FIN after the queued data, or RST when unread data would
 * be lost (RFC 9293 3.10.4, RFC 2525 2.17); tcp_abort() resets at once.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "tcp_priv.h"

#define TCP_BUF_MIN 2048u
#define TCP_BUF_MAX (16u << 20)

static int take_error(struct tcp_pcb *pcb)
{
	int err = pcb->error;

	pcb->error = 0;
	tcp_notify(pcb, 0);
	return err;
}

/* tcp_send() and tcp_send_ref(): by reference when ref, if a slot is free. */
static long send_common(struct netstack *ns, struct tcp_pcb *pcb,
			const void *buf, size_t len, unsigned flags, bool ref)
{
	long ret;
	uint32_t n;

	tcp_enter(ns);
	if (pcb->error) {
		ret = take_error(pcb);
		goto out;
	}
	switch (pcb->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		break;
	case TCP_CLOSED:
	case TCP_LISTEN:
		ret = pcb->connected_once ? -EPIPE : -ENOTCONN;
		goto out;
	default:
		ret = -EPIPE;
		goto out;
	}
	if (pcb->fin_queued) {
		ret = -EPIPE;
		goto out;
	}
	/* The send ring comes with the first data (tcp_rings_alloc). */
	if (!pcb->snd.buf && len) {
		pcb->snd.buf = net_alloc_raw(ns, pcb->sndbuf);	/* a ring: read only where written */
		if (!pcb->snd.buf) {
			ret = -ENOMEM;
			goto out;
		}
		pcb->snd.size = pcb->sndbuf;
	}
	n = ring_room(&pcb->snd);
	if (len < n)
		n = (uint32_t)len;
	if (!n) {
		/* A call without TCP_SEND_MORE ends what the flag held back,
		 * even with nothing to add (or no room to add it). */
		if (pcb->more && !(flags & TCP_SEND_MORE)) {
			pcb->more = false;
			if (pcb->state >= TCP_ESTABLISHED)
				tcp_output(pcb);
		}
		ret = len ? -EAGAIN : 0;
		goto out;
	}
	if (!ref) {
		ring_write_at(&pcb->snd, pcb->snd.len, buf, n);
	} else if (sndref_add(pcb, pcb->snd_base + pcb->snd.len, buf, n)) {
		net_add(ns, NET_STAT_TCP_SEND_REF, n);
	} else {
		/* Every slot taken: a copy, as tcp_send(). */
		ring_write_at(&pcb->snd, pcb->snd.len, buf, n);
		net_add(ns, NET_STAT_TCP_SEND_REF_COPIED, n);
	}
	pcb->snd.len += n;
	/* TCP_SEND_MORE holds a partial segment until a call without it. */
	pcb->more = (flags & TCP_SEND_MORE) != 0;
	if (pcb->state >= TCP_ESTABLISHED)
		tcp_output(pcb);
	tcp_notify(pcb, 0);
	ret = (long)n;
out:
	tcp_leave(ns);
	return ret;
}

long tcp_send(struct netstack *ns, struct tcp_pcb *pcb, const void *buf,
	      size_t len, unsigned flags)
{
	return send_common(ns, pcb, buf, len, flags, false);
}

long tcp_send_ref(struct netstack *ns, struct tcp_pcb *pcb, const void *buf,
		  size_t len, unsigned flags)
{
	return send_common(ns, pcb, buf, len, flags, true);
}

/* No more input wanted: whatever is queued is dropped. */
static void discard_input(struct tcp_pcb *pcb)
{
	ring_consume(&pcb->rcv, pcb->rcv.len);
}

static long recv_empty(struct tcp_pcb *pcb, bool peek)
{
	if (pcb->fin_rcvd || pcb->shut_rd)
		return 0;
	if (pcb->error)
		return peek ? pcb->error : take_error(pcb);
	if (pcb->state == TCP_CLOSED)
		return pcb->connected_once ? 0 : -ENOTCONN;
	if (pcb->state == TCP_LISTEN)
		return -ENOTCONN;
	return -EAGAIN;
}

long tcp_recv(struct netstack *ns, struct tcp_pcb *pcb, void *buf,
	      size_t len, unsigned flags)
{
	long ret;
	uint32_t n;

	tcp_enter(ns);
	n = pcb->rcv.len;
	if (!n) {
		ret = len ? recv_empty(pcb, flags & TCP_RECV_PEEK) : 0;
		goto out;
	}
	if (len < n)
		n = (uint32_t)len;
	ring_read_at(&pcb->rcv, 0, buf, n);
	if (!(flags & TCP_RECV_PEEK)) {
		ring_consume(&pcb->rcv, n);
		tcp_window_update_check(pcb);
		tcp_notify(pcb, 0);
	}
	ret = (long)n;
out:
	tcp_leave(ns);
	return ret;
}

size_t tcp_recv_peek(struct netstack *ns, struct tcp_pcb *pcb,
		     struct tcp_span span[2])
{
	size_t n;

	tcp_enter(ns);
	n = ring_spans(&pcb->rcv, span);
	tcp_leave(ns);
	return n;
}

int tcp_recv_ack(struct netstack *ns, struct tcp_pcb *pcb, size_t n)
{
	int ret = 0;

	tcp_enter(ns);
	if (n > pcb->rcv.len) {
		ret = -EINVAL;
	} else if (n) {
		ring_consume(&pcb->rcv, (uint32_t)n);
		tcp_window_update_check(pcb);
		tcp_notify(pcb, 0);
	}
	tcp_leave(ns);
	return ret;
}

/* RFC 9293 3.10.4: queue a FIN behind the data; the state moves now. */
static void shut_wr(struct tcp_pcb *pcb)
{
	if (pcb->fin_queued)
		return;
	switch (pcb->state) {
	case TCP_SYN_SENT:
	case TCP_SYN_RECEIVED:
		/* Sent once established (RFC 9293 3.10.4 SYN-RECEIVED). */
		pcb->fin_queued = true;
		return;
	case TCP_ESTABLISHED:
		pcb->fin_queued = true;
		tcp_set_state(pcb, TCP_FIN_WAIT_1);
		break;
	case TCP_CLOSE_WAIT:
		pcb->fin_queued = true;
		tcp_set_state(pcb, TCP_LAST_ACK);
		break;
	default:
		return;
	}
	pcb->more = false;
	tcp_keep_reset(pcb);
	tcp_output(pcb);
}

int tcp_shutdown(struct netstack *ns, struct tcp_pcb *pcb, unsigned how)
{
	int ret = 0;

	tcp_enter(ns);
	if (pcb->state == TCP_CLOSED || pcb->state == TCP_LISTEN) {
		ret = -ENOTCONN;
		goto out;
	}
	if (how & TCP_SHUT_RD) {
		pcb->shut_rd = true;
		discard_input(pcb);
		tcp_window_update_check(pcb);
	}
	if (how & TCP_SHUT_WR)
		shut_wr(pcb);
	tcp_notify(pcb, 0);
out:
	tcp_leave(ns);
	return ret;
}

/* RFC 9293 3.10.4 CLOSE, per state; the app no longer holds the pcb. */
int tcp_close(struct netstack *ns, struct tcp_pcb *pcb)
{
	tcp_enter(ns);
	pcb->app = false;
	pcb->more = false;
	switch (pcb->state) {
	case TCP_CLOSED:
	case TCP_LISTEN:
	case TCP_SYN_SENT:
		tcp_pcb_destroy(pcb);
		break;
	case TCP_SYN_RECEIVED:
	case TCP_ESTABLISHED:
	case TCP_CLOSE_WAIT:
		/* RFC 2525 2.17: unread data means the peer's last words
		 * were lost; say so with RST instead of a clean FIN. */
		if (pcb->rcv.len) {
			net_count(ns, NET_STAT_TCP_ESTAB_RESET);
			tcp_send_rst_pcb(pcb);
			tcp_pcb_destroy(pcb);
			break;
		}
		shut_wr(pcb);
		tcp_orphan_trim(pcb);
		break;
	case TCP_FIN_WAIT_2:
		/* Orphaned: do not wait for the peer's FIN forever. */
		tcp_timer_set(pcb, TCP_T_2MSL, ns->now +
			      (uint64_t)ns->par.tcp_fin_wait2_ms * MS);
		tcp_orphan_trim(pcb);
		break;
	case TCP_TIME_WAIT:
		net_free(ns, pcb->rcv.buf, pcb->rcv.size);
		memset(&pcb->rcv, 0, sizeof(pcb->rcv));
		tcp_tw_add(pcb);
		break;
	default:
		tcp_orphan_trim(pcb);
		break;
	}
	tcp_leave(ns);
	return 0;
}

void tcp_abort(struct netstack *ns, struct tcp_pcb *pcb)
{
	tcp_enter(ns);
	pcb->app = false;
	/* RFC 9293 3.10.5 ABORT: RST in the synchronized states. */
	if (pcb->state >= TCP_SYN_RECEIVED && pcb->state != TCP_TIME_WAIT)
		tcp_send_rst_pcb(pcb);
	tcp_pcb_destroy(pcb);
	tcp_leave(ns);
}

/* ---- options and introspection ---- */

static int buf_size(int val, uint32_t *out)
{
	if (val < (int)TCP_BUF_MIN || (uint32_t)val > TCP_BUF_MAX)
		return -EINVAL;
	*out = (uint32_t)val;
	return 0;
}

int tcp_setopt(struct netstack *ns, struct tcp_pcb *pcb, enum tcp_opt opt,
	       int val)
{
	int ret = 0;

	tcp_enter(ns);
	switch (opt) {
	case TCP_OPT_NODELAY:
		pcb->nodelay = val != 0;
		if (pcb->nodelay && pcb->state >= TCP_ESTABLISHED)
			tcp_output(pcb);
		break;
	case TCP_OPT_KEEPALIVE:
		pcb->keepalive = val != 0;
		tcp_keep_reset(pcb);
		break;
	case TCP_OPT_KEEPIDLE:
	case TCP_OPT_KEEPINTVL:
	case TCP_OPT_KEEPCNT:
		if (val <= 0) {
			ret = -EINVAL;
			break;
		}
		if (opt == TCP_OPT_KEEPIDLE)
			pcb->keepidle_s = (uint32_t)val;
		else if (opt == TCP_OPT_KEEPINTVL)
			pcb->keepintvl_s = (uint32_t)val;
		else
			pcb->keepcnt = (uint32_t)val;
		tcp_keep_reset(pcb);
		break;
	case TCP_OPT_SNDBUF:
		/* Until the first send, which sizes the ring. */
		ret = pcb->snd.buf ? -EISCONN : buf_size(val, &pcb->sndbuf);
		break;
	case TCP_OPT_RCVBUF:
		/* A size the application chose is kept: no growth. */
		ret = pcb->rcv.buf ? -EISCONN : buf_size(val, &pcb->rcvbuf);
		if (!ret)
			pcb->rcvbuf_max = pcb->rcvbuf;
		break;
	case TCP_OPT_REUSEADDR:
		pcb->reuseaddr = val != 0;
		break;
	case TCP_OPT_MAXSEG:
		if (val < 0 || (val && val < 88) || val > 65495)
			ret = -EINVAL;
		else
			pcb->maxseg = (uint32_t)val;
		break;
	case TCP_OPT_USER_TIMEOUT:
		if (val < 0)
			ret = -EINVAL;
		else
			pcb->user_timeout_ms = (uint32_t)val;
		break;
	default:
		ret = -ENOPROTOOPT;
	}
	tcp_leave(ns);
	return ret;
}

int tcp_getopt(struct netstack *ns, struct tcp_pcb *pcb, enum tcp_opt opt,
	       int *val)
{
	int ret = 0;

	tcp_enter(ns);
	switch (opt) {
	case TCP_OPT_NODELAY:
		*val = pcb->nodelay;
		break;
	case TCP_OPT_KEEPALIVE:
		*val = pcb->keepalive;
		break;
	case TCP_OPT_KEEPIDLE:
		*val = (int)pcb->keepidle_s;
		break;
	case TCP_OPT_KEEPINTVL:
		*val = (int)pcb->keepintvl_s;
		break;
	case TCP_OPT_KEEPCNT:
		*val = (int)pcb->keepcnt;
		break;
	case TCP_OPT_SNDBUF:
		*val = (int)pcb->sndbuf;
		break;
	case TCP_OPT_RCVBUF:
		*val = (int)pcb->rcvbuf;
		break;
	case TCP_OPT_REUSEADDR:
		*val = pcb->reuseaddr;
		break;
	case TCP_OPT_MAXSEG:
		*val = pcb->state >= TCP_ESTABLISHED ? (int)pcb->mss :
						      (int)pcb->maxseg;
		break;
	case TCP_OPT_USER_TIMEOUT:
		*val = (int)pcb->user_timeout_ms;
		break;
	default:
		ret = -ENOPROTOOPT;
	}
	tcp_leave(ns);
	return ret;
}

int tcp_local(struct netstack *ns, const struct tcp_pcb *pcb,
	      uint32_t *addr, uint16_t *port)
{
	tcp_enter(ns);
	if (addr)
		*addr = pcb->laddr;
	if (port)
		*port = pcb->lport;
	tcp_leave(ns);
	return 0;
}

int tcp_remote(struct netstack *ns, const struct tcp_pcb *pcb,
	       uint32_t *addr, uint16_t *port)
{
	int ret = 0;

	tcp_enter(ns);
	if (!pcb->rport) {
		ret = -ENOTCONN;
	} else {
		if (addr)
			*addr = pcb->raddr;
		if (port)
			*port = pcb->rport;
	}
	tcp_leave(ns);
	return ret;
}

static void fill_info(const struct tcp_pcb *pcb, struct tcp_conn_info *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->state = (enum tcp_state)pcb->state;
	ci->local_addr = pcb->laddr;
	ci->remote_addr = pcb->raddr;
	ci->local_port = pcb->lport;
	ci->remote_port = pcb->rport;
	ci->mss = pcb->mss;
	ci->srtt_us = pcb->srtt_us;
	ci->rttvar_us = pcb->rttvar_us;
	ci->rto_ms = pcb->rto_ms;
	ci->cwnd = pcb->cwnd;
	ci->ssthresh = pcb->ssthresh;
	ci->snd_wnd = pcb->snd_wnd;
	ci->rcv_wnd = pcb->rcv_adv - pcb->rcv_nxt;
	ci->snd_wscale = pcb->ws_ok ? pcb->snd_ws : 0;
	ci->rcv_wscale = pcb->ws_ok ? pcb->rcv_ws : 0;
	ci->ts_ok = pcb->ts_ok;
	ci->sack_ok = pcb->sack_ok;
	ci->retransmits = pcb->retransmits;
	ci->backoff = pcb->backoff;
	ci->bytes_sent = pcb->bytes_acked;
	ci->bytes_received = pcb->bytes_received;
	ci->segs_in = pcb->segs_in;
	ci->segs_out = pcb->segs_out;
	ci->unacked = pcb->state > TCP_LISTEN ? tcp_flight(pcb) : 0;
	ci->sndq = pcb->snd.len;
	ci->rcvq = pcb->rcv.len;
}

int tcp_info(struct netstack *ns, const struct tcp_pcb *pcb,
	     struct tcp_conn_info *out)
{
	tcp_enter(ns);
	fill_info(pcb, out);
	tcp_leave(ns);
	return 0;
}

void tcp_foreach(struct netstack *ns,
		 void (*fn)(void *arg, const struct tcp_conn_info *ci),
		 void *arg)
{
	struct tcp_pcb *pcb;
	struct tcp_conn_info ci;

	tcp_enter(ns);
	for (pcb = ns->tcp->all; pcb; pcb = pcb->anext) {
		fill_info(pcb, &ci);
		fn(arg, &ci);
	}
	tcp_leave(ns);
}

uint32_t tcp_pcb_count(struct netstack *ns)
{
	uint32_t n;

	net_lock(ns);
	n = ns->tcp->count;
	net_unlock(ns);
	return n;
}

unsigned tcp_events(const struct tcp_pcb *pcb)
{
	return __atomic_load_n(&pcb->events, __ATOMIC_ACQUIRE);
}

int tcp_error(struct netstack *ns, struct tcp_pcb *pcb)
{
	int err;

	tcp_enter(ns);
	err = pcb->error;
	pcb->error = 0;
	tcp_notify(pcb, 0);
	tcp_leave(ns);
	return err;
}

enum tcp_state tcp_state(const struct tcp_pcb *pcb)
{
	return (enum tcp_state)pcb->state;
}

const char *tcp_state_name(enum tcp_state s)
{
	static const char *const names[] = {
		"CLOSED", "LISTEN", "SYN-SENT", "SYN-RECEIVED", "ESTABLISHED",
		"CLOSE-WAIT", "FIN-WAIT-1", "CLOSING", "LAST-ACK",
		"FIN-WAIT-2", "TIME-WAIT",
	};

	if ((unsigned)s >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[s];
}

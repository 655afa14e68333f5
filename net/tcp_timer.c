/*
 * tcp_timer.c: the deadlines of a connection behind its one net_timer.
 *
 * Promises: each pcb has one struct net_timer armed at the earliest of its
 * deadlines (retransmission, persist, delayed ACK, keep-alive, 2*MSL,
 * transmit retry), so the stack's heap holds one entry per connection.
 * Retransmission follows RFC 6298: SRTT/RTTVAR from one timed segment per
 * flight (Karn's rule: never a retransmitted one), RTO = SRTT + 4 RTTVAR
 * clamped to [rto_min, rto_max], initial 1 s (3 s when data starts after
 * a SYN timed out, RFC 6298 5.7; set in tcp_in.c), doubled on each expiry. A
 * SYN is sent tcp_syn_retries + 1 times; data gives up with ETIMEDOUT
 * after tcp_max_retries expiries in a row or TCP_OPT_USER_TIMEOUT (RFC
 * 5482) without progress. A zero window is probed (RFC 9293 3.8.6.1) with
 * backoff; it times out only for an orphan (closed by the app) after
 * tcp_max_retries probes, or after TCP_OPT_USER_TIMEOUT. Keep-alives follow RFC 1122 4.2.3.6 (off
 * by default, 2 hours idle). TIME-WAIT lasts 2 * MSL (RFC 9293 3.4.2).
 * With SACK, a tail loss probe (RFC 8985 7) goes out 2 SRTT after the
 * last send when nothing came back, so a lost tail is found by SACK
 * recovery instead of waiting for the RTO.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "netstack_priv.h"
#include "tcp_priv.h"

#define SEC_NS 1000000000ull

void tcp_timer_rearm(struct tcp_pcb *pcb)
{
	uint64_t next = UINT64_MAX;
	int k;

	for (k = 0; k < TCP_T_COUNT; k++)
		if (pcb->t_at[k] && pcb->t_at[k] < next)
			next = pcb->t_at[k];
	if (next == UINT64_MAX) {
		net_timer_cancel(pcb->ns, &pcb->timer);
		return;
	}
	if (!net_timer_armed(&pcb->timer) || pcb->timer.when != next)
		net_timer_arm(pcb->ns, &pcb->timer, next);
}

void tcp_timer_set(struct tcp_pcb *pcb, enum tcp_timer_kind k, uint64_t when)
{
	pcb->t_at[k] = when ? when : 1;
	tcp_timer_rearm(pcb);
}

void tcp_timer_clear(struct tcp_pcb *pcb, enum tcp_timer_kind k)
{
	if (!pcb->t_at[k])
		return;
	pcb->t_at[k] = 0;
	tcp_timer_rearm(pcb);
}

static uint64_t rto_ns(const struct tcp_pcb *pcb)
{
	uint64_t max = pcb->ns->par.tcp_rto_max_ms;
	/* RFC 6298 5.5 doubles, 2.5 caps: past 2^31 times any RTO is over
	 * the cap, and a shift by 64 or more (retry limits configured that
	 * high) would be undefined. */
	uint64_t ms = (uint64_t)pcb->rto_ms << (pcb->backoff < 31 ?
						pcb->backoff : 31);

	return (ms > max ? max : ms) * MS;
}

void tcp_rto_restart(struct tcp_pcb *pcb)
{
	tcp_timer_set(pcb, TCP_T_RTO, pcb->ns->now + rto_ns(pcb));
}

/* RFC 6298 2.2 and 2.3 (alpha 1/8, beta 1/4, K 4, G 1 ms). */
void tcp_rtt_sample(struct tcp_pcb *pcb, uint64_t rtt_ns)
{
	const struct netstack_params *par = &pcb->ns->par;
	uint32_t r = (uint32_t)(rtt_ns / 1000), var4, rto;

	if (rtt_ns / 1000 > 0xffffffffu / 8)
		r = 0xffffffffu / 8;
	if (!r)
		r = 1;
	if (!pcb->srtt_us) {
		pcb->srtt_us = r;
		pcb->rttvar_us = r / 2;
	} else {
		uint32_t d = pcb->srtt_us > r ? pcb->srtt_us - r :
						r - pcb->srtt_us;

		pcb->rttvar_us = (3 * pcb->rttvar_us + d) / 4;
		pcb->srtt_us = (7 * pcb->srtt_us + r) / 8;
	}
	var4 = 4 * pcb->rttvar_us;
	if (var4 < 1000)
		var4 = 1000;
	rto = (pcb->srtt_us + var4 + 999) / 1000;
	/* RFC 6298 2.4 and 2.5: the configured floor and ceiling. */
	if (rto < par->tcp_rto_min_ms)
		rto = par->tcp_rto_min_ms;
	if (rto > par->tcp_rto_max_ms)
		rto = par->tcp_rto_max_ms;
	pcb->rto_ms = rto;
}

/* false: the pcb is gone. */
static bool finish(struct tcp_pcb *pcb, int err)
{
	bool kept = pcb->app;

	if (err == -ETIMEDOUT) {
		net_count(pcb->ns, NET_STAT_TCP_TIMEOUT);
		/* RFC 1122 4.2.3.9: say why, when an ICMP error told us. */
		if (pcb->soft_error)
			err = pcb->soft_error;
	}
	tcp_finish(pcb, err);
	return kept;
}

static void persist_arm(struct tcp_pcb *pcb)
{
	tcp_timer_set(pcb, TCP_T_PERSIST, pcb->ns->now + rto_ns(pcb));
}

/* RFC 6298 5.4 to 5.7 (and RFC 9293 3.8.1 for SYNs). */
static bool rto_fire(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;
	const struct netstack_params *par = &ns->par;

	if (pcb->state == TCP_SYN_SENT || pcb->state == TCP_SYN_RECEIVED) {
		if (pcb->backoff >= par->tcp_syn_retries) {
			if (pcb->parent) {
				net_count(ns, NET_STAT_TCP_TIMEOUT);
				tcp_pcb_destroy(pcb);
				return false;
			}
			return finish(pcb, -ETIMEDOUT);
		}
		pcb->backoff++;
		pcb->retransmits++;
		net_count(ns, NET_STAT_TCP_RTO);
		net_count(ns, NET_STAT_TCP_RETRANSMIT);
		tcp_rto_restart(pcb);
		tcp_send_syn(pcb);
		return true;
	}
	if (!tcp_flight(pcb))
		return true;
	if (pcb->backoff >= par->tcp_max_retries ||
	    (pcb->user_timeout_ms &&
	     ns->now - pcb->rexmit_since >=
	     (uint64_t)pcb->user_timeout_ms * MS))
		return finish(pcb, -ETIMEDOUT);
	if (!pcb->snd_wnd) {
		/* The peer closed its window: probe, do not give up. */
		tcp_persist_probe(pcb);
		persist_arm(pcb);
		return true;
	}
	net_count(ns, NET_STAT_TCP_RTO);
	tcp_cc_rto(pcb);
	pcb->backoff++;
	pcb->rtt_on = false;		/* Karn */
	pcb->snd_nxt = pcb->snd_una;	/* go back: resend from the hole */
	tcp_rto_restart(pcb);
	tcp_output(pcb);
	return true;
}

static bool persist_fire(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;

	if (pcb->snd_wnd || pcb->state < TCP_ESTABLISHED ||
	    pcb->state == TCP_TIME_WAIT)
		return true;
	/* RFC 9293 3.8.6.1 keeps a connection open while the peer answers
	 * probes; but not one nobody holds any more (it could be pinned
	 * forever by a peer that never reads), nor past the user timeout. */
	if ((!pcb->app && pcb->backoff >= ns->par.tcp_max_retries) ||
	    (pcb->user_timeout_ms &&
	     ns->now - pcb->rexmit_since >=
	     (uint64_t)pcb->user_timeout_ms * MS)) {
		if (!pcb->app)
			tcp_send_rst_pcb(pcb);
		return finish(pcb, -ETIMEDOUT);
	}
	net_count(pcb->ns, NET_STAT_TCP_PERSIST_PROBE);
	tcp_persist_probe(pcb);
	if (pcb->backoff < 16)
		pcb->backoff++;
	persist_arm(pcb);
	return true;
}

static bool keep_fire(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;
	uint64_t idle = (uint64_t)pcb->keepidle_s * SEC_NS;

	if (!pcb->keepalive || (pcb->state != TCP_ESTABLISHED &&
				pcb->state != TCP_CLOSE_WAIT &&
				pcb->state != TCP_FIN_WAIT_2))
		return true;
	if (!pcb->keep_probes && ns->now - pcb->last_rx < idle) {
		tcp_timer_set(pcb, TCP_T_KEEP, pcb->last_rx + idle);
		return true;
	}
	if (pcb->keep_probes >= pcb->keepcnt)
		return finish(pcb, -ETIMEDOUT);
	/* RFC 1122 4.2.3.6: SEG.SEQ = SND.NXT - 1 draws an ACK. */
	net_count(ns, NET_STAT_TCP_KEEPALIVE_PROBE);
	tcp_send_ctl(pcb, pcb->snd_una - 1, 0);
	pcb->keep_probes++;
	tcp_timer_set(pcb, TCP_T_KEEP,
		      ns->now + (uint64_t)pcb->keepintvl_s * SEC_NS);
	return true;
}

void tcp_keep_reset(struct tcp_pcb *pcb)
{
	bool on = pcb->keepalive && (pcb->state == TCP_ESTABLISHED ||
				     pcb->state == TCP_CLOSE_WAIT ||
				     pcb->state == TCP_FIN_WAIT_2);

	if (!on) {
		tcp_timer_clear(pcb, TCP_T_KEEP);
		return;
	}
	if (!pcb->t_at[TCP_T_KEEP])
		tcp_timer_set(pcb, TCP_T_KEEP, pcb->last_rx +
			      (uint64_t)pcb->keepidle_s * SEC_NS);
}

/* RFC 9293 3.10.7.4: TIME-WAIT holds the 4-tuple for 2 * MSL. The send
 * ring is all acknowledged now, so it goes; the receive ring stays while
 * the app may still read it. */
void tcp_enter_time_wait(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;

	tcp_set_state(pcb, TCP_TIME_WAIT);
	pcb->t_at[TCP_T_RTO] = 0;
	pcb->t_at[TCP_T_PERSIST] = 0;
	pcb->t_at[TCP_T_KEEP] = 0;
	pcb->t_at[TCP_T_TXRETRY] = 0;
	tcp_timer_set(pcb, TCP_T_2MSL,
		      ns->now + 2 * (uint64_t)ns->par.tcp_msl_ms * MS);
	net_free(ns, pcb->snd.buf, pcb->snd.size);
	pcb->snd.buf = NULL;
	pcb->snd.size = 0;
	pcb->snd.head = 0;
	pcb->nsref = 0;
	if (!pcb->app && !pcb->parent) {
		net_free(ns, pcb->rcv.buf, pcb->rcv.size);
		memset(&pcb->rcv, 0, sizeof(pcb->rcv));
	}
	tcp_tw_add(pcb);
	tcp_notify(pcb, TCP_EV_CLOSED);
}

static bool tlp_state(const struct tcp_pcb *pcb)
{
	return pcb->state == TCP_ESTABLISHED || pcb->state == TCP_CLOSE_WAIT ||
	       pcb->state == TCP_FIN_WAIT_1 || pcb->state == TCP_CLOSING ||
	       pcb->state == TCP_LAST_ACK;
}

/*
 * RFC 8985 7.2: after sending (or an ACK of new data) with data still in
 * flight, a probe timeout PTO = 2 SRTT, plus the peer's delayed-ACK time
 * when a single segment is out, at least 10 ms; not armed when the RTO
 * would fire first, in recovery, or while a probe is out.
 */
void tcp_tlp_arm(struct tcp_pcb *pcb)
{
	struct netstack *ns = pcb->ns;
	uint64_t pto;

	if (!pcb->sack_ok || !pcb->srtt_us || pcb->in_recovery ||
	    pcb->tlp_out || !tcp_flight(pcb) || !tlp_state(pcb) ||
	    pcb->t_at[TCP_T_PERSIST]) {
		tcp_timer_clear(pcb, TCP_T_TLP);
		return;
	}
	pto = 2ull * pcb->srtt_us * 1000;
	if (tcp_flight(pcb) <= tcp_smss(pcb))
		pto += (uint64_t)ns->par.tcp_delack_ms * MS;
	if (pto < 10 * MS)
		pto = 10 * MS;
	if (pcb->t_at[TCP_T_RTO] && ns->now + pto >= pcb->t_at[TCP_T_RTO]) {
		tcp_timer_clear(pcb, TCP_T_TLP);
		return;
	}
	tcp_timer_set(pcb, TCP_T_TLP, ns->now + pto);
}

/* RFC 8985 7.3: one probe: a new segment if the windows allow, else the
 * last segment sent again, so the ACK (with SACK) shows what is lost
 * before the RTO would. */
static bool tlp_fire(struct tcp_pcb *pcb)
{
	uint32_t smss = tcp_smss(pcb), end, len;
	uint8_t fl = 0;
	int sent;

	if (!tcp_flight(pcb) || pcb->in_recovery || pcb->tlp_out ||
	    !tlp_state(pcb))
		return true;
	net_count(pcb->ns, NET_STAT_TCP_TLP_PROBE);
	pcb->tlp_out = true;
	len = tcp_new_data_len(pcb, smss);
	if (len && seq_geq(pcb->snd_nxt, pcb->snd_max)) {
		sent = tcp_send_data(pcb, pcb->snd_max, len, 0);
		if (sent > 0) {
			pcb->snd_max += (uint32_t)sent;
			pcb->snd_nxt = pcb->snd_max;
		}
	} else {
		end = tcp_fin_sent(pcb) ? tcp_fin_seq(pcb) : pcb->snd_max;
		len = end - pcb->snd_una < smss ? end - pcb->snd_una : smss;
		if (tcp_fin_sent(pcb))
			fl = TCP_FIN;
		pcb->rtt_on = false;	/* Karn */
		if (tcp_send_data(pcb, end - len, len, fl) >= 0) {
			pcb->retransmits++;
			net_count(pcb->ns, NET_STAT_TCP_RETRANSMIT);
		}
	}
	tcp_rto_restart(pcb);
	return true;
}

static bool fire_one(struct tcp_pcb *pcb, enum tcp_timer_kind k)
{
	switch (k) {
	case TCP_T_RTO:
		return rto_fire(pcb);
	case TCP_T_PERSIST:
		return persist_fire(pcb);
	case TCP_T_DELACK:
		net_count(pcb->ns, NET_STAT_TCP_DELAYED_ACK);
		pcb->ack_now = true;
		tcp_output(pcb);
		return true;
	case TCP_T_KEEP:
		return keep_fire(pcb);
	case TCP_T_2MSL:
		return finish(pcb, 0);
	case TCP_T_TXRETRY:
		tcp_output(pcb);
		return true;
	case TCP_T_TLP:
		return tlp_fire(pcb);
	case TCP_T_ACCEPT:
		tcp_aq_timer(pcb);
		return true;
	default:
		return true;
	}
}

void tcp_timer_fire(struct netstack *ns, struct net_timer *t)
{
	struct tcp_pcb *pcb = (struct tcp_pcb *)(void *)
		((char *)t - offsetof(struct tcp_pcb, timer));
	int k;

	tcp_enter(ns);
	for (k = 0; k < TCP_T_COUNT; k++) {
		if (!pcb->t_at[k] || pcb->t_at[k] > ns->now)
			continue;
		pcb->t_at[k] = 0;
		if (!fire_one(pcb, (enum tcp_timer_kind)k))
			goto out;
	}
	tcp_timer_rearm(pcb);
out:
	tcp_leave(ns);
}

/*
 * tcp_link_test.c: two stacks talking TCP over the simulated link
 * (tests/fakes/sim_link): bulk transfers both ways at once over a link that
 * drops, duplicates and reorders frames (and through a bottleneck with a
 * drop-tail queue), and ten thousand connections opened and closed through
 * TIME-WAIT.
 *
 * What it promises to prove, per RFC 9293 (and RFC 5681/6298/6675 for the
 * timing): every byte arrives once, in order, exactly as sent (each byte is
 * checked against a pattern that does not repeat within a megabyte), in a
 * simulated time no worse than a small multiple of what a windowed TCP with
 * fast retransmit and RFC 6298 timeouts achieves at that loss (the model of
 * Padhye et al., SIGCOMM 1998), so that stop-and-wait, a lost ACK clock or
 * a stuck retransmission timer fails; and that closing returns every pcb,
 * pool buffer and heap byte.
 *
 * Time is simulated and event-driven: the clock jumps to the next frame
 * delivery or stack timer (net_next_deadline), so wall time follows the
 * number of frames, not the simulated seconds. Each run draws a fresh seed
 * for the link's loss pattern and the stacks' randomness and prints it;
 * TCP_LINK_SEED=N repeats a run, TCP_LINK_MB=N changes the transfer size.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "net_test_util.h"
#include "sim_link.h"
#include "../../../net/tcp.h"

#define IP_A IP4(192, 168, 7, 1)
#define IP_B IP4(192, 168, 7, 2)
#define MS 1000000ull

/* The pattern: PATTERN_PERIOD (a prime) pseudo-random bytes, repeated, so a
 * byte delivered at a wrong offset mismatches unless the error is a whole
 * multiple of about a megabyte. */
#define PATTERN_PERIOD 1000003u
static uint8_t pattern[PATTERN_PERIOD];

/* The RTO floor the stacks are given and the bound assumes (RFC 6298 2.4
 * allows less than 1 s; Linux uses 200 ms), and the MSS on a 1500 link. */
#define RTO_MIN_MS 200u
#define RTO_MIN_NS (RTO_MIN_MS * MS)
#define MSS 1460u

static uint32_t run_seed;

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0xa};
static const uint8_t mac_b[6] = {0x02, 0, 0, 0, 0, 0xb};

struct pair;
struct many;

/* One end of a bulk connection: sends tx_total bytes of the pattern, then
 * FIN; checks every byte it receives against the pattern. */
struct end {
	struct pair *pr;
	struct netstack *ns;
	struct tcp_pcb *pcb;
	uint64_t tx_total, tx_off;	/* bytes to send; taken by tcp_send */
	uint64_t rx_off;		/* bytes received and checked */
	uint64_t rx_done_at;		/* sim time rx_off reached rx_total */
	uint64_t rx_total;
	uint64_t pause_at, pause_ns;	/* stop reading at this offset, so long */
	uint64_t resume_at;		/* sim time reading resumes; 0: not paused */
	bool resumed;
	bool connected, shut, rx_eof, busy;
	unsigned pending;		/* events that came in while busy */
	int error;			/* first tcp_error() seen */
	bool mismatch;
	uint64_t mismatch_at;
	struct tcp_conn_info info;	/* taken before close */
};

struct pair {
	struct fake_env fea, feb;
	struct netstack *a, *b;
	struct sim_link link;
	int ia, ib;
	uint64_t now;
	struct tcp_pcb *lis;
	struct end ea, eb;
	struct many *many;		/* the 10,000-connection test's state */
	size_t heap0_a, heap0_b;	/* fake env heap after setup */
};

static uint32_t env_seed(const char *name, uint32_t dflt)
{
	const char *s = getenv(name);

	return s && *s ? (uint32_t)strtoul(s, NULL, 0) : dflt;
}

static int group_setup(void **state)
{
	uint32_t x;
	size_t i;

	(void)state;
	run_seed = env_seed("TCP_LINK_SEED",
			    (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16));
	if (!run_seed)
		run_seed = 1;
	printf("tcp_link: seed %u (TCP_LINK_SEED=%u repeats this run)\n",
	       run_seed, run_seed);
	x = 0x9e3779b9u;
	for (i = 0; i < PATTERN_PERIOD; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		pattern[i] = (uint8_t)(x >> 11);
	}
	return 0;
}

static int pair_setup(void **state)
{
	struct pair *pr = calloc(1, sizeof(*pr));
	struct netstack_params par;

	assert_non_null(pr);
	test_params(&par);
	par.pkt_small = 256;
	par.pkt_large = 4;
	par.arp_queue_max = 128;
	par.tcp_rto_min_ms = RTO_MIN_MS;
	par.tcp_max_pcbs = 16384;	/* 10,000 in TIME-WAIT at once */
	fake_env_init(&pr->fea, run_seed);
	fake_env_init(&pr->feb, run_seed * 2654435761u + 1);
	pr->a = netstack_create(&pr->fea.env, &par);
	pr->b = netstack_create(&pr->feb.env, &par);
	assert_non_null(pr->a);
	assert_non_null(pr->b);
	sim_link_init(&pr->link, run_seed ^ 0x5bd1e995u);
	pr->ia = sim_link_attach(&pr->link, 0, pr->a, mac_a, 1500);
	pr->ib = sim_link_attach(&pr->link, 1, pr->b, mac_b, 1500);
	assert_int_equal(netif_set_up(pr->a, pr->ia, true), 0);
	assert_int_equal(netif_set_up(pr->b, pr->ib, true), 0);
	assert_int_equal(netif_addr_add(pr->a, pr->ia, IP_A, 24), 0);
	assert_int_equal(netif_addr_add(pr->b, pr->ib, IP_B, 24), 0);
	pr->link.delay_ns = 1 * MS;
	*state = pr;
	return 0;
}

static int pair_teardown(void **state)
{
	struct pair *pr = *state;

	sim_link_destroy(&pr->link);
	netstack_destroy(pr->a);
	netstack_destroy(pr->b);
	assert_int_equal(pr->fea.live_allocs, 0);
	assert_int_equal(pr->feb.live_allocs, 0);
	assert_int_equal(pr->fea.err_logs + pr->feb.err_logs, 0);
	assert_int_equal(pr->fea.lock_depth + pr->feb.lock_depth, 0);
	free(pr);
	return 0;
}

/*
 * One step of the event-driven clock: jump to the next frame delivery or
 * stack timer (never past limit), run the stacks' timers first so frames
 * they send leave at that time, then deliver what is due. Returns false
 * when nothing at all is pending (no frame, no timer).
 */
static void end_event(void *arg, struct tcp_pcb *pcb, unsigned events);

/* A paused reader's resume time, if it is still ahead. */
static uint64_t end_wake(const struct end *e)
{
	return e->resume_at && !e->resumed ? e->resume_at : UINT64_MAX;
}

/* Readers whose pause is over read again (no event says so). */
static void end_resume(struct pair *pr, struct end *e)
{
	if (e->resume_at && !e->resumed && pr->now >= e->resume_at && e->pcb) {
		e->resumed = true;
		end_event(e, e->pcb, TCP_EV_READABLE);
	}
}

static bool step(struct pair *pr, uint64_t limit)
{
	uint64_t t = sim_link_next_due(&pr->link);
	uint64_t da = net_next_deadline(pr->a), db = net_next_deadline(pr->b);

	if (da < t)
		t = da;
	if (db < t)
		t = db;
	if (end_wake(&pr->ea) < t)
		t = end_wake(&pr->ea);
	if (end_wake(&pr->eb) < t)
		t = end_wake(&pr->eb);
	if (t == UINT64_MAX)
		return false;
	if (t > limit)
		t = limit;
	if (t > pr->now)
		pr->now = t;
	sim_link_set_now(&pr->link, pr->now);
	net_poll(pr->a, pr->now);
	net_poll(pr->b, pr->now);
	sim_link_run(&pr->link, pr->now);
	end_resume(pr, &pr->ea);
	end_resume(pr, &pr->eb);
	return true;
}

/* Step until done(pr) or the clock passes limit; true if done. A clock that
 * stops advancing while work is "due now" counts as a hang. */
static bool run_until(struct pair *pr, bool (*done)(struct pair *),
		      uint64_t limit)
{
	uint64_t last = pr->now;
	unsigned still = 0;

	while (!done(pr)) {
		if (pr->now >= limit)
			return false;
		if (!step(pr, limit)) {
			/* Nothing pending: idle until the limit. */
			pr->now = limit;
			return done(pr);
		}
		if (pr->now == last) {
			if (++still > 100000) {
				fprintf(stderr, "tcp_link: clock stuck at %llu ns "
					"(a deadline that never passes)\n",
					(unsigned long long)pr->now);
				return false;
			}
		} else {
			still = 0;
			last = pr->now;
		}
	}
	return true;
}

/* ---- bulk ends */

/* Compare len received bytes that sit at stream offset off. */
static bool check_pattern(struct end *e, uint64_t off, const uint8_t *p,
			  size_t len)
{
	while (len > 0) {
		size_t at = (size_t)(off % PATTERN_PERIOD);
		size_t n = PATTERN_PERIOD - at;

		if (n > len)
			n = len;
		if (memcmp(p, pattern + at, n) != 0) {
			size_t i = 0;

			while (p[i] == pattern[at + i])
				i++;
			e->mismatch_at = off + i;
			return false;
		}
		p += n;
		off += n;
		len -= n;
	}
	return true;
}

static void end_pump_rx(struct end *e, struct tcp_pcb *pcb)
{
	struct tcp_span sp[2];
	size_t total;
	uint8_t one;

	for (;;) {
		/* An application that stops reading for a while: the window
		 * closes (RFC 9293 3.8.6.1) and must reopen when it reads. */
		if (e->pause_ns && !e->resume_at && e->rx_off >= e->pause_at)
			e->resume_at = e->pr->now + e->pause_ns;
		if (e->resume_at && !e->resumed)
			return;
		total = tcp_recv_peek(e->ns, pcb, sp);
		if (total == 0) {
			if (tcp_recv(e->ns, pcb, &one, 1, TCP_RECV_PEEK) == 0)
				e->rx_eof = true;
			return;
		}
		if (!e->mismatch &&
		    (!check_pattern(e, e->rx_off, sp[0].p, sp[0].len) ||
		     (sp[1].len && !check_pattern(e, e->rx_off + sp[0].len,
						  sp[1].p, sp[1].len)) ||
		     e->rx_off + total > e->rx_total)) {
			e->mismatch = true;
			if (e->rx_off + total > e->rx_total)
				e->mismatch_at = e->rx_total;
		}
		assert_int_equal(tcp_recv_ack(e->ns, pcb, total), 0);
		e->rx_off += total;
		if (e->rx_off >= e->rx_total && !e->rx_done_at)
			e->rx_done_at = e->pr->now;
	}
}

static void end_pump_tx(struct end *e, struct tcp_pcb *pcb)
{
	while (e->tx_off < e->tx_total) {
		size_t at = (size_t)(e->tx_off % PATTERN_PERIOD);
		uint64_t left = e->tx_total - e->tx_off;
		size_t n = PATTERN_PERIOD - at;
		long r;

		if (n > 65536)
			n = 65536;
		if (n > left)
			n = (size_t)left;
		r = tcp_send(e->ns, pcb, pattern + at, n, 0);
		if (r == -EAGAIN)
			return;
		if (r < 0) {
			if (!e->error)
				e->error = (int)r;
			return;
		}
		assert_true(r > 0 && (size_t)r <= n);
		e->tx_off += (uint64_t)r;
	}
	if (!e->shut) {
		e->shut = true;
		assert_int_equal(tcp_shutdown(e->ns, pcb, TCP_SHUT_WR), 0);
	}
}

/* net/tcp.h: TCP_EV_CLOSED means both directions finished or a reset, so
 * it never comes while the connection is still open. */
static void check_closed_event(struct tcp_pcb *pcb, unsigned events)
{
	enum tcp_state st = tcp_state(pcb);

	if ((events & TCP_EV_CLOSED) && st != TCP_CLOSED && st != TCP_TIME_WAIT)
		fail_msg("TCP_EV_CLOSED (events %#x) in state %s", events,
			 tcp_state_name(st));
}

/* The pcb's callback. The engine may call it from inside our own calls
 * (tcp_send, tcp_recv_ack); events that arrive then are handled by the
 * outer loop. */
static void end_event(void *arg, struct tcp_pcb *pcb, unsigned events)
{
	struct end *e = arg;

	if (!e->pcb)
		e->pcb = pcb;
	check_closed_event(pcb, events);
	if (e->busy) {
		e->pending |= events;
		return;
	}
	e->busy = true;
	do {
		events |= e->pending;
		e->pending = 0;
		if (events & TCP_EV_CONNECTED)
			e->connected = true;
		if (events & TCP_EV_ERROR) {
			int err = tcp_error(e->ns, pcb);

			if (!e->error)
				e->error = err ? err : -EIO;
		}
		if (events & TCP_EV_READABLE)
			end_pump_rx(e, pcb);
		if (events & (TCP_EV_WRITABLE | TCP_EV_CONNECTED))
			end_pump_tx(e, pcb);
		events = 0;
	} while (e->pending);
	e->busy = false;
}

static void lis_event(void *arg, struct tcp_pcb *lis, unsigned events)
{
	struct pair *pr = arg;
	struct tcp_pcb *pcb;

	if (!(events & TCP_EV_ACCEPT) || pr->eb.pcb)
		return;
	if (tcp_accept(pr->b, lis, end_event, &pr->eb, &pcb) == 0) {
		pr->eb.pcb = pcb;
		pr->eb.connected = true;
		end_event(&pr->eb, pcb, TCP_EV_WRITABLE | TCP_EV_READABLE);
	}
}

static bool bulk_done(struct pair *pr)
{
	return (pr->ea.rx_eof && pr->eb.rx_eof) || pr->ea.error ||
	       pr->eb.error || pr->ea.mismatch || pr->eb.mismatch;
}

static bool both_gone(struct pair *pr)
{
	return tcp_pcb_count(pr->a) == 0 && tcp_pcb_count(pr->b) == 0;
}

/* Every non-zero stack counter, to tell why a case failed. */
static void print_stats(struct netstack *ns, const char *who)
{
	int i;

	printf("tcp_link: %s counters:", who);
	for (i = 0; i < NET_STAT_COUNT; i++)
		if (net_stat_get(ns, (enum net_stat)i))
			printf(" %s=%llu", net_stat_name((enum net_stat)i),
			       (unsigned long long)net_stat_get(ns, (enum net_stat)i));
	printf("\n");
}

/* Newton's square root: the unit build links no libm. */
static double sqrt_d(double x)
{
	double r = x > 1 ? x : 1;
	int i;

	if (x <= 0)
		return 0;
	for (i = 0; i < 60; i++)
		r = 0.5 * (r + x / r);
	return r;
}

/*
 * The time bound: Padhye et al.'s steady-state model of a Reno-style TCP
 * (delayed ACKs, b = 2, timeout T0 = the RTO floor) gives the time per
 * segment at loss p; the bound is three times that, or three times the
 * time at line rate when that is longer, plus 2 s for the handshake, slow
 * start and a final timeout. A frame overtaken by more than three others
 * triggers a fast retransmit and halves the window as a loss would
 * (RFC 5681 3.2; no reordering detection is required), so those count in
 * p for the window, not for the timeouts. Stop-and-wait needs an RTT per
 * segment: about 30 s for 10 MB here, far over the bound at 0 and 1 %.
 */
static double bound_s(const struct sim_link *l, uint64_t bytes, unsigned loss)
{
	double b = 2, p = loss / 100.0;
	double ser = 1538.0 * 8 / (double)l->rate_bps;
	double rtt = 2.0 * (double)l->delay_ns / 1e9 + ser;
	double t0 = (double)RTO_MIN_NS / 1e9;
	double segs = (double)bytes / MSS;
	double line = segs * ser;
	double reord = l->reorder_ns ? 1 - 3 * ser / ((double)l->reorder_ns / 1e9) : 0;
	double pw = p + (reord > 0 ? reord * l->reorder_pct / 100.0 : 0);
	double per_seg = 0, model;

	if (pw > 0)
		per_seg = rtt * sqrt_d(2 * b * pw / 3);
	if (p > 0) {
		double q = 3 * sqrt_d(3 * b * p / 8);

		per_seg += t0 * (q < 1 ? q : 1) * p * (1 + 32 * p * p);
	}
	model = segs * per_seg;
	return 3 * (model > line ? model : line) + 2;
}

/* A case: loss in %, bytes each way, the bottleneck queue (0: none), and
 * how long a at / b at stop reading halfway (0: never). */
struct bulk_opts {
	unsigned loss;
	uint64_t queue_max;
	uint64_t pause_a_ns, pause_b_ns;
};

static void bulk_case(struct pair *pr, const struct bulk_opts *o,
		      uint64_t bytes)
{
	unsigned loss = o->loss;
	uint64_t queue_max = o->queue_max;
	struct sim_link *l = &pr->link;
	struct timespec w0, w1;
	uint64_t t0, limit;
	double bound, ta, tb, wall;

	l->rate_bps = 100000000;	/* 100 Mbit/s each way */
	l->delay_ns = 2 * MS;		/* RTT 4 ms + serialisation */
	l->drop_pct = loss;
	l->dup_pct = 1;
	l->reorder_pct = 2;
	l->reorder_ns = MS / 2;		/* up to 4 full frames overtaken */
	l->queue_max_bytes = queue_max;	/* 0: the queue grows as needed */
	bound = bound_s(l, bytes, loss) +
		(double)(o->pause_a_ns + o->pause_b_ns) / 1e9;
	clock_gettime(CLOCK_MONOTONIC, &w0);

	pr->ea = (struct end){.pr = pr, .ns = pr->a, .tx_total = bytes,
			      .rx_total = bytes};
	pr->eb = (struct end){.pr = pr, .ns = pr->b, .tx_total = bytes,
			      .rx_total = bytes};
	pr->ea.pause_at = pr->eb.pause_at = bytes / 2;
	pr->ea.pause_ns = o->pause_a_ns;
	pr->eb.pause_ns = o->pause_b_ns;
	assert_int_equal(tcp_open(pr->b, lis_event, pr, &pr->lis), 0);
	assert_int_equal(tcp_bind(pr->b, pr->lis, 0, 5001), 0);
	assert_int_equal(tcp_listen(pr->b, pr->lis, 4), 0);
	assert_int_equal(tcp_open(pr->a, end_event, &pr->ea, &pr->ea.pcb), 0);
	t0 = pr->now;
	assert_int_equal(tcp_connect(pr->a, pr->ea.pcb, IP_B, 5001), 0);

	limit = t0 + (uint64_t)(bound * 1e9);
	run_until(pr, bulk_done, limit);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	wall = (double)(w1.tv_sec - w0.tv_sec) +
	       (double)(w1.tv_nsec - w0.tv_nsec) / 1e9;
	ta = pr->eb.rx_done_at ? (double)(pr->eb.rx_done_at - t0) / 1e9 : -1;
	tb = pr->ea.rx_done_at ? (double)(pr->ea.rx_done_at - t0) / 1e9 : -1;
	assert_int_equal(tcp_info(pr->a, pr->ea.pcb, &pr->ea.info), 0);
	if (pr->eb.pcb)
		assert_int_equal(tcp_info(pr->b, pr->eb.pcb, &pr->eb.info), 0);
	printf("tcp_link: loss %2u%%%s%s: %llu MB each way; a->b %.2f s (%.1f Mbit/s), "
	       "b->a %.2f s (%.1f Mbit/s), bound %.1f s simulated; retransmits "
	       "a %llu b %llu; link sent %llu dropped %llu dup %llu reordered %llu "
	       "queue drops %llu; wall %.2f s\n",
	       loss, queue_max ? ", 32 KiB queue" : "",
	       o->pause_a_ns && o->pause_b_ns ? ", both readers pause" :
	       o->pause_b_ns ? ", b's reader pauses" : "",
	       (unsigned long long)(bytes >> 20), ta,
	       ta > 0 ? (double)bytes * 8 / ta / 1e6 : 0, tb,
	       tb > 0 ? (double)bytes * 8 / tb / 1e6 : 0, bound,
	       (unsigned long long)pr->ea.info.retransmits,
	       (unsigned long long)pr->eb.info.retransmits,
	       (unsigned long long)l->sent, (unsigned long long)l->dropped,
	       (unsigned long long)l->duplicated,
	       (unsigned long long)l->reordered,
	       (unsigned long long)l->overflowed, wall);
	if (pr->ea.mismatch || pr->eb.mismatch || pr->ea.error || pr->eb.error ||
	    !bulk_done(pr)) {
		print_stats(pr->a, "a");
		print_stats(pr->b, "b");
	}
	if (pr->ea.mismatch || pr->eb.mismatch)
		fail_msg("byte mismatch: a received wrong byte at %llu (%d), "
			 "b at %llu (%d)",
			 (unsigned long long)pr->ea.mismatch_at, pr->ea.mismatch,
			 (unsigned long long)pr->eb.mismatch_at, pr->eb.mismatch);
	if (pr->ea.error || pr->eb.error)
		fail_msg("connection error: a %d (sent %llu got %llu) b %d "
			 "(sent %llu got %llu)", pr->ea.error,
			 (unsigned long long)pr->ea.tx_off,
			 (unsigned long long)pr->ea.rx_off, pr->eb.error,
			 (unsigned long long)pr->eb.tx_off,
			 (unsigned long long)pr->eb.rx_off);
	if (!bulk_done(pr))
		fail_msg("no finish within %.1f s simulated: a sent %llu got %llu "
			 "(%s), b sent %llu got %llu (%s)", bound,
			 (unsigned long long)pr->ea.tx_off,
			 (unsigned long long)pr->ea.rx_off,
			 tcp_state_name(tcp_state(pr->ea.pcb)),
			 (unsigned long long)pr->eb.tx_off,
			 (unsigned long long)pr->eb.rx_off,
			 pr->eb.pcb ? tcp_state_name(tcp_state(pr->eb.pcb)) : "-");
	assert_int_equal(pr->ea.rx_off, bytes);
	assert_int_equal(pr->eb.rx_off, bytes);
	if (loss > 0 || l->overflowed > 0)
		assert_true(pr->ea.info.retransmits + pr->eb.info.retransmits > 0);

	/* Both sent FIN and read the peer's: close, and the stacks finish
	 * the handshake and TIME-WAIT on their own (RFC 9293 3.10.4). */
	assert_int_equal(tcp_close(pr->a, pr->ea.pcb), 0);
	assert_int_equal(tcp_close(pr->b, pr->eb.pcb), 0);
	assert_int_equal(tcp_close(pr->b, pr->lis), 0);
	if (!run_until(pr, both_gone, pr->now + 600 * SEC))
		fail_msg("pcbs left 600 s after close: a %u b %u",
			 tcp_pcb_count(pr->a), tcp_pcb_count(pr->b));
	l->drop_pct = 0;
	run_until(pr, both_gone, pr->now + 60 * SEC);	/* drain stray frames */
	assert_int_equal(net_pkt_in_use(pr->a), 0);
	assert_int_equal(net_pkt_in_use(pr->b), 0);
}

static uint64_t bulk_bytes(void)
{
	return (uint64_t)env_seed("TCP_LINK_MB", 10) << 20;
}

/* RFC 9293 3.8/3.10, RFC 5681, RFC 6298: 10 MB each way, byte-exact and
 * without a stall, over a link that reorders and duplicates. */
static void test_bulk_loss0_reorder_dup_exact_in_time(void **state)
{
	bulk_case(*state, &(struct bulk_opts){.loss = 0}, bulk_bytes());
}

static void test_bulk_loss1_reorder_dup_exact_in_time(void **state)
{
	bulk_case(*state, &(struct bulk_opts){.loss = 1}, bulk_bytes());
}

static void test_bulk_loss5_reorder_dup_exact_in_time(void **state)
{
	bulk_case(*state, &(struct bulk_opts){.loss = 5}, bulk_bytes());
}

static void test_bulk_loss20_reorder_dup_exact_in_time(void **state)
{
	bulk_case(*state, &(struct bulk_opts){.loss = 20}, bulk_bytes());
}

/* RFC 5681 3.1, RFC 6675: a bottleneck with a 32 KiB drop-tail queue and
 * 128 KiB windows: slow start overshoots, bursts of frames are lost at the
 * queue (not at random), and recovery must keep the link busy. */
static void test_bulk_bottleneck_queue_drops_exact_in_time(void **state)
{
	struct pair *pr = *state;

	bulk_case(pr, &(struct bulk_opts){.queue_max = 32 * 1024}, bulk_bytes());
	assert_true(pr->link.overflowed > 0);
}

/* While a window is closed, a probe or an update the peer cannot accept
 * draws one ACK, not an endless exchange: a normal 10 MB run drops fewer
 * than 200 segments out of window in all. */
static void check_no_ack_war(struct pair *pr)
{
	uint64_t oow = net_stat_get(pr->a, NET_STAT_DROP_TCP_OUT_OF_WINDOW) +
		       net_stat_get(pr->b, NET_STAT_DROP_TCP_OUT_OF_WINDOW);

	if (oow > 1000) {
		print_stats(pr->a, "a");
		print_stats(pr->b, "b");
		fail_msg("%llu segments dropped out of window: an ACK war",
			 (unsigned long long)oow);
	}
}

/* RFC 9293 3.8.6.1, 3.8.6.2.2: b's application stops reading for 3 s
 * halfway: its window closes, a probes it, and the window reopens when b
 * reads again; at 1 % loss, so a probe or the update may be lost. */
static void test_bulk_receiver_pauses_window_reopens(void **state)
{
	struct pair *pr = *state;

	bulk_case(pr, &(struct bulk_opts){.loss = 1, .pause_b_ns = 3 * SEC},
		  bulk_bytes());
	assert_true(net_stat_get(pr->a, NET_STAT_TCP_PERSIST_PROBE) > 0);
	check_no_ack_war(pr);
}

/* The same with both applications pausing at once: both windows close,
 * both sides probe, and both must reopen, without an ACK war. */
static void test_bulk_both_receivers_pause_windows_reopen(void **state)
{
	struct pair *pr = *state;

	/* Before the fix, both sides dropped each other's probes and window
	 * updates unread at a zero window and answered each with an ACK
	 * (TCP_LINK_SEED=2135399957: 14,000 drops a side). */
	bulk_case(pr, &(struct bulk_opts){.loss = 1, .pause_a_ns = 3 * SEC,
					  .pause_b_ns = 3 * SEC},
		  bulk_bytes());
	check_no_ack_war(pr);
}

/* ---- ten thousand connections */

#define CONNS_TOTAL 10000
#define CONNS_BATCH 100

/*
 * One short connection. The client sends one byte naming the side that
 * closes first: 's' (the server closes on reading it) or 'c' (the server
 * answers 'y' and the client closes on reading that); the other side
 * closes when it reads the FIN. Alternating puts TIME-WAITs on both stacks.
 */
struct conn {
	struct pair *pr;
	struct netstack *ns;
	struct tcp_pcb *pcb;
	bool server, closed;
	char first;			/* client: the byte it sends */
	int error;
};

struct many {
	struct conn cli[CONNS_BATCH], srv[CONNS_BATCH];
	unsigned accepted, closed, errors;
};

static void conn_close(struct conn *c)
{
	if (c->closed)
		return;
	c->closed = true;
	c->pr->many->closed++;
	assert_int_equal(tcp_close(c->ns, c->pcb), 0);
}

static void conn_event(void *arg, struct tcp_pcb *pcb, unsigned events)
{
	struct conn *c = arg;
	uint8_t b;
	long r;

	if (c->closed)
		fail_msg("callback after tcp_close (events %#x)", events);
	check_closed_event(pcb, events);
	if (events & TCP_EV_ERROR) {
		c->error = tcp_error(c->ns, pcb);
		c->pr->many->errors++;
		conn_close(c);
		return;
	}
	if ((events & TCP_EV_CONNECTED) && !c->server)
		assert_int_equal(tcp_send(c->ns, pcb, &c->first, 1, 0), 1);
	if (!(events & TCP_EV_READABLE))
		return;
	while ((r = tcp_recv(c->ns, pcb, &b, 1, 0)) > 0) {
		if (c->server && b == 'c') {
			assert_int_equal(tcp_send(c->ns, pcb, "y", 1, 0), 1);
		} else {
			/* 's' at the server, 'y' at the client. */
			conn_close(c);
			return;
		}
	}
	if (r == 0)
		conn_close(c);	/* the peer's FIN: close our side too */
}

static void many_lis_event(void *arg, struct tcp_pcb *lis, unsigned events)
{
	struct pair *pr = arg;
	struct many *m = pr->many;
	struct tcp_pcb *pcb;

	if (!(events & TCP_EV_ACCEPT))
		return;
	while (m->accepted < CONNS_BATCH) {
		struct conn *c = &m->srv[m->accepted];

		*c = (struct conn){.pr = pr, .ns = pr->b, .server = true};
		if (tcp_accept(pr->b, lis, conn_event, c, &pcb) != 0)
			return;
		c->pcb = pcb;
		m->accepted++;
		/* Data may have come with or right after the handshake. */
		conn_event(c, pcb, tcp_events(pcb) & ~TCP_EV_WRITABLE);
	}
}

/* The connections carry a byte or two: 4 KiB rings keep 20,000 ring
 * allocations (and their first-touch page faults under ASan) cheap. */
static void small_rings(struct netstack *ns, struct tcp_pcb *pcb)
{
	assert_int_equal(tcp_setopt(ns, pcb, TCP_OPT_SNDBUF, 4096), 0);
	assert_int_equal(tcp_setopt(ns, pcb, TCP_OPT_RCVBUF, 4096), 0);
}

static bool batch_done(struct pair *pr)
{
	return pr->many->closed == 2 * CONNS_BATCH;
}

/* One batch of CONNS_BATCH connections, all the way to both closes (the
 * active closer's pcb then sits in TIME-WAIT). */
static void many_batch(struct pair *pr, unsigned batch)
{
	struct many *m = pr->many;
	unsigned i;

	m->accepted = m->closed = 0;
	for (i = 0; i < CONNS_BATCH; i++) {
		struct conn *c = &m->cli[i];

		*c = (struct conn){.pr = pr, .ns = pr->a,
				   .first = (i & 1) ? 's' : 'c'};
		assert_int_equal(tcp_open(pr->a, conn_event, c, &c->pcb), 0);
		small_rings(pr->a, c->pcb);
		assert_int_equal(tcp_connect(pr->a, c->pcb, IP_B, 80), 0);
	}
	if (!run_until(pr, batch_done, pr->now + 30 * SEC))
		fail_msg("batch %u: %u of %u closed, %u accepted, %u errors",
			 batch, m->closed, 2 * CONNS_BATCH, m->accepted,
			 m->errors);
	assert_int_equal(m->errors, 0);
}

/* Advance the fake clock until only pcbs0 pcbs are left on each stack
 * (TIME-WAIT is 2 MSL; 20 minutes is far beyond any setting here). */
static void wait_time_wait_out(struct pair *pr, uint32_t pcbs0_a,
			       uint32_t pcbs0_b)
{
	unsigned i;

	for (i = 0; i < 20 && (tcp_pcb_count(pr->a) != pcbs0_a ||
			       tcp_pcb_count(pr->b) != pcbs0_b); i++)
		run_until(pr, both_gone, pr->now + 60 * SEC);
}

/* RFC 9293 3.6, 3.10.4, 3.10.7: ten thousand connections open, carry a
 * byte each way, close (each side first in turn) and pass TIME-WAIT; then
 * every pcb, packet buffer and heap byte is back where it started. The
 * start is taken after one warm-up batch: per-stack structures made on
 * first use (the timer heap's first array) are not per-connection state. */
static void test_many_open_close_time_wait_all_freed(void **state)
{
	struct pair *pr = *state;
	static struct many many;
	uint32_t pcbs0_a, pcbs0_b;
	struct timespec w0, w1;
	unsigned batch, max_pcbs = 0;
	uint64_t t0;

	memset(&many, 0, sizeof(many));
	pr->many = &many;
	pr->link.delay_ns = 1 * MS;
	clock_gettime(CLOCK_MONOTONIC, &w0);
	/* Let ARP settle so the baseline holds no queued frames. */
	run_until(pr, both_gone, pr->now + 2 * SEC);
	assert_int_equal(tcp_open(pr->b, many_lis_event, pr, &pr->lis), 0);
	small_rings(pr->b, pr->lis);	/* accepted children inherit them */
	assert_int_equal(tcp_bind(pr->b, pr->lis, 0, 80), 0);
	assert_int_equal(tcp_listen(pr->b, pr->lis, CONNS_BATCH), 0);
	pcbs0_a = tcp_pcb_count(pr->a);
	pcbs0_b = tcp_pcb_count(pr->b);
	many_batch(pr, 0);
	wait_time_wait_out(pr, pcbs0_a, pcbs0_b);
	assert_int_equal(tcp_pcb_count(pr->a), pcbs0_a);
	assert_int_equal(tcp_pcb_count(pr->b), pcbs0_b);
	pr->heap0_a = pr->fea.live_bytes;
	pr->heap0_b = pr->feb.live_bytes;
	pr->link.sent = 0;
	t0 = pr->now;

	for (batch = 0; batch < CONNS_TOTAL / CONNS_BATCH; batch++) {
		many_batch(pr, batch);
		if (tcp_pcb_count(pr->a) + tcp_pcb_count(pr->b) > max_pcbs)
			max_pcbs = tcp_pcb_count(pr->a) + tcp_pcb_count(pr->b);
		/* 50 ms between batches: TIME-WAITs pile up, then expire. */
		run_until(pr, both_gone, pr->now + 50 * MS);
	}
	wait_time_wait_out(pr, pcbs0_a, pcbs0_b);
	clock_gettime(CLOCK_MONOTONIC, &w1);
	printf("tcp_link: %u connections opened and closed; at most %u pcbs at "
	       "once; all gone after %.0f s simulated; link sent %llu frames; "
	       "heap a %zu b %zu bytes (was %zu, %zu); wall %.2f s\n",
	       CONNS_TOTAL, max_pcbs, (double)(pr->now - t0) / 1e9,
	       (unsigned long long)pr->link.sent, pr->fea.live_bytes,
	       pr->feb.live_bytes, pr->heap0_a, pr->heap0_b,
	       (double)(w1.tv_sec - w0.tv_sec) +
		       (double)(w1.tv_nsec - w0.tv_nsec) / 1e9);
	assert_int_equal(tcp_pcb_count(pr->a), pcbs0_a);
	assert_int_equal(tcp_pcb_count(pr->b), pcbs0_b);
	assert_int_equal(net_pkt_in_use(pr->a), 0);
	assert_int_equal(net_pkt_in_use(pr->b), 0);
	assert_int_equal(pr->fea.live_bytes, pr->heap0_a);
	assert_int_equal(pr->feb.live_bytes, pr->heap0_b);
	assert_int_equal(tcp_close(pr->b, pr->lis), 0);
	assert_int_equal(tcp_pcb_count(pr->b), 0);
}

int main(void)
{
#define P(fn) cmocka_unit_test_setup_teardown(fn, pair_setup, pair_teardown)
	const struct CMUnitTest tests[] = {
		P(test_bulk_loss0_reorder_dup_exact_in_time),
		P(test_bulk_loss1_reorder_dup_exact_in_time),
		P(test_bulk_loss5_reorder_dup_exact_in_time),
		P(test_bulk_loss20_reorder_dup_exact_in_time),
		P(test_bulk_bottleneck_queue_drops_exact_in_time),
		P(test_bulk_receiver_pauses_window_reopens),
		P(test_bulk_both_receivers_pause_windows_reopen),
		P(test_many_open_close_time_wait_all_freed),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}

/*
 * apps/msgrouter/traffic.c: what msgrouter does with packets addressed to
 * it. Payloads are text, a word saying what the packet is:
 *
 *   ping REPLY TEXT    answered with "pong ME TEXT" to REPLY
 *   pong FROM TEXT     logged (and ends the generator's probing)
 *   stats REPLY        answered with "stats ME sent=N ..." (the counters)
 *   seq SRC N ...      traffic: N counts 0, 1, ... per sender SRC; padding
 *                      after it is ignored
 *   gen REPLY DEST N   starts the generator toward DEST for N packets
 *                      (answered "gen ME started", or "gen ME busy")
 *   end SRC TOTAL      SRC sent TOTAL seq packets: the checker logs
 *                      "msgrouter: from SRC: R received, L lost,
 *                      D duplicated, O reordered (of TOTAL)"
 *   anything else      logged with its first 64 octets
 *
 * The generator (msg.gen=DEST): pings DEST every 200 ms until DEST's pong
 * says it is reachable (the router drops packets for domains it does not
 * know yet), then sends msg.count seq packets of msg.size octets as fast
 * as the queue takes them (-ENOBUFS waits for ready), then "end".
 *
 * The checker's count per sender: a number above the next expected is a
 * gap (missing += the jump); one below it fills a gap (reordered) or, with
 * no gap open, was seen already (duplicated); lost = what is missing at
 * the end plus the tail that never came. All zero and received == TOTAL
 * means every packet came once, in order.
 */
#include <skiff.h>
#include <errno.h>
#include <string.h>

#include "msgrouter.h"

#define MR_PROBE_MS	200

struct mr_app mr;

struct word {
	const char *p;
	size_t n;
};

/* The next blank-separated word of [*pp, end). */
static struct word next_word(const char **pp, const char *end)
{
	const char *p = *pp;
	struct word w;

	while (p < end && *p == ' ')
		p++;
	w.p = p;
	while (p < end && *p != ' ')
		p++;
	w.n = (size_t)(p - w.p);
	*pp = p;
	return w;
}

static bool word_is(struct word w, const char *s)
{
	return w.n == strlen(s) && memcmp(w.p, s, w.n) == 0;
}

static bool word_u64(struct word w, uint64_t *v)
{
	size_t i;

	if (!w.n || w.n > 19)
		return false;
	*v = 0;
	for (i = 0; i < w.n; i++) {
		if (w.p[i] < '0' || w.p[i] > '9')
			return false;
		*v = *v * 10 + (uint64_t)(w.p[i] - '0');
	}
	return true;
}

static int send_text(struct msg_svc *m, const struct msg_addr *dst, const char *text, size_t n)
{
	return msg_node_send(msg_svc_node(m), dst, text, n);
}

/*
 * Answers (pong, stats, gen) that met a full queue wait here and go first
 * when it has room again, ahead of the generator, which would otherwise
 * fill every gap: a domain streaming at full speed still answers.
 */
#define MR_HELD		4

static struct {
	bool used;
	struct msg_addr dst;
	size_t len;
	char text[512];
} held[MR_HELD];

static void reply(struct msg_svc *m, const struct msg_addr *dst, const char *text, size_t n)
{
	int i;

	if (n > sizeof(held[0].text))
		n = sizeof(held[0].text);
	if (send_text(m, dst, text, n) != -ENOBUFS)
		return;
	for (i = 0; i < MR_HELD; i++) {
		if (!held[i].used) {
			held[i].used = true;
			held[i].dst = *dst;
			held[i].len = n;
			memcpy(held[i].text, text, n);
			return;
		}
	}
	printf("msgrouter: an answer was dropped: queue full and %d held\n", MR_HELD);
}

/* False while an answer still finds the queue full. */
static bool replies_flush(struct msg_svc *m)
{
	int i;

	for (i = 0; i < MR_HELD; i++) {
		if (!held[i].used)
			continue;
		if (send_text(m, &held[i].dst, held[i].text, held[i].len) == -ENOBUFS)
			return false;
		held[i].used = false;
	}
	return true;
}

static int stats_text(struct msg_svc *m, char *buf, size_t size)
{
	struct msg_stats st;

	msg_node_stats(msg_svc_node(m), &st);
	return snprintf(buf, size,
			"sent=%llu received=%llu delivered=%llu forwarded=%llu unknown=%llu "
			"queue_full=%llu not_mine=%llu no_route=%llu malformed=%llu refused=%llu "
			"dead=%llu lost_bytes=%llu conns=%llu domains=%llu",
			(unsigned long long)st.sent, (unsigned long long)st.received,
			(unsigned long long)st.delivered, (unsigned long long)st.forwarded,
			(unsigned long long)st.unknown, (unsigned long long)st.queue_full,
			(unsigned long long)st.not_mine, (unsigned long long)st.no_route,
			(unsigned long long)st.malformed, (unsigned long long)st.refused,
			(unsigned long long)st.dead, (unsigned long long)st.lost_bytes,
			(unsigned long long)st.conns, (unsigned long long)st.domains);
}

/* ---- the generator ---- */

static void gen_pump(struct msg_svc *m)
{
	static char buf[MSG_MAX_DATA];	/* one service thread: one buffer */
	int rc, n;

	while (mr.gen_phase == MR_GEN_STREAM) {
		n = snprintf(buf, sizeof(buf), "seq %s %llu", mr.me_text,
			     (unsigned long long)mr.gen_next);
		if ((size_t)n < mr.gen_size) {
			memset(buf + n, ' ', mr.gen_size - (size_t)n);
			n = (int)mr.gen_size;
		}
		rc = send_text(m, &mr.gen_dst, buf, (size_t)n);
		if (rc == -ENOBUFS)
			return;		/* ready calls again */
		if (rc) {
			printf("msgrouter: generator stopped at %llu: error %d\n",
			       (unsigned long long)mr.gen_next, rc);
			mr.gen_phase = MR_GEN_DONE;
			return;
		}
		if (++mr.gen_next == mr.gen_count)
			mr.gen_phase = MR_GEN_END;
	}
	if (mr.gen_phase == MR_GEN_END) {
		n = snprintf(buf, sizeof(buf), "end %s %llu", mr.me_text,
			     (unsigned long long)mr.gen_count);
		if (send_text(m, &mr.gen_dst, buf, (size_t)n) == -ENOBUFS)
			return;
		mr.gen_phase = MR_GEN_DONE;
		printf("msgrouter: sent %llu packets to %s\n",
		       (unsigned long long)mr.gen_count, mr.gen_text);
	}
}

void mr_ready(struct msg_svc *m)
{
	if (replies_flush(m))
		gen_pump(m);
}

static void arm_timer(struct msg_svc *m)
{
	uint64_t now = msg_svc_now_ms(), due = UINT64_MAX;

	if (mr.gen && mr.gen_phase == MR_GEN_PROBE)
		due = now + MR_PROBE_MS;
	if (mr.stats_ms && mr.stats_due < due)
		due = mr.stats_due;
	if (due != UINT64_MAX)
		msg_svc_set_timer(m, due > now ? due - now : 0);
}

void mr_timer(struct msg_svc *m)
{
	uint64_t now = msg_svc_now_ms();
	char buf[512];
	int n;

	if (mr.gen && mr.gen_phase == MR_GEN_PROBE) {
		n = snprintf(buf, sizeof(buf), "ping %s gen", mr.me_text);
		send_text(m, &mr.gen_dst, buf, (size_t)n);	/* lost ones are tried again */
	}
	if (mr.stats_ms && now >= mr.stats_due) {
		stats_text(m, buf, sizeof(buf));
		printf("msgrouter: stats %s\n", buf);
		mr.stats_due = now + mr.stats_ms;
	}
	arm_timer(m);
}

void mr_started(struct msg_svc *m)
{
	mr.stats_due = msg_svc_now_ms() + mr.stats_ms;
	if (mr.gen) {
		mr.gen_phase = MR_GEN_PROBE;
		msg_svc_set_timer(m, 0);
		return;
	}
	arm_timer(m);
}

/* ---- the checker ---- */

/* A handful of senders: a short array is all a test needs (not a
 * per-packet path of the library). NULL when full. */
static struct mr_source *source_of(const struct msg_addr *a)
{
	int i;

	for (i = 0; i < MR_SOURCES; i++)
		if (mr.src[i].used && msg_addr_eq(&mr.src[i].addr, a))
			return &mr.src[i];
	for (i = 0; i < MR_SOURCES; i++) {
		if (!mr.src[i].used) {
			memset(&mr.src[i], 0, sizeof(mr.src[i]));
			mr.src[i].used = true;
			mr.src[i].addr = *a;
			return &mr.src[i];
		}
	}
	return NULL;
}

static void seq_in(struct msg_addr *from, uint64_t n)
{
	struct mr_source *s = source_of(from);

	if (!s)
		return;
	s->received++;
	if (n == s->expected) {
		s->expected++;
	} else if (n > s->expected) {
		s->missing += n - s->expected;
		s->expected = n + 1;
	} else if (s->missing) {
		s->missing--;
		s->reordered++;
	} else {
		s->duplicated++;
	}
}

static void end_in(struct msg_addr *from, uint64_t total)
{
	struct mr_source *s = source_of(from);
	char a[MSG_ADDR_TEXT];
	uint64_t lost;

	if (!s)
		return;
	lost = s->missing + (total > s->expected ? total - s->expected : 0);
	printf("msgrouter: from %s: %llu received, %llu lost, %llu duplicated, "
	       "%llu reordered (of %llu)\n", msg_addr_format(from, a),
	       (unsigned long long)s->received, (unsigned long long)lost,
	       (unsigned long long)s->duplicated, (unsigned long long)s->reordered,
	       (unsigned long long)total);
	s->used = false;	/* a next run from the same sender starts afresh */
}

static void log_other(const uint8_t *data, size_t len)
{
	char text[65];
	size_t i, n = len < 64 ? len : 64;

	for (i = 0; i < n; i++)
		text[i] = data[i] >= 32 && data[i] < 127 ? (char)data[i] : '.';
	text[n] = '\0';
	printf("msgrouter: packet, %lu bytes: %s\n", (unsigned long)len, text);
}

/* "gen REPLY DEST N": the generator, started by a packet (tests). */
static void gen_command(struct msg_svc *m, const struct msg_addr *to,
			const char **pp, const char *end)
{
	struct word dst = next_word(pp, end), cnt = next_word(pp, end);
	struct msg_addr d;
	uint64_t v;
	char buf[64];
	bool busy = mr.gen && mr.gen_phase != MR_GEN_DONE;
	int n;

	if (!busy && dst.n && msg_addr_parse(dst.p, dst.n, &d) == 0 && word_u64(cnt, &v)) {
		mr.gen = true;
		mr.gen_dst = d;
		mr.gen_count = v;
		mr.gen_next = 0;
		mr.gen_phase = MR_GEN_PROBE;
		msg_addr_format(&d, mr.gen_text);
		msg_svc_set_timer(m, 0);
	}
	n = snprintf(buf, sizeof(buf), "gen %s %s", mr.me_text, busy ? "busy" : "started");
	reply(m, to, buf, (size_t)n);
}

void mr_deliver(struct msg_svc *m, const struct msg_addr *dst, const uint8_t *data, size_t len)
{
	const char *p = (const char *)data, *end = p + len;
	struct word cmd = next_word(&p, end), who = next_word(&p, end), arg;
	struct msg_addr from;
	char buf[512], a[MSG_ADDR_TEXT];
	uint64_t v;
	int n;

	(void)dst;
	if (!who.n || msg_addr_parse(who.p, who.n, &from) != 0) {
		log_other(data, len);
		return;
	}
	if (word_is(cmd, "ping")) {
		while (p < end && *p == ' ')
			p++;
		n = snprintf(buf, sizeof(buf), "pong %s %.*s", mr.me_text, (int)(end - p), p);
		reply(m, &from, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	} else if (word_is(cmd, "pong")) {
		arg = next_word(&p, end);
		if (mr.gen && mr.gen_phase == MR_GEN_PROBE && word_is(arg, "gen") &&
		    msg_addr_eq(&from, &mr.gen_dst)) {
			printf("msgrouter: %s reachable, sending %llu packets\n", mr.gen_text,
			       (unsigned long long)mr.gen_count);
			mr.gen_phase = mr.gen_count ? MR_GEN_STREAM : MR_GEN_END;
			gen_pump(m);
			return;
		}
		if (!word_is(arg, "gen"))
			printf("msgrouter: pong from %s: %.*s\n", msg_addr_format(&from, a),
			       (int)arg.n, arg.p);
	} else if (word_is(cmd, "stats")) {
		n = snprintf(buf, sizeof(buf), "stats %s ", mr.me_text);
		n += stats_text(m, buf + n, sizeof(buf) - (size_t)n);
		reply(m, &from, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
	} else if (word_is(cmd, "gen")) {
		gen_command(m, &from, &p, end);
	} else if (word_is(cmd, "seq") && word_u64(next_word(&p, end), &v)) {
		seq_in(&from, v);
	} else if (word_is(cmd, "end") && word_u64(next_word(&p, end), &v)) {
		end_in(&from, v);
	} else {
		log_other(data, len);
	}
}

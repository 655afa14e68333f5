/*
 * apps/msgrouter/msgrouter.h: what main.c (options, the service) and
 * traffic.c (the app's packets: ping, stats, the generator and the
 * sequence checker) share.
 */
#ifndef APPS_MSGROUTER_H
#define APPS_MSGROUTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <skiff/msg.h>
#include <skiff/msg_svc.h>

#define MR_SOURCES	16	/* senders the checker follows */

struct mr_source {
	bool used;
	struct msg_addr addr;
	uint64_t received, expected;	/* packets; the next sequence number */
	uint64_t missing;		/* gaps not filled yet */
	uint64_t duplicated, reordered;
};

struct mr_app {
	struct msg_addr me;
	char me_text[MSG_ADDR_TEXT];
	bool router;
	/* generator: msg.gen */
	bool gen;
	struct msg_addr gen_dst;
	char gen_text[MSG_ADDR_TEXT];
	uint64_t gen_count, gen_next;
	size_t gen_size;
	enum { MR_GEN_PROBE, MR_GEN_STREAM, MR_GEN_END, MR_GEN_DONE } gen_phase;
	uint64_t stats_ms, stats_due;
	struct mr_source src[MR_SOURCES];
};

extern struct mr_app mr;

void mr_started(struct msg_svc *m);
void mr_deliver(struct msg_svc *m, const struct msg_addr *dst, const uint8_t *data, size_t len);
void mr_ready(struct msg_svc *m);
void mr_timer(struct msg_svc *m);

#endif

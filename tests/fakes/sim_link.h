/*
 * sim_link.h: a simulated Ethernet cable between two stacks that can drop,
 * duplicate, delay and reorder frames, deterministically from a seed.
 *
 * Optionally the cable has a rate (rate_bps): each direction serialises its
 * frames one after the other, so a sender that bursts builds a queue and
 * sees its round trip grow, as on a real link; queue_max_bytes then bounds
 * that queue (tail drop, counted in overflowed). Loss, duplication and
 * reordering happen on the wire, after the frame took its slot.
 *
 * Frames leave the sender's pool at xmit (copied into the link) and enter
 * the receiver's pool at delivery, as a NIC's DMA would. sim_link_run()
 * delivers every frame due by now. Drops stop after max_drops so a
 * retrying sender eventually gets through ("lossy but eventually
 * delivering").
 */
#ifndef TESTS_FAKES_SIM_LINK_H
#define TESTS_FAKES_SIM_LINK_H

#include <stddef.h>
#include <stdint.h>

#include "../../net/netstack.h"
#include "../../net/netif.h"

struct sim_frame;
struct sim_link;

struct sim_end {
	struct sim_link *link;
	struct netstack *ns;
	int ifindex;
	int side;		/* 0 or 1 */
	uint8_t mac[6];
	uint16_t mtu;
};

struct sim_link {
	struct sim_end end[2];
	struct sim_frame *frames;	/* sorted by due time */
	uint64_t now;			/* time of the last sim_link_run() */
	uint32_t rng;
	unsigned drop_pct;		/* chance a frame is lost */
	unsigned dup_pct;		/* chance it arrives twice */
	unsigned reorder_pct;		/* chance it gets extra delay */
	uint64_t delay_ns;		/* base one-way latency */
	uint64_t reorder_ns;		/* max extra delay when reordered */
	uint64_t max_drops;		/* stop dropping after this many */
	uint64_t rate_bps;		/* bits per second each way; 0: no limit */
	uint64_t queue_max_bytes;	/* with rate_bps: tail drop; 0: no limit */
	uint64_t busy_until[2];		/* per sending side: wire free again */
	uint64_t sent, dropped, duplicated, reordered, delivered;
	uint64_t overflowed;		/* tail drops at queue_max_bytes */
	uint64_t bytes_sent;		/* bytes of frames offered to the wire */
	uint64_t in_flight;
	uint32_t offload;		/* NETIF_OFFLOAD_* both ends advertise (set before attach) */
	uint64_t frag_frames;		/* frames sent with a pktbuf fragment (SG) */
};

void sim_link_init(struct sim_link *l, uint32_t seed);
/* Add an interface for side (0/1) to ns; returns its ifindex. */
int sim_link_attach(struct sim_link *l, int side, struct netstack *ns,
		    const uint8_t mac[6], uint16_t mtu);
/* Deliver every frame due at or before now. Returns frames delivered. */
unsigned sim_link_run(struct sim_link *l, uint64_t now);
/* Set the time frames sent from now on leave at, without delivering: call
 * it before net_poll(ns, now) so timer-driven sends leave at now. */
void sim_link_set_now(struct sim_link *l, uint64_t now);
/* When the next frame is due; UINT64_MAX when none is in flight. */
uint64_t sim_link_next_due(const struct sim_link *l);
/* Free frames still in flight. */
void sim_link_destroy(struct sim_link *l);

#endif

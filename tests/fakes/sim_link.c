/*
 * sim_link.c: the simulated lossy link.
 */
#include <stdlib.h>
#include <string.h>

#include "sim_link.h"
#include "../../net/pktbuf.h"

struct sim_frame {
	struct sim_frame *next;
	uint64_t due;
	int to;			/* receiving side */
	size_t len;
	uint8_t data[];
};

static uint32_t sim_rand(struct sim_link *l)
{
	l->rng ^= l->rng << 13;
	l->rng ^= l->rng >> 17;
	l->rng ^= l->rng << 5;
	return l->rng;
}

static void sim_enqueue(struct sim_link *l, int to, const struct pktbuf *p,
			uint64_t due)
{
	size_t len = pktbuf_total(p);
	struct sim_frame *f = malloc(sizeof(*f) + len);
	struct sim_frame **pp = &l->frames;

	if (!f)
		abort();
	f->to = to;
	f->len = len;
	f->due = due;
	pktbuf_copy_out(p, 0, f->data, len);	/* the buffer and its fragment */
	/* Stable: equal due times keep send order. */
	while (*pp && (*pp)->due <= due)
		pp = &(*pp)->next;
	f->next = *pp;
	*pp = f;
	l->in_flight++;
}

/*
 * With a rate: when the frame has finished leaving side's transmitter
 * (queued behind what is already on the wire), or 0 for a tail drop.
 * Without: now.
 */
static uint64_t sim_serialize(struct sim_link *l, int side, size_t len)
{
	uint64_t start = l->busy_until[side] > l->now ? l->busy_until[side] : l->now;
	/* Preamble, SFD, FCS and the inter-frame gap: 24 bytes on the wire. */
	uint64_t bits = (uint64_t)(len + 24) * 8;

	if (!l->rate_bps)
		return l->now;
	if (l->queue_max_bytes &&
	    (start - l->now) * l->rate_bps / 8000000000ull > l->queue_max_bytes)
		return 0;
	l->busy_until[side] = start + bits * 1000000000ull / l->rate_bps;
	return l->busy_until[side];
}

static int sim_xmit(struct netif *nif, struct pktbuf *p)
{
	struct sim_end *e = netif_drv(nif);
	struct sim_link *l = e->link;
	int copies = 1, i;
	uint64_t left;

	l->sent++;
	if (p->frag_len)
		l->frag_frames++;
	l->bytes_sent += pktbuf_total(p);
	left = sim_serialize(l, e->side, pktbuf_total(p));
	if (l->rate_bps && !left) {
		l->overflowed++;
		copies = 0;
	} else if (l->dropped < l->max_drops && sim_rand(l) % 100 < l->drop_pct) {
		l->dropped++;
		copies = 0;
	} else if (sim_rand(l) % 100 < l->dup_pct) {
		l->duplicated++;
		copies = 2;
	}
	for (i = 0; i < copies; i++) {
		uint64_t due = left + l->delay_ns;

		if (l->reorder_ns && sim_rand(l) % 100 < l->reorder_pct) {
			l->reordered++;
			due += 1 + sim_rand(l) % l->reorder_ns;
		}
		sim_enqueue(l, 1 - e->side, p, due);
	}
	pktbuf_free(p);
	return 0;
}

static void sim_get_mac(struct netif *nif, uint8_t mac[6])
{
	struct sim_end *e = netif_drv(nif);

	memcpy(mac, e->mac, 6);
}

static uint16_t sim_mtu(struct netif *nif)
{
	struct sim_end *e = netif_drv(nif);

	return e->mtu;
}

static uint32_t sim_offload(struct netif *nif)
{
	struct sim_end *e = netif_drv(nif);

	return e->link->offload;
}

static const struct netif_ops sim_ops = {
	.xmit = sim_xmit,
	.get_mac = sim_get_mac,
	.get_mtu = sim_mtu,
	.get_offload = sim_offload,
};

void sim_link_init(struct sim_link *l, uint32_t seed)
{
	memset(l, 0, sizeof(*l));
	l->rng = seed ? seed : 1;
	l->max_drops = UINT64_MAX;
}

int sim_link_attach(struct sim_link *l, int side, struct netstack *ns,
		    const uint8_t mac[6], uint16_t mtu)
{
	struct sim_end *e = &l->end[side];

	e->link = l;
	e->ns = ns;
	e->side = side;
	memcpy(e->mac, mac, 6);
	e->mtu = mtu ? mtu : 1500;
	e->ifindex = netif_add(ns, &sim_ops, e, NULL);
	return e->ifindex;
}

void sim_link_set_now(struct sim_link *l, uint64_t now)
{
	l->now = now;
}

uint64_t sim_link_next_due(const struct sim_link *l)
{
	return l->frames ? l->frames->due : UINT64_MAX;
}

unsigned sim_link_run(struct sim_link *l, uint64_t now)
{
	unsigned n = 0;

	l->now = now;
	while (l->frames && l->frames->due <= now) {
		struct sim_frame *f = l->frames;
		struct sim_end *e = &l->end[f->to];
		struct pktbuf *p;

		l->frames = f->next;
		l->in_flight--;
		p = pktbuf_alloc(e->ns, 64, f->len);
		if (p) {
			memcpy(p->data, f->data, f->len);
			l->delivered++;
			n++;
			netif_input(netif_get(e->ns, e->ifindex), p);
		}
		free(f);
	}
	return n;
}

void sim_link_destroy(struct sim_link *l)
{
	while (l->frames) {
		struct sim_frame *f = l->frames;

		l->frames = f->next;
		free(f);
	}
	l->in_flight = 0;
}

/*
 * ip_reass.c: reassembly of incoming fragments, RFC 791 3.2 and
 * RFC 1122 3.3.2.
 *
 * Each datagram being reassembled (keyed by source, destination, id and
 * protocol) owns one slot: a large packet buffer that the fragment data is
 * copied into at its offset, and a bitmap with one bit per 8-octet block, as
 * RFC 791's reassembly procedure keeps (RFC 815's hole list would save the
 * bitmap but not the copy). Overlapping data is overwritten by the later
 * fragment, as in RFC 791; fragments that add no new block are duplicates.
 *
 * Promises and limits: at most par.reass_slots datagrams at once (the
 * oldest is evicted to make room), par.reass_max_frags fragments each,
 * par.reass_timeout_ns after the first fragment (RFC 1122 3.3.2), and no
 * datagram over 65535 octets. Inconsistent fragments (a non-last fragment
 * not a multiple of 8, data past a known end, two different ends) drop the
 * whole datagram. Every drop is counted by reason. Memory is the pool's
 * large buffers: nothing is allocated per fragment.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "byteorder.h"
#include "checksum.h"

/* Payload lives at this offset in the slot's buffer; the header before it. */
#define REASS_DATA_OFF	(NET_HEADROOM + 60)

int ip_reass_init(struct netstack *ns)
{
	ns->reass = net_alloc(ns, sizeof(*ns->reass) * ns->par.reass_slots);
	return ns->reass ? 0 : -ENOMEM;
}

static void reass_slot_free(struct reass_slot *s)
{
	pktbuf_free(s->buf);
	s->buf = NULL;
	s->used = false;
}

void ip_reass_fini(struct netstack *ns)
{
	uint32_t i;

	if (!ns->reass)
		return;
	for (i = 0; i < ns->par.reass_slots; i++)
		if (ns->reass[i].used)
			reass_slot_free(&ns->reass[i]);
	net_free(ns, ns->reass, sizeof(*ns->reass) * ns->par.reass_slots);
	ns->reass = NULL;
}

uint32_t ip_reass_in_use(struct netstack *ns)
{
	uint32_t i, n = 0;

	for (i = 0; i < ns->par.reass_slots; i++)
		n += ns->reass[i].used;
	return n;
}

/* The slot reassembling h's datagram, or NULL. */
static struct reass_slot *reass_find(struct netstack *ns, const struct ip_hdr *h)
{
	uint32_t i;

	for (i = 0; i < ns->par.reass_slots; i++) {
		struct reass_slot *s = &ns->reass[i];

		if (s->used && s->src == h->src && s->dst == h->dst &&
		    s->id == h->id && s->proto == h->proto)
			return s;
	}
	return NULL;
}

/* A fresh slot for h's datagram, evicting the oldest if all are busy. */
static struct reass_slot *reass_new(struct netstack *ns, const struct ip_hdr *h)
{
	struct reass_slot *s = NULL;
	uint32_t i;

	for (i = 0; i < ns->par.reass_slots; i++) {
		struct reass_slot *c = &ns->reass[i];

		if (!c->used) {
			s = c;
			break;
		}
		if (!s || c->started < s->started)
			s = c;
	}
	if (s->used) {
		/* Full: the oldest datagram is the least likely to complete. */
		net_count(ns, NET_STAT_DROP_REASS_EVICTED);
		reass_slot_free(s);
	}
	/* Asking for the largest datagram picks a large buffer. */
	s->buf = pktbuf_alloc(ns, REASS_DATA_OFF, IP_MAX_DGRAM);
	if (!s->buf)
		return NULL;
	s->buf->len = 0;
	memset(s->bitmap, 0, sizeof(s->bitmap));
	s->used = true;
	s->src = h->src;
	s->dst = h->dst;
	s->id = h->id;
	s->proto = h->proto;
	s->hdr_len = 0;
	s->total = 0;
	s->end_max = 0;
	s->blocks = 0;
	s->nfrags = 0;
	s->started = ns->now;
	s->deadline = ns->now + ns->par.reass_timeout_ns;
	return s;
}

/* Set the bits of blocks [first, last); returns how many were new. */
static uint32_t reass_mark(struct reass_slot *s, uint32_t first, uint32_t last)
{
	uint32_t b, fresh = 0;

	for (b = first; b < last; b++) {
		uint8_t bit = (uint8_t)(1u << (b & 7));

		if (!(s->bitmap[b >> 3] & bit)) {
			s->bitmap[b >> 3] |= bit;
			fresh++;
		}
	}
	return fresh;
}

/* RFC 791 3.2: the datagram is whole; give its buffer to the caller. */
static struct pktbuf *reass_finish(struct netstack *ns, struct reass_slot *s,
				   struct netif *nif)
{
	struct pktbuf *q = s->buf;
	uint8_t *hdr;

	q->data = q->head + REASS_DATA_OFF;
	q->len = s->total;
	hdr = pktbuf_push(q, s->hdr_len);
	memcpy(hdr, s->hdr, s->hdr_len);
	put_be16(hdr + 2, (uint16_t)(s->hdr_len + s->total));
	put_be16(hdr + 6, 0);
	put_be16(hdr + 10, 0);
	put_be16(hdr + 10, inet_csum(hdr, s->hdr_len));
	q->ifindex = (uint16_t)nif->index;
	s->buf = NULL;
	s->used = false;
	net_count(ns, NET_STAT_IP_REASS_OK);
	return q;
}

static bool reass_consistent(const struct reass_slot *s, const struct ip_hdr *h,
			     uint32_t end)
{
	uint32_t b;

	if (h->mf)
		return !s->total || end <= s->total;
	if (s->total)
		return s->total == end;
	/* A last fragment must not end before data already received. */
	for (b = (end + 7) / 8; b < 8192; b++)
		if (s->bitmap[b >> 3] & (1u << (b & 7)))
			return false;
	return true;
}

/* RFC 791 3.2 "An Example Reassembly Procedure"; consumes p. */
struct pktbuf *ip_reass(struct netstack *ns, struct netif *nif,
			struct pktbuf *p, const struct ip_hdr *h)
{
	uint32_t plen = (uint32_t)(h->tot_len - h->hdr_len);
	uint32_t off = h->frag_off, end = off + plen;
	struct reass_slot *s;
	uint32_t fresh, hl, far;

	if (h->mf && (plen == 0 || plen % 8)) {
		net_drop(ns, nif, NET_STAT_DROP_REASS_BAD_FRAG);
		goto out_free;
	}
	s = reass_find(ns, h);
	/* RFC 791 3.1: total length is 16 bits, fragment zero's header
	 * included: its length counts once known (from fragment zero, which
	 * may come last, against all the data held), the minimum before.
	 * Checked before a new datagram may evict a slot that is still good. */
	hl = s && s->hdr_len ? s->hdr_len : off == 0 ? h->hdr_len : IP_HDR_LEN;
	far = s && s->end_max > end ? s->end_max : end;
	if (far + hl > IP_MAX_DGRAM) {
		net_drop(ns, nif, NET_STAT_DROP_REASS_OVERSIZE);
		if (s)
			goto out_kill;
		goto out_free;
	}
	if (!s)
		s = reass_new(ns, h);
	if (!s) {
		net_drop(ns, nif, NET_STAT_DROP_NOBUFS);
		goto out_free;
	}
	if (!reass_consistent(s, h, end)) {
		net_drop(ns, nif, NET_STAT_DROP_REASS_BAD_FRAG);
		goto out_kill;
	}
	if (s->nfrags >= ns->par.reass_max_frags) {
		net_drop(ns, nif, NET_STAT_DROP_REASS_TOO_MANY);
		goto out_kill;
	}
	fresh = reass_mark(s, off / 8, (end + 7) / 8);
	/* A last fragment may add no block yet still tell us the end. */
	if (!fresh && !(!h->mf && !s->total)) {
		net_drop(ns, nif, NET_STAT_DROP_REASS_DUP);
		goto out_free;
	}
	s->blocks += fresh;
	s->nfrags++;
	/* RFC 1122 3.3.6 applies to the whole datagram: remember any
	 * fragment that came as a link-layer broadcast. */
	s->buf->l2_bcast |= p->l2_bcast;
	memcpy(s->buf->head + REASS_DATA_OFF + off, p->data + h->hdr_len, plen);
	if (off == 0) {
		memcpy(s->hdr, p->data, h->hdr_len);
		s->hdr_len = h->hdr_len;
	}
	if (!h->mf)
		s->total = end;
	if (end > s->end_max)
		s->end_max = end;
	pktbuf_free(p);
	if (s->total && s->hdr_len && s->blocks == (s->total + 7) / 8)
		return reass_finish(ns, s, nif);
	return NULL;

out_kill:
	reass_slot_free(s);
out_free:
	pktbuf_free(p);
	return NULL;
}

/* RFC 1122 3.3.2: on timeout discard, and send Time Exceeded (code 1) if
 * fragment zero arrived (RFC 792). */
void ip_reass_poll(struct netstack *ns)
{
	uint32_t i;

	for (i = 0; i < ns->par.reass_slots; i++) {
		struct reass_slot *s = &ns->reass[i];
		struct ip_hdr h;

		if (!s->used || s->deadline > ns->now)
			continue;
		net_count(ns, NET_STAT_DROP_REASS_TIMEOUT);
		if (s->hdr_len) {
			memset(&h, 0, sizeof(h));
			h.hdr_len = s->hdr_len;
			h.tot_len = (uint16_t)(s->hdr_len + 8);
			h.src = s->src;
			h.dst = s->dst;
			h.proto = s->proto;
			h.id = s->id;
			/* The header goes in through push, as in reass_finish:
			 * icmp_send_error quotes it from before data. */
			s->buf->data = s->buf->head + REASS_DATA_OFF;
			s->buf->len = 8;
			memcpy(pktbuf_push(s->buf, s->hdr_len), s->hdr, s->hdr_len);
			pktbuf_pull(s->buf, s->hdr_len);
			icmp_send_error(ns, s->buf, &h, ICMP_TIME_EXCEEDED, 1);
		}
		reass_slot_free(s);
	}
}

/* The earliest reassembly timeout, UINT64_MAX when no slot is in use. */
uint64_t ip_reass_next_deadline(struct netstack *ns)
{
	uint64_t next = UINT64_MAX;
	uint32_t i;

	for (i = 0; i < ns->par.reass_slots; i++)
		if (ns->reass[i].used && ns->reass[i].deadline < next)
			next = ns->reass[i].deadline;
	return next;
}

/*
 * pktbuf.c: packet buffers and the stack's fixed pools of them.
 *
 * Promises: all storage is taken at netstack_create() (two arrays of equal
 * sized buffers and one of descriptors); alloc and free are O(1) free-list
 * operations; exhaustion returns NULL and counts DROP_NOBUFS; push, pull,
 * put and trim never step outside head .. head+cap.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"

int pktpool_init(struct netstack *ns, struct pktpool *pool)
{
	uint32_t n = ns->par.pkt_small + ns->par.pkt_large;
	uint32_t i;

	memset(pool, 0, sizeof(*pool));
	pool->ns = ns;
	pool->n_small = ns->par.pkt_small;
	pool->n_large = ns->par.pkt_large;
	pool->descs = net_alloc(ns, sizeof(struct pktbuf) * n);
	pool->mem_small = net_alloc(ns, (size_t)pool->n_small * NET_PKT_SMALL_CAP);
	pool->mem_large = net_alloc(ns, (size_t)pool->n_large * NET_PKT_LARGE_CAP);
	if (!pool->descs || !pool->mem_small || !pool->mem_large) {
		pktpool_fini(ns, pool);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		struct pktbuf *p = &pool->descs[i];
		bool small = i < pool->n_small;

		p->pool = pool;
		p->cap = small ? NET_PKT_SMALL_CAP : NET_PKT_LARGE_CAP;
		p->head = small ? pool->mem_small + (size_t)i * NET_PKT_SMALL_CAP
				: pool->mem_large +
				  (size_t)(i - pool->n_small) * NET_PKT_LARGE_CAP;
		if (small) {
			p->next = pool->free_small;
			pool->free_small = p;
		} else {
			p->next = pool->free_large;
			pool->free_large = p;
		}
	}
	return 0;
}

void pktpool_fini(struct netstack *ns, struct pktpool *pool)
{
	uint32_t n = pool->n_small + pool->n_large;

	/* Every buffer must be home by now; a leak is a bug worth shouting. */
	if (pool->descs && pool->in_use)
		net_log(ns, NET_LOG_ERR, "pktbuf: buffers leaked at destroy");
	net_free(ns, pool->descs, sizeof(struct pktbuf) * n);
	net_free(ns, pool->mem_small, (size_t)pool->n_small * NET_PKT_SMALL_CAP);
	net_free(ns, pool->mem_large, (size_t)pool->n_large * NET_PKT_LARGE_CAP);
	pool->descs = NULL;
	pool->mem_small = NULL;
	pool->mem_large = NULL;
}

struct pktbuf *pktbuf_alloc(struct netstack *ns, size_t headroom, size_t len)
{
	struct pktpool *pool = &ns->pool;
	struct pktbuf **list;
	struct pktbuf *p;
	size_t need = headroom + len;

	if (need > NET_PKT_LARGE_CAP) {
		net_count(ns, NET_STAT_DROP_NOBUFS);
		return NULL;
	}
	net_lock(ns);
	list = need <= NET_PKT_SMALL_CAP ? &pool->free_small : &pool->free_large;
	p = *list;
	if (!p) {
		ns->stats[NET_STAT_DROP_NOBUFS]++;
		net_unlock(ns);
		return NULL;
	}
	*list = p->next;
	pool->in_use++;
	net_unlock(ns);
	p->next = NULL;
	p->data = p->head + headroom;
	p->len = len;
	p->ifindex = 0;
	p->l2_bcast = 0;
	return p;
}

void pktbuf_free(struct pktbuf *p)
{
	struct pktpool *pool;

	if (!p)
		return;
	pool = p->pool;
	net_lock(pool->ns);
	if (p->cap == NET_PKT_SMALL_CAP) {
		p->next = pool->free_small;
		pool->free_small = p;
	} else {
		p->next = pool->free_large;
		pool->free_large = p;
	}
	pool->in_use--;
	net_unlock(pool->ns);
}

uint8_t *pktbuf_push(struct pktbuf *p, size_t n)
{
	if (n > pktbuf_headroom(p))
		return NULL;
	p->data -= n;
	p->len += n;
	return p->data;
}

uint8_t *pktbuf_pull(struct pktbuf *p, size_t n)
{
	if (n > p->len)
		return NULL;
	p->data += n;
	p->len -= n;
	return p->data;
}

uint8_t *pktbuf_put(struct pktbuf *p, size_t n)
{
	uint8_t *tail = p->data + p->len;

	if (n > pktbuf_tailroom(p))
		return NULL;
	p->len += n;
	return tail;
}

int pktbuf_trim(struct pktbuf *p, size_t len)
{
	if (len > p->len)
		return -EINVAL;
	p->len = len;
	return 0;
}

uint32_t net_pkt_in_use(const struct netstack *ns)
{
	return ns->pool.in_use;
}

void pktq_push(struct pktq *q, struct pktbuf *p)
{
	p->next = NULL;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->len++;
}

struct pktbuf *pktq_pop(struct pktq *q)
{
	struct pktbuf *p = q->head;

	if (!p)
		return NULL;
	q->head = p->next;
	if (!q->head)
		q->tail = NULL;
	q->len--;
	p->next = NULL;
	return p;
}

void pktq_purge(struct pktq *q)
{
	struct pktbuf *p;

	while ((p = pktq_pop(q)))
		pktbuf_free(p);
}

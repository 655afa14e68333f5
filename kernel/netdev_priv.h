/*
 * kernel/netdev_priv.h: what kernel/netdev.c (NICs, boot) and
 * kernel/netns.c (stacks, their threads, moves) share.
 */
#ifndef KERNEL_NETDEV_PRIV_H
#define KERNEL_NETDEV_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/netdev.h"
#include "kernel/netns.h"
#include "kernel/spinlock.h"
#include "net/netif.h"
#include "sched/sched.h"

struct netdev {
	const struct netif_ops *nops;
	const struct netdev_ops *ops;
	void *drv;
	const char *driver;          /* "virtio-net" */
	char name[NETIF_NAMESIZ];    /* ethN, from boot; kept across moves */
	unsigned index;              /* in netdevs[] */
	struct netns *owner;         /* set under both stacks' moves; read by kicks without a lock */
	int ifindex;                 /* in owner's stack; under owner's lock */
	bool moving;                 /* claimed by a create or delete; under netns_reg_lock */
	unsigned nqueues;            /* receive queues in use (netdev_set_queues); 0 or 1: only the stack thread */
	struct netdev_queue *queues[NETDEV_QUEUES];   /* pollers of queues 1.., started once, never freed */
};

/* kernel/netdev_queue.c: queue q's poller. */
struct netdev_queue {
	struct netdev *dev;
	unsigned q;
	struct event event;          /* the queue's interrupt */
	struct thread *thr;
	uint64_t passes;
};

struct netns {
	unsigned id;                 /* index in the stack table; 0: the default stack */
	char tag[8];                 /* log tag: "net", "net1", ... */
	struct netstack *ns;
	struct net_env env;          /* ctx is this netns */
	struct rspinlock lock;
	uint64_t held_since;         /* time_ns() of the outermost take; under lock */
	struct netns_lock_stats lk;  /* under lock */
	struct event event;          /* interrupts and kicks; set up once at boot, never re-initialised */
	struct thread *thr;          /* the network thread, once it runs */
	unsigned cpu;                /* where it runs */
	uint64_t sleep_until;        /* the deadline the thread sleeps until; 0 while it runs. Under lock */
	uint64_t passes;             /* times the thread woke and polled */
	struct netdev *devs[NETDEV_MAX];   /* the NICs it polls; under lock */
	unsigned ndevs;
	uint32_t grown;              /* bit per netdev index: its ring grew this stack's pool */
	struct netdev *binding;      /* the NIC whose bind() runs now, for netdev_rx_ring_grow */
	volatile bool stopping;      /* netns_delete asks the thread to exit */
	int state;                   /* enum netns_state; under netns_reg_lock */
};

enum netns_state {
	NETNS_FREE,
	NETNS_BUSY,                  /* being created or deleted */
	NETNS_LIVE,
};

extern struct netdev netdevs[NETDEV_MAX];
extern unsigned netdev_count;
/* Guards the stack table's states and the NICs' moving flags (held briefly, never across a move). */
extern struct spinlock netns_reg_lock;

/* netdev_flush.c: the scheduler's before-switch hook, at boot before any NIC sends. */
void netdev_flush_init(void);

/* netdev_queue.c: true in one of d's queue pollers. */
bool netdev_queue_in_poller(struct netdev *d);

/* netns.c, for netdev.c at boot */
void netns_boot_init(void);
/* The default stack: its net/ stack and lock, thread not started; 0 or -ENOMEM. */
int netns_default_create(void);
void netns_start_thread(struct netns *nn);
/* The netns whose net/ stack is ns, or NULL. */
struct netns *netns_of(struct netstack *ns);

#endif

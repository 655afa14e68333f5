/*
 * tools/pipemon/pipemon.h: the host monitor of skiff's guest<->host pipes.
 *
 * It is QEMU's ivshmem server (QEMU docs/specs/ivshmem-spec.rst, "The
 * ivshmem Client-Server Protocol"): it creates the shared memory and the
 * eventfds and hands them to QEMU's ivshmem-doorbell device over a unix
 * socket; and it is the guest's peer on that memory: it owns the slots
 * (pipe/shm.h), answers the control pipe and relays each data pipe to a
 * host file or TCP socket.
 *
 * One epoll loop; each slot is its own entry, woken by its own eventfd
 * (the guest's doorbell with vector = slot) or by its host fd, and does
 * only its own work (slot_run): there is no global pump.
 */
#ifndef TOOLS_PIPEMON_PIPEMON_H
#define TOOLS_PIPEMON_PIPEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipe/msg.h"
#include "pipe/shm.h"

#define PIPEMON_HOST_ID 0          /* our ivshmem peer ID */
#define PIPEMON_GUEST_ID 1         /* the ID we give the (single) QEMU client */
#define PIPEMON_MAX_FWD 16

enum src_type { SRC_SERVER, SRC_CLIENT, SRC_BELL, SRC_FD, SRC_SIGNAL, SRC_KEEP, SRC_LINK };

/* What an epoll event names. */
struct ep_src {
	enum src_type type;
	struct slot *slot;         /* SRC_BELL, SRC_FD */
};

enum slot_kind {
	SLOT_FREE,
	SLOT_CONTROL,              /* slot 0 */
	SLOT_FIRST,                /* waiting for the data pipe's first frame */
	SLOT_FILE,                 /* host file -> guest */
	SLOT_CONNECTING,           /* TCP_CONNECT in progress */
	SLOT_TCP,                  /* raw bytes both ways with a TCP socket */
	SLOT_LISTEN,               /* a listening socket: INCOMING frames */
	SLOT_DONE,                 /* host side finished: waiting for the guest to leave */
	SLOT_DRAIN,                /* the guest left: its last bytes go out, then the slot is freed */
};

struct mon;

struct slot {
	struct mon *m;
	uint32_t id;
	enum slot_kind kind;
	struct pipe_slot_view v;
	int bell;                  /* eventfd the guest's doorbell (vector id) signals */
	int fd;                    /* host file, socket or listener; -1 */
	uint32_t fd_events;        /* epoll interest registered for fd (0: not registered) */
	struct ep_src src_bell, src_fd;
	uint8_t in[PIPE_FRAME_MAX];  /* a frame being assembled from g2h */
	size_t in_len;
	uint8_t out[2048];         /* frames waiting for room in h2g */
	size_t out_len;
	bool peer_eof;             /* TCP peer's FIN or file's end: h2g fin once flushed */
	bool wr_shut;              /* SHUT_WR done after g2h's fin */
	uint64_t file_left;        /* SLOT_FILE: bytes still to send */
};

struct fwd {
	uint16_t guest, host;      /* a guest's TCP_LISTEN on port guest listens on host */
};

struct mon_stats {
	uint64_t streams, files, listens, connects, accepted, refused, protocol_errors, kicks;
};

struct mon {
	int ep;
	int server;                /* unix listening socket */
	int client;                /* the QEMU (or fake guest) connection; -1 */
	int shm_fd;
	uint8_t *shm;
	uint64_t shm_size;
	uint32_t nslots, max_ring;
	int guest_bell;            /* eventfd of the guest's vector 0 */
	int files_dir;             /* READ_FILE root (O_PATH dir), -1: refused */
	bool once, verbose;
	bool keeper_mode;          /* memory laid out once at start: a client's accept keeps it */
	int keeper_link;           /* relay: its connection to the keeper (-1: none) */
	int keeper_pid;            /* relay started with --keep: the keeper child */
	struct ep_src src_link;
	struct fwd fwd[PIPEMON_MAX_FWD];
	unsigned nfwd;
	struct ep_src src_server, src_client;
	struct slot slots[PIPE_MAX_SLOTS];
	struct mon_stats st;
};

/* relay.c */
void mon_slots_init(struct mon *m);
/* Lays the shared memory out anew and returns every slot to free (a new guest). */
int mon_reset(struct mon *m);
void slot_run(struct slot *s);
void mon_notify_guest(struct mon *m, uint32_t slot);

/* server.c: the ivshmem server side (spec "The ivshmem Client-Server Protocol"). */
int mon_server_open(struct mon *m, const char *path);
void mon_server_accept(struct mon *m);
/* The client hung up: true when the monitor should exit (--once). */
bool mon_client_event(struct mon *m);

/* keeper.c: surviving a relay restart (--keep, --attach). */
int mon_keep(struct mon *m, const char *keep_path);
int mon_attach(struct mon *m, const char *keep_path);
/* relay.c: takes over memory a dead relay served: its streams reset, the control pipe goes on. */
void mon_recover(struct mon *m);

/* main.c */
void mon_log(struct mon *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int mon_epoll_set(struct mon *m, int fd, struct ep_src *src, uint32_t events, uint32_t *cur);

#endif

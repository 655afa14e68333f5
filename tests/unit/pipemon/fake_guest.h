/*
 * tests/unit/pipemon/fake_guest.h: a host process playing the guest of
 * tools/pipemon: it connects to the monitor's socket as QEMU's
 * ivshmem-doorbell device does, receives the shared memory and the
 * eventfds by the ivshmem server protocol, maps the memory and speaks the
 * pipes from the guest's ends (doorbell = write the monitor's eventfd for
 * the slot's vector; interrupt = its own vector-0 eventfd).
 */
#ifndef TESTS_UNIT_PIPEMON_FAKE_GUEST_H
#define TESTS_UNIT_PIPEMON_FAKE_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "pipe/msg.h"
#include "pipe/shm.h"

struct fake_guest {
	int sock;
	int64_t version, id;
	int shm_fd;
	uint8_t *shm;
	uint64_t shm_size;
	int bells[PIPE_MAX_SLOTS];   /* the monitor's vectors, as QEMU gets them */
	unsigned nbells;
	int irq;                     /* our vector 0 */
	uint64_t irqs;               /* interrupts taken */
};

/* Connects and completes the server's setup messages; 0 or -errno (and a message on stderr). */
int fg_connect(struct fake_guest *g, const char *path, unsigned nslots);
void fg_close(struct fake_guest *g);

/* NEW_STREAM on the control pipe: the new slot (> 0), or the negative status. */
int fg_open(struct fake_guest *g);
/* Writes all of buf into slot's g2h, waiting for room (bounded: -ETIMEDOUT after 10 s). */
int fg_write(struct fake_guest *g, uint32_t slot, const void *buf, size_t len);
int fg_send_msg(struct fake_guest *g, uint32_t slot, const struct pipe_msg *m);
/* Reads up to len bytes: their count, 0 at fin, -ECONNRESET after reset, -ETIMEDOUT after 10 s. */
ssize_t fg_read(struct fake_guest *g, uint32_t slot, void *buf, size_t len);
/* Reads exactly len bytes (< len only at fin/reset). */
ssize_t fg_read_full(struct fake_guest *g, uint32_t slot, void *buf, size_t len);
/* Reads one frame: 1, or the negative error. */
int fg_recv_msg(struct fake_guest *g, uint32_t slot, struct pipe_msg *m);
/* The guest's close: fin on g2h, gone on h2g, doorbell. */
void fg_stream_close(struct fake_guest *g, uint32_t slot, int abort);
uint8_t fg_slot_state(struct fake_guest *g, uint32_t slot);

#endif

/*
 * include/skiff/pipe.h: byte streams to the host through shared memory
 * (QEMU's ivshmem-doorbell device and the host monitor tools/pipemon;
 * `tools/cloudit.sh APP --pipes`). A guest with no NIC at all reaches host
 * files and host TCP ports this way.
 *
 * The kernel offers streams only: open, read, write, close. A stream is a
 * pair of rings (pipe/ring.h), one per direction; a thread that waits on
 * one sleeps until the monitor's interrupt says the stream changed (no
 * polling), and the monitor sleeps until the guest's doorbell. What a new
 * stream is for is said by its first frame (pipe/msg.h), which the
 * protocol helpers below write and read: a host file, a host TCP listener
 * whose connections each arrive as a new stream, a TCP connection from
 * the host.
 *
 * Errors are negative errnos: -ENODEV without the device or monitor,
 * -ENOSPC when the monitor has no free stream, -ECONNRESET when the host
 * side aborted (its peer reset, or the monitor went away), -EPIPE when
 * the host side stopped reading. A stream is used by one thread at a time.
 */
#ifndef SKIFF_PIPE_H
#define SKIFF_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct pipe_stream;

/* True once the device was found and the monitor's memory checked at boot. */
bool pipe_available(void);

/* A new stream (the control pipe's NewStreamRequest -> DataStreamInfo). */
int pipe_open(struct pipe_stream **out);
/* The stream of a slot the monitor named (an INCOMING frame). */
int pipe_attach(uint32_t slot, struct pipe_stream **out);
/*
 * Up to len bytes: their count (> 0), 0 at the host's end of stream,
 * -ECONNRESET. Sleeps until at least one byte, the end or an error
 * (nonblock: -EAGAIN instead).
 */
ssize_t pipe_read(struct pipe_stream *s, void *buf, size_t len, bool nonblock);
/* Exactly len bytes unless the stream ends first: the count read. */
ssize_t pipe_read_full(struct pipe_stream *s, void *buf, size_t len);
/*
 * Writes len bytes: len, sleeping while the ring is full; nonblock: as
 * many as fit now (-EAGAIN when none). -EPIPE, -ECONNRESET.
 */
ssize_t pipe_write(struct pipe_stream *s, const void *buf, size_t len, bool nonblock);
/* No more bytes from us (the host's peer gets FIN); reading goes on. */
void pipe_shutdown_write(struct pipe_stream *s);
/* Ends the stream and frees s: FIN after what was written (abort: a reset). */
void pipe_close(struct pipe_stream *s, bool abort);

/* Readiness without blocking: PIPE_READY_* bits. */
#define PIPE_READY_IN  0x1u   /* a read would not block (bytes, end, or error) */
#define PIPE_READY_OUT 0x2u   /* a write would take bytes (or fail) */
#define PIPE_READY_HUP 0x4u   /* the host side ended (end of stream or reset) */
#define PIPE_READY_ERR 0x8u   /* reset */
unsigned pipe_ready(const struct pipe_stream *s);
/*
 * fn(arg) is called, from the interrupt handler, whenever the monitor
 * signals s (NULL: none); it must not block. For epoll-style waiters.
 */
void pipe_set_notify(struct pipe_stream *s, void (*fn)(void *arg), void *arg);
uint32_t pipe_slot(const struct pipe_stream *s);

/* ---- protocols (the first frame on a new stream) ---- */

/* Opens host file path (under the monitor's --files root): the stream yields its *size bytes then ends. */
int pipe_file_open(const char *path, struct pipe_stream **out, uint64_t *size);
/*
 * Listens on host TCP port (addr: IPv4, host order; 0x7f000001 for the
 * host's loopback); the monitor may map the port (--fwd). *host_port is
 * the port it bound.
 */
int pipe_tcp_listen(uint32_t addr, uint16_t port, struct pipe_stream **out, uint16_t *host_port);
/* Waits for the next connection on a listener: its stream and the peer's address (nonblock: -EAGAIN). */
int pipe_tcp_accept(struct pipe_stream *l, struct pipe_stream **out, uint32_t *addr, uint16_t *port, bool nonblock);
/* A TCP connection from the host to addr:port. */
int pipe_tcp_connect(uint32_t addr, uint16_t port, struct pipe_stream **out);

struct pipe_stats {
	uint64_t opened, closed, irqs, doorbells, bytes_in, bytes_out;
};
void pipe_get_stats(struct pipe_stats *st);

#endif

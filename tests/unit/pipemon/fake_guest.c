/*
 * tests/unit/pipemon/fake_guest.c: the fake guest (fake_guest.h). Waits
 * sleep in poll() on the vector-0 eventfd with the ring wait flags armed,
 * as the real driver sleeps on its interrupt.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fake_guest.h"

#define WAIT_MS 10000

static int recv_msg(int s, int64_t *v, int *fd)
{
	uint8_t b[8];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = { .iov_base = b, .iov_len = 8 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
	ssize_t n = recvmsg(s, &msg, MSG_WAITALL);
	if (n != 8)
		return -EPROTO;
	/* Little-endian int64 (the ivshmem server protocol); assembled
	 * unsigned, since -1 ("no peer") would overflow a signed shift. */
	uint64_t u = 0;
	for (int i = 7; i >= 0; i--)
		u = u << 8 | b[i];
	*v = (int64_t)u;
	*fd = -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (cm && cm->cmsg_type == SCM_RIGHTS)
		memcpy(fd, CMSG_DATA(cm), sizeof(int));
	return 0;
}

int fg_connect(struct fake_guest *g, const char *path, unsigned nslots)
{
	memset(g, 0, sizeof(*g));
	g->irq = g->shm_fd = -1;
	g->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (connect(g->sock, (struct sockaddr *)&a, sizeof(a)))
		return -errno;
	int64_t v;
	int fd;
	if (recv_msg(g->sock, &g->version, &fd) || fd >= 0 || recv_msg(g->sock, &g->id, &fd) || fd >= 0 ||
	    recv_msg(g->sock, &v, &g->shm_fd) || v != -1 || g->shm_fd < 0) {
		fprintf(stderr, "fake guest: bad setup messages\n");
		return -EPROTO;
	}
	struct stat st;
	fstat(g->shm_fd, &st);
	g->shm_size = (uint64_t)st.st_size;
	g->shm = mmap(NULL, g->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, g->shm_fd, 0);
	if (g->shm == MAP_FAILED)
		return -errno;
	/* nslots connect notifications for the monitor's ID, then our own ID with our vector(s). */
	for (;;) {
		if (recv_msg(g->sock, &v, &fd) || fd < 0) {
			fprintf(stderr, "fake guest: a peer message without a descriptor\n");
			return -EPROTO;
		}
		if (v == g->id) {
			g->irq = fd;
			break;
		}
		if (g->nbells == PIPE_MAX_SLOTS)
			return -EPROTO;
		g->bells[g->nbells++] = fd;
	}
	if (g->nbells != nslots) {
		fprintf(stderr, "fake guest: %u doorbell vectors, want %u\n", g->nbells, nslots);
		return -EPROTO;
	}
	return pipe_shm_check(g->shm, g->shm_size);
}

void fg_close(struct fake_guest *g)
{
	for (unsigned i = 0; i < g->nbells; i++)
		close(g->bells[i]);
	if (g->shm && g->shm != MAP_FAILED)
		munmap(g->shm, g->shm_size);
	close(g->irq);
	close(g->shm_fd);
	close(g->sock);
}

static void ring_bell(struct fake_guest *g, uint32_t slot)
{
	uint64_t one = 1;
	if (write(g->bells[slot], &one, 8) != 8)
		perror("fake guest: doorbell");
}

/* Sleeps until the monitor interrupts us: 0, or -ETIMEDOUT. */
static int wait_irq(struct fake_guest *g)
{
	struct pollfd p = { .fd = g->irq, .events = POLLIN };
	if (poll(&p, 1, WAIT_MS) != 1)
		return -ETIMEDOUT;
	uint64_t v;
	if (read(g->irq, &v, 8) == 8)
		g->irqs++;
	for (unsigned w = 0; w < PIPE_MAX_SLOTS / 64; w++)
		pipe_shm_take_pending(g->shm, w);
	return 0;
}

int fg_write(struct fake_guest *g, uint32_t slot, const void *buf, size_t len)
{
	struct pipe_slot_view v;
	pipe_shm_slot(g->shm, slot, &v);
	size_t done = 0;
	while (done < len) {
		if (pipe_ring_is_reset(&v.h2g) || pipe_ring_gone(&v.g2h))
			return -EPIPE;
		size_t n = pipe_ring_write(&v.g2h, (const uint8_t *)buf + done, len - done);
		if (n) {
			done += n;
			if (pipe_ring_reader_needs_wake(&v.g2h))
				ring_bell(g, slot);
			continue;
		}
		pipe_ring_writer_arm(&v.g2h);
		if (!pipe_ring_writable_len(&v.g2h) && wait_irq(g))
			return -ETIMEDOUT;
		pipe_ring_writer_disarm(&v.g2h);
	}
	return 0;
}

int fg_send_msg(struct fake_guest *g, uint32_t slot, const struct pipe_msg *m)
{
	uint8_t b[PIPE_FRAME_MAX];
	int n = pipe_msg_encode(m, b, sizeof(b));
	return n < 0 ? n : fg_write(g, slot, b, (size_t)n);
}

ssize_t fg_read(struct fake_guest *g, uint32_t slot, void *buf, size_t len)
{
	struct pipe_slot_view v;
	pipe_shm_slot(g->shm, slot, &v);
	for (;;) {
		size_t n = pipe_ring_read(&v.h2g, buf, len);
		if (n) {
			if (pipe_ring_writer_needs_wake(&v.h2g))
				ring_bell(g, slot);
			return (ssize_t)n;
		}
		if (pipe_ring_is_reset(&v.h2g))
			return -ECONNRESET;
		if (pipe_ring_fin(&v.h2g) && !pipe_ring_readable_len(&v.h2g))
			return 0;
		pipe_ring_reader_arm(&v.h2g);
		if (!pipe_ring_readable_len(&v.h2g) && !pipe_ring_fin(&v.h2g) && !pipe_ring_is_reset(&v.h2g) &&
		    wait_irq(g))
			return -ETIMEDOUT;
		pipe_ring_reader_disarm(&v.h2g);
	}
}

ssize_t fg_read_full(struct fake_guest *g, uint32_t slot, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = fg_read(g, slot, (uint8_t *)buf + got, len - got);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int fg_recv_msg(struct fake_guest *g, uint32_t slot, struct pipe_msg *m)
{
	uint8_t b[PIPE_FRAME_MAX];
	ssize_t n = fg_read_full(g, slot, b, PIPE_FRAME_HDR);
	if (n != PIPE_FRAME_HDR)
		return n < 0 ? (int)n : -EPIPE;
	uint32_t body = b[0] | b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	if (body > sizeof(b) - PIPE_FRAME_HDR)
		return -EPROTO;
	n = fg_read_full(g, slot, b + PIPE_FRAME_HDR, body);
	if (n != (ssize_t)body)
		return n < 0 ? (int)n : -EPIPE;
	int r = pipe_msg_decode(b, PIPE_FRAME_HDR + body, m);
	return r > 0 ? 1 : -EPROTO;
}

int fg_open(struct fake_guest *g)
{
	static uint32_t req = 100;
	struct pipe_msg m = { .type = PIPE_MSG_NEW_STREAM, .u.new_stream.req = ++req };
	int err = fg_send_msg(g, PIPE_CONTROL_SLOT, &m);
	if (err || (err = fg_recv_msg(g, PIPE_CONTROL_SLOT, &m)) < 0)
		return err;
	if (m.type != PIPE_MSG_STREAM_INFO || m.u.stream_info.req != req)
		return -EPROTO;
	return m.u.stream_info.status ? m.u.stream_info.status : (int)m.u.stream_info.slot;
}

void fg_stream_close(struct fake_guest *g, uint32_t slot, int abort)
{
	struct pipe_slot_view v;
	pipe_shm_slot(g->shm, slot, &v);
	if (abort)
		pipe_ring_set_reset(&v.g2h);
	pipe_ring_set_fin(&v.g2h);
	pipe_ring_set_gone(&v.h2g);
	ring_bell(g, slot);
}

uint8_t fg_slot_state(struct fake_guest *g, uint32_t slot)
{
	return __atomic_load_n(&((struct pipe_shm_hdr *)g->shm)->slot_state[slot], __ATOMIC_ACQUIRE);
}

/*
 * kernel/pipe_stream.c: the kernel's host streams (include/skiff/pipe.h)
 * over the ivshmem-doorbell device (drivers/ivshmem) and the shared
 * memory laid out by the host monitor (pipe/shm.h).
 *
 * Sleeping: a stream's reader (writer) arms its ring's wait flag and
 * sleeps on the slot's wait queue; the monitor, seeing the flag after it
 * published bytes (room), sets the slot's bit in the pending bitmap and
 * signals our vector 0; the interrupt handler takes the bitmap words and
 * wakes each named slot's queue. waitq_wait() re-checks the ring under the
 * queue's lock, so a wake between the check and the sleep is not lost
 * (pipe/ring.h has the fence argument). The other way, we ring the
 * monitor's doorbell with vector = slot when its flag asks for it, and
 * always on close. Nothing polls: an idle stream costs no CPU on either
 * side.
 *
 * The control pipe (slot 0) is shared by every opener: one request and
 * its answer at a time, under ctl_busy.
 */
#include <errno.h>
#include <string.h>

#include "drivers/ivshmem/ivshmem.h"
#include "include/skiff.h"
#include "include/skiff/pipe.h"
#include "kernel/log.h"
#include "kernel/pipe_stream.h"
#include "kernel/spinlock.h"
#include "pipe/msg.h"
#include "pipe/shm.h"
#include "sched/sched.h"

struct pipe_stream {
	uint32_t slot;
	struct pipe_slot_view v;
	uint8_t frame[32];         /* a listener's INCOMING frame being assembled */
	size_t frame_len;
};

static struct {
	bool up;
	uint8_t *shm;
	uint32_t nslots;
	uint16_t host_id;
	struct waitq wq[PIPE_MAX_SLOTS];
	void (*notify[PIPE_MAX_SLOTS])(void *arg);
	void *notify_arg[PIPE_MAX_SLOTS];
	struct pipe_stream ctl;
	bool ctl_busy;
	struct waitq ctl_wq;
	uint32_t next_req;
	struct pipe_stats st;
} P;
/*
 * Outside P so that P, all zeros at boot, sits in .bss: with the lock's
 * initializer inside, its 12 KiB of wait queues were stored in the image.
 */
static struct spinlock ctl_lock = SPINLOCK_INIT("pipe_ctl");

static void pipe_irq(void *ctx)
{
	(void)ctx;
	P.st.irqs++;
	for (unsigned w = 0; w * 64 < P.nslots; w++) {
		uint64_t bits = pipe_shm_take_pending(P.shm, w);
		while (bits) {
			unsigned slot = w * 64 + (unsigned)__builtin_ctzll(bits);
			bits &= bits - 1;
			if (slot >= P.nslots)
				continue;
			waitq_wake_all(&P.wq[slot]);
			void (*fn)(void *) = __atomic_load_n(&P.notify[slot], __ATOMIC_ACQUIRE);
			if (fn)
				fn(P.notify_arg[slot]);
		}
	}
}

void pipe_stream_init(void)
{
	for (unsigned i = 0; i < PIPE_MAX_SLOTS; i++)
		waitq_init(&P.wq[i]);
	waitq_init(&P.ctl_wq);
	int err = ivshmem_init(pipe_irq, NULL);
	if (err)
		return;   /* -ENODEV: no device, no pipes; the driver said why otherwise */
	const struct ivshmem_info *d = ivshmem_info();
	if (pipe_shm_check(d->shm, d->shm_size)) {
		kwarn("pipe", "shared memory not laid out by a monitor (bad magic or layout): no pipes");
		return;
	}
	const struct pipe_shm_hdr *h = (const void *)d->shm;
	P.shm = d->shm;
	P.nslots = h->nslots;
	P.host_id = (uint16_t)h->host_id;
	pipe_shm_slot(P.shm, PIPE_CONTROL_SLOT, &P.ctl.v);
	P.ctl.slot = PIPE_CONTROL_SLOT;
	__atomic_store_n(&P.up, true, __ATOMIC_RELEASE);
	klog("pipe", "%u streams of %u-byte rings, monitor peer %u, epoch %u", P.nslots - 1, h->ring_size,
	     P.host_id, h->epoch);
}

bool pipe_available(void) { return __atomic_load_n(&P.up, __ATOMIC_ACQUIRE); }

static void doorbell(uint32_t slot)
{
	P.st.doorbells++;
	ivshmem_doorbell(P.host_id, (uint16_t)slot);
}

static bool host_failed(const struct pipe_stream *s)
{
	return pipe_ring_is_reset(&s->v.h2g) || pipe_ring_readable_len(&s->v.h2g) == PIPE_RING_CORRUPT;
}

unsigned pipe_ready(const struct pipe_stream *s)
{
	unsigned r = 0;
	bool reset = host_failed(s);
	bool eof = pipe_ring_fin(&s->v.h2g) && !pipe_ring_readable_len(&s->v.h2g);
	if (reset || eof || pipe_ring_readable_len(&s->v.h2g))
		r |= PIPE_READY_IN;
	if (reset || pipe_ring_gone(&s->v.g2h) || pipe_ring_writable_len(&s->v.g2h))
		r |= PIPE_READY_OUT;
	if (reset || eof)
		r |= PIPE_READY_HUP;
	if (reset)
		r |= PIPE_READY_ERR;
	return r;
}

static bool readable(void *arg) { return pipe_ready(arg) & PIPE_READY_IN; }
static bool writable(void *arg) { return pipe_ready(arg) & PIPE_READY_OUT; }

ssize_t pipe_read(struct pipe_stream *s, void *buf, size_t len, bool nonblock)
{
	if (!len)
		return 0;
	for (;;) {
		size_t n = pipe_ring_read(&s->v.h2g, buf, len);
		if (n) {
			P.st.bytes_in += n;
			if (pipe_ring_writer_needs_wake(&s->v.h2g))
				doorbell(s->slot);
			return (ssize_t)n;
		}
		if (host_failed(s))
			return -ECONNRESET;
		if (pipe_ring_fin(&s->v.h2g) && !pipe_ring_readable_len(&s->v.h2g))
			return 0;
		if (nonblock) {
			/* A later write by the monitor should signal us (an epoll waiter may be asleep). */
			pipe_ring_reader_arm(&s->v.h2g);
			if (pipe_ring_readable_len(&s->v.h2g))
				continue;
			return -EAGAIN;
		}
		pipe_ring_reader_arm(&s->v.h2g);
		waitq_wait(&P.wq[s->slot], readable, s, WAITQ_FOREVER);
		pipe_ring_reader_disarm(&s->v.h2g);
	}
}

ssize_t pipe_read_full(struct pipe_stream *s, void *buf, size_t len)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = pipe_read(s, (uint8_t *)buf + got, len - got, false);
		if (n < 0)
			return got ? (ssize_t)got : n;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

ssize_t pipe_write(struct pipe_stream *s, const void *buf, size_t len, bool nonblock)
{
	size_t done = 0;
	while (done < len) {
		if (host_failed(s))
			return done ? (ssize_t)done : -ECONNRESET;
		if (pipe_ring_gone(&s->v.g2h))
			return done ? (ssize_t)done : -EPIPE;
		size_t n = pipe_ring_write(&s->v.g2h, (const uint8_t *)buf + done, len - done);
		if (n) {
			done += n;
			P.st.bytes_out += n;
			if (pipe_ring_reader_needs_wake(&s->v.g2h))
				doorbell(s->slot);
			continue;
		}
		pipe_ring_writer_arm(&s->v.g2h);
		if (nonblock) {
			if (pipe_ring_writable_len(&s->v.g2h))
				continue;
			return done ? (ssize_t)done : -EAGAIN;
		}
		waitq_wait(&P.wq[s->slot], writable, s, WAITQ_FOREVER);
		pipe_ring_writer_disarm(&s->v.g2h);
	}
	return (ssize_t)done;
}

static struct pipe_stream *stream_new(uint32_t slot)
{
	struct pipe_stream *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->slot = slot;
	pipe_shm_slot(P.shm, slot, &s->v);
	P.st.opened++;
	return s;
}

int pipe_attach(uint32_t slot, struct pipe_stream **out)
{
	if (!pipe_available())
		return -ENODEV;
	if (slot == PIPE_CONTROL_SLOT || slot >= P.nslots)
		return -EINVAL;
	*out = stream_new(slot);
	return *out ? 0 : -ENOMEM;
}

static bool ctl_free(void *arg)
{
	(void)arg;
	return !__atomic_load_n(&P.ctl_busy, __ATOMIC_ACQUIRE);
}

static void ctl_acquire(void)
{
	for (;;) {
		spin_lock(&ctl_lock);
		bool got = !P.ctl_busy;
		P.ctl_busy = true;
		spin_unlock(&ctl_lock);
		if (got)
			return;
		waitq_wait(&P.ctl_wq, ctl_free, NULL, WAITQ_FOREVER);
	}
}

static void ctl_release(void)
{
	__atomic_store_n(&P.ctl_busy, false, __ATOMIC_RELEASE);
	waitq_wake_one(&P.ctl_wq);
}

int pipe_send_msg(struct pipe_stream *s, const struct pipe_msg *m)
{
	uint8_t b[PIPE_FRAME_MAX];
	int n = pipe_msg_encode(m, b, sizeof(b));
	if (n < 0)
		return n;
	ssize_t w = pipe_write(s, b, (size_t)n, false);
	return w == n ? 0 : w < 0 ? (int)w : -EPIPE;
}

int pipe_recv_msg(struct pipe_stream *s, struct pipe_msg *m)
{
	uint8_t b[PIPE_FRAME_MAX];
	ssize_t n = pipe_read_full(s, b, PIPE_FRAME_HDR);
	if (n != PIPE_FRAME_HDR)
		return n < 0 ? (int)n : -EPIPE;
	long len = pipe_msg_frame_len(b, sizeof(b));
	if (len < 0)
		return (int)len;
	size_t body = (size_t)len - PIPE_FRAME_HDR;
	n = pipe_read_full(s, b + PIPE_FRAME_HDR, body);
	if (n != (ssize_t)body)
		return n < 0 ? (int)n : -EPIPE;
	return pipe_msg_decode(b, (size_t)len, m) > 0 ? 0 : -EPROTO;
}

int pipe_open(struct pipe_stream **out)
{
	if (!pipe_available())
		return -ENODEV;
	ctl_acquire();
	struct pipe_msg m = { .type = PIPE_MSG_NEW_STREAM, .u.new_stream.req = ++P.next_req };
	uint32_t req = m.u.new_stream.req;
	int err = pipe_send_msg(&P.ctl, &m);
	/* A replaced monitor may answer an earlier request again (tools/pipemon/keeper.c): skip those. */
	while (!err && !(err = pipe_recv_msg(&P.ctl, &m)) && m.type == PIPE_MSG_STREAM_INFO &&
	       (int32_t)(req - m.u.stream_info.req) > 0)
		;
	ctl_release();
	if (err)
		return err;
	if (m.type != PIPE_MSG_STREAM_INFO || m.u.stream_info.req != req)
		return -EPROTO;
	if (m.u.stream_info.status)
		return m.u.stream_info.status;
	if (m.u.stream_info.slot == PIPE_CONTROL_SLOT || m.u.stream_info.slot >= P.nslots)
		return -EPROTO;
	*out = stream_new(m.u.stream_info.slot);
	return *out ? 0 : -ENOMEM;
}

void pipe_shutdown_write(struct pipe_stream *s)
{
	pipe_ring_set_fin(&s->v.g2h);
	doorbell(s->slot);
}

void pipe_close(struct pipe_stream *s, bool abort)
{
	__atomic_store_n(&P.notify[s->slot], NULL, __ATOMIC_RELEASE);
	if (abort)
		pipe_ring_set_reset(&s->v.g2h);
	pipe_ring_set_fin(&s->v.g2h);
	/* Our last touch of the slot: from here on it is the monitor's. */
	pipe_ring_set_gone(&s->v.h2g);
	doorbell(s->slot);
	P.st.closed++;
	free(s);
}

void pipe_set_notify(struct pipe_stream *s, void (*fn)(void *arg), void *arg)
{
	P.notify_arg[s->slot] = arg;
	__atomic_store_n(&P.notify[s->slot], fn, __ATOMIC_RELEASE);
}

uint32_t pipe_slot(const struct pipe_stream *s) { return s->slot; }

void pipe_stream_arm(struct pipe_stream *s, bool read, bool write)
{
	if (read)
		pipe_ring_reader_arm(&s->v.h2g);
	if (write)
		pipe_ring_writer_arm(&s->v.g2h);
}

void pipe_get_stats(struct pipe_stats *st)
{
	*st = P.st;
	st->irqs = ivshmem_info()->irqs;
}

/* A listener's next INCOMING frame, assembled across non-blocking reads. */
int pipe_stream_take_frame(struct pipe_stream *s, struct pipe_msg *m, bool nonblock)
{
	for (;;) {
		size_t want = PIPE_FRAME_HDR;
		if (s->frame_len >= PIPE_FRAME_HDR) {
			long len = pipe_msg_frame_len(s->frame, sizeof(s->frame));
			if (len < 0)
				return (int)len;
			want = (size_t)len;
		}
		if (s->frame_len == want) {
			s->frame_len = 0;
			return pipe_msg_decode(s->frame, want, m) > 0 ? 0 : -EPROTO;
		}
		ssize_t n = pipe_read(s, s->frame + s->frame_len, want - s->frame_len, nonblock);
		if (n <= 0)
			return n == 0 ? -EPIPE : (int)n;
		s->frame_len += (size_t)n;
	}
}

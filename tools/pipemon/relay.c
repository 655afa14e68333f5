/*
 * tools/pipemon/relay.c: the monitor's side of each pipe (pipe/shm.h,
 * pipe/msg.h). slot_run() is a slot's whole event-loop entry: it is called
 * when the slot's doorbell eventfd or its host fd is ready, moves what can
 * move now in both directions, re-arms the ring wait flags it needs
 * (pipe/ring.h's handshake) and sets its fd's epoll interest to exactly
 * what it waits for, so an idle pipe costs nothing.
 *
 * Slot ownership: free slots are ours; a slot named in a STREAM_INFO or an
 * INCOMING frame is the guest's until it sets h2g.gone, after which we close
 * the host fd and free the slot. The guest is not trusted: corrupt ring
 * counters or a malformed first frame reset the stream (counted).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pipemon.h"

static void slot_close_fd(struct slot *s, bool abort)
{
	if (s->fd < 0)
		return;
	if (s->fd_events)
		epoll_ctl(s->m->ep, EPOLL_CTL_DEL, s->fd, NULL);
	if (abort) {
		/* An abort from the guest is an abort for the host peer too: RST, not FIN. */
		struct linger l = { .l_onoff = 1, .l_linger = 0 };
		setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	}
	close(s->fd);
	s->fd = -1;
	s->fd_events = 0;
}

static void slot_set_events(struct slot *s, uint32_t ev)
{
	if (s->fd >= 0)
		mon_epoll_set(s->m, s->fd, &s->src_fd, ev, &s->fd_events);
}

void mon_notify_guest(struct mon *m, uint32_t slot)
{
	pipe_shm_post_guest(m->shm, slot);
	uint64_t one = 1;
	if (write(m->guest_bell, &one, sizeof(one)) == sizeof(one))
		m->st.kicks++;
}

static void slot_free(struct slot *s)
{
	slot_close_fd(s, false);
	pipe_ring_reset(&s->v.g2h);
	pipe_ring_reset(&s->v.h2g);
	s->kind = SLOT_FREE;
	s->in_len = s->out_len = 0;
	s->peer_eof = s->wr_shut = false;
	((struct pipe_shm_hdr *)s->m->shm)->slot_state[s->id] = PIPE_SLOT_FREE;
}

static struct slot *slot_alloc(struct mon *m)
{
	for (uint32_t i = 1; i < m->nslots; i++) {
		struct slot *s = &m->slots[i];
		if (s->kind == SLOT_FREE) {
			pipe_ring_reset(&s->v.g2h);
			pipe_ring_reset(&s->v.h2g);
			s->kind = SLOT_FIRST;
			/* Armed before the guest hears of the slot: its first frame rings us. */
			pipe_ring_reader_arm(&s->v.g2h);
			((struct pipe_shm_hdr *)m->shm)->slot_state[i] = PIPE_SLOT_USED;
			return s;
		}
	}
	return NULL;
}

/* The host side failed or refused: tell the guest (h2g reset) and wait for it to leave. */
static void slot_fail(struct slot *s)
{
	slot_close_fd(s, true);
	pipe_ring_set_reset(&s->v.h2g);
	s->kind = SLOT_DONE;
	mon_notify_guest(s->m, s->id);
}

/* Moves queued frames into h2g as room allows; true when the queue is empty. */
static bool slot_flush_out(struct slot *s)
{
	if (!s->out_len)
		return true;
	size_t n = pipe_ring_write(&s->v.h2g, s->out, s->out_len);
	memmove(s->out, s->out + n, s->out_len - n);
	s->out_len -= n;
	if (n && pipe_ring_reader_needs_wake(&s->v.h2g))
		mon_notify_guest(s->m, s->id);
	return s->out_len == 0;
}

static int slot_send_msg(struct slot *s, const struct pipe_msg *msg)
{
	int n = pipe_msg_encode(msg, s->out + s->out_len, sizeof(s->out) - s->out_len);
	if (n < 0)
		return n;
	s->out_len += (size_t)n;
	slot_flush_out(s);
	return 0;
}

/*
 * Assembles one frame from g2h, taking no byte past it (what follows a
 * first frame is the stream's own data): 1 and *msg when whole, 0 when more
 * is needed, -EPROTO when malformed.
 */
static int slot_take_frame(struct slot *s, struct pipe_msg *msg)
{
	for (;;) {
		size_t want = PIPE_FRAME_HDR;
		if (s->in_len >= PIPE_FRAME_HDR) {
			long len = pipe_msg_frame_len(s->in, PIPE_FRAME_MAX);
			if (len < 0)
				return -EPROTO;
			want = (size_t)len;
		}
		if (s->in_len == want) {
			int r = pipe_msg_decode(s->in, s->in_len, msg);
			s->in_len = 0;
			return r > 0 ? 1 : -EPROTO;
		}
		size_t n = pipe_ring_read(&s->v.g2h, s->in + s->in_len, want - s->in_len);
		if (!n)
			return pipe_ring_readable_len(&s->v.g2h) == PIPE_RING_CORRUPT ? -EPROTO : 0;
		s->in_len += n;
	}
}

#define STREAM_INFO_FRAME (PIPE_FRAME_HDR + 12)

/*
 * The control pipe: NEW_STREAM -> STREAM_INFO. A request is consumed only
 * once its answer is in h2g, so a relay killed in between leaves it for
 * the next relay (keeper.c), which answers it again: the guest drops an
 * answer to a request number it no longer waits for. Answers wait for
 * room first: a request is never taken that could not be answered at once.
 */
static void control_run(struct slot *s)
{
	struct mon *m = s->m;
	uint8_t b[PIPE_FRAME_MAX];
	while (slot_flush_out(s) && pipe_ring_writable_len(&s->v.h2g) >= STREAM_INFO_FRAME) {
		uint32_t readable = pipe_ring_readable_len(&s->v.g2h);
		if (readable == PIPE_RING_CORRUPT || readable < PIPE_FRAME_HDR)
			break;
		pipe_ring_peek_copy(&s->v.g2h, b, PIPE_FRAME_HDR);
		long len = pipe_msg_frame_len(b, PIPE_FRAME_MAX);
		struct pipe_msg msg;
		if (len < 0) {
			/* No frame boundary to trust: drop what is there. */
			m->st.protocol_errors++;
			mon_log(m, "control pipe: malformed frame: %u bytes dropped", readable);
			pipe_ring_consume(&s->v.g2h, readable);
			continue;
		}
		if (readable < (uint32_t)len)
			break;
		pipe_ring_peek_copy(&s->v.g2h, b, (uint32_t)len);
		if (pipe_msg_decode(b, (size_t)len, &msg) <= 0 || msg.type != PIPE_MSG_NEW_STREAM) {
			m->st.protocol_errors++;
			mon_log(m, "control pipe: malformed frame dropped");
			pipe_ring_consume(&s->v.g2h, (uint32_t)len);
			continue;
		}
		struct slot *n = slot_alloc(m);
		struct pipe_msg rep = { .type = PIPE_MSG_STREAM_INFO };
		rep.u.stream_info.req = msg.u.new_stream.req;
		rep.u.stream_info.status = n ? 0 : -ENOSPC;
		rep.u.stream_info.slot = n ? n->id : 0;
		if (n)
			m->st.streams++;
		slot_send_msg(s, &rep);
		pipe_ring_consume(&s->v.g2h, (uint32_t)len);
	}
	if (pipe_ring_writable_len(&s->v.h2g) < STREAM_INFO_FRAME)
		pipe_ring_writer_arm(&s->v.h2g);
	if (pipe_ring_writer_needs_wake(&s->v.g2h))
		mon_notify_guest(m, s->id);
}

static uint16_t fwd_port(const struct mon *m, uint16_t guest)
{
	for (unsigned i = 0; i < m->nfwd; i++)
		if (m->fwd[i].guest == guest)
			return m->fwd[i].host;
	return guest;
}

static int open_beneath(struct mon *m, const char *path)
{
	if (m->files_dir < 0)
		return -EACCES;
	while (*path == '/')
		path++;
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	int fd = (int)syscall(SYS_openat2, m->files_dir, *path ? path : ".", &how, sizeof(how));
	return fd < 0 ? -errno : fd;
}

static void first_read_file(struct slot *s, const struct pipe_msg *msg)
{
	struct pipe_msg rep = { .type = PIPE_MSG_FILE_DATA };
	struct stat st;
	int fd = open_beneath(s->m, msg->u.read_file.path);
	if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) {
		close(fd);
		fd = -EISDIR;
	}
	s->m->st.files++;
	if (s->m->verbose)
		mon_log(s->m, "slot %u: read file %s: %s", s->id, msg->u.read_file.path, fd < 0 ? strerror(-fd) : "ok");
	rep.u.file_data.status = fd < 0 ? fd : 0;
	rep.u.file_data.size = fd < 0 ? 0 : (uint64_t)st.st_size;
	slot_send_msg(s, &rep);
	if (fd < 0) {
		s->peer_eof = true;
		s->kind = SLOT_DONE;
		return;
	}
	s->fd = fd;
	s->file_left = (uint64_t)st.st_size;
	s->kind = SLOT_FILE;
}

static void first_listen(struct slot *s, const struct pipe_msg *msg)
{
	struct pipe_msg rep = { .type = PIPE_MSG_LISTEN_RESULT };
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(msg->u.tcp.addr),
				 .sin_port = htons(fwd_port(s->m, msg->u.tcp.port)) };
	int one = 1, err = 0;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 512))
		err = -errno;
	socklen_t al = sizeof(a);
	if (!err)
		getsockname(fd, (struct sockaddr *)&a, &al);
	s->m->st.listens++;
	mon_log(s->m, "slot %u: guest listens on port %u: host %s:%u%s%s", s->id, msg->u.tcp.port,
		inet_ntoa(a.sin_addr), ntohs(a.sin_port), err ? ": " : "", err ? strerror(-err) : "");
	rep.u.listen_result.status = err;
	rep.u.listen_result.port = err ? 0 : ntohs(a.sin_port);
	slot_send_msg(s, &rep);
	if (err) {
		if (fd >= 0)
			close(fd);
		s->peer_eof = true;
		s->kind = SLOT_DONE;
		return;
	}
	s->fd = fd;
	s->kind = SLOT_LISTEN;
}

static void first_connect(struct slot *s, const struct pipe_msg *msg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(msg->u.tcp.addr),
				 .sin_port = htons(msg->u.tcp.port) };
	s->m->st.connects++;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EINPROGRESS)) {
		s->fd = fd;
		s->kind = SLOT_CONNECTING;
		return;
	}
	struct pipe_msg rep = { .type = PIPE_MSG_CONNECT_RESULT, .u.connect_result.status = -errno };
	if (fd >= 0)
		close(fd);
	slot_send_msg(s, &rep);
	s->peer_eof = true;
	s->kind = SLOT_DONE;
}

static void first_run(struct slot *s)
{
	struct pipe_msg msg;
	int r = slot_take_frame(s, &msg);
	if (r == 0)
		return;
	if (r < 0) {
		s->m->st.protocol_errors++;
		mon_log(s->m, "slot %u: malformed first frame: stream reset", s->id);
		slot_fail(s);
		return;
	}
	switch (msg.type) {
	case PIPE_MSG_READ_FILE: first_read_file(s, &msg); break;
	case PIPE_MSG_TCP_LISTEN: first_listen(s, &msg); break;
	case PIPE_MSG_TCP_CONNECT: first_connect(s, &msg); break;
	default:
		s->m->st.protocol_errors++;
		mon_log(s->m, "slot %u: first frame of type %d is no protocol: stream reset", s->id, msg.type);
		slot_fail(s);
	}
}

static void connecting_run(struct slot *s)
{
	int err = 0;
	socklen_t l = sizeof(err);
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &l) || err == 0) {
		/* Connected, or still in progress: a connected socket has a peer. */
		struct sockaddr_in a;
		socklen_t al = sizeof(a);
		if (getpeername(s->fd, (struct sockaddr *)&a, &al) < 0) {
			if (errno == ENOTCONN)
				return;   /* wait for EPOLLOUT */
			err = errno;
		}
	}
	struct pipe_msg rep = { .type = PIPE_MSG_CONNECT_RESULT, .u.connect_result.status = -err };
	slot_send_msg(s, &rep);
	if (err) {
		slot_close_fd(s, false);
		s->peer_eof = true;
		s->kind = SLOT_DONE;
		return;
	}
	int one = 1;
	setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->kind = SLOT_TCP;
}

static void listen_run(struct slot *s)
{
	struct mon *m = s->m;
	while (slot_flush_out(s) && sizeof(s->out) - s->out_len >= 64) {
		struct sockaddr_in a;
		socklen_t al = sizeof(a);
		int c = accept4(s->fd, (struct sockaddr *)&a, &al, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0)
			return;
		struct slot *n = slot_alloc(m);
		if (!n) {
			m->st.refused++;
			mon_log(m, "slot %u: no free slot: connection from %s:%u refused", s->id, inet_ntoa(a.sin_addr),
				ntohs(a.sin_port));
			close(c);
			continue;
		}
		int one = 1;
		setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		n->fd = c;
		n->kind = SLOT_TCP;
		m->st.accepted++;
		struct pipe_msg msg = { .type = PIPE_MSG_INCOMING };
		msg.u.incoming.slot = n->id;
		msg.u.incoming.addr = ntohl(a.sin_addr.s_addr);
		msg.u.incoming.port = ntohs(a.sin_port);
		slot_send_msg(s, &msg);
		slot_run(n);   /* the new slot's first bytes may already be there */
	}
}

/* g2h -> socket; returns the epoll interest it needs (EPOLLOUT when the socket is full). */
static uint32_t tcp_out(struct slot *s)
{
	const uint8_t *p;
	uint32_t n;
	bool moved = false;
	while ((n = pipe_ring_peek(&s->v.g2h, &p)) != 0) {
		ssize_t w = send(s->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			slot_fail(s);
			return 0;
		}
		pipe_ring_consume(&s->v.g2h, (uint32_t)w);
		moved = true;
		if ((uint32_t)w < n)
			break;
	}
	if (moved && pipe_ring_writer_needs_wake(&s->v.g2h))
		mon_notify_guest(s->m, s->id);
	if (pipe_ring_readable_len(&s->v.g2h))
		return EPOLLOUT;
	if (pipe_ring_fin(&s->v.g2h) && !s->wr_shut) {
		shutdown(s->fd, SHUT_WR);
		s->wr_shut = true;
	}
	return 0;
}

/*
 * socket or file -> h2g; returns the epoll interest it needs: EPOLLIN when
 * a socket has nothing to read, nothing when the ring is full (the guest's
 * doorbell wakes us once it has read) or the source ended.
 */
static uint32_t host_in(struct slot *s)
{
	uint8_t buf[65536];
	bool moved = false, would_block = false;
	for (;;) {
		uint32_t room;
		while (!s->peer_eof && (room = pipe_ring_writable_len(&s->v.h2g)) != 0) {
			size_t want = room < sizeof(buf) ? room : sizeof(buf);
			if (s->kind == SLOT_FILE && want > s->file_left)
				want = (size_t)s->file_left;
			ssize_t r = !want ? 0
				    : s->kind == SLOT_FILE ? read(s->fd, buf, want)
							   : recv(s->fd, buf, want, MSG_DONTWAIT);
			if (r < 0 && (errno == EAGAIN || errno == EINTR)) {
				would_block = true;
				break;
			}
			if (r < 0) {
				slot_fail(s);
				return 0;
			}
			if (r == 0) {
				s->peer_eof = true;   /* a file that shrank ends early: the guest sees fewer bytes than size */
				break;
			}
			pipe_ring_write(&s->v.h2g, buf, (size_t)r);
			if (s->kind == SLOT_FILE)
				s->file_left -= (uint64_t)r;
			moved = true;
		}
		if (s->peer_eof || would_block)
			break;
		/* The ring is full: the guest rings us when it has read; look again after arming. */
		pipe_ring_writer_arm(&s->v.h2g);
		if (!pipe_ring_writable_len(&s->v.h2g))
			break;
		pipe_ring_writer_disarm(&s->v.h2g);
	}
	if (s->peer_eof && !pipe_ring_fin(&s->v.h2g)) {
		pipe_ring_set_fin(&s->v.h2g);
		mon_notify_guest(s->m, s->id);
	} else if (moved && pipe_ring_reader_needs_wake(&s->v.h2g)) {
		mon_notify_guest(s->m, s->id);
	}
	return would_block ? EPOLLIN : 0;
}

/*
 * The guest left (h2g.gone) or aborted (g2h.reset): true when the slot was
 * freed, failed or is draining. What the guest wrote before it left still
 * goes out first (its close is a FIN after the data, not an abort): the
 * slot drains g2h into the socket, then shuts it and frees itself.
 */
static bool slot_guest_left(struct slot *s)
{
	if (pipe_ring_gone(&s->v.h2g)) {
		bool abort = pipe_ring_is_reset(&s->v.g2h);
		if (!abort && (s->kind == SLOT_TCP || s->kind == SLOT_DRAIN) && pipe_ring_readable_len(&s->v.g2h)) {
			s->kind = SLOT_DRAIN;
			uint32_t ev = tcp_out(s);
			if (s->kind == SLOT_DRAIN && ev) {
				slot_set_events(s, ev);
				return true;
			}
		}
		slot_close_fd(s, abort);
		slot_free(s);
		return true;
	}
	if (pipe_ring_is_reset(&s->v.g2h) && s->kind != SLOT_DONE) {
		slot_close_fd(s, true);
		s->kind = SLOT_DONE;
		return true;
	}
	return false;
}

/* One pass of the slot's current state: the epoll interest its host fd needs. */
static uint32_t slot_step(struct slot *s)
{
	switch (s->kind) {
	case SLOT_CONTROL: control_run(s); return 0;
	case SLOT_FIRST: first_run(s); return 0;
	case SLOT_CONNECTING: connecting_run(s); return s->kind == SLOT_CONNECTING ? EPOLLOUT : 0;
	case SLOT_FILE: return host_in(s);
	case SLOT_TCP: {
		uint32_t out = tcp_out(s);
		return s->kind == SLOT_TCP ? out | host_in(s) : 0;
	}
	case SLOT_LISTEN: listen_run(s); return slot_flush_out(s) ? EPOLLIN : 0;
	case SLOT_DRAIN: return 0;   /* only slot_guest_left moves it */
	case SLOT_DONE:
		if (slot_flush_out(s) && s->peer_eof && !pipe_ring_fin(&s->v.h2g)) {
			pipe_ring_set_fin(&s->v.h2g);
			mon_notify_guest(s->m, s->id);
		}
		return 0;
	case SLOT_FREE: return 0;
	}
	return 0;
}

/* Whether bytes the guest wrote into g2h are waiting for this slot's next step. */
static bool slot_wants_g2h(const struct slot *s, uint32_t ev)
{
	if (!pipe_ring_readable_len(&s->v.g2h))
		return false;
	switch (s->kind) {
	case SLOT_CONTROL: return s->out_len == 0;
	case SLOT_FIRST: return true;
	case SLOT_TCP: return !(ev & EPOLLOUT);
	default: return false;
	}
}

void slot_run(struct slot *s)
{
	uint64_t v;
	while (read(s->bell, &v, sizeof(v)) == sizeof(v))
		;
	if (s->kind == SLOT_FREE)
		return;   /* a doorbell on a free slot: nothing of ours, ignored */
	uint32_t ev;
	for (;;) {
		pipe_ring_reader_disarm(&s->v.g2h);
		pipe_ring_writer_disarm(&s->v.h2g);
		if (s->kind != SLOT_CONTROL && slot_guest_left(s))
			return;   /* freed, draining (its events set), or aborted */
		enum slot_kind before;
		do {
			before = s->kind;
			ev = slot_step(s);
		} while (s->kind != before && s->kind != SLOT_FREE);
		if (s->out_len)
			pipe_ring_writer_arm(&s->v.h2g);
		/* Idle towards the guest: ask for its doorbell when it writes or leaves. */
		pipe_ring_reader_arm(&s->v.g2h);
		/* Bytes that came in after the step looked: another pass rather than a sleep on them. */
		if (!slot_wants_g2h(s, ev) && !pipe_ring_gone(&s->v.h2g))
			break;
	}
	slot_set_events(s, ev);
}

void mon_slots_init(struct mon *m)
{
	for (uint32_t i = 0; i < PIPE_MAX_SLOTS; i++) {
		struct slot *s = &m->slots[i];
		memset(s, 0, sizeof(*s));
		s->m = m;
		s->id = i;
		s->fd = -1;
		s->bell = -1;
		s->src_bell = (struct ep_src){ .type = SRC_BELL, .slot = s };
		s->src_fd = (struct ep_src){ .type = SRC_FD, .slot = s };
	}
}

int mon_reset(struct mon *m)
{
	for (uint32_t i = 0; i < m->nslots; i++) {
		struct slot *s = &m->slots[i];
		slot_close_fd(s, true);
		uint64_t v;
		while (read(s->bell, &v, sizeof(v)) == sizeof(v))
			;
		s->kind = i == PIPE_CONTROL_SLOT ? SLOT_CONTROL : SLOT_FREE;
		s->in_len = s->out_len = 0;
		s->peer_eof = s->wr_shut = false;
	}
	uint64_t v;
	while (read(m->guest_bell, &v, sizeof(v)) == sizeof(v))
		;
	int err = pipe_shm_format(m->shm, m->shm_size, m->nslots, m->max_ring, PIPEMON_HOST_ID);
	if (err) {
		fprintf(stderr, "pipemon: %u slots do not fit %llu bytes of shared memory\n", m->nslots,
			(unsigned long long)m->shm_size);
		return err;
	}
	for (uint32_t i = 0; i < m->nslots; i++)
		pipe_shm_slot(m->shm, i, &m->slots[i].v);
	pipe_ring_reader_arm(&m->slots[PIPE_CONTROL_SLOT].v.g2h);
	return 0;
}

void mon_recover(struct mon *m)
{
	struct pipe_shm_hdr *h = (struct pipe_shm_hdr *)m->shm;
	unsigned reset = 0;
	__atomic_add_fetch(&h->epoch, 1, __ATOMIC_ACQ_REL);
	for (uint32_t i = 0; i < m->nslots; i++) {
		struct slot *s = &m->slots[i];
		s->kind = i == PIPE_CONTROL_SLOT ? SLOT_CONTROL : SLOT_FREE;
		pipe_shm_slot(m->shm, i, &s->v);
		if (i == PIPE_CONTROL_SLOT || h->slot_state[i] != PIPE_SLOT_USED)
			continue;
		if (pipe_ring_gone(&s->v.h2g)) {
			slot_free(s);
			continue;
		}
		/* Its host socket or file died with the old relay: the guest sees a reset. */
		s->kind = SLOT_DONE;
		pipe_ring_set_reset(&s->v.h2g);
		pipe_shm_post_guest(m->shm, i);
		reset++;
	}
	uint64_t one = 1;
	if (write(m->guest_bell, &one, sizeof(one)) != sizeof(one))
		mon_log(m, "cannot signal the guest: %s", strerror(errno));
	mon_log(m, "took over the pipes (epoch %u): %u streams of the previous monitor reset", h->epoch, reset);
	/* Requests the guest made while no relay ran are waiting: serve them now. */
	slot_run(&m->slots[PIPE_CONTROL_SLOT]);
}

/*
 * tools/pipemon/keeper.c: surviving a monitor restart.
 *
 * QEMU's ivshmem device takes the shared memory and the eventfds once,
 * from the server, and cannot reconnect to a new one (ivshmem-spec.rst:
 * "There is no way for the clients to connect to a restarted server").
 * So with --keep PATH the monitor splits in two at start: a small keeper
 * process holds what QEMU was given (the memory, the doorbell eventfds,
 * the guest's interrupt eventfd) and is the ivshmem server; the relay
 * process (the one started, whose pid cloudit reports) does all the pipe
 * work with inherited copies. When the relay dies, `pipemon --attach PATH`
 * starts a new one: the keeper hands it the same descriptors over PATH
 * (SCM_RIGHTS), and the new relay takes over the memory where the old one
 * left it (mon_recover: every stream the old relay served is reset, since
 * its host sockets died with it; the control pipe goes on).
 *
 * The keeper ends when QEMU hangs up; a relay attached to it sees its
 * connection close and ends too (--once behaviour).
 *
 * A NEW_STREAM request is consumed only after its answer is written
 * (relay.c, control_run): one that the dead relay had read but not
 * answered is answered by the next; one it had answered is answered again
 * and the guest drops the repeat (its slot stays taken: a rare leak).
 * Requests made while no relay runs are served by the next one.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "pipemon.h"

#define FDS_PER_MSG 32

static int unix_listen(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unlink(path);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4)) {
		if (s >= 0)
			close(s);
		return -1;
	}
	return s;
}

/* value (8 bytes) with up to FDS_PER_MSG descriptors. */
static int send_fds(int sock, uint64_t value, const int *fds, unsigned n)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * FDS_PER_MSG)];
	} c;
	struct iovec iov = { .iov_base = &value, .iov_len = sizeof(value) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (n) {
		memset(&c, 0, sizeof(c));
		msg.msg_control = c.buf;
		msg.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * n);
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(value) ? 0 : -1;
}

static int recv_fds(int sock, uint64_t *value, int *fds, unsigned n)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * FDS_PER_MSG)];
	} c;
	struct iovec iov = { .iov_base = value, .iov_len = sizeof(*value) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf, .msg_controllen = sizeof(c.buf) };
	if (recvmsg(sock, &msg, MSG_WAITALL | MSG_CMSG_CLOEXEC) != (ssize_t)sizeof(*value))
		return -1;
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (n && (!cm || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len != CMSG_LEN(sizeof(int) * n)))
		return -1;
	if (n)
		memcpy(fds, CMSG_DATA(cm), sizeof(int) * n);
	return 0;
}

/* Everything a relay needs: nslots and the shm size, then the memory, the guest's bell, the slots' bells. */
static int hand_over(struct mon *m, int sock)
{
	int fds[FDS_PER_MSG];
	fds[0] = m->shm_fd;
	fds[1] = m->guest_bell;
	if (send_fds(sock, (uint64_t)m->nslots << 48 | m->shm_size, fds, 2))
		return -1;
	for (uint32_t i = 0; i < m->nslots; i += FDS_PER_MSG) {
		unsigned n = m->nslots - i < FDS_PER_MSG ? m->nslots - i : FDS_PER_MSG;
		for (unsigned k = 0; k < n; k++)
			fds[k] = m->slots[i + k].bell;
		if (send_fds(sock, i, fds, n))
			return -1;
	}
	return 0;
}

/* A relay's connection, held open so the relay sees the keeper's end; closed when the relay dies. */
struct link {
	struct ep_src src;         /* first: SRC_LINK */
	int fd;
};

static void link_add(int ep, int fd)
{
	struct link *l = malloc(sizeof(*l));
	if (!l) {
		close(fd);
		return;
	}
	l->src.type = SRC_LINK;
	l->fd = fd;
	struct epoll_event e = { .events = EPOLLRDHUP, .data.ptr = l };
	epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

/* The keeper's whole life: the ivshmem server, plus hand-overs on keep_path. */
static void keeper_run(struct mon *m, int keep, int relay_link)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	/* The relay's epoll set is shared with the relay across fork: the keeper needs its own. */
	m->ep = ep;
	struct ep_src src_keep = { .type = SRC_KEEP };
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = &m->src_server };
	epoll_ctl(ep, EPOLL_CTL_ADD, m->server, &e);
	e.data.ptr = &src_keep;
	epoll_ctl(ep, EPOLL_CTL_ADD, keep, &e);
	link_add(ep, relay_link);
	for (;;) {
		struct epoll_event ev[8];
		int n = epoll_wait(ep, ev, 8, -1);
		for (int i = 0; i < n; i++) {
			struct ep_src *src = ev[i].data.ptr;
			if (src->type == SRC_SERVER) {
				mon_server_accept(m);
			} else if (src->type == SRC_CLIENT) {
				if (mon_client_event(m))
					_exit(0);   /* QEMU is gone: so are we, and our links close */
			} else if (src->type == SRC_LINK) {
				struct link *l = (struct link *)src;
				epoll_ctl(ep, EPOLL_CTL_DEL, l->fd, NULL);
				close(l->fd);
				free(l);
				mon_log(m, "keeper: the relay is gone; waiting for pipemon --attach");
			} else if (src->type == SRC_KEEP) {
				int r = accept4(keep, NULL, NULL, SOCK_CLOEXEC);
				if (r < 0)
					continue;
				if (hand_over(m, r)) {
					close(r);
					continue;
				}
				link_add(ep, r);
				mon_log(m, "keeper: handed the pipes to a new relay");
			}
		}
	}
}

int mon_keep(struct mon *m, const char *keep_path)
{
	int keep = unix_listen(keep_path);
	int sv[2];
	if (keep < 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv)) {
		fprintf(stderr, "pipemon: --keep %s: %s\n", keep_path, strerror(errno));
		return -1;
	}
	pid_t p = fork();
	if (p < 0)
		return -1;
	if (p == 0) {
		close(sv[0]);
		/* The keeper answers signals the plain way (the relay takes them by signalfd). */
		sigset_t all;
		sigfillset(&all);
		sigprocmask(SIG_UNBLOCK, &all, NULL);
		m->once = true;
		keeper_run(m, keep, sv[1]);
	}
	/* The relay: no server duties; the link tells it when the keeper (QEMU) is gone. */
	close(keep);
	close(sv[1]);
	epoll_ctl(m->ep, EPOLL_CTL_DEL, m->server, NULL);
	close(m->server);
	m->server = -1;
	m->keeper_link = sv[0];
	m->keeper_pid = p;
	m->src_link.type = SRC_LINK;
	return mon_epoll_set(m, sv[0], &m->src_link, EPOLLIN | EPOLLRDHUP, NULL);
}

int mon_attach(struct mon *m, const char *keep_path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(keep_path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, keep_path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof(a))) {
		fprintf(stderr, "pipemon: --attach %s: %s\n", keep_path, strerror(errno));
		return -1;
	}
	uint64_t v;
	int fds[FDS_PER_MSG];
	if (recv_fds(s, &v, fds, 2))
		goto bad;
	m->nslots = (uint32_t)(v >> 48);
	m->shm_size = v & ((1ull << 48) - 1);
	m->shm_fd = fds[0];
	m->guest_bell = fds[1];
	if (m->nslots < 2 || m->nslots > PIPE_MAX_SLOTS)
		goto bad;
	for (uint32_t i = 0; i < m->nslots; i += FDS_PER_MSG) {
		unsigned n = m->nslots - i < FDS_PER_MSG ? m->nslots - i : FDS_PER_MSG;
		if (recv_fds(s, &v, fds, n) || v != i)
			goto bad;
		for (unsigned k = 0; k < n; k++)
			m->slots[i + k].bell = fds[k];
	}
	m->shm = mmap(NULL, m->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->shm_fd, 0);
	if (m->shm == MAP_FAILED || pipe_shm_check(m->shm, m->shm_size))
		goto bad;
	for (uint32_t i = 0; i < m->nslots; i++)
		if (mon_epoll_set(m, m->slots[i].bell, &m->slots[i].src_bell, EPOLLIN, NULL))
			goto bad;
	m->keeper_link = s;
	m->src_link.type = SRC_LINK;
	mon_recover(m);
	return mon_epoll_set(m, s, &m->src_link, EPOLLIN | EPOLLRDHUP, NULL);
bad:
	fprintf(stderr, "pipemon: --attach %s: the keeper's hand-over is malformed\n", keep_path);
	return -1;
}

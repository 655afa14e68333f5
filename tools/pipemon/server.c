/*
 * tools/pipemon/server.c: the ivshmem server half of the monitor (QEMU
 * docs/specs/ivshmem-spec.rst, "The ivshmem Client-Server Protocol").
 *
 * The connection is one-way: each message is one 8-byte little-endian
 * signed number, maybe with one file descriptor (SCM_RIGHTS). On connect
 * the client gets, in order: the protocol version 0; its ID; -1 with the
 * shared memory's fd; for each other peer, that peer's ID once per vector
 * with the eventfd that interrupts it on that vector; then its own ID
 * once per vector with the eventfds it receives interrupts on.
 *
 * Here there is one client, QEMU's ivshmem-doorbell device (ID 1), and one
 * other peer, the monitor itself (ID 0, not a socket client): the client
 * gets one eventfd per slot for ringing us (vector = slot) and a single
 * eventfd for its own vector 0 (spec: vectors the client is configured for
 * beyond those sent "remain unconnected"). A second client is refused:
 * the pipes have one guest. The socket is bound under a temporary name
 * and renamed into place once listening, so a client that sees the path
 * can connect.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pipemon.h"

#define IVSHMEM_PROTOCOL_VERSION 0

/* One message: v as 8 bytes little-endian, fd (>= 0) attached. */
static int send_msg(int sock, int64_t v, int fd)
{
	uint8_t b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (uint8_t)((uint64_t)v >> (8 * i));
	struct iovec iov = { .iov_base = b, .iov_len = sizeof(b) };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		memset(&c, 0, sizeof(c));
		msg.msg_control = c.buf;
		msg.msg_controllen = sizeof(c.buf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	ssize_t n;
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(b) ? 0 : -1;
}

int mon_server_open(struct mon *m, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char tmp[sizeof(a.sun_path)];
	if (snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= (int)sizeof(tmp)) {
		fprintf(stderr, "pipemon: socket path too long: %s\n", path);
		return -1;
	}
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -1;
	unlink(tmp);
	memcpy(a.sun_path, tmp, strlen(tmp) + 1);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4) || rename(tmp, path)) {
		fprintf(stderr, "pipemon: cannot listen on %s: %s\n", path, strerror(errno));
		unlink(tmp);
		close(s);
		return -1;
	}
	m->server = s;
	m->src_server.type = SRC_SERVER;
	return mon_epoll_set(m, s, &m->src_server, EPOLLIN, NULL);
}

void mon_server_accept(struct mon *m)
{
	int c = accept4(m->server, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return;
	if (m->client >= 0) {
		mon_log(m, "a second ivshmem client refused (one guest per monitor)");
		close(c);
		return;
	}
	/* A fresh layout for a fresh guest: no slot of a previous one survives. The
	 * keeper's memory was laid out before the relay forked off, and stays. */
	if (!m->keeper_mode && mon_reset(m)) {
		close(c);
		return;
	}
	int err = send_msg(c, IVSHMEM_PROTOCOL_VERSION, -1) || send_msg(c, PIPEMON_GUEST_ID, -1) ||
		  send_msg(c, -1, m->shm_fd);
	for (uint32_t v = 0; !err && v < m->nslots; v++)
		err = send_msg(c, PIPEMON_HOST_ID, m->slots[v].bell);
	if (!err)
		err = send_msg(c, PIPEMON_GUEST_ID, m->guest_bell);
	if (err) {
		mon_log(m, "ivshmem client setup failed: %s", strerror(errno));
		close(c);
		return;
	}
	m->client = c;
	m->src_client.type = SRC_CLIENT;
	mon_epoll_set(m, c, &m->src_client, EPOLLIN | EPOLLRDHUP, NULL);
	mon_log(m, "guest connected: id %d, %u slots, %u-byte rings", PIPEMON_GUEST_ID, m->nslots,
		((struct pipe_shm_hdr *)m->shm)->ring_size);
}

bool mon_client_event(struct mon *m)
{
	char b[64];
	ssize_t n = recv(m->client, b, sizeof(b), MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return false;   /* the protocol is one-way: whatever a client says is ignored */
	epoll_ctl(m->ep, EPOLL_CTL_DEL, m->client, NULL);
	close(m->client);
	m->client = -1;
	mon_log(m, "guest disconnected");
	if (!m->keeper_mode)
		mon_reset(m);
	return m->once;
}

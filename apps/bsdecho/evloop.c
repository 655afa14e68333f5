/*
 * apps/bsdecho/evloop.c: the same TCP echo as one thread with epoll
 * (bsdecho.mode=epoll), written as a Linux event loop would be:
 * non-blocking sockets, level-triggered readiness, per connection a
 * buffer of bytes read but not yet sent back. A connection with bytes
 * pending stops reading (EPOLLOUT only) until they are gone, so a client
 * that does not read is held back by TCP's window, not by memory.
 */
#include <skiff.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bsdecho.h"

#define EV_BUF 16384

struct conn {
	int fd;
	size_t len, off;	/* pending bytes: buf[off..len) */
	char buf[EV_BUF];
};

static void watch(int ep, struct conn *c, uint32_t events, int op)
{
	struct epoll_event ev = { .events = events, .data.ptr = c };

	epoll_ctl(ep, op, c->fd, &ev);
}

static void conn_close(int ep, struct conn *c)
{
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c);
	bsdecho_count_close();
}

/* Send what is pending; then read more. False when the connection ended. */
static bool conn_pump(int ep, struct conn *c)
{
	for (;;) {
		while (c->off < c->len) {
			ssize_t n = send(c->fd, c->buf + c->off, c->len - c->off, MSG_DONTWAIT);

			if (n < 0 && errno == EAGAIN) {
				watch(ep, c, EPOLLOUT, EPOLL_CTL_MOD);
				return true;
			}
			if (n < 0)
				return false;
			c->off += (size_t)n;
			bsdecho_count_bytes((unsigned long)n);
		}
		ssize_t n = recv(c->fd, c->buf, sizeof(c->buf), MSG_DONTWAIT);

		if (n < 0 && errno == EAGAIN) {
			watch(ep, c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_MOD);
			return true;
		}
		if (n <= 0)
			return false;	/* EOF or error */
		c->off = 0;
		c->len = (size_t)n;
	}
}

int bsdecho_evloop(int lfd)
{
	struct epoll_event evs[64];
	struct epoll_event lev = { .events = EPOLLIN, .data.ptr = NULL };
	int ep = epoll_create1(0);

	if (ep < 0 || fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev) < 0) {
		printf("bsdecho: epoll setup: %s\n", strerror(errno));
		return 1;
	}
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (!c) {
				int fd;

				while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
					c = calloc(1, sizeof(*c));
					if (!c) {
						close(fd);
						continue;
					}
					c->fd = fd;
					bsdecho_count_open();
					watch(ep, c, EPOLLIN | EPOLLRDHUP, EPOLL_CTL_ADD);
				}
				continue;
			}
			if (!conn_pump(ep, c))
				conn_close(ep, c);
		}
	}
}

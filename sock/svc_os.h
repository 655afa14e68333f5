/*
 * sock/svc_os.h: what the callback services (svc*.c) need besides the
 * POSIX socket and epoll calls: memory, a log line, a monotonic clock, a
 * thread on a chosen CPU and a one-shot event to hand init's result back
 * to svc_register(). In the kernel these are skiff's own (include/skiff.h,
 * sched/sched.h); built with SVC_HOST (the host unit tests) they are libc
 * and pthreads, so the same svc*.c run over Linux's sockets and epoll.
 */
#ifndef SOCK_SVC_OS_H
#define SOCK_SVC_OS_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#ifdef SVC_HOST
#include <fcntl.h>
#include <netinet/in.h>
#include <unistd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Linux raises SIGPIPE on a send to a reset peer unless told not to. */
#define SVC_SEND_FLAGS	MSG_NOSIGNAL

struct svc_os_thread {
	pthread_t t;
};

struct svc_os_event {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool set;
};

static inline uint64_t svc_os_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct svc_os_start {
	int (*fn)(void *arg);
	void *arg;
};

static inline void *svc_os_trampoline(void *p)
{
	struct svc_os_start st = *(struct svc_os_start *)p;

	free(p);
	return (void *)(intptr_t)st.fn(st.arg);
}

/* The host has no CPU binding here: cpu is ignored. */
static inline int svc_os_thread_start(struct svc_os_thread *t,
				      int (*fn)(void *arg), void *arg,
				      unsigned cpu)
{
	struct svc_os_start *st = malloc(sizeof(*st));

	(void)cpu;
	if (!st)
		return -ENOMEM;
	st->fn = fn;
	st->arg = arg;
	if (pthread_create(&t->t, NULL, svc_os_trampoline, st) != 0) {
		free(st);
		return -ENOMEM;
	}
	return 0;
}

static inline int svc_os_thread_join(struct svc_os_thread *t)
{
	void *ret;

	pthread_join(t->t, &ret);
	return (int)(intptr_t)ret;
}

static inline void svc_os_event_init(struct svc_os_event *e)
{
	pthread_mutex_init(&e->mu, NULL);
	pthread_cond_init(&e->cv, NULL);
	e->set = false;
}

static inline void svc_os_event_signal(struct svc_os_event *e)
{
	pthread_mutex_lock(&e->mu);
	e->set = true;
	pthread_cond_signal(&e->cv);
	pthread_mutex_unlock(&e->mu);
}

static inline void svc_os_event_wait(struct svc_os_event *e)
{
	pthread_mutex_lock(&e->mu);
	while (!e->set)
		pthread_cond_wait(&e->cv, &e->mu);
	e->set = false;
	pthread_mutex_unlock(&e->mu);
}

static inline void svc_os_event_destroy(struct svc_os_event *e)
{
	pthread_cond_destroy(&e->cv);
	pthread_mutex_destroy(&e->mu);
}

#define svc_os_log(...)	fprintf(stderr, __VA_ARGS__)

/* Connection I/O: Linux sockets, without SIGPIPE. */
static inline ssize_t svc_os_recv(int fd, void *buf, size_t len)
{
	return recv(fd, buf, len, 0);
}

static inline ssize_t svc_os_send(int fd, const void *buf, size_t len)
{
	return send(fd, buf, len, SVC_SEND_FLAGS);
}

/* head then body in one call; Linux has no reference sends: is_static is ignored. */
static inline ssize_t svc_os_send2(int fd, const void *head, size_t hlen,
				   const void *body, size_t blen, bool is_static)
{
	struct iovec iov[2] = {{(void *)head, hlen}, {(void *)body, blen}};
	struct msghdr m = {.msg_iov = iov + (hlen ? 0 : 1), .msg_iovlen = hlen ? 2 : 1};

	(void)is_static;
	return sendmsg(fd, &m, SVC_SEND_FLAGS);
}

/* accept4(SOCK_NONBLOCK) in POSIX terms (accept4 needs _GNU_SOURCE before any header). */
static inline int svc_os_accept(int fd, struct sockaddr_in *sa)
{
	socklen_t salen = sizeof(*sa);
	int c = accept(fd, (struct sockaddr *)sa, &salen);

	if (c >= 0 && fcntl(c, F_SETFL, fcntl(c, F_GETFL) | O_NONBLOCK) != 0) {
		close(c);
		return -1;
	}
	return c;
}

/* The host has no pipes to a monitor. */
static inline int svc_os_pipe_listen(uint16_t port, uint16_t *host_port)
{
	(void)port;
	(void)host_port;
	return -ENODEV;
}

#else /* the kernel */
#include <netinet/in.h>
#include <unistd.h>

#include "include/skiff.h"
#include "kernel/pipe_file.h"
#include "sched/sched.h"

#ifdef MSG_NOSIGNAL
#define SVC_SEND_FLAGS	MSG_NOSIGNAL
#else
#define SVC_SEND_FLAGS	0	/* no signals in skiff */
#endif

struct svc_os_thread {
	struct thread *t;
};

struct svc_os_event {
	struct event e;
};

static inline uint64_t svc_os_now_ns(void)
{
	return skiff_time_ns();
}

static inline int svc_os_thread_start(struct svc_os_thread *t,
				      int (*fn)(void *arg), void *arg,
				      unsigned cpu)
{
	if (cpu >= skiff_cpu_count())
		return -ENODEV;
	t->t = thread_create(fn, arg, cpu);
	return t->t ? 0 : -ENOMEM;
}

static inline int svc_os_thread_join(struct svc_os_thread *t)
{
	int status = 0;

	thread_join(t->t, &status);
	return status;
}

static inline void svc_os_event_init(struct svc_os_event *e)
{
	event_init(&e->e);
}

static inline void svc_os_event_signal(struct svc_os_event *e)
{
	event_signal(&e->e);
}

static inline void svc_os_event_wait(struct svc_os_event *e)
{
	event_wait(&e->e, WAITQ_FOREVER);
}

static inline void svc_os_event_destroy(struct svc_os_event *e)
{
	(void)e;
}

#define svc_os_log(...)	printf(__VA_ARGS__)

/*
 * Connection I/O through the descriptor's file ops (read/write), so a
 * connection may be a TCP socket or a host pipe stream
 * (kernel/pipe_file.h); skiff has no signals, so write is send.
 */
static inline ssize_t svc_os_recv(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

static inline ssize_t svc_os_send(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

/*
 * head then body in one sendmsg, with MSG_SKIFF_STATIC when asked (a TCP
 * socket queues read-only image bytes by reference); a host pipe stream
 * is no socket and takes plain writes.
 */
static inline ssize_t svc_os_send2(int fd, const void *head, size_t hlen,
				   const void *body, size_t blen, bool is_static)
{
	struct iovec iov[2] = {{(void *)head, hlen}, {(void *)body, blen}};
	struct msghdr m = {.msg_iov = iov + (hlen ? 0 : 1), .msg_iovlen = hlen ? 2 : 1};
	ssize_t n = sendmsg(fd, &m, is_static ? MSG_SKIFF_STATIC : 0), k;

	if (n >= 0 || errno != ENOTSOCK)
		return n;
	n = hlen ? write(fd, head, hlen) : 0;
	if (n < 0 || (size_t)n < hlen)
		return n;
	k = write(fd, body, blen);
	return k < 0 ? (n ? n : k) : n + k;
}

/* A listener is a TCP socket or a pipe listener (connections arriving through the host monitor). */
static inline int svc_os_accept(int fd, struct sockaddr_in *sa)
{
	socklen_t salen = sizeof(*sa);

	if (pipe_file_is_listener(fd))
		return pipe_file_accept(fd, sa);
	return accept4(fd, (struct sockaddr *)sa, &salen, SOCK_NONBLOCK);
}

static inline int svc_os_pipe_listen(uint16_t port, uint16_t *host_port)
{
	return pipe_file_listen(port, host_port);
}
#endif

#endif /* SOCK_SVC_OS_H */

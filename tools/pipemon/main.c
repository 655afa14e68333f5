/*
 * tools/pipemon/main.c: the host monitor of skiff's guest<->host pipes
 * (pipemon.h says what it is). Command line, the shared memory and
 * eventfds, and the epoll loop that hands each ready source to its owner:
 * the ivshmem server socket, the QEMU client connection, and per slot its
 * doorbell eventfd and its host fd. It sleeps in epoll_wait with no
 * timeout: an idle monitor uses no CPU.
 *
 *   pipemon --socket PATH [--keep KPATH] [--shm-size BYTES] [--slots N] [--ring BYTES]
 *           [--files DIR] [--fwd GUEST:HOST]... [--once] [--verbose]
 *   pipemon --attach KPATH [--files DIR] [--fwd GUEST:HOST]... [--verbose]
 *
 * --keep KPATH splits off a keeper process that holds what QEMU was given,
 * so a relay that dies can be replaced by `pipemon --attach KPATH`
 * (keeper.c says how).
 *
 * QEMU side: -chardev socket,path=PATH,id=ID
 *            -device ivshmem-doorbell,chardev=ID,vectors=N (N = --slots)
 * Exit status: 0 after SIGTERM/SIGINT or (--once) the guest's hang-up,
 * 2 for bad usage, 1 when setting up fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "pipemon.h"

static struct mon mon;

void mon_log(struct mon *m, const char *fmt, ...)
{
	(void)m;
	va_list ap;
	va_start(ap, fmt);
	fputs("pipemon: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int mon_epoll_set(struct mon *m, int fd, struct ep_src *src, uint32_t events, uint32_t *cur)
{
	uint32_t old = cur ? *cur : 0;
	if (old == events)
		return 0;
	struct epoll_event e = { .events = events, .data.ptr = src };
	int op = !old ? EPOLL_CTL_ADD : events ? EPOLL_CTL_MOD : EPOLL_CTL_DEL;
	if (epoll_ctl(m->ep, op, fd, &e)) {
		mon_log(m, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	if (cur)
		*cur = events;
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: pipemon --socket PATH [--keep KPATH] [--shm-size BYTES] [--slots N] [--ring BYTES]\n"
			"               [--files DIR] [--fwd GUEST:HOST]... [--once] [--verbose]\n"
			"       pipemon --attach KPATH [--files DIR] [--fwd GUEST:HOST]... [--verbose]\n");
	exit(2);
}

static unsigned long long parse_size(const char *opt, const char *v)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (*end == 'K' || *end == 'k')
		n <<= 10, end++;
	else if (*end == 'M' || *end == 'm')
		n <<= 20, end++;
	if (errno || end == v || *end) {
		fprintf(stderr, "pipemon: %s: not a size: %s\n", opt, v);
		exit(2);
	}
	return n;
}

static const char *keep_path, *attach_path;

static void parse_args(struct mon *m, int argc, char **argv, const char **sock)
{
	*sock = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--once")) {
			m->once = true;
			continue;
		}
		if (!strcmp(a, "--verbose") || !strcmp(a, "-v")) {
			m->verbose = true;
			continue;
		}
		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			usage();
		if (!v) {
			fprintf(stderr, "pipemon: unknown option or missing value: %s\n", a);
			exit(2);
		}
		i++;
		if (!strcmp(a, "--socket")) {
			*sock = v;
		} else if (!strcmp(a, "--keep")) {
			keep_path = v;
		} else if (!strcmp(a, "--attach")) {
			attach_path = v;
		} else if (!strcmp(a, "--shm-size")) {
			m->shm_size = parse_size(a, v);
		} else if (!strcmp(a, "--slots")) {
			m->nslots = (uint32_t)parse_size(a, v);
		} else if (!strcmp(a, "--ring")) {
			m->max_ring = (uint32_t)parse_size(a, v);
		} else if (!strcmp(a, "--files")) {
			m->files_dir = open(v, O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (m->files_dir < 0) {
				fprintf(stderr, "pipemon: --files %s: %s\n", v, strerror(errno));
				exit(2);
			}
		} else if (!strcmp(a, "--fwd")) {
			unsigned g, h;
			char extra;
			if (sscanf(v, "%u:%u%c", &g, &h, &extra) != 2 || !g || g > 65535 || h > 65535 ||
			    m->nfwd == PIPEMON_MAX_FWD) {
				fprintf(stderr, "pipemon: --fwd wants GUEST:HOST ports (at most %d): %s\n",
					PIPEMON_MAX_FWD, v);
				exit(2);
			}
			m->fwd[m->nfwd++] = (struct fwd){ .guest = (uint16_t)g, .host = (uint16_t)h };
		} else {
			fprintf(stderr, "pipemon: unknown option: %s\n", a);
			exit(2);
		}
	}
	if (!*sock == !attach_path || (attach_path && keep_path)) {
		fprintf(stderr, "pipemon: give --socket PATH (a new monitor) or --attach KPATH (a relay for a kept one)\n");
		exit(2);
	}
	if (m->shm_size < (1u << 16) || (m->shm_size & (m->shm_size - 1)) || m->shm_size > (1ull << 30)) {
		fprintf(stderr, "pipemon: --shm-size must be a power of two from 64K to 1024M (PCI BAR sizes)\n");
		exit(2);
	}
	if (m->nslots < 2 || m->nslots > PIPE_MAX_SLOTS) {
		fprintf(stderr, "pipemon: --slots must be 2..%d\n", PIPE_MAX_SLOTS);
		exit(2);
	}
}

static int setup(struct mon *m, const char *sock)
{
	m->ep = epoll_create1(EPOLL_CLOEXEC);
	m->shm_fd = memfd_create("skiff-pipes", MFD_CLOEXEC);
	if (m->ep < 0 || m->shm_fd < 0 || ftruncate(m->shm_fd, (off_t)m->shm_size)) {
		perror("pipemon: shared memory");
		return -1;
	}
	m->shm = mmap(NULL, m->shm_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->shm_fd, 0);
	if (m->shm == MAP_FAILED) {
		perror("pipemon: mmap");
		return -1;
	}
	m->guest_bell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (m->guest_bell < 0)
		return -1;
	for (uint32_t i = 0; i < m->nslots; i++) {
		struct slot *s = &m->slots[i];
		s->bell = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (s->bell < 0 || mon_epoll_set(m, s->bell, &s->src_bell, EPOLLIN, NULL)) {
			perror("pipemon: eventfd");
			return -1;
		}
	}
	if (mon_reset(m))
		return -1;
	return mon_server_open(m, sock);
}

int main(int argc, char **argv)
{
	struct mon *m = &mon;
	const char *sock;
	mon_slots_init(m);
	m->client = -1;
	m->files_dir = -1;
	m->keeper_link = -1;
	m->shm_size = 16u << 20;   /* 128 slots of two 32 KiB rings */
	m->nslots = 128;
	m->max_ring = 64u << 10;
	parse_args(m, argc, argv, &sock);
	signal(SIGPIPE, SIG_IGN);
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	int sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (attach_path) {
		m->ep = epoll_create1(EPOLL_CLOEXEC);
		if (sfd < 0 || m->ep < 0 || mon_attach(m, attach_path))
			return 1;
		sock = NULL;
	} else {
		m->keeper_mode = keep_path != NULL;
		if (sfd < 0 || setup(m, sock) || (keep_path && mon_keep(m, keep_path)))
			return 1;
	}
	static struct ep_src src_signal = { .type = SRC_SIGNAL, .slot = NULL };
	struct epoll_event se = { .events = EPOLLIN, .data.ptr = &src_signal };
	epoll_ctl(m->ep, EPOLL_CTL_ADD, sfd, &se);
	mon_log(m, "ready: %s %s, %llu bytes of shared memory, %u slots", sock ? "socket" : "attached to",
		sock ? sock : attach_path, (unsigned long long)m->shm_size, m->nslots);
	int status = 0;
	for (bool run = true; run;) {
		struct epoll_event ev[64];
		int n = epoll_wait(m->ep, ev, 64, -1);
		if (n < 0 && errno != EINTR) {
			perror("pipemon: epoll_wait");
			status = 1;
			break;
		}
		for (int i = 0; i < n && run; i++) {
			struct ep_src *src = ev[i].data.ptr;
			if (src->type == SRC_SIGNAL) {
				run = false;
			} else if (src->type == SRC_SERVER) {
				mon_server_accept(m);
			} else if (src->type == SRC_CLIENT) {
				if (m->client >= 0 && mon_client_event(m))
					run = false;
			} else if (src->type == SRC_LINK) {
				mon_log(m, "the keeper is gone (QEMU hung up)");
				run = false;
			} else {
				slot_run(src->slot);
			}
		}
	}
	if (sock)
		unlink(sock);
	mon_log(m, "exit: %llu streams, %llu files, %llu listens, %llu connects, %llu accepted, %llu refused, "
		   "%llu protocol errors, %llu guest interrupts",
		(unsigned long long)m->st.streams, (unsigned long long)m->st.files, (unsigned long long)m->st.listens,
		(unsigned long long)m->st.connects, (unsigned long long)m->st.accepted,
		(unsigned long long)m->st.refused, (unsigned long long)m->st.protocol_errors,
		(unsigned long long)m->st.kicks);
	return status;
}

/*
 * tools/lossylink/lossylink.c: a lossy Ethernet link between a QEMU guest
 * and a host tap, for the kernels that have no netem (or to keep netem off
 * the host): QEMU's dgram netdev (QEMU 7.2+, -netdev dgram with unix
 * sockets) on one side, the tap on the other, frames relayed both ways
 * through link.h's model (drop, duplicate, reorder, delay, jitter,
 * corrupt, rate), each direction with its own seeded random stream.
 *
 *   lossylink --tap IFNAME --sock PATH --peer PATH [--link SPEC]
 *             [--exit-with-parent]
 *
 * --sock is the datagram socket it binds, --peer QEMU's (frames to the
 * guest go there). Promises:
 *   - a bad option or knob is one line on stderr and exit status 2; a tap
 *     or socket it cannot open, one line and exit 1;
 *   - "lossylink: ready ..." on stderr once the tap is attached and the
 *     socket bound; the counters of both directions, one line each, on
 *     SIGUSR1 and when it exits (SIGTERM, SIGINT, SIGHUP: exit 0), and
 *     the CPU time it used;
 *   - event-driven: one epoll wait for the tap, the socket, a timerfd
 *     armed for the earliest waiting frame, and a signalfd; nothing polls;
 *   - no allocation per frame: the waiting frames live in pools sized at
 *     start (limit frames per direction);
 *   - QEMU's socket queue (net.unix.max_dgram_qlen datagrams, 10 by
 *     default) is not a source of loss: when it is full, frames to the
 *     guest wait in the link's queue until it drains (EPOLLOUT), as they
 *     would in a tap's; only past limit are they dropped (queue_drop);
 *   - --exit-with-parent: it ends (counters printed) when its parent does,
 *     so a killed tools/cloudit.sh leaves no relay behind.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "link.h"
#include "queue.h"

#define PROG "lossylink"
#define BATCH 64            /* frames read per wake-up and side, for fairness */
#define SOCK_BUF (4 << 20)  /* socket buffers: a burst is not dropped by them */

enum { TO_GUEST, TO_HOST };
static const char *const dir_name[] = { "to-guest", "from-guest" };

struct relay {
	int tap, sock, timer, sig, ep;
	struct sockaddr_un peer;
	struct link_knobs knobs;
	struct link_dir dir[2];
	struct link_queue q[2];
	uint64_t armed;         /* the timer's deadline, UINT64_MAX = disarmed */
	bool connected;         /* sock is connected to QEMU's socket */
	bool blocked;           /* QEMU's receive queue is full: wait for EPOLLOUT */
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " --tap IFNAME --sock PATH --peer PATH [--link SPEC] [--exit-with-parent]\n"
		"Relays Ethernet frames between the tap IFNAME and a QEMU dgram netdev\n"
		"(-netdev dgram,id=n0,local.type=unix,local.path=PEER,remote.type=unix,remote.path=SOCK)\n"
		"through an emulated lossy link. SPEC: key=value,... with\n"
		"  loss=P%%  dup=P%%  reorder=P%%  corrupt=P%%   (probabilities per frame)\n"
		"  delay=T  jitter=T  hold=T                (e.g. 10ms, 250us; hold: a reordered\n"
		"                                           frame's extra wait, default 2ms)\n"
		"  rate=R   (e.g. 100mbit, 512kbit)  limit=N (frames waiting per direction, 1000)\n"
		"  seed=N   (the random streams' start, default 1)\n"
		"Both directions get the same knobs. Counters on SIGUSR1 and at exit.\n");
}

static void die_usage(const char *msg)
{
	fprintf(stderr, PROG ": %s\n", msg);
	exit(2);
}

static void die_errno(const char *what, const char *arg)
{
	fprintf(stderr, PROG ": %s %s: %s\n", what, arg, strerror(errno));
	exit(1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void print_stats(const struct relay *r)
{
	struct rusage ru;
	int i;

	for (i = 0; i < 2; i++) {
		const struct link_stats *s = &r->dir[i].st;

		fprintf(stderr,
			PROG ": %s in=%" PRIu64 " out=%" PRIu64 " bytes=%" PRIu64 " lost=%" PRIu64
			     " dup=%" PRIu64 " corrupt=%" PRIu64 " reordered=%" PRIu64 " queue_drop=%" PRIu64
			     " send_fail=%" PRIu64 " oversize=%" PRIu64 "\n",
			dir_name[i], s->in, s->out, s->bytes_out, s->lost, s->duplicated, s->corrupted,
			s->reordered, s->queue_drop, s->send_fail, s->oversize);
	}
	/* The relay's own cost, to tell its ceiling from the guest's. */
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		fprintf(stderr, PROG ": cpu user=%ld.%03lds sys=%ld.%03lds\n", (long)ru.ru_utime.tv_sec,
			(long)ru.ru_utime.tv_usec / 1000, (long)ru.ru_stime.tv_sec, (long)ru.ru_stime.tv_usec / 1000);
}

/* ---- setup */

static int open_tap(const char *name)
{
	struct ifreq ifr;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		die_errno("cannot open", "/dev/net/tun");
	memset(&ifr, 0, sizeof(ifr));
	/* No packet-info header and no virtio-net header: plain frames, as
	 * QEMU's dgram netdev carries them. */
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0)
		die_errno("cannot attach to tap", name);
	return fd;
}

static void unix_addr(struct sockaddr_un *a, const char *path, const char *opt)
{
	char msg[160];

	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(a->sun_path)) {
		snprintf(msg, sizeof(msg), "%s path too long (at most %zu bytes)", opt, sizeof(a->sun_path) - 1);
		die_usage(msg);
	}
	strcpy(a->sun_path, path);
}

static int open_sock(const char *path)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int sz = SOCK_BUF;

	if (fd < 0)
		die_errno("cannot create a socket for", path);
	unix_addr(&a, path, "--sock");
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		die_errno("cannot bind", path);
	/* Best effort: the default limits are only smaller. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	return fd;
}

static int open_signals(void)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0)
		die_errno("cannot create", "a signalfd");
	return fd;
}

static void watch(struct relay *r, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	if (epoll_ctl(r->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		die_errno("cannot watch", "a descriptor");
}

/* ---- the data path */

static void want_writable(struct relay *r, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN | (on ? EPOLLOUT : 0), .data.fd = r->sock };

	r->blocked = on;
	epoll_ctl(r->ep, EPOLL_CTL_MOD, r->sock, &ev);
}

/* Sends one frame: 0, or -EAGAIN when QEMU's queue is full (the frame
 * must wait). A frame the far side refuses otherwise is lost, as on a
 * wire: QEMU not up yet or gone (ENOENT, ECONNREFUSED), the tap down (EIO). */
static int xmit(struct relay *r, int dir, const uint8_t *frame, size_t len)
{
	struct link_stats *s = &r->dir[dir].st;
	ssize_t n;

	if (dir == TO_GUEST) {
		/* Connected, so EPOLLOUT tells when QEMU's queue has room. */
		if (!r->connected)
			r->connected = connect(r->sock, (struct sockaddr *)&r->peer, sizeof(r->peer)) == 0;
		n = r->connected ? send(r->sock, frame, len, 0) : -1;
		if (n < 0 && errno == EAGAIN) {
			want_writable(r, true);
			return -EAGAIN;
		}
		if (n < 0 && errno == ECONNREFUSED)
			r->connected = false;
	} else {
		n = write(r->tap, frame, len);
	}
	if (n != (ssize_t)len) {
		s->send_fail++;
		return 0;
	}
	s->out++;
	s->bytes_out += len;
	return 0;
}

/* Frames due by now leave, earliest first; to the guest, until QEMU's
 * queue is full. */
static void flush(struct relay *r, uint64_t now)
{
	const struct link_slot *slot;
	int d;

	for (d = 0; d < 2; d++) {
		if (d == TO_GUEST && r->blocked)
			continue;
		while ((slot = link_queue_due(&r->q[d], now))) {
			if (xmit(r, d, slot->data, slot->len) == -EAGAIN)
				break;
			link_queue_pop(&r->q[d]);
		}
	}
}

static void rearm(struct relay *r)
{
	uint64_t next = link_queue_next(&r->q[0]);
	struct itimerspec its = { 0 };

	if (link_queue_next(&r->q[1]) < next)
		next = link_queue_next(&r->q[1]);
	if (next == r->armed)
		return;
	r->armed = next;
	if (next != UINT64_MAX) {
		its.it_value.tv_sec = (time_t)(next / 1000000000ull);
		its.it_value.tv_nsec = (long)(next % 1000000000ull);
		if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
			its.it_value.tv_nsec = 1; /* zero would disarm */
	}
	timerfd_settime(r->timer, TFD_TIMER_ABSTIME, &its, NULL);
}

/* One received frame: its fate, then each copy sent now or queued. */
static void relay_frame(struct relay *r, int dir, uint8_t *frame, size_t len, uint64_t now)
{
	static uint8_t flipped[LINK_FRAME_MAX];
	struct link_dir *d = &r->dir[dir];
	struct link_fate f;
	int i;

	if (len > LINK_FRAME_MAX) {
		d->st.in++;
		d->st.oversize++;
		return;
	}
	link_decide(d, now, len, &f);
	for (i = 0; i < f.ncopies; i++) {
		const uint8_t *p = frame;

		if (f.copy[i].flip_bit >= 0) {
			memcpy(flipped, frame, len);
			link_flip(flipped, len, f.copy[i].flip_bit);
			p = flipped;
		}
		/* flush() ran first, so whatever still waits departs later
		 * (or QEMU is blocked): a frame due now may go at once without
		 * overtaking it unless the guest's side is blocked. */
		if (f.copy[i].depart <= now && !(dir == TO_GUEST && r->blocked) &&
		    xmit(r, dir, p, len) == 0)
			continue;
		if (link_queue_put(&r->q[dir], f.copy[i].depart, p, len) < 0)
			d->st.queue_drop++;
	}
}

static void read_side(struct relay *r, int dir)
{
	static uint8_t buf[65536];
	int fd = dir == TO_GUEST ? r->tap : r->sock;
	int i;

	for (i = 0; i < BATCH; i++) {
		ssize_t n = read(fd, buf, sizeof(buf));
		uint64_t now;

		if (n <= 0)
			break;
		now = now_ns();
		flush(r, now);
		relay_frame(r, dir, buf, (size_t)n, now);
	}
}

/* Returns false when a terminating signal came. */
static bool on_signal(struct relay *r)
{
	struct signalfd_siginfo si;
	bool go_on = true;

	while (read(r->sig, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGUSR1)
			print_stats(r);
		else
			go_on = false;
	}
	return go_on;
}

static void run(struct relay *r)
{
	struct epoll_event ev[4];
	bool go_on = true;

	while (go_on) {
		int n = epoll_wait(r->ep, ev, 4, -1), i;

		if (n < 0 && errno != EINTR)
			die_errno("epoll_wait", "failed");
		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;

			if (fd == r->sig) {
				go_on = on_signal(r) && go_on;
			} else if (fd == r->timer) {
				uint64_t ticks;

				if (read(r->timer, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					die_errno("timerfd", "read failed");
				r->armed = UINT64_MAX;
			} else if (fd == r->tap) {
				read_side(r, TO_GUEST);
			} else {
				if (ev[i].events & EPOLLOUT)
					want_writable(r, false);
				if (ev[i].events & EPOLLIN)
					read_side(r, TO_HOST);
			}
		}
		flush(r, now_ns());
		rearm(r);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "tap", required_argument, NULL, 't' },
		{ "sock", required_argument, NULL, 's' },
		{ "peer", required_argument, NULL, 'p' },
		{ "link", required_argument, NULL, 'l' },
		{ "exit-with-parent", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *tap = NULL, *sock = NULL, *peer = NULL;
	struct relay r = { .armed = UINT64_MAX };
	char err[256], desc[256];
	bool with_parent = false;
	pid_t parent = getppid();
	int c, d;

	link_knobs_default(&r.knobs);
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 't': tap = optarg; break;
		case 's': sock = optarg; break;
		case 'p': peer = optarg; break;
		case 'e': with_parent = true; break;
		case 'h': usage(stdout); return 0;
		case 'l':
			if (link_parse(optarg, &r.knobs, err, sizeof(err)) < 0)
				die_usage(err);
			break;
		default:
			snprintf(err, sizeof(err), "bad option '%s' (see --help)", argv[optind - 1]);
			die_usage(err);
		}
	}
	if (optind < argc) {
		snprintf(err, sizeof(err), "unexpected argument '%s' (see --help)", argv[optind]);
		die_usage(err);
	}
	if (!tap || !sock || !peer)
		die_usage("--tap, --sock and --peer are all needed (see --help)");
	if (strlen(tap) >= IFNAMSIZ)
		die_usage("--tap: interface name too long");
	unix_addr(&r.peer, peer, "--peer");

	if (with_parent && (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent))
		return 0; /* the parent is gone already */
	r.sig = open_signals();
	r.tap = open_tap(tap);
	r.sock = open_sock(sock);
	r.timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	r.ep = epoll_create1(EPOLL_CLOEXEC);
	if (r.timer < 0 || r.ep < 0)
		die_errno("cannot create", "the timer or epoll set");
	for (d = 0; d < 2; d++) {
		link_dir_init(&r.dir[d], &r.knobs, (uint64_t)d + 1);
		if (link_queue_init(&r.q[d], r.knobs.limit) < 0) {
			errno = ENOMEM;
			die_errno("cannot allocate", "the frame queues");
		}
	}
	watch(&r, r.sig);
	watch(&r, r.tap);
	watch(&r, r.sock);
	watch(&r, r.timer);

	link_describe(&r.knobs, desc, sizeof(desc));
	fprintf(stderr, PROG ": ready: %s <-> %s: %s\n", tap, peer, desc);
	run(&r);
	print_stats(&r);
	unlink(sock);
	for (d = 0; d < 2; d++)
		link_queue_free(&r.q[d]);
	return 0;
}

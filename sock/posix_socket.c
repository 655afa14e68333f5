/*
 * sock/posix_socket.c: the Berkeley socket calls with POSIX names, as thin
 * as they can be over sock/sock.h: look the descriptor up, convert struct
 * sockaddr_in and option values, call the core, turn its negative errno
 * into errno and -1. What they promise is include/sys/socket.h's; the
 * behaviour itself is the core's (and is tested there, on the host).
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "net/tcp.h"
#include "sock/sock.h"
#include "sock/sock_file.h"

_Static_assert(sizeof(struct iovec) == sizeof(struct sock_iov) &&
	       offsetof(struct iovec, iov_len) == offsetof(struct sock_iov, len),
	       "struct iovec and struct sock_iov must share a layout");
_Static_assert(MSG_PEEK == SOCK_MSG_PEEK && MSG_TRUNC == SOCK_MSG_TRUNC &&
	       MSG_DONTWAIT == SOCK_MSG_DONTWAIT && MSG_WAITALL == SOCK_MSG_WAITALL &&
	       MSG_MORE == SOCK_MSG_MORE && MSG_SKIFF_STATIC == SOCK_MSG_STATIC &&
	       SHUT_RDWR == SOCK_SHUT_RDWR,
	       "MSG_* and SHUT_* pass through unchanged");

#define PASS_FLAGS (MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT | MSG_WAITALL | MSG_MORE | \
		    MSG_SKIFF_STATIC)

static long ret(long r)
{
	if (r < 0) {
		errno = (int)-r;
		return -1;
	}
	return r;
}

/* fd's socket with a file reference, or NULL with errno set. */
static struct sock *get(int fd, struct file **f)
{
	struct sock *s;
	int err = sock_fd_get(fd, f, &s);

	if (err) {
		errno = -err;
		return NULL;
	}
	return s;
}

static int addr_from(const struct sockaddr *sa, socklen_t len,
		     struct sock_addr *a)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

	if (!sa || len < sizeof(sa_family_t))
		return -EINVAL;
	if (sa->sa_family != AF_INET)
		return -EAFNOSUPPORT;
	if (len < sizeof(struct sockaddr_in))
		return -EINVAL;
	a->addr = ntohl(in->sin_addr.s_addr);
	a->port = ntohs(in->sin_port);
	return 0;
}

/* Copy as much as fits and say the full size, as Linux does. */
static void addr_to(const struct sock_addr *a, struct sockaddr *sa,
		    socklen_t *len)
{
	struct sockaddr_in in;

	if (!sa || !len)
		return;
	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_port = htons(a->port);
	in.sin_addr.s_addr = htonl(a->addr);
	memcpy(sa, &in, *len < sizeof(in) ? *len : sizeof(in));
	*len = sizeof(in);
}

int socket(int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct sock *s;
	int err;

	if (domain != AF_INET)
		return (int)ret(-EAFNOSUPPORT);
	if (base == SOCK_STREAM && protocol != 0 && protocol != IPPROTO_TCP)
		return (int)ret(-EPROTONOSUPPORT);
	if (base == SOCK_DGRAM && protocol != 0 && protocol != IPPROTO_UDP)
		return (int)ret(-EPROTONOSUPPORT);
	if (base != SOCK_STREAM && base != SOCK_DGRAM)
		return (int)ret(-ESOCKTNOSUPPORT);
	if (fd_count() >= FD_MAX)
		return (int)ret(-EMFILE);
	err = sock_create(sock_net_default(), (enum sock_type)base, &s);
	if (err)
		return (int)ret(err);
	return (int)ret(sock_fd_open(s, (type & SOCK_NONBLOCK) ? FILE_NONBLOCK : 0));
}

int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sock_addr a;
	struct file *f;
	struct sock *s = get(fd, &f);
	int err;

	if (!s)
		return -1;
	err = addr_from(addr, len, &a);
	if (!err)
		err = sock_bind(s, &a);
	file_put(f);
	return (int)ret(err);
}

int listen(int fd, int backlog)
{
	struct file *f;
	struct sock *s = get(fd, &f);
	int err;

	if (!s)
		return -1;
	/* Linux compares the backlog unsigned with somaxconn: a negative one
	 * is cut to SOMAXCONN too. 0 still lets one connection wait. */
	if ((unsigned)backlog > SOMAXCONN)
		backlog = SOMAXCONN;
	else if (backlog == 0)
		backlog = 1;
	err = sock_listen(s, backlog);
	file_put(f);
	return (int)ret(err);
}

int accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct sock_addr peer;
	struct sock *ns;
	struct file *f;
	struct sock *s;
	int err;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return (int)ret(-EINVAL);
	s = get(fd, &f);
	if (!s)
		return -1;
	/* Linux leaves the connection queued when no descriptor is free. */
	if (fd_count() >= FD_MAX)
		err = -EMFILE;
	else
		err = sock_accept(s, sock_file_flags(f), &ns, &peer);
	file_put(f);
	if (err)
		return (int)ret(err);
	addr_to(&peer, addr, len);
	return (int)ret(sock_fd_open(ns, (flags & SOCK_NONBLOCK) ? FILE_NONBLOCK : 0));
}

int accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return accept4(fd, addr, len, 0);
}

int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct sock_addr a = { 0, 0 };
	struct file *f;
	struct sock *s = get(fd, &f);
	int err = 0;

	if (!s)
		return -1;
	/* AF_UNSPEC dissolves a datagram socket's association. */
	if (!addr || len < sizeof(sa_family_t) || addr->sa_family != AF_UNSPEC ||
	    sock_type(s) != SOCK_T_DGRAM)
		err = addr_from(addr, len, &a);
	if (!err)
		err = sock_connect(s, &a, sock_file_flags(f));
	file_put(f);
	return (int)ret(err);
}

ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	struct sock_addr to, *top = NULL;
	struct file *f;
	struct sock *s;
	long r = 0;

	if (msg->msg_iovlen > UIO_MAXIOV)
		return ret(-EMSGSIZE);
	s = get(fd, &f);
	if (!s)
		return -1;
	if (msg->msg_name && sock_type(s) == SOCK_T_DGRAM) {
		r = addr_from(msg->msg_name, msg->msg_namelen, &to);
		top = &to;
	}
	if (!r)
		r = sock_sendmsg(s, (const struct sock_iov *)msg->msg_iov,
				 (int)msg->msg_iovlen,
				 ((unsigned)flags & PASS_FLAGS) | sock_file_flags(f), top);
	file_put(f);
	return ret(r);
}

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	unsigned fl = ((unsigned)flags & PASS_FLAGS);
	struct sock_addr from = { 0, 0 };
	struct file *f;
	struct sock *s;
	long r;

	if (msg->msg_iovlen > UIO_MAXIOV)
		return ret(-EMSGSIZE);
	s = get(fd, &f);
	if (!s)
		return -1;
	fl |= sock_file_flags(f);
	r = sock_recvmsg(s, (const struct sock_iov *)msg->msg_iov,
			 (int)msg->msg_iovlen, &fl, &from);
	if (r >= 0 && msg->msg_name) {
		if (sock_type(s) == SOCK_T_DGRAM)
			addr_to(&from, msg->msg_name, &msg->msg_namelen);
		else
			msg->msg_namelen = 0;	/* Linux: streams give none */
	}
	file_put(f);
	if (r >= 0) {
		msg->msg_flags = (int)(fl & SOCK_MSG_TRUNC);
		msg->msg_controllen = 0;
	}
	return ret(r);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr m = { (void *)to, tolen, &iov, 1, NULL, 0, 0 };

	return sendmsg(fd, &m, flags);
}

ssize_t recvfrom(int fd, void *buf, size_t len, int flags,
		 struct sockaddr *from, socklen_t *fromlen)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { from, fromlen ? *fromlen : 0, &iov, 1, NULL, 0, 0 };
	ssize_t r = recvmsg(fd, &m, flags);

	if (r >= 0 && from && fromlen)
		*fromlen = m.msg_namelen;
	return r;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	return sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	return recvfrom(fd, buf, len, flags, NULL, NULL);
}

int shutdown(int fd, int how)
{
	struct file *f;
	struct sock *s = get(fd, &f);
	int err;

	if (!s)
		return -1;
	err = sock_shutdown(s, how);
	file_put(f);
	return (int)ret(err);
}

static int name(int fd, struct sockaddr *addr, socklen_t *len, bool peer)
{
	struct sock_addr a;
	struct file *f;
	struct sock *s = get(fd, &f);
	int err;

	if (!s)
		return -1;
	err = peer ? sock_getpeername(s, &a) : sock_getsockname(s, &a);
	file_put(f);
	if (!err)
		addr_to(&a, addr, len);
	return (int)ret(err);
}

int getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	return name(fd, addr, len, false);
}

int getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	return name(fd, addr, len, true);
}

/* (level, name) to the core's option; -ENOPROTOOPT when unknown. */
static int opt_of(int level, int optname, enum sock_opt *o)
{
	static const struct { int level, name; enum sock_opt opt; } map[] = {
		{ SOL_SOCKET, SO_REUSEADDR, SOCK_OPT_REUSEADDR },
		{ SOL_SOCKET, SO_KEEPALIVE, SOCK_OPT_KEEPALIVE },
		{ SOL_SOCKET, SO_RCVBUF, SOCK_OPT_RCVBUF },
		{ SOL_SOCKET, SO_SNDBUF, SOCK_OPT_SNDBUF },
		{ SOL_SOCKET, SO_BROADCAST, SOCK_OPT_BROADCAST },
		{ SOL_SOCKET, SO_TYPE, SOCK_OPT_TYPE },
		{ SOL_SOCKET, SO_ACCEPTCONN, SOCK_OPT_ACCEPTCONN },
		{ IPPROTO_TCP, TCP_NODELAY, SOCK_OPT_NODELAY },
		{ IPPROTO_TCP, TCP_KEEPIDLE, SOCK_OPT_KEEPIDLE },
		{ IPPROTO_TCP, TCP_KEEPINTVL, SOCK_OPT_KEEPINTVL },
		{ IPPROTO_TCP, TCP_KEEPCNT, SOCK_OPT_KEEPCNT },
		{ IPPROTO_TCP, TCP_MAXSEG, SOCK_OPT_MAXSEG },
		{ IPPROTO_TCP, TCP_USER_TIMEOUT, SOCK_OPT_USER_TIMEOUT },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (map[i].level == level && map[i].name == optname) {
			*o = map[i].opt;
			return 0;
		}
	}
	return -ENOPROTOOPT;
}

/* Options accepted and ignored, as harmless here as on Linux. */
static bool opt_ignored(int level, int optname)
{
	if (level == SOL_SOCKET)
		return optname == SO_REUSEPORT || optname == SO_DEBUG ||
		       optname == SO_DONTROUTE || optname == SO_OOBINLINE;
	return level == IPPROTO_IP && (optname == IP_TOS || optname == IP_TTL);
}

static int timeo_set(struct sock *s, bool send, const void *val, socklen_t len)
{
	const struct timeval *tv = val;

	if (len < sizeof(*tv))
		return -EINVAL;
	if (tv->tv_usec < 0 || tv->tv_usec >= 1000000)
		return -EDOM;
	/* Linux: negative is none; so is one too long to count in ns
	 * (Linux: MAX_SCHEDULE_TIMEOUT), rather than a wrapped product. */
	if (tv->tv_sec < 0 || (uint64_t)tv->tv_sec >= UINT64_MAX / 1000000000u)
		sock_set_timeout(s, send, 0);
	else
		sock_set_timeout(s, send, (uint64_t)tv->tv_sec * 1000000000u +
						  (uint64_t)tv->tv_usec * 1000u);
	return 0;
}

int setsockopt(int fd, int level, int optname, const void *val, socklen_t len)
{
	struct file *f;
	struct sock *s;
	enum sock_opt o;
	int err;

	if (!val)
		return (int)ret(-EFAULT);
	s = get(fd, &f);
	if (!s)
		return -1;
	if (level == SOL_SOCKET && (optname == SO_RCVTIMEO || optname == SO_SNDTIMEO)) {
		err = timeo_set(s, optname == SO_SNDTIMEO, val, len);
	} else if (level == SOL_SOCKET && optname == SO_LINGER) {
		const struct linger *l = val;

		err = len < sizeof(*l) ? -EINVAL :
		      sock_setopt(s, SOCK_OPT_LINGER, l->l_onoff ? l->l_linger : -1);
	} else if (len < sizeof(int)) {
		err = -EINVAL;
	} else if (opt_ignored(level, optname)) {
		err = 0;
	} else {
		err = opt_of(level, optname, &o);
		if (!err)
			err = sock_setopt(s, o, *(const int *)val);
	}
	file_put(f);
	return (int)ret(err);
}

/*
 * TCP_INFO: the connection's state and counters in Linux's struct
 * tcp_info (include/netinet/tcp.h), copied up to *len bytes as Linux does
 * (*len says how many). Windows, MSS and windows' counts are in bytes;
 * tcpi_retransmits counts RTOs in a row and tcpi_probes zero-window
 * probes in a row (both from the backoff, by whether the peer's window
 * is closed), so a caller can tell a path losing data from a peer that
 * stopped reading.
 */
static int tcp_info_get(struct sock *s, void *val, socklen_t *len)
{
	/* enum tcp_state (RFC 9293 3.3.2) to Linux's tcpi_state numbers. */
	static const uint8_t linux_state[] = {
		[TCP_CLOSED] = 7, [TCP_LISTEN] = 10, [TCP_SYN_SENT] = 2,
		[TCP_SYN_RECEIVED] = 3, [TCP_ESTABLISHED] = 1, [TCP_CLOSE_WAIT] = 8,
		[TCP_FIN_WAIT_1] = 4, [TCP_CLOSING] = 11, [TCP_LAST_ACK] = 9,
		[TCP_FIN_WAIT_2] = 5, [TCP_TIME_WAIT] = 6,
	};
	struct tcp_conn_info ci;
	struct tcp_info ti;
	int err = sock_tcp_info(s, &ci);

	if (err)
		return err;
	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = (unsigned)ci.state < sizeof(linux_state) ? linux_state[ci.state] : 7;
	if (ci.snd_wnd)
		ti.tcpi_retransmits = ci.unacked ? ci.backoff : 0;
	else
		ti.tcpi_probes = ci.backoff;
	ti.tcpi_backoff = ci.backoff;
	ti.tcpi_options = (ci.ts_ok ? TCPI_OPT_TIMESTAMPS : 0) | (ci.sack_ok ? TCPI_OPT_SACK : 0) |
			  (ci.snd_wscale || ci.rcv_wscale ? TCPI_OPT_WSCALE : 0);
	ti.tcpi_snd_wscale = ci.snd_wscale & 15;
	ti.tcpi_rcv_wscale = ci.rcv_wscale & 15;
	ti.tcpi_rto = ci.rto_ms * 1000u;
	ti.tcpi_snd_mss = ci.mss;
	ti.tcpi_unacked = ci.unacked;
	ti.tcpi_rtt = ci.srtt_us;
	ti.tcpi_rttvar = ci.rttvar_us;
	ti.tcpi_snd_ssthresh = ci.ssthresh;
	ti.tcpi_snd_cwnd = ci.cwnd;
	ti.tcpi_rcv_space = ci.rcv_wnd;
	ti.tcpi_total_retrans = (uint32_t)ci.retransmits;
	ti.tcpi_bytes_acked = ci.bytes_sent;
	ti.tcpi_bytes_received = ci.bytes_received;
	ti.tcpi_segs_out = (uint32_t)ci.segs_out;
	ti.tcpi_segs_in = (uint32_t)ci.segs_in;
	ti.tcpi_notsent_bytes = ci.sndq > ci.unacked ? ci.sndq - ci.unacked : 0;
	ti.tcpi_snd_wnd = ci.snd_wnd;
	if (*len > sizeof(ti))
		*len = sizeof(ti);
	memcpy(val, &ti, *len);
	return 0;
}

int getsockopt(int fd, int level, int optname, void *val, socklen_t *len)
{
	struct file *f;
	struct sock *s;
	enum sock_opt o;
	int err = 0, v = 0;

	if (!val || !len)
		return (int)ret(-EFAULT);
	s = get(fd, &f);
	if (!s)
		return -1;
	if (level == SOL_SOCKET && (optname == SO_RCVTIMEO || optname == SO_SNDTIMEO)) {
		uint64_t ns = sock_get_timeout(s, optname == SO_SNDTIMEO);
		struct timeval tv = { (time_t)(ns / 1000000000u),
				      (suseconds_t)(ns % 1000000000u / 1000u) };

		if (*len < sizeof(tv)) {
			err = -EINVAL;
		} else {
			memcpy(val, &tv, sizeof(tv));
			*len = sizeof(tv);
		}
		file_put(f);
		return (int)ret(err);
	}
	if (level == IPPROTO_TCP && optname == TCP_INFO) {
		err = tcp_info_get(s, val, len);
		file_put(f);
		return (int)ret(err);
	}
	if (level == SOL_SOCKET && optname == SO_LINGER) {
		struct linger l = { 0, 0 };

		sock_getopt(s, SOCK_OPT_LINGER, &v);
		if (v >= 0)
			l = (struct linger){ 1, v };
		if (*len < sizeof(l)) {
			err = -EINVAL;
		} else {
			memcpy(val, &l, sizeof(l));
			*len = sizeof(l);
		}
		file_put(f);
		return (int)ret(err);
	}
	if (*len < sizeof(int)) {
		err = -EINVAL;
	} else if (level == SOL_SOCKET && optname == SO_ERROR) {
		v = -sock_error(s);
	} else if (level == SOL_SOCKET && optname == SO_DOMAIN) {
		v = AF_INET;
	} else if (level == SOL_SOCKET && optname == SO_PROTOCOL) {
		v = sock_type(s) == SOCK_T_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	} else if (opt_ignored(level, optname)) {
		v = 0;
	} else {
		err = opt_of(level, optname, &o);
		if (!err)
			err = sock_getopt(s, o, &v);
	}
	file_put(f);
	if (!err) {
		memcpy(val, &v, sizeof(v));
		*len = sizeof(v);
	}
	return (int)ret(err);
}

/*
 * kernel/ioth.c: libioth's API (include/ioth.h) over the kernel's network
 * stacks (kernel/netns.h) and the socket layer (sock/).
 *
 * An ioth stack is a netns (its own net/ stack, lock and network thread,
 * over the NICs the VNLs name) plus a struct sock_net, so sockets made by
 * ioth_msocket live in that stack and nowhere else; their descriptors are
 * the socket layer's, so every ioth_X call is the POSIX X. The default
 * ioth stack wraps the kernel's own (netns 0, sock_net_default()).
 *
 * Interface names: netns moves a NIC under its boot name (ethN); libioth
 * programs look for "vde0", "vde1", ... in VNL order, so each NIC an ioth
 * stack takes is renamed inside that stack (netif_rename). netns gives it
 * back to the default stack under its boot name.
 *
 * ioth_newstack_opt (a skiff extension) is the setup apps/echo and
 * apps/client share, built from the calls above: it reads the app's
 * options and reports on the console, as those apps did themselves.
 *
 * Promises: every call returns what libioth's returns, -1 (or NULL) with
 * errno on failure; configuration errors are Linux's (EEXIST, ENODEV,
 * EADDRNOTAVAIL for an address not there, ESRCH for a route not there,
 * EAFNOSUPPORT for IPv6). Stacks are created and deleted under one mutex
 * (ioth_mutex), so a VNL cannot go to two stacks at once.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ioth.h>

#include "include/skiff.h"
#include "kernel/netns.h"
#include "kernel/spinlock.h"
#include "mm/heap.h"
#include "net/dhcp.h"
#include "net/netif.h"
#include "net/tcp.h"
#include "sock/fd.h"
#include "sock/sock.h"
#include "sock/sock_file.h"

#define IOTH_DHCP_POLL_NS 10000000ull	/* 10 ms between looks at the lease */

struct ioth {
	struct netns *nn;		/* the kernel's stack */
	struct sock_net *sn;		/* sockets on it: &own, or the default's */
	struct sock_net own;		/* for stacks made by ioth_newstack* */
	bool is_default;
	struct ioth_nic {
		char boot[NETIF_NAMESIZ];	/* its kernel name, "" for a free slot */
		int ifindex;			/* in this stack, once there */
	} nics[NETIF_MAX];		/* VNL order, then iplink_add's; under ioth_live_lock */
};

static struct ioth ioth_kernel = { .is_default = true };
/*
 * The stacks made here, so that a NIC one of them has is refused to
 * another (netns would move it from one to the other). Slots are taken
 * before netns_create and given back on failure or delete.
 */
static struct ioth *ioth_live[NETNS_MAX];
static struct spinlock ioth_live_lock = SPINLOCK_INIT("ioth");
static struct ioth *ioth_def;			/* ioth_set_defstack's choice */
static unsigned ioth_next_cpu;			/* network threads of new stacks, round robin */

/* -err into errno; returns -1 (for int results) when err < 0. */
static int ioth_ret(int err)
{
	if (err < 0) {
		errno = -err;
		return -1;
	}
	return err;
}

static struct ioth *ioth_kernel_stack(void)
{
	/* Set up on first use: the kernel's stack exists before any app runs. */
	if (!ioth_kernel.nn) {
		ioth_kernel.sn = sock_net_default();
		ioth_kernel.nn = netns_default();
	}
	return ioth_kernel.nn && ioth_kernel.sn ? &ioth_kernel : NULL;
}

/* The stack a NULL argument means: the default one. */
static struct ioth *ioth_or_default(struct ioth *io)
{
	return io ? io : ioth_get_defstack();
}

void ioth_set_license(const char *license)
{
	(void)license;	/* no plug-ins to check it against */
}

static void ioth_lock_fn(void *ctx)
{
	netns_lock(ctx);
}

static void ioth_unlock_fn(void *ctx)
{
	netns_unlock(ctx);
}

/* Does a stack of the registry other than io hold a NIC named boot? ioth_live_lock held. */
static bool ioth_nic_elsewhere(const struct ioth *io, const char *boot)
{
	for (int i = 0; i < NETNS_MAX; i++) {
		const struct ioth *o = ioth_live[i];
		for (int k = 0; o && o != io && k < NETIF_MAX; k++)
			if (o->nics[k].boot[0] && strcmp(o->nics[k].boot, boot) == 0)
				return true;
	}
	return false;
}

/* Takes a registry slot for io unless another stack has one of its NICs: 0, -EBUSY, -ENOSPC. */
static int ioth_claim(struct ioth *io)
{
	int slot = -1;
	bool busy = false;
	uint64_t f = spin_lock_irqsave(&ioth_live_lock);
	for (int i = 0; i < NETNS_MAX && slot < 0; i++)
		if (!ioth_live[i])
			slot = i;
	for (int j = 0; j < NETIF_MAX; j++)
		busy |= io->nics[j].boot[0] && ioth_nic_elsewhere(io, io->nics[j].boot);
	if (!busy && slot >= 0)
		ioth_live[slot] = io;
	spin_unlock_irqrestore(&ioth_live_lock, f);
	return busy ? -EBUSY : slot < 0 ? -ENOSPC : 0;
}

static void ioth_release(struct ioth *io)
{
	uint64_t f = spin_lock_irqsave(&ioth_live_lock);
	for (int i = 0; i < NETNS_MAX; i++)
		if (ioth_live[i] == io)
			ioth_live[i] = NULL;
	spin_unlock_irqrestore(&ioth_live_lock, f);
}

struct ioth *ioth_newstackv(const char *stack, const char *vnlv[])
{
	unsigned n = 0;
	int err;

	if (!stack || !*stack) {
		errno = EINVAL;
		return NULL;
	}
	while (vnlv && vnlv[n])
		n++;
	/* Loopback takes one interface slot of the stack. */
	if (n > NETIF_MAX - 1) {
		errno = EINVAL;
		return NULL;
	}
	struct ioth *io = kzalloc(sizeof(*io));
	if (!io) {
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		if (strlen(vnlv[i]) >= NETIF_NAMESIZ) {
			kfree(io);
			errno = ENODEV;
			return NULL;
		}
		strlcpy(io->nics[i].boot, vnlv[i], NETIF_NAMESIZ);
	}
	err = ioth_claim(io);
	if (err) {
		kfree(io);
		errno = -err;
		return NULL;
	}
	unsigned cpu = __atomic_fetch_add(&ioth_next_cpu, 1, __ATOMIC_RELAXED) % skiff_cpu_count();
	err = netns_create(vnlv, n, cpu, &io->nn);
	if (err) {
		ioth_release(io);
		kfree(io);
		errno = -err;
		return NULL;
	}
	/* libioth's vdestack names its interfaces vde0, vde1, ... in VNL order. */
	for (unsigned i = 0; i < n; i++) {
		char vde[NETIF_NAMESIZ];
		snprintf(vde, sizeof(vde), "vde%u", i);
		int idx = netns_if_nametoindex(io->nn, io->nics[i].boot);
		err = idx < 0 ? idx : netif_rename(netns_stack(io->nn), idx, vde);
		io->nics[i].ifindex = idx;
		if (err) {
			netns_delete(io->nn);
			ioth_release(io);
			kfree(io);
			errno = -err;
			return NULL;
		}
	}
	sock_net_init(&io->own, netns_stack(io->nn), ioth_lock_fn, ioth_unlock_fn, io->nn);
	io->sn = &io->own;
	return io;
}

struct ioth *ioth_newstack(const char *stack, const char *vnl)
{
	const char *vnlv[] = { vnl, NULL };
	return ioth_newstackv(stack, vnlv);
}

struct ioth *ioth_newstackl(const char *stack, const char *vnl, ...)
{
	const char *vnlv[NETIF_MAX + 1];
	unsigned n = 0;
	va_list ap;

	va_start(ap, vnl);
	for (const char *v = vnl; v; v = va_arg(ap, const char *)) {
		if (n == NETIF_MAX) {
			va_end(ap);
			errno = EINVAL;
			return NULL;
		}
		vnlv[n++] = v;
	}
	va_end(ap);
	vnlv[n] = NULL;
	return ioth_newstackv(stack, vnlv);
}

int ioth_delstack(struct ioth *io)
{
	if (!io)
		return ioth_ret(-EINVAL);
	if (io->is_default)
		return ioth_ret(-EPERM);
	if (sock_net_open_count(io->sn) > 0)
		return ioth_ret(-EBUSY);
	if (ioth_def == io)
		ioth_def = NULL;
	int err = netns_delete(io->nn);
	if (err)
		return ioth_ret(err);
	ioth_release(io);
	kfree(io);
	return 0;
}

void ioth_set_defstack(struct ioth *io)
{
	__atomic_store_n(&ioth_def, io, __ATOMIC_RELEASE);
}

struct ioth *ioth_get_defstack(void)
{
	struct ioth *io = __atomic_load_n(&ioth_def, __ATOMIC_ACQUIRE);
	return io ? io : ioth_kernel_stack();
}

int ioth_msocket(struct ioth *io, int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct sock *s;

	io = ioth_or_default(io);
	if (!io)
		return ioth_ret(-ENETDOWN);
	if (domain != AF_INET)
		return ioth_ret(-EAFNOSUPPORT);
	if (base != SOCK_STREAM && base != SOCK_DGRAM)
		return ioth_ret(-ESOCKTNOSUPPORT);
	if ((base == SOCK_STREAM && protocol != 0 && protocol != IPPROTO_TCP) ||
	    (base == SOCK_DGRAM && protocol != 0 && protocol != IPPROTO_UDP))
		return ioth_ret(-EPROTONOSUPPORT);
	if (fd_count() >= FD_MAX)
		return ioth_ret(-EMFILE);
	int err = sock_create(io->sn, (enum sock_type)base, &s);
	if (err)
		return ioth_ret(err);
	return ioth_ret(sock_fd_open(s, (type & SOCK_NONBLOCK) ? FILE_NONBLOCK : 0));
}

int ioth_socket(int domain, int type, int protocol)
{
	return ioth_msocket(NULL, domain, type, protocol);
}

/* ---- the Berkeley calls: descriptors are the POSIX face's */

int ioth_close(int fd) { return close(fd); }
int ioth_bind(int fd, const struct sockaddr *a, socklen_t l) { return bind(fd, a, l); }
int ioth_connect(int fd, const struct sockaddr *a, socklen_t l) { return connect(fd, a, l); }
int ioth_listen(int fd, int backlog) { return listen(fd, backlog); }
int ioth_accept(int fd, struct sockaddr *a, socklen_t *l) { return accept(fd, a, l); }
int ioth_getsockname(int fd, struct sockaddr *a, socklen_t *l) { return getsockname(fd, a, l); }
int ioth_getpeername(int fd, struct sockaddr *a, socklen_t *l) { return getpeername(fd, a, l); }
ssize_t ioth_read(int fd, void *buf, size_t len) { return read(fd, buf, len); }
ssize_t ioth_readv(int fd, const struct iovec *iov, int n) { return readv(fd, iov, n); }
ssize_t ioth_recv(int fd, void *buf, size_t len, int flags) { return recv(fd, buf, len, flags); }
ssize_t ioth_recvmsg(int fd, struct msghdr *msg, int flags) { return recvmsg(fd, msg, flags); }
ssize_t ioth_write(int fd, const void *buf, size_t len) { return write(fd, buf, len); }
ssize_t ioth_writev(int fd, const struct iovec *iov, int n) { return writev(fd, iov, n); }
ssize_t ioth_send(int fd, const void *buf, size_t len, int flags) { return send(fd, buf, len, flags); }
ssize_t ioth_sendmsg(int fd, const struct msghdr *msg, int flags) { return sendmsg(fd, msg, flags); }
int ioth_shutdown(int fd, int how) { return shutdown(fd, how); }
int ioth_ioctl(int fd, unsigned long cmd, void *argp) { return ioctl(fd, cmd, argp); }
int ioth_fcntl(int fd, int cmd, long val) { return fcntl(fd, cmd, val); }

ssize_t ioth_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	return recvfrom(fd, buf, len, flags, from, fromlen);
}

ssize_t ioth_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	return sendto(fd, buf, len, flags, to, tolen);
}

int ioth_setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	return setsockopt(fd, level, optname, optval, optlen);
}

int ioth_getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	return getsockopt(fd, level, optname, optval, optlen);
}

/* ---- configuration, nlinline's calls with the stack first */

/* 4 network-order bytes into a host-order address. */
static uint32_t ioth_addr(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

/* 0 for AF_INET, else the errno libioth's kernel stack would give. */
static int ioth_family(int family)
{
	if (family == AF_INET)
		return 0;
	return family == AF_INET6 ? -EAFNOSUPPORT : -EINVAL;
}

int ioth_if_nametoindex(struct ioth *io, const char *ifname)
{
	io = ioth_or_default(io);
	if (!io || !ifname)
		return ioth_ret(-EINVAL);
	return ioth_ret(netns_if_nametoindex(io->nn, ifname));
}

int ioth_linksetupdown(struct ioth *io, unsigned int ifindex, int updown)
{
	io = ioth_or_default(io);
	if (!io)
		return ioth_ret(-EINVAL);
	if (ifindex == 0 || ifindex > INT32_MAX)
		return ioth_ret(-ENODEV);
	return ioth_ret(netns_link_set(io->nn, (int)ifindex, updown != 0));
}

static int ioth_ipaddr(struct ioth *io, int family, void *addr, int prefixlen, int ifindex, bool add)
{
	io = ioth_or_default(io);
	int err = ioth_family(family);
	if (err)
		return ioth_ret(err);
	if (!io || !addr || prefixlen < 0 || prefixlen > 32)
		return ioth_ret(-EINVAL);
	if (ifindex <= 0)
		return ioth_ret(-ENODEV);
	uint32_t a = ioth_addr(addr);
	if (add)
		return ioth_ret(netns_addr_add(io->nn, ifindex, a, (unsigned)prefixlen));
	err = netns_addr_del(io->nn, ifindex, a, (unsigned)prefixlen);
	/* Linux's answer for an address the interface does not have. */
	return ioth_ret(err == -ENOENT ? -EADDRNOTAVAIL : err);
}

int ioth_ipaddr_add(struct ioth *io, int family, void *addr, int prefixlen, int ifindex)
{
	return ioth_ipaddr(io, family, addr, prefixlen, ifindex, true);
}

int ioth_ipaddr_del(struct ioth *io, int family, void *addr, int prefixlen, int ifindex)
{
	return ioth_ipaddr(io, family, addr, prefixlen, ifindex, false);
}

static int ioth_iproute(struct ioth *io, int family, void *dst, int dstlen, void *gw, int ifindex, bool add)
{
	io = ioth_or_default(io);
	int err = ioth_family(family);
	if (err)
		return ioth_ret(err);
	if (!io || ifindex < 0 || (dst && (dstlen < 0 || dstlen > 32)))
		return ioth_ret(-EINVAL);
	/* nlinline: a NULL destination is the default route. */
	uint32_t d = dst ? ioth_addr(dst) : 0;
	unsigned plen = dst ? (unsigned)dstlen : 0;
	uint32_t g = gw ? ioth_addr(gw) : 0;
	if (add)
		return ioth_ret(netns_route_add(io->nn, d, plen, g, ifindex));
	return ioth_ret(netns_route_del(io->nn, d, plen, g, ifindex));
}

int ioth_iproute_add(struct ioth *io, int family, void *dst_addr, int dst_prefixlen, void *gw_addr, int ifindex)
{
	return ioth_iproute(io, family, dst_addr, dst_prefixlen, gw_addr, ifindex, true);
}

int ioth_iproute_del(struct ioth *io, int family, void *dst_addr, int dst_prefixlen, void *gw_addr, int ifindex)
{
	return ioth_iproute(io, family, dst_addr, dst_prefixlen, gw_addr, ifindex, false);
}

/* Sets or clears (boot NULL) the NIC record for slot; ioth_live_lock taken here. */
static void ioth_nic_set(struct ioth *io, int slot, const char *boot, int ifindex)
{
	uint64_t f = spin_lock_irqsave(&ioth_live_lock);
	if (boot)
		strlcpy(io->nics[slot].boot, boot, NETIF_NAMESIZ);
	else
		io->nics[slot].boot[0] = '\0';
	io->nics[slot].ifindex = ifindex;
	spin_unlock_irqrestore(&ioth_live_lock, f);
}

/* A free NIC slot of io, reserved for boot unless another stack has it: the slot, -EBUSY, -ENOSPC. */
static int ioth_nic_reserve(struct ioth *io, const char *boot)
{
	int slot = -ENOSPC;
	uint64_t f = spin_lock_irqsave(&ioth_live_lock);
	if (ioth_nic_elsewhere(io, boot)) {
		slot = -EBUSY;
	} else {
		for (int i = 0; i < NETIF_MAX && slot < 0; i++)
			if (!io->nics[i].boot[0])
				slot = i;
		if (slot >= 0) {
			strlcpy(io->nics[slot].boot, boot, NETIF_NAMESIZ);
			io->nics[slot].ifindex = 0;
		}
	}
	spin_unlock_irqrestore(&ioth_live_lock, f);
	return slot;
}

/*
 * ip link add NAME type vde|eth DATA: here the link is a NIC (DATA names it
 * as the kernel does, "eth1") moved into the stack as NAME, or the first
 * free vdeN when NAME is NULL. Returns its index.
 */
int ioth_iplink_add(struct ioth *io, const char *ifname, unsigned int ifindex, const char *type, const char *data)
{
	char name[NETIF_NAMESIZ];

	io = ioth_or_default(io);
	if (!io || !type)
		return ioth_ret(-EINVAL);
	if (strcmp(type, "vde") != 0 && strcmp(type, "eth") != 0)
		return ioth_ret(-EOPNOTSUPP);	/* no bridges, vlans, tunnels */
	if (!data || !*data)
		return ioth_ret(-EINVAL);
	if (io->is_default)
		return ioth_ret(-EOPNOTSUPP);	/* NICs come back with iplink_del / delstack */
	if (ifindex != 0 && ifindex != (unsigned int)-1)
		return ioth_ret(-EINVAL);	/* the stack picks indices */
	if (ifname) {
		if (!*ifname || strlen(ifname) >= NETIF_NAMESIZ)
			return ioth_ret(-EINVAL);
		strlcpy(name, ifname, sizeof(name));
	} else {
		for (unsigned i = 0;; i++) {
			snprintf(name, sizeof(name), "vde%u", i);
			if (netns_if_nametoindex(io->nn, name) < 0)
				break;
		}
	}
	if (netns_if_nametoindex(io->nn, name) > 0)
		return ioth_ret(-EEXIST);
	int slot = ioth_nic_reserve(io, data);
	if (slot < 0)
		return ioth_ret(slot);
	int err = netns_move(io->nn, data);
	if (err) {
		ioth_nic_set(io, slot, NULL, 0);
		return ioth_ret(err);
	}
	int idx = netns_if_nametoindex(io->nn, data);
	err = idx < 0 ? idx : netif_rename(netns_stack(io->nn), idx, name);
	if (err) {
		netns_move(netns_default(), data);
		ioth_nic_set(io, slot, NULL, 0);
		return ioth_ret(err);
	}
	ioth_nic_set(io, slot, data, idx);
	return idx;
}

/* ip link del: the NIC (by name, or by index when ifname is NULL) goes back to the kernel's stack. */
int ioth_iplink_del(struct ioth *io, const char *ifname, unsigned int ifindex)
{
	io = ioth_or_default(io);
	if (!io)
		return ioth_ret(-EINVAL);
	if (io->is_default)
		return ioth_ret(-EOPNOTSUPP);
	int idx = ifname ? netns_if_nametoindex(io->nn, ifname) : ifindex <= INT32_MAX ? (int)ifindex : -ENODEV;
	if (idx <= 0)
		return ioth_ret(-ENODEV);
	int slot = -1;
	for (int i = 0; i < NETIF_MAX && slot < 0; i++)
		if (io->nics[i].boot[0] && io->nics[i].ifindex == idx)
			slot = i;
	if (slot < 0)	/* the loopback, or no interface at that index */
		return ioth_ret(netns_if_nametoindex(io->nn, "lo") == idx ? -EOPNOTSUPP : -ENODEV);
	int err = netns_move(netns_default(), io->nics[slot].boot);
	if (err)
		return ioth_ret(err);
	ioth_nic_set(io, slot, NULL, 0);
	return 0;
}

int ioth_linkgetaddr(struct ioth *io, unsigned int ifindex, void *macaddr)
{
	io = ioth_or_default(io);
	if (!io || !macaddr)
		return ioth_ret(-EINVAL);
	int err = -ENODEV;
	netns_lock(io->nn);
	struct netif *nif = ifindex <= INT32_MAX ? netif_get(netns_stack(io->nn), (int)ifindex) : NULL;
	if (nif) {
		netif_mac(nif, macaddr);
		err = 0;
	}
	netns_unlock(io->nn);
	return ioth_ret(err);
}

int ioth_linksetaddr(struct ioth *io, unsigned int ifindex, void *macaddr)
{
	(void)io;
	(void)ifindex;
	(void)macaddr;
	return ioth_ret(-EOPNOTSUPP);	/* the NIC's own address, fixed */
}

int ioth_linksetmtu(struct ioth *io, unsigned int ifindex, unsigned int mtu)
{
	(void)io;
	(void)ifindex;
	(void)mtu;
	return ioth_ret(-EOPNOTSUPP);	/* 1500, fixed (net/: no jumbo frames) */
}

/* ---- skiff extensions */

int ioth_dhcp(struct ioth *io, unsigned int ifindex, int timeout_ms, void *addr)
{
	io = ioth_or_default(io);
	if (!io)
		return ioth_ret(-EINVAL);
	if (ifindex == 0 || ifindex > INT32_MAX)
		return ioth_ret(-ENODEV);
	struct netstack *ns = netns_stack(io->nn);
	int err = dhcp_start(ns, (int)ifindex);
	if (err)
		return ioth_ret(err);
	uint64_t until = timeout_ms < 0 ? UINT64_MAX : skiff_time_ns() + (uint64_t)timeout_ms * 1000000ull;
	for (;;) {
		struct dhcp_info di;
		if (dhcp_info_get(ns, (int)ifindex, &di) == 0 && di.state == DHCP_BOUND && di.addr) {
			if (addr) {
				uint8_t *b = addr;
				b[0] = (uint8_t)(di.addr >> 24);
				b[1] = (uint8_t)(di.addr >> 16);
				b[2] = (uint8_t)(di.addr >> 8);
				b[3] = (uint8_t)di.addr;
			}
			return 0;
		}
		if (skiff_time_ns() >= until)
			return ioth_ret(-ETIMEDOUT);
		thread_sleep(IOTH_DHCP_POLL_NS);
	}
}

int ioth_stack_stats(struct ioth *io, struct ioth_stats *out)
{
	io = ioth_or_default(io);
	if (!io || !out)
		return ioth_ret(-EINVAL);
	struct netstack *ns = netns_stack(io->nn);
	/* A pass first: transmit buffers an idle NIC finished with come back. */
	netns_sync(io->nn);
	out->sockets = sock_net_open_count(io->sn);
	out->tcp_pcbs = tcp_pcb_count(ns);
	out->pkt_in_use = net_pkt_in_use(ns);
	return 0;
}

/* "OPT: what: why", perror's form: where ioth_newstack_opt's caller would have said it. */
static void ioth_opt_perror(const char *opt, const char *what)
{
	fprintf(stderr, "%s: %s: %s\n", opt, what, strerror(errno));
}

/* "A.B.C.D/N" into 4 network-order bytes and a prefix (24 without "/N"); 0 or -1. */
static int ioth_parse_cidr(const char *s, uint8_t addr[4], int *prefix)
{
	char ip[16];
	const char *slash = strchr(s, '/');
	size_t len = slash ? (size_t)(slash - s) : strlen(s);
	if (len >= sizeof(ip))
		return -1;
	memcpy(ip, s, len);
	ip[len] = '\0';
	if (inet_pton(AF_INET, ip, addr) != 1)
		return -1;
	*prefix = 24;
	if (slash) {
		char *end;
		long p = strtol(slash + 1, &end, 10);
		if (*end || end == slash + 1 || p < 0 || p > 32)
			return -1;
		*prefix = (int)p;
	}
	return 0;
}

struct ioth *ioth_newstack_opt(const char *opt, const char *nic, int dhcp_timeout_ms, void *addr)
{
	const char *vnlv[] = { nic, NULL };
	char key[48];
	uint8_t a[4] = { 0 };

	struct ioth *s = ioth_newstackv("skiff", vnlv);
	if (!s) {
		ioth_opt_perror(opt, "ioth_newstackv");
		return NULL;
	}
	int ifindex = ioth_if_nametoindex(s, "vde0");
	if (ifindex < 0) {
		ioth_opt_perror(opt, "nametoindex vde0");
		return NULL;
	}
	if (ioth_linksetupdown(s, (unsigned)ifindex, 1) < 0)
		ioth_opt_perror(opt, "link up");
	snprintf(key, sizeof(key), "%s.ip", opt);
	const char *ip = skiff_opt(key);
	if (!ip) {
		if (ioth_dhcp(s, (unsigned)ifindex, dhcp_timeout_ms, a) < 0) {
			ioth_opt_perror(opt, "dhcp");
			return NULL;
		}
	} else {
		int prefix;
		if (ioth_parse_cidr(ip, a, &prefix) < 0) {
			printf("%s: bad %s '%s' (want A.B.C.D/N)\n", opt, key, ip);
			return NULL;
		}
		if (ioth_ipaddr_add(s, AF_INET, a, prefix, ifindex) < 0)
			ioth_opt_perror(opt, "addr add");
		snprintf(key, sizeof(key), "%s.gw", opt);
		const char *gw = skiff_opt(key);
		uint8_t gwaddr[4];
		if (gw && inet_pton(AF_INET, gw, gwaddr) == 1) {
			if (ioth_iproute_add(s, AF_INET, NULL, 0, gwaddr, 0) < 0)
				ioth_opt_perror(opt, "route add");
		} else if (gw) {
			printf("%s: bad %s '%s'\n", opt, key, gw);
		}
	}
	if (addr)
		memcpy(addr, a, sizeof(a));
	return s;
}

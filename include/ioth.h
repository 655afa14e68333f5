/*
 * include/ioth.h: libioth's API (the Internet of Threads) over skiff's
 * network stacks: several independent IPv4 stacks in one guest, chosen per
 * socket, configured with netlink-style calls. Same names and signatures as
 * libioth's ioth.h and nlinline's NLINLINE_LIBMULTI(ioth_) functions, so a
 * program written for libioth compiles unchanged (apart from how main()
 * gets its arguments: a unikernel has options, not argv).
 *
 * Stacks. ioth_newstack(type, vnl), ioth_newstackl(type, vnl, ..., NULL)
 * and ioth_newstackv(type, vnlv) create a stack of its own: its own
 * interfaces, addresses, routes, ARP cache, ports and connections, as
 * isolated from every other stack as two Linux network namespaces (a
 * socket of one never sees the other's traffic).
 *   - type: libioth loads a plug-in of that name ("vdestack", "picox",
 *     "kernel"); skiff has one stack implementation, so any non-empty type
 *     is accepted and gives the same kind of stack. NULL or "" is EINVAL.
 *   - VNL: libioth's Virtual Network Locator names a VDE network; here it
 *     names a NIC as the kernel named it at boot ("eth0", "eth1", ...).
 *     The NIC leaves the default stack (its addresses, routes and DHCP go
 *     with it) and becomes the new stack's interface "vde0" for the first
 *     VNL, "vde1" for the second, and so on, as in libioth's vdestack, so
 *     ioth_if_nametoindex(stack, "vde0") finds it. A NIC belongs to one
 *     stack at a time: EBUSY if another ioth stack has it, ENODEV if there
 *     is no such NIC. vnl NULL (or an empty vector): a stack with only its
 *     loopback "lo".
 *   - New interfaces start down and unaddressed: bring them up and address
 *     them with the calls below (or ioth_dhcp, a skiff extension).
 *   - ioth_delstack fails with EBUSY while any socket of the stack is open;
 *     otherwise its NICs go back to the default stack under their boot
 *     names (ethN), unconfigured, and the stack is freed.
 *
 * The default stack is the kernel's own (ip=, ethN.ip= options, DHCP):
 * ioth_get_defstack() returns it unless ioth_set_defstack() chose another;
 * ioth_socket() and ioth_msocket(NULL, ...) use it. It cannot be deleted.
 *
 * Sockets. ioth_msocket(stack, domain, type, protocol) is socket(2) on a
 * chosen stack. Its descriptors are ordinary skiff descriptors: every
 * ioth_X call below is the POSIX X (same arguments, same errors, -1 and
 * errno), and poll(), read(), write() and close() take them too, mixed with
 * the console's. Only AF_INET with SOCK_STREAM (TCP) or SOCK_DGRAM (UDP).
 *
 * Configuration (nlinline's functions with the stack first). They return
 * 0 (nametoindex: the index) or -1 with errno, like libioth:
 *   ioth_if_nametoindex(stack, name)       ENODEV when no such interface
 *   ioth_linksetupdown(stack, ifindex, up)  ENODEV
 *   ioth_ipaddr_add/del(stack, AF_INET, addr, prefixlen, ifindex)
 *       addr: 4 bytes in network order; EEXIST, EADDRNOTAVAIL (del of an
 *       address not there), EINVAL, ENODEV; AF_INET6: EAFNOSUPPORT
 *   ioth_iproute_add/del(stack, AF_INET, dst, dstlen, gw, ifindex)
 *       dst NULL: the default route; gw NULL: on-link through ifindex;
 *       ifindex 0: the interface whose subnet holds gw; EEXIST, ESRCH
 *       (del of a route not there), ENETUNREACH (gw on no subnet)
 *   ioth_iplink_add(stack, ifname, ifindex, type, data)
 *       type "vde" or "eth" with data naming a NIC ("eth1"): moves that
 *       NIC into the stack as ifname (NULL: the first free vdeN); ifindex
 *       must be 0 or -1 (the stack picks); returns the new index. EBUSY if
 *       another ioth stack has the NIC, EEXIST if this one has it or the
 *       name; any other type: EOPNOTSUPP (skiff has no virtual links: no
 *       bridges, vlans, tunnels); on the default stack: EOPNOTSUPP (NICs
 *       come back to it with iplink_del or delstack)
 *   ioth_iplink_del(stack, ifname, ifindex)
 *       gives a NIC back to the default stack (by name, or by index when
 *       ifname is NULL), down and unconfigured under its boot name; the
 *       loopback: EOPNOTSUPP
 *   ioth_linkgetaddr(stack, ifindex, mac)   the 6-byte MAC
 *   ioth_linksetaddr, ioth_linksetmtu       EOPNOTSUPP (fixed by the NIC)
 *
 * ioth_set_license() is accepted and ignored (libioth uses it to refuse
 * plug-ins of incompatible licences; skiff loads none).
 */
#ifndef SKIFF_IOTH_H
#define SKIFF_IOTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <fcntl.h>

struct ioth;

void ioth_set_license(const char *license);

struct ioth *ioth_newstack(const char *stack, const char *vnl);
struct ioth *ioth_newstackl(const char *stack, const char *vnl, ... /* (char *) NULL */);
struct ioth *ioth_newstackv(const char *stack, const char *vnlv[]);
int ioth_delstack(struct ioth *iothstack);

void ioth_set_defstack(struct ioth *iothstack);
struct ioth *ioth_get_defstack(void);

int ioth_msocket(struct ioth *iothstack, int domain, int type, int protocol);
int ioth_socket(int domain, int type, int protocol);
int ioth_close(int fd);

int ioth_bind(int fd, const struct sockaddr *addr, socklen_t addrlen);
int ioth_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);
int ioth_listen(int fd, int backlog);
int ioth_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);
int ioth_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);
int ioth_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen);
ssize_t ioth_read(int fd, void *buf, size_t len);
ssize_t ioth_readv(int fd, const struct iovec *iov, int iovcnt);
ssize_t ioth_recv(int fd, void *buf, size_t len, int flags);
ssize_t ioth_recvfrom(int fd, void *buf, size_t len, int flags,
		      struct sockaddr *from, socklen_t *fromlen);
ssize_t ioth_recvmsg(int fd, struct msghdr *msg, int flags);
ssize_t ioth_write(int fd, const void *buf, size_t len);
ssize_t ioth_writev(int fd, const struct iovec *iov, int iovcnt);
ssize_t ioth_send(int fd, const void *buf, size_t len, int flags);
ssize_t ioth_sendto(int fd, const void *buf, size_t len, int flags,
		    const struct sockaddr *to, socklen_t tolen);
ssize_t ioth_sendmsg(int fd, const struct msghdr *msg, int flags);
int ioth_setsockopt(int fd, int level, int optname, const void *optval,
		    socklen_t optlen);
int ioth_getsockopt(int fd, int level, int optname, void *optval,
		    socklen_t *optlen);
int ioth_shutdown(int fd, int how);
int ioth_ioctl(int fd, unsigned long cmd, void *argp);
int ioth_fcntl(int fd, int cmd, long val);

int ioth_if_nametoindex(struct ioth *stack, const char *ifname);
int ioth_linksetupdown(struct ioth *stack, unsigned int ifindex, int updown);
int ioth_ipaddr_add(struct ioth *stack, int family, void *addr, int prefixlen,
		    int ifindex);
int ioth_ipaddr_del(struct ioth *stack, int family, void *addr, int prefixlen,
		    int ifindex);
int ioth_iproute_add(struct ioth *stack, int family, void *dst_addr,
		     int dst_prefixlen, void *gw_addr, int ifindex);
int ioth_iproute_del(struct ioth *stack, int family, void *dst_addr,
		     int dst_prefixlen, void *gw_addr, int ifindex);
int ioth_iplink_add(struct ioth *stack, const char *ifname,
		    unsigned int ifindex, const char *type, const char *data);
int ioth_iplink_del(struct ioth *stack, const char *ifname,
		    unsigned int ifindex);
int ioth_linksetaddr(struct ioth *stack, unsigned int ifindex, void *macaddr);
int ioth_linkgetaddr(struct ioth *stack, unsigned int ifindex, void *macaddr);
int ioth_linksetmtu(struct ioth *stack, unsigned int ifindex,
		    unsigned int mtu);

/*
 * skiff extension (libioth has none: its stacks get addresses from a DHCP
 * client the program runs): start DHCP on the interface and wait up to
 * timeout_ms (< 0: for ever) for a lease. 0 and the address (4 bytes,
 * network order) in addr when addr is not NULL; -1 with ETIMEDOUT, ENODEV.
 * The lease is renewed for as long as the stack lives.
 */
int ioth_dhcp(struct ioth *stack, unsigned int ifindex, int timeout_ms,
	      void *addr);

/*
 * skiff extension: what the stack holds now, for statistics and leak checks
 * (each returns to its idle value once every connection is gone). It lets
 * the stack's network thread make one pass first (so transmit buffers an
 * idle NIC is done with are counted back), which may take a moment.
 */
struct ioth_stats {
	unsigned long sockets;		/* open sockets (ioth_delstack: EBUSY if > 0) */
	unsigned long tcp_pcbs;		/* TCP connections and listeners, any state */
	unsigned long pkt_in_use;	/* packet buffers allocated (RX rings included) */
};
int ioth_stack_stats(struct ioth *stack, struct ioth_stats *out);

/*
 * skiff extension, for apps that take their stack from boot options (a
 * libioth program builds it with the calls above; apps/echo and
 * apps/client take this one call): a new stack over the NIC nic
 * (ioth_newstackv("skiff", { nic, NULL })), its vde0 up and configured
 * from the options OPT.ip and OPT.gw, OPT being opt ("echo": echo.ip):
 *   OPT.ip=A.B.C.D/N  vde0's address (N: 24 when left out); without it, a
 *                     DHCP lease (ioth_dhcp, up to dhcp_timeout_ms)
 *   OPT.gw=A.B.C.D    the default route (with OPT.ip)
 * addr (4 bytes, network order; NULL: not wanted) gets vde0's address.
 * Trouble is reported on the console as the app would: "OPT: what: why"
 * (perror's form) or "OPT: bad OPT.ip '...'". A link, address or route
 * that cannot be set is reported and the stack returned as it is; no
 * stack, no vde0, a bad OPT.ip or no lease returns NULL.
 */
struct ioth *ioth_newstack_opt(const char *opt, const char *nic, int dhcp_timeout_ms, void *addr);

#endif

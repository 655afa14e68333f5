/*
 * apps/iothcheck: libioth's API (include/ioth.h, kernel/ioth.c) checked in
 * a guest, one line per check: "iothcheck: PASS name" or "iothcheck: FAIL
 * name: what happened"; then "iothcheck: N checks, M failed" and exit
 * status 0 only when none failed.
 *
 * What it covers: argument errors of every stack and configuration call
 * with libioth's errno; two loopback-only stacks isolated like two network
 * namespaces (the same port bound in both, a connection to a port that
 * only the other stack listens on refused, data kept apart); ioth_delstack
 * refusing a stack with open sockets (EBUSY); FIONREAD and FIONBIO; the
 * statistics; and, when the guest has a NIC named by iothcheck.nic
 * (default eth0), moving it into a stack as vde0 and back to the kernel's
 * stack on delete, and refusing it to a second stack while the first has
 * it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <skiff.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ioth.h>

SKIFF_OPTION(iothcheck_nic, "iothcheck.nic", "NIC to move between stacks (default eth0; 'none' to skip)");

static int checks, failed;

static void result(const char *name, bool ok, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void result(const char *name, bool ok, const char *fmt, ...)
{
	char detail[160] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	checks++;
	if (ok) {
		printf("iothcheck: PASS %s\n", name);
	} else {
		failed++;
		printf("iothcheck: FAIL %s: %s\n", name, detail);
	}
}

/* A call that must fail with -1 and errno want. */
static void expect_err(const char *name, int ret, int want)
{
	int e = errno;
	result(name, ret == -1 && e == want, "returned %d errno %d (%s), want -1 errno %d (%s)", ret, e, strerror(e),
	       want, strerror(want));
}

static void expect_ok(const char *name, int ret)
{
	int e = errno;
	result(name, ret >= 0, "returned %d errno %d (%s)", ret, e, strerror(e));
}

static struct sockaddr_in sin_of(uint32_t host_addr, uint16_t port)
{
	struct sockaddr_in sa;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(host_addr);
	return sa;
}

#define LOOPBACK 0x7f000001u

/* A TCP listener on 127.0.0.1:port in stack s; -1 on failure. */
static int listener(struct ioth *s, uint16_t port)
{
	int fd = ioth_msocket(s, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = sin_of(LOOPBACK, port);
	if (fd < 0)
		return -1;
	if (ioth_bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || ioth_listen(fd, 4) < 0) {
		ioth_close(fd);
		return -1;
	}
	return fd;
}

static void check_arguments(void)
{
	const char *none[] = { NULL };
	errno = 0;
	result("newstack_null_type_einval", ioth_newstack(NULL, NULL) == NULL && errno == EINVAL, "errno %d", errno);
	errno = 0;
	result("newstack_empty_type_einval", ioth_newstackv("", none) == NULL && errno == EINVAL, "errno %d", errno);
	errno = 0;
	result("newstack_unknown_nic_enodev", ioth_newstack("vdestack", "eth9") == NULL && errno == ENODEV,
	       "errno %d", errno);
	struct ioth *def = ioth_get_defstack();
	result("defstack_exists", def != NULL, "NULL");
	expect_err("delstack_default_eperm", ioth_delstack(def), EPERM);
	expect_err("delstack_null_einval", ioth_delstack(NULL), EINVAL);
	expect_err("msocket_inet6_eafnosupport", ioth_msocket(def, AF_INET6, SOCK_STREAM, 0), EAFNOSUPPORT);
	expect_err("msocket_raw_esocktnosupport", ioth_msocket(def, AF_INET, SOCK_RAW, 0), ESOCKTNOSUPPORT);
	expect_err("msocket_stream_udp_eprotonosupport", ioth_msocket(def, AF_INET, SOCK_STREAM, IPPROTO_UDP),
		   EPROTONOSUPPORT);
}

static void check_config(void)
{
	struct ioth *s = ioth_newstack("picox", NULL);
	result("newstack_no_vnl", s != NULL, "errno %d (%s)", errno, strerror(errno));
	if (!s)
		return;
	int lo = ioth_if_nametoindex(s, "lo");
	result("nametoindex_lo", lo > 0, "returned %d", lo);
	expect_err("nametoindex_vde0_absent_enodev", ioth_if_nametoindex(s, "vde0"), ENODEV);
	expect_err("linksetupdown_bad_index_enodev", ioth_linksetupdown(s, 99, 1), ENODEV);
	expect_ok("linksetupdown_lo", ioth_linksetupdown(s, (unsigned)lo, 1));

	uint8_t a[4] = { 10, 9, 9, 9 }, gw[4] = { 10, 9, 9, 1 }, net[4] = { 10, 8, 0, 0 };
	expect_err("iproute_add_gw_on_no_subnet_enetunreach", ioth_iproute_add(s, AF_INET, NULL, 0, gw, 0),
		   ENETUNREACH);
	expect_ok("ipaddr_add", ioth_ipaddr_add(s, AF_INET, a, 24, lo));
	expect_err("ipaddr_add_again_eexist", ioth_ipaddr_add(s, AF_INET, a, 24, lo), EEXIST);
	expect_err("ipaddr_add_inet6_eafnosupport", ioth_ipaddr_add(s, AF_INET6, a, 64, lo), EAFNOSUPPORT);
	expect_err("ipaddr_add_bad_index_enodev", ioth_ipaddr_add(s, AF_INET, a, 24, 99), ENODEV);
	expect_err("ipaddr_add_prefix_33_einval", ioth_ipaddr_add(s, AF_INET, a, 33, lo), EINVAL);
	expect_ok("iproute_add_default", ioth_iproute_add(s, AF_INET, NULL, 0, gw, 0));
	expect_err("iproute_add_default_again_eexist", ioth_iproute_add(s, AF_INET, NULL, 0, gw, 0), EEXIST);
	expect_ok("iproute_add_net_via_gw", ioth_iproute_add(s, AF_INET, net, 16, gw, lo));
	expect_ok("iproute_del_net", ioth_iproute_del(s, AF_INET, net, 16, gw, lo));
	expect_ok("iproute_del_default", ioth_iproute_del(s, AF_INET, NULL, 0, gw, 0));
	expect_err("iproute_del_default_again_esrch", ioth_iproute_del(s, AF_INET, NULL, 0, gw, 0), ESRCH);
	expect_ok("ipaddr_del", ioth_ipaddr_del(s, AF_INET, a, 24, lo));
	expect_err("ipaddr_del_again_eaddrnotavail", ioth_ipaddr_del(s, AF_INET, a, 24, lo), EADDRNOTAVAIL);
	expect_err("iplink_add_bridge_eopnotsupp", ioth_iplink_add(s, "br0", -1, "bridge", NULL), EOPNOTSUPP);
	expect_err("linksetmtu_eopnotsupp", ioth_linksetmtu(s, (unsigned)lo, 9000), EOPNOTSUPP);
	uint8_t mac[6] = { 1, 1, 1, 1, 1, 1 };
	expect_ok("linkgetaddr_lo", ioth_linkgetaddr(s, (unsigned)lo, mac));
	expect_ok("delstack_config", ioth_delstack(s));
}

/* Two loopback-only stacks: like two namespaces, nothing of one is seen by the other. */
static void check_isolation(void)
{
	struct ioth *a = ioth_newstackl("vdestack", NULL);
	struct ioth *b = ioth_newstackv("vdestack", NULL);
	result("newstack_two", a && b && a != b, "a %p b %p errno %d", (void *)a, (void *)b, errno);
	if (!a || !b)
		return;
	int la = listener(a, 7000), lb = listener(b, 7000);
	result("same_port_both_stacks", la >= 0 && lb >= 0, "a %d b %d errno %d (%s)", la, lb, errno,
	       strerror(errno));
	int la2 = listener(a, 7001);
	result("listener_7001_in_a", la2 >= 0, "errno %d", errno);

	/* 7001 listens in a only: from b it is refused. */
	int cb = ioth_msocket(b, AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = sin_of(LOOPBACK, 7001);
	expect_err("other_stacks_port_refused", ioth_connect(cb, (struct sockaddr *)&sa, sizeof(sa)), ECONNREFUSED);
	ioth_close(cb);

	/* Each stack's client reaches its own listener on 7000 only. */
	int ca = ioth_msocket(a, AF_INET, SOCK_STREAM, 0);
	cb = ioth_msocket(b, AF_INET, SOCK_STREAM, 0);
	sa = sin_of(LOOPBACK, 7000);
	expect_ok("connect_in_a", ioth_connect(ca, (struct sockaddr *)&sa, sizeof(sa)));
	expect_ok("connect_in_b", ioth_connect(cb, (struct sockaddr *)&sa, sizeof(sa)));
	int sa_fd = ioth_accept(la, NULL, NULL), sb_fd = ioth_accept(lb, NULL, NULL);
	result("accept_each_own", sa_fd >= 0 && sb_fd >= 0, "a %d b %d", sa_fd, sb_fd);
	ioth_send(ca, "from-a", 6, 0);
	ioth_send(cb, "from-b", 6, 0);
	char ba[8] = "", bb[8] = "";
	ssize_t na = ioth_recv(sa_fd, ba, sizeof(ba), 0), nb = ioth_recv(sb_fd, bb, sizeof(bb), 0);
	result("data_stays_in_its_stack", na == 6 && nb == 6 && !memcmp(ba, "from-a", 6) && !memcmp(bb, "from-b", 6),
	       "a got %zd '%.6s', b got %zd '%.6s'", na, ba, nb, bb);

	/* FIONREAD counts what is there; FIONBIO makes an empty read EAGAIN. */
	ioth_send(ca, "0123456789", 10, 0);
	int avail = 0;
	for (int i = 0; i < 100 && avail < 10; i++) {
		ioth_ioctl(sa_fd, FIONREAD, &avail);
		if (avail < 10)
			usleep(10000);
	}
	result("fionread_counts_bytes", avail == 10, "FIONREAD %d, want 10", avail);
	char buf[16];
	ioth_recv(sa_fd, buf, sizeof(buf), 0);
	int on = 1;
	expect_ok("fionbio_on", ioth_ioctl(sa_fd, FIONBIO, &on));
	expect_err("fionbio_empty_recv_eagain", (int)ioth_recv(sa_fd, buf, sizeof(buf), 0), EAGAIN);
	expect_ok("fcntl_getfl", ioth_fcntl(sa_fd, F_GETFL, 0));
	result("fcntl_sees_fionbio", (ioth_fcntl(sa_fd, F_GETFL, 0) & O_NONBLOCK) != 0, "O_NONBLOCK clear");

	struct ioth_stats st;
	expect_ok("stack_stats", ioth_stack_stats(a, &st));
	result("stats_count_sockets", st.sockets == 4, "sockets %lu, want 4 (2 listeners, 2 ends)", st.sockets);
	expect_err("delstack_busy_ebusy", ioth_delstack(a), EBUSY);

	ioth_close(ca);
	ioth_close(sa_fd);
	ioth_close(la);
	ioth_close(la2);
	ioth_close(cb);
	ioth_close(sb_fd);
	ioth_close(lb);
	/* Freed sockets may wait for the FIN exchange over lo: give it time. */
	int r = -1;
	for (int i = 0; i < 300 && r < 0; i++) {
		r = ioth_delstack(a);
		if (r < 0)
			usleep(10000);
	}
	expect_ok("delstack_after_close", r);
	r = -1;
	for (int i = 0; i < 300 && r < 0; i++) {
		r = ioth_delstack(b);
		if (r < 0)
			usleep(10000);
	}
	expect_ok("delstack_b_after_close", r);
}

/* The NIC moves into a stack as vde0, is refused to a second one, comes back on delete. */
static void check_nic(const char *nic)
{
	struct ioth *def = ioth_get_defstack();
	int before = ioth_if_nametoindex(def, nic);
	if (before < 0) {
		printf("iothcheck: (no %s in the kernel's stack: NIC checks skipped)\n", nic);
		return;
	}
	struct ioth *s = ioth_newstack("vdestack", nic);
	result("newstack_over_nic", s != NULL, "errno %d (%s)", errno, strerror(errno));
	if (!s)
		return;
	int vde0 = ioth_if_nametoindex(s, "vde0");
	result("nic_is_vde0", vde0 > 0, "nametoindex vde0: %d", vde0);
	expect_err("nic_name_not_in_new_stack", ioth_if_nametoindex(s, nic), ENODEV);
	expect_err("nic_gone_from_kernel_stack", ioth_if_nametoindex(def, nic), ENODEV);
	errno = 0;
	struct ioth *s2 = ioth_newstack("vdestack", nic);
	result("nic_refused_to_second_stack", s2 == NULL && errno == EBUSY, "stack %p errno %d", (void *)s2, errno);
	if (s2)
		ioth_delstack(s2);
	uint8_t mac[6] = { 0 };
	expect_ok("linkgetaddr_vde0", ioth_linkgetaddr(s, (unsigned)vde0, mac));
	result("vde0_mac_not_zero", mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5], "all zero");
	expect_ok("delstack_nic", ioth_delstack(s));
	int after = ioth_if_nametoindex(def, nic);
	result("nic_back_in_kernel_stack", after > 0, "nametoindex %s: %d", nic, after);

	/* ip link add/del: the same NIC into a loopback-only stack and back. */
	s = ioth_newstack("vdestack", NULL);
	if (!s)
		return;
	expect_err("iplink_add_default_stack_eopnotsupp", ioth_iplink_add(def, NULL, 0, "vde", nic), EOPNOTSUPP);
	expect_err("iplink_add_unknown_nic_enodev", ioth_iplink_add(s, NULL, 0, "vde", "eth9"), ENODEV);
	int idx = ioth_iplink_add(s, "wan0", 0, "eth", nic);
	result("iplink_add_nic_as_wan0", idx > 0 && ioth_if_nametoindex(s, "wan0") == idx, "returned %d errno %d", idx,
	       errno);
	expect_err("iplink_add_same_nic_again_eexist", ioth_iplink_add(s, NULL, 0, "vde", nic), EEXIST);
	expect_err("iplink_add_taken_name_eexist", ioth_iplink_add(s, "lo", 0, "vde", nic), EEXIST);
	struct ioth *s3 = ioth_newstack("vdestack", NULL);
	if (s3) {
		expect_err("iplink_add_nic_of_other_stack_ebusy", ioth_iplink_add(s3, NULL, 0, "vde", nic), EBUSY);
		ioth_delstack(s3);
	}
	expect_err("iplink_del_lo_eopnotsupp", ioth_iplink_del(s, "lo", 0), EOPNOTSUPP);
	expect_err("iplink_del_unknown_enodev", ioth_iplink_del(s, "wan9", 0), ENODEV);
	expect_ok("iplink_del_by_index", ioth_iplink_del(s, NULL, (unsigned)idx));
	expect_err("iplink_del_gone_from_stack", ioth_if_nametoindex(s, "wan0"), ENODEV);
	after = ioth_if_nametoindex(def, nic);
	result("iplink_del_nic_back_in_kernel_stack", after > 0, "nametoindex %s: %d", nic, after);
	expect_ok("delstack_after_iplink", ioth_delstack(s));
}

int main(void)
{
	const char *nic = skiff_opt("iothcheck.nic");
	if (!nic)
		nic = "eth0";
	check_arguments();
	check_config();
	check_isolation();
	if (strcmp(nic, "none") != 0)
		check_nic(nic);
	printf("iothcheck: %d checks, %d failed\n", checks, failed);
	return failed ? 1 : 0;
}

/*
 * include/arpa/inet.h: address conversion (POSIX). inet_pton and
 * inet_ntop take AF_INET only (AF_INET6: EAFNOSUPPORT).
 */
#ifndef SKIFF_ARPA_INET_H
#define SKIFF_ARPA_INET_H

#include <netinet/in.h>

/* 1 when src is a dotted quad (four decimal parts), 0 when not, -1 with
 * errno EAFNOSUPPORT for another family. */
int inet_pton(int af, const char *src, void *dst);
/* dst, or NULL with errno ENOSPC (too small) or EAFNOSUPPORT. */
const char *inet_ntop(int af, const void *src, char *dst, socklen_t size);
/* The classic forms (a, a.b, a.b.c, a.b.c.d; decimal, octal, hex parts). */
int inet_aton(const char *cp, struct in_addr *inp);
in_addr_t inet_addr(const char *cp);
/* Into one static buffer, shared by every thread. */
char *inet_ntoa(struct in_addr in);

#endif

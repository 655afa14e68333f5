/*
 * sock/posix_inet.c: address text conversion (arpa/inet.h) and numeric
 * getaddrinfo/getnameinfo (netdb.h). No resolver: a host that is neither
 * an IPv4 address in text nor "localhost" gives EAI_NONAME, a service
 * that is not a number EAI_SERVICE.
 *
 * inet_pton accepts exactly four decimal parts of at most three digits
 * each, no leading zeros beyond a single 0 (POSIX, and what glibc does);
 * inet_aton the classic forms (a, a.b, a.b.c, a.b.c.d, each part decimal,
 * octal with a leading 0, or hex with 0x), as 4.2BSD defined them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <string.h>

#include "lib/digit.h"
#include "sock/sock_os.h"

int inet_pton(int af, const char *src, void *dst)
{
	uint8_t out[4];
	int part = 0;

	if (af != AF_INET) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	for (;;) {
		unsigned v = 0, digits = 0;

		while (*src >= '0' && *src <= '9') {
			if (digits && v == 0)
				return 0;	/* a leading zero */
			v = v * 10 + (unsigned)(*src++ - '0');
			if (++digits > 3 || v > 255)
				return 0;
		}
		if (!digits)
			return 0;
		out[part++] = (uint8_t)v;
		if (part == 4)
			break;
		if (*src++ != '.')
			return 0;
	}
	if (*src)
		return 0;
	memcpy(dst, out, 4);
	return 1;
}

const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
{
	const uint8_t *b = src;
	char tmp[INET_ADDRSTRLEN];
	char *p = tmp;

	if (af != AF_INET) {
		errno = EAFNOSUPPORT;
		return NULL;
	}
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
	if ((size_t)(p - tmp) > size) {
		errno = ENOSPC;
		return NULL;
	}
	memcpy(dst, tmp, (size_t)(p - tmp));
	return dst;
}

/* One part of the classic form: decimal, 0octal or 0xhex. */
static const char *aton_part(const char *s, uint32_t *v)
{
	unsigned base = 10, digits = 0;
	uint64_t x = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0') {
		base = 8;
	}
	for (;; s++, digits++) {
		unsigned d = (unsigned)digit_value(*s);

		/* A letter past the base ends the part ("1a" in decimal stops
		 * at 'a'); an 8 or 9 in an octal part is an error, as in glibc. */
		if (d >= 16 || (base != 16 && d >= 10))
			break;
		if (d >= base)
			return NULL;
		x = x * base + d;
		if (x > 0xffffffffu)
			return NULL;
	}
	if (!digits)
		return NULL;
	*v = (uint32_t)x;
	return s;
}

int inet_aton(const char *cp, struct in_addr *inp)
{
	uint32_t part[4], v;
	int n = 0;

	for (;;) {
		cp = aton_part(cp, &part[n]);
		if (!cp)
			return 0;
		n++;
		if (*cp != '.' || n == 4)
			break;
		cp++;
	}
	if (*cp)
		return 0;
	/* The last part fills what the others leave. */
	switch (n) {
	case 1:
		v = part[0];
		break;
	case 2:
		if (part[0] > 255 || part[1] > 0xffffff)
			return 0;
		v = part[0] << 24 | part[1];
		break;
	case 3:
		if (part[0] > 255 || part[1] > 255 || part[2] > 0xffff)
			return 0;
		v = part[0] << 24 | part[1] << 16 | part[2];
		break;
	default:
		if (part[0] > 255 || part[1] > 255 || part[2] > 255 || part[3] > 255)
			return 0;
		v = part[0] << 24 | part[1] << 16 | part[2] << 8 | part[3];
	}
	if (inp)
		inp->s_addr = htonl(v);
	return 1;
}

in_addr_t inet_addr(const char *cp)
{
	struct in_addr a;

	return inet_aton(cp, &a) ? a.s_addr : INADDR_NONE;
}

char *inet_ntoa(struct in_addr in)
{
	static char buf[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &in, buf, sizeof(buf));
	return buf;
}

/* A decimal port 0..65535, the whole string. */
static int parse_port(const char *s, uint16_t *port)
{
	unsigned v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > 65535)
			return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

struct gai_result {
	struct addrinfo ai;
	struct sockaddr_in sin;
};

int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	static const int both[] = { SOCK_STREAM, SOCK_DGRAM };
	struct addrinfo *head = NULL, **tail = &head;
	int family = hints ? hints->ai_family : AF_UNSPEC;
	int socktype = hints ? hints->ai_socktype : 0;
	int flags = hints ? hints->ai_flags : 0;
	struct in_addr addr;
	uint16_t port = 0;

	if (!node && !service)
		return EAI_NONAME;
	if (family != AF_UNSPEC && family != AF_INET)
		return EAI_FAMILY;
	if (socktype != 0 && socktype != SOCK_STREAM && socktype != SOCK_DGRAM)
		return EAI_SOCKTYPE;
	if (service && parse_port(service, &port))
		return EAI_SERVICE;
	if (node && !strcmp(node, "localhost")) {
		addr.s_addr = htonl(INADDR_LOOPBACK);	/* the one name known */
	} else if (node) {
		if (inet_pton(AF_INET, node, &addr) != 1)
			return EAI_NONAME;
	} else {
		addr.s_addr = htonl((flags & AI_PASSIVE) ? INADDR_ANY : INADDR_LOOPBACK);
	}
	for (int i = 0; i < 2; i++) {
		struct gai_result *r;

		if (socktype && socktype != both[i])
			continue;
		r = sock_os_zalloc(sizeof(*r));
		if (!r) {
			freeaddrinfo(head);
			return EAI_MEMORY;
		}
		r->sin.sin_family = AF_INET;
		r->sin.sin_port = htons(port);
		r->sin.sin_addr = addr;
		r->ai.ai_flags = flags;
		r->ai.ai_family = AF_INET;
		r->ai.ai_socktype = both[i];
		r->ai.ai_protocol = both[i] == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
		r->ai.ai_addrlen = sizeof(r->sin);
		r->ai.ai_addr = (struct sockaddr *)&r->sin;
		*tail = &r->ai;
		tail = &r->ai.ai_next;
	}
	*res = head;
	return 0;
}

void freeaddrinfo(struct addrinfo *res)
{
	while (res) {
		struct addrinfo *next = res->ai_next;

		sock_os_free(res);	/* ai is the first member of its result */
		res = next;
	}
}

const char *gai_strerror(int err)
{
	switch (err) {
	case 0: return "Success";
	case EAI_BADFLAGS: return "Bad value for ai_flags";
	case EAI_NONAME: return "Name or service not known";
	case EAI_AGAIN: return "Temporary failure in name resolution";
	case EAI_FAIL: return "Non-recoverable failure in name resolution";
	case EAI_FAMILY: return "ai_family not supported";
	case EAI_SOCKTYPE: return "ai_socktype not supported";
	case EAI_SERVICE: return "Servname not supported for ai_socktype";
	case EAI_MEMORY: return "Memory allocation failure";
	case EAI_SYSTEM: return "System error";
	case EAI_OVERFLOW: return "Argument buffer overflow";
	default: return "Unknown error";
	}
}

int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
		socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

	(void)flags;
	if (!sa || salen < sizeof(*in) || sa->sa_family != AF_INET)
		return EAI_FAMILY;
	if (host && hostlen && !inet_ntop(AF_INET, &in->sin_addr, host, hostlen))
		return EAI_OVERFLOW;
	if (serv && servlen) {
		char tmp[6];
		unsigned p = ntohs(in->sin_port), n = 0;

		do {
			tmp[n++] = (char)('0' + p % 10);
			p /= 10;
		} while (p);
		if (n + 1 > servlen)
			return EAI_OVERFLOW;
		for (unsigned i = 0; i < n; i++)
			serv[i] = tmp[n - 1 - i];
		serv[n] = '\0';
	}
	return 0;
}

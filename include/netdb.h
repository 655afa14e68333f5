/*
 * include/netdb.h: getaddrinfo() and getnameinfo() for numeric hosts and
 * services only (there is no resolver): a name that is neither a dotted
 * quad nor "localhost" gives EAI_NONAME. Linux's values and layout.
 */
#ifndef SKIFF_NETDB_H
#define SKIFF_NETDB_H

#include <netinet/in.h>
#include <sys/socket.h>

struct addrinfo {
	int ai_flags;
	int ai_family;
	int ai_socktype;
	int ai_protocol;
	socklen_t ai_addrlen;
	struct sockaddr *ai_addr;
	char *ai_canonname;
	struct addrinfo *ai_next;
};

#define AI_PASSIVE	0x0001
#define AI_CANONNAME	0x0002
#define AI_NUMERICHOST	0x0004
#define AI_V4MAPPED	0x0008
#define AI_ALL		0x0010
#define AI_ADDRCONFIG	0x0020
#define AI_NUMERICSERV	0x0400

#define NI_NUMERICHOST	1
#define NI_NUMERICSERV	2
#define NI_NOFQDN	4
#define NI_NAMEREQD	8
#define NI_DGRAM	16
#define NI_MAXHOST	1025
#define NI_MAXSERV	32

#define EAI_BADFLAGS	-1
#define EAI_NONAME	-2
#define EAI_AGAIN	-3
#define EAI_FAIL	-4
#define EAI_FAMILY	-6
#define EAI_SOCKTYPE	-7
#define EAI_SERVICE	-8
#define EAI_MEMORY	-10
#define EAI_SYSTEM	-11
#define EAI_OVERFLOW	-12

/* One result per socket type asked for (or TCP then UDP when none), each
 * with a struct sockaddr_in; NULL node: INADDR_ANY with AI_PASSIVE, else
 * 127.0.0.1. */
int getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res);
void freeaddrinfo(struct addrinfo *res);
const char *gai_strerror(int err);
/* Numeric output only (as with NI_NUMERICHOST | NI_NUMERICSERV). */
int getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
		socklen_t hostlen, char *serv, socklen_t servlen, int flags);

#endif

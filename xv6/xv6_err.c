/*
 * xv6/xv6_err.c: names and meanings of the xv6 face's codes (seed 001's
 * list, in its words where it has them, and skiff's E_TIMEOUT), for apps
 * that print what went wrong.
 */
#include <stddef.h>

#define XV6_SOCKET_PREFIX_ONLY
#include "include/xv6/socket.h"

struct xv6_code {
	int code;
	const char *name;
	const char *meaning;
};

static const struct xv6_code xv6_codes[] = {
	{ E_NOTFOUND, "E_NOTFOUND", "no socket at that port" },
	{ E_ACCESS_DENIED, "E_ACCESS_DENIED", "the socket belongs to another thread" },
	{ E_WRONG_STATE, "E_WRONG_STATE", "the socket is not in a state for this call" },
	{ E_FAIL, "E_FAIL", "no more sockets can be opened" },
	{ E_INVALID_ARG, "E_INVALID_ARG", "invalid parameter" },
	{ E_CONNECTION_RESET_BY_REMOTE, "E_CONNECTION_RESET_BY_REMOTE",
	  "the remote end disconnected or reset the connection" },
	{ E_TIMEOUT, "E_TIMEOUT", "the wait timed out" },
};

static const struct xv6_code *code_find(int code)
{
	size_t i;

	for (i = 0; i < sizeof(xv6_codes) / sizeof(xv6_codes[0]); i++)
		if (xv6_codes[i].code == code)
			return &xv6_codes[i];
	return NULL;
}

const char *xv6_errname(int code)
{
	const struct xv6_code *c = code_find(code);

	if (c)
		return c->name;
	return code >= 0 ? "OK" : "unknown";
}

const char *xv6_strerror(int code)
{
	const struct xv6_code *c = code_find(code);

	if (c)
		return c->meaning;
	return code >= 0 ? "success" : "unknown error";
}

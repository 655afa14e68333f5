/*
 * kernel/stdlib.c: include/stdlib.h beyond the heap (kernel/api.c): exit
 * and abort through kernel_exit(), and the C11 7.22.1.4 conversions over
 * lib/strnum.c. Out-of-range values are clamped to the type's limits as
 * C requires (LONG_MAX, LONG_MIN, ULONG_MAX: 64 bits here).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/panic.h"
#include "lib/strnum.h"

void exit(int status)
{
	kernel_exit(status);
}

void _Exit(int status)
{
	kernel_exit(status);
}

void abort(void)
{
	kernel_exit(134);   /* 128 + SIGABRT, as a shell reports it */
}

char *getenv(const char *name)
{
	(void)name;
	return NULL;
}

long long strtoll(const char *s, char **end, int base)
{
	struct strnum n;
	const char *e;
	strnum_parse(s, base, &n, &e);
	if (end)
		*end = (char *)e;
	if (n.neg)
		return n.mag > (uint64_t)INT64_MAX + 1 ? INT64_MIN : (long long)(0 - n.mag);
	return n.mag > (uint64_t)INT64_MAX ? INT64_MAX : (long long)n.mag;
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	struct strnum n;
	const char *e;
	strnum_parse(s, base, &n, &e);
	if (end)
		*end = (char *)e;
	if (n.overflow)
		return UINT64_MAX;
	/* C11 7.22.1.4p5: a minus sign negates the value in the return type. */
	return n.neg ? 0 - n.mag : n.mag;
}

/* long and long long are both 64 bits on x86-64. */
long strtol(const char *s, char **end, int base)
{
	return strtoll(s, end, base);
}

unsigned long strtoul(const char *s, char **end, int base)
{
	return strtoull(s, end, base);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

int abs(int x)
{
	return x < 0 ? -x : x;
}

long labs(long x)
{
	return x < 0 ? -x : x;
}

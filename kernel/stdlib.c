/*
 * kernel/stdlib.c: the part of include/stdlib.h that needs the kernel:
 * exit and abort through kernel_exit(), and getenv (no environment). The
 * number conversions are lib/stdlib.c's; strtoll and strtoull are its
 * strtol and strtoul, long and long long both being 64 bits on x86-64.
 */
#include <stddef.h>
#include <stdlib.h>

#include "kernel/panic.h"

_Static_assert(sizeof(long) == sizeof(long long), "strtoll is strtol only where long is 64 bits");

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
	return strtol(s, end, base);
}

unsigned long long strtoull(const char *s, char **end, int base)
{
	return strtoul(s, end, base);
}

/*
 * include/stdlib.h: the <stdlib.h> subset for apps: memory from the kernel
 * heap, ending the program, numbers from strings.
 *
 * exit() and abort() end the whole guest (there is one program): exit(n)
 * from any thread prints "skiff: APP exited with status n" and powers off
 * with status n, as a return from main does; abort() is exit(134), the
 * status a shell shows for SIGABRT. There are no atexit handlers and no
 * environment (getenv returns NULL; options come from skiff_opt()).
 */
#ifndef SKIFF_STDLIB_H
#define SKIFF_STDLIB_H

#include <stddef.h>

#define EXIT_SUCCESS 0
#define EXIT_FAILURE 1

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);

__attribute__((noreturn)) void exit(int status);
__attribute__((noreturn)) void _Exit(int status);
__attribute__((noreturn)) void abort(void);
char *getenv(const char *name);

/* C11 7.22.1.4: leading blanks, a sign, base 0 takes a 0x or 0 prefix;
 * on overflow the limit and errno ERANGE (lib/stdlib.c). */
long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
long long strtoll(const char *s, char **end, int base);
unsigned long long strtoull(const char *s, char **end, int base);
int atoi(const char *s);
long atol(const char *s);
int abs(int x);
long labs(long x);

#endif

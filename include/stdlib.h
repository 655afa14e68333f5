/*
 * include/stdlib.h: memory (the kernel heap, as in skiff.h) and number
 * parsing with C's rules (strtol: leading blanks, a sign, base 0 takes a
 * 0x or 0 prefix; ERANGE and the limit on overflow).
 */
#ifndef SKIFF_STDLIB_H
#define SKIFF_STDLIB_H

#include <stddef.h>

void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);

long strtol(const char *s, char **end, int base);
unsigned long strtoul(const char *s, char **end, int base);
int atoi(const char *s);
long atol(const char *s);
int abs(int x);
long labs(long x);

#endif

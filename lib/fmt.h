/*
 * lib/fmt.h: printf-style formatting into a buffer, shared by the kernel's
 * console and by host unit tests (hence the fmt_ prefix: no clash with libc).
 *
 * Supports %d %i %u %x %X %o %p %s %c %%, length modifiers hh h l ll z t j,
 * flags '-' '0' '+' ' ' '#', width and precision (both may be '*').
 * Returns the length the full output would have had (C99 snprintf rules);
 * the buffer is always NUL-terminated when size > 0.
 */
#ifndef LIB_FMT_H
#define LIB_FMT_H

#include <stdarg.h>
#include <stddef.h>

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int fmt_snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif

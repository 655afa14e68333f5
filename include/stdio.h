/*
 * include/stdio.h: the console-output part of <stdio.h> that ordinary code
 * uses (there are no FILE streams: output goes to the serial console).
 */
#ifndef SKIFF_STDIO_H
#define SKIFF_STDIO_H

#include <stdarg.h>
#include <stddef.h>

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* s and a newline; 0 (or EOF, -1, never here). */
int puts(const char *s);
int putchar(int c);
/* "s: strerror(errno)\n" on the console (s may be NULL or empty). */
void perror(const char *s);

#define EOF (-1)

#endif

/*
 * kernel/stdio.c: include/stdio.h for apps. Everything written to stdout or
 * stderr goes to the serial console through console_write_whole(), so the
 * output of one call is never cut by another CPU's. Formatting is
 * lib/fmt.c's: first into a buffer on the stack, and when the result is
 * longer than that, again into one from the heap (so a printf of a full
 * BUFSIZ of received data prints whole).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kernel/console.h"
#include "lib/fmt.h"
#include "mm/heap.h"

#define STDIO_STACK_BUF 512

struct stdio_file {
	int fd;		/* 0, 1 or 2: which standard stream */
};

static struct stdio_file stdio_files[3] = { { 0 }, { 1 }, { 2 } };

FILE *stdin = &stdio_files[0];
FILE *stdout = &stdio_files[1];
FILE *stderr = &stdio_files[2];

/* Only stdout and stderr can be written; both are the console. */
static bool stdio_writable(const FILE *f)
{
	return f == stdout || f == stderr;
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
	if (!stdio_writable(f))
		return EOF;
	char small[STDIO_STACK_BUF];
	va_list again;
	va_copy(again, ap);
	int n = fmt_vsnprintf(small, sizeof(small), fmt, ap);
	if (n < 0) {
		va_end(again);
		return EOF;
	}
	if ((size_t)n < sizeof(small)) {
		console_write_whole(small, (size_t)n);
		va_end(again);
		return n;
	}
	char *big = kmalloc((size_t)n + 1);
	if (big) {
		fmt_vsnprintf(big, (size_t)n + 1, fmt, again);
		console_write_whole(big, (size_t)n);
		kfree(big);
	} else {
		/* Short of memory: print what fits rather than nothing. */
		console_write_whole(small, sizeof(small) - 1);
	}
	va_end(again);
	return n;
}

int fprintf(FILE *f, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(f, fmt, ap);
	va_end(ap);
	return n;
}

int vsprintf(char *buf, const char *fmt, va_list ap)
{
	/* C's contract: the caller promises the buffer is large enough. */
	return fmt_vsnprintf(buf, SIZE_MAX, fmt, ap);
}

int sprintf(char *buf, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsprintf(buf, fmt, ap);
	va_end(ap);
	return n;
}

size_t fwrite(const void *p, size_t size, size_t n, FILE *f)
{
	if (!stdio_writable(f) || size == 0 || n == 0)
		return 0;
	if (n > SIZE_MAX / size)
		return 0;
	console_write_whole(p, size * n);
	return n;
}

int fputs(const char *s, FILE *f)
{
	if (!stdio_writable(f))
		return EOF;
	console_write_whole(s, strlen(s));
	return 0;
}

int puts(const char *s)
{
	return fprintf(stdout, "%s\n", s) < 0 ? EOF : 0;
}

int fputc(int c, FILE *f)
{
	if (!stdio_writable(f))
		return EOF;
	char ch = (char)c;
	console_write_whole(&ch, 1);
	return (unsigned char)c;
}

int putc(int c, FILE *f)
{
	return fputc(c, f);
}

int putchar(int c)
{
	return fputc(c, stdout);
}

int fflush(FILE *f)
{
	(void)f;
	return 0;
}

void perror(const char *s)
{
	const char *msg = strerror(errno);
	if (s && *s)
		fprintf(stderr, "%s: %s\n", s, msg);
	else
		fprintf(stderr, "%s\n", msg);
}

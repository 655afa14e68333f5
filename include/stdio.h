/*
 * include/stdio.h: the <stdio.h> subset an app needs to print: formatted
 * output, strings and characters, perror. There are no files: stdout and
 * stderr both go to the serial console, unbuffered, one call at a time
 * (a call's output is never interleaved with another CPU's). stdin exists
 * for code that names it; reading goes through read(STDIN_FILENO, ...)
 * in <unistd.h>, and writing to stdin fails with EBADF.
 *
 * Promises: the same signatures as C11/POSIX, so portable code compiles
 * unchanged; no length limit on one printf (long output is formatted into
 * a heap buffer, or truncated to 512 bytes if the heap is short). Format
 * directives: those of lib/fmt.h (no floating point).
 */
#ifndef SKIFF_STDIO_H
#define SKIFF_STDIO_H

#include <stdarg.h>
#include <stddef.h>

/*
 * FILE is a typedef because C and POSIX name it so; programs only ever hold
 * a FILE *.
 */
typedef struct stdio_file FILE;

extern FILE *stdin;
extern FILE *stdout;
extern FILE *stderr;

#define BUFSIZ	8192	/* glibc's value: programs size I/O buffers with it */
#define EOF	(-1)

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int fprintf(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vfprintf(FILE *f, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int sprintf(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int vsprintf(char *buf, const char *fmt, va_list ap);

int puts(const char *s);
int fputs(const char *s, FILE *f);
int putchar(int c);
int fputc(int c, FILE *f);
int putc(int c, FILE *f);
size_t fwrite(const void *p, size_t size, size_t n, FILE *f);
int fflush(FILE *f);			/* nothing is buffered: always 0 */

/* "s: message\n" for errno on stderr (just the message when s is NULL or ""). */
void perror(const char *s);

#endif

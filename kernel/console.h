/*
 * kernel/console.h: the kernel's output. COM1 at 115200 8N1 is the console;
 * every line the kernel logs goes there and nowhere else.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

void console_init(void);
void console_write(const char *s, size_t n);
/*
 * console_write under the console lock: the text of one call stays whole
 * when several CPUs print at once (log lines, printf). Not for panic paths,
 * which must print even while another CPU holds the lock.
 */
void console_write_whole(const char *s, size_t n);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

#endif

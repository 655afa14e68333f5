/*
 * kernel/log.c: formats "[seconds.micros] tag: message" into one buffer and
 * writes it with a single console_write_whole, so lines from several CPUs
 * (and printf's output) stay whole. With log.quiet=1 (read once the
 * command line is parsed) only warnings are written, as Linux's "quiet":
 * on a serial console every character is a port write and, in QEMU, a
 * write to the chardev, so a boot's ~3 KB of log cost milliseconds.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "include/skiff.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/time.h"
#include "lib/fmt.h"

SKIFF_OPTION(log_quiet, "log.quiet", "1: kernel log lines only for warnings (as Linux's quiet)");

static bool log_quiet;

bool klog_set_quiet(bool quiet)
{
	bool was = log_quiet;
	log_quiet = quiet;
	return was;
}

static void log_line(const char *tag, const char *prefix, const char *fmt, va_list ap)
{
	if (log_quiet && !prefix[0])
		return;	/* an info line */
	char buf[512];
	uint64_t ns = time_ns();
	int n = fmt_snprintf(buf, sizeof(buf), "[%5lu.%06lu] %s: %s", (unsigned long)(ns / 1000000000u),
			     (unsigned long)(ns / 1000u % 1000000u), tag, prefix);
	if (n < (int)sizeof(buf))
		n += fmt_vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	size_t len = (size_t)n < sizeof(buf) - 1 ? (size_t)n : sizeof(buf) - 2;
	if (len == 0 || buf[len - 1] != '\n')
		buf[len++] = '\n';
	console_write_whole(buf, len);
}

void kvlog(const char *tag, const char *fmt, va_list ap)
{
	log_line(tag, "", fmt, ap);
}

void klog_emit(const char *tag, bool warn, const char *fmt, va_list ap)
{
	log_line(tag, warn ? "warning: " : "", fmt, ap);
}

void klog(const char *tag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(tag, "", fmt, ap);
	va_end(ap);
}

void kwarn(const char *tag, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_line(tag, "warning: ", fmt, ap);
	va_end(ap);
}

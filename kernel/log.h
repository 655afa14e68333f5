/*
 * kernel/log.h: tagged, time-stamped kernel log lines:
 *     [    0.012345] mm: 254 MiB usable in 3 regions
 * The time is seconds since boot from the monotonic clock (0 until the TSC
 * is calibrated). A line is formatted whole and written at once, so lines
 * from different CPUs never interleave mid-line.
 */
#ifndef KERNEL_LOG_H
#define KERNEL_LOG_H

#include <stdarg.h>
#include <stdbool.h>

void klog(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kvlog(const char *tag, const char *fmt, va_list ap);
/* A warning: the same line with "warning: " after the tag. */
void kwarn(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* klog or kwarn with a va_list: the sink arch/ reports through (arch_log_set_sink). */
void klog_emit(const char *tag, bool warn, const char *fmt, va_list ap);
/* From now on only warnings (log.quiet=1), or all lines again; returns the previous setting. */
bool klog_set_quiet(bool quiet);

#endif

/*
 * arch/x86_64/arch_log.h: how arch/ reports what it found (the ACPI tables,
 * the APICs, each CPU it started) without knowing where reports go. The
 * kernel registers a sink once, early; until then lines are dropped. arch/
 * never formats or prints a line itself.
 */
#ifndef ARCH_X86_64_ARCH_LOG_H
#define ARCH_X86_64_ARCH_LOG_H

#include <stdarg.h>
#include <stdbool.h>

/* Receives every line: tag ("apic"), warn for a warning, and the printf-style message. */
void arch_log_set_sink(void (*sink)(const char *tag, bool warn, const char *fmt, va_list ap));
void arch_log(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void arch_warn(const char *tag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif

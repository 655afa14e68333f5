/*
 * arch/x86_64/arch_log.c: forwards arch/'s report lines to the sink the
 * kernel registered (see arch_log.h). The sink is set once on the boot CPU
 * before any other CPU runs, so a plain load sees it.
 */
#include <stdarg.h>
#include <stdbool.h>

#include "arch/x86_64/arch_log.h"

static void (*log_sink)(const char *tag, bool warn, const char *fmt, va_list ap);

void arch_log_set_sink(void (*sink)(const char *tag, bool warn, const char *fmt, va_list ap))
{
	log_sink = sink;
}

void arch_log(const char *tag, const char *fmt, ...)
{
	if (!log_sink)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_sink(tag, false, fmt, ap);
	va_end(ap);
}

void arch_warn(const char *tag, const char *fmt, ...)
{
	if (!log_sink)
		return;
	va_list ap;
	va_start(ap, fmt);
	log_sink(tag, true, fmt, ap);
	va_end(ap);
}

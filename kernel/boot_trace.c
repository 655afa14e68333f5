/*
 * kernel/boot_trace.c: boot phases timed by the TSC (see boot_trace.h).
 *
 * Zero is the TSC at kernel entry (tsc_mark_zero, kmain's first call).
 * The TSC itself starts at 0 when the virtual CPU is reset (SDM vol. 3B
 * 18.17: RESET clears it; QEMU and KVM reset it when the VM starts), so
 * its value at entry, in ms, is what firmware and the loader took before
 * the kernel ran: printed as the "firmware" line. Every mark is recorded
 * on the boot CPU before the app starts; nothing here locks.
 */
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/tsc.h"
#include "include/skiff.h"
#include "kernel/boot_trace.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/log.h"

#define BOOT_TRACE_MAX 16

SKIFF_OPTION(boot_trace, "boot.trace", "1: print how long each boot phase took, before the app starts");

static struct {
	const char *what;
	uint64_t tsc;
} marks[BOOT_TRACE_MAX];
static unsigned nmarks;

void boot_trace_mark(const char *what)
{
	if (nmarks < BOOT_TRACE_MAX)
		marks[nmarks++] = (typeof(marks[0])){ what, rdtsc() };
}

/* TSC ticks as microseconds, for the print. */
static uint64_t ticks_us(uint64_t ticks)
{
	uint64_t hz = tsc_hz();
	return hz ? ticks / (hz / 1000000 ? hz / 1000000 : 1) : 0;
}

void boot_trace_print(void)
{
	if (cmdline_get_long("boot.trace", 0) != 1)
		return;
	bool quiet = klog_set_quiet(false);   /* asked for: printed under log.quiet=1 too */
	uint64_t zero = tsc_zero_ticks(), prev = zero;
	uint64_t fw = ticks_us(zero);
	klog("boot.trace", "%-10s %6lu.%03lu ms before kernel entry (TSC %lu)", "firmware",
	     (unsigned long)(fw / 1000), (unsigned long)(fw % 1000), (unsigned long)zero);
	for (unsigned i = 0; i < nmarks; i++) {
		uint64_t at = ticks_us(marks[i].tsc - zero), took = ticks_us(marks[i].tsc - prev);
		klog("boot.trace", "%-10s %6lu.%03lu ms, at %lu.%03lu ms", marks[i].what, (unsigned long)(took / 1000),
		     (unsigned long)(took % 1000), (unsigned long)(at / 1000), (unsigned long)(at % 1000));
		prev = marks[i].tsc;
	}
	/* Included in the phases above: what the serial log itself cost (log.quiet=1 saves most of it). */
	struct console_stats st;
	console_get_stats(&st);
	uint64_t c = ticks_us(st.tx_tsc);
	klog("boot.trace", "%-10s %6lu.%03lu ms writing %lu bytes of log, in the phases above", "console",
	     (unsigned long)(c / 1000), (unsigned long)(c % 1000), (unsigned long)st.tx_bytes);
	klog_set_quiet(quiet);
}

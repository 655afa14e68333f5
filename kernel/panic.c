/*
 * kernel/panic.c: stopping the machine, cleanly (kernel_poweroff) or not
 * (panic). Power-off tries, in order: QEMU's isa-debug-exit port (which makes
 * the exit status visible to the host), the ACPI PM1a control block found in
 * the FADT, and the fixed ports of QEMU's PIIX4/ICH9 and Bochs; then halts.
 */
#include <stdarg.h>
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/io.h"
#include "kernel/console.h"
#include "kernel/ksyms.h"
#include "kernel/panic.h"
#include "lib/fmt.h"

#define ISA_DEBUG_EXIT_PORT 0xf4

void kernel_poweroff(int status)
{
	irq_disable();
	outl(ISA_DEBUG_EXIT_PORT, (uint32_t)status);
	acpi_poweroff();
	outw(0x604, 0x2000);   /* QEMU q35/ICH9 and SeaBIOS-configured PIIX4 */
	outw(0xb004, 0x2000);  /* Bochs, old QEMU */
	for (;;)
		cpu_halt();
}

void backtrace_print(uint64_t rip, uint64_t rbp)
{
	char sym[96];
	kprintf("backtrace:\n");
	ksyms_format(rip, sym, sizeof(sym));
	kprintf("  %016lx %s\n", (unsigned long)rip, sym);
	/* Frames are [saved rbp][return address]; stop at NULL, misalignment or a loop. */
	for (int depth = 0; depth < 32 && rbp && !(rbp & 7); depth++) {
		const uint64_t *frame = (const uint64_t *)rbp;
		uint64_t ret = frame[1];
		if (!ret)
			break;
		ksyms_format(ret, sym, sizeof(sym));
		kprintf("  %016lx %s\n", (unsigned long)ret, sym);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

static volatile int panicking;

void panic(const char *fmt, ...)
{
	irq_disable();
	if (__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST)) {
		/* A panic while panicking: say nothing more, just stop. */
		kernel_poweroff(KERNEL_EXIT_PANIC);
	}
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("\npanic: %s\n", buf);
	backtrace_print((uint64_t)(uintptr_t)__builtin_return_address(0), (uint64_t)(uintptr_t)__builtin_frame_address(0));
	kprintf("skiff: kernel panic, powering off with status %d\n", KERNEL_EXIT_PANIC);
	kernel_poweroff(KERNEL_EXIT_PANIC);
}

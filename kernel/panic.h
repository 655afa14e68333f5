/*
 * kernel/panic.h: the end of the line. panic() prints the reason and a
 * backtrace on the console and powers the machine off with status
 * KERNEL_EXIT_PANIC, so a script sees the failure in QEMU's exit code.
 */
#ifndef KERNEL_PANIC_H
#define KERNEL_PANIC_H

#include <stdint.h>

/* Exit status of a kernel that died (exception, panic): EX_SOFTWARE. */
#define KERNEL_EXIT_PANIC 70

__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);
/* Power the machine off; under QEMU with isa-debug-exit the exit code is 2*status+1. */
__attribute__((noreturn)) void kernel_poweroff(int status);
/*
 * The app is done (main returned, or exit() from any thread): the final
 * net.stats report, "skiff: APP exited with status N", power off.
 */
__attribute__((noreturn)) void kernel_exit(int status);
/* Print a frame-pointer backtrace starting at rbp. */
void backtrace_print(uint64_t rip, uint64_t rbp);

#define assert(x) \
	do { \
		if (!(x)) \
			panic("assertion failed: %s at %s:%d", #x, __FILE__, __LINE__); \
	} while (0)

#endif

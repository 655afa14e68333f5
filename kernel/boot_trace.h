/*
 * kernel/boot_trace.h: where boot time goes. kmain marks the end of each
 * boot phase with a TSC reading (a store, always on: cheap enough to keep
 * in every boot); with the option boot.trace=1 the phases are printed just
 * before the app starts, so a slow phase is seen, not guessed.
 */
#ifndef KERNEL_BOOT_TRACE_H
#define KERNEL_BOOT_TRACE_H

/* Records the TSC now as the end of phase what (a string literal); at most BOOT_TRACE_MAX. */
void boot_trace_mark(const char *what);
/* With boot.trace=1, one "boot.trace:" line per phase; needs the clock calibrated. */
void boot_trace_print(void);

#endif

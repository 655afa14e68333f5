/*
 * kernel/prof.h: a sampling profiler you read on the console. With
 * prof.hz=N (prof=1: 997 Hz, a rate that does not beat with the kernel's
 * millisecond timers) every CPU takes an NMI N times a second; each sample counts the interrupted function ("self") and every
 * function on its frame-pointer chain ("total", each once per sample),
 * and the pair (function, its caller), so the report can say who calls
 * the hottest functions (a hot memset is only useful with its caller).
 * Samples taken while a CPU halts in its idle loop are counted apart, so
 * the percentages are of busy time.
 */
#ifndef KERNEL_PROF_H
#define KERNEL_PROF_H

#include <stdbool.h>
#include <stdint.h>

/* Reads prof.hz and prof.top; starts sampling. After every CPU is up (the NMI reaches all). */
void prof_init(void);
/* Prints the hottest functions (prof.top, default 25) by self and by total; reset: start counting afresh. Returns the busy samples reported (0 when off). */
uint64_t prof_report(bool reset);
bool prof_enabled(void);

#endif

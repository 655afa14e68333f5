/*
 * kernel/selftest.h: faults on request, so tests can check that the kernel
 * reports them. test.fault=pf|ud|de|gp|bp|stack|yield_locked|panic triggers that fault
 * after boot and before the app runs; test.fault=triple resets the machine
 * with a triple fault, without a report. test.console=getc|hook|overflow reads
 * console input first and logs what came (tests/boot/console.sh).
 */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

void selftest_run(void);

#endif

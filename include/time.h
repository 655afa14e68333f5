/*
 * include/time.h: POSIX clocks, as far as threads and timeouts need them:
 * struct timespec, clock_gettime() for CLOCK_REALTIME (the RTC read at
 * boot, advanced by the monotonic clock; never set afterwards) and
 * CLOCK_MONOTONIC (since boot), time() and nanosleep(). Linux x86-64's
 * layout.
 */
#ifndef SKIFF_TIME_H
#define SKIFF_TIME_H

#include <stddef.h>

typedef long time_t;   /* as include/sys/types.h: a repeated identical typedef is valid C11 */
typedef int clockid_t;

struct timespec {
	time_t tv_sec;
	long tv_nsec;          /* 0 .. 999999999 */
};

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1

/* 0, or -1 with errno EINVAL for another clock or a NULL tp. */
int clock_gettime(clockid_t clk, struct timespec *tp);
/* Seconds since the epoch; also stored in *t when t is not NULL. */
time_t time(time_t *t);
/*
 * Sleeps the thread (never the CPU) for *req; 0, or -1 with errno EINVAL
 * for a negative or unnormalised req. Never interrupted: rem is left
 * alone.
 */
int nanosleep(const struct timespec *req, struct timespec *rem);

#endif

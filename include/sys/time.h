/*
 * include/sys/time.h: struct timeval (SO_RCVTIMEO, SO_SNDTIMEO) and
 * gettimeofday(), Linux's layout.
 */
#ifndef SKIFF_SYS_TIME_H
#define SKIFF_SYS_TIME_H

#include <sys/types.h>

struct timeval {
	time_t tv_sec;
	suseconds_t tv_usec;
};

/* Wall-clock time (the RTC read at boot, advanced by the monotonic clock);
 * tz must be NULL. 0. */
int gettimeofday(struct timeval *tv, void *tz);

#endif

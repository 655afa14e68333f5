/*
 * kernel/clock.c: include/time.h's POSIX clocks over the kernel's
 * (kernel/time.h): CLOCK_MONOTONIC is time_ns(), CLOCK_REALTIME is
 * time_wall_ns() (the RTC at boot plus the monotonic clock since).
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>

#include "kernel/time.h"
#include "sched/sched.h"

/*
 * The per-thread errno (include/errno.h's), where the kernel has one;
 * weak, so these files build without it too.
 */
extern int *__errno_location(void) __attribute__((weak));

static int fail(int err)
{
	if (__errno_location)
		*__errno_location() = err;
	return -1;
}

static void to_timespec(uint64_t ns, struct timespec *tp)
{
	tp->tv_sec = (time_t)(ns / NSEC_PER_SEC);
	tp->tv_nsec = (long)(ns % NSEC_PER_SEC);
}

int clock_gettime(clockid_t clk, struct timespec *tp)
{
	if (!tp)
		return fail(EINVAL);
	if (clk == CLOCK_MONOTONIC)
		to_timespec(time_ns(), tp);
	else if (clk == CLOCK_REALTIME)
		to_timespec(time_wall_ns(), tp);
	else
		return fail(EINVAL);
	return 0;
}

time_t time(time_t *t)
{
	time_t now = (time_t)time_wall();
	if (t)
		*t = now;
	return now;
}

int nanosleep(const struct timespec *req, struct timespec *rem)
{
	(void)rem;
	if (!req || req->tv_sec < 0 || req->tv_nsec < 0 || req->tv_nsec >= 1000000000L)
		return fail(EINVAL);
	thread_sleep((uint64_t)req->tv_sec * NSEC_PER_SEC + (uint64_t)req->tv_nsec);
	return 0;
}

/*
 * kernel/api.c: the app-facing functions of include/skiff.h, as thin
 * wrappers over the kernel's own (console, heap, options, clocks), and the
 * POSIX ones that are not about descriptors: errno, sleep, usleep,
 * gettimeofday, getpid, gettid.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <errno.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

#include "include/skiff.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/prof.h"
#include "kernel/time.h"
#include "lib/fmt.h"
#include "mm/heap.h"
#include "mm/page.h"
#include "sched/sched.h"

/* The app's output is stdout (kernel/stdio.c): whole lines, any length. */
int vprintf(const char *fmt, va_list ap)
{
	return vfprintf(stdout, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vfprintf(stdout, fmt, ap);
	va_end(ap);
	return n;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return fmt_vsnprintf(buf, size, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void *malloc(size_t size) { return kmalloc(size); }
void *calloc(size_t n, size_t size)
{
	if (size && n > (size_t)-1 / size)
		return NULL;
	return kzalloc(n * size);
}
void *realloc(void *p, size_t size) { return krealloc(p, size); }
void free(void *p) { kfree(p); }

const char *skiff_opt(const char *key) { return cmdline_get(key); }
long skiff_opt_long(const char *key, long dflt) { return cmdline_get_long(key, dflt); }

unsigned skiff_cpu_count(void) { return cpu_count(); }
uint64_t skiff_mem_total(void) { return page_total_bytes(); }
uint64_t skiff_time_ns(void) { return time_ns(); }
uint64_t skiff_wall_time(void) { return time_wall(); }
uint64_t skiff_cpu_idle_ns(unsigned cpu) { return sched_cpu_idle_ns(cpu); }
uint64_t skiff_cpu_switches(unsigned cpu) { return sched_cpu_switches(cpu); }
uint64_t skiff_prof_report(bool reset) { return prof_report(reset); }

void skiff_mem_stats(struct skiff_mem_stats *st)
{
	struct heap_stats hs;
	struct sched_stats ss;
	heap_get_stats(&hs);
	sched_get_stats(&ss);
	st->heap_bytes_in_use = hs.bytes_in_use;
	st->heap_allocs = hs.allocs;
	st->heap_frees = hs.frees;
	st->heap_failures = hs.failures;
	st->pages_free = page_free_bytes() / PAGE_SIZE;
	st->threads_alive = ss.threads_alive;
}

int *__errno_location(void)
{
	return thread_errno(thread_self());
}

unsigned int sleep(unsigned int seconds)
{
	thread_sleep((uint64_t)seconds * 1000000000ull);
	return 0;
}

int usleep(useconds_t usec)
{
	thread_sleep((uint64_t)usec * 1000ull);
	return 0;
}

/* One image is one process: pid 1, and each skiff thread is a task of it. */
pid_t getpid(void)
{
	return 1;
}

pid_t gettid(void)
{
	return (pid_t)thread_id(thread_self());
}

int gettimeofday(struct timeval *tv, void *tz)
{
	uint64_t ns = time_ns();

	(void)tz;
	/* time_wall() is whole seconds: take the fraction from the monotonic clock. */
	tv->tv_sec = (time_t)time_wall();
	tv->tv_usec = (suseconds_t)(ns % 1000000000ull / 1000ull);
	return 0;
}

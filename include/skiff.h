/*
 * include/skiff.h: the API an app sees. An app is linked into one image with
 * the kernel; it provides `int main(void)`, which the kernel calls once boot
 * is done. main's return value becomes the guest's exit status (see README).
 */
#ifndef SKIFF_H
#define SKIFF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int main(void);

/* Console output (the serial console). */
int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* Memory from the kernel heap. */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *p, size_t size);
void free(void *p);

/* Command-line options: "key=value" from the image and from QEMU's fw_cfg. */
struct skiff_option {
	const char *key;
};
/*
 * Declares an option the app understands, so that the kernel does not warn
 * about it as unknown: SKIFF_OPTION(ping_count, "ping.count", "stop after N").
 * The help text documents the option in the source and must be there, but
 * nothing reads it at run time, so it stays out of the image (its ~4 KiB
 * counted against the image's size budget).
 */
#define SKIFF_OPTION(id, k, h) \
	_Static_assert(sizeof(h) > 1, "option " k " wants a help text"); \
	static const struct skiff_option skiff_opt_##id __attribute__((used, section(".skiff_opts"), aligned(8))) = { k }
const char *skiff_opt(const char *key);              /* NULL when not given */
long skiff_opt_long(const char *key, long dflt);      /* dflt when absent or not a number */

/* The machine. */
unsigned skiff_cpu_count(void);
uint64_t skiff_mem_total(void);                       /* bytes of usable RAM */
uint64_t skiff_time_ns(void);                         /* monotonic, since boot */
uint64_t skiff_wall_time(void);                       /* Unix seconds */
/* Time CPU cpu has spent halted (idle) since boot: load = 1 - idle / uptime. */
uint64_t skiff_cpu_idle_ns(unsigned cpu);
/* Thread switches CPU cpu has made since boot (each hand-over from one thread to another, idle included). */
uint64_t skiff_cpu_switches(unsigned cpu);
/*
 * With the profiler on (prof.hz=N or prof=1): prints the hottest functions
 * since boot or the last reset on the console; reset starts counting
 * afresh. Returns the busy samples reported, 0 when profiling is off.
 */
uint64_t skiff_prof_report(bool reset);

/*
 * Threads (sched/sched.h has the full contract): cooperative, each bound to
 * one CPU for life; they run until they yield, sleep, block or exit.
 */
struct thread;
/*
 * Creates a thread running fn(arg) on CPU cpu (any online CPU; the caller's
 * own or another). Returns NULL when cpu is not online or memory is short.
 * The thread is joinable: someone must thread_join() it, or it must be
 * detached, or its memory stays. fn's return value is its exit status.
 */
struct thread *thread_create(int (*fn)(void *arg), void *arg, unsigned cpu);
/* Lets every other ready thread on this CPU run first. */
void thread_yield(void);
/* Sleeps for at least ns nanoseconds. Returns 0, or -ENOMEM if no timer slot could be had. */
int thread_sleep(uint64_t ns);
__attribute__((noreturn)) void thread_exit(int status);
/* Waits for t to exit, stores its status, frees it. -EINVAL for self or a detached thread. */
int thread_join(struct thread *t, int *status);
/* t's resources are freed when it exits; it may no longer be joined. */
void thread_detach(struct thread *t);
struct thread *thread_self(void);
unsigned thread_id(const struct thread *t);
unsigned cpu_id(void);

/* Memory accounting, to check that a workload gives back what it took. */
struct skiff_mem_stats {
	uint64_t heap_bytes_in_use;
	uint64_t heap_allocs, heap_frees, heap_failures;
	uint64_t pages_free;
	uint64_t threads_alive;
};
void skiff_mem_stats(struct skiff_mem_stats *st);

#endif

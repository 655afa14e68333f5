/*
 * kernel/prof.c: the sampling profiler (prof.h). The tick is a periodic NMI
 * on every CPU (arch/x86_64/nmi_tick.c), so time spent with interrupts off
 * (the stack's lock is held so) is seen where it is spent. Counts live in
 * two arrays indexed by symbol (kernel/ksyms.c's table), bumped with
 * relaxed atomics from the NMI of any CPU: a sample is a binary search and
 * a few stores, no lock, no allocation. The frame-pointer walk for "total"
 * reads only the interrupted thread's own stack slot (sched_stack_top), so
 * a frame pointer that is not one (a sample in a prologue or in assembly)
 * ends the walk instead of faulting.
 *
 * The report lists the prof.top functions with the most self samples,
 * then those with the most total samples, as "%", samples, name; it is
 * printed when the app exits (kernel_exit) and when the app asks
 * (skiff_prof_report, e.g. apps/httpd's /prof).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/nmi_tick.h"
#include "arch/x86_64/trap.h"
#include "include/skiff.h"
#include "kernel/cmdline.h"
#include "kernel/cpu.h"
#include "kernel/ksyms.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/prof.h"
#include "kernel/time.h"
#include "lib/fmt.h"
#include "mm/heap.h"
#include "sched/sched.h"

SKIFF_OPTION(prof_on, "prof", "1: sample every CPU at 997 Hz (prof.hz) and print the hottest functions at exit");
SKIFF_OPTION(prof_hz, "prof.hz", "profiler samples per second per CPU (0: off, the default; 19 to 10000)");
SKIFF_OPTION(prof_top, "prof.top", "functions the profile lists (default 25)");

#define PROF_DEFAULT_HZ 997
#define PROF_MAX_HZ 10000
#define PROF_DEPTH 16          /* frames walked for "total" */
#define PROF_PAIRS 1024        /* (function, caller) pairs counted, open addressing */
#define PROF_PROBE 16
#define PROF_CALLEES 6         /* hottest functions whose callers are listed */
#define PROF_CALLERS 3         /* callers listed for each */

/* Samples of a function by its caller: key (self << 16 | caller) + 1, 0 = empty. */
struct prof_pair {
	uint32_t key;
	uint32_t n;
};
static struct prof_pair *pairs;
static uint64_t pairs_lost;
static uint32_t *self_n, *total_n;  /* [nsyms + 1]: the last slot is "outside any symbol" */
static size_t nsyms;
static uint64_t idle_n, busy_n, since_ns;
static long hz, top;

bool prof_enabled(void)
{
	return self_n != NULL;
}

static size_t sym_slot(uint64_t addr)
{
	long i = ksyms_index(addr);
	return i < 0 ? nsyms : (size_t)i;
}

static void bump(uint32_t *a, size_t i)
{
	__atomic_fetch_add(&a[i], 1, __ATOMIC_RELAXED);
}

/* One more sample of self called from caller (both symbol slots, < 65535). */
static void pair_bump(size_t self, size_t caller)
{
	uint32_t key = (uint32_t)(self << 16 | caller) + 1;
	uint32_t h = (key * 2654435761u) >> 22;   /* Knuth's multiplicative hash, 10 bits */
	for (unsigned k = 0; k < PROF_PROBE; k++) {
		struct prof_pair *e = &pairs[(h + k) % PROF_PAIRS];
		uint32_t cur = __atomic_load_n(&e->key, __ATOMIC_RELAXED);
		if (cur == 0) {
			uint32_t empty = 0;
			if (__atomic_compare_exchange_n(&e->key, &empty, key, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
				cur = key;
			else
				cur = empty;      /* another CPU took the slot: maybe for this key */
		}
		if (cur == key) {
			__atomic_fetch_add(&e->n, 1, __ATOMIC_RELAXED);
			return;
		}
	}
	__atomic_fetch_add(&pairs_lost, 1, __ATOMIC_RELAXED);
}

static void prof_sample(const struct trap_frame *f)
{
	if (this_cpu()->idle_since) {    /* halted in the idle loop */
		__atomic_fetch_add(&idle_n, 1, __ATOMIC_RELAXED);
		return;
	}
	__atomic_fetch_add(&busy_n, 1, __ATOMIC_RELAXED);
	size_t seen[PROF_DEPTH + 1];
	unsigned n = 0;
	seen[n++] = sym_slot(f->rip);
	bump(self_n, seen[0]);
	bump(total_n, seen[0]);

	uint64_t top_of_stack = sched_stack_top(f->rsp), rbp = f->rbp;
	for (int depth = 0; depth < PROF_DEPTH && top_of_stack; depth++) {
		if (rbp < f->rsp || rbp + 16 > top_of_stack || (rbp & 7))
			break;
		const uint64_t *frame = (const uint64_t *)(uintptr_t)rbp;
		if (!frame[1])
			break;
		size_t s = sym_slot(frame[1] - 1);  /* the call, not what follows it */
		bool dup = false;
		for (unsigned k = 0; k < n; k++)
			dup |= seen[k] == s;
		if (depth == 0 && nsyms < 0xffff)
			pair_bump(seen[0], s);
		if (!dup) {
			seen[n++] = s;
			bump(total_n, s);
		}
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void prof_init(void)
{
	hz = cmdline_get_long("prof.hz", cmdline_get_long("prof", 0) > 0 ? PROF_DEFAULT_HZ : 0);
	top = cmdline_get_long("prof.top", 25);
	if (hz <= 0)
		return;
	if (hz > PROF_MAX_HZ || hz < 19) {
		kwarn("prof", "prof.hz=%ld is outside 19..%d; using %d", hz, PROF_MAX_HZ, PROF_DEFAULT_HZ);
		hz = PROF_DEFAULT_HZ;
	}
	if (top < 1)
		top = 25;
	nsyms = ksyms_count();
	self_n = kzalloc((nsyms + 1) * sizeof(*self_n));
	total_n = kzalloc((nsyms + 1) * sizeof(*total_n));
	pairs = kzalloc(PROF_PAIRS * sizeof(*pairs));
	if (!self_n || !total_n || !pairs) {
		kwarn("prof", "no memory for %zu symbols' counts: profiling off", nsyms);
		goto out_free;
	}
	since_ns = time_ns();
	int err = nmi_tick_start((unsigned)hz, prof_sample);
	if (err) {
		kwarn("prof", "no periodic NMI (%d): profiling off", err);
		goto out_free;
	}
	klog("prof", "sampling every CPU at %ld Hz (NMI, PIT at %u Hz) over %zu symbols", hz,
	     nmi_tick_hz((unsigned)hz), nsyms);
	return;
out_free:
	kfree(self_n);
	kfree(total_n);
	kfree(pairs);
	self_n = total_n = NULL;
	pairs = NULL;
}

static const char *slot_name(size_t i, char *buf, size_t size)
{
	if (i >= nsyms)
		return "(outside the symbol table)";
	fmt_snprintf(buf, size, "@%lx", (unsigned long)ksyms_addr(i));
	return buf;
}

/* The top entries of counts, largest first, each line "  12.3%   456 name". */
static void print_top(const char *what, const uint32_t *counts, uint64_t busy)
{
	uint32_t last = UINT32_MAX;
	size_t last_i = 0;

	klog("prof", "by %s: %%busy samples function", what);
	for (long k = 0; k < top; k++) {
		/* Selection over a snapshot-free array: counts may move under us; the list is a sample anyway. */
		size_t best = SIZE_MAX;
		uint32_t bv = 0;
		for (size_t i = 0; i <= nsyms; i++) {
			uint32_t v = __atomic_load_n(&counts[i], __ATOMIC_RELAXED);
			bool after_last = v < last || (v == last && i > last_i);
			if (v && after_last && (v > bv || best == SIZE_MAX)) {
				best = i;
				bv = v;
			}
		}
		if (best == SIZE_MAX)
			break;
		unsigned long permille = busy ? (unsigned long)((uint64_t)bv * 1000 / busy) : 0;
		char name[KSYMS_FMT_MAX];
		klog("prof", "%5lu.%lu%% %7u %s", permille / 10, permille % 10, bv,
		     slot_name(best, name, sizeof(name)));
		last = bv;
		last_i = best;
	}
}

/* The callers of the PROF_CALLEES functions with the most self samples, PROF_CALLERS each. */
static void print_callers(uint64_t busy)
{
	size_t done[PROF_CALLEES];
	unsigned ndone = 0;

	klog("prof", "callers of the hottest: %%busy samples function <- caller");
	while (ndone < PROF_CALLEES) {
		size_t best = SIZE_MAX;
		for (size_t i = 0; i <= nsyms; i++) {
			bool skip = !self_n[i];
			for (unsigned k = 0; k < ndone; k++)
				skip |= done[k] == i;
			if (!skip && (best == SIZE_MAX || self_n[i] > self_n[best]))
				best = i;
		}
		if (best == SIZE_MAX)
			break;
		done[ndone++] = best;
		uint32_t shown[PROF_CALLERS];
		for (unsigned c = 0; c < PROF_CALLERS; c++) {
			int pick = -1;
			for (int e = 0; e < PROF_PAIRS; e++) {
				uint32_t key = pairs[e].key;
				bool skip = !key || ((key - 1) >> 16) != best;
				for (unsigned k = 0; k < c; k++)
					skip |= shown[k] == key;
				if (!skip && (pick < 0 || pairs[e].n > pairs[pick].n))
					pick = e;
			}
			if (pick < 0)
				break;
			shown[c] = pairs[pick].key;
			uint32_t v = pairs[pick].n;
			unsigned long permille = busy ? (unsigned long)((uint64_t)v * 1000 / busy) : 0;
			char name[KSYMS_FMT_MAX], caller[KSYMS_FMT_MAX];
			klog("prof", "%5lu.%lu%% %7u %s <- %s", permille / 10, permille % 10, v,
			     slot_name(best, name, sizeof(name)),
			     slot_name((pairs[pick].key - 1) & 0xffff, caller, sizeof(caller)));
		}
	}
}

uint64_t prof_report(bool reset)
{
	if (!prof_enabled())
		return 0;
	uint64_t busy = __atomic_load_n(&busy_n, __ATOMIC_RELAXED);
	uint64_t idle = __atomic_load_n(&idle_n, __ATOMIC_RELAXED);
	uint64_t ms = (time_ns() - since_ns) / NSEC_PER_MSEC;
	uint64_t all = busy + idle;
	klog("prof", "%lu samples at %ld Hz on %u CPUs over %lu.%03lu s: %lu busy, %lu idle (%lu%%)",
	     (unsigned long)all, hz, cpu_count(), (unsigned long)(ms / 1000), (unsigned long)(ms % 1000),
	     (unsigned long)busy, (unsigned long)idle, (unsigned long)(all ? idle * 100 / all : 0));
	print_top("self", self_n, busy);
	print_top("total", total_n, busy);
	print_callers(busy);
	klog("prof", "end of profile");
	if (reset) {
		for (size_t i = 0; i <= nsyms; i++) {
			__atomic_store_n(&self_n[i], 0, __ATOMIC_RELAXED);
			__atomic_store_n(&total_n[i], 0, __ATOMIC_RELAXED);
		}
		for (unsigned e = 0; e < PROF_PAIRS; e++) {
			__atomic_store_n(&pairs[e].key, 0, __ATOMIC_RELAXED);
			__atomic_store_n(&pairs[e].n, 0, __ATOMIC_RELAXED);
		}
		__atomic_store_n(&busy_n, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&idle_n, 0, __ATOMIC_RELAXED);
		since_ns = time_ns();
	}
	return busy;
}

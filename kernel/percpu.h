/*
 * kernel/percpu.h: each CPU's own state, reached through the GS base
 * (this_cpu() is one instruction: mov %gs:0). Everything here is touched
 * only by its CPU, except the inbox (lock-free, any CPU posts) and `halted`
 * (read by posters to decide whether an IPI is needed).
 */
#ifndef KERNEL_PERCPU_H
#define KERNEL_PERCPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/x86_64/cpu_init.h"
#include "sched/inbox.h"
#include "sched/runq.h"
#include "sched/timerq.h"

#define MAX_CPUS 64

struct thread;
struct heap;

struct cpu_stats {
	uint64_t switches;         /* context switches */
	uint64_t wakeups_local;    /* threads made ready on this CPU by this CPU */
	uint64_t wakeups_remote;   /* ... by a message from another CPU */
	uint64_t ipis_sent;
	uint64_t ipis_received;
	uint64_t halts;            /* times the idle loop halted */
	uint64_t threads_created;  /* threads that started running here */
};

struct cpu {
	struct cpu *self;          /* %gs:0, so this_cpu() is one load */
	struct arch_cpu *arch;     /* %gs:8 (ARCH_CPU_GS_SLOT): GDT, TSS, IST stacks, APIC timer state */
	unsigned id;               /* 0..cpu_count()-1 */
	uint32_t apic_id;
	bool online;
	struct thread *current;
	struct thread *idle;
	struct thread *zombie;     /* exited thread to finish once off its stack */
	struct runq runq;
	struct timerq timers;
	struct inbox inbox;
	volatile bool halted;      /* in hlt with an empty inbox: posters must IPI */
	unsigned locks_held;       /* spinlocks held now: must be 0 to yield or sleep */
	bool before_switch_due;    /* the running thread left work for its switch (sched.h) */
	uint64_t timer_armed;      /* deadline the scheduler asked the APIC timer for, 0 = none */
	struct heap *heap;         /* this CPU's heap (mm/) */
	struct cpu_stats stats;
	/* Halted time, for load figures (sched_cpu_idle_ns): written by this
	 * CPU only, read by any under idle_seq (odd while being updated). */
	uint64_t idle_seq;
	uint64_t idle_ns;          /* time spent halted, up to the last wake */
	uint64_t idle_since;       /* time_ns() the current halt began, 0: running */
} __attribute__((aligned(64)));

/* arch/ finds its per-CPU state through the GS base (arch/x86_64/cpu_init.h). */
_Static_assert(offsetof(struct cpu, arch) == ARCH_CPU_GS_SLOT, "struct cpu: arch must sit at ARCH_CPU_GS_SLOT");

extern struct cpu cpus[MAX_CPUS];
extern unsigned ncpus_online;

static inline struct cpu *this_cpu(void)
{
	struct cpu *c;
	__asm__ volatile("movq %%gs:0, %0" : "=r"(c));
	return c;
}

/* True inside an interrupt handler (not counting NMIs) on this CPU: arch/x86_64/trap.c counts them. */
static inline bool cpu_in_irq(void)
{
	return this_cpu()->arch->irq_depth != 0;
}

/* Points GS at cpus[id] on the calling CPU. */
void percpu_init(unsigned id, uint32_t apic_id);

#endif

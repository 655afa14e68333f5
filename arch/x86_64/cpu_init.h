/*
 * arch/x86_64/cpu_init.h: each CPU's descriptor tables and the rest of its
 * per-CPU machine state, in memory the kernel provides (Intel SDM vol. 3A
 * ch. 3, 6 and 7). The GDT holds the CPU's own TSS, whose IST stacks catch
 * double faults (IST1) and NMIs (IST2) on a known-good stack, so a kernel
 * stack overflow still produces a report instead of a triple fault. The IDT
 * is one table shared by every CPU, with a stub for every vector.
 *
 * How arch/ finds the calling CPU's struct arch_cpu: the GS base points at
 * the kernel's per-CPU block, whose word at ARCH_CPU_GS_SLOT must hold it
 * (kernel/percpu.h asserts the layout). The kernel stores it right after
 * cpu_init_bsp()/cpu_init_ap() and before anything else of arch/ runs on
 * that CPU (the local APIC timer keeps its deadline here).
 */
#ifndef ARCH_X86_64_CPU_INIT_H
#define ARCH_X86_64_CPU_INIT_H

#include <stdbool.h>
#include <stdint.h>

#define ARCH_CPU_GS_SLOT 8         /* byte offset of the struct arch_cpu pointer from the GS base */
#define ARCH_IST_STACK_SIZE 8192

/* SDM 7.7: the 64-bit task-state segment. */
struct arch_tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));

/* One per CPU, zeroed by whoever provides it, never freed. */
struct arch_cpu {
	uint64_t gdt[5] __attribute__((aligned(16)));
	struct arch_tss tss __attribute__((aligned(16)));
	uint64_t lapic_deadline;   /* deadline the APIC timer hardware is programmed for (lapic.c) */
	unsigned irq_depth;        /* device, timer and IPI handlers running now (trap.c); NMIs not counted */
	uint8_t ist_df[ARCH_IST_STACK_SIZE] __attribute__((aligned(16)));
	uint8_t ist_nmi[ARCH_IST_STACK_SIZE] __attribute__((aligned(16)));
};

/* The boot CPU: fills the shared IDT, then loads a's GDT and TSS and the IDT. */
void cpu_init_bsp(struct arch_cpu *a);
/* An application processor: its own GDT, TSS and IST stacks from a, the shared IDT. */
void cpu_init_ap(struct arch_cpu *a);

/* The calling CPU's struct arch_cpu (see above): one GS-relative load. */
static inline struct arch_cpu *arch_this_cpu(void)
{
	struct arch_cpu *a;
	__asm__ volatile("movq %%gs:%c1, %0" : "=r"(a) : "i"(ARCH_CPU_GS_SLOT));
	return a;
}

/*
 * Shut the CPU down the way a broken kernel would: with an empty IDT an
 * exception cannot be delivered, nor the double fault that follows, so the
 * CPU triple-faults and the machine resets (under QEMU's -no-reboot: QEMU
 * exits). For test.fault=triple (tools/cloudit.sh's "the guest reset").
 */
__attribute__((noreturn)) void cpu_triple_fault(void);

/* CPUID brand string ("QEMU Virtual CPU version 2.5+"), trimmed. */
const char *cpu_model(void);
/* True under QEMU's TCG: hypervisor leaf 0x40000000 says "TCGTCGTCGTCG". */
bool cpu_is_qemu_tcg(void);

#endif

/*
 * arch/x86_64/io.h: port I/O, MSRs, control registers and the few barriers
 * the kernel needs, each a one-instruction inline.
 */
#ifndef ARCH_X86_64_IO_H
#define ARCH_X86_64_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outw(uint16_t port, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port)); }
static inline uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint16_t inw(uint16_t port) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static inline uint32_t inl(uint16_t port) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port)); return v; }

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

/* rdtsc is not serializing; callers that time a short window accept that. */
static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline uint64_t read_cr2(void) { uint64_t v; __asm__ volatile("mov %%cr2, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr3(void) { uint64_t v; __asm__ volatile("mov %%cr3, %0" : "=r"(v)); return v; }
static inline void write_cr3(uint64_t v) { __asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory"); }
static inline uint64_t read_cr0(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=r"(v)); return v; }
static inline uint64_t read_cr4(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }

static inline void irq_enable(void) { __asm__ volatile("sti" : : : "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" : : : "memory"); }
static inline void cpu_halt(void) { __asm__ volatile("hlt" : : : "memory"); }
/* sti;hlt: the one-instruction interrupt shadow after sti makes this race-free. */
static inline void cpu_idle(void) { __asm__ volatile("sti; hlt" : : : "memory"); }
static inline void cpu_relax(void) { __asm__ volatile("pause" : : : "memory"); }

static inline uint64_t irq_save(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0; cli" : "=r"(f) : : "memory");
	return f;
}

static inline void irq_restore(uint64_t f)
{
	if (f & (1u << 9))
		irq_enable();
}

/* Compiler barrier: orders the compiler's memory accesses, not the CPU's. */
#define barrier() __asm__ volatile("" : : : "memory")

/* Full fence: orders loads and stores against device memory and other CPUs. */
static inline void mb(void) { __asm__ volatile("mfence" : : : "memory"); }

/*
 * Ordering against DMA-coherent memory a device reads and writes (virtio
 * rings). x86 is TSO: stores are not reordered with older stores and loads
 * not with older loads, so only the compiler must be stopped; store->load
 * ordering still needs mb().
 */
#define smp_wmb() barrier()   /* earlier stores become visible before later stores */
#define smp_rmb() barrier()   /* earlier loads complete before later loads */

/*
 * A full fence made of port I/O, for machines where mfence is not one
 * (cpu_fences_elided()): QEMU's TCG before 8.1, running one vCPU, drops
 * every guest fence from the code it translates (tcg_gen_mb() without
 * CF_PARALLEL; QEMU commit c914d46d0a64 fixed it), yet its device models
 * read and write guest memory from another host thread. A port access
 * leaves translated code and takes QEMU's global lock, which orders our
 * earlier stores before our later loads on the host. Port 0x80 (POST
 * codes, the classic I/O delay) does nothing else. A VM exit elsewhere.
 */
static inline void io_fence(void) { __asm__ volatile("outb %0, $0x80" : : "a"((uint8_t)0) : "memory"); }

static inline void invlpg(uintptr_t va) { __asm__ volatile("invlpg (%0)" : : "r"(va) : "memory"); }

#endif

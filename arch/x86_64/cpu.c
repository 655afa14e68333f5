/*
 * arch/x86_64/cpu.c: each CPU's GDT, TSS and IST stacks in the struct
 * arch_cpu the kernel hands over, and the one IDT they share (Intel SDM
 * vol. 3A ch. 3, 6 and 7; see cpu_init.h). Also what CPUID tells: the
 * model string, and whether fences are real (cpu_fences_elided).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"

#define GDT_KCODE 0x08
#define GDT_KDATA 0x10
#define GDT_TSS 0x18

struct idt_entry {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;              /* P | DPL | 0 | type (0xe: 64-bit interrupt gate) */
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

struct dt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static struct idt_entry idt[256] __attribute__((aligned(16)));   /* shared: same handlers everywhere */

/* arch/x86_64/isr.S: the stub of vector v is at isr_stubs + v * isr_stub_size (an absolute symbol). */
extern const char isr_stubs[], isr_stub_size[];

static void idt_set(unsigned v, uint64_t handler, uint8_t ist)
{
	idt[v] = (struct idt_entry){
		.off_lo = (uint16_t)handler,
		.sel = GDT_KCODE,
		.ist = ist,
		.type = 0x8e,
		.off_mid = (uint16_t)(handler >> 16),
		.off_hi = (uint32_t)(handler >> 32),
	};
}

static void gdt_load(struct arch_cpu *a)
{
	uint64_t base = (uint64_t)(uintptr_t)&a->tss;
	uint64_t limit = sizeof(a->tss) - 1;
	a->gdt[0] = 0;
	a->gdt[1] = 0x00209a0000000000ull;  /* 64-bit code */
	a->gdt[2] = 0x0000920000000000ull;  /* data */
	/* 16-byte TSS descriptor (SDM 7.2.3): type 9 = available 64-bit TSS. */
	a->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) | (((limit >> 16) & 0xf) << 48) |
		    (((base >> 24) & 0xff) << 56);
	a->gdt[4] = base >> 32;
	struct dt_ptr p = { sizeof(a->gdt) - 1, (uint64_t)(uintptr_t)a->gdt };
	__asm__ volatile(
		"lgdt %0\n\t"
		"pushq %1\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"movw %w2, %%ax\n\t"
		"movw %%ax, %%ds\n\t"
		"movw %%ax, %%es\n\t"
		"movw %%ax, %%ss\n\t"
		"ltr %w3"
		:
		: "m"(p), "i"(GDT_KCODE), "r"(GDT_KDATA), "r"(GDT_TSS)
		: "rax", "memory");
}

static void cpu_load_tables(struct arch_cpu *a)
{
	a->tss.ist[0] = (uint64_t)(uintptr_t)(a->ist_df + sizeof(a->ist_df));
	a->tss.ist[1] = (uint64_t)(uintptr_t)(a->ist_nmi + sizeof(a->ist_nmi));
	a->tss.iomap_base = sizeof(a->tss);
	gdt_load(a);
	struct dt_ptr p = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };
	__asm__ volatile("lidt %0" : : "m"(p));
}

void cpu_init_bsp(struct arch_cpu *a)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set(v, (uint64_t)(uintptr_t)isr_stubs + v * (uint64_t)(uintptr_t)isr_stub_size,
			v == 8 ? 1 : v == 2 ? 2 : 0);
	cpu_load_tables(a);
}

void cpu_init_ap(struct arch_cpu *a)
{
	cpu_load_tables(a);
}

void cpu_triple_fault(void)
{
	/* SDM vol. 3A 6.14.1: a fault while delivering the double fault is a triple fault. */
	struct dt_ptr p = { 0, 0 };
	__asm__ volatile("cli\n\tlidt %0\n\tint3" : : "m"(p) : "memory");
	for (;;)
		__asm__ volatile("hlt");
}

const char *cpu_model(void)
{
	static char model[49];
	if (model[0])
		return model;
	uint32_t r[12], a, b, c, d;
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a < 0x80000004) {
		strcpy(model, "unknown x86-64");
		return model;
	}
	for (uint32_t i = 0; i < 3; i++)
		cpuid(0x80000002 + i, 0, &r[i * 4], &r[i * 4 + 1], &r[i * 4 + 2], &r[i * 4 + 3]);
	memcpy(model, r, 48);
	model[48] = 0;
	/* Brand strings are padded with spaces on either side. */
	char *s = model;
	while (*s == ' ')
		s++;
	memmove(model, s, strlen(s) + 1);
	for (size_t n = strlen(model); n && model[n - 1] == ' '; n--)
		model[n - 1] = 0;
	return model;
}

bool cpu_is_qemu_tcg(void)
{
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	if (!(c & (1u << 31)))
		return false;      /* CPUID.01H:ECX[31]: no hypervisor, so real fences */
	cpuid(0x40000000, 0, &a, &b, &c, &d);
	char sig[12];
	memcpy(sig, &b, 4);
	memcpy(sig + 4, &c, 4);
	memcpy(sig + 8, &d, 4);
	return memcmp(sig, "TCGTCGTCGTCG", 12) == 0;
}

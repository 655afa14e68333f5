/*
 * arch/x86_64/lapic.c: the boot CPU's local APIC in xAPIC (MMIO) mode
 * (Intel SDM vol. 3A ch. 11) and the legacy 8259 PICs it replaces.
 *
 * Promises: after lapic_init the APIC is software-enabled with spurious
 * vector IRQ_VECTOR_SPURIOUS, LINT0 (ExtINT from the 8259) masked, LINT1 NMI,
 * and the timer armed only by lapic_timer_set. The timer uses TSC-deadline
 * mode (11.5.4.1) when CPUID.01H:ECX[24] offers it, else one-shot mode at
 * bus clock / 16, calibrated against the TSC; a one-shot count is capped at
 * 32 bits and re-armed until the deadline is reached, so any deadline works.
 *
 * Deviation: firmware that left the APIC in x2APIC mode is taken back to
 * xAPIC (11.12.5: through the disabled state); x2APIC ids above 255 are
 * therefore not supported.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/acpi.h"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/apic_priv.h"
#include "arch/x86_64/arch_log.h"
#include "arch/x86_64/cpu_init.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"
#include "arch/x86_64/tsc.h"

/* Register offsets (SDM table 11-1). */
#define LAPIC_ID 0x20
#define LAPIC_VER 0x30
#define LAPIC_TPR 0x80
#define LAPIC_EOI 0xb0
#define LAPIC_SVR 0xf0
#define LAPIC_ESR 0x280
#define LAPIC_LVT_TIMER 0x320
#define LAPIC_LVT_LINT0 0x350
#define LAPIC_LVT_LINT1 0x360
#define LAPIC_LVT_ERROR 0x370
#define LAPIC_TIMER_INIT 0x380
#define LAPIC_TIMER_CUR 0x390
#define LAPIC_TIMER_DIV 0x3e0

#define LVT_MASKED (1u << 16)
#define LVT_NMI (4u << 8)                    /* delivery mode 100b */
#define LVT_TIMER_TSC_DEADLINE (2u << 17)    /* 11.5.1: timer mode field */
#define SVR_ENABLE (1u << 8)
#define TIMER_DIV_16 0x3                     /* figure 11-10 */

#define MSR_APIC_BASE 0x1b
#define APIC_BASE_X2APIC (1u << 10)
#define APIC_BASE_ENABLE (1u << 11)
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ull
#define MSR_TSC_DEADLINE 0x6e0
#define CPUID1_ECX_TSC_DEADLINE (1u << 24)

/*
 * The one-shot rate is measured over at least CALIB_US, with the TSC read
 * on both sides of the count's start (the INIT write) and of its end (the
 * CUR read): a window whose two brackets add up to more than 1/1000 of it
 * (a vCPU descheduled right there) is measured again, so the rate is
 * within 0.1%. At bus clock / 16 (62.5 MHz on QEMU and KVM) 500 us are
 * 31,250 counts. It was 10 ms of busy-waiting in every boot.
 */
#define CALIB_US 500u
#define CALIB_TRIES 5

static volatile uint32_t *lapic;    /* NULL until lapic_init */
static bool tsc_deadline;
static uint64_t timer_hz;           /* one-shot: counts per second after the divider */
static uint64_t ticks_mult;         /* one-shot: ticks = (ns * ticks_mult) >> 32 */
/*
 * Written by threads, read by the timer interrupt: volatile, or a compiler
 * that sees both writers (LTO inlined apic.c's check into kmain) drops the
 * first store of "set handler; wait; clear handler" as dead, the wait's
 * asm "memory" clobber notwithstanding (the statics' address never
 * escapes), and the interrupt finds no handler.
 */
static void (*volatile timer_fn)(void *ctx);
static void *volatile timer_ctx;

static uint32_t lapic_read(unsigned reg)
{
	return lapic[reg / 4];
}

static void lapic_write(unsigned reg, uint32_t v)
{
	lapic[reg / 4] = v;
}

static void io_wait(void)
{
	outb(0x80, 0);          /* POST port: a write takes about 1 us, which old 8259s needed between ICWs */
}

void pic_disable(void)
{
	/* 8259A datasheet ICW1-ICW4: reinitialise so a stray IRQ lands on 0x20-0x2f, not on an exception vector. */
	outb(0x20, 0x11);
	io_wait();
	outb(0xa0, 0x11);
	io_wait();
	outb(0x21, 0x20);
	io_wait();
	outb(0xa1, 0x28);
	io_wait();
	outb(0x21, 0x04);      /* master: slave on IR2 */
	io_wait();
	outb(0xa1, 0x02);      /* slave: cascade identity 2 */
	io_wait();
	outb(0x21, 0x01);      /* 8086 mode */
	io_wait();
	outb(0xa1, 0x01);
	io_wait();
	outb(0x21, 0xff);      /* OCW1: mask everything */
	outb(0xa1, 0xff);
}

void lapic_eoi(void)
{
	if (lapic)
		lapic_write(LAPIC_EOI, 0);
}

uint32_t lapic_id(void)
{
	if (lapic)
		return lapic_read(LAPIC_ID) >> 24;
	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	return b >> 24;         /* initial APIC id */
}

bool lapic_tsc_deadline(void)
{
	return tsc_deadline;
}

uint64_t lapic_timer_hz(void)
{
	return tsc_deadline ? 0 : timer_hz;
}

const char *lapic_timer_mode(void)
{
	return tsc_deadline ? "TSC-deadline" : "one-shot";
}

void lapic_timer_set_handler(void (*fn)(void *ctx), void *ctx)
{
	uint64_t f = irq_save();
	timer_fn = fn;
	timer_ctx = ctx;
	irq_restore(f);
}

/* Programs the hardware for armed_deadline; interrupts are off. */
static void timer_program(uint64_t deadline)
{
	uint64_t now = tsc_ns();
	uint64_t delta = deadline > now ? deadline - now : 0;
	if (tsc_deadline) {
		/* A deadline already passed fires at once (11.5.4.1), so delta 0 needs no special case. */
		wrmsr(MSR_TSC_DEADLINE, rdtsc() + tsc_from_ns(delta));
		return;
	}
	uint64_t ticks = (uint64_t)(((unsigned __int128)delta * ticks_mult) >> 32);
	if (ticks == 0)
		ticks = 1;          /* 0 would stop the timer */
	if (ticks > 0xffffffffu)
		ticks = 0xffffffffu;    /* the handler re-arms for the rest */
	lapic_write(LAPIC_TIMER_INIT, (uint32_t)ticks);
}

void lapic_timer_set(uint64_t deadline_ns)
{
	if (!lapic)
		return;
	uint64_t f = irq_save();
	arch_this_cpu()->lapic_deadline = deadline_ns;
	if (deadline_ns)
		timer_program(deadline_ns);
	else if (tsc_deadline)
		wrmsr(MSR_TSC_DEADLINE, 0);          /* 11.5.4.1: writing 0 disarms */
	else
		lapic_write(LAPIC_TIMER_INIT, 0);    /* 11.5.4: a zero initial count stops the timer */
	irq_restore(f);
}

static void lapic_timer_irq(void *ctx)
{
	(void)ctx;
	struct arch_cpu *c = arch_this_cpu();
	uint64_t d = c->lapic_deadline;
	if (!d)
		return;             /* disarmed after the interrupt was already pending */
	if (tsc_ns() < d) {
		timer_program(d);   /* a capped one-shot leg, or calibration error: not yet */
		return;
	}
	c->lapic_deadline = 0;
	if (timer_fn)
		timer_fn(timer_ctx);
}

/* One-shot rate against the TSC: count down from the maximum for CALIB_US (see CALIB_US). */
static void timer_calibrate(void)
{
	lapic_write(LAPIC_LVT_TIMER, LVT_MASKED | IRQ_VECTOR_TIMER);
	lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
	for (int i = 0; i < CALIB_TRIES; i++) {
		uint64_t a = rdtsc();
		lapic_write(LAPIC_TIMER_INIT, 0xffffffffu);
		uint64_t b = rdtsc();
		tsc_udelay(CALIB_US);
		uint64_t c = rdtsc();
		uint32_t cur = lapic_read(LAPIC_TIMER_CUR);
		uint64_t d = rdtsc();
		lapic_write(LAPIC_TIMER_INIT, 0);
		uint64_t counted = 0xffffffffull - cur;
		uint64_t span = (c + d) / 2 - (a + b) / 2;
		timer_hz = counted * tsc_hz() / (span ? span : 1);
		if ((b - a + d - c) * 1000 < span)
			break;   /* tight enough; else measure again (the last try stands) */
	}
	if (timer_hz < 1000 || timer_hz >= (1ull << 32)) {
		arch_warn("apic", "timer calibration gave %lu Hz; assuming 62.5 MHz", (unsigned long)timer_hz);
		timer_hz = 62500000;    /* QEMU and KVM: 1 GHz / 16 */
	}
	ticks_mult = (timer_hz << 32) / NSEC_PER_SEC;
}

/* SDM 11.4.3: firmware may hand over in x2APIC mode; reach xAPIC through the disabled state. */
static uint64_t apic_base_xapic(void)
{
	uint64_t base = rdmsr(MSR_APIC_BASE);
	if (base & APIC_BASE_X2APIC) {
		wrmsr(MSR_APIC_BASE, base & ~(uint64_t)(APIC_BASE_X2APIC | APIC_BASE_ENABLE));
		base &= ~(uint64_t)APIC_BASE_X2APIC;
	}
	if (!(base & APIC_BASE_ENABLE))
		wrmsr(MSR_APIC_BASE, base | APIC_BASE_ENABLE);
	return base;
}

/* This CPU's local APIC registers: accept all priorities, mask LINT0, enable, pick the timer mode. */
static void lapic_setup(void)
{
	lapic_write(LAPIC_TPR, 0);              /* accept every priority class */
	lapic_write(LAPIC_LVT_LINT0, LVT_MASKED);   /* ExtINT from the (masked) 8259 */
	lapic_write(LAPIC_LVT_LINT1, LVT_NMI);
	lapic_write(LAPIC_LVT_ERROR, LVT_MASKED);
	lapic_write(LAPIC_ESR, 0);              /* 11.5.3: back-to-back writes clear it */
	lapic_write(LAPIC_ESR, 0);
	lapic_write(LAPIC_SVR, SVR_ENABLE | IRQ_VECTOR_SPURIOUS);
	lapic_write(LAPIC_EOI, 0);              /* drop anything firmware left in service */

	uint32_t a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	tsc_deadline = c & CPUID1_ECX_TSC_DEADLINE;
	if (tsc_deadline) {
		lapic_write(LAPIC_LVT_TIMER, LVT_TIMER_TSC_DEADLINE | IRQ_VECTOR_TIMER);
		/* 11.5.4.1: the MMIO LVT write must be ordered before the WRMSR that arms the deadline. */
		mb();
		wrmsr(MSR_TSC_DEADLINE, 0);
	} else {
		if (!timer_hz)
			timer_calibrate();   /* once: every CPU's APIC timer runs off the same bus clock */
		lapic_write(LAPIC_TIMER_DIV, TIMER_DIV_16);
		lapic_write(LAPIC_LVT_TIMER, IRQ_VECTOR_TIMER);   /* one-shot, unmasked; count 0 = idle */
	}
}

void lapic_init(void)
{
	uint64_t base = apic_base_xapic();
	uint64_t addr = acpi_info.lapic_addr ? acpi_info.lapic_addr : (base & APIC_BASE_ADDR_MASK);
	if ((base & APIC_BASE_ADDR_MASK) != addr)
		arch_warn("apic", "MADT says the local APIC is at %#lx, IA32_APIC_BASE %#lx; using the MSR",
		          (unsigned long)addr, (unsigned long)(base & APIC_BASE_ADDR_MASK));
	addr = base & APIC_BASE_ADDR_MASK;      /* what the CPU actually decodes */
	lapic = (volatile uint32_t *)(uintptr_t)addr;

	irq_set_handler(IRQ_VECTOR_TIMER, lapic_timer_irq, 0);
	lapic_setup();
	uint32_t ver = lapic_read(LAPIC_VER);
	if (tsc_deadline)
		arch_log("apic", "local APIC id %u at %#lx, version %#x, %u LVTs; timer: TSC-deadline", lapic_id(),
		         (unsigned long)addr, ver & 0xff, ((ver >> 16) & 0xff) + 1);
	else
		arch_log("apic", "local APIC id %u at %#lx, version %#x, %u LVTs; timer: one-shot, %lu.%03lu MHz (bus/16)",
		         lapic_id(), (unsigned long)addr, ver & 0xff, ((ver >> 16) & 0xff) + 1,
		         (unsigned long)(timer_hz / 1000000), (unsigned long)(timer_hz / 1000 % 1000));
}

void lapic_init_ap(void)
{
	/* Same MSR dance as the BSP: an AP may start in x2APIC mode too. */
	apic_base_xapic();
	lapic_setup();
}

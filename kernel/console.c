/*
 * kernel/console.c: the COM1 16550 UART (PC16550D datasheet: DLAB divisor
 * latch, LCR 8N1, FCR FIFO enable, IER, LSR). Output is polled: a write
 * waits for THR empty; under QEMU that wait is never taken, on real
 * hardware it is bounded by the baud rate. console_write() takes no lock
 * (a panic must print whatever another CPU holds); console_write_whole()
 * keeps one caller's text in one piece.
 *
 * Input is interrupt-driven (see console.h): the receive-data-available
 * interrupt (IER bit 0) drains the receive FIFO into a ring under a
 * spinlock that readers take too (with interrupts off, so the handler can
 * never spin on a lock its own CPU holds). IRQ 4 is edge-triggered, so the
 * handler reads until LSR says the FIFO is empty; otherwise no new edge
 * would come.
 */
#include <stdarg.h>
#include <stddef.h>

#include "arch/x86_64/apic.h"
#include "arch/x86_64/io.h"
#include "arch/x86_64/trap.h"
#include "kernel/console.h"
#include "kernel/log.h"
#include "kernel/percpu.h"
#include "kernel/spinlock.h"
#include "lib/fmt.h"
#include "sched/sched.h"

#define COM1 0x3f8
#define COM1_IRQ 4                 /* ISA IRQ of COM1 */
#define UART_RBR 0
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0
#define UART_DLM 1
#define IER_RDA 0x01               /* received data available (and the FIFO's character timeout) */
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08              /* on a PC, gates the UART's interrupt line to the PIC/I/O APIC */
#define LSR_DR 0x01
#define LSR_THRE 0x20
/* Bytes read per interrupt at most: the FIFO holds 16; a UART stuck at "data ready" must not hang us. */
#define RX_BURST_MAX 256

static struct spinlock rx_lock = SPINLOCK_INIT("console");
static uint8_t rx_ring[CONSOLE_RX_RING];
static uint32_t rx_head;           /* next byte to read; under rx_lock */
static uint32_t rx_count;          /* bytes buffered; written under rx_lock, read anywhere */
static struct console_stats rx_stats;   /* under rx_lock */
static void (*rx_hook)(void *ctx);      /* under rx_lock */
static void *rx_hook_ctx;
static struct waitq rx_wq;         /* console_getc() sleepers */

void console_init(void)
{
	outb(COM1 + UART_IER, 0x00);     /* no interrupts until console_input_init() */
	outb(COM1 + UART_LCR, 0x80);     /* DLAB on to set the divisor */
	outb(COM1 + UART_DLL, 1);        /* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, 0x03);     /* 8 data bits, no parity, 1 stop */
	outb(COM1 + UART_FCR, 0xc7);     /* FIFO on, cleared, 14-byte trigger */
	outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS);
}

static void uart_putc(char c)
{
	/* Bounded: a UART that never drains (none present) loses output, not the CPU. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}

static uint64_t tx_bytes, tx_tsc;   /* racy across CPUs: statistics only */

void console_write(const char *s, size_t n)
{
	uint64_t t0 = rdtsc();
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
	tx_bytes += n;
	tx_tsc += rdtsc() - t0;
}

static struct spinlock console_lock = SPINLOCK_INIT("console");

void console_write_whole(const char *s, size_t n)
{
	uint64_t f = spin_lock_irqsave(&console_lock);
	console_write(s, n);
	spin_unlock_irqrestore(&console_lock, f);
}

int kvprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = fmt_vsnprintf(buf, sizeof(buf), fmt, ap);
	size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
	console_write(buf, len);
	return n;
}

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvprintf(fmt, ap);
	va_end(ap);
	return n;
}

/* ---- input ---- */

static void console_irq(void *ctx)
{
	(void)ctx;
	unsigned got = 0;
	spin_lock(&rx_lock);   /* interrupts are already off */
	rx_stats.rx_irqs++;
	while (got < RX_BURST_MAX && (inb(COM1 + UART_LSR) & LSR_DR)) {
		uint8_t c = inb(COM1 + UART_RBR);
		got++;
		rx_stats.rx_bytes++;
		if (rx_count == CONSOLE_RX_RING) {
			rx_stats.rx_dropped++;
			continue;
		}
		rx_ring[(rx_head + rx_count) % CONSOLE_RX_RING] = c;
		__atomic_store_n(&rx_count, rx_count + 1, __ATOMIC_RELEASE);
	}
	void (*hook)(void *) = rx_hook;
	void *hook_ctx = rx_hook_ctx;
	spin_unlock(&rx_lock);
	if (!got)
		return;
	waitq_wake_all(&rx_wq);
	if (hook)
		hook(hook_ctx);
}

void console_input_init(void)
{
	waitq_init(&rx_wq);
	/* No UART answers with all ones: nothing to route. */
	if (inb(COM1 + UART_LSR) == 0xff) {
		kwarn("console", "no UART at COM1: no console input");
		return;
	}
	int vec = irq_alloc_vector();
	if (vec < 0) {
		kwarn("console", "no free interrupt vector (%d): no console input", vec);
		return;
	}
	unsigned flags;
	uint32_t gsi = ioapic_isa_gsi(COM1_IRQ, &flags);
	irq_set_handler((unsigned)vec, console_irq, NULL);
	int err = ioapic_route(gsi, (uint8_t)vec, flags, (uint8_t)cpus[0].apic_id);
	if (err) {
		irq_set_handler((unsigned)vec, NULL, NULL);
		kwarn("console", "cannot route IRQ %d (GSI %u): %d; no console input", COM1_IRQ, gsi, err);
		return;
	}
	outb(COM1 + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	outb(COM1 + UART_IER, IER_RDA);
	/*
	 * Bytes that arrived before IER was set raised no edge: take them now
	 * (the handler is what the interrupt would have run).
	 */
	uint64_t f = irq_save();
	console_irq(NULL);
	irq_restore(f);
}

size_t console_read(void *buf, size_t n)
{
	uint8_t *out = buf;
	uint64_t f = spin_lock_irqsave(&rx_lock);
	size_t k = n < rx_count ? n : rx_count;
	for (size_t i = 0; i < k; i++)
		out[i] = rx_ring[(rx_head + i) % CONSOLE_RX_RING];
	rx_head = (uint32_t)((rx_head + k) % CONSOLE_RX_RING);
	__atomic_store_n(&rx_count, rx_count - (uint32_t)k, __ATOMIC_RELEASE);
	spin_unlock_irqrestore(&rx_lock, f);
	return k;
}

bool console_readable(void)
{
	return __atomic_load_n(&rx_count, __ATOMIC_ACQUIRE) != 0;
}

static bool rx_ready(void *arg)
{
	(void)arg;
	return console_readable();
}

int console_getc(void)
{
	for (;;) {
		uint8_t c;
		if (console_read(&c, 1) == 1)
			return c;
		/* Another reader may take the byte that woke us: then wait again. */
		waitq_wait(&rx_wq, rx_ready, NULL, WAITQ_FOREVER);
	}
}

void console_set_input_hook(void (*fn)(void *ctx), void *ctx)
{
	uint64_t f = spin_lock_irqsave(&rx_lock);
	rx_hook = fn;
	rx_hook_ctx = ctx;
	spin_unlock_irqrestore(&rx_lock, f);
}

void console_get_stats(struct console_stats *st)
{
	uint64_t f = spin_lock_irqsave(&rx_lock);
	*st = rx_stats;
	spin_unlock_irqrestore(&rx_lock, f);
	st->tx_bytes = tx_bytes;
	st->tx_tsc = tx_tsc;
}

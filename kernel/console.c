/*
 * kernel/console.c: COM1 16550 UART output (PC16550D datasheet: DLAB divisor
 * latch, LCR 8N1, FCR FIFO enable). Transmission waits for THR empty; under
 * QEMU that wait is never taken, on real hardware it is bounded by the baud
 * rate. console_write() takes no lock (a panic must print whatever another
 * CPU holds); console_write_whole() keeps one caller's text in one piece.
 */
#include <stdarg.h>
#include <stddef.h>

#include "arch/x86_64/io.h"
#include "kernel/console.h"
#include "kernel/spinlock.h"
#include "lib/fmt.h"

#define COM1 0x3f8
#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0
#define UART_DLM 1
#define LSR_THRE 0x20

void console_init(void)
{
	outb(COM1 + UART_IER, 0x00);     /* no UART interrupts: output is polled */
	outb(COM1 + UART_LCR, 0x80);     /* DLAB on to set the divisor */
	outb(COM1 + UART_DLL, 1);        /* 115200 / 1 */
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, 0x03);     /* 8 data bits, no parity, 1 stop */
	outb(COM1 + UART_FCR, 0xc7);     /* FIFO on, cleared, 14-byte trigger */
	outb(COM1 + UART_MCR, 0x03);     /* DTR, RTS */
}

static void uart_putc(char c)
{
	/* Bounded: a UART that never drains (none present) loses output, not the CPU. */
	for (int i = 0; i < 100000 && !(inb(COM1 + UART_LSR) & LSR_THRE); i++)
		cpu_relax();
	outb(COM1 + UART_THR, (uint8_t)c);
}

void console_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc('\r');
		uart_putc(s[i]);
	}
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

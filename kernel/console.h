/*
 * kernel/console.h: the kernel's console, COM1 at 115200 8N1. Every line
 * the kernel logs goes there and nowhere else.
 *
 * Input: the UART's receive interrupt (IRQ 4 through the I/O APIC, to
 * CPU 0) moves every received byte into a 4 KiB ring; when the ring is
 * full, new bytes are dropped and counted (console_get_stats). Readers on
 * any CPU take bytes out in arrival order. Before console_input_init()
 * (or without a UART) nothing is ever readable.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_RX_RING 4096u   /* bytes of input kept until read */

void console_init(void);
void console_write(const char *s, size_t n);
/*
 * console_write under the console lock: the text of one call stays whole
 * when several CPUs print at once (log lines, printf). Not for panic paths,
 * which must print even while another CPU holds the lock.
 */
void console_write_whole(const char *s, size_t n);
int kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int kvprintf(const char *fmt, va_list ap);

/* Boot, once the I/O APIC is up: route IRQ 4 and enable the receive interrupt. */
void console_input_init(void);

/* Takes up to n buffered bytes; never blocks. Returns the count, 0 when none. */
size_t console_read(void *buf, size_t n);
/* True when console_read() would return at least one byte. */
bool console_readable(void);
/*
 * Blocks the calling thread (never the CPU) until a byte arrives and
 * returns it (0-255). With several readers, each byte goes to one.
 */
int console_getc(void);
/*
 * The hook is called after the interrupt handler has added bytes to the
 * ring: in interrupt context on CPU 0, interrupts off, no lock held. It
 * must not block or take long (event_signal() or waitq_wake_*() is the
 * idea); it may call console_readable() and console_read(). fn NULL
 * removes it. Bytes that came before the hook was set do not call it.
 */
void console_set_input_hook(void (*fn)(void *ctx), void *ctx);

struct console_stats {
	uint64_t rx_bytes;     /* received by the UART, kept or not */
	uint64_t rx_dropped;   /* of those, lost to a full ring */
	uint64_t rx_irqs;      /* receive interrupts taken */
	uint64_t tx_bytes;     /* written to the UART */
	uint64_t tx_tsc;       /* TSC ticks spent writing them (boot.trace shows it) */
};
void console_get_stats(struct console_stats *st);

#endif

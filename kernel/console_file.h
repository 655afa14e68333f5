/*
 * kernel/console_file.h: the serial console as descriptors 0, 1 and 2
 * (sock/fd.h), so apps read and write it with read()/write() and poll()
 * it with their sockets.
 *
 * Writes go to console_write_whole() (one write's bytes stay together).
 * Reads take what the receive interrupt put in the console's ring
 * (kernel/console.h; bytes as they came: no echo, no line editing): a
 * non-blocking read with nothing there says EAGAIN and a blocking one
 * waits for console_file_input(), which the receive interrupt's hook
 * calls to wake readers and pollers. The hook is the console's only one:
 * selftest's test.console mode takes it over for its own checks.
 */
#ifndef KERNEL_CONSOLE_FILE_H
#define KERNEL_CONSOLE_FILE_H

/* Boot, after the heap: install descriptors 0, 1 and 2. */
void console_file_init(void);
/* Input may be there: notify the console's watches. */
void console_file_input(void);

#endif

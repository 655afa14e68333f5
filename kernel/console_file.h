/*
 * kernel/console_file.h: the serial console as descriptors 0, 1 and 2
 * (sock/fd.h), so apps read and write it with read()/write() and poll()
 * it with their sockets.
 *
 * Writes go to console_write(). Until the console has a receive path,
 * reading finds nothing: a non-blocking read says EAGAIN and a blocking
 * one waits for console_file_input(), which the receive interrupt (or
 * whatever feeds input) calls to wake readers and pollers; any context.
 */
#ifndef KERNEL_CONSOLE_FILE_H
#define KERNEL_CONSOLE_FILE_H

/* Boot, after the heap: install descriptors 0, 1 and 2. */
void console_file_init(void);
/* Input may be there: notify the console's watches. */
void console_file_input(void);

#endif

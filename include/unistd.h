/*
 * include/unistd.h: descriptor I/O (read, write, close, dup) and sleeps.
 * Descriptors 0, 1 and 2 are the serial console.
 */
#ifndef SKIFF_UNISTD_H
#define SKIFF_UNISTD_H

#include <sys/types.h>

#define STDIN_FILENO	0
#define STDOUT_FILENO	1
#define STDERR_FILENO	2

ssize_t read(int fd, void *buf, size_t len);
ssize_t write(int fd, const void *buf, size_t len);
int close(int fd);
int dup(int fd);
int dup2(int fd, int newfd);
unsigned int sleep(unsigned int seconds);
int usleep(useconds_t usec);
/* 1: the image is one process. */
pid_t getpid(void);
/* The calling thread's id (skiff's thread_id()), as Linux's gettid(2). */
pid_t gettid(void);

#endif

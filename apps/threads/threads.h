/*
 * apps/threads/threads.h: the modes in other files of apps/threads.
 */
#ifndef APPS_THREADS_THREADS_H
#define APPS_THREADS_THREADS_H

/* threads.mode=pthread (pthreads.c): 0 when every check passed. */
int pthread_mode(void);
/* threads.mode=spin (spin.c): a busy loop on each of ncpu CPUs; 0 when all ran. */
int spin_mode(unsigned ncpu);

#endif

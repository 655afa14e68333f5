/*
 * apps/threads/threads.h: the modes in other files of apps/threads.
 */
#ifndef APPS_THREADS_THREADS_H
#define APPS_THREADS_THREADS_H

/* threads.mode=pthread (pthreads.c): 0 when every check passed. */
int pthread_mode(void);

#endif

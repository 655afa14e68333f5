/*
 * apps/bsdecho/bsdecho.h: what main.c and evloop.c share: the counters
 * and the epoll server.
 */
#ifndef APPS_BSDECHO_H
#define APPS_BSDECHO_H

void bsdecho_count_open(void);
void bsdecho_count_close(void);
void bsdecho_count_bytes(unsigned long n);
/* Serve echo on the listening socket lfd from this thread, for ever. */
int bsdecho_evloop(int lfd);

#endif

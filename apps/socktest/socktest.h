/*
 * apps/socktest/socktest.h: the parts of socktest (seed 001's demo of the
 * xv6 loopback socket API, include/xv6/socket.h) that its files share.
 */
#ifndef APPS_SOCKTEST_SOCKTEST_H
#define APPS_SOCKTEST_SOCKTEST_H

#include <stdbool.h>
#include <stdint.h>

/* An echo server thread: listen(port), then echo until the client leaves,
 * then disconnect. Its results, read after echo_join(). */
struct echo_srv {
	int port;
	int listen_rc;			/* listen()'s return */
	int end_rc;			/* the recv/send code that ended it */
	uint64_t bytes;			/* echoed */
	struct thread *th;
};

/* Starts one on CPU cpu (mod the CPU count). 0, or -1 when no thread. */
int echo_start(struct echo_srv *e, int port, unsigned cpu);
void echo_join(struct echo_srv *e);

/* connect(port, host) until something listens there (E_NOTFOUND for at
 * most wait_ms), then what connect returned. */
int connect_wait(int port, const char *host, unsigned wait_ms);
/* recv until len bytes came: len, or the first error. */
int recv_all(int port, char *buf, int len);

void sleep_ms(unsigned ms);
uint64_t now_ms(void);

/* socktest.mode=check: every error class once; 0 when all passed. */
int check_run(int port);

#endif

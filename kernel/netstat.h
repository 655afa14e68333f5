/*
 * kernel/netstat.h: printing the network stack's counters (net.stats=N).
 */
#ifndef KERNEL_NETSTAT_H
#define KERNEL_NETSTAT_H

/* Start the periodic report if net.stats=N (seconds) was given. */
void netstat_init(void);
/* Print the counters and TCP connections now. */
void netstat_print(void);

#endif

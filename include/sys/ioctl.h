/*
 * include/sys/ioctl.h: the descriptor requests sockets answer, with Linux's
 * numbers: FIONREAD (int *: bytes readable now; a UDP socket: the length of
 * the next datagram, 0 when none) and FIONBIO (int *: non-zero sets
 * O_NONBLOCK, zero clears it). Any other request, or FIONREAD on a
 * descriptor that is not a socket: -1 with ENOTTY, as Linux answers.
 */
#ifndef SKIFF_SYS_IOCTL_H
#define SKIFF_SYS_IOCTL_H

#define FIONREAD	0x541B
#define TIOCINQ		FIONREAD
#define FIONBIO		0x5421

int ioctl(int fd, unsigned long request, ...);

#endif

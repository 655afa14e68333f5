/*
 * tests/net/udp_flood.c: an open-loop UDP sender for network tests.
 *
 *     udp_flood ADDR PORT SECONDS [PAYLOAD]
 *
 * Sends PAYLOAD-byte datagrams (default 18: minimum-size Ethernet frames)
 * to ADDR:PORT as fast as the host allows, in batches of 64 (sendmmsg),
 * for SECONDS seconds, then prints "udp_flood: N datagrams in S s". Unlike
 * ping -f, which waits for replies, it keeps a guest's receive ring full
 * however fast the guest is, which is what a starvation test needs. Send
 * errors (ENOBUFS, ECONNREFUSED after an ICMP error) are counted and the
 * loop goes on. Built and run by tests/net/net_thread.sh, never by make.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	static char payload[1472];
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	unsigned long sent = 0, errors = 0;
	double seconds, start, end;
	size_t len = 18;
	int fd, i;

	if (argc < 4 || argc > 5 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: udp_flood ADDR PORT SECONDS [PAYLOAD]\n");
		return 2;
	}
	dst.sin_port = htons((unsigned short)atoi(argv[2]));
	seconds = atof(argv[3]);
	if (argc == 5)
		len = (size_t)atoi(argv[4]);
	if (len > sizeof(payload) || seconds <= 0) {
		fprintf(stderr, "udp_flood: bad payload size or duration\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		perror("udp_flood: socket");
		return 1;
	}
	memset(payload, 'x', sizeof(payload));
	iov.iov_base = payload;
	iov.iov_len = len;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = now_s();
	end = start + seconds;
	while (now_s() < end) {
		int n = sendmmsg(fd, msgs, BATCH, 0);

		if (n > 0)
			sent += (unsigned long)n;
		else
			errors++;
	}
	printf("udp_flood: %lu datagrams in %.1f s (%lu send errors)\n", sent, now_s() - start, errors);
	close(fd);
	return 0;
}

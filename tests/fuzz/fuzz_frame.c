/*
 * tests/fuzz/fuzz_frame.c: libFuzzer target: one Ethernet frame into
 * netif_input() of a configured stack (fuzz_util.h: ARP, IPv4 with
 * reassembly, ICMP, UDP echo, a TCP listener and connections, a DHCP
 * client on eth1), then the timers run out and the stack must come back
 * to empty.
 *
 * Input: a control byte (bit 0: the frame arrives on eth1 instead of
 * eth0; bit 1: rewrite the IPv4 and transport checksums first, so the
 * fuzzer gets past them; bit 2: a TCP frame is aimed at the ESTABLISHED
 * connection, fstack_aim_est), then the frame.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fstack s;
	static uint8_t frame[NET_PKT_SMALL_CAP];
	struct fin in = {data, size};
	uint8_t ctl = fin_u8(&in);
	const uint8_t *b;
	size_t len;

	b = fin_take(&in, sizeof(frame), &len);
	memcpy(frame, b, len);
	fstack_init(&s, FSTACK_DHCP);
	if (ctl & 4)
		fstack_aim_est(&s, frame, len);
	if (ctl & 2)
		fuzz_fix_csums(frame, len);
	fstack_input(&s, ctl & 1, frame, len);
	fstack_apps_run(&s);
	fstack_purge(&s);
	fstack_step(&s, 1 * FUZZ_MS);
	fstack_step(&s, 31 * FUZZ_SEC);
	fstack_fini(&s);
	return 0;
}

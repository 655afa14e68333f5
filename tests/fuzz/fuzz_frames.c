/*
 * tests/fuzz/fuzz_frames.c: libFuzzer target: a sequence of frames into
 * one configured stack (fuzz_util.h), so state builds up across them:
 * fragments reassemble, packets wait in the ARP queue, TCP connections
 * open, carry data and close, the DHCP client on eth1 moves on; the fake
 * clock advances between frames and the apps read and echo. At the end
 * every timer runs out and the stack must come back to empty.
 *
 * Input: records of a control byte (bit 0: eth1; bit 1: fix the
 * checksums; bit 2: aim a TCP frame at the ESTABLISHED connection), a delay byte (fuzz_delay_ns: 0, or 1 ms doubling), a
 * big-endian 16-bit length and the frame; at most 64 records.
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
	int i;

	fstack_init(&s, FSTACK_DHCP);
	for (i = 0; i < 64 && in.n; i++) {
		uint8_t ctl = fin_u8(&in), delay = fin_u8(&in);
		size_t want = fin_u16(&in) % sizeof(frame), len;
		const uint8_t *b = fin_take(&in, want, &len);

		memcpy(frame, b, len);
		if (ctl & 4)
			fstack_aim_est(&s, frame, len);
		if (ctl & 2)
			fuzz_fix_csums(frame, len);
		fstack_input(&s, ctl & 1, frame, len);
		fstack_step(&s, fuzz_delay_ns(delay));
	}
	fstack_fini(&s);
	return 0;
}

/*
 * apps/httpd/www_gen.c: files whose bytes are computed when served instead
 * of stored in the image. /1m.bin is 1 MiB of 16-byte records, record k
 * being "%015x\n" of k * 16 (its own offset), the format of apps/toroweb's
 * /big; apps/httpd/httpd.mk writes the same bytes at build time so its
 * size, ETag and Last-Modified are those of the file. Keeping it out of the
 * image takes 1 MiB off the ELF, the ISO and the RAM the guest needs.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "apps/httpd/www.h"

#define REC 16u

/* Record k: 15 lower-case hex digits of k * REC, then a newline. */
static void record(uint64_t k, char rec[REC])
{
	static const char hex[] = "0123456789abcdef";
	uint64_t v = k * REC;

	for (int i = 14; i >= 0; i--) {
		rec[i] = hex[v & 15];
		v >>= 4;
	}
	rec[15] = '\n';
}

void www_gen_1m(uint64_t off, void *dst, size_t n)
{
	uint8_t *d = dst;
	char rec[REC];

	while (n) {
		uint64_t k = off / REC;
		size_t in = (size_t)(off % REC), take = REC - in;

		if (take > n)
			take = n;
		record(k, rec);
		memcpy(d, rec + in, take);
		d += take;
		off += take;
		n -= take;
	}
}

void www_read(const struct www_file *f, uint64_t off, void *dst, size_t n)
{
	if (f->gen)
		f->gen(off, dst, n);
	else
		memmove(dst, f->data + off, n);
}

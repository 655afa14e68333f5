/*
 * tests/fuzz/fuzz_cmdline.c: libFuzzer target: the kernel's command-line
 * parser (kernel/cmdline_parse.c) on any string: the image's defaults
 * merged with a fuzzed fw_cfg line, each value read as a number, every key
 * matched against an interface pattern, the table formatted back into
 * buffers of every size up to 4 KiB; then the formatted line must parse
 * back to the same table.
 *
 * Input: a byte giving the format buffer size (times 16, at least 1), then
 * the command line.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cmdline_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz: finding: cmdline: %s\n", why);
	abort();
}

static void count_warning(void *ctx, const char *msg)
{
	(void)msg;
	++*(unsigned *)ctx;
}

/* Every entry terminated within its field, keys unique. */
static void check_table(const struct cmdline *cl)
{
	int i, j;

	if (cl->n < 0 || cl->n > CMDLINE_MAX_OPTS)
		fail("option count out of bounds");
	for (i = 0; i < cl->n; i++) {
		if (!memchr(cl->opt[i].key, '\0', CMDLINE_MAX_KEY) ||
		    !memchr(cl->opt[i].val, '\0', CMDLINE_MAX_VAL))
			fail("key or value not terminated");
		if (!cl->opt[i].key[0])
			fail("empty key set");
		for (j = 0; j < i; j++)
			if (!strcmp(cl->opt[i].key, cl->opt[j].key))
				fail("duplicate key in the table");
		if (cmdline_lookup(cl, cl->opt[i].key) != cl->opt[i].val)
			fail("lookup does not find a key set");
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cmdline cl, back;
	static char line[8192], out[4096 + 16];
	size_t cap, len, i;
	unsigned warnings = 0;
	int n;

	if (size < 1)
		return 0;
	cap = (size_t)data[0] * 16 + 1;
	len = size - 1 < sizeof(line) - 1 ? size - 1 : sizeof(line) - 1;
	memcpy(line, data + 1, len);
	line[len] = '\0';

	memset(&cl, 0, sizeof(cl));
	cl.warn = count_warning;
	cl.warn_ctx = &warnings;
	cmdline_parse(&cl, "console=ttyS0 eth0.ip=10.0.2.15/24 quiet=1", "image");
	n = cmdline_parse(&cl, line, "fw_cfg");
	/* Sets are counted, overrides too: more than the table holds is fine. */
	if (n < 0)
		fail("negative parse result");
	check_table(&cl);
	for (i = 0; i < (size_t)cl.n; i++) {
		long v;

		cmdline_parse_long(cl.opt[i].val, &v);
		cmdline_key_matches("eth*.ip", cl.opt[i].key);
		cmdline_key_matches(cl.opt[i].key, "eth0.ip");
	}
	/* A short buffer stays terminated and within its size. */
	memset(out, 0x55, sizeof(out));
	cmdline_format(&cl, out, cap);
	if (!memchr(out, '\0', cap) || out[cap] != 0x55)
		fail("format wrote past its buffer or left it unterminated");
	/* A whole line parses back to the same table. */
	cmdline_format(&cl, line, sizeof(line));
	if (strlen(line) + 1 < sizeof(line)) {
		memset(&back, 0, sizeof(back));
		cmdline_parse(&back, line, "image");
		if (back.n != cl.n)
			fail("formatted line parses to a different count");
		for (i = 0; i < (size_t)cl.n; i++)
			if (strcmp(back.opt[i].key, cl.opt[i].key) ||
			    strcmp(back.opt[i].val, cl.opt[i].val))
				fail("formatted line parses to different options");
	}
	return 0;
}

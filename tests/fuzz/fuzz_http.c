/*
 * tests/fuzz/fuzz_http.c: libFuzzer target: apps/httpd's request parser
 * (apps/httpd/http_parse.c) through http_contract_check, the checks the
 * mutated-request unit test runs (tests/unit/httpd/http_contract.h), plus
 * the HTTP-date and entity-tag helpers on raw bytes.
 *
 * Input: a byte that seeds the piece sizes the head arrives in (0: all at
 * once, else 1 .. 64 bytes at a time), then what the client sent.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "apps/httpd/http_parse.h"
#include "http_contract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct pieces {
	uint32_t rng;	/* 0: one piece */
};

static size_t next_piece(void *ctx)
{
	struct pieces *p = ctx;

	if (!p->rng)
		return (size_t)-1 / 2;
	p->rng ^= p->rng << 13;
	p->rng ^= p->rng >> 17;
	p->rng ^= p->rng << 5;
	return 1 + p->rng % 64;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pieces pc;
	const char *why;
	uint64_t t;

	if (size < 1)
		return 0;
	pc.rng = data[0];
	why = http_contract_check(data + 1, size - 1, next_piece, &pc);
	if (why) {
		fprintf(stderr, "fuzz: finding: http parser: %s\n", why);
		abort();
	}
	http_date_parse((const char *)data + 1, size - 1, 1796200000ull, &t);
	http_etag_match((const char *)data + 1, size - 1, "\"abc\"");
	return 0;
}

/*
 * tests/unit/httpd/http_contract.h: the promises of apps/httpd's request
 * parser (http_parse.h) checked on any bytes at all, shared by the
 * mutated-request case of http_parse_test.c and the libFuzzer target
 * tests/fuzz/fuzz_http.c.
 */
#ifndef TESTS_UNIT_HTTPD_HTTP_CONTRACT_H
#define TESTS_UNIT_HTTPD_HTTP_CONTRACT_H

#include <stddef.h>
#include <stdint.h>

/*
 * Treats buf[0..len) as what a client sent on one connection: skips empty
 * lines, scans for a head in pieces of next_piece(ctx) bytes (at least 1),
 * parses each head found, runs the target, If-None-Match and
 * If-Modified-Since helpers on what was parsed, and goes on with the next
 * pipelined request after it. NULL when every result is one the contract
 * names, every head lies within the bytes given and every parsed string
 * within its head; else which promise broke.
 */
const char *http_contract_check(const uint8_t *buf, size_t len,
				size_t (*next_piece)(void *ctx), void *ctx);

#endif

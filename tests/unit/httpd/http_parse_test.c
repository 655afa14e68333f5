/*
 * tests/unit/httpd/http_parse_test.c: apps/httpd/http_parse.c on the host.
 * Heads whole, in pieces and pipelined; every status the parser decides
 * (400, 414, 431, 501, 505) and the framing the server turns into 413;
 * the bounds at and past their limits; obs-fold and the other RFC 9112
 * rejections; Content-Length duplicates and absurd numbers; Connection
 * and persistence; targets; the three HTTP-date formats; If-None-Match.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "apps/httpd/http_parse.h"
#include "http_contract.h"

/* ---- helpers ---- */

/* Scans s in one call: the http_head_scan result, *head_len when done. */
static int scan_once(const char *s, size_t len, size_t *head_len)
{
	struct http_scan st;

	http_scan_reset(&st);
	return http_head_scan(&st, (const uint8_t *)s, len, head_len);
}

/* Scans then parses s (one request, nothing after it): the parser's status. */
static int parse(const char *s, struct http_request *req)
{
	size_t head_len = 0;
	int rc = scan_once(s, strlen(s), &head_len);

	assert_int_equal(rc, HTTP_SCAN_DONE);
	assert_int_equal(head_len, strlen(s));
	return http_parse_request((const uint8_t *)s, head_len, req);
}

static int parse_status(const char *s)
{
	struct http_request req;

	return parse(s, &req);
}

/* A string of n copies of c (freed by the caller). */
static char *repeat(char c, size_t n)
{
	char *p = malloc(n + 1);

	assert_non_null(p);
	memset(p, c, n);
	p[n] = 0;
	return p;
}

/* A request "GET /<target> HTTP/1.1" whose request line is exactly n bytes. */
static char *request_line_of(size_t n, const char *rest)
{
	size_t fixed = strlen("GET / HTTP/1.1");
	char *t = repeat('a', n - fixed);
	size_t cap = n + strlen(rest) + 8;
	char *s = malloc(cap);

	assert_non_null(s);
	snprintf(s, cap, "GET /%s HTTP/1.1\r\n%s", t, rest);
	free(t);
	return s;
}

/* ---- step 1: framing a head ---- */

/* RFC 9112 2.1: a head ends with an empty line; the bytes after it are not
 * part of it. */
static void test_scan_whole_head_done_with_length(void **state)
{
	const char *s = "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET";
	size_t head_len = 0;

	(void)state;
	assert_int_equal(scan_once(s, strlen(s), &head_len), HTTP_SCAN_DONE);
	assert_int_equal(head_len, strlen(s) - 3);
}

/* A head arriving one byte at a time is found at its last byte, not before. */
static void test_scan_byte_by_byte_done_at_last_byte(void **state)
{
	const char *s = "GET /x HTTP/1.1\r\nHost: a\r\nAccept: */*\r\n\r\n";
	size_t len = strlen(s), i, head_len = 0;
	struct http_scan st;

	(void)state;
	http_scan_reset(&st);
	for (i = 1; i < len; i++)
		assert_int_equal(http_head_scan(&st, (const uint8_t *)s, i, &head_len), HTTP_SCAN_MORE);
	assert_int_equal(http_head_scan(&st, (const uint8_t *)s, len, &head_len), HTTP_SCAN_DONE);
	assert_int_equal(head_len, len);
}

/* Pieces that split the CR LF pair and the final empty line. */
static void test_scan_pieces_split_crlf_done(void **state)
{
	const char *s = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	size_t cuts[] = {15, 16, 25, 26, 27}, head_len = 0, i;
	struct http_scan st;

	(void)state;
	http_scan_reset(&st);
	for (i = 0; i < 4; i++)
		assert_int_equal(http_head_scan(&st, (const uint8_t *)s, cuts[i], &head_len), HTTP_SCAN_MORE);
	assert_int_equal(http_head_scan(&st, (const uint8_t *)s, cuts[4], &head_len), HTTP_SCAN_DONE);
	assert_int_equal(head_len, 27);
}

/* RFC 9112 9.3.2: pipelined requests in one segment are framed one by one. */
static void test_scan_pipelined_three_heads_framed_in_order(void **state)
{
	const char *s = "GET /a HTTP/1.1\r\nHost: a\r\n\r\n"
			"HEAD /b HTTP/1.1\r\nHost: a\r\n\r\n"
			"GET /c HTTP/1.1\r\nHost: a\r\n\r\n";
	const char *want[] = {"/a", "/b", "/c"};
	size_t off = 0, len = strlen(s), head_len;
	struct http_request req;
	int i;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(scan_once(s + off, len - off, &head_len), HTTP_SCAN_DONE);
		assert_int_equal(http_parse_request((const uint8_t *)s + off, head_len, &req), 0);
		assert_int_equal(req.target_len, 2);
		assert_memory_equal(req.target, want[i], 2);
		assert_int_equal(req.method, i == 1 ? HTTP_HEAD : HTTP_GET);
		off += head_len;
	}
	assert_int_equal(off, len);
}

/* RFC 9112 2.2: a bare LF ends a line (telnet and nc users). */
static void test_scan_bare_lf_head_parsed(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET /612.html HTTP/1.0\n\n", &req), 0);
	assert_int_equal(req.minor, 0);
	assert_int_equal(parse("GET / HTTP/1.1\nHost: a\r\n\n", &req), 0);
}

/* RFC 9112 2.2: empty lines before a request line are skipped. */
static void test_skip_empty_lines_counts_crlf_and_lf_only(void **state)
{
	(void)state;
	assert_int_equal(http_skip_empty_lines((const uint8_t *)"\r\n\n\r\nGET", 8), 5);
	assert_int_equal(http_skip_empty_lines((const uint8_t *)"\r", 1), 0);
	assert_int_equal(http_skip_empty_lines((const uint8_t *)"\rX", 2), 0);
	assert_int_equal(http_skip_empty_lines((const uint8_t *)"GET", 3), 0);
}

/* ---- bounds ---- */

/* RFC 9112 3: a request line of exactly HTTP_LINE_MAX bytes is served. */
static void test_request_line_at_limit_accepted(void **state)
{
	char *s = request_line_of(HTTP_LINE_MAX, "Host: a\r\n\r\n");

	(void)state;
	assert_int_equal(parse_status(s), 0);
	free(s);
}

/* RFC 9110 15.5.15: one byte more is 414, found before the line ends. */
static void test_request_line_over_limit_414(void **state)
{
	char *s = request_line_of(HTTP_LINE_MAX + 1, "Host: a\r\n\r\n");
	size_t head_len;

	(void)state;
	assert_int_equal(scan_once(s, strlen(s), &head_len), 414);
	/* Without its line end yet: the bound holds for an unfinished line. */
	assert_int_equal(scan_once(s, HTTP_LINE_MAX + 2, &head_len), 414);
	assert_int_equal(scan_once(s, HTTP_LINE_MAX + 1, &head_len), HTTP_SCAN_MORE);
	free(s);
}

/* RFC 9112 3: a method longer than any implemented: 501; no token: 400. */
static void test_request_line_overflow_method_501_garbage_400(void **state)
{
	char *m = repeat('X', HTTP_LINE_MAX + 10), *g = repeat('\x01', HTTP_LINE_MAX + 10);
	size_t head_len;

	(void)state;
	assert_int_equal(scan_once(m, strlen(m), &head_len), 501);
	assert_int_equal(scan_once(g, strlen(g), &head_len), 400);
	free(m);
	free(g);
}

/* RFC 6585 5: a field line past HTTP_FIELD_LINE_MAX is 431. */
static void test_field_line_over_limit_431(void **state)
{
	char *v = repeat('v', HTTP_FIELD_LINE_MAX);
	char *s = malloc(HTTP_FIELD_LINE_MAX + 64);
	size_t head_len;

	(void)state;
	snprintf(s, HTTP_FIELD_LINE_MAX + 64, "GET / HTTP/1.1\r\nX: %s\r\n\r\n", v);
	assert_int_equal(scan_once(s, strlen(s), &head_len), 431);
	free(v);
	free(s);
}

/* RFC 6585 5: the whole head past HTTP_HEAD_MAX is 431, even in short lines. */
static void test_head_over_limit_431(void **state)
{
	size_t cap = HTTP_HEAD_MAX + 4096, n = 0, head_len;
	char *s = malloc(cap);

	(void)state;
	n += (size_t)snprintf(s + n, cap - n, "GET / HTTP/1.1\r\nHost: a\r\n");
	while (n < HTTP_HEAD_MAX)
		n += (size_t)snprintf(s + n, cap - n, "X-Long-Field-Name: %0200d\r\n", 7);
	n += (size_t)snprintf(s + n, cap - n, "\r\n");
	assert_int_equal(scan_once(s, n, &head_len), 431);
	free(s);
}

/* HTTP_FIELDS_MAX field lines are served; one more is 431. */
static void test_field_count_limit_431(void **state)
{
	size_t cap = 64 + (HTTP_FIELDS_MAX + 1) * 8, n, head_len;
	char *s = malloc(cap);
	int i;

	(void)state;
	n = (size_t)snprintf(s, cap, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 1; i < HTTP_FIELDS_MAX; i++)
		n += (size_t)snprintf(s + n, cap - n, "X: %d\r\n", i % 10);
	snprintf(s + n, cap - n, "\r\n");
	assert_int_equal(parse_status(s), 0);
	n += (size_t)snprintf(s + n, cap - n, "Y: 1\r\n");
	snprintf(s + n, cap - n, "\r\n");
	assert_int_equal(scan_once(s, strlen(s), &head_len), 431);
	free(s);
}

/* ---- the request line ---- */

static void test_get_parsed_fields(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET /612.html?x=1 HTTP/1.1\r\nHost: example.com:8080\r\n\r\n", &req), 0);
	assert_int_equal(req.method, HTTP_GET);
	assert_int_equal(req.method_len, 3);
	assert_int_equal(req.target_len, strlen("/612.html?x=1"));
	assert_memory_equal(req.target, "/612.html?x=1", req.target_len);
	assert_int_equal(req.major, 1);
	assert_int_equal(req.minor, 1);
	assert_true(req.keep_alive);
	assert_int_equal(req.body, HTTP_BODY_NONE);
	assert_int_equal(req.inm_count, 0);
	assert_null(req.ims);
}

/* RFC 9110 9.3: known methods other than GET and HEAD are HTTP_OTHER (405). */
static void test_known_methods_other_for_405(void **state)
{
	const char *m[] = {"POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"};
	char s[128];
	struct http_request req;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		snprintf(s, sizeof(s), "%s / HTTP/1.1\r\nHost: a\r\n\r\n", m[i]);
		assert_int_equal(parse(s, &req), 0);
		assert_int_equal(req.method, HTTP_OTHER);
	}
	assert_int_equal(parse("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n", &req), 0);
	assert_int_equal(req.method, HTTP_HEAD);
}

/* RFC 9110 9.1, 15.6.2: methods are case-sensitive; unknown ones are 501. */
static void test_unknown_method_501(void **state)
{
	(void)state;
	assert_int_equal(parse_status("get / HTTP/1.1\r\nHost: a\r\n\r\n"), 501);
	assert_int_equal(parse_status("BREW / HTTP/1.1\r\nHost: a\r\n\r\n"), 501);
	assert_int_equal(parse_status("GETX / HTTP/1.1\r\nHost: a\r\n\r\n"), 501);
}

/* RFC 9110 15.6.6: a major version other than 1 is 505. */
static void test_major_version_not_1_505(void **state)
{
	(void)state;
	assert_int_equal(parse_status("GET / HTTP/2.0\r\nHost: a\r\n\r\n"), 505);
	assert_int_equal(parse_status("GET / HTTP/0.9\r\nHost: a\r\n\r\n"), 505);
	assert_int_equal(parse_status("GET / HTTP/9.9\r\n\r\n"), 505);
}

/* RFC 9110 6.2: a later 1.x minor version is served as 1.1. */
static void test_minor_version_above_1_served(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.7\r\nHost: a\r\n\r\n", &req), 0);
	assert_int_equal(req.minor, 7);
	assert_true(req.keep_alive);
}

/* RFC 9112 3, 2.3: malformed request lines are 400. */
static void test_malformed_request_lines_400(void **state)
{
	const char *bad[] = {
		"GET  / HTTP/1.1\r\nHost: a\r\n\r\n",	/* two SP */
		"GET /  HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.1 \r\nHost: a\r\n\r\n",	/* trailing SP */
		" GET / HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /\r\n\r\n",			/* HTTP/0.9 style */
		"GET / http/1.1\r\nHost: a\r\n\r\n",	/* case */
		"GET / HTTP/1\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.10\r\nHost: a\r\n\r\n",
		"GET / HTTP/11\r\nHost: a\r\n\r\n",
		"GET / HTTP/1.x\r\nHost: a\r\n\r\n",
		"GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n",	/* control in target */
		"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n",
		"GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n",	/* raw UTF-8 */
		"G(T / HTTP/1.1\r\nHost: a\r\n\r\n",	/* not a token */
		"GET /\r HTTP/1.1\r\nHost: a\r\n\r\n",	/* bare CR */
		"GET / HTTP/1.1\rX\r\nHost: a\r\n\r\n",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st = parse_status(bad[i]);

		if (st != 400)
			fail_msg("case %zu: status %d, want 400", i, st);
	}
}

/* ---- field lines ---- */

/* RFC 9112 5.2: obs-fold in a request is rejected with 400. */
static void test_obs_fold_400(void **state)
{
	(void)state;
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n"), 400);
}

/* RFC 9112 2.2: whitespace between the request line and the first field. */
static void test_whitespace_before_first_field_400(void **state)
{
	(void)state;
	assert_int_equal(parse_status("GET / HTTP/1.1\r\n Host: a\r\n\r\n"), 400);
}

/* RFC 9112 5.1: no whitespace between a field name and its colon. */
static void test_space_before_colon_400(void **state)
{
	(void)state;
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost : a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nX-A\t: b\r\n\r\n"), 400);
}

/* RFC 9112 5, RFC 9110 5.5: a line without a colon, an empty name, CR or
 * NUL or another control in a value: 400. */
static void test_bad_field_lines_400(void **state)
{
	static const char nul[] = "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n";
	struct http_request req;

	(void)state;
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nnocolon\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\n: v\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\rc\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\x01\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n"), 400);
	assert_int_equal(http_parse_request((const uint8_t *)nul, sizeof(nul) - 1, &req), 400);
}

/* RFC 9110 5.5: obs-text and HTAB are allowed in values; OWS is trimmed;
 * names are case-insensitive (5.1). */
static void test_field_values_obs_text_and_case(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nhOsT: a\r\nX-A: \xe9t\xe9\t x\r\n"
			       "IF-NONE-MATCH: \t\"abc\"  \r\n\r\n", &req), 0);
	assert_int_equal(req.inm_count, 1);
	assert_int_equal(req.inm_len[0], 5);
	assert_memory_equal(req.inm[0], "\"abc\"", 5);
}

/* RFC 9112 3.2: HTTP/1.1 needs exactly one valid Host; 1.0 may omit it. */
static void test_host_rules_400(void **state)
{
	(void)state;
	assert_int_equal(parse_status("GET / HTTP/1.1\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a/b\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a b\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: u@a\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.0\r\n\r\n"), 0);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost:\r\n\r\n"), 0);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n"), 0);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: 10.0.2.15\r\n\r\n"), 0);
}

/* ---- framing (RFC 9112 6) ---- */

/* Content-Length: 0 is no body; > 0 is a body (the server answers 413). */
static void test_content_length_zero_none_positive_body(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n", &req), 0);
	assert_int_equal(req.body, HTTP_BODY_NONE);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 12\r\n\r\n", &req), 0);
	assert_int_equal(req.body, HTTP_BODY_LENGTH);
	assert_int_equal(req.content_length, 12);
}

/* RFC 9110 8.6: equal duplicates (lines or a list) are one value. */
static void test_content_length_equal_duplicates_accepted(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
			       "Content-Length: 5\r\n\r\n", &req), 0);
	assert_int_equal(req.content_length, 5);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\n", &req), 0);
	assert_int_equal(req.content_length, 5);
}

/* RFC 9112 6.3 item 5: different or invalid lengths are 400. */
static void test_content_length_conflicts_and_junk_400(void **state)
{
	const char *bad[] = {"1\r\nContent-Length: 2", "5, 6", "-1", "+5", "", "5x", "0x10", "1 2",
			     "99999999999999999999", "18446744073709551616", "9223372036854775808", ",", "5,"};
	char s[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int st;

		snprintf(s, sizeof(s), "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: %s\r\n\r\n", bad[i]);
		st = parse_status(s);
		if (st != 400)
			fail_msg("Content-Length: %s: status %d, want 400", bad[i], st);
	}
}

/* The largest length below 2^63 parses (the server still refuses the body). */
static void test_content_length_large_valid_parsed(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 9223372036854775807\r\n\r\n",
			       &req), 0);
	assert_int_equal(req.content_length, 9223372036854775807ull);
}

/* RFC 9112 6.1, 6.3: chunked last is a body; anything else is 400. */
static void test_transfer_encoding_rules(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &req), 0);
	assert_int_equal(req.body, HTTP_BODY_CHUNKED);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n", &req), 0);
	assert_int_equal(req.body, HTTP_BODY_CHUNKED);
	/* item 4: chunked not final */
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
				      "Transfer-Encoding: gzip\r\n\r\n"), 400);
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n"), 400);
	/* item 3: with Content-Length, a smuggling attempt */
	assert_int_equal(parse_status("GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n"
				      "Transfer-Encoding: chunked\r\n\r\n"), 400);
	/* 6.1: in HTTP/1.0 */
	assert_int_equal(parse_status("GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
}

/* ---- persistence (RFC 9112 9.3) ---- */

static void test_keep_alive_rules(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", &req), 0);
	assert_false(req.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, CLOSE\r\n\r\n", &req), 0);
	assert_false(req.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: x\r\nConnection: close\r\n\r\n",
			       &req), 0);
	assert_false(req.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: closed\r\n\r\n", &req), 0);
	assert_true(req.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\n\r\n", &req), 0);
	assert_false(req.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", &req), 0);
	assert_true(req.keep_alive);
	assert_int_equal(parse("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", &req), 0);
	assert_false(req.keep_alive);
}

/* ---- conditionals (RFC 9110 13.1) ---- */

static void test_conditional_fields_collected(void **state)
{
	struct http_request req;

	(void)state;
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"a\"\r\nIf-None-Match: \"b\"\r\n"
			       "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n", &req), 0);
	assert_int_equal(req.inm_count, 2);
	assert_memory_equal(req.inm[1], "\"b\"", 3);
	assert_int_equal(req.ims_count, 1);
	assert_int_equal(req.ims_len, HTTP_DATE_LEN);
}

static void test_etag_match_weak_comparison(void **state)
{
	const char *e = "\"0123abcd\"";

	(void)state;
	assert_true(http_etag_match("\"0123abcd\"", 10, e));
	assert_true(http_etag_match("W/\"0123abcd\"", 12, e));
	assert_true(http_etag_match("\"x\", W/\"y\",\"0123abcd\"", 22, e));
	assert_true(http_etag_match("*", 1, e));
	assert_false(http_etag_match("\"0123abcD\"", 10, e));
	assert_false(http_etag_match("\"0123abcd", 9, e));
	assert_false(http_etag_match("0123abcd", 8, e));
	assert_false(http_etag_match("", 0, e));
	/* A malformed element stops the list. */
	assert_false(http_etag_match("junk, \"0123abcd\"", 16, e));
	assert_false(http_etag_match("\"a b\", \"0123abcd\"", 17, e));
}

/* ---- targets ---- */

static int path_of(const char *target, char *out, size_t cap)
{
	struct http_request req;

	memset(&req, 0, sizeof(req));
	req.target = target;
	req.target_len = strlen(target);
	return http_target_path(&req, out, cap);
}

static void test_target_path_forms(void **state)
{
	char p[64];

	(void)state;
	assert_int_equal(path_of("/612.html", p, sizeof(p)), 9);
	assert_string_equal(p, "/612.html");
	assert_int_equal(path_of("/612.html?x=1#f", p, sizeof(p)), 9);
	assert_string_equal(p, "/612.html");
	assert_int_equal(path_of("/%36%31%32.html", p, sizeof(p)), 9);
	assert_string_equal(p, "/612.html");
	/* RFC 9112 3.2.2: absolute-form */
	assert_int_equal(path_of("http://example.com:80/stats", p, sizeof(p)), 6);
	assert_string_equal(p, "/stats");
	assert_int_equal(path_of("HTTP://example.com", p, sizeof(p)), 1);
	assert_string_equal(p, "/");
	assert_int_equal(path_of("http://example.com?q", p, sizeof(p)), 1);
	/* not a resource here */
	assert_int_equal(path_of("*", p, sizeof(p)), -1);
	assert_int_equal(path_of("example.com:80", p, sizeof(p)), -1);
	assert_int_equal(path_of("ftp://example.com/x", p, sizeof(p)), -1);
	assert_int_equal(path_of("/a%zz", p, sizeof(p)), -1);
	assert_int_equal(path_of("/a%2", p, sizeof(p)), -1);
	assert_int_equal(path_of("/a%00b", p, sizeof(p)), -1);
	/* longer than the buffer: no such file */
	assert_int_equal(path_of("/0123456789", p, 8), -2);
	assert_int_equal(path_of("/012345", p, 8), 7);
}

/* ---- dates (RFC 9110 5.6.7) ---- */

#define RFC_EXAMPLE 784111777ull	/* Sun, 06 Nov 1994 08:49:37 GMT */
#define NOW_2026 1796200000ull		/* December 2026 */

static void test_date_format_imf_fixdate(void **state)
{
	char d[HTTP_DATE_LEN + 1];

	(void)state;
	http_date_format(0, d);
	assert_string_equal(d, "Thu, 01 Jan 1970 00:00:00 GMT");
	http_date_format(RFC_EXAMPLE, d);
	assert_string_equal(d, "Sun, 06 Nov 1994 08:49:37 GMT");
	http_date_format(951782400ull, d);	/* a leap day in a year divisible by 400 */
	assert_string_equal(d, "Tue, 29 Feb 2000 00:00:00 GMT");
	http_date_format(4107542399ull, d);	/* 2100 is not a leap year */
	assert_string_equal(d, "Sun, 28 Feb 2100 23:59:59 GMT");
	http_date_format(4107542400ull, d);
	assert_string_equal(d, "Mon, 01 Mar 2100 00:00:00 GMT");
	http_date_format(4133980799ull, d);
	assert_string_equal(d, "Fri, 31 Dec 2100 23:59:59 GMT");
	assert_int_equal(strlen(d), HTTP_DATE_LEN);
}

/* A recipient MUST accept all three formats. */
static void test_date_parse_three_formats(void **state)
{
	uint64_t t;

	(void)state;
	assert_int_equal(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 29, NOW_2026, &t), 0);
	assert_int_equal(t, RFC_EXAMPLE);
	assert_int_equal(http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT", 30, NOW_2026, &t), 0);
	assert_int_equal(t, RFC_EXAMPLE);
	assert_int_equal(http_date_parse("Sun Nov  6 08:49:37 1994", 24, NOW_2026, &t), 0);
	assert_int_equal(t, RFC_EXAMPLE);
}

/* rfc850 two-digit years: more than 50 years ahead means the last century. */
static void test_date_parse_rfc850_year_window(void **state)
{
	uint64_t t;
	char d[HTTP_DATE_LEN + 1];

	(void)state;
	assert_int_equal(http_date_parse("Monday, 06-Nov-30 08:49:37 GMT", 30, NOW_2026, &t), 0);
	http_date_format(t, d);
	assert_string_equal(d + 7, " Nov 2030 08:49:37 GMT");
	assert_int_equal(http_date_parse("Friday, 06-Nov-76 08:49:37 GMT", 30, NOW_2026, &t), 0);
	http_date_format(t, d);
	assert_string_equal(d + 7, " Nov 2076 08:49:37 GMT");
	assert_int_equal(http_date_parse("Sunday, 06-Nov-77 08:49:37 GMT", 30, NOW_2026, &t), 0);
	http_date_format(t, d);
	assert_string_equal(d + 7, " Nov 1977 08:49:37 GMT");
}

static void test_date_parse_invalid_rejected(void **state)
{
	const char *bad[] = {
		"Sun, 31 Feb 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nov 1994 08:49:37 GMT ",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:00:00 GMT",
		"Sun, 06 Nov 1994 08:60:00 GMT",
		"Sun, 06 Foo 1994 08:49:37 GMT",
		"Sun, 06 Nov 1969 08:49:37 GMT",
		"Xyz, 06 Nov 1994 08:49:37 GMT",
		"sun, 06 Nov 1994 08:49:37 GMT",
		"Sun Nov 6 08:49:37 1994",
		"",
		"1994-11-06T08:49:37Z",
	};
	uint64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (http_date_parse(bad[i], strlen(bad[i]), NOW_2026, &t) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
}

/* Format then parse gives the time back, across four centuries of days. */
static void test_date_round_trip(void **state)
{
	uint64_t t, back;
	char d[HTTP_DATE_LEN + 1];

	(void)state;
	for (t = 0; t < 13000000000ull; t += 86400ull * 97 + 3607) {
		http_date_format(t, d);
		assert_int_equal(http_date_parse(d, strlen(d), NOW_2026, &back), 0);
		assert_int_equal(back, t);
	}
}

static void test_reason_phrases(void **state)
{
	const int codes[] = {200, 304, 400, 404, 405, 408, 413, 414, 431, 500, 501, 503, 505};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		assert_string_not_equal(http_reason(codes[i]), "Unknown");
	assert_string_equal(http_reason(413), "Content Too Large");
	assert_string_equal(http_reason(299), "Unknown");
}

/* ---- malformed input at random ---- */

static uint32_t rng_state = 12345;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

static size_t rng_piece(void *ctx)
{
	(void)ctx;
	return 1 + rng() % 40;
}

/*
 * Valid requests with bytes flipped, dropped, doubled and cut, fed in
 * random pieces (ASan watches every access): http_contract_check (shared
 * with the libFuzzer target tests/fuzz/fuzz_http.c) finds every result
 * one the contract names, a head found within the bytes given, and a
 * parsed request's strings inside the head.
 */
static void test_mutated_requests_results_within_contract(void **state)
{
	static const char *const seeds[] = {
		"GET /612.html HTTP/1.1\r\nHost: a\r\nIf-None-Match: W/\"x\", \"y\"\r\n\r\n",
		"HEAD http://h:80/a?b HTTP/1.0\nConnection: keep-alive\n\n",
		"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\nTransfer-Encoding: chunked\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: [::1]\r\nIf-Modified-Since: Sun Nov  6 08:49:37 1994\r\n\r\n",
	};
	uint8_t buf[512];
	int iter;

	(void)state;
	for (iter = 0; iter < 200000; iter++) {
		const char *seed = seeds[rng() % 4], *why;
		size_t len = strlen(seed);
		int edits = 1 + (int)(rng() % 4);

		memcpy(buf, seed, len);
		while (edits--) {
			size_t at = rng() % len;

			switch (rng() % 4) {
			case 0:
				buf[at] = (uint8_t)rng();
				break;
			case 1:
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
				break;
			case 2:
				if (len + 1 < sizeof(buf)) {
					memmove(buf + at + 1, buf + at, len - at);
					len++;
				}
				break;
			default:
				len = at + 1;
				break;
			}
			if (len < 2)
				break;
		}
		why = http_contract_check(buf, len, rng_piece, NULL);
		if (why)
			fail_msg("iteration %d: %s", iter, why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_whole_head_done_with_length),
		cmocka_unit_test(test_scan_byte_by_byte_done_at_last_byte),
		cmocka_unit_test(test_scan_pieces_split_crlf_done),
		cmocka_unit_test(test_scan_pipelined_three_heads_framed_in_order),
		cmocka_unit_test(test_scan_bare_lf_head_parsed),
		cmocka_unit_test(test_skip_empty_lines_counts_crlf_and_lf_only),
		cmocka_unit_test(test_request_line_at_limit_accepted),
		cmocka_unit_test(test_request_line_over_limit_414),
		cmocka_unit_test(test_request_line_overflow_method_501_garbage_400),
		cmocka_unit_test(test_field_line_over_limit_431),
		cmocka_unit_test(test_head_over_limit_431),
		cmocka_unit_test(test_field_count_limit_431),
		cmocka_unit_test(test_get_parsed_fields),
		cmocka_unit_test(test_known_methods_other_for_405),
		cmocka_unit_test(test_unknown_method_501),
		cmocka_unit_test(test_major_version_not_1_505),
		cmocka_unit_test(test_minor_version_above_1_served),
		cmocka_unit_test(test_malformed_request_lines_400),
		cmocka_unit_test(test_obs_fold_400),
		cmocka_unit_test(test_whitespace_before_first_field_400),
		cmocka_unit_test(test_space_before_colon_400),
		cmocka_unit_test(test_bad_field_lines_400),
		cmocka_unit_test(test_field_values_obs_text_and_case),
		cmocka_unit_test(test_host_rules_400),
		cmocka_unit_test(test_content_length_zero_none_positive_body),
		cmocka_unit_test(test_content_length_equal_duplicates_accepted),
		cmocka_unit_test(test_content_length_conflicts_and_junk_400),
		cmocka_unit_test(test_content_length_large_valid_parsed),
		cmocka_unit_test(test_transfer_encoding_rules),
		cmocka_unit_test(test_keep_alive_rules),
		cmocka_unit_test(test_conditional_fields_collected),
		cmocka_unit_test(test_etag_match_weak_comparison),
		cmocka_unit_test(test_target_path_forms),
		cmocka_unit_test(test_date_format_imf_fixdate),
		cmocka_unit_test(test_date_parse_three_formats),
		cmocka_unit_test(test_date_parse_rfc850_year_window),
		cmocka_unit_test(test_date_parse_invalid_rejected),
		cmocka_unit_test(test_date_round_trip),
		cmocka_unit_test(test_reason_phrases),
		cmocka_unit_test(test_mutated_requests_results_within_contract),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

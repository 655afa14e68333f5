/*
 * tests/unit/httpd/http_contract.c: see http_contract.h.
 */
#include <stddef.h>
#include <stdint.h>

#include "apps/httpd/http_parse.h"
#include "http_contract.h"

#define NOW_2026 1796200000ull	/* December 2026: places rfc850 two-digit years */

/* One parsed request's strings and helpers. */
static const char *check_request(const uint8_t *b, size_t head_len, const struct http_request *req)
{
	char path[64];
	size_t k;

	if ((const uint8_t *)req->target < b ||
	    (const uint8_t *)req->target + req->target_len > b + head_len)
		return "request-target outside the head";
	if ((const uint8_t *)req->method_str < b ||
	    (const uint8_t *)req->method_str + req->method_len > b + head_len)
		return "method outside the head";
	for (k = 0; k < req->inm_count && k < HTTP_COND_MAX; k++) {
		if ((const uint8_t *)req->inm[k] < b ||
		    (const uint8_t *)req->inm[k] + req->inm_len[k] > b + head_len)
			return "If-None-Match value outside the head";
		http_etag_match(req->inm[k], req->inm_len[k], "\"y\"");
	}
	if (req->ims) {
		uint64_t t;

		if ((const uint8_t *)req->ims < b ||
		    (const uint8_t *)req->ims + req->ims_len > b + head_len)
			return "If-Modified-Since value outside the head";
		http_date_parse(req->ims, req->ims_len, NOW_2026, &t);
	}
	{
		int n = http_target_path(req, path, sizeof(path));

		if (n < -2 || n >= (int)sizeof(path))
			return "http_target_path result out of contract";
		if (n >= 0 && path[n] != '\0')
			return "http_target_path result not terminated";
	}
	return NULL;
}

const char *http_contract_check(const uint8_t *buf, size_t len,
				size_t (*next_piece)(void *ctx), void *ctx)
{
	int requests;

	for (requests = 0; requests < 16 && len; requests++) {
		size_t skip = http_skip_empty_lines(buf, len), pos = 0, head_len = 0;
		int rc = HTTP_SCAN_MORE;
		struct http_scan st;
		struct http_request req;
		const char *why;

		if (skip > len)
			return "http_skip_empty_lines past the end";
		buf += skip;
		len -= skip;
		http_scan_reset(&st);
		while (pos < len && rc == HTTP_SCAN_MORE) {
			size_t piece = next_piece(ctx);

			if (piece == 0)
				piece = 1;
			pos = len - pos < piece ? len : pos + piece;
			rc = http_head_scan(&st, buf, pos, &head_len);
		}
		if (!(rc == HTTP_SCAN_MORE || rc == HTTP_SCAN_DONE || rc == 400 || rc == 414 ||
		      rc == 431 || rc == 501))
			return "http_head_scan result out of contract";
		if (rc != HTTP_SCAN_DONE)
			return NULL;
		if (head_len == 0 || head_len > pos)
			return "head length outside the bytes scanned";
		rc = http_parse_request(buf, head_len, &req);
		if (!(rc == 0 || rc == 400 || rc == 501 || rc == 505))
			return "http_parse_request result out of contract";
		if (rc)
			return NULL;	/* the server answers and closes */
		why = check_request(buf, head_len, &req);
		if (why)
			return why;
		/* The next pipelined request starts after this head (bodies are
		 * refused or skipped by the server, not the parser). */
		buf += head_len;
		len -= head_len;
	}
	return NULL;
}

/*
 * apps/httpd/http_parse.h: the HTTP/1.1 request parser of apps/httpd, on
 * its own: no skiff calls, no allocation, no globals, so it builds and is
 * tested on a Linux host (tests/unit/httpd/).
 *
 * A request head is handled in two steps:
 *   1. http_head_scan() looks at the bytes as they arrive (in pieces, or
 *      several requests in one segment) and says where the head ends (its
 *      blank line), or that it is still incomplete, or that a bound was
 *      crossed: 414 (request line), 431 (a field line, the head, the
 *      number of field lines). It resumes where it stopped (struct
 *      http_scan), so a head that trickles in byte by byte costs O(n).
 *   2. http_parse_request() parses a complete head in place: the request
 *      line (RFC 9112 3), the field lines (RFC 9112 5), the framing fields
 *      (RFC 9112 6), Host (RFC 9112 3.2), Connection (RFC 9112 9.3) and the
 *      conditional fields (RFC 9110 13.1.2, 13.1.3). It fills a struct
 *      http_request whose strings point into the head, or returns the
 *      status for the error.
 * Lines end in CRLF or a bare LF (RFC 9112 2.2); a bare CR anywhere else
 * is an error (400). Empty lines before a request line are skipped by the
 * caller (http_skip_empty_lines, RFC 9112 2.2).
 *
 * Also here, as pure functions: HTTP-date formatting and parsing (RFC 9110
 * 5.6.7), the weak entity-tag comparison of If-None-Match (RFC 9110 8.8.3.2,
 * 13.1.2), the request-target to path step (RFC 9112 3.2, RFC 3986 2.1) and
 * the reason phrases.
 */
#ifndef HTTPD_HTTP_PARSE_H
#define HTTPD_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_LINE_MAX		8192	/* request line, without its line end: else 414 */
#define HTTP_FIELD_LINE_MAX	8192	/* one field line, without its line end: else 431 */
#define HTTP_HEAD_MAX		16384	/* the whole head, line ends included: else 431 */
#define HTTP_FIELDS_MAX		100	/* field lines per request: else 431 */
#define HTTP_METHOD_MAX		16	/* longer methods are unknown: 501 */
#define HTTP_COND_MAX		4	/* If-None-Match field lines kept; more are ignored */
#define HTTP_DATE_LEN		29	/* "Sun, 06 Nov 1994 08:49:37 GMT" */

enum http_method {
	HTTP_GET,
	HTTP_HEAD,
	HTTP_OTHER,	/* a method of RFC 9110 9.3 or RFC 5789 we do not allow: 405 */
};

enum http_body {
	HTTP_BODY_NONE,		/* no Content-Length, or 0, and no Transfer-Encoding */
	HTTP_BODY_LENGTH,	/* Content-Length > 0 */
	HTTP_BODY_CHUNKED,	/* Transfer-Encoding ending in chunked */
};

/* Where http_head_scan stopped; zero it (http_scan_reset) for each request. */
struct http_scan {
	size_t pos;		/* bytes looked at so far */
	size_t line_start;	/* offset of the line being read */
	unsigned lines;		/* complete lines so far (the request line is 1) */
};

/* http_head_scan's results besides a status code (>= 400). */
#define HTTP_SCAN_MORE		0	/* incomplete: call again with more bytes */
#define HTTP_SCAN_DONE		1	/* *head_len is the head, blank line included */

struct http_request {
	enum http_method method;
	const char *method_str;		/* as sent, for logs */
	size_t method_len;
	const char *target;		/* request-target, as sent */
	size_t target_len;
	unsigned major, minor;		/* HTTP-version; minor capped at 9 */
	bool keep_alive;		/* RFC 9112 9.3: persistent after this one */
	enum http_body body;
	uint64_t content_length;	/* with HTTP_BODY_LENGTH */
	const char *inm[HTTP_COND_MAX];	/* If-None-Match field values */
	size_t inm_len[HTTP_COND_MAX];
	unsigned inm_count;		/* lines seen (may exceed HTTP_COND_MAX) */
	const char *ims;		/* If-Modified-Since value, NULL if absent */
	size_t ims_len;
	unsigned ims_count;		/* lines seen: more than 1 means ignore it */
};

void http_scan_reset(struct http_scan *st);
/*
 * Looks at buf[0..len) (the same bytes as the last call, perhaps with more
 * after them) for the end of a request head. HTTP_SCAN_MORE, HTTP_SCAN_DONE
 * with *head_len, or a status: 414 when the request line passes
 * HTTP_LINE_MAX (501 when what passed it is one long method token, 400 when
 * it is not a request line at all), 431 when a field line passes
 * HTTP_FIELD_LINE_MAX, the head HTTP_HEAD_MAX or the field lines
 * HTTP_FIELDS_MAX. A status is final: the caller answers and closes.
 */
int http_head_scan(struct http_scan *st, const uint8_t *buf, size_t len, size_t *head_len);
/* Bytes of complete empty lines (CRLF or LF) at the front of buf. */
size_t http_skip_empty_lines(const uint8_t *buf, size_t len);
/*
 * Parses the complete head buf[0..len) (as found by http_head_scan).
 * 0 and *req filled; or the status to answer with, after which the caller
 * closes the connection: 400 (syntax, framing, Host), 501 (unknown
 * method), 505 (HTTP major version other than 1).
 */
int http_parse_request(const uint8_t *buf, size_t len, struct http_request *req);

/*
 * The path of req's target into out (NUL-terminated): origin-form's path
 * or absolute-form's ("http://host/path"), percent-decoded, without the
 * query. Returns its length, -1 when the target cannot name a resource here
 * (asterisk- or authority-form, a bad %-escape, %00: 400), -2 when the path
 * is longer than cap - 1 (no resource has such a name: 404).
 */
int http_target_path(const struct http_request *req, char *out, size_t cap);

/* Unix seconds as an IMF-fixdate (RFC 9110 5.6.7) into out[HTTP_DATE_LEN + 1]. */
void http_date_format(uint64_t t, char *out);
/*
 * An HTTP-date in any of its three formats (IMF-fixdate, rfc850-date,
 * asctime-date) to Unix seconds. now (Unix seconds) places rfc850's
 * two-digit years (RFC 9110 5.6.7). 0, or -1 when it is not a valid date.
 */
int http_date_parse(const char *s, size_t len, uint64_t now, uint64_t *out);

/*
 * If-None-Match (RFC 9110 13.1.2): true when the field value (a list of
 * entity-tags, or "*") names etag (a strong tag with its quotes, e.g.
 * "\"abc\""), by the weak comparison (RFC 9110 8.8.3.2). A malformed list
 * matches nothing from the bad element on.
 */
bool http_etag_match(const char *list, size_t len, const char *etag);

/* The reason phrase of a status (RFC 9110 15), "Unknown" otherwise. */
const char *http_reason(int status);

#endif

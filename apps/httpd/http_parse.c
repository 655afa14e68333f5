/*
 * apps/httpd/http_parse.c: HTTP/1.1 request heads, dates and entity-tags
 * (http_parse.h has the contract). RFC 9112 for the message syntax, RFC
 * 9110 for the semantics. Strict where the RFCs let a server choose, since
 * a lenient parser is where request smuggling starts:
 *   - a field line starting with whitespace (obs-fold, or whitespace after
 *     the request line) is rejected, 400 (RFC 9112 5.2, 2.2);
 *   - whitespace between a field name and its colon is rejected, 400 (RFC
 *     9112 5.1);
 *   - CR, LF or NUL, or any other control but HTAB, in a field value is
 *     rejected, 400 (RFC 9110 5.5);
 *   - the request line is method SP request-target SP HTTP-version, one SP
 *     each (RFC 9112 3), else 400;
 *   - Content-Length must be digits; several equal values (in a list or in
 *     several lines) count as one, different ones are 400 (RFC 9110 8.6,
 *     RFC 9112 6.3 item 5); values past 2^63 are 400;
 *   - Transfer-Encoding with Content-Length, in an HTTP/1.0 request, or not
 *     ending in chunked, is 400 (RFC 9112 6.1, 6.3 items 3 and 4);
 *   - an HTTP/1.1 request without Host, or with two, or with a Host that is
 *     not uri-host [":" port], is 400 (RFC 9112 3.2).
 * Lenient where the RFCs ask for it: a bare LF ends a line, empty lines
 * before the request line are skipped (RFC 9112 2.2); field names are
 * case-insensitive (RFC 9110 5.1); HTTP/1.x with x > 1 is served as 1.1
 * (RFC 9110 6.2); all three HTTP-date formats are read (RFC 9110 5.6.7).
 */
#include <string.h>

#include "http_parse.h"

/* ---- characters ---- */

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* RFC 9110 5.6.2: tchar, the characters of a token. */
static bool is_tchar(uint8_t c)
{
	return is_digit(c) || is_alpha(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* RFC 9110 5.5: field-vchar / SP / HTAB (obs-text included). */
static bool is_field_char(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_ows(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* Equal ignoring ASCII case; b is lower case. */
static bool eq_nocase(const char *a, size_t alen, const char *b)
{
	size_t i;

	if (alen != strlen(b))
		return false;
	for (i = 0; i < alen; i++)
		if (lower((uint8_t)a[i]) != (uint8_t)b[i])
			return false;
	return true;
}

static int hexval(uint8_t c)
{
	if (is_digit(c))
		return c - '0';
	c = lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* ---- step 1: where the head ends ---- */

void http_scan_reset(struct http_scan *st)
{
	st->pos = 0;
	st->line_start = 0;
	st->lines = 0;
}

size_t http_skip_empty_lines(const uint8_t *buf, size_t len)
{
	size_t i = 0;

	for (;;) {
		if (i < len && buf[i] == '\n')
			i++;
		else if (i + 1 < len && buf[i] == '\r' && buf[i + 1] == '\n')
			i += 2;
		else
			return i;
	}
}

/*
 * The request line passed HTTP_LINE_MAX. RFC 9112 3: a method longer than
 * any implemented SHOULD get 501; a request-target longer than the server
 * parses MUST get 414 (RFC 9110 15.5.15). What is neither is not a request
 * line: 400.
 */
static int line_overflow(const uint8_t *buf, size_t len)
{
	size_t i, n = len < HTTP_LINE_MAX ? len : HTTP_LINE_MAX;

	for (i = 0; i < n; i++) {
		if (buf[i] == ' ')
			return i > 0 ? 414 : 400;
		if (!is_tchar(buf[i]))
			return 400;
	}
	return 501;
}

int http_head_scan(struct http_scan *st, const uint8_t *buf, size_t len, size_t *head_len)
{
	while (st->pos < len) {
		const uint8_t *lf = memchr(buf + st->pos, '\n', len - st->pos);
		size_t end = lf ? (size_t)(lf - buf) : len;	/* LF, or the bytes so far */
		size_t line = end - st->line_start;		/* CR included, if any */
		bool first = st->lines == 0;
		size_t max = first ? HTTP_LINE_MAX : HTTP_FIELD_LINE_MAX;

		if (lf && line && buf[end - 1] == '\r')
			line--;
		/* An unfinished line may still lose a CR before its LF. */
		if (line > max + (lf ? 0 : 1))
			return first ? line_overflow(buf, len) : 431;
		if (end + (lf ? 1 : 0) > HTTP_HEAD_MAX)
			return 431;
		if (!lf) {
			st->pos = len;
			return HTTP_SCAN_MORE;
		}
		st->pos = end + 1;
		st->line_start = end + 1;
		if (line == 0 && !first) {
			*head_len = end + 1;
			return HTTP_SCAN_DONE;
		}
		/* RFC 9112 2.2: the caller skipped empty lines before a request
		 * line; an empty first line here is a malformed request line. */
		if (++st->lines > HTTP_FIELDS_MAX + 1)
			return 431;
	}
	return HTTP_SCAN_MORE;
}

/* ---- step 2: the head ---- */

/* One line of the head: [start, end) without its line end. */
struct line {
	const uint8_t *p;
	size_t len;
};

/* The next line from *pos; false at the end of buf. A CR is allowed only
 * just before the LF (RFC 9112 2.2: a bare CR is invalid). */
static bool next_line(const uint8_t *buf, size_t len, size_t *pos, struct line *l, bool *bare_cr)
{
	const uint8_t *lf;
	size_t n;

	if (*pos >= len)
		return false;
	lf = memchr(buf + *pos, '\n', len - *pos);
	if (!lf)
		return false;
	n = (size_t)(lf - (buf + *pos));
	l->p = buf + *pos;
	if (n && l->p[n - 1] == '\r')
		n--;
	l->len = n;
	*bare_cr = memchr(l->p, '\r', n) != NULL;
	*pos = (size_t)(lf - buf) + 1;
	return true;
}

static enum http_method method_of(const uint8_t *m, size_t n, bool *known)
{
	/* RFC 9110 9.3 and RFC 5789's PATCH: methods we know and refuse. */
	static const char *const others[] = {
		"POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
	};
	size_t i;

	*known = true;
	/* RFC 9110 9.1: the method token is case-sensitive. */
	if (n == 3 && !memcmp(m, "GET", 3))
		return HTTP_GET;
	if (n == 4 && !memcmp(m, "HEAD", 4))
		return HTTP_HEAD;
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		if (n == strlen(others[i]) && !memcmp(m, others[i], n))
			return HTTP_OTHER;
	*known = false;
	return HTTP_OTHER;
}

/* RFC 9112 3: method SP request-target SP HTTP-version. */
static int parse_request_line(const struct line *l, struct http_request *req)
{
	const uint8_t *p = l->p, *end = l->p + l->len, *sp1, *sp2;
	bool known;
	size_t i;

	sp1 = memchr(p, ' ', l->len);
	if (!sp1 || sp1 == p)
		return 400;
	for (i = 0; p + i < sp1; i++)
		if (!is_tchar(p[i]))
			return 400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2 || sp2 == sp1 + 1)
		return 400;
	/* RFC 9112 3.2: no whitespace or controls inside the target. */
	for (i = 1; sp1 + i < sp2; i++)
		if (sp1[i] <= 0x20 || sp1[i] >= 0x7f)
			return 400;
	/* RFC 9112 2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT, case-sensitive. */
	if (end - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/", 5) || !is_digit(sp2[6]) ||
	    sp2[7] != '.' || !is_digit(sp2[8]))
		return 400;
	req->method_str = (const char *)p;
	req->method_len = (size_t)(sp1 - p);
	req->target = (const char *)sp1 + 1;
	req->target_len = (size_t)(sp2 - sp1 - 1);
	req->major = (unsigned)(sp2[6] - '0');
	req->minor = (unsigned)(sp2[8] - '0');
	/* RFC 9110 15.6.6: a major version we do not speak. */
	if (req->major != 1)
		return 505;
	req->method = method_of(p, req->method_len, &known);
	/* RFC 9110 15.6.2: a method we do not recognise. */
	if (!known)
		return 501;
	return 0;
}

#define CL_MAX	(UINT64_MAX >> 1)	/* largest Content-Length taken: 2^63 - 1 */

/*
 * RFC 9110 8.6: Content-Length = 1*DIGIT; a list of equal values (from a
 * proxy that merged lines) is that value. *have says whether an earlier
 * line gave one, which must be equal too.
 */
static int parse_content_length(const char *v, size_t n, bool *have, uint64_t *out)
{
	size_t i = 0;

	for (;;) {
		uint64_t x = 0;
		size_t digits = 0;

		while (i < n && is_ows((uint8_t)v[i]))
			i++;
		for (; i < n && is_digit((uint8_t)v[i]); i++, digits++) {
			uint64_t d = (uint64_t)(v[i] - '0');

			if (x > (CL_MAX - d) / 10)
				return 400;	/* 2^63 or more: no real length */
			x = x * 10 + d;
		}
		if (!digits)
			return 400;
		if (*have && x != *out)
			return 400;
		*have = true;
		*out = x;
		while (i < n && is_ows((uint8_t)v[i]))
			i++;
		if (i == n)
			return 0;
		if (v[i] != ',')
			return 400;
		i++;
	}
}

/*
 * Calls fn for each element of a comma-separated list (RFC 9110 5.6.1),
 * trimmed; empty elements are skipped, as recipients must.
 */
static void list_each(const char *v, size_t n, void (*fn)(const char *e, size_t len, void *arg), void *arg)
{
	size_t i = 0;

	while (i < n) {
		size_t s, e;

		while (i < n && (is_ows((uint8_t)v[i]) || v[i] == ','))
			i++;
		s = i;
		while (i < n && v[i] != ',')
			i++;
		e = i;
		while (e > s && is_ows((uint8_t)v[e - 1]))
			e--;
		if (e > s)
			fn(v + s, e - s, arg);
	}
}

struct conn_tokens {
	bool close, keep_alive;
};

static void conn_token(const char *e, size_t len, void *arg)
{
	struct conn_tokens *t = arg;

	/* RFC 9110 7.6.1: connection options are case-insensitive. */
	if (eq_nocase(e, len, "close"))
		t->close = true;
	else if (eq_nocase(e, len, "keep-alive"))
		t->keep_alive = true;
}

struct te_state {
	unsigned codings;
	bool chunked_seen;	/* chunked anywhere */
	bool last_chunked;	/* the last coding so far is chunked */
};

static void te_token(const char *e, size_t len, void *arg)
{
	struct te_state *t = arg;
	size_t n = 0;

	/* A coding may carry parameters (";q=..." is TE's, not ours); the
	 * name is the token before them. */
	while (n < len && is_tchar((uint8_t)e[n]))
		n++;
	t->codings++;
	t->last_chunked = eq_nocase(e, n, "chunked");
	if (t->last_chunked)
		t->chunked_seen = true;
}

/* RFC 9112 3.2, RFC 3986 3.2.2: uri-host [ ":" port ]; an empty value is
 * allowed (a target without authority). */
static bool host_valid(const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)v[i];

		/* unreserved / pct-encoded / sub-delims / ":" / IP-literal's brackets */
		if (is_alpha(c) || is_digit(c) || strchr("-._~%!$&'()*+,;=:[]", c))
			continue;
		return false;
	}
	return true;
}

struct fields {
	struct conn_tokens conn;
	struct te_state te;
	bool have_cl;
	unsigned hosts;
	bool host_bad;
};

static int field(struct http_request *req, struct fields *f, const char *name, size_t nlen,
		 const char *v, size_t vlen)
{
	if (eq_nocase(name, nlen, "host")) {
		f->hosts++;
		if (!host_valid(v, vlen))
			f->host_bad = true;
	} else if (eq_nocase(name, nlen, "content-length")) {
		return parse_content_length(v, vlen, &f->have_cl, &req->content_length);
	} else if (eq_nocase(name, nlen, "transfer-encoding")) {
		unsigned before = f->te.codings;

		list_each(v, vlen, te_token, &f->te);
		if (f->te.codings == before)
			return 400;	/* an empty Transfer-Encoding */
	} else if (eq_nocase(name, nlen, "connection")) {
		list_each(v, vlen, conn_token, &f->conn);
	} else if (eq_nocase(name, nlen, "if-none-match")) {
		if (req->inm_count < HTTP_COND_MAX) {
			req->inm[req->inm_count] = v;
			req->inm_len[req->inm_count] = vlen;
		}
		req->inm_count++;
	} else if (eq_nocase(name, nlen, "if-modified-since")) {
		if (!req->ims_count) {
			req->ims = v;
			req->ims_len = vlen;
		}
		req->ims_count++;
	}
	return 0;
}

/* RFC 9112 5: field-name ":" OWS field-value OWS. */
static int parse_field_line(const struct line *l, struct http_request *req, struct fields *f)
{
	const char *p = (const char *)l->p;
	size_t n = l->len, i = 0, vs, ve;

	/* RFC 9112 5.2 (obs-fold) and 2.2 (whitespace before the first field). */
	if (is_ows((uint8_t)p[0]))
		return 400;
	while (i < n && is_tchar((uint8_t)p[i]))
		i++;
	/* RFC 9112 5.1: no whitespace between the name and the colon. */
	if (i == 0 || i == n || p[i] != ':')
		return 400;
	vs = i + 1;
	while (vs < n && is_ows((uint8_t)p[vs]))
		vs++;
	ve = n;
	while (ve > vs && is_ows((uint8_t)p[ve - 1]))
		ve--;
	/* RFC 9110 5.5: CR, LF and NUL (and the other controls) are invalid. */
	for (size_t k = vs; k < ve; k++)
		if (!is_field_char((uint8_t)p[k]))
			return 400;
	return field(req, f, p, i, p + vs, ve - vs);
}

/* RFC 9112 6.1, 6.3: the body's framing, from the fields seen. */
static int framing(struct http_request *req, const struct fields *f)
{
	if (f->te.codings) {
		/* 6.1: Transfer-Encoding in HTTP/1.0 is faulty framing. 6.3
		 * item 3: with Content-Length too, a smuggling attempt. Item
		 * 4: chunked must be the final coding, once. */
		if (req->minor == 0 || f->have_cl || !f->te.last_chunked)
			return 400;
		req->body = HTTP_BODY_CHUNKED;
		return 0;
	}
	req->body = f->have_cl && req->content_length ? HTTP_BODY_LENGTH : HTTP_BODY_NONE;
	return 0;
}

int http_parse_request(const uint8_t *buf, size_t len, struct http_request *req)
{
	struct fields f;
	struct line l;
	size_t pos = 0;
	bool bare_cr;
	int rc;

	memset(req, 0, sizeof(*req));
	memset(&f, 0, sizeof(f));
	if (!next_line(buf, len, &pos, &l, &bare_cr) || bare_cr || l.len == 0)
		return 400;
	rc = parse_request_line(&l, req);
	if (rc)
		return rc;
	for (;;) {
		if (!next_line(buf, len, &pos, &l, &bare_cr))
			return 400;	/* no blank line: not a complete head */
		if (bare_cr)
			return 400;
		if (l.len == 0)
			break;
		rc = parse_field_line(&l, req, &f);
		if (rc)
			return rc;
	}
	/* RFC 9112 3.2: Host is required in HTTP/1.1, and once at most. */
	if ((req->minor >= 1 && f.hosts == 0) || f.hosts > 1 || f.host_bad)
		return 400;
	rc = framing(req, &f);
	if (rc)
		return rc;
	/* RFC 9112 9.3: 1.1 persists unless "close"; 1.0 only with
	 * "keep-alive" (RFC 9112 C.2.2). */
	if (req->minor >= 1)
		req->keep_alive = !f.conn.close;
	else
		req->keep_alive = f.conn.keep_alive && !f.conn.close;
	return 0;
}

/* ---- the target ---- */

int http_target_path(const struct http_request *req, char *out, size_t cap)
{
	const char *t = req->target;
	size_t n = req->target_len, i = 0, o = 0;

	/* RFC 9112 3.2.2: absolute-form; the authority is skipped (3.2.2:
	 * it replaces Host, and this server answers for any host). */
	if (n && t[0] != '/') {
		size_t s = 0;

		while (s < n && (is_alpha((uint8_t)t[s]) || is_digit((uint8_t)t[s]) ||
				 t[s] == '+' || t[s] == '-' || t[s] == '.'))
			s++;
		if (s == 0 || s + 3 > n || memcmp(t + s, "://", 3) ||
		    !(eq_nocase(t, s, "http") || eq_nocase(t, s, "https")))
			return -1;	/* asterisk-form, authority-form, garbage */
		i = s + 3;
		while (i < n && t[i] != '/' && t[i] != '?' && t[i] != '#')
			i++;
		if (i == n || t[i] != '/') {
			/* RFC 9110 4.2.3: an empty path is "/". */
			if (cap < 2)
				return -2;
			out[0] = '/';
			out[1] = 0;
			return 1;
		}
	}
	for (; i < n && t[i] != '?' && t[i] != '#'; i++) {
		uint8_t c = (uint8_t)t[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= n || (hi = hexval((uint8_t)t[i + 1])) < 0 ||
			    (lo = hexval((uint8_t)t[i + 2])) < 0)
				return -1;
			c = (uint8_t)(hi * 16 + lo);
			if (c == 0)
				return -1;
			i += 2;
		}
		if (o + 1 >= cap)
			return -2;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return (int)o;
}

/* ---- dates (RFC 9110 5.6.7) ---- */

static const char *const wday_name[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const wday_long[7] = {"Sunday", "Monday", "Tuesday", "Wednesday",
					 "Thursday", "Friday", "Saturday"};
static const char *const month_name[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* Days since 1970-01-01 of a proleptic Gregorian date (m 1..12), using
 * years that start in March so that the leap day is the year's last. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void http_date_format(uint64_t t, char *out)
{
	int64_t days = (int64_t)(t / 86400), y;
	unsigned secs = (unsigned)(t % 86400), m, d;

	civil_from_days(days, &y, &m, &d);
	/* 1970-01-01 was a Thursday. */
	memcpy(out, wday_name[(days + 4) % 7], 3);
	out[3] = ',';
	out[4] = ' ';
	put2(out + 5, d);
	out[7] = ' ';
	memcpy(out + 8, month_name[m - 1], 3);
	out[11] = ' ';
	put2(out + 12, (unsigned)(y / 100));
	put2(out + 14, (unsigned)(y % 100));
	out[16] = ' ';
	put2(out + 17, secs / 3600);
	out[19] = ':';
	put2(out + 20, secs / 60 % 60);
	out[22] = ':';
	put2(out + 23, secs % 60);
	memcpy(out + 25, " GMT", 5);	/* with the NUL */
}

/* A small cursor over the date text. */
struct cur {
	const char *p;
	size_t n;
};

static bool lit(struct cur *c, const char *s)
{
	size_t k = strlen(s);

	if (c->n < k || memcmp(c->p, s, k))
		return false;
	c->p += k;
	c->n -= k;
	return true;
}

/* Exactly digits digits; with pad, a leading SP may stand for a zero. */
static bool num(struct cur *c, unsigned digits, bool pad, unsigned *out)
{
	unsigned v = 0, i;

	if (c->n < digits)
		return false;
	for (i = 0; i < digits; i++) {
		uint8_t ch = (uint8_t)c->p[i];

		if (pad && i == 0 && ch == ' ' && digits > 1)
			continue;
		if (!is_digit(ch))
			return false;
		v = v * 10 + (unsigned)(ch - '0');
	}
	c->p += digits;
	c->n -= digits;
	*out = v;
	return true;
}

static bool month(struct cur *c, unsigned *m)
{
	unsigned i;

	for (i = 0; i < 12; i++)
		if (lit(c, month_name[i])) {
			*m = i + 1;
			return true;
		}
	return false;
}

static bool wday(struct cur *c, const char *const *names)
{
	unsigned i;

	for (i = 0; i < 7; i++)
		if (lit(c, names[i]))
			return true;
	return false;
}

/* time-of-day = hour ":" minute ":" second */
static bool tod(struct cur *c, unsigned *h, unsigned *mi, unsigned *s)
{
	return num(c, 2, false, h) && lit(c, ":") && num(c, 2, false, mi) && lit(c, ":") &&
	       num(c, 2, false, s);
}

int http_date_parse(const char *s, size_t len, uint64_t now, uint64_t *out)
{
	struct cur c = {s, len};
	unsigned y = 0, m = 0, d = 0, h = 0, mi = 0, sec = 0;
	int64_t days;

	if (wday(&c, wday_long)) {
		/* rfc850-date: Sunday, 06-Nov-94 08:49:37 GMT */
		unsigned yy, now_y;
		int64_t cy;
		unsigned cm, cd;

		if (!(lit(&c, ", ") && num(&c, 2, false, &d) && lit(&c, "-") && month(&c, &m) &&
		      lit(&c, "-") && num(&c, 2, false, &yy) && lit(&c, " ") && tod(&c, &h, &mi, &sec) &&
		      lit(&c, " GMT")))
			return -1;
		/* A two-digit year more than 50 years ahead is the latest past
		 * year with those digits. */
		civil_from_days((int64_t)(now / 86400), &cy, &cm, &cd);
		now_y = (unsigned)cy;
		y = now_y - now_y % 100 + yy;
		if (y > now_y + 50)
			y -= 100;
	} else if (wday(&c, wday_name)) {
		if (lit(&c, ", ")) {
			/* IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT */
			if (!(num(&c, 2, false, &d) && lit(&c, " ") && month(&c, &m) && lit(&c, " ") &&
			      num(&c, 4, false, &y) && lit(&c, " ") && tod(&c, &h, &mi, &sec) &&
			      lit(&c, " GMT")))
				return -1;
		} else {
			/* asctime-date: Sun Nov  6 08:49:37 1994 */
			if (!(lit(&c, " ") && month(&c, &m) && lit(&c, " ") && num(&c, 2, true, &d) &&
			      lit(&c, " ") && tod(&c, &h, &mi, &sec) && lit(&c, " ") && num(&c, 4, false, &y)))
				return -1;
		}
	} else {
		return -1;
	}
	if (c.n || y < 1970 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	days = days_from_civil(y, m, d);
	{
		int64_t cy;
		unsigned cm, cd;

		/* 31 Feb is not a date. */
		civil_from_days(days, &cy, &cm, &cd);
		if (cm != m || cd != d)
			return -1;
	}
	*out = (uint64_t)days * 86400 + h * 3600u + mi * 60u + (sec > 59 ? 59 : sec);
	return 0;
}

/* ---- entity-tags (RFC 9110 8.8.3) ---- */

bool http_etag_match(const char *list, size_t len, const char *etag)
{
	size_t i = 0, elen = strlen(etag);

	for (;;) {
		size_t s;

		while (i < len && (is_ows((uint8_t)list[i]) || list[i] == ','))
			i++;
		if (i == len)
			return false;
		/* RFC 9110 13.1.2: "*" matches any current representation. */
		if (list[i] == '*')
			return true;
		/* Weak comparison: a W/ prefix on either side is ignored. */
		if (i + 1 < len && list[i] == 'W' && list[i + 1] == '/')
			i += 2;
		if (i == len || list[i] != '"')
			return false;
		s = i++;
		/* etagc = %x21 / %x23-7E / obs-text */
		while (i < len && list[i] != '"') {
			uint8_t ch = (uint8_t)list[i];

			if (ch < 0x21 || ch == 0x7f)
				return false;
			i++;
		}
		if (i == len)
			return false;
		i++;
		if (i - s == elen && !memcmp(list + s, etag, elen))
			return true;
	}
}

const char *http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "Unknown";
	}
}

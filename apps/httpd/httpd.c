/*
 * apps/httpd/httpd.c: the HTTP/1.1 service (RFC 9110, RFC 9112) as
 * callback handlers (include/skiff/service.h). One instance runs per CPU
 * chosen (main.c); all accept from one shared listening socket.
 *
 * A connection moves through phases (struct hconn):
 *   IDLE     waiting for a request: closed silently after idle_ms (RFC
 *            9112 9.5: a server may close an idle connection). One that
 *            has been answered before (kept alive) is also on its
 *            service's idle list, oldest first: past max_conns a new
 *            connection closes the oldest of them instead of getting a 503
 *            (as nginx reuses its idle keep-alive connections), since a
 *            client must be ready to retry a request on a kept-alive
 *            connection closed under it (RFC 9112 9.3.1), while a new
 *            one would be turned away. Each service sheds only its own;
 *            a fresh connection that has sent nothing is never shed;
 *   REQUEST  a request head has begun: it must be complete within
 *            request_ms of its first byte, or 408 and close (RFC 9110
 *            15.5.9). The timer is not extended by later bytes, so a
 *            slowloris client is cut off however it trickles;
 *   STREAM   a large file's body is being sent, HTTPD_CHUNK bytes per
 *            svc_send as the output queue drains (writable): a connection
 *            never queues more than out_max. Stalled for idle_ms: closed;
 *   BLOCKED  a response did not fit in the output queue (the client reads
 *            slowly or pipelines a lot); its request is kept and answered
 *            when writable says the queue drained;
 *   REFUSED  over max_conns: its first bytes (or HTTPD_REFUSE_MS of
 *            silence) get 503 with Connection: close;
 *   CLOSING  a final response drains (bounded by idle_ms), then close.
 * Pipelined requests (RFC 9112 9.3.2) are answered in order: while a
 * response is STREAM or BLOCKED the requests after it stay in the
 * service's input buffer, which, when full, stops reading (TCP flow
 * control). Several requests in one segment are answered in one call.
 *
 * Requests: GET and HEAD of the embedded files (www.h; "/" is
 * /index.html), "/stats" (JSON, main.c), "/prof" (the kernel profile,
 * main.c). Static files carry a strong ETag
 * and Last-Modified and get 304 when If-None-Match matches (weak
 * comparison), or, without If-None-Match, when If-Modified-Since is not
 * older than Last-Modified (RFC 9110 13.1.2, 13.1.3, 13.2.2). Templates
 * and /stats are made per request: no validators, Cache-Control: no-cache.
 * A request with content (Content-Length > 0 or Transfer-Encoding) is
 * refused: 413 for GET and HEAD, 405 for the other known methods, then
 * close, since the body is not read (RFC 9110 9.3.1: GET content has no
 * meaning; RFC 9112 9.6). Errors close the connection except 404, 405 and
 * 304 without content, which keep it.
 *
 * Limits per connection: HTTPD_IN_MAX bytes held (a head is at most
 * HTTP_HEAD_MAX), out_max queued, max_requests requests (the last one
 * says Connection: close). Per service: one HTTPD_BUF buffer. So memory
 * is bounded by max_conns (+ HTTPD_REFUSE_SLACK per service) times those.
 *
 * Access log (cfg.log): one line per response, "httpd: #ID ADDR:PORT
 * METHOD TARGET STATUS BYTES" (ID: the connection's number since boot,
 * over all services; METHOD and TARGET as sent, non-printable bytes as
 * \xHH, "-" when the request line could not be read; BYTES: the body's
 * length, 0 for HEAD and 304), plus "httpd: #ID accept ADDR:PORT on cpu
 * N" and "httpd: #ID close ADDR:PORT: REASON, N requests" per connection.
 */
#include <skiff.h>
#include <skiff/pipe.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>

#include "http_parse.h"
#include "httpd.h"
#include "www.h"

enum hconn_phase { HC_IDLE, HC_REQUEST, HC_STREAM, HC_BLOCKED, HC_REFUSED, HC_CLOSING };

struct hconn {
	enum hconn_phase phase;		/* set through set_phase() */
	struct svc_conn *c;
	struct hconn *idle_prev, *idle_next;	/* on the service's idle list */
	bool on_idle;
	bool kept;			/* a response went out and it stayed open */
	struct http_scan scan;		/* the request head being read */
	unsigned requests;		/* answered on this connection */
	bool keep;			/* after the response being streamed */
	const struct www_file *file;	/* STREAM: the body */
	uint64_t off;			/* STREAM: next byte of it */
	uint64_t sent_mark;		/* svc_conn_sent when the stall timer was armed */
	uint64_t id;			/* for log lines, unique over all services */
	char peer[24];			/* "a.b.c.d:port" */
};

#define ALLOW_FIELD	"Allow: GET, HEAD\r\n"

int httpd_status_idx(int status)
{
#define HTTPD_STATUS_CASE(n) case n: return HTTPD_S##n;
	switch (status) {
	HTTPD_STATUS_LIST(HTTPD_STATUS_CASE)
	default: return -1;
	}
#undef HTTPD_STATUS_CASE
}

int httpd_status_code(enum httpd_status_idx i)
{
#define HTTPD_STATUS_NUM(n) n,
	static const int codes[] = {HTTPD_STATUS_LIST(HTTPD_STATUS_NUM)};
#undef HTTPD_STATUS_NUM
	return codes[i];
}

static struct httpd_svc *svc_of_conn(struct svc_conn *c)
{
	return svc_data(svc_of(c));
}

static void idle_unlink(struct httpd_svc *hs, struct hconn *hc)
{
	if (hc->idle_prev)
		hc->idle_prev->idle_next = hc->idle_next;
	else
		hs->idle_old = hc->idle_next;
	if (hc->idle_next)
		hc->idle_next->idle_prev = hc->idle_prev;
	else
		hs->idle_new = hc->idle_prev;
	hc->idle_prev = hc->idle_next = NULL;
	hc->on_idle = false;
}

/* Every phase change goes through here, so the idle list holds exactly
 * the kept-alive connections waiting for their next request. */
static void set_phase(struct svc_conn *c, struct hconn *hc, enum hconn_phase ph)
{
	struct httpd_svc *hs = svc_of_conn(c);

	if (hc->on_idle)
		idle_unlink(hs, hc);
	hc->phase = ph;
	if (ph == HC_IDLE && hc->kept) {
		hc->idle_prev = hs->idle_new;
		if (hs->idle_new)
			hs->idle_new->idle_next = hc;
		else
			hs->idle_old = hc;
		hs->idle_new = hc;
		hc->on_idle = true;
	}
}

/* RFC 9110 6.6.1: Date, from the wall clock, made once a second. */
static const char *date_now(struct httpd_svc *hs)
{
	uint64_t now = skiff_wall_time();

	if (now != hs->date_sec || !hs->date[0]) {
		http_date_format(now, hs->date);
		hs->date_sec = now;
	}
	return hs->date;
}

/* What a log line may show of a client's bytes: printable, bounded. */
static void log_text(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0, i;

	for (i = 0; i < n && o + 5 < cap; i++) {
		uint8_t c = (uint8_t)s[i];

		if (c > 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, cap - o, "\\x%02x", c);
			o += 4;
		}
	}
	if (i < n && o + 3 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = 0;
}

static void access_log(struct svc_conn *c, const struct http_request *req, int status, uint64_t bytes)
{
	struct hconn *hc = svc_conn_data(c);
	char m[24], t[200];

	if (!httpd.cfg.log)
		return;
	if (req && req->method_str) {
		log_text(m, sizeof(m), req->method_str, req->method_len);
		log_text(t, sizeof(t), req->target, req->target_len);
	} else {
		strcpy(m, "-");
		strcpy(t, "-");
	}
	printf("httpd: #%llu %s %s %s %d %llu\n", (unsigned long long)hc->id, hc->peer, m, t,
	       status, (unsigned long long)bytes);
}

static void count_response(int status, uint64_t bytes)
{
	int i = httpd_status_idx(status);

	httpd_count(&httpd.ctr.requests, 1);
	httpd_count(&httpd.ctr.body_bytes, (int64_t)bytes);
	if (i >= 0)
		httpd_count(&httpd.ctr.status[i], 1);
}

/* A response about to be sent. */
struct resp {
	int status;
	const char *type;		/* NULL: no Content-Type (304) */
	const void *body;		/* len bytes; NULL with a file to stream */
	uint64_t len;			/* Content-Length (also for HEAD) */
	const struct www_file *file;	/* static: ETag, Last-Modified */
	bool no_body;			/* HEAD, 304 */
	bool dynamic;			/* made for this request: no-cache */
	bool keep;			/* the connection persists */
	bool http10_keep;		/* an HTTP/1.0 client asked to keep it */
	const char *extra;		/* more header lines, "Name: v\r\n" */
};

/* The head into buf up to its Connection line; its length (always fits: HTTPD_BUF is far larger). */
static size_t head_format(struct httpd_svc *hs, const struct resp *r, char *buf, size_t cap)
{
	char lm[HTTP_DATE_LEN + 1];
	int n;

	/* RFC 9110 2.5: we answer as HTTP/1.1 whatever 1.x was asked. */
	n = snprintf(buf, cap, "HTTP/1.1 %d %s\r\nServer: skiff-httpd\r\nDate: %s\r\n", r->status,
		     http_reason(r->status), date_now(hs));
	if (r->type)
		n += snprintf(buf + n, cap - (size_t)n, "Content-Type: %s\r\n", r->type);
	/* RFC 9110 8.6: not in a 304 (15.4.5 lets it out); a HEAD says the
	 * length a GET would get. */
	if (r->status != 304)
		n += snprintf(buf + n, cap - (size_t)n, "Content-Length: %llu\r\n",
			      (unsigned long long)r->len);
	if (r->file) {
		uint64_t t = r->file->mtime;

		/* RFC 9110 8.8.2.1: never later than Date. */
		if (t > hs->date_sec)
			t = hs->date_sec;
		http_date_format(t, lm);
		n += snprintf(buf + n, cap - (size_t)n, "Last-Modified: %s\r\nETag: %s\r\n", lm,
			      r->file->etag);
	}
	if (r->dynamic)
		n += snprintf(buf + n, cap - (size_t)n, "Cache-Control: no-cache\r\n");
	if (r->extra)
		n += snprintf(buf + n, cap - (size_t)n, "%s", r->extra);
	return (size_t)n;
}

/*
 * head_format's bytes for a static file from the service's cache
 * (httpd.h: struct httpd_head), made again when the second, or anything
 * else the head says, has changed.
 */
static size_t head_cached(struct httpd_svc *hs, const struct resp *r, char *buf, size_t cap)
{
	struct httpd_head *e;
	size_t n;

	if (!hs->heads || !r->file || r->dynamic || r->extra)
		return head_format(hs, r, buf, cap);
	date_now(hs);
	e = &hs->heads[(size_t)(r->file - www_files) % HTTPD_HEADS];
	if (e->file == r->file && e->sec == hs->date_sec && e->status == r->status && e->type == r->type &&
	    e->len == r->len) {
		memcpy(buf, e->text, e->n);
		return e->n;
	}
	n = head_format(hs, r, buf, cap);
	if (n <= sizeof(e->text)) {
		*e = (struct httpd_head){ .file = r->file, .type = r->type, .len = r->len, .sec = hs->date_sec,
					  .status = r->status, .n = (uint16_t)n };
		memcpy(e->text, buf, n);
	}
	return n;
}

/* s, without its NUL, at buf; its length. */
static size_t put_str(char *buf, const char *s)
{
	size_t n = strlen(s);

	memcpy(buf, s, n);
	return n;
}

/* The head into buf; its length (always fits: HTTPD_BUF is far larger). */
static size_t head_build(struct httpd_svc *hs, const struct resp *r, char *buf, size_t cap)
{
	size_t n = head_cached(hs, r, buf, cap);

	/* RFC 9112 9.6: say close before closing; RFC 9112 C.2.2: an
	 * HTTP/1.0 client keeps the connection only when told so. */
	if (!r->keep)
		n += put_str(buf + n, "Connection: close\r\n");
	else if (r->http10_keep)
		n += put_str(buf + n, "Connection: keep-alive\r\n");
	n += put_str(buf + n, "\r\n");
	return n;
}

static void conn_finish(struct svc_conn *c, bool keep);
static void stream_pump(struct svc_conn *c);

/*
 * Sends r: head and body in one svc_send when they fit in the service's
 * buffer (one segment, no Nagle wait between them), else the head now and
 * the file's body streamed. 0, or -ENOBUFS (nothing sent: retry after
 * writable), or another error (the connection is failing).
 */
static int respond(struct svc_conn *c, const struct http_request *req, const struct resp *r)
{
	struct httpd_svc *hs = svc_of_conn(c);
	struct hconn *hc = svc_conn_data(c);
	uint64_t body = r->no_body ? 0 : r->len;
	size_t n = head_build(hs, r, hs->buf, HTTPD_BUF);
	int rc;

	if (body && !r->body && r->file->data && !r->file->tmpl &&
	    n + body <= svc_send_room(c)) {
		/* An embedded file: the head copied, the body by reference
		 * (no copy at all on the socket's path), in one call and so
		 * in one segment when it fits. */
		rc = svc_send_static(c, hs->buf, n, r->file->data, (size_t)body);
		if (rc)
			return rc;
		count_response(r->status, r->len);
		access_log(c, req, r->status, r->len);
		conn_finish(c, r->keep);
		return 0;
	}
	if (body && n + body <= HTTPD_BUF) {
		/* A dynamic body may already sit right there. */
		if (r->body && r->body != hs->buf + n)
			memmove(hs->buf + n, r->body, (size_t)body);
		else if (!r->body)
			www_read(r->file, 0, hs->buf + n, (size_t)body);
		n += (size_t)body;
		body = 0;
	}
	rc = svc_send(c, hs->buf, n);
	if (rc)
		return rc;
	count_response(r->status, r->no_body ? 0 : r->len);
	access_log(c, req, r->status, r->no_body ? 0 : r->len);
	if (body) {
		set_phase(c, hc, HC_STREAM);
		hc->file = r->file;
		hc->off = 0;
		hc->keep = r->keep;
		stream_pump(c);
		return 0;
	}
	conn_finish(c, r->keep);
	return 0;
}

/* Arms the stall timer of a response being sent (STREAM, BLOCKED,
 * CLOSING): http_timeout compares what the socket took since. */
static void stall_timer(struct svc_conn *c, struct hconn *hc)
{
	hc->sent_mark = svc_conn_sent(c);
	svc_set_timer(c, httpd.cfg.idle_ms);
}

/* A response is out: wait for the next request, or close. */
static void conn_finish(struct svc_conn *c, bool keep)
{
	struct hconn *hc = svc_conn_data(c);

	http_scan_reset(&hc->scan);
	hc->file = NULL;
	if (keep) {
		hc->kept = true;
		set_phase(c, hc, HC_IDLE);
		svc_set_timer(c, httpd.cfg.idle_ms);
		return;
	}
	set_phase(c, hc, HC_CLOSING);
	svc_close(c, 0);
	/* Bounds the drain: a client that never reads is cut off. */
	stall_timer(c, hc);
}

/* Sends the next chunks of a streamed body until the queue is full. */
static void stream_pump(struct svc_conn *c)
{
	struct httpd_svc *hs = svc_of_conn(c);
	struct hconn *hc = svc_conn_data(c);
	const struct www_file *f = hc->file;

	while (hc->off < f->size) {
		uint64_t left = f->size - hc->off;
		size_t n = left < HTTPD_CHUNK ? (size_t)left : HTTPD_CHUNK;
		const void *src = hs->buf;
		int rc;

		if (f->gen)	/* made here, copied by svc_send: the buffer is free between heads */
			f->gen(hc->off, hs->buf, n);
		else
			src = f->data + hc->off;
		/* Embedded bytes go by reference where the socket takes them. */
		rc = f->gen ? svc_send(c, src, n) : svc_send_static(c, NULL, 0, src, n);

		if (rc == -ENOBUFS)
			break;	/* writable calls again */
		if (rc) {
			svc_close(c, SVC_CLOSE_NOW);
			set_phase(c, hc, HC_CLOSING);
			return;
		}
		hc->off += n;
	}
	/* The client is reading: the stall timer starts again. */
	stall_timer(c, hc);
	if (hc->off == f->size)
		conn_finish(c, hc->keep);
}

/*
 * An error answer (short text body) and the close after it. -ENOBUFS when
 * the output queue has no room for it: nothing was sent and the
 * connection stays as it was, so the caller can answer again after
 * writable (the responses queued before it must not be cut short).
 */
static int error_close(struct svc_conn *c, const struct http_request *req, int status)
{
	struct httpd_svc *hs = svc_of_conn(c);
	struct hconn *hc = svc_conn_data(c);
	char *body = hs->buf + HTTPD_BUF / 2;
	int n = snprintf(body, 64, "%d %s\n", status, http_reason(status));
	struct resp r = {
		.status = status,
		.type = "text/plain; charset=utf-8",
		.body = body,
		.len = (uint64_t)n,
		.keep = false,
		.extra = status == 405 ? ALLOW_FIELD : status == 503 ? "Retry-After: 1\r\n" : NULL,
	};
	int rc = respond(c, req, &r);

	if (rc == -ENOBUFS)
		return rc;
	if (rc)
		svc_close(c, SVC_CLOSE_NOW);	/* the connection is failing */
	set_phase(c, hc, HC_CLOSING);
	return 0;
}

/* From a timer: the error answer, or, with no room for it, just the close
 * once what is queued has gone. */
static void error_close_now(struct svc_conn *c, int status)
{
	struct hconn *hc = svc_conn_data(c);

	if (error_close(c, NULL, status) == -ENOBUFS) {
		set_phase(c, hc, HC_CLOSING);
		svc_close(c, 0);
		stall_timer(c, hc);
	}
}

/* RFC 9110 13.2.2: If-None-Match first; If-Modified-Since only without it. */
static bool not_modified(struct httpd_svc *hs, const struct http_request *req, const struct www_file *f)
{
	unsigned i, n = req->inm_count < HTTP_COND_MAX ? req->inm_count : HTTP_COND_MAX;
	uint64_t ims, lm = f->mtime;

	if (req->inm_count) {
		for (i = 0; i < n; i++)
			if (http_etag_match(req->inm[i], req->inm_len[i], f->etag))
				return true;
		return false;
	}
	/* RFC 9110 13.1.3: one valid HTTP-date, else ignored. */
	if (req->ims_count != 1 || http_date_parse(req->ims, req->ims_len, hs->date_sec, &ims))
		return false;
	if (lm > hs->date_sec)
		lm = hs->date_sec;
	return lm <= ims;
}

static const struct www_file *www_find(const char *path)
{
	unsigned i;

	if (!strcmp(path, "/"))
		path = "/index.html";
	for (i = 0; i < www_count; i++)
		if (!strcmp(www_files[i].path, path))
			return &www_files[i];
	return NULL;
}

/* Fills a template ({{name}}) into buf; its length, or -1 when too long. */
static int tmpl_fill(struct httpd_svc *hs, const struct www_file *f, char *buf, size_t cap)
{
	const char *p = (const char *)f->data, *end = p + f->size;
	size_t o = 0;

	while (p < end) {
		const char *open = memchr(p, '{', (size_t)(end - p)), *close;
		size_t lit = open ? (size_t)(open - p) : (size_t)(end - p);
		int n;

		if (o + lit >= cap)
			return -1;
		memcpy(buf + o, p, lit);
		o += lit;
		p += lit;
		if (!open)
			break;
		if (end - p < 4 || p[1] != '{' ||
		    !(close = memchr(p + 2, '}', (size_t)(end - p - 2))) || close + 1 >= end ||
		    close[1] != '}' ||
		    (n = httpd_tmpl_field(hs, p + 2, (size_t)(close - p - 2), buf + o, cap - o)) < 0) {
			if (o + 1 >= cap)
				return -1;
			buf[o++] = *p++;
			continue;
		}
		if ((size_t)n >= cap - o)
			return -1;
		o += (size_t)n;
		p = close + 2;
	}
	return (int)o;
}

/* A parsed request: choose and send its response. -ENOBUFS: retry later. */
static int serve(struct svc_conn *c, const struct http_request *req)
{
	struct httpd_svc *hs = svc_of_conn(c);
	struct hconn *hc = svc_conn_data(c);
	char path[256];
	const struct www_file *f;
	struct resp r;
	int n;

	memset(&r, 0, sizeof(r));
	date_now(hs);
	r.keep = req->keep_alive && hc->requests + 1 < httpd.cfg.max_requests;
	r.http10_keep = req->minor == 0;
	r.no_body = req->method == HTTP_HEAD;
	if (req->method == HTTP_OTHER) {
		/* RFC 9110 15.5.6: known, not allowed here; Allow says what is.
		 * With content we did not read, the connection cannot go on. */
		r.status = 405;
		r.extra = ALLOW_FIELD;
		r.keep = r.keep && req->body == HTTP_BODY_NONE;
		r.no_body = false;
	} else if (req->body != HTTP_BODY_NONE) {
		/* RFC 9110 15.5.14: no content is accepted; we close rather
		 * than read it (RFC 9110 9.3.1). */
		return error_close(c, req, 413);
	} else if ((n = http_target_path(req, path, sizeof(path))) == -1) {
		return error_close(c, req, 400);
	} else if (n >= 0 && (!strcmp(path, "/stats") || !strcmp(path, "/prof"))) {
		bool stats = path[1] == 's';

		n = stats ? httpd_stats_json(hs, hs->buf + HTTPD_BUF / 2, HTTPD_BUF / 2)
			  : httpd_prof_text(hs->buf + HTTPD_BUF / 2, HTTPD_BUF / 2);
		if (n < 0) {
			return error_close(c, req, 500);
		}
		r.status = 200;
		r.type = stats ? "application/json" : "text/plain; charset=utf-8";
		r.body = hs->buf + HTTPD_BUF / 2;
		r.len = (uint64_t)n;
		r.dynamic = true;
	} else if (n < 0 || !(f = www_find(path))) {
		r.status = 404;
	} else if (f->tmpl) {
		n = tmpl_fill(hs, f, hs->buf + HTTPD_BUF / 2, HTTPD_BUF / 2);
		if (n < 0) {
			return error_close(c, req, 500);
		}
		r.status = 200;
		r.type = f->type;
		r.body = hs->buf + HTTPD_BUF / 2;
		r.len = (uint64_t)n;
		r.dynamic = true;
	} else if (not_modified(hs, req, f)) {
		/* RFC 9110 15.4.5: the validators, no content. */
		r.status = 304;
		r.file = f;
		r.no_body = true;
	} else {
		r.status = 200;
		r.type = f->type;
		r.file = f;
		r.len = f->size;
	}
	if (r.status == 404 || r.status == 405) {
		n = snprintf(hs->buf + HTTPD_BUF / 2, 64, "%d %s\n", r.status, http_reason(r.status));
		r.type = "text/plain; charset=utf-8";
		r.body = hs->buf + HTTPD_BUF / 2;
		r.len = (uint64_t)n;
	}
	n = respond(c, req, &r);
	if (n == 0)
		hc->requests++;
	return n;
}

/* The head buf[0..len) is complete: parse and answer it. */
static int request(struct svc_conn *c, const uint8_t *buf, size_t len)
{
	struct http_request req;
	int status = http_parse_request(buf, len, &req);

	if (status)
		return error_close(c, req.method_str ? &req : NULL, status);
	return serve(c, &req);
}

static size_t http_receive(struct svc_conn *c, const uint8_t *d, size_t len)
{
	struct hconn *hc = svc_conn_data(c);
	size_t off = 0, head_len;
	int rc;

	if (hc->phase == HC_REFUSED) {
		error_close_now(c, 503);	/* nothing queued: it fits */
		return len;
	}
	if (hc->phase == HC_STREAM || hc->phase == HC_CLOSING)
		return 0;	/* later requests wait their turn (RFC 9112 9.3.2) */
	while (off < len && hc->phase != HC_CLOSING && hc->phase != HC_STREAM) {
		if (hc->scan.pos == 0) {
			/* RFC 9112 2.2: empty lines before a request line. */
			off += http_skip_empty_lines(d + off, len - off);
			if (off == len)
				break;
		}
		rc = http_head_scan(&hc->scan, d + off, len - off, &head_len);
		if (rc == HTTP_SCAN_MORE) {
			if (hc->phase != HC_REQUEST) {
				set_phase(c, hc, HC_REQUEST);
				svc_set_timer(c, httpd.cfg.request_ms);
			}
			return off;
		}
		if (rc == HTTP_SCAN_DONE)
			rc = request(c, d + off, head_len);
		else
			rc = error_close(c, NULL, rc);
		if (rc == -ENOBUFS) {
			/* The queue is full: this request is answered after
			 * writable; the stall timer bounds the wait. */
			http_scan_reset(&hc->scan);
			set_phase(c, hc, HC_BLOCKED);
			stall_timer(c, hc);
			return off;
		}
		if (rc) {
			svc_close(c, SVC_CLOSE_NOW);
			set_phase(c, hc, HC_CLOSING);
		}
		if (hc->phase == HC_CLOSING)
			return len;	/* answered with close: the rest is not read */
		off += head_len;
	}
	return off;
}

static void http_writable(struct svc_conn *c)
{
	struct hconn *hc = svc_conn_data(c);

	if (hc->phase == HC_STREAM) {
		stream_pump(c);
	} else if (hc->phase == HC_BLOCKED) {
		/* receive gets the waiting request again right after this. */
		set_phase(c, hc, HC_IDLE);
		svc_set_timer(c, httpd.cfg.idle_ms);
	}
}

/*
 * A response being sent had no writable for idle_ms: is the client gone
 * or only slow? The socket taking more of the queue since the timer was
 * armed means the peer acknowledged data (a lossy path, cwnd small, the
 * queue draining slower than writable's half-way mark): progress. With
 * nothing taken, a client that stopped reading has closed its window
 * (TCP probes it: tcpi_probes), while a lossy path leaves it open and TCP
 * retransmits unacknowledged data, each RTO twice the last (RFC 6298
 * 5.5): a segment lost four times running costs 15 s. Both of those are
 * waited out; TCP itself gives up on a dead path after its retries (RFC
 * 9293 3.8.3, tcp_max_retries), which closes the connection.
 */
static bool stall_waits(struct svc_conn *c, struct hconn *hc)
{
	struct tcp_info ti;

	if (svc_conn_sent(c) != hc->sent_mark)
		return true;
	if (svc_conn_tcp_info(c, &ti) == 0 && ti.tcpi_unacked && ti.tcpi_retransmits) {
		httpd_count(&httpd.ctr.stall_lossy, 1);
		return true;
	}
	return false;
}

static void http_timeout(struct svc_conn *c)
{
	struct hconn *hc = svc_conn_data(c);

	if ((hc->phase == HC_STREAM || hc->phase == HC_BLOCKED || hc->phase == HC_CLOSING) &&
	    stall_waits(c, hc)) {
		stall_timer(c, hc);
		return;
	}
	switch (hc->phase) {
	case HC_REQUEST:
		/* RFC 9110 15.5.9: the request did not complete in time. */
		error_close_now(c, 408);
		break;
	case HC_REFUSED:
		error_close_now(c, 503);
		break;
	case HC_IDLE:
		httpd_count(&httpd.ctr.idle_closed, 1);
		set_phase(c, hc, HC_CLOSING);
		svc_close(c, 0);
		break;
	case HC_BLOCKED:
		httpd_count(&httpd.ctr.aborted, 1);
		/* fall through */
	case HC_STREAM:		/* counted in http_close, with the bytes sent */
	case HC_CLOSING:
		/* The client stopped reading. */
		set_phase(c, hc, HC_CLOSING);
		svc_close(c, SVC_CLOSE_NOW);
		break;
	}
}

/* Past max_conns: close this service's oldest kept-alive idle connection
 * to make room (see IDLE above); false when it has none. */
static bool shed_oldest_idle(struct svc_conn *c)
{
	struct hconn *old = svc_of_conn(c)->idle_old;

	if (!old)
		return false;
	httpd_count(&httpd.ctr.shed, 1);
	if (httpd.cfg.log)
		printf("httpd: #%llu %s: idle, closed to make room (max_conns)\n", (unsigned long long)old->id,
		       old->peer);
	set_phase(old->c, old, HC_CLOSING);
	svc_close(old->c, SVC_CLOSE_NOW);
	return true;
}

static int http_accept(struct svc_conn *c)
{
	struct hconn *hc = calloc(1, sizeof(*hc));
	uint64_t open;
	uint32_t a;
	uint16_t p;

	if (!hc)
		return -ENOMEM;
	svc_conn_peer(c, &a, &p);
	snprintf(hc->peer, sizeof(hc->peer), "%u.%u.%u.%u:%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		 a & 255, p);
	hc->c = c;
	svc_conn_set_data(c, hc);
	open = __atomic_add_fetch(&httpd.ctr.conns_open, 1, __ATOMIC_RELAXED);
	hc->id = __atomic_add_fetch(&httpd.ctr.conns_total, 1, __ATOMIC_RELAXED);
	if (open > httpd.cfg.max_conns && !shed_oldest_idle(c)) {
		/* Past the cap: a 503 once the request is in (answering before
		 * it could reset the connection under the client's request). */
		set_phase(c, hc, HC_REFUSED);
		httpd_count(&httpd.ctr.refused, 1);
		svc_set_timer(c, HTTPD_REFUSE_MS);
	} else {
		set_phase(c, hc, HC_IDLE);
		svc_set_timer(c, httpd.cfg.idle_ms);
	}
	if (httpd.cfg.log)
		printf("httpd: #%llu accept %s on cpu %u%s\n", (unsigned long long)hc->id, hc->peer,
		       cpu_id(), hc->phase == HC_REFUSED ? " (over max_conns: 503)" : "");
	return 0;
}

static void http_close(struct svc_conn *c, enum svc_reason why, int err)
{
	struct hconn *hc = svc_conn_data(c);

	if (!hc)
		return;
	if (hc->file && hc->off < hc->file->size) {
		httpd_count(&httpd.ctr.aborted, 1);
		if (httpd.cfg.log)
			printf("httpd: #%llu %s: %s aborted after %llu of %llu bytes\n",
			       (unsigned long long)hc->id, hc->peer, hc->file->path,
			       (unsigned long long)hc->off, (unsigned long long)hc->file->size);
	}
	if (httpd.cfg.log && err)
		printf("httpd: #%llu close %s: %s (%d), %u requests\n", (unsigned long long)hc->id,
		       hc->peer, svc_reason_name(why), err, hc->requests);
	else if (httpd.cfg.log)
		printf("httpd: #%llu close %s: %s, %u requests\n", (unsigned long long)hc->id,
		       hc->peer, svc_reason_name(why), hc->requests);
	__atomic_sub_fetch(&httpd.ctr.conns_open, 1, __ATOMIC_RELAXED);
	if (hc->on_idle)
		idle_unlink(svc_of_conn(c), hc);
	free(hc);
	svc_conn_set_data(c, NULL);
}

static int http_init(struct svc *s)
{
	struct httpd_svc *hs = svc_data(s);
	int port = svc_listen_fd(s, httpd.listen_fd);

	if (port < 0) {
		printf("httpd: cpu %u: cannot accept on the listening socket (%d)\n", hs->cpu, port);
		return port;
	}
	printf("httpd: listening on port %d on cpu %u\n", port, cpu_id());
	/* With cloudit --pipes (and maybe no NIC) the host reaches us through the pipes too. */
	if (pipe_available() && !__atomic_exchange_n(&httpd.pipe_taken, true, __ATOMIC_ACQ_REL)) {
		int hport = svc_listen_pipe(s, (uint16_t)port);

		if (hport < 0)
			printf("httpd: cpu %u: cannot listen through the host pipes (%d)\n", hs->cpu, hport);
		else
			printf("httpd: listening through the host pipes on host port %d on cpu %u\n", hport,
			       cpu_id());
	}
	return 0;
}

const struct svc_handlers httpd_handlers = {
	.init = http_init,
	.accept = http_accept,
	.receive = http_receive,
	.close = http_close,
	.timeout = http_timeout,
	.writable = http_writable,
};

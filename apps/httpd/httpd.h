/*
 * apps/httpd/httpd.h: what the parts of apps/httpd share. httpd.c is the
 * HTTP service (the callback handlers, responses, limits and timers);
 * main.c reads the options, opens the listening socket, starts one
 * service per chosen CPU and provides the pages made from the kernel's
 * state (the welcome page's fields, /stats).
 */
#ifndef HTTPD_HTTPD_H
#define HTTPD_HTTPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "include/skiff/service.h"

#include "http_parse.h"

#define HTTPD_MAX_CPUS		64
#define HTTPD_BUF		32768	/* per service: a response head and small body, /stats */
#define HTTPD_CHUNK		16384	/* bytes of a large file per svc_send */
#define HTTPD_IN_MAX		(HTTP_HEAD_MAX + 4096)	/* held input per connection */
#define HTTPD_REFUSE_SLACK	64	/* connections past max_conns that get a 503 */
#define HTTPD_REFUSE_MS		1000	/* a refused client's request is awaited this long */

/* The statuses counted (requests by status in /stats). */
#define HTTPD_STATUS_LIST(X) \
	X(200) X(304) X(400) X(404) X(405) X(408) X(413) X(414) X(431) \
	X(500) X(501) X(503) X(505)
#define HTTPD_STATUS_ENUM(n) HTTPD_S##n,
enum httpd_status_idx { HTTPD_STATUS_LIST(HTTPD_STATUS_ENUM) HTTPD_STATUS_COUNT };
#undef HTTPD_STATUS_ENUM

struct httpd_config {
	uint16_t port;
	unsigned max_conns;		/* served at once, all services */
	unsigned max_requests;		/* per connection, then Connection: close */
	uint64_t idle_ms;		/* no request begun, or output stalled */
	uint64_t request_ms;		/* a begun request head must complete */
	size_t out_max;			/* svc out_max per connection */
	bool log;			/* access log lines on the console */
};

/* Counters shared by every service (updated with atomics). */
struct httpd_counters {
	uint64_t conns_open;		/* accepted and not yet closed */
	uint64_t conns_total;
	uint64_t refused;		/* answered 503 past max_conns */
	uint64_t requests;		/* responses sent */
	uint64_t body_bytes;		/* body bytes of those */
	uint64_t status[HTTPD_STATUS_COUNT];
	uint64_t idle_closed;		/* closed after idle_ms */
	uint64_t shed;			/* idle kept-alive ones closed for a newcomer */
	uint64_t aborted;		/* closed with a response still being sent */
	uint64_t stall_lossy;		/* stall timeouts waited out with nothing
					 * taken: TCP was retransmitting (the
					 * path, not the reader) */
};

struct httpd {
	struct httpd_config cfg;
	int listen_fd;			/* shared by every service */
	bool pipe_taken;		/* one service listens through the host pipes */
	unsigned nsvc;
	struct svc *svc[HTTPD_MAX_CPUS];
	struct httpd_counters ctr;
};

struct hconn;

/* One service: its thread's own buffer, Date cache and idle list. */
/*
 * A static file's response head as last made, up to the Connection line:
 * the same bytes for every request in one second (the Date), so made once
 * per second per file instead of formatted per request.
 */
#define HTTPD_HEADS		8	/* per service, indexed by the file's place in www_files */
#define HTTPD_HEAD_TEXT		320	/* a longer head is not kept */
struct httpd_head {
	const void *file;		/* the struct www_file it is for; NULL: empty */
	const char *type;		/* Content-Type it says */
	uint64_t len;			/* Content-Length it says */
	uint64_t sec;			/* the second of its Date */
	int status;
	uint16_t n;			/* bytes of text */
	char text[HTTPD_HEAD_TEXT];
};

struct httpd_svc {
	struct httpd *h;
	unsigned cpu;
	char *buf;			/* HTTPD_BUF bytes */
	struct httpd_head *heads;	/* HTTPD_HEADS of them */
	struct hconn *idle_old;		/* kept-alive, waiting: oldest first */
	struct hconn *idle_new;		/* ... and the newest */
	uint64_t date_sec;		/* the second date[] was made for */
	char date[32];
};

extern struct httpd httpd;
extern const struct svc_handlers httpd_handlers;

static inline void httpd_count(uint64_t *ctr, int64_t n)
{
	__atomic_fetch_add(ctr, (uint64_t)n, __ATOMIC_RELAXED);
}

/* The index of a counted status, or -1. */
int httpd_status_idx(int status);
int httpd_status_code(enum httpd_status_idx i);

/*
 * main.c: a template field of the welcome page ("{{name}}") into out;
 * its length, or -1 for a name it does not know (the text stays).
 */
int httpd_tmpl_field(struct httpd_svc *hs, const char *name, size_t len, char *out, size_t cap);
/* main.c: /stats as JSON into buf; its length, or -1 when cap was short. */
int httpd_stats_json(struct httpd_svc *hs, char *buf, size_t cap);
/* GET /prof (main.c): the kernel profile printed on the console and reset; a line saying so in buf. Its length, or -1. */
int httpd_prof_text(char *buf, size_t cap);

#endif

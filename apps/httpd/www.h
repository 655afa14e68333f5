/*
 * apps/httpd/www.h: the files apps/httpd serves, embedded at build time
 * by tools/gen-www.sh (apps/httpd/httpd.mk) from apps/httpd/www/ and the
 * generated /1m.bin. The table is sorted by nothing; it is short.
 */
#ifndef HTTPD_WWW_H
#define HTTPD_WWW_H

#include <stdbool.h>
#include <stdint.h>

struct www_file {
	const char *path;	/* "/612.html" */
	const char *type;	/* Content-Type */
	const uint8_t *data;	/* size bytes, then a NUL */
	uint64_t size;
	const char *etag;	/* strong, quotes included: "\"0123456789abcdef\"" */
	uint64_t mtime;		/* Unix seconds: Last-Modified */
	bool tmpl;		/* has {{name}} fields filled per request */
};

extern const struct www_file www_files[];
extern const unsigned www_count;

#endif

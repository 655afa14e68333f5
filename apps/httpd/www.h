/*
 * apps/httpd/www.h: the files apps/httpd serves, embedded at build time
 * by tools/gen-www.sh (apps/httpd/httpd.mk) from apps/httpd/www/, and
 * /1m.bin, whose bytes are made at request time by www_gen_1m (www_gen.c)
 * rather than stored in the image (its size, ETag and date come from the
 * copy the build generates). The table is sorted by nothing; it is short.
 */
#ifndef HTTPD_WWW_H
#define HTTPD_WWW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct www_file {
	const char *path;	/* "/612.html" */
	const char *type;	/* Content-Type */
	const uint8_t *data;	/* size bytes, then a NUL */
	uint64_t size;
	const char *etag;	/* strong, quotes included: "\"0123456789abcdef\"" */
	uint64_t mtime;		/* Unix seconds: Last-Modified */
	bool tmpl;		/* has {{name}} fields filled per request */
	/* Generated file (data NULL): writes bytes [off, off + n) to dst. */
	void (*gen)(uint64_t off, void *dst, size_t n);
};

/* /1m.bin: 65536 records of 16 bytes, record k "%015x\n" of k * 16. */
void www_gen_1m(uint64_t off, void *dst, size_t n);
/* n bytes of f from off into dst, embedded or generated. */
void www_read(const struct www_file *f, uint64_t off, void *dst, size_t n);

extern const struct www_file www_files[];
extern const unsigned www_count;

#endif

/*
 * kernel/cmdline_parse.h: the option table behind kernel/cmdline.c, free of
 * any machine dependency so host tests can drive it. Fixed storage, no heap:
 * options are parsed before the heap exists.
 */
#ifndef KERNEL_CMDLINE_PARSE_H
#define KERNEL_CMDLINE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#define CMDLINE_MAX_OPTS 64
#define CMDLINE_MAX_KEY 48
#define CMDLINE_MAX_VAL 200

struct cmdline_opt {
	char key[CMDLINE_MAX_KEY];
	char val[CMDLINE_MAX_VAL];
	const char *source;        /* "image", "fw_cfg": where the value came from */
};

struct cmdline {
	struct cmdline_opt opt[CMDLINE_MAX_OPTS];
	int n;
	/* Called once per problem with a one-line reason; may be NULL. */
	void (*warn)(void *ctx, const char *msg);
	void *warn_ctx;
	unsigned nwarnings;
};

/*
 * Parses whitespace-separated key=value tokens (a value may be "double
 * quoted" to hold spaces) from src and sets each, a later key overriding an
 * earlier one. Malformed tokens (no '=', empty or overlong key or value,
 * unterminated quote, table full) are skipped with a warning. Returns the
 * number of options set.
 */
int cmdline_parse(struct cmdline *cl, const char *src, const char *source);
const char *cmdline_lookup(const struct cmdline *cl, const char *key);
/* Parses a whole decimal or 0x-hex number with optional sign; false if malformed or out of range. */
bool cmdline_parse_long(const char *s, long *out);
/* Matches a key against a pattern in which '*' stands for one or more digits ("eth*.ip"). */
bool cmdline_key_matches(const char *pattern, const char *key);
/* Formats "k=v k=v ..." (values with blanks, or empty, quoted) into buf. */
void cmdline_format(const struct cmdline *cl, char *buf, size_t size);

#endif

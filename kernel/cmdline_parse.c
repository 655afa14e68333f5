/*
 * kernel/cmdline_parse.c: tokenizer and table for "key=value" options (see
 * cmdline_parse.h). Nothing here prints or allocates: problems go to the
 * warn callback so the kernel logs them and host tests can count them.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "kernel/cmdline_parse.h"
#include "lib/digit.h"
#include "lib/fmt.h"

static void warn(struct cmdline *cl, const char *fmt, const char *a, size_t alen)
{
	char tok[64], msg[160];
	size_t n = alen < sizeof(tok) - 1 ? alen : sizeof(tok) - 1;
	memcpy(tok, a, n);
	tok[n] = 0;
	fmt_snprintf(msg, sizeof(msg), fmt, tok);
	cl->nwarnings++;
	if (cl->warn)
		cl->warn(cl->warn_ctx, msg);
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool has_space(const char *s)
{
	for (; *s; s++)
		if (is_space(*s))
			return true;
	return false;
}

static bool key_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
	       c == '_' || c == '-';
}

static bool set_opt(struct cmdline *cl, const char *key, size_t klen, const char *val, size_t vlen,
		    const char *source)
{
	struct cmdline_opt *o = NULL;
	for (int i = 0; i < cl->n; i++) {
		if (strlen(cl->opt[i].key) == klen && !memcmp(cl->opt[i].key, key, klen)) {
			o = &cl->opt[i];
			break;
		}
	}
	if (!o) {
		if (cl->n == CMDLINE_MAX_OPTS) {
			warn(cl, "too many options; ignoring '%s'", key, klen);
			return false;
		}
		o = &cl->opt[cl->n++];
		memcpy(o->key, key, klen);
		o->key[klen] = 0;
	}
	memcpy(o->val, val, vlen);
	o->val[vlen] = 0;
	o->source = source;
	return true;
}

/* One token starting at s; returns where the next one may start. */
static const char *parse_token(struct cmdline *cl, const char *s, const char *source, int *nset)
{
	const char *tok = s, *eq = NULL;
	while (*s && !is_space(*s) && *s != '=')
		s++;
	if (*s != '=') {
		warn(cl, "malformed option '%s' (expected key=value)", tok, (size_t)(s - tok));
		return s;
	}
	eq = s;
	size_t klen = (size_t)(eq - tok);
	const char *val = eq + 1, *vend;
	const char *next;
	if (*val == '"') {
		val++;
		vend = strchr(val, '"');
		if (!vend) {
			warn(cl, "unterminated quote in option '%s'", tok, strlen(tok));
			return val + strlen(val);
		}
		next = vend + 1;
	} else {
		vend = val;
		while (*vend && !is_space(*vend))
			vend++;
		next = vend;
	}
	size_t vlen = (size_t)(vend - val);
	if (klen == 0) {
		warn(cl, "malformed option '%s' (empty key)", tok, (size_t)(next - tok));
		return next;
	}
	for (size_t i = 0; i < klen; i++) {
		if (!key_char_ok(tok[i])) {
			warn(cl, "malformed option '%s' (bad character in key)", tok, (size_t)(next - tok));
			return next;
		}
	}
	if (klen >= CMDLINE_MAX_KEY || vlen >= CMDLINE_MAX_VAL) {
		warn(cl, "option '%s' is too long", tok, klen);
		return next;
	}
	if (set_opt(cl, tok, klen, val, vlen, source))
		(*nset)++;
	return next;
}

int cmdline_parse(struct cmdline *cl, const char *src, const char *source)
{
	int nset = 0;
	const char *s = src ? src : "";
	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s)
			break;
		s = parse_token(cl, s, source, &nset);
	}
	return nset;
}

const char *cmdline_lookup(const struct cmdline *cl, const char *key)
{
	for (int i = 0; i < cl->n; i++)
		if (!strcmp(cl->opt[i].key, key))
			return cl->opt[i].val;
	return NULL;
}

bool cmdline_parse_long(const char *s, long *out)
{
	bool neg = false;
	unsigned long v = 0, base = 10;
	if (!s || !*s)
		return false;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, s += 2;
	if (!*s)
		return false;
	for (; *s; s++) {
		unsigned d = (unsigned)digit_value(*s);
		if (d >= base)
			return false;
		if (v > ((~0ul) - d) / base)
			return false;
		v = v * base + d;
	}
	if (neg ? v > (unsigned long)__LONG_MAX__ + 1 : v > (unsigned long)__LONG_MAX__)
		return false;
	*out = neg ? (long)(0 - v) : (long)v;
	return true;
}

bool cmdline_key_matches(const char *p, const char *k)
{
	while (*p) {
		if (*p == '*') {
			if (!(*k >= '0' && *k <= '9'))
				return false;
			while (*k >= '0' && *k <= '9')
				k++;
			p++;
			continue;
		}
		if (*p++ != *k++)
			return false;
	}
	return *k == 0;
}

void cmdline_format(const struct cmdline *cl, char *buf, size_t size)
{
	size_t len = 0;
	if (size)
		buf[0] = 0;
	for (int i = 0; i < cl->n && len < size; i++) {
		const struct cmdline_opt *o = &cl->opt[i];
		/* Quote whatever is_space() would split (a quoted value may hold
		 * tabs and line ends), so the line parses back the same. */
		bool quote = has_space(o->val) || !o->val[0];
		len += (size_t)fmt_snprintf(buf + len, size - len, quote ? "%s%s=\"%s\"" : "%s%s=%s",
					    i ? " " : "", o->key, o->val);
	}
}

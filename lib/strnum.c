/*
 * lib/strnum.c: see strnum.h. One pass over the digits; the magnitude
 * saturates instead of wrapping, and the callers clamp it to their type.
 */
#include <stdbool.h>
#include <stdint.h>

#include "lib/strnum.h"

static int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

static bool is_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

bool strnum_parse(const char *s, int base, struct strnum *out, const char **end)
{
	const char *p = s;
	*out = (struct strnum){ 0, false, false, false };
	*end = s;
	if (base < 0 || base == 1 || base > 36)
		return false;
	while (is_space(*p))
		p++;
	if (*p == '+' || *p == '-')
		out->neg = *p++ == '-';
	/* "0x" counts as a prefix only when a hex digit follows; else the "0" alone is the number. */
	if ((base == 0 || base == 16) && p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && digit_value(p[2]) < 16) {
		p += 2;
		base = 16;
	} else if (base == 0) {
		base = p[0] == '0' ? 8 : 10;
	}
	for (int d; (d = digit_value(*p)) < base; p++) {
		out->any = true;
		if (out->mag > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) {
			out->overflow = true;
			out->mag = UINT64_MAX;
		} else if (!out->overflow) {
			out->mag = out->mag * (uint64_t)base + (uint64_t)d;
		}
	}
	if (out->any)
		*end = p;
	return true;
}

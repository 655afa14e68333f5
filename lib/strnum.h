/*
 * lib/strnum.h: the number parser behind strtol/strtoul/atoi (include/
 * stdlib.h), shared with host unit tests (hence the strnum_ prefix: no clash
 * with libc). C11 7.22.1.4 rules: leading white space, an optional sign,
 * base 0 (decimal, 0x/0X hex, 0 octal) or 2..36, "0x" accepted before hex
 * digits in base 16; *end points after the last digit used, or at s when
 * there was none.
 */
#ifndef LIB_STRNUM_H
#define LIB_STRNUM_H

#include <stdbool.h>
#include <stdint.h>

struct strnum {
	uint64_t mag;		/* magnitude, saturated at UINT64_MAX */
	bool neg;		/* a '-' came before the digits */
	bool overflow;		/* the digits did not fit in 64 bits */
	bool any;		/* at least one digit was used */
};

/* Parses s; returns false for a base outside 0 and 2..36 (nothing parsed). */
bool strnum_parse(const char *s, int base, struct strnum *out, const char **end);

#endif

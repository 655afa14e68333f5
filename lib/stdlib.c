/*
 * lib/stdlib.c: strtol, strtoul, atoi, atol, abs, labs with C11's rules
 * (7.22.1.4): optional blanks, an optional sign, then digits of the base;
 * base 0 reads a 0x/0X prefix as 16 and a leading 0 as 8; *end points
 * after the last digit used (at s when there were none); on overflow the
 * result is the limit and errno ERANGE.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>

#include "lib/digit.h"


/* The magnitude in *mag (saturated at limit) and the sign; the end. */
static const char *parse(const char *s, int base, unsigned long limit,
			 unsigned long *mag, bool *neg, bool *over)
{
	const char *start = s;
	bool any = false;

	*mag = 0;
	*neg = false;
	*over = false;
	while (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		s++;
	if (*s == '+' || *s == '-')
		*neg = *s++ == '-';
	if ((base == 0 || base == 16) && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
	    digit_value(s[2]) < 16) {
		s += 2;
		base = 16;
	} else if (base == 0) {
		base = s[0] == '0' ? 8 : 10;
	}
	if (base < 2 || base > 36) {
		errno = EINVAL;
		return start;
	}
	for (; digit_value(*s) < base; s++) {
		unsigned long d = (unsigned long)digit_value(*s);

		any = true;
		if (*mag > (limit - d) / (unsigned long)base)
			*over = true;
		else
			*mag = *mag * (unsigned long)base + d;
	}
	return any ? s : start;
}

long strtol(const char *s, char **end, int base)
{
	unsigned long mag, limit = (unsigned long)LONG_MAX + 1;
	bool neg, over;
	const char *e = parse(s, base, limit, &mag, &neg, &over);

	if (end)
		*end = (char *)e;
	if (over || (!neg && mag == limit)) {
		errno = ERANGE;
		return neg ? LONG_MIN : LONG_MAX;
	}
	if (neg)
		return mag == limit ? LONG_MIN : -(long)mag;
	return (long)mag;
}

unsigned long strtoul(const char *s, char **end, int base)
{
	unsigned long mag;
	bool neg, over;
	const char *e = parse(s, base, ULONG_MAX, &mag, &neg, &over);

	if (end)
		*end = (char *)e;
	if (over) {
		errno = ERANGE;
		return ULONG_MAX;
	}
	/* C: a minus sign negates in the unsigned type. */
	return neg ? -mag : mag;
}

long atol(const char *s)
{
	return strtol(s, NULL, 10);
}

int atoi(const char *s)
{
	return (int)strtol(s, NULL, 10);
}

int abs(int x)
{
	return x < 0 ? -x : x;
}

long labs(long x)
{
	return x < 0 ? -x : x;
}

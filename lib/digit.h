/*
 * lib/digit.h: the value of one digit character in bases up to 36, shared
 * by every number parser (lib/stdlib.c's strtol family, the kernel's option
 * parser, inet_aton) so none carries its own letter arithmetic.
 */
#ifndef LIB_DIGIT_H
#define LIB_DIGIT_H

/* 0-9 for '0'-'9', 10-35 for 'a'-'z' or 'A'-'Z', else 99: a caller
 * compares the result with its base ("digit_value(c) < base"). */
static inline int digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

#endif

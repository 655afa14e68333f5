/*
 * msg/msg_text.c: the text forms people and command lines use for the
 * SchemeStation library (include/skiff/msg.h): 128-bit domain addresses
 * as hex ("1f", "0x00ff..."), TCP endpoints ("10.0.0.1:7000") and peers
 * ("b@10.0.0.3:7000"). Parsing takes a length (option values are not
 * always NUL-terminated where they end) and accepts nothing else: no
 * blanks, no signs, no trailing garbage.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "include/skiff/msg.h"
#include "lib/digit.h"

int msg_addr_parse(const char *s, size_t n, struct msg_addr *a)
{
	size_t i;

	if (n >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		n -= 2;
	}
	if (n == 0 || n > 2 * MSG_ADDR_LEN)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	/* Right-aligned: the last digit is the low nibble of the last octet. */
	for (i = 0; i < n; i++) {
		int v = digit_value(s[n - 1 - i]);

		if (v >= 16)
			return -EINVAL;
		a->b[MSG_ADDR_LEN - 1 - i / 2] |= (uint8_t)(i & 1 ? v << 4 : v);
	}
	return 0;
}

char *msg_addr_format(const struct msg_addr *a, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, k = 0;
	bool started = false;

	for (i = 0; i < 2 * MSG_ADDR_LEN; i++) {
		uint8_t o = a->b[i / 2];
		unsigned v = i & 1 ? o & 15u : o >> 4;

		if (!v && !started)
			continue;
		started = true;
		buf[k++] = hex[v];
	}
	if (!k)
		buf[k++] = '0';
	buf[k] = '\0';
	return buf;
}

int msg_ipv4_parse(const char *s, size_t n, uint32_t *ip, uint16_t *port)
{
	uint32_t v = 0, part = 0;
	unsigned dots = 0, digits = 0;
	size_t i;

	for (i = 0; i < n && s[i] != ':'; i++) {
		if (s[i] == '.') {
			if (!digits || ++dots > 3)
				return -EINVAL;
			v = (v << 8) | part;
			part = 0;
			digits = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9' || ++digits > 3)
			return -EINVAL;
		part = part * 10 + (uint32_t)(s[i] - '0');
		if (part > 255)
			return -EINVAL;
	}
	if (dots != 3 || !digits)
		return -EINVAL;
	*ip = (v << 8) | part;
	if (i == n) {
		if (port)
			*port = MSG_PORT;
		return 0;
	}
	if (!port || i + 1 == n)
		return -EINVAL;
	part = 0;
	for (i++; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		part = part * 10 + (uint32_t)(s[i] - '0');
		if (part > 65535)
			return -EINVAL;
	}
	if (part == 0)
		return -EINVAL;
	*port = (uint16_t)part;
	return 0;
}

int msg_peer_parse(const char *s, size_t n, struct msg_peer *p)
{
	const char *at = memchr(s, '@', n);

	if (!at)
		return -EINVAL;
	if (msg_addr_parse(s, (size_t)(at - s), &p->addr))
		return -EINVAL;
	return msg_ipv4_parse(at + 1, n - (size_t)(at - s) - 1, &p->ip, &p->port);
}

/*
 * lib/fmt.c: the formatting engine behind kprintf and snprintf. It writes
 * through a bounded cursor, so an overlong line is cut, never overflowed,
 * and it needs no heap, so it works before mm/ exists and inside a panic.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/fmt.h"

struct fmt_out {
	char *buf;
	size_t size;
	size_t len;            /* characters produced so far, even past size */
};

struct fmt_spec {
	bool left, zero, plus, space, alt;
	int width;
	int prec;              /* -1 when absent */
};

static void out_char(struct fmt_out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_pad(struct fmt_out *o, char c, int n)
{
	while (n-- > 0)
		out_char(o, c);
}

static void out_str(struct fmt_out *o, const struct fmt_spec *sp, const char *s)
{
	int len = 0;
	if (!s)
		s = "(null)";
	while (s[len] && (sp->prec < 0 || len < sp->prec))
		len++;
	if (!sp->left)
		out_pad(o, ' ', sp->width - len);
	for (int i = 0; i < len; i++)
		out_char(o, s[i]);
	if (sp->left)
		out_pad(o, ' ', sp->width - len);
}

/* Digits of v in base, least significant first; returns the count. */
static int to_digits(char *tmp, uint64_t v, unsigned base, bool upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int n = 0;
	do {
		tmp[n++] = dig[v % base];
		v /= base;
	} while (v);
	return n;
}

static void out_num(struct fmt_out *o, const struct fmt_spec *sp, uint64_t v, bool neg,
		    unsigned base, bool upper, const char *prefix)
{
	char tmp[24];
	int nd = (v == 0 && sp->prec == 0) ? 0 : to_digits(tmp, v, base, upper);
	char sign = neg ? '-' : sp->plus ? '+' : sp->space ? ' ' : 0;
	int plen = prefix ? (int)__builtin_strlen(prefix) : 0;
	int zeros = sp->prec > nd ? sp->prec - nd : 0;
	int body = nd + zeros + (sign ? 1 : 0) + plen;
	int pad = sp->width > body ? sp->width - body : 0;
	/* C99: the 0 flag is ignored with '-' or with a precision. */
	bool zero_pad = sp->zero && !sp->left && sp->prec < 0;

	if (!sp->left && !zero_pad)
		out_pad(o, ' ', pad);
	if (sign)
		out_char(o, sign);
	for (int i = 0; i < plen; i++)
		out_char(o, prefix[i]);
	if (zero_pad)
		out_pad(o, '0', pad);
	out_pad(o, '0', zeros);
	while (nd)
		out_char(o, tmp[--nd]);
	if (sp->left)
		out_pad(o, ' ', pad);
}

static const char *parse_flags(const char *f, struct fmt_spec *sp)
{
	for (;; f++) {
		switch (*f) {
		case '-': sp->left = true; break;
		case '0': sp->zero = true; break;
		case '+': sp->plus = true; break;
		case ' ': sp->space = true; break;
		case '#': sp->alt = true; break;
		default: return f;
		}
	}
}

enum fmt_len { LEN_INT, LEN_CHAR, LEN_SHORT, LEN_LONG, LEN_LLONG, LEN_SIZE };

static const char *parse_len(const char *f, enum fmt_len *len)
{
	*len = LEN_INT;
	if (f[0] == 'h' && f[1] == 'h')
		return *len = LEN_CHAR, f + 2;
	if (f[0] == 'h')
		return *len = LEN_SHORT, f + 1;
	if (f[0] == 'l' && f[1] == 'l')
		return *len = LEN_LLONG, f + 2;
	if (f[0] == 'l' || f[0] == 'j')
		return *len = LEN_LONG, f + 1;
	if (f[0] == 'z' || f[0] == 't')
		return *len = LEN_SIZE, f + 1;
	return f;
}

static int64_t arg_signed(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_CHAR: return (signed char)va_arg(*ap, int);
	case LEN_SHORT: return (short)va_arg(*ap, int);
	case LEN_LONG: return va_arg(*ap, long);
	case LEN_LLONG: return va_arg(*ap, long long);
	case LEN_SIZE: return va_arg(*ap, long);
	default: return va_arg(*ap, int);
	}
}

static uint64_t arg_unsigned(va_list *ap, enum fmt_len len)
{
	switch (len) {
	case LEN_CHAR: return (unsigned char)va_arg(*ap, unsigned);
	case LEN_SHORT: return (unsigned short)va_arg(*ap, unsigned);
	case LEN_LONG: return va_arg(*ap, unsigned long);
	case LEN_LLONG: return va_arg(*ap, unsigned long long);
	case LEN_SIZE: return va_arg(*ap, size_t);
	default: return va_arg(*ap, unsigned);
	}
}

static void out_conv(struct fmt_out *o, struct fmt_spec *sp, enum fmt_len len, char c, va_list *ap)
{
	switch (c) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(ap, len);
		uint64_t mag = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
		out_num(o, sp, mag, v < 0, 10, false, NULL);
		break;
	}
	case 'u':
		out_num(o, sp, arg_unsigned(ap, len), false, 10, false, NULL);
		break;
	case 'x':
	case 'X': {
		uint64_t v = arg_unsigned(ap, len);
		out_num(o, sp, v, false, 16, c == 'X', sp->alt && v ? (c == 'X' ? "0X" : "0x") : NULL);
		break;
	}
	case 'o': {
		uint64_t v = arg_unsigned(ap, len);
		out_num(o, sp, v, false, 8, false, sp->alt && v ? "0" : NULL);
		break;
	}
	case 'p': {
		uintptr_t v = (uintptr_t)va_arg(*ap, void *);
		out_num(o, sp, v, false, 16, false, "0x");
		break;
	}
	case 's':
		out_str(o, sp, va_arg(*ap, const char *));
		break;
	case 'c': {
		char s[2] = { (char)va_arg(*ap, int), 0 };
		sp->prec = -1;
		if (!sp->left)
			out_pad(o, ' ', sp->width - 1);
		out_char(o, s[0]);
		if (sp->left)
			out_pad(o, ' ', sp->width - 1);
		break;
	}
	case '%':
		out_char(o, '%');
		break;
	default:
		/* Unknown conversion: print it verbatim so the mistake is visible. */
		out_char(o, '%');
		out_char(o, c);
		break;
	}
}

int fmt_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_out o = { buf, size, 0 };
	va_list aq;
	va_copy(aq, ap);
	for (const char *f = fmt; *f; f++) {
		if (*f != '%') {
			out_char(&o, *f);
			continue;
		}
		struct fmt_spec sp = { .prec = -1 };
		f = parse_flags(f + 1, &sp);
		if (*f == '*') {
			sp.width = va_arg(aq, int);
			if (sp.width < 0)
				sp.left = true, sp.width = -sp.width;
			f++;
		} else {
			while (*f >= '0' && *f <= '9')
				sp.width = sp.width * 10 + (*f++ - '0');
		}
		if (*f == '.') {
			f++;
			sp.prec = 0;
			if (*f == '*') {
				sp.prec = va_arg(aq, int);
				if (sp.prec < 0)
					sp.prec = -1;
				f++;
			} else {
				while (*f >= '0' && *f <= '9')
					sp.prec = sp.prec * 10 + (*f++ - '0');
			}
		}
		enum fmt_len len;
		f = parse_len(f, &len);
		if (!*f)
			break;
		out_conv(&o, &sp, len, *f, &aq);
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int fmt_snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = fmt_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

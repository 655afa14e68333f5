/*
 * msg/msg_wire.c: the SchemeStation packet codec (include/skiff/msg.h has
 * the format): hellos, packet headers, control packets, and the names of
 * the errors it reports.
 *
 * Promises: parsing reads only p[0..len) and returns "need more" (0)
 * rather than reading past a short buffer; fields are read and written
 * with net/byteorder.h, never through a struct laid over the bytes. Seed
 * 003 leaves the sizes, magic values and limits open; these are skiff's.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "include/skiff/msg.h"
#include "net/byteorder.h"

size_t msg_hello_put(uint8_t *p, uint32_t magic, const struct msg_addr *a)
{
	put_be32(p, magic);
	put_be16(p + 4, MSG_VERSION);
	memcpy(p + 6, a->b, MSG_ADDR_LEN);
	return MSG_HELLO_LEN;
}

int msg_hello_parse(const uint8_t *p, size_t len, uint32_t want, struct msg_hello *h)
{
	memset(h, 0, sizeof(*h));
	/* The magic is judged as soon as it is in: a stranger speaking
	 * another protocol is refused without waiting for 22 octets. */
	if (len >= 4) {
		h->magic = get_be32(p);
		if (h->magic != want)
			return -EBADMSG;
	}
	if (len >= 6) {
		h->version = get_be16(p + 4);
		if (h->version != MSG_VERSION)
			return -EPROTONOSUPPORT;
	}
	if (len < MSG_HELLO_LEN)
		return 0;
	memcpy(h->addr.b, p + 6, MSG_ADDR_LEN);
	return MSG_HELLO_LEN;
}

size_t msg_hdr_put(uint8_t *p, const struct msg_addr *dst, uint32_t len)
{
	memcpy(p, dst->b, MSG_ADDR_LEN);
	put_be32(p + MSG_ADDR_LEN, len);
	return MSG_HDR_LEN;
}

size_t msg_ctl_put(uint8_t *p, const struct msg_addr *dst, uint16_t cmd, uint32_t arg)
{
	msg_hdr_put(p, dst, 0);
	put_be16(p + MSG_HDR_LEN, cmd);
	put_be32(p + MSG_HDR_LEN + 2, arg);
	return MSG_HDR_LEN + MSG_CTL_LEN;
}

long msg_frame_parse(const uint8_t *p, size_t len, struct msg_frame *f)
{
	uint32_t n;

	memset(f, 0, sizeof(*f));
	if (len < MSG_HDR_LEN)
		return 0;
	memcpy(f->dst.b, p, MSG_ADDR_LEN);
	n = get_be32(p + MSG_ADDR_LEN);
	f->len = n;
	if (n > MSG_MAX_DATA)
		return -EMSGSIZE;
	if (n == 0) {
		if (len < MSG_HDR_LEN + MSG_CTL_LEN)
			return 0;
		f->cmd = get_be16(p + MSG_HDR_LEN);
		f->arg = get_be32(p + MSG_HDR_LEN + 2);
		if (f->cmd > MSG_CTL_KEEPALIVE)
			return -EPROTO;
		return MSG_HDR_LEN + MSG_CTL_LEN;
	}
	if (len < MSG_HDR_LEN + (size_t)n)
		return 0;
	f->data = p + MSG_HDR_LEN;
	return MSG_HDR_LEN + (long)n;
}

bool msg_addr_eq(const struct msg_addr *a, const struct msg_addr *b)
{
	return memcmp(a->b, b->b, MSG_ADDR_LEN) == 0;
}

const char *msg_err_name(int err)
{
	switch (err) {
	case 0:			return "closed by the peer";
	case -EBADMSG:		return "wrong magic";
	case -EPROTONOSUPPORT:	return "wrong version";
	case -EMSGSIZE:		return "packet length over the limit";
	case -EPROTO:		return "protocol error";
	case -ETIMEDOUT:	return "timed out";
	case -ECONNREFUSED:	return "connection refused";
	case -ECONNRESET:	return "reset by the peer";
	case -ECONNABORTED:	return "connection aborted";
	case -EPIPE:		return "broken pipe";
	case -EADDRINUSE:	return "replaced by a newer connection";
	case -EADDRNOTAVAIL:	return "the peer has another address";
	case -ESHUTDOWN:	return "close command";
	case -ENOMEM:		return "out of memory";
	case -EHOSTUNREACH:	return "no route";
	case -ENETUNREACH:	return "network unreachable";
	case -ENOBUFS:		return "queue full";
	default:		return "error";
	}
}

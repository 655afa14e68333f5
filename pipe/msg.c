/*
 * pipe/msg.c: encoding and checked decoding of the pipe frames (pipe/msg.h).
 * Portable: no allocation, no libc beyond string.h.
 */
#include <errno.h>
#include <string.h>

#include "msg.h"

static void put_le16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put_le32(uint8_t *p, uint32_t v) { put_le16(p, (uint16_t)v); put_le16(p + 2, (uint16_t)(v >> 16)); }
static void put_le64(uint8_t *p, uint64_t v) { put_le32(p, (uint32_t)v); put_le32(p + 4, (uint32_t)(v >> 32)); }
static uint16_t get_le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t get_le32(const uint8_t *p) { return get_le16(p) | (uint32_t)get_le16(p + 2) << 16; }
static uint64_t get_le64(const uint8_t *p) { return get_le32(p) | (uint64_t)get_le32(p + 4) << 32; }

/* The body size of each fixed-size type; 0 for READ_FILE (variable) and unknown types. */
static size_t body_size(enum pipe_msg_type t)
{
	switch (t) {
	case PIPE_MSG_NEW_STREAM: return 4;
	case PIPE_MSG_STREAM_INFO: return 12;
	case PIPE_MSG_FILE_DATA: return 12;
	case PIPE_MSG_TCP_LISTEN:
	case PIPE_MSG_TCP_CONNECT: return 6;
	case PIPE_MSG_LISTEN_RESULT: return 6;
	case PIPE_MSG_INCOMING: return 10;
	case PIPE_MSG_CONNECT_RESULT: return 4;
	default: return 0;
	}
}

int pipe_msg_encode(const struct pipe_msg *m, uint8_t *buf, size_t cap)
{
	size_t body = body_size(m->type);
	if (m->type == PIPE_MSG_READ_FILE) {
		if (m->u.read_file.len == 0 || m->u.read_file.len > PIPE_PATH_MAX ||
		    memchr(m->u.read_file.path, 0, m->u.read_file.len))
			return -EINVAL;
		body = 2 + m->u.read_file.len;
	} else if (!body) {
		return -EINVAL;
	}
	if (cap < PIPE_FRAME_HDR + body)
		return -EMSGSIZE;
	uint8_t *b = buf + PIPE_FRAME_HDR;
	put_le32(buf, (uint32_t)body);
	put_le16(buf + 4, (uint16_t)m->type);
	put_le16(buf + 6, 0);
	switch (m->type) {
	case PIPE_MSG_NEW_STREAM:
		put_le32(b, m->u.new_stream.req);
		break;
	case PIPE_MSG_STREAM_INFO:
		put_le32(b, m->u.stream_info.req);
		put_le32(b + 4, (uint32_t)m->u.stream_info.status);
		put_le32(b + 8, m->u.stream_info.slot);
		break;
	case PIPE_MSG_READ_FILE:
		put_le16(b, m->u.read_file.len);
		memcpy(b + 2, m->u.read_file.path, m->u.read_file.len);
		break;
	case PIPE_MSG_FILE_DATA:
		put_le32(b, (uint32_t)m->u.file_data.status);
		put_le64(b + 4, m->u.file_data.size);
		break;
	case PIPE_MSG_TCP_LISTEN:
	case PIPE_MSG_TCP_CONNECT:
		put_le32(b, m->u.tcp.addr);
		put_le16(b + 4, m->u.tcp.port);
		break;
	case PIPE_MSG_LISTEN_RESULT:
		put_le32(b, (uint32_t)m->u.listen_result.status);
		put_le16(b + 4, m->u.listen_result.port);
		break;
	case PIPE_MSG_INCOMING:
		put_le32(b, m->u.incoming.slot);
		put_le32(b + 4, m->u.incoming.addr);
		put_le16(b + 8, m->u.incoming.port);
		break;
	case PIPE_MSG_CONNECT_RESULT:
		put_le32(b, (uint32_t)m->u.connect_result.status);
		break;
	}
	return (int)(PIPE_FRAME_HDR + body);
}

long pipe_msg_frame_len(const uint8_t *hdr, size_t cap)
{
	uint32_t body = get_le32(hdr);
	if (cap < PIPE_FRAME_HDR || body > cap - PIPE_FRAME_HDR)
		return -EPROTO;
	return (long)(PIPE_FRAME_HDR + body);
}

int pipe_msg_decode(const uint8_t *buf, size_t len, struct pipe_msg *m)
{
	if (len < PIPE_FRAME_HDR)
		return 0;
	uint32_t body = get_le32(buf);
	enum pipe_msg_type t = (enum pipe_msg_type)get_le16(buf + 4);
	if (get_le16(buf + 6) != 0)
		return -EPROTO;
	size_t want = body_size(t);
	if (t == PIPE_MSG_READ_FILE) {
		if (body < 3 || body > 2 + PIPE_PATH_MAX)
			return -EPROTO;
	} else if (!want || body != want) {
		return -EPROTO;
	}
	if (len < PIPE_FRAME_HDR + body)
		return 0;
	const uint8_t *b = buf + PIPE_FRAME_HDR;
	memset(m, 0, sizeof(*m));
	m->type = t;
	switch (t) {
	case PIPE_MSG_NEW_STREAM:
		m->u.new_stream.req = get_le32(b);
		break;
	case PIPE_MSG_STREAM_INFO:
		m->u.stream_info.req = get_le32(b);
		m->u.stream_info.status = (int32_t)get_le32(b + 4);
		m->u.stream_info.slot = get_le32(b + 8);
		break;
	case PIPE_MSG_READ_FILE: {
		uint16_t n = get_le16(b);
		if (n == 0 || (size_t)n + 2 != body || memchr(b + 2, 0, n))
			return -EPROTO;
		m->u.read_file.len = n;
		memcpy(m->u.read_file.path, b + 2, n);
		m->u.read_file.path[n] = 0;
		break;
	}
	case PIPE_MSG_FILE_DATA:
		m->u.file_data.status = (int32_t)get_le32(b);
		m->u.file_data.size = get_le64(b + 4);
		break;
	case PIPE_MSG_TCP_LISTEN:
	case PIPE_MSG_TCP_CONNECT:
		m->u.tcp.addr = get_le32(b);
		m->u.tcp.port = get_le16(b + 4);
		break;
	case PIPE_MSG_LISTEN_RESULT:
		m->u.listen_result.status = (int32_t)get_le32(b);
		m->u.listen_result.port = get_le16(b + 4);
		break;
	case PIPE_MSG_INCOMING:
		m->u.incoming.slot = get_le32(b);
		m->u.incoming.addr = get_le32(b + 4);
		m->u.incoming.port = get_le16(b + 8);
		break;
	case PIPE_MSG_CONNECT_RESULT:
		m->u.connect_result.status = (int32_t)get_le32(b);
		break;
	}
	return (int)(PIPE_FRAME_HDR + body);
}

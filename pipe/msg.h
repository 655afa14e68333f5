/*
 * pipe/msg.h: the frames spoken on the pipes, shared by the guest and the
 * monitor.
 *
 * Two layers (the design review of issue 13):
 *   - the control pipe (slot 0) only creates pipe pairs:
 *       guest -> host  NEW_STREAM {req}            (NewStreamRequest)
 *       host -> guest  STREAM_INFO {req, status, slot} (DataStreamInfo)
 *   - the first frame the guest sends on a new data pipe names its protocol:
 *       READ_FILE {path}           -> FILE_DATA {status, size}, then size raw bytes, then fin
 *       TCP_LISTEN {addr, port}    -> LISTEN_RESULT {status, port}, then one
 *                                     INCOMING {slot, peer addr, peer port} per accepted
 *                                     connection, each a new data pipe carrying raw bytes
 *       TCP_CONNECT {addr, port}   -> CONNECT_RESULT {status}, then raw bytes both ways
 *     Past the answer a file or TCP pipe carries raw bytes; the kernel's
 *     stream API (open/read/write/close) knows nothing of these frames.
 *
 * Frame: u32 body length, u16 type, u16 zero, then the body; all integers
 * little-endian; addresses are IPv4 in host order as u32, ports u16.
 * status is 0 or a negative Linux errno (skiff's errno.h uses the same
 * numbers). Decoding checks every length: a malformed frame is -EPROTO,
 * never a read past the buffer.
 */
#ifndef PIPE_MSG_H
#define PIPE_MSG_H

#include <stddef.h>
#include <stdint.h>

#define PIPE_FRAME_HDR 8
#define PIPE_PATH_MAX 1024
#define PIPE_FRAME_MAX (PIPE_FRAME_HDR + 2 + PIPE_PATH_MAX)

enum pipe_msg_type {
	PIPE_MSG_NEW_STREAM = 1,
	PIPE_MSG_STREAM_INFO = 2,
	PIPE_MSG_READ_FILE = 16,
	PIPE_MSG_FILE_DATA = 17,
	PIPE_MSG_TCP_LISTEN = 18,
	PIPE_MSG_LISTEN_RESULT = 19,
	PIPE_MSG_INCOMING = 20,
	PIPE_MSG_TCP_CONNECT = 21,
	PIPE_MSG_CONNECT_RESULT = 22,
};

struct pipe_msg {
	enum pipe_msg_type type;
	union {
		struct { uint32_t req; } new_stream;
		struct { uint32_t req; int32_t status; uint32_t slot; } stream_info;
		struct { uint16_t len; char path[PIPE_PATH_MAX + 1]; } read_file; /* NUL-terminated too */
		struct { int32_t status; uint64_t size; } file_data;
		struct { uint32_t addr; uint16_t port; } tcp;    /* TCP_LISTEN, TCP_CONNECT */
		struct { int32_t status; uint16_t port; } listen_result;
		struct { uint32_t slot; uint32_t addr; uint16_t port; } incoming;
		struct { int32_t status; } connect_result;
	} u;
};

/* Writes m's frame into buf; its length, or -EMSGSIZE when cap is short, -EINVAL for a bad m. */
int pipe_msg_encode(const struct pipe_msg *m, uint8_t *buf, size_t cap);
/*
 * Parses the frame at the front of buf: the bytes it took (> 0), 0 when
 * len holds only part of a frame (read more), -EPROTO when malformed (an
 * unknown type, a body of the wrong size, a path with a NUL or too long).
 */
int pipe_msg_decode(const uint8_t *buf, size_t len, struct pipe_msg *m);
/*
 * The whole length of the frame whose PIPE_FRAME_HDR header bytes are at
 * hdr (header + body, from the header's length field), or -EPROTO when
 * that exceeds cap: the one bound every reader that assembles frames in a
 * buffer of cap bytes applies before it reads the body.
 */
long pipe_msg_frame_len(const uint8_t *hdr, size_t cap);

#endif

/*
 * tests/fuzz/fuzz_pipe.c: libFuzzer target: the guest<->host pipes' shared
 * code (pipe/msg.c frames, pipe/ring.c ring), which both the guest kernel
 * and the host monitor run on bytes the other side wrote.
 *
 * Input: a mode byte (modulo 3), then:
 *   0 (decode)  a byte stream parsed frame after frame by pipe_msg_decode,
 *               as a reader of a pipe would: each frame it takes must
 *               encode back to exactly its bytes, decode again to the same
 *               message, and read as incomplete (0) from every strict
 *               prefix; a frame it refuses stops the stream. The stream
 *               and the longest prefix are copied to buffers of their
 *               exact size first, so ASan sees a read past them.
 *   1 (encode)  a struct pipe_msg made of the bytes (type, then the union
 *               raw, a read_file.len anywhere in 0..65535): when encode
 *               takes it, decode must give the same message back; encode
 *               into a too-short buffer (0..9 bytes, half, all but one)
 *               must be -EMSGSIZE and write nothing.
 *   2 (ring)    a ring of 16 << (b % 9) bytes whose counters start at a
 *               fuzzed u32 (wrapping the 32-bit counters), then operations
 *               of an op byte and a u16 length: write, read, peek+consume,
 *               peek_copy, a corrupt head, the wait flags. A model checks
 *               readable + writable == cap, FIFO order of every byte (each
 *               byte's value is a function of its sequence number) and
 *               that a corrupt ring gives and takes nothing.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipe/msg.h"
#include "pipe/ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *why)
{
	fprintf(stderr, "fuzz: finding: pipe: %s\n", why);
	abort();
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return rd16(p) | (uint32_t)rd16(p + 2) << 16; }

/* Messages compare by the fields their type sends (the rest of the union is not on the wire). */
static bool msg_equal(const struct pipe_msg *a, const struct pipe_msg *b)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case PIPE_MSG_NEW_STREAM:
		return a->u.new_stream.req == b->u.new_stream.req;
	case PIPE_MSG_STREAM_INFO:
		return a->u.stream_info.req == b->u.stream_info.req &&
		       a->u.stream_info.status == b->u.stream_info.status &&
		       a->u.stream_info.slot == b->u.stream_info.slot;
	case PIPE_MSG_READ_FILE:
		return a->u.read_file.len == b->u.read_file.len &&
		       !memcmp(a->u.read_file.path, b->u.read_file.path, a->u.read_file.len);
	case PIPE_MSG_FILE_DATA:
		return a->u.file_data.status == b->u.file_data.status &&
		       a->u.file_data.size == b->u.file_data.size;
	case PIPE_MSG_TCP_LISTEN:
	case PIPE_MSG_TCP_CONNECT:
		return a->u.tcp.addr == b->u.tcp.addr && a->u.tcp.port == b->u.tcp.port;
	case PIPE_MSG_LISTEN_RESULT:
		return a->u.listen_result.status == b->u.listen_result.status &&
		       a->u.listen_result.port == b->u.listen_result.port;
	case PIPE_MSG_INCOMING:
		return a->u.incoming.slot == b->u.incoming.slot &&
		       a->u.incoming.addr == b->u.incoming.addr &&
		       a->u.incoming.port == b->u.incoming.port;
	case PIPE_MSG_CONNECT_RESULT:
		return a->u.connect_result.status == b->u.connect_result.status;
	}
	return false;
}

/* One frame decode took (n bytes at f): the round trip and the prefixes. */
static void check_frame(const uint8_t *f, int n, const struct pipe_msg *m)
{
	static uint8_t enc[PIPE_FRAME_MAX];
	struct pipe_msg again;

	if (n < PIPE_FRAME_HDR || n > PIPE_FRAME_MAX)
		fail("decode took a length outside a frame's bounds");
	if (m->type == PIPE_MSG_READ_FILE &&
	    (m->u.read_file.path[m->u.read_file.len] != 0 ||
	     strlen(m->u.read_file.path) != m->u.read_file.len))
		fail("decoded path not NUL-terminated at its length or holds a NUL");
	if (pipe_msg_encode(m, enc, sizeof(enc)) != n)
		fail("a decoded message encodes to another length");
	if (memcmp(enc, f, (size_t)n))
		fail("a decoded message encodes to other bytes");
	if (pipe_msg_decode(enc, (size_t)n, &again) != n || !msg_equal(m, &again))
		fail("decode -> encode -> decode changed the message");
	/* Every strict prefix; the longest in a buffer of its exact size (ASan). */
	for (int k = 0; k < n; k++)
		if (pipe_msg_decode(f, (size_t)k, &again) != 0)
			fail("a strict prefix of a good frame is not 'incomplete'");
	uint8_t *copy = malloc((size_t)n - 1);
	memcpy(copy, f, (size_t)n - 1);
	if (pipe_msg_decode(copy, (size_t)n - 1, &again) != 0)
		fail("a strict prefix of a good frame is not 'incomplete'");
	free(copy);
}

static void run_decode(const uint8_t *data, size_t size)
{
	while (size) {
		uint8_t *copy = malloc(size);
		struct pipe_msg m;
		int n;

		memcpy(copy, data, size);
		memset(&m, 0xa5, sizeof(m));
		n = pipe_msg_decode(copy, size, &m);
		if (n > 0) {
			if ((size_t)n > size)
				fail("decode took more bytes than it was given");
			check_frame(copy, n, &m);
		} else if (n != 0 && n != -EPROTO) {
			fail("decode returned neither a length, 0 nor -EPROTO");
		}
		free(copy);
		if (n <= 0)
			return;
		data += n;
		size -= (size_t)n;
	}
}

static void run_encode(const uint8_t *data, size_t size)
{
	static uint8_t buf[PIPE_FRAME_MAX + 64];
	struct pipe_msg m, out;
	int n;

	memset(&m, 0, sizeof(m));
	if (size < 2)
		return;
	m.type = (enum pipe_msg_type)(data[0] % 24);
	data++, size--;
	memcpy(&m.u, data, size < sizeof(m.u) ? size : sizeof(m.u));
	n = pipe_msg_encode(&m, buf, sizeof(buf));
	if (n == -EINVAL)
		return;
	if (n <= 0)
		fail("encode into a whole frame's room failed other than -EINVAL");
	if (n > PIPE_FRAME_MAX)
		fail("encode wrote more than PIPE_FRAME_MAX");
	if (pipe_msg_decode(buf, (size_t)n, &out) != n || !msg_equal(&m, &out))
		fail("an encoded message does not decode to itself");
	/* Room for no more than the header and a byte, for half, for all but one. */
	for (int i = 0; i < PIPE_FRAME_HDR + 4; i++) {
		int cap = i < PIPE_FRAME_HDR + 2 ? i : i == PIPE_FRAME_HDR + 2 ? n / 2 : n - 1;

		if (cap >= n)
			continue;
		memset(buf, 0x5a, (size_t)n + 16);
		if (pipe_msg_encode(&m, buf, (size_t)cap) != -EMSGSIZE)
			fail("encode into a short buffer is not -EMSGSIZE");
		for (size_t j = 0; j < (size_t)n + 16; j++)
			if (buf[j] != 0x5a)
				fail("encode into a short buffer wrote");
	}
}

/* The value of the byte with sequence number i: not periodic in any ring size. */
static uint8_t seq_byte(uint64_t i)
{
	return (uint8_t)((i * 2654435761u) >> 24 ^ i >> 12);
}

struct model {
	struct pipe_ring r;
	uint64_t produced, consumed;
};

static void check_lens(const struct model *md)
{
	uint32_t rd = pipe_ring_readable_len(&md->r), wr = pipe_ring_writable_len(&md->r);

	if (rd != md->produced - md->consumed)
		fail("readable_len differs from the bytes written and not read");
	if ((uint64_t)rd + wr != md->r.cap)
		fail("readable_len + writable_len != cap");
}

static void check_bytes(const uint8_t *p, size_t n, uint64_t from)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != seq_byte(from + i))
			fail("bytes out of FIFO order");
}

static void ring_op(struct model *md, uint8_t op, uint16_t len)
{
	static uint8_t buf[65536 + 16];
	struct pipe_ring *r = &md->r;
	uint32_t avail = (uint32_t)(md->produced - md->consumed);
	size_t n, want;

	switch (op % 6) {
	case 0: /* write */
		want = len < r->cap - avail ? len : r->cap - avail;
		/* The bytes past the room (up to 16) are ones the ring must not take. */
		for (size_t i = 0; i < want + 16 && i < len; i++)
			buf[i] = seq_byte(md->produced + i);
		n = pipe_ring_write(r, buf, len);
		if (n != want)
			fail("write took other than min(len, writable)");
		md->produced += n;
		break;
	case 1: /* read */
		want = len < avail ? len : avail;
		memset(buf, 0xee, want + 17);
		n = pipe_ring_read(r, buf, len);
		if (n != want)
			fail("read gave other than min(len, readable)");
		for (size_t i = n; i <= len && i < want + 17; i++)
			if (buf[i] != 0xee)
				fail("read wrote past the count it returned");
		check_bytes(buf, n, md->consumed);
		md->consumed += n;
		break;
	case 2: { /* zero copy: peek, consume part of it */
		const uint8_t *p = NULL;
		uint32_t got = pipe_ring_peek(r, &p);
		uint32_t off = (uint32_t)(r->ctl->tail & (r->cap - 1));

		if (got > avail || (avail && !got) || got > r->cap - off)
			fail("peek's span is not the readable bytes up to the end of the area");
		if (got) {
			if (p != r->data + off)
				fail("peek points elsewhere than tail");
			check_bytes(p, got, md->consumed);
			n = len < got ? len : got;
			pipe_ring_consume(r, (uint32_t)n);
			md->consumed += n;
		}
		break;
	}
	case 3: /* peek_copy: the bytes, nothing consumed */
		want = len < avail ? len : avail;
		n = pipe_ring_peek_copy(r, buf, len);
		if (n != want)
			fail("peek_copy gave other than min(len, readable)");
		check_bytes(buf, n, md->consumed);
		break;
	case 4: { /* a peer corrupts head: the ring gives and takes nothing */
		uint32_t head = r->ctl->head;
		uint32_t bad = r->ctl->tail + r->cap + 1 + len * 0x10001u;

		if (bad - r->ctl->tail <= r->cap)
			break;
		r->ctl->head = bad;
		if (pipe_ring_readable_len(r) != PIPE_RING_CORRUPT)
			fail("a head more than a ring ahead is not reported corrupt");
		if (pipe_ring_writable_len(r) != 0)
			fail("a corrupt ring has room");
		const uint8_t *p;
		if (pipe_ring_read(r, buf, len) || pipe_ring_peek_copy(r, buf, len) ||
		    pipe_ring_peek(r, &p) || pipe_ring_write(r, buf, len))
			fail("a corrupt ring moved bytes");
		if (r->ctl->head != bad)
			fail("a corrupt ring's head changed");
		r->ctl->head = head;
		break;
	}
	default: /* the wait flags */
		pipe_ring_reader_arm(r);
		pipe_ring_writer_arm(r);
		if (!pipe_ring_reader_needs_wake(r) || !pipe_ring_writer_needs_wake(r))
			fail("an armed side needs no wake");
		pipe_ring_reader_disarm(r);
		pipe_ring_writer_disarm(r);
		if (pipe_ring_reader_needs_wake(r) || pipe_ring_writer_needs_wake(r))
			fail("a disarmed side needs a wake");
		break;
	}
	check_lens(md);
}

static void run_ring(const uint8_t *data, size_t size)
{
	struct pipe_ring_ctl *ctl;
	struct model md;
	uint32_t cap, start;
	uint8_t *area;

	if (size < 5)
		return;
	cap = 16u << (data[0] % 9);               /* 16 .. 4096 */
	start = rd32(data + 1);
	data += 5, size -= 5;
	ctl = calloc(1, sizeof(*ctl));
	area = malloc(cap);                        /* exact size: ASan sees an overrun */
	if (pipe_ring_init(&md.r, ctl, area, cap) || pipe_ring_init(&md.r, ctl, area, cap + 1) != -EINVAL)
		fail("init refuses a power of two or takes another size");
	pipe_ring_init(&md.r, ctl, area, cap);
	pipe_ring_reset(&md.r);
	ctl->head = ctl->tail = start;
	md.produced = md.consumed = 0;
	check_lens(&md);
	while (size >= 3) {
		ring_op(&md, data[0], rd16(data + 1));
		data += 3, size -= 3;
	}
	/* What is left drains in order. */
	ring_op(&md, 1, 65535);
	if (pipe_ring_readable_len(&md.r) != 0)
		fail("the ring is not empty after draining");
	pipe_ring_set_fin(&md.r);
	pipe_ring_set_gone(&md.r);
	if (!pipe_ring_fin(&md.r) || !pipe_ring_gone(&md.r) || pipe_ring_is_reset(&md.r))
		fail("fin/gone/reset flags read back wrong");
	free(area);
	free(ctl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: run_decode(data + 1, size - 1); break;
	case 1: run_encode(data + 1, size - 1); break;
	default: run_ring(data + 1, size - 1); break;
	}
	return 0;
}

/*
 * tests/unit/pipe/msg_test.c: the pipe frames (pipe/msg.c): every type
 * round-trips, partial frames ask for more, and a table of malformed
 * frames is refused with -EPROTO without reading past the buffer (ASan).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pipe/msg.h"

static void roundtrip(const struct pipe_msg *m)
{
	uint8_t buf[PIPE_FRAME_MAX];
	int n = pipe_msg_encode(m, buf, sizeof(buf));
	assert_true(n > PIPE_FRAME_HDR);
	/* Every strict prefix is incomplete, never an error. */
	struct pipe_msg out;
	for (int k = 0; k < n; k++) {
		uint8_t *copy = malloc((size_t)k + 1);   /* exact size: ASan sees an overrun */
		memcpy(copy, buf, (size_t)k);
		assert_int_equal(pipe_msg_decode(copy, (size_t)k, &out), 0);
		free(copy);
	}
	assert_int_equal(pipe_msg_decode(buf, (size_t)n, &out), n);
	assert_int_equal(out.type, m->type);
	assert_memory_equal(&out.u, &m->u, sizeof(m->u));
}

static void test_every_type_round_trips(void **state)
{
	(void)state;
	struct pipe_msg m;
	memset(&m, 0, sizeof(m)); m.type = PIPE_MSG_NEW_STREAM; m.u.new_stream.req = 0xdeadbeef; roundtrip(&m);
	memset(&m, 0, sizeof(m)); m.type = PIPE_MSG_STREAM_INFO;
	m.u.stream_info.req = 7; m.u.stream_info.status = -ENOSPC; m.u.stream_info.slot = 200; roundtrip(&m);
	memset(&m, 0, sizeof(m)); m.type = PIPE_MSG_READ_FILE;
	strcpy(m.u.read_file.path, "/etc/hostname"); m.u.read_file.len = 13; roundtrip(&m);
	memset(&m, 0, sizeof(m)); m.type = PIPE_MSG_READ_FILE;
	memset(m.u.read_file.path, 'a', PIPE_PATH_MAX); m.u.read_file.len = PIPE_PATH_MAX; roundtrip(&m);
	memset(&m, 0, sizeof(m)); m.type = PIPE_MSG_FILE_DATA;
	m.u.file_data.status = 0; m.u.file_data.size = 0x123456789abull; roundtrip(&m);
	memset(&m, 0, sizeof(m)); m.type = PIPE_MSG_TCP_LISTEN; m.u.tcp.addr = 0x7f000001; m.u.tcp.port = 8080; roundtrip(&m);
	memset(&m, 0, sizeof(m)); m.type = PIPE_MSG_TCP_CONNECT; m.u.tcp.addr = 0x0a000202; m.u.tcp.port = 65535; roundtrip(&m);
	memset(&m, 0, sizeof(m)); m.type = PIPE_MSG_LISTEN_RESULT;
	m.u.listen_result.status = -EADDRINUSE; m.u.listen_result.port = 1; roundtrip(&m);
	memset(&m, 0, sizeof(m)); m.type = PIPE_MSG_INCOMING;
	m.u.incoming.slot = 5; m.u.incoming.addr = 0x7f000001; m.u.incoming.port = 40000; roundtrip(&m);
	memset(&m, 0, sizeof(m)); m.type = PIPE_MSG_CONNECT_RESULT; m.u.connect_result.status = -ECONNREFUSED; roundtrip(&m);
}

/* The wire bytes are fixed: little-endian length, type, zero. */
static void test_new_stream_wire_bytes(void **state)
{
	(void)state;
	struct pipe_msg m = { .type = PIPE_MSG_NEW_STREAM, .u.new_stream.req = 0x04030201 };
	uint8_t buf[16];
	static const uint8_t want[] = { 4, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3, 4 };
	assert_int_equal(pipe_msg_encode(&m, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_encode_refuses_short_buffer_and_bad_path(void **state)
{
	(void)state;
	uint8_t buf[PIPE_FRAME_MAX];
	struct pipe_msg m = { .type = PIPE_MSG_STREAM_INFO };
	assert_int_equal(pipe_msg_encode(&m, buf, 19), -EMSGSIZE);
	m.type = PIPE_MSG_READ_FILE;
	m.u.read_file.len = 0;
	assert_int_equal(pipe_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	memcpy(m.u.read_file.path, "a\0b", 3);
	m.u.read_file.len = 3;
	assert_int_equal(pipe_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.u.read_file.len = PIPE_PATH_MAX + 1;
	assert_int_equal(pipe_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
	m.type = (enum pipe_msg_type)99;
	assert_int_equal(pipe_msg_encode(&m, buf, sizeof(buf)), -EINVAL);
}

struct bad { const char *what; uint8_t bytes[16]; size_t len; };

static void test_malformed_frames_refused(void **state)
{
	(void)state;
	static const struct bad table[] = {
		{ "unknown type 0", { 4, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 }, 12 },
		{ "unknown type 3", { 4, 0, 0, 0, 3, 0, 0, 0, 1, 2, 3, 4 }, 12 },
		{ "reserved not zero", { 4, 0, 0, 0, 1, 0, 1, 0, 1, 2, 3, 4 }, 12 },
		{ "new_stream body 3", { 3, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3 }, 11 },
		{ "new_stream body 5", { 5, 0, 0, 0, 1, 0, 0, 0, 1, 2, 3, 4, 5 }, 13 },
		{ "huge body", { 0xff, 0xff, 0xff, 0xff, 16, 0, 0, 0 }, 8 },
		{ "read_file empty path", { 2, 0, 0, 0, 16, 0, 0, 0, 0, 0 }, 10 },
		{ "read_file length disagrees", { 4, 0, 0, 0, 16, 0, 0, 0, 3, 0, 'a', 'b' }, 12 },
		{ "read_file NUL in path", { 5, 0, 0, 0, 16, 0, 0, 0, 3, 0, 'a', 0, 'b' }, 13 },
		{ "read_file body too long", { 0x03, 0x04, 0, 0, 16, 0, 0, 0 }, 8 },
		{ "incoming body 6", { 6, 0, 0, 0, 20, 0, 0, 0, 1, 0, 0, 0, 1, 0 }, 14 },
	};
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct pipe_msg m;
		uint8_t *copy = malloc(table[i].len);
		memcpy(copy, table[i].bytes, table[i].len);
		int r = pipe_msg_decode(copy, table[i].len, &m);
		free(copy);
		if (r != -EPROTO)
			fail_msg("%s: decode returned %d, want -EPROTO", table[i].what, r);
	}
}

/* Random bytes never crash the decoder or make it claim more than it has. */
static void test_random_bytes_fuzz(void **state)
{
	(void)state;
	srand(1234);
	for (int round = 0; round < 200000; round++) {
		size_t len = (size_t)(rand() % 24);
		uint8_t *b = malloc(len + 1);
		for (size_t i = 0; i < len; i++)
			b[i] = (uint8_t)rand();
		if (len >= 8 && (rand() & 1)) {   /* plausible headers too */
			b[0] = (uint8_t)(rand() % 16); b[1] = b[2] = b[3] = 0;
			b[4] = (uint8_t)(rand() % 24); b[5] = b[6] = b[7] = 0;
		}
		struct pipe_msg m;
		int r = pipe_msg_decode(b, len, &m);
		free(b);
		assert_true(r == 0 || r == -EPROTO || (r >= PIPE_FRAME_HDR && (size_t)r <= len));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type_round_trips),
		cmocka_unit_test(test_new_stream_wire_bytes),
		cmocka_unit_test(test_encode_refuses_short_buffer_and_bad_path),
		cmocka_unit_test(test_malformed_frames_refused),
		cmocka_unit_test(test_random_bytes_fuzz),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

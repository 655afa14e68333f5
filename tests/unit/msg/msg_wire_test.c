/*
 * tests/unit/msg/msg_wire_test.c: the SchemeStation codec (msg/msg_wire.c)
 * and text forms (msg/msg_text.c) against the format written down in
 * include/skiff/msg.h: every message type round-trips through its put and
 * parse, octet for octet as the header says; a table of malformed and
 * truncated input gets the documented answer (need more, or which error).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "include/skiff/msg.h"

static struct msg_addr addr_of(const char *hex)
{
	struct msg_addr a;

	assert_int_equal(msg_addr_parse(hex, strlen(hex), &a), 0);
	return a;
}

/* include/skiff/msg.h: magic 4, version 2, address 16, big-endian. */
static void test_hello_round_trip_matches_documented_layout(void **state)
{
	static const uint8_t want[MSG_HELLO_LEN] = {
		'S', 'S', 'N', 'C', 0, 1,
		0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
		0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
	};
	struct msg_addr a = addr_of("00112233445566778899aabbccddeeff");
	uint8_t buf[MSG_HELLO_LEN];
	struct msg_hello h;

	(void)state;
	assert_int_equal(msg_hello_put(buf, MSG_MAGIC_CLIENT, &a), MSG_HELLO_LEN);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(msg_hello_parse(buf, sizeof(buf), MSG_MAGIC_CLIENT, &h), MSG_HELLO_LEN);
	assert_int_equal(h.magic, MSG_MAGIC_CLIENT);
	assert_int_equal(h.version, MSG_VERSION);
	assert_true(msg_addr_eq(&h.addr, &a));
}

static void test_hello_short_needs_more_at_every_length(void **state)
{
	struct msg_addr a = addr_of("5");
	uint8_t buf[MSG_HELLO_LEN];
	struct msg_hello h;
	size_t len;

	(void)state;
	msg_hello_put(buf, MSG_MAGIC_SERVER, &a);
	for (len = 0; len < MSG_HELLO_LEN; len++)
		assert_int_equal(msg_hello_parse(buf, len, MSG_MAGIC_SERVER, &h), 0);
}

/* Seed 003 (and include/skiff/msg.h): a wrong magic or version is refused. */
static void test_hello_wrong_magic_refused_as_soon_as_seen(void **state)
{
	struct msg_addr a = addr_of("5");
	uint8_t buf[MSG_HELLO_LEN];
	struct msg_hello h;

	(void)state;
	/* The server's magic where the client's is wanted. */
	msg_hello_put(buf, MSG_MAGIC_SERVER, &a);
	assert_int_equal(msg_hello_parse(buf, 4, MSG_MAGIC_CLIENT, &h), -EBADMSG);
	assert_int_equal(h.magic, MSG_MAGIC_SERVER);
	assert_int_equal(msg_hello_parse(buf, sizeof(buf), MSG_MAGIC_CLIENT, &h), -EBADMSG);
}

static void test_hello_wrong_version_refused(void **state)
{
	struct msg_addr a = addr_of("5");
	uint8_t buf[MSG_HELLO_LEN];
	struct msg_hello h;

	(void)state;
	msg_hello_put(buf, MSG_MAGIC_CLIENT, &a);
	buf[5] = 2;
	assert_int_equal(msg_hello_parse(buf, sizeof(buf), MSG_MAGIC_CLIENT, &h),
			 -EPROTONOSUPPORT);
	assert_int_equal(h.version, 2);
}

static void test_data_frame_round_trip(void **state)
{
	struct msg_addr dst = addr_of("abc");
	uint8_t buf[MSG_HDR_LEN + 5];
	struct msg_frame f;

	(void)state;
	assert_int_equal(msg_hdr_put(buf, &dst, 5), MSG_HDR_LEN);
	memcpy(buf + MSG_HDR_LEN, "hello", 5);
	/* Length, big-endian, after the 16 octets of destination. */
	assert_int_equal(buf[16], 0);
	assert_int_equal(buf[19], 5);
	assert_int_equal(msg_frame_parse(buf, sizeof(buf), &f), sizeof(buf));
	assert_true(msg_addr_eq(&f.dst, &dst));
	assert_int_equal(f.len, 5);
	assert_ptr_equal(f.data, buf + MSG_HDR_LEN);
}

static void test_largest_frame_round_trip(void **state)
{
	static uint8_t buf[MSG_FRAME_MAX];
	struct msg_addr dst = addr_of("1");
	struct msg_frame f;

	(void)state;
	msg_hdr_put(buf, &dst, MSG_MAX_DATA);
	assert_int_equal(msg_frame_parse(buf, sizeof(buf), &f), MSG_FRAME_MAX);
	assert_int_equal(f.len, MSG_MAX_DATA);
}

/* Seed 003: length zero carries a 2-octet command (network order) and an
 * argument: 0 open, 1 close; 2 keepalive is skiff's. */
static void test_control_round_trip_each_command(void **state)
{
	struct msg_addr dst = addr_of("77");
	uint8_t buf[MSG_HDR_LEN + MSG_CTL_LEN];
	struct msg_frame f;
	uint16_t cmd;

	(void)state;
	for (cmd = MSG_CTL_OPEN; cmd <= MSG_CTL_KEEPALIVE; cmd++) {
		assert_int_equal(msg_ctl_put(buf, &dst, cmd, 0x01020304u), sizeof(buf));
		assert_int_equal(buf[MSG_HDR_LEN], 0);
		assert_int_equal(buf[MSG_HDR_LEN + 1], cmd);
		assert_int_equal(msg_frame_parse(buf, sizeof(buf), &f), sizeof(buf));
		assert_int_equal(f.len, 0);
		assert_int_equal(f.cmd, cmd);
		assert_int_equal(f.arg, 0x01020304u);
		assert_true(msg_addr_eq(&f.dst, &dst));
	}
}

struct bad_frame {
	const char *what;
	uint32_t len_field;	/* the header's length */
	uint16_t cmd;		/* control packets */
	size_t have;		/* octets given to the parser */
	long want;		/* its answer */
};

/* include/skiff/msg.h: need more (0), -EMSGSIZE, -EPROTO. */
static void test_malformed_and_short_frames_table(void **state)
{
	static const struct bad_frame table[] = {
		{ "empty", 5, 0, 0, 0 },
		{ "header short by one", 5, 0, MSG_HDR_LEN - 1, 0 },
		{ "data short by one", 5, 0, MSG_HDR_LEN + 4, 0 },
		{ "control short by one", 0, MSG_CTL_CLOSE, MSG_HDR_LEN + MSG_CTL_LEN - 1, 0 },
		{ "length one over the limit", MSG_MAX_DATA + 1, 0, MSG_HDR_LEN, -EMSGSIZE },
		{ "length 2^32-1", 0xffffffffu, 0, MSG_HDR_LEN, -EMSGSIZE },
		{ "zero length, command 3", 0, 3, MSG_HDR_LEN + MSG_CTL_LEN, -EPROTO },
		{ "zero length, command 0xffff", 0, 0xffff, MSG_HDR_LEN + MSG_CTL_LEN, -EPROTO },
	};
	static uint8_t buf[MSG_FRAME_MAX + 64];
	struct msg_addr dst = addr_of("9");
	struct msg_frame f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const struct bad_frame *t = &table[i];

		memset(buf, 0x5a, sizeof(buf));
		msg_hdr_put(buf, &dst, t->len_field);
		if (t->len_field == 0) {
			buf[MSG_HDR_LEN] = (uint8_t)(t->cmd >> 8);
			buf[MSG_HDR_LEN + 1] = (uint8_t)t->cmd;
		}
		if (msg_frame_parse(buf, t->have, &f) != t->want)
			fail_msg("%s: got %ld, want %ld", t->what,
				 msg_frame_parse(buf, t->have, &f), t->want);
	}
}

static void test_addr_text_round_trip_and_forms(void **state)
{
	char text[MSG_ADDR_TEXT];
	struct msg_addr a, b;

	(void)state;
	a = addr_of("1");
	assert_int_equal(a.b[15], 1);
	assert_string_equal(msg_addr_format(&a, text), "1");
	a = addr_of("0x00ABcd");
	assert_string_equal(msg_addr_format(&a, text), "abcd");
	a = addr_of("ffffffffffffffffffffffffffffffff");
	assert_string_equal(msg_addr_format(&a, text), "ffffffffffffffffffffffffffffffff");
	b = addr_of(text);
	assert_true(msg_addr_eq(&a, &b));
	a = addr_of("0");
	assert_string_equal(msg_addr_format(&a, text), "0");
}

static void test_addr_text_rejects_malformed(void **state)
{
	static const char *const bad[] = {
		"", "0x", "g", "12 ", "-1", "1ffffffffffffffffffffffffffffffff",
	};
	struct msg_addr a;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (msg_addr_parse(bad[i], strlen(bad[i]), &a) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
}

static void test_ipv4_and_peer_text(void **state)
{
	static const char *const bad[] = {
		"10.0.0", "10.0.0.256", "10.0.0.1:", "10.0.0.1:0", "10.0.0.1:65536",
		"a.b.c.d", "10..0.1", "10.0.0.1.2", "",
	};
	struct msg_peer p;
	uint32_t ip;
	uint16_t port;
	size_t i;

	(void)state;
	assert_int_equal(msg_ipv4_parse("10.77.12.2", 10, &ip, &port), 0);
	assert_int_equal(ip, 0x0a4d0c02u);
	assert_int_equal(port, MSG_PORT);
	assert_int_equal(msg_ipv4_parse("1.2.3.4:8000", 12, &ip, &port), 0);
	assert_int_equal(port, 8000);
	assert_int_equal(msg_ipv4_parse("1.2.3.4:8000", 12, &ip, NULL), -EINVAL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (msg_ipv4_parse(bad[i], strlen(bad[i]), &ip, &port) != -EINVAL)
			fail_msg("'%s' was accepted", bad[i]);
	assert_int_equal(msg_peer_parse("d@10.0.0.6:7001", 15, &p), 0);
	assert_int_equal(p.addr.b[15], 0xd);
	assert_int_equal(p.ip, 0x0a000006u);
	assert_int_equal(p.port, 7001);
	assert_int_equal(msg_peer_parse("d10.0.0.6", 9, &p), -EINVAL);
	assert_int_equal(msg_peer_parse("@10.0.0.6", 9, &p), -EINVAL);
	assert_int_equal(msg_peer_parse("x@10.0.0.6", 10, &p), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_round_trip_matches_documented_layout),
		cmocka_unit_test(test_hello_short_needs_more_at_every_length),
		cmocka_unit_test(test_hello_wrong_magic_refused_as_soon_as_seen),
		cmocka_unit_test(test_hello_wrong_version_refused),
		cmocka_unit_test(test_data_frame_round_trip),
		cmocka_unit_test(test_largest_frame_round_trip),
		cmocka_unit_test(test_control_round_trip_each_command),
		cmocka_unit_test(test_malformed_and_short_frames_table),
		cmocka_unit_test(test_addr_text_round_trip_and_forms),
		cmocka_unit_test(test_addr_text_rejects_malformed),
		cmocka_unit_test(test_ipv4_and_peer_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

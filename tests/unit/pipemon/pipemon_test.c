/*
 * tests/unit/pipemon/pipemon_test.c: tools/pipemon against a fake guest
 * (fake_guest.c: a host process mapping the same shared memory through
 * the ivshmem server protocol, as QEMU does). Each test starts a monitor
 * (built with ASan/UBSan, PIPEMON_BIN) on a socket in a temporary folder,
 * with a file root there, and stops it with SIGTERM, expecting exit 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fake_guest.h"

#define NSLOTS 16

struct env {
	char dir[64], sock[96], files[96];
	pid_t mon;
	struct fake_guest g;
};

/* Waits (bounded, 10 s) for path to appear. */
static int wait_path(const char *path)
{
	for (int i = 0; i < 1000; i++) {
		if (access(path, F_OK) == 0)
			return 0;
		usleep(10000);
	}
	return -1;
}

static pid_t start_monitor(struct env *e, const char *extra)
{
	pid_t p = fork();
	if (p == 0) {
		char slots[8];
		snprintf(slots, sizeof(slots), "%d", NSLOTS);
		execl(PIPEMON_BIN, "pipemon", "--socket", e->sock, "--slots", slots, "--shm-size", "1M", "--files",
		      e->files, extra ? extra : "--verbose", (char *)NULL);
		_exit(127);
	}
	return p;
}

/* SIGTERM, then the exit status (-1 if it did not end within 10 s). */
static int stop_monitor(pid_t p, int sig)
{
	int st;
	if (sig)
		kill(p, sig);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(p, &st, WNOHANG) == p)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		usleep(10000);
	}
	kill(p, SIGKILL);
	waitpid(p, &st, 0);
	return -1;
}

static int setup(void **state)
{
	static struct env e;
	memset(&e, 0, sizeof(e));
	strcpy(e.dir, "/tmp/pipemon-test.XXXXXX");
	if (!mkdtemp(e.dir))
		return -1;
	snprintf(e.sock, sizeof(e.sock), "%s/sock", e.dir);
	snprintf(e.files, sizeof(e.files), "%s/files", e.dir);
	mkdir(e.files, 0700);
	e.mon = start_monitor(&e, NULL);
	if (wait_path(e.sock) || fg_connect(&e.g, e.sock, NSLOTS))
		return -1;
	*state = &e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;
	fg_close(&e->g);
	int st = stop_monitor(e->mon, SIGTERM);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", e->dir);
	if (system(cmd)) {}
	assert_int_equal(st, 0);
	return 0;
}

static void write_file(struct env *e, const char *name, const void *b, size_t n)
{
	char path[160];
	snprintf(path, sizeof(path), "%s/%s", e->files, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(b, 1, n, f), n);
	fclose(f);
}

/* ivshmem spec, client-server protocol: version 0, our ID, -1 with the memory, peers' vectors, ours. */
static void test_server_setup_messages(void **state)
{
	struct env *e = *state;
	assert_int_equal(e->g.version, 0);
	assert_int_equal(e->g.id, 1);
	assert_int_equal(e->g.shm_size, 1u << 20);
	assert_int_equal(e->g.nbells, NSLOTS);
	assert_true(e->g.irq >= 0);
	const struct pipe_shm_hdr *h = (const void *)e->g.shm;
	assert_int_equal(h->nslots, NSLOTS);
	assert_int_equal(h->host_id, 0);
}

/* A second client is refused: one guest per monitor. */
static void test_second_client_refused(void **state)
{
	struct env *e = *state;
	struct fake_guest g2;
	assert_int_not_equal(fg_connect(&g2, e->sock, NSLOTS), 0);
	fg_close(&g2);
	assert_true(fg_open(&e->g) > 0);   /* the first guest is unaffected */
}

static void test_read_file_matches_bytes(void **state)
{
	struct env *e = *state;
	size_t n = 300000;   /* several rings' worth: flow control both ways */
	uint8_t *want = malloc(n), *got = malloc(n + 1);
	for (size_t i = 0; i < n; i++)
		want[i] = (uint8_t)(i * 131 + (i >> 9));
	write_file(e, "data.bin", want, n);
	int slot = fg_open(&e->g);
	assert_true(slot > 0);
	struct pipe_msg m = { .type = PIPE_MSG_READ_FILE };
	strcpy(m.u.read_file.path, "/data.bin");
	m.u.read_file.len = 9;
	assert_int_equal(fg_send_msg(&e->g, (uint32_t)slot, &m), 0);
	assert_int_equal(fg_recv_msg(&e->g, (uint32_t)slot, &m), 1);
	assert_int_equal(m.type, PIPE_MSG_FILE_DATA);
	assert_int_equal(m.u.file_data.status, 0);
	assert_int_equal(m.u.file_data.size, n);
	assert_int_equal(fg_read_full(&e->g, (uint32_t)slot, got, n + 1), n);   /* then fin */
	assert_memory_equal(want, got, n);
	fg_stream_close(&e->g, (uint32_t)slot, 0);
	free(want);
	free(got);
}

static int32_t read_file_status(struct env *e, const char *path)
{
	int slot = fg_open(&e->g);
	assert_true(slot > 0);
	struct pipe_msg m = { .type = PIPE_MSG_READ_FILE };
	m.u.read_file.len = (uint16_t)strlen(path);
	memcpy(m.u.read_file.path, path, m.u.read_file.len);
	assert_int_equal(fg_send_msg(&e->g, (uint32_t)slot, &m), 0);
	assert_int_equal(fg_recv_msg(&e->g, (uint32_t)slot, &m), 1);
	assert_int_equal(m.type, PIPE_MSG_FILE_DATA);
	uint8_t b[4];
	assert_int_equal(fg_read(&e->g, (uint32_t)slot, b, sizeof(b)), 0);   /* fin after the answer */
	fg_stream_close(&e->g, (uint32_t)slot, 0);
	return m.u.file_data.status;
}

/* Paths resolve beneath --files only. */
static void test_read_file_refused_outside_root(void **state)
{
	struct env *e = *state;
	assert_int_equal(read_file_status(e, "missing"), -ENOENT);
	assert_int_equal(read_file_status(e, "../sock"), -EXDEV);
	assert_int_equal(read_file_status(e, "/"), -EISDIR);
	char link[160];
	snprintf(link, sizeof(link), "%s/esc", e->files);
	assert_int_equal(symlink("/etc/hostname", link), 0);
	assert_int_equal(read_file_status(e, "esc"), -EXDEV);
}

static int tcp_connect(uint16_t port)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(0x7f000001) };
	assert_int_equal(connect(s, (struct sockaddr *)&a, sizeof(a)), 0);
	return s;
}

static uint16_t guest_listen(struct env *e, int *slot_out)
{
	int slot = fg_open(&e->g);
	assert_true(slot > 0);
	struct pipe_msg m = { .type = PIPE_MSG_TCP_LISTEN, .u.tcp = { .addr = 0x7f000001, .port = 0 } };
	assert_int_equal(fg_send_msg(&e->g, (uint32_t)slot, &m), 0);
	assert_int_equal(fg_recv_msg(&e->g, (uint32_t)slot, &m), 1);
	assert_int_equal(m.type, PIPE_MSG_LISTEN_RESULT);
	assert_int_equal(m.u.listen_result.status, 0);
	assert_true(m.u.listen_result.port > 0);
	*slot_out = slot;
	return m.u.listen_result.port;
}

/* A guest listener, a host connection to it, and the slot it arrived on (*c: the host's socket). */
static uint32_t accepted_pipe(struct env *e, int *c)
{
	int ls;
	uint16_t port = guest_listen(e, &ls);
	*c = tcp_connect(port);
	struct pipe_msg m;
	assert_int_equal(fg_recv_msg(&e->g, (uint32_t)ls, &m), 1);
	assert_int_equal(m.type, PIPE_MSG_INCOMING);
	return m.u.incoming.slot;
}

/* Each accepted host connection arrives as a new data pipe carrying raw bytes both ways. */
static void test_listen_accepts_as_new_pipe(void **state)
{
	struct env *e = *state;
	int ls;
	uint16_t port = guest_listen(e, &ls);
	int c = tcp_connect(port);
	assert_int_equal(send(c, "hello", 5, 0), 5);
	struct pipe_msg m;
	assert_int_equal(fg_recv_msg(&e->g, (uint32_t)ls, &m), 1);
	assert_int_equal(m.type, PIPE_MSG_INCOMING);
	assert_int_equal(m.u.incoming.addr, 0x7f000001);
	uint32_t s = m.u.incoming.slot;
	assert_true(s > 0 && s != (uint32_t)ls);
	assert_int_equal(fg_slot_state(&e->g, s), PIPE_SLOT_USED);
	char b[16];
	assert_int_equal(fg_read_full(&e->g, s, b, 5), 5);
	assert_memory_equal(b, "hello", 5);
	assert_int_equal(fg_write(&e->g, s, "world", 5), 0);
	assert_int_equal(recv(c, b, 5, MSG_WAITALL), 5);
	assert_memory_equal(b, "world", 5);
	close(c);   /* the host's FIN is the pipe's fin */
	assert_int_equal(fg_read(&e->g, s, b, sizeof(b)), 0);
	fg_stream_close(&e->g, s, 0);
	/* The monitor frees the slot once the guest left (bounded wait on shared state). */
	for (int i = 0; i < 1000 && fg_slot_state(&e->g, s) != PIPE_SLOT_FREE; i++)
		usleep(10000);
	assert_int_equal(fg_slot_state(&e->g, s), PIPE_SLOT_FREE);
	fg_stream_close(&e->g, (uint32_t)ls, 0);
}

/* The guest closing its end is a FIN to the host peer after all its bytes. */
static void test_guest_close_is_fin_after_data(void **state)
{
	struct env *e = *state;
	int c;
	uint32_t s = accepted_pipe(e, &c);
	size_t n = 200000;
	uint8_t *big = malloc(n), *got = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (uint8_t)(i ^ (i >> 8));
	assert_int_equal(fg_write(&e->g, s, big, n), 0);
	fg_stream_close(&e->g, s, 0);
	assert_int_equal(recv(c, got, n, MSG_WAITALL), n);
	assert_memory_equal(big, got, n);
	assert_int_equal(recv(c, got, 1, 0), 0);
	close(c);
	free(big);
	free(got);
}

/*
 * Bytes the guest left in g2h when it closed still reach the host peer
 * before the FIN: written with no doorbell, then gone and one doorbell.
 */
static void test_guest_close_drains_unsent_bytes(void **state)
{
	struct env *e = *state;
	int c;
	uint32_t s = accepted_pipe(e, &c);
	struct pipe_slot_view v;
	pipe_shm_slot(e->g.shm, s, &v);
	assert_int_equal(pipe_ring_write(&v.g2h, "last words", 10), 10);
	fg_stream_close(&e->g, s, 0);
	char b[16];
	assert_int_equal(recv(c, b, 10, MSG_WAITALL), 10);
	assert_memory_equal(b, "last words", 10);
	assert_int_equal(recv(c, b, 1, 0), 0);
	close(c);
	for (int i = 0; i < 1000 && fg_slot_state(&e->g, s) != PIPE_SLOT_FREE; i++)
		usleep(10000);
	assert_int_equal(fg_slot_state(&e->g, s), PIPE_SLOT_FREE);
}

static void test_connect_relays_both_ways(void **state)
{
	struct env *e = *state;
	int l = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
	socklen_t al = sizeof(a);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	listen(l, 1);
	getsockname(l, (struct sockaddr *)&a, &al);
	int slot = fg_open(&e->g);
	struct pipe_msg m = { .type = PIPE_MSG_TCP_CONNECT, .u.tcp = { .addr = 0x7f000001, .port = ntohs(a.sin_port) } };
	assert_int_equal(fg_send_msg(&e->g, (uint32_t)slot, &m), 0);
	assert_int_equal(fg_write(&e->g, (uint32_t)slot, "ping", 4), 0);   /* bytes right after the first frame */
	assert_int_equal(fg_recv_msg(&e->g, (uint32_t)slot, &m), 1);
	assert_int_equal(m.type, PIPE_MSG_CONNECT_RESULT);
	assert_int_equal(m.u.connect_result.status, 0);
	int c = accept(l, NULL, NULL);
	char b[8];
	assert_int_equal(recv(c, b, 4, MSG_WAITALL), 4);
	assert_memory_equal(b, "ping", 4);
	size_t n = 1 << 20;
	uint8_t *big = malloc(n), *got = malloc(n);
	for (size_t i = 0; i < n; i++)
		big[i] = (uint8_t)(i * 7);
	assert_int_equal(send(c, big, n, 0), n);
	close(c);
	assert_int_equal(fg_read_full(&e->g, (uint32_t)slot, got, n), n);
	assert_memory_equal(big, got, n);
	assert_int_equal(fg_read(&e->g, (uint32_t)slot, b, 1), 0);
	fg_stream_close(&e->g, (uint32_t)slot, 0);
	close(l);
	free(big);
	free(got);
}

static void test_connect_refused_reported(void **state)
{
	struct env *e = *state;
	int slot = fg_open(&e->g);
	struct pipe_msg m = { .type = PIPE_MSG_TCP_CONNECT, .u.tcp = { .addr = 0x7f000001, .port = 1 } };
	assert_int_equal(fg_send_msg(&e->g, (uint32_t)slot, &m), 0);
	assert_int_equal(fg_recv_msg(&e->g, (uint32_t)slot, &m), 1);
	assert_int_equal(m.u.connect_result.status, -ECONNREFUSED);
	fg_stream_close(&e->g, (uint32_t)slot, 0);
}

/* A first frame that names no protocol resets the stream; the monitor goes on. */
static void test_malformed_first_frame_resets(void **state)
{
	struct env *e = *state;
	int slot = fg_open(&e->g);
	static const uint8_t junk[] = { 4, 0, 0, 0, 1, 0, 0, 0, 9, 9, 9, 9 };   /* NEW_STREAM on a data pipe */
	assert_int_equal(fg_write(&e->g, (uint32_t)slot, junk, sizeof(junk)), 0);
	uint8_t b[4];
	assert_int_equal(fg_read(&e->g, (uint32_t)slot, b, sizeof(b)), -ECONNRESET);
	fg_stream_close(&e->g, (uint32_t)slot, 0);
	static const uint8_t huge[] = { 0xff, 0xff, 0, 0, 16, 0, 0, 0 };
	slot = fg_open(&e->g);
	assert_int_equal(fg_write(&e->g, (uint32_t)slot, huge, sizeof(huge)), 0);
	assert_int_equal(fg_read(&e->g, (uint32_t)slot, b, sizeof(b)), -ECONNRESET);
	fg_stream_close(&e->g, (uint32_t)slot, 0);
	assert_true(fg_open(&e->g) > 0);
}

/* Slots run out cleanly (-ENOSPC) and come back when closed. */
static void test_slots_exhaust_and_return(void **state)
{
	struct env *e = *state;
	int s[NSLOTS];
	for (int i = 1; i < NSLOTS; i++) {
		s[i] = fg_open(&e->g);
		assert_true(s[i] > 0);
	}
	assert_int_equal(fg_open(&e->g), -ENOSPC);
	fg_stream_close(&e->g, (uint32_t)s[5], 0);
	int again = -ENOSPC;
	for (int i = 0; i < 1000 && again == -ENOSPC; i++, usleep(1000))
		again = fg_open(&e->g);
	assert_int_equal(again, s[5]);
}

static uint64_t cpu_ticks(pid_t p)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)p);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *q = strrchr(buf, ')');
	unsigned long ut = 0, st = 0;
	/* Fields 14 and 15 (utime, stime), counting from the state after ") ". */
	sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
	return ut + st;
}

/* With streams open and nothing moving, the monitor sleeps: no CPU ticks over 2 s. */
static void test_idle_monitor_uses_no_cpu(void **state)
{
	struct env *e = *state;
	int ls;
	uint16_t port = guest_listen(e, &ls);
	int c = tcp_connect(port);
	struct pipe_msg m;
	assert_int_equal(fg_recv_msg(&e->g, (uint32_t)ls, &m), 1);
	usleep(200000);
	uint64_t before = cpu_ticks(e->mon);
	sleep(2);
	uint64_t after = cpu_ticks(e->mon);
	assert_true(after - before <= 1);
	close(c);
}

static void test_guest_hangup_ends_once_monitor(void **state)
{
	(void)state;
	struct env e;
	memset(&e, 0, sizeof(e));
	strcpy(e.dir, "/tmp/pipemon-once.XXXXXX");
	assert_non_null(mkdtemp(e.dir));
	snprintf(e.sock, sizeof(e.sock), "%s/sock", e.dir);
	snprintf(e.files, sizeof(e.files), "%s", e.dir);
	e.mon = start_monitor(&e, "--once");
	assert_int_equal(wait_path(e.sock), 0);
	assert_int_equal(fg_connect(&e.g, e.sock, NSLOTS), 0);
	assert_true(fg_open(&e.g) > 0);
	fg_close(&e.g);
	assert_int_equal(stop_monitor(e.mon, 0), 0);
	assert_int_equal(access(e.sock, F_OK), -1);   /* the socket is removed */
	rmdir(e.dir);
}

/*
 * --keep: a relay killed with SIGKILL is replaced by --attach; the guest's
 * open streams are reset, the control pipe goes on, and the new relay
 * serves new streams (keeper.c).
 */
static void test_killed_relay_replaced_by_attach(void **state)
{
	(void)state;
	struct env e;
	memset(&e, 0, sizeof(e));
	strcpy(e.dir, "/tmp/pipemon-keep.XXXXXX");
	assert_non_null(mkdtemp(e.dir));
	snprintf(e.sock, sizeof(e.sock), "%s/sock", e.dir);
	snprintf(e.files, sizeof(e.files), "%s", e.dir);
	char keep[128];
	snprintf(keep, sizeof(keep), "%s/keep", e.dir);
	pid_t relay = fork();
	if (relay == 0) {
		execl(PIPEMON_BIN, "pipemon", "--socket", e.sock, "--slots", "16", "--shm-size", "1M", "--keep", keep,
		      "--once", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(wait_path(keep), 0);
	assert_int_equal(wait_path(e.sock), 0);
	assert_int_equal(fg_connect(&e.g, e.sock, NSLOTS), 0);
	int ls;
	guest_listen(&e, &ls);
	kill(relay, SIGKILL);
	waitpid(relay, NULL, 0);
	pid_t relay2 = fork();
	if (relay2 == 0) {
		execl(PIPEMON_BIN, "pipemon", "--attach", keep, (char *)NULL);
		_exit(127);
	}
	uint8_t b[4];
	assert_int_equal(fg_read(&e.g, (uint32_t)ls, b, sizeof(b)), -ECONNRESET);
	fg_stream_close(&e.g, (uint32_t)ls, 0);
	int again;
	guest_listen(&e, &again);   /* the new relay answers the control pipe and listens */
	assert_true(again > 0);
	const struct pipe_shm_hdr *h = (const void *)e.g.shm;
	assert_true(h->epoch >= 2);
	fg_close(&e.g);   /* QEMU's hang-up ends the keeper, and with it the relay */
	assert_int_equal(stop_monitor(relay2, 0), 0);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", e.dir);
	if (system(cmd)) {}
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_server_setup_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_client_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_file_matches_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_file_refused_outside_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_accepts_as_new_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_close_is_fin_after_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_guest_close_drains_unsent_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_relays_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_connect_refused_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_first_frame_resets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slots_exhaust_and_return, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_monitor_uses_no_cpu, setup, teardown),
		cmocka_unit_test(test_guest_hangup_ends_once_monitor),
		cmocka_unit_test(test_killed_relay_replaced_by_attach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

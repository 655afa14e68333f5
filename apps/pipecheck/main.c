/*
 * apps/pipecheck: the host pipes from an app with no NIC
 * (include/skiff/pipe.h; boot with tools/cloudit.sh pipecheck --pipes
 * --pipes-files DIR --nic none). Each check prints one line the host-side
 * test (tests/boot/pipes.sh) compares with what it knows:
 *   - file: reads pipecheck.file through a pipe, prints its size and SHA-256;
 *   - streams: pipecheck.streams file streams open at once, each read whole,
 *     read round-robin, each digest compared with the first;
 *   - echo: with pipecheck.port, listens on that host port through the
 *     pipes and echoes every connection (a thread each) until the listener
 *     ends, reporting how streams ended (the monitor gone: reset), then
 *     listens again pipecheck.relisten times (a replaced monitor);
 *   - idle: pipecheck.idle=S seconds asleep, the idle time of CPU 0 and the
 *     pipes' interrupt and doorbell counts before and after.
 * Without the pipes device it says so and exits 0 (the plain boot tests).
 */
#include <errno.h>
#include <skiff.h>
#include <skiff/pipe.h>
#include <string.h>

#include "sha256.h"

SKIFF_OPTION(file, "pipecheck.file", "host file (under cloudit's --pipes-files) to read and digest");
SKIFF_OPTION(streams, "pipecheck.streams", "file streams to hold open at once (default 64)");
SKIFF_OPTION(port, "pipecheck.port", "echo server on this host port through the pipes (default: none)");
SKIFF_OPTION(relisten, "pipecheck.relisten", "listen again this many times after the listener ends (default 0)");
SKIFF_OPTION(idle, "pipecheck.idle", "seconds to sleep while measuring idle CPU (default 0: none)");

#define MAX_STREAMS 126
static uint8_t buf[32768];

/* Reads s to its end into the digest: the byte count, or a negative errno. */
static long digest_stream(struct pipe_stream *s, char hex[65])
{
	struct sha256 c;
	sha256_init(&c);
	long total = 0;
	for (;;) {
		ssize_t n = pipe_read(s, buf, sizeof(buf), false);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		sha256_update(&c, buf, (size_t)n);
		total += n;
	}
	sha256_hex(&c, hex);
	return total;
}

static int check_file(const char *path, char hex[65])
{
	struct pipe_stream *s;
	uint64_t size;
	int err = pipe_file_open(path, &s, &size);
	if (err) {
		printf("pipecheck: file %s: error %d\n", path, err);
		return err;
	}
	long n = digest_stream(s, hex);
	pipe_close(s, false);
	printf("pipecheck: file %s: %ld bytes of %lu, sha256 %s\n", path, n, (unsigned long)size, hex);
	return n == (long)size ? 0 : -EIO;
}

/* n streams open at once, read a chunk at a time in turn, so all are live together. */
static int check_streams(const char *path, unsigned n, const char *want)
{
	static struct pipe_stream *s[MAX_STREAMS];
	static struct sha256 c[MAX_STREAMS];
	static bool done[MAX_STREAMS];
	uint64_t size;
	int err = 0;
	unsigned opened = 0, bad = 0;
	for (; opened < n; opened++) {
		if ((err = pipe_file_open(path, &s[opened], &size)))
			break;
		sha256_init(&c[opened]);
		done[opened] = false;
	}
	for (unsigned left = opened; left;) {
		for (unsigned i = 0; i < opened; i++) {
			if (done[i])
				continue;
			ssize_t r = pipe_read(s[i], buf, 4096, false);
			if (r > 0) {
				sha256_update(&c[i], buf, (size_t)r);
				continue;
			}
			char hex[65];
			sha256_hex(&c[i], hex);
			bad += r < 0 || strcmp(hex, want) != 0;
			done[i] = true;
			left--;
			pipe_close(s[i], false);
		}
	}
	printf("pipecheck: streams: %u of %u open at once, %u digests differ%s\n", opened, n, bad,
	       err ? " (open failed)" : "");
	return opened == n && !bad ? 0 : -EIO;
}

static int echo_conn(void *arg)
{
	struct pipe_stream *s = arg;
	uint8_t b[2048];
	int why = 0;
	for (;;) {
		ssize_t n = pipe_read(s, b, sizeof(b), false);
		if (n <= 0) {
			why = (int)n;
			break;
		}
		ssize_t w = pipe_write(s, b, (size_t)n, false);
		if (w < 0) {
			why = (int)w;
			break;
		}
	}
	printf("pipecheck: echo: stream %u ended: %s\n", pipe_slot(s), why == 0 ? "closed by the peer" :
	       why == -ECONNRESET ? "reset" : "error");
	pipe_close(s, why != 0);
	return 0;
}

static int run_echo(uint16_t port)
{
	struct pipe_stream *l;
	uint16_t hport;
	int err = pipe_tcp_listen(0x7f000001, port, &l, &hport);
	if (err) {
		printf("pipecheck: echo: listen on %u: error %d\n", port, err);
		return err;
	}
	printf("pipecheck: echo: listening on host port %u\n", hport);
	for (;;) {
		struct pipe_stream *c;
		uint32_t addr;
		uint16_t cport;
		err = pipe_tcp_accept(l, &c, &addr, &cport, false);
		if (err)
			break;
		struct thread *t = thread_create(echo_conn, c, cpu_id());
		if (!t) {
			pipe_close(c, true);
			continue;
		}
		thread_detach(t);
	}
	printf("pipecheck: echo: listener ended: %s\n", err == -ECONNRESET ? "reset" : "closed");
	pipe_close(l, true);
	return 0;
}

static void check_idle(long secs)
{
	struct pipe_stats a, b;
	pipe_get_stats(&a);
	uint64_t i0 = skiff_cpu_idle_ns(0), t0 = skiff_time_ns();
	thread_sleep((uint64_t)secs * 1000000000ull);
	uint64_t i1 = skiff_cpu_idle_ns(0), t1 = skiff_time_ns();
	pipe_get_stats(&b);
	printf("pipecheck: idle: cpu 0 idle %lu ms of %lu ms, %lu pipe interrupts, %lu doorbells\n",
	       (unsigned long)((i1 - i0) / 1000000), (unsigned long)((t1 - t0) / 1000000),
	       (unsigned long)(b.irqs - a.irqs), (unsigned long)(b.doorbells - a.doorbells));
}

int main(void)
{
	if (!pipe_available()) {
		printf("pipecheck: no pipes device (boot with cloudit --pipes): nothing to check\n");
		return 0;
	}
	int failed = 0;
	const char *path = skiff_opt("pipecheck.file");
	if (path) {
		char hex[65];
		failed += check_file(path, hex) != 0;
		long n = skiff_opt_long("pipecheck.streams", 64);
		if (!failed && n > 0)
			failed += check_streams(path, n > MAX_STREAMS ? MAX_STREAMS : (unsigned)n, hex) != 0;
	}
	long idle = skiff_opt_long("pipecheck.idle", 0);
	if (idle > 0)
		check_idle(idle);
	long port = skiff_opt_long("pipecheck.port", 0);
	long relisten = skiff_opt_long("pipecheck.relisten", 0);
	for (long round = 0; port > 0 && port < 65536 && round <= relisten; round++) {
		run_echo((uint16_t)port);
		printf("pipecheck: still running after the listener ended\n");
		if (idle > 0)
			check_idle(idle);
	}
	printf("pipecheck: done, %d failed\n", failed);
	return failed ? 1 : 0;
}

/*
 * apps/socktest/check.c: socktest.mode=check. Runs every error class of
 * the xv6 socket API (include/xv6/socket.h) at least once, the successful
 * calls, both timeout variants and MANY clients through one port, on
 * ports socktest.port .. socktest.port+200 of 127.0.0.1.
 *
 * Each check prints one line,
 *     socktest: check NAME: CODE CODENAME PASS
 * with the value the call under test returned (CODENAME "OK" for 0, a
 * byte count or a port), FAIL instead of PASS and a second line
 * with what was wanted when it differs. At the end,
 *     socktest: check: N passed, M failed
 * and check_run() returns 0 only if M is 0. The boot test
 * (tests/boot/socktest.sh) reads these lines from the serial log.
 */
#include <skiff.h>
#include <string.h>

#include <xv6/socket.h>

#include "socktest.h"

#define MANY		20	/* clients at once through one port */
#define TIMEOUT_MS	200	/* the timeout checks' wait */

static unsigned passed, failed;

static void report(const char *name, int got, bool ok, int want)
{
	printf("socktest: check %s: %d %s %s\n", name, got, xv6_errname(got),
	       ok ? "PASS" : "FAIL");
	if (!ok)
		printf("socktest:   %s: wanted %d %s\n", name, want, xv6_errname(want));
	if (ok)
		passed++;
	else
		failed++;
}

static void check(const char *name, int got, int want)
{
	report(name, got, got == want, want);
}

/* ---- helper threads ---- */

/* The server of the reset checks: listen, maybe send msg, wait for go if
 * asked, disconnect. */
struct quitter {
	int port;
	const char *msg;
	bool wait_go;
	int go;				/* atomic */
	int listen_rc, send_rc;
	struct thread *th;
};

static int quitter_main(void *arg)
{
	struct quitter *q = arg;

	q->listen_rc = listen(q->port);
	if (q->listen_rc)
		return 0;
	if (q->msg)
		q->send_rc = send(q->port, q->msg, (int)strlen(q->msg));
	while (q->wait_go && !__atomic_load_n(&q->go, __ATOMIC_ACQUIRE))
		sleep_ms(5);
	disconnect(q->port);
	return 0;
}

static void quitter_start(struct quitter *q, int port, const char *msg, bool wait_go)
{
	memset(q, 0, sizeof(*q));
	q->port = port;
	q->msg = msg;
	q->wait_go = wait_go;
	q->th = thread_create(quitter_main, q, 1 % skiff_cpu_count());
}

static void quitter_join(struct quitter *q)
{
	if (q->th)
		thread_join(q->th, NULL);
	q->th = NULL;
}

/* Another thread trying the owner's socket. */
struct intruder {
	int port;
	int send_rc, recv_rc, disc_rc;
};

static int intruder_main(void *arg)
{
	struct intruder *in = arg;
	char b[4];

	in->send_rc = send(in->port, "x", 1);
	in->recv_rc = recv_timeout(in->port, b, sizeof(b), 10);
	in->disc_rc = disconnect(in->port);
	return 0;
}

static void intrude(struct intruder *in, int port)
{
	struct thread *t;

	memset(in, 0, sizeof(*in));
	in->port = port;
	in->send_rc = in->recv_rc = in->disc_rc = 1;	/* "did not run" */
	t = thread_create(intruder_main, in, cpu_id());
	if (t)
		thread_join(t, NULL);
}

/* ---- the checks ---- */

/* Seed: "Parameter issues would return E_INVALID_ARG"; hosts other than
 * "localhost" and "127.0.0.1" are such an issue. */
static void check_invalid_arg(int base)
{
	char b[4];

	check("invalid-arg-listen-port-0", listen(0), E_INVALID_ARG);
	check("invalid-arg-connect-host", connect(base, "example.com"), E_INVALID_ARG);
	check("invalid-arg-connect-port", connect(70000, "localhost"), E_INVALID_ARG);
	check("invalid-arg-send-len-0", send(base, "x", 0), E_INVALID_ARG);
	check("invalid-arg-recv-null-buf", recv(base, NULL, 4), E_INVALID_ARG);
	check("invalid-arg-timeout-negative", recv_timeout(base, b, 4, -1), E_INVALID_ARG);
}

/* Seed: "Accessing a socket that is not in the stable then E_NOTFOUND". */
static void check_notfound(int base)
{
	char b[4];

	check("notfound-connect-nobody-listens", connect(base, "127.0.0.1"), E_NOTFOUND);
	check("notfound-send", send(base, "x", 1), E_NOTFOUND);
	check("notfound-recv", recv(base, b, 4), E_NOTFOUND);
	check("notfound-disconnect", disconnect(base), E_NOTFOUND);
}

/* The calls that succeed, and seed: "Accessing a socket from wrong
 * process then E_ACCESS_DENIED" (here: from another thread). */
static void check_roundtrip_access_denied(int base)
{
	static const char msg[] = "hello, xv6";
	struct echo_srv srv;
	struct intruder in;
	char b[sizeof(msg)];
	int lp, n;

	echo_start(&srv, base, 1);
	lp = connect_wait(base, "localhost", 10000);
	report("ok-connect-returns-local-port", lp, lp > 0 && lp != base, 1);
	check("ok-send", send(lp, msg, (int)strlen(msg)), 0);
	n = recv_all(lp, b, (int)strlen(msg));
	report("ok-recv-returns-count", n,
	       n == (int)strlen(msg) && memcmp(b, msg, strlen(msg)) == 0, (int)strlen(msg));

	intrude(&in, lp);
	check("access-denied-send", in.send_rc, E_ACCESS_DENIED);
	check("access-denied-recv", in.recv_rc, E_ACCESS_DENIED);
	check("access-denied-disconnect", in.disc_rc, E_ACCESS_DENIED);
	intrude(&in, base);
	check("access-denied-server-socket", in.send_rc, E_ACCESS_DENIED);
	/* The owner's socket still works. */
	check("ok-send-after-intruder", send(lp, "!", 1), 0);
	check("ok-recv-after-intruder", recv_all(lp, b, 1), 1);

	check("ok-disconnect", disconnect(lp), 0);
	echo_join(&srv);
	check("ok-listen", srv.listen_rc, 0);
	check("reset-server-sees-disconnect", srv.end_rc, E_CONNECTION_RESET_BY_REMOTE);
}

/* listen_timeout, and seed: "Attempts to send or receive, when the socket
 * is not connected, then E_WRONG_STATE". */
static void check_listen_timeout_wrong_state(int port)
{
	uint64_t t0 = now_ms();
	int r, lp;
	char b[4];

	r = listen_timeout(port, TIMEOUT_MS);
	report("timeout-listen", r, r == E_TIMEOUT && now_ms() - t0 >= TIMEOUT_MS, E_TIMEOUT);
	check("wrong-state-send-listening", send(port, "x", 1), E_WRONG_STATE);
	check("wrong-state-recv-listening", recv(port, b, 4), E_WRONG_STATE);
	/* The port stayed open: a client waits in its backlog. */
	lp = connect(port, "localhost");
	report("ok-connect-during-no-listen", lp, lp > 0, 1);
	check("ok-listen-timeout-accepts", listen_timeout(port, 10000), 0);
	check("wrong-state-listen-when-connected", listen_timeout(port, 0), E_WRONG_STATE);
	check("ok-disconnect-server", disconnect(port), 0);
	check("ok-disconnect-client", disconnect(lp), 0);
}

static void check_recv_timeout(int port)
{
	struct echo_srv srv;
	uint64_t t0;
	int lp, r;
	char b[4];

	echo_start(&srv, port, 0);
	lp = connect_wait(port, "localhost", 10000);
	t0 = now_ms();
	r = recv_timeout(lp, b, 4, TIMEOUT_MS);
	report("timeout-recv", r, r == E_TIMEOUT && now_ms() - t0 >= TIMEOUT_MS, E_TIMEOUT);
	send(lp, "abc", 3);
	check("ok-recv-timeout-data", recv_timeout(lp, b, 3, 10000), 3);
	disconnect(lp);
	echo_join(&srv);
}

/* Seed: "If connection is reset during send or receive then
 * E_CONNECTION_RESET_BY_REMOTE". */
static void check_reset(int port)
{
	struct quitter q;
	uint64_t end;
	int lp, r;
	char b[8];

	/* recv: what the peer sent comes first, then its disconnect. */
	quitter_start(&q, port, "bye", false);
	lp = connect_wait(port, "localhost", 10000);
	quitter_join(&q);
	check("ok-recv-before-reset", recv_all(lp, b, 3), 3);
	check("reset-recv", recv(lp, b, sizeof(b)), E_CONNECTION_RESET_BY_REMOTE);
	check("reset-stays-for-send", send(lp, "x", 1), E_CONNECTION_RESET_BY_REMOTE);
	disconnect(lp);

	/* send: the peer's FIN may still be on its way; bounded retries. */
	quitter_start(&q, port, NULL, false);
	lp = connect_wait(port, "localhost", 10000);
	quitter_join(&q);
	end = now_ms() + 5000;
	while ((r = send(lp, "x", 1)) == 0 && now_ms() < end)
		sleep_ms(10);
	check("reset-send", r, E_CONNECTION_RESET_BY_REMOTE);
	disconnect(lp);

	/* A close with unread data resets (RFC 9293 3.10.4, RFC 2525 2.17). */
	quitter_start(&q, port, NULL, true);
	lp = connect_wait(port, "localhost", 10000);
	send(lp, "unread", 6);
	sleep_ms(100);
	__atomic_store_n(&q.go, 1, __ATOMIC_RELEASE);
	quitter_join(&q);
	check("reset-recv-unread-data", recv_timeout(lp, b, sizeof(b), 10000),
	      E_CONNECTION_RESET_BY_REMOTE);
	disconnect(lp);
}

/* Seed: "If no more socket can be opened (limit exceeded) E_FAIL". */
static void check_fail(int base)
{
	int i, opened = 0, r;

	for (i = 0; i < XV6_SOCK_MAX; i++)
		opened += listen_timeout(base + i, 0) == E_TIMEOUT;
	report("ok-table-fills", opened, opened == XV6_SOCK_MAX, XV6_SOCK_MAX);
	check("fail-table-full-listen", listen_timeout(base + XV6_SOCK_MAX, 0), E_FAIL);
	check("fail-table-full-connect", connect(base, "localhost"), E_FAIL);
	for (i = 0; i < XV6_SOCK_MAX; i++)
		disconnect(base + i);
	r = listen_timeout(base, 0);
	check("ok-table-freed", r, E_TIMEOUT);
	disconnect(base);
}

struct client {
	int port, idx, lp, rc;
	struct thread *th;
};

static int client_main(void *arg)
{
	struct client *c = arg;
	char msg[64], got[64];
	int len, r;

	c->lp = connect_wait(c->port, "localhost", 20000);
	if (c->lp < 0) {
		c->rc = c->lp;
		return 0;
	}
	/* Distinct messages of distinct lengths: a mix-up shows. */
	len = snprintf(msg, sizeof(msg), "client %d: %.*s", c->idx, c->idx + 1,
		       "abcdefghijklmnopqrstuvwxyz0123456789");
	r = send(c->lp, msg, len);
	if (r == 0)
		r = recv_all(c->lp, got, len);
	if (r == len)
		r = memcmp(msg, got, (size_t)len) == 0 ? 0 : -1;
	c->rc = r;
	disconnect(c->lp);
	return 0;
}

/* Beyond the seed: MANY clients at once through one port, each served by
 * a thread of its own (listen(port) in every server thread). */
static void check_many(int port)
{
	static struct echo_srv srv[MANY];
	static struct client cl[MANY];
	unsigned ncpu = skiff_cpu_count();
	int i, j, echoed = 0, distinct = 0, rc = 0;

	for (i = 0; i < MANY; i++)
		echo_start(&srv[i], port, (unsigned)i);
	/* Clients start once every server is listening: a port whose
	 * listening sockets have all finished closes its listener and resets
	 * what was still queued there. */
	for (i = 0; i < 1000 && xv6_sockets() < MANY; i++)
		sleep_ms(10);
	for (i = 0; i < MANY; i++) {
		cl[i] = (struct client){ .port = port, .idx = i, .rc = 1 };
		cl[i].th = thread_create(client_main, &cl[i], (unsigned)(i + 1) % ncpu);
	}
	for (i = 0; i < MANY; i++)
		if (cl[i].th)
			thread_join(cl[i].th, NULL);
	for (i = 0; i < MANY; i++)
		echo_join(&srv[i]);
	for (i = 0; i < MANY; i++) {
		bool unique = cl[i].rc == 0;

		for (j = 0; j < i && unique; j++)
			unique = cl[j].lp != cl[i].lp;
		echoed += cl[i].rc == 0 && srv[i].listen_rc == 0;
		distinct += unique;
		if (rc == 0 && cl[i].rc != 0)
			rc = cl[i].rc;
		if (rc == 0 && srv[i].listen_rc != 0)
			rc = srv[i].listen_rc;
	}
	printf("socktest: many-clients: %d clients through port %d: %d echoed, %d distinct local ports\n",
	       MANY, port, echoed, distinct);
	report("many-clients-one-port", rc, rc == 0 && echoed == MANY && distinct == MANY, 0);
}

int check_run(int base)
{
	passed = failed = 0;
	printf("socktest: check mode: ports %d-%d on 127.0.0.1, %u CPUs\n", base,
	       base + 100 + XV6_SOCK_MAX, skiff_cpu_count());
	check_invalid_arg(base);
	check_notfound(base);
	check_roundtrip_access_denied(base);
	check_listen_timeout_wrong_state(base + 1);
	check_recv_timeout(base + 2);
	check_reset(base + 3);
	check_fail(base + 100);
	check_many(base + 10);
	check("no-sockets-left", xv6_sockets(), 0);
	printf("socktest: check: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

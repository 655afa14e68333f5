/*
 * tests/unit/xv6/xv6_table_test.c: the xv6 face's (port, owner) -> socket
 * mapping (xv6/xv6_table.c): which socket a thread names by a port, the
 * seed's error for every other case, and the shared listener of a port.
 * Owners are plain tokens here (the face uses thread identities). Every
 * teardown checks that the table is empty again.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "xv6/xv6_table.h"

#define T1 ((uintptr_t)0x1001)
#define T2 ((uintptr_t)0x1002)
#define T3 ((uintptr_t)0x1003)

static struct xv6_table tab;

static int setup(void **state)
{
	(void)state;
	xv6_table_init(&tab);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	assert_int_equal(xv6_table_count(&tab), 0);
	assert_int_equal(xv6_table_listeners(&tab), 0);
	return 0;
}

/* A client socket of owner at local port, as connect() leaves it. */
static struct xv6_sock *client(uintptr_t owner, uint16_t port, int fd)
{
	struct xv6_sock *s = xv6_table_reserve(&tab, owner);

	assert_non_null(s);
	assert_int_equal(xv6_table_bind(&tab, s, port, fd), 0);
	return s;
}

static struct xv6_sock *server(uintptr_t owner, int port)
{
	struct xv6_sock *s = NULL;

	assert_int_equal(xv6_table_listen(&tab, port, owner, &s), 0);
	assert_non_null(s);
	return s;
}

/* Seed: "Accessing a socket that is not in the stable then E_NOTFOUND." */
static void test_empty_find_notfound(void **state)
{
	struct xv6_sock *s = NULL;

	(void)state;
	assert_int_equal(xv6_table_find(&tab, 5000, T1, &s), E_NOTFOUND);
	assert_null(s);
}

/* Seed: "Parameter issues would return E_INVALID_ARG." */
static void test_port_out_of_range_invalid_arg(void **state)
{
	static const int bad[] = { 0, -1, 65536, 1 << 20 };
	struct xv6_sock *s = NULL;
	unsigned i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(xv6_table_find(&tab, bad[i], T1, &s), E_INVALID_ARG);
		assert_int_equal(xv6_table_listen(&tab, bad[i], T1, &s), E_INVALID_ARG);
	}
	assert_int_equal(xv6_table_count(&tab), 0);
}

static void test_client_owner_find_returns_it(void **state)
{
	struct xv6_sock *c = client(T1, 40001, 7), *s = NULL;

	(void)state;
	assert_int_equal(xv6_table_find(&tab, 40001, T1, &s), 0);
	assert_ptr_equal(s, c);
	assert_int_equal(s->state, XV6_CONNECTED);
	assert_int_equal(s->fd, 7);
	assert_null(s->lis);
	assert_int_equal(xv6_table_release(&tab, c), -1);
}

/* Seed: "Accessing a socket from wrong process then E_ACCESS_DENIED." */
static void test_client_other_owner_find_access_denied(void **state)
{
	struct xv6_sock *c = client(T1, 40001, 7), *s = NULL;

	(void)state;
	assert_int_equal(xv6_table_find(&tab, 40001, T2, &s), E_ACCESS_DENIED);
	assert_null(s);
	/* A port nobody has is still E_NOTFOUND for T2. */
	assert_int_equal(xv6_table_find(&tab, 40002, T2, &s), E_NOTFOUND);
	xv6_table_release(&tab, c);
}

/* connect() in progress holds a slot but no name. */
static void test_reserved_socket_not_found_by_port(void **state)
{
	struct xv6_sock *r = xv6_table_reserve(&tab, T1), *s = NULL;

	(void)state;
	assert_non_null(r);
	assert_int_equal(xv6_table_count(&tab), 1);
	assert_int_equal(xv6_table_find(&tab, 40001, T1, &s), E_NOTFOUND);
	assert_int_equal(xv6_table_listen(&tab, 40001, T2, &s), 0);
	xv6_table_release(&tab, s);
	assert_int_equal(xv6_table_release(&tab, r), -1);
}

/* Many clients on one port: each server thread has its own socket there,
 * and all of them share the port's one listener. */
static void test_listen_two_owners_share_one_listener(void **state)
{
	struct xv6_sock *a = server(T1, 5000), *b = server(T2, 5000), *s = NULL;

	(void)state;
	assert_ptr_not_equal(a, b);
	assert_ptr_equal(a->lis, b->lis);
	assert_int_equal(a->lis->refs, 2);
	assert_int_equal(a->lis->fd, -1);	/* new: the caller opens it */
	assert_int_equal(xv6_table_listeners(&tab), 1);
	assert_int_equal(xv6_table_find(&tab, 5000, T1, &s), 0);
	assert_ptr_equal(s, a);
	assert_int_equal(xv6_table_find(&tab, 5000, T2, &s), 0);
	assert_ptr_equal(s, b);
	assert_int_equal(xv6_table_find(&tab, 5000, T3, &s), E_ACCESS_DENIED);

	a->lis->fd = 33;	/* opened by the first */
	assert_int_equal(xv6_table_release(&tab, a), -1);	/* b still there */
	assert_int_equal(b->lis->refs, 1);
	assert_int_equal(xv6_table_find(&tab, 5000, T1, &s), E_ACCESS_DENIED);
	assert_int_equal(xv6_table_release(&tab, b), 33);	/* last: close it */
	assert_int_equal(xv6_table_find(&tab, 5000, T1, &s), E_NOTFOUND);
}

/* A listen that timed out left its socket LISTENING: the next listen by
 * the same thread goes on with it instead of taking a second slot. */
static void test_listen_again_by_owner_returns_same_socket(void **state)
{
	struct xv6_sock *a = server(T1, 5000), *again = server(T1, 5000);

	(void)state;
	assert_ptr_equal(again, a);
	assert_int_equal(a->lis->refs, 1);
	assert_int_equal(xv6_table_count(&tab), 1);
	xv6_table_release(&tab, a);
}

static void test_listen_owner_connected_on_port_wrong_state(void **state)
{
	struct xv6_sock *a = server(T1, 5000), *s = NULL;

	(void)state;
	a->state = XV6_CONNECTED;	/* as listen() leaves it after accept */
	assert_int_equal(xv6_table_listen(&tab, 5000, T1, &s), E_WRONG_STATE);
	a->state = XV6_CLOSED;		/* the peer left; disconnect first */
	assert_int_equal(xv6_table_listen(&tab, 5000, T1, &s), E_WRONG_STATE);
	/* Another thread may still serve the port. */
	assert_int_equal(xv6_table_listen(&tab, 5000, T2, &s), 0);
	assert_int_equal(a->lis->refs, 2);
	xv6_table_release(&tab, s);
	xv6_table_release(&tab, a);
}

static void test_listen_on_client_port_refused(void **state)
{
	struct xv6_sock *c = client(T1, 40001, 7), *s = NULL;

	(void)state;
	assert_int_equal(xv6_table_listen(&tab, 40001, T2, &s), E_ACCESS_DENIED);
	assert_int_equal(xv6_table_listen(&tab, 40001, T1, &s), E_WRONG_STATE);
	assert_int_equal(xv6_table_count(&tab), 1);
	assert_int_equal(xv6_table_listeners(&tab), 0);
	xv6_table_release(&tab, c);
}

/* One socket per (port, owner): TCP handing connect() a port the owner
 * already listens on would make the name ambiguous. */
static void test_bind_port_owner_already_has_fail(void **state)
{
	struct xv6_sock *a = server(T1, 40001);
	struct xv6_sock *r = xv6_table_reserve(&tab, T1);

	(void)state;
	assert_int_equal(xv6_table_bind(&tab, r, 40001, 9), E_FAIL);
	assert_int_equal(r->state, XV6_RESERVED);
	assert_int_equal(xv6_table_bind(&tab, r, 0, 9), E_FAIL);
	/* Another owner's socket at that port does not stop it. */
	xv6_table_release(&tab, r);
	r = xv6_table_reserve(&tab, T2);
	assert_int_equal(xv6_table_bind(&tab, r, 40001, 9), 0);
	xv6_table_release(&tab, r);
	xv6_table_release(&tab, a);
}

/* Seed: "If no more socket can be opened (limit exceeded) E_FAIL." */
static void test_table_full_listen_fail_reserve_null(void **state)
{
	struct xv6_sock *s[XV6_SOCK_MAX], *x = NULL;
	unsigned i;

	(void)state;
	for (i = 0; i < XV6_SOCK_MAX; i++)
		s[i] = server((uintptr_t)(0x2000 + i), 6000 + (int)(i % 4));
	assert_int_equal(xv6_table_count(&tab), XV6_SOCK_MAX);
	assert_int_equal(xv6_table_listeners(&tab), 4);
	assert_int_equal(xv6_table_listen(&tab, 6000, T1, &x), E_FAIL);
	assert_int_equal(xv6_table_listen(&tab, 7000, T1, &x), E_FAIL);
	assert_int_equal(xv6_table_listeners(&tab), 4);	/* no record leaked */
	assert_null(xv6_table_reserve(&tab, T1));
	/* The socket of an owner already listening is still found. */
	assert_int_equal(xv6_table_listen(&tab, 6000, 0x2000, &x), 0);
	assert_ptr_equal(x, s[0]);
	/* One freed slot is usable again. */
	xv6_table_release(&tab, s[5]);
	x = xv6_table_reserve(&tab, T1);
	assert_non_null(x);
	xv6_table_release(&tab, x);
	for (i = 0; i < XV6_SOCK_MAX; i++)
		if (i != 5)
			xv6_table_release(&tab, s[i]);
}

/* Every listener record a port took is given back, across many ports. */
static void test_listeners_many_ports_all_released(void **state)
{
	struct xv6_sock *s[XV6_SOCK_MAX];
	unsigned i;

	(void)state;
	for (i = 0; i < XV6_SOCK_MAX; i++) {
		s[i] = server(T1, 1 + (int)i);
		s[i]->lis->fd = 100 + (int)i;
	}
	assert_int_equal(xv6_table_listeners(&tab), XV6_SOCK_MAX);
	for (i = 0; i < XV6_SOCK_MAX; i++)
		assert_int_equal(xv6_table_release(&tab, s[i]), 100 + (int)i);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_find_notfound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port_out_of_range_invalid_arg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_owner_find_returns_it, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_other_owner_find_access_denied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserved_socket_not_found_by_port, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_two_owners_share_one_listener, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_again_by_owner_returns_same_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_owner_connected_on_port_wrong_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listen_on_client_port_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_port_owner_already_has_fail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_table_full_listen_fail_reserve_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listeners_many_ports_all_released, setup, teardown),
	};
	return cmocka_run_group_tests_name("xv6/table", tests, NULL, NULL);
}

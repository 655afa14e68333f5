/*
 * include/xv6/socket.h: the xv6 loopback socket API (the BUET xv6
 * assignment's listen/connect/send/recv/disconnect, seed 001) for skiff
 * apps, as a face over the POSIX sockets of <sys/socket.h> on 127.0.0.1.
 * The implementation is xv6/xv6_sock.c; the seed's names below are static
 * inline wrappers over xv6_-prefixed functions.
 *
 * NOT TOGETHER WITH <sys/socket.h>: the seed's listen(port), connect(port,
 * host), send(port, buf, len) and recv(port, buf, len) have other
 * signatures than POSIX's, so a file that includes both fails to compile
 * (this header says so with #error when it comes second; the compiler's
 * "conflicting types" says it when it comes first). A file that needs both
 * defines XV6_SOCKET_PREFIX_ONLY before including this header and calls
 * the xv6_ names.
 *
 * The model: a socket is named by a local port, as in the seed, and owned
 * by the thread that created it (by listen or connect); the table holds
 * XV6_SOCK_MAX sockets. Per call:
 *
 *   listen(port)   server: waits until a client connects to port, then
 *                  returns 0; the calling thread then names that
 *                  connection by port in send/recv/disconnect. Many
 *                  connections share one port: each belongs to the thread
 *                  that accepted it, so a thread-per-client server runs
 *                  one thread per connection, each calling listen(port)
 *                  (a pool; the next listen(port) by a free thread takes
 *                  the next client). Inside, the port's one TCP listener
 *                  stays open while any thread has a socket on that port
 *                  (waiting or connected), and clients queue in its
 *                  backlog meanwhile; once the last one is disconnected
 *                  the port is closed and connect() to it is refused,
 *                  and clients still queued are reset (their send or
 *                  recv says E_CONNECTION_RESET_BY_REMOTE): a pool
 *                  keeps a thread in listen(port) while it serves.
 *   listen_timeout(port, ms)
 *                  the same, giving up after ms milliseconds with
 *                  E_TIMEOUT; the socket then stays listening (the port
 *                  stays open): call listen/listen_timeout again to go on
 *                  waiting, or disconnect(port) to give it up. send/recv
 *                  on it meanwhile: E_WRONG_STATE.
 *   connect(remotePort, host)
 *                  client: host must be "localhost" or "127.0.0.1";
 *                  returns the connection's local port (> 0), a TCP
 *                  ephemeral port and therefore unique, by which the
 *                  calling thread names it.
 *   send(port, buf, len)
 *                  blocks until all len bytes are queued; returns 0 (the
 *                  seed's value: the count is always len).
 *   recv(port, buf, len)
 *                  blocks until data is there; returns the number of
 *                  bytes copied, 1..len. DEVIATION from the seed, which
 *                  says "0 for success": a TCP byte stream hands out what
 *                  has arrived, not what one send() sent, so the caller
 *                  needs the count; every seed error stays negative, so
 *                  code testing for < 0 works unchanged.
 *   recv_timeout(port, buf, len, ms)
 *                  the same, E_TIMEOUT after ms milliseconds without data.
 *   disconnect(port)
 *                  closes the connection (or gives up a listening socket)
 *                  and frees its table entry; returns 0.
 *
 * Errors (the seed's codes and meanings, and one addition):
 *   E_INVALID_ARG   a parameter is wrong: port outside 1..65535, NULL
 *                   buffer, len <= 0, ms < 0, or a host other than
 *                   "localhost" / "127.0.0.1" (the seed supports only
 *                   those; anything else is a bad argument, not a missing
 *                   socket)
 *   E_NOTFOUND      no socket at that port in the table (send, recv,
 *                   disconnect), or nothing listens at remotePort
 *                   (connect: the connection was refused)
 *   E_ACCESS_DENIED the socket at that port belongs to another thread
 *                   (the seed's "wrong process"), or listen(port) on a
 *                   port another thread's client connection, or a socket
 *                   outside this API, already uses
 *   E_WRONG_STATE   send/recv on a socket that is not connected (still
 *                   listening), or listen(port) by a thread that already
 *                   has a connection on port
 *   E_FAIL          no socket left: the table (XV6_SOCK_MAX) or the
 *                   system's sockets are exhausted; or an unexpected
 *                   failure underneath
 *   E_CONNECTION_RESET_BY_REMOTE
 *                   the peer disconnected or reset the connection (send
 *                   or recv, after recv has handed out what arrived
 *                   first); from then on send and recv keep saying so,
 *                   and only disconnect is left to do. A peer's FIN counts
 *                   as its disconnect: this API has no half-close.
 *   E_TIMEOUT       (not in the seed) listen_timeout or recv_timeout ran
 *                   out of time; nothing changed.
 *
 * Threads: any thread may call these; a call blocks only its own thread.
 * A thread that exits without disconnect() leaves its sockets in the
 * table: no one else may use or free them (until a new thread happens to
 * get the dead one's identity, which skiff may reuse).
 *
 * Descriptors: each socket is one POSIX descriptor, and each port with
 * server sockets one more for its listener.
 */
#ifndef XV6_SOCKET_H
#define XV6_SOCKET_H

#define E_NOTFOUND			(-1025)
#define E_ACCESS_DENIED			(-1026)
#define E_WRONG_STATE			(-1027)
#define E_FAIL				(-1028)
#define E_INVALID_ARG			(-1029)
#define E_CONNECTION_RESET_BY_REMOTE	(-1030)
#define E_TIMEOUT			(-1031)	/* skiff's addition */

#define XV6_SOCK_MAX	64	/* sockets in the table, all threads */

int xv6_listen(int localPort);
int xv6_listen_timeout(int localPort, int ms);
int xv6_connect(int remotePort, const char *hostname);
int xv6_send(int localPort, const char *buf, int len);
int xv6_recv(int localPort, char *buf, int len);
int xv6_recv_timeout(int localPort, char *buf, int len, int ms);
int xv6_disconnect(int localPort);

/* The code's name ("E_NOTFOUND"); "OK" for values >= 0, "unknown". */
const char *xv6_errname(int code);
/* One line saying what the code means. */
const char *xv6_strerror(int code);
/* Sockets in the table now, all threads (for leak checks). */
int xv6_sockets(void);

#ifndef XV6_SOCKET_PREFIX_ONLY
#ifdef SOCK_STREAM
#error "xv6/socket.h and sys/socket.h clash (listen, connect, send, recv); define XV6_SOCKET_PREFIX_ONLY and use the xv6_ names"
#endif

static inline int listen(int localPort)
{
	return xv6_listen(localPort);
}

static inline int listen_timeout(int localPort, int ms)
{
	return xv6_listen_timeout(localPort, ms);
}

static inline int connect(int remotePort, const char *hostname)
{
	return xv6_connect(remotePort, hostname);
}

static inline int send(int localPort, const char *buf, int len)
{
	return xv6_send(localPort, buf, len);
}

static inline int recv(int localPort, char *buf, int len)
{
	return xv6_recv(localPort, buf, len);
}

static inline int recv_timeout(int localPort, char *buf, int len, int ms)
{
	return xv6_recv_timeout(localPort, buf, len, ms);
}

static inline int disconnect(int localPort)
{
	return xv6_disconnect(localPort);
}
#endif /* XV6_SOCKET_PREFIX_ONLY */

#endif /* XV6_SOCKET_H */

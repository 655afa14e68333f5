#!/usr/bin/env python3
"""tests/net/http_client.py: HTTP/1.1 checks curl cannot make, for
tests/net/httpd.sh (and bench/http.sh's boot timing).

Speaks HTTP over a plain socket, with its own small response parser
(RFC 9112 6: a body is delimited by Content-Length, or by the close when
the response has none; HEAD and 304 responses have no body), so every byte
the server sends is seen and nothing is retried or reconnected behind the
test's back. Subcommands:

  raw HOST REQUEST       send REQUEST (Python escapes: \\r \\n \\xNN) in one
                         write, read until the server closes (or --wait S),
                         print the first response's status and how long the
                         close took. --out FILE keeps the bytes received.
                         --repeat-bytes N:C appends N copies of the
                         character C where "@" stands in REQUEST (long
                         targets and headers)
  keepalive HOST PATH N  N GET requests one after another on one connection,
                         each answered 200 with the body of --expect FILE;
                         the connection must stay open throughout
  pipeline HOST SPEC...  all the requests in one write, SPEC is
                         "METHOD PATH STATUS" (e.g. "GET /612.html 200");
                         the responses must come in order with those
                         statuses, a GET 200 body equal to --file PATH=FILE
                         when given, a HEAD with no body
  slowloris HOST         --conns N connections each send a request line
                         and then one header byte every --interval S; all
                         must be closed by the server within --max-s, while
                         a fresh GET --probe PATH every 250 ms is answered
                         within --probe-ms; counts the 408s the server sent
                         before closing
  first HOST PATH        GET PATH on a fresh connection every 50 ms
                         (--interval S; each attempt kept 2 s) until a 200 status line comes
                         back, within --wait S; print the epoch time it
                         came (boot timing); --while-pid P gives up as soon
                         as process P (the guest's QEMU) is gone;
                         --idle-interval S: attempts every S until the
                         first sign of a stack (a refusal or a connect),
                         then every --interval (default: --interval
                         throughout)
  cap HOST N             hold N silent connections, then one more sends a
                         GET: it must get 503 and be closed (a clean
                         refusal past the connection cap); after the N are
                         closed a GET must be answered 200 again
  stall HOST PATH        GET PATH with a 4 KiB receive buffer and read
                         nothing for --hold S, then the rest (--wait S):
                         how it ended (closed=reset|yes|no) and the bytes

Every operation has a deadline. The result line starts with "ok" or
"error"; the exit status is 0 only for "ok". --port P (default 80).
"""
import argparse
import errno
import os
import selectors
import socket
import sys
import time


def now():
    return time.monotonic()


class Closed(Exception):
    """The server closed the connection before a whole response."""


class Reader:
    """Buffered reads from a socket, each bounded by a deadline."""

    def __init__(self, sock, deadline):
        self.sock = sock
        self.buf = b""
        self.deadline = deadline
        self.eof = False

    def _fill(self):
        left = self.deadline - now()
        if left <= 0:
            raise TimeoutError("deadline passed")
        self.sock.settimeout(left)
        data = self.sock.recv(65536)
        if not data:
            self.eof = True
            raise Closed("server closed")
        self.buf += data

    def line(self, limit=65536):
        while b"\n" not in self.buf:
            if len(self.buf) > limit:
                raise ValueError("line longer than %d bytes" % limit)
            self._fill()
        i = self.buf.index(b"\n")
        ln, self.buf = self.buf[:i + 1], self.buf[i + 1:]
        return ln.rstrip(b"\r\n")

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def rest(self):
        """Everything until the server closes."""
        try:
            while True:
                self._fill()
        except Closed:
            pass
        out, self.buf = self.buf, b""
        return out


def read_response(rd, method="GET"):
    """One response: (status, headers with lower-case names, body)."""
    status_line = rd.line()
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[0].startswith(b"HTTP/1.") or not parts[1].isdigit():
        raise ValueError("bad status line %r" % status_line[:80])
    status = int(parts[1])
    headers = {}
    while True:
        ln = rd.line()
        if not ln:
            break
        name, sep, value = ln.partition(b":")
        if not sep:
            raise ValueError("bad header line %r" % ln[:80])
        headers[name.strip().lower().decode()] = value.strip().decode("latin-1")
    # RFC 9112 6.3: HEAD, 1xx, 204 and 304 responses end at the blank line.
    if method == "HEAD" or status in (204, 304) or status < 200:
        return status, headers, b""
    if "transfer-encoding" in headers:
        raise ValueError("unexpected Transfer-Encoding %s" % headers["transfer-encoding"])
    if "content-length" in headers:
        return status, headers, rd.exact(int(headers["content-length"]))
    return status, headers, rd.rest()


def connect(host, port, deadline):
    s = socket.create_connection((host, port), timeout=max(0.5, deadline - now()))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def request(method, path, host, extra=""):
    return ("%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n" % (method, path, host, extra)).encode()


def cmd_raw(a):
    req = a.request.encode("latin-1").decode("unicode_escape").encode("latin-1")
    if a.repeat_bytes:
        n, _, c = a.repeat_bytes.partition(":")
        req = req.replace(b"@", c.encode() * int(n), 1)
    deadline = now() + a.timeout
    t0 = now()
    s = connect(a.host, a.port, deadline)
    try:
        s.sendall(req)
    except OSError as e:  # the server may answer and close before all is sent
        if not a.allow_send_error:
            print("error send: %s" % e)
            return 1
    rd = Reader(s, min(deadline, now() + a.wait))
    got = b""
    closed = "no"
    try:
        got = rd.rest()
        closed = "yes"
    except TimeoutError:
        got = rd.buf
    except ConnectionResetError:
        got = rd.buf
        closed = "reset"
    ms = int((now() - t0) * 1000)
    s.close()
    if a.out:
        with open(a.out, "wb") as f:
            f.write(got)
    first = got.split(b"\n", 1)[0].rstrip(b"\r")
    parts = first.split(b" ")
    status = parts[1].decode() if len(parts) > 1 and parts[1].isdigit() else "none"
    print("ok status=%s closed=%s ms=%d bytes=%d line=%s"
          % (status, closed, ms, len(got), first.decode("latin-1")[:60].replace(" ", "_")))
    return 0


def cmd_stall(a):
    """GET a path and stop reading: a small receive buffer, nothing read
    for --hold seconds; then whatever is left is read. Prints how the
    connection ended (reset, yes: EOF, no: still open) and the bytes."""
    deadline = now() + a.timeout
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(max(0.5, deadline - now()))
    s.connect((a.host, a.port))
    t0 = now()
    s.sendall(request("GET", a.path, a.host))
    time.sleep(a.hold)
    rd = Reader(s, min(deadline, now() + a.wait))
    closed = "no"
    try:
        got = len(rd.rest())
        closed = "yes"
    except TimeoutError:
        got = len(rd.buf)
    except ConnectionResetError:
        got = len(rd.buf)
        closed = "reset"
    s.close()
    print("ok closed=%s bytes=%d after_s=%.1f" % (closed, got, now() - t0))
    return 0


def cmd_keepalive(a):
    want = open(a.expect, "rb").read()
    deadline = now() + a.timeout
    s = connect(a.host, a.port, deadline)
    rd = Reader(s, deadline)
    t0 = now()
    for i in range(a.n):
        try:
            s.sendall(request("GET", a.path, a.host))
            status, hdr, body = read_response(rd)
        except (Closed, OSError, ValueError) as e:
            print("error request %d of %d: %s" % (i + 1, a.n, e))
            return 1
        if status != 200 or body != want:
            print("error request %d of %d: status %d, %d body bytes (want 200, %d equal)"
                  % (i + 1, a.n, status, len(body), len(want)))
            return 1
        if hdr.get("connection", "").lower() == "close" and i + 1 < a.n:
            print("error request %d of %d: the server said Connection: close" % (i + 1, a.n))
            return 1
    secs = now() - t0
    s.close()
    print("ok n=%d secs=%.2f rps=%.0f" % (a.n, secs, a.n / secs))
    return 0


def cmd_pipeline(a):
    files = {}
    for spec in a.file or []:
        path, _, fname = spec.partition("=")
        files[path] = open(fname, "rb").read()
    reqs = []
    for spec in a.spec:
        method, path, status = spec.split(" ")
        reqs.append((method, path, int(status)))
    deadline = now() + a.timeout
    s = connect(a.host, a.port, deadline)
    blob = b"".join(request(m, p, a.host) for m, p, _ in reqs)
    s.sendall(blob)  # one write: the server sees the requests back to back
    rd = Reader(s, deadline)
    got = []
    for i, (method, path, want) in enumerate(reqs):
        try:
            status, hdr, body = read_response(rd, method)
        except (Closed, OSError, ValueError) as e:
            print("error response %d (%s %s): %s; got %s" % (i + 1, method, path, e, got))
            return 1
        got.append(status)
        if status != want:
            print("error response %d (%s %s): status %d, want %d" % (i + 1, method, path, status, want))
            return 1
        if method == "GET" and status == 200 and path in files and body != files[path]:
            print("error response %d (%s %s): body of %d bytes differs from the file (%d)"
                  % (i + 1, method, path, len(body), len(files[path])))
            return 1
        if method == "HEAD" and "content-length" not in hdr:
            print("error response %d (HEAD %s): no Content-Length" % (i + 1, path))
            return 1
    # Nothing more may follow: a HEAD that sent a body would show here.
    s.settimeout(0.3)
    try:
        extra = s.recv(4096)
    except (socket.timeout, BlockingIOError):
        extra = b""
    except OSError:
        extra = b""
    s.close()
    if extra:
        print("error %d bytes after the last response: %r" % (len(extra), extra[:60]))
        return 1
    print("ok n=%d statuses=%s bytes=%d" % (len(reqs), ",".join(map(str, got)), len(blob)))
    return 0


def probe(a, deadline):
    """One fresh GET of a.probe; (ms, status) or (ms, error text)."""
    t0 = now()
    try:
        s = connect(a.host, a.port, deadline)
        s.sendall(request("GET", a.probe, a.host, "Connection: close\r\n"))
        status, _, _ = read_response(Reader(s, deadline))
        s.close()
        return int((now() - t0) * 1000), status
    except (Closed, OSError, ValueError) as e:
        return int((now() - t0) * 1000), str(e)


def cmd_slowloris(a):
    start = now()
    deadline = start + a.max_s
    sel = selectors.DefaultSelector()
    open_at = {}
    got = {}
    for i in range(a.conns):
        s = connect(a.host, a.port, deadline)
        s.sendall(("GET /?slowloris=%d HTTP/1.1\r\nHost: %s\r\n" % (i, a.host)).encode())
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ)
        open_at[s] = now()
        got[s] = b""
    closed_after = []
    n408 = 0
    probes = []
    next_byte = now() + a.interval
    next_probe = now() + 0.25
    n = 0
    while open_at and now() < deadline:
        for key, _ in sel.select(timeout=0.05):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            got[s] += data
            if not data:  # FIN or RST: the server gave up on it
                closed_after.append(now() - start)
                if got[s].startswith(b"HTTP/1.1 408 ") or got[s].startswith(b"HTTP/1.0 408 "):
                    n408 += 1
                sel.unregister(s)
                s.close()
                del open_at[s]
        if now() >= next_byte:
            # One more header byte on each: a slowloris keeps sending.
            n += 1
            for s in list(open_at):
                try:
                    s.send(b"X-a: b\r\n"[n % 8:n % 8 + 1])
                except OSError:
                    pass
            next_byte = now() + a.interval
        if now() >= next_probe:
            probes.append(probe(a, now() + a.probe_ms / 1000.0 + 5))
            next_probe = now() + 0.25
    for s in list(open_at):
        s.close()
    bad = [p for p in probes if not isinstance(p[1], int) or p[1] != 200 or p[0] > a.probe_ms]
    worst = max((p[0] for p in probes), default=-1)
    summary = ("conns=%d closed=%d got_408=%d first_close_s=%.1f last_close_s=%.1f probes=%d probe_max_ms=%d"
               % (a.conns, len(closed_after), n408, min(closed_after, default=-1),
                  max(closed_after, default=-1), len(probes), worst))
    if open_at:
        print("error %d of %d still open after %d s; %s" % (len(open_at), a.conns, a.max_s, summary))
        return 1
    if not probes or bad:
        print("error probes slow or failed: %s; %s" % (bad[:5], summary))
        return 1
    print("ok " + summary)
    return 0


def pid_alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def cmd_cap(a):
    deadline = now() + a.timeout
    held = [connect(a.host, a.port, deadline) for _ in range(a.n)]
    time.sleep(0.5)  # let the server accept them all before the extra one
    extra = connect(a.host, a.port, deadline)
    extra.sendall(request("GET", "/", a.host))
    rd = Reader(extra, deadline)
    try:
        status, hdr, body = read_response(rd)
        tail = rd.rest()
    except (Closed, OSError, ValueError) as e:
        print("error the connection past %d: %s" % (a.n, e))
        return 1
    extra.close()
    # The held ones must still be open and served: the refusal took nothing from them.
    first = held[0]
    first.sendall(request("GET", "/", a.host, "Connection: close\r\n"))
    try:
        held_status, _, _ = read_response(Reader(first, deadline))
    except (Closed, OSError, ValueError) as e:
        held_status = "failed: %s" % e
    for s in held:
        s.close()
    time.sleep(0.5)
    after, _ = probe_path(a, "/", deadline)
    summary = ("held=%d extra_status=%d close=%s held_status=%s after_status=%s"
               % (a.n, status, hdr.get("connection", "-"), held_status, after))
    if status != 503 or hdr.get("connection", "").lower() != "close" or tail:
        print("error past the cap: %s" % summary)
        return 1
    if held_status != 200 or after != 200:
        print("error held or later requests not served: %s" % summary)
        return 1
    print("ok " + summary)
    return 0


def probe_path(a, path, deadline):
    try:
        s = connect(a.host, a.port, deadline)
        s.sendall(request("GET", path, a.host, "Connection: close\r\n"))
        status, _, body = read_response(Reader(s, deadline))
        s.close()
        return status, body
    except (Closed, OSError, ValueError) as e:
        return str(e), b""


def cmd_first(a):
    """A fresh connection attempt every --interval (50 ms), each kept up to 2 s, so
    the time found is not rounded up to a SYN retransmission (1 s) or to
    a connect that started while the guest was not yet listening.

    With --idle-interval, attempts are that far apart until the guest's
    stack first answers (a refusal: up, not listening yet; or a connect),
    then --interval apart: fine steps where the answer can come, and few
    SYNs while the guest cannot answer (a NIC not started yet leaves them
    queued in the tap, to be delivered to the guest as one burst)."""
    deadline = now() + a.wait
    sel = selectors.DefaultSelector()
    req = request("GET", a.path, a.host, "Connection: close\r\n")
    # For a caller that starts the guest only once this runs (Python's own
    # start-up took 1.7 s on a busy 2-core host: it must not be timed).
    print("first: polling", file=sys.stderr, flush=True)
    started = {}  # socket -> (start time, received bytes or None before connect)
    next_try = now()
    alive = a.idle_interval is None  # the guest's stack has answered (or no idle pacing)

    def drop(s):
        sel.unregister(s)
        s.close()
        del started[s]

    while now() < deadline:
        if a.while_pid and not pid_alive(a.while_pid):
            print("error process %d ended before a 200" % a.while_pid)
            return 1
        if now() >= next_try:
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex((a.host, a.port))
            started[s] = [now(), None]
            sel.register(s, selectors.EVENT_WRITE)
            next_try = now() + (a.interval if alive else a.idle_interval)
        for s in [s for s, v in started.items() if now() - v[0] > 2]:
            drop(s)
        for key, ev in sel.select(timeout=max(0, min(0.01, next_try - now()))):
            s = key.fileobj
            st = started[s]
            if st[1] is None:
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err in (0, errno.ECONNREFUSED) and not alive:
                    alive = True  # the stack answered: poll finely from now on
                    next_try = now()
                if err != 0:
                    drop(s)
                    continue
                try:
                    s.send(req)
                except OSError:
                    drop(s)
                    continue
                st[1] = b""
                sel.modify(s, selectors.EVENT_READ)
                continue
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            st[1] += data
            if b"\n" in st[1]:
                line = st[1].split(b"\n", 1)[0].split(b" ")
                if len(line) > 1 and line[1] == b"200":
                    t = time.time()
                    for o in list(started):
                        drop(o)
                    print("ok epoch=%.6f" % t)
                    return 0
                drop(s)
            elif not data:
                drop(s)
    print("error no 200 for GET %s within %d s" % (a.path, a.wait))
    return 1


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--timeout", type=float, default=60)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("raw")
    r.add_argument("host")
    r.add_argument("request")
    r.add_argument("--wait", type=float, default=10)
    r.add_argument("--out")
    r.add_argument("--repeat-bytes")
    r.add_argument("--allow-send-error", action="store_true")
    k = sub.add_parser("keepalive")
    k.add_argument("host")
    k.add_argument("path")
    k.add_argument("n", type=int)
    k.add_argument("--expect", required=True)
    pl = sub.add_parser("pipeline")
    pl.add_argument("host")
    pl.add_argument("spec", nargs="+")
    pl.add_argument("--file", action="append")
    sl = sub.add_parser("slowloris")
    sl.add_argument("host")
    sl.add_argument("--conns", type=int, default=20)
    sl.add_argument("--interval", type=float, default=2)
    sl.add_argument("--max-s", type=float, default=60)
    sl.add_argument("--probe", default="/")
    sl.add_argument("--probe-ms", type=int, default=5000)
    f = sub.add_parser("first")
    f.add_argument("host")
    f.add_argument("path")
    f.add_argument("--wait", type=float, default=120)
    f.add_argument("--interval", type=float, default=0.05)
    f.add_argument("--idle-interval", type=float)
    f.add_argument("--while-pid", type=int)
    st = sub.add_parser("stall")
    st.add_argument("host")
    st.add_argument("path")
    st.add_argument("--hold", type=float, required=True)
    st.add_argument("--wait", type=float, default=5)
    c = sub.add_parser("cap")
    c.add_argument("host")
    c.add_argument("n", type=int)
    a = p.parse_args()
    try:
        return {"raw": cmd_raw, "keepalive": cmd_keepalive, "pipeline": cmd_pipeline,
                "slowloris": cmd_slowloris, "first": cmd_first, "cap": cmd_cap,
                "stall": cmd_stall}[a.cmd](a)
    except (OSError, ValueError, TimeoutError) as e:
        print("error %s: %s" % (a.cmd, e))
        return 1


if __name__ == "__main__":
    sys.exit(main())

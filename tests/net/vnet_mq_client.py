#!/usr/bin/env python3
"""tests/net/vnet_mq_client.py: many concurrent HTTP/1.1 clients against
apps/httpd, each checking every body byte for byte (tests/net/vnet_mq.sh).

--conns N connections at once, each sending --reqs R keep-alive GETs of
/612.html (compared with apps/httpd/www/612.html), the last with
Connection: close; --big K of them also GET /1m.bin first (record k is
"%015x\\n" of k * 16). Prints "ok N connections, M requests, B bytes" or
"error: WHY" as its last line; exit 0 or 1. Every socket has a timeout.
"""
import argparse
import socket
import sys
import threading


def big_body():
    return b"".join(b"%015x\n" % (k * 16) for k in range(1 << 16))


def read_response(f):
    status = f.readline()
    if not status.startswith(b"HTTP/1.1 200"):
        raise ValueError("status %r" % status[:40])
    length = None
    while True:
        line = f.readline()
        if not line:
            raise ValueError("connection closed in the head")
        if line in (b"\r\n", b"\n"):
            break
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if length is None:
        raise ValueError("no Content-Length")
    body = f.read(length)
    if len(body) != length:
        raise ValueError("short body: %d of %d" % (len(body), length))
    return body


def client(i, a, want_small, want_big, errors, counts):
    try:
        s = socket.create_connection((a.host, a.port), timeout=a.timeout)
        s.settimeout(a.timeout)
        f = s.makefile("rb")
        paths = (["/1m.bin"] if i < a.big else []) + ["/612.html"] * a.reqs
        for n, path in enumerate(paths):
            last = n == len(paths) - 1
            s.sendall(("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: %s\r\n\r\n"
                       % (path, a.host, "close" if last else "keep-alive")).encode())
            body = read_response(f)
            want = want_big if path == "/1m.bin" else want_small
            if body != want:
                raise ValueError("%s: body differs (%d bytes)" % (path, len(body)))
            counts[i] += len(body)
        s.close()
    except Exception as e:  # noqa: BLE001 - every failure is reported
        errors.append("connection %d: %s" % (i, e))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("--port", type=int, default=80)
    p.add_argument("--conns", type=int, default=48)
    p.add_argument("--reqs", type=int, default=4)
    p.add_argument("--big", type=int, default=2)
    p.add_argument("--page", required=True, help="apps/httpd/www/612.html")
    p.add_argument("--timeout", type=float, default=60)
    a = p.parse_args()
    with open(a.page, "rb") as fh:
        small = fh.read()
    big = big_body()
    errors, counts = [], [0] * a.conns
    ts = [threading.Thread(target=client, args=(i, a, small, big, errors, counts)) for i in range(a.conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(a.timeout + 5)
    if any(t.is_alive() for t in ts):
        errors.append("a client did not finish within %.0f s" % (a.timeout + 5))
    if errors:
        print("error: %d of %d connections failed; %s" % (len(errors), a.conns, errors[0]))
        return 1
    print("ok %d connections, %d requests, %d bytes byte-exact"
          % (a.conns, a.conns * a.reqs + min(a.big, a.conns), sum(counts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

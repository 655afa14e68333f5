#!/usr/bin/env python3
"""tests/net/flood_client.py: the Linux clients of tests/net/flood.sh and
bench/flood.sh, run inside the test's namespace.

  stats GUEST                 httpd's /stats as one JSON line (retried, bounded)
  legit GUEST SECONDS PAGE    a new connection per GET /612.html for SECONDS,
                              each body compared with PAGE; prints
                              "ok N failed M rate R" (R: requests/s)
  syn GUEST PORT COUNT PPS    COUNT SYNs (or, with COUNT ending in "s", for that
                              many seconds) at PPS from random unicast
                              sources (never 0/8, 10/8, 127/8, multicast or
                              class E: each one a SYN the guest must take);
                              prints "sent N"
  idle GUEST N PAGE           N connections, each served one keep-alive GET and
                              then left idle (at most 256 handshakes at once);
                              then which of them the guest closed, and a second
                              GET on the newest ones; prints one JSON line
  compare A B                 two saved /stats as shell assignments: h0 h1 (heap),
                              p0 p1 (TCP control blocks), k0 k1 (packet
                              buffers), rx and rxd (eth0's frames received and
                              input frames dropped in between), shed, and d_NAME
                              for each counter that moved
  fields JSON                 idle's result line as shell assignments
                              (refused: its 503s)
Exit status 0 unless the command could not run at all.
"""
import json
import random
import selectors
import socket
import struct
import sys
import time

REQ = b"GET /612.html HTTP/1.1\r\nHost: g\r\n\r\n"


def stats(guest):
    last = None
    for _ in range(10):
        try:
            s = socket.create_connection((guest, 80), timeout=20)
            s.sendall(b"GET /stats HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n")
            data = b""
            while True:
                c = s.recv(65536)
                if not c:
                    break
                data += c
            s.close()
            return json.loads(data.split(b"\r\n\r\n", 1)[1])
        except (OSError, ValueError, IndexError) as e:
            last = e
            time.sleep(1)
    raise SystemExit(f"flood_client: /stats failed: {last}")


def read_resp(s, page):
    """One response on s: True when it is 200 with exactly page."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        c = s.recv(65536)
        if not c:
            return False
        buf += c
    head, body = buf.split(b"\r\n\r\n", 1)
    while len(body) < len(page):
        c = s.recv(65536)
        if not c:
            return False
        body += c
    return head.startswith(b"HTTP/1.1 200 ") and body == page


def legit(guest, seconds, page):
    ok = failed = 0
    t0 = time.time()
    end = t0 + seconds
    while time.time() < end:
        try:
            s = socket.create_connection((guest, 80), timeout=30)
            s.sendall(b"GET /612.html HTTP/1.1\r\nHost: g\r\nConnection: close\r\n\r\n")
            if read_resp(s, page):
                ok += 1
            else:
                failed += 1
            s.close()
        except OSError:
            failed += 1
    dt = time.time() - t0
    print(f"ok {ok} failed {failed} rate {ok / dt:.1f}", flush=True)


def csum(b):
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def rand_src(rnd):
    while True:
        a = rnd.randrange(1 << 32)
        top = a >> 24
        if top not in (0, 10, 127) and top < 224:
            return a


def syn(guest, port, count, pps):
    """Forged SYNs through a raw socket (the kernel routes and resolves
    the guest's MAC), paced at pps in bursts of 50."""
    rnd = random.Random()	# fresh sources each run: none may match a live child
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    dst = socket.inet_aton(guest)
    timed = count.endswith("s")
    limit = float(count[:-1]) if timed else int(count)
    t0 = time.time()
    n = 0
    while (time.time() - t0 < limit) if timed else (n < limit):
        src = struct.pack("!I", rand_src(rnd))
        sport = rnd.randrange(1024, 65536)
        tcp = struct.pack("!HHIIBBHHH", sport, port, rnd.randrange(1 << 32), 0, 0x50, 0x02, 65535, 0, 0)
        c = csum(src + dst + struct.pack("!BBH", 0, 6, 20) + tcp)
        tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, n & 0xffff, 0, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        try:
            s.sendto(ip + tcp, (guest, 0))
            n += 1
        except OSError:
            time.sleep(0.001)	# the tap's queue is full: back off
        if n % 50 == 0:
            ahead = t0 + n / pps - time.time()
            if ahead > 0:
                time.sleep(ahead)
    print(f"sent {n}", flush=True)


class Conn:
    __slots__ = ("i", "s", "state", "buf")


def idle(guest, n, page):
    sel = selectors.DefaultSelector()
    conns = []
    pending = 0
    nxt = 0
    served = failed = 0
    fail_why = {}
    t0 = time.time()
    deadline = t0 + 600

    def start(i):
        c = Conn()
        c.i, c.buf, c.state = i, b"", "connect"
        c.s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.s.setblocking(False)
        c.s.connect_ex((guest, 80))
        sel.register(c.s, selectors.EVENT_WRITE, c)
        conns.append(c)

    def fail(c, why):
        nonlocal failed, pending
        failed += 1
        fail_why[why] = fail_why.get(why, 0) + 1
        c.state = "failed"
        pending -= 1
        sel.unregister(c.s)

    while (nxt < n or pending) and time.time() < deadline:
        while nxt < n and pending < 256:
            start(nxt)
            nxt += 1
            pending += 1
        for key, ev in sel.select(timeout=1):
            c = key.data
            if c.state == "connect":
                err = c.s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(c, f"connect errno {err}")
                    continue
                try:
                    c.s.send(REQ)
                except OSError as e:
                    fail(c, f"send {e.errno}")
                    continue
                c.state = "wait"
                sel.modify(c.s, selectors.EVENT_READ, c)
            elif c.state == "wait":
                try:
                    d = c.s.recv(65536)
                except OSError as e:
                    fail(c, f"recv {e.errno}")
                    continue
                if not d:
                    fail(c, "closed before the response")
                    continue
                c.buf += d
                if b"\r\n\r\n" in c.buf:
                    head, body = c.buf.split(b"\r\n\r\n", 1)
                    if not head.startswith(b"HTTP/1.1 200 "):
                        fail(c, head.split(b"\r\n", 1)[0].decode(errors="replace"))
                    elif len(body) >= len(page):
                        if body != page:
                            fail(c, "body differs")
                        else:
                            served += 1
                            c.state = "idle"
                            c.buf = b""
                            pending -= 1
                            sel.unregister(c.s)
    open_s = time.time() - t0
    time.sleep(2)
    # Which idle ones did the guest close? (EOF readable at once.)
    closed = []
    for c in conns:
        if c.state != "idle":
            continue
        c.s.setblocking(False)
        try:
            d = c.s.recv(1)
            if d == b"":
                closed.append(c.i)
                c.state = "closed"
        except BlockingIOError:
            pass
        except OSError:
            closed.append(c.i)
            c.state = "closed"
    still = [c for c in conns if c.state == "idle"]
    # The newest still-open ones answer a second request.
    again_ok = 0
    for c in still[-20:]:
        c.s.setblocking(True)
        c.s.settimeout(30)
        try:
            c.s.sendall(REQ)
            again_ok += read_resp(c.s, page)
        except OSError:
            pass
    first_open = still[0].i if still else None
    # Open ones older than twice the open count back from the newest: none
    # under one global LRU; httpd sheds per CPU (each service its own
    # oldest), so a CPU that stopped accepting keeps its few.
    old_open = sum(1 for c in still if c.i < n - 2 * len(still))
    last_closed = max(closed) if closed else None
    for c in conns:
        c.s.close()
    print(json.dumps({"n": n, "served": served, "failed": failed, "fail_why": fail_why,
                      "open_s": round(open_s, 1), "closed": len(closed), "still_open": len(still),
                      "first_open": first_open, "old_open": old_open, "last_closed": last_closed,
                      "again_ok": again_ok, "again_of": min(20, len(still))}), flush=True)


def compare(fa, fb):
    with open(fa) as f:
        a = json.load(f)
    with open(fb) as f:
        b = json.load(f)

    def flat(j):
        d = {}
        for sec in ("tcp", "drops", "net_other"):
            d.update(j.get(sec, {}))
        return d
    fa_, fb_ = flat(a), flat(b)
    eth0 = [[i for i in j["interfaces"] if i["name"] == "eth0"][0] for j in (a, b)]
    out = {"h0": a["memory"]["heap_in_use"], "h1": b["memory"]["heap_in_use"],
           "p0": a["tcp_pcbs"], "p1": b["tcp_pcbs"],
           "k0": a["packet_buffers_in_use"], "k1": b["packet_buffers_in_use"],
           "rx": eth0[1]["rx_packets"] - eth0[0]["rx_packets"],
           "rxd": eth0[1]["rx_dropped"] - eth0[0]["rx_dropped"],
           "shed": b["http"]["shed"] - a["http"]["shed"]}
    for k in sorted(set(fa_) | set(fb_)):
        v = fb_.get(k, 0) - fa_.get(k, 0)
        if v:
            out["d_" + k] = v
    for k, v in out.items():
        print(f"{k}={v}")


def fields(line):
    r = json.loads(line)
    r["refused"] = sum(v for k, v in r["fail_why"].items() if k.startswith("HTTP/1.1 503 "))
    r["why"] = "'" + json.dumps(r["fail_why"]).replace("'", "") + "'"
    del r["fail_why"]
    for k, v in r.items():
        print(f"{k}={'' if v is None else v}")


def main():
    cmd = sys.argv[1]
    if cmd == "stats":
        print(json.dumps(stats(sys.argv[2])))
    elif cmd == "legit":
        legit(sys.argv[2], float(sys.argv[3]), open(sys.argv[4], "rb").read())
    elif cmd == "syn":
        syn(sys.argv[2], int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    elif cmd == "compare":
        compare(sys.argv[2], sys.argv[3])
    elif cmd == "fields":
        fields(sys.argv[2])
    elif cmd == "idle":
        idle(sys.argv[2], int(sys.argv[3]), open(sys.argv[4], "rb").read())
    else:
        raise SystemExit(f"flood_client: unknown command {cmd}")


if __name__ == "__main__":
    main()

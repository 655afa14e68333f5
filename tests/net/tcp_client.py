#!/usr/bin/env python3
"""tests/net/tcp_client.py: the host side of the TCP service checks.

Talks to RFC 862 echo, RFC 863 discard and RFC 864 chargen servers (the
skiff guest's apps/netidle, or the Linux yardstick's) with the host's own
Linux TCP, checks what comes back and prints one line of results:

  echo HOST BYTES        send BYTES of seeded random data to port 7 while
                         reading the echo; compare sha256 of both streams;
                         then half-close and expect the server's FIN.
                         --read-delay S: read nothing for the first S
                         seconds, so every buffer on the way fills and the
                         server must hold data back (zero windows both ways)
  many HOST N BYTES      N echo clients at once, each with its own data,
                         each comparing what comes back byte for byte
  refused HOST PORT      connect to a closed port: ECONNREFUSED must come
                         back within 500 ms (--within-ms); with --iface IF
                         (root) the answer seen there must be a TCP RST,
                         not an ICMP unreachable
  discard HOST BYTES     send BYTES to port 9, half-close, wait for the
                         server's FIN (it closes once it has read all)
  chargen HOST BYTES     read BYTES from port 19 and compare them with the
                         RFC 864 pattern (any starting line accepted)
  udp HOST BYTES         one datagram of BYTES to UDP port 7 (RFC 862),
                         the same datagram back (retried 5 times)
  churn HOST N BYTES     N echo connections one after another, --parallel
                         at a time: each sends its own BYTES, reads them
                         back byte for byte, half-closes and waits for the
                         server's FIN (a leak check's load)

--port P talks to port P instead of the service's standard one (echo,
many and churn: an echo server on P, e.g. apps/echo's 5000).

Every operation has a deadline (--timeout, default 120 s). The result line
starts with "ok" or "error"; the exit status is 0 only for "ok". Rates are
in Mbit/s of payload over the time from connect to the last byte.
"""
import argparse
import hashlib
import random
import selectors
import socket
import sys
import time

CHUNK = 65536


def now():
    return time.monotonic()


def connect(host, port, deadline, bufsize=0):
    """bufsize > 0 fixes both socket buffers (no autotuning), so a client
    that stops reading fills the path after a few hundred kilobytes."""
    s = socket.socket()
    if bufsize:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, bufsize)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, bufsize)
    s.settimeout(max(1.0, deadline - now()))
    s.connect((host, port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def mbit(nbytes, secs):
    return nbytes * 8 / secs / 1e6 if secs > 0 else 0.0


def wait_eof(s, deadline):
    """Read until the peer's FIN; returns extra bytes seen (should be 0)."""
    extra = 0
    while True:
        left = deadline - now()
        if left <= 0:
            raise TimeoutError("no FIN from the server")
        s.settimeout(left)
        d = s.recv(CHUNK)
        if not d:
            return extra
        extra += len(d)


def cmd_echo(a):
    deadline = now() + a.timeout
    data = random.Random(a.seed).randbytes(a.bytes)
    sent_h, recv_h = hashlib.sha256(data), hashlib.sha256()
    t0 = now()
    s = connect(a.host, a.port or 7, deadline, 131072 if a.read_delay > 0 else 0)
    s.setblocking(False)
    sel = selectors.DefaultSelector()
    sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    off = got = 0
    view = memoryview(data)
    reading_from = t0 + a.read_delay
    stalled_at = None
    if a.read_delay > 0:
        sel.modify(s, selectors.EVENT_WRITE)
    while got < len(data):
        left = deadline - now()
        if left <= 0:
            raise TimeoutError(f"echo: sent {off} received {got} of {len(data)}")
        if a.read_delay > 0 and now() >= reading_from and stalled_at is None:
            stalled_at = off   # what the path held before we read a byte
            sel.modify(s, selectors.EVENT_READ |
                       (selectors.EVENT_WRITE if off < len(data) else 0))
        wait = min(left, 1.0)
        if stalled_at is None and a.read_delay > 0:
            wait = max(0.0, min(wait, reading_from - now()))
            if off == len(data):
                time.sleep(wait)
                continue
        for _key, ev in sel.select(timeout=wait):
            if ev & selectors.EVENT_WRITE and off < len(data):
                try:
                    off += s.send(view[off:off + CHUNK])
                except BlockingIOError:
                    pass
                if off == len(data):
                    sel.modify(s, selectors.EVENT_READ)
            if ev & selectors.EVENT_READ:
                try:
                    d = s.recv(CHUNK)
                except BlockingIOError:
                    continue
                if not d:
                    raise ConnectionError(f"echo: server closed after {got} bytes")
                recv_h.update(d)
                got += len(d)
    t1 = now()
    s.setblocking(True)
    s.shutdown(socket.SHUT_WR)
    extra = wait_eof(s, deadline)
    s.close()
    ok = sent_h.hexdigest() == recv_h.hexdigest() and extra == 0
    if a.read_delay > 0 and (stalled_at is None or stalled_at >= len(data)):
        ok = False   # the path never filled: nothing was held back
    held = f" sent_before_reading={stalled_at}" if stalled_at is not None else ""
    print(f"{'ok' if ok else 'error'} echo bytes={len(data)}{held} sent_sha256={sent_h.hexdigest()} "
          f"recv_sha256={recv_h.hexdigest()} extra={extra} secs={t1 - t0:.2f} "
          f"mbit_each_way={mbit(len(data), t1 - t0):.1f}")
    return ok


def cmd_many(a):
    deadline = now() + a.timeout
    sel = selectors.DefaultSelector()
    clients = []
    t0 = now()
    for i in range(a.n):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((a.host, a.port or 7))
        c = {"i": i, "s": s, "data": random.Random(a.seed * 1000003 + i).randbytes(a.bytes),
             "off": 0, "got": bytearray(), "eof": False, "err": None}
        clients.append(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)
    live = a.n
    while live:
        left = deadline - now()
        if left <= 0:
            break
        for key, ev in sel.select(timeout=min(left, 1.0)):
            c = key.data
            s = c["s"]
            try:
                if ev & selectors.EVENT_WRITE and c["off"] < len(c["data"]):
                    c["off"] += s.send(c["data"][c["off"]:c["off"] + CHUNK])
                    if c["off"] == len(c["data"]):
                        s.shutdown(socket.SHUT_WR)
                        sel.modify(s, selectors.EVENT_READ, c)
                if ev & selectors.EVENT_READ:
                    d = s.recv(CHUNK)
                    if d:
                        c["got"] += d
                    else:
                        c["eof"] = True
            except BlockingIOError:
                continue
            except OSError as e:
                c["err"] = e
                c["eof"] = True
            if c["eof"]:
                sel.unregister(s)
                s.close()
                live -= 1
    t1 = now()
    bad = [c for c in clients if c["err"] or bytes(c["got"]) != c["data"]]
    for c in clients:
        if not c["eof"]:
            c["s"].close()
    ok = not bad
    detail = ""
    if bad:
        c = bad[0]
        detail = (f" first_bad=client{c['i']} sent={c['off']} got={len(c['got'])} "
                  f"eof={c['eof']} err={c['err']!r}")
    print(f"{'ok' if ok else 'error'} many clients={a.n} bytes_each={a.bytes} "
          f"bad={len(bad)} unfinished={live} secs={t1 - t0:.2f}{detail}")
    return ok


def cmd_churn(a):
    """N short echo connections, a.parallel at a time, each checked."""
    deadline = now() + a.timeout
    sel = selectors.DefaultSelector()
    port = a.port or 7
    started = done = 0
    bad = []
    t0 = now()

    def start(i):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex((a.host, port))
        c = {"i": i, "s": s, "data": random.Random(a.seed * 1000003 + i).randbytes(a.bytes),
             "off": 0, "got": bytearray(), "err": None}
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)

    def finish(c):
        sel.unregister(c["s"])
        c["s"].close()
        if c["err"] or bytes(c["got"]) != c["data"]:
            bad.append(c)

    while started < min(a.parallel, a.n):
        start(started)
        started += 1
    while done < a.n:
        left = deadline - now()
        if left <= 0:
            break
        for key, ev in sel.select(timeout=min(left, 1.0)):
            c = key.data
            s = c["s"]
            end = False
            try:
                if ev & selectors.EVENT_WRITE and c["off"] < len(c["data"]):
                    c["off"] += s.send(c["data"][c["off"]:])
                    if c["off"] == len(c["data"]):
                        s.shutdown(socket.SHUT_WR)
                        sel.modify(s, selectors.EVENT_READ, c)
                if ev & selectors.EVENT_READ:
                    d = s.recv(CHUNK)
                    if d:
                        c["got"] += d
                    else:
                        end = True
            except BlockingIOError:
                continue
            except OSError as e:
                c["err"] = e
                end = True
            if end:
                finish(c)
                done += 1
                if started < a.n:
                    start(started)
                    started += 1
    t1 = now()
    unfinished = started - done
    for key in list(sel.get_map().values()):
        key.data["s"].close()
    ok = not bad and done == a.n
    detail = ""
    if bad:
        c = bad[0]
        detail = (f" first_bad=conn{c['i']} sent={c['off']} got={len(c['got'])} err={c['err']!r}")
    print(f"{'ok' if ok else 'error'} churn conns={done} of={a.n} bytes_each={a.bytes} "
          f"parallel={a.parallel} bad={len(bad)} unfinished={unfinished} secs={t1 - t0:.2f} "
          f"conns_per_s={done / (t1 - t0) if t1 > t0 else 0:.0f}{detail}")
    return ok


def sniff_open(iface):
    """A packet socket on iface (root only), to see what the server sent."""
    if not iface:
        return None
    p = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    p.bind((iface, 0))
    p.setblocking(False)
    return p


def sniff_refusal(p, host, port, secs=1.0):
    """What host answered our SYN to port with: "rst", "icmp" (a
    destination unreachable) or None, from the frames seen on p."""
    src = socket.inet_aton(host)
    end = now() + secs
    while now() < end:
        try:
            f = p.recv(65536)
        except BlockingIOError:
            time.sleep(0.01)
            continue
        if len(f) < 34 or f[12:14] != b"\x08\x00" or f[26:30] != src:
            continue
        ihl = (f[14] & 0x0F) * 4
        l4 = f[14 + ihl:]
        if f[23] == 6 and len(l4) >= 14 and int.from_bytes(l4[0:2], "big") == port \
                and l4[13] & 0x04:
            return "rst"
        if f[23] == 1 and len(l4) >= 1 and l4[0] == 3:
            return "icmp"
    return None


def cmd_refused(a):
    sniff = sniff_open(a.iface)
    s = socket.socket()
    s.settimeout(a.timeout)
    t0 = now()
    try:
        s.connect((a.host, a.port))
        res, ok = "connected", False
    except ConnectionRefusedError:
        res, ok = "ECONNREFUSED", True
    except OSError as e:
        res, ok = repr(e), False
    t1 = now()
    s.close()
    ok = ok and (t1 - t0) * 1000 < a.within_ms
    how = ""
    if sniff:
        # RFC 9293 3.10.7.1: a SYN to a closed port is answered by a RST
        # (Linux reports an ICMP port unreachable as ECONNREFUSED too).
        got = sniff_refusal(sniff, a.host, a.port)
        sniff.close()
        how = f" answer={got}"
        ok = ok and got == "rst"
    print(f"{'ok' if ok else 'error'} refused port={a.port} result={res}{how} "
          f"ms={(t1 - t0) * 1000:.1f}")
    return ok


def cmd_discard(a):
    deadline = now() + a.timeout
    block = random.Random(a.seed).randbytes(CHUNK)
    t0 = now()
    s = connect(a.host, a.port or 9, deadline)
    off = 0
    while off < a.bytes:
        s.settimeout(max(0.01, deadline - now()))
        off += s.send(block[:min(CHUNK, a.bytes - off)])
    s.shutdown(socket.SHUT_WR)
    extra = wait_eof(s, deadline)
    t1 = now()
    s.close()
    ok = extra == 0
    print(f"{'ok' if ok else 'error'} discard bytes={off} extra={extra} secs={t1 - t0:.2f} "
          f"mbit={mbit(off, t1 - t0):.1f}")
    return ok


def chargen_pattern():
    """RFC 864: 95 lines of 72 characters from the printable ASCII ring,
    each line starting one character later, ended by CR LF."""
    chars = bytes(range(32, 127))
    out = bytearray()
    for line in range(95):
        out += bytes(chars[(line + col) % 95] for col in range(72)) + b"\r\n"
    return bytes(out)


def cmd_chargen(a):
    deadline = now() + a.timeout
    pat = chargen_pattern()
    t0 = now()
    s = connect(a.host, a.port or 19, deadline)
    buf = bytearray()
    while len(buf) < a.bytes:
        s.settimeout(max(0.01, deadline - now()))
        d = s.recv(CHUNK)
        if not d:
            break
        buf += d
    t1 = now()
    s.close()
    got = bytes(buf[:a.bytes])
    # Servers may start at any line of the ring (busybox starts at line 0
    # too, but RFC 864 does not say where); find the first line's place.
    start = pat.find(got[:74]) if len(got) >= 74 else -1
    ok = len(got) == a.bytes and start >= 0 and start % 74 == 0
    if ok:
        ring = pat * (a.bytes // len(pat) + 2)
        ok = ring[start:start + a.bytes] == got
    first = got[:72].decode("ascii", "replace")
    print(f"{'ok' if ok else 'error'} chargen bytes={len(got)} first_line={first!r} "
          f"secs={t1 - t0:.2f} mbit={mbit(len(got), t1 - t0):.1f}")
    return ok


def cmd_udp(a):
    data = random.Random(a.seed).randbytes(a.bytes)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(1.0)
    t0 = now()
    got, tries = None, 0
    while got is None and tries < 5:
        tries += 1
        s.sendto(data, (a.host, a.port or 7))
        try:
            got, _src = s.recvfrom(65536)
        except socket.timeout:
            pass
    t1 = now()
    s.close()
    ok = got == data
    print(f"{'ok' if ok else 'error'} udp bytes={a.bytes} tries={tries} "
          f"same={got == data} ms={(t1 - t0) * 1000:.1f}")
    return ok


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--timeout", type=float, default=120.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--within-ms", type=float, default=500.0)
    p.add_argument("--read-delay", type=float, default=0.0)
    p.add_argument("--iface", default="", help="refused: check the answer on this interface")
    p.add_argument("--port", type=int, default=0, help="the server's port (0: the service's own)")
    p.add_argument("--parallel", type=int, default=8, help="churn: connections at a time")
    sub = p.add_subparsers(dest="cmd", required=True)
    for name, extra in (("echo", ["bytes"]), ("many", ["n", "bytes"]), ("refused", ["port"]),
                        ("discard", ["bytes"]), ("chargen", ["bytes"]), ("udp", ["bytes"]),
                        ("churn", ["n", "bytes"])):
        sp = sub.add_parser(name)
        sp.add_argument("host")
        for e in extra:
            sp.add_argument(e, type=int)
    a = p.parse_args()
    try:
        ok = globals()["cmd_" + a.cmd](a)
    except (OSError, TimeoutError, ConnectionError) as e:
        print(f"error {a.cmd} exception={e!r}")
        ok = False
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

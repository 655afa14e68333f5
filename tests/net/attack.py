#!/usr/bin/env python3
"""tests/net/attack.py: forged frames against a skiff guest (apps/httpd) on
a tap, layer by layer, with scapy; run inside the namespace by
tests/net/attack.sh.

Each group sends its frames, waits until the guest's rx counter has seen
them (bounded), and checks:
  - the guest's counters (httpd's /stats JSON: drops by reason, TCP and
    other stack counters) moved by exactly what the frames must cause
    (EXPECT: a counter, or a set of counters summed, and a count); and,
    for groups whose frames each end in a drop or a known answer, that
    every frame the guest received is accounted for that way;
  - the guest still answers ping (the host's ping(8)) and HTTP (curl GET
    /612.html, byte for byte against apps/httpd/www/612.html).
Most frames come from FAKE_IP, an address announced to the guest with a
locally administered MAC nobody owns: what the guest answers (SYN-ACKs,
RSTs, ICMP errors) goes to that MAC and no host stack reacts to it.
RFC 5961 and the ICMP-error cases forge segments of a real Linux
connection (the host's socket) and check that it survives.

Output: one "PASS attack: GROUP: DETAIL" or "FAIL attack: GROUP: DETAIL"
line per check; exit status 1 if any failed.
"""
import argparse
import os
import random
import socket
import struct
import subprocess
import sys
import time

import flood_client  # tests/net/, next to this file: its /stats fetch
from scapy.all import ARP, ICMP, IP, TCP, UDP, AsyncSniffer, Ether, Raw, conf, get_if_hwaddr, srp1

conf.verb = 0
FAKE_MAC = "02:00:00:5e:00:99"
FAILED = 0


def say(ok, group, detail):
    global FAILED
    if not ok:
        FAILED += 1
    print(f"{'PASS' if ok else 'FAIL'} attack: {group}: {detail}", flush=True)


class Guest:
    def __init__(self, a):
        self.a = a
        self.ip = a.guest
        self.host = a.host
        self.fake = a.fake
        self.iface = a.iface
        self.hmac = get_if_hwaddr(a.iface)
        r = srp1(Ether(dst="ff:ff:ff:ff:ff:ff", src=self.hmac) /
                 ARP(op=1, hwsrc=self.hmac, psrc=self.host, pdst=self.ip),
                 iface=self.iface, timeout=10, retry=3)
        if r is None:
            raise SystemExit("attack: the guest does not answer ARP")
        self.gmac = r[ARP].hwsrc
        self.sock = conf.L2socket(iface=self.iface)
        with open(os.path.join(a.www, "612.html"), "rb") as f:
            self.page = f.read()

    def announce(self):
        """Tell the guest FAKE_IP is at FAKE_MAC (an ARP reply to it)."""
        self.sock.send(Ether(dst=self.gmac, src=FAKE_MAC) /
                       ARP(op=2, hwsrc=FAKE_MAC, psrc=self.fake, hwdst=self.gmac, pdst=self.ip))
        time.sleep(0.3)

    def eth(self, src=None, **kw):
        return Ether(dst=self.gmac, src=src or FAKE_MAC, **kw)

    def send(self, frames, pace=50):
        """Send raw frames (bytes or packets), pace per 20 ms burst."""
        for i, f in enumerate(frames):
            self.sock.send(f if not isinstance(f, (bytes, bytearray)) else Raw(bytes(f)))
            if i % pace == pace - 1:
                time.sleep(0.02)

    def stats(self):
        """httpd's /stats, flattened: counter name -> value."""
        j = flood_client.stats(self.ip)
        flat = {}
        flat.update(j["tcp"])
        flat.update(j["drops"])
        flat.update(j["net_other"])
        eth0 = [i for i in j["interfaces"] if i["name"] == "eth0"][0]
        flat["rx_packets"] = eth0["rx_packets"]
        flat["rx_dropped"] = eth0["rx_dropped"]	# input drops only, once per frame
        flat["heap_in_use"] = j["memory"]["heap_in_use"]
        flat["pkt_in_use"] = j["packet_buffers_in_use"]
        return flat

    def alive(self, group):
        p = subprocess.run(["ping", "-c", "1", "-W", "5", self.ip], capture_output=True, text=True)
        c = subprocess.run(["curl", "-sS", "--max-time", "30", f"http://{self.ip}/612.html"],
                           capture_output=True)
        if p.returncode != 0:
            say(False, group, "the guest no longer answers ping")
        elif c.returncode != 0 or c.stdout != self.page:
            say(False, group, f"GET /612.html not byte-exact (curl {c.returncode}, {len(c.stdout)} bytes)")
        else:
            say(True, group, "still answers ping and GET /612.html byte-exact")


def delta(a, b, bg=None):
    """b - a per counter, less bg's share (a /stats request's own moves)."""
    bg = bg or {}
    keys = set(a) | set(b)
    d = {k: b.get(k, 0) - a.get(k, 0) - bg.get(k, 0) for k in keys}
    return {k: v for k, v in d.items() if v}


DROP_IGNORE = set()


def run_group(g, name, frames, expect, accounted=None, received=None, settle=None, pace=50, strict=True,
              wait_rx=None, if_drops=False):
    """Send frames; check the counters moved as expect says.

    expect: list of (counter or tuple of counters, count): the delta (summed
    over a tuple) must equal count. Any DROP_* counter not named in expect
    must stay still. accounted: a tuple of counters whose deltas summed
    with every DROP_* delta (with if_drops: eth0's rx_dropped, which counts
    each dropped input frame once and no suppressed answer) must equal the
    frames the guest received (rx delta less the stats requests' own
    packets). received: frames that must
    reach the guest (default: all). wait_rx: frames to wait for (default:
    all; fewer when the path may drop some). Every delta is net of what one
    /stats request moves by itself (g.bg)."""
    g.announce()
    before = g.stats()
    g.send(frames, pace)
    want_rx = len(frames) if wait_rx is None else wait_rx
    deadline = time.time() + 30
    def accounted_for(d):
        drops = d.get("rx_dropped", 0) if if_drops else sum(v for k, v in d.items() if k.startswith("DROP_"))
        return drops + sum(d.get(c, 0) for c in accounted)

    # /stats may be read while the network thread is inside a pass: the
    # driver has counted a frame the stack has not finished with yet. So
    # the wait also lasts until the accounting has caught up (bounded).
    while True:
        time.sleep(settle or 0.5)
        after = g.stats()
        d = delta(before, after, g.bg)
        rx = d.get("rx_packets", 0)
        caught_up = accounted is None or abs(accounted_for(d) - rx) <= 2
        if (rx >= want_rx and caught_up) or time.time() > deadline:
            break
    if os.environ.get("ATTACK_DEBUG"):
        print(f"attack: {name}: deltas {dict(sorted(d.items()))}", flush=True)
    ok = True
    named = set()
    for ctr, n in expect:
        names = ctr if isinstance(ctr, tuple) else (ctr,)
        named.update(names)
        got = sum(d.get(c, 0) for c in names)
        if got != n:
            say(False, name, f"{'+'.join(names)} moved by {got}, want {n}")
            ok = False
    stray = {k: v for k, v in d.items() if k.startswith("DROP_") and k not in named and k not in DROP_IGNORE}
    if stray and strict:
        say(False, name, f"unexpected drops: {stray}")
        ok = False
    if received is not None and abs(rx - received) > 2:
        say(False, name, f"the guest received {rx} frames, want {received}")
        ok = False
    if accounted is not None:
        acc = accounted_for(d)
        if abs(acc - rx) > 2:
            say(False, name, f"{rx} frames received, {acc} accounted for (drops + {'+'.join(accounted)})")
            ok = False
    if ok:
        shown = {k: v for k, v in sorted(d.items()) if k.startswith(("DROP_", "TCP_CHALL", "ICMP_", "TCP_BAD",
                                                                       "TCP_PMTU", "TCP_RST", "IP_"))}
        say(True, name, f"{len(frames)} frames, guest received {rx}; counters {shown}")
    g.alive(name)
    return d


def ipb(g, src=None, **kw):
    return IP(src=src or g.fake, dst=g.ip, **kw)


# ---- groups ----

def g_runts(g):
    # Frames cut inside the Ethernet header, or right after it: dropped at
    # the link or by IPv4 or ARP as short or malformed (a NIC model may pad
    # a runt to 60 octets, which turns a short header into a bad one).
    mac = bytes.fromhex(g.gmac.replace(":", ""))
    src = bytes.fromhex(FAKE_MAC.replace(":", ""))
    frames = [mac[:1], mac[:5], mac, mac + src[:3], mac + src + b"\x08",
              mac + src + b"\x08\x00", mac + src + b"\x08\x06", mac + src + b"\x08\x00\x45\x00\x00"]
    fam = ("DROP_ETH_SHORT", "DROP_ETH_NOT_FOR_US", "DROP_ETH_TYPE", "DROP_ETH_BAD_SRC",
           "DROP_IP_SHORT", "DROP_IP_VERSION", "DROP_IP_BAD_LEN", "DROP_IP_BAD_IHL", "DROP_IP_CHECKSUM",
           "DROP_ARP_SHORT", "DROP_ARP_BAD_HDR", "DROP_ARP_BAD_OP")
    run_group(g, "runts", frames, [(fam, len(frames))], accounted=())


def g_giants(g):
    # Larger than the link's MTU: QEMU may drop them before the guest; those
    # that arrive are dropped or answered, never mishandled.
    frames = []
    for size in (1515, 1518, 1600, 1900, 2100, 4000, 9000):
        frames.append(g.eth() / ipb(g) / ICMP(id=7, seq=size) / Raw(b"G" * (size - 14 - 28)))
    # An IP total length past the frame and a frame longer than the datagram.
    frames.append(g.eth() / ipb(g, len=1500) / ICMP(id=7, seq=1) / Raw(b"g" * 64))
    run_group(g, "giants", frames, [("DROP_IP_BAD_LEN", 1)], accounted=("ICMP_ECHO_REPLIED",),
              wait_rx=0, settle=2.0)


def g_lengths(g):
    e = g.eth
    pad = Raw(b"\0" * 40)
    cases = [
        (e(type=0x0010) / Raw(b"x" * 50), "DROP_ETH_TYPE"),                         # 802.3 length
        (e(type=0x0800) / Raw(bytes([0x44]) + bytes(59)), "DROP_IP_BAD_IHL"),      # IHL 4
        (e(type=0x0800) / Raw(bytes(IP(src=g.fake, dst=g.ip, ihl=15, len=60))[:20] + bytes(10)),
         "DROP_IP_BAD_IHL"),                                                      # IHL 15, 46 octets
        (e() / ipb(g, len=400) / UDP(dport=9) / pad, "DROP_IP_BAD_LEN"),           # past the frame
        (e() / ipb(g, len=12, ihl=5) / pad, "DROP_IP_BAD_LEN"),                    # below the IHL
        (e() / ipb(g, chksum=0x1234) / ICMP() / pad, "DROP_IP_CHECKSUM"),
        (e() / ipb(g, version=6) / ICMP() / pad, "DROP_IP_VERSION"),
        (e() / ipb(g, proto=17) / Raw(b"\x12\x34\x00\x09"), "DROP_UDP_SHORT"),
        (e() / ipb(g) / UDP(dport=9, len=200) / Raw(b"u" * 20), "DROP_UDP_BAD_LEN"),
        (e() / ipb(g) / UDP(dport=9, len=4) / Raw(b"u" * 20), "DROP_UDP_BAD_LEN"),
        (e() / ipb(g) / UDP(dport=9, chksum=0x4321) / Raw(b"u" * 20), "DROP_UDP_CHECKSUM"),
        (e() / ipb(g, proto=6) / Raw(b"\x12\x34\x00\x50" + bytes(6)), "DROP_TCP_SHORT"),
        (e() / ipb(g) / TCP(dport=80, dataofs=4) / pad, "DROP_TCP_BAD_OFF"),
        (e() / ipb(g) / TCP(dport=80, dataofs=15) / Raw(b"t" * 8), "DROP_TCP_BAD_OFF"),
        (e() / ipb(g) / TCP(dport=80, chksum=0x1111) / pad, "DROP_TCP_CHECKSUM"),
        (e() / ipb(g, proto=1) / Raw(b"\x08\x00"), "DROP_ICMP_SHORT"),
        (e() / ipb(g) / ICMP(chksum=0x2222) / pad, "DROP_ICMP_CHECKSUM"),
        (e() / ARP(hwlen=7, pdst=g.ip, psrc=g.fake), "DROP_ARP_BAD_HDR"),
        (e() / ARP(plen=5, pdst=g.ip, psrc=g.fake), "DROP_ARP_BAD_HDR"),
        (e() / ARP(op=9, pdst=g.ip, psrc=g.fake, hwsrc=FAKE_MAC), "DROP_ARP_BAD_OP"),
        (e(type=0x0806) / Raw(b"\x00\x01\x08\x00\x06"), "DROP_ARP_SHORT"),    # cut after hlen
    ]
    exp = {}
    for _, why in cases:
        exp[why] = exp.get(why, 0) + 1
    run_group(g, "lengths", [c for c, _ in cases], list(exp.items()), accounted=())


def g_ipopts(g):
    # RFC 1122 3.2.1.8: options are skipped; an option of length 0 or 1
    # (which would never advance a parser) must not hang or reject.
    frames = []
    for opts in (b"\x07\x00\x00\x00", b"\x07\x01\x00\x00", b"\x83\x00\x00\x00", b"\x44\x01\x01\x01",
                 b"\x07\x28" + bytes(38), b"\x01" * 39 + b"\x00", b"\x00" * 40, b"\x94\x00\x00\x00"):
        ihl = 5 + len(opts) // 4
        frames.append(g.eth() / IP(src=g.fake, dst=g.ip, ihl=ihl, options=[]) / ICMP(id=9, seq=ihl))
        # scapy does not take raw options: splice them in by hand.
        raw = bytearray(bytes(frames[-1]))
        ip = raw[14:]
        hdr = bytearray(ip[:20]) + bytearray(opts)
        hdr[0] = 0x40 | ihl
        body = ip[20:]
        tot = len(hdr) + len(body)
        hdr[2:4] = struct.pack("!H", tot)
        hdr[10:12] = b"\0\0"
        hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
        frames[-1] = bytes(raw[:14]) + bytes(hdr) + bytes(body)
    run_group(g, "ip_options", frames, [("ICMP_ECHO_REPLIED", len(frames))], accounted=("ICMP_ECHO_REPLIED",))


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(f"!{len(b) // 2}H", b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def frag_raw(g, ident, off8, mf, payload, ihl=5, proto=1):
    """One IPv4 fragment as bytes: offset in 8-octet units."""
    hdr = bytearray(20 + (ihl - 5) * 4)
    hdr[0] = 0x40 | ihl
    struct.pack_into("!HHHBBH4s4s", hdr, 2, len(hdr) + len(payload), ident, (0x2000 if mf else 0) | off8,
                     64, proto, 0, socket.inet_aton(g.fake), socket.inet_aton(g.ip))
    if ihl > 5:
        hdr[20:] = b"\x01" * (len(hdr) - 21) + b"\x00"
    struct.pack_into("!H", hdr, 10, csum(bytes(hdr)))
    return bytes(g.eth(type=0x0800))[:14] + bytes(hdr) + payload


def echo_bytes(ident, n, fill=b"F"):
    body = (fill * n)[:n]
    h = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
    c = csum(h + body)
    return struct.pack("!BBHHH", 8, 0, c, ident, 1) + body


def g_frags(g):
    frames, exp = [], {}

    def want(k, n=1):
        exp[k] = exp.get(k, 0) + n
    # Overlap with the same bytes: RFC 791 reassembly takes it; echo answered.
    e = echo_bytes(0x101, 200)
    frames += [frag_raw(g, 0x101, 0, True, e[:96]), frag_raw(g, 0x101, 8, True, e[64:160]),
               frag_raw(g, 0x101, 16, False, e[128:])]
    want("IP_REASS_OK")
    want("ICMP_ECHO_REPLIED")
    # Overlap with different bytes: the later wins, the ICMP checksum fails.
    e = echo_bytes(0x102, 200)
    frames += [frag_raw(g, 0x102, 0, True, e[:96]), frag_raw(g, 0x102, 8, True, b"X" * 96),
               frag_raw(g, 0x102, 20, False, e[160:])]
    want("IP_REASS_OK")
    want("DROP_ICMP_CHECKSUM")
    # Teardrop: a last fragment inside the first one's data.
    frames += [frag_raw(g, 0x103, 0, True, echo_bytes(0x103, 40)), frag_raw(g, 0x103, 3, False, b"T" * 4)]
    want("DROP_REASS_BAD_FRAG")
    # A fragment past 65535 (oversized) on its own.
    frames += [frag_raw(g, 0x104, 8189, False, b"O" * 64)]
    want("DROP_REASS_OVERSIZE")
    # Ping of death: 65535 + 8 octets of ICMP in 1480-octet pieces.
    pod = echo_bytes(0x105, 65536 - 20 - 8 + 8)
    for off in range(0, len(pod), 1480):
        frames.append(frag_raw(g, 0x105, off // 8, off + 1480 < len(pod), pod[off:off + 1480]))
    want("DROP_REASS_OVERSIZE")
    # The same end, but fragment zero (with 40 octets of options) comes
    # last: 65512 octets of data fit after a 20-octet header, not after 60.
    pod2 = echo_bytes(0x106, 65512 - 8)
    pieces = [(off, pod2[off:off + 1480]) for off in range(0, len(pod2), 1480)]
    for off, piece in pieces[1:]:
        frames.append(frag_raw(g, 0x106, off // 8, off + 1480 < len(pod2), piece))
    frames.append(frag_raw(g, 0x106, 0, True, pieces[0][1], ihl=15))
    want("DROP_REASS_OVERSIZE")
    # A non-last fragment whose length is not a multiple of 8.
    frames += [frag_raw(g, 0x107, 0, True, b"N" * 13)]
    want("DROP_REASS_BAD_FRAG")
    # Two different ends.
    frames += [frag_raw(g, 0x108, 2, False, b"A" * 16), frag_raw(g, 0x108, 4, False, b"B" * 16)]
    want("DROP_REASS_BAD_FRAG")
    # An exact duplicate.
    d = frag_raw(g, 0x109, 4, True, b"D" * 16)
    frames += [d, d]
    want("DROP_REASS_DUP")
    run_group(g, "fragments", frames, list(exp.items()), settle=1.0)


def real_conn(g):
    """A Linux client connection to the guest that has served one request;
    returns the socket and its (sport, seq, ack) learnt by sniffing."""
    sn = AsyncSniffer(iface=g.iface, filter=f"tcp and host {g.ip} and port 80", store=True)
    sn.start()
    time.sleep(0.5)
    s = socket.create_connection((g.ip, 80), timeout=20)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sport = s.getsockname()[1]
    get_page(g, s)
    time.sleep(0.5)
    sn.stop()
    ours = [p for p in sn.results if TCP in p and (p[TCP].sport == sport or p[TCP].dport == sport)]
    to_g = [p for p in ours if p[IP].dst == g.ip]
    from_g = [p for p in ours if p[IP].src == g.ip]
    last_in = to_g[-1][TCP]
    last_out = from_g[-1][TCP]
    rcv_nxt = last_in.seq + tlen(last_in) + (1 if last_in.flags & 0x3 else 0)
    snd_nxt = last_out.seq + tlen(last_out) + (1 if last_out.flags & 0x3 else 0)
    return s, sport, rcv_nxt, snd_nxt


def get_page(g, s):
    s.sendall(b"GET /612.html HTTP/1.1\r\nHost: g\r\n\r\n")
    buf = b""
    while b"\r\n\r\n" not in buf or len(buf.split(b"\r\n\r\n", 1)[1]) < len(g.page):
        c = s.recv(65536)
        if not c:
            raise OSError("connection closed")
        buf += c
    return buf.split(b"\r\n\r\n", 1)[1] == g.page


def conn_survives(g, s, name):
    try:
        ok = get_page(g, s)
    except OSError as e:
        say(False, name, f"the Linux client's connection died: {e}")
        return
    say(ok, name, "the Linux client's connection still serves GET /612.html byte-exact")


def g_icmp_errors(g):
    s, sport, rcv_nxt, snd_nxt = real_conn(g)

    def quote(sp, dp, seq, n=20):
        t = bytes(TCP(sport=sp, dport=dp, seq=seq, flags="A"))
        return bytes(IP(src=g.ip, dst=g.host, proto=6, len=20 + len(t)))[:20] + t[:n]

    e = lambda: Ether(dst=g.gmac, src=g.hmac) / IP(src=g.host, dst=g.ip)  # noqa: E731
    frames = [
        # A connection that does not exist.
        e() / ICMP(type=3, code=3) / Raw(quote(80, 45000, 1)),
        e() / ICMP(type=3, code=4, nexthopmtu=68) / Raw(quote(80, 45001, 1)),
        # The real one, with a sequence number it never sent (RFC 5927 4.1).
        e() / ICMP(type=3, code=1) / Raw(quote(80, sport, (snd_nxt + 100000) % 2**32)),
        e() / ICMP(type=3, code=4, nexthopmtu=300) / Raw(quote(80, sport, (snd_nxt - 3000000) % 2**32)),
        # A quote too short to hold the ports and sequence number.
        e() / ICMP(type=3, code=1) / Raw(quote(80, sport, snd_nxt, n=4)),
        # Source quench and time exceeded with a forged quote.
        e() / ICMP(type=11, code=0) / Raw(quote(80, 45002, 1)),
    ]
    d = run_group(g, "icmp_errors", frames,
                  [("DROP_ICMP_TCP_NO_CONN", 3), ("DROP_ICMP_TCP_SEQ", 2), ("DROP_ICMP_BAD_QUOTE", 1),
                   ("ICMP_ERROR_IN", 6), ("TCP_ICMP_ABORT", 0)])
    conn_survives(g, s, "icmp_errors_conn")
    s.close()
    return d


def g_icmp_inflight(g):
    """ICMP errors quoting a sequence number in flight: a peer the test
    plays from FAKE_IP asks for /1m.bin and acknowledges nothing, then a
    forged "fragmentation needed" with a next-hop MTU of 68 and a forged
    port unreachable quote the first unacknowledged segment."""
    sport = 36000 + random.randint(0, 999)
    g.announce()
    sn = live_sniffer(g, sport)
    before = g.stats()
    req = b"GET /1m.bin HTTP/1.1\r\nHost: g\r\n\r\n"
    iss = fake_open(g, sn, sport, 900, 65535, [("MSS", 1460)], req)
    if iss is None:
        say(False, "icmp_inflight", "no SYN-ACK")
        sn.stop()
        return
    una = (iss + 1) % 2**32
    first = wait_seg(sn, lambda t: t.seq == una and tlen(t) > 1000, 10)
    if first is None:
        say(False, "icmp_inflight", "no data after the request")
        sn.stop()
        return

    def err(code, mtu=0):
        q = bytes(IP(src=g.ip, dst=g.fake, proto=6, len=40 + tlen(first)))[:20] + \
            bytes(TCP(sport=80, dport=sport, seq=una, ack=901 + len(req), flags="A"))[:8]
        return Ether(dst=g.gmac, src=g.hmac) / IP(src=g.host, dst=g.ip) / \
            ICMP(type=3, code=code, nexthopmtu=mtu) / Raw(q)
    n0 = len(sn.seen)
    g.send([err(4, 68), err(3)])
    # RFC 1191 6.2 / RFC 5927 7.2: the MSS drops to the 576-octet floor's
    # 536, and the lost segment goes again at that size at once.
    again = wait_seg(sn, lambda t: t.seq == una and 0 < tlen(t) <= 536, 10)
    time.sleep(1)
    after = g.stats()
    d = delta(before, after)
    big = [t for t in list(sn.seen)[n0:] if tlen(t) > 536]
    say(again is not None and not big and d.get("TCP_PMTU_REDUCED", 0) == 1 and d.get("TCP_ICMP_SOFT", 0) == 1
        and not d.get("TCP_ICMP_ABORT") and not d.get("TCP_ESTAB_RESET"), "icmp_inflight",
        f"resent at {tlen(again) if again else None} octets, {len(big)} segments above 536 after it; "
        f"TCP_PMTU_REDUCED {d.get('TCP_PMTU_REDUCED', 0)}, TCP_ICMP_SOFT {d.get('TCP_ICMP_SOFT', 0)}, "
        f"TCP_ICMP_ABORT {d.get('TCP_ICMP_ABORT', 0)} (want 1, 1, 0)")
    g.send([g.eth() / ipb(g) / TCP(sport=sport, dport=80, flags="R", seq=901 + len(req))])
    sn.stop()
    g.alive("icmp_inflight")


def sniff_start(g, sport):
    sn = AsyncSniffer(iface=g.iface, filter=f"tcp and src host {g.ip} and dst port {sport}", store=True)
    sn.start()
    time.sleep(0.5)
    return sn


def g_rfc5961(g):
    s, sport, rcv_nxt, snd_nxt = real_conn(g)
    e = lambda: Ether(dst=g.gmac, src=g.hmac) / IP(src=g.host, dst=g.ip)  # noqa: E731
    sn = sniff_start(g, sport)
    frames = [
        # 3.2: RST outside the window: silently dropped.
        e() / TCP(sport=sport, dport=80, seq=(rcv_nxt + 0x40000000) % 2**32, flags="R"),
        e() / TCP(sport=sport, dport=80, seq=(rcv_nxt - 0x40000000) % 2**32, flags="RA", ack=snd_nxt),
        # 3.2: RST in the window but not at RCV.NXT: a challenge ACK.
        e() / TCP(sport=sport, dport=80, seq=(rcv_nxt + 1) % 2**32, flags="R"),
        # 4.2: SYN in a synchronized state, in or out of the window: challenge ACK
        # (both counted, and limited, as challenge ACKs).
        e() / TCP(sport=sport, dport=80, seq=(rcv_nxt + 5) % 2**32, flags="S"),
        e() / TCP(sport=sport, dport=80, seq=(rcv_nxt - 0x20000000) % 2**32, flags="S"),
        # 5.2: ACK of data never sent: dropped, and an ACK back.
        e() / TCP(sport=sport, dport=80, seq=rcv_nxt, ack=(snd_nxt + 0x10000000) % 2**32, flags="A"),
        # Data outside the window: dropped, and an ACK back (RFC 9293 3.10.7.4).
        e() / TCP(sport=sport, dport=80, seq=(rcv_nxt + 0x50000000) % 2**32, ack=snd_nxt, flags="PA") / Raw(b"GET / "),
    ]
    d = run_group(g, "rfc5961", frames,
                  [("DROP_TCP_OUT_OF_WINDOW", 4), ("DROP_TCP_BAD_FLAGS", 1), ("DROP_TCP_BAD_ACK", 1),
                   ("TCP_RST_IN", 0), ("TCP_ESTAB_RESET", 0),
                   (("TCP_CHALLENGE_ACK", "TCP_CHALLENGE_ACK_LIMITED"), 4)])
    sn.stop()
    acks = [p[TCP] for p in sn.results if TCP in p and p[TCP].flags == "A" and p[TCP].seq == snd_nxt
            and p[TCP].ack == rcv_nxt]
    say(len(acks) >= 3, "rfc5961_challenge_ack",
        f"{len(acks)} ACKs <SEQ=SND.NXT><ACK=RCV.NXT> seen on the wire (challenge and out-of-window ACKs, want >= 3)")
    conn_survives(g, s, "rfc5961_conn")
    s.close()
    return d


def g_tcp_flags(g):
    frames = []
    for port in (80, 81):
        for f in range(64):
            frames.append(g.eth() / ipb(g) / TCP(sport=20000 + port * 64 + f, dport=port, flags=f,
                                                  seq=1000 + f, ack=5000 if f & 0x10 else 0, window=1024))
    # RFC 9293 3.10.7.1 (CLOSED, port 81): a RST is dropped; anything
    # else is answered with a RST. 3.10.7.2 (LISTEN, port 80): RST
    # ignored, ACK answered with a RST, SYN opens, the rest dropped; a SYN
    # with FIN is dropped (net/tcp_in.c's deviation, as Linux does).
    run_group(g, "tcp_flags", frames, [("DROP_TCP_NO_PCB", 64), ("DROP_TCP_LISTEN_RST", 32),
                                       ("DROP_TCP_BAD_ACK", 16), ("DROP_TCP_BAD_FLAGS", 8),
                                       ("DROP_TCP_SYN_FIN", 4), ("TCP_SYN_RECEIVED", 4)],
              accounted=("TCP_SYN_RECEIVED",))


def fake_open(g, sn, sport, seq, window, options, req):
    """As a peer at FAKE_IP:sport: SYN (ISN seq, the given window and
    options), then the ACK and req with that window. The guest's ISS, or
    None when no SYN-ACK came."""
    g.send([g.eth() / ipb(g) / TCP(sport=sport, dport=80, flags="S", seq=seq, window=window, options=options)])
    synack = wait_seg(sn, lambda t: t.flags == "SA", 10)
    if synack is None:
        return None
    iss = synack.seq
    g.send([g.eth() / ipb(g) / TCP(sport=sport, dport=80, flags="A", seq=seq + 1, ack=iss + 1, window=window),
            g.eth() / ipb(g) / TCP(sport=sport, dport=80, flags="PA", seq=seq + 1, ack=iss + 1, window=window) /
            Raw(req)])
    return iss


def g_windows(g):
    """Zero and huge windows from a peer the test plays by hand."""
    sport = 33000 + random.randint(0, 999)
    g.announce()
    before = g.stats()
    sn = live_sniffer(g, sport)
    req = b"GET /612.html HTTP/1.1\r\nHost: g\r\n\r\n"
    # Zero window: the guest may send nothing but window probes.
    iss = fake_open(g, sn, sport, 100, 0, [("MSS", 1460)], req)
    if iss is not None:
        time.sleep(3)
        data = [t for t in segs(sn) if tlen(t) > 1]
        ok = not data
        say(ok, "zero_window", f"no data past a zero window in 3 s ({len(data)} data segments: "
            f"{[(t.seq - iss, tlen(t), str(t.flags)) for t in data][:6]})")
        # The window opens: the response comes.
        g.send([g.eth() / ipb(g) / TCP(sport=sport, dport=80, flags="A", seq=101 + len(req), ack=iss + 1,
                                       window=65535)])
        got = wait_seg(sn, lambda t: tlen(t) > 600, 10)
        say(got is not None, "zero_window_open", "the response followed the window update")
        g.send([g.eth() / ipb(g) / TCP(sport=sport, dport=80, flags="R", seq=101 + len(req))])
    else:
        say(False, "zero_window", "no SYN-ACK to a SYN with window 0")
    sn.stop()
    # Huge window: scale 14 (RFC 7323 2.3's largest) and 65535: 1 GiB.
    sport += 1
    sn = live_sniffer(g, sport)
    req = b"GET /1m.bin HTTP/1.1\r\nHost: g\r\n\r\n"
    iss = fake_open(g, sn, sport, 500, 65535, [("MSS", 1460), ("WScale", 14), ("SAckOK", b"")], req)
    if iss is not None:
        time.sleep(3)
        data = [t for t in segs(sn) if tlen(t) > 0]
        big = max((tlen(t) for t in data), default=0)
        say(data and big <= 1460, "huge_window",
            f"{len(data)} data segments, none above the MSS (largest {big}) under a 1 GiB window")
        g.send([g.eth() / ipb(g) / TCP(sport=sport, dport=80, flags="R", seq=501 + len(req))])
    else:
        say(False, "huge_window", "no SYN-ACK to a SYN with window scale 14")
    sn.stop()
    time.sleep(1)
    after = g.stats()
    say(True, "windows", f"counters {dict(sorted((k, v) for k, v in delta(before, after).items() if k.startswith('DROP_')))}")
    g.alive("windows")


def live_sniffer(g, sport):
    """A sniffer of the guest's segments to sport; .seen fills as they come."""
    seen = []
    sn = AsyncSniffer(iface=g.iface, filter=f"tcp and src host {g.ip} and dst port {sport}", store=False,
                      prn=lambda p: seen.append(p[TCP]) if TCP in p else None)
    sn.seen = seen
    sn.start()
    time.sleep(0.5)
    return sn


def tlen(t):
    """A sniffed segment's data length (its IP length less the headers:
    scapy counts the Ethernet padding of short frames as payload)."""
    ip = t.underlayer
    return ip.len - ip.ihl * 4 - t.dataofs * 4


def segs(sn):
    return list(sn.seen)


def wait_seg(sn, pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        for t in list(sn.seen):
            if pred(t):
                return t
        time.sleep(0.2)
    return None


def g_tcp_opts(g):
    bad = [b"\x02\x00", b"\x02\x01", b"\x02\x03\x05", b"\x02\x28\x05\xb4", b"\x03\x02",
           b"\x04\x04\x00\x00", b"\x08\x02", b"\x05\x03\x00", b"\xfe\x00", b"\xfe\x01",
           b"\x01\x01\x01\x02", b"\x08\x0b" + bytes(9), b"\x05\x0a" + bytes(8), b"\x03\x04\x0e\x00"]
    frames = []
    for i, o in enumerate(bad):
        o = o + b"\x00" * (-len(o) % 4)
        t = bytearray(bytes(TCP(sport=41000 + i, dport=80, flags="S", seq=7, window=1024)))
        tb = t[:20] + o
        tb[12] = (len(tb) // 4) << 4
        tb[16:18] = b"\0\0"
        ph = socket.inet_aton(g.fake) + socket.inet_aton(g.ip) + struct.pack("!BBH", 0, 6, len(tb))
        tb[16:18] = struct.pack("!H", csum(ph + bytes(tb)))
        frames.append(g.eth() / IP(src=g.fake, dst=g.ip, proto=6) / Raw(bytes(tb)))
    # Each is a SYN that still opens (RFC 1122 4.2.2.5: a bad option is
    # ignored, not the segment); the malformed ones are counted.
    run_group(g, "tcp_options", frames, [("TCP_SYN_RECEIVED", len(frames)), ("TCP_BAD_OPTION", 13)],
              accounted=("TCP_SYN_RECEIVED",))


def l4_fix(proto, src, dst, b, rnd):
    """A random transport header made consistent: TCP's data offset within
    the segment, UDP's length, and the checksum of each."""
    ph = src + dst + struct.pack("!BBH", 0, proto, len(b))
    if proto == 6 and len(b) >= 20:
        b[12] = (rnd.randint(5, min(15, len(b) // 4)) << 4) | (b[12] & 0x0f)
        b[16:18] = b"\0\0"
        b[16:18] = struct.pack("!H", csum(ph + bytes(b)))
    elif proto == 17 and len(b) >= 8:
        b[4:6] = struct.pack("!H", len(b))
        b[6:8] = b"\0\0"
        b[6:8] = struct.pack("!H", csum(ph + bytes(b)) or 0xffff)
    elif proto == 1 and len(b) >= 4:
        b[2:4] = b"\0\0"
        b[2:4] = struct.pack("!H", csum(bytes(b)))
    return bytes(b)


def g_storm(g, n):
    rnd = random.Random(int(os.environ.get("ATTACK_SEED", "11")))
    frames = []
    mac = bytes.fromhex(g.gmac.replace(":", ""))
    src_mac = bytes.fromhex(FAKE_MAC.replace(":", ""))
    for _ in range(n):
        ln = rnd.randint(60, 1514)
        frames.append(mac + src_mac + bytes(rnd.getrandbits(8) for _ in range(ln - 12)))
    run_group(g, "random_storm", frames, [], accounted=(), pace=100, strict=False)
    # Random IPv4 datagrams that pass the header checks (version 4, IHL 5,
    # lengths consistent, checksum right, to the guest from a random
    # unicast source): what lies behind them is random but, for most, with
    # the transport's length and checksum right (a TCP header of random
    # length: random options), so every parser gets garbage past its
    # checks. Each is dropped by reason or taken (a SYN that opens, an
    # echo answered). ICMP errors are left out (their quotes
    # are checked in icmp_errors): one may be taken and still counted as
    # dropped further in, by the transport it quotes.
    frames = []
    gip = socket.inet_aton(g.ip)
    for _ in range(n):
        ln = rnd.randint(0, 1480)
        proto = rnd.choice((1, 6, 17, rnd.randrange(256)))
        src = struct.pack("!I", rnd.choice((rnd.randrange(0x0b000000, 0x7f000000),
                                            rnd.randrange(0x80000000, 0xe0000000))))
        body = bytes(rnd.getrandbits(8) for _ in range(ln))
        if proto == 1 and ln and body[0] in (3, 11):
            body = b"\x08" + body[1:]
        if proto == 6 and ln >= 20 and rnd.random() < 0.5:
            body = body[:2] + struct.pack("!H", 80) + body[4:]   # to the listener
        body = l4_fix(proto, src, gip, bytearray(body), rnd) if rnd.random() < 0.8 else body
        hdr = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ln, rnd.getrandbits(16), 0, 64, proto, 0,
                                    src, gip))
        hdr[10:12] = struct.pack("!H", csum(bytes(hdr)))
        frames.append(mac + src_mac + b"\x08\x00" + bytes(hdr) + body)
    run_group(g, "random_ip_storm", frames, [], pace=100, strict=False, if_drops=True,
              accounted=("TCP_SYN_RECEIVED", "ICMP_ECHO_REPLIED"))
    # Bit flips of valid frames: an echo request (single flips: every one
    # a drop by the checksums, or, in the source MAC, an answered echo).
    base = bytes(g.eth() / ipb(g) / ICMP(id=0x77, seq=3) / Raw(b"P" * 56))
    flipped = []
    for _ in range(n):
        b = bytearray(base)
        bit = rnd.randrange(6 * 8, len(b) * 8)
        b[bit // 8] ^= 1 << (bit % 8)
        flipped.append(bytes(b))
    run_group(g, "bitflip_storm", flipped, [], accounted=("ICMP_ECHO_REPLIED",), pace=100, strict=False)


GROUPS = ["runts", "giants", "lengths", "ipopts", "frags", "icmp_errors", "icmp_inflight", "tcp_flags", "rfc5961",
          "windows", "tcp_opts", "storm"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--iface", default="tap0")
    ap.add_argument("--guest", required=True)
    ap.add_argument("--host", required=True)
    ap.add_argument("--fake", required=True)
    ap.add_argument("--www", required=True)
    ap.add_argument("--storm", type=int, default=2000)
    ap.add_argument("--groups", default=",".join(GROUPS))
    a = ap.parse_args()
    g = Guest(a)
    # What one /stats request moves by itself (its segments, its SYN),
    # between two snapshots with nothing else going on.
    g.stats()
    s1 = g.stats()
    s2 = g.stats()
    g.bg = {k: v for k, v in delta(s1, s2).items() if k not in ("heap_in_use", "pkt_in_use")}
    first = s2
    for name in a.groups.split(","):
        fn = {"runts": g_runts, "giants": g_giants, "lengths": g_lengths, "ipopts": g_ipopts,
              "frags": g_frags, "icmp_errors": g_icmp_errors, "icmp_inflight": g_icmp_inflight,
              "tcp_flags": g_tcp_flags,
              "rfc5961": g_rfc5961, "windows": g_windows, "tcp_opts": g_tcp_opts,
              "storm": lambda g: g_storm(g, a.storm)}[name]
        fn(g)
    last = g.stats()
    print(f"attack: heap in use {first['heap_in_use']} -> {last['heap_in_use']} bytes, "
          f"packet buffers {first['pkt_in_use']} -> {last['pkt_in_use']}", flush=True)
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())

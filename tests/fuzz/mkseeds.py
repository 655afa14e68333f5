#!/usr/bin/env python3
"""tests/fuzz/mkseeds.py: write the seed corpora of tests/fuzz/NAME/ (seed-*
files; regress-* files are findings and are never touched).

Run from the repository root after changing an input format; the seeds
follow the formats in each tests/fuzz/fuzz_NAME.c header. Frames use the
addresses of tests/fuzz/fuzz_util.h and ask the harness to fix their
checksums (control bit 1), so they need none of their own.
"""
import os
import struct

US_MAC = bytes.fromhex("525400123456")
ETH1_MAC = bytes.fromhex("525400123457")
PEER_MAC = bytes.fromhex("525400aabbcc")
OTHER_MAC = bytes.fromhex("525400aabbdd")
BCAST = b"\xff" * 6
US, PEER, OTHER = "10.0.0.1", "10.0.0.2", "10.0.0.3"


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def eth(dst, src, etype, payload):
    return dst + src + struct.pack(">H", etype) + payload


def ipv4(src, dst, proto, payload, ident=1, frag=0x4000, ihl_opts=b""):
    ihl = 5 + len(ihl_opts) // 4
    hdr = struct.pack(">BBHHHBBH4s4s", 0x40 | ihl, 0, ihl * 4 + len(payload), ident, frag,
                      64, proto, 0, ip4(src), ip4(dst))
    return hdr + ihl_opts + payload


def arp(op, sha, spa, tha, tpa):
    return struct.pack(">HHBBH6s4s6s4s", 1, 0x0800, 6, 4, op, sha, ip4(spa), tha, ip4(tpa))


def tcp(sport, dport, seq, ack, flags, opts=b"", data=b"", wnd=65535):
    off = (20 + len(opts)) // 4
    return struct.pack(">HHIIBBHHH", sport, dport, seq, ack, off << 4, flags, wnd, 0, 0) + opts + data


def udp(sport, dport, data):
    return struct.pack(">HHHH", sport, dport, 8 + len(data), 0) + data


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack(">%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def icmp_echo(ident, seq, data):
    """With its checksum: a fragmented one is not fixed by the harness."""
    b = struct.pack(">BBHHH", 8, 0, 0, ident, seq) + data
    return b[:2] + struct.pack(">H", csum(b)) + b[4:]


SYN_OPTS = bytes.fromhex("020405b4" "0402" "080a0000000100000000" "01" "030307")


def dhcp_body(msg_type, xid=0, full=True):
    """A reply's options (full=False) or the whole message (full=True)."""
    opts = bytes([53, 1, msg_type, 54, 4]) + ip4("10.0.2.2") + bytes([51, 4]) + \
        struct.pack(">I", 600) + bytes([1, 4, 255, 255, 255, 0, 3, 4]) + ip4("10.0.2.2") + \
        bytes([6, 4]) + ip4("10.0.2.3") + b"\xff"
    if not full:
        return opts
    hdr = bytearray(240)
    hdr[0:4] = bytes([2, 1, 6, 0])
    hdr[4:8] = struct.pack(">I", xid)
    hdr[16:20] = ip4("10.0.2.15")
    hdr[20:24] = ip4("10.0.2.2")
    hdr[28:34] = ETH1_MAC
    hdr[236:240] = bytes.fromhex("63825363")
    return bytes(hdr) + opts


def frames_single():
    f = {}
    f["arp-request"] = eth(BCAST, PEER_MAC, 0x0806, arp(1, PEER_MAC, PEER, b"\0" * 6, US))
    f["arp-reply-other"] = eth(US_MAC, OTHER_MAC, 0x0806, arp(2, OTHER_MAC, OTHER, US_MAC, US))
    f["icmp-echo"] = eth(US_MAC, PEER_MAC, 0x0800, ipv4(PEER, US, 1, icmp_echo(1, 1, b"ping" * 8)))
    f["udp-echo"] = eth(US_MAC, PEER_MAC, 0x0800, ipv4(PEER, US, 17, udp(40000, 7, b"hello")))
    f["udp-closed-port"] = eth(US_MAC, PEER_MAC, 0x0800, ipv4(PEER, US, 17, udp(40000, 9, b"x")))
    f["tcp-syn-80"] = eth(US_MAC, PEER_MAC, 0x0800,
                          ipv4(PEER, US, 6, tcp(40000, 80, 1000, 0, 0x02, SYN_OPTS)))
    f["tcp-ack-closed"] = eth(US_MAC, PEER_MAC, 0x0800,
                              ipv4(PEER, US, 6, tcp(40000, 81, 1000, 5, 0x10)))
    f["ip-options"] = eth(US_MAC, PEER_MAC, 0x0800,
                          ipv4(PEER, US, 1, icmp_echo(2, 1, b"o"), ihl_opts=b"\x01\x01\x01\x00"))
    f["ip-frag-first"] = eth(US_MAC, PEER_MAC, 0x0800,
                             ipv4(PEER, US, 1, icmp_echo(3, 1, b"f" * 16), ident=7, frag=0x2000))
    f["icmp-unreach-quote"] = eth(US_MAC, PEER_MAC, 0x0800, ipv4(
        "10.0.0.254", US, 1, struct.pack(">BBHHH", 3, 4, 0, 0, 576) +
        ipv4(US, PEER, 6, tcp(49152, 5000, 0, 0, 0x10))[:28]))
    return f


# Pipe frames (pipe/msg.h): u32 body length, u16 type, u16 zero, body; little-endian.
PIPE_TYPES = {"new_stream": 1, "stream_info": 2, "read_file": 16, "file_data": 17,
              "tcp_listen": 18, "listen_result": 19, "incoming": 20, "tcp_connect": 21,
              "connect_result": 22}


def pipe_frame(name, body):
    return struct.pack("<IHH", len(body), PIPE_TYPES[name], 0) + body


def pipe_seeds():
    t = PIPE_TYPES
    frames = {
        "new_stream": struct.pack("<I", 7),
        "stream_info": struct.pack("<IiI", 7, -28, 3),
        "read_file": struct.pack("<H", 13) + b"/etc/hostname",
        "file_data": struct.pack("<iQ", 0, 0x123456789a),
        "tcp_listen": struct.pack("<IH", 0x7f000001, 8080),
        "listen_result": struct.pack("<iH", -98, 8080),
        "incoming": struct.pack("<IIH", 5, 0x0a000202, 40000),
        "tcp_connect": struct.pack("<IH", 0x0a000202, 80),
        "connect_result": struct.pack("<i", -111),
    }
    seeds = {"decode-" + k: b"\x00" + pipe_frame(k, v) for k, v in frames.items()}
    seeds["decode-stream"] = b"\x00" + b"".join(pipe_frame(k, v) for k, v in frames.items())
    seeds["decode-read-file-longest"] = b"\x00" + pipe_frame("read_file", struct.pack("<H", 1024) + b"a" * 1024)
    seeds["decode-read-file-nul"] = b"\x00" + pipe_frame("read_file", struct.pack("<H", 3) + b"a\0b")
    seeds["decode-then-partial"] = b"\x00" + pipe_frame("new_stream", frames["new_stream"]) + \
        pipe_frame("incoming", frames["incoming"])[:11]
    # Encode: the type byte, then struct pipe_msg's union as laid out on x86-64.
    union = {
        "new_stream": struct.pack("<I", 9),
        "stream_info": struct.pack("<IiI", 9, 0, 1),
        "read_file": struct.pack("<H", 5) + b"/a/bc",
        "file_data": struct.pack("<iIQ", -2, 0, 1 << 40),
        "tcp_listen": struct.pack("<IH", 0, 7),
        "listen_result": struct.pack("<iH", 0, 7),
        "incoming": struct.pack("<IIH", 255, 0x7f000001, 1),
        "tcp_connect": struct.pack("<IH", 0xffffffff, 65535),
        "connect_result": struct.pack("<i", 0),
    }
    for k, v in union.items():
        seeds["encode-" + k] = b"\x01" + bytes([t[k]]) + v
    seeds["encode-read-file-too-long"] = b"\x01" + bytes([16]) + struct.pack("<H", 1025) + b"x" * 1025
    # Ring: size byte (16 << n), start counter, then (op, u16 len) records.
    def ops(*recs):
        return b"".join(struct.pack("<BH", o, n) for o, n in recs)
    W, R, PEEK, COPY, CORRUPT, WAIT = range(6)
    seeds["ring-wrap-counters"] = b"\x02" + bytes([0]) + struct.pack("<I", 0xfffffff0) + \
        ops((W, 10), (R, 4), (W, 10), (COPY, 16), (PEEK, 3), (PEEK, 100), (R, 100), (W, 16))
    seeds["ring-full-empty"] = b"\x02" + bytes([2]) + struct.pack("<I", 0) + \
        ops((W, 100), (W, 1), (R, 64), (W, 70), (CORRUPT, 5), (WAIT, 0), (R, 65535))
    seeds["ring-big"] = b"\x02" + bytes([8]) + struct.pack("<I", 0x7ffffff0) + \
        ops((W, 5000), (R, 1000), (W, 3000), (PEEK, 4096), (PEEK, 4096), (COPY, 4096))
    return seeds


def write(name, files):
    d = os.path.join("tests", "fuzz", name)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        if old.startswith("seed-"):
            os.remove(os.path.join(d, old))
    for k, v in files.items():
        with open(os.path.join(d, "seed-" + k), "wb") as fh:
            fh.write(v)


def main():
    single = frames_single()
    frame = {k: b"\x02" + v for k, v in single.items()}
    frame["dhcp-offer-eth1"] = b"\x03" + eth(BCAST, PEER_MAC, 0x0800, ipv4(
        "10.0.2.2", "255.255.255.255", 17, udp(67, 68, dhcp_body(2)), frag=0))
    # Aimed at the ESTABLISHED connection (control bit 2): seq/ack offsets.
    frame["est-data"] = b"\x06" + eth(US_MAC, PEER_MAC, 0x0800, ipv4(PEER, US, 6, tcp(
        0, 0, 0, 0, 0x18, bytes.fromhex("0101080a000003e800000000"), b"data")))
    frame["est-fin"] = b"\x06" + eth(US_MAC, PEER_MAC, 0x0800, ipv4(PEER, US, 6, tcp(0, 0, 0, 0, 0x11)))
    frame["raw-runt"] = b"\x00" + US_MAC + PEER_MAC + b"\x08"
    write("frame", frame)

    def rec(frame_bytes, ctl=2, delay=0):
        return bytes([ctl, delay]) + struct.pack(">H", len(frame_bytes)) + frame_bytes

    big = icmp_echo(9, 1, bytes(range(256)) * 12)   # 3080 bytes: three fragments
    frags = [big[0:1480], big[1480:2960], big[2960:]]
    seq = b""
    for i, part in enumerate(frags):
        mf = 0x2000 if i < 2 else 0
        seq += rec(eth(US_MAC, PEER_MAC, 0x0800, ipv4(PEER, US, 1, part, ident=9,
                                                      frag=mf | (i * 1480 // 8))), delay=1)
    frames = {
        "reassembly": seq,
        "arp-then-queue-flush": rec(single["arp-request"]) +
        rec(single["arp-reply-other"], delay=10),
        "syn-then-ack": rec(single["tcp-syn-80"]) +
        rec(eth(US_MAC, PEER_MAC, 0x0800, ipv4(PEER, US, 6, tcp(40000, 80, 1001, 0, 0x10))),
            delay=3),
        "echo-udp-icmp": rec(single["udp-echo"], delay=2) + rec(single["icmp-echo"], delay=40),
    }
    write("frames", frames)

    def drec(body, ctl=1, delay=0):
        return bytes([ctl, delay]) + struct.pack(">H", len(body)) + body
    dhcp = {}
    for st in range(5):
        dhcp["state%d" % st] = bytes([st])
    dhcp["selecting-offer"] = bytes([0]) + drec(dhcp_body(2, full=False))
    dhcp["requesting-ack"] = bytes([1]) + drec(dhcp_body(5, full=False))
    dhcp["requesting-nak"] = bytes([1]) + drec(bytes([53, 1, 6, 54, 4]) + ip4("10.0.2.2") + b"\xff")
    dhcp["renewing-ack-unicast"] = bytes([3]) + drec(dhcp_body(5, full=False), ctl=3)
    dhcp["rebinding-ack"] = bytes([4]) + drec(dhcp_body(5, full=False), delay=20)
    dhcp["bound-raw-message"] = bytes([2]) + drec(dhcp_body(5), ctl=0)
    dhcp["selecting-pad-overload"] = bytes([0]) + drec(b"\x00\x00\x35\x01\x02\x34\x01\x03\xff")
    write("dhcp", dhcp)

    def seg(flags, mode=0, dseq=0, dack=0, wnd=65535, data=b"", op=0, raw_opts=None):
        b = bytes([op, flags, mode | (0x20 if raw_opts is not None else 0)])
        b += struct.pack(">HHH", dseq, dack, wnd)
        if raw_opts is not None:
            b += bytes([len(raw_opts)]) + raw_opts
        return b + struct.pack(">H", len(data)) + data
    ACK, FIN, SYN, RST, PSH = 0x10, 0x01, 0x02, 0x04, 0x08
    tcpc = {}
    for st in range(10):
        tcpc["state%d" % st] = bytes([st])
    tcpc["listen-syn-ack-data"] = bytes([0]) + seg(SYN, raw_opts=bytes.fromhex("020405b40402")) + \
        seg(ACK) + bytes([6, 6]) + seg(ACK | PSH, data=b"GET / HTTP/1.0\r\n\r\n")
    tcpc["synsent-synack"] = bytes([1]) + seg(SYN | ACK, raw_opts=bytes.fromhex("020405b4030307"))
    tcpc["synrcvd-ack"] = bytes([2]) + seg(ACK)
    tcpc["estab-data-fin"] = bytes([3]) + seg(ACK | PSH, data=b"hello") + seg(ACK | FIN)
    tcpc["estab-ooo-sack"] = bytes([3]) + seg(ACK, mode=1, dseq=100, data=b"later") + \
        bytes([6, 0, 0x10, 0x00]) + bytes([0, ACK, 0x40]) + struct.pack(">HHH", 0, 0, 65535) + \
        bytes([1]) + struct.pack(">HH", 2000, 1000) + struct.pack(">H", 0)
    # 8000 bytes out, then three duplicate ACKs whose SACK blocks grow:
    # RFC 6675 loss recovery (ack mode 2: 8000 below our next).
    def dupack_sack(blocks):
        b = bytes([0, ACK, 0x48]) + struct.pack(">HHH", 0, 8000, 65535) + bytes([len(blocks)])
        for start, length in blocks:
            b += struct.pack(">HH", start, length)
        return b + struct.pack(">H", 0)
    tcpc["estab-sack-recovery"] = bytes([3, 6, 0]) + struct.pack(">H", 8000) + \
        dupack_sack([(6552, 1448)]) + dupack_sack([(6552, 2896)]) + \
        dupack_sack([(6552, 4344)]) + bytes([5, 12]) + seg(ACK)
    tcpc["estab-rst-inwindow"] = bytes([3]) + seg(RST, mode=1, dseq=5)
    tcpc["estab-send-timeout"] = bytes([3, 6, 0, 0x40, 0x00, 5, 30, 5, 30])
    tcpc["estab-icmp-fragneeded"] = bytes([3, 6, 0, 0x10, 0x00, 7, 3, 4, 0x02, 0x40, 0, 0])
    tcpc["finwait1-ack-fin"] = bytes([5]) + seg(ACK | FIN)
    tcpc["closewait-close"] = bytes([4, 6, 4]) + seg(ACK)
    tcpc["timewait-syn"] = bytes([9]) + seg(SYN, mode=1, dseq=1000)
    tcpc["estab-bad-options"] = bytes([3]) + seg(ACK, raw_opts=bytes.fromhex("0200080a0000"))
    write("tcp", tcpc)

    http = {
        "get": b"\x00GET /index.html HTTP/1.1\r\nHost: a\r\n\r\n",
        "pipelined": b"\x05GET / HTTP/1.1\r\nHost: a\r\n\r\nHEAD /x HTTP/1.1\r\nHost: a\r\n\r\n",
        "conditional": b"\x00GET / HTTP/1.1\r\nHost: a\r\nIf-None-Match: W/\"x\", \"y\"\r\n"
                       b"If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n",
        "absolute-form": b"\x01HEAD http://h:80/a%20b?q HTTP/1.0\nConnection: keep-alive\n\n",
        "framing": b"\x00POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n"
                   b"Transfer-Encoding: gzip, chunked\r\n\r\n",
        "asctime": b"\x00GET / HTTP/1.1\r\nHost: [::1]\r\nIf-Modified-Since: Sun Nov  6 08:49:37 1994\r\n\r\n",
    }
    write("http", http)

    write("cmdline", {
        "simple": b"\x10console=ttyS0 quiet=1 log=debug",
        "quoted": b"\x02msg=\"hello world\" x= eth0.ip=10.0.2.15/24",
        "numbers": b"\xffn=0x7fffffffffffffff m=-9223372036854775808 k=+12",
        "malformed": b"\x01=x a b== \"c=d\" k=\"open",
    })
    write("netconf", {
        "static": b"\x00ip=10.0.0.2/24 gw=10.0.0.1",
        "per-if": b"\x00eth1.ip=192.168.1.5/16 eth1.gw=192.168.0.1 eth0.ip=dhcp",
        "dhcp-rest": b"\x01eth2.ip=10.9.9.9/8",
        "unknown-if": b"\x02wlan0.ip=1.2.3.4/24 ip=10.0.0.2/33",
    })
    write("pipe", pipe_seeds())


if __name__ == "__main__":
    main()

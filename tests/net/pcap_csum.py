#!/usr/bin/env python3
"""tests/net/pcap_csum.py: checks the checksum of every IPv4 frame in a pcap.

Used by tests/net/vnet_offload.sh on the capture QEMU's filter-dump takes
between the virtio-net device and its tap (the frames as the guest sent and
received them, the virtio header stripped). Every IPv4 header checksum must
be right (RFC 791 3.1). Every TCP and UDP checksum (RFC 9293 3.1, RFC 768)
must be right, except that a sender allowed to offload (--partial-from) may
leave it partial: the field then holds the folded pseudo-header sum, which
is what virtio 1.2 5.1.6.2's NEEDS_CSUM asks for and the device completes.
Frames longer than a 1514-byte Ethernet frame (TSO segments, coalesced
receives) are counted per direction and must be whole TCP segments.

When the capture carries virtio_net_hdr in front of each frame (QEMU's
filter-dump does with a tap that takes the header; --vnet-hdr auto finds
out from the first frame), the header is checked against the frame too:
NEEDS_CSUM only where partial checksums are allowed, and then csum_start at
the transport header and csum_offset at its checksum field, with the field
holding the pseudo-header sum; a frame past 1514 bytes must be GSO_TCPV4
with a gso_size (5.1.6.2).

Prints one line: "ok frames=... tcp_from_guest=... big_from_guest=...
partial_from_guest=... ..." or "bad: why (frame #N)", exit 0 or 1;
--expect-big-from-guest/--expect-big-to-guest yes|no make the presence of
large frames part of the verdict. A malformed or truncated capture is bad.
"""
import argparse
import struct
import sys

ETH_MAX = 1514
VNET_HDR = 12
ETHERTYPES = (b"\x08\x00", b"\x08\x06", b"\x86\xdd")


def csum_add(data, s=0):
    if len(data) % 2:
        data += b"\0"
    s += sum(struct.unpack("!%dH" % (len(data) // 2), data))
    return s


def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def frames(path):
    with open(path, "rb") as f:
        hdr = f.read(24)
        if len(hdr) < 24:
            raise ValueError("no pcap header")
        magic = struct.unpack("<I", hdr[:4])[0]
        if magic == 0xA1B2C3D4:
            e = "<"
        elif magic == 0xD4C3B2A1:
            e = ">"
        else:
            raise ValueError("not a pcap file (magic %#x)" % magic)
        if struct.unpack(e + "I", hdr[20:24])[0] != 1:
            raise ValueError("link type is not Ethernet")
        n = 0
        while True:
            rh = f.read(16)
            if not rh:
                return
            if len(rh) < 16:
                raise ValueError("truncated record header")
            _, _, incl, orig = struct.unpack(e + "IIII", rh)
            data = f.read(incl)
            n += 1
            if len(data) < incl or incl < orig:
                raise ValueError("frame #%d truncated (%d of %d bytes)" % (n, len(data), orig))
            yield n, data


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("pcap")
    ap.add_argument("--guest-mac", required=True, help="the guest NIC's MAC, aa:bb:..")
    ap.add_argument("--partial-from", choices=["none", "guest", "host", "both"], default="none")
    ap.add_argument("--expect-big-from-guest", choices=["yes", "no", "any"], default="any")
    ap.add_argument("--expect-big-to-guest", choices=["yes", "no", "any"], default="any")
    ap.add_argument("--vnet-hdr", choices=["auto", "yes", "no"], default="auto",
                    help="each frame starts with a 12-byte virtio_net_hdr")
    a = ap.parse_args()
    hlen = None if a.vnet_hdr == "auto" else (VNET_HDR if a.vnet_hdr == "yes" else 0)
    gmac = bytes(int(x, 16) for x in a.guest_mac.split(":"))
    c = {k: 0 for k in ("vnet_hdr",) + ("frames", "tcp_from_guest", "tcp_to_guest", "udp", "big_from_guest", "big_to_guest",
                        "partial_from_guest", "partial_to_guest")}

    def bad(why, n):
        print("bad: %s (frame #%d)" % (why, n))
        sys.exit(1)

    try:
        for n, raw in frames(a.pcap):
            c["frames"] += 1
            if hlen is None:
                hlen = VNET_HDR if raw[12:14] not in ETHERTYPES and raw[24:26] in ETHERTYPES else 0
                c["vnet_hdr"] = hlen
            vh, fr = raw[:hlen], raw[hlen:]
            if len(fr) < 14 or fr[12:14] != b"\x08\x00":
                continue
            from_guest = fr[6:12] == gmac
            if not from_guest and fr[0:6] != gmac and fr[0:6] != b"\xff" * 6:
                continue
            ip = fr[14:]
            if len(ip) < 20 or ip[0] >> 4 != 4:
                bad("not an IPv4 header", n)
            ihl = (ip[0] & 15) * 4
            tot = struct.unpack("!H", ip[2:4])[0]
            if ihl < 20 or tot < ihl or tot > len(ip):
                bad("IPv4 lengths: ihl %d total %d in %d bytes" % (ihl, tot, len(ip)), n)
            if fold(csum_add(ip[:ihl])) != 0xFFFF:
                bad("IPv4 header checksum", n)
            proto = ip[9]
            if proto not in (6, 17):
                continue
            seg = ip[ihl:tot]
            frag = struct.unpack("!H", ip[6:8])[0]
            if frag & 0x3FFF:
                continue  # a fragment: its transport checksum covers the whole datagram
            d = "from_guest" if from_guest else "to_guest"
            allowed = a.partial_from == "both" or a.partial_from == ("guest" if from_guest else "host")
            if len(fr) > ETH_MAX:
                if proto != 6:
                    bad("a large frame that is not TCP", n)
                if vh and (vh[1] & 0x7F != 1 or struct.unpack("<H", vh[4:6])[0] == 0):
                    bad("a large frame without GSO_TCPV4 and gso_size in its virtio header", n)
                c["big_" + d] += 1
            if vh and vh[0] & 1:
                cs, co = struct.unpack("<HH", vh[6:10])
                if not allowed:
                    bad("NEEDS_CSUM %s, where checksum offload is off" % d.replace("_", " "), n)
                if cs != 14 + ihl or co != (16 if proto == 6 else 6):
                    bad("NEEDS_CSUM with csum_start %d csum_offset %d" % (cs, co), n)
            if proto == 6:
                c["tcp_" + d] += 1
                off = 16
            else:
                c["udp"] += 1
                off = 6
                if struct.unpack("!H", seg[6:8])[0] == 0:
                    continue  # RFC 768: no checksum
            if len(seg) < off + 2:
                bad("transport header short", n)
            pseudo = csum_add(ip[12:20] + struct.pack("!BBH", 0, proto, len(seg)))
            if fold(csum_add(seg, pseudo)) == 0xFFFF:
                continue
            field = struct.unpack("!H", seg[off:off + 2])[0]
            p = fold(pseudo)
            if allowed and (field == p or {field, p} == {0, 0xFFFF}):
                c["partial_" + d] += 1
                continue
            bad("%s checksum %#06x wrong %s (%d bytes, partial sum %#06x)" % (
                "TCP" if proto == 6 else "UDP", field, "from the guest" if from_guest else "to the guest",
                len(seg), p), n)
    except (ValueError, OSError) as e:
        print("bad: %s" % e)
        return 1
    for d in ("from_guest", "to_guest"):
        want = getattr(a, "expect_big_" + d)
        if want == "yes" and not c["big_" + d]:
            print("bad: no frame past %d bytes %s" % (ETH_MAX, d.replace("_", " ")))
            return 1
        if want == "no" and c["big_" + d]:
            print("bad: %d frames past %d bytes %s" % (c["big_" + d], ETH_MAX, d.replace("_", " ")))
            return 1
    if not c["tcp_from_guest"] or not c["tcp_to_guest"]:
        print("bad: no TCP both ways in the capture (%d frames)" % c["frames"])
        return 1
    print("ok " + " ".join("%s=%d" % kv for kv in c.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""tests/net/pcap_check.py: what a capture of tools/cloudit.sh --pcap holds.

Reads a classic pcap file (QEMU's filter-dump writes one: magic
0xa1b2c3d4, link type 1 = Ethernet; the format is the one in
draft-ietf-opsawg-pcap), decodes Ethernet, IPv4 (RFC 791) and TCP (RFC
9293 3.1) with the standard library only, and checks one thing:

  handshake GUEST PORT   a SYN to GUEST:PORT and the guest's SYN-ACK to it
                         (SYN-ACK's acknowledgment = the SYN's sequence + 1,
                         same ports) are in the capture
  summary                counts of frames, IPv4 packets and TCP segments

Prints one line, "ok DETAIL" or "error DETAIL"; exit status 0 only for ok.
"""
import struct
import sys

SYN, ACK = 0x02, 0x10


def frames(path):
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24:
            raise ValueError("no pcap header (%d bytes)" % len(head))
        magic = struct.unpack("<I", head[:4])[0]
        if magic in (0xA1B2C3D4, 0xA1B23C4D):
            end = "<"
        elif magic in (0xD4C3B2A1, 0x4D3CB2A1):
            end = ">"
        else:
            raise ValueError("not a pcap file (magic %08x)" % magic)
        linktype = struct.unpack(end + "I", head[20:24])[0]
        if linktype != 1:
            raise ValueError("link type %d, not Ethernet" % linktype)
        while True:
            rec = f.read(16)
            if len(rec) < 16:
                return
            incl = struct.unpack(end + "IIII", rec)[2]
            data = f.read(incl)
            if len(data) < incl:
                return  # a record cut short by the writer's exit
            yield data


def tcp_segments(path):
    """(src, sport, dst, dport, seq, ack, flags) of each IPv4 TCP segment."""
    stats = {"frames": 0, "ipv4": 0, "tcp": 0}
    segs = []
    for fr in frames(path):
        stats["frames"] += 1
        if len(fr) < 14 + 20 or struct.unpack("!H", fr[12:14])[0] != 0x0800:
            continue
        ip = fr[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[0] >> 4 != 4 or ihl < 20 or len(ip) < ihl:
            continue
        stats["ipv4"] += 1
        if ip[9] != 6 or len(ip) < ihl + 20:
            continue
        stats["tcp"] += 1
        src, dst = ".".join(map(str, ip[12:16])), ".".join(map(str, ip[16:20]))
        sport, dport, seq, ack, _, flags = struct.unpack("!HHIIBB", ip[ihl:ihl + 14])
        segs.append((src, sport, dst, dport, seq, ack, flags))
    return segs, stats


def main(argv):
    if len(argv) < 3:
        print("error usage: pcap_check.py FILE handshake GUEST PORT | FILE summary")
        return 2
    try:
        segs, stats = tcp_segments(argv[1])
    except (OSError, ValueError) as e:
        print("error %s: %s" % (argv[1], e))
        return 1
    if argv[2] == "summary":
        print("ok frames=%d ipv4=%d tcp=%d" % (stats["frames"], stats["ipv4"], stats["tcp"]))
        return 0
    if argv[2] != "handshake" or len(argv) != 5:
        print("error usage: pcap_check.py FILE handshake GUEST PORT")
        return 2
    guest, port = argv[3], int(argv[4])
    syns = {(s[0], s[1], s[4]) for s in segs
            if s[2] == guest and s[3] == port and s[6] & (SYN | ACK) == SYN}
    for s in segs:
        if s[0] == guest and s[1] == port and s[6] & (SYN | ACK) == SYN | ACK:
            if (s[2], s[3], (s[5] - 1) & 0xFFFFFFFF) in syns:
                print("ok SYN %s:%d -> %s:%d and the SYN-ACK back in %d frames"
                      % (s[2], s[3], guest, port, stats["frames"]))
                return 0
    print("error no SYN to %s:%d answered by a SYN-ACK among %d TCP segments (%d SYNs)"
          % (guest, port, stats["tcp"], len(syns)))
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

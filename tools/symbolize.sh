#!/usr/bin/env bash
# tools/symbolize.sh APP.elf|APP.sym: copy stdin to stdout as it comes,
# with every function reference the kernel printed as "@HEX" (6 to 16 hex
# digits, no 0x: backtraces, fault reports, the profiler's lists) replaced
# by "name+0xOFF" (or "name" at its first byte) from the image's symbols.
#
# Why on the host: the names are not in the image (issue 10's size budget;
# kernel/ksyms.h), they are in build/APP.sym, the file objcopy keeps beside
# the stripped image for gdb. Given APP.elf, the APP.sym next to it is used
# only if its .text matches the image's (same address and size), so an old
# .sym never names the wrong function: the text then passes unchanged,
# with one line on stderr. A self-extracting image (ZIMAGE=1, the default)
# carries its kernel's .text address and size in a section .skiff.kernel
# (tools/zimage.sh): the .sym is compared with that, the decompressed
# kernel, not with the stub's own .text. A reference outside the symbols (below the
# first, or 64 KiB past the last) stays as printed.
#
# Data passes through without waiting for whole lines (cloudit's
# interactive console: prompts and the monitor stay live); only a "@HEX"
# cut by a read is held back until the rest arrives.
set -euo pipefail
PROG=symbolize
[[ $# -eq 1 ]] || { echo "usage: tools/symbolize.sh APP.elf|APP.sym < serial > named" >&2; exit 2; }
in=$1
[[ -f $in ]] || { echo "$PROG: no file $in" >&2; exit 2; }
sym=${in%.elf}.sym

# text_of FILE: ".text ADDR SIZE" from the section headers, or for a
# self-extracting image those its kernel had (.skiff.kernel).
text_of() {
	local k
	k=$(readelf -p .skiff.kernel "$1" 2>/dev/null | sed -n 's/.*skiff kernel \.text \([0-9a-f]* [0-9a-f]*\) .*/\1/p')
	if [[ -n $k ]]; then
		echo "$k"
		return
	fi
	readelf -SW "$1" 2>/dev/null | awk '{ for (i = 1; i < NF; i++) if ($i == ".text") { print $(i + 2), $(i + 4); exit } }'
}
if [[ ! -s $sym ]]; then
	echo "$PROG: no $sym: function references stay as @address" >&2
	exec cat
fi
if [[ $in != "$sym" && "$(text_of "$in")" != "$(text_of "$sym")" ]]; then
	echo "$PROG: $sym does not match $in (rebuild it): function references stay as @address" >&2
	exec cat
fi

exec perl -e '
	$SIG{INT} = "IGNORE";    # Ctrl-C is for QEMU; the pipe ends when it does
	open(my $fh, "-|", "nm", "-n", "--defined-only", $ARGV[0]) or die "symbolize: nm: $!\n";
	my (@addr, @name);
	while (<$fh>) {
		my ($h, $t, $n) = split;
		next unless defined $n && $t =~ /^[tTwW]$/ && $n !~ /^\./ && $n !~ /^isr_stub_\d+$/;
		my $a = hex($h);
		next if @addr && $addr[-1] == $a;     # an alias: the first name stays
		push @addr, $a;
		push @name, $n;
	}
	close($fh);
	sub named {
		my ($hex) = @_;
		my $x = hex($hex);
		return "\@$hex" if !@addr || $x < $addr[0];
		my ($lo, $hi) = (0, scalar @addr);
		while ($hi - $lo > 1) {
			my $mid = int(($lo + $hi) / 2);
			if ($addr[$mid] <= $x) { $lo = $mid } else { $hi = $mid }
		}
		my $off = $x - $addr[$lo];
		return "\@$hex" if $off >= 65536;
		return $off ? sprintf("%s+0x%x", $name[$lo], $off) : $name[$lo];
	}
	my $held = "";
	while (sysread(STDIN, my $b, 65536)) {
		$b = $held . $b;
		$held = $b =~ s/(\@[0-9a-f]{0,16})\z// ? $1 : "";
		$b =~ s/\@([0-9a-f]{6,16})(?![0-9a-f])/named($1)/ge;
		syswrite(STDOUT, $b) if length $b;
	}
	$held =~ s/\@([0-9a-f]{6,16})\z/named($1)/e;
	syswrite(STDOUT, $held) if length $held;
' "$sym"

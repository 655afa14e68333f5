#!/usr/bin/env bash
# tools/check-ioth-examples.sh [--run] LIBIOTH_DIR: do libioth's own
# example programs build (and, with --run, work) on skiff with no change
# but main()?
#
# Issue 8 promises that libioth's test/iothtest_server.c (TCP echo on port
# 5000, a thread per connection) and test/iothtest_client.c (a terminal
# client polling a socket and its input) compile unchanged except for
# main's argument handling. This script checks it on a libioth checkout:
#   1. copies the two files from LIBIOTH_DIR/test into a temporary copy of
#      this tree, as apps/iothtest_server and apps/iothtest_client;
#   2. replaces only their main() (the last function of each file; the
#      script checks that what it cuts is exactly main) with one that takes
#      libioth's argv from skiff options instead of the command line:
#      ioth.stack (argv[1], default "vdestack") and ioth.vnl (argv[2],
#      default "eth0"), then does what the original main did with them;
#   3. builds both with the kernel's compiler flags (make APP=...), which
#      links each into build/APP.elf and build/APP.img. The examples are
#      not ours: -Wmissing-prototypes is turned off for them (their
#      functions are global without prototypes); every other warning of
#      the kernel's flags stays an error.
#   4. with --run (root: a private network namespace, tests/lib/netns.sh):
#      boots both images on one bridge (192.168.250.1/24 on the host side,
#      the examples' own addresses .50 and .51, server on virtio, client on
#      ne2k), types a line into the client's serial console and expects it
#      back in the client's output, and "GOT:" lines in the server's log.
# Nothing of libioth is copied into this repository: the copy lives in a
# temporary directory, removed on exit (KEEP=1 keeps it and prints where).
# A local check (it needs a libioth checkout, so it is not part of make
# test, whose CI has no network). Prints one PASS/FAIL line per step and
# exits 1 if any failed.
#
#   git -C /path/to/libioth archive HEAD test | tar -x -C /tmp/libioth
#   tools/check-ioth-examples.sh --run /tmp/libioth
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
run=0
if [[ "${1:-}" == --run ]]; then
	run=1
	shift
fi
SRC=${1:-}
if [[ -z "$SRC" || ! -d "$SRC/test" ]]; then
	echo "usage: $0 [--run] LIBIOTH_DIR (a libioth checkout with test/iothtest_server.c)" >&2
	exit 2
fi
if [[ $run -eq 1 ]]; then
	# shellcheck source=tests/lib/netns.sh
	source "$ROOT/tests/lib/netns.sh"
	netns_require
fi

tmp=$(mktemp -d /tmp/skiff-iothex.XXXXXX) || exit 1
infd=""
# shellcheck disable=SC2317 # called from the trap
cleanup() {
	[[ -n "$infd" ]] && exec {infd}>&-
	[[ $run -eq 1 ]] && netns_cleanup
	if [[ -n "${KEEP:-}" ]]; then
		echo "kept $tmp"
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT

# This tree as it is (uncommitted work included), without build output.
tar -C "$ROOT" --exclude=./build --exclude=./.git -cf - . | tar -C "$tmp" -xf - || exit 1

failed=0

# replace_main FILE ROLE: cut FILE's last function, which must be
# "int main(int argc, ...)" up to its closing brace at column 0, and append
# ours. ROLE is server or client: the function the original main called.
replace_main() {
	local file=$1 role=$2 start total
	start=$(grep -n '^int main(' "$file" | tail -n 1 | cut -d: -f1)
	[[ -n "$start" ]] || { echo "no 'int main(' in $file"; return 1; }
	total=$(wc -l <"$file")
	# What follows main's closing brace must be blank: main is the last function.
	if ! sed -n "$start,\$p" "$file" | awk '
		/^}/ { closed = NR; next }
		closed && NF { extra = 1 }
		END { exit !(closed && !extra) }'; then
		echo "main is not the last function of $file"
		return 1
	fi
	head -n $((start - 1)) "$file" >"$file.new"
	cat >>"$file.new" <<EOF
/* ---- main() replaced by tools/check-ioth-examples.sh (skiff: options, not argv) ---- */
#include <skiff.h>

SKIFF_OPTION(ioth_stack, "ioth.stack", "libioth stack type (argv[1]; default vdestack)");
SKIFF_OPTION(ioth_vnl, "ioth.vnl", "the VNL: a NIC name (argv[2]; default eth0)");

int main(void)
{
	const char *stack = skiff_opt("ioth.stack");
	const char *vnl = skiff_opt("ioth.vnl");
	const char *args[] = { stack ? stack : "vdestack", vnl ? vnl : "eth0", NULL };

	ioth_set_license(SPDX_LICENSE);
	struct ioth *mystack = net_setup(args);
	if (mystack) {
		$role(mystack);
		ioth_delstack(mystack);
	} else {
		perror("net_setup");
	}
	return 0;
}
EOF
	mv "$file.new" "$file"
	echo "lines $start-$total"
}

for role in server client; do
	name=iothtest_$role
	src="$SRC/test/$name.c"
	if [[ ! -f "$src" ]]; then
		echo "FAIL ioth_examples: build_$role: $src is missing"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$tmp/apps/$name"
	cp "$src" "$tmp/apps/$name/$name.c"
	if ! replace_main "$tmp/apps/$name/$name.c" "$role" >"$tmp/$name.replace.log" 2>&1; then
		echo "FAIL ioth_examples: build_$role: $(tail -n 1 "$tmp/$name.replace.log")"
		failed=$((failed + 1))
		continue
	fi
	# The kernel's flags (the Makefile's KCFLAGS) for this app's object, plus
	# one relaxation for code that is not ours (in the copy's Makefile only).
	echo "\$(BUILD)/obj/apps/$name/$name.c.o: KCFLAGS += -Wno-missing-prototypes" >>"$tmp/Makefile"
	if make -C "$tmp" -s -j2 APP="$name" >"$tmp/$name.build.log" 2>&1 &&
		[[ -s "$tmp/build/$name.elf" && -s "$tmp/build/$name.img" ]]; then
		echo "PASS ioth_examples: build_$role $name.c unchanged but its main ($(cat "$tmp/$name.replace.log")) into build/$name.elf and .img"
	else
		echo "FAIL ioth_examples: build_$role: $name does not build:"
		grep -E 'error|undefined reference' "$tmp/$name.build.log" | head -n 30
		failed=$((failed + 1))
	fi
done

if [[ $run -eq 1 && $failed -eq 0 ]]; then
	EOL=$'\r?$'
	NS=$(netns_name iothex)
	netns_create "$NS" 192.168.250.1/24 tap0 tap1
	slog="$tmp/server.log" clog="$tmp/client.log" fifo="$tmp/client.in"
	bg_start "$NS" "$slog" "$tmp/tools/cloudit.sh" iothtest_server --headless --accel tcg --direct \
		--no-build --nic virtio --net tap:tap0 --timeout 300 --append "ioth.stack=vdestack ioth.vnl=eth0"
	spid=$BG_PID
	# The example client connects once, at start, and gives up if refused:
	# start it once the server's stack is up (its network thread's line),
	# with a moment for listen().
	if ! wait_for_line "$slog" "stack [0-9]+: 1 NIC" 120 "$spid"; then
		echo "FAIL ioth_examples: run_server: no stack line within 120 s"
		tail -n 5 "$slog"
		exit 1
	fi
	sleep 2
	mkfifo "$fifo"
	setsid ip netns exec "$NS" "$tmp/tools/cloudit.sh" iothtest_client --headless --input --accel tcg \
		--direct --no-build --nic ne2k --net tap:tap1 --timeout 300 \
		--append "ioth.stack=picox ioth.vnl=eth0" <"$fifo" >"$clog" 2>&1 &
	cpid=$!
	NETNS_PIDS+=("$cpid")
	exec {infd}>"$fifo"
	# The example prints nothing on connect; the server logs "new conn".
	if ! wait_for_line "$slog" "new conn [0-9]+ tid [0-9]+" 120 "$spid"; then
		echo "FAIL ioth_examples: run_connect: the server logged no connection within 120 s"
		tail -n 5 "$slog" "$clog"
		failed=$((failed + 1))
	else
		echo "PASS ioth_examples: run_connect server: ${WAIT_LINE%$'\r'}"
		token="hello libioth $RANDOM$RANDOM"
		printf '%s\n' "$token" >&"$infd"
		# The client sends the console's bytes as they come (the UART
		# delivers a few at a time), so the server may log the line in
		# pieces, one "GOT:" per recv; the client prints the echo as is.
		if wait_for_line "$clog" "^$token$EOL" 30 "$cpid" &&
			wait_for_line "$slog" "GOT: " 10 "$spid"; then
			echo "PASS ioth_examples: run_echo '$token' typed into the client came back; the server logged GOT lines"
		else
			echo "FAIL ioth_examples: run_echo: '$token' did not come back"
			tail -n 5 "$slog" "$clog"
			failed=$((failed + 1))
		fi
	fi
fi

[[ $failed -eq 0 ]] || exit 1
exit 0

#!/usr/bin/env bash
# tools/check-ioth-examples.sh LIBIOTH_DIR: do libioth's own example
# programs build against skiff's headers with no change but main()?
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
# Nothing of libioth is copied into this repository: the copy lives in a
# temporary directory, removed on exit (KEEP=1 keeps it and prints where).
# A local check (it needs a libioth checkout, so it is not part of make
# test, whose CI has no network). Prints one PASS/FAIL line per example
# and exits 1 if any failed.
#
#   git -C /path/to/libioth archive HEAD test | tar -x -C /tmp/libioth
#   tools/check-ioth-examples.sh /tmp/libioth
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SRC=${1:-}
if [[ -z "$SRC" || ! -d "$SRC/test" ]]; then
	echo "usage: $0 LIBIOTH_DIR (a libioth checkout with test/iothtest_server.c)" >&2
	exit 2
fi

tmp=$(mktemp -d /tmp/skiff-iothex.XXXXXX) || exit 1
if [[ -n "${KEEP:-}" ]]; then
	trap 'echo "kept $tmp"' EXIT
else
	trap 'rm -rf "$tmp"' EXIT
fi

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
	echo "replaced lines $start-$total of $(basename "$file") (its main)"
}

for role in server client; do
	name=iothtest_$role
	src="$SRC/test/$name.c"
	if [[ ! -f "$src" ]]; then
		echo "FAIL ioth_examples: $name: $src is missing"
		failed=$((failed + 1))
		continue
	fi
	mkdir -p "$tmp/apps/$name"
	cp "$src" "$tmp/apps/$name/$name.c"
	if ! replace_main "$tmp/apps/$name/$name.c" "$role" >"$tmp/$name.replace.log" 2>&1; then
		echo "FAIL ioth_examples: $name: $(tail -n 1 "$tmp/$name.replace.log")"
		failed=$((failed + 1))
		continue
	fi
	# The kernel's flags (the Makefile's KCFLAGS) for this app's object, plus
	# one relaxation for code that is not ours (in the copy's Makefile only).
	echo "\$(BUILD)/obj/apps/$name/$name.c.o: KCFLAGS += -Wno-missing-prototypes" >>"$tmp/Makefile"
	if make -C "$tmp" -s -j2 APP="$name" >"$tmp/$name.build.log" 2>&1 &&
		[[ -s "$tmp/build/$name.elf" && -s "$tmp/build/$name.img" ]]; then
		echo "PASS ioth_examples: $name builds unchanged but main ($(tail -n 1 "$tmp/$name.replace.log" | sed 's/^replaced //')) into build/$name.elf and .img"
	else
		echo "FAIL ioth_examples: $name does not build:"
		grep -E 'error|undefined reference' "$tmp/$name.build.log" | head -n 30
		failed=$((failed + 1))
	fi
done

[[ $failed -eq 0 ]] || exit 1
exit 0

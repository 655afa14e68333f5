#!/usr/bin/env bash
# tests/run.sh: the whole test run behind `make test` (after tools/deps.sh).
#
# Order: build every image (make -j2), host unit tests (make unit, which
# builds the Makefile's UNIT_TESTS and runs tools/run-unit.sh on them), the
# layering checks of net/ and arch/ (tools/check-layering.sh, on the objects
# just built), a slice of every fuzz target (tests/fuzz/run.sh, 5 s each),
# then every boot suite tests/boot/*.sh (each boots its guests at most two
# at a time) and every network suite tests/net/*.sh.
#
# The fuzz slice runs alongside the unit and layering stages, once the
# unit tests are built (its output held and shown as its own stage after
# them): both run one process at a time, so each has a core of its own,
# and neither boots a guest or measures time. The boot and network suites (QEMU guests, some
# timing-sensitive) run one after another, alone. They use the images the
# build stage made (BOOT_NO_BUILD=1, GUEST_NO_BUILD=1: no make per suite).
#
# Promises:
#   - output streams as it goes; every test case is one line starting with
#     PASS or FAIL, and a stage or suite that fails without naming a case
#     (build error, crash) counts as one failed case of its own, as does one
#     whose closing "N passed, M failed" disagrees with its PASS/FAIL lines;
#   - the last line is exactly "N passed, M failed"; exit status 1 when
#     M > 0 (or nothing ran), else 0;
#   - a suite that exits 77 is skipped (outside CI only: tests/lib/boot.sh
#     turns skips into failures when CI=true).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

passed=0 failed=0 skipped=0
start=$SECONDS

# stage NAME CMD...: run CMD, echo its output, count its PASS/FAIL lines.
# A suite's own closing count ("[NAME: ]N passed, M failed") must agree with
# the lines counted: a suite that counts checks without printing a line for
# each would otherwise be left out of the total unseen (netns_test was).
stage() {
	local name=$1 line rc p0=$passed f0=$failed t0=$SECONDS said=""
	shift
	echo "== $name"
	while IFS= read -r line; do
		printf '%s\n' "$line"
		case "$line" in
		"PASS "*) passed=$((passed + 1)) ;;
		"FAIL "*) failed=$((failed + 1)) ;;
		esac
		[[ "$line" =~ ^([A-Za-z0-9_./-]+:\ )?([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]] &&
			said="${BASH_REMATCH[2]} ${BASH_REMATCH[3]}"
	done < <("$@" 2>&1 </dev/null)
	wait $! 2>/dev/null
	rc=$?
	if [[ -n "$said" && "$said" != "$((passed - p0)) $((failed - f0))" ]]; then
		echo "FAIL $name: its count says ${said% *} passed, ${said#* } failed, but it printed $((passed - p0)) PASS and $((failed - f0)) FAIL lines"
		failed=$((failed + 1))
	fi
	if [[ $rc -eq 77 ]]; then
		skipped=$((skipped + 1))
	elif [[ $rc -ne 0 && $failed -eq $f0 ]]; then
		echo "FAIL $name: exited with status $rc without naming a failed case"
		failed=$((failed + 1))
	fi
	echo "== $name: $((passed - p0)) passed, $((failed - f0)) failed, $((SECONDS - t0)) s"
	return "$rc"
}

# A failed build counts as one failed case (stage's fallback); a good one
# is no case of its own.
# replay LOG RCFILE: what a stage run in the background printed, and its status.
replay() {
	cat "$1"
	return "$(cat "$2" 2>/dev/null || echo 1)"
}

if stage build make -j2 -s --no-print-directory; then
	# libFuzzer targets (tests/fuzz/), a bounded slice: FUZZ_SECONDS each,
	# in the background while the unit tests run (see above).
	# The unit tests are built first, so the fuzz targets do not compete
	# with that build for the two cores (a fuzz slice is measured in time).
	stage unit-build make -j2 -s --no-print-directory unit-build
	unit_built=$?
	fuzz_log=$(mktemp) fuzz_rc=$(mktemp) || exit 1
	trap 'rm -f "$fuzz_log" "$fuzz_rc"' EXIT
	(tests/fuzz/run.sh </dev/null >"$fuzz_log" 2>&1; echo $? >"$fuzz_rc") &
	fuzz_pid=$!
	[[ $unit_built -ne 0 ]] || stage unit make -j2 -s --no-print-directory unit
	stage layering tools/check-layering.sh
	t_fuzz=$SECONDS
	wait "$fuzz_pid"
	echo "(tests/fuzz ran alongside unit; waited $((SECONDS - t_fuzz)) s more for it)"
	stage tests/fuzz replay "$fuzz_log" "$fuzz_rc"
	for suite in tests/boot/*.sh; do
		[[ -x "$suite" ]] || continue
		BOOT_NO_BUILD=1 stage "${suite%.sh}" "$suite"
	done
	# Network tests: real clients (ping) against guests on taps in private namespaces.
	stage tests/lib/netns_test tests/lib/netns_test.sh
	for suite in tests/net/*.sh; do
		[[ -x "$suite" ]] || continue
		GUEST_NO_BUILD=1 stage "${suite%.sh}" "$suite"
	done
else
	echo "(build failed: unit and boot tests not run)"
fi

echo "== total $((SECONDS - start)) s$([[ $skipped -gt 0 ]] && echo ", $skipped suite(s) skipped")"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 && $passed -gt 0 ]]

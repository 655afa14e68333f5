#!/usr/bin/env bash
# tools/run-unit.sh BIN...: run host unit test binaries (cmocka) and report
# each test case as it goes.
#
# Promises:
#   - every case prints one line, "PASS bin: case" or "FAIL bin: case"
#     (tests/run.sh counts these), with the test's own diagnostics under a
#     failing case;
#   - a binary that is missing, crashes, times out (120 s) or exits non-zero
#     without naming a failed case counts as one failed case of its own, so
#     a sanitizer abort is never lost;
#   - the last line is "unit: N passed, M failed"; exit status 1 when M > 0.
# cmocka prints TAP when CMOCKA_MESSAGE_OUTPUT=TAP: "ok N - name",
# "not ok N - name", "# ..." diagnostics.
set -uo pipefail

UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
passed=0 failed=0
tmp=$(mktemp) || exit 1
trap 'rm -f "$tmp"' EXIT

for bin in "$@"; do
	name=${bin#*/host/}
	if [[ ! -x "$bin" ]]; then
		echo "FAIL $name: binary missing or not executable"
		failed=$((failed + 1))
		continue
	fi
	# The braces catch bash's own "Aborted" notice when a test crashes.
	{ CMOCKA_MESSAGE_OUTPUT=TAP timeout -k 5 "$UNIT_TIMEOUT" "$bin" </dev/null >"$tmp" 2>&1; } 2>/dev/null
	rc=$?
	bin_failed=0 cases=0
	while IFS= read -r line || [[ -n "$line" ]]; do
		if [[ "$line" =~ ^ok\ [0-9]+\ #\ SKIP ]]; then
			echo "SKIP $name: ${line#*SKIP}"
		elif [[ "$line" =~ ^ok\ [0-9]+\ -\ (.*)$ ]]; then
			echo "PASS $name: ${BASH_REMATCH[1]}"
			passed=$((passed + 1)) cases=$((cases + 1))
		elif [[ "$line" =~ ^not\ ok\ [0-9]+\ -\ (.*)$ ]]; then
			echo "FAIL $name: ${BASH_REMATCH[1]}"
			failed=$((failed + 1)) cases=$((cases + 1)) bin_failed=1
		elif [[ "$line" =~ ^1\.\.[0-9]+$ || "$line" =~ ^#\ (not\ )?ok\ -\  ]]; then
			: # plan and group verdict lines
		else
			# Diagnostics follow the verdict of the case they belong to;
			# sanitizer reports come before a crash.
			echo "    $line"
		fi
	done <"$tmp"
	# cmocka exits with the number of failed cases; a timeout or a signal
	# (sanitizer abort) is a failure of its own even after named failures.
	if [[ $rc -eq 124 || $rc -eq 137 ]]; then
		echo "FAIL $name: timed out after ${UNIT_TIMEOUT} s ($cases case(s) done)"
		failed=$((failed + 1))
	elif [[ $rc -gt 128 || ($rc -ne 0 && $bin_failed -eq 0) ]]; then
		echo "FAIL $name: exited with status $rc after $cases case(s)"
		failed=$((failed + 1))
	elif [[ $rc -eq 0 && $cases -eq 0 ]]; then
		echo "FAIL $name: ran no test cases"
		failed=$((failed + 1))
	fi
done

echo "unit: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

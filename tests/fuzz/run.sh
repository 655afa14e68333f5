#!/usr/bin/env bash
# tests/fuzz/run.sh [NAME...]: run the libFuzzer targets of tests/fuzz/
# (all of them, or the ones named) for FUZZ_SECONDS each and report.
#
# make test runs it as a stage with the default slice (5 s each, 40 s in
# all); make fuzz runs it with FUZZ_SECONDS=60 or what is asked. The slice
# proves that every target builds, replays its seeds and its saved corpus
# clean (the first executions of a run) and survives some thousands of
# fresh mutations; finding new bugs is make fuzz's job, not the slice's.
#
# Promises:
#   - one line per target, "PASS fuzz/NAME: ..." with the executions, the
#     rate, the coverage (libFuzzer's cov: edges and ft: features) and the
#     corpus size, or "FAIL fuzz/NAME: ..." naming the input of a finding
#     (a sanitizer report, a crash, a timeout, a leak, a fuzz_fail) saved
#     under build/fuzz/artifacts/NAME/, with the report's key lines;
#   - each target starts from its seeds and dictionary in tests/fuzz/ and
#     from what earlier runs found (build/fuzz/corpus/NAME/, kept between
#     runs, never in the repository);
#   - the last line is "fuzz: N passed, M failed"; exit status 1 when M > 0.
# Builds the targets first (make fuzz-build) unless FUZZ_NO_BUILD=1. A
# finding becomes a regression: copy its input to tests/fuzz/NAME/regress-*
# (make unit replays every file there) and fix the bug.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 1

SECONDS_EACH=${FUZZ_SECONDS:-5}
BUILD=${BUILD:-build}
ALL=(frame frames dhcp tcp netconf http cmdline pipe)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${ALL[@]}")

if ! [[ "$SECONDS_EACH" =~ ^[1-9][0-9]*$ ]]; then
	echo "fuzz: FUZZ_SECONDS must be a whole number of seconds > 0, not '$SECONDS_EACH'" >&2
	exit 2
fi
for t in "${targets[@]}"; do
	[[ " ${ALL[*]} " == *" $t "* ]] || { echo "fuzz: unknown target '$t' (targets: ${ALL[*]})" >&2; exit 2; }
done
if [[ ${FUZZ_NO_BUILD:-0} != 1 ]]; then
	if ! command -v clang >/dev/null; then
		echo "FAIL fuzz: clang is missing (tools/deps.sh installs it)"
		echo "fuzz: 0 passed, 1 failed"
		exit 1
	fi
	if ! make -s -j2 --no-print-directory fuzz-build; then
		echo "FAIL fuzz: the targets did not build"
		echo "fuzz: 0 passed, 1 failed"
		exit 1
	fi
fi

# Longest input per target: a frame, a sequence of them, a DHCP exchange,
# a TCP script, an HTTP head, a command line.
max_len() {
	case $1 in
	frame) echo 1600 ;;
	frames | dhcp) echo 8192 ;;
	tcp) echo 4096 ;;
	http) echo 20000 ;;
	*) echo 4096 ;;
	esac
}

passed=0 failed=0
log=$(mktemp) || exit 1
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
	bin=$BUILD/fuzz/$t corpus=$BUILD/fuzz/corpus/$t art=$BUILD/fuzz/artifacts/$t
	dict=tests/fuzz/$t.dict
	[[ $t == frames ]] && dict=tests/fuzz/frame.dict
	mkdir -p "$corpus" "$art"
	if [[ ! -x $bin ]]; then
		echo "FAIL fuzz/$t: $bin is missing (make fuzz-build)"
		failed=$((failed + 1))
		continue
	fi
	before=$(find "$art" -type f | wc -l)
	# New inputs go to the first directory (build/), the seeds are read only.
	# The outer timeout bounds a hang libFuzzer itself would not end.
	timeout -k 10 $((SECONDS_EACH + 120)) "$bin" -max_total_time="$SECONDS_EACH" -timeout=20 \
		-rss_limit_mb=2048 -max_len="$(max_len "$t")" -use_value_profile=1 \
		-print_final_stats=1 -artifact_prefix="$art/" \
		$([[ -f $dict ]] && echo "-dict=$dict") "$corpus" "tests/fuzz/$t" >"$log" 2>&1
	rc=$?
	after=$(find "$art" -type f | wc -l)
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
	cov=$(sed -n 's/.*cov: \([0-9]*\).*/\1/p' <<<"$last")
	ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
	corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
	if [[ $rc -eq 0 && $after -eq $before ]]; then
		echo "PASS fuzz/$t: ${SECONDS_EACH} s, ${execs:-?} execs (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}, 0 findings"
		passed=$((passed + 1))
	else
		input=$(grep -o 'Test unit written to [^ ]*' "$log" | tail -1 | sed 's/Test unit written to //')
		echo "FAIL fuzz/$t: finding (exit $rc) after ${execs:-?} execs; input ${input:-none saved}"
		grep -E 'ERROR: |SUMMARY: |fuzz: finding|runtime error|^    #[0-9] ' "$log" | head -12 | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "fuzz: $passed passed, $failed failed"
[[ $failed -eq 0 ]]

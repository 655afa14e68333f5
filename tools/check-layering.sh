#!/usr/bin/env bash
# tools/check-layering.sh [BUILD]: check that the lower layers do not reach
# up (STYLE.md, "The arch boundary").
#
#  1. net/ and pipe/ (the guest<->host pipes' ring and frames, shared with
#     tools/pipemon) build on a Linux host unchanged, so their files may include only
#       - the freestanding/libc headers string.h errno.h stddef.h stdint.h
#         stdbool.h stdarg.h, and
#       - their own headers ("net/x.h", or "x.h" naming a file in net/).
#  1b. msg/'s portable part (the SchemeStation library; all but
#      msg_svc.c, its glue to the callback services) builds on a host too
#      (build/host/msgtool, tests/unit/msg/): the headers net/ may use,
#      msg/'s own, include/skiff/msg.h, net/byteorder.h and lib/digit.h.
#  2. arch/ is the floor the kernel stands on: it offers mechanisms and the
#     kernel calls it, never the other way round. Its files (.c .h .S) may
#     include only arch/'s own headers, lib/ (the freestanding string and
#     format helpers) and the freestanding/libc headers above; never
#     kernel/, sched/, mm/, net/, drivers/, include/ or apps/.
#  3. The same for calls, from the objects in BUILD/obj (default build):
#     every symbol an arch/ object uses must be defined in arch/ or lib/,
#     or by linker.ld. What the kernel wants arch/ to call (the log sink,
#     the fault handler, the page-table source, an AP's entry) it registers
#     at run time. Skipped, with a note, when nothing is built yet.
#
# Exceptions need a written reason in ARCH_EXCEPTIONS below, one per entry;
# there is one: boot.S enters the kernel at kmain, which is what a boot
# entry is for.
#
# A violation is reported as FILE:LINE with the include (or OBJECT: symbol)
# and the exit status is 1. Prints one "PASS layering: ..." or
# "FAIL layering: ..." line per check for tests/run.sh.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1
BUILD_DIR=${1:-${BUILD:-build}}

ALLOWED_SYSTEM=" string.h errno.h stddef.h stdint.h stdbool.h stdarg.h "

# "file-or-object:include-or-symbol:reason"
ARCH_EXCEPTIONS=(
	"boot.S.o:kmain:the boot entry's whole job is to enter the kernel; nothing can register it earlier"
)

status=0

# include_of LINE: sets inc_delim and inc_hdr for an #include line; false otherwise.
include_of() {
	[[ "$1" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*([\<\"])([^\>\"]+)[\>\"] ]] || return 1
	inc_delim=${BASH_REMATCH[1]}
	inc_hdr=${BASH_REMATCH[2]}
}

show_include() {
	if [[ $inc_delim == '<' ]]; then echo "<$inc_hdr>"; else echo "\"$inc_hdr\""; fi
}

# scan_includes DIR RULE: run RULE on every #include of every .c/.h/.S file
# under DIR (with inc_delim, inc_hdr set and FILE as its argument); RULE
# returns 0 when the include is allowed, else prints nothing and returns 1,
# and the include is reported with RULE's reason (RULE_WHY). Sets
# scan_bad and scan_files.
scan_includes() {
	local dir=$1 rule=$2 f line lineno
	scan_bad=0 scan_files=0
	while IFS= read -r -d '' f; do
		scan_files=$((scan_files + 1))
		lineno=0
		while IFS= read -r line || [[ -n "$line" ]]; do
			lineno=$((lineno + 1))
			include_of "$line" || continue
			[[ "$ALLOWED_SYSTEM" == *" $inc_hdr "* ]] && continue
			"$rule" "$f" && continue
			echo "layering: $f:$lineno: $dir/ may not include $(show_include)$RULE_WHY" >&2
			scan_bad=$((scan_bad + 1))
		done <"$f"
	done < <(find "$dir" -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \) -print0 | sort -z)
}

# own_rule FILE: the headers of FILE's own top folder ("net/x.h", or a bare
# "x.h" in quotes naming a file there).
own_rule() {
	local dir=${1%%/*}
	case "$inc_hdr" in
	*..*) return 1 ;;
	"$dir"/*) return 0 ;;
	*/*) return 1 ;;
	esac
	[[ $inc_delim == '"' && -f "$dir/$inc_hdr" ]]
}

# msg_rule FILE: msg/'s portable part; msg_svc.c is the glue to the
# callback services (skiff/service.h, libc) and is not portable.
msg_rule() {
	[[ "$1" == msg/msg_svc.c ]] && return 0
	case "$inc_hdr" in
	*..*) return 1 ;;
	msg/* | include/skiff/msg.h | net/byteorder.h | lib/digit.h) return 0 ;;
	esac
	return 1
}

# arch_rule FILE: arch/'s and lib/'s headers, or a listed exception.
arch_rule() {
	case "$inc_hdr" in
	*..*) ;;
	arch/* | lib/*) return 0 ;;
	esac
	arch_excepted "$(basename "$1")" "$inc_hdr"
}

# arch_excepted NAME ITEM: true when ARCH_EXCEPTIONS lists NAME:ITEM with a reason.
arch_excepted() {
	local e
	for e in "${ARCH_EXCEPTIONS[@]}"; do
		[[ "$e" == "$1:$2:"?* ]] && return 0
	done
	return 1
}

# check_dir DIR RULE WHY ALLOWED: scan DIR's includes with RULE (WHY: the
# reason shown with each violation) and print one line for tests/run.sh,
# ALLOWED saying what DIR may include.
check_dir() {
	local d=$1
	RULE_WHY=$3
	scan_includes "$d" "$2"
	if [[ $scan_bad -gt 0 ]]; then
		echo "FAIL layering: $scan_bad forbidden include(s) in $d/ (see above)"
		status=1
	else
		echo "PASS layering: $scan_files file(s) in $d/ include only $4"
	fi
}

# check_portable DIR: DIR builds on a Linux host unchanged.
check_portable() {
	if [[ ! -d $1 ]]; then
		echo "PASS layering: no $1/ yet"
		return
	fi
	check_dir "$1" own_rule "" "$1/ and freestanding headers"
}

check_msg() {
	[[ -d msg ]] || return
	check_dir msg msg_rule " (msg/ builds on a host: build/host/msgtool)" \
		"msg/, skiff/msg.h, net/byteorder.h, lib/digit.h and freestanding headers (but msg_svc.c, the glue)"
}

check_arch_includes() {
	check_dir arch arch_rule " (arch/ is the floor: the kernel calls it)" "arch/, lib/ and freestanding headers"
}

check_arch_symbols() {
	local objdir=$BUILD_DIR/obj
	local arch_objs=() lib_objs=() o
	if [[ -d $objdir/arch ]]; then
		while IFS= read -r -d '' o; do arch_objs+=("$o"); done < <(find "$objdir/arch" -name '*.o' -print0 | sort -z)
	fi
	if [[ ${#arch_objs[@]} -eq 0 ]]; then
		echo "layering: no arch/ objects under $objdir: run make first to check calls" >&2
		echo "PASS layering: arch/ calls not checked (nothing built)"
		return
	fi
	if [[ -d $objdir/lib ]]; then
		while IFS= read -r -d '' o; do lib_objs+=("$o"); done < <(find "$objdir/lib" -name '*.o' -print0 | sort -z)
	fi
	local defined
	defined=$({
		nm --defined-only "${arch_objs[@]}" "${lib_objs[@]}" 2>/dev/null | awk 'NF == 3 { print $3 }'
		sed -n 's/^[[:space:]]*\([A-Za-z_][A-Za-z0-9_]*\)[[:space:]]*=.*/\1/p' linker.ld
	} | sort -u)
	local bad=0 sym
	for o in "${arch_objs[@]}"; do
		while IFS= read -r sym; do
			[[ -z "$sym" ]] && continue
			grep -qxF -- "$sym" <<<"$defined" && continue
			arch_excepted "$(basename "$o")" "$sym" && continue
			echo "layering: ${o#"$objdir"/}: arch/ calls or uses '$sym', which is not in arch/ or lib/" >&2
			bad=$((bad + 1))
		done < <(nm -u "$o" | awk '{ print $2 }')
	done
	if [[ $bad -gt 0 ]]; then
		echo "FAIL layering: $bad use(s) of symbols above arch/ (see above)"
		status=1
	else
		echo "PASS layering: ${#arch_objs[@]} arch/ object(s) use only arch/, lib/ and linker symbols (+${#ARCH_EXCEPTIONS[@]} listed exception)"
	fi
}

check_portable net
check_portable pipe
check_msg
check_arch_includes
check_arch_symbols
exit $status

#!/usr/bin/env bash
# tools/check-layering.sh [BUILD]: check that the lower layers do not reach
# up (STYLE.md, "The arch boundary").
#
#  1. net/ and pipe/ build on a Linux host unchanged, so their files may include only
#       - the freestanding/libc headers string.h errno.h stddef.h stdint.h
#         stdbool.h stdarg.h, and
#       - their own headers ("net/x.h", or "x.h" naming a file in net/).
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

# check_portable DIR: DIR builds on a Linux host unchanged (net/, and pipe/: the
# guest<->host pipes' ring and frames, shared with tools/pipemon).
check_portable() {
	local d=$1
	if [[ ! -d $d ]]; then
		echo "PASS layering: no $d/ yet"
		return
	fi
	local bad=0 files=0 f line lineno
	while IFS= read -r -d '' f; do
		files=$((files + 1))
		lineno=0
		while IFS= read -r line || [[ -n "$line" ]]; do
			lineno=$((lineno + 1))
			include_of "$line" || continue
			[[ "$ALLOWED_SYSTEM" == *" $inc_hdr "* ]] && continue
			case "$inc_hdr" in
			"$d"/*)
				[[ "$inc_hdr" != *..* ]] && continue
				;;
			*/* | *..*) ;;
			*)
				# A bare "x.h" in quotes is the folder's own header when it exists there.
				[[ $inc_delim == '"' && -f "$d/$inc_hdr" ]] && continue
				;;
			esac
			echo "layering: $f:$lineno: $d/ may not include $(show_include)" >&2
			bad=$((bad + 1))
		done <"$f"
	done < <(find "$d" -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)

	if [[ $bad -gt 0 ]]; then
		echo "FAIL layering: $bad forbidden include(s) in $d/ (see above)"
		status=1
	else
		echo "PASS layering: $files file(s) in $d/ include only $d/ and freestanding headers"
	fi
}

# arch_excepted NAME ITEM: true when ARCH_EXCEPTIONS lists NAME:ITEM with a reason.
arch_excepted() {
	local e
	for e in "${ARCH_EXCEPTIONS[@]}"; do
		[[ "$e" == "$1:$2:"?* ]] && return 0
	done
	return 1
}

check_arch_includes() {
	local bad=0 files=0 f line lineno
	while IFS= read -r -d '' f; do
		files=$((files + 1))
		lineno=0
		while IFS= read -r line || [[ -n "$line" ]]; do
			lineno=$((lineno + 1))
			include_of "$line" || continue
			[[ "$ALLOWED_SYSTEM" == *" $inc_hdr "* ]] && continue
			case "$inc_hdr" in
			*..*) ;;
			arch/* | lib/*) continue ;;
			esac
			arch_excepted "$(basename "$f")" "$inc_hdr" && continue
			echo "layering: $f:$lineno: arch/ may not include $(show_include) (arch/ is the floor: the kernel calls it)" >&2
			bad=$((bad + 1))
		done <"$f"
	done < <(find arch -type f \( -name '*.c' -o -name '*.h' -o -name '*.S' \) -print0 | sort -z)

	if [[ $bad -gt 0 ]]; then
		echo "FAIL layering: $bad forbidden include(s) in arch/ (see above)"
		status=1
	else
		echo "PASS layering: $files file(s) in arch/ include only arch/, lib/ and freestanding headers"
	fi
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
check_arch_includes
check_arch_symbols
exit $status

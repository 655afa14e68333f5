#!/usr/bin/env bash
# tools/check-layering.sh: check the arch boundary of net/ (STYLE.md, "The
# arch boundary"): the network stack builds on a Linux host unchanged, so
# its files may include only
#   - the freestanding/libc headers string.h errno.h stddef.h stdint.h
#     stdbool.h stdarg.h, and
#   - net/'s own headers ("net/x.h", or "x.h" naming a file in net/).
# Anything else (arch/, kernel/, drivers/, lib/, other libc headers) is
# reported as FILE:LINE with the include, and the exit status is 1.
# Without a net/ directory there is nothing to check: exit 0.
# Prints "PASS layering: ..." or "FAIL layering: ..." for tests/run.sh.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

ALLOWED_SYSTEM=" string.h errno.h stddef.h stdint.h stdbool.h stdarg.h "

if [[ ! -d net ]]; then
	echo "PASS layering: no net/ yet"
	exit 0
fi

bad=0 files=0
while IFS= read -r -d '' f; do
	files=$((files + 1))
	lineno=0
	while IFS= read -r line || [[ -n "$line" ]]; do
		lineno=$((lineno + 1))
		[[ "$line" =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*([\<\"])([^\>\"]+)[\>\"] ]] || continue
		hdr=${BASH_REMATCH[2]}
		if [[ "$ALLOWED_SYSTEM" == *" $hdr "* ]]; then
			continue
		fi
		case "$hdr" in
		net/*)
			[[ "$hdr" != *..* ]] && continue
			;;
		*/* | *..*) ;;
		*)
			# A bare "x.h" in quotes is net/'s own header when it exists there.
			[[ "${BASH_REMATCH[1]}" == '"' && -f "net/$hdr" ]] && continue
			;;
		esac
		echo "layering: $f:$lineno: net/ may not include ${BASH_REMATCH[1]}$hdr$([[ ${BASH_REMATCH[1]} == '<' ]] && echo '>' || echo '"')" >&2
		bad=$((bad + 1))
	done <"$f"
done < <(find net -type f \( -name '*.c' -o -name '*.h' \) -print0 | sort -z)

if [[ $bad -gt 0 ]]; then
	echo "FAIL layering: $bad forbidden include(s) in net/ (see above)"
	exit 1
fi
echo "PASS layering: $files file(s) in net/ include only net/ and freestanding headers"

#!/usr/bin/env bash
# tools/size.sh BUILD APP... (make size): what each subsystem adds to each
# image, from the linker's map (build/gen/APP/APP.map), so only what
# --gc-sections kept is counted. Subsystems: arch, kernel, mm, sched, net,
# sock, xv6, lib, each drivers/NAME, the app (apps/APP and what its .mk
# generates), the embedded web files (www, apps/httpd) and the symbol table
# for backtraces and the profiler (ksyms); alignment padding goes with what
# follows it.
#
# One app: a row per subsystem with text, rodata, data and bss bytes and
# the bytes it adds to the file (text + rodata + data). Several: a row per
# subsystem, a column per app, the bytes each adds to the file in KiB (bss
# on its own row). Then the image files: build/APP.elf (what QEMU's
# -kernel and GRUB load: self-extracting, zimage/stub.S, unless ZIMAGE=0),
# build/APP.raw.elf (the kernel as linked, stripped: what APP.elf
# decompresses to), build/APP.sym (the symbols and DWARF kept for gdb) and
# build/APP.img (the GRUB ISO). With httpd among the apps, a last line sets
# its APP.elf against issue 10's budget (150 KiB; SIZE_BUDGET_KIB to try
# another), the linked kernel's size beside it.
set -euo pipefail
budget_kib=${SIZE_BUDGET_KIB:-150}
[[ $budget_kib =~ ^[1-9][0-9]*$ ]] || { echo "size: SIZE_BUDGET_KIB wants a whole number of KiB" >&2; exit 2; }
build=$1
shift
[[ $# -gt 0 ]] || { echo "size: no app" >&2; exit 2; }
for app in "$@"; do
	[[ -s $build/gen/$app/$app.map && -s $build/$app.elf ]] || { echo "size: $build/$app.elf or its map missing (make APP=$app first)" >&2; exit 1; }
done

# lto_owners APP: "SYMBOL OBJECT" for every symbol the objects of APP's
# build define. An LTO link (Makefile's LTO_APPS) maps its sections to one
# ltrans object; a section .text.NAME (-ffunction-sections) is then
# charged to the object that defined NAME (clones such as
# NAME.constprop.0 to NAME's), and what no object names (merged string
# pools) to "lto-merged".
lto_owners() {
	grep -q 'ltrans[0-9]*\.ltrans\.o' "$build/gen/$1/$1.map" || return 0
	find "$build/obj" "$build/gen/$1" "$build/gen/version.o" -name '*.o' 2>/dev/null | while read -r o; do
		# readelf, not nm: nm reads a fat object's LTO symbols (no statics).
		readelf -sW "$o" 2>/dev/null | awk -v f="$o" '$4 ~ /^(FUNC|OBJECT)$/ && $7 != "UND" && NF >= 8 { print $8, f }'
	done
}

# map_sizes APP: lines "SUBSYSTEM KIND BYTES", KIND text|rodata|data|bss.
map_sizes() {
	awk -v app="$1" '
	FNR == NR { if (!($1 in owner)) owner[$1] = $2; next }
	function cat(f,   s, k) {
		if (f ~ /ltrans[0-9]*\.ltrans\.o$/) {
			s = sect; sub(/^\.(text|rodata|data|bss)\./, "", s)
			k = index(s, "."); if (k > 1) s = substr(s, 1, k - 1)
			if (s in owner) return cat(owner[s])
			return "lto-merged"
		}
		if (f ~ /\/gen\/[^\/]+\/ksyms\.o$/) return "ksyms"
		if (f ~ /\/gen\/[^\/]+\/www_/) return "www"
		if (f ~ /\/gen\/version\.o$/ || f ~ /\/appinfo\.o$/) return "kernel"
		if (f ~ /\/gen\//) return "app"
		if (match(f, /\/obj\/drivers\/[^\/]+\//)) return substr(f, RSTART + 5, RLENGTH - 6)
		if (f ~ /\/obj\/apps\//) return "app"
		if (match(f, /\/obj\/[^\/]+\//)) { s = substr(f, RSTART + 5, RLENGTH - 6); return s == "arch" ? "arch" : s }
		return "other"
	}
	function hex(h,   i, n) {
		h = tolower(h); sub(/^0x/, "", h); n = 0
		for (i = 1; i <= length(h); i++) n = n * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
		return n
	}
	function add(c, n) { if (kind != "") { sz[c "," kind] += n; cats[c] = 1 } }
	/^Linker script and memory map/ { on = 1; next }
	!on { next }
	/^\.[A-Za-z]/ {
		o = $1
		kind = (o == ".text") ? "text" : (o == ".rodata" || o == ".note.Xen") ? "rodata" : \
		       (o == ".data" || o == ".ksyms") ? "data" : (o == ".bss") ? "bss" : ""
		pend = 0; name = ""
		next
	}
	kind == "" { next }
	/^ \*fill\*/ { pend += hex($3); next }
	# An input section: " .name ADDR SIZE FILE", or its name alone on a
	# line when long and " ADDR SIZE FILE" on the next.
	/^ [.A-Za-z]/ && NF == 1 { name = $1; next }
	/^ [.A-Za-z]/ && NF >= 4 && $2 ~ /^0x/ { sect = $1; add(cat($4), hex($3) + pend); pend = 0; next }
	/^ +0x/ && NF == 3 && name != "" { sect = name; add(cat($3), hex($2) + pend); pend = 0; name = ""; next }
	END { for (k in sz) { split(k, p, ","); print p[1], p[2], sz[k] } }' <(lto_owners "$1"; echo "-- --") "$build/gen/$1/$1.map"
}

order="arch kernel mm sched lib net sock xv6 drivers/pci drivers/virtio-net drivers/ne2000 app www ksyms lto-merged"
if [[ $# -eq 1 ]]; then
	app=$1
	map_sizes "$app" | awk -v order="$order" -v app="$app" '
	{ v[$1 "," $2] = $3; seen[$1] = 1 }
	END {
		n = split(order, o, " ")
		for (k in seen) { found = 0; for (i = 1; i <= n; i++) if (o[i] == k) found = 1; if (!found) o[++n] = k }
		printf "size: %s, bytes per subsystem (what --gc-sections kept)\n", app
		printf "%-22s %9s %9s %7s %9s %9s\n", "subsystem", "text", "rodata", "data", "bss", "file"
		for (i = 1; i <= n; i++) {
			k = o[i]; if (!(k in seen)) continue
			t = v[k ",text"] + 0; r = v[k ",rodata"] + 0; d = v[k ",data"] + 0; b = v[k ",bss"] + 0
			printf "%-22s %9d %9d %7d %9d %9d\n", k, t, r, d, b, t + r + d
			T += t; R += r; D += d; B += b
		}
		printf "%-22s %9d %9d %7d %9d %9d\n", "total", T, R, D, B, T + R + D
	}'
else
	for app in "$@"; do map_sizes "$app" | sed "s|^|$app |"; done | awk -v order="$order" -v apps="$*" '
	{ v[$1 "," $2] += ($3 == "bss") ? 0 : $4; if ($3 == "bss") b[$1] += $4; seen[$2] = 1 }
	END {
		na = split(apps, a, " "); n = split(order, o, " ")
		for (k in seen) { found = 0; for (i = 1; i <= n; i++) if (o[i] == k) found = 1; if (!found) o[++n] = k }
		print "size: KiB each subsystem adds to each image file (text + rodata + data; what --gc-sections kept)"
		printf "%-20s", "subsystem"; for (j = 1; j <= na; j++) printf " %9s", a[j]; print ""
		for (i = 1; i <= n; i++) {
			if (!(o[i] in seen)) continue
			printf "%-20s", o[i]
			for (j = 1; j <= na; j++) { x = v[a[j] "," o[i]]; tot[j] += x; printf " %9s", x ? sprintf("%.1f", x / 1024) : "-" }
			print ""
		}
		printf "%-20s", "total"; for (j = 1; j <= na; j++) printf " %9.1f", tot[j] / 1024; print ""
		printf "%-20s", "bss (RAM, not file)"; for (j = 1; j <= na; j++) printf " %9.1f", b[a[j]] / 1024; print ""
	}'
fi
kib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1024 }'; }
echo
printf '%-20s %14s %14s %14s %14s\n' "image files (KiB)" "APP.elf" "APP.raw.elf" "APP.sym" "APP.img"
for app in "$@"; do
	raw=- sym=- img=-
	[[ -s $build/$app.raw.elf ]] && raw=$(kib "$(stat -c %s "$build/$app.raw.elf")")
	[[ -s $build/$app.sym ]] && sym=$(kib "$(stat -c %s "$build/$app.sym")")
	[[ -s $build/$app.img ]] && img=$(kib "$(stat -c %s "$build/$app.img")")
	printf '%-20s %14s %14s %14s %14s\n' "$app" "$(kib "$(stat -c %s "$build/$app.elf")")" "$raw" "$sym" "$img"
done

# Issue 10's budget: kernel + httpd, the image file, at most 150 KiB; the
# yardstick is Linux's bzImage, compressed too, so APP.elf is measured as
# shipped, and the kernel as linked is printed beside it.
for app in "$@"; do
	[[ $app == httpd ]] || continue
	bytes=$(stat -c %s "$build/httpd.elf")
	rawb=$bytes kind="not compressed (ZIMAGE=0)"
	if readelf -p .skiff.kernel "$build/httpd.elf" >/dev/null 2>&1 && [[ -s $build/httpd.raw.elf ]]; then
		rawb=$(stat -c %s "$build/httpd.raw.elf") kind="self-extracting"
	fi
	awk -v b="$bytes" -v r="$rawb" -v kind="$kind" -v goal="$budget_kib" 'BEGIN {
		d = b - goal * 1024
		printf "budget: httpd.elf %d bytes = %.1f KiB (%s; linked kernel httpd.raw.elf %d bytes = %.1f KiB), goal <= %d KiB (issue 10): %.1f KiB %s\n", \
			b, b / 1024, kind, r, r / 1024, goal, (d < 0 ? -d : d) / 1024, (d > 0 ? "over" : "to spare")
	}'
done

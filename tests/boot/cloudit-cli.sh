#!/usr/bin/env bash
# tests/boot/cloudit-cli.sh: tools/cloudit.sh's own contract: usage errors
# are one line on stderr and exit status 2, before anything is built or
# booted (among them a --mem below what the boot path needs, and a tap that
# is not there); --help lists every option; --build-only builds without
# booting; the first line printed names app, accelerator, firmware, boot
# path, NIC and network; the guest's status comes back as the script's
# status; a guest that does not stop is killed by --timeout with status 124.
#
# The user's path, on a pseudo-terminal (script(1)) as a person would have
# it: the web app's URL and the quit hint are printed before the guest's
# output and nothing clears them; the URL answers; Ctrl-A X ends with "quit
# by the user" and status 126, Ctrl-C with a line and 130; a guest reset
# (test.fault=triple) is told apart from both (125). --headless output has
# no control sequences, also under UEFI. Each boot path boots at the
# --mem floor cloudit enforces. --accel auto remembers its KVM verdict
# (in a private XDG_CACHE_HOME here) and --reprobe forgets it.
set -uo pipefail
# shellcheck source=tests/lib/boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/boot.sh"

boot_init cloudit-cli
boot_require
command -v script >/dev/null || boot_skip "script(1) missing (util-linux, Debian's bsdutils)"
command -v curl >/dev/null || boot_skip "curl missing (tools/deps.sh installs it)"
# The KVM verdict cache of every run here stays in the suite's temp dir.
export XDG_CACHE_HOME="$BOOT_TMP/cache"
ESC=$'\e'

cli_case unknown-app 2 no-such-app --expect "unknown app 'no-such-app'"
cli_case no-app 2 --headless --expect "no app given"
cli_case bad-firmware 2 hello --firmware coreboot --expect "bad --firmware 'coreboot'"
cli_case bad-smp 2 hello --smp zero --expect "bad --smp 'zero'"
cli_case smp-too-many 2 hello --smp 999 --expect "bad --smp '999'"
cli_case unknown-option 2 hello --frobnicate --expect "unknown option '--frobnicate'"
cli_case missing-value 2 hello --mem --expect "option --mem needs a value"
cli_case bad-nic 2 hello --nic e1000 --expect "bad --nic 'e1000'"
cli_case pipes-files-alone 2 hello --pipes-files /tmp --expect "--pipes-files needs --pipes"
cli_case pipes-files-missing 2 hello --pipes --pipes-files /no/such/dir --expect "--pipes-files: no such folder '/no/such/dir'"
cli_case bad-net 2 hello --net bridge --expect "bad --net 'bridge'"
cli_case bad-accel 2 hello --accel hvf --expect "bad --accel 'hvf'"
cli_case bad-timeout 2 hello --timeout 1.5 --expect "bad --timeout '1.5'"
cli_case bad-hostfwd 2 hello --hostfwd tcp:80 --expect "bad --hostfwd 'tcp:80'"
cli_case direct-uefi 2 hello --direct --firmware uefi --expect "--direct"
cli_case input-not-headless 2 hello --input --expect "--input needs --headless"
cli_case no-such-tap 2 hello --net tap:skiffnotap0 --expect "--net tap:skiffnotap0: no network interface 'skiffnotap0'"
cli_case not-a-tap 2 hello --net tap:lo --expect "--net tap:lo: 'lo' is not a tap device"
# The lossy link (tools/lossylink) and the capture: bad values are usage errors too.
cli_case bad-loss 2 hello --loss 20 --expect "bad loss '20' (want a percentage"
cli_case loss-over-100 2 hello --loss 120% --expect "bad loss '120%'"
cli_case bad-dup 2 hello --dup 1.5 --expect "bad dup '1.5'"
cli_case bad-delay 2 hello --delay 10 --expect "bad delay '10' (want a time"
cli_case bad-jitter 2 hello --jitter 5min --expect "bad jitter '5min'"
cli_case bad-rate 2 hello --rate fast --expect "bad rate 'fast'"
cli_case bad-link-knob 2 hello --link 'loss=1%,speed=2' --expect "unknown link knob 'speed'"
cli_case bad-link-item 2 hello --link 'loss' --expect "bad link knob 'loss' (want key=value"
cli_case bad-link-empty 2 hello --link 'loss=1%,,dup=1%' --expect "bad --link 'loss=1%,,dup=1%': empty knob"
cli_case bad-link-limit 2 hello --link 'limit=0' --expect "bad limit '0'"
cli_case link-needs-tap 2 hello --loss 5% --expect "need a NIC on --net tap:IFNAME"
cli_case link-no-nic 2 hello --nic none --net tap:lo --loss 5% --expect "need a NIC on --net tap:IFNAME"
cli_case bad-pcap-dir 2 hello --pcap /nonexistent-skiff/x.pcap --expect "bad --pcap '/nonexistent-skiff/x.pcap': no directory"
cli_case pcap-no-nic 2 hello --nic none --pcap x.pcap --expect "--pcap records the NIC's traffic: it needs a NIC"
# Below each path's floor the guest used to hang without a word.
cli_case mem-floor-bios-refused 2 hello --mem 4M --expect \
	"--mem 4M is too little for GRUB under SeaBIOS: it needs at least 5M"
cli_case mem-floor-uefi-refused 2 hello --firmware uefi --mem 53 --expect \
	"--mem 53 is too little for UEFI (OVMF and GRUB): it needs at least 54M"
cli_case mem-floor-direct-refused 2 hello --direct --mem 1M --expect \
	"--mem 1M is too little for direct boot: it needs at least 2M"

# --help names every option the parser accepts.
help_opts=(--firmware --direct --append --accel --reprobe --cpu --smp --mem --qemu --nic --net --hostfwd --mac
	--link --loss --dup --reorder --corrupt --delay --jitter --rate --pcap --headless --input --timeout --timestamps --log --gdb --build-only --no-build --help)
cli_case help 0 --help --expect "${help_opts[@]}" "126 =" "130 = Ctrl-C"
cli_case build-only 0 hello --build-only --accel tcg --expect \
	"cloudit: hello, accel tcg (requested), firmware bios, boot grub, nic virtio, net user" '!Booting|boot: skiff'

# The KVM probe's verdict is remembered per machine: the second run says so
# and probes nothing; --reprobe and another --cpu (part of the key) probe.
quick=(--headless --no-build --direct --nic none --timeout "$BOOT_TIMEOUT")
cli_case accel-probed 0 hello "${quick[@]}" --expect "~^cloudit: hello, accel (tcg|kvm) \(auto; [^)]*\)," \
	'!remembered'
cli_case accel-remembered 0 hello "${quick[@]}" --expect \
	"~^cloudit: hello, accel (tcg|kvm) \(auto; .*; remembered, --reprobe to probe again\),"
cli_case accel-reprobe 0 hello "${quick[@]}" --reprobe --expect "~^cloudit: hello, accel (tcg|kvm) \(auto; " \
	'!remembered'
cli_case accel-other-cpu 0 hello "${quick[@]}" --cpu qemu64 --expect "~^cloudit: hello, accel (tcg|kvm) \(auto; " \
	'!remembered'
file_case accel-cache "$XDG_CACHE_HOME/skiff/cloudit-accel" "~^[0-9]+	(tcg|kvm)	auto; "

# ---- on a terminal

# pty_case NAME STATUS READY KEYS CHECK ARGS... [--expect EXPECTATION...]:
# run cloudit.sh ARGS on a pseudo-terminal; once a line matches the ERE
# READY, run the shell command CHECK (if not empty; its stdout joins the log
# and a non-zero status fails the case), then type KEYS (printf %b; empty:
# none), then wait for cloudit to end (BOOT_TIMEOUT) and check its status
# and output (control sequences kept, carriage returns removed). The first
# line must be cloudit's, and every cloudit line before the guest's first.
pty_case() {
	local name=$1 status=$2 ready=$3 keys=$4 check=$5 fd pid rc=timeout i reasons="" first
	local raw="$BOOT_TMP/$name.raw" log="$BOOT_TMP/$name.log" tmpd="$BOOT_TMP/$name.tmp"
	shift 5
	boot_split_args "$@"
	mkdir -p "$tmpd"
	: >"$raw" # polled below before the background job opens it
	mkfifo "$BOOT_TMP/$name.keys"
	exec {fd}<>"$BOOT_TMP/$name.keys"
	# script -e: its status is the command's.
	TMPDIR=$tmpd script -qfec "$(printf '%q ' "$BOOT_CLOUDIT" --no-build --accel tcg "${BOOT_ARGS[@]}")" /dev/null \
		<&"$fd" >"$raw" 2>&1 &
	pid=$!
	for ((i = 0; i < BOOT_TIMEOUT * 5; i++)); do
		tr -d '\r' <"$raw" | grep -Eq -- "$ready" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if ! tr -d '\r' <"$raw" | grep -Eq -- "$ready"; then
		reasons="no line matching /$ready/"
	elif [[ -n "$check" ]]; then
		PTY_LOG=$raw bash -c "$check" >>"$BOOT_TMP/$name.check" 2>&1 || reasons="check failed: $check"
	fi
	[[ -n "$keys" ]] && printf '%b' "$keys" >&"$fd"
	for ((i = 0; i < BOOT_TIMEOUT * 5; i++)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid"
			rc=$?
			break
		fi
		sleep 0.2
		# PTY_REPEAT=1: the keys again every 2 s, as a user presses Ctrl-C
		# again (a QEMU 7.2 that is still starting up drops the first).
		[[ ${PTY_REPEAT:-0} -eq 1 && -n "$keys" && $((i % 10)) -eq 9 ]] && printf '%b' "$keys" >&"$fd"
	done
	if [[ $rc == timeout ]]; then
		kill -TERM "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	fi
	exec {fd}>&-
	{
		tr -d '\r' <"$raw"
		[[ -f "$BOOT_TMP/$name.check" ]] && sed 's/^/check: /' "$BOOT_TMP/$name.check"
	} >"$log"
	reasons+="${reasons:+$'\n'}$(boot_check "$log" "$rc" "$status" "${BOOT_EXPECT[@]}")"
	first=$(head -n 1 "$log")
	[[ "$first" == cloudit:* ]] || reasons+=$'\n'"first line is not cloudit's: $first"
	# A kernel log line ("[    0.031] ...") or the firmware's before a cloudit line.
	if awk '/^\[ *[0-9]+\.[0-9]+\]|^BdsDxe:/ { guest = 1 } /^cloudit: / && guest && !/exited|quit|interrupted|reset|stopped|timeout/ { bad = 1 } END { exit !bad }' "$log"; then
		reasons+=$'\n'"a cloudit line came after the guest's output"
	fi
	if [[ -n "$(find "$tmpd" -mindepth 1 -maxdepth 1)" ]]; then
		reasons+=$'\n'"cloudit left temp files: $(find "$tmpd" -mindepth 1 -maxdepth 1 -printf '%f ')"
	fi
	reasons=$(sed '/^$/d' <<<"$reasons")
	boot_verdict "$name" "$log" "$reasons"
}

# A free port on 127.0.0.1 for the forward (other test runs may hold 8080).
free_port() {
	local p i
	for ((i = 0; i < 50; i++)); do
		p=$((20000 + RANDOM % 20000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || {
			echo "$p"
			return
		}
	done
	echo 28080
}

# The quick start: the web app (httpd, the README's; toroweb until it lands)
# under user networking, its URL opened with curl, then Ctrl-A X.
web=httpd
[[ -d "$BOOT_ROOT/apps/$web" ]] || web=toroweb
port=$(free_port)
url="http://127.0.0.1:$port/"
pty_case quick-start-quit 126 "^cloudit: open " '\001x' \
	"for i in \$(seq $BOOT_TIMEOUT); do curl -fsS -m 5 -o /dev/null -w 'HTTP %{http_code}\\n' $url && exit 0; sleep 1; done; exit 1" \
	"$web" --hostfwd "tcp:80:$port" --expect \
	"~^cloudit: $web, accel tcg \(requested\), firmware bios, boot grub, nic virtio, net user$" \
	"cloudit: open $url (guest port 80; or: curl $url, telnet 127.0.0.1 $port)" \
	"cloudit: to quit: Ctrl-A X (Ctrl-A C switches to the QEMU monitor and back; Ctrl-C also stops QEMU)" \
	"check: HTTP 200" "~^cloudit: quit by the user \(Ctrl-A X or the monitor's quit\) after [0-9.]+ s$" \
	"!$ESC" '!reset, triple fault'
# Ctrl-C: QEMU stops on SIGINT with status 0; cloudit says why and exits 130.
# A Ctrl-C that comes while QEMU 7.2 is still starting up is lost (QEMU has
# not yet installed its handler; reproduced by hand 6 of 6 times when sent
# at once, never 3 s later), so the test presses it again every 2 s.
PTY_REPEAT=1 pty_case ctrl-c 130 "^cloudit: to quit: " '\003' "" hello --direct --nic none --qemu -S --expect \
	"~^cloudit: interrupted \(Ctrl-C, SIGINT\) after [0-9.]+ s: QEMU stopped$" '!terminating on signal'
# OVMF clears the screen on the serial port; cloudit drops the clears, so
# its lines stay on the terminal.
pty_case uefi-keeps-lines 0 "^cloudit: to quit: " "" "" hello --firmware uefi --expect \
	"skiff: hello exited with status 0" "cloudit: to quit: Ctrl-A X" "!$ESC\[(2J|J|H|0?1;0?1H)"

# ---- boots

# Boots: the first line, --log with --timestamps, QEMU failures, --timeout.
log="$BOOT_TMP/serial-copy.txt"
cli_case first-line-log 0 hello --headless --no-build --accel tcg --timeout "$BOOT_TIMEOUT" \
	--direct --nic none --log "$log" --timestamps --expect \
	"~^cloudit: hello, accel tcg \(requested\), firmware bios, boot direct, nic none, net none$" \
	"~^\[\+ *[0-9]+ ms\] Hello from skiff: " "cloudit: hello exited with status 0"
file_case log-copy "$log" "~^\[\+ *[0-9]+ ms\] Hello from skiff: " \
	"~^\[\+ *[0-9]+ ms\] skiff: hello exited with status 0" '!^cloudit:'
boot_case qemu-fails 125 hello --direct --qemu '-device no-such-device' --expect \
	"~^cloudit: QEMU failed: .*no-such-device"
# -S: QEMU starts with the CPU stopped, so only the timeout ends it.
boot_case timeout 124 hello --direct --qemu -S --timeout 2 --expect \
	"cloudit: timeout: QEMU killed after 2 s" '!boot: skiff' '!terminating on signal'
# A triple fault resets the machine; under -no-reboot QEMU exits 0 as for a quit.
boot_case reset 125 hello --direct --append test.fault=triple --expect \
	"selftest: triggering fault 'triple'" \
	"~^cloudit: the guest reset without a status \(a triple fault or a reboot" '!quit by the user'
# GRUB on a dumb terminal and OVMF's clears stripped: no control sequences.
for fw in bios uefi; do
	boot_case "headless-clean-$fw" 0 hello --firmware "$fw" --expect \
		"~^cloudit: hello, accel tcg \(requested\), firmware $fw, boot grub" \
		"skiff: hello exited with status 0" "!$ESC"
done
# Each path boots at the floor cloudit enforces (a floor set too high would
# refuse machines that work; one too low is caught by these failing).
boot_case mem-floor-bios 0 hello --firmware bios --mem 5M --expect "skiff: hello exited with status 0"
boot_case mem-floor-uefi 0 hello --firmware uefi --mem 54M --expect "skiff: hello exited with status 0"
boot_case mem-floor-direct 0 hello --direct --mem 2M --expect "skiff: hello exited with status 0"
boot_finish

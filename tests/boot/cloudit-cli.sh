#!/usr/bin/env bash
# tests/boot/cloudit-cli.sh: tools/cloudit.sh's own contract: usage errors
# are one line on stderr and exit status 2, before anything is built or
# booted; --help lists every option; --build-only builds without booting;
# the first line printed names app, accelerator, firmware, boot path, NIC and
# network; the guest's status comes back as the script's status; a guest that
# does not stop is killed by --timeout with status 124.
set -uo pipefail
# shellcheck source=tests/lib/boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/boot.sh"

boot_init cloudit-cli
boot_require

cli_case unknown-app 2 no-such-app --expect "unknown app 'no-such-app'"
cli_case no-app 2 --headless --expect "no app given"
cli_case bad-firmware 2 hello --firmware coreboot --expect "bad --firmware 'coreboot'"
cli_case bad-smp 2 hello --smp zero --expect "bad --smp 'zero'"
cli_case smp-too-many 2 hello --smp 999 --expect "bad --smp '999'"
cli_case unknown-option 2 hello --frobnicate --expect "unknown option '--frobnicate'"
cli_case missing-value 2 hello --mem --expect "option --mem needs a value"
cli_case bad-nic 2 hello --nic e1000 --expect "bad --nic 'e1000'"
cli_case bad-net 2 hello --net bridge --expect "bad --net 'bridge'"
cli_case bad-accel 2 hello --accel hvf --expect "bad --accel 'hvf'"
cli_case bad-timeout 2 hello --timeout 1.5 --expect "bad --timeout '1.5'"
cli_case bad-hostfwd 2 hello --hostfwd tcp:80 --expect "bad --hostfwd 'tcp:80'"
cli_case direct-uefi 2 hello --direct --firmware uefi --expect "--direct"
cli_case input-not-headless 2 hello --input --expect "--input needs --headless"

# --help names every option the parser accepts.
help_opts=(--firmware --direct --append --accel --cpu --smp --mem --qemu --nic --net --hostfwd --mac
	--headless --input --timeout --timestamps --log --gdb --build-only --no-build --help)
cli_case help 0 --help --expect "${help_opts[@]}"
cli_case build-only 0 hello --build-only --accel tcg --expect \
	"cloudit: hello, accel tcg (requested), firmware bios, boot grub, nic virtio, net user" '!Booting|boot: skiff'

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
	"cloudit: timeout: QEMU killed after 2 s" '!boot: skiff'
boot_finish

#!/usr/bin/env bash
# tests/boot/socktest.sh: the xv6 loopback socket API (include/xv6/socket.h,
# xv6/) in the guest, through apps/socktest.
#   check-smp1, check-smp2  socktest.mode=check on 1 and 2 CPUs: one line per
#                           check with the code it got, every one PASS, one
#                           line named here per error class of seed 001 (and
#                           E_TIMEOUT, success, 20 clients through one port),
#                           the summary with the full count, exit status 0
#   demo-console            the default mode: lines written to the guest's
#                           serial console (cloudit.sh --input) go to the
#                           server thread over 127.0.0.1 and come back as
#                           "socktest: echo: LINE"; "quit" ends it with 0
# Direct boot, the cheapest path; apps.sh runs check mode on every path.
set -uo pipefail
# shellcheck source=tests/lib/boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/boot.sh"

boot_init socktest
boot_require

# The checks check.c runs, in order; each must print "CODE NAME PASS".
CHECKS=43
class_lines=(
	"socktest: check invalid-arg-listen-port-0: -1029 E_INVALID_ARG PASS"
	"socktest: check invalid-arg-connect-host: -1029 E_INVALID_ARG PASS"
	"socktest: check notfound-connect-nobody-listens: -1025 E_NOTFOUND PASS"
	"socktest: check notfound-send: -1025 E_NOTFOUND PASS"
	"socktest: check access-denied-send: -1026 E_ACCESS_DENIED PASS"
	"socktest: check access-denied-recv: -1026 E_ACCESS_DENIED PASS"
	"socktest: check access-denied-disconnect: -1026 E_ACCESS_DENIED PASS"
	"socktest: check wrong-state-send-listening: -1027 E_WRONG_STATE PASS"
	"socktest: check wrong-state-recv-listening: -1027 E_WRONG_STATE PASS"
	"socktest: check fail-table-full-listen: -1028 E_FAIL PASS"
	"socktest: check fail-table-full-connect: -1028 E_FAIL PASS"
	"socktest: check reset-recv: -1030 E_CONNECTION_RESET_BY_REMOTE PASS"
	"socktest: check reset-send: -1030 E_CONNECTION_RESET_BY_REMOTE PASS"
	"socktest: check reset-recv-unread-data: -1030 E_CONNECTION_RESET_BY_REMOTE PASS"
	"socktest: check timeout-listen: -1031 E_TIMEOUT PASS"
	"socktest: check timeout-recv: -1031 E_TIMEOUT PASS"
	"socktest: check ok-send: 0 OK PASS"
	"socktest: check ok-recv-returns-count: 10 OK PASS"
	"~^socktest: check ok-connect-returns-local-port: [0-9]+ OK PASS$"
	"socktest: many-clients: 20 clients through port 7010: 20 echoed, 20 distinct local ports"
	"socktest: check many-clients-one-port: 0 OK PASS"
	"socktest: check no-sockets-left: 0 OK PASS"
	"socktest: check: $CHECKS passed, 0 failed"
	'!^socktest: check .* FAIL$'
	"skiff: socktest exited with status 0"
)

boot_case check-smp1 0 socktest --direct --smp 1 --append socktest.mode=check --timeout 120 \
	--expect "${class_lines[@]}"
boot_case check-smp2 0 socktest --direct --smp 2 --append socktest.mode=check --timeout 120 \
	--expect "${class_lines[@]}"

# CR LF and LF line ends, an empty line, and a backspace that takes back a
# typo: the server sees "world", not "worlx".
boot_input_case demo-console 0 '^socktest: client connected from local port [0-9]+; type lines' \
	'hello, skiff\r\nworlx\bd\n\nquit\n' \
	socktest --direct --smp 2 --timeout 120 --expect \
	"socktest: server thread echoes on 127.0.0.1:7000" \
	"socktest: echo: hello, skiff" \
	"socktest: echo: world" \
	"~^socktest: 2 lines echoed, 17 bytes; server ended with -1030 E_CONNECTION_RESET_BY_REMOTE$" \
	'!socktest: echo: worl[^d]' \
	"skiff: socktest exited with status 0"

boot_finish

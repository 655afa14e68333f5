#!/usr/bin/env bash
# tests/boot/prof.sh: the sampling profiler (kernel/prof.c). apps/threads'
# spin mode keeps both CPUs in threads_spin_loop: with prof.hz set, the
# profile printed at exit must name it with most of the busy samples (by
# self and by total, its callers spin_thread and thread_entry too); a
# profile that names the wrong functions (a broken symbol table, a sample
# of the wrong frame) or takes no samples fails. prof=1 is 997 Hz; with
# neither, nothing is sampled or printed. Direct boot, the cheapest.
set -uo pipefail
# shellcheck source=tests/lib/boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/boot.sh"

boot_init prof
boot_require

hot='[5-9][0-9]\.[0-9]%'
boot_case spin-smp2 0 threads --direct --smp 2 --append "threads.mode=spin threads.spin_ms=800 prof.hz=499" --expect \
	"prof: sampling every CPU at 499 Hz" \
	"~prof: [0-9]+ samples at 499 Hz on 2 CPUs over [0-9.]+ s: [1-9][0-9]+ busy" \
	"~prof: +$hot +[0-9]+ threads_spin_loop$" \
	"~prof: +$hot +[0-9]+ spin_thread$" \
	"~prof: +$hot +[0-9]+ thread_entry$" \
	"prof: end of profile" "threads: spin: 2 CPUs spun 800 ms each, 2 did work"
boot_case prof1-default-rate 0 threads --direct --smp 1 --append "threads.mode=spin threads.spin_ms=300 prof=1 prof.top=3" --expect \
	"prof: sampling every CPU at 997 Hz" \
	"~prof: +$hot +[0-9]+ threads_spin_loop$" "prof: end of profile"
boot_case off 0 threads --direct --smp 1 --append "threads.mode=spin threads.spin_ms=100" --expect \
	"threads: spin: 1 CPUs spun 100 ms each, 1 did work" '!prof:'
boot_finish

#!/usr/bin/env bash
# tests/boot/threads.sh: the cooperative per-CPU scheduler on 1 and 4 CPUs
# (apps/threads checks per-CPU checksums of work handed between CPUs), a
# stress run of thousands of creates and exits with random sleeps that must
# end with the heap, page and thread counts it started with, and the
# scheduler's own guards: a stack overflow hits the guard page and is named,
# and yielding with a spinlock held panics. threads.mode=pthread checks
# <pthread.h> (mutexes that block threads, not CPUs; conditions, timed
# waits, join, detach, once, error codes, no leak) on 1 and 4 CPUs.
# apps.sh covers 2 CPUs on every boot path; these run on the direct path,
# the cheapest boot.
set -uo pipefail
# shellcheck source=tests/lib/boot.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/boot.sh"

boot_init threads
boot_require

boot_case check-smp1 0 threads --direct --smp 1 --expect \
	"threads: 1 CPUs, 4 workers per CPU, 64 rounds each" \
	"~^threads:   0 +256 +32 +[0-9a-f]{16} +[0-9a-f]{16} +ok$" \
	"threads: check passed" '!MISMATCH' '!smp: CPU 1'
boot_case check-smp4 0 threads --direct --smp 4 --expect \
	"smp: 4 of 4 CPUs online" \
	"~^threads:   3 +256 +32 +[0-9a-f]{16} +[0-9a-f]{16} +ok$" \
	"threads: check passed" '!MISMATCH' '!wrong CPU'
boot_case stress-smp4 0 threads --direct --smp 4 --append threads.mode=stress --expect \
	"~^threads: stress: 4000 threads created and joined across 4 CPUs" \
	"~^threads: stress: heap bytes in use ([0-9]+) -> \1, threads alive ([0-9]+) -> \2, free pages ([0-9]+) -> \3$" \
	"threads: stress passed: no leak"
boot_case pthread-smp1 0 threads --direct --smp 1 --append threads.mode=pthread --expect \
	"threads: pthread: mutex: 8 threads x 2000 = 16000" \
	"threads: pthread: blocking: skipped (1 CPU)" \
	"~^threads: pthread: leaks: heap bytes ([0-9]+) -> \1, threads alive ([0-9]+) -> \2$" \
	"threads: pthread passed" '!FAILED'
boot_case pthread-smp4 0 threads --direct --smp 4 --append threads.mode=pthread --expect \
	"smp: 4 of 4 CPUs online" \
	"threads: pthread: mutex: 8 threads x 2000 = 16000" \
	"~^threads: pthread: blocking: waited [0-9]+ ms, CPU 0 ran [1-9][0-9]+ other passes meanwhile$" \
	"threads: pthread: timedwait: ok" "threads: pthread: cond: ok" "threads: pthread: once: ok" \
	"~^threads: pthread: leaks: heap bytes ([0-9]+) -> \1, threads alive ([0-9]+) -> \2$" \
	"threads: pthread passed" '!FAILED'
boot_case stack-overflow 70 hello --direct --append test.fault=stack --expect \
	"*** exception 8 (double fault)" \
	"~^kernel stack overflow: thread [0-9]+ ran into its stack's guard page$" \
	"~^ +[0-9a-f]{16} recurse\+0x[0-9a-f]+$" \
	"skiff: fatal exception, powering off with status 70"
boot_case yield-locked 70 hello --direct --append test.fault=yield_locked --expect \
	"~^panic: sched: thread [0-9]+ switching with 1 spinlock\(s\) held$" \
	"~^ +[0-9a-f]{16} thread_yield\+0x[0-9a-f]+$" \
	"skiff: kernel panic, powering off with status 70"
boot_finish

# tests/unit/net.mk: host build and tests of the network stack (net/).
#
# Standalone:  make -f tests/unit/net.mk unit-net     (from the repo root)
# Included:    include tests/unit/net.mk, then depend on unit-net.
#
# unit-net           builds net/ + fakes with ASan/UBSan, runs every
#                    tests/unit/net/*_test.c, fails if any test fails; it
#                    also runs the two checks below.
# check-net-deps     fails if net/ includes anything but the freestanding
#                    headers, string.h, errno.h and its own headers.
# check-net-freestanding  compiles each net/*.c with kernel-style flags
#                    (plus -fno-pie: Debian gcc defaults to PIE, which
#                    -mcmodel=kernel rejects).
#
# Every variable is NET_-prefixed and every rule a static pattern rule so
# including this file cannot disturb the top-level Makefile. Outputs go
# under build/host/net/.

NET_MK_SAVED_GOAL := $(.DEFAULT_GOAL)

NET_BUILD      := build/host/net
NET_HOST_CC    ?= cc
NET_KCC        ?= gcc
NET_HOST_CFLAGS := -std=c11 -g -O1 -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer -Inet -Itests/fakes -Itests/unit/net
NET_HOST_LDLIBS := -lcmocka
NET_KFLAGS := -std=c11 -ffreestanding -fno-builtin -mno-red-zone -mno-sse \
	-mno-mmx -mno-sse2 -mcmodel=kernel -fno-pie -fno-pic -Wall -Wextra -Werror

NET_SRCS       := $(wildcard net/*.c)
# sock_*.c fakes belong to tests/unit/sock.mk (they need the socket layer).
NET_FAKE_SRCS  := $(filter-out tests/fakes/sock_%.c,$(wildcard tests/fakes/*.c))
NET_TEST_SRCS  := $(wildcard tests/unit/net/*_test.c)
NET_UTIL_SRCS  := $(filter-out %_test.c,$(wildcard tests/unit/net/*.c))

NET_OBJS       := $(patsubst %.c,$(NET_BUILD)/obj/%.o,$(NET_SRCS) $(NET_FAKE_SRCS) $(NET_UTIL_SRCS))
NET_KOBJS      := $(patsubst net/%.c,$(NET_BUILD)/kobj/%.o,$(NET_SRCS))
NET_TEST_BINS  := $(patsubst tests/unit/net/%.c,$(NET_BUILD)/bin/%,$(NET_TEST_SRCS))

.PHONY: unit-net check-net-deps check-net-freestanding

unit-net: check-net-deps check-net-freestanding $(NET_TEST_BINS)
	@fail=0; for t in $(NET_TEST_BINS); do \
		echo "== $$t"; $$t || { echo "FAILED: $$t"; fail=1; }; \
	done; exit $$fail

# The arch boundary (STYLE.md): only <stddef.h> <stdint.h> <stdbool.h>
# <string.h> <errno.h> and "own.h" (a bare name, so never ../arch/...).
check-net-deps:
	@bad=$$(grep -nE '^[[:space:]]*#[[:space:]]*include' $$(find net -name '*.[ch]') | \
		grep -vE '#[[:space:]]*include[[:space:]]*(<(stddef|stdint|stdbool|string|errno)\.h>|"[A-Za-z0-9_]+\.h")'); \
	if [ -n "$$bad" ]; then \
		echo "check-net-deps: net/ reaches outside its boundary:"; \
		echo "$$bad"; exit 1; \
	fi; \
	if grep -nE '(arch|kernel|drivers)/' $$(find net -name '*.[ch]') | grep -E '#[[:space:]]*include'; then \
		echo "check-net-deps: net/ includes arch/, kernel/ or drivers/"; exit 1; \
	fi; \
	echo "check-net-deps: ok"

check-net-freestanding: $(NET_KOBJS)
	@echo "check-net-freestanding: ok"

$(NET_OBJS): $(NET_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(NET_HOST_CC) $(NET_HOST_CFLAGS) -MMD -MP -c $< -o $@

$(NET_KOBJS): $(NET_BUILD)/kobj/%.o: net/%.c
	@mkdir -p $(dir $@)
	$(NET_KCC) $(NET_KFLAGS) -MMD -MP -c $< -o $@

$(NET_TEST_BINS): $(NET_BUILD)/bin/%: tests/unit/net/%.c $(NET_OBJS)
	@mkdir -p $(dir $@)
	$(NET_HOST_CC) $(NET_HOST_CFLAGS) -MMD -MP $< $(NET_OBJS) $(NET_HOST_LDLIBS) -o $@

-include $(NET_OBJS:.o=.d) $(NET_KOBJS:.o=.d) $(NET_TEST_BINS:=.d)

# Standalone, unit-net is the default goal; included, leave the includer's.
ifeq ($(firstword $(MAKEFILE_LIST)),tests/unit/net.mk)
.DEFAULT_GOAL := unit-net
else
.DEFAULT_GOAL := $(NET_MK_SAVED_GOAL)
endif

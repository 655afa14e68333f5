# tests/fuzz/fuzz.mk: the libFuzzer targets of tests/fuzz/ (clang, ASan,
# UBSan) and their corpus replays for make unit (gcc, the unit tests'
# sanitizers). Included by the top-level Makefile after tests/unit/*.mk
# (it links net.mk's NET_OBJS into the replays).
#
#   build/fuzz/NAME             libFuzzer binary for tests/fuzz/fuzz_NAME.c
#   build/host/fuzz/NAME_replay every file of tests/fuzz/NAME/ through the
#                               target once, as a cmocka case (make unit)
#
# tests/fuzz/run.sh runs the binaries (make fuzz; make test's slice).
#
# The guest<->host pipes (issue 11) are the "pipe" target: their frames
# (pipe/msg.c) decoded and encoded with round trips, and their shared
# ring (pipe/ring.c) driven against a model. The monitor's and the guest's
# frame assembly (tools/pipemon/relay.c, kernel/pipe_stream.c) only read a
# header's length and hand the frame to pipe_msg_decode; they are covered
# by tests/unit/pipemon, not fuzzed here.

FUZZ_CC      ?= clang
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_NAMES   := frame frames dhcp tcp netconf http cmdline pipe
FUZZ_NET_NAMES := frame frames dhcp tcp netconf
FUZZ_INC     := -I. -Inet -Itests/fakes -Itests/unit/net -Itests/unit/httpd
FUZZ_CFLAGS  := -std=gnu11 -g -O1 $(FUZZ_INC) -Wall -Wextra -Werror \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BINS    := $(addprefix $(FUZZ_BUILD)/,$(FUZZ_NAMES))
FUZZ_REPLAYS := $(patsubst %,$(BUILD)/host/fuzz/%_replay,$(FUZZ_NAMES))

# What each target links besides its own fuzz_NAME.c.
FUZZ_NET_SRCS := $(wildcard net/*.c) tests/fakes/fake_env.c tests/fakes/capture_netif.c \
	tests/unit/net/net_test_util.c tests/fuzz/fuzz_util.c
FUZZ_DEPS_net     := $(FUZZ_NET_SRCS)
FUZZ_DEPS_http    := tests/unit/httpd/http_contract.c apps/httpd/http_parse.c
FUZZ_DEPS_cmdline := kernel/cmdline_parse.c lib/fmt.c
FUZZ_DEPS_pipe    := pipe/msg.c pipe/ring.c
fuzz_deps = $(if $(filter $(1),$(FUZZ_NET_NAMES)),$(FUZZ_DEPS_net),$(FUZZ_DEPS_$(1)))
fuzz_libs = $(if $(filter $(1),$(FUZZ_NET_NAMES)),-lcmocka)

.PHONY: fuzz fuzz-build

fuzz-build: $(FUZZ_BINS)

# make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="tcp dhcp"]: N seconds each (60).
fuzz: fuzz-build
	$(Q)FUZZ_NO_BUILD=1 FUZZ_SECONDS=$(or $(FUZZ_SECONDS),60) tests/fuzz/run.sh $(FUZZ_TARGETS)

# net_test_util.c defines a function named stat(), which would take the
# place of libc's in libFuzzer's own calls (it stats the corpus
# directories); in the fuzzers it goes by another name.
$(FUZZ_BUILD)/obj/tests/unit/net/net_test_util.o: FUZZ_EXTRA := -Dstat=net_test_stat

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_EXTRA) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

define FUZZ_RULES
$(FUZZ_BUILD)/$(1): $(FUZZ_BUILD)/obj/tests/fuzz/fuzz_$(1).o $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(call fuzz_deps,$(1)))
	@$(if $(Q),echo "  FUZZLD  $$@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ $$^ $(call fuzz_libs,$(1))

# The replay: net targets link net.mk's objects (same sanitizers).
$(BUILD)/host/fuzz/$(1)_replay: tests/fuzz/replay_main.c tests/fuzz/fuzz_$(1).c \
		$(if $(filter $(1),$(FUZZ_NET_NAMES)),$(NET_OBJS) tests/fuzz/fuzz_util.c tests/fuzz/fuzz_util.h,$(call fuzz_deps,$(1)))
	@mkdir -p $$(dir $$@)
	@$(if $(Q),echo "  HOSTCC  $$@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(FUZZ_INC) -DFUZZ_CORPUS='"tests/fuzz/$(1)"' -DFUZZ_NAME='"fuzz/$(1)"' \
		-o $$@ tests/fuzz/replay_main.c tests/fuzz/fuzz_$(1).c \
		$(if $(filter $(1),$(FUZZ_NET_NAMES)),tests/fuzz/fuzz_util.c $(NET_OBJS),$(call fuzz_deps,$(1))) \
		$(HOST_LDLIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_RULES,$(n))))

UNIT_TESTS += $(FUZZ_REPLAYS)

-include $(wildcard $(FUZZ_BUILD)/obj/*/*.d $(FUZZ_BUILD)/obj/*/*/*.d $(FUZZ_BUILD)/obj/*/*/*/*.d)

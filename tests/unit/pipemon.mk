# tests/unit/pipemon.mk: the host monitor of the guest<->host pipes
# (tools/pipemon), built by make into build/host/pipemon, and its test
# against a fake guest (tests/unit/pipemon/fake_guest.c), which runs a
# copy of the monitor built with ASan/UBSan.

PIPEMON_SRCS := $(wildcard tools/pipemon/*.c) pipe/ring.c pipe/shm.c pipe/msg.c
PIPEMON_HDRS := tools/pipemon/pipemon.h pipe/ring.h pipe/shm.h pipe/msg.h
PIPEMON := $(BUILD)/host/pipemon
PIPEMON_ASAN := $(BUILD)/host/pipemon-test/pipemon_asan

$(PIPEMON): $(PIPEMON_SRCS) $(PIPEMON_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) -std=gnu11 -O2 -g -I. -Wall -Wextra -Werror -o $@ $(PIPEMON_SRCS)

$(PIPEMON_ASAN): $(PIPEMON_SRCS) $(PIPEMON_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $(PIPEMON_SRCS)

$(BUILD)/host/pipemon-test/pipemon_test: tests/unit/pipemon/pipemon_test.c tests/unit/pipemon/fake_guest.c \
		tests/unit/pipemon/fake_guest.h $(PIPEMON_ASAN) pipe/ring.c pipe/shm.c pipe/msg.c $(PIPEMON_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -DPIPEMON_BIN='"$(abspath $(PIPEMON_ASAN))"' -o $@ \
		tests/unit/pipemon/pipemon_test.c tests/unit/pipemon/fake_guest.c pipe/ring.c pipe/shm.c pipe/msg.c \
		$(HOST_LDLIBS)

.PHONY: pipemon
pipemon: $(PIPEMON)
images tools: $(PIPEMON)
UNIT_TESTS += $(BUILD)/host/pipemon-test/pipemon_test

# tests/unit/sock.mk: host tests of the socket layer (sock/) with
# ASan/UBSan: the core and descriptor table over two stacks on the
# simulated link (tests/unit/sock/sock_pair.c), pthreads as threads
# (tests/fakes/sock_os_host.c). sock/posix_*.c are not built here: their
# names are libc's; they only convert arguments for the core tested here.
# Links the net/ objects tests/unit/net.mk builds (this file sorts after
# it, so NET_OBJS is set). `make unit-sock` runs these alone.

SOCK_BUILD    := $(BUILD)/host/sock
SOCK_SRCS     := $(filter-out sock/posix_%.c,$(wildcard sock/*.c)) \
	tests/fakes/sock_os_host.c tests/unit/sock/sock_pair.c
SOCK_OBJS     := $(patsubst %.c,$(SOCK_BUILD)/obj/%.o,$(SOCK_SRCS))
SOCK_TESTS    := $(patsubst tests/unit/sock/%.c,$(SOCK_BUILD)/%,$(wildcard tests/unit/sock/*_test.c))
SOCK_CFLAGS   := $(HOST_CFLAGS) -fno-sanitize-recover=all -Itests/fakes -Itests/unit/sock -pthread

UNIT_TESTS += $(SOCK_TESTS)

.PHONY: unit-sock
unit-sock: $(SOCK_TESTS)
	$(Q)tools/run-unit.sh $(SOCK_TESTS)

$(SOCK_OBJS): $(SOCK_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $<")
	$(Q)$(HOSTCC) $(SOCK_CFLAGS) -MMD -MP -c $< -o $@

$(SOCK_TESTS): $(SOCK_BUILD)/%: tests/unit/sock/%.c $(SOCK_OBJS) $(NET_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(SOCK_CFLAGS) -MMD -MP -o $@ $< $(SOCK_OBJS) $(NET_OBJS) $(HOST_LDLIBS)

-include $(SOCK_OBJS:.o=.d) $(SOCK_TESTS:=.d)

# tests/unit/netidle.mk: host test of apps/netidle's TCP/UDP services
# (apps/netidle/services.c) against a second stack over the simulated
# link. The test includes services.c itself (to read its counters); the
# shim directory stands in for <skiff.h> and kernel/netdev.h, so it must
# come before -I. on the command line. Links the net/ objects that
# tests/unit/net.mk builds (this file sorts after it, so NET_OBJS is set).
NETIDLE_TEST := $(BUILD)/host/apps/netidle_services_test

UNIT_TESTS += $(NETIDLE_TEST)

$(NETIDLE_TEST): tests/unit/apps/netidle_services_test.c apps/netidle/services.c \
		apps/netidle/services.h $(wildcard tests/unit/apps/shim/*.h tests/unit/apps/shim/kernel/*.h) \
		$(NET_OBJS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) -Itests/unit/apps/shim $(HOST_CFLAGS) -Itests/fakes -Itests/unit/net -o $@ $< \
		$(NET_OBJS) $(HOST_LDLIBS)

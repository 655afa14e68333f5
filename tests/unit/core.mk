# Host unit tests for lib/ and kernel/ code that has no machine dependency.
# Included by the top-level Makefile; each test links only the sources it tests.

$(BUILD)/host/lib/fmt_test: tests/unit/lib/fmt_test.c lib/fmt.c lib/fmt.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Wno-format -Wno-format-extra-args -o $@ tests/unit/lib/fmt_test.c lib/fmt.c $(HOST_LDLIBS)

$(BUILD)/host/kernel/cmdline_test: tests/unit/kernel/cmdline_test.c kernel/cmdline_parse.c kernel/cmdline_parse.h lib/fmt.c
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/unit/kernel/cmdline_test.c kernel/cmdline_parse.c lib/fmt.c $(HOST_LDLIBS)

UNIT_TESTS += $(BUILD)/host/lib/fmt_test $(BUILD)/host/kernel/cmdline_test

# The recursive spinlock, each pthread one CPU (shims for this_cpu() and the
# interrupt flag first on the include path), under ThreadSanitizer.
$(BUILD)/host/kernel/rspinlock_test: tests/unit/kernel/rspinlock_test.c kernel/spinlock.h \
		tests/unit/kernel/shim/kernel/percpu.h tests/unit/kernel/shim/arch/x86_64/io.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) -Itests/unit/kernel/shim $(subst -fsanitize=address,-fsanitize=thread,$(HOST_CFLAGS)) -o $@ \
		tests/unit/kernel/rspinlock_test.c $(HOST_LDLIBS) -lpthread

UNIT_TESTS += $(BUILD)/host/kernel/rspinlock_test

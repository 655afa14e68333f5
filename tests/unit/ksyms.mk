# Host unit test for kernel/ksyms.c over a table that tools/gen-ksyms.sh
# makes from a synthetic listing (tests/unit/kernel/ksyms_listing.awk):
# the generator and the decoder checked together.
KSYMS_TEST_GEN := $(BUILD)/host/kernel/ksyms_gen

$(KSYMS_TEST_GEN)/listing.nm: tests/unit/kernel/ksyms_listing.awk
	@mkdir -p $(dir $@)
	$(Q)awk -f $< > $@

$(KSYMS_TEST_GEN)/ksyms.S: $(KSYMS_TEST_GEN)/listing.nm tools/gen-ksyms.sh
	$(Q)tools/gen-ksyms.sh --nm $< $@

$(BUILD)/host/kernel/ksyms_test: tests/unit/kernel/ksyms_test.c kernel/ksyms.c kernel/ksyms.h lib/fmt.c \
		$(KSYMS_TEST_GEN)/ksyms.S
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Wa,--noexecstack -DKSYMS_LISTING='"$(KSYMS_TEST_GEN)/listing.nm"' -o $@ \
		tests/unit/kernel/ksyms_test.c kernel/ksyms.c lib/fmt.c $(KSYMS_TEST_GEN)/ksyms.S $(HOST_LDLIBS)

UNIT_TESTS += $(BUILD)/host/kernel/ksyms_test

# tests/unit/arch.mk: host tests of arch/x86_64 helpers that need no kernel
# (RDRAND: the retry and sanity logic scripted, and the host's own RDRAND).

UNIT_TESTS += $(BUILD)/host/arch/rdrand_test

$(BUILD)/host/arch/rdrand_test: tests/unit/arch/rdrand_test.c arch/x86_64/rdrand.c arch/x86_64/rdrand.h arch/x86_64/io.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< arch/x86_64/rdrand.c $(HOST_LDLIBS)

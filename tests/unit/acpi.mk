# tests/unit/acpi.mk: host tests of the ACPI table decoders
# (arch/x86_64/acpi_parse.c: checksums, MADT, FADT, \_S5 in AML).
ACPI_PARSE_SRCS := arch/x86_64/acpi_parse.c

UNIT_TESTS += $(BUILD)/host/acpi/acpi_test

$(BUILD)/host/acpi/acpi_test: tests/unit/acpi/acpi_test.c $(ACPI_PARSE_SRCS) arch/x86_64/acpi.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(ACPI_PARSE_SRCS) $(HOST_LDLIBS)

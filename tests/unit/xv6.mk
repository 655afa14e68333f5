# tests/unit/xv6.mk: host tests of the xv6 socket face (xv6/): the
# (port, owner) -> socket table on its own.
XV6_TABLE_TEST := $(BUILD)/host/xv6/xv6_table_test

UNIT_TESTS += $(XV6_TABLE_TEST)

$(XV6_TABLE_TEST): tests/unit/xv6/xv6_table_test.c xv6/xv6_table.c xv6/xv6_table.h include/xv6/socket.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< xv6/xv6_table.c $(HOST_LDLIBS)

# tests/unit/xv6.mk: host tests of the xv6 socket face (xv6/): the
# (port, owner) -> socket table on its own, and the whole face over the
# host's POSIX sockets on 127.0.0.1 with real threads (it is written
# against POSIX only, so the host's TCP can stand in for skiff's).
XV6_TABLE_TEST := $(BUILD)/host/xv6/xv6_table_test
XV6_SOCK_TEST := $(BUILD)/host/xv6/xv6_sock_test
XV6_SRCS := xv6/xv6_sock.c xv6/xv6_table.c xv6/xv6_err.c
XV6_HDRS := xv6/xv6_table.h xv6/xv6_os.h include/xv6/socket.h

UNIT_TESTS += $(XV6_TABLE_TEST) $(XV6_SOCK_TEST)

$(XV6_TABLE_TEST): tests/unit/xv6/xv6_table_test.c xv6/xv6_table.c $(XV6_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< xv6/xv6_table.c $(HOST_LDLIBS)

$(XV6_SOCK_TEST): tests/unit/xv6/xv6_sock_test.c $(XV6_SRCS) $(XV6_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Wmissing-prototypes -Wshadow -o $@ $< $(XV6_SRCS) $(HOST_LDLIBS) -lpthread

# tests/unit/msg.mk: host tests of the SchemeStation library's portable
# part (msg/; MSG_PORTABLE_SRCS is the Makefile's list, shared with
# build/host/msgtool): the codec and text forms, and domains with a
# router in one process over a fake network (tests/unit/msg/).
MSG_WIRE_TEST := $(BUILD)/host/msg/msg_wire_test
MSG_NODE_TEST := $(BUILD)/host/msg/msg_node_test

UNIT_TESTS += $(MSG_WIRE_TEST) $(MSG_NODE_TEST)

$(BUILD)/host/msg/%: tests/unit/msg/%.c $(MSG_PORTABLE_SRCS) $(MSG_PORTABLE_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Wmissing-prototypes -Wshadow -o $@ $< $(MSG_PORTABLE_SRCS) $(HOST_LDLIBS)

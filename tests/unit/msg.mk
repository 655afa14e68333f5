# tests/unit/msg.mk: host tests of the SchemeStation library's portable
# part (msg/; MSG_PORTABLE_SRCS is the Makefile's list, shared with
# build/host/msgtool): the codec and text forms, and domains with a
# router in one process over a fake network (tests/unit/msg/).
MSG_WIRE_TEST := $(BUILD)/host/msg/msg_wire_test
MSG_NODE_TEST := $(BUILD)/host/msg/msg_node_test

UNIT_TESTS += $(MSG_WIRE_TEST) $(MSG_NODE_TEST)

$(MSG_WIRE_TEST) $(MSG_NODE_TEST): $(BUILD)/host/msg/%: tests/unit/msg/%.c $(MSG_PORTABLE_SRCS) $(MSG_PORTABLE_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -Wmissing-prototypes -Wshadow -o $@ $< $(MSG_PORTABLE_SRCS) $(HOST_LDLIBS)

# msg/msg_svc.c, the glue the guests run, over the callback services built
# for the host (SVC_HOST, as tests/unit/svc.mk; its source list repeated:
# that file is read after this one): a router and a domain on 127.0.0.1.
MSG_SVC_TEST := $(BUILD)/host/msg/msg_svc_test
MSG_SVC_HOST_SRCS := sock/svc.c sock/svc_conn.c sock/svc_outq.c sched/timerq.c

UNIT_TESTS += $(MSG_SVC_TEST)

$(MSG_SVC_TEST): tests/unit/msg/msg_svc_test.c msg/msg_svc.c include/skiff/msg_svc.h \
		include/skiff/service.h $(MSG_SVC_HOST_SRCS) $(MSG_PORTABLE_SRCS) $(MSG_PORTABLE_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -DSVC_HOST -o $@ $< msg/msg_svc.c $(MSG_SVC_HOST_SRCS) \
		$(MSG_PORTABLE_SRCS) $(HOST_LDLIBS) -lpthread

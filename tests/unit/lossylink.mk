# tests/unit/lossylink.mk: host tests of tools/lossylink's knob logic (the
# spec parser, the seeded decisions, the departure queue), with the
# sanitizers; the relay's sockets are exercised by tests/net/lossy.sh.
LOSSYLINK_TEST := $(BUILD)/host/tools/lossylink_test

UNIT_TESTS += $(LOSSYLINK_TEST)

$(LOSSYLINK_TEST): tests/unit/lossylink/link_test.c tools/lossylink/link.c tools/lossylink/queue.c \
		tools/lossylink/link.h tools/lossylink/queue.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -fno-sanitize-recover=all -o $@ tests/unit/lossylink/link_test.c \
		tools/lossylink/link.c tools/lossylink/queue.c $(HOST_LDLIBS) -lm

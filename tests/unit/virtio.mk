# tests/unit/virtio.mk: host tests of the split virtqueue bookkeeping
# (drivers/virtio-net/virtq.c) against a fake device on the same ring memory.
VIRTQ_TEST_SRCS := drivers/virtio-net/virtq.c

UNIT_TESTS += $(BUILD)/host/virtio/virtq_test

$(BUILD)/host/virtio/virtq_test: tests/unit/virtio/virtq_test.c $(VIRTQ_TEST_SRCS) drivers/virtio-net/virtq.h arch/x86_64/io.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(VIRTQ_TEST_SRCS) $(HOST_LDLIBS)

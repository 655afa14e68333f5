# tests/unit/virtio.mk: host tests of the virtio-net driver's pure parts: the split
# virtqueue bookkeeping (virtq.c) against a fake device on the same ring memory, and the offload header (vnet_hdr.c).
VIRTQ_TEST_SRCS := drivers/virtio-net/virtq.c

UNIT_TESTS += $(BUILD)/host/virtio/virtq_test

$(BUILD)/host/virtio/virtq_test: tests/unit/virtio/virtq_test.c $(VIRTQ_TEST_SRCS) drivers/virtio-net/virtq.h arch/x86_64/io.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(VIRTQ_TEST_SRCS) $(HOST_LDLIBS)

# drivers/virtio-net/vnet_hdr.c: offload features and the per-frame header (virtio 1.2 5.1.3, 5.1.6).
UNIT_TESTS += $(BUILD)/host/virtio/vnet_hdr_test

$(BUILD)/host/virtio/vnet_hdr_test: tests/unit/virtio/vnet_hdr_test.c drivers/virtio-net/vnet_hdr.c drivers/virtio-net/vnet_hdr.h net/pktbuf.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< drivers/virtio-net/vnet_hdr.c $(HOST_LDLIBS)

# tests/unit/zimage.mk: the self-extracting image's format: the LZ4
# compressor (tools/zpack/) round-trips through the stub's decoder
# (zimage/unpack.c), which rejects damaged blocks cleanly.
ZIMAGE_TEST_SRCS := tools/zpack/lz4pack.c zimage/unpack.c

UNIT_TESTS += $(BUILD)/host/zimage/zimage_test

$(BUILD)/host/zimage/zimage_test: tests/unit/zimage/zimage_test.c $(ZIMAGE_TEST_SRCS) tools/zpack/lz4pack.h zimage/unpack.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(ZIMAGE_TEST_SRCS) $(HOST_LDLIBS)

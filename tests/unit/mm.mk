# tests/unit/mm.mk: host tests of the page allocator and heap cores
# (mm/buddy.c, mm/memmap.c, mm/heap.c), built against the host libc.
MM_CORE_SRCS := mm/buddy.c mm/memmap.c mm/heap.c
MM_CORE_HDRS := mm/buddy.h mm/memmap.h mm/heap.h kernel/bootinfo.h

UNIT_TESTS += $(BUILD)/host/mm/page_test $(BUILD)/host/mm/heap_test

$(BUILD)/host/mm/%_test: tests/unit/mm/%_test.c $(MM_CORE_SRCS) $(MM_CORE_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(MM_CORE_SRCS) $(HOST_LDLIBS)

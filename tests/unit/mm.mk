# tests/unit/mm.mk: host tests of the page allocator and heap cores
# (mm/buddy.c, mm/memmap.c, mm/heap.c with the inbox it uses for remote
# frees), built against the host libc; heap_smp_test runs real threads
# under ThreadSanitizer instead of AddressSanitizer.
MM_CORE_SRCS := mm/buddy.c mm/memmap.c mm/heap.c sched/inbox.c
MM_CORE_HDRS := mm/buddy.h mm/memmap.h mm/heap.h kernel/bootinfo.h sched/inbox.h

UNIT_TESTS += $(BUILD)/host/mm/page_test $(BUILD)/host/mm/heap_test $(BUILD)/host/mm/heap_remote_test \
	      $(BUILD)/host/mm/heap_smp_test

$(BUILD)/host/mm/heap_smp_test: tests/unit/mm/heap_smp_test.c $(MM_CORE_SRCS) $(MM_CORE_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(subst -fsanitize=address,-fsanitize=thread,$(HOST_CFLAGS)) -o $@ $< $(MM_CORE_SRCS) \
		$(HOST_LDLIBS) -lpthread

$(BUILD)/host/mm/%_test: tests/unit/mm/%_test.c $(MM_CORE_SRCS) $(MM_CORE_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(MM_CORE_SRCS) $(HOST_LDLIBS)

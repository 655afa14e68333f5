# tests/unit/pipe.mk: host tests of the guest<->host pipes' shared code
# (pipe/: ring, shared-memory layout, frames) with ASan/UBSan, plus the
# two-thread ring test again under ThreadSanitizer (pipe_ring_tsan, also
# alone as `make unit-pipe-tsan`): TSan and ASan cannot share a binary.
# check-pipe-freestanding compiles pipe/*.c with the kernel's flags and
# no host headers, as the kernel build does.

PIPE_SRCS := pipe/ring.c pipe/shm.c pipe/msg.c
PIPE_HDRS := pipe/ring.h pipe/shm.h pipe/msg.h
PIPE_TESTS := ring_test ring_threads_test msg_test shm_test
PIPE_BINS := $(patsubst %,$(BUILD)/host/pipe/%,$(PIPE_TESTS))
PIPE_TSAN_BIN := $(BUILD)/host/pipe/ring_threads_tsan

$(PIPE_BINS): $(BUILD)/host/pipe/%: tests/unit/pipe/%.c $(PIPE_SRCS) $(PIPE_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ $< $(PIPE_SRCS) $(HOST_LDLIBS) -lpthread

# -Wno-tsan: GCC notes that TSan does not model the seq_cst fences; the
# ring's data is ordered by its acquire/release head and tail, which TSan checks.
$(PIPE_TSAN_BIN): tests/unit/pipe/ring_threads_test.c pipe/ring.c pipe/ring.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@ (tsan)")
	$(Q)$(HOSTCC) -std=gnu11 -O1 -g -I. -Wall -Wextra -Werror -Wno-tsan -fsanitize=thread \
		-fno-omit-frame-pointer -o $@ $< pipe/ring.c $(HOST_LDLIBS) -lpthread

.PHONY: unit-pipe-tsan check-pipe-freestanding
unit-pipe-tsan: $(PIPE_TSAN_BIN)
	$(Q)tools/run-unit.sh $(PIPE_TSAN_BIN)

check-pipe-freestanding:
	$(Q)for f in $(PIPE_SRCS); do $(CC) $(KCFLAGS) -fsyntax-only $$f || exit 1; done

UNIT_TESTS += $(PIPE_BINS) $(PIPE_TSAN_BIN)

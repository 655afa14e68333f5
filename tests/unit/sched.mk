# Host unit tests for the scheduler's data structures (no machine code).

$(BUILD)/host/sched/timerq_test: tests/unit/sched/timerq_test.c sched/timerq.c sched/timerq.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/unit/sched/timerq_test.c sched/timerq.c $(HOST_LDLIBS)

$(BUILD)/host/sched/inbox_test: tests/unit/sched/inbox_test.c sched/inbox.c sched/inbox.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(subst -fsanitize=address,-fsanitize=thread,$(HOST_CFLAGS)) -o $@ tests/unit/sched/inbox_test.c sched/inbox.c $(HOST_LDLIBS) -lpthread

$(BUILD)/host/sched/runq_test: tests/unit/sched/runq_test.c sched/runq.h lib/list.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/unit/sched/runq_test.c $(HOST_LDLIBS)

UNIT_TESTS += $(BUILD)/host/sched/timerq_test $(BUILD)/host/sched/inbox_test $(BUILD)/host/sched/runq_test

# tests/unit/svc.mk: host tests of the callback services (sock/svc*.c).
# The service code is built with SVC_HOST (sock/svc_os.h: libc, pthreads)
# over Linux's own sockets and epoll, so svc_test drives real TCP
# connections on 127.0.0.1. svc_outq.c is also built on its own with
# malloc renamed, so svc_outq_test can make allocations fail.

SVC_HOST_SRCS := sock/svc.c sock/svc_conn.c sock/svc_outq.c sched/timerq.c
SVC_HOST_HDRS := include/skiff/service.h sock/svc_os.h sock/svc_outq.h sock/svc_priv.h \
	sched/timerq.h lib/list.h

$(BUILD)/host/svc/svc_outq_test: tests/unit/svc/svc_outq_test.c sock/svc_outq.c sock/svc_outq.h sock/svc_os.h
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -DSVC_HOST -Dmalloc=outq_test_malloc -c -o $@.outq.o sock/svc_outq.c
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/unit/svc/svc_outq_test.c $@.outq.o $(HOST_LDLIBS)

$(BUILD)/host/svc/svc_test: tests/unit/svc/svc_test.c $(SVC_HOST_SRCS) $(SVC_HOST_HDRS)
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -DSVC_HOST -o $@ tests/unit/svc/svc_test.c $(SVC_HOST_SRCS) \
		$(HOST_LDLIBS) -lpthread

UNIT_TESTS += $(BUILD)/host/svc/svc_outq_test $(BUILD)/host/svc/svc_test

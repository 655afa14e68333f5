# tests/unit/httpd.mk: host tests of apps/httpd's request parser
# (apps/httpd/http_parse.c, which has no skiff dependencies).
HTTPD_PARSE_TEST := $(BUILD)/host/httpd/http_parse_test

UNIT_TESTS += $(HTTPD_PARSE_TEST)

$(HTTPD_PARSE_TEST): tests/unit/httpd/http_parse_test.c apps/httpd/http_parse.c apps/httpd/http_parse.h \
		tests/unit/httpd/http_contract.c tests/unit/httpd/http_contract.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/unit/httpd/http_parse_test.c apps/httpd/http_parse.c \
		tests/unit/httpd/http_contract.c $(HOST_LDLIBS)

# apps/httpd's service (httpd.c) over the callback services built for the
# host (SVC_HOST, as tests/unit/svc.mk): real TCP on 127.0.0.1. The shim
# directory stands in for <skiff.h>, so it comes before -I.
HTTPD_SERVER_TEST := $(BUILD)/host/httpd/httpd_server_test
# svc.mk's lists, repeated: that file is read after this one.
HTTPD_SVC_SRCS := sock/svc.c sock/svc_conn.c sock/svc_outq.c sched/timerq.c
HTTPD_SVC_HDRS := include/skiff/service.h sock/svc_os.h sock/svc_outq.h sock/svc_priv.h \
	sched/timerq.h lib/list.h

UNIT_TESTS += $(HTTPD_SERVER_TEST)

$(HTTPD_SERVER_TEST): tests/unit/httpd/httpd_server_test.c tests/unit/httpd/shim/skiff.h tests/unit/httpd/shim/skiff/pipe.h \
		apps/httpd/httpd.c apps/httpd/httpd.h apps/httpd/http_parse.c apps/httpd/http_parse.h \
		apps/httpd/www.h apps/httpd/www_gen.c $(HTTPD_SVC_SRCS) $(HTTPD_SVC_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) -Itests/unit/httpd/shim $(HOST_CFLAGS) -DSVC_HOST -o $@ \
		tests/unit/httpd/httpd_server_test.c apps/httpd/httpd.c apps/httpd/http_parse.c apps/httpd/www_gen.c \
		$(HTTPD_SVC_SRCS) $(HOST_LDLIBS) -lpthread

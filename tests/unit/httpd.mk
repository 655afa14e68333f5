# tests/unit/httpd.mk: host tests of apps/httpd's request parser
# (apps/httpd/http_parse.c, which has no skiff dependencies).
HTTPD_PARSE_TEST := $(BUILD)/host/httpd/http_parse_test

UNIT_TESTS += $(HTTPD_PARSE_TEST)

$(HTTPD_PARSE_TEST): tests/unit/httpd/http_parse_test.c apps/httpd/http_parse.c apps/httpd/http_parse.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -o $@ tests/unit/httpd/http_parse_test.c apps/httpd/http_parse.c \
		$(HOST_LDLIBS)

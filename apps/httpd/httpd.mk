# apps/httpd/httpd.mk: the web files embedded in apps/httpd's image
# (included by the Makefile). Every file of apps/httpd/www/ plus /1m.bin,
# which is generated here rather than kept in git: 65536 records of 16
# bytes, record k being "%015x\n" of k * 16 (its own offset), the format of
# apps/toroweb's /big, so a test can regenerate and compare it. Its mtime
# is this file's, so Last-Modified does not change with every build. The
# image does not hold it: www_gen_1m (apps/httpd/www_gen.c) makes the same
# bytes when it is served; the copy here gives the table its size and ETag.
HTTPD_WWW_SRC := $(sort $(wildcard apps/httpd/www/*))
HTTPD_GEN := $(BUILD)/gen/httpd
HTTPD_GEN_OBJS := $(HTTPD_GEN)/www_table.o $(HTTPD_GEN)/www_data.o
httpd_GEN_OBJS := $(HTTPD_GEN_OBJS)

$(HTTPD_GEN)/www/1m.bin: apps/httpd/httpd.mk
	@mkdir -p $(dir $@)
	$(Q)awk 'BEGIN { for (i = 0; i < 65536; i++) printf "%015x\n", i * 16 }' > $@.tmp
	$(Q)touch -r apps/httpd/httpd.mk $@.tmp && mv $@.tmp $@

# The folder itself is a prerequisite so that a removed file regenerates.
$(HTTPD_GEN)/www_table.c: tools/gen-www.sh apps/httpd/www $(HTTPD_WWW_SRC) $(HTTPD_GEN)/www/1m.bin
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  GEN     $@")
	$(Q)test "$$(stat -c %s apps/httpd/www/612.html)" = 612 || \
		{ echo "apps/httpd/www/612.html must be 612 bytes (benchmarks compare it with nginx's page)" >&2; exit 1; }
	$(Q)tools/gen-www.sh $@ $(HTTPD_GEN)/www_data.S --gen www_gen_1m $(HTTPD_GEN)/www/1m.bin $(HTTPD_WWW_SRC)

$(HTTPD_GEN)/www_data.S: $(HTTPD_GEN)/www_table.c

$(HTTPD_GEN)/www_table.o: $(HTTPD_GEN)/www_table.c apps/httpd/www.h $(BUILD)/gen/kflags
	$(Q)$(CC) $(KCFLAGS) -c $< -o $@

$(HTTPD_GEN)/www_data.o: $(HTTPD_GEN)/www_data.S $(HTTPD_GEN)/www_table.c
	$(Q)$(CC) $(KASFLAGS) -c $< -o $@

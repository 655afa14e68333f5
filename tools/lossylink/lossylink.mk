# tools/lossylink/lossylink.mk: the lossy-link relay (a host tool, not part
# of any image), built into build/host/lossylink by `make` and on demand by
# tools/cloudit.sh --link. Included by the top-level Makefile.
LOSSYLINK := $(BUILD)/host/lossylink
LOSSYLINK_SRCS := tools/lossylink/lossylink.c tools/lossylink/link.c tools/lossylink/queue.c
LOSSYLINK_HDRS := tools/lossylink/link.h tools/lossylink/queue.h

$(LOSSYLINK): $(LOSSYLINK_SRCS) $(LOSSYLINK_HDRS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  HOSTCC  $@")
	$(Q)$(HOSTCC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wshadow -o $@ $(LOSSYLINK_SRCS)

.PHONY: lossylink
lossylink: $(LOSSYLINK)

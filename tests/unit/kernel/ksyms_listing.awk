# tests/unit/kernel/ksyms_listing.awk: a synthetic `nm -n` listing for
# tests/unit/kernel/ksyms_test.c, fed to tools/gen-ksyms.sh --nm. What it
# holds, in address order: symbols other than text (ignored by the
# generator), isr_stubs and the 256 isr_stub_N from it (left out), names
# sharing long prefixes (what the byte-pair encoding compresses), '.' and
# '$' names, 63-byte names, weak symbols, one-letter names, and gaps from
# 1 byte to about 55 KiB (under 64 KiB with the rest of a block of 32) so
# that the blocks' anchors differ widely.
BEGIN {
	a = 0x100000
	printf "%016x D data_before_text\n", a - 64
	printf "%016x T isr_stubs\n", a
	for (i = 0; i < 256; i++) {
		printf "%016x T isr_stub_%d\n", a, i
		a += 16
	}
	srand(7)
	for (i = 0; i < 1200; i++) {
		r = i % 11
		if (r == 0) nm = sprintf("tcp_in_state_%d_handler", i)
		else if (r == 1) nm = sprintf("tcp_out_segment_%d", i)
		else if (r == 2) nm = sprintf("vnet_rx_refill.constprop.%d", i % 3)
		else if (r == 3) nm = sprintf("x%d", i)
		else if (r == 4) nm = sprintf("arch_spin_unlock_irqrestore_%d", i)
		else if (r == 5) nm = sprintf("weak_hook_%d", i)
		else if (r == 6) nm = sprintf("sym$%d", i)
		else if (r == 7) nm = sprintf("%c", 97 + i % 26)
		else if (r == 8) nm = substr(sprintf("a_name_of_sixty_three_bytes_exactly_%06d_padding_padding_padding", i), 1, 63)
		else if (r == 9) nm = sprintf("http_parse_request_line_%d", i)
		else nm = sprintf("netif_%d_output", i)
		printf "%016x %s %s\n", a, (r == 5 ? "W" : (i % 2 ? "t" : "T")), nm
		if (i % 97 == 5)
			printf "%016x b bss_between_%d\n", a + 1, i
		gap = (i % 50 == 49) ? 50000 + int(rand() * 5000) : 1 + int(rand() * 300)
		a += gap
	}
	printf "%016x T last_symbol\n", a
}

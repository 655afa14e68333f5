/*
 * tcp_info_layout_test.c: skiff's struct tcp_info (include/netinet/tcp.h)
 * has Linux's layout, field for field (the host's <linux/tcp.h>, up to
 * tcpi_snd_wnd), so code written for Linux's getsockopt TCP_INFO reads
 * the same offsets; and the option's number is Linux's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* skiff's, under another tag, then the host's. */
#define tcp_info skiff_tcp_info
#include "../../../include/netinet/tcp.h"
#undef tcp_info
#undef SKIFF_NETINET_TCP_H
#undef TCP_NODELAY
#undef TCP_MAXSEG
#undef TCP_KEEPIDLE
#undef TCP_KEEPINTVL
#undef TCP_KEEPCNT
#undef TCP_USER_TIMEOUT
#undef TCPI_OPT_TIMESTAMPS
#undef TCPI_OPT_SACK
#undef TCPI_OPT_WSCALE
static const int skiff_tcp_info_opt = TCP_INFO;
#undef TCP_INFO
#include <linux/tcp.h>

#define SAME(f) \
	assert_int_equal(offsetof(struct skiff_tcp_info, f), offsetof(struct tcp_info, f))

static void test_every_field_at_linux_offset(void **state)
{
	(void)state;
	SAME(tcpi_state); SAME(tcpi_ca_state); SAME(tcpi_retransmits);
	SAME(tcpi_probes); SAME(tcpi_backoff); SAME(tcpi_options);
	SAME(tcpi_rto); SAME(tcpi_ato); SAME(tcpi_snd_mss); SAME(tcpi_rcv_mss);
	SAME(tcpi_unacked); SAME(tcpi_sacked); SAME(tcpi_lost); SAME(tcpi_retrans);
	SAME(tcpi_fackets); SAME(tcpi_last_data_sent); SAME(tcpi_last_ack_sent);
	SAME(tcpi_last_data_recv); SAME(tcpi_last_ack_recv); SAME(tcpi_pmtu);
	SAME(tcpi_rcv_ssthresh); SAME(tcpi_rtt); SAME(tcpi_rttvar);
	SAME(tcpi_snd_ssthresh); SAME(tcpi_snd_cwnd); SAME(tcpi_advmss);
	SAME(tcpi_reordering); SAME(tcpi_rcv_rtt); SAME(tcpi_rcv_space);
	SAME(tcpi_total_retrans); SAME(tcpi_pacing_rate); SAME(tcpi_max_pacing_rate);
	SAME(tcpi_bytes_acked); SAME(tcpi_bytes_received); SAME(tcpi_segs_out);
	SAME(tcpi_segs_in); SAME(tcpi_notsent_bytes); SAME(tcpi_min_rtt);
	SAME(tcpi_data_segs_in); SAME(tcpi_data_segs_out); SAME(tcpi_delivery_rate);
	SAME(tcpi_busy_time); SAME(tcpi_rwnd_limited); SAME(tcpi_sndbuf_limited);
	SAME(tcpi_delivered); SAME(tcpi_delivered_ce); SAME(tcpi_bytes_sent);
	SAME(tcpi_bytes_retrans); SAME(tcpi_dsack_dups); SAME(tcpi_reord_seen);
	SAME(tcpi_rcv_ooopack); SAME(tcpi_snd_wnd);
	/* Linux's may have grown past tcpi_snd_wnd; ours ends there. */
	assert_true(sizeof(struct skiff_tcp_info) <= sizeof(struct tcp_info));
	assert_int_equal(sizeof(struct skiff_tcp_info),
			 offsetof(struct tcp_info, tcpi_snd_wnd) + sizeof(uint32_t));
	assert_int_equal(skiff_tcp_info_opt, TCP_INFO);
}

/* The wscale bit-fields share byte 6 the same way (low nibble: send). */
static void test_wscale_nibbles_as_linux(void **state)
{
	struct skiff_tcp_info a = { 0 };
	struct tcp_info b = { 0 };

	(void)state;
	a.tcpi_snd_wscale = 3;
	a.tcpi_rcv_wscale = 9;
	b.tcpi_snd_wscale = 3;
	b.tcpi_rcv_wscale = 9;
	assert_memory_equal(&a, &b, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_field_at_linux_offset),
		cmocka_unit_test(test_wscale_nibbles_as_linux),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * include/netinet/tcp.h: TCP socket options, Linux's values, and struct
 * tcp_info for getsockopt(IPPROTO_TCP, TCP_INFO) in Linux's layout (field
 * for field up to tcpi_snd_wnd, so code written for Linux reads the same
 * offsets; tests/unit/sock/tcp_info_layout_test compares them with the
 * host's <linux/tcp.h>). Fields skiff does not track read 0.
 */
#ifndef SKIFF_NETINET_TCP_H
#define SKIFF_NETINET_TCP_H

#include <stdint.h>

#define TCP_NODELAY		1
#define TCP_MAXSEG		2
#define TCP_KEEPIDLE		4
#define TCP_KEEPINTVL		5
#define TCP_KEEPCNT		6
#define TCP_INFO		11
#define TCP_USER_TIMEOUT	18

/* tcpi_options */
#define TCPI_OPT_TIMESTAMPS	1
#define TCPI_OPT_SACK		2
#define TCPI_OPT_WSCALE		4

struct tcp_info {
	uint8_t tcpi_state;		/* Linux's numbers: 1 ESTABLISHED, 2 SYN_SENT,
				 * 3 SYN_RECV, 4 FIN_WAIT1, 5 FIN_WAIT2, 6
				 * TIME_WAIT, 7 CLOSE, 8 CLOSE_WAIT, 9
				 * LAST_ACK, 10 LISTEN, 11 CLOSING */
	uint8_t tcpi_ca_state;
	uint8_t tcpi_retransmits;	/* RTOs in a row, no ACK since */
	uint8_t tcpi_probes;		/* zero-window probes in a row */
	uint8_t tcpi_backoff;
	uint8_t tcpi_options;		/* TCPI_OPT_* */
	uint8_t tcpi_snd_wscale : 4, tcpi_rcv_wscale : 4;
	uint8_t tcpi_delivery_rate_app_limited : 1, tcpi_fastopen_client_fail : 2;

	uint32_t tcpi_rto;		/* microseconds */
	uint32_t tcpi_ato;
	uint32_t tcpi_snd_mss;
	uint32_t tcpi_rcv_mss;

	uint32_t tcpi_unacked;		/* bytes in flight (Linux: segments) */
	uint32_t tcpi_sacked;
	uint32_t tcpi_lost;
	uint32_t tcpi_retrans;
	uint32_t tcpi_fackets;

	uint32_t tcpi_last_data_sent;
	uint32_t tcpi_last_ack_sent;
	uint32_t tcpi_last_data_recv;
	uint32_t tcpi_last_ack_recv;

	uint32_t tcpi_pmtu;
	uint32_t tcpi_rcv_ssthresh;
	uint32_t tcpi_rtt;		/* smoothed, microseconds */
	uint32_t tcpi_rttvar;
	uint32_t tcpi_snd_ssthresh;	/* bytes (Linux: segments) */
	uint32_t tcpi_snd_cwnd;		/* bytes (Linux: segments) */
	uint32_t tcpi_advmss;
	uint32_t tcpi_reordering;

	uint32_t tcpi_rcv_rtt;
	uint32_t tcpi_rcv_space;	/* receive window offered, bytes */

	uint32_t tcpi_total_retrans;	/* segments sent again, all told */

	uint64_t tcpi_pacing_rate;
	uint64_t tcpi_max_pacing_rate;
	uint64_t tcpi_bytes_acked;
	uint64_t tcpi_bytes_received;
	uint32_t tcpi_segs_out;
	uint32_t tcpi_segs_in;

	uint32_t tcpi_notsent_bytes;
	uint32_t tcpi_min_rtt;
	uint32_t tcpi_data_segs_in;
	uint32_t tcpi_data_segs_out;

	uint64_t tcpi_delivery_rate;

	uint64_t tcpi_busy_time;
	uint64_t tcpi_rwnd_limited;
	uint64_t tcpi_sndbuf_limited;

	uint32_t tcpi_delivered;
	uint32_t tcpi_delivered_ce;

	uint64_t tcpi_bytes_sent;
	uint64_t tcpi_bytes_retrans;
	uint32_t tcpi_dsack_dups;
	uint32_t tcpi_reord_seen;

	uint32_t tcpi_rcv_ooopack;

	uint32_t tcpi_snd_wnd;		/* the peer's window, scaled, bytes */
};

#endif

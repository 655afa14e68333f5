/*
 * apps/ping: ToroPing in skiff. Sends an ICMP echo request (RFC 792) to
 * ping.target (default: eth0's gateway) every ping.interval seconds and
 * prints each reply with its sequence number, TTL and round-trip time, then
 * loss statistics. With ping.count=N it stops after N requests and returns
 * 0 if any reply came, 1 otherwise; without it, it pings until powered off.
 *
 * Replies arrive through the stack's echo handler, which runs in the
 * network thread; it only queues them and signals this thread, which does
 * the printing.
 */
#include <skiff.h>
#include <string.h>

#include "kernel/netdev.h"
#include "net/icmp.h"
#include "net/netconf.h"
#include "net/netif.h"
#include "net/route.h"
#include "sched/sched.h"

SKIFF_OPTION(target, "ping.target", "address to ping (default: eth0's gateway)");
SKIFF_OPTION(interval, "ping.interval", "seconds between requests, decimals allowed (default 2)");
SKIFF_OPTION(count, "ping.count", "stop after N requests (default: never)");
SKIFF_OPTION(size, "ping.size", "bytes of payload per request (default 56)");
SKIFF_OPTION(wait, "ping.wait", "seconds to wait for an address before starting (default 20)");

#define PING_ID 0x5ef1
#define REPLY_RING 64

static struct icmp_echo_reply ring[REPLY_RING];
static volatile unsigned ring_head, ring_tail;  /* written by the network thread / by us */
static struct event reply_event;
static uint64_t sent_at[65536];

static void on_reply(void *arg, const struct icmp_echo_reply *r)
{
	(void)arg;
	if (r->id != PING_ID)
		return;
	unsigned h = ring_head;
	if (h - ring_tail == REPLY_RING)
		return;            /* we are behind by a full ring: drop, the stats will show it */
	ring[h % REPLY_RING] = *r;
	__atomic_store_n(&ring_head, h + 1, __ATOMIC_RELEASE);
	event_signal(&reply_event);
}

/* Parses "2", "0.5", "1.25" seconds into ns; false when malformed. */
static bool parse_seconds(const char *s, uint64_t *ns)
{
	uint64_t whole = 0, frac = 0, scale = 1000000000ull;
	bool digits = false;
	for (; *s >= '0' && *s <= '9'; s++, digits = true)
		whole = whole * 10 + (uint64_t)(*s - '0');
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits = true) {
			scale /= 10;
			frac += (uint64_t)(*s - '0') * scale;
		}
	}
	if (*s || !digits || whole > 3600)
		return false;
	*ns = whole * 1000000000ull + frac;
	return true;
}

static uint32_t default_gateway(struct netstack *ns)
{
	struct route_result r;
	uint32_t probe = 0x01010101;   /* any off-link address: only the route table is consulted */
	if (route_lookup(ns, probe, &r) != 0 || r.nexthop == probe)
		return 0;
	return r.nexthop;
}

/* Waits (bounded) until some interface other than lo has an address. */
static bool wait_configured(struct netstack *ns, uint64_t timeout_ns)
{
	uint64_t end = skiff_time_ns() + timeout_ns;
	do {
		for (int i = 2; i <= NETIF_MAX; i++) {
			netdev_lock();
			uint32_t a = netif_get(ns, i) ? netif_addr_primary(ns, i) : 0;
			netdev_unlock();
			if (a)
				return true;
		}
		thread_sleep(50 * 1000000ull);
	} while (skiff_time_ns() < end);
	return false;
}

static void print_reply(const struct icmp_echo_reply *r, size_t size, uint64_t *rtt_sum, uint64_t *rtt_min,
			uint64_t *rtt_max)
{
	char from[16];
	/*
	 * Our own send time, not the stack's: the stack's clock advances only at
	 * net_poll(), so its idea of when we sent can be a tick old.
	 */
	uint64_t rtt = r->rx_ns - sent_at[r->seq];
	*rtt_sum += rtt;
	if (rtt < *rtt_min)
		*rtt_min = rtt;
	if (rtt > *rtt_max)
		*rtt_max = rtt;
	printf("ping: %lu bytes from %s: seq=%u ttl=%u time=%lu.%03lu ms\n", (unsigned long)(size + 8),
	       ip4_format(r->from, from), r->seq, r->ttl, (unsigned long)(rtt / 1000000),
	       (unsigned long)(rtt / 1000 % 1000));
}

int main(void)
{
	struct netstack *ns = netdev_stack();
	uint64_t interval = 2000000000ull, wait_ns = 20000000000ull;
	long count = skiff_opt_long("ping.count", 0);
	long size = skiff_opt_long("ping.size", 56);
	const char *s;
	char buf[16];

	if (!ns) {
		printf("ping: no network stack\n");
		return 1;
	}
	if ((s = skiff_opt("ping.interval")) && !parse_seconds(s, &interval)) {
		printf("ping: bad ping.interval '%s' (seconds, e.g. 2 or 0.5)\n", s);
		return 2;
	}
	if ((s = skiff_opt("ping.wait")) && !parse_seconds(s, &wait_ns)) {
		printf("ping: bad ping.wait '%s'\n", s);
		return 2;
	}
	if (count < 0 || size < 0 || size > ICMP_ECHO_MAX_DATA) {
		printf("ping: ping.count must be >= 0 and ping.size 0..%d\n", ICMP_ECHO_MAX_DATA);
		return 2;
	}
	uint32_t dst = 0;
	if ((s = skiff_opt("ping.target")) && ip4_parse(s, strlen(s), &dst) != 0) {
		printf("ping: bad ping.target '%s' (A.B.C.D)\n", s);
		return 2;
	}
	/* Loopback needs no configured NIC; anything else waits (bounded) for DHCP or ip=. */
	if ((dst >> 24) != 127 && !wait_configured(ns, wait_ns)) {
		printf("ping: no interface got an address within the wait\n");
		return 1;
	}
	if (!dst) {
		netdev_lock();
		dst = default_gateway(ns);
		netdev_unlock();
		if (!dst) {
			printf("ping: no ping.target and no default gateway\n");
			return 1;
		}
	}
	event_init(&reply_event);
	netdev_lock();
	icmp_echo_handler_set(ns, on_reply, NULL);
	netdev_unlock();

	uint8_t *payload = malloc((size_t)size + 1);
	if (!payload)
		return 1;
	for (long i = 0; i < size; i++)
		payload[i] = (uint8_t)i;
	printf("ping: PING %s: %ld data bytes, every %lu ms\n", ip4_format(dst, buf), size,
	       (unsigned long)(interval / 1000000));

	unsigned long sent = 0, received = 0;
	uint64_t rtt_sum = 0, rtt_min = UINT64_MAX, rtt_max = 0;
	uint64_t next = skiff_time_ns();
	/* After the last request, wait one interval (at least 1 s) for stragglers. */
	uint64_t linger = interval > 1000000000ull ? interval : 1000000000ull;
	for (;;) {
		uint64_t now = skiff_time_ns();
		if (count && (long)sent == count && now >= next - interval + linger)
			break;
		if (now >= next && (!count || (long)sent < count)) {
			uint16_t seq = (uint16_t)(sent + 1);
			sent_at[seq] = now;
			netdev_lock();
			int err = icmp_echo_send(ns, dst, PING_ID, seq, payload, (size_t)size);
			netdev_unlock();
			if (err)
				printf("ping: seq=%u: send failed (%d)\n", seq, err);
			sent++;
			next += interval;
		}
		uint64_t until = (count && (long)sent == count) ? next - interval + linger : next;
		now = skiff_time_ns();
		event_wait(&reply_event, until > now ? until - now : 0);
		while (ring_tail != __atomic_load_n(&ring_head, __ATOMIC_ACQUIRE)) {
			struct icmp_echo_reply r = ring[ring_tail % REPLY_RING];
			ring_tail++;
			received++;
			print_reply(&r, (size_t)size, &rtt_sum, &rtt_min, &rtt_max);
		}
	}
	netdev_lock();
	icmp_echo_handler_set(ns, NULL, NULL);
	netdev_unlock();
	free(payload);
	printf("ping: %lu packets transmitted, %lu received, %lu%% packet loss\n", sent, received,
	       sent ? (sent - (received < sent ? received : sent)) * 100 / sent : 0);
	if (received)
		printf("ping: rtt min/avg/max = %lu.%03lu/%lu.%03lu/%lu.%03lu ms\n", (unsigned long)(rtt_min / 1000000),
		       (unsigned long)(rtt_min / 1000 % 1000), (unsigned long)(rtt_sum / received / 1000000),
		       (unsigned long)(rtt_sum / received / 1000 % 1000), (unsigned long)(rtt_max / 1000000),
		       (unsigned long)(rtt_max / 1000 % 1000));
	return received ? 0 : 1;
}

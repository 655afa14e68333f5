/*
 * apps/msgrouter: a SchemeStation router or domain (seed 003; the library
 * is msg/, its format include/skiff/msg.h) as a callback service on
 * CPU 0, listening on TCP msg.port (7000).
 *
 *   msg.role=router   forwards packets between the domains that connect
 *                     to it, by destination address; answers its own
 *                     packets (apps/msgrouter/traffic.c)
 *   msg.role=domain   connects to msg.router, and directly to the peers
 *                     of msg.peers when it sends to them; listens too, so
 *                     other domains can open direct connections to it
 * msg.addr is the node's 128-bit address in hex. msg.gen=DEST turns on
 * the traffic generator (traffic.c), which sends msg.count packets to
 * DEST; every node checks the sequences it receives and logs the counts.
 * The console says "msgrouter: ready: ..." once the service runs, one line
 * per connection up and down and per routing-table change, and the
 * counters every msg.stats seconds.
 */
#include <skiff.h>
#include <errno.h>
#include <string.h>

#include "msgrouter.h"

SKIFF_OPTION(role, "msg.role", "router or domain (default domain)");
SKIFF_OPTION(addr, "msg.addr", "this node's 128-bit address, 1 to 32 hex digits");
SKIFF_OPTION(router, "msg.router", "domains: the router, A.B.C.D[:PORT] (port 7000)");
SKIFF_OPTION(peers, "msg.peers", "domains: direct peers, ADDR@A.B.C.D[:PORT],...");
SKIFF_OPTION(port, "msg.port", "TCP port to listen on (default 7000, 0: none)");
SKIFF_OPTION(gen, "msg.gen", "traffic generator: send msg.count packets to this address");
SKIFF_OPTION(count, "msg.count", "generator: packets to send (default 1000)");
SKIFF_OPTION(size, "msg.size", "generator: octets per packet (default 64)");
SKIFF_OPTION(stats, "msg.stats", "log the counters every N seconds (0: never)");
SKIFF_OPTION(keepalive, "msg.keepalive", "keepalive period in ms (default 2000; dead after 4)");
SKIFF_OPTION(queue, "msg.queue", "send queue per connection in bytes (default 65536)");
SKIFF_OPTION(quiet, "msg.quiet", "1: no per-connection log lines");

#define MR_PEERS_MAX	8

static struct msg_peer peers[MR_PEERS_MAX];

/* msg.peers: a comma-separated list. -EINVAL names nothing: main says which. */
static int parse_peers(const char *s, unsigned *np)
{
	*np = 0;
	while (*s) {
		const char *comma = strchr(s, ',');
		size_t n = comma ? (size_t)(comma - s) : strlen(s);

		if (*np == MR_PEERS_MAX || msg_peer_parse(s, n, &peers[*np]))
			return -EINVAL;
		(*np)++;
		s += n + (comma ? 1 : 0);
	}
	return 0;
}

static int bad(const char *key, const char *val)
{
	printf("msgrouter: bad %s=%s\n", key, val ? val : "(missing)");
	return 2;
}

int main(void)
{
	const char *role = skiff_opt("msg.role"), *addr = skiff_opt("msg.addr");
	const char *router = skiff_opt("msg.router"), *peer_list = skiff_opt("msg.peers");
	const char *gen = skiff_opt("msg.gen");
	long port = skiff_opt_long("msg.port", MSG_PORT);
	long count = skiff_opt_long("msg.count", 1000);
	long size = skiff_opt_long("msg.size", 64);
	long keepalive = skiff_opt_long("msg.keepalive", 2000);
	long queue = skiff_opt_long("msg.queue", 65536);
	struct msg_svc_config cfg;
	struct msg_svc *m;
	char rtext[24] = "none";
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	mr.router = role && strcmp(role, "router") == 0;
	if (role && !mr.router && strcmp(role, "domain") != 0)
		return bad("msg.role", role);
	if (!addr || msg_addr_parse(addr, strlen(addr), &mr.me))
		return bad("msg.addr", addr);
	msg_addr_format(&mr.me, mr.me_text);
	cfg.msg.role = mr.router ? MSG_ROUTER : MSG_DOMAIN;
	cfg.msg.addr = mr.me;
	if (router && !mr.router) {
		if (msg_ipv4_parse(router, strlen(router), &cfg.msg.router_ip,
				   &cfg.msg.router_port))
			return bad("msg.router", router);
		snprintf(rtext, sizeof(rtext), "%s", router);
	}
	if (peer_list && parse_peers(peer_list, &cfg.msg.npeers))
		return bad("msg.peers", peer_list);
	cfg.msg.peers = peers;
	if (port < 0 || port > 65535)
		return bad("msg.port", skiff_opt("msg.port"));
	if (keepalive <= 0 || queue <= 0)
		return bad(keepalive <= 0 ? "msg.keepalive" : "msg.queue",
			   skiff_opt(keepalive <= 0 ? "msg.keepalive" : "msg.queue"));
	cfg.msg.keepalive_ms = (unsigned)keepalive;
	cfg.msg.queue_max = (size_t)queue;
	if (count < 0 || size < 32 || size > MSG_MAX_DATA)
		return bad(count < 0 ? "msg.count" : "msg.size",
			   skiff_opt(count < 0 ? "msg.count" : "msg.size"));
	mr.gen_count = (uint64_t)count;
	mr.gen_size = (size_t)size;
	if (gen) {
		if (msg_addr_parse(gen, strlen(gen), &mr.gen_dst))
			return bad("msg.gen", gen);
		mr.gen = true;
		msg_addr_format(&mr.gen_dst, mr.gen_text);
	}
	mr.stats_ms = (uint64_t)skiff_opt_long("msg.stats", 0) * 1000u;

	cfg.name = "msgrouter";
	cfg.listen_port = (uint16_t)port;
	cfg.cpu = 0;
	cfg.quiet = skiff_opt_long("msg.quiet", 0) == 1;
	cfg.started = mr_started;
	cfg.deliver = mr_deliver;
	cfg.ready = mr_ready;
	cfg.timer = mr_timer;
	rc = msg_svc_start(&cfg, &m);
	if (rc) {
		printf("msgrouter: the service failed to start (%d)\n", rc);
		return 1;
	}
	if (mr.router)
		printf("msgrouter: ready: router %s on port %ld\n", mr.me_text, port);
	else
		printf("msgrouter: ready: domain %s, router %s, %u peers, port %ld\n",
		       mr.me_text, rtext, cfg.msg.npeers, port);
	for (;;)
		thread_sleep(3600ull * 1000000000ull);
}

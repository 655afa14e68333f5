/*
 * apps/httpd: skiff's HTTP/1.1 server (RFC 9110, RFC 9112), the main app:
 * `tools/cloudit.sh httpd`, then http://127.0.0.1:8080/ (user networking)
 * or telnet to the guest's port 80. Toro's ToroHttp grown up: callback
 * services (include/skiff/service.h), one per CPU of httpd.cpus, all
 * accepting from one listening socket (svc_listen_fd: each service's
 * epoll set watches it, the first to accept() a connection keeps it for
 * life). httpd.c is the protocol, http_parse.c the parser, this file the
 * options, the start, and the pages made from the kernel's state.
 *
 * Endpoints (GET and HEAD):
 *   /, /index.html  the welcome page: a template (www/index.html) filled
 *                   per request with the kernel version, app, CPUs,
 *                   uptime, memory, date and request count; no-cache
 *   /612.html       612 bytes, static (nginx's default page size: bench)
 *   /1m.bin         1 MiB, static, made when served: record k is
 *                   "%015x\n" of k * 16 (apps/httpd/httpd.mk, www_gen.c)
 *   /stats          JSON: uptime, per-CPU idle and load since boot,
 *                   memory, per-interface counters and drops, TCP
 *                   counters, drops by reason, the virtio-net NIC's
 *                   queues (frames and interrupts per queue pair), HTTP
 *                   counters (connections, requests by status, per
 *                   service); no-cache
 *   /prof           with the kernel's profiler on (prof.hz=N): prints the
 *                   hottest functions since boot or the last /prof on the
 *                   console and starts counting afresh; the answer says
 *                   how many samples (bench/profile.sh); no-cache
 *   anything else   404; other methods: 405 (known) or 501 (unknown)
 * Statuses and limits: httpd.c's header comment.
 *
 * Options (apps/httpd/httpd.cmdline, --append):
 *   httpd.port=80          TCP port
 *   httpd.cpus=all         CPUs that serve: "all", or a list "0,1" / "1-3"
 *   httpd.max_conns=512    connections served at once (all CPUs); past it,
 *                          up to 64 more per CPU get a 503 with
 *                          Connection: close, and the rest are closed at
 *                          accept
 *   httpd.idle_ms=15000    close a connection with no request begun, or
 *                          whose client stopped reading, after this
 *   httpd.request_ms=10000 a request head must be complete this long
 *                          after its first byte, else 408 and close
 *   httpd.max_requests=1000 requests per connection; the last says close
 *   httpd.out_max=65536    bytes queued per connection (svc out_max)
 *   httpd.log=1            access log on the console (0: off, for bench)
 */
#include <skiff.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "http_parse.h"
#include "httpd.h"
#include "drivers/virtio-net/vnet.h"
#include "kernel/netdev.h"
#include "kernel/netns.h"
#include "net/netconf.h"
#include "net/netif.h"
#include "net/netstack.h"
#include "net/tcp.h"

SKIFF_OPTION(port, "httpd.port", "HTTP port (default 80)");
SKIFF_OPTION(cpus, "httpd.cpus", "CPUs that serve: all (default), or a list like 0,1 or 1-3");
SKIFF_OPTION(max_conns, "httpd.max_conns", "connections served at once, all CPUs (default 512)");
SKIFF_OPTION(idle_ms, "httpd.idle_ms", "close idle or stalled connections after MS (default 15000)");
SKIFF_OPTION(request_ms, "httpd.request_ms", "408 when a request is not complete MS after it began (default 10000)");
SKIFF_OPTION(max_requests, "httpd.max_requests", "requests per connection (default 1000)");
SKIFF_OPTION(out_max, "httpd.out_max", "bytes queued per connection (default 65536)");
SKIFF_OPTION(log, "httpd.log", "access log on the console: 1 (default) or 0");

extern const char skiff_version[];
extern const char skiff_app_name[];

struct httpd httpd;
static struct httpd_svc svcs[HTTPD_MAX_CPUS];

/* ---- the welcome page's fields ---- */

static int fmt_uptime(char *out, size_t cap)
{
	uint64_t s = skiff_time_ns() / 1000000000ull;

	if (s < 60)
		return snprintf(out, cap, "%llu s", (unsigned long long)s);
	if (s < 3600)
		return snprintf(out, cap, "%llu min %llu s", (unsigned long long)(s / 60),
				(unsigned long long)(s % 60));
	return snprintf(out, cap, "%llu h %llu min", (unsigned long long)(s / 3600),
			(unsigned long long)(s / 60 % 60));
}

static bool is_field(const char *name, size_t len, const char *want)
{
	return len == strlen(want) && !memcmp(name, want, len);
}

int httpd_tmpl_field(struct httpd_svc *hs, const char *name, size_t len, char *out, size_t cap)
{
	struct skiff_mem_stats ms;
	int n;

	if (is_field(name, len, "version"))
		n = snprintf(out, cap, "%s", skiff_version);
	else if (is_field(name, len, "app"))
		n = snprintf(out, cap, "%s", skiff_app_name);
	else if (is_field(name, len, "cpus"))
		n = snprintf(out, cap, "%u", skiff_cpu_count());
	else if (is_field(name, len, "cpu"))
		n = snprintf(out, cap, "%u", cpu_id());
	else if (is_field(name, len, "uptime"))
		n = fmt_uptime(out, cap);
	else if (is_field(name, len, "date"))
		n = snprintf(out, cap, "%s", hs->date);
	else if (is_field(name, len, "requests"))
		n = snprintf(out, cap, "%llu",
			     (unsigned long long)__atomic_load_n(&httpd.ctr.requests, __ATOMIC_RELAXED) + 1);
	else if (is_field(name, len, "memory")) {
		skiff_mem_stats(&ms);
		n = snprintf(out, cap, "%llu MiB, %llu KiB of heap in use",
			     (unsigned long long)(skiff_mem_total() >> 20),
			     (unsigned long long)(ms.heap_bytes_in_use >> 10));
	} else
		return -1;
	return n < 0 || (size_t)n >= cap ? -1 : n;
}

/* ---- /prof ---- */

int httpd_prof_text(char *buf, size_t cap)
{
	uint64_t n = skiff_prof_report(true);

	if (!n)
		return snprintf(buf, cap, "no samples: the profiler is off (boot with prof.hz=N or prof=1)\n");
	return snprintf(buf, cap, "%llu busy samples: the profile is on the console; counting afresh\n",
			(unsigned long long)n);
}

/* ---- /stats ---- */

struct jbuf {
	char *p;
	size_t cap, len;
	bool over;
};

__attribute__((format(printf, 2, 3))) static void jb(struct jbuf *j, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (j->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(j->p + j->len, j->cap - j->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= j->cap - j->len)
		j->over = true;
	else
		j->len += (size_t)n;
}

/* "12.3": a ratio in tenths of a percent, without floating point. */
static void jb_pct(struct jbuf *j, uint64_t part, uint64_t whole)
{
	uint64_t pm = whole ? part * 1000 / whole : 0;

	jb(j, "%llu.%llu", (unsigned long long)(pm / 10), (unsigned long long)(pm % 10));
}

/* What /stats reads from the stack, copied under its lock. */
struct net_snap {
	uint64_t stat[NET_STAT_COUNT];
	uint32_t tcp_pcbs;
	unsigned nif;
	struct {
		char name[NETIF_NAMESIZ];
		uint32_t addr;
		bool up;
		struct netif_stats st;
	} ifs[NETIF_MAX];
};

static void net_snap(struct net_snap *s)
{
	struct netstack *ns = netdev_stack();
	int i;

	memset(s, 0, sizeof(*s));
	if (!ns)
		return;
	netdev_lock();
	for (i = 0; i < NET_STAT_COUNT; i++)
		s->stat[i] = net_stat_get(ns, (enum net_stat)i);
	s->tcp_pcbs = tcp_pcb_count(ns);
	for (i = 0; (i = netif_index_next(ns, i)) && s->nif < NETIF_MAX;) {
		struct netif *nif = netif_get(ns, i);

		if (!nif)
			continue;
		strlcpy(s->ifs[s->nif].name, netif_name(nif), NETIF_NAMESIZ);
		s->ifs[s->nif].addr = netif_addr_primary(ns, i);
		s->ifs[s->nif].up = netif_is_up(ns, i);
		netif_stats_get(ns, i, &s->ifs[s->nif].st);
		s->nif++;
	}
	netdev_unlock();
}

static bool has_prefix(const char *s, const char *p)
{
	return !strncmp(s, p, strlen(p));
}

/* The counters named prefix*, as "name": value; only non-zero ones unless all. */
static void jb_counters(struct jbuf *j, const uint64_t *v, const char *prefix, bool all)
{
	bool first = true;
	int i;

	for (i = 0; i < NET_STAT_COUNT; i++) {
		const char *name = net_stat_name((enum net_stat)i);

		if (!has_prefix(name, prefix) || (!all && !v[i]))
			continue;
		jb(j, "%s\"%s\": %llu", first ? "" : ", ", name, (unsigned long long)v[i]);
		first = false;
	}
}

/* The counters neither TCP_ nor DROP_ (IP, ICMP, ARP, DHCP events). */
static void jb_other_counters(struct jbuf *j, const uint64_t *v)
{
	bool first = true;
	int i;

	for (i = 0; i < NET_STAT_COUNT; i++) {
		const char *name = net_stat_name((enum net_stat)i);

		if (has_prefix(name, "TCP_") || has_prefix(name, "DROP_") || !v[i])
			continue;
		jb(j, "%s\"%s\": %llu", first ? "" : ", ", name, (unsigned long long)v[i]);
		first = false;
	}
}

static void jb_cpus(struct jbuf *j, uint64_t up_ns)
{
	unsigned i, n = skiff_cpu_count();

	jb(j, "  \"cpus\": [");
	for (i = 0; i < n; i++) {
		uint64_t idle = skiff_cpu_idle_ns(i), busy = up_ns > idle ? up_ns - idle : 0;

		jb(j, "%s\n    {\"cpu\": %u, \"idle_ms\": %llu, \"busy_ms\": %llu, \"switches\": %llu, \"load_pct\": ",
		   i ? "," : "", i, (unsigned long long)(idle / 1000000), (unsigned long long)(busy / 1000000),
		   (unsigned long long)skiff_cpu_switches(i));
		jb_pct(j, busy, up_ns);
		jb(j, "}");
	}
	jb(j, "\n  ],\n");
}

static void jb_http(struct jbuf *j)
{
	const struct httpd_counters *c = &httpd.ctr;
	unsigned i;

#define LD(x) (unsigned long long)__atomic_load_n(&(x), __ATOMIC_RELAXED)
	jb(j, "  \"http\": {\"connections_open\": %llu, \"connections\": %llu, \"refused_503\": %llu, "
	   "\"requests\": %llu, \"body_bytes\": %llu, \"idle_closed\": %llu, \"aborted\": %llu, "
	   "\"shed\": %llu, \"stall_lossy\": %llu,\n    \"status\": {", LD(c->conns_open), LD(c->conns_total),
	   LD(c->refused), LD(c->requests), LD(c->body_bytes), LD(c->idle_closed), LD(c->aborted), LD(c->shed),
	   LD(c->stall_lossy));
	for (i = 0; i < HTTPD_STATUS_COUNT; i++)
		jb(j, "%s\"%d\": %llu", i ? ", " : "", httpd_status_code((enum httpd_status_idx)i),
		   LD(c->status[i]));
	jb(j, "},\n    \"services\": [");
	for (i = 0; i < httpd.nsvc; i++) {
		struct svc_stats st;

		svc_get_stats(httpd.svc[i], &st);
		jb(j, "%s\n      {\"cpu\": %u, \"active\": %llu, \"accepted\": %llu, \"refused\": %llu, "
		   "\"bytes_in\": %llu, \"bytes_out\": %llu, \"send_refused\": %llu, \"timeouts\": %llu}",
		   i ? "," : "", svcs[i].cpu, (unsigned long long)st.active, (unsigned long long)st.accepted,
		   (unsigned long long)st.refused, (unsigned long long)st.bytes_in,
		   (unsigned long long)st.bytes_out, (unsigned long long)st.send_refused,
		   (unsigned long long)st.timeouts);
	}
	jb(j, "\n    ]\n  }\n");
#undef LD
}

/* The first virtio-net NIC's queue pairs (multiqueue: frames and interrupts per queue), if there is one. */
static void jb_virtio(struct jbuf *j)
{
	struct vnet_stats v;
	unsigned i;

	if (vnet_stats_get(0, &v))
		return;
	jb(j, "  \"virtio_net\": {\"queues\": %u, \"irqs\": %llu, \"rx_frames\": %llu, \"tx_frames\": %llu, "
	   "\"tx_kicks\": %llu, \"tx_publish_own\": %llu, \"tx_publish_woken\": %llu, \"per_queue\": [", v.queues,
	   (unsigned long long)v.irqs, (unsigned long long)v.rx_frames, (unsigned long long)v.tx_frames,
	   (unsigned long long)v.tx_kicks, (unsigned long long)v.tx_publish_own, (unsigned long long)v.tx_publish_woken);
	for (i = 0; i < v.queues && i < VNET_STATS_QUEUES; i++)
		jb(j, "%s{\"rx_frames\": %llu, \"tx_frames\": %llu, \"irqs\": %llu}", i ? ", " : "",
		   (unsigned long long)v.q[i].rx_frames, (unsigned long long)v.q[i].tx_frames,
		   (unsigned long long)v.q[i].irqs);
	jb(j, "]},\n");
}

/* The default stack's lock: holds and how long; the passes of its network thread. */
static void jb_stack_lock(struct jbuf *j)
{
	struct netns *nn = netns_default();
	struct netns_lock_stats l;

	if (!nn)
		return;
	netns_lock_stats(nn, &l);
	jb(j, "  \"stack_lock\": {\"holds\": %llu, \"mean_ns\": %llu, \"max_ns\": %llu, "
	   "\"over_100us\": %llu, \"over_1ms\": %llu},\n", (unsigned long long)l.holds,
	   (unsigned long long)(l.holds ? l.total_ns / l.holds : 0), (unsigned long long)l.max_ns,
	   (unsigned long long)l.over_100us, (unsigned long long)l.over_1ms);
	jb(j, "  \"net_thread_passes\": %llu,\n", (unsigned long long)netns_passes(nn));
}

int httpd_stats_json(struct httpd_svc *hs, char *buf, size_t cap)
{
	struct jbuf j = {buf, cap, 0, false};
	struct skiff_mem_stats ms;
	struct net_snap *s = malloc(sizeof(*s));
	uint64_t up = skiff_time_ns();
	unsigned i;

	if (!s)
		return -1;
	net_snap(s);
	skiff_mem_stats(&ms);
	jb(&j, "{\n  \"version\": \"%s\", \"app\": \"%s\", \"date\": \"%s\",\n  \"uptime_ms\": %llu,\n",
	   skiff_version, skiff_app_name, hs->date, (unsigned long long)(up / 1000000));
	jb_cpus(&j, up);
	jb(&j, "  \"memory\": {\"total_bytes\": %llu, \"heap_in_use\": %llu, \"heap_allocs\": %llu, "
	   "\"heap_frees\": %llu, \"heap_failures\": %llu, \"pages_free\": %llu, \"threads\": %llu},\n",
	   (unsigned long long)skiff_mem_total(), (unsigned long long)ms.heap_bytes_in_use,
	   (unsigned long long)ms.heap_allocs, (unsigned long long)ms.heap_frees,
	   (unsigned long long)ms.heap_failures, (unsigned long long)ms.pages_free,
	   (unsigned long long)ms.threads_alive);
	jb(&j, "  \"interfaces\": [");
	for (i = 0; i < s->nif; i++) {
		const struct netif_stats *st = &s->ifs[i].st;
		char a[16];

		jb(&j, "%s\n    {\"name\": \"%s\", \"up\": %s, \"addr\": \"%s\", \"rx_packets\": %llu, "
		   "\"rx_bytes\": %llu, \"tx_packets\": %llu, \"tx_bytes\": %llu, \"rx_dropped\": %llu, "
		   "\"tx_dropped\": %llu, \"tx_errors\": %llu,\n     \"drops\": {",
		   i ? "," : "", s->ifs[i].name, s->ifs[i].up ? "true" : "false", ip4_format(s->ifs[i].addr, a),
		   (unsigned long long)st->rx_packets, (unsigned long long)st->rx_bytes,
		   (unsigned long long)st->tx_packets, (unsigned long long)st->tx_bytes,
		   (unsigned long long)st->rx_dropped, (unsigned long long)st->tx_dropped,
		   (unsigned long long)st->tx_errors);
		jb_counters(&j, st->drop, "DROP_", false);
		jb(&j, "}}");
	}
	jb(&j, "\n  ],\n  \"tcp\": {");
	jb_counters(&j, s->stat, "TCP_", true);
	jb(&j, "},\n  \"drops\": {");
	jb_counters(&j, s->stat, "DROP_", false);
	jb(&j, "},\n  \"net_other\": {");
	jb_other_counters(&j, s->stat);
	jb(&j, "},\n  \"packet_buffers_in_use\": %u, \"tcp_pcbs\": %u,\n",
	   netdev_stack() ? net_pkt_in_use(netdev_stack()) : 0, s->tcp_pcbs);
	jb_virtio(&j);
	jb_stack_lock(&j);
	jb_http(&j);
	jb(&j, "}\n");
	free(s);
	return j.over ? -1 : (int)j.len;
}

/* ---- start ---- */

/* httpd.cpus: "all", or a list of CPUs and ranges ("0,2-3"). */
static unsigned parse_cpus(const char *spec, unsigned *out)
{
	unsigned n = 0, ncpu = skiff_cpu_count();
	bool want[HTTPD_MAX_CPUS] = {false};
	const char *p = spec;

	if (!spec || !strcmp(spec, "all")) {
		for (n = 0; n < ncpu && n < HTTPD_MAX_CPUS; n++)
			out[n] = n;
		return n;
	}
	while (*p) {
		unsigned a = 0, b;
		bool digits = false;

		while (*p >= '0' && *p <= '9' && a < 1000) {
			a = a * 10 + (unsigned)(*p++ - '0');
			digits = true;
		}
		b = a;
		if (*p == '-') {
			p++;
			b = 0;
			while (*p >= '0' && *p <= '9' && b < 1000)
				b = b * 10 + (unsigned)(*p++ - '0');
		}
		if (!digits || (*p && *p != ',')) {
			printf("httpd: httpd.cpus=%s: not a list of CPUs; using all\n", spec);
			return parse_cpus(NULL, out);
		}
		for (; a <= b && a < 1000; a++) {
			if (a >= ncpu || a >= HTTPD_MAX_CPUS)
				printf("httpd: httpd.cpus: there is no cpu %u (%u online)\n", a, ncpu);
			else
				want[a] = true;
		}
		if (*p == ',')
			p++;
	}
	for (unsigned i = 0; i < ncpu && i < HTTPD_MAX_CPUS; i++)
		if (want[i])
			out[n++] = i;
	if (!n) {
		printf("httpd: httpd.cpus=%s names no online CPU; using cpu 0\n", spec);
		out[n++] = 0;
	}
	return n;
}

static int open_listener(uint16_t port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 256) != 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

static long opt_range(const char *key, long dflt, long lo, long hi)
{
	long v = skiff_opt_long(key, dflt);

	if (v < lo || v > hi) {
		printf("httpd: %s=%ld is out of range %ld..%ld; using %ld\n", key, v, lo, hi, dflt);
		return dflt;
	}
	return v;
}

int main(void)
{
	struct httpd_config *cfg = &httpd.cfg;
	unsigned cpus[HTTPD_MAX_CPUS], n, i;

	cfg->port = (uint16_t)opt_range("httpd.port", 80, 1, 65535);
	cfg->max_conns = (unsigned)opt_range("httpd.max_conns", 512, 1, 100000);
	cfg->idle_ms = (uint64_t)opt_range("httpd.idle_ms", 15000, 10, 86400000);
	cfg->request_ms = (uint64_t)opt_range("httpd.request_ms", 10000, 10, 86400000);
	cfg->max_requests = (unsigned)opt_range("httpd.max_requests", 1000, 1, 1000000000);
	cfg->out_max = (size_t)opt_range("httpd.out_max", 65536, HTTPD_BUF, 64 << 20);
	cfg->log = opt_range("httpd.log", 1, 0, 1) != 0;
	n = parse_cpus(skiff_opt("httpd.cpus"), cpus);

	httpd.listen_fd = open_listener(cfg->port);
	if (httpd.listen_fd < 0) {
		printf("httpd: cannot listen on port %u (%d)\n", cfg->port, httpd.listen_fd);
		return 1;
	}
	for (i = 0; i < n; i++) {
		struct httpd_svc *hs = &svcs[httpd.nsvc];
		char name[16];
		struct svc_config sc = {
			.name = name,
			.handlers = httpd_handlers,
			.data = hs,
			.cpu = cpus[i],
			.max_conns = cfg->max_conns + HTTPD_REFUSE_SLACK,
			.out_max = cfg->out_max,
			.in_max = HTTPD_IN_MAX,
		};
		int rc;

		snprintf(name, sizeof(name), "httpd%u", cpus[i]);
		hs->h = &httpd;
		hs->cpu = cpus[i];
		hs->buf = malloc(HTTPD_BUF);
		hs->heads = calloc(HTTPD_HEADS, sizeof(*hs->heads));
		if (!hs->buf || !hs->heads) {
			printf("httpd: out of memory\n");
			return 1;
		}
		rc = svc_register(&sc, &httpd.svc[httpd.nsvc]);
		if (rc) {
			printf("httpd: the service on cpu %u failed to start (%d)\n", cpus[i], rc);
			free(hs->buf);
			continue;
		}
		httpd.nsvc++;
	}
	if (!httpd.nsvc)
		return 1;
	printf("httpd: ready: port %u, %u cpu%s, max_conns %u, idle_ms %llu, request_ms %llu, "
	       "max_requests %u, log %s\n", cfg->port, httpd.nsvc, httpd.nsvc > 1 ? "s" : "",
	       cfg->max_conns, (unsigned long long)cfg->idle_ms, (unsigned long long)cfg->request_ms,
	       cfg->max_requests, cfg->log ? "on" : "off");
	for (;;)
		thread_sleep(3600ull * 1000000000ull);
}

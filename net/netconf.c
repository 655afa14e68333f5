/*
 * netconf.c: parse and apply per-interface configuration strings
 * ("ip=A.B.C.D/N gw=A.B.C.D", "ip=dhcp") and their command-line form
 * ("eth1.ip=... eth1.gw=...").
 *
 * Promises: parsing is strict (dotted quads of four decimal octets 0-255
 * without leading '+'/'-', a prefix 0-32, known keys only, each at most
 * once) and returns -EINVAL on anything else without touching the stack.
 * Applying is ip(8)'s sequence: link up, address add (and its connected
 * route), default route via gw; or start the DHCP client.
 */
#include <errno.h>
#include <string.h>

#include "netstack_priv.h"
#include "netconf.h"
#include "dhcp.h"

static int parse_uint(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0 || len > 3)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int ip4_parse(const char *s, size_t len, uint32_t *out)
{
	uint32_t a = 0, v;
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t start = i;

		while (i < len && s[i] != '.')
			i++;
		if (parse_uint(s + start, i - start, 255, &v))
			return -EINVAL;
		a = (a << 8) | v;
		if (part < 3) {
			if (i >= len)
				return -EINVAL;
			i++;	/* the dot */
		}
	}
	if (i != len)
		return -EINVAL;
	*out = a;
	return 0;
}

char *ip4_format(uint32_t a, char *buf)
{
	char *p = buf;
	int part;

	for (part = 3; part >= 0; part--) {
		uint32_t v = (a >> (part * 8)) & 0xff;

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		if (part)
			*p++ = '.';
	}
	*p = '\0';
	return buf;
}

static int netconf_parse_ip(const char *v, size_t len, struct netconf *c)
{
	const char *slash = memchr(v, '/', len);
	uint32_t prefix;

	if (len == 4 && memcmp(v, "dhcp", 4) == 0) {
		c->dhcp = true;
		return 0;
	}
	if (!slash)
		return -EINVAL;
	if (ip4_parse(v, (size_t)(slash - v), &c->addr))
		return -EINVAL;
	if (parse_uint(slash + 1, len - (size_t)(slash - v) - 1, 32, &prefix))
		return -EINVAL;
	if (c->addr == 0 || c->addr == IP4_BROADCAST || ip4_is_multicast(c->addr))
		return -EINVAL;
	c->prefix = (uint8_t)prefix;
	c->has_addr = true;
	return 0;
}

int netconf_parse(const char *s, struct netconf *out)
{
	struct netconf c;
	bool seen_ip = false;

	memset(&c, 0, sizeof(c));
	while (*s) {
		const char *tok, *eq;
		size_t len;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		tok = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		len = (size_t)(s - tok);
		eq = memchr(tok, '=', len);
		if (!eq)
			return -EINVAL;
		if (eq - tok == 2 && memcmp(tok, "ip", 2) == 0 && !seen_ip) {
			if (netconf_parse_ip(eq + 1, len - 3, &c))
				return -EINVAL;
			seen_ip = true;
		} else if (eq - tok == 2 && memcmp(tok, "gw", 2) == 0 && !c.has_gw) {
			if (ip4_parse(eq + 1, len - 3, &c.gw) || !c.gw)
				return -EINVAL;
			c.has_gw = true;
		} else {
			return -EINVAL;
		}
	}
	if (!seen_ip || (c.has_gw && c.dhcp))
		return -EINVAL;
	*out = c;
	return 0;
}

int netconf_apply(struct netstack *ns, int ifindex, const struct netconf *c)
{
	int ret;

	ret = netif_set_up(ns, ifindex, true);
	if (ret < 0)
		return ret;
	if (c->dhcp)
		return dhcp_start(ns, ifindex);
	ret = netif_addr_add(ns, ifindex, c->addr, c->prefix);
	if (ret < 0 && ret != -EEXIST)
		return ret;
	if (c->has_gw) {
		ret = route_add(ns, 0, 0, c->gw, ifindex, 0);
		if (ret < 0)
			return ret;
	}
	return 0;
}

struct cmdline_if {
	char name[NETIF_NAMESIZ];
	char conf[128];
	size_t len;
	bool ip, gw;		/* keys seen */
};

/* Appends "key=value " (rlen bytes from tok) to f's configuration string. */
static int cmdline_append(struct cmdline_if *f, const char *tok, size_t rlen)
{
	if (f->len + rlen + 2 > sizeof(f->conf))
		return -EINVAL;
	memcpy(f->conf + f->len, tok, rlen);
	f->len += rlen;
	f->conf[f->len++] = ' ';
	f->conf[f->len] = '\0';
	if (tok[0] == 'i')
		f->ip = true;
	else
		f->gw = true;
	return 0;
}

/* The entry for the interface named by nlen bytes at name, added if new. */
static struct cmdline_if *cmdline_if_get(struct cmdline_if *ifs, int *n,
					 const char *name, size_t nlen)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strlen(ifs[i].name) == nlen &&
		    memcmp(ifs[i].name, name, nlen) == 0)
			return &ifs[i];
	if (*n == NETIF_MAX)
		return NULL;
	memset(&ifs[i], 0, sizeof(ifs[i]));
	memcpy(ifs[i].name, name, nlen);
	(*n)++;
	return &ifs[i];
}

static bool is_key(const char *k, size_t len)
{
	return len == 2 && (memcmp(k, "ip", 2) == 0 || memcmp(k, "gw", 2) == 0);
}

/*
 * Gather "<if>.ip=" / "<if>.gw=" tokens into one string per interface, and
 * the plain "ip=" / "gw=" into *bare.
 */
static int cmdline_collect(const char *s, struct cmdline_if *ifs, int *n,
			   struct cmdline_if *bare)
{
	while (*s) {
		const char *tok, *dot, *eq;
		size_t len, nlen;
		struct cmdline_if *f;

		while (*s == ' ' || *s == '\t')
			s++;
		tok = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		len = (size_t)(s - tok);
		eq = memchr(tok, '=', len);
		if (!eq)
			continue;
		if (is_key(tok, (size_t)(eq - tok))) {
			if (cmdline_append(bare, tok, len))
				return -EINVAL;
			continue;
		}
		dot = memchr(tok, '.', (size_t)(eq - tok));
		if (!dot || !is_key(dot + 1, (size_t)(eq - dot - 1)))
			continue;
		nlen = (size_t)(dot - tok);
		if (nlen == 0 || nlen >= NETIF_NAMESIZ)
			return -EINVAL;
		f = cmdline_if_get(ifs, n, tok, nlen);
		if (!f || cmdline_append(f, dot + 1, len - nlen - 1))
			return -EINVAL;
	}
	return 0;
}

/*
 * The plain forms are eth0's, for each key eth0 was not given by name;
 * ignored when the stack has no eth0.
 */
static int cmdline_merge_bare(struct netstack *ns, struct cmdline_if *ifs,
			      int *n, const struct cmdline_if *bare)
{
	static const char eth0[] = "eth0";
	struct cmdline_if *f;
	const char *tok, *end;

	if (!bare->len || !netif_nametoindex(ns, eth0))
		return 0;
	f = cmdline_if_get(ifs, n, eth0, sizeof(eth0) - 1);
	if (!f)
		return -EINVAL;
	for (tok = bare->conf; *tok; tok = end + 1) {
		end = strchr(tok, ' ');
		if ((tok[0] == 'i' && f->ip) || (tok[0] == 'g' && f->gw))
			continue;
		if (cmdline_append(f, tok, (size_t)(end - tok)))
			return -EINVAL;
	}
	return 0;
}

static bool cmdline_names(const struct cmdline_if *ifs, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(ifs[i].name, name) == 0)
			return true;
	return false;
}

int netconf_apply_cmdline(struct netstack *ns, const char *cmdline,
			  unsigned int flags)
{
	struct cmdline_if ifs[NETIF_MAX], bare;
	struct netconf conf[NETIF_MAX], dhcp;
	int idx[NETIF_MAX];
	int n = 0, i, ret, done;

	memset(&bare, 0, sizeof(bare));
	ret = cmdline_collect(cmdline, ifs, &n, &bare);
	if (ret == 0)
		ret = cmdline_merge_bare(ns, ifs, &n, &bare);
	if (ret < 0)
		return ret;
	/* Validate everything before applying anything. */
	for (i = 0; i < n; i++) {
		idx[i] = (int)netif_nametoindex(ns, ifs[i].name);
		if (!idx[i] && !(flags & NETCONF_IGNORE_UNKNOWN))
			return -ENODEV;
		if (idx[i] && netconf_parse(ifs[i].conf, &conf[i]))
			return -EINVAL;
	}
	done = 0;
	for (i = 0; i < n; i++) {
		if (!idx[i])
			continue;
		ret = netconf_apply(ns, idx[i], &conf[i]);
		if (ret < 0)
			return ret;
		done++;
	}
	if (!(flags & NETCONF_DHCP_REST))
		return done;
	memset(&dhcp, 0, sizeof(dhcp));
	dhcp.dhcp = true;
	for (i = 0; (i = netif_index_next(ns, i)) != 0;) {
		struct netif *nif = netif_get(ns, i);

		if (nif->loopback || cmdline_names(ifs, n, nif->name))
			continue;
		ret = netconf_apply(ns, i, &dhcp);
		if (ret < 0)
			return ret;
		done++;
	}
	return done;
}

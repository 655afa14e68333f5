/*
 * tools/lossylink/link.c: lossylink's knobs (the "loss=20%,dup=1%,..."
 * spec), its seeded random stream (splitmix64, Steele, Lea and Flood,
 * "Fast splittable pseudorandom number generators", OOPSLA 2014) and the
 * per-frame decisions of link.h's model. No I/O, no clock: the caller
 * passes the time, so tests can replay a fate exactly.
 */
#include "link.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define NS_PER_S 1000000000ull
#define LINK_TIME_MAX (60 * NS_PER_S)       /* delay, jitter, hold */
#define LINK_RATE_MIN 1000ull               /* 1 kbit/s: a full frame in 16 s */
#define LINK_RATE_MAX 100000000000ull       /* 100 gbit/s */

void link_knobs_default(struct link_knobs *k)
{
	memset(k, 0, sizeof(*k));
	k->limit = LINK_LIMIT_DEFAULT;
	k->hold = LINK_HOLD_DEFAULT_NS;
	k->seed = 1;
}

/* ---- parsing: one value kind per helper, each strict about the whole text */

/* digits[.digits] at *s: the integer part, and the fraction scaled to
 * 10^scale (extra fraction digits beyond scale are refused). */
static bool parse_decimal(const char **s, uint64_t *whole, uint64_t *frac, int scale)
{
	const char *p = *s;
	uint64_t w = 0, f = 0;
	int nd = 0, nf = 0;

	while (*p >= '0' && *p <= '9') {
		if (w > (UINT64_MAX - 9) / 10)
			return false;
		w = w * 10 + (uint64_t)(*p++ - '0');
		nd++;
	}
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (nf == scale)
				return false;
			f = f * 10 + (uint64_t)(*p++ - '0');
			nf++;
		}
		if (nf == 0)
			return false;
	}
	if (nd == 0)
		return false;
	for (; nf < scale; nf++)
		f *= 10;
	*whole = w;
	*frac = f;
	*s = p;
	return true;
}

/* "20%", "0.5%", "100%" -> ppm (resolution 0.0001 %). */
static bool parse_percent(const char *v, uint32_t *ppm)
{
	uint64_t w, f;

	if (!parse_decimal(&v, &w, &f, 4) || strcmp(v, "%") != 0 || w > 100)
		return false;
	if (w == 100 && f != 0)
		return false;
	*ppm = (uint32_t)(w * 10000 + f);
	return true;
}

struct unit {
	const char *suffix;
	uint64_t mult;     /* base units per one of this */
};

/* digits[.digits]SUFFIX with a suffix from units (or a bare "0") -> base
 * units, within [min, max] (0 is always allowed: "none"). scale: the
 * fraction digits allowed (a base unit's share of the largest unit). */
static bool parse_scaled(const char *v, const struct unit *units, size_t nunits, int scale, uint64_t min,
			 uint64_t max, uint64_t *out)
{
	uint64_t w, f, pow10 = 1;
	size_t i;
	int d;

	if (!parse_decimal(&v, &w, &f, scale))
		return false;
	if (*v == '\0') {
		*out = 0;
		return w == 0 && f == 0; /* only 0 goes without a unit */
	}
	for (d = 0; d < scale; d++)
		pow10 *= 10;
	for (i = 0; i < nunits; i++) {
		if (strcmp(v, units[i].suffix) != 0)
			continue;
		if (w > max / units[i].mult)
			return false;
		*out = w * units[i].mult + f * units[i].mult / pow10;
		return (w == 0 && f == 0) || (*out >= min && *out <= max);
	}
	return false;
}

/* "10ms", "250us", "1.5s", "800ns", "0" -> ns, at most LINK_TIME_MAX. */
static bool parse_time(const char *v, uint64_t *ns)
{
	static const struct unit units[] = {
		{ "ns", 1 }, { "us", 1000 }, { "ms", 1000000 }, { "s", NS_PER_S },
	};

	return parse_scaled(v, units, sizeof(units) / sizeof(units[0]), 9, 0, LINK_TIME_MAX, ns);
}

/* "100mbit", "512kbit", "1.5gbit", "9600bit", "0" -> bit/s. */
static bool parse_rate(const char *v, uint64_t *bps)
{
	static const struct unit units[] = {
		{ "bit", 1 }, { "kbit", 1000 }, { "mbit", 1000000 }, { "gbit", 1000000000 },
	};

	return parse_scaled(v, units, sizeof(units) / sizeof(units[0]), 6, LINK_RATE_MIN, LINK_RATE_MAX, bps);
}

static bool parse_count(const char *v, uint64_t max, uint64_t *n)
{
	uint64_t w, f;

	if (!parse_decimal(&v, &w, &f, 0) || *v != '\0' || w > max)
		return false;
	*n = w;
	return true;
}

int link_parse(const char *spec, struct link_knobs *k, char *err, size_t errlen)
{
	char buf[512], *item, *save = NULL;
	struct link_knobs t = *k;

	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, errlen, "link spec too long (at most %zu characters)", sizeof(buf) - 1);
		return -EINVAL;
	}
	strcpy(buf, spec);
	if (buf[0] == '\0')
		goto out_ok;
	if (buf[0] == ',' || buf[strlen(buf) - 1] == ',' || strstr(buf, ",,")) {
		snprintf(err, errlen, "empty knob in link spec '%s'", spec);
		return -EINVAL;
	}
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *v = strchr(item, '=');
		uint64_t n;
		bool ok;

		if (!v || v == item) {
			snprintf(err, errlen, "bad link knob '%s' (want key=value, e.g. loss=20%%)", item);
			return -EINVAL;
		}
		*v++ = '\0';
		if (!strcmp(item, "loss") || !strcmp(item, "dup") || !strcmp(item, "reorder") ||
		    !strcmp(item, "corrupt")) {
			uint32_t *dst = !strcmp(item, "loss") ? &t.loss : !strcmp(item, "dup") ? &t.dup :
					!strcmp(item, "reorder") ? &t.reorder : &t.corrupt;
			ok = parse_percent(v, dst);
			if (!ok) {
				snprintf(err, errlen, "bad %s '%s' (want a percentage from 0%% to 100%%, e.g. 20%% or 0.5%%)",
					 item, v);
				return -EINVAL;
			}
		} else if (!strcmp(item, "delay") || !strcmp(item, "jitter") || !strcmp(item, "hold")) {
			uint64_t *dst = !strcmp(item, "delay") ? &t.delay : !strcmp(item, "jitter") ? &t.jitter : &t.hold;
			if (!parse_time(v, dst)) {
				snprintf(err, errlen, "bad %s '%s' (want a time up to 60s, e.g. 10ms, 250us, 1.5s)",
					 item, v);
				return -EINVAL;
			}
		} else if (!strcmp(item, "rate")) {
			if (!parse_rate(v, &t.rate)) {
				snprintf(err, errlen,
					 "bad rate '%s' (want 1kbit to 100gbit, e.g. 100mbit, 512kbit; 0 = unlimited)", v);
				return -EINVAL;
			}
		} else if (!strcmp(item, "limit")) {
			if (!parse_count(v, LINK_LIMIT_MAX, &n) || n == 0) {
				snprintf(err, errlen, "bad limit '%s' (want frames waiting per direction, 1 to %d)", v,
					 LINK_LIMIT_MAX);
				return -EINVAL;
			}
			t.limit = (uint32_t)n;
		} else if (!strcmp(item, "seed")) {
			if (!parse_count(v, UINT64_MAX, &t.seed)) {
				snprintf(err, errlen, "bad seed '%s' (want a whole number)", v);
				return -EINVAL;
			}
		} else {
			snprintf(err, errlen,
				 "unknown link knob '%s' (knobs: loss dup reorder corrupt delay jitter hold rate limit seed)",
				 item);
			return -EINVAL;
		}
	}
out_ok:
	*k = t;
	return 0;
}

/* ---- describing */

static void put_ppm(char *buf, size_t len, size_t *at, const char *name, uint32_t ppm)
{
	if (ppm == 0 || *at >= len)
		return;
	*at += (size_t)snprintf(buf + *at, len - *at, "%s%s=%u.%04u%%", *at ? " " : "", name,
				ppm / 10000, ppm % 10000);
}

static void put_ns(char *buf, size_t len, size_t *at, const char *name, uint64_t ns)
{
	if (ns == 0 || *at >= len)
		return;
	*at += (size_t)snprintf(buf + *at, len - *at, "%s%s=%" PRIu64 "us", *at ? " " : "", name, ns / 1000);
}

void link_describe(const struct link_knobs *k, char *buf, size_t len)
{
	size_t at = 0;

	buf[0] = '\0';
	put_ppm(buf, len, &at, "loss", k->loss);
	put_ppm(buf, len, &at, "dup", k->dup);
	put_ppm(buf, len, &at, "reorder", k->reorder);
	if (k->reorder)
		put_ns(buf, len, &at, "hold", k->hold);
	put_ppm(buf, len, &at, "corrupt", k->corrupt);
	put_ns(buf, len, &at, "delay", k->delay);
	put_ns(buf, len, &at, "jitter", k->jitter);
	if (k->rate && at < len)
		at += (size_t)snprintf(buf + at, len - at, "%srate=%" PRIu64 "bit", at ? " " : "", k->rate);
	if (at < len)
		snprintf(buf + at, len - at, "%slimit=%u seed=%" PRIu64, at ? " " : "", k->limit, k->seed);
}

/* ---- randomness */

void link_rng_seed(struct link_rng *r, uint64_t seed)
{
	r->state = seed;
}

uint64_t link_rng_next(struct link_rng *r)
{
	uint64_t z = (r->state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Lemire's multiply-shift: the bias (below n / 2^64) is far under what any
 * test of a link could see. */
uint64_t link_rng_below(struct link_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)link_rng_next(r) * n) >> 64);
}

static bool chance(struct link_rng *r, uint32_t ppm)
{
	return ppm != 0 && link_rng_below(r, LINK_PPM) < ppm;
}

/* ---- decisions */

void link_dir_init(struct link_dir *d, const struct link_knobs *k, uint64_t salt)
{
	memset(d, 0, sizeof(*d));
	d->k = k;
	link_rng_seed(&d->rng, k->seed ^ (salt * 0xd1b54a32d192ed03ull));
}

static uint64_t copy_delay(struct link_dir *d, struct link_copy *c)
{
	const struct link_knobs *k = d->k;
	int64_t t = (int64_t)k->delay;

	if (k->jitter)
		t += (int64_t)link_rng_below(&d->rng, 2 * k->jitter + 1) - (int64_t)k->jitter;
	if (t < 0)
		t = 0;
	c->held = chance(&d->rng, k->reorder);
	if (c->held) {
		t += (int64_t)k->hold;
		d->st.reordered++;
	}
	return (uint64_t)t;
}

void link_decide(struct link_dir *d, uint64_t now, size_t len, struct link_fate *f)
{
	const struct link_knobs *k = d->k;
	int i;

	d->st.in++;
	f->ncopies = 0;
	if (chance(&d->rng, k->loss)) {
		d->st.lost++;
		return;
	}
	f->ncopies = 1;
	if (chance(&d->rng, k->dup)) {
		f->ncopies = 2;
		d->st.duplicated++;
	}
	for (i = 0; i < f->ncopies; i++) {
		struct link_copy *c = &f->copy[i];
		uint64_t t = now;

		c->flip_bit = -1;
		if (len > LINK_ETH_HLEN && chance(&d->rng, k->corrupt)) {
			c->flip_bit = (int32_t)(LINK_ETH_HLEN * 8 + link_rng_below(&d->rng, (len - LINK_ETH_HLEN) * 8));
			d->st.corrupted++;
		}
		if (k->rate) {
			/* Serialisation: the frame starts once the one before it is out. */
			if (d->busy_until > t)
				t = d->busy_until;
			t += (len * 8 * NS_PER_S + k->rate - 1) / k->rate;
			d->busy_until = t;
		}
		c->depart = t + copy_delay(d, c);
	}
}

void link_flip(uint8_t *frame, size_t len, int32_t bit)
{
	if (bit >= 0 && (size_t)bit < len * 8)
		frame[bit / 8] ^= (uint8_t)(1u << (bit % 8));
}

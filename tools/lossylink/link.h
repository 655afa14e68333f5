/*
 * tools/lossylink/link.h: the knobs of lossylink's emulated link and the
 * per-frame decisions they imply, kept apart from the relay's sockets so
 * host unit tests (tests/unit/tools/) can drive them with a fake clock.
 *
 * Model (one instance per direction; netem's knobs, its order of steps):
 *   1. loss:    the frame is dropped with probability loss;
 *   2. dup:     a second copy follows it with probability dup;
 *   3. corrupt: each copy, with probability corrupt, gets one bit flipped
 *               past the 14-byte Ethernet header (so the frame is still
 *               delivered and the IP/TCP/UDP checksum must catch it);
 *   4. rate:    copies are serialised at rate bit/s in arrival order
 *               (a frame starts when the one before it is out);
 *   5. delay:   then each copy waits delay +/- jitter (uniform, never
 *               below zero), and a reordered one (probability reorder)
 *               hold longer, so frames behind it overtake it.
 * At most limit frames wait in one direction; past that a frame is dropped
 * (queue_drop). Randomness is a splitmix64 stream from seed: the same
 * frames in the same order meet the same fates.
 * Probabilities are in parts per million, times in nanoseconds.
 */
#ifndef LOSSYLINK_LINK_H
#define LOSSYLINK_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINK_PPM 1000000u       /* 100 % */
#define LINK_FRAME_MAX 2048     /* largest frame relayed (MTU 1500 + headers, VLAN) */
#define LINK_ETH_HLEN 14        /* corrupt leaves the Ethernet header alone */
#define LINK_LIMIT_DEFAULT 1000 /* frames waiting per direction, as netem */
#define LINK_LIMIT_MAX 100000
#define LINK_HOLD_DEFAULT_NS 2000000ull /* a reordered frame's extra wait */

struct link_knobs {
	uint32_t loss;     /* ppm of frames dropped */
	uint32_t dup;      /* ppm of frames sent twice */
	uint32_t reorder;  /* ppm of frames held back by hold */
	uint32_t corrupt;  /* ppm of frames with one bit flipped */
	uint64_t delay;    /* ns every frame waits */
	uint64_t jitter;   /* ns: delay varies uniformly by +/- this */
	uint64_t hold;     /* ns a reordered frame waits on top */
	uint64_t rate;     /* bit/s; 0 = unlimited */
	uint32_t limit;    /* frames waiting per direction */
	uint64_t seed;     /* the random stream's start */
};

struct link_rng {
	uint64_t state;
};

/* One direction's counters, printed when the relay exits. */
struct link_stats {
	uint64_t in;          /* frames received */
	uint64_t out;         /* frames sent (duplicates included) */
	uint64_t bytes_out;   /* their bytes */
	uint64_t lost;        /* dropped by loss */
	uint64_t duplicated;  /* extra copies made */
	uint64_t corrupted;   /* copies with a bit flipped */
	uint64_t reordered;   /* copies held back */
	uint64_t queue_drop;  /* dropped: limit frames already waiting */
	uint64_t oversize;    /* dropped: longer than LINK_FRAME_MAX */
	uint64_t send_fail;   /* dropped: the far side refused (not up yet, full) */
};

/* The fate of one received frame: how many copies and, per copy, when it
 * leaves and which bit (if any) to flip. */
struct link_copy {
	uint64_t depart;   /* CLOCK_MONOTONIC ns */
	int32_t flip_bit;  /* bit index into the frame, or -1 */
	bool held;         /* reorder chose it */
};

struct link_fate {
	int ncopies;       /* 0 (lost), 1 or 2 (duplicated) */
	struct link_copy copy[2];
};

/* One direction of the link: its knobs, random stream and serialiser. */
struct link_dir {
	const struct link_knobs *k;
	struct link_rng rng;
	uint64_t busy_until; /* ns: when the serialiser is free (rate) */
	struct link_stats st;
};

/* link_knobs_default: no impairment, limit and hold at their defaults, seed 1. */
void link_knobs_default(struct link_knobs *k);

/*
 * link_parse: "key=value,key=value,..." (keys loss, dup, reorder, corrupt
 * with a percentage "20%" or "0.5%"; delay, jitter, hold with a time
 * "10ms", "250us", "1.5s", "0"; rate "100mbit", "512kbit", "1gbit",
 * "9600bit"; limit a frame count; seed an integer) over k's current
 * values. Returns 0, or -EINVAL with a one-line reason in err.
 */
int link_parse(const char *spec, struct link_knobs *k, char *err, size_t errlen);

/* link_describe: the knobs as one "loss=20% dup=1% ..." line (non-zero ones). */
void link_describe(const struct link_knobs *k, char *buf, size_t len);

void link_rng_seed(struct link_rng *r, uint64_t seed);
uint64_t link_rng_next(struct link_rng *r);
/* A number in [0, n), n > 0. */
uint64_t link_rng_below(struct link_rng *r, uint64_t n);

/* link_dir_init: a fresh direction; salt keeps two directions' streams apart. */
void link_dir_init(struct link_dir *d, const struct link_knobs *k, uint64_t salt);

/*
 * link_decide: what happens to a frame of len bytes received at now.
 * Counts in d->st (in, lost, duplicated, corrupted, reordered); the caller
 * counts queue_drop, oversize, send_fail and out.
 */
void link_decide(struct link_dir *d, uint64_t now, size_t len, struct link_fate *f);

/* link_flip: flip bit `bit` of frame (bit < 8 * len). */
void link_flip(uint8_t *frame, size_t len, int32_t bit);

#endif

/*
 * kernel/cmdline.c: the kernel's option table: the app's compiled-in
 * defaults, then the boot loader's command line, then fw_cfg "opt/skiff/cmdline" on top (so cloudit.sh --append reaches a
 * guest without a rebuild), then a check of every key against those the
 * kernel and the app declared with SKIFF_OPTION. Unknown or malformed
 * options get a warning line naming them, never silence.
 */
#include <stdint.h>
#include <string.h>

#include "arch/x86_64/fw_cfg.h"
#include "include/skiff.h"
#include "kernel/cmdline.h"
#include "kernel/cmdline_parse.h"
#include "kernel/log.h"

extern const struct skiff_option __opts_start[], __opts_end[];
extern const char skiff_app_cmdline[];  /* apps/APP/APP.cmdline, compiled in */

static struct cmdline opts;
/* Room for every option at its longest (quotes, '=' and a space each): never truncated. */
static char formatted[CMDLINE_MAX_OPTS * (CMDLINE_MAX_KEY + CMDLINE_MAX_VAL + 4)];

static void cmdline_warn(void *ctx, const char *msg)
{
	(void)ctx;
	kwarn("cmdline", "%s", msg);
}

static bool known_key(const char *key)
{
	for (const struct skiff_option *o = __opts_start; o < __opts_end; o++)
		if (cmdline_key_matches(o->key, key))
			return true;
	return false;
}

void cmdline_init(const char *boot_cmdline)
{
	static char fwbuf[2048];
	opts.warn = cmdline_warn;
	cmdline_parse(&opts, skiff_app_cmdline, "app defaults");
	cmdline_parse(&opts, boot_cmdline, "boot loader");
	long n = fw_cfg_read_file("opt/skiff/cmdline", fwbuf, sizeof(fwbuf));
	if (n >= (long)sizeof(fwbuf))
		kwarn("cmdline", "fw_cfg opt/skiff/cmdline is %ld bytes; only %zu read", n, sizeof(fwbuf) - 1);
	if (n > 0)
		cmdline_parse(&opts, fwbuf, "fw_cfg");
	for (int i = 0; i < opts.n; i++)
		if (!known_key(opts.opt[i].key))
			kwarn("cmdline", "unknown option '%s' (from %s)", opts.opt[i].key, opts.opt[i].source);
	cmdline_format(&opts, formatted, sizeof(formatted));
}

const char *cmdline_get(const char *key)
{
	return cmdline_lookup(&opts, key);
}

long cmdline_get_long(const char *key, long dflt)
{
	long v;
	const char *s = cmdline_get(key);
	if (!s)
		return dflt;
	if (!cmdline_parse_long(s, &v)) {
		kwarn("cmdline", "option %s=%s is not a number; using %ld", key, s, dflt);
		return dflt;
	}
	return v;
}

const char *cmdline_str(void)
{
	return formatted[0] ? formatted : "(none)";
}

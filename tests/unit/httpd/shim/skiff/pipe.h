/*
 * tests/unit/httpd/shim/skiff/pipe.h: include/skiff/pipe.h for the host
 * build of apps/httpd: a host process has no ivshmem device, so there are
 * never host pipes and httpd serves TCP only (what the test checks).
 */
#ifndef HTTPD_SHIM_SKIFF_PIPE_H
#define HTTPD_SHIM_SKIFF_PIPE_H

#include <stdbool.h>

static inline bool pipe_available(void)
{
	return false;
}

#endif

/*
 * tests/unit/httpd/shim/skiff.h: what apps/httpd/httpd.c takes from
 * include/skiff.h, from the host libc; the clock and CPU calls are the
 * test's (tests/unit/httpd/httpd_server_test.c).
 */
#ifndef TESTS_UNIT_HTTPD_SHIM_SKIFF_H
#define TESTS_UNIT_HTTPD_SHIM_SKIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

uint64_t skiff_wall_time(void);
unsigned cpu_id(void);

#endif

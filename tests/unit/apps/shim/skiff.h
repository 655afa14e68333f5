/*
 * tests/unit/apps/shim/skiff.h: what apps/netidle/services.c takes from
 * include/skiff.h (printf and the fixed-width types), from the host libc,
 * so the services can run against host stacks in a unit test.
 */
#ifndef TESTS_UNIT_APPS_SHIM_SKIFF_H
#define TESTS_UNIT_APPS_SHIM_SKIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#endif

/*
 * tests/unit/apps/shim/kernel/netdev.h: the stack lock of kernel/netdev.h
 * for host tests of apps; the test defines these (netidle_services_test.c
 * counts the lock depth).
 */
#ifndef TESTS_UNIT_APPS_SHIM_KERNEL_NETDEV_H
#define TESTS_UNIT_APPS_SHIM_KERNEL_NETDEV_H

#include "net/netstack.h"

struct netstack *netdev_stack(void);
void netdev_lock(void);
void netdev_unlock(void);

#endif

/*
 * apps/netidle/services.h: RFC 862 echo, RFC 863 discard and RFC 864
 * chargen over TCP (ports 7, 9, 19) and RFC 862 echo over UDP (7), run
 * from the stack's callbacks (services.c).
 */
#ifndef APPS_NETIDLE_SERVICES_H
#define APPS_NETIDLE_SERVICES_H

#include <stdbool.h>

#include "net/netstack.h"

/* Listen on the service ports and print one status line; call from the
 * app's thread (takes the stack lock). 0, or the first error. */
int services_start(struct netstack *ns, bool nodelay);
/* One line of connection and byte counters. */
void services_print(void);

#endif

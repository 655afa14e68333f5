/* placeholder until the DHCP client lands; replaced in a later commit */
#include "netstack_priv.h"
#include "dhcp.h"
void dhcp_poll(struct netstack *ns) { (void)ns; }
void dhcp_detach(struct netstack *ns, struct netif *nif) { (void)ns; (void)nif; }

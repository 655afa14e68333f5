/*
 * kernel/cmdline.h: "key=value" options for the kernel and the app.
 * Sources, later ones overriding earlier ones key by key: the image's own
 * command line (multiboot2 or PVH), then QEMU's fw_cfg file
 * "opt/skiff/cmdline", so options reach a guest without rebuilding it.
 * Known keys are those the kernel declares and those apps declare with
 * SKIFF_OPTION; anything else gets a warning line naming it.
 */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

void cmdline_init(const char *boot_cmdline);
const char *cmdline_get(const char *key);          /* NULL when absent */
long cmdline_get_long(const char *key, long dflt);
/*
 * The whole merged command line as "k=v k=v" (values with spaces quoted),
 * for the boot banner and for parsers such as netconf_apply_cmdline().
 */
const char *cmdline_str(void);

#endif

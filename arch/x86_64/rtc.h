/* arch/x86_64/rtc.h: the CMOS real-time clock (MC146818), read once at boot. */
#ifndef ARCH_X86_64_RTC_H
#define ARCH_X86_64_RTC_H

#include <stdint.h>

/* Seconds since 1970-01-01 UTC as the RTC holds it (QEMU keeps it in UTC). */
uint64_t rtc_read_unix(void);
/* Converts a Unix time to "YYYY-MM-DD hh:mm:ss" (buf >= 20 bytes). */
void rtc_format(uint64_t unix_secs, char *buf, unsigned long size);

#endif

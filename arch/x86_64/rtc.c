/*
 * arch/x86_64/rtc.c: MC146818 CMOS clock. Registers 0x00-0x09 hold seconds
 * to year, BCD unless status B bit 2 says binary, 12-hour unless bit 1. A
 * read is repeated until two consecutive reads agree, so that an update in
 * the middle (status A bit 7) cannot give a torn time.
 */
#include <stdbool.h>
#include <stdint.h>

#include "arch/x86_64/io.h"
#include "arch/x86_64/rtc.h"
#include "lib/fmt.h"

#define CMOS_ADDR 0x70
#define CMOS_DATA 0x71

struct rtc_time {
	unsigned sec, min, hour, day, mon, year, century;
};

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_ADDR, reg | 0x80);  /* bit 7 keeps NMIs disabled while we look */
	return inb(CMOS_DATA);
}

static void rtc_read_raw(struct rtc_time *t)
{
	for (int i = 0; i < 100000 && (cmos_read(0x0a) & 0x80); i++)
		cpu_relax();
	t->sec = cmos_read(0x00);
	t->min = cmos_read(0x02);
	t->hour = cmos_read(0x04);
	t->day = cmos_read(0x07);
	t->mon = cmos_read(0x08);
	t->year = cmos_read(0x09);
	t->century = cmos_read(0x32);
}

static unsigned bcd(unsigned v)
{
	return (v & 0x0f) + (v >> 4) * 10;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

uint64_t rtc_read_unix(void)
{
	struct rtc_time a, b;
	rtc_read_raw(&a);
	for (int tries = 0; tries < 10; tries++) {
		rtc_read_raw(&b);
		if (a.sec == b.sec && a.min == b.min && a.hour == b.hour && a.day == b.day)
			break;
		a = b;
	}
	uint8_t sb = cmos_read(0x0b);
	bool pm = b.hour & 0x80;
	b.hour &= 0x7f;
	if (!(sb & 0x04)) {
		b.sec = bcd(b.sec), b.min = bcd(b.min), b.hour = bcd(b.hour);
		b.day = bcd(b.day), b.mon = bcd(b.mon), b.year = bcd(b.year);
		b.century = bcd(b.century);
	}
	if (!(sb & 0x02) && pm)
		b.hour = (b.hour + 12) % 24;
	unsigned year = b.year + (b.century >= 19 && b.century <= 30 ? b.century * 100 : 2000);
	if (b.mon < 1 || b.mon > 12 || b.day < 1 || b.day > 31)
		return 0;
	return (uint64_t)days_from_civil(year, b.mon, b.day) * 86400 + b.hour * 3600 + b.min * 60 + b.sec;
}

void rtc_format(uint64_t t, char *buf, unsigned long size)
{
	int64_t z = (int64_t)(t / 86400) + 719468;
	unsigned secs = (unsigned)(t % 86400);
	int64_t era = z / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t y = (int64_t)yoe + era * 400;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;
	unsigned d = doy - (153 * mp + 2) / 5 + 1;
	unsigned m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	fmt_snprintf(buf, size, "%04ld-%02u-%02u %02u:%02u:%02u", (long)y, m, d, secs / 3600, secs / 60 % 60,
		     secs % 60);
}

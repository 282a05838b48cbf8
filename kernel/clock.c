/* clock.c: the PIT tick, a monotonic nanosecond clock, and wall time.
 *
 * Channel 0 raises the HZ timer interrupt (mode 2). The clock is channel 2,
 * free-running over the full 16-bit range (mode 2, reload 0 = 65536: one
 * wrap every 54.9 ms) with its gate opened through port 0x61 and the
 * speaker left off. Every reading latches the counter and adds the cycles
 * elapsed since the previous reading, modulo 65536; the timer interrupt
 * takes a reading every 10 ms, so the difference is unambiguous unless
 * interrupts stay off for 54.9 ms.
 *
 * Channel 0 itself cannot serve: its interrupt-time readings are one period
 * apart, exactly where a down-counter's difference becomes ambiguous, so
 * some periods were counted as nothing (under QEMU's -icount every one was,
 * and the clock stood nearly still: regression clock_lost_periods_icount).
 * Mixing in the interrupt count instead made the clock jump a tick ahead
 * and stand still (clock_froze_near_tick): the edge and the reload are not
 * the same instant in every emulator.
 *
 * Both emulators drive the PIT from their notion of real time (Bochs with
 * clock sync=realtime), which the TSC is not in Bochs, so the TSC is never
 * used. Wall time is the CMOS RTC read once at boot plus this clock. */
#include "kernel/clock.h"

#include <stdbool.h>

#include "kernel/arch.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "proc/sched.h"

#define PIT_HZ 1193182ULL
#define PIT_DIVISOR ((PIT_HZ + HZ / 2) / HZ)
#define NS_PER_SEC 1000000000ULL

#define PIT_CMD 0x43
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PORT_B 0x61     /* bit 0: channel-2 gate, bit 1: speaker data */

static volatile uint64_t ticks;
static uint64_t cycles;       /* PIT input cycles since boot, up to last_count */
static uint16_t last_count;   /* channel 2 at the previous reading */
static int64_t realtime_offset_ns;

static uint64_t cycles_to_ns(uint64_t c)
{
	return (c / PIT_HZ) * NS_PER_SEC + (c % PIT_HZ) * NS_PER_SEC / PIT_HZ;
}

static void timer_irq(void)
{
	ticks++;
	clock_monotonic_ns(); /* a reading every tick: never a whole wrap apart */
	sched_tick();
}

uint64_t clock_ticks(void)
{
	return ticks;
}

uint64_t clock_monotonic_ns(void)
{
	uint64_t f = irq_save(), ns;
	uint16_t count;

	outb(PIT_CMD, 0x80); /* latch channel 2 */
	count = inb(PIT_CH2);
	count |= (uint16_t)(inb(PIT_CH2) << 8);
	/* It counts down through all 65536 values, so the wrapped 16-bit
	 * difference is the number of cycles since the previous reading. */
	cycles += (uint16_t)(last_count - count);
	last_count = count;
	ns = cycles_to_ns(cycles);
	irq_restore(f);
	return ns;
}

static uint8_t cmos_read(uint8_t reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned bcd(uint8_t v, bool is_bcd)
{
	return is_bcd ? (v & 0x0F) + (v >> 4) * 10 : v;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static uint64_t rtc_read_epoch_seconds(void)
{
	uint8_t sec, min, hour, day, mon, year, status_b;
	bool is_bcd;

	for (int i = 0; i < 1000000 && (cmos_read(0x0A) & 0x80); i++)
		cpu_pause();
	sec = cmos_read(0x00);
	min = cmos_read(0x02);
	hour = cmos_read(0x04);
	day = cmos_read(0x07);
	mon = cmos_read(0x08);
	year = cmos_read(0x09);
	status_b = cmos_read(0x0B);
	is_bcd = !(status_b & 0x04);
	unsigned h = bcd(hour & 0x7F, is_bcd);
	if (!(status_b & 0x02) && (hour & 0x80)) /* 12-hour clock, PM */
		h = (h % 12) + 12;
	int64_t days = days_from_civil(2000 + bcd(year, is_bcd), bcd(mon, is_bcd),
				       bcd(day, is_bcd));
	return (uint64_t)(days * 86400 + h * 3600 + bcd(min, is_bcd) * 60 + bcd(sec, is_bcd));
}

void clock_init(void)
{
	outb(PIT_CMD, 0x34); /* channel 0, lo/hi, mode 2 */
	outb(PIT_CH0, PIT_DIVISOR & 0xFF);
	outb(PIT_CH0, PIT_DIVISOR >> 8);
	outb(PORT_B, (inb(PORT_B) & ~0x03) | 0x01); /* gate on, speaker off */
	outb(PIT_CMD, 0xB4); /* channel 2, lo/hi, mode 2 */
	outb(PIT_CH2, 0);    /* reload 0: 65536 */
	outb(PIT_CH2, 0);
	last_count = 0;
	irq_register(0, timer_irq);
	irq_unmask(0);
	realtime_offset_ns = (int64_t)(rtc_read_epoch_seconds() * NS_PER_SEC);
}

uint64_t clock_realtime_ns(void)
{
	return (uint64_t)((int64_t)clock_monotonic_ns() + realtime_offset_ns);
}

void clock_set_realtime_ns(uint64_t ns)
{
	realtime_offset_ns = (int64_t)ns - (int64_t)clock_monotonic_ns();
}

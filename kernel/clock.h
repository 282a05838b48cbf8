/* clock.h: the PIT tick, a monotonic nanosecond clock and wall time. */
#ifndef KERNEL_CLOCK_H
#define KERNEL_CLOCK_H

#include <stdint.h>

#define HZ 100

/* Program the PIT for HZ ticks and read the CMOS RTC for the wall clock. */
void clock_init(void);
/* Nanoseconds since boot; monotonic, with sub-tick resolution from the PIT
 * counter (no TSC, whose rate is meaningless in Bochs). */
uint64_t clock_monotonic_ns(void);
/* Nanoseconds since the Unix epoch. */
uint64_t clock_realtime_ns(void);
/* Step the wall clock (settimeofday / clock_settime). */
void clock_set_realtime_ns(uint64_t ns);
/* Timer ticks since boot. */
uint64_t clock_ticks(void);

struct task;
/* ITIMER_REAL/alarm expiry, from the timer tick. */
void itimer_tick(void);
/* Disarm t's real-time timer (at exit). */
void itimer_cancel(struct task *t);

#endif

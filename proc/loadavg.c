/* loadavg.c: the 1, 5 and 15 minute load averages.
 *
 * As Linux (kernel/sched/loadavg.c): every LOAD_FREQ ticks (5 s and one
 * tick) the timer samples the number of runnable tasks n and folds it into
 * each average a with a <- a * e + n * (1 - e), where e = exp(-5 s / period)
 * in FSHIFT-bit fixed point. The tasks counted are the running one and the
 * run queue; there is no uninterruptible sleep here to add. Only the timer
 * tick writes the averages; readers take a copy with interrupts off. */
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "proc/sched.h"

#define FIXED_1 (1UL << LOADAVG_FSHIFT)
#define LOAD_FREQ (5 * HZ + 1)
#define EXP_1 1884  /* 1 / exp(5 s / 1 min), fixed point */
#define EXP_5 2014  /* 1 / exp(5 s / 5 min) */
#define EXP_15 2037 /* 1 / exp(5 s / 15 min) */

static unsigned long avenrun[3];
static unsigned int ticks_left = LOAD_FREQ;

/* One step of the decay; rounds up while the load rises, as Linux. */
static unsigned long calc_load(unsigned long load, unsigned long exp, unsigned long active)
{
	unsigned long newload = load * exp + active * (FIXED_1 - exp);

	if (active >= load)
		newload += FIXED_1 - 1;
	return newload / FIXED_1;
}

void loadavg_tick(void)
{
	unsigned long active;

	if (--ticks_left)
		return;
	ticks_left = LOAD_FREQ;
	active = (unsigned long)sched_nr_running() * FIXED_1;
	avenrun[0] = calc_load(avenrun[0], EXP_1, active);
	avenrun[1] = calc_load(avenrun[1], EXP_5, active);
	avenrun[2] = calc_load(avenrun[2], EXP_15, active);
}

void loadavg_get(unsigned long avg[3])
{
	uint64_t f = irq_save();

	avg[0] = avenrun[0];
	avg[1] = avenrun[1];
	avg[2] = avenrun[2];
	irq_restore(f);
}

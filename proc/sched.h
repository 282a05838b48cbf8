/* sched.h: the round-robin scheduler.
 *
 * One CPU. The kernel is not preemptible: a task leaves the CPU only when it
 * blocks, exits, or returns to user mode with need_resched set (the timer
 * sets it when the running task's slice is over). The run queue holds the
 * runnable tasks other than the current one; the idle task (pid 0, the boot
 * context) never sits on it and runs only when it is empty. All scheduler
 * state is touched with interrupts off. */
#ifndef PROC_SCHED_H
#define PROC_SCHED_H

#include <stdbool.h>
#include <stdint.h>

struct task;
struct trap_frame;

/* Turn the boot context into the idle task and set up the run queue. */
void sched_init(void);
/* Enter the idle loop forever (the boot context, after starting init). */
__attribute__((noreturn)) void sched_idle_loop(void);

/* Make t runnable and queue it (no-op if it already is). */
void sched_wake(struct task *t);
/* Put a runnable t on the run queue for its first run. */
void sched_add_new(struct task *t);
/* Switch to the next runnable task; the caller has set its own state. */
void schedule(void);
/* Timer interrupt: account the tick, expire sleeps, end time slices. */
void sched_tick(void);

/* Sleep until clock_monotonic_ns() >= deadline_ns or a signal arrives.
 * Returns 0 when the deadline passed, -ERESTARTSYS on a signal. */
int sched_sleep_until(uint64_t deadline_ns);

/* Work on every return to user mode: reschedule when asked, deliver signals. */
void proc_return_to_user(struct trap_frame *tf);

extern struct task *sched_idle_task;

/* CPU time by kind, in ticks since boot, and context switches
 * (/proc/stat, /proc/uptime). */
struct sched_stats {
	uint64_t user, nice, system, idle;
	uint64_t ctxt;
};
extern struct sched_stats sched_stats;
/* Runnable tasks, the running one included (the idle task is not). */
unsigned int sched_nr_running(void);

/* Load average (proc/loadavg.c): Linux's fixed-point decaying averages of
 * the runnable count over 1, 5 and 15 minutes, FSHIFT bits of fraction. */
#define LOADAVG_FSHIFT 11
/* Sample the run queue every 5 s. => timer tick, interrupts off */
void loadavg_tick(void);
/* The three averages, LOADAVG_FSHIFT fixed point. */
void loadavg_get(unsigned long avg[3]);

#endif

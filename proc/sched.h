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

#endif

/* sched.c: run queue, context switch, timed sleeps and wait queues.
 *
 * Task states and who changes them:
 *   RUNNABLE  on the run queue, or current. Set by sched_wake/sched_add_new.
 *   SLEEPING  on a wait queue and/or the timer list; set by the task itself
 *             (waitq_prepare) with interrupts off, then schedule().
 *   STOPPED   by a stop signal; only SIGCONT/SIGKILL make it RUNNABLE.
 *   ZOMBIE    after exit; never runs again; reaped by wait4.
 * Lock rule: interrupts off around every run-queue or state change, since the
 * timer and the serial IRQ wake tasks. */
#include "proc/sched.h"

#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/list.h"
#include "kernel/printk.h"
#include "kernel/trap.h"
#include "mm/vmm.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/task.h"

#define SLICE_TICKS 2

struct task *proc_current_task;
struct waitq poll_waitq = { LIST_HEAD_INIT(poll_waitq.sleepers) };
struct task *sched_idle_task;
static struct task idle_task;
static struct list_head runq = LIST_HEAD_INIT(runq);
static struct list_head sleepers = LIST_HEAD_INIT(sleepers); /* timed, by deadline */
static unsigned slice_left = SLICE_TICKS;
struct sched_stats sched_stats;

void sched_init(void)
{
	idle_task.pid = 0;
	idle_task.state = TASK_RUNNABLE;
	list_init(&idle_task.children);
	list_init(&idle_task.runq);
	list_init(&idle_task.timer);
	strlcpy_comm(&idle_task, "idle");
	sched_idle_task = &idle_task;
	proc_current_task = &idle_task;
}

static bool on_runq(struct task *t)
{
	return !list_empty(&t->runq);
}

void sched_wake(struct task *t)
{
	uint64_t f = irq_save();

	if (t->state == TASK_SLEEPING) {
		t->state = TASK_RUNNABLE;
		if (!list_empty(&t->timer))
			list_del(&t->timer);
	}
	if (t->state == TASK_RUNNABLE && t != proc_current_task && t != &idle_task &&
	    !on_runq(t)) {
		list_add_tail(&t->runq, &runq);
		need_resched = true;
	}
	irq_restore(f);
}

void sched_add_new(struct task *t)
{
	t->state = TASK_RUNNABLE;
	sched_wake(t);
}

static struct list_head dead = LIST_HEAD_INIT(dead);

void sched_free_later(struct task *t)
{
	list_add_tail(&t->runq, &dead);
}

/* Free auto-reaped zombies; never the task we are running on. */
static void free_dead(void)
{
	struct list_head *pos, *n;

	list_for_each_safe(pos, n, &dead) {
		struct task *t = list_entry(pos, struct task, runq);
		if (t == proc_current_task)
			continue;
		list_del(&t->runq);
		task_free(t);
	}
}

void schedule(void)
{
	uint64_t f = irq_save();
	struct task *prev = proc_current_task, *next = &idle_task;

	need_resched = false;
	if (prev != &idle_task && prev->state == TASK_RUNNABLE && !on_runq(prev))
		list_add_tail(&prev->runq, &runq);
	if (!list_empty(&runq)) {
		next = list_first_entry(&runq, struct task, runq);
		list_del(&next->runq);
	}
	slice_left = SLICE_TICKS;
	if (next != prev) {
		sched_stats.ctxt++;
		task_switch(prev, next);
	}
	if (!list_empty(&dead))
		free_dead();
	irq_restore(f);
}

/* Wake timed sleepers whose deadline has passed. => interrupts off */
static void expire_sleepers(void)
{
	uint64_t now = clock_monotonic_ns();

	while (!list_empty(&sleepers)) {
		struct task *t = list_first_entry(&sleepers, struct task, timer);
		if (t->deadline_ns > now)
			break;
		list_del(&t->timer);
		sched_wake(t);
	}
}

void sched_tick(void)
{
	struct task *t = proc_current_task;

	if (trap_irq_from_user) {
		t->utime_ticks++;
		if (t->nice > 0)
			sched_stats.nice++;
		else
			sched_stats.user++;
	} else if (t != &idle_task) {
		t->stime_ticks++;
		sched_stats.system++;
	} else {
		sched_stats.idle++;
	}
	loadavg_tick();
	expire_sleepers();
	itimer_tick();
	if (t != &idle_task && slice_left && --slice_left == 0)
		need_resched = true;
}

unsigned int sched_nr_running(void)
{
	uint64_t f = irq_save();
	unsigned int n = proc_current_task != &idle_task;
	struct list_head *pos;

	list_for_each(pos, &runq)
		n++;
	irq_restore(f);
	return n;
}

static void timer_insert(struct task *t, uint64_t deadline)
{
	struct list_head *pos;

	t->deadline_ns = deadline;
	list_for_each(pos, &sleepers) {
		if (list_entry(pos, struct task, timer)->deadline_ns > deadline)
			break;
	}
	list_insert_between(&t->timer, pos->prev, pos);
}

int sched_sleep_until(uint64_t deadline_ns)
{
	struct task *t = proc_current_task;
	uint64_t f = irq_save();
	int ret = 0;

	while (clock_monotonic_ns() < deadline_ns) {
		if (proc_signal_pending()) {
			ret = -ERESTARTSYS;
			break;
		}
		t->state = TASK_SLEEPING;
		timer_insert(t, deadline_ns);
		schedule();
	}
	if (!list_empty(&t->timer))
		list_del(&t->timer);
	t->state = TASK_RUNNABLE;
	irq_restore(f);
	return ret;
}

void sched_idle_loop(void)
{
	for (;;) {
		irq_disable();
		if (!list_empty(&runq))
			schedule();
		else
			__asm__ volatile("sti; hlt" ::: "memory");
	}
}

/* ---- wait queues (proc/wait.h) ---- */

void waitq_init(struct waitq *wq)
{
	list_init(&wq->sleepers);
}

void waitq_prepare(struct waitq *wq, struct waitq_entry *e)
{
	struct task *t = proc_current_task;

	if (e->task != t) {
		e->task = t;
		list_add_tail(&e->link, &wq->sleepers);
	}
	t->state = TASK_SLEEPING;
}

void waitq_finish(struct waitq *wq, struct waitq_entry *e)
{
	(void)wq;
	proc_current_task->state = TASK_RUNNABLE;
	if (e->task)
		list_del(&e->link);
	e->task = NULL;
}

void waitq_block(void)
{
	schedule();
}

void waitq_block_until(uint64_t deadline_ns)
{
	struct task *t = proc_current_task;

	if (deadline_ns)
		timer_insert(t, deadline_ns);
	schedule();
	if (!list_empty(&t->timer))
		list_del(&t->timer);
}

void waitq_wake_all(struct waitq *wq)
{
	uint64_t f = irq_save();
	struct list_head *pos;

	list_for_each(pos, &wq->sleepers)
		sched_wake(list_entry(pos, struct waitq_entry, link)->task);
	irq_restore(f);
}

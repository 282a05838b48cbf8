/* wait.h: wait queues, the one way a task blocks.
 *
 * A sleeper puts itself on the queue and marks itself sleeping with
 * interrupts off, then re-checks its condition before switching away, so a
 * wake-up from an interrupt handler cannot be lost between the check and the
 * sleep. waitq_wake_all may be called from interrupt context. */
#ifndef PROC_WAIT_H
#define PROC_WAIT_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/list.h"

struct waitq {
	struct list_head sleepers;
};

void waitq_init(struct waitq *wq);
/* Wake every task sleeping on wq. */
void waitq_wake_all(struct waitq *wq);

/* Internals of WAIT_EVENT; use the macro. */
struct waitq_entry {
	struct list_head link;
	struct task *task;
};
void waitq_prepare(struct waitq *wq, struct waitq_entry *e);
void waitq_finish(struct waitq *wq, struct waitq_entry *e);
void waitq_block(void);        /* switch away until woken */
/* As waitq_block, but also wake at deadline_ns (monotonic; 0 = never). */
void waitq_block_until(uint64_t deadline_ns);
uint64_t clock_monotonic_ns(void);
bool proc_signal_pending(void); /* an unblocked signal awaits current */

/* Block until cond holds. Evaluates to 0, or -ERESTARTSYS when a signal
 * arrived first (the syscall layer turns that into EINTR or a restart).
 * cond is evaluated with interrupts off. */
#define WAIT_EVENT(wq, cond) WAIT_EVENT_DEADLINE(wq, cond, 0)

/* Block until cond holds, whatever signals arrive (they stay pending). */
#define WAIT_EVENT_UNINTERRUPTIBLE(wq, cond)                                                       \
	({                                                                                         \
		struct waitq_entry __we = { .task = 0 };                                           \
		uint64_t __fl = irq_save();                                                        \
		for (;;) {                                                                         \
			waitq_prepare((wq), &__we);                                                \
			if (cond)                                                                  \
				break;                                                             \
			waitq_block();                                                             \
		}                                                                                  \
		waitq_finish((wq), &__we);                                                         \
		irq_restore(__fl);                                                                 \
	})

/* As WAIT_EVENT, but give up with -ETIMEDOUT once clock_monotonic_ns()
 * reaches deadline_ns (0 means no deadline). */
#define WAIT_EVENT_DEADLINE(wq, cond, deadline_ns)                                                 \
	({                                                                                         \
		int __ret = 0;                                                                     \
		uint64_t __dl = (deadline_ns);                                                     \
		struct waitq_entry __we = { .task = 0 };                                           \
		uint64_t __fl = irq_save();                                                        \
		for (;;) {                                                                         \
			waitq_prepare((wq), &__we);                                                \
			if (cond)                                                                  \
				break;                                                             \
			if (proc_signal_pending()) {                                               \
				__ret = -ERESTARTSYS;                                              \
				break;                                                             \
			}                                                                          \
			if (__dl && clock_monotonic_ns() >= __dl) {                                \
				__ret = -ETIMEDOUT;                                                \
				break;                                                             \
			}                                                                          \
			waitq_block_until(__dl);                                                   \
		}                                                                                  \
		waitq_finish((wq), &__we);                                                         \
		irq_restore(__fl);                                                                 \
		__ret;                                                                             \
	})

/* Woken on every change that poll/select may be waiting for (pipe and tty
 * data or space, hang-ups). Pollers sleep here and re-check their set. */
extern struct waitq poll_waitq;

#endif

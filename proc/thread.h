/* thread.h: thread groups (POSIX processes made of several tasks). */
#ifndef PROC_THREAD_H
#define PROC_THREAD_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/list.h"
#include "proc/proc.h"
#include "proc/signal.h"

/* One per process; see the theory of operation in proc/thread.c. */
struct tgroup {
	int refs;                 /* member tasks not yet freed */
	int live;                 /* members that have not exited */
	struct task *leader;      /* its pid is the tgid; freed last */
	struct list_head threads; /* members (task.thread_node), leader first */
	bool exiting;             /* exit_group or a fatal signal is under way */
	int exit_code;            /* the group's wait status once exiting */
	struct task *execer;      /* a member in execve, killing the others */
	uint64_t shared_pending;  /* process signals no thread could take yet */
	struct ksiginfo shared_info[NSIG];
};

/* Make t the leader of a new group. Returns 0 or -ENOMEM. */
int thread_group_new(struct task *t);
/* Add the new thread t to p's group. */
void thread_group_join(struct task *t, struct task *p);
/* Drop t's membership (task_free). Frees the group with its last member. */
void thread_group_leave(struct task *t);

/* True for a process's leader (and for a task without a group). */
static inline bool thread_is_leader(const struct task *t)
{
	return !t->tg || t->tg->leader == t;
}

/* True when every thread of t's process has exited. */
bool thread_group_dead(const struct task *t);
/* Another live thread of t's group, or NULL. */
struct task *thread_other_live(struct task *t);

/* Wake wait4 sleepers in every thread of p's group (a child changed). */
void thread_group_wake_waiters(struct task *p);
/* Send sig to t's process: queued on one thread that does not block it,
 * else on the process (tg->shared_pending) for the first that unblocks or
 * waits for it. */
void signal_send_group(struct task *t, int sig, const struct ksiginfo *info);
/* Signals pending for t: its own and its process's. */
static inline uint64_t signal_pending_set(const struct task *t)
{
	return t->sig_pending | (t->tg ? t->tg->shared_pending : 0);
}
/* Take sig off t's pending set, or else its process's; its siginfo to info. */
void signal_take_pending(struct task *t, int sig, struct ksiginfo *info);
/* Queue sig on t's process (signal.c). => interrupts off */
void signal_send_shared(struct task *t, int sig, const struct ksiginfo *info);

/* SIGKILL every other live thread of current's group. */
void thread_kill_others(void);
/* execve: end the other threads; current takes over the leader's pid.
 * Returns 0, or -EINTR when current is being killed itself. */
int thread_exec_single(void);

/* End the whole process with wstatus (exit_group, fatal signals). */
__attribute__((noreturn)) void proc_group_exit(int wstatus);

/* futex(2) wake for CLONE_CHILD_CLEARTID (proc/futex.c). */
int futex_wake_addr(uintptr_t uaddr, int n);

#endif

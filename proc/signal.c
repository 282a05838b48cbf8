/* signal.c: sending, blocking, and delivering signals.
 *
 * One pending instance per signal number (a bit in t->sig_pending and its
 * siginfo in t->sig_info). Dispositions live in a refcounted signal_state.
 * Delivery happens only on the way back to user mode (proc_return_to_user):
 *   - a handler gets a Linux x86_64 rt_sigframe on its stack (or altstack);
 *   - SIG_DFL: ignore, stop (job control), or terminate (with core flag);
 *   - an interrupted syscall that returned -ERESTARTSYS is restarted when no
 *     handler ran, or when the handler has SA_RESTART; else it gets EINTR.
 * Sending: ignored signals are dropped unless blocked; SIGCONT cancels
 * pending stops and resumes; a stop signal cancels a pending SIGCONT; an
 * unblocked signal wakes a sleeper so its WAIT_EVENT returns.
 * Threads (proc/thread.c): pending sets and masks are per thread; a
 * process-directed signal is queued on one thread that takes it; SIGCONT
 * and SIGKILL resume, and stops stop, every thread of the process; a fatal
 * default action ends the whole process (proc_group_exit). */
#include "proc/signal.h"

#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/trap.h"
#include "kernel/uaccess.h"
#include "mm/kheap.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/task.h"
#include "proc/thread.h"

#define SIG_KERNEL_ONLY (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))
#define SIG_STOP_MASK (SIGBIT(SIGSTOP) | SIGBIT(SIGTSTP) | SIGBIT(SIGTTIN) | SIGBIT(SIGTTOU))
#define SIG_IGNORE_MASK (SIGBIT(SIGCHLD) | SIGBIT(SIGURG) | SIGBIT(SIGWINCH) | SIGBIT(SIGCONT))
#define SIG_SYNC_MASK                                                                              \
	(SIGBIT(SIGSEGV) | SIGBIT(SIGBUS) | SIGBIT(SIGILL) | SIGBIT(SIGTRAP) | SIGBIT(SIGFPE) |    \
	 SIGBIT(SIGSYS))

struct signal_state *signal_state_new(void)
{
	struct signal_state *s = kzalloc(sizeof(*s));

	if (s)
		s->refs = 1;
	return s;
}

struct signal_state *signal_state_copy(const struct signal_state *src)
{
	struct signal_state *s = kmalloc(sizeof(*s));

	if (s) {
		memcpy(s, src, sizeof(*s));
		s->refs = 1;
	}
	return s;
}

void signal_state_put(struct signal_state *s)
{
	if (s && --s->refs == 0)
		kfree(s);
}

void signal_reset_on_exec(struct task *t)
{
	for (int i = 0; i < NSIG; i++) {
		struct k_sigaction *ka = &t->sig->action[i];
		if (ka->handler != SIG_IGN)
			memset(ka, 0, sizeof(*ka));
		ka->flags = 0;
		ka->mask = 0;
	}
	t->altstack_sp = 0;
	t->altstack_size = 0;
	t->altstack_flags = SS_DISABLE;
}

static bool default_ignored(int sig)
{
	return SIG_IGNORE_MASK & SIGBIT(sig);
}

bool signal_is_ignored(struct task *t, int sig)
{
	uint64_t h = t->sig->action[sig - 1].handler;

	return h == SIG_IGN || (h == SIG_DFL && default_ignored(sig));
}

/* SIGCONT or SIGKILL: cancel pending stops in every thread of t's
 * process and resume the stopped ones; the parent hears of a continue
 * once, through the leader. => interrupts off */
static void resume_group(struct task *t, int sig)
{
	struct list_head *pos;
	bool resumed = false;

	t->tg->shared_pending &= ~SIG_STOP_MASK;
	list_for_each(pos, &t->tg->threads) {
		struct task *th = list_entry(pos, struct task, thread_node);
		th->sig_pending &= ~SIG_STOP_MASK;
		th->stop_quiet = false;
		if (th->state != TASK_STOPPED)
			continue;
		th->state = TASK_SLEEPING; /* so sched_wake requeues it */
		sched_wake(th);
		resumed = true;
	}
	if (resumed && sig == SIGCONT) {
		t->tg->leader->stop_report = 0xffff;
		proc_notify_parent(t->tg->leader, CLD_CONTINUED, SIGCONT);
	}
}

/* A stop signal cancels a pending SIGCONT in every thread. */
static void cancel_continue(struct task *t)
{
	struct list_head *pos;

	t->tg->shared_pending &= ~SIGBIT(SIGCONT);
	list_for_each(pos, &t->tg->threads)
		list_entry(pos, struct task, thread_node)->sig_pending &= ~SIGBIT(SIGCONT);
}

void signal_send_shared(struct task *t, int sig, const struct ksiginfo *info)
{
	if (sig < 1 || sig > NSIG || !t->tg)
		return;
	if (sig == SIGCONT)
		resume_group(t, sig);
	else if (SIG_STOP_MASK & SIGBIT(sig))
		cancel_continue(t);
	t->tg->shared_pending |= SIGBIT(sig);
	t->tg->shared_info[sig - 1] = *info;
	t->tg->shared_info[sig - 1].signo = sig;
}

void signal_take_pending(struct task *t, int sig, struct ksiginfo *info)
{
	if (t->sig_pending & SIGBIT(sig)) {
		t->sig_pending &= ~SIGBIT(sig);
		*info = t->sig_info[sig - 1];
	} else {
		t->tg->shared_pending &= ~SIGBIT(sig);
		*info = t->tg->shared_info[sig - 1];
	}
}

void signal_send_info(struct task *t, int sig, const struct ksiginfo *info)
{
	uint64_t f;

	/* No group yet: a task clone is still building, not yet running. */
	if (sig < 1 || sig > NSIG || t->state == TASK_ZOMBIE || !t->tg)
		return;
	f = irq_save();
	if (sig == SIGCONT || sig == SIGKILL)
		resume_group(t, sig);
	else if (SIG_STOP_MASK & SIGBIT(sig))
		cancel_continue(t);
	if (signal_is_ignored(t, sig) && !(t->sig_blocked & SIGBIT(sig)) && sig != SIGKILL) {
		irq_restore(f);
		return;
	}
	t->sig_pending |= SIGBIT(sig);
	t->sig_info[sig - 1] = *info;
	t->sig_info[sig - 1].signo = sig;
	if ((!(t->sig_blocked & SIGBIT(sig)) || (t->sig_waiting & SIGBIT(sig))) &&
	    t->state == TASK_SLEEPING)
		sched_wake(t);
	irq_restore(f);
}

void proc_send_signal(struct task *t, int sig)
{
	struct ksiginfo info = { .signo = sig, .code = SI_KERNEL };

	signal_send_group(t, sig, &info);
}

bool proc_signal_pending(void)
{
	struct task *t = proc_current();

	return signal_pending_set(t) & (~t->sig_blocked | t->sig_waiting);
}

void signal_user_fault(int sig, int code, uintptr_t addr)
{
	struct task *t = proc_current();
	struct k_sigaction *ka = &t->sig->action[sig - 1];
	struct ksiginfo info = { .signo = sig, .code = code, .addr = addr };

	if (ka->handler == SIG_IGN || (t->sig_blocked & SIGBIT(sig)))
		ka->handler = SIG_DFL;
	t->sig_blocked &= ~SIGBIT(sig);
	signal_send_info(t, sig, &info);
}

/* Dequeue the next deliverable signal: synchronous faults first, then the
 * lowest number. Returns 0 when none. */
static int dequeue_signal(struct task *t, struct ksiginfo *info)
{
	uint64_t ready = signal_pending_set(t) & ~t->sig_blocked;
	int sig;

	if (!ready)
		return 0;
	if (ready & SIG_SYNC_MASK)
		ready &= SIG_SYNC_MASK;
	sig = __builtin_ctzll(ready) + 1;
	signal_take_pending(t, sig, info);
	return sig;
}

static void restart_syscall(struct trap_frame *tf, bool handler, uint64_t sa_flags)
{
	long ret = (long)tf->rax;

	if (tf->vector != TRAP_SYSCALL)
		return;
	if (ret != -ERESTARTSYS && ret != -ERESTARTNOHAND)
		return;
	if (handler && (ret == -ERESTARTNOHAND || !(sa_flags & SA_RESTART))) {
		tf->rax = (uint64_t)-EINTR;
		return;
	}
	tf->rax = tf->error; /* the original syscall number */
	tf->rip -= 2;        /* back onto the syscall instruction */
}

int signal_setup_frame(struct trap_frame *tf, int sig, struct k_sigaction *ka,
		       const struct ksiginfo *info, uint64_t saved_mask);

/* Carry out the default action for sig. Returns when the task continues. */
static void default_action(int sig)
{
	struct task *t = proc_current();

	if (default_ignored(sig))
		return;
	/* Terminal stops of an orphaned group are discarded: nobody could
	 * continue it (POSIX; Linux does the same). */
	if (sig != SIGSTOP && (SIG_STOP_MASK & SIGBIT(sig)) && proc_pgrp_is_orphaned(t->pgid, NULL))
		return;
	if (SIG_STOP_MASK & SIGBIT(sig)) {
		proc_stop(sig);
		return;
	}
	/* The wait status's core flag (0x80) means a core file was written;
	 * this kernel writes none (and RLIMIT_CORE is 0 by default), so
	 * "core" signals terminate like the others, as on Linux then. */
	proc_group_exit(sig);
}

void signal_deliver(struct trap_frame *tf)
{
	struct task *t = proc_current();
	struct ksiginfo info;
	int sig;

	while ((sig = dequeue_signal(t, &info))) {
		struct k_sigaction *ka = &t->sig->action[sig - 1];
		struct k_sigaction act = *ka;
		uint64_t saved = t->sig_restore_mask ? t->sig_saved_mask : t->sig_blocked;

		if (act.handler == SIG_IGN)
			continue;
		if (act.handler == SIG_DFL) {
			default_action(sig);
			continue;
		}
		restart_syscall(tf, true, act.flags);
		if (act.flags & SA_RESETHAND)
			ka->handler = SIG_DFL;
		if (signal_setup_frame(tf, sig, &act, &info, saved) < 0)
			proc_group_exit(SIGSEGV);
		t->sig_restore_mask = false;
		t->sig_blocked |= act.mask;
		if (!(act.flags & SA_NODEFER))
			t->sig_blocked |= SIGBIT(sig);
		t->sig_blocked &= ~SIG_KERNEL_ONLY;
		return;
	}
	restart_syscall(tf, false, 0);
	if (t->sig_restore_mask) {
		t->sig_blocked = t->sig_saved_mask;
		t->sig_restore_mask = false;
	}
}

/* sys_signal.c: the signal system calls. */
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/trap.h"
#include "kernel/uaccess.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/signal.h"
#include "proc/task.h"
#include "proc/thread.h"

#define SIG_BLOCK 0
#define SIG_UNBLOCK 1
#define SIG_SETMASK 2
#define UNBLOCKABLE (SIGBIT(SIGKILL) | SIGBIT(SIGSTOP))

long sys_rt_sigaction(int sig, uintptr_t act, uintptr_t oact, uint64_t sigsetsize)
{
	struct task *t = proc_current();
	struct k_sigaction ka;

	if (sigsetsize != 8)
		return -EINVAL;
	if (sig < 1 || sig > NSIG || ((sig == SIGKILL || sig == SIGSTOP) && act))
		return -EINVAL;
	if (act && copy_from_user(&ka, act, sizeof(ka)))
		return -EFAULT;
	if (oact && copy_to_user(oact, &t->sig->action[sig - 1], sizeof(ka)))
		return -EFAULT;
	if (!act)
		return 0;
	ka.mask &= ~UNBLOCKABLE;
	t->sig->action[sig - 1] = ka;
	/* Setting SIG_IGN (or a default of ignore) discards a pending one. */
	if (signal_is_ignored(t, sig)) {
		t->sig_pending &= ~SIGBIT(sig);
		t->tg->shared_pending &= ~SIGBIT(sig);
	}
	return 0;
}

long sys_rt_sigprocmask(int how, uintptr_t set, uintptr_t oset, uint64_t sigsetsize)
{
	struct task *t = proc_current();
	uint64_t s, old = t->sig_blocked;

	if (sigsetsize != 8)
		return -EINVAL;
	if (set && copy_from_user(&s, set, sizeof(s)))
		return -EFAULT;
	if (set) {
		switch (how) {
		case SIG_BLOCK:
			t->sig_blocked |= s;
			break;
		case SIG_UNBLOCK:
			t->sig_blocked &= ~s;
			break;
		case SIG_SETMASK:
			t->sig_blocked = s;
			break;
		default:
			return -EINVAL;
		}
		t->sig_blocked &= ~UNBLOCKABLE;
	}
	if (oset && copy_to_user(oset, &old, sizeof(old))) {
		t->sig_blocked = old;
		return -EFAULT;
	}
	return 0;
}

long sys_rt_sigpending(uintptr_t set, uint64_t sigsetsize)
{
	struct task *t = proc_current();
	uint64_t p = signal_pending_set(t) & t->sig_blocked;

	if (sigsetsize > 8)
		return -EINVAL;
	return copy_to_user(set, &p, sigsetsize) ? -EFAULT : 0;
}

long sys_rt_sigsuspend(uintptr_t set, uint64_t sigsetsize)
{
	struct task *t = proc_current();
	uint64_t s;

	if (sigsetsize != 8)
		return -EINVAL;
	if (copy_from_user(&s, set, sizeof(s)))
		return -EFAULT;
	t->sig_saved_mask = t->sig_blocked;
	t->sig_restore_mask = true;
	t->sig_blocked = s & ~UNBLOCKABLE;
	while (!proc_signal_pending())
		sched_sleep_until(UINT64_MAX);
	return -ERESTARTNOHAND;
}

long sys_pause(void)
{
	while (!proc_signal_pending())
		sched_sleep_until(UINT64_MAX);
	return -ERESTARTNOHAND;
}

struct stack_k {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

long sys_sigaltstack(uintptr_t uss, uintptr_t uoss)
{
	struct task *t = proc_current();
	uint64_t sp = t->tf->rsp;
	bool on = t->altstack_size && sp - t->altstack_sp < t->altstack_size;
	struct stack_k old = { t->altstack_sp, on ? SS_ONSTACK : t->altstack_flags, 0,
			       t->altstack_size }, ss;

	if (uss) {
		if (copy_from_user(&ss, uss, sizeof(ss)))
			return -EFAULT;
		if (on)
			return -EPERM;
		if (ss.flags & ~SS_DISABLE & ~(1 << 31)) /* SS_AUTODISARM allowed */
			return -EINVAL;
		if (!(ss.flags & SS_DISABLE) && ss.size < MINSIGSTKSZ)
			return -ENOMEM;
	}
	if (uoss && copy_to_user(uoss, &old, sizeof(old)))
		return -EFAULT;
	if (uss) {
		bool off = ss.flags & SS_DISABLE;
		t->altstack_sp = off ? 0 : ss.sp;
		t->altstack_size = off ? 0 : ss.size;
		t->altstack_flags = off ? SS_DISABLE : 0;
	}
	return 0;
}

static bool may_signal(struct task *t)
{
	struct cred *c = &proc_current()->cred;

	return c->euid == 0 || c->euid == t->cred.uid || c->uid == t->cred.uid ||
	       c->euid == t->cred.suid || c->uid == t->cred.suid;
}

/* Send sig to one task after the permission check (sig 0: check only). */
static int send_one(struct task *t, int sig, int code)
{
	struct task *self = proc_current();
	struct ksiginfo info = { .signo = sig, .code = code, .pid = proc_tgid(self),
				 .uid = self->cred.uid };

	if (!may_signal(t))
		return -EPERM;
	if (sig && code == SI_TKILL)
		signal_send_info(t, sig, &info);
	else if (sig)
		signal_send_group(t, sig, &info);
	return 0;
}

/* kill(-1) and kill(-pgrp): every match; ESRCH if none, EPERM if all were. */
static long send_group(int pgid, int sig, bool all)
{
	struct list_head *pos;
	int found = 0, sent = 0;

	list_for_each(pos, &task_list) {
		struct task *t = list_entry(pos, struct task, all);
		if (!thread_is_leader(t) || thread_group_dead(t))
			continue;
		if (all ? (t->pid == 1 || t->tg == proc_current()->tg) : t->pgid != pgid)
			continue;
		found++;
		sent += send_one(t, sig, SI_USER) == 0;
	}
	if (!found)
		return -ESRCH;
	return sent ? 0 : -EPERM;
}

long sys_kill(int pid, int sig)
{
	struct task *t;

	if (sig < 0 || sig > NSIG)
		return -EINVAL;
	if (pid == -1)
		return send_group(0, sig, true);
	if (pid <= 0)
		return send_group(pid ? -pid : proc_current()->pgid, sig, false);
	t = task_find(pid);
	if (!t)
		return -ESRCH;
	if (thread_group_dead(t)) /* exists until reaped; the signal is moot */
		return may_signal(t) ? 0 : -EPERM;
	return send_one(t, sig, SI_USER);
}

long sys_tgkill(int tgid, int tid, int sig)
{
	struct task *t;

	if (sig < 0 || sig > NSIG || tid <= 0 || (tgid <= 0 && tgid != -1))
		return -EINVAL;
	t = task_find(tid);
	if (!t || t->state == TASK_ZOMBIE || (tgid > 0 && proc_tgid(t) != tgid))
		return -ESRCH;
	return send_one(t, sig, SI_TKILL);
}

long sys_tkill(int tid, int sig)
{
	return sys_tgkill(-1, tid, sig);
}

struct timespec_k {
	int64_t sec, nsec;
};

long sys_rt_sigtimedwait(uintptr_t uset, uintptr_t uinfo, uintptr_t uts, uint64_t sigsetsize)
{
	struct task *t = proc_current();
	struct timespec_k ts;
	uint64_t set, deadline = UINT64_MAX;

	if (sigsetsize != 8)
		return -EINVAL;
	if (copy_from_user(&set, uset, sizeof(set)))
		return -EFAULT;
	if (uts) {
		if (copy_from_user(&ts, uts, sizeof(ts)))
			return -EFAULT;
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000)
			return -EINVAL;
		deadline = clock_monotonic_ns() + (uint64_t)ts.sec * 1000000000 + (uint64_t)ts.nsec;
	}
	set &= ~UNBLOCKABLE;
	for (;;) {
		uint64_t ready = signal_pending_set(t) & set;
		if (ready) {
			int sig = __builtin_ctzll(ready) + 1;
			struct ksiginfo ki;
			signal_take_pending(t, sig, &ki);
			if (uinfo) {
				struct ksiginfo *k = &ki;
				int32_t si[32] = { sig, 0, k->code, 0, k->pid, (int32_t)k->uid,
						   k->status };
				if (copy_to_user(uinfo, si, sizeof(si)))
					return -EFAULT;
			}
			return sig;
		}
		if (clock_monotonic_ns() >= deadline)
			return -EAGAIN;
		/* Signals in set wake us although they stay blocked (and so are
		 * queued even when their action is to be ignored). */
		t->sig_waiting = set;
		int r = sched_sleep_until(deadline);
		t->sig_waiting = 0;
		if (r && !(signal_pending_set(t) & set))
			return -EINTR;
	}
}

/* ppoll/pselect6: a temporary blocked set for the duration of the call. */
void proc_sigmask_set_temp(uint64_t mask)
{
	struct task *t = proc_current();

	t->sig_saved_mask = t->sig_blocked;
	t->sig_blocked = mask & ~UNBLOCKABLE;
}

/* Put the saved set back now, or (deliver_first) once the signal that
 * interrupted the call has been delivered under the temporary set, as
 * sigsuspend does. */
void proc_sigmask_restore_temp(bool deliver_first)
{
	struct task *t = proc_current();

	if (deliver_first)
		t->sig_restore_mask = true;
	else
		t->sig_blocked = t->sig_saved_mask;
}

/* exit.c: process exit, job-control stops, and wait4.
 *
 * Exit releases everything but the task structure and its kernel stack (the
 * task is still running on that stack): files, fs context, address space
 * (after switching to the kernel's page tables), signal dispositions. The
 * task becomes a zombie holding its wait status; children go to init. The
 * parent gets exit_signal (normally SIGCHLD) and a wake-up on child_exit;
 * its wait4 frees the zombie. When the parent ignores SIGCHLD (or set
 * SA_NOCLDWAIT) the zombie is freed at once instead, as in Linux, through
 * the scheduler's dead list (a task cannot free the stack it runs on).
 *
 * Threads (proc/thread.c): proc_exit ends one thread; the process ends,
 * and its leader is reported, when its last thread has exited. Children
 * of an exiting thread go to another live thread of its group first.
 *
 * Wait status encoding (Linux): exit code << 8; signal number (| 0x80 with a
 * core dump); stopped (sig << 8) | 0x7f; continued 0xffff. */
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/tty.h"
#include "kernel/power.h"
#include "kernel/uaccess.h"
#include "mm/as.h"
#include "mm/vmm.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/task.h"
#include "proc/thread.h"

#define WNOHANG 1
#define WUNTRACED 2
#define WCONTINUED 8
#define WNOTHREAD 0x20000000
#define WALL 0x40000000
#define WCLONE 0x80000000

struct task *proc_init_task;

/* Called when a vfork child execs or exits: its parent may run again. */
void proc_vfork_release(struct task *t)
{
	struct task *p = t->vfork_parent;

	if (!p)
		return;
	t->vfork_parent = NULL;
	p->vfork_done = true;
	waitq_wake_all(&p->child_exit);
}

bool proc_nproc_exceeded(struct task *t)
{
	struct list_head *pos;
	uint64_t n = 0;

	if (t->cred.euid == 0)
		return false;
	list_for_each(pos, &task_list) {
		if (list_entry(pos, struct task, all)->cred.uid == t->cred.uid)
			n++;
	}
	return n >= t->rlimits[RLIMIT_NPROC].cur;
}

void proc_notify_parent(struct task *t, int code, int status)
{
	struct task *p = t->parent;
	struct ksiginfo info = { .code = code, .pid = t->pid, .uid = t->cred.uid,
				 .status = status };

	if (!p)
		return;
	if (code == CLD_STOPPED || code == CLD_CONTINUED) {
		if (!(p->sig->action[SIGCHLD - 1].flags & SA_NOCLDSTOP))
			signal_send_group(p, SIGCHLD, &info);
	} else if (t->exit_signal) {
		signal_send_group(p, t->exit_signal, &info);
	}
	thread_group_wake_waiters(p);
	waitq_wake_all(&poll_waitq);
}

/* POSIX: a process group is orphaned when no member has a parent in the
 * same session but another group. As Linux (will_become_orphaned_pgrp):
 * ignore is left out, and a parent that is init is no connection. */
bool proc_pgrp_is_orphaned(int pgid, struct task *ignore)
{
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		struct task *p = list_entry(pos, struct task, all), *pp = p->parent;
		if (p == ignore || p->pgid != pgid || p->state == TASK_ZOMBIE || !pp ||
		    pp == proc_init_task)
			continue;
		if (pp->pgid != pgid && pp->sid == p->sid)
			return false;
	}
	return true;
}

static bool pgrp_has_stopped(int pgid)
{
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		struct task *p = list_entry(pos, struct task, all);
		if (p->pgid == pgid && p->state == TASK_STOPPED)
			return true;
	}
	return false;
}

static void signal_pgrp(int pgid, int sig)
{
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		struct task *p = list_entry(pos, struct task, all);
		if (p->pgid == pgid && thread_is_leader(p))
			proc_send_signal(p, sig);
	}
}

static void hangup_pgrp(int pgid)
{
	signal_pgrp(pgid, SIGHUP);
	signal_pgrp(pgid, SIGCONT);
}

/* A group that t's exit leaves orphaned, and that has stopped members, gets
 * SIGHUP and SIGCONT so its jobs do not stay stopped forever. Linux's rules
 * (kill_orphaned_pgrp): a child's group counts when it differs from ours
 * and shares our session (checked after the child went to init); our own
 * group counts when our parent links it to the session from outside. A
 * group that was orphaned all along (a session leader's) is left alone. */
static void kill_orphaned_pgrps(struct task *t, struct list_head *old_children)
{
	struct list_head *pos;
	struct task *pp = t->parent;

	list_for_each(pos, old_children) {
		struct task *c = list_entry(pos, struct task, sibling);
		if (c->pgid != t->pgid && c->sid == t->sid && proc_pgrp_is_orphaned(c->pgid, NULL) &&
		    pgrp_has_stopped(c->pgid))
			hangup_pgrp(c->pgid);
	}
	if (pp && pp->pgid != t->pgid && pp->sid == t->sid && proc_pgrp_is_orphaned(t->pgid, t) &&
	    pgrp_has_stopped(t->pgid))
		hangup_pgrp(t->pgid);
}

/* Move t's children to np (init, or another thread of t's group); they
 * are collected on moved first, so that the orphaned-group check can look
 * at them with their new parent. */
static void reparent_children(struct task *t, struct task *np, struct list_head *moved)
{
	struct list_head *pos, *n;
	bool zombies = false;

	list_for_each_safe(pos, n, &t->children) {
		struct task *c = list_entry(pos, struct task, sibling);
		list_del(&c->sibling);
		c->parent = np;
		list_add_tail(&c->sibling, moved);
		zombies |= c->state == TASK_ZOMBIE;
	}
	if (zombies)
		thread_group_wake_waiters(np);
}

static bool parent_reaps_automatically(struct task *t)
{
	struct k_sigaction *ka = &t->parent->sig->action[SIGCHLD - 1];

	return t->exit_signal == SIGCHLD &&
	       (ka->handler == SIG_IGN || (ka->flags & SA_NOCLDWAIT));
}

static void release_resources(struct task *t)
{
	/* pthread_join waits on this word (CLONE_CHILD_CLEARTID). */
	if (t->clear_child_tid && put_user((int32_t)0, t->clear_child_tid) == 0)
		futex_wake_addr(t->clear_child_tid, 1);
	fdtable_put(t->files);
	t->files = NULL;
	fs_context_put(t->fs);
	t->fs = NULL;
	proc_vfork_release(t);
	vmm_activate(vmm_kernel_pml4());
	as_put(t->as);
	t->as = NULL;
}

/* The last thread is gone: report the leader (or free it when the parent
 * reaps automatically). => interrupts off */
static void process_dead(struct task *leader, int wstatus)
{
	struct task *parent = leader->parent;

	leader->exit_code = wstatus;
	if (parent_reaps_automatically(leader)) {
		list_del(&leader->sibling);
		signal_state_put(leader->sig);
		leader->sig = NULL;
		if (leader == proc_current())
			sched_free_later(leader);
		else
			task_free(leader);
		/* A parent blocked in wait4 must see the child gone (ECHILD). */
		thread_group_wake_waiters(parent);
		return;
	}
	proc_notify_parent(leader, (wstatus & 0x7f) ? ((wstatus & 0x80) ? CLD_DUMPED : CLD_KILLED)
						    : CLD_EXITED,
			   (wstatus & 0x7f) ? (wstatus & 0x7f) : (wstatus >> 8) & 0xff);
}

/* Children of t go to another live thread of its group, or to init with
 * the orphaned-group checks once the process is gone. => interrupts off */
static void hand_over_children(struct task *t, bool last)
{
	struct list_head moved = LIST_HEAD_INIT(moved);
	struct task *np = last ? proc_init_task : thread_other_live(t);

	reparent_children(t, np, &moved);
	if (last)
		kill_orphaned_pgrps(t->tg->leader, &moved);
	list_splice_tail_init(&moved, &np->children);
}

static __attribute__((noreturn)) void power_off_init(int wstatus)
{
	kprintf("kernel: init (pid 1) exited with status %d%s; powering off\n",
		(wstatus & 0x7f) ? 128 + (wstatus & 0x7f) : (wstatus >> 8) & 0xff,
		(wstatus & 0x7f) ? " (killed by a signal)" : "");
	power_off();
}

void proc_exit(int wstatus)
{
	struct task *t = proc_current();
	struct tgroup *tg = t->tg;
	struct task *leader = tg->leader;

	if (tg->exiting)
		wstatus = tg->exit_code;
	if (leader == proc_init_task && tg->live == 1)
		power_off_init(wstatus);
	itimer_cancel(t);
	if (tg->live == 1) {
		itimer_cancel(leader);
		if (leader->ctty && leader->sid == leader->pid)
			tty_session_leader_exit(leader->ctty, leader->sid);
	}
	release_resources(t);
	irq_disable();
	bool last = --tg->live == 0;
	hand_over_children(t, last);
	t->exit_code = wstatus;
	t->state = TASK_ZOMBIE;
	if (tg->execer)
		waitq_wake_all(&tg->execer->child_exit);
	if (t != leader) {
		signal_state_put(t->sig);
		t->sig = NULL;
		sched_free_later(t);
	}
	if (last)
		process_dead(leader, tg->exiting ? tg->exit_code : leader->exit_code);
	schedule();
	panic("zombie %d was scheduled", t->pid);
}

/* Forward a stop to the other live threads as a silent SIGSTOP. */
static void stop_others(struct task *t)
{
	struct ksiginfo info = { .signo = SIGSTOP, .code = SI_KERNEL };
	struct list_head *pos;

	list_for_each(pos, &t->tg->threads) {
		struct task *th = list_entry(pos, struct task, thread_node);
		if (th == t || th->state == TASK_ZOMBIE)
			continue;
		th->stop_quiet = true;
		signal_send_info(th, SIGSTOP, &info);
	}
}

/* The whole process stops: the first thread to stop forwards the stop to
 * the others and reports to the parent (through the leader). */
void proc_stop(int sig)
{
	struct task *t = proc_current(), *leader = t->tg->leader;
	uint64_t f = irq_save();
	bool quiet = t->stop_quiet;

	t->stop_quiet = false;
	if (!quiet)
		stop_others(t);
	t->state = TASK_STOPPED;
	if (!quiet) {
		leader->stop_report = (sig << 8) | 0x7f;
		proc_notify_parent(leader, CLD_STOPPED, sig);
	}
	while (t->state == TASK_STOPPED)
		schedule();
	irq_restore(f);
}

long sys_exit(int code)
{
	proc_exit((code & 0xff) << 8);
}

long sys_exit_group(int code)
{
	proc_group_exit((code & 0xff) << 8);
}

static bool wait_matches(struct task *t, struct task *c, int pid)
{
	if (pid > 0)
		return c->pid == pid;
	if (pid == 0)
		return c->pgid == t->pgid;
	if (pid < -1)
		return c->pgid == -pid;
	return true;
}

/* Free a reaped zombie, adding its times to the parent's child times. */
static void reap(struct task *t, struct task *c)
{
	t->cutime_ticks += c->utime_ticks + c->cutime_ticks;
	t->cstime_ticks += c->stime_ticks + c->cstime_ticks;
	list_del(&c->sibling);
	signal_state_put(c->sig);
	task_free(c);
}

#define WEXITED 4
#define WNOWAIT 0x01000000
#define P_ALL 0
#define P_PID 1
#define P_PGID 2

/* What a wait found: the child, its wait status, and whether it exited. */
struct wait_found {
	struct task *child;
	int wstatus;
	bool exited;
};

/* One scan of the children for the events options asks for (WEXITED,
 * WUNTRACED/WSTOPPED, WCONTINUED); a reported stop or continue is consumed
 * unless WNOWAIT. Returns the pid, 0 if none is ready yet, -ECHILD if no
 * child matches. */
static int wait_scan_one(struct task *t, struct task *th, int pid, int options,
			 struct wait_found *w, bool *any)
{
	struct list_head *pos;

	list_for_each(pos, &th->children) {
		struct task *c = list_entry(pos, struct task, sibling);
		if (!wait_matches(t, c, pid))
			continue;
		*any = true;
		if (c->state == TASK_ZOMBIE && thread_group_dead(c) && (options & WEXITED)) {
			*w = (struct wait_found){ c, c->exit_code, true };
			return c->pid;
		}
		if (c->stop_report && (c->stop_report == 0xffff ? (options & WCONTINUED)
								  : (options & WUNTRACED))) {
			*w = (struct wait_found){ c, c->stop_report, false };
			if (!(options & WNOWAIT))
				c->stop_report = 0;
			return c->pid;
		}
	}
	return 0;
}

/* Any thread of the group may wait for the children of any other. */
static int wait_scan(struct task *t, int pid, int options, struct wait_found *w)
{
	struct list_head *pos;
	bool any = false;
	int ret;

	list_for_each(pos, &t->tg->threads) {
		struct task *th = list_entry(pos, struct task, thread_node);
		if ((ret = wait_scan_one(t, th, pid, options, w, &any)))
			return ret;
	}
	return any ? 0 : -ECHILD;
}

/* Wait for a child event: the pid (w filled), 0 with WNOHANG, or -errno. */
static int do_wait(int pid, int options, struct wait_found *w)
{
	struct task *t = proc_current();
	int ret;

	for (;;) {
		uint64_t seen = t->child_events;
		ret = wait_scan(t, pid, options, w);
		if (ret || (options & WNOHANG))
			return ret;
		if ((ret = WAIT_EVENT(&t->child_exit, t->child_events != seen)))
			return ret;
	}
}

long sys_wait4(int pid, uintptr_t ustatus, int options, uintptr_t rusage)
{
	struct wait_found w = { NULL, 0, false };
	int ret;

	if (options & ~(WNOHANG | WUNTRACED | WCONTINUED | WNOTHREAD | WALL | WCLONE))
		return -EINVAL;
	if (pid == INT32_MIN)
		return -ESRCH;
	if ((ret = do_wait(pid, options | WEXITED, &w)) <= 0)
		return ret;
	if (ustatus && put_user(w.wstatus, ustatus))
		return -EFAULT;
	if (rusage && proc_fill_rusage(w.exited ? w.child : NULL, rusage))
		return -EFAULT;
	if (w.exited)
		reap(proc_current(), w.child);
	return ret;
}

/* The siginfo waitid fills: SIGCHLD, the CLD_* code, pid, uid, status. */
static int put_waitid_info(uintptr_t infop, const struct wait_found *w)
{
	int32_t si[32] = { 0 };
	int st = w->wstatus;

	if (!infop)
		return 0;
	if (w->child) {
		si[0] = SIGCHLD;
		si[4] = w->child->pid;
		si[5] = (int32_t)w->child->cred.uid;
		if (!w->exited) {
			si[2] = st == 0xffff ? CLD_CONTINUED : CLD_STOPPED;
			si[6] = st == 0xffff ? SIGCONT : (st >> 8) & 0xff;
		} else {
			si[2] = (st & 0x7f) ? CLD_KILLED : CLD_EXITED;
			si[6] = (st & 0x7f) ? (st & 0x7f) : (st >> 8) & 0xff;
		}
	}
	return copy_to_user(infop, si, sizeof(si));
}

long sys_waitid(int idtype, int id, uintptr_t infop, int options, uintptr_t rusage)
{
	struct wait_found w = { NULL, 0, false };
	int pid, ret;

	if (options & ~(WNOHANG | WUNTRACED | WEXITED | WCONTINUED | WNOWAIT | WNOTHREAD | WALL |
			WCLONE))
		return -EINVAL;
	if (!(options & (WEXITED | WUNTRACED | WCONTINUED)))
		return -EINVAL;
	if (idtype == P_ALL)
		pid = -1;
	else if ((idtype == P_PID || idtype == P_PGID) && id > 0)
		pid = idtype == P_PID ? id : -id;
	else
		return -EINVAL;
	if ((ret = do_wait(pid, options, &w)) < 0)
		return ret;
	if (put_waitid_info(infop, &w)) /* WNOHANG with nothing: zeroed info */
		return -EFAULT;
	if (rusage && proc_fill_rusage(w.exited ? w.child : NULL, rusage))
		return -EFAULT;
	if (w.exited && !(options & WNOWAIT))
		reap(proc_current(), w.child);
	return 0;
}

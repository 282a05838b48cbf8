/* thread.c: thread groups, the tasks that make up one process.
 *
 * Theory of operation.
 * A process is a struct tgroup; each of its threads is a task with its own
 * pid (the tid) and kernel stack, sharing the address space, files, fs
 * context and dispositions (clone with CLONE_VM|CLONE_FILES|CLONE_FS|
 * CLONE_SIGHAND|CLONE_THREAD). The leader's pid is the tgid, which getpid,
 * kill and /proc show. Only the leader is a child of the parent process
 * (on its children list, with an exit signal); other threads have
 * parent == NULL and exit_signal 0, so no one can wait for them.
 *
 * States of a member and who moves it:
 *   live      counted in tg->live; may run, sleep, stop.
 *   exited    proc_exit ran: a non-leader is freed at once (dead list);
 *             the leader stays a zombie until tg->live drops to 0.
 * When the last live member exits, the leader is reported to the parent
 * (or auto-reaped) with the group's status: tg->exit_code when the group
 * was ended as a whole (exit_group, a fatal signal), else the leader's own.
 *
 * Invariants:
 *   - tg->leader is a member until the group is freed (refs == 0);
 *   - tg->live == number of members whose state is not TASK_ZOMBIE;
 *   - children of an exiting thread move to another live member, and only
 *     to init once the group is dead (proc/exit.c).
 * Group exit: the first member to call proc_group_exit sets tg->exiting
 * and SIGKILLs the others; each of them takes the SIGKILL on its way back
 * to user mode and exits with tg->exit_code. execve does the same with
 * tg->execer set, so the killed ones end as threads and the execer lives.
 * Signals: a process-directed signal is queued on one member that does
 * not block it (or waits for it in sigwait); when all block it, it goes
 * to the group's shared pending set, which every member's delivery,
 * sigwait and sigpending look at too (Linux's shared_pending). Stops and
 * continues apply to every member (proc/exit.c, proc/signal.c).
 * Lock rule: one CPU and a non-preemptive kernel; lists and counters are
 * changed with interrupts off where an interrupt could send a signal.
 * Refcount rule: tg->refs counts member task structs; task_free drops it. */
#include "proc/thread.h"

#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "mm/kheap.h"
#include "proc/sched.h"
#include "proc/task.h"

int thread_group_new(struct task *t)
{
	struct tgroup *tg = kzalloc(sizeof(*tg));

	if (!tg)
		return -ENOMEM;
	tg->refs = 1;
	tg->live = 1;
	tg->leader = t;
	list_init(&tg->threads);
	list_add_tail(&t->thread_node, &tg->threads);
	t->tg = tg;
	return 0;
}

void thread_group_join(struct task *t, struct task *p)
{
	struct tgroup *tg = p->tg;

	tg->refs++;
	tg->live++;
	list_add_tail(&t->thread_node, &tg->threads);
	t->tg = tg;
}

void thread_group_leave(struct task *t)
{
	struct tgroup *tg = t->tg;

	if (!tg)
		return;
	KASSERT(tg->refs > 0);
	list_del(&t->thread_node);
	t->tg = NULL;
	if (--tg->refs == 0) {
		kfree(tg);
		return;
	}
	/* The process is gone; the last exited thread waits on the dead list
	 * and still needs a leader to name its tgid. */
	if (tg->leader == t)
		tg->leader = list_first_entry(&tg->threads, struct task, thread_node);
}

int proc_tgid(const struct task *t)
{
	return t->tg ? t->tg->leader->pid : t->pid;
}

bool thread_group_dead(const struct task *t)
{
	return !t->tg || t->tg->live == 0;
}

struct task *thread_other_live(struct task *t)
{
	struct list_head *pos;

	if (!t->tg)
		return NULL;
	list_for_each(pos, &t->tg->threads) {
		struct task *th = list_entry(pos, struct task, thread_node);
		if (th != t && th->state != TASK_ZOMBIE)
			return th;
	}
	return NULL;
}

void thread_group_wake_waiters(struct task *p)
{
	struct list_head *pos;

	if (!p->tg) {
		p->child_events++;
		waitq_wake_all(&p->child_exit);
		return;
	}
	list_for_each(pos, &p->tg->threads) {
		struct task *th = list_entry(pos, struct task, thread_node);
		th->child_events++;
		waitq_wake_all(&th->child_exit);
	}
}

/* True if th could take sig now: live, and not blocking it (or waiting
 * for it in sigwait). */
static bool wants_signal(const struct task *th, int sig)
{
	return th->state != TASK_ZOMBIE &&
	       (!(th->sig_blocked & SIGBIT(sig)) || (th->sig_waiting & SIGBIT(sig)));
}

/* The member of t's group that should get a process-directed sig. */
static struct task *pick_thread(struct task *t, int sig)
{
	struct list_head *pos;

	if (!t->tg || wants_signal(t, sig))
		return t;
	list_for_each(pos, &t->tg->threads) {
		struct task *th = list_entry(pos, struct task, thread_node);
		if (wants_signal(th, sig))
			return th;
	}
	if (t->state != TASK_ZOMBIE)
		return t;
	struct task *other = thread_other_live(t);
	return other ? other : t;
}

void signal_send_group(struct task *t, int sig, const struct ksiginfo *info)
{
	uint64_t f = irq_save();
	struct task *th = pick_thread(t, sig);

	if (th->tg && !wants_signal(th, sig))
		signal_send_shared(th, sig, info);
	else
		signal_send_info(th, sig, info);
	irq_restore(f);
}

void thread_kill_others(void)
{
	struct task *t = proc_current();
	struct ksiginfo info = { .signo = SIGKILL, .code = SI_KERNEL };
	struct list_head *pos;

	list_for_each(pos, &t->tg->threads) {
		struct task *th = list_entry(pos, struct task, thread_node);
		if (th != t && th->state != TASK_ZOMBIE)
			signal_send_info(th, SIGKILL, &info);
	}
}

void proc_group_exit(int wstatus)
{
	struct task *t = proc_current();
	struct tgroup *tg = t->tg;

	if (tg->execer && tg->execer != t)
		proc_exit(wstatus); /* an execve in another thread ends us */
	if (!tg->exiting) {
		tg->exiting = true;
		tg->exit_code = wstatus;
		thread_kill_others();
	}
	proc_exit(tg->exit_code);
}

/* The execer t becomes the leader: it takes the old leader's pid and its
 * place among the parent's children; the old leader (a zombie) is freed.
 * => t is the only live member */
static void take_over_leader(struct task *t)
{
	struct tgroup *tg = t->tg;
	struct task *old = tg->leader;
	int pid = t->pid;

	KASSERT(old->state == TASK_ZOMBIE && tg->live == 1);
	t->pid = old->pid;
	old->pid = pid;
	t->parent = old->parent;
	t->exit_signal = old->exit_signal;
	t->start_ns = old->start_ns;
	if (t->parent)
		list_add(&t->sibling, &old->sibling);
	list_del(&old->sibling);
	list_init(&old->sibling);
	list_del(&t->thread_node);
	list_add(&t->thread_node, &tg->threads);
	tg->leader = t;
	itimer_cancel(old);
	signal_state_put(old->sig);
	old->sig = NULL;
	task_free(old);
}

int thread_exec_single(void)
{
	struct task *t = proc_current();
	struct tgroup *tg = t->tg;

	/* The old image's tid word is gone with it (Linux's mm_release). */
	t->clear_child_tid = 0;
	if (tg->live == 1 && tg->leader == t)
		return 0;
	if (tg->exiting || (tg->execer && tg->execer != t))
		return -EINTR; /* we are being killed: let the SIGKILL act */
	tg->execer = t;
	/* A vfork parent among the threads would wait for us uninterruptibly
	 * while we wait for it to die: let it go first. */
	proc_vfork_release(t);
	thread_kill_others();
	WAIT_EVENT_UNINTERRUPTIBLE(&t->child_exit,
				   tg->live == 1 || (t->sig_pending & SIGBIT(SIGKILL)));
	if (tg->live != 1) {
		tg->execer = NULL;
		return -EINTR;
	}
	if (tg->leader != t)
		take_over_leader(t);
	tg->execer = NULL;
	return 0;
}

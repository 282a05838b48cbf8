/* fork.c: clone, fork and vfork.
 *
 * The child starts as a copy of the caller's trap frame with rax = 0. What
 * it shares and what it copies follows the clone flags as Linux does:
 * CLONE_VM shares the address space (else a copy-on-write duplicate, see
 * mm/cow/), CLONE_FILES the descriptor table, CLONE_FS cwd/root/umask,
 * CLONE_SIGHAND the dispositions. CLONE_VFORK puts the parent to sleep until
 * the child execs or exits (musl's posix_spawn relies on this).
 * CLONE_THREAD adds the child to the caller's thread group (proc/thread.c):
 * it is nobody's child and sends no exit signal. Linux's flag rules:
 * CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM. On failure
 * everything taken so far is released in reverse order. */
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/trap.h"
#include "kernel/uaccess.h"
#include "mm/as.h"
#include "mm/cow/cow.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/task.h"
#include "proc/thread.h"

#define CLONE_VM 0x00000100
#define CLONE_FS 0x00000200
#define CLONE_FILES 0x00000400
#define CLONE_SIGHAND 0x00000800
#define CLONE_PIDFD 0x00001000
#define CLONE_PTRACE 0x00002000
#define CLONE_VFORK 0x00004000
#define CLONE_PARENT 0x00008000
#define CLONE_THREAD 0x00010000
#define CLONE_NEWNS 0x00020000
#define CLONE_SYSVSEM 0x00040000
#define CLONE_SETTLS 0x00080000
#define CLONE_PARENT_SETTID 0x00100000
#define CLONE_CHILD_CLEARTID 0x00200000
#define CLONE_DETACHED 0x00400000
#define CLONE_UNTRACED 0x00800000
#define CLONE_CHILD_SETTID 0x01000000
#define CLONE_NS_MASK 0x7E020000UL /* every CLONE_NEW* namespace flag */

#define FORK_RESERVE_FRAMES 32 /* free frames a successful clone leaves */

static int copy_resources(struct task *c, struct task *p, uint64_t flags)
{
	if (flags & CLONE_VM) {
		c->as = p->as;
		as_get(c->as);
	} else if (!(c->as = cow_fork_as(p->as))) {
		return -ENOMEM;
	}
	if (flags & CLONE_FILES)
		fdtable_share(c->files = p->files);
	else if (!(c->files = fdtable_clone(p->files)))
		return -ENOMEM;
	if (flags & CLONE_FS)
		fs_context_share(c->fs = p->fs);
	else if (!(c->fs = fs_context_clone(p->fs)))
		return -ENOMEM;
	if (flags & CLONE_SIGHAND) {
		c->sig = p->sig;
		c->sig->refs++;
	} else if (!(c->sig = signal_state_copy(p->sig))) {
		return -ENOMEM;
	}
	/* Both sides copy pages on their first writes after a fork: leave
	 * them frames for that rather than succeed and OOM-kill the caller. */
	if (pmm_free_count() < FORK_RESERVE_FRAMES)
		return -ENOMEM;
	if (flags & CLONE_THREAD)
		thread_group_join(c, p);
	else if (thread_group_new(c))
		return -ENOMEM;
	return 0;
}

/* Undo copy_resources (any subset of it) and free the task. */
static void release_child(struct task *c)
{
	if (c->sig)
		signal_state_put(c->sig);
	if (c->fs)
		fs_context_put(c->fs);
	if (c->files)
		fdtable_put(c->files);
	if (c->as)
		as_put(c->as);
	task_free(c);
}

static void init_child(struct task *c, struct task *p, uint64_t flags, uintptr_t newsp,
		       uintptr_t tls)
{
	*c->tf = *p->tf;
	c->tf->rax = 0;
	if (newsp)
		c->tf->rsp = newsp;
	c->fs_base = (flags & CLONE_SETTLS) ? tls : p->fs_base;
	c->gs_base = p->gs_base;
	fpu_save_current(c->fpu);
	c->cred = p->cred;
	c->pgid = p->pgid;
	c->sid = p->sid;
	c->ctty = p->ctty;
	c->sig_blocked = p->sig_blocked;
	c->altstack_sp = p->altstack_sp;
	c->altstack_size = p->altstack_size;
	c->altstack_flags = p->altstack_flags;
	memcpy(c->comm, p->comm, sizeof(c->comm));
	memcpy(c->rlimits, p->rlimits, sizeof(c->rlimits));
	task_prepare_user_entry(c);
	if (flags & CLONE_THREAD)
		return; /* no parent, no exit signal: see proc/thread.c */
	c->exit_signal = (int)(flags & 0xFF);
	struct task *pp = p->tg->leader->parent;
	c->parent = (flags & CLONE_PARENT) && pp ? pp : p;
	list_add_tail(&c->sibling, &c->parent->children);
}

long proc_clone(uint64_t flags, uintptr_t newsp, uintptr_t ptid, uintptr_t ctid, uintptr_t tls)
{
	struct task *p = proc_current(), *c;
	int err;

	if (flags & (CLONE_NS_MASK | CLONE_PIDFD))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && !(flags & CLONE_SIGHAND))
		return -EINVAL;
	if ((flags & CLONE_SIGHAND) && !(flags & CLONE_VM))
		return -EINVAL;
	if ((flags & CLONE_THREAD) && p->tg->exiting)
		return -EAGAIN; /* the caller dies on its way out anyway */
	if (proc_nproc_exceeded(p))
		return -EAGAIN;
	if (!(c = task_alloc()))
		return -EAGAIN;
	if ((err = copy_resources(c, p, flags))) {
		release_child(c);
		return err;
	}
	init_child(c, p, flags, newsp, tls);
	if (flags & CLONE_CHILD_CLEARTID)
		c->clear_child_tid = ctid;
	if (flags & CLONE_PARENT_SETTID)
		put_user((int32_t)c->pid, ptid);
	if ((flags & CLONE_CHILD_SETTID) && (flags & CLONE_VM))
		put_user((int32_t)c->pid, ctid);
	if (flags & CLONE_VFORK) {
		c->vfork_parent = p;
		p->vfork_done = false;
	}
	int pid = c->pid;
	sched_add_new(c);
	if (flags & CLONE_VFORK)
		WAIT_EVENT_UNINTERRUPTIBLE(&p->child_exit, p->vfork_done);
	return pid;
}

long sys_fork(void)
{
	return proc_clone(SIGCHLD, 0, 0, 0, 0);
}

long sys_vfork(void)
{
	return proc_clone(CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
}

long sys_clone(uint64_t flags, uintptr_t newsp, uintptr_t ptid, uintptr_t ctid, uintptr_t tls)
{
	return proc_clone(flags, newsp, ptid, ctid, tls);
}

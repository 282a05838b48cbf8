/* sys_proc.c: process identity, credentials, sessions and process groups,
 * resource limits and accounting. */
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/syscalls.h"
#include "kernel/uaccess.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/task.h"
#include "proc/thread.h"

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define PR_SET_PDEATHSIG 1
#define PR_GET_PDEATHSIG 2
#define PR_SET_NAME 15
#define PR_GET_NAME 16

long sys_getpid(void) { return proc_tgid(proc_current()); }
long sys_gettid(void) { return proc_current()->pid; }

long sys_getppid(void)
{
	struct task *p = proc_current()->tg->leader->parent;

	return p ? proc_tgid(p) : 0;
}

long sys_set_tid_address(uintptr_t tidptr)
{
	proc_current()->clear_child_tid = tidptr;
	return proc_current()->pid;
}

long sys_getuid(void) { return proc_current()->cred.uid; }
long sys_geteuid(void) { return proc_current()->cred.euid; }
long sys_getgid(void) { return proc_current()->cred.gid; }
long sys_getegid(void) { return proc_current()->cred.egid; }

/* setres[ug]id rules: root may set anything; others only to one of their
 * current real, effective or saved ids. -1 leaves a field alone. */
static long set_ids(uint32_t *r, uint32_t *e, uint32_t *s, uint32_t *fs, uint32_t nr,
		    uint32_t ne, uint32_t ns)
{
	bool root = proc_current()->cred.euid == 0;
	uint32_t ids[3] = { nr, ne, ns };

	for (int i = 0; i < 3 && !root; i++) {
		if (ids[i] != (uint32_t)-1 && ids[i] != *r && ids[i] != *e && ids[i] != *s)
			return -EPERM;
	}
	if (nr != (uint32_t)-1)
		*r = nr;
	if (ne != (uint32_t)-1)
		*e = ne;
	if (ns != (uint32_t)-1)
		*s = ns;
	*fs = *e;
	return 0;
}

long sys_setresuid(uint32_t r, uint32_t e, uint32_t s)
{
	struct cred *c = &proc_current()->cred;

	return set_ids(&c->uid, &c->euid, &c->suid, &c->fsuid, r, e, s);
}

long sys_setresgid(uint32_t r, uint32_t e, uint32_t s)
{
	struct cred *c = &proc_current()->cred;

	return set_ids(&c->gid, &c->egid, &c->sgid, &c->fsgid, r, e, s);
}

long sys_setuid(uint32_t uid)
{
	if (proc_current()->cred.euid == 0)
		return sys_setresuid(uid, uid, uid);
	return sys_setresuid((uint32_t)-1, uid, (uint32_t)-1);
}

long sys_setgid(uint32_t gid)
{
	if (proc_current()->cred.euid == 0)
		return sys_setresgid(gid, gid, gid);
	return sys_setresgid((uint32_t)-1, gid, (uint32_t)-1);
}

long sys_setreuid(uint32_t r, uint32_t e) { return sys_setresuid(r, e, (uint32_t)-1); }
long sys_setregid(uint32_t r, uint32_t e) { return sys_setresgid(r, e, (uint32_t)-1); }

static long put_ids(uint32_t a, uint32_t b, uint32_t c, uintptr_t ua, uintptr_t ub, uintptr_t uc)
{
	if (put_user(a, ua) || put_user(b, ub) || put_user(c, uc))
		return -EFAULT;
	return 0;
}

long sys_getresuid(uintptr_t r, uintptr_t e, uintptr_t s)
{
	struct cred *c = &proc_current()->cred;

	return put_ids(c->uid, c->euid, c->suid, r, e, s);
}

long sys_getresgid(uintptr_t r, uintptr_t e, uintptr_t s)
{
	struct cred *c = &proc_current()->cred;

	return put_ids(c->gid, c->egid, c->sgid, r, e, s);
}

long sys_getgroups(int size, uintptr_t list)
{
	const struct cred *c = &proc_current()->cred;

	if (size < 0)
		return -EINVAL;
	if (size == 0)
		return c->ngroups;
	if (size < c->ngroups)
		return -EINVAL;
	if (copy_to_user(list, c->groups, (size_t)c->ngroups * sizeof(uint32_t)))
		return -EFAULT;
	return c->ngroups;
}

/* Up to CRED_NGROUPS groups are kept; more is EINVAL, as past Linux's
 * NGROUPS_MAX. */
long sys_setgroups(int size, uintptr_t list)
{
	struct cred *c = &proc_current()->cred;
	uint32_t groups[CRED_NGROUPS];

	if (c->euid != 0)
		return -EPERM;
	if (size < 0 || size > CRED_NGROUPS)
		return -EINVAL;
	if (copy_from_user(groups, list, (size_t)size * sizeof(uint32_t)))
		return -EFAULT;
	memcpy(c->groups, groups, (size_t)size * sizeof(uint32_t));
	c->ngroups = size;
	return 0;
}

static struct task *task_or_self(int pid)
{
	return pid ? task_find(pid) : proc_current();
}

long sys_getpgid(int pid)
{
	struct task *t = task_or_self(pid);

	return t ? t->pgid : -ESRCH;
}

long sys_getpgrp(void) { return proc_current()->pgid; }

long sys_getsid(int pid)
{
	struct task *t = task_or_self(pid);

	return t ? t->sid : -ESRCH;
}

/* A process group exists while any member does, zombies included (until
 * they are reaped), as in Linux: a shell moves the later members of a
 * pipeline into the group of a first one that may have exited already. */
static bool pgrp_in_session(int pgid, int sid)
{
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		struct task *t = list_entry(pos, struct task, all);
		if (t->pgid == pgid && t->sid == sid)
			return true;
	}
	return false;
}

long sys_setpgid(int pid, int pgid)
{
	struct task *self = proc_current(), *t = task_or_self(pid);

	if (pgid < 0)
		return -EINVAL;
	if (!t || (t != self && t->parent != self))
		return -ESRCH;
	if (t->sid != self->sid || t->pid == t->sid)
		return -EPERM; /* a session leader, or another session */
	if (t != self && t->did_exec)
		return -EACCES;
	if (!pgid)
		pgid = t->pid;
	if (pgid != t->pid && !pgrp_in_session(pgid, self->sid))
		return -EPERM;
	t->pgid = pgid;
	return 0;
}

long sys_setsid(void)
{
	struct task *t = proc_current();
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		if (list_entry(pos, struct task, all)->pgid == t->pid)
			return -EPERM;
	}
	t->sid = t->pgid = t->pid;
	t->ctty = NULL;
	return t->sid;
}

long sys_arch_prctl(int code, uint64_t addr)
{
	struct task *t = proc_current();

	switch (code) {
	case ARCH_SET_FS:
	case ARCH_SET_GS:
		if (addr >= USER_TOP)
			return -EPERM;
		if (code == ARCH_SET_FS) {
			t->fs_base = addr;
			wrmsr(MSR_FS_BASE, addr);
		} else {
			t->gs_base = addr;
			wrmsr(MSR_GS_BASE, addr);
		}
		return 0;
	case ARCH_GET_FS:
		return put_user(t->fs_base, addr);
	case ARCH_GET_GS:
		return put_user(t->gs_base, addr);
	}
	return -EINVAL;
}

long sys_prctl(int option, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct task *t = proc_current();
	char name[TASK_COMM_LEN];
	long n;

	switch (option) {
	case PR_SET_NAME:
		n = strncpy_from_user(name, a2, sizeof(name));
		if (n == -EFAULT)
			return -EFAULT;
		name[sizeof(name) - 1] = 0;
		memcpy(t->comm, name, sizeof(name));
		return 0;
	case PR_GET_NAME:
		return copy_to_user(a2, t->comm, sizeof(t->comm));
	case PR_SET_PDEATHSIG:
		if (a2 > NSIG)
			return -EINVAL;
		t->pdeath_signal = (int)a2;
		return 0;
	case PR_GET_PDEATHSIG:
		return put_user((int)t->pdeath_signal, a2);
	}
	return -EINVAL;
}

long sys_prlimit64(int pid, int resource, uintptr_t newlim, uintptr_t oldlim)
{
	struct task *t = task_or_self(pid);
	struct rlimit64 nl;

	if (!t)
		return -ESRCH;
	if (resource < 0 || resource >= RLIM_NLIMITS)
		return -EINVAL;
	if (newlim && copy_from_user(&nl, newlim, sizeof(nl)))
		return -EFAULT;
	if (newlim && nl.cur > nl.max)
		return -EINVAL;
	if (newlim && nl.max > t->rlimits[resource].max && proc_current()->cred.euid != 0)
		return -EPERM;
	if (newlim && resource == RLIMIT_NOFILE && nl.max > NOFILE_HARD)
		return -EPERM; /* Linux: above fs.nr_open */
	if (oldlim && copy_to_user(oldlim, &t->rlimits[resource], sizeof(nl)))
		return -EFAULT;
	if (newlim)
		t->rlimits[resource] = nl;
	if (newlim && resource == RLIMIT_NOFILE && t->files)
		t->files->limit = (int)nl.cur;
	return 0;
}

/* Unlike prlimit64, a NULL pointer here is a bad address. */
long sys_getrlimit(int resource, uintptr_t rlim)
{
	if (resource < 0 || resource >= RLIM_NLIMITS)
		return -EINVAL;
	return rlim ? sys_prlimit64(0, resource, 0, rlim) : -EFAULT;
}

long sys_setrlimit(int resource, uintptr_t rlim)
{
	if (resource < 0 || resource >= RLIM_NLIMITS)
		return -EINVAL;
	return rlim ? sys_prlimit64(0, resource, rlim, 0) : -EFAULT;
}

struct timeval_k {
	int64_t sec, usec;
};

struct rusage_k {
	struct timeval_k utime, stime;
	int64_t fields[14];
};
_Static_assert(sizeof(struct rusage_k) == 144, "struct rusage (Linux x86_64)");

static struct timeval_k ticks_to_tv(uint64_t ticks)
{
	struct timeval_k tv = { (int64_t)(ticks / HZ), (int64_t)(ticks % HZ) * (1000000 / HZ) };

	return tv;
}

static int put_rusage(uint64_t uticks, uint64_t sticks, uintptr_t u)
{
	struct rusage_k r;

	memset(&r, 0, sizeof(r));
	r.utime = ticks_to_tv(uticks);
	r.stime = ticks_to_tv(sticks);
	return copy_to_user(u, &r, sizeof(r));
}

int proc_fill_rusage(struct task *t, uintptr_t u)
{
	return t ? put_rusage(t->utime_ticks + t->cutime_ticks, t->stime_ticks + t->cstime_ticks, u)
		 : put_rusage(0, 0, u);
}

long sys_getrusage(int who, uintptr_t usage)
{
	struct task *t = proc_current();

	switch (who) {
	case 0: /* RUSAGE_SELF */
	case 1: /* RUSAGE_THREAD */
		return put_rusage(t->utime_ticks, t->stime_ticks, usage);
	case -1: /* RUSAGE_CHILDREN */
		return put_rusage(t->cutime_ticks, t->cstime_ticks, usage);
	}
	return -EINVAL;
}

long sys_times(uintptr_t buf)
{
	struct task *t = proc_current();
	int64_t tms[4] = { (int64_t)t->utime_ticks, (int64_t)t->stime_ticks,
			   (int64_t)t->cutime_ticks, (int64_t)t->cstime_ticks };

	if (buf && copy_to_user(buf, tms, sizeof(tms)))
		return -EFAULT;
	return (long)clock_ticks();
}

long sys_sched_yield(void)
{
	schedule();
	return 0;
}

long sys_sched_getaffinity(int pid, size_t len, uintptr_t mask)
{
	uint64_t m = 1;

	if (pid && !task_find(pid))
		return -ESRCH;
	if (len < sizeof(m) || (len & 7))
		return -EINVAL;
	if (clear_user(mask, len) || copy_to_user(mask, &m, sizeof(m)))
		return -EFAULT;
	return sizeof(m);
}

long sys_getpriority(int which, int who)
{
	if (which < 0 || which > 2)
		return -EINVAL;
	return 20 - proc_current()->nice;
}

long sys_setpriority(int which, int who, int prio)
{
	if (which < 0 || which > 2)
		return -EINVAL;
	if (prio < -20)
		prio = -20;
	if (prio > 19)
		prio = 19;
	if (prio < proc_current()->nice && proc_current()->cred.euid != 0)
		return -EACCES;
	proc_current()->nice = prio;
	return 0;
}

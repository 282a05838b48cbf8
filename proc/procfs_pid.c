/* procfs_pid.c: the process side of /proc/<pid>/, in proc(5)'s formats.
 *
 * procfs (fs/procfs.c) owns the directories, fd/, cwd and root; this file
 * gives it the pid list, the task lookup, the exe link and the generated
 * files (struct procfs_pid_ops): stat, status, cmdline, environ, comm, statm,
 * limits and wchan here, maps and smaps in procfs_maps.c, the system-wide
 * files in procfs_sys.c. A file is generated whole, at open, from
 * one task. There are no locks and no task references: the kernel is not
 * preempted and nothing here sleeps, so the task found by get stays alive
 * until put (which therefore drops nothing).
 *
 * A zombie has no address space, descriptor table or fs context any more;
 * its files print what is left, as Linux does (state Z, no Vm lines, an
 * empty cmdline).
 *
 * Another process's memory (cmdline, environ) is read in kernel space
 * through its page tables (procfs_peek): pages are never faulted in, and a
 * page that is not present ends the data, as if it were unreadable. */
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/tty.h"
#include "mm/as.h"
#include "mm/vmm.h"
#include "proc/procfs_internal.h"
#include "proc/proc.h"
#include "proc/task.h"
#include "proc/thread.h"

#define USER_HZ 100
#define PF_FORKNOEXEC 0x40 /* forked but did not exec (task flags in stat) */
#define CAP_FULL 0x000001ffffffffffULL /* capabilities 0..40, Linux 6.1 */
#define RLIMIT_SIGPENDING 11

static unsigned long ticks_to_clock_t(uint64_t ticks)
{
	return (unsigned long)(ticks * USER_HZ / HZ);
}

/* --- reading another address space --- */

/* The kernel address of user va in as when its page is present; NULL if
 * it is not (or va is not a user address). Never faults a page in. */
static const uint8_t *peek_page(struct as *as, uintptr_t va)
{
	paddr_t pa;
	uint64_t flags;

	if (va >= USER_TOP || !vmm_translate(as->pml4, va, &pa, &flags) || !(flags & PTE_U))
		return NULL;
	return phys_to_virt(pa);
}

/* Bytes from va to the end of its page, at most n. */
static size_t page_chunk(uintptr_t va, size_t n)
{
	size_t room = PAGE_SIZE - (va & (PAGE_SIZE - 1));

	return room < n ? room : n;
}

size_t procfs_peek(struct as *as, uintptr_t va, void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		size_t chunk = page_chunk(va + done, n - done);
		const uint8_t *p = peek_page(as, va + done);

		if (!p)
			break;
		memcpy((uint8_t *)buf + done, p, chunk);
		done += chunk;
	}
	return done;
}

/* Append [start, end) of as to sb, up to the first page not present. */
static void seq_user_range(struct seqbuf *sb, struct as *as, uintptr_t start, uintptr_t end)
{
	while (start < end) {
		size_t chunk = page_chunk(start, end - start);
		const uint8_t *p = peek_page(as, start);

		if (!p)
			return;
		seq_write(sb, p, chunk);
		start += chunk;
	}
}

/* setproctitle(3) overwrote the NUL at the end of argv: as Linux, show one
 * string from arg_start, at most a page, its NUL included if found. */
static void seq_proctitle(struct seqbuf *sb, struct as *as)
{
	uintptr_t va = as->arg_start, end = as->arg_start + PAGE_SIZE;

	while (va < end) {
		size_t chunk = page_chunk(va, end - va), len;
		const uint8_t *p = peek_page(as, va);

		if (!p)
			return;
		len = strnlen((const char *)p, chunk);
		seq_write(sb, p, len < chunk ? len + 1 : chunk);
		if (len < chunk)
			return;
		va += chunk;
	}
}

/* --- what a task looks like from outside --- */

static char state_letter(const struct task *t)
{
	switch (t->state) {
	case TASK_RUNNABLE: return 'R';
	case TASK_STOPPED: return 'T';
	case TASK_ZOMBIE: return 'Z';
	default: return 'S';
	}
}

static const char *state_name(char letter)
{
	switch (letter) {
	case 'R': return "R (running)";
	case 'T': return "T (stopped)";
	case 'Z': return "Z (zombie)";
	default: return "S (sleeping)";
	}
}

/* Threads in t's process (a dead process counts its leader). */
static int nthreads(const struct task *t)
{
	return t->tg && t->tg->live > 1 ? t->tg->live : 1;
}

static int ppid_of(const struct task *t)
{
	const struct task *l = t->tg ? t->tg->leader : t;

	return l->parent ? proc_tgid(l->parent) : 0;
}

/* The controlling terminal as user space encodes a dev_t; 0 if none. */
static int tty_nr(const struct task *t)
{
	uint32_t d, ma, mi;

	if (!t->ctty)
		return 0;
	d = tty_devnum(t->ctty);
	ma = MAJOR(d);
	mi = MINOR(d);
	return (int)((mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12));
}

static int tpgid_of(const struct task *t)
{
	return t->ctty ? tty_fg_pgrp(t->ctty) : -1;
}

/* Signal sets of status and stat, bit (sig - 1) each. */
struct sigsets {
	uint64_t pending, blocked, ignored, caught;
};

static void sig_sets(const struct task *t, struct sigsets *s)
{
	s->pending = t->sig_pending;
	s->blocked = t->sig_blocked;
	s->ignored = s->caught = 0;
	for (int i = 0; t->sig && i < NSIG; i++) {
		uint64_t h = t->sig->action[i].handler;

		if (h == SIG_IGN)
			s->ignored |= 1ULL << i;
		else if (h != SIG_DFL)
			s->caught |= 1ULL << i;
	}
}

/* Sizes of the address space by kind, in bytes, from its VMAs. */
struct mem_usage {
	unsigned long vm, exe, stack, data;
	unsigned long rss_pages;
	uintptr_t start_code, end_code;
};

static void mem_usage(const struct as *as, struct mem_usage *m)
{
	const struct list_head *pos;

	memset(m, 0, sizeof(*m));
	if (!as)
		return;
	m->rss_pages = as->rss_pages;
	list_for_each(pos, &as->vmas) {
		const struct vma *v = list_entry(pos, struct vma, link);
		unsigned long len = v->end - v->start;

		m->vm += len;
		if (v->flags & VMA_GROWSDOWN)
			m->stack += len;
		else if ((v->prot & PROT_EXEC) && v->file)
			m->exe += len;
		else if ((v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED))
			m->data += len;
		if ((v->prot & PROT_EXEC) && v->file && !m->start_code) {
			m->start_code = v->start;
			m->end_code = v->end;
		}
	}
}

/* --- /proc/<pid>/stat --- */

int procfs_pid_stat(struct task *t, struct seqbuf *sb)
{
	struct as *as = t->as;
	struct mem_usage m;
	struct sigsets s;
	const uint64_t low31 = 0x7fffffff; /* stat's obsolete signal fields */

	mem_usage(as, &m);
	sig_sets(t, &s);
	/* 1-9: pid (comm) state ppid pgrp session tty_nr tpgid flags */
	seq_printf(sb, "%d (%s) %c %d %d %d %d %d %u", t->pid, t->comm, state_letter(t),
		   ppid_of(t), t->pgid, t->sid, tty_nr(t), tpgid_of(t),
		   t->did_exec ? 0u : PF_FORKNOEXEC);
	/* 10-21: minflt cminflt majflt cmajflt utime stime cutime cstime
	 * priority nice num_threads itrealvalue */
	seq_printf(sb, " 0 0 0 0 %lu %lu %lu %lu %d %d %d 0", ticks_to_clock_t(t->utime_ticks),
		   ticks_to_clock_t(t->stime_ticks), ticks_to_clock_t(t->cutime_ticks),
		   ticks_to_clock_t(t->cstime_ticks), 20 + t->nice, t->nice, nthreads(t));
	/* 22-30: starttime vsize rss rsslim startcode endcode startstack
	 * kstkesp kstkeip */
	seq_printf(sb, " %lu %lu %lu %lu %lu %lu %lu 0 0",
		   (unsigned long)(t->start_ns / (1000000000UL / USER_HZ)), m.vm, m.rss_pages,
		   (unsigned long)t->rlimits[RLIMIT_RSS].cur, (unsigned long)m.start_code,
		   (unsigned long)m.end_code, as ? (unsigned long)as->start_stack : 0UL);
	/* 31-39: signal blocked sigignore sigcatch wchan nswap cnswap
	 * exit_signal processor */
	seq_printf(sb, " %lu %lu %lu %lu %d 0 0 %d 0", (unsigned long)(s.pending & low31),
		   (unsigned long)(s.blocked & low31), (unsigned long)(s.ignored & low31),
		   (unsigned long)(s.caught & low31), t->state != TASK_RUNNABLE, t->exit_signal);
	/* 40-52: rt_priority policy delayacct_blkio_ticks guest_time
	 * cguest_time start_data end_data start_brk arg_start arg_end
	 * env_start env_end exit_code */
	seq_printf(sb, " 0 0 0 0 0 0 0 %lu %lu %lu %lu %lu %d\n",
		   as ? (unsigned long)as->brk_start : 0UL, as ? (unsigned long)as->arg_start : 0UL,
		   as ? (unsigned long)as->arg_end : 0UL, as ? (unsigned long)as->env_start : 0UL,
		   as ? (unsigned long)as->env_end : 0UL,
		   t->state == TASK_ZOMBIE ? t->exit_code : 0);
	return 0;
}

/* --- /proc/<pid>/status --- */

/* Name: the comm with '\\' and '\n' escaped, as Linux. */
static void status_name(struct seqbuf *sb, const char *comm)
{
	seq_printf(sb, "Name:\t");
	for (; *comm; comm++) {
		if (*comm == '\\')
			seq_write(sb, "\\\\", 2);
		else if (*comm == '\n')
			seq_write(sb, "\\n", 2);
		else
			seq_write(sb, comm, 1);
	}
	seq_write(sb, "\n", 1);
}

static void status_ids(struct seqbuf *sb, const struct task *t)
{
	const struct cred *c = &t->cred;

	if (t->fs) {
		uint32_t u = t->fs->umask;
		seq_printf(sb, "Umask:\t0%c%c%c\n", '0' + ((u >> 6) & 7), '0' + ((u >> 3) & 7),
			   '0' + (u & 7));
	}
	seq_printf(sb, "State:\t%s\n", state_name(state_letter(t)));
	seq_printf(sb, "Tgid:\t%d\nNgid:\t0\nPid:\t%d\nPPid:\t%d\nTracerPid:\t0\n",
		   proc_tgid(t), t->pid, ppid_of(t));
	seq_printf(sb, "Uid:\t%u\t%u\t%u\t%u\n", c->uid, c->euid, c->suid, c->fsuid);
	seq_printf(sb, "Gid:\t%u\t%u\t%u\t%u\n", c->gid, c->egid, c->sgid, c->fsgid);
	seq_printf(sb, "FDSize:\t%d\nGroups:\t \n", t->files ? t->files->size : 0);
	seq_printf(sb, "NStgid:\t%d\nNSpid:\t%d\nNSpgid:\t%d\nNSsid:\t%d\n", proc_tgid(t), t->pid,
		   t->pgid, t->sid);
}

static void status_kb(struct seqbuf *sb, const char *name, unsigned long bytes)
{
	seq_printf(sb, "%s:\t%8lu kB\n", name, bytes >> 10);
}

/* The Vm lines; none for a zombie, which has no memory. */
static void status_mem(struct seqbuf *sb, struct as *as)
{
	struct mem_usage m;

	if (!as)
		return;
	mem_usage(as, &m);
	status_kb(sb, "VmSize", m.vm);
	status_kb(sb, "VmLck", as_locked_bytes(as));
	status_kb(sb, "VmPin", 0);
	status_kb(sb, "VmRSS", m.rss_pages * PAGE_SIZE);
	status_kb(sb, "VmData", m.data);
	status_kb(sb, "VmStk", m.stack);
	status_kb(sb, "VmExe", m.exe);
	status_kb(sb, "VmLib", 0);
	status_kb(sb, "VmSwap", 0);
}

static int bit_count(uint64_t v)
{
	int n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}

static void status_signals(struct seqbuf *sb, const struct task *t)
{
	struct sigsets s;
	uint64_t caps = t->cred.euid == 0 ? CAP_FULL : 0;

	sig_sets(t, &s);
	seq_printf(sb, "CoreDumping:\t0\nThreads:\t%d\n", nthreads(t));
	seq_printf(sb, "SigQ:\t%d/%lu\n", bit_count(s.pending),
		   (unsigned long)t->rlimits[RLIMIT_SIGPENDING].cur);
	seq_printf(sb, "SigPnd:\t%016lx\nShdPnd:\t%016lx\n", (unsigned long)s.pending, 0UL);
	seq_printf(sb, "SigBlk:\t%016lx\nSigIgn:\t%016lx\nSigCgt:\t%016lx\n",
		   (unsigned long)s.blocked, (unsigned long)s.ignored, (unsigned long)s.caught);
	seq_printf(sb, "CapInh:\t%016lx\nCapPrm:\t%016lx\nCapEff:\t%016lx\n", 0UL,
		   (unsigned long)caps, (unsigned long)caps);
	seq_printf(sb, "CapBnd:\t%016lx\nCapAmb:\t%016lx\n", (unsigned long)CAP_FULL, 0UL);
	seq_printf(sb, "NoNewPrivs:\t0\nSeccomp:\t0\n");
	seq_printf(sb, "Cpus_allowed:\t1\nCpus_allowed_list:\t0\n");
	seq_printf(sb, "Mems_allowed:\t1\nMems_allowed_list:\t0\n");
}

int procfs_pid_status(struct task *t, struct seqbuf *sb)
{
	status_name(sb, t->comm);
	status_ids(sb, t);
	status_mem(sb, t->as);
	status_signals(sb, t);
	return 0;
}

/* --- memory views: cmdline, environ, statm (maps: procfs_maps.c) --- */

int procfs_pid_cmdline(struct task *t, struct seqbuf *sb)
{
	struct as *as = t->as;
	uint8_t last;

	if (!as || as->arg_end <= as->arg_start)
		return 0;
	if (procfs_peek(as, as->arg_end - 1, &last, 1) == 1 && last)
		seq_proctitle(sb, as);
	else
		seq_user_range(sb, as, as->arg_start, as->arg_end);
	return 0;
}

static int gen_environ(struct task *t, struct seqbuf *sb)
{
	if (t->as)
		seq_user_range(sb, t->as, t->as->env_start, t->as->env_end);
	return 0;
}

/* size resident shared text lib data dt, in pages (shared is not tracked). */
static int gen_statm(struct task *t, struct seqbuf *sb)
{
	struct mem_usage m;

	mem_usage(t->as, &m);
	seq_printf(sb, "%lu %lu 0 %lu 0 %lu 0\n", m.vm / PAGE_SIZE, m.rss_pages,
		   m.exe / PAGE_SIZE, (m.data + m.stack) / PAGE_SIZE);
	return 0;
}

/* --- small files --- */

static int gen_comm(struct task *t, struct seqbuf *sb)
{
	seq_printf(sb, "%s\n", t->comm);
	return 0;
}

static int gen_wchan(struct task *t, struct seqbuf *sb)
{
	(void)t;
	seq_write(sb, "0", 1);
	return 0;
}

static const struct {
	const char *name, *unit;
} limit_names[RLIM_NLIMITS] = {
	{ "Max cpu time", "seconds" },     { "Max file size", "bytes" },
	{ "Max data size", "bytes" },      { "Max stack size", "bytes" },
	{ "Max core file size", "bytes" }, { "Max resident set", "bytes" },
	{ "Max processes", "processes" },  { "Max open files", "files" },
	{ "Max locked memory", "bytes" },  { "Max address space", "bytes" },
	{ "Max file locks", "locks" },     { "Max pending signals", "signals" },
	{ "Max msgqueue size", "bytes" },  { "Max nice priority", NULL },
	{ "Max realtime priority", NULL }, { "Max realtime timeout", "us" },
};

static void limit_value(struct seqbuf *sb, uint64_t v)
{
	if (v == RLIM_INFINITY)
		seq_printf(sb, "%-20s ", "unlimited");
	else
		seq_printf(sb, "%-20lu ", (unsigned long)v);
}

static int gen_limits(struct task *t, struct seqbuf *sb)
{
	seq_printf(sb, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < RLIM_NLIMITS; i++) {
		seq_printf(sb, "%-25s ", limit_names[i].name);
		limit_value(sb, t->rlimits[i].cur);
		limit_value(sb, t->rlimits[i].max);
		if (limit_names[i].unit)
			seq_printf(sb, "%-10s", limit_names[i].unit);
		seq_write(sb, "\n", 1);
	}
	return 0;
}

/* --- the procfs_pid_ops --- */

static const struct {
	const char *name;
	int (*gen)(struct task *t, struct seqbuf *sb);
} pid_files[] = {
	{ "stat", procfs_pid_stat },   { "status", procfs_pid_status },
	{ "cmdline", procfs_pid_cmdline }, { "environ", gen_environ },
	{ "comm", gen_comm },          { "statm", gen_statm },
	{ "maps", procfs_pid_maps },   { "smaps", procfs_pid_smaps },
	{ "limits", gen_limits },
	{ "wchan", gen_wchan },
};
#define NFILES (sizeof(pid_files) / sizeof(pid_files[0]))

/* Files read at a position rather than generated at open. */
static const struct {
	const char *name;
	long (*read_at)(struct task *t, struct uio *u, uint64_t pos);
} pos_files[] = {
	{ "pagemap", procfs_pid_pagemap },
};
#define NPOSFILES (sizeof(pos_files) / sizeof(pos_files[0]))

/* Filled at init, NULL-terminated: pid_files, then pos_files. */
static const char *pid_file_names[NFILES + NPOSFILES + 1];

/* Every process's pid (thread-group leaders only; a thread's directory is
 * still found by its tid), ascending (procfs resumes a listing by pid). */
static int pid_list(int *pids, int max)
{
	struct list_head *pos;
	int n = 0;

	list_for_each(pos, &task_list) {
		struct task *t = list_entry(pos, struct task, all);
		int pid = t->pid, i;

		if (!thread_is_leader(t))
			continue;
		if (n == max)
			break;
		for (i = n; i > 0 && pids[i - 1] > pid; i--)
			pids[i] = pids[i - 1];
		pids[i] = pid;
		n++;
	}
	return n;
}

/* The tids of process pid's live threads (its zombie leader too), ascending. */
static int thread_list(int pid, int *tids, int max)
{
	struct task *t = pid > 0 ? task_find(pid) : NULL;
	struct list_head *pos;
	int n = 0;

	if (!t || !t->tg)
		return t ? (tids[0] = pid, 1) : 0;
	list_for_each(pos, &t->tg->threads) {
		int tid = list_entry(pos, struct task, thread_node)->pid, i;

		if (n == max)
			break;
		for (i = n; i > 0 && tids[i - 1] > tid; i--)
			tids[i] = tids[i - 1];
		tids[i] = tid;
		n++;
	}
	return n;
}

static int self_pid(void)
{
	return proc_tgid(proc_current());
}

static struct task *pid_get(int pid)
{
	return pid > 0 ? task_find(pid) : NULL;
}

static void pid_put(struct task *t)
{
	(void)t; /* get took no reference: see the head of this file */
}

static int pid_gen(struct task *t, const char *name, struct seqbuf *sb)
{
	for (size_t i = 0; i < NFILES; i++)
		if (!strcmp(pid_files[i].name, name))
			return pid_files[i].gen(t, sb);
	return -ENOENT;
}

static bool pid_positional(const char *name)
{
	for (size_t i = 0; i < NPOSFILES; i++)
		if (!strcmp(pos_files[i].name, name))
			return true;
	return false;
}

static long pid_read_at(struct task *t, const char *name, struct uio *u, uint64_t pos)
{
	for (size_t i = 0; i < NPOSFILES; i++)
		if (!strcmp(pos_files[i].name, name))
			return pos_files[i].read_at(t, u, pos);
	return -ENOENT;
}

static int pid_exe(struct task *t, struct inode **out)
{
	if (!t->as || !t->as->exe)
		return -ENOENT;
	inode_ref(t->as->exe);
	*out = t->as->exe;
	return 0;
}

static const struct procfs_pid_ops pid_ops = {
	.list = pid_list,
	.threads = thread_list,
	.self_pid = self_pid,
	.get = pid_get,
	.put = pid_put,
	.files = pid_file_names,
	.gen = pid_gen,
	.exe = pid_exe,
	.positional = pid_positional,
	.read_at = pid_read_at,
};

/* Hook the process directories and the system files into /proc.
 * => after fs_init (procfs exists) */
void proc_procfs_init(void)
{
	for (size_t i = 0; i < NFILES; i++)
		pid_file_names[i] = pid_files[i].name;
	for (size_t i = 0; i < NPOSFILES; i++)
		pid_file_names[NFILES + i] = pos_files[i].name;
	procfs_set_pid_ops(&pid_ops);
	procfs_sys_init();
}

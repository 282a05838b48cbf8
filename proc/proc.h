/* proc.h: tasks (processes), their life cycle and the scheduler's view.
 *
 * A task is one thread of control with its own kernel stack. Address space,
 * open files and filesystem context are separate objects that tasks may
 * share (vfork shares the address space; fork copies all three). A process
 * is a thread group (proc/thread.h): one or more tasks sharing all of them;
 * task.pid is the thread id, the leader's pid the process id. */
#ifndef PROC_PROC_H
#define PROC_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/list.h"
#include "proc/signal.h"
#include "proc/wait.h"

struct fdtable;     /* fs/vfs.h */
struct fs_context;  /* fs/vfs.h: cwd, root, umask */
struct as;          /* mm/as.h: a user address space */
struct trap_frame;  /* kernel/trap.h */
struct signal_state;
struct tgroup;          /* proc/thread.h */
struct tty;             /* kernel/tty.c */

enum task_state {
	TASK_RUNNABLE,
	TASK_SLEEPING,
	TASK_STOPPED,
	TASK_ZOMBIE,
};

#define CRED_NGROUPS 32 /* supplementary groups kept (Linux allows 65536) */

struct cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	int ngroups;
	uint32_t groups[CRED_NGROUPS];
};

/* True if gid is the credentials' filesystem gid or a supplementary one. */
static inline bool cred_in_group(const struct cred *c, uint32_t gid)
{
	if (c->fsgid == gid)
		return true;
	for (int i = 0; i < c->ngroups; i++)
		if (c->groups[i] == gid)
			return true;
	return false;
}

#define TASK_COMM_LEN 16

#define RLIMIT_CPU 0
#define RLIMIT_FSIZE 1
#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_CORE 4
#define RLIMIT_RSS 5
#define RLIMIT_NPROC 6
#define RLIMIT_NOFILE 7
#define RLIMIT_MEMLOCK 8
#define RLIMIT_AS 9
#define RLIMIT_LOCKS 10
#define RLIMIT_SIGPENDING 11
#define RLIMIT_MSGQUEUE 12
#define RLIMIT_NICE 13
#define RLIMIT_RTPRIO 14
#define RLIMIT_RTTIME 15
#define RLIM_NLIMITS 16
#define RLIM_INFINITY (~0ULL)

struct rlimit64 {
	uint64_t cur, max;
};

struct task {
	int pid;
	int pgid, sid;
	enum task_state state;
	struct task *parent;
	struct list_head children;  /* of this task */
	struct list_head sibling;   /* in parent's children */
	struct list_head all;       /* every task */
	struct list_head runq;      /* on the run queue while runnable */
	struct list_head timer;     /* on the timed-sleep list */
	uint64_t deadline_ns;

	uintptr_t kstack;           /* lowest address of the kernel stack */
	uint64_t saved_rsp;         /* kernel rsp while switched out */
	struct trap_frame *tf;      /* user registers, at the top of kstack */
	uint8_t *fpu;               /* 512-byte FXSAVE area, 16-aligned */
	uint64_t fs_base, gs_base;

	struct as *as;
	struct fdtable *files;
	struct fs_context *fs;
	struct cred cred;
	struct signal_state *sig;
	struct tgroup *tg;          /* the process this thread belongs to */
	struct list_head thread_node; /* in tg->threads */
	bool stop_quiet;            /* a group stop forwarded to us: no report */

	uint64_t sig_pending;       /* bit (sig - 1) */
	uint64_t sig_blocked;
	uint64_t sig_waiting;       /* rt_sigtimedwait's set: these wake us */
	struct ksiginfo sig_info[NSIG];
	uint64_t sig_saved_mask;    /* restored after sigsuspend/pselect */
	bool sig_restore_mask;
	uintptr_t altstack_sp;
	uint64_t altstack_size;
	int altstack_flags;
	int exit_signal;            /* sent to the parent at exit (SIGCHLD) */

	int exit_code;              /* wait status once a zombie */
	bool wait_reported;         /* stop/continue already reported to wait4 */
	int stop_report;            /* pending WUNTRACED / WCONTINUED status */
	struct waitq child_exit;    /* parent sleeps here in wait4 */
	struct task *vfork_parent;  /* parent blocked until our exec or exit */
	bool vfork_done;            /* as a vfork parent: the child let go */
	uintptr_t clear_child_tid;

	uint64_t start_ns;
	uint64_t utime_ticks, stime_ticks;
	uint64_t cutime_ticks, cstime_ticks; /* of reaped children */
	uint64_t child_events;      /* bumped on every child state change */
	char comm[TASK_COMM_LEN];
	struct rlimit64 rlimits[RLIM_NLIMITS];
	bool did_exec;              /* setpgid by the parent fails after exec */
	int pdeath_signal;
	int nice;
	struct tty *ctty;           /* controlling terminal, shared by the session */
	uintptr_t itimer_real_interval_ns; /* alarm / ITIMER_REAL */
	uint64_t itimer_real_deadline_ns;
};

extern struct task *proc_current_task;
static inline struct task *proc_current(void) { return proc_current_task; }

/* Fork would exceed the caller's RLIMIT_NPROC. */
bool proc_nproc_exceeded(struct task *t);
/* clone(2) with Linux's flag semantics; returns the child's pid or -errno. */
long proc_clone(uint64_t flags, uintptr_t newsp, uintptr_t ptid, uintptr_t ctid, uintptr_t tls);

/* Create pid 1 and queue it to run the init program (rdinit=). */
void proc_start_init(void);

/* The thread-group id (what getpid returns) of t. */
int proc_tgid(const struct task *t);

/* Post signal sig to task t (0 < sig < 65); wakes it if it sleeps. */
void proc_send_signal(struct task *t, int sig);

/* Hook /proc/<pid>/ and the system files of /proc (stat, loadavg, cpuinfo,
 * ...) into procfs. => after fs_init */
void proc_procfs_init(void);

#endif

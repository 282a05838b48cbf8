/* proc.h: tasks (processes), their life cycle and the scheduler's view.
 *
 * A task is one thread of control with its own kernel stack. Address space,
 * open files and filesystem context are separate objects that tasks may
 * share (vfork shares the address space; fork copies all three). */
#ifndef PROC_PROC_H
#define PROC_PROC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/list.h"
#include "proc/wait.h"

struct fdtable;     /* fs/vfs.h */
struct fs_context;  /* fs/vfs.h: cwd, root, umask */
struct as;          /* mm/as.h: a user address space */
struct trap_frame;  /* kernel/trap.h */
struct signal_state;

enum task_state {
	TASK_RUNNABLE,
	TASK_SLEEPING,
	TASK_STOPPED,
	TASK_ZOMBIE,
};

struct cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
};

#define TASK_COMM_LEN 16

struct task {
	int pid;
	int pgid, sid;
	enum task_state state;
	struct task *parent;
	struct list_head children;  /* of this task */
	struct list_head sibling;   /* in parent's children */
	struct list_head all;       /* every task */
	struct list_head runq;      /* on the run queue while runnable */

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

	int exit_code;              /* wait status once a zombie */
	struct waitq child_exit;    /* parent sleeps here in wait4 */
	struct task *vfork_parent;  /* parent blocked until exec or exit */
	bool vfork_done;
	uintptr_t clear_child_tid;

	uint64_t start_ns;
	uint64_t utime_ticks, stime_ticks;
	char comm[TASK_COMM_LEN];
};

extern struct task *proc_current_task;
static inline struct task *proc_current(void) { return proc_current_task; }

/* Post signal sig to task t (0 < sig < 65); wakes it if it sleeps. */
void proc_send_signal(struct task *t, int sig);

#endif

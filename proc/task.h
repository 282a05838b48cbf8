/* task.h: task life-cycle internals shared by the proc/ files. */
#ifndef PROC_TASK_H
#define PROC_TASK_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/list.h"
#include "proc/proc.h"

#define TASK_LIMIT 1024 /* global cap on live tasks: fork beyond gets EAGAIN */

extern struct list_head task_list;
extern int task_count;
extern uint64_t task_forks; /* tasks created since boot (/proc/stat) */
/* The pid handed out last (/proc/loadavg). */
int task_last_pid(void);

/* A task with a kernel stack, an FPU area and a pid, but no resources yet;
 * NULL when out of memory or past TASK_LIMIT. */
struct task *task_alloc(void);
/* Free what task_alloc gave (stack, FPU area, pid slot). => not current */
void task_free(struct task *t);
/* Free the tasks kept for reuse (/proc/sys/vm/drop_caches); how many. */
int task_cache_drain(void);
/* Make t start in user mode with the registers in its trap frame. */
void task_prepare_user_entry(struct task *t);
/* Make t start in kernel mode in fn, then return to user mode through its
 * trap frame (which fn must have filled, as exec does). */
void task_prepare_kernel_entry(struct task *t, void (*fn)(void));
/* Switch CPU state from prev to next. => interrupts off, called by schedule */
void task_switch(struct task *prev, struct task *next);
struct task *task_find(int pid);
void task_set_comm(struct task *t, const char *name);
#define strlcpy_comm task_set_comm
/* The default FPU/SSE state for a new image. */
void task_fpu_reset(struct task *t);
/* Save the live FPU registers of the current task into dst (512 bytes). */
void fpu_save_current(uint8_t *dst);
void fpu_restore_current(const uint8_t *src);
/* MXCSR bits this CPU accepts (from FXSAVE's MXCSR_MASK). */
extern uint32_t fpu_mxcsr_mask;
void fpu_init(void);

/* Terminate the current task with a wait status (exit code << 8, or the
 * signal number | 0x80 for a core dump). Never returns. */
__attribute__((noreturn)) void proc_exit(int wstatus);
/* Stop the current task for sig until SIGCONT or SIGKILL. */
void proc_stop(int sig);
/* Tell t's parent that t changed state (CLD_* code) and wake wait4. */
void proc_notify_parent(struct task *t, int code, int status);
/* A vfork child execs or exits: wake its parent. */
void proc_vfork_release(struct task *t);
/* Fill a struct rusage at urusage with t's times (t NULL: zeros). */
int proc_fill_rusage(struct task *t, uintptr_t urusage);
/* Free t (an auto-reaped zombie, still current) once we switched away. */
void sched_free_later(struct task *t);

/* True if no member of pgid (other than ignore) has a parent in the same
 * session but in another group. */
bool proc_pgrp_is_orphaned(int pgid, struct task *ignore);

/* The init task (pid 1), adoptive parent of orphans. */
extern struct task *proc_init_task;

#endif

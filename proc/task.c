/* task.c: allocating, switching and freeing tasks.
 *
 * Each task owns a guarded kernel stack (vmm_kstack_alloc) whose top holds
 * the user trap frame, and a 512-byte FXSAVE area. FPU state is switched
 * eagerly: the kernel itself never touches x87/SSE registers
 * (-mgeneral-regs-only), so the live registers always belong to current.
 * pids count up and wrap below PID_MAX, skipping pids still in use.
 * A few freed tasks are kept, with their kernel stack still mapped and their
 * FPU area, so that fork does not map, zero and unmap a stack each time. */
#include "proc/task.h"

#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/trap.h"
#include "mm/as.h"
#include "mm/kheap.h"
#include "mm/vmm.h"
#include "proc/thread.h"

#define PID_MAX 32768

struct list_head task_list = LIST_HEAD_INIT(task_list);
int task_count;
uint64_t task_forks;
uint32_t fpu_mxcsr_mask = 0xFFBF;
static uint8_t fpu_default[512] __attribute__((aligned(16)));
static int last_pid;

#define TASK_CACHE 16
_Static_assert(sizeof(struct task) <= PAGE_SIZE, "a task and its FPU area fit one page");
static struct task *task_cache[TASK_CACHE];
static int ncached;

extern uint64_t syscall_kernel_rsp;
extern void task_trampoline(void);
extern void kthread_trampoline(void);
void switch_context(uint64_t *save_rsp, uint64_t new_rsp);

void fpu_save_current(uint8_t *dst)
{
	__asm__ volatile("fxsave64 (%0)" : : "r"(dst) : "memory");
}

void fpu_restore_current(const uint8_t *src)
{
	__asm__ volatile("fxrstor64 (%0)" : : "r"(src) : "memory");
}

void fpu_init(void)
{
	uint32_t mxcsr = 0x1F80, mask;

	__asm__ volatile("fninit; ldmxcsr %0" : : "m"(mxcsr));
	fpu_save_current(fpu_default);
	memcpy(&mask, fpu_default + 28, 4);
	if (mask)
		fpu_mxcsr_mask = mask;
}

void task_fpu_reset(struct task *t)
{
	memcpy(t->fpu, fpu_default, sizeof(fpu_default));
}

static bool pid_in_use(int pid)
{
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		struct task *t = list_entry(pos, struct task, all);
		if (t->pid == pid || t->pgid == pid || t->sid == pid)
			return true;
	}
	return false;
}

static int pid_alloc(void)
{
	do {
		last_pid = last_pid >= PID_MAX - 1 ? 2 : last_pid + 1;
	} while (pid_in_use(last_pid));
	return last_pid;
}

int task_last_pid(void)
{
	return last_pid;
}

/* A zeroed task with a kernel stack and an FPU area: from the cache, or new. */
static struct task *task_get_memory(void)
{
	struct task *t;

	if (ncached) {
		t = task_cache[--ncached];
		uintptr_t kstack = t->kstack;
		memset(t, 0, sizeof(*t));
		t->kstack = kstack;
		t->fpu = t->fpu_area;
		return t;
	}
	t = kzalloc(sizeof(*t));
	if (!t)
		return NULL;
	t->fpu = t->fpu_area;
	t->kstack = vmm_kstack_alloc();
	if (t->kstack)
		return t;
	kfree(t);
	return NULL;
}

struct task *task_alloc(void)
{
	struct task *t;

	if (task_count >= TASK_LIMIT || !(t = task_get_memory()))
		return NULL;
	task_fpu_reset(t);
	list_init(&t->children);
	list_init(&t->sibling);
	list_init(&t->runq);
	list_init(&t->timer);
	waitq_init(&t->child_exit);
	t->tf = (struct trap_frame *)(t->kstack + KSTACK_SIZE - sizeof(struct trap_frame));
	t->pid = pid_alloc();
	t->state = TASK_SLEEPING;
	t->altstack_flags = SS_DISABLE;
	t->start_ns = clock_monotonic_ns();
	list_add_tail(&t->all, &task_list);
	task_count++;
	task_forks++;
	return t;
}

/* Give back a task's memory: its kernel stack, FPU area and itself. */
static void task_destroy(struct task *t)
{
	vmm_kstack_free(t->kstack);
	kfree(t);
}

void task_free(struct task *t)
{
	KASSERT(t != proc_current());
	thread_group_leave(t);
	list_del(&t->all);
	task_count--;
	if (ncached < TASK_CACHE) {
		task_cache[ncached++] = t;
		return;
	}
	task_destroy(t);
}

int task_cache_drain(void)
{
	int n = 0;

	while (ncached) {
		task_destroy(task_cache[--ncached]);
		n++;
	}
	return n;
}

void task_prepare_user_entry(struct task *t)
{
	uint64_t *sp = (uint64_t *)t->tf;

	*--sp = (uint64_t)task_trampoline;
	for (int i = 0; i < 6; i++) /* rbp rbx r12 r13 r14 r15 */
		*--sp = 0;
	t->saved_rsp = (uint64_t)sp;
}

void task_prepare_kernel_entry(struct task *t, void (*fn)(void))
{
	uint64_t *sp = (uint64_t *)t->tf;

	*--sp = (uint64_t)kthread_trampoline;
	*--sp = 0;             /* rbp */
	*--sp = 0;             /* rbx */
	*--sp = (uint64_t)fn;  /* r12: the trampoline calls it */
	for (int i = 0; i < 3; i++) /* r13 r14 r15 */
		*--sp = 0;
	t->saved_rsp = (uint64_t)sp;
}

void proc_task_first_run(void);
void proc_task_first_run(void)
{
	/* Nothing to finish yet: schedule() switched with interrupts off and
	 * trap_return's IRETQ restores the user's flags. */
}

void task_switch(struct task *prev, struct task *next)
{
	uint64_t top = next->kstack + KSTACK_SIZE;

	if (prev->fpu)
		fpu_save_current(prev->fpu);
	if (next->as != prev->as)
		vmm_activate(next->as ? next->as->pml4 : vmm_kernel_pml4());
	if (next->kstack) {
		gdt_set_kernel_stack(top);
		syscall_kernel_rsp = top;
	}
	if (next->fs_base != prev->fs_base)
		wrmsr(MSR_FS_BASE, next->fs_base);
	if (next->gs_base != prev->gs_base)
		wrmsr(MSR_GS_BASE, next->gs_base);
	if (next->fpu)
		fpu_restore_current(next->fpu);
	proc_current_task = next;
	switch_context(&prev->saved_rsp, next->saved_rsp);
}

struct task *task_find(int pid)
{
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		struct task *t = list_entry(pos, struct task, all);
		if (t->pid == pid)
			return t;
	}
	return NULL;
}

void task_set_comm(struct task *t, const char *name)
{
	const char *base = strrchr(name, '/');

	strlcpy(t->comm, base ? base + 1 : name, sizeof(t->comm));
}

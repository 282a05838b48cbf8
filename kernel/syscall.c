/* syscall.c: SYSCALL set-up, the dispatch table, and unknown-call logging.
 *
 * Handlers take their natural C parameter types (user pointers as
 * uintptr_t); on x86_64 the six argument registers map onto them directly,
 * so the table stores them through a generic pointer type. Each unknown
 * number is logged once, by name, and gets -ENOSYS. */
#include "kernel/syscall.h"

#include <stdint.h>

#include "fs/syscalls.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/syscall_nr.h"
#include "kernel/syscalls.h"
#include "kernel/trap.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/signal.h"

typedef long (*syscall_fn)(uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t);

#define SC(name) [SYS_##name] = (syscall_fn)(void (*)(void))sys_##name

static const syscall_fn table[SYSCALL_MAX] = {
	SYSCALLS_FS
	SYSCALLS_PROC
	SYSCALLS_MM
	SYSCALLS_MISC
};

static const char *const names[SYSCALL_MAX] = { SYSCALL_NAMES_INIT };
static uint8_t logged[(SYSCALL_MAX + 7) / 8];

extern void syscall_entry(void);

void syscall_init(void)
{
	wrmsr(MSR_STAR, ((uint64_t)0x10 << 48) | ((uint64_t)KERNEL_CS << 32));
	wrmsr(MSR_LSTAR, (uint64_t)syscall_entry);
	/* Clear IF, TF, DF, AC, NT and RF on entry, as Linux: the kernel must
	 * not run with the user's TF (a single-step trap per instruction) or
	 * AC (SMAP off). A CPU may still deliver the single-step trap of the
	 * SYSCALL instruction itself on the first instruction of the entry
	 * (Bochs does): #DB runs on an IST stack and ignores it (trap.c). */
	wrmsr(MSR_SFMASK, RFLAGS_IF | RFLAGS_TF | RFLAGS_DF | RFLAGS_AC | RFLAGS_NT | RFLAGS_RF);
	wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE);
}

static long unknown_syscall(uint64_t nr)
{
	if (nr < SYSCALL_MAX && !(logged[nr / 8] & (1u << (nr % 8)))) {
		logged[nr / 8] |= (uint8_t)(1u << (nr % 8));
		kprintf("kernel: unimplemented syscall %lu (%s) from pid %d (%s): ENOSYS\n", nr,
			names[nr] ? names[nr] : "?", proc_current()->pid, proc_current()->comm);
	} else if (nr >= SYSCALL_MAX) {
		static bool big_logged;
		if (!big_logged)
			kprintf("kernel: syscall number %lu out of range: ENOSYS\n", nr);
		big_logged = true;
	}
	return -ENOSYS;
}

void syscall_dispatch(struct trap_frame *tf);
void syscall_dispatch(struct trap_frame *tf)
{
	uint64_t nr = tf->rax;
	long ret;

	irq_enable();
	if (nr < SYSCALL_MAX && table[nr])
		ret = table[nr](tf->rdi, tf->rsi, tf->rdx, tf->r10, tf->r8, tf->r9);
	else
		ret = unknown_syscall(nr);
	if (nr != SYS_rt_sigreturn)
		tf->rax = (uint64_t)ret;
	proc_return_to_user(tf);
	irq_disable();
}

void proc_return_to_user(struct trap_frame *tf)
{
	struct task *t = proc_current();
	long ret = (long)tf->rax;
	bool restart = tf->vector == TRAP_SYSCALL && (ret == -ERESTARTSYS || ret == -ERESTARTNOHAND);

	if (need_resched)
		schedule();
	if (proc_signal_pending() || t->sig_restore_mask || restart)
		signal_deliver(tf);
}

/* sigframe.c: the Linux x86_64 signal frame: building it for a handler and
 * taking it down again in rt_sigreturn.
 *
 * Layout on the user stack, from the handler's rsp upwards:
 *   rsp ->  pretcode (sa_restorer: the handler's return address)
 *           struct ucontext { flags, link, stack_t, sigcontext, sigmask }
 *           struct siginfo (128 bytes)
 *           ... FXSAVE image (512 bytes, 64-aligned), pointed to by
 *               sigcontext.fpstate
 * rsp + 8 is 16-byte aligned, as if the handler had been called. The frame
 * goes below the 128-byte red zone, or at the top of the alternate stack
 * for SA_ONSTACK when one is set and not in use. rt_sigreturn trusts nothing
 * in the frame: segment selectors are forced, only user-changeable flags
 * are taken, MXCSR reserved bits are refused with SIGSEGV (FXRSTOR would
 * fault; Linux's fails the same way), SIGKILL and SIGSTOP stay unblocked,
 * and a non-canonical rip becomes SIGSEGV. */
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/trap.h"
#include "kernel/uaccess.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/task.h"

struct sigcontext {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, eflags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2;
	uint64_t fpstate;
	uint64_t reserved[8];
};
_Static_assert(sizeof(struct sigcontext) == 256, "struct sigcontext (Linux x86_64)");

struct user_stack {
	uint64_t sp;
	int32_t flags;
	int32_t pad;
	uint64_t size;
};

struct ucontext {
	uint64_t flags;
	uint64_t link;
	struct user_stack stack;
	struct sigcontext mcontext;
	uint64_t sigmask;
};

struct siginfo {
	int32_t signo, err, code, pad;
	union {
		struct {
			int32_t pid;
			uint32_t uid;
			int32_t status;
			int32_t pad2;
			int64_t utime, stime;
		} chld;
		uint64_t addr;
		uint8_t bytes[112];
	} u;
};
_Static_assert(sizeof(struct siginfo) == 128, "siginfo_t (Linux x86_64)");

struct rt_sigframe {
	uint64_t pretcode;
	struct ucontext uc;
	struct siginfo info;
};

#define FPSTATE_SIZE 512
#define USER_FLAGS_MASK 0x254DD5UL /* CF PF AF ZF SF TF DF OF AC RF ID NT */

static void fill_siginfo(struct siginfo *si, const struct ksiginfo *k)
{
	memset(si, 0, sizeof(*si));
	si->signo = k->signo;
	si->code = k->code;
	if (k->addr) {
		si->u.addr = k->addr;
	} else {
		si->u.chld.pid = k->pid;
		si->u.chld.uid = k->uid;
		si->u.chld.status = k->status;
	}
}

static void fill_sigcontext(struct sigcontext *sc, const struct trap_frame *tf, uint64_t fp)
{
	memset(sc, 0, sizeof(*sc));
	sc->r8 = tf->r8, sc->r9 = tf->r9, sc->r10 = tf->r10, sc->r11 = tf->r11;
	sc->r12 = tf->r12, sc->r13 = tf->r13, sc->r14 = tf->r14, sc->r15 = tf->r15;
	sc->rdi = tf->rdi, sc->rsi = tf->rsi, sc->rbp = tf->rbp, sc->rbx = tf->rbx;
	sc->rdx = tf->rdx, sc->rax = tf->rax, sc->rcx = tf->rcx, sc->rsp = tf->rsp;
	sc->rip = tf->rip, sc->eflags = tf->rflags;
	sc->cs = USER_CS, sc->ss = USER_DS;
	sc->trapno = tf->vector == TRAP_SYSCALL ? 0 : tf->vector;
	sc->err = tf->vector == TRAP_SYSCALL ? 0 : tf->error;
	sc->fpstate = fp;
}

static bool on_altstack(const struct task *t, uint64_t sp)
{
	return t->altstack_size && sp - t->altstack_sp < t->altstack_size;
}

/* Where the frame goes: below the red zone, or on the alternate stack. */
static uint64_t frame_top(const struct task *t, const struct trap_frame *tf, uint64_t flags)
{
	if ((flags & SA_ONSTACK) && !(t->altstack_flags & SS_DISABLE) && t->altstack_size &&
	    !on_altstack(t, tf->rsp))
		return t->altstack_sp + t->altstack_size;
	return tf->rsp - 128;
}

int signal_setup_frame(struct trap_frame *tf, int sig, struct k_sigaction *ka,
		       const struct ksiginfo *info, uint64_t saved_mask)
{
	struct task *t = proc_current();
	static uint8_t fx[FPSTATE_SIZE] __attribute__((aligned(16)));
	struct rt_sigframe f;
	uint64_t fp = (frame_top(t, tf, ka->flags) - FPSTATE_SIZE) & ~63UL;
	uint64_t sp = ((fp - sizeof(f)) & ~15UL) - 8;

	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	f.uc.stack.sp = t->altstack_sp;
	f.uc.stack.size = t->altstack_size;
	f.uc.stack.flags = on_altstack(t, tf->rsp) ? SS_ONSTACK : t->altstack_flags;
	fill_sigcontext(&f.uc.mcontext, tf, fp);
	f.uc.mcontext.oldmask = saved_mask;
	f.uc.sigmask = saved_mask;
	fill_siginfo(&f.info, info);
	fpu_save_current(fx);
	if (copy_to_user(fp, fx, FPSTATE_SIZE) || copy_to_user(sp, &f, sizeof(f)))
		return -EFAULT;
	task_fpu_reset(t);
	fpu_restore_current(t->fpu);
	tf->rdi = (uint64_t)sig;
	tf->rsi = sp + offsetof(struct rt_sigframe, info);
	tf->rdx = sp + offsetof(struct rt_sigframe, uc);
	tf->rax = 0;
	tf->rsp = sp;
	tf->rip = ka->handler;
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	/* As Linux: DF clear per the ABI; TF and RF clear so a single-step
	 * SIGTRAP does not trap again in its own handler (sigreturn puts
	 * them back from the frame). */
	tf->rflags &= ~(RFLAGS_TF | RFLAGS_DF | RFLAGS_RF);
	return 0;
}

static void restore_sigcontext(struct trap_frame *tf, const struct sigcontext *sc)
{
	tf->r8 = sc->r8, tf->r9 = sc->r9, tf->r10 = sc->r10, tf->r11 = sc->r11;
	tf->r12 = sc->r12, tf->r13 = sc->r13, tf->r14 = sc->r14, tf->r15 = sc->r15;
	tf->rdi = sc->rdi, tf->rsi = sc->rsi, tf->rbp = sc->rbp, tf->rbx = sc->rbx;
	tf->rdx = sc->rdx, tf->rax = sc->rax, tf->rcx = sc->rcx, tf->rsp = sc->rsp;
	tf->rip = sc->rip;
	tf->rflags = (tf->rflags & ~USER_FLAGS_MASK) | (sc->eflags & USER_FLAGS_MASK);
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	tf->vector = 0; /* no syscall restart after sigreturn */
}

long sys_rt_sigreturn(void)
{
	struct task *t = proc_current();
	struct trap_frame *tf = t->tf;
	static uint8_t fx[FPSTATE_SIZE] __attribute__((aligned(16)));
	struct rt_sigframe f;

	if (copy_from_user(&f, tf->rsp - 8, sizeof(f)))
		goto bad;
	if (f.uc.mcontext.fpstate && copy_from_user(fx, f.uc.mcontext.fpstate, FPSTATE_SIZE))
		goto bad;
	if (!is_canonical(f.uc.mcontext.rip))
		goto bad;
	/* Reserved MXCSR bits would make FXRSTOR fault: Linux refuses the frame. */
	if (f.uc.mcontext.fpstate && (*(uint32_t *)(fx + 24) & ~fpu_mxcsr_mask))
		goto bad;
	restore_sigcontext(tf, &f.uc.mcontext);
	t->sig_blocked = f.uc.sigmask & ~(SIGBIT(SIGKILL) | SIGBIT(SIGSTOP));
	if (f.uc.mcontext.fpstate) {
		memcpy(t->fpu, fx, FPSTATE_SIZE);
		fpu_restore_current(t->fpu);
	}
	return (long)tf->rax;
bad:
	signal_user_fault(SIGSEGV, SI_KERNEL, 0);
	return (long)tf->rax;
}

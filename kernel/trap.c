/* trap.c: the IDT and the dispatcher for exceptions and interrupts.
 *
 * Classification, in order:
 *   - IRQ vectors go to the PIC layer;
 *   - a fault in user mode becomes a signal to the current task (a page
 *     fault first goes to the address space, which may resolve it);
 *   - a page fault in kernel mode on a user address is first offered to the
 *     address space too: that is how a kernel write into a copy-on-write or
 *     demand-zero page succeeds, exactly like the user's own write;
 *   - what is left is looked up in the exception table (user-copy fixups);
 *   - a fault on the IRETQ that returns to user mode (a non-canonical rip,
 *     which the CPU checks in ring 0) is the user's fault: the frame being
 *     popped becomes the user's frame again and gets the signal;
 *   - a single-step #DB in kernel mode is the step of a SYSCALL made with
 *     TF set, which some CPUs (Bochs) deliver on the first instruction of
 *     the entry: ignored, as SFMASK has already cleared TF;
 *   - anything else is a kernel bug: registers, backtrace, panic.
 * trap_dispatch returns the frame to return through: the one it was given,
 * or after a failed IRETQ the user frame above it (entry.asm switches to it).
 *
 * Signals for user-mode exceptions follow Linux's traps.c: si_code and
 * whether si_addr is the faulting rip come from the table below. */
#include "kernel/trap.h"

#include <stddef.h>

#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "mm/as.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/signal.h"
#include "proc/task.h"

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t zero;
} __attribute__((packed));
_Static_assert(sizeof(struct idt_gate) == 16, "IDT gate layout");

struct ex_entry {
	uint64_t insn, fixup;
};

extern const uint64_t isr_table[256];
extern const struct ex_entry __ex_table_start[], __ex_table_end[];

static struct idt_gate idt[256];
volatile bool need_resched;
bool trap_irq_from_user;

static void set_gate(int v, uint64_t handler, int dpl, int ist)
{
	idt[v].off_lo = handler & 0xFFFF;
	idt[v].sel = KERNEL_CS;
	idt[v].ist = (uint8_t)ist;
	idt[v].type = (uint8_t)(0x8E | (dpl << 5)); /* present, interrupt gate */
	idt[v].off_mid = (handler >> 16) & 0xFFFF;
	idt[v].off_hi = (uint32_t)(handler >> 32);
	idt[v].zero = 0;
}

void trap_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = { sizeof(idt) - 1, (uint64_t)idt };

	for (int v = 0; v < 256; v++)
		set_gate(v, isr_table[v], 0, 0);
	set_gate(T_BP, isr_table[T_BP], 3, 0); /* int3 from user: SIGTRAP */
	set_gate(T_OF, isr_table[T_OF], 3, 0);
	set_gate(T_DF, isr_table[T_DF], 0, 1);
	/* #DB may hit the first instruction of syscall_entry, still on the
	 * user's RSP: it needs a stack of its own (entry.asm moves a frame
	 * from user mode on to the task's kernel stack). */
	set_gate(T_DB, isr_table[T_DB], 0, 2);
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

static const char *const exc_names[32] = {
	"divide error", "debug", "NMI", "breakpoint", "overflow", "bound range",
	"invalid opcode", "device not available", "double fault", "coprocessor overrun",
	"invalid TSS", "segment not present", "stack fault", "general protection",
	"page fault", "reserved", "x87 FPU error", "alignment check", "machine check",
	"SIMD error",
};

void trap_kernel_fault(struct trap_frame *tf, const char *why)
{
	const char *name = tf->vector < 32 && exc_names[tf->vector] ? exc_names[tf->vector] : "?";

	irq_disable();
	kprintf("\nKERNEL FAULT: %s (vector %lu, %s) error %lx\n", why, tf->vector, name,
		tf->error);
	kprintf("  rip %p cs %lx rflags %lx cr2 %p\n", (void *)tf->rip, tf->cs, tf->rflags,
		(void *)read_cr2());
	kprintf("  rsp %p rbp %p rax %lx rbx %lx rcx %lx rdx %lx\n", (void *)tf->rsp,
		(void *)tf->rbp, tf->rax, tf->rbx, tf->rcx, tf->rdx);
	kprintf("  rsi %lx rdi %lx r8 %lx r9 %lx r10 %lx r11 %lx\n", tf->rsi, tf->rdi, tf->r8,
		tf->r9, tf->r10, tf->r11);
	kprintf("  r12 %lx r13 %lx r14 %lx r15 %lx cr3 %lx\n", tf->r12, tf->r13, tf->r14,
		tf->r15, read_cr3());
	backtrace_from(tf->rip, tf->rbp);
	panic("fatal kernel fault");
}

static bool fixup_exception(struct trap_frame *tf)
{
	for (const struct ex_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == tf->rip) {
			tf->rip = e->fixup;
			return true;
		}
	}
	return false;
}

/* SEGV_ACCERR when a region covers addr (the access was not allowed),
 * SEGV_MAPERR when none does, as Linux. */
static int segv_code(struct task *t, uintptr_t addr)
{
	return t && t->as && addr < USER_TOP && as_find_vma(t->as, addr) ? SEGV_ACCERR
									: SEGV_MAPERR;
}

static void page_fault(struct trap_frame *tf)
{
	uintptr_t addr = read_cr2();
	struct task *t = proc_current();
	int err = -EFAULT;

	/* The faulting access may sleep (allocate); interrupts were on. */
	if (tf->rflags & RFLAGS_IF)
		irq_enable();
	if (t && t->as && addr < USER_TOP && !(tf->error & PFERR_RSVD))
		err = as_fault(t->as, addr, (uint32_t)tf->error, t->rlimits[RLIMIT_STACK].cur);
	irq_disable();
	if (!err)
		return;
	if (trap_from_user(tf)) {
		if (err == -ENOMEM)
			signal_user_fault(SIGKILL, SI_KERNEL, addr);
		else if (err == -EBUSERR)
			signal_user_fault(SIGBUS, BUS_ADRERR, addr);
		else
			signal_user_fault(SIGSEGV, segv_code(t, addr), addr);
		return;
	}
	if (!fixup_exception(tf))
		trap_kernel_fault(tf, "page fault in kernel mode");
}

/* The si_code of an x87 (#MF) or SSE (#XM) exception, from the unmasked
 * flags that are raised (the order Linux checks them in); 0 if none is,
 * and then no signal is sent. */
static int fpu_exception_code(uint64_t vector)
{
	struct task *t = proc_current();
	uint32_t err;

	fpu_save_current(t->fpu);
	if (vector == T_MF) {
		uint16_t cw = *(uint16_t *)t->fpu, sw = *(uint16_t *)(t->fpu + 2);
		err = sw & ~cw;
	} else {
		uint32_t mxcsr = *(uint32_t *)(t->fpu + 24);
		err = ~(mxcsr >> 7) & mxcsr;
	}
	if (err & 0x01)
		return FPE_FLTINV;
	if (err & 0x04)
		return FPE_FLTDIV;
	if (err & 0x08)
		return FPE_FLTOVF;
	if (err & 0x12)
		return FPE_FLTUND;
	if (err & 0x20)
		return FPE_FLTRES;
	return 0;
}

/* What Linux sends for an exception in user mode. Vectors left out get
 * SIGSEGV, SI_KERNEL, si_addr 0 (#GP and the rest, as force_sig does). */
struct exc_signal {
	uint8_t sig;
	uint8_t code;
	bool addr_is_rip;
};

static const struct exc_signal exc_signals[32] = {
	[T_DE] = { SIGFPE, FPE_INTDIV, true },
	[T_DB] = { SIGTRAP, TRAP_BRKPT, true }, /* TRAP_TRACE for a step, below */
	[T_BP] = { SIGTRAP, SI_KERNEL, false },
	[T_UD] = { SIGILL, ILL_ILLOPN, true },
	[T_NP] = { SIGBUS, SI_KERNEL, false },
	[T_SS] = { SIGBUS, SI_KERNEL, false },
	[T_AC] = { SIGBUS, BUS_ADRALN, false },
	[T_MF] = { SIGFPE, 0, true }, /* the code comes from the FPU, below */
	[T_XM] = { SIGFPE, 0, true },
};

/* Send the signal for exception tf->vector raised in user mode. */
static void user_exception(struct trap_frame *tf, uint64_t dr6)
{
	struct exc_signal e = exc_signals[tf->vector];

	if (!e.sig)
		e = (struct exc_signal){ SIGSEGV, SI_KERNEL, false };
	if (tf->vector == T_DB && (dr6 & DR6_BS))
		e.code = TRAP_TRACE;
	if ((tf->vector == T_MF || tf->vector == T_XM) && !(e.code = fpu_exception_code(tf->vector)))
		return; /* nothing unmasked is raised: no signal, as Linux */
	signal_user_fault(e.sig, e.code, e.addr_is_rip ? tf->rip : 0);
}

extern const char trap_return_iret[];

/* A #GP (or #NP, #SS) raised by the IRETQ of trap_return. */
static bool is_bad_iret(const struct trap_frame *tf)
{
	return !trap_from_user(tf) && tf->rip == (uint64_t)trap_return_iret &&
	       (tf->vector == T_GP || tf->vector == T_NP || tf->vector == T_SS);
}

/* The IRETQ faulted in ring 0 with RSP at the rip..ss words it was popping:
 * the tail of the task's user frame, whose registers lie just below,
 * intact. Make that frame the user's faulting frame, signal, and return
 * through it again (dropping this frame and everything below it).
 * => returns the frame entry.asm resumes from */
static struct trap_frame *bad_iret(struct trap_frame *tf)
{
	struct trap_frame *uf = (struct trap_frame *)(tf->rsp - offsetof(struct trap_frame, rip));
	struct task *t = proc_current();

	if (!t || uf != t->tf || !trap_from_user(uf))
		trap_kernel_fault(tf, "fault on iret to kernel mode");
	uf->vector = tf->vector;
	uf->error = tf->error;
	user_exception(uf, 0);
	proc_return_to_user(uf);
	return uf;
}

/* An exception in kernel mode. => returns the frame to resume from */
static struct trap_frame *kernel_exception(struct trap_frame *tf, uint64_t dr6)
{
	if (is_bad_iret(tf))
		return bad_iret(tf);
	if (tf->vector == T_DB && (dr6 & DR6_BS)) {
		tf->rflags &= ~RFLAGS_TF;
		return tf;
	}
	if (!fixup_exception(tf))
		trap_kernel_fault(tf, "exception in kernel mode");
	return tf;
}

/* Read and reset DR6 on a #DB (the CPU never clears it). */
static uint64_t take_dr6(uint64_t vector)
{
	uint64_t dr6;

	if (vector != T_DB)
		return 0;
	dr6 = read_dr6();
	write_dr6(DR6_INIT);
	return dr6;
}

struct trap_frame *trap_dispatch(struct trap_frame *tf);
struct trap_frame *trap_dispatch(struct trap_frame *tf)
{
	uint64_t v = tf->vector, dr6 = take_dr6(v);

	if (v >= IRQ_BASE_VECTOR && v < IRQ_BASE_VECTOR + 16) {
		trap_irq_from_user = trap_from_user(tf);
		irq_dispatch((int)(v - IRQ_BASE_VECTOR));
		trap_irq_from_user = false;
	} else if (v == T_PF) {
		page_fault(tf);
	} else if (v < 32 && trap_from_user(tf)) {
		user_exception(tf, dr6);
	} else if (v < 32) {
		return kernel_exception(tf, dr6);
	}
	/* Other vectors: spurious, ignored. */
	if (trap_from_user(tf))
		proc_return_to_user(tf);
	return tf;
}

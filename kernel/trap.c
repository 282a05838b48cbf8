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
 *   - anything else is a kernel bug: registers, backtrace, panic. */
#include "kernel/trap.h"

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
			signal_user_fault(SIGSEGV, err == -EACCES ? SEGV_ACCERR : SEGV_MAPERR, addr);
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

/* Send the signal Linux sends for an exception raised in user mode, with
 * its si_code and si_addr: faults that name no address (#GP, int3, ...)
 * come as SI_KERNEL with address 0. */
static void user_exception(struct trap_frame *tf)
{
	uintptr_t ip = tf->rip;

	switch (tf->vector) {
	case T_DE:
		return signal_user_fault(SIGFPE, FPE_INTDIV, ip);
	case T_DB:
		return signal_user_fault(SIGTRAP, TRAP_TRACE, ip);
	case T_BP:
		return signal_user_fault(SIGTRAP, SI_KERNEL, 0);
	case T_UD:
		return signal_user_fault(SIGILL, ILL_ILLOPN, ip);
	case T_MF:
	case T_XM: {
		int code = fpu_exception_code(tf->vector);
		if (code)
			signal_user_fault(SIGFPE, code, ip);
		return;
	}
	case T_AC:
		return signal_user_fault(SIGBUS, BUS_ADRALN, 0);
	case T_NP:
	case T_SS:
		return signal_user_fault(SIGBUS, SI_KERNEL, 0);
	default:
		return signal_user_fault(SIGSEGV, SI_KERNEL, 0);
	}
}

void trap_dispatch(struct trap_frame *tf);
void trap_dispatch(struct trap_frame *tf)
{
	uint64_t v = tf->vector;

	if (v >= IRQ_BASE_VECTOR && v < IRQ_BASE_VECTOR + 16) {
		trap_irq_from_user = trap_from_user(tf);
		irq_dispatch((int)(v - IRQ_BASE_VECTOR));
		trap_irq_from_user = false;
	} else if (v == T_PF) {
		page_fault(tf);
	} else if (v < 32 && trap_from_user(tf)) {
		user_exception(tf);
	} else if (v < 32) {
		if (!fixup_exception(tf))
			trap_kernel_fault(tf, "exception in kernel mode");
	}
	/* Other vectors: spurious, ignored. */
	if (trap_from_user(tf))
		proc_return_to_user(tf);
}

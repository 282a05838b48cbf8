/* trap.h: the saved user/kernel register frame, the IDT, GDT/TSS and the
 * exception-table fixups that let user-memory copies fail with -EFAULT. */
#ifndef KERNEL_TRAP_H
#define KERNEL_TRAP_H

#include <stdbool.h>
#include <stdint.h>

#define KERNEL_CS 0x08
#define KERNEL_DS 0x10
#define USER_DS 0x1B
#define USER_CS 0x23
#define TSS_SEL 0x28

/* Vector number recorded in frames built by the syscall entry. */
#define TRAP_SYSCALL 0x100

/* Pushed by kernel/entry.asm; the layout is shared with assembly. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error; /* error code; the original rax for syscalls */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "trap frame layout is shared with entry.asm");

static inline bool trap_from_user(const struct trap_frame *tf) { return (tf->cs & 3) == 3; }

void gdt_init(void);
/* The stack the CPU switches to on an interrupt from user mode (and the one
 * the syscall entry loads). */
void gdt_set_kernel_stack(uint64_t top);

void trap_init(void);

/* Exception vectors. */
#define T_DE 0
#define T_DB 1
#define T_NMI 2
#define T_BP 3
#define T_OF 4
#define T_BR 5
#define T_UD 6
#define T_NM 7
#define T_DF 8
#define T_TS 10
#define T_NP 11
#define T_SS 12
#define T_GP 13
#define T_PF 14
#define T_MF 16
#define T_AC 17
#define T_MC 18
#define T_XM 19

/* Page-fault error code bits. */
#define PFERR_P (1u << 0)
#define PFERR_W (1u << 1)
#define PFERR_U (1u << 2)
#define PFERR_RSVD (1u << 3)
#define PFERR_I (1u << 4)

/* Print the frame and a symbolised backtrace, then panic. */
__attribute__((noreturn)) void trap_kernel_fault(struct trap_frame *tf, const char *why);

/* Set by the timer and by wake-ups: reschedule before returning to user. */
extern volatile bool need_resched;
/* True while an IRQ handler runs on top of user mode (for time accounting). */
extern bool trap_irq_from_user;

#endif

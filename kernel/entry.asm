; entry.asm: every way into and out of the kernel after boot.
;
; Interrupts and exceptions: a stub pushes a zero error code when the CPU
; pushes none, then the vector; isr_common saves the general registers in
; the order of struct trap_frame (kernel/trap.h) and calls trap_dispatch.
; From user mode the CPU has already switched to TSS.RSP0.
;
; SYSCALL: RCX = user RIP, R11 = user RFLAGS, RSP still the user's, IF
; cleared by SFMASK. We switch to the task's kernel stack (one CPU, so a
; plain global holds it; GS is left to user space) and build the same frame
; by hand, so signals, fork and exec see one layout. On the way out SYSRET
; is used only when it restores exactly what IRET would: RCX == RIP,
; R11 == RFLAGS and a canonical user RIP (SYSRET with a non-canonical RCX
; faults in ring 0 on Intel). Anything else leaves through IRET.
;
; SYSRET is never used with TF or RF set either: SYSRET restoring TF traps
; before the next user instruction runs, where IRET (and Linux) trap after
; it. The canonical check is what keeps SYSRET from faulting at all: its
; #GP would be taken in ring 0 on the user's RSP, which nothing can repair.
; A fault on the IRETQ back to user mode (non-canonical RIP: the CPU checks
; it in ring 0) is repaired instead: trap_dispatch turns it into the user's
; fault and returns the user frame to leave through (see kernel/trap.c).
;
; #DB has its own IST stack: with TF set, SYSCALL's single-step trap may be
; delivered on the first instruction of syscall_entry, before the switch
; to the kernel stack. A #DB from user mode moves on to the task's kernel
; stack at once, like every other trap from user mode.
;
; Register state on entry to the C handlers: RDI = the frame, RBP = 0 so a
; backtrace ends at the kernel entry. trap_dispatch returns in RAX the
; frame to restore.

bits 64

%define TF_RCX  (12 * 8)
%define TF_R11  (4 * 8)
%define TF_RIP  (17 * 8)
%define TF_RFLAGS (19 * 8)
%define RFLAGS_TF_RF 0x10100

extern trap_dispatch, syscall_dispatch, proc_task_first_run

section .text

%macro PUSH_REGS 0
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
%endmacro

%macro POP_REGS 0
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
%endmacro

%macro ISR_NOERR 1
isr_%1:
	push 0
	push %1
	jmp isr_common
%endmacro

%macro ISR_ERR 1
isr_%1:
	push %1
	jmp isr_common
%endmacro

; Vectors with a CPU-pushed error code: 8, 10-14, 17, 21, 29, 30.
; Vector 1 (#DB) has its own stub below.
%assign v 0
%rep 256
%if v == 1
%elif v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30
ISR_ERR v
%else
ISR_NOERR v
%endif
%assign v v + 1
%endrep

; #DB, entered on its IST stack. From kernel mode it stays there. From user
; mode the words pushed so far (and RAX, RCX used to copy them) move to the
; top of the task's kernel stack, where TSS.RSP0 would have put them:
; signals, sigreturn, fork and the scheduler expect the user frame there.
isr_1:
	push 0
	push 1
	test byte [rsp + 3 * 8], 3      ; cs of the interrupted code
	jz isr_common
	push rax
	push rcx
	mov rax, [rel syscall_kernel_rsp]
	sub rax, 9 * 8                  ; rcx, rax, vector, error, rip..ss
%assign i 0
%rep 9
	mov rcx, [rsp + i * 8]
	mov [rax + i * 8], rcx
%assign i i + 1
%endrep
	mov rsp, rax
	pop rcx
	pop rax
	jmp isr_common

isr_common:
	PUSH_REGS
	cld
	mov rdi, rsp
	xor ebp, ebp
	call trap_dispatch
	mov rsp, rax                    ; the frame to restore
global trap_return
trap_return:
	POP_REGS
	add rsp, 16                     ; vector, error
global trap_return_iret
trap_return_iret:
	iretq

global syscall_entry
syscall_entry:
	mov [rel syscall_user_rsp], rsp
	mov rsp, [rel syscall_kernel_rsp]
	push 0x1B                       ; ss (USER_DS)
	push qword [rel syscall_user_rsp]
	push r11                        ; rflags
	push 0x23                       ; cs (USER_CS)
	push rcx                        ; rip
	push rax                        ; original syscall number
	push 0x100                      ; TRAP_SYSCALL
	PUSH_REGS
	cld
	mov rdi, rsp
	xor ebp, ebp
	call syscall_dispatch           ; returns with interrupts off
	mov rcx, [rsp + TF_RCX]
	cmp rcx, [rsp + TF_RIP]
	jne trap_return
	mov r11, [rsp + TF_R11]
	cmp r11, [rsp + TF_RFLAGS]
	jne trap_return
	test r11, RFLAGS_TF_RF
	jnz trap_return
	shr rcx, 47                     ; a user address: bits 63..47 clear
	jnz trap_return
	POP_REGS
	mov rsp, [rsp + 5 * 8]          ; user rsp (past vector, error, rip, cs, rflags)
	o64 sysret

; void switch_context(uint64_t *save_rsp, uint64_t new_rsp)
; Saves the callee-saved registers of the current task on its stack and
; resumes the task whose stack pointer is new_rsp.
global switch_context
switch_context:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

; First return of a new task: its stack holds a trap frame right here.
global task_trampoline
task_trampoline:
	call proc_task_first_run
	jmp trap_return

; First run of a kernel-started task (pid 1): call the function in r12,
; then enter user mode through the trap frame it prepared.
global kthread_trampoline
kthread_trampoline:
	call r12
	jmp trap_return

; uint64_t uaccess_copy(void *dst, const void *src, size_t n)
; Returns the number of bytes NOT copied (0 on success). Eight bytes at a
; time, then the tail; a fault in either leaves RCX counting what is left.
global uaccess_copy
uaccess_copy:
	mov rcx, rdx
	shr rcx, 3
	and edx, 7
.copy8:
	rep movsq
	mov rcx, rdx
.copy1:
	rep movsb
	xor eax, eax
	ret
.fault8:
	lea rax, [rdx + rcx * 8]
	ret
.fault1:
	mov rax, rcx
	ret

; uint64_t uaccess_clear(void *dst, size_t n): bytes NOT cleared.
global uaccess_clear
uaccess_clear:
	mov rcx, rsi
	xor eax, eax
.store:
	rep stosb
	xor eax, eax
	ret
.fault:
	mov rax, rcx
	ret

; long uaccess_strncpy(char *dst, const char *src, size_t max)
; Copies up to max bytes, stopping after a NUL. Returns the string length,
; max when no NUL was found, or -1 on a fault.
global uaccess_strncpy
uaccess_strncpy:
	xor eax, eax
.next:
	cmp rax, rdx
	je .done
.load:
	mov cl, [rsi + rax]
	mov [rdi + rax], cl
	test cl, cl
	jz .done
	inc rax
	jmp .next
.done:
	ret
.fault:
	mov rax, -1
	ret

section .ex_table
	dq uaccess_copy.copy8, uaccess_copy.fault8
	dq uaccess_copy.copy1, uaccess_copy.fault1
	dq uaccess_clear.store, uaccess_clear.fault
	dq uaccess_strncpy.load, uaccess_strncpy.fault

section .rodata
global isr_table
isr_table:
%assign v 0
%rep 256
	dq isr_ %+ v
%assign v v + 1
%endrep

section .bss
global syscall_kernel_rsp, syscall_user_rsp
syscall_kernel_rsp: resq 1
syscall_user_rsp: resq 1

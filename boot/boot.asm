; boot.asm: Multiboot v1 entry, switch to long mode, jump to the higher half.
;
; On entry (Multiboot v1): 32-bit protected mode, paging off, EAX = 0x2BADB002,
; EBX = physical address of the Multiboot information, interrupts off, no
; usable stack. CR0 may hold CD/NW (Bochs leaves 0xE0000011), so we write it.
;
; On exit to kmain(magic, mbi_phys): 64-bit long mode, CS = 0x08, paging on
; with the boot tables below (physical 0..1 GiB mapped three times: identity,
; at the direct-map base PML4[256] and at the kernel base -2 GiB), RSP on the
; higher-half boot stack, RBP = 0 so backtraces stop there, CR0.WP set,
; EFER.NXE set only if CPUID has NX. The C side replaces these tables early.
;
; The header uses the a.out kludge (flag 16) so that QEMU's -kernel accepts
; this ELF64 file; GRUB honours the same fields.

bits 32

KERNEL_VMA      equ 0xFFFFFFFF80000000
MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ (1 << 0) | (1 << 1) | (1 << 16)

%define PHYS(x) ((x) - KERNEL_VMA)

extern _load_start_phys, _load_end_phys, _bss_end_phys
extern kmain

section .multiboot
align 4
mb_header:
	dd MB_MAGIC
	dd MB_FLAGS
	dd -(MB_MAGIC + MB_FLAGS)
	dd mb_header                    ; header_addr (this section is linked physical)
	dd _load_start_phys             ; load_addr
	dd _load_end_phys               ; load_end_addr
	dd _bss_end_phys                ; bss_end_addr
	dd _start32                     ; entry_addr

section .boot.text progbits alloc exec
global _start32
_start32:
	cli
	cld
	mov [PHYS(boot_magic)], eax
	mov [PHYS(boot_mbi)], ebx
	mov esp, PHYS(boot_stack_top)

	; CR0: protection on, caches on (CD = NW = 0), native FPU errors.
	mov eax, cr0
	and eax, ~((1 << 30) | (1 << 29) | (1 << 31))
	or eax, (1 << 0) | (1 << 5)
	mov cr0, eax

	; Long mode must exist, or we stop with a message.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, (1 << 29)
	jz no_long_mode
	mov esi, edx                    ; extended features; NX is bit 20

	; One PD of 2 MiB pages for physical 0..1 GiB.
	mov edi, PHYS(boot_pd)
	mov eax, 0x83                   ; present | writable | page size
	mov ecx, 512
.fill_pd:
	mov [edi], eax
	mov dword [edi + 4], 0
	add eax, 0x200000
	add edi, 8
	loop .fill_pd

	mov eax, PHYS(boot_pd) + 3
	mov [PHYS(boot_pdpt_low)], eax
	mov [PHYS(boot_pdpt_high) + 510 * 8], eax
	mov eax, PHYS(boot_pdpt_low) + 3
	mov [PHYS(boot_pml4)], eax
	mov [PHYS(boot_pml4) + 256 * 8], eax
	mov eax, PHYS(boot_pdpt_high) + 3
	mov [PHYS(boot_pml4) + 511 * 8], eax

	mov eax, cr4
	or eax, (1 << 5)                ; PAE
	mov cr4, eax
	mov eax, PHYS(boot_pml4)
	mov cr3, eax

	mov ecx, 0xC0000080             ; EFER
	rdmsr
	or eax, (1 << 8)                ; LME
	test esi, (1 << 20)
	jz .no_nx
	or eax, (1 << 11)               ; NXE
.no_nx:
	wrmsr

	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)   ; PG | WP
	mov cr0, eax

	lgdt [PHYS(boot_gdt_ptr)]
	jmp 0x08:long_mode_low

; A 32-bit CPU: say so on VGA and COM1, then halt. The UART is set up as
; serial_init does (115200 8N1, FIFO on), and "transmitter empty" is polled
; before every byte: Bochs sends at the emulated baud rate, and writing
; without waiting lost all but the first 17 bytes (regression:
; nolm_message_truncated, the compat "nolm" check).
no_long_mode:
	mov dx, 0x3F9
	xor al, al
	out dx, al                      ; IER: no interrupts
	mov dx, 0x3FB
	mov al, 0x80
	out dx, al                      ; LCR: divisor latch
	mov dx, 0x3F8
	mov al, 1
	out dx, al                      ; divisor 1: 115200 baud
	mov dx, 0x3F9
	xor al, al
	out dx, al
	mov dx, 0x3FB
	mov al, 0x03
	out dx, al                      ; 8N1
	mov dx, 0x3FA
	mov al, 0xC7
	out dx, al                      ; FIFO on, cleared
	mov esi, PHYS(no_lm_msg)
	mov edi, 0xB8000
.msg:
	lodsb
	test al, al
	jz .halt
	mov ah, 0x4F
	stosw
	mov bl, al
	mov ecx, 1000000
	mov dx, 0x3FD
.wait_thre:
	in al, dx                       ; LSR
	test al, 0x20
	jnz .send
	pause
	loop .wait_thre
.send:
	mov al, bl
	mov dx, 0x3F8
	out dx, al
	jmp .msg
.halt:
	cli
	hlt
	jmp .halt

bits 64
long_mode_low:
	mov rax, higher_half
	jmp rax

section .text
higher_half:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor eax, eax
	mov fs, ax
	mov gs, ax
	mov rsp, boot_stack_top
	xor ebp, ebp
	mov edi, [rel boot_magic]
	mov esi, [rel boot_mbi]
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .rodata
no_lm_msg: db "This CPU has no 64-bit long mode; cannot boot.", 0

align 16
boot_gdt:
	dq 0
	dq 0x00AF9A000000FFFF           ; 0x08: 64-bit code, ring 0
	dq 0x00CF92000000FFFF           ; 0x10: data, ring 0
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dq PHYS(boot_gdt)

section .data
boot_magic: dd 0
boot_mbi:   dd 0

section .bss
align 4096
global boot_pml4
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4096
global boot_stack_top
boot_stack:     resb 16384
boot_stack_top:

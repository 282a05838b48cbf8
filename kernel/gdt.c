/* gdt.c: the GDT (kernel and user segments, TSS) and the TSS stacks.
 *
 * Selector layout is dictated by SYSCALL/SYSRET: STAR[47:32] = KERNEL_CS
 * (SS = +8), STAR[63:48] = 0x10 so SYSRET loads SS = 0x18|3, CS = 0x20|3.
 * A double fault runs on its own IST stack so a kernel stack overflow
 * (a hit on the guard page) can still be reported; so does #DB, which can
 * arrive on the first instruction of the SYSCALL entry, before it has left
 * the user's stack (kernel/entry.asm). */
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/lib/string.h"
#include "kernel/trap.h"

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __attribute__((packed));
_Static_assert(sizeof(struct tss) == 104, "TSS layout");

static struct tss tss;
static uint64_t gdt[7];
static uint8_t df_stack[8192] __attribute__((aligned(16)));
static uint8_t db_stack[8192] __attribute__((aligned(16)));

struct gdt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

void gdt_set_kernel_stack(uint64_t top)
{
	tss.rsp[0] = top;
}

void gdt_init(void)
{
	uint64_t base = (uint64_t)&tss, limit = sizeof(tss) - 1;
	struct gdt_ptr ptr = { sizeof(gdt) - 1, (uint64_t)gdt };

	gdt[0] = 0;
	gdt[1] = 0x00AF9A000000FFFFUL; /* kernel code, 64-bit */
	gdt[2] = 0x00CF92000000FFFFUL; /* kernel data */
	gdt[3] = 0x00CFF2000000FFFFUL; /* user data, DPL 3 */
	gdt[4] = 0x00AFFA000000FFFFUL; /* user code, 64-bit, DPL 3 */
	gdt[5] = (limit & 0xFFFF) | ((base & 0xFFFFFF) << 16) | (0x89UL << 40) |
		 (((limit >> 16) & 0xF) << 48) | (((base >> 24) & 0xFF) << 56);
	gdt[6] = base >> 32;
	tss.ist[0] = (uint64_t)(df_stack + sizeof(df_stack)); /* IST 1: #DF */
	tss.ist[1] = (uint64_t)(db_stack + sizeof(db_stack)); /* IST 2: #DB */
	tss.iomap_base = sizeof(tss);

	__asm__ volatile("lgdt %0" : : "m"(ptr));
	__asm__ volatile("mov %0, %%ds; mov %0, %%es; mov %0, %%ss" : : "r"((uint64_t)KERNEL_DS));
	__asm__ volatile("pushq %0; leaq 1f(%%rip), %%rax; pushq %%rax; lretq; 1:"
			 :
			 : "i"((uint64_t)KERNEL_CS)
			 : "rax", "memory");
	__asm__ volatile("ltr %w0" : : "r"((uint16_t)TSS_SEL));
}

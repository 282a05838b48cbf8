/* arch.h: every x86_64 detail the portable code needs, in one place:
 * port I/O, control registers, MSRs, TLB control and the PTE bit layout. */
#ifndef KERNEL_ARCH_H
#define KERNEL_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint64_t paddr_t;
typedef uint64_t pte_t;

#define PAGE_SIZE 4096UL
#define PAGE_SHIFT 12
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN_UP(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)
#define PAGE_ALIGN_DOWN(x) ((x) & PAGE_MASK)

/* Virtual memory layout. */
#define KERNEL_VMA 0xFFFFFFFF80000000UL      /* kernel image, -2 GiB */
#define DIRECT_MAP_BASE 0xFFFF800000000000UL /* all of RAM */
#define KSTACK_AREA_BASE 0xFFFFC90000000000UL /* kernel stacks, guarded */
#define VMALLOC_BASE 0xFFFFD00000000000UL    /* kernel heap: slabs, large blocks */
#define VMALLOC_SIZE (1UL << 40)
#define BOOT_MAP_LIMIT (1UL << 30)           /* boot tables map physical 0..1 GiB */
#define USER_TOP 0x00007FFFFFFFF000UL        /* first byte above user space */

/* Page-table entry bits. */
#define PTE_P (1UL << 0)
#define PTE_W (1UL << 1)
#define PTE_U (1UL << 2)
#define PTE_PWT (1UL << 3)
#define PTE_PCD (1UL << 4)
#define PTE_A (1UL << 5)
#define PTE_D (1UL << 6)
#define PTE_PS (1UL << 7)
#define PTE_G (1UL << 8)
#define PTE_COW (1UL << 9)   /* software: write-protected for copy-on-write */
#define PTE_SHARED (1UL << 10) /* software: MAP_SHARED, never CoW */
#define PTE_NX (1UL << 63)
#define PTE_ADDR_MASK 0x000FFFFFFFFFF000UL

#define CR0_WP (1UL << 16)
#define CR4_PGE (1UL << 7)
#define CR4_OSFXSR (1UL << 9)
#define CR4_OSXMMEXCPT (1UL << 10)
#define CR4_PCIDE (1UL << 17)
#define CR4_SMEP (1UL << 20)
#define CR4_SMAP (1UL << 21)

#define MSR_EFER 0xC0000080
#define MSR_STAR 0xC0000081
#define MSR_LSTAR 0xC0000082
#define MSR_SFMASK 0xC0000084
#define MSR_FS_BASE 0xC0000100
#define MSR_GS_BASE 0xC0000101
#define MSR_KERNEL_GS_BASE 0xC0000102
#define EFER_SCE (1UL << 0)
#define EFER_NXE (1UL << 11)

#define RFLAGS_TF (1UL << 8)
#define RFLAGS_IF (1UL << 9)
#define RFLAGS_DF (1UL << 10)
#define RFLAGS_NT (1UL << 14)
#define RFLAGS_RF (1UL << 16)
#define RFLAGS_AC (1UL << 18)

/* DR6: why a #DB was raised. BS: a single-step trap (RFLAGS.TF). The CPU
 * never clears DR6; the handler writes DR6_INIT back. */
#define DR6_BS (1UL << 14)
#define DR6_INIT 0xFFFF0FF0UL

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}
static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline uint16_t inw(uint16_t port)
{
	uint16_t v;
	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}
static inline void write_cr0(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr0" : : "r"(v) : "memory");
}
static inline uint64_t read_cr2(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}
static inline uint64_t read_cr3(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}
static inline void write_cr3(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr3" : : "r"(v) : "memory");
}
static inline uint64_t read_cr4(void)
{
	uint64_t v;
	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}
static inline void write_cr4(uint64_t v)
{
	__asm__ volatile("mov %0, %%cr4" : : "r"(v) : "memory");
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}
static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void cpuid(uint32_t leaf, uint32_t sub, uint32_t *a, uint32_t *b, uint32_t *c,
			 uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(sub));
}

static inline void invlpg(uintptr_t va)
{
	__asm__ volatile("invlpg (%0)" : : "r"(va) : "memory");
}

static inline uint64_t read_rflags(void)
{
	uint64_t f;
	__asm__ volatile("pushfq; popq %0" : "=r"(f));
	return f;
}
static inline void irq_enable(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void irq_disable(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void cpu_halt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void cpu_pause(void) { __asm__ volatile("pause"); }
static inline void barrier(void) { __asm__ volatile("" ::: "memory"); }

#ifndef HOST_TEST
/* Save the interrupt flag and disable; restore with irq_restore. */
static inline uint64_t irq_save(void)
{
	uint64_t f = read_rflags();
	irq_disable();
	return f;
}
static inline void irq_restore(uint64_t f)
{
	if (f & RFLAGS_IF)
		irq_enable();
}
#endif

static inline uint64_t read_dr6(void)
{
	uint64_t v;
	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}
static inline void write_dr6(uint64_t v) { __asm__ volatile("mov %0, %%dr6" : : "r"(v)); }

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* SMAP: open and close the window for kernel access to user pages. */
extern bool cpu_has_smap;
static inline void user_access_begin(void)
{
	if (cpu_has_smap)
		__asm__ volatile("stac" ::: "memory");
}
static inline void user_access_end(void)
{
	if (cpu_has_smap)
		__asm__ volatile("clac" ::: "memory");
}

#ifdef HOST_TEST
/* Host unit tests back "physical memory" with an ordinary buffer, and the
 * CPU controls the mm code uses (interrupt flag, TLB, CR3) do nothing. */
extern uintptr_t host_phys_base;
static inline void *phys_to_virt(paddr_t pa) { return (void *)(pa + host_phys_base); }
static inline uint64_t irq_save(void) { return 0; }
static inline void irq_restore(uint64_t f) { (void)f; }
static inline void tlb_flush_page(uintptr_t va) { (void)va; }
static inline void tlb_flush_all(void) {}
static inline paddr_t mmu_root(void) { return 0; }
static inline void mmu_set_root(paddr_t pml4) { (void)pml4; }
static inline void page_fill(void *page, uint8_t byte) { __builtin_memset(page, byte, PAGE_SIZE); }
#else
/* TLB and page-table root control. The "memory" clobbers keep page-table
 * stores from being moved across them. */
static inline void tlb_flush_page(uintptr_t va) { invlpg(va); }
static inline void tlb_flush_all(void) { write_cr3(read_cr3()); }
static inline paddr_t mmu_root(void) { return read_cr3() & PTE_ADDR_MASK; }
static inline void mmu_set_root(paddr_t pml4) { write_cr3(pml4); }
/* Fill one page with a byte, 8 bytes per store: emulators run rep stosq
 * several times faster than the byte-wise rep stosb. */
static inline void page_fill(void *page, uint8_t byte)
{
	size_t n = PAGE_SIZE / 8;

	__asm__ volatile("rep stosq"
			 : "+D"(page), "+c"(n)
			 : "a"(0x0101010101010101UL * byte)
			 : "memory");
}
static inline void *phys_to_virt(paddr_t pa) { return (void *)(pa + DIRECT_MAP_BASE); }
#endif
static inline paddr_t virt_to_phys(const void *va)
{
	uintptr_t v = (uintptr_t)va;
	return v >= KERNEL_VMA ? v - KERNEL_VMA : v - DIRECT_MAP_BASE;
}

static inline bool is_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

#endif

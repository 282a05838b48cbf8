/* vmm.c: 4-level page tables through one walker, the kernel's own address
 * space, and guarded kernel stacks.
 *
 * Theory of operation. walk() is the only code that descends the tables;
 * vmm_walk, vmm_map, vmm_unmap, vmm_translate and the builders of the
 * kernel space all go through it. Page-table pages are pmm frames with one
 * reference, reached through the direct map.
 *
 * The kernel half (PML4 entries 256-511) is built once by vmm_init: every
 * one of its 256 PDPTs exists from the start and none is ever freed, so a
 * new root copies those 256 entries and any later kernel mapping (a kernel
 * stack, a heap page) shows up in every address space. Kernel mappings are
 * global when the CPU has PGE, so a kernel-half change is always flushed
 * with invlpg, whatever root is live. User-half changes are flushed only
 * when their root is the live CR3. PTEs are read and written with volatile
 * accesses (pte_get/pte_set) and the flush helpers clobber memory, so the
 * compiler cannot move a page-table store across a flush. vmm_map and
 * vmm_unmap run with interrupts off, which serialises the shared kernel half
 * on our one CPU; a user root is changed only by its owner.
 *
 * Layout: DIRECT_MAP_BASE + [0, max_phys) maps all physical memory (2 MiB or
 * 1 GiB pages, RW, NX); KERNEL_VMA maps the image with 4 KiB pages, text RX,
 * rodata R, data and bss RW; KSTACK_AREA_BASE holds kernel stacks in slots
 * of 2 * KSTACK_SIZE whose lower half is never mapped (the guard). */
#include "mm/vmm.h"

#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/pmm.h"
#include "mm/slotmap.h"

#define ENTRIES 512
#define KERNEL_HALF 0xFFFF800000000000UL
#define SIZE_2M (1UL << 21)
#define SIZE_1G (1UL << 30)

#define KSTACK_STRIDE (2 * KSTACK_SIZE)
#define KSTACK_MAX 8192

/* Section bounds of the kernel image (virtual addresses). */
struct kimage {
	uintptr_t text, text_end, rodata, rodata_end, data, end;
};

static paddr_t kernel_pml4;
static bool has_nx, has_pge, has_gbpages;
static bool direct_map_live; /* false while only the boot tables map memory */

static uint64_t kstack_bits[SLOTMAP_WORDS(KSTACK_MAX)];
static struct slotmap kstack_slots = { kstack_bits, KSTACK_MAX, 0 };

static paddr_t alloc_table(void)
{
	paddr_t pa = pmm_alloc();

	/* Until the switch, pmm hands out its lowest frames, inside the boot map. */
	KASSERT(!pa || direct_map_live || pa + PAGE_SIZE <= BOOT_MAP_LIMIT);
	return pa;
}

/* The entry that maps va, descending from pml4 down to the level whose pages
 * are 1 << *shift bytes (12, 21 or 30), creating missing tables if alloc. A
 * large page met on the way ends the walk early: *shift then says its level.
 * NULL if a table is missing and !alloc, or allocation fails. */
static pte_t *walk(paddr_t pml4, uintptr_t va, bool alloc, int *shift)
{
	pte_t *table = phys_to_virt(pml4);
	int s;

	KASSERT(is_canonical(va));
	for (s = 39; s > *shift; s -= 9) {
		pte_t *e = &table[(va >> s) & (ENTRIES - 1)];
		pte_t v = pte_get(e);

		if ((v & PTE_P) && (v & PTE_PS))
			break;
		if (!(v & PTE_P)) {
			paddr_t t = alloc ? alloc_table() : 0;
			if (!t)
				return NULL;
			v = t | PTE_P | PTE_W | (va < USER_TOP ? PTE_U : 0);
			pte_set(e, v);
		}
		table = phys_to_virt(v & PTE_ADDR_MASK);
	}
	*shift = s;
	return &table[(va >> s) & (ENTRIES - 1)];
}

pte_t *vmm_walk(paddr_t pml4, uintptr_t va, bool alloc)
{
	int shift = PAGE_SHIFT;
	pte_t *e = walk(pml4, va, alloc, &shift);

	return shift == PAGE_SHIFT ? e : NULL;
}

static uint64_t supported_flags(uint64_t flags);

int vmm_range(paddr_t pml4, uintptr_t start, uintptr_t end, vmm_ptes_fn fn, void *arg)
{
	const uintptr_t span = 512 * PAGE_SIZE; /* what one page table maps */

	KASSERT(!(start & ~PAGE_MASK) && !(end & ~PAGE_MASK));
	for (uintptr_t va = start; va < end;) {
		uintptr_t next = (va | (span - 1)) + 1;
		pte_t *pte = vmm_walk(pml4, va, false);
		int r;

		if (next > end || next < va)
			next = end;
		if (pte && (r = fn(pte, (next - va) / PAGE_SIZE, va, arg)))
			return r;
		va = next;
	}
	return 0;
}

uint64_t vmm_supported_flags(uint64_t flags)
{
	return supported_flags(flags);
}

/* Drop the PTE bits this CPU does not support (they would be reserved bits). */
static uint64_t supported_flags(uint64_t flags)
{
	if (!has_nx)
		flags &= ~PTE_NX;
	if (!has_pge)
		flags &= ~PTE_G;
	return flags;
}

static void flush_if_live(paddr_t pml4, uintptr_t va)
{
	if (va >= KERNEL_HALF || pml4 == mmu_root())
		tlb_flush_page(va);
}

int vmm_map(paddr_t pml4, uintptr_t va, paddr_t pa, uint64_t flags)
{
	uint64_t irq;
	pte_t *e;

	KASSERT((va & ~PAGE_MASK) == 0 && (pa & ~PAGE_MASK) == 0);
	KASSERT((flags & PTE_ADDR_MASK) == 0);
	irq = irq_save();
	e = vmm_walk(pml4, va, true);
	if (!e) {
		irq_restore(irq);
		return -ENOMEM;
	}
	KASSERT(!(pte_get(e) & PTE_P));
	/* A not-present entry is never cached in the TLB: no flush needed. */
	pte_set(e, pa | supported_flags(flags) | PTE_P);
	irq_restore(irq);
	return 0;
}

pte_t vmm_unmap(paddr_t pml4, uintptr_t va)
{
	uint64_t irq = irq_save();
	pte_t *e = vmm_walk(pml4, va, false);
	pte_t old = e ? pte_get(e) : 0;

	if (e)
		pte_set(e, 0);
	if (old & PTE_P)
		flush_if_live(pml4, va);
	irq_restore(irq);
	return old;
}

bool vmm_translate(paddr_t pml4, uintptr_t va, paddr_t *pa, uint64_t *flags)
{
	int shift = PAGE_SHIFT;
	pte_t *e = walk(pml4, va, false, &shift);
	pte_t v = e ? pte_get(e) : 0;
	uint64_t offset_mask = (1UL << shift) - 1;

	if (!(v & PTE_P))
		return false;
	if (pa)
		*pa = (v & PTE_ADDR_MASK & ~offset_mask) | (va & offset_mask);
	if (flags)
		*flags = v & ~PTE_ADDR_MASK;
	return true;
}

paddr_t vmm_kernel_pml4(void)
{
	return kernel_pml4;
}

paddr_t vmm_create_pml4(void)
{
	paddr_t pml4 = pmm_alloc();

	if (!pml4)
		return 0;
	memcpy((pte_t *)phys_to_virt(pml4) + ENTRIES / 2,
	       (pte_t *)phys_to_virt(kernel_pml4) + ENTRIES / 2, ENTRIES / 2 * sizeof(pte_t));
	return pml4;
}

/* Free a user-half table, which maps from va, and the tables below it;
 * level 3 is a PDPT, 1 a PT. Page tables are scanned too, although the
 * caller has unmapped every page: a page still mapped here would be a
 * frame leaked, or freed under a live mapping, so it is a panic (the scan
 * is one read per page, a few percent of tearing down a large process).
 * => no page is still mapped, no large pages in the user half. */
static void free_table(paddr_t table, int level, uintptr_t va)
{
	pte_t *t = phys_to_virt(table);
	int shift = PAGE_SHIFT + 9 * (level - 1);

	for (int i = 0; i < ENTRIES; i++) {
		pte_t v = pte_get(&t[i]);
		uintptr_t child_va = va + ((uintptr_t)i << shift);

		if (!(v & PTE_P))
			continue;
		if (level == 1 || (v & PTE_PS))
			panic("vmm: destroying a root with va %lx still mapped",
			      (unsigned long)child_va);
		free_table(v & PTE_ADDR_MASK, level - 1, child_va);
	}
	pmm_unref(table);
}

void vmm_destroy_pml4(paddr_t pml4)
{
	pte_t *root = phys_to_virt(pml4);

	KASSERT(pml4 != kernel_pml4 && pml4 != mmu_root());
	for (int i = 0; i < ENTRIES / 2; i++) {
		pte_t v = pte_get(&root[i]);

		if (v & PTE_P)
			free_table(v & PTE_ADDR_MASK, 3, (uintptr_t)i << 39);
	}
	pmm_unref(pml4);
}

void vmm_flush_page(uintptr_t va)
{
	tlb_flush_page(va);
}

void vmm_flush_all(void)
{
	tlb_flush_all();
}

void vmm_activate(paddr_t pml4)
{
	if (mmu_root() != pml4)
		mmu_set_root(pml4);
}

/* Map physical [0, max_phys) at DIRECT_MAP_BASE with the largest pages the
 * CPU offers. => max_phys is 2 MiB aligned. */
static void map_direct(paddr_t pml4, paddr_t max_phys)
{
	uint64_t flags = supported_flags(PTE_P | PTE_W | PTE_PS | PTE_G | PTE_NX);

	KASSERT(max_phys % SIZE_2M == 0);
	KASSERT(max_phys <= KSTACK_AREA_BASE - DIRECT_MAP_BASE);
	for (paddr_t pa = 0; pa < max_phys;) {
		bool gb = has_gbpages && pa % SIZE_1G == 0 && max_phys - pa >= SIZE_1G;
		int shift = gb ? 30 : 21;
		pte_t *e = walk(pml4, DIRECT_MAP_BASE + pa, true, &shift);

		if (!e)
			panic("vmm: out of memory building the direct map");
		pte_set(e, pa | flags);
		pa += 1UL << shift;
	}
}

static void map_kernel_range(paddr_t pml4, uintptr_t start, uintptr_t end, uint64_t flags)
{
	for (uintptr_t va = PAGE_ALIGN_DOWN(start); va < end; va += PAGE_SIZE)
		if (vmm_map(pml4, va, va - KERNEL_VMA, flags) < 0)
			panic("vmm: out of memory mapping the kernel image");
}

/* Build the kernel's root: the 256 kernel-half PDPTs, the direct map and the
 * kernel image with per-section permissions. Returns the root. */
static paddr_t build_kernel_space(paddr_t max_phys, const struct kimage *k)
{
	paddr_t pml4 = alloc_table();
	pte_t *root;

	if (!pml4)
		panic("vmm: out of memory building the kernel space");
	root = phys_to_virt(pml4);
	for (int i = ENTRIES / 2; i < ENTRIES; i++) {
		paddr_t pdpt = alloc_table();
		if (!pdpt)
			panic("vmm: out of memory building the kernel space");
		pte_set(&root[i], pdpt | PTE_P | PTE_W);
	}
	map_direct(pml4, max_phys);
	map_kernel_range(pml4, k->text, k->text_end, PTE_G);
	map_kernel_range(pml4, k->rodata, k->rodata_end, PTE_G | PTE_NX);
	map_kernel_range(pml4, k->data, k->end, PTE_W | PTE_G | PTE_NX);
	return pml4;
}

#ifndef HOST_TEST
extern char _text_start[], _text_end[], _rodata_start[], _rodata_end[];
extern char _data_start[], _kernel_end[];

static void detect_features(void)
{
	uint32_t a, b, c, d;

	cpuid(1, 0, &a, &b, &c, &d);
	has_pge = d & (1u << 13);
	cpuid(0x80000001, 0, &a, &b, &c, &d);
	has_gbpages = d & (1u << 26);
	/* boot.asm turned NXE on exactly when CPUID has NX (bit 20). */
	has_nx = rdmsr(MSR_EFER) & EFER_NXE;
}

/* The boot GDT is addressed through the identity map, which the new tables
 * drop; every segment load (and every interrupt) reads it. Point GDTR at its
 * alias in the kernel image instead. */
static void move_gdt_high(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	if (gdtr.base >= KERNEL_VMA)
		return;
	gdtr.base += KERNEL_VMA;
	__asm__ volatile("lgdt %0" : : "m"(gdtr) : "memory");
}

void vmm_init(paddr_t max_phys)
{
	const struct kimage k = {
		(uintptr_t)_text_start, (uintptr_t)_text_end, (uintptr_t)_rodata_start,
		(uintptr_t)_rodata_end, (uintptr_t)_data_start, (uintptr_t)_kernel_end,
	};

	detect_features();
	kernel_pml4 = build_kernel_space(max_phys, &k);
	move_gdt_high();
	mmu_set_root(kernel_pml4);
	direct_map_live = true;
	/* PGE only after the switch: the boot tables have no global entries to
	 * outlive it, and CR4.PGE without CPUID support would fault. */
	if (has_pge)
		write_cr4(read_cr4() | CR4_PGE);
	kinfo("vmm: direct map 0..%lx with %s pages%s%s\n", (unsigned long)max_phys,
	      has_gbpages ? "1 GiB" : "2 MiB", has_pge ? ", global" : "", has_nx ? ", NX" : "");
}
#endif

static uintptr_t kstack_base(long slot)
{
	return KSTACK_AREA_BASE + (uintptr_t)slot * KSTACK_STRIDE + KSTACK_STRIDE - KSTACK_SIZE;
}

/* Unmap and free the first `mapped` bytes of the stack at base. */
static void kstack_unmap(uintptr_t base, size_t mapped)
{
	for (uintptr_t va = base; va < base + mapped; va += PAGE_SIZE) {
		pte_t old = vmm_unmap(kernel_pml4, va);
		KASSERT(old & PTE_P);
		pmm_unref(old & PTE_ADDR_MASK);
	}
}

uintptr_t vmm_kstack_alloc(void)
{
	uint64_t irq = irq_save();
	long slot = slotmap_get(&kstack_slots);
	uintptr_t base;
	size_t off;

	irq_restore(irq);
	if (slot < 0)
		return 0;
	base = kstack_base(slot);
	for (off = 0; off < KSTACK_SIZE; off += PAGE_SIZE) {
		paddr_t pa = pmm_alloc();
		if (!pa)
			goto undo_mappings;
		if (vmm_map(kernel_pml4, base + off, pa, PTE_W | PTE_NX | PTE_G) < 0) {
			pmm_unref(pa);
			goto undo_mappings;
		}
	}
	return base;

undo_mappings:
	kstack_unmap(base, off);
	irq = irq_save();
	slotmap_put(&kstack_slots, (uint32_t)slot);
	irq_restore(irq);
	return 0;
}

void vmm_kstack_free(uintptr_t base)
{
	uintptr_t slot = (base - KSTACK_AREA_BASE) / KSTACK_STRIDE;
	uint64_t irq;

	KASSERT(base >= KSTACK_AREA_BASE && slot < KSTACK_MAX && base == kstack_base(slot));
	kstack_unmap(base, KSTACK_SIZE);
	irq = irq_save();
	slotmap_put(&kstack_slots, (uint32_t)slot);
	irq_restore(irq);
}

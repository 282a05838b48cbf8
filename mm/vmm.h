/* vmm.h: 4-level page tables through one walker, the kernel's own mappings,
 * and guarded kernel stacks.
 *
 * Every page-table root ("pml4", a physical address) shares the kernel half
 * (PML4 entries 256-511): those PDPTs are created once at vmm_init and never
 * freed, so a kernel mapping made later is visible in every address space.
 * Page-table pages are frames from pmm with a reference count of 1. */
#ifndef MM_VMM_H
#define MM_VMM_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch.h"

/* Build the direct map of all RAM, map the kernel image with per-section
 * permissions (text RX, rodata R, data RW+NX), and switch to those tables.
 * max_phys is one past the highest physical address to direct-map. */
void vmm_init(paddr_t max_phys);

paddr_t vmm_kernel_pml4(void);

/* Read and write a PTE with single volatile accesses, so the compiler can
 * neither tear nor reorder them around a TLB flush. */
static inline pte_t pte_get(const pte_t *e)
{
	return *(const volatile pte_t *)e;
}
static inline void pte_set(pte_t *e, pte_t v)
{
	*(volatile pte_t *)e = v;
}

/* Return a pointer to the last-level PTE for va, creating intermediate tables
 * (with user-accessible directory bits when va is below USER_TOP) if alloc.
 * NULL if a table is missing and !alloc, if allocation fails, or if va lies
 * inside a large page. => the caller serialises changes to pml4's tables;
 *    write the PTE with pte_set and flush it when the root is live. */
pte_t *vmm_walk(paddr_t pml4, uintptr_t va, bool alloc);

/* Call fn once per existing page table under [start, end), with the n PTE
 * slots (present or not) that the range covers in it, the first one mapping
 * va: one walk per 2 MiB, and the caller's loop over the slots is a plain
 * loop. Stop at the first non-zero return of fn and return it.
 * => start, end page-aligned */
typedef int (*vmm_ptes_fn)(pte_t *ptes, size_t n, uintptr_t va, void *arg);
int vmm_range(paddr_t pml4, uintptr_t start, uintptr_t end, vmm_ptes_fn fn, void *arg);

/* The PTE flags with the bits this CPU lacks (NX, G) removed. */
uint64_t vmm_supported_flags(uint64_t flags);

/* Map one 4 KiB page. Flags are PTE_* bits; PTE_P is implied.
 * => the slot must be empty (KASSERT). Returns 0 or -ENOMEM. Takes no
 *    reference on pa: the caller's reference moves into the mapping. */
int vmm_map(paddr_t pml4, uintptr_t va, paddr_t pa, uint64_t flags);

/* Clear the PTE for va and flush it from the TLB when pml4 is live.
 * Returns the old PTE (0 if none). Drops no reference. */
pte_t vmm_unmap(paddr_t pml4, uintptr_t va);

/* Physical address and flags for va (handles large pages); false if unmapped. */
bool vmm_translate(paddr_t pml4, uintptr_t va, paddr_t *pa, uint64_t *flags);

/* A new root with an empty user half and the shared kernel half; 0 on OOM. */
paddr_t vmm_create_pml4(void);
/* Free the user-half page-table pages of pml4 and the root itself. Mapped
 * frames are not touched: the caller must have unmapped them. */
void vmm_destroy_pml4(paddr_t pml4);

/* Flush one page, or everything non-global, from this CPU's TLB. */
void vmm_flush_page(uintptr_t va);
void vmm_flush_all(void);
/* Switch to another root (no-op when already active). */
void vmm_activate(paddr_t pml4);

/* Kernel stacks: KSTACK_SIZE bytes of mapped frames above an unmapped guard
 * page, in the kernel-stack area. Returns the lowest address, 0 on OOM. */
#define KSTACK_SIZE (16 * 1024)
uintptr_t vmm_kstack_alloc(void);
void vmm_kstack_free(uintptr_t base);

#endif

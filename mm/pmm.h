/* pmm.h: the physical frame allocator and its per-frame reference counts.
 *
 * Every frame of RAM has a metadata entry with a reference count. A frame is
 * free (count 0, on the free list, poisoned) or in use (count >= 1). The count
 * is the number of page-table entries and kernel owners holding the frame; it
 * is private to this allocator and changed only through pmm_ref/pmm_unref. */
#ifndef MM_PMM_H
#define MM_PMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch.h"

struct pmm_range {
	paddr_t base;
	uint64_t len;
};

/* Take ownership of the usable RAM ranges, minus the reserved ones (kernel
 * image, Multiboot data, modules). Places the metadata array inside usable
 * RAM that the boot page tables already map (below 1 GiB).
 * => called once, before any allocation. */
void pmm_init(const struct pmm_range *usable, size_t nusable, const struct pmm_range *reserved,
	      size_t nreserved);

/* Hand reserved RAM in [base, base + len) to the allocator as free frames,
 * for example a boot module once it has been unpacked. Frames that are not
 * usable RAM in the memory map, or are already managed, are skipped.
 * => nothing uses the range any more. Returns the number of frames added. */
size_t pmm_release(paddr_t base, uint64_t len);

/* Allocate one zeroed frame with a reference count of 1; 0 when none is free. */
paddr_t pmm_alloc(void);
/* As pmm_alloc, but the contents are undefined (the caller overwrites all). */
paddr_t pmm_alloc_nozero(void);

/* Add a reference to an in-use frame. => KASSERTs count >= 1, no overflow. */
void pmm_ref(paddr_t pa);
/* Drop a reference; the last one frees (and poisons) the frame.
 * => KASSERTs count >= 1. Returns the count left. */
uint32_t pmm_unref(paddr_t pa);
/* The current reference count (0 for a free frame). */
uint32_t pmm_refcount(paddr_t pa);
/* True if pa is a RAM frame this allocator manages. */
bool pmm_is_managed(paddr_t pa);

size_t pmm_free_count(void);
size_t pmm_total_count(void);
/* Frames in use with more than one reference (shared copy-on-write). */
size_t pmm_shared_count(void);

#endif

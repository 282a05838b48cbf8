/* cow.h: copy-on-write: duplicating an address space for fork, and the
 * write fault that breaks the sharing. */
#ifndef MM_COW_COW_H
#define MM_COW_COW_H

#include <stdint.h>

#include "kernel/arch.h"

struct as;
struct vma;

/* fork: a copy-on-write duplicate of src (the live address space): the
 * same regions, every page shared as cow_dup_vma says, the parent's TLB
 * flushed. NULL when out of memory, with nothing leaked. */
struct as *cow_fork_as(struct as *src);

/* Give dst the pages of src's region v: private pages become read-only and
 * copy-on-write in both, shared and read-only pages are shared as they are,
 * each with one more frame reference. Only page-table pages are allocated.
 * => src is the live address space; the caller flushes its TLB after.
 * Returns 0 or -ENOMEM (dst then holds a partial copy for as_put to free). */
int cow_dup_vma(struct as *dst, struct as *src, const struct vma *v);

/* A write fault on a present, write-protected PTE in a private writable
 * region: reuse the frame when this is its only reference, else copy it.
 * Returns 0 or -ENOMEM. */
int cow_fault(struct as *as, pte_t *pte, uintptr_t va);

/* The PTE a private page gets when write access is (re)granted: writable if
 * the frame is not shared, otherwise read-only and marked CoW. */
pte_t cow_writable_pte(pte_t pte);

#endif

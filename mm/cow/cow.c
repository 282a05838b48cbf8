/* cow.c: copy-on-write for fork.
 *
 * Theory of operation.
 *
 * Page states in a private region (PTE bits and the frame's refcount):
 *
 *   EXCLUSIVE   P W          refcount == 1   ordinary private page
 *   COW         P !W COW     refcount >= 1   shared by fork, or left alone
 *                                            after its sharers went away
 *   absent      !P           -               demand-zero / file on fault
 *
 *   fork:            EXCLUSIVE -> COW in parent and child, refcount += 1;
 *                    COW -> COW in both, refcount += 1.
 *   write fault:     COW, refcount == 1  -> EXCLUSIVE (reuse, no copy)
 *                    COW, refcount  > 1  -> new frame, copy, EXCLUSIVE in
 *                                           this space; old frame -1 ref.
 *   unmap / exit:    drop one reference; the last frees the frame.
 *
 * Regions marked MADV_DONTFORK are left out of the child; those marked
 * MADV_WIPEONFORK are copied without their pages (the child faults in
 * zero pages). Shared regions (MAP_SHARED) and read-only private pages are
 * shared as they are: fork adds a reference and copies the PTE. A read-only private page
 * made writable by mprotect gets W only through cow_writable_pte, so a frame
 * still shared with another process is never written in place.
 *
 * Refcount rule: every present user PTE holds exactly one reference on its
 * frame. TLB rule: a PTE that loses W in the live address space must be
 * flushed before any other task can write the frame; fork flushes the
 * parent once after the whole copy, before the child can run. Faults run
 * with the process's address space live, so cow_fault flushes one page. */
#include "mm/cow/cow.h"

#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/as.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

static pte_t dup_pte(pte_t *spte, const struct vma *v)
{
	pte_t pte = *spte;

	if (!(v->flags & VMA_SHARED) && (pte & PTE_W)) {
		pte = (pte & ~PTE_W) | PTE_COW;
		*spte = pte;
	}
	return pte;
}

struct dup {
	struct as *dst;
	const struct vma *v;
};

/* Copy one page table's worth of PTEs into the child. Private writable
 * pages lose W in the parent first (dup_pte); every frame gets one more
 * reference. The child's table is found (or made) once. */
static int dup_table(pte_t *src, size_t n, uintptr_t va, void *arg)
{
	struct dup *d = arg;
	pte_t *dst = NULL;
	size_t copied = 0;

	for (size_t i = 0; i < n; i++) {
		if (!(src[i] & PTE_P))
			continue;
		if (!dst && !(dst = vmm_walk(d->dst->pml4, va, true)))
			return -ENOMEM;
		pte_t pte = dup_pte(&src[i], d->v);
		pmm_ref(pte & PTE_ADDR_MASK);
		dst[i] = pte;
		copied++;
	}
	d->dst->rss_pages += copied;
	return 0;
}

int cow_dup_vma(struct as *dst, struct as *src, const struct vma *v)
{
	struct dup d = { dst, v };

	return vmm_range(src->pml4, v->start, v->end, dup_table, &d);
}

pte_t cow_writable_pte(pte_t pte)
{
	if (pmm_refcount(pte & PTE_ADDR_MASK) == 1)
		return (pte | PTE_W) & ~PTE_COW;
	return (pte & ~PTE_W) | PTE_COW;
}

int cow_fault(struct as *as, pte_t *pte, uintptr_t va)
{
	paddr_t old = *pte & PTE_ADDR_MASK, copy;
	pte_t flags = *pte & ~PTE_ADDR_MASK;

	(void)as;
	if (pmm_refcount(old) == 1) {
		*pte = (*pte | PTE_W | PTE_D) & ~PTE_COW;
		vmm_flush_page(va);
		return 0;
	}
	copy = pmm_alloc_nozero();
	if (!copy)
		return -ENOMEM;
	memcpy(phys_to_virt(copy), phys_to_virt(old), PAGE_SIZE);
	*pte = copy | ((flags | PTE_W | PTE_D) & ~PTE_COW);
	vmm_flush_page(va);
	pmm_unref(old);
	return 0;
}

struct as *cow_fork_as(struct as *src)
{
	struct as *dst = as_create();
	struct list_head *pos;
	int err = 0;

	if (!dst)
		return NULL;
	dst->brk_start = src->brk_start;
	dst->brk = src->brk;
	dst->mmap_base = src->mmap_base;
	dst->stack_top = src->stack_top;
	as_copy_exec_info(dst, src);
	list_for_each(pos, &src->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		struct vma *nv;
		if (v->flags & VMA_DONTCOPY)
			continue; /* MADV_DONTFORK: not in the child at all */
		if (!(nv = as_vma_dup(v))) {
			err = -ENOMEM;
			break;
		}
		nv->flags &= ~VMA_LOCKED; /* memory locks are not inherited */
		list_add_tail(&nv->link, &dst->vmas);
		if (v->flags & VMA_WIPEONFORK)
			continue; /* the child's copy starts as demand-zero */
		if ((err = cow_dup_vma(dst, src, v)))
			break;
	}
	vmm_flush_all(); /* parent PTEs that lost W */
	if (err) {
		as_put(dst);
		return NULL;
	}
	return dst;
}

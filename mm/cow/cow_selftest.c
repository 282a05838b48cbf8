/* cow_selftest.c: in-kernel tests of the copy-on-write state transitions
 * (docs/cow.md): fork shares and write-protects, a write fault copies while
 * the frame is shared and reuses it once it is not, teardown frees all. */
#include "kernel/selftest.h"
#include "kernel/trap.h"
#include "mm/as.h"
#include "mm/cow/cow.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

#define VA 0x400000UL

static pte_t pte_of(struct as *as, uintptr_t va)
{
	pte_t *p = vmm_walk(as->pml4, va, false);

	return p ? *p : 0;
}

static struct as *one_page_space(uint8_t fill)
{
	struct as *as = as_create();

	if (!as)
		return NULL;
	as_map(as, VA, PAGE_SIZE, PROT_READ | PROT_WRITE, 0, true, NULL, 0);
	as_copy_out(as, VA, &fill, 1);
	return as;
}

SELFTEST(cow_fork_shares_and_write_protects)
{
	size_t free0 = pmm_free_count();
	struct as *parent = one_page_space(0x5A), *child;
	paddr_t frame;

	ST_CHECK(parent && (pte_of(parent, VA) & PTE_W));
	frame = pte_of(parent, VA) & PTE_ADDR_MASK;
	child = cow_fork_as(parent);
	ST_CHECK(child != NULL);
	ST_CHECK((pte_of(child, VA) & PTE_ADDR_MASK) == frame);
	ST_CHECK(!(pte_of(parent, VA) & PTE_W) && (pte_of(parent, VA) & PTE_COW));
	ST_CHECK(!(pte_of(child, VA) & PTE_W) && (pte_of(child, VA) & PTE_COW));
	ST_CHECK(pmm_refcount(frame) == 2);
	as_put(child);
	ST_CHECK(pmm_refcount(frame) == 1);
	as_put(parent);
	ST_CHECK(pmm_free_count() == free0);
}

SELFTEST(cow_fault_copies_then_reuses)
{
	size_t free0 = pmm_free_count();
	struct as *parent = one_page_space(0x77), *child = cow_fork_as(parent);
	paddr_t frame = pte_of(parent, VA) & PTE_ADDR_MASK, copy;

	/* Shared: the child's write gets a copy with the same bytes. */
	ST_CHECK(as_fault(child, VA, PFERR_P | PFERR_W | PFERR_U, AS_STACK_MAX) == 0);
	copy = pte_of(child, VA) & PTE_ADDR_MASK;
	ST_CHECK(copy != frame && (pte_of(child, VA) & PTE_W));
	ST_CHECK(*(uint8_t *)phys_to_virt(copy) == 0x77);
	ST_CHECK(pmm_refcount(frame) == 1 && pmm_refcount(copy) == 1);
	/* No longer shared: the parent's write reuses its frame in place. */
	ST_CHECK(as_fault(parent, VA, PFERR_P | PFERR_W | PFERR_U, AS_STACK_MAX) == 0);
	ST_CHECK((pte_of(parent, VA) & PTE_ADDR_MASK) == frame);
	ST_CHECK((pte_of(parent, VA) & PTE_W) && !(pte_of(parent, VA) & PTE_COW));
	as_put(child);
	as_put(parent);
	ST_CHECK(pmm_free_count() == free0);
}

SELFTEST(cow_untouched_memory_stays_untouched)
{
	size_t free0 = pmm_free_count();
	struct as *parent = as_create(), *child;

	as_map(parent, VA, 64 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0, true, NULL, 0);
	child = cow_fork_as(parent);
	ST_CHECK(child && child->rss_pages == 0 && parent->rss_pages == 0);
	ST_CHECK(pte_of(child, VA) == 0);
	as_put(child);
	as_put(parent);
	ST_CHECK(pmm_free_count() == free0);
}

SELFTEST(cow_mprotect_never_writes_a_shared_frame)
{
	struct as *parent = one_page_space(1), *child;

	as_protect(parent, VA, PAGE_SIZE, PROT_READ);
	child = cow_fork_as(parent);
	/* Made writable again while the frame is shared: must stay CoW. */
	as_protect(child, VA, PAGE_SIZE, PROT_READ | PROT_WRITE);
	ST_CHECK(!(pte_of(child, VA) & PTE_W) && (pte_of(child, VA) & PTE_COW));
	as_put(child);
	/* The only reference now: writable in place. */
	as_protect(parent, VA, PAGE_SIZE, PROT_READ | PROT_WRITE);
	ST_CHECK(pte_of(parent, VA) & PTE_W);
	as_put(parent);
}

SELFTEST(cow_shared_mapping_is_not_cow)
{
	struct as *parent = as_create(), *child;
	paddr_t frame;

	as_map(parent, VA, PAGE_SIZE, PROT_READ | PROT_WRITE, VMA_SHARED, true, NULL, 0);
	frame = pte_of(parent, VA) & PTE_ADDR_MASK;
	child = cow_fork_as(parent);
	ST_CHECK((pte_of(child, VA) & PTE_W) && (pte_of(parent, VA) & PTE_W));
	ST_CHECK((pte_of(child, VA) & PTE_ADDR_MASK) == frame && pmm_refcount(frame) == 2);
	as_put(child);
	as_put(parent);
}

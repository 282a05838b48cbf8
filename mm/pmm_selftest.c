/* pmm_selftest.c: in-kernel self-tests of the frame allocator. */
#include "kernel/lib/string.h"
#include "kernel/multiboot.h"
#include "kernel/selftest.h"
#include "mm/pmm.h"

SELFTEST(pmm_alloc_zeroed_and_freed)
{
	size_t free0 = pmm_free_count();
	paddr_t pa = pmm_alloc();
	const uint8_t *p = phys_to_virt(pa);
	bool zero = true;

	ST_CHECK(pa != 0 && (pa & ~PAGE_MASK) == 0);
	ST_CHECK(pmm_is_managed(pa));
	ST_CHECK(pmm_refcount(pa) == 1);
	ST_CHECK(pmm_free_count() == free0 - 1);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		zero &= p[i] == 0;
	ST_CHECK(zero);
	ST_CHECK(pmm_unref(pa) == 0);
	ST_CHECK(pmm_refcount(pa) == 0);
	ST_CHECK(p[0] != 0 && p[PAGE_SIZE - 1] == p[0]); /* poisoned */
	ST_CHECK(pmm_free_count() == free0);
}

SELFTEST(pmm_ref_unref_shared_count)
{
	size_t free0 = pmm_free_count(), shared0 = pmm_shared_count();
	paddr_t pa = pmm_alloc();

	pmm_ref(pa);
	ST_CHECK(pmm_refcount(pa) == 2 && pmm_shared_count() == shared0 + 1);
	pmm_ref(pa);
	ST_CHECK(pmm_refcount(pa) == 3 && pmm_shared_count() == shared0 + 1);
	ST_CHECK(pmm_unref(pa) == 2 && pmm_shared_count() == shared0 + 1);
	ST_CHECK(pmm_unref(pa) == 1 && pmm_shared_count() == shared0);
	ST_CHECK(pmm_free_count() == free0 - 1);
	ST_CHECK(pmm_unref(pa) == 0);
	ST_CHECK(pmm_free_count() == free0 && pmm_shared_count() == shared0);
}

SELFTEST(pmm_kernel_image_unmanaged)
{
	extern char _text_start[];

	ST_CHECK(!pmm_is_managed(virt_to_phys(_text_start)));
	ST_CHECK(!pmm_is_managed(0));
	ST_CHECK(!pmm_is_managed(0xFEE00000)); /* local APIC, not RAM */
}

static bool is_reserved(paddr_t pa)
{
	size_t n;
	const struct pmm_range *r = multiboot_reserved(&n);

	for (size_t i = 0; i < n; i++)
		if (pa + PAGE_SIZE > r[i].base && pa < r[i].base + r[i].len)
			return true;
	return false;
}

/* True if pa lies in a boot module: reserved at boot, given back to the
 * allocator (release_modules) before the self-tests run. */
static bool in_module(paddr_t pa)
{
	size_t n;
	const struct multiboot_module *m = multiboot_modules(&n);

	for (size_t i = 0; i < n; i++)
		if (pa >= m[i].start && pa + PAGE_SIZE <= m[i].end)
			return true;
	return false;
}

/* Take every free frame (chained through their first word), check none is
 * reserved (boot modules aside: they were given back), then give them all
 * back. */
SELFTEST(pmm_exhaustion_and_return)
{
	size_t free0 = pmm_free_count(), n = 0, bad = 0;
	paddr_t head = 0, pa;

	while ((pa = pmm_alloc_nozero()) != 0) {
		bad += (is_reserved(pa) && !in_module(pa)) || pa < (1UL << 20);
		*(paddr_t *)phys_to_virt(pa) = head;
		head = pa;
		n++;
	}
	ST_CHECK(n == free0);
	ST_CHECK(pmm_free_count() == 0);
	ST_CHECK(pmm_alloc() == 0);
	ST_CHECK(bad == 0);
	while (head) {
		pa = head;
		head = *(paddr_t *)phys_to_virt(pa);
		pmm_unref(pa);
	}
	ST_CHECK(pmm_free_count() == free0);
}

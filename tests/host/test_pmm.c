/* test_pmm.c: the frame allocator over a fake 16 MiB physical memory. */
#include "mm/pmm.c"

#include <string.h>

#include "mm_host_stubs.h"

#define MiB (1UL << 20)
#define PHYS_SIZE (16 * MiB)
#define KERNEL_START (1 * MiB)
#define KERNEL_END (MiB + 512 * 1024)
#define MODULE_START (4 * MiB)
#define MODULE_END (5 * MiB + 100)

static const struct pmm_range usable[] = {
	{ 0, 0x9FC00 },
	{ MiB, PHYS_SIZE - MiB },
};
static const struct pmm_range reserved[] = {
	{ 0, MiB },
	{ KERNEL_START, KERNEL_END - KERNEL_START },
	{ MODULE_START, MODULE_END - MODULE_START },
};

static void setup(void)
{
	static void *mem;

	if (!mem)
		mem = host_phys_alloc(PHYS_SIZE);
	memset(mem, 0x5A, PHYS_SIZE);
	pmm_init(usable, 2, reserved, 3);
}

static size_t expected_total(void)
{
	size_t meta_pages = PAGE_ALIGN_UP(PHYS_SIZE / PAGE_SIZE * sizeof(struct frame)) / PAGE_SIZE;
	size_t module_pages = (PAGE_ALIGN_UP(MODULE_END) - MODULE_START) / PAGE_SIZE;

	return (PHYS_SIZE - KERNEL_END) / PAGE_SIZE - meta_pages - module_pages;
}

static bool in_reserved(paddr_t pa)
{
	for (size_t i = 0; i < 3; i++)
		if (pa + PAGE_SIZE > reserved[i].base && pa < reserved[i].base + reserved[i].len)
			return true;
	return false;
}

HTEST(pmm_metadata_right_after_kernel)
{
	setup();
	HCHECK((uintptr_t)frames == host_phys_base + KERNEL_END);
	HCHECK(pmm_total_count() == expected_total());
	HCHECK(pmm_free_count() == pmm_total_count());
	HCHECK(!pmm_is_managed(KERNEL_END)); /* the metadata itself */
	HCHECK(!pmm_is_managed(KERNEL_START));
	HCHECK(!pmm_is_managed(MODULE_START) && !pmm_is_managed(PAGE_ALIGN_DOWN(MODULE_END)));
	HCHECK(!pmm_is_managed(0x9F000)); /* below 1 MiB */
	HCHECK(!pmm_is_managed(PHYS_SIZE));
}

HTEST(pmm_exhaustion_lowest_first_never_reserved)
{
	size_t free0, n = 0, bad = 0, nonzero = 0;
	paddr_t prev = 0, pa;

	setup();
	free0 = pmm_free_count();
	while ((pa = pmm_alloc()) != 0) {
		const uint8_t *p = phys_to_virt(pa);
		bad += in_reserved(pa) || pa < prev || pa >= PHYS_SIZE;
		for (size_t i = 0; i < PAGE_SIZE; i++)
			nonzero += p[i] != 0;
		prev = pa;
		n++;
	}
	HCHECK(n == free0);
	HCHECK(bad == 0);
	HCHECK(nonzero == 0);
	HCHECK(pmm_free_count() == 0);
	HCHECK(pmm_alloc_nozero() == 0);
	for (pa = 0; pa < PHYS_SIZE; pa += PAGE_SIZE)
		if (pmm_is_managed(pa))
			pmm_unref(pa);
	HCHECK(pmm_free_count() == free0);
	HCHECK(pmm_shared_count() == 0);
}

HTEST(pmm_refcount_and_shared_count)
{
	paddr_t a, b;
	size_t free0;

	setup();
	free0 = pmm_free_count();
	a = pmm_alloc();
	b = pmm_alloc();
	HCHECK(pmm_refcount(a) == 1 && pmm_shared_count() == 0);
	pmm_ref(a);
	pmm_ref(b);
	pmm_ref(b);
	HCHECK(pmm_refcount(a) == 2 && pmm_refcount(b) == 3);
	HCHECK(pmm_shared_count() == 2);
	HCHECK(pmm_unref(b) == 2 && pmm_shared_count() == 2);
	HCHECK(pmm_unref(b) == 1 && pmm_shared_count() == 1);
	HCHECK(pmm_unref(a) == 1 && pmm_shared_count() == 0);
	HCHECK(pmm_free_count() == free0 - 2);
	HCHECK(pmm_unref(a) == 0 && pmm_unref(b) == 0);
	HCHECK(pmm_refcount(a) == 0);
	HCHECK(pmm_free_count() == free0);
}

HTEST(pmm_poison_on_free_and_checked_on_alloc)
{
	paddr_t a, again;
	uint8_t *p;
	size_t wrong = 0;

	setup();
	a = pmm_alloc();
	p = phys_to_virt(a);
	memset(p, 0x11, PAGE_SIZE);
	pmm_unref(a);
	for (size_t i = 0; i < PAGE_SIZE; i++)
		wrong += p[i] != FRAME_POISON;
	HCHECK(wrong == 0);
	again = pmm_alloc_nozero(); /* LIFO: the same frame, poison intact */
	HCHECK(again == a && p[100] == FRAME_POISON);
	pmm_unref(again);
	p[2048] = 0; /* a write after free, on a word the allocator samples */
	EXPECT_PANIC(pmm_alloc());
}

HTEST(pmm_asserts_on_bad_transitions)
{
	paddr_t a;

	setup();
	a = pmm_alloc();
	pmm_unref(a);
	EXPECT_PANIC(pmm_ref(a));            /* a free frame */
	EXPECT_PANIC(pmm_unref(a));          /* a double free */
	EXPECT_PANIC(pmm_ref(KERNEL_START)); /* not managed */
	EXPECT_PANIC(pmm_unref(PHYS_SIZE + PAGE_SIZE));
	EXPECT_PANIC(pmm_ref(a + 8)); /* not a frame address */
	a = pmm_alloc();
	frames[a >> PAGE_SHIFT].refcount = UINT32_MAX;
	EXPECT_PANIC(pmm_ref(a)); /* overflow */
	frames[a >> PAGE_SHIFT].refcount = 1;
}

HTEST(pmm_release_hands_module_memory_back)
{
	size_t free0, total0, added;

	setup();
	free0 = pmm_free_count();
	total0 = pmm_total_count();
	added = pmm_release(MODULE_START, MODULE_END - MODULE_START);
	HCHECK(added == (PAGE_ALIGN_DOWN(MODULE_END) - MODULE_START) / PAGE_SIZE);
	HCHECK(pmm_free_count() == free0 + added && pmm_total_count() == total0 + added);
	HCHECK(pmm_is_managed(MODULE_START));
	HCHECK(pmm_release(MODULE_START, MiB) == 0);      /* already managed */
	HCHECK(pmm_release(0xA0000, 0x60000) == 0);       /* not RAM */
	HCHECK(pmm_release(KERNEL_END, PAGE_SIZE) == 0); /* metadata: not RAM-free */
}

HTEST(pmm_no_room_for_metadata_panics)
{
	static const struct pmm_range tiny[] = { { MiB, 2 * PAGE_SIZE } };
	static const struct pmm_range all[] = { { 0, 2 * MiB } };

	host_phys_alloc(PHYS_SIZE);
	EXPECT_PANIC(pmm_init(tiny, 1, all, 1));
}

HTEST_MAIN()

/* kheap_selftest.c: in-kernel self-tests of the kernel heap. */
#include "kernel/lib/string.h"
#include "kernel/selftest.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

static bool filled_with(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

SELFTEST(kheap_sizes_and_alignment)
{
	static const size_t sizes[] = { 0,    1,    15,   16,    17,   100,     1000,   2048,
					2049, 4095, 4096, 4097, 12288, 65536, 1 << 20 };

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		size_t n = sizes[i];
		uint8_t *p = kmalloc(n);

		ST_CHECK(p != NULL);
		if (!p)
			continue;
		ST_CHECK((uintptr_t)p % 16 == 0);
		if (n >= PAGE_SIZE)
			ST_CHECK((uintptr_t)p % PAGE_SIZE == 0);
		memset(p, 0xC3, n);
		ST_CHECK(filled_with(p, n, 0xC3));
		kfree(p);
	}
	ST_CHECK(kmalloc((16UL << 20) + 1) == NULL);
	kfree(NULL);
}

/* The largest block: it fits when memory allows, and when it does not, the
 * failure gives back every frame it took. */
SELFTEST(kheap_16mib_block)
{
	const size_t big = 16UL << 20;
	size_t free0;
	uint8_t *p;

	kfree(kmalloc(3 * PAGE_SIZE)); /* warm up: the large area's tables */
	free0 = pmm_free_count();
	p = kmalloc(big);
	if (free0 < big / PAGE_SIZE + 16) {
		ST_CHECK(p == NULL);
		ST_CHECK(pmm_free_count() + 16 >= free0); /* only new page tables kept */
		return;
	}
	ST_CHECK(p != NULL);
	if (!p)
		return;
	p[0] = 1;
	p[big - 1] = 2;
	ST_CHECK(p[0] == 1 && p[big - 1] == 2);
	kfree(p);
	ST_CHECK(pmm_free_count() + 16 >= free0 && pmm_free_count() <= free0);
}

#define NBLOCKS 300

/* Blocks of many sizes, each filled with its own byte, must not overlap; and
 * once all are freed, the free-frame count is back where it was. */
static void alloc_fill_check_free(bool *ok)
{
	static uint8_t *blocks[NBLOCKS];
	static size_t lens[NBLOCKS];

	for (int i = 0; i < NBLOCKS; i++) {
		lens[i] = (size_t)(i * 37) % 3000 + 1;
		if (i % 50 == 0)
			lens[i] = 20000;
		blocks[i] = kmalloc(lens[i]);
		if (!blocks[i]) {
			*ok = false;
			return;
		}
		memset(blocks[i], i & 0xFF, lens[i]);
	}
	for (int i = 0; i < NBLOCKS; i++)
		*ok &= filled_with(blocks[i], lens[i], (uint8_t)(i & 0xFF));
	for (int i = 0; i < NBLOCKS; i += 2)
		kfree(blocks[i]);
	for (int i = 1; i < NBLOCKS; i += 2)
		kfree(blocks[i]);
}

SELFTEST(kheap_no_overlap_and_no_leak)
{
	bool ok = true;
	size_t free0;

	alloc_fill_check_free(&ok); /* first round may create tables and slabs */
	free0 = pmm_free_count();
	alloc_fill_check_free(&ok);
	ST_CHECK(ok);
	ST_CHECK(pmm_free_count() == free0);
}

SELFTEST(kheap_poison_and_kzalloc)
{
	uint8_t *p = kmalloc(200), *q;

	memset(p, 0x11, 200);
	kfree(p);
	ST_CHECK(filled_with(p + 8, 200 - 8, 0x6B)); /* poisoned (past the link) */
	q = kzalloc(200);
	ST_CHECK(q == p); /* LIFO reuse */
	ST_CHECK(filled_with(q, 200, 0));
	kfree(q);
}

SELFTEST(kheap_large_block_unmapped_after_free)
{
	uint8_t *p = kmalloc(3 * PAGE_SIZE + 1);
	paddr_t pa;
	uint64_t f;

	ST_CHECK(p != NULL);
	ST_CHECK(vmm_translate(vmm_kernel_pml4(), (uintptr_t)p + 3 * PAGE_SIZE, &pa, &f));
	ST_CHECK(!vmm_translate(vmm_kernel_pml4(), (uintptr_t)p + 4 * PAGE_SIZE, &pa, &f));
	kfree(p);
	ST_CHECK(!vmm_translate(vmm_kernel_pml4(), (uintptr_t)p, &pa, &f));
}

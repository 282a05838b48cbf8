/* test_vmm.c: the page-table walker and kernel-space builder over fake
 * physical memory (32 MiB), with pmm handing out the table pages. */
#include "mm/pmm.c"
#include "mm/vmm.c"

#include <string.h>

#include "mm_host_stubs.h"

#define MiB (1UL << 20)
#define PHYS_SIZE (32 * MiB)
#define USER_VA 0x400000UL

static const struct kimage fake_image = {
	KERNEL_VMA + 0x101000, KERNEL_VMA + 0x104000, /* text: 3 pages */
	KERNEL_VMA + 0x104000, KERNEL_VMA + 0x106000, /* rodata: 2 pages */
	KERNEL_VMA + 0x106000, KERNEL_VMA + 0x10A000, /* data + bss: 4 pages */
};

/* Fresh frames, CPU features as given, and a kernel root mapping 4 GiB. */
static void setup(bool nx, bool pge, bool gb)
{
	static void *mem;
	static const struct pmm_range usable[] = { { MiB, PHYS_SIZE - MiB } };
	static const struct pmm_range reserved[] = { { MiB, MiB } }; /* "kernel" */

	if (!mem)
		mem = host_phys_alloc(PHYS_SIZE);
	memset(mem, 0, PHYS_SIZE);
	pmm_init(usable, 1, reserved, 1);
	has_nx = nx;
	has_pge = pge;
	has_gbpages = gb;
	memset(kstack_bits, 0, sizeof(kstack_bits));
	kstack_slots.lowfree = 0;
	kernel_pml4 = build_kernel_space(4UL << 30, &fake_image);
}

HTEST(vmm_kernel_space_layout)
{
	size_t free0;
	paddr_t pa;
	uint64_t f;
	pte_t *root;

	setup(true, true, false);
	root = phys_to_virt(kernel_pml4);
	for (int i = 0; i < 256; i++)
		HCHECK(root[i] == 0);
	for (int i = 256; i < 512; i++)
		HCHECK((root[i] & PTE_P) && (root[i] & PTE_W) && !(root[i] & PTE_U));
	HCHECK(vmm_translate(kernel_pml4, DIRECT_MAP_BASE + 0x12345678, &pa, &f));
	HCHECK(pa == 0x12345678 && (f & PTE_PS) && (f & PTE_W) && (f & PTE_NX) && (f & PTE_G));
	HCHECK(vmm_translate(kernel_pml4, DIRECT_MAP_BASE + (4UL << 30) - 1, &pa, &f));
	HCHECK(!vmm_translate(kernel_pml4, DIRECT_MAP_BASE + (4UL << 30), &pa, &f));
	HCHECK(vmm_walk(kernel_pml4, DIRECT_MAP_BASE, false) == NULL); /* a large page */
	HCHECK(vmm_walk(kernel_pml4, DIRECT_MAP_BASE, true) == NULL);
	HCHECK(vmm_translate(kernel_pml4, KERNEL_VMA + 0x101000, &pa, &f) && pa == 0x101000);
	HCHECK(!(f & PTE_W) && !(f & PTE_NX) && (f & PTE_G));
	HCHECK(vmm_translate(kernel_pml4, KERNEL_VMA + 0x105FFF, &pa, &f) && pa == 0x105FFF);
	HCHECK(!(f & PTE_W) && (f & PTE_NX));
	HCHECK(vmm_translate(kernel_pml4, KERNEL_VMA + 0x109000, &pa, &f));
	HCHECK((f & PTE_W) && (f & PTE_NX) && !(f & PTE_U));
	HCHECK(!vmm_translate(kernel_pml4, KERNEL_VMA + 0x10A000, &pa, &f));
	HCHECK(!vmm_translate(kernel_pml4, KERNEL_VMA + 0x100000, &pa, &f));
	HCHECK(!vmm_translate(kernel_pml4, 0x100000, &pa, &f)); /* no identity map */
	/* Tables: root, 256 PDPTs, 4 PDs, and a PD + PT for the image. */
	free0 = pmm_total_count() - pmm_free_count();
	HCHECK(free0 == 1 + 256 + 4 + 2);
}

HTEST(vmm_gigabyte_pages_and_feature_masks)
{
	paddr_t pa;
	uint64_t f;

	setup(false, false, true);
	HCHECK(pmm_total_count() - pmm_free_count() == 1 + 256 + 2);
	HCHECK(vmm_translate(kernel_pml4, DIRECT_MAP_BASE + (3UL << 30) + 5, &pa, &f));
	HCHECK(pa == (3UL << 30) + 5 && (f & PTE_PS));
	HCHECK(!(f & PTE_NX) && !(f & PTE_G)); /* not supported: never set */
	HCHECK(vmm_translate(kernel_pml4, KERNEL_VMA + 0x109000, &pa, &f));
	HCHECK(!(f & PTE_NX) && !(f & PTE_G));
}

HTEST(vmm_map_translate_unmap_destroy)
{
	static const uintptr_t vas[] = { USER_VA, USER_VA + PAGE_SIZE, 0x7FFFFFFFE000UL,
					 0x40000000UL, 0 };
	paddr_t pml4, frames_[5], pa;
	size_t free0;
	uint64_t f;

	setup(true, true, false);
	free0 = pmm_free_count();
	pml4 = vmm_create_pml4();
	HCHECK(pml4 != 0);
	HCHECK(!memcmp((pte_t *)phys_to_virt(pml4) + 256, (pte_t *)phys_to_virt(kernel_pml4) + 256,
		       256 * sizeof(pte_t)));
	for (int i = 0; i < 5; i++) {
		frames_[i] = pmm_alloc();
		HCHECK(vmm_map(pml4, vas[i], frames_[i], PTE_W | PTE_U | PTE_NX) == 0);
	}
	for (int i = 0; i < 5; i++) {
		HCHECK(vmm_translate(pml4, vas[i] + 7, &pa, &f) && pa == frames_[i] + 7);
		HCHECK((f & (PTE_P | PTE_W | PTE_U | PTE_NX)) == (PTE_P | PTE_W | PTE_U | PTE_NX));
		HCHECK(vmm_walk(pml4, vas[i], false) != NULL);
	}
	/* Directory entries above a user page are user-accessible. */
	HCHECK(((pte_t *)phys_to_virt(pml4))[0] & PTE_U);
	HCHECK(!vmm_translate(pml4, USER_VA + 2 * PAGE_SIZE, &pa, &f));
	HCHECK(vmm_walk(pml4, 0x500000000UL, false) == NULL);
	EXPECT_PANIC(vmm_map(pml4, USER_VA, frames_[1], PTE_W)); /* slot in use */
	EXPECT_PANIC(vmm_destroy_pml4(pml4));                   /* pages still mapped */
	for (int i = 0; i < 5; i++) {
		pte_t old = vmm_unmap(pml4, vas[i]);
		HCHECK((old & PTE_ADDR_MASK) == frames_[i] && (old & PTE_P));
		HCHECK(!vmm_translate(pml4, vas[i], &pa, &f));
		pmm_unref(frames_[i]);
	}
	HCHECK(vmm_unmap(pml4, USER_VA) == 0);
	HCHECK(vmm_unmap(pml4, 0x600000000UL) == 0);
	vmm_destroy_pml4(pml4);
	HCHECK(pmm_free_count() == free0);
}

HTEST(vmm_kernel_half_is_shared)
{
	paddr_t a, b, frame, pa;

	setup(true, true, false);
	a = vmm_create_pml4();
	b = vmm_create_pml4();
	frame = pmm_alloc();
	HCHECK(vmm_map(kernel_pml4, VMALLOC_BASE, frame, PTE_W) == 0);
	HCHECK(vmm_translate(a, VMALLOC_BASE, &pa, NULL) && pa == frame);
	HCHECK(vmm_translate(b, VMALLOC_BASE, &pa, NULL) && pa == frame);
	HCHECK(vmm_unmap(a, VMALLOC_BASE) & PTE_P);
	HCHECK(!vmm_translate(kernel_pml4, VMALLOC_BASE, &pa, NULL));
	vmm_destroy_pml4(a);
	vmm_destroy_pml4(b);
	EXPECT_PANIC(vmm_destroy_pml4(kernel_pml4));
}

HTEST(vmm_map_fails_cleanly_when_out_of_frames)
{
	paddr_t pml4, frame, pa;

	setup(true, true, false);
	pml4 = vmm_create_pml4();
	frame = pmm_alloc();
	while (pmm_alloc_nozero())
		;
	HCHECK(vmm_map(pml4, USER_VA, frame, PTE_W) == -ENOMEM);
	HCHECK(!vmm_translate(pml4, USER_VA, &pa, NULL));
	HCHECK(vmm_create_pml4() == 0);
	HCHECK(vmm_kstack_alloc() == 0);
}

HTEST(vmm_kstacks_guarded_and_reused)
{
	uintptr_t s1, s2, s3;
	size_t free0;
	paddr_t pa;
	uint64_t f;

	setup(true, true, false);
	vmm_kstack_free(vmm_kstack_alloc()); /* the area's page tables stay */
	free0 = pmm_free_count();
	s1 = vmm_kstack_alloc();
	s2 = vmm_kstack_alloc();
	HCHECK(s1 && s2 && s2 - s1 == KSTACK_STRIDE);
	HCHECK(pmm_free_count() == free0 - 2 * KSTACK_SIZE / PAGE_SIZE);
	for (uintptr_t va = s1; va < s1 + KSTACK_SIZE; va += PAGE_SIZE)
		HCHECK(vmm_translate(kernel_pml4, va, &pa, &f) && (f & PTE_W) && (f & PTE_NX));
	HCHECK(!vmm_translate(kernel_pml4, s1 - PAGE_SIZE, &pa, &f));
	HCHECK(!vmm_translate(kernel_pml4, s2 - PAGE_SIZE, &pa, &f));
	vmm_kstack_free(s1);
	HCHECK(!vmm_translate(kernel_pml4, s1, &pa, &f));
	s3 = vmm_kstack_alloc();
	HCHECK(s3 == s1);
	vmm_kstack_free(s2);
	vmm_kstack_free(s3);
	HCHECK(pmm_free_count() == free0);
	EXPECT_PANIC(vmm_kstack_free(s3)); /* twice */
	EXPECT_PANIC(vmm_kstack_free(s3 + PAGE_SIZE));
}

HTEST_MAIN()

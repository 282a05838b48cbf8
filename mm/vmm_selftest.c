/* vmm_selftest.c: in-kernel self-tests of the page tables and kernel stacks. */
#include "kernel/multiboot.h"
#include "kernel/selftest.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

#define USER_VA 0x400000UL

SELFTEST(vmm_map_translate_unmap)
{
	size_t free0 = pmm_free_count();
	paddr_t pml4 = vmm_create_pml4(), frame = pmm_alloc(), pa = 0;
	uint64_t flags = 0;
	pte_t old;

	ST_CHECK(pml4 && frame);
	ST_CHECK(!vmm_translate(pml4, USER_VA, &pa, &flags));
	ST_CHECK(vmm_walk(pml4, USER_VA, false) == NULL);
	ST_CHECK(vmm_map(pml4, USER_VA, frame, PTE_W | PTE_U | PTE_NX) == 0);
	ST_CHECK(vmm_translate(pml4, USER_VA + 0x123, &pa, &flags));
	ST_CHECK(pa == frame + 0x123);
	ST_CHECK((flags & (PTE_P | PTE_W | PTE_U)) == (PTE_P | PTE_W | PTE_U));
	ST_CHECK(vmm_walk(pml4, USER_VA, false) != NULL);
	ST_CHECK(!vmm_translate(pml4, USER_VA + PAGE_SIZE, &pa, &flags));
	old = vmm_unmap(pml4, USER_VA);
	ST_CHECK((old & PTE_ADDR_MASK) == frame && (old & PTE_P));
	ST_CHECK(!vmm_translate(pml4, USER_VA, &pa, &flags));
	ST_CHECK(vmm_unmap(pml4, USER_VA) == 0);
	vmm_destroy_pml4(pml4);
	pmm_unref(frame);
	ST_CHECK(pmm_free_count() == free0);
}

/* Map a page in a fresh root, switch to it, write through the mapping, move
 * the mapping to another frame while live, and check the TLB followed. */
SELFTEST(vmm_live_root_and_invlpg)
{
	size_t free0 = pmm_free_count();
	paddr_t pml4 = vmm_create_pml4(), f1 = pmm_alloc(), f2 = pmm_alloc();
	volatile uint32_t *p = (volatile uint32_t *)USER_VA;

	ST_CHECK(vmm_map(pml4, USER_VA, f1, PTE_W) == 0);
	vmm_activate(pml4);
	p[0] = 0x11111111;
	ST_CHECK(*(uint32_t *)phys_to_virt(f1) == 0x11111111);
	vmm_unmap(pml4, USER_VA);
	ST_CHECK(vmm_map(pml4, USER_VA, f2, PTE_W) == 0);
	p[0] = 0x22222222;
	ST_CHECK(*(uint32_t *)phys_to_virt(f2) == 0x22222222);
	ST_CHECK(*(uint32_t *)phys_to_virt(f1) == 0x11111111);
	vmm_unmap(pml4, USER_VA);
	vmm_activate(vmm_kernel_pml4());
	vmm_destroy_pml4(pml4);
	pmm_unref(f1);
	pmm_unref(f2);
	ST_CHECK(pmm_free_count() == free0);
}

static const int some_rodata = 42;
static int some_data = 1;

SELFTEST(vmm_kernel_section_permissions)
{
	paddr_t k = vmm_kernel_pml4(), pa;
	uint64_t f;
	bool nx = rdmsr(MSR_EFER) & EFER_NXE;

	ST_CHECK(vmm_translate(k, (uintptr_t)&vmm_init, &pa, &f));
	ST_CHECK(!(f & PTE_W) && !(f & PTE_NX) && !(f & PTE_U));
	ST_CHECK(vmm_translate(k, (uintptr_t)&some_rodata, &pa, &f));
	ST_CHECK(!(f & PTE_W) && !!(f & PTE_NX) == nx);
	ST_CHECK(pa == virt_to_phys(&some_rodata));
	ST_CHECK(vmm_translate(k, (uintptr_t)&some_data, &pa, &f));
	ST_CHECK((f & PTE_W) && !!(f & PTE_NX) == nx && some_data == 1);
	ST_CHECK(!vmm_translate(k, 0x100000, &pa, &f)); /* no low identity map */
}

SELFTEST(vmm_direct_map_covers_memory)
{
	paddr_t k = vmm_kernel_pml4(), pa, max = multiboot_max_phys();
	size_t n;
	const struct pmm_range *r = multiboot_usable(&n);
	uint64_t f;

	for (size_t i = 0; i < n; i++) {
		paddr_t last = r[i].base + r[i].len - 1;
		ST_CHECK(vmm_translate(k, (uintptr_t)phys_to_virt(last), &pa, &f) && pa == last);
	}
	ST_CHECK(vmm_translate(k, (uintptr_t)phys_to_virt(max - 1), &pa, &f) && pa == max - 1);
	ST_CHECK((f & PTE_PS) && (f & PTE_W) && !(f & PTE_U));
	ST_CHECK(!vmm_translate(k, (uintptr_t)phys_to_virt(max), &pa, &f));
	ST_CHECK(vmm_walk(k, (uintptr_t)phys_to_virt(0), false) == NULL); /* large page */
}

SELFTEST(vmm_kstack_guard_and_reuse)
{
	size_t free0;
	uintptr_t base, base2;
	paddr_t pa;
	uint64_t f;

	vmm_kstack_free(vmm_kstack_alloc()); /* warm up: the area's page tables */
	free0 = pmm_free_count();
	base = vmm_kstack_alloc();

	ST_CHECK(base != 0 && base >= KSTACK_AREA_BASE);
	ST_CHECK(!vmm_translate(vmm_kernel_pml4(), base - PAGE_SIZE, &pa, &f));
	for (uintptr_t va = base; va < base + KSTACK_SIZE; va += PAGE_SIZE)
		ST_CHECK(vmm_translate(vmm_kernel_pml4(), va, &pa, &f) && (f & PTE_W));
	for (volatile uint64_t *p = (uint64_t *)base; p < (uint64_t *)(base + KSTACK_SIZE); p++)
		*p = (uintptr_t)p;
	ST_CHECK(!vmm_translate(vmm_kernel_pml4(), base + KSTACK_SIZE, &pa, &f));
	base2 = vmm_kstack_alloc();
	ST_CHECK(base2 && base2 != base);
	ST_CHECK(!vmm_translate(vmm_kernel_pml4(), base2 - PAGE_SIZE, &pa, &f));
	vmm_kstack_free(base);
	ST_CHECK(!vmm_translate(vmm_kernel_pml4(), base, &pa, &f));
	ST_CHECK(vmm_kstack_alloc() == base); /* the slot is reused */
	vmm_kstack_free(base);
	vmm_kstack_free(base2);
	ST_CHECK(pmm_free_count() == free0);
}

/* Loading a segment register reads the GDT: it must still be mapped once the
 * boot identity map is gone (a fault here would triple-fault the machine). */
SELFTEST(vmm_gdt_reachable_after_switch)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) gdtr;
	uint16_t ss;

	__asm__ volatile("sgdt %0" : "=m"(gdtr));
	ST_CHECK(gdtr.base >= KERNEL_VMA);
	__asm__ volatile("mov %%ss, %0; mov %0, %%ss" : "=r"(ss) : : "memory");
	ST_CHECK(ss == 0x10);
}

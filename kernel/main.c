/* main.c: kmain, the order in which the kernel brings itself up. */
#include "kernel/console.h"
#include "kernel/multiboot.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

void kmain(uint32_t magic, uint32_t mbi_phys);

/* Memory bring-up: boot-loader data, frames, page tables, heap. */
static void mm_init(uint32_t magic, uint32_t mbi_phys)
{
	const struct pmm_range *usable, *reserved;
	size_t nusable, nreserved;

	multiboot_parse(magic, mbi_phys);
	usable = multiboot_usable(&nusable);
	reserved = multiboot_reserved(&nreserved);
	pmm_init(usable, nusable, reserved, nreserved);
	vmm_init(multiboot_max_phys());
	kheap_init();
	kprintf("mm: %lu KiB total, %lu KiB free\n", (unsigned long)pmm_total_count() * 4,
		(unsigned long)pmm_free_count() * 4);
}

void kmain(uint32_t magic, uint32_t mbi_phys)
{
	console_init();
	kprintf("kernel: booting, magic %x mbi %x\n", magic, mbi_phys);
	mm_init(magic, mbi_phys);

	/* "selftest" on the command line: run the self-tests, then power off. */
	if (multiboot_cmdline_has("selftest")) {
		power_init();
		selftest_run_all();
		power_off();
	}
	for (;;)
		__asm__ volatile("cli; hlt");
}

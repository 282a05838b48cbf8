/* main.c: kmain, the order in which the kernel brings itself up. */
#include "kernel/console.h"
#include "kernel/printk.h"

void kmain(uint32_t magic, uint32_t mbi_phys);

void kmain(uint32_t magic, uint32_t mbi_phys)
{
	console_init();
	kprintf("kernel: booting, magic %x mbi %x\n", magic, mbi_phys);
	for (;;)
		__asm__ volatile("cli; hlt");
}

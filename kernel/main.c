/* main.c: kmain, the order in which the kernel brings itself up. */
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/console.h"
#include "kernel/cpu.h"
#include "kernel/lib/string.h"
#include "kernel/irq.h"
#include "kernel/multiboot.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"
#include "kernel/syscall.h"
#include "kernel/trap.h"
#include "kernel/tty.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/task.h"

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
	kinfo("mm: %lu KiB total, %lu KiB free\n", (unsigned long)pmm_total_count() * 4,
	      (unsigned long)pmm_free_count() * 4);
}

/* "crashtest": a deliberate kernel fault a few calls deep, to show the fault
 * report and the symbolised backtrace end in a power-off. */
static __attribute__((noinline)) void crashtest_fault(volatile uint64_t *p)
{
	*p = 0xC0FFEE;
}

static __attribute__((noinline)) void crashtest(void)
{
	kprintf("crashtest: writing to an unmapped kernel address\n");
	crashtest_fault((volatile uint64_t *)0xFFFFFFFF7FFFF000UL);
	barrier();
}

/* "crashtest=stack": a stack buffer overrun, which the stack protector must
 * catch on the way out of the function (a panic with a backtrace). */
static __attribute__((noinline)) void crashtest_overrun(volatile char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = 0x41;
}

static __attribute__((noinline)) void crashtest_stack(void)
{
	char buf[16];

	kprintf("crashtest: overrunning a stack buffer\n");
	crashtest_overrun(buf, 64);
	barrier();
}

/* "crashtest" or "crashtest=stack" on the command line: crash on purpose. */
static void crashtests(void)
{
	char what[16];

	if (cmdline_has("crashtest"))
		crashtest();
	if (cmdline_value("crashtest", what, sizeof(what)) && !strcmp(what, "stack"))
		crashtest_stack();
}

/* The stack protector's canary (kernel/panic.c) is a constant until here
 * and random from here on, with a zero low byte as Linux's (a string copy
 * cannot write it back). => only kmain, which never returns, has a
 * protected frame on the stack, so no check meets the old value. */
static __attribute__((no_stack_protector, noinline)) void stack_guard_init(void)
{
	uint64_t g;

	random_bytes(&g, sizeof(g));
	__stack_chk_guard = g & ~0xFFUL;
}

/* Give the boot modules' RAM to the allocator: their contents have been
 * copied into the ramfs (or are not needed), as Linux frees the initrd.
 * A 3 MB initramfs is a fifth of a 16 MiB machine. */
static void release_modules(void)
{
	size_t n, frames = 0;
	const struct multiboot_module *m = multiboot_modules(&n);

	for (size_t i = 0; i < n; i++)
		frames += pmm_release(m[i].start, m[i].end - m[i].start);
	kinfo("mm: %lu KiB total, %lu KiB free (%lu KiB of boot modules given back)\n",
	      (unsigned long)pmm_total_count() * 4, (unsigned long)pmm_free_count() * 4,
	      (unsigned long)frames * 4);
}

/* Put the initramfs (every module, concatenated archives allowed) in place. */
static void unpack_modules(void)
{
	size_t n;
	const struct multiboot_module *m = multiboot_modules(&n);

	if (!n)
		kprintf("kernel: no initramfs module; the root is empty\n");
	for (size_t i = 0; i < n; i++)
		fs_unpack_initramfs(phys_to_virt(m[i].start), m[i].end - m[i].start);
	release_modules();
}

void kmain(uint32_t magic, uint32_t mbi_phys)
{
	console_init();
	gdt_init();
	trap_init();
	cpu_init();
	mm_init(magic, mbi_phys);
	cmdline_set(multiboot_cmdline());
	printk_quiet = cmdline_has("quiet");
	kinfo("kernel: command line \"%s\"\n", cmdline_get());
	power_init();
	irq_init();
	clock_init();
	stack_guard_init();
	fpu_init();
	syscall_init();
	sched_init();
	irq_enable();
	crashtests();
	fs_init();
	proc_procfs_init();
	tty_init();
	if (cmdline_has("selftest")) {
		release_modules(); /* not unpacked: the tests need no files */
		int failed = selftest_run_all();
		kprintf("kernel: self-tests done (%d failed); powering off\n", failed);
		power_off();
	}
	unpack_modules();
	proc_start_init();
	sched_idle_loop();
}

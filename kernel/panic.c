/* panic.c: panic, KASSERT failures, stack-protector failures, backtraces. */
#include <stdarg.h>
#include <stdbool.h>

#include "kernel/arch.h"
#include "kernel/ksyms.h"
#include "kernel/power.h"
#include "kernel/printk.h"

uint64_t __stack_chk_guard = 0x5d1e57ac4c0ffee5UL;

static bool is_kernel_stack_addr(uint64_t p)
{
	return p >= DIRECT_MAP_BASE && (p & 7) == 0;
}

static void print_frame(int depth, uint64_t rip)
{
	uint64_t off;
	const char *name = ksyms_lookup(rip, &off);

	if (name)
		kprintf("  #%d %p %s+0x%lx\n", depth, (void *)rip, name, off);
	else
		kprintf("  #%d %p ?\n", depth, (void *)rip);
}

void backtrace_from(uint64_t rip, uint64_t rbp)
{
	kprintf("backtrace:\n");
	print_frame(0, rip);
	for (int depth = 1; depth < 32 && is_kernel_stack_addr(rbp); depth++) {
		uint64_t *frame = (uint64_t *)rbp;
		uint64_t ret = frame[1];

		if (ret < KERNEL_VMA)
			break;
		print_frame(depth, ret);
		if (frame[0] <= rbp)
			break;
		rbp = frame[0];
	}
}

void backtrace_here(void)
{
	uint64_t *fp = __builtin_frame_address(0);

	/* Start at our caller: its return address and saved frame pointer. */
	backtrace_from(fp[1], fp[0]);
}

static volatile int panicking;

static __attribute__((noreturn)) void panic_stop(void)
{
	kprintf("kernel: halted after panic; powering off\n");
	power_off();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	irq_disable();
	if (panicking++)
		panic_stop();
	kprintf("\nKERNEL PANIC: ");
	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
	kprintf("\n");
	backtrace_here();
	panic_stop();
}

void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
	panic("assertion failed: %s at %s:%d in %s()", expr, file, line, func);
}

__attribute__((noreturn)) void __stack_chk_fail(void);
void __stack_chk_fail(void)
{
	panic("stack protector: kernel stack smashed");
}

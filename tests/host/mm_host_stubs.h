/* mm_host_stubs.h: what the mm sources need from the kernel when they are
 * built on the host: kprintf, panic and KASSERT failures. A test can expect
 * a panic with EXPECT_PANIC(statement); any other panic aborts the test. */
#ifndef MM_HOST_STUBS_H
#define MM_HOST_STUBS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "htest.h"
#include "kernel/arch.h"
#include "kernel/printk.h"

uintptr_t host_phys_base;
int printk_quiet = 1;

static jmp_buf panic_jmp;
static int panic_armed;

void kprintf(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

static __attribute__((noreturn)) void host_panic_exit(void)
{
	if (panic_armed) {
		panic_armed = 0;
		longjmp(panic_jmp, 1);
	}
	abort();
}

void panic(const char *fmt, ...)
{
	va_list ap;

	printf("# panic: ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	host_panic_exit();
}

void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
	printf("# assertion failed: %s at %s:%d in %s()\n", expr, file, line, func);
	host_panic_exit();
}

/* Run stmt and check that it panics (or fails a KASSERT). */
#define EXPECT_PANIC(stmt)                                                                         \
	do {                                                                                       \
		panic_armed = 1;                                                                   \
		if (!setjmp(panic_jmp)) {                                                          \
			stmt;                                                                      \
			panic_armed = 0;                                                           \
			HCHECK(!"no panic from: " #stmt);                                          \
		}                                                                                  \
	} while (0)

/* Fake physical memory: a page-aligned buffer that physical address 0 maps to. */
static void *host_phys_alloc(size_t bytes)
{
	void *p = aligned_alloc(PAGE_SIZE, bytes);

	if (!p)
		abort();
	host_phys_base = (uintptr_t)p;
	return p;
}

#endif

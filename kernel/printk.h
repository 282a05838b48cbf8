/* printk.h: kernel console output, panic and always-on assertions. */
#ifndef KERNEL_PRINTK_H
#define KERNEL_PRINTK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Print to every console (serial and VGA). Supports %d %i %u %x %X %p %s %c %%
 * with the flags '-', '0', a width, and the length modifiers l, ll, z. */
void kprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void kvprintf(const char *fmt, va_list ap);
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* The kernel log (what dmesg reads): bytes are numbered from boot; the
 * ring keeps the newest ones. */
uint64_t printk_log_start(void);
uint64_t printk_log_end(void);
/* Copy up to n bytes from position from (clamped to the oldest kept);
 * returns the count. */
size_t printk_log_read(uint64_t from, char *dst, size_t n);
void printk_log_clear(void);

/* Set by the "quiet" command-line flag: kinfo() prints nothing. */
extern int printk_quiet;
#define kinfo(...)                                                                                 \
	do {                                                                                       \
		if (!printk_quiet)                                                                 \
			kprintf(__VA_ARGS__);                                                      \
	} while (0)

/* Stop the machine after printing the message and a symbolised backtrace.
 * For kernel bugs only: nothing user space does may reach it. */
__attribute__((noreturn, format(printf, 1, 2))) void panic(const char *fmt, ...);

__attribute__((noreturn)) void kassert_fail(const char *expr, const char *file, int line,
					    const char *func);

/* The stack protector's canary (-mstack-protector-guard=global); random
 * once kmain has seeded the random generator. */
extern uint64_t __stack_chk_guard;

/* Always compiled in. */
#define KASSERT(e)                                                                                 \
	do {                                                                                       \
		if (__builtin_expect(!(e), 0))                                                     \
			kassert_fail(#e, __FILE__, __LINE__, __func__);                            \
	} while (0)

/* Print a backtrace walking the frame-pointer chain from rbp. */
void backtrace_from(uint64_t rip, uint64_t rbp);
void backtrace_here(void);

#endif

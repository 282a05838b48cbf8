/* uaccess.h: the only way the kernel touches user memory.
 *
 * Each helper checks that the range lies wholly below USER_TOP (overflow
 * included) and recovers from a fault through the exception table, so a bad
 * pointer gives -EFAULT and never a panic. A write into a copy-on-write page
 * faults (CR0.WP is on) and breaks the sharing exactly as a user write does. */
#ifndef KERNEL_UACCESS_H
#define KERNEL_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* True if [addr, addr+len) is wholly inside user space (no overflow). */
bool uaccess_range_ok(uintptr_t addr, size_t len);

/* Return 0, or -EFAULT if any byte could not be copied. */
int copy_from_user(void *dst, uintptr_t src, size_t n);
int copy_to_user(uintptr_t dst, const void *src, size_t n);
int clear_user(uintptr_t dst, size_t n);

/* Copy what can be copied, a user page at a time: returns how many bytes
 * were copied before the first page that faults (n when all were). For
 * read(2)-like calls, which return a short count rather than EFAULT. */
size_t copy_to_user_partial(uintptr_t dst, const void *src, size_t n);
size_t copy_from_user_partial(void *dst, uintptr_t src, size_t n);

/* Copy a NUL-terminated string of at most max bytes including the NUL.
 * Returns its length, -EFAULT, or -ENAMETOOLONG when no NUL fits in max. */
long strncpy_from_user(char *dst, uintptr_t src, size_t max);

#define get_user(kvar, uaddr) copy_from_user(&(kvar), (uaddr), sizeof(kvar))
#define put_user(kval, uaddr)                                                                      \
	({                                                                                         \
		__typeof__(kval) __pv = (kval);                                                    \
		copy_to_user((uaddr), &__pv, sizeof(__pv));                                        \
	})

#endif

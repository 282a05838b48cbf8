/* uaccess.c: range checks around the fault-safe copy primitives in entry.asm. */
#include "kernel/uaccess.h"

#include "kernel/arch.h"
#include "kernel/errno.h"

uint64_t uaccess_copy(void *dst, const void *src, size_t n);
uint64_t uaccess_clear(void *dst, size_t n);
long uaccess_strncpy(char *dst, const char *src, size_t max);

bool uaccess_range_ok(uintptr_t addr, size_t len)
{
	return addr <= USER_TOP && len <= USER_TOP - addr;
}

int copy_from_user(void *dst, uintptr_t src, size_t n)
{
	uint64_t left;

	if (!uaccess_range_ok(src, n))
		return -EFAULT;
	user_access_begin();
	left = uaccess_copy(dst, (const void *)src, n);
	user_access_end();
	return left ? -EFAULT : 0;
}

int copy_to_user(uintptr_t dst, const void *src, size_t n)
{
	uint64_t left;

	if (!uaccess_range_ok(dst, n))
		return -EFAULT;
	user_access_begin();
	left = uaccess_copy((void *)dst, src, n);
	user_access_end();
	return left ? -EFAULT : 0;
}

/* Bytes from addr to the end of its page, at most n. */
static size_t to_page_end(uintptr_t addr, size_t n)
{
	size_t room = PAGE_SIZE - (addr & (PAGE_SIZE - 1));

	return room < n ? room : n;
}

size_t copy_to_user_partial(uintptr_t dst, const void *src, size_t n)
{
	size_t done = 0, chunk;

	for (; done < n; done += chunk) {
		chunk = to_page_end(dst + done, n - done);
		if (copy_to_user(dst + done, (const uint8_t *)src + done, chunk))
			break;
	}
	return done;
}

size_t copy_from_user_partial(void *dst, uintptr_t src, size_t n)
{
	size_t done = 0, chunk;

	for (; done < n; done += chunk) {
		chunk = to_page_end(src + done, n - done);
		if (copy_from_user((uint8_t *)dst + done, src + done, chunk))
			break;
	}
	return done;
}

int clear_user(uintptr_t dst, size_t n)
{
	uint64_t left;

	if (!uaccess_range_ok(dst, n))
		return -EFAULT;
	user_access_begin();
	left = uaccess_clear((void *)dst, n);
	user_access_end();
	return left ? -EFAULT : 0;
}

long strncpy_from_user(char *dst, uintptr_t src, size_t max)
{
	size_t room;
	long n;

	if (src >= USER_TOP || !max)
		return -EFAULT;
	room = USER_TOP - src < max ? USER_TOP - src : max;
	user_access_begin();
	n = uaccess_strncpy(dst, (const char *)src, room);
	user_access_end();
	if (n < 0)
		return -EFAULT;
	if ((size_t)n == room)
		return room < max ? -EFAULT : -ENAMETOOLONG;
	return n;
}

/* strlcpy.c: bounded string copy (its own file so that host tests, whose C
 * library may lack it, can include it alone). */
#include "kernel/lib/string.h"

size_t strlcpy(char *dst, const char *src, size_t size)
{
	size_t len = strlen(src);

	if (size) {
		size_t n = len < size - 1 ? len : size - 1;
		memcpy(dst, src, n);
		dst[n] = 0;
	}
	return len;
}

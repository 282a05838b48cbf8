/* ksyms.c: address-to-name lookup over the table the second link pass adds. */
#include "kernel/ksyms.h"

#include <stddef.h>

struct ksym {
	uint64_t addr;
	const char *name;
};

extern const uint64_t ksyms_count;
extern const struct ksym ksyms_table[];
extern const char _text_start[], _text_end[];

const char *ksyms_lookup(uint64_t addr, uint64_t *offset)
{
	size_t lo = 0, hi = ksyms_count;

	if (addr < (uint64_t)_text_start || addr >= (uint64_t)_text_end || !hi)
		return NULL;
	/* Find the last symbol at or below addr. */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (ksyms_table[mid].addr <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (ksyms_table[lo].addr > addr)
		return NULL;
	*offset = addr - ksyms_table[lo].addr;
	return ksyms_table[lo].name;
}

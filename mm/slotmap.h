/* slotmap.h (mm internal): a bitmap of fixed-size virtual-address slots,
 * handing out the lowest free slot so freed slots are reused first. Used for
 * kernel stacks and the kernel heap's areas. Callers serialise (interrupts
 * off). */
#ifndef MM_SLOTMAP_H
#define MM_SLOTMAP_H

#include <stdint.h>

#include "kernel/printk.h"

struct slotmap {
	uint64_t *bits;
	uint32_t nslots;   /* a multiple of 64 */
	uint32_t lowfree; /* no word below this one has a clear bit */
};

#define SLOTMAP_WORDS(nslots) (((nslots) + 63) / 64)

/* Take the lowest free slot; returns its index or -1 when all are in use. */
static inline long slotmap_get(struct slotmap *m)
{
	for (uint32_t w = m->lowfree; w < m->nslots / 64; w++) {
		if (m->bits[w] == UINT64_MAX)
			continue;
		int b = __builtin_ctzll(~m->bits[w]);
		m->bits[w] |= 1UL << b;
		m->lowfree = w;
		return (long)w * 64 + b;
	}
	m->lowfree = m->nslots / 64;
	return -1;
}

/* Give back slot i. => i is in use (KASSERT). */
static inline void slotmap_put(struct slotmap *m, uint32_t i)
{
	KASSERT(i < m->nslots && (m->bits[i / 64] & (1UL << (i % 64))));
	m->bits[i / 64] &= ~(1UL << (i % 64));
	if (i / 64 < m->lowfree)
		m->lowfree = i / 64;
}

#endif

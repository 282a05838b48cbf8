/* pmm.c: the physical frame allocator and per-frame reference counts.
 *
 * Theory of operation. One metadata entry (struct frame) per 4 KiB frame of
 * physical memory from 0 up to the end of the highest usable range, in one
 * array placed in usable RAM below BOOT_MAP_LIMIT (the boot tables reach it
 * before vmm_init). A frame is:
 *
 *   not managed   flags lack F_MANAGED: a hole, MMIO, firmware, the kernel
 *                 image, boot data, this array. pmm_ref/unref KASSERT.
 *   free          F_MANAGED, refcount 0, on the free list; F_POISONED once
 *                 it has been freed (every byte is FRAME_POISON).
 *   in use        F_MANAGED, refcount >= 1, not on the free list.
 *
 * The free list is a LIFO stack linked through next_free (frame indices), so
 * alloc and free are O(1). It is built from the top down, so the first
 * allocations, made by vmm_init while only the boot tables map memory, come
 * from the lowest frames. Counters: nfree, ntotal (managed frames) and
 * nshared (frames with refcount > 1) change with every transition, so all
 * three are O(1) to read. Each state change runs with interrupts off; there
 * is one CPU. */
#include "mm/pmm.h"

#include "kernel/lib/string.h"
#include "kernel/printk.h"

#define F_RAM 0x1      /* usable RAM in the memory map */
#define F_MANAGED 0x2  /* owned by this allocator */
#define F_POISONED 0x4 /* free and filled with FRAME_POISON */

#define FRAME_POISON 0xA5
#define NO_FRAME UINT32_MAX

struct frame {
	uint32_t refcount;
	uint16_t flags;
	uint16_t spare;     /* room for more per-frame state */
	uint32_t next_free; /* index of the next free frame, when free */
};
_Static_assert(sizeof(struct frame) == 12, "frame metadata grew");

static struct frame *frames;
static size_t nframes; /* frames[] covers physical 0 .. nframes * PAGE_SIZE */
static uint32_t free_head = NO_FRAME;
static size_t nfree, ntotal, nshared;

static bool ranges_overlap(paddr_t b1, paddr_t e1, paddr_t b2, paddr_t e2)
{
	return b1 < e2 && b2 < e1;
}

/* True if [b, e) lies in one usable range, below the boot map limit, and
 * clear of every reserved range. */
static bool is_free_place(paddr_t b, paddr_t e, const struct pmm_range *usable, size_t nusable,
			  const struct pmm_range *reserved, size_t nreserved)
{
	bool inside = false;

	if (e > BOOT_MAP_LIMIT)
		return false;
	for (size_t i = 0; i < nusable; i++)
		if (b >= usable[i].base && e <= usable[i].base + usable[i].len)
			inside = true;
	for (size_t i = 0; inside && i < nreserved; i++)
		if (ranges_overlap(b, e, reserved[i].base, reserved[i].base + reserved[i].len))
			return false;
	return inside;
}

/* The lowest page-aligned place for size bytes that starts at a usable
 * range's base or right after a reserved range (so: right after the kernel
 * image when that is free). Returns false if there is none. */
static bool place_metadata(uint64_t size, paddr_t *out, const struct pmm_range *usable,
			   size_t nusable, const struct pmm_range *reserved, size_t nreserved)
{
	bool found = false;

	for (size_t i = 0; i < nusable + nreserved; i++) {
		paddr_t c = i < nusable ? usable[i].base
					: reserved[i - nusable].base + reserved[i - nusable].len;
		c = PAGE_ALIGN_UP(c);
		if ((!found || c < *out) &&
		    is_free_place(c, c + size, usable, nusable, reserved, nreserved)) {
			*out = c;
			found = true;
		}
	}
	return found;
}

/* Set (or clear) flag bits on every frame in [first, last). */
static void flag_frames(size_t first, size_t last, uint16_t set, uint16_t clear)
{
	if (last > nframes)
		last = nframes;
	for (size_t i = first; i < last; i++)
		frames[i].flags = (uint16_t)((frames[i].flags | set) & ~clear);
}

static void push_free(size_t i)
{
	frames[i].next_free = free_head;
	free_head = (uint32_t)i;
	nfree++;
}

void pmm_init(const struct pmm_range *usable, size_t nusable, const struct pmm_range *reserved,
	      size_t nreserved)
{
	paddr_t top = 0, meta = 0;
	uint64_t meta_size;

	for (size_t i = 0; i < nusable; i++)
		if (PAGE_ALIGN_DOWN(usable[i].base + usable[i].len) > top)
			top = PAGE_ALIGN_DOWN(usable[i].base + usable[i].len);
	nframes = top >> PAGE_SHIFT;
	KASSERT(nframes > 0 && nframes < NO_FRAME);
	meta_size = PAGE_ALIGN_UP(nframes * sizeof(struct frame));
	if (!place_metadata(meta_size, &meta, usable, nusable, reserved, nreserved))
		panic("pmm: no room below 1 GiB for %lu bytes of frame metadata",
		      (unsigned long)meta_size);
	frames = phys_to_virt(meta);
	memset(frames, 0, meta_size);

	for (size_t i = 0; i < nusable; i++)
		flag_frames(PAGE_ALIGN_UP(usable[i].base) >> PAGE_SHIFT,
			    PAGE_ALIGN_DOWN(usable[i].base + usable[i].len) >> PAGE_SHIFT,
			    F_RAM | F_MANAGED, 0);
	for (size_t i = 0; i < nreserved; i++)
		flag_frames(PAGE_ALIGN_DOWN(reserved[i].base) >> PAGE_SHIFT,
			    PAGE_ALIGN_UP(reserved[i].base + reserved[i].len) >> PAGE_SHIFT, 0,
			    F_MANAGED);
	/* Not F_RAM either, so pmm_release can never hand the array out. */
	flag_frames(meta >> PAGE_SHIFT, (meta + meta_size) >> PAGE_SHIFT, 0, F_RAM | F_MANAGED);

	free_head = NO_FRAME;
	nfree = nshared = 0;
	for (size_t i = nframes; i-- > 0;)
		if (frames[i].flags & F_MANAGED)
			push_free(i);
	ntotal = nfree;
	kinfo("pmm: %lu frames managed, metadata %lu KiB at %lx\n", (unsigned long)ntotal,
	      (unsigned long)(meta_size >> 10), (unsigned long)meta);
}

/* Give reserved RAM in [base, base + len) to the allocator as free frames
 * (for example a boot module once it has been unpacked). Frames that are not
 * RAM, or already managed, are skipped. Returns the number of frames added.
 * => the caller no longer uses any byte of the range. */
size_t pmm_release(paddr_t base, uint64_t len)
{
	size_t first = PAGE_ALIGN_UP(base) >> PAGE_SHIFT;
	size_t last = PAGE_ALIGN_DOWN(base + len) >> PAGE_SHIFT;
	size_t added = 0;
	uint64_t irq = irq_save();

	for (size_t i = first; i < last && i < nframes; i++) {
		if ((frames[i].flags & (F_RAM | F_MANAGED)) != F_RAM)
			continue;
		frames[i].flags |= F_MANAGED;
		frames[i].refcount = 0;
		push_free(i);
		ntotal++;
		added++;
	}
	irq_restore(irq);
	return added;
}

static inline __attribute__((always_inline)) struct frame *frame_of(paddr_t pa)
{
	size_t i = pa >> PAGE_SHIFT;

	KASSERT((pa & ~PAGE_MASK) == 0);
	KASSERT(i < nframes && (frames[i].flags & F_MANAGED));
	return &frames[i];
}

/* Panic if a freed frame was written after it was freed. A spot check of
 * one word in each 256 bytes: reading the whole page on every allocation
 * cost more than zeroing it, and a stray write rarely hits less than that. */
static void check_poison(paddr_t pa)
{
	const uint64_t *p = phys_to_virt(pa);
	const uint64_t pattern = 0x0101010101010101UL * FRAME_POISON;

	for (size_t i = 0; i < PAGE_SIZE / sizeof(*p); i += 32)
		if (p[i] != pattern)
			panic("pmm: frame %lx written after free, at offset %lx",
			      (unsigned long)pa, (unsigned long)(i * sizeof(*p)));
}

paddr_t pmm_alloc_nozero(void)
{
	uint64_t irq = irq_save();
	struct frame *f;
	bool poisoned;
	size_t i;

	if (free_head == NO_FRAME) {
		irq_restore(irq);
		return 0;
	}
	i = free_head;
	f = &frames[i];
	KASSERT(f->refcount == 0 && (f->flags & F_MANAGED));
	free_head = f->next_free;
	f->refcount = 1;
	poisoned = f->flags & F_POISONED;
	f->flags &= ~F_POISONED;
	nfree--;
	irq_restore(irq);
	if (poisoned)
		check_poison((paddr_t)i << PAGE_SHIFT);
	return (paddr_t)i << PAGE_SHIFT;
}

paddr_t pmm_alloc(void)
{
	paddr_t pa = pmm_alloc_nozero();

	if (pa)
		page_fill(phys_to_virt(pa), 0);
	return pa;
}

/* Reference counts change only in process context (never from an
 * interrupt handler), on one CPU with a non-preemptible kernel, so a count
 * update needs no interrupt masking; only the free list does (pmm_free). */
void pmm_ref(paddr_t pa)
{
	struct frame *f = frame_of(pa);

	KASSERT(f->refcount >= 1);
	KASSERT(f->refcount < UINT32_MAX);
	if (++f->refcount == 2)
		nshared++;
}

uint32_t pmm_unref(paddr_t pa)
{
	struct frame *f = frame_of(pa);
	uint32_t left;

	KASSERT(f->refcount >= 1);
	left = --f->refcount;
	if (left == 1)
		nshared--;
	if (left == 0) {
		uint64_t irq = irq_save();
		page_fill(phys_to_virt(pa), FRAME_POISON);
		f->flags |= F_POISONED;
		push_free(pa >> PAGE_SHIFT);
		irq_restore(irq);
	}
	return left;
}

uint32_t pmm_refcount(paddr_t pa)
{
	return frame_of(pa)->refcount;
}

bool pmm_is_managed(paddr_t pa)
{
	size_t i = pa >> PAGE_SHIFT;

	return i < nframes && (frames[i].flags & F_MANAGED);
}

size_t pmm_free_count(void)
{
	return nfree;
}

size_t pmm_total_count(void)
{
	return ntotal;
}

size_t pmm_shared_count(void)
{
	return nshared;
}

/* kheap.c: the kernel heap: slabs for small blocks, mapped pages for big ones.
 *
 * Theory of operation. Three kinds of block, told apart by address alone, so
 * kfree needs no size:
 *
 *   size <= 2048   an object in a slab. Slabs are SLAB_SIZE (16 KiB) of pmm
 *                  frames mapped at a SLAB_SIZE-aligned slot of the slab area
 *                  (the first GiB of VMALLOC_BASE); the header at the start
 *                  of the slab gives the size class. Free objects form a list
 *                  through their first word, and a bitmap in the header says
 *                  which objects are free, so a double free is caught.
 *   2048 < size <= PAGE_SIZE
 *                  one pmm frame, returned through the direct map.
 *   PAGE_SIZE < size <= 16 MiB
 *                  frames mapped at a slot of the large area for the smallest
 *                  class of 2^k pages (k = 1..12) that fits. Each class has
 *                  its own 64 GiB sub-area with slots of 2^(k+1) pages, so at
 *                  least one unmapped page follows every block: kfree unmaps
 *                  from the slot's start until it meets an unmapped page.
 *
 * Freed slab objects are filled with HEAP_POISON and checked when handed out
 * again; freed frames are poisoned by pmm. A class keeps one slab even when
 * it is empty, and frees every other slab that empties, so free-frame counts
 * return to where they were once a test's blocks are freed. The kernel-half
 * page tables the areas use are never freed. All state changes run with
 * interrupts off (one CPU). */
#include "mm/kheap.h"

#include "kernel/arch.h"
#include "kernel/lib/string.h"
#include "kernel/list.h"
#include "kernel/printk.h"
#include "mm/pmm.h"
#include "mm/slotmap.h"
#include "mm/vmm.h"

#define HEAP_POISON 0x6B
#define SLAB_MAGIC 0x51AB51AB
#define SLAB_SIZE (16 * 1024UL)
#define SLAB_HDR 192 /* bytes before the first object; keeps objects 64-aligned */
#define SLAB_MAX_OBJS 1024
#define SLAB_AREA_SIZE (1UL << 30)
#define SLAB_SLOTS (SLAB_AREA_SIZE / SLAB_SIZE)
#define SMALL_MAX 2048

#define LARGE_CLASSES 12 /* 2^1 .. 2^12 pages */
#define LARGE_SUBAREA (64UL << 30)
#define LARGE_SLOTS_MAX 4096
#define KHEAP_MAX (16UL << 20)

#define HEAP_PTE (PTE_W | PTE_NX | PTE_G)

struct slab {
	uint32_t magic;
	uint16_t cls;
	uint16_t inuse;
	void *free;            /* first free object, NULL when full */
	struct list_head link; /* on the class's partial list while free != NULL */
	uint64_t freemap[SLAB_MAX_OBJS / 64]; /* bit set = object free */
};
_Static_assert(sizeof(struct slab) <= SLAB_HDR, "slab header too big");

struct slab_class {
	uint32_t size, capacity, nslabs;
	struct list_head partial;
};

static const uint32_t class_sizes[] = { 16,  32,  48,  64,  96,   128,  192,
					256, 384, 512, 768, 1024, 1536, 2048 };
#define NCLASSES (sizeof(class_sizes) / sizeof(class_sizes[0]))
static struct slab_class classes[NCLASSES];

static uint64_t slab_bits[SLOTMAP_WORDS(SLAB_SLOTS)];
static struct slotmap slab_slots = { slab_bits, SLAB_SLOTS, 0 };

static uint64_t large_bits[LARGE_CLASSES][SLOTMAP_WORDS(LARGE_SLOTS_MAX)];
static struct slotmap large_slots[LARGE_CLASSES];

static uintptr_t large_area(int k)
{
	return VMALLOC_BASE + (uintptr_t)(k + 1) * LARGE_SUBAREA;
}

static uintptr_t large_stride(int k)
{
	return PAGE_SIZE << (k + 2);
}

void kheap_init(void)
{
	for (size_t i = 0; i < NCLASSES; i++) {
		uint32_t cap = (SLAB_SIZE - SLAB_HDR) / class_sizes[i];
		classes[i].size = class_sizes[i];
		classes[i].capacity = cap < SLAB_MAX_OBJS ? cap : SLAB_MAX_OBJS;
		classes[i].nslabs = 0;
		list_init(&classes[i].partial);
	}
	for (int k = 0; k < LARGE_CLASSES; k++) {
		uintptr_t n = LARGE_SUBAREA / large_stride(k);
		large_slots[k].bits = large_bits[k];
		large_slots[k].nslots = n < LARGE_SLOTS_MAX ? (uint32_t)n : LARGE_SLOTS_MAX;
		large_slots[k].lowfree = 0;
	}
	_Static_assert((LARGE_CLASSES + 1) * LARGE_SUBAREA <= VMALLOC_SIZE, "heap areas");
}

static size_t heap_frames; /* kheap_frames() */

size_t kheap_frames(void)
{
	return heap_frames;
}

/* Map npages fresh frames at va. Returns false (with nothing mapped) on OOM. */
static bool map_frames(uintptr_t va, size_t npages)
{
	size_t i;

	for (i = 0; i < npages; i++) {
		paddr_t pa = pmm_alloc_nozero();
		if (!pa)
			goto undo_mappings;
		if (vmm_map(vmm_kernel_pml4(), va + i * PAGE_SIZE, pa, HEAP_PTE) < 0) {
			pmm_unref(pa);
			goto undo_mappings;
		}
	}
	heap_frames += npages;
	return true;

undo_mappings:
	while (i-- > 0)
		pmm_unref(vmm_unmap(vmm_kernel_pml4(), va + i * PAGE_SIZE) & PTE_ADDR_MASK);
	return false;
}

/* Unmap and free pages from va until the first unmapped one (at most max). */
static void unmap_frames(uintptr_t va, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		pte_t old = vmm_unmap(vmm_kernel_pml4(), va + i * PAGE_SIZE);
		if (!(old & PTE_P))
			return;
		pmm_unref(old & PTE_ADDR_MASK);
		heap_frames--;
	}
}

static bool obj_is_free(const struct slab *s, uint32_t i)
{
	return s->freemap[i / 64] & (1UL << (i % 64));
}

/* A new slab for class c, all objects free and poisoned, on the partial list.
 * => interrupts off. NULL on OOM. */
static struct slab *slab_new(size_t c)
{
	struct slab_class *sc = &classes[c];
	long slot = slotmap_get(&slab_slots);
	struct slab *s;
	uint8_t *obj;

	if (slot < 0)
		return NULL;
	s = (struct slab *)(VMALLOC_BASE + (uintptr_t)slot * SLAB_SIZE);
	if (!map_frames((uintptr_t)s, SLAB_SIZE / PAGE_SIZE)) {
		slotmap_put(&slab_slots, (uint32_t)slot);
		return NULL;
	}
	memset(s, 0, SLAB_HDR);
	memset((uint8_t *)s + SLAB_HDR, HEAP_POISON, SLAB_SIZE - SLAB_HDR);
	s->magic = SLAB_MAGIC;
	s->cls = (uint16_t)c;
	obj = (uint8_t *)s + SLAB_HDR;
	for (uint32_t i = 0; i < sc->capacity; i++) {
		*(void **)(obj + i * sc->size) = i + 1 < sc->capacity ? obj + (i + 1) * sc->size : NULL;
		s->freemap[i / 64] |= 1UL << (i % 64);
	}
	s->free = obj;
	sc->nslabs++;
	list_add(&s->link, &sc->partial);
	return s;
}

/* => interrupts off; s is empty and not the class's only slab. */
static void slab_release(struct slab *s)
{
	uint32_t slot = (uint32_t)(((uintptr_t)s - VMALLOC_BASE) / SLAB_SIZE);

	list_del(&s->link);
	classes[s->cls].nslabs--;
	s->magic = 0;
	unmap_frames((uintptr_t)s, SLAB_SIZE / PAGE_SIZE);
	slotmap_put(&slab_slots, slot);
}

static void check_heap_poison(const uint8_t *p, size_t size)
{
	for (size_t i = sizeof(void *); i < size; i++)
		if (p[i] != HEAP_POISON)
			panic("kheap: %p (size %lu) written after free, at offset %lu", p,
			      (unsigned long)size, (unsigned long)i);
}

static void *slab_alloc(size_t c)
{
	struct slab_class *sc = &classes[c];
	uint64_t irq = irq_save();
	struct slab *s;
	uint8_t *obj;
	uint32_t i;

	if (list_empty(&sc->partial) && !slab_new(c)) {
		irq_restore(irq);
		return NULL;
	}
	s = list_first_entry(&sc->partial, struct slab, link);
	obj = s->free;
	i = (uint32_t)((obj - ((uint8_t *)s + SLAB_HDR)) / sc->size);
	KASSERT(obj_is_free(s, i));
	s->free = *(void **)obj;
	s->freemap[i / 64] &= ~(1UL << (i % 64));
	s->inuse++;
	if (!s->free)
		list_del(&s->link);
	irq_restore(irq);
	check_heap_poison(obj, sc->size);
	return obj;
}

static void slab_free(void *p)
{
	struct slab *s = (struct slab *)((uintptr_t)p & ~(SLAB_SIZE - 1));
	uint64_t irq = irq_save();
	struct slab_class *sc;
	uintptr_t off;
	uint32_t i;

	KASSERT(s->magic == SLAB_MAGIC);
	sc = &classes[s->cls];
	off = (uintptr_t)p - (uintptr_t)s - SLAB_HDR;
	i = (uint32_t)(off / sc->size);
	KASSERT(off % sc->size == 0 && i < sc->capacity);
	if (obj_is_free(s, i))
		panic("kheap: double free of %p", p);
	memset(p, HEAP_POISON, sc->size);
	*(void **)p = s->free;
	if (!s->free)
		list_add(&s->link, &sc->partial);
	s->free = p;
	s->freemap[i / 64] |= 1UL << (i % 64);
	if (--s->inuse == 0 && sc->nslabs > 1)
		slab_release(s);
	irq_restore(irq);
}

static void *large_alloc(size_t npages)
{
	int k = 0;
	uint64_t irq;
	long slot;
	uintptr_t va;

	while ((2UL << k) < npages)
		k++;
	irq = irq_save();
	slot = slotmap_get(&large_slots[k]);
	irq_restore(irq);
	if (slot < 0)
		return NULL;
	va = large_area(k) + (uintptr_t)slot * large_stride(k);
	if (!map_frames(va, npages)) {
		irq = irq_save();
		slotmap_put(&large_slots[k], (uint32_t)slot);
		irq_restore(irq);
		return NULL;
	}
	return (void *)va;
}

static void large_free(void *p)
{
	uintptr_t va = (uintptr_t)p;
	int k = (int)((va - VMALLOC_BASE) / LARGE_SUBAREA) - 1;
	uintptr_t slot = (va - large_area(k)) / large_stride(k);
	uint64_t irq;

	KASSERT(k >= 0 && k < LARGE_CLASSES);
	KASSERT(va == large_area(k) + slot * large_stride(k));
	if (!vmm_translate(vmm_kernel_pml4(), va, NULL, NULL))
		panic("kheap: double free of %p", p);
	unmap_frames(va, 2UL << k);
	irq = irq_save();
	slotmap_put(&large_slots[k], (uint32_t)slot);
	irq_restore(irq);
}

void *kmalloc(size_t size)
{
	if (size > KHEAP_MAX)
		return NULL;
	if (size <= SMALL_MAX) {
		size_t c = 0;
		while (class_sizes[c] < size)
			c++;
		return slab_alloc(c);
	}
	if (size <= PAGE_SIZE) {
		paddr_t pa = pmm_alloc_nozero();
		heap_frames += pa != 0;
		return pa ? phys_to_virt(pa) : NULL;
	}
	return large_alloc(PAGE_ALIGN_UP(size) / PAGE_SIZE);
}

void *kzalloc(size_t size)
{
	void *p = kmalloc(size);

	if (p)
		memset(p, 0, size);
	return p;
}

void kfree(void *p)
{
	uintptr_t va = (uintptr_t)p;

	if (!p)
		return;
	if (va >= VMALLOC_BASE && va < VMALLOC_BASE + SLAB_AREA_SIZE) {
		slab_free(p);
	} else if (va >= large_area(0) && va < VMALLOC_BASE + VMALLOC_SIZE) {
		large_free(p);
	} else if (va >= DIRECT_MAP_BASE && va < KSTACK_AREA_BASE) {
		KASSERT((va & ~PAGE_MASK) == 0);
		KASSERT(pmm_refcount(virt_to_phys(p)) == 1);
		pmm_unref(virt_to_phys(p));
		heap_frames--;
	} else {
		panic("kfree: %p is not a heap block", p);
	}
}

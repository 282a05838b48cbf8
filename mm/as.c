/* as.c: user address spaces: regions, mapping, unmapping, protection, and
 * the page-fault dispatcher.
 *
 * Invariants: VMAs are page-aligned, non-empty, sorted by start,
 * non-overlapping, and lie below USER_TOP (vma_insert asserts it: two
 * regions over the same page would make fork copy it twice and the exit
 * count it off). Every present PTE in the user half lies inside a VMA and
 * holds one reference on its frame (see mm/cow/cow.c for the PTE states).
 * as->rss_pages counts those PTEs. Ranges from system calls are checked
 * with as_range_ok() before any arithmetic on their ends. There is one CPU
 * and the kernel is not preemptible, so no lock is needed; a fault may
 * allocate but never sleeps on a wait queue.
 *
 * Fault classification (as_fault):
 *   no VMA (or below a stack VMA within its limit) -> grow the stack, or
 *       -EFAULT;
 *   access the VMA forbids                         -> -EFAULT;
 *   PTE absent                                     -> demand page: zero
 *       frame, or a private copy of the file's bytes;
 *   PTE present, write, not writable               -> copy-on-write;
 *   otherwise (a stale TLB entry)                  -> flush, retry. */
#include "mm/as.h"

#include "fs/vfs.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/trap.h"
#include "mm/cow/cow.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"

static pte_t prot_to_pte(uint32_t prot)
{
	pte_t pte = PTE_P | PTE_U;

	if (prot & PROT_WRITE)
		pte |= PTE_W;
	if (!(prot & PROT_EXEC))
		pte |= PTE_NX;
	return vmm_supported_flags(pte);
}

struct as *as_create(void)
{
	struct as *as = kzalloc(sizeof(*as));

	if (!as)
		return NULL;
	as->pml4 = vmm_create_pml4();
	if (!as->pml4) {
		kfree(as);
		return NULL;
	}
	as->refs = 1;
	list_init(&as->vmas);
	as->mmap_base = AS_MMAP_TOP;
	return as;
}

void as_get(struct as *as)
{
	as->refs++;
}

struct unmap {
	struct as *as;
	bool live;    /* as is the loaded address space: flush what we clear */
	size_t freed;
};

static int unmap_table(pte_t *ptes, size_t n, uintptr_t va, void *arg)
{
	struct unmap *u = arg;

	for (size_t i = 0; i < n; i++, va += PAGE_SIZE) {
		pte_t old = ptes[i];
		if (!(old & PTE_P))
			continue;
		ptes[i] = 0;
		if (u->live)
			vmm_flush_page(va);
		pmm_unref(old & PTE_ADDR_MASK);
		u->freed++;
	}
	return 0;
}

/* Drop the frames mapped in [start, end). */
static void unmap_pages(struct as *as, uintptr_t start, uintptr_t end)
{
	struct unmap u = { as, read_cr3() == as->pml4, 0 };

	vmm_range(as->pml4, start, end, unmap_table, &u);
	as->rss_pages -= u.freed;
}

static void vma_free(struct vma *v)
{
	list_del(&v->link);
	if (v->file)
		inode_unref(v->file);
	kfree(v);
}

void as_put(struct as *as)
{
	struct list_head *pos, *n;

	KASSERT(as->refs > 0);
	if (--as->refs)
		return;
	KASSERT(read_cr3() != as->pml4);
	list_for_each_safe(pos, n, &as->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		unmap_pages(as, v->start, v->end);
		vma_free(v);
	}
	KASSERT(as->rss_pages == 0);
	vmm_destroy_pml4(as->pml4);
	if (as->exe) {
		inode_allow_write(as->exe);
		inode_unref(as->exe);
	}
	kfree(as);
}

void as_copy_exec_info(struct as *dst, const struct as *src)
{
	dst->arg_start = src->arg_start;
	dst->arg_end = src->arg_end;
	dst->env_start = src->env_start;
	dst->env_end = src->env_end;
	dst->start_stack = src->start_stack;
	dst->exe = src->exe;
	if (dst->exe) {
		int busy = inode_deny_write(dst->exe); /* src denies already */
		KASSERT(!busy);
		inode_ref(dst->exe);
	}
}

struct vma *as_find_vma(struct as *as, uintptr_t addr)
{
	struct list_head *pos;

	list_for_each(pos, &as->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (addr < v->start)
			return NULL;
		if (addr < v->end)
			return v;
	}
	return NULL;
}

struct vma *as_vma_dup(const struct vma *v)
{
	struct vma *nv = kmalloc(sizeof(*nv));

	if (!nv)
		return NULL;
	*nv = *v;
	list_init(&nv->link);
	if (nv->file)
		inode_ref(nv->file);
	return nv;
}

static void vma_insert(struct as *as, struct vma *nv)
{
	struct list_head *pos;

	KASSERT(nv->start < nv->end && nv->end <= USER_TOP);
	KASSERT(!(nv->start & ~PAGE_MASK) && !(nv->end & ~PAGE_MASK));
	list_for_each(pos, &as->vmas) {
		if (list_entry(pos, struct vma, link)->start > nv->start)
			break;
	}
	KASSERT(pos == &as->vmas || list_entry(pos, struct vma, link)->start >= nv->end);
	KASSERT(pos->prev == &as->vmas || list_entry(pos->prev, struct vma, link)->end <= nv->start);
	list_insert_between(&nv->link, pos->prev, pos);
}

/* Split v at addr (strictly inside it); the upper part becomes a new VMA. */
static int vma_split(struct as *as, struct vma *v, uintptr_t addr)
{
	struct vma *hi = kmalloc(sizeof(*hi));

	if (!hi)
		return -ENOMEM;
	*hi = *v;
	hi->start = addr;
	if (v->file) {
		hi->file_off = v->file_off + (addr - v->start);
		hi->file_size = v->file_size > addr - v->start ? v->file_size - (addr - v->start) : 0;
		inode_ref(v->file);
	}
	v->end = addr;
	v->file_size = v->file_size < addr - v->start ? v->file_size : addr - v->start;
	list_insert_between(&hi->link, &v->link, v->link.next);
	(void)as;
	return 0;
}

/* Split so that no VMA straddles start or end. */
static int split_range(struct as *as, uintptr_t start, uintptr_t end)
{
	struct vma *v;
	int err;

	if ((v = as_find_vma(as, start)) && v->start < start && (err = vma_split(as, v, start)))
		return err;
	if ((v = as_find_vma(as, end)) && v->start < end && (err = vma_split(as, v, end)))
		return err;
	return 0;
}

int as_unmap(struct as *as, uintptr_t addr, size_t len)
{
	struct list_head *pos, *n;
	uintptr_t end;
	int err;

	len = PAGE_ALIGN_UP(len);
	if ((addr & ~PAGE_MASK) || !as_range_ok(addr, len))
		return -EINVAL;
	end = addr + len;
	if ((err = split_range(as, addr, end)))
		return err;
	list_for_each_safe(pos, n, &as->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (v->start >= end)
			break;
		if (v->end <= addr)
			continue;
		unmap_pages(as, v->start, v->end);
		vma_free(v);
	}
	return 0;
}

bool as_range_free(struct as *as, uintptr_t start, uintptr_t end)
{
	struct list_head *pos;

	list_for_each(pos, &as->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (v->start < end && v->end > start)
			return false;
	}
	return true;
}

bool as_range_mapped(struct as *as, uintptr_t start, uintptr_t end)
{
	for (uintptr_t va = start; va < end;) {
		struct vma *v = as_find_vma(as, va);
		if (!v)
			return false;
		va = v->end;
	}
	return true;
}

void as_discard(struct as *as, uintptr_t start, uintptr_t end)
{
	struct list_head *pos;

	list_for_each(pos, &as->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		uintptr_t s = v->start > start ? v->start : start;
		uintptr_t e = v->end < end ? v->end : end;
		if (s < e && !(v->flags & VMA_SHARED))
			unmap_pages(as, s, e);
	}
}

int as_change_flags(struct as *as, uintptr_t start, uintptr_t end, uint32_t set,
		    uint32_t clear)
{
	struct list_head *pos;
	uintptr_t covered = start;
	int err;

	if ((err = split_range(as, start, end)))
		return err;
	list_for_each(pos, &as->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (v->start >= end)
			break;
		if (v->end <= start)
			continue;
		if (v->start > covered)
			err = -ENOMEM;
		covered = v->end;
		v->flags = (v->flags | set) & ~clear;
	}
	return covered < end ? -ENOMEM : err;
}

/* Highest free gap of len bytes between AS_MIN_ADDR and as->mmap_base; 0
 * when none. No sum here can wrap, whatever len is. */
static uintptr_t find_free(struct as *as, size_t len)
{
	uintptr_t top = as->mmap_base;
	struct list_head *pos;

	for (pos = as->vmas.prev; pos != &as->vmas; pos = pos->prev) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (v->start >= top)
			continue;
		if (v->end <= top && top - v->end >= len)
			break;
		top = v->start;
	}
	return top >= AS_MIN_ADDR && top - AS_MIN_ADDR >= len ? top - len : 0;
}

/* Where a mapping without MAP_FIXED goes: at the hint, rounded down to a
 * page and raised to AS_MIN_ADDR, when the whole range there is free (a
 * hint over an existing region, even only its middle, is ignored), else
 * find_free(). 0 when nothing fits. */
static uintptr_t pick_addr(struct as *as, uintptr_t hint, size_t len)
{
	hint = PAGE_ALIGN_DOWN(hint);
	if (hint && hint < AS_MIN_ADDR)
		hint = AS_MIN_ADDR;
	if (hint && as_range_ok(hint, len) && as_range_free(as, hint, hint + len))
		return hint;
	return find_free(as, len);
}

/* Allocate and map every page of a shared anonymous region now, so that a
 * later fork shares them all. */
static int populate_shared(struct as *as, struct vma *v)
{
	for (uintptr_t va = v->start; va < v->end; va += PAGE_SIZE) {
		paddr_t pa = pmm_alloc();
		if (!pa)
			return -ENOMEM;
		if (vmm_map(as->pml4, va, pa, prot_to_pte(v->prot) | PTE_SHARED)) {
			pmm_unref(pa);
			return -ENOMEM;
		}
		as->rss_pages++;
	}
	return 0;
}

long as_map(struct as *as, uintptr_t addr, size_t len, uint32_t prot, uint32_t vflags,
	    bool fixed, struct inode *file, uint64_t off)
{
	struct vma *v;
	int err;

	if (!len)
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	if (!as_range_ok(fixed ? addr : 0, len))
		return -ENOMEM;
	if (fixed) {
		if (addr & ~PAGE_MASK)
			return -EINVAL;
		if ((err = as_unmap(as, addr, len)))
			return err;
	} else if (!(addr = pick_addr(as, addr, len))) {
		return -ENOMEM;
	}
	v = kzalloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->start = addr;
	v->end = addr + len;
	v->prot = prot;
	v->flags = vflags;
	if (file) {
		v->file = file;
		v->file_off = off;
		v->file_size = len;
		inode_ref(file);
	}
	vma_insert(as, v);
	if ((vflags & VMA_SHARED) && !file && (err = populate_shared(as, v))) {
		unmap_pages(as, v->start, v->end);
		vma_free(v);
		return err;
	}
	if (as->mlock_future)
		as_mlock_new(as, v);
	return (long)addr;
}

struct reprotect {
	struct vma *v;
	bool live;
};

static int reprotect_table(pte_t *ptes, size_t n, uintptr_t va, void *arg)
{
	struct reprotect *r = arg;
	pte_t base = prot_to_pte(r->v->prot);
	bool cow = (r->v->prot & PROT_WRITE) && !(r->v->flags & VMA_SHARED);

	for (size_t i = 0; i < n; i++, va += PAGE_SIZE) {
		if (!(ptes[i] & PTE_P))
			continue;
		pte_t p = (ptes[i] & (PTE_ADDR_MASK | PTE_A | PTE_D | PTE_SHARED)) | base;
		ptes[i] = cow ? cow_writable_pte(p) : p;
		if (r->live)
			vmm_flush_page(va);
	}
	return 0;
}

/* Apply v->prot to the present PTEs of v. */
static void reprotect_pages(struct as *as, struct vma *v)
{
	struct reprotect r = { v, read_cr3() == as->pml4 };

	vmm_range(as->pml4, v->start, v->end, reprotect_table, &r);
}

int as_protect(struct as *as, uintptr_t addr, size_t len, uint32_t prot)
{
	struct list_head *pos;
	uintptr_t end;
	int err;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	len = PAGE_ALIGN_UP(len);
	if (!len || addr + len < addr) /* wraps: Linux's "end <= start" */
		return -ENOMEM;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	end = addr + len;
	if (!as_range_ok(addr, len) || !as_range_mapped(as, addr, end))
		return -ENOMEM; /* a hole (past user space, all is hole) */
	if ((err = split_range(as, addr, end)))
		return err;
	list_for_each(pos, &as->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (v->start >= end)
			break;
		if (v->end <= addr)
			continue;
		v->prot = prot;
		reprotect_pages(as, v);
	}
	return 0;
}

/* Map frame pa (whose reference the mapping takes over) at va. */
static int map_frame(struct as *as, uintptr_t va, paddr_t pa, pte_t flags)
{
	if (vmm_map(as->pml4, va, pa, flags)) {
		pmm_unref(pa);
		return -ENOMEM;
	}
	as->rss_pages++;
	return 0;
}

/* A page of a file mapping. Whole pages of the file are mapped straight
 * from the file's frames (no copy): shared mappings writable, private ones
 * read-only, so a write copies first (cow_fault, as the file holds a
 * reference). A page the file only partly covers (the end of an ELF
 * segment's data) is copied into a new frame and the rest zeroed. */
static int file_page(struct as *as, struct vma *v, uintptr_t va)
{
	uint64_t rel = va - v->start, off = v->file_off + rel;
	bool shared = v->flags & VMA_SHARED, whole = rel + PAGE_SIZE <= v->file_size;
	paddr_t pa;

	if (off >= PAGE_ALIGN_UP(v->file->size))
		return -EBUSERR; /* a whole page past the end of the file */
	if (shared || whole) {
		pa = vfs_inode_page(v->file, off / PAGE_SIZE, shared);
		if (pa) {
			pte_t pte = prot_to_pte(v->prot) | (shared ? PTE_SHARED : 0);
			if (!shared && (pte & PTE_W))
				pte = (pte & ~PTE_W) | PTE_COW;
			return map_frame(as, va, pa, pte);
		}
		if (shared)
			return -ENOMEM;
	}
	if (!(pa = pmm_alloc()))
		return -ENOMEM;
	size_t n = v->file_size - rel < PAGE_SIZE ? v->file_size - rel : PAGE_SIZE;
	vfs_inode_read(v->file, off, phys_to_virt(pa), n);
	return map_frame(as, va, pa, prot_to_pte(v->prot));
}

/* Fill the page at va from the region's backing. */
static int demand_page(struct as *as, struct vma *v, uintptr_t va)
{
	paddr_t pa;

	if (v->file && va - v->start < v->file_size)
		return file_page(as, v, va);
	if (!(pa = pmm_alloc()))
		return -ENOMEM;
	return map_frame(as, va, pa, prot_to_pte(v->prot));
}

/* A fault just below a grows-down region extends it, within the limit. */
static struct vma *grow_stack(struct as *as, uintptr_t addr, uint64_t limit)
{
	struct list_head *pos;

	list_for_each(pos, &as->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (v->start <= addr)
			continue;
		if (!(v->flags & VMA_GROWSDOWN) || v->end - PAGE_ALIGN_DOWN(addr) > limit)
			return NULL;
		struct vma *prev = pos->prev == &as->vmas ? NULL
							   : list_entry(pos->prev, struct vma, link);
		if (prev && prev->end + PAGE_SIZE > PAGE_ALIGN_DOWN(addr))
			return NULL; /* keep a guard gap */
		v->start = PAGE_ALIGN_DOWN(addr);
		return v;
	}
	return NULL;
}

int as_fault(struct as *as, uintptr_t addr, uint32_t err, uint64_t stack_limit)
{
	uintptr_t va = PAGE_ALIGN_DOWN(addr);
	struct vma *v = as_find_vma(as, addr);
	pte_t *pte;

	if (!v && !(v = grow_stack(as, addr, stack_limit)))
		return -EFAULT;
	if ((err & PFERR_W) && !(v->prot & PROT_WRITE))
		return -EFAULT;
	if ((err & PFERR_I) && !(v->prot & PROT_EXEC))
		return -EFAULT;
	if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EFAULT;
	pte = vmm_walk(as->pml4, va, true);
	if (!pte)
		return -ENOMEM;
	if (!(*pte & PTE_P))
		return demand_page(as, v, va);
	if ((err & PFERR_W) && !(*pte & PTE_W)) {
		KASSERT(!(v->flags & VMA_SHARED));
		return cow_fault(as, pte, va);
	}
	vmm_flush_page(va);
	return 0;
}

int as_copy_out(struct as *as, uintptr_t va, const void *buf, size_t len)
{
	const uint8_t *src = buf;

	while (len) {
		uintptr_t page = PAGE_ALIGN_DOWN(va);
		size_t off = va - page, n = PAGE_SIZE - off < len ? PAGE_SIZE - off : len;
		struct vma *v = as_find_vma(as, va);
		pte_t *pte;
		int err;

		if (!v)
			return -EFAULT;
		if (!(pte = vmm_walk(as->pml4, page, true)))
			return -ENOMEM;
		if (!(*pte & PTE_P) && (err = demand_page(as, v, page)))
			return err;
		memcpy((uint8_t *)phys_to_virt(*pte & PTE_ADDR_MASK) + off, src, n);
		src += n, va += n, len -= n;
	}
	return 0;
}

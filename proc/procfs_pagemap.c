/* procfs_pagemap.c: /proc/<pid>/pagemap, the page-table view Linux gives.
 *
 * The file has one 64-bit entry per virtual page of the process, at offset
 * (address / 4096) * 8; a read must be whole, aligned entries. An entry, as
 * in Linux's Documentation/admin-guide/mm/pagemap.rst:
 *
 *   bit 63     present
 *   bit 61     file page or shared anonymous memory
 *   bit 56     mapped exactly once (no other mapping shares the frame)
 *   bit 55     soft-dirty: every page of a region (no clear_refs here, so
 *              every region is as new)
 *   bits 0-54  the page frame number, when present
 *
 * This is how a program checks copy-on-write from outside the kernel:
 * after fork the parent's and the child's entries for a private page name
 * the same frame and lack bit 56; a write gives the writer a new frame.
 *
 * Mapping counts come from the frame refcounts (mm/pmm.c): every present
 * PTE holds one reference, and a file's page holds one more for the file
 * itself. Entries are built a chunk at a time into a kernel buffer and
 * copied out; the address space is looked up again for each chunk, since
 * the copy may fault. */
#include "fs/vfs.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "mm/as.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "proc/procfs_internal.h"
#include "proc/task.h"

#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)
#define PM_EXCLUSIVE (1ULL << 56)
#define PM_SOFT_DIRTY (1ULL << 55)
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define CHUNK 512 /* entries built per copy */

/* True if frame pa is the file's own page at va of v (not a private copy). */
static bool is_file_frame(const struct vma *v, uintptr_t va, paddr_t pa)
{
	paddr_t fp;

	if (!v->file)
		return false;
	fp = vfs_inode_page(v->file, (v->file_off + (va - v->start)) / PAGE_SIZE, false);
	if (fp)
		pmm_unref(fp);
	return fp == pa;
}

static uint64_t pagemap_entry(struct as *as, const struct vma *v, uintptr_t va)
{
	pte_t *pte = vmm_walk(as->pml4, va, false);
	uint64_t e = PM_SOFT_DIRTY, maps;
	paddr_t pa;

	if (!pte || !(*pte & PTE_P))
		return e;
	pa = *pte & PTE_ADDR_MASK;
	e |= PM_PRESENT | ((pa >> PAGE_SHIFT) & PM_PFN_MASK);
	if (!pmm_is_managed(pa))
		return e;
	maps = pmm_refcount(pa);
	if (v->flags & VMA_SHARED) {
		e |= PM_FILE;
		maps -= v->file ? 1 : 0;
	} else if (is_file_frame(v, va, pa)) {
		e |= PM_FILE;
		maps--;
	}
	return maps == 1 ? e | PM_EXCLUSIVE : e;
}

/* Fill n entries from virtual page vpn on. */
static void pagemap_fill(struct as *as, uint64_t vpn, uint64_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uintptr_t va = (uintptr_t)(vpn + i) << PAGE_SHIFT;
		struct vma *v = as_find_vma(as, va);
		out[i] = v && v->start <= va ? pagemap_entry(as, v, va) : 0;
	}
}

long procfs_pid_pagemap(struct task *t, struct uio *u, uint64_t pos)
{
	uint64_t vpn = pos / 8, end_vpn = USER_TOP >> PAGE_SHIFT;
	size_t want = u->len / 8, done = 0;
	uint64_t *buf;

	if ((pos % 8) || (u->len % 8))
		return -EINVAL;
	if (!(buf = kmalloc(CHUNK * sizeof(*buf))))
		return -ENOMEM;
	while (done < want && vpn < end_vpn && t->as) {
		size_t n = want - done < CHUNK ? want - done : CHUNK;
		n = end_vpn - vpn < n ? (size_t)(end_vpn - vpn) : n;
		pagemap_fill(t->as, vpn, buf, n);
		if (uio_copy_out(u, done * 8, buf, n * 8)) {
			kfree(buf);
			return done ? (long)(done * 8) : -EFAULT;
		}
		done += n;
		vpn += n;
	}
	kfree(buf);
	return (long)(done * 8);
}

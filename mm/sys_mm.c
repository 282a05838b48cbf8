/* sys_mm.c: brk, mmap, munmap, mprotect, mremap, madvise, msync.
 *
 * Each call checks its address and length as Linux does and in Linux's
 * order (which errno wins), with as_range_ok() before any sum of an address
 * and a length, so that no argument can wrap around and name a range the
 * checks did not see. Lengths are rounded up to whole pages first; a length
 * that rounds up past 2^64 becomes 0 and is refused like an empty one. */
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/syscalls.h"
#include "kernel/uaccess.h"
#include "mm/as.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "proc/proc.h"

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4

long sys_brk(uintptr_t addr)
{
	struct as *as = proc_current()->as;
	uintptr_t old_end = PAGE_ALIGN_UP(as->brk), new_end = PAGE_ALIGN_UP(addr);

	if (addr < as->brk_start || addr >= AS_MMAP_TOP)
		return (long)as->brk;
	if (new_end > old_end) {
		if (!as_range_free(as, old_end, new_end))
			return (long)as->brk;
		if (as_map(as, old_end, new_end - old_end, PROT_READ | PROT_WRITE, VMA_HEAP, true,
			   NULL, 0) < 0)
			return (long)as->brk;
	} else if (new_end < old_end) {
		as_unmap(as, new_end, old_end - new_end);
	}
	as->brk = addr;
	return (long)addr;
}

static uint32_t vma_flags_for(int flags)
{
	uint32_t v = 0;

	if ((flags & MAP_TYPE) == MAP_SHARED || (flags & MAP_TYPE) == MAP_SHARED_VALIDATE)
		v |= VMA_SHARED;
	if (flags & MAP_GROWSDOWN)
		v |= VMA_GROWSDOWN;
	return v;
}

/* Check a file mapping of fd; the inode (with a reference) or NULL with
 * the errno in *err. */
static struct inode *mmap_file(int fd, int prot, int flags, int *err)
{
	struct file *f = fd_get(fd);
	struct inode *ino = NULL;

	*err = 0;
	if (!f) {
		*err = -EBADF;
		return NULL;
	}
	if (!f->inode || !S_ISREG(f->inode->mode))
		*err = -ENODEV;
	else if ((f->flags & O_ACCMODE) == O_WRONLY)
		*err = -EACCES;
	else if ((flags & MAP_TYPE) != MAP_PRIVATE && (prot & PROT_WRITE) &&
		 (f->flags & O_ACCMODE) != O_RDWR)
		*err = -EACCES;
	else if ((flags & MAP_TYPE) != MAP_PRIVATE && !vfs_inode_has_pages(f->inode))
		*err = -ENODEV; /* the file's data is not kept in frames */
	else
		inode_ref(ino = f->inode);
	file_unref(f);
	return ino;
}

/* mmap's checks of the range, in Linux's order: ENOMEM for a length no
 * address space holds, then for a fixed range past user space, EINVAL for
 * a fixed address off a page, EEXIST for MAP_FIXED_NOREPLACE over a region
 * (with or without MAP_FIXED), EOVERFLOW when the file offset wraps. */
static int mmap_check_range(struct as *as, uintptr_t addr, size_t plen, int flags,
			    uint64_t off)
{
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);

	if (!plen || plen > USER_TOP - AS_MIN_ADDR)
		return -ENOMEM;
	if (fixed && !as_range_ok(addr, plen))
		return -ENOMEM;
	if (fixed && (addr & ~PAGE_MASK))
		return -EINVAL;
	if (fixed && addr < AS_MIN_ADDR && proc_current()->cred.euid != 0)
		return -EPERM; /* mmap_min_addr */
	if ((flags & MAP_FIXED_NOREPLACE) && !as_range_free(as, addr, addr + plen))
		return -EEXIST;
	if (off + plen < off)
		return -EOVERFLOW;
	return 0;
}

long sys_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
	struct as *as = proc_current()->as;
	struct inode *ino = NULL;
	int type = flags & MAP_TYPE, err;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);
	long ret;

	if (!len || (off & ~PAGE_MASK))
		return -EINVAL;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if ((err = mmap_check_range(as, addr, PAGE_ALIGN_UP(len), flags, off)))
		return err;
	if (!(flags & MAP_ANONYMOUS) && !(ino = mmap_file(fd, prot, flags, &err)))
		return err;
	ret = as_map(as, addr, len, (uint32_t)prot, vma_flags_for(flags) | (ino ? VMA_FILE : 0),
		     fixed, ino, off);
	if (ino)
		inode_unref(ino); /* the region took its own reference */
	return ret;
}

long sys_munmap(uintptr_t addr, size_t len)
{
	return as_unmap(proc_current()->as, addr, len);
}

#define PROT_GROWSDOWN 0x01000000
#define PROT_GROWSUP 0x02000000

/* As Linux: alignment, then an empty range succeeds whatever prot says;
 * as_protect checks the rest (a wrapping range is ENOMEM before a bad
 * prot is EINVAL). */
long sys_mprotect(uintptr_t addr, size_t len, int prot)
{
	if ((prot & (PROT_GROWSDOWN | PROT_GROWSUP)) == (PROT_GROWSDOWN | PROT_GROWSUP))
		return -EINVAL;
	prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (!len)
		return 0;
	return as_protect(proc_current()->as, addr, len, (uint32_t)prot);
}

/* mremap, as Linux 6.18 (mm/mremap.c):
 *   1. argument checks, EINVAL: unknown flags, old not page-aligned, new
 *      length 0 or past user space; with MREMAP_FIXED also: no
 *      MREMAP_MAYMOVE, new_addr off a page, the new range past user space,
 *      or overlapping the old one (the old range is only checked later, so
 *      its end may lie anywhere: nothing adds to it before);
 *   2. no region at old: EFAULT;
 *   3. MREMAP_FIXED: unmap the target range, shrink the old range first if
 *      the new one is smaller, then move it there;
 *   4. otherwise new_addr is ignored: same size, nothing to do; smaller,
 *      unmap the tail; larger, grow in place when the old range ends its
 *      region and the pages after it are free, else with MREMAP_MAYMOVE
 *      move to a free range, else ENOMEM.
 * Growing or moving needs the old range inside one region (EFAULT) and not
 * empty (EINVAL: an empty old range "duplicates" only shared regions,
 * which are not supported here, nor is moving them). Moving keeps the
 * frames: the PTEs move; on failure they move back and the target goes. */

struct remap {
	uintptr_t old, new_addr;
	size_t old_len, new_len; /* page-aligned; 0 when rounding wrapped */
	int flags;
};

/* Whether [a, a+alen) meets [b, b+blen); b+blen must not wrap, a+alen may
 * (the range then runs to the end). */
static bool ranges_overlap(uintptr_t a, size_t alen, uintptr_t b, size_t blen)
{
	return a < b + blen && (alen > UINTPTR_MAX - a || b < a + alen);
}

/* Step 1. */
static int remap_check_args(const struct remap *r)
{
	if (r->flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED))
		return -EINVAL; /* MREMAP_DONTUNMAP is not supported */
	if (r->old & ~PAGE_MASK)
		return -EINVAL;
	if (!as_range_ok(0, r->new_len))
		return -EINVAL;
	if (!(r->flags & MREMAP_FIXED))
		return 0;
	if (!(r->flags & MREMAP_MAYMOVE) || (r->new_addr & ~PAGE_MASK))
		return -EINVAL;
	if (!as_range_ok(r->new_addr, r->new_len))
		return -EINVAL;
	if (ranges_overlap(r->old, r->old_len, r->new_addr, r->new_len))
		return -EINVAL;
	return 0;
}

/* Growing or moving [old, old+old_len): the region holding it, or NULL
 * with the errno in *err. */
static struct vma *remap_source(struct as *as, const struct remap *r, int *err)
{
	struct vma *v = as_find_vma(as, r->old);

	*err = -EFAULT;
	if (!v)
		return NULL;
	*err = -EINVAL;
	if (!r->old_len || (v->flags & VMA_SHARED))
		return NULL;
	*err = -EFAULT;
	if (r->old_len > v->end - r->old)
		return NULL;
	*err = 0;
	return v;
}

/* Move the present PTEs of [from, from+len) to [to, to+len), keeping the
 * frames (and rss). The target holds none unless mlockall(MCL_FUTURE) had
 * as_map fill it with zero pages: a moved page replaces such a one, which
 * is dropped here (overwritten, its frame and its count in rss_pages were
 * lost: the rss_pages assertion at exit). Returns the bytes done: len, or
 * less when a page table could not be allocated. */
static size_t move_ptes(struct as *as, uintptr_t from, uintptr_t to, size_t len)
{
	size_t off;

	for (off = 0; off < len; off += PAGE_SIZE) {
		pte_t *src = vmm_walk(as->pml4, from + off, false), *dst;
		if (!src || !(*src & PTE_P))
			continue;
		if (!(dst = vmm_walk(as->pml4, to + off, true)))
			break;
		if (*dst & PTE_P) {
			pmm_unref(*dst & PTE_ADDR_MASK);
			as->rss_pages--;
			vmm_flush_page(to + off);
		}
		*dst = *src;
		*src = 0;
		vmm_flush_page(from + off);
	}
	return off;
}

/* Map a copy of region v (new_len bytes, at new_addr if fixed, else at a
 * free range) and move the pages of the old range into it. Returns the
 * new address or -errno; on failure nothing has changed. */
static long remap_move(struct as *as, const struct remap *r, struct vma *v, bool fixed)
{
	struct vma saved = *v;
	uint64_t skip = r->old - saved.start;
	long addr = as_map(as, fixed ? r->new_addr : 0, r->new_len, saved.prot,
			   saved.flags & ~VMA_HEAP, fixed, saved.file, saved.file_off + skip);
	size_t done;

	if (addr < 0)
		return addr;
	if (saved.file) /* the file's bytes end where they ended before */
		as_find_vma(as, (uintptr_t)addr)->file_size =
			saved.file_size > skip ? saved.file_size - skip : 0;
	done = move_ptes(as, r->old, (uintptr_t)addr, r->old_len);
	if (done < r->old_len) { /* the old range's tables are all still there */
		size_t back = move_ptes(as, (uintptr_t)addr, r->old, done);
		KASSERT(back == done);
		as_unmap(as, (uintptr_t)addr, r->new_len);
		return -ENOMEM;
	}
	as_unmap(as, r->old, r->old_len); /* now empty: its frames moved */
	return addr;
}

/* Step 3. */
static long remap_fixed(struct as *as, struct remap *r)
{
	struct vma *v;
	int err;

	if ((err = as_unmap(as, r->new_addr, r->new_len)))
		return err;
	if (r->new_len < r->old_len) {
		if ((err = as_unmap(as, r->old + r->new_len, r->old_len - r->new_len)))
			return err;
		r->old_len = r->new_len;
	}
	if (!(v = remap_source(as, r, &err)))
		return err;
	return remap_move(as, r, v, true);
}

/* Step 4, growing. */
static long remap_grow(struct as *as, const struct remap *r)
{
	struct vma *v;
	int err;

	if (!(v = remap_source(as, r, &err)))
		return err;
	if (r->old + r->old_len == v->end && as_range_ok(r->old, r->new_len) &&
	    as_range_free(as, v->end, r->old + r->new_len)) {
		v->end = r->old + r->new_len; /* file bytes past file_size read as zero */
		return (long)r->old;
	}
	if (!(r->flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	return remap_move(as, r, v, false);
}

long sys_mremap(uintptr_t old, size_t old_len, size_t new_len, int flags, uintptr_t new_addr)
{
	struct as *as = proc_current()->as;
	struct remap r = { old, new_addr, PAGE_ALIGN_UP(old_len), PAGE_ALIGN_UP(new_len), flags };
	int err;

	if ((err = remap_check_args(&r)))
		return err;
	if (!as_find_vma(as, old))
		return -EFAULT;
	if (flags & MREMAP_FIXED)
		return remap_fixed(as, &r);
	if (r.new_len == r.old_len)
		return (long)old;
	if (r.new_len < r.old_len) {
		err = as_unmap(as, old + r.new_len, r.old_len - r.new_len);
		return err ? err : (long)old;
	}
	return remap_grow(as, &r);
}

/* madvise advice values (Linux's numbering). */
enum {
	MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED, MADV_DONTNEED,
	MADV_FREE = 8, MADV_REMOVE, MADV_DONTFORK, MADV_DOFORK, MADV_MERGEABLE,
	MADV_UNMERGEABLE, MADV_HUGEPAGE, MADV_NOHUGEPAGE, MADV_DONTDUMP, MADV_DODUMP,
	MADV_WIPEONFORK, MADV_KEEPONFORK, MADV_COLD, MADV_PAGEOUT, MADV_POPULATE_READ,
	MADV_POPULATE_WRITE, MADV_DONTNEED_LOCKED, MADV_COLLAPSE,
};

/* -ENOMEM if part of [start, end) is not mapped, else 0. */
static int range_mapped(struct as *as, uintptr_t start, uintptr_t end)
{
	for (uintptr_t va = start; va < end;) {
		struct vma *v = as_find_vma(as, va);
		if (!v)
			return -ENOMEM;
		va = v->end;
	}
	return 0;
}

/* -EINVAL unless every region in [start, end) is private anonymous memory
 * (what MADV_FREE and MADV_WIPEONFORK accept). */
static int range_private_anon(struct as *as, uintptr_t start, uintptr_t end)
{
	for (uintptr_t va = start; va < end;) {
		struct vma *v = as_find_vma(as, va);
		if (!v)
			return 0; /* the hole is reported as ENOMEM later */
		if (v->file || (v->flags & VMA_SHARED))
			return -EINVAL;
		va = v->end;
	}
	return 0;
}

/* Advice that changes what a program sees is carried out (and populating
 * is done); pure hints, including those for page merging and huge pages,
 * which Debian's Linux has and this kernel does without, are accepted over
 * mapped memory. Memory-failure injection (100, 101) is -EINVAL, as from a
 * Linux built without it. */
static int advise(struct as *as, uintptr_t start, uintptr_t end, int advice)
{
	int err;

	switch (advice) {
	case MADV_DONTNEED:
	case MADV_DONTNEED_LOCKED:
	case MADV_FREE: /* free at once: reads give zero, as allowed */
		if (advice == MADV_FREE && (err = range_private_anon(as, start, end)))
			return err;
		as_discard(as, start, end);
		return range_mapped(as, start, end);
	case MADV_DONTFORK:
		return as_change_flags(as, start, end, VMA_DONTCOPY, 0);
	case MADV_DOFORK:
		return as_change_flags(as, start, end, 0, VMA_DONTCOPY);
	case MADV_WIPEONFORK:
		if ((err = range_private_anon(as, start, end)))
			return err;
		return as_change_flags(as, start, end, VMA_WIPEONFORK, 0);
	case MADV_KEEPONFORK:
		return as_change_flags(as, start, end, 0, VMA_WIPEONFORK);
	case MADV_REMOVE: /* shared memory only; punching holes is not supported */
		if ((err = range_mapped(as, start, end)))
			return err;
		for (uintptr_t va = start; va < end; va = as_find_vma(as, va)->end)
			if (!(as_find_vma(as, va)->flags & VMA_SHARED))
				return -EINVAL;
		return -EOPNOTSUPP;
	case MADV_POPULATE_READ:
	case MADV_POPULATE_WRITE:
		if ((err = range_mapped(as, start, end)))
			return err;
		return as_populate(as, start, end, advice == MADV_POPULATE_WRITE);
	case MADV_NORMAL:
	case MADV_RANDOM:
	case MADV_SEQUENTIAL:
	case MADV_WILLNEED:
	case MADV_MERGEABLE:
	case MADV_UNMERGEABLE:
	case MADV_HUGEPAGE:
	case MADV_NOHUGEPAGE:
	case MADV_COLLAPSE:
	case MADV_DONTDUMP: /* no core dumps are written */
	case MADV_DODUMP:
	case MADV_COLD:
	case MADV_PAGEOUT:
		return range_mapped(as, start, end);
	default:
		return -EINVAL;
	}
}

long sys_madvise(uintptr_t addr, size_t len, int advice)
{
	uintptr_t end = addr + PAGE_ALIGN_UP(len);

	if (advice < 0 || advice > MADV_COLLAPSE)
		return -EINVAL;
	if ((addr & ~PAGE_MASK) || (len && !PAGE_ALIGN_UP(len)) || end < addr)
		return -EINVAL;
	if (end == addr)
		return 0;
	return advise(proc_current()->as, addr, end, advice);
}

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/* msync: a shared file mapping maps the file's own frames (ramfs keeps
 * file data in memory), so writes through it are already in the file and
 * there is nothing to flush; what remains are Linux's argument checks. */
long sys_msync(uintptr_t addr, size_t len, int flags)
{
	struct as *as = proc_current()->as;
	size_t plen = PAGE_ALIGN_UP(len); /* -1 rounds to 0: Linux returns 0 */

	if ((addr & ~PAGE_MASK) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)))
		return -EINVAL;
	if (addr + plen < addr)
		return -ENOMEM;
	if (!plen)
		return 0;
	return as_range_ok(addr, plen) && as_range_mapped(as, addr, addr + plen) ? 0 : -ENOMEM;
}

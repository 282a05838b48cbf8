/* sys_mm.c: brk, mmap, munmap, mprotect, mremap, madvise. */
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
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

long sys_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off)
{
	struct as *as = proc_current()->as;
	struct inode *ino = NULL;
	int type = flags & MAP_TYPE, err;
	bool fixed = flags & (MAP_FIXED | MAP_FIXED_NOREPLACE);

	if (!len || (off & ~PAGE_MASK))
		return -EINVAL;
	if (PAGE_ALIGN_UP(len) < len || len > USER_TOP)
		return -ENOMEM;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC))
		return -EINVAL;
	if (fixed && (addr & ~PAGE_MASK))
		return -EINVAL;
	if (fixed && (addr > USER_TOP || PAGE_ALIGN_UP(len) > USER_TOP - addr))
		return -ENOMEM; /* as Linux: no room there */
	if (fixed && addr < AS_MIN_ADDR && proc_current()->cred.euid != 0)
		return -EPERM;
	if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) &&
	    !as_range_free(as, addr, addr + PAGE_ALIGN_UP(len)))
		return -EEXIST;
	long ret;

	if (!(flags & MAP_ANONYMOUS) && !(ino = mmap_file(fd, prot, flags, &err)))
		return err;
	ret = off + len < off ? -EOVERFLOW
			      : as_map(as, addr, len, (uint32_t)prot,
				       vma_flags_for(flags) | (ino ? VMA_FILE : 0), fixed, ino, off);
	if (ino)
		inode_unref(ino); /* the region took its own reference */
	return ret;
}

long sys_munmap(uintptr_t addr, size_t len)
{
	return as_unmap(proc_current()->as, addr, len);
}

long sys_mprotect(uintptr_t addr, size_t len, int prot)
{
	if (prot & ~(PROT_READ | PROT_WRITE | PROT_EXEC | 0x01000000 | 0x02000000))
		return -EINVAL;
	if (!len)
		return (addr & ~PAGE_MASK) ? -EINVAL : 0;
	return as_protect(proc_current()->as, addr, len, (uint32_t)prot & 7);
}

/* Move the pages of [old, old+len) to new, keeping frames. The new region
 * is empty unless mlockall(MCL_FUTURE) had as_map fill it with zero pages:
 * a moved page replaces such a one (dropped here, or its frame and its
 * count in rss_pages would be lost: the rss_pages assertion at exit). */
static int move_pages(struct as *as, uintptr_t old, uintptr_t new, size_t len)
{
	for (size_t off = 0; off < len; off += PAGE_SIZE) {
		pte_t *src = vmm_walk(as->pml4, old + off, false), *dst;
		if (!src || !(*src & PTE_P))
			continue;
		if (!(dst = vmm_walk(as->pml4, new + off, true)))
			return -ENOMEM;
		if (*dst & PTE_P) {
			pmm_unref(*dst & PTE_ADDR_MASK);
			as->rss_pages--;
			vmm_flush_page(new + off);
		}
		*dst = *src;
		*src = 0;
		vmm_flush_page(old + off);
	}
	return 0;
}

/* MREMAP_FIXED's target: page-aligned, inside user space, and apart from
 * the source (Linux: EINVAL otherwise). */
static bool mremap_target_ok(uintptr_t old, size_t old_len, uintptr_t new, size_t new_len)
{
	if ((new & ~PAGE_MASK) || new_len > USER_TOP || new > USER_TOP - new_len)
		return false;
	return !(old + old_len > new && new + new_len > old);
}

long sys_mremap(uintptr_t old, size_t old_len, size_t new_len, int flags, uintptr_t new_addr)
{
	struct as *as = proc_current()->as;
	struct vma *v = as_find_vma(as, old), saved;
	long addr;

	old_len = PAGE_ALIGN_UP(old_len);
	new_len = PAGE_ALIGN_UP(new_len);
	if ((old & ~PAGE_MASK) || !new_len || (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED)))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	if (!v || v->start > old || old + old_len > v->end || !old_len)
		return -EFAULT;
	/* MREMAP_FIXED always moves: drop what does not come along first. */
	if (flags & MREMAP_FIXED) {
		if (!mremap_target_ok(old, old_len, new_addr, new_len) || (v->flags & VMA_SHARED))
			return -EINVAL;
		if (new_len < old_len) {
			as_unmap(as, old + new_len, old_len - new_len);
			old_len = new_len;
		}
		goto move;
	}
	if (new_len <= old_len) {
		if (new_len < old_len)
			as_unmap(as, old + new_len, old_len - new_len);
		return (long)old;
	}
	/* Grow in place when the space after the region is free. */
	if (!(flags & MREMAP_FIXED) && old + old_len == v->end) {
		if (old + new_len <= USER_TOP && as_range_free(as, v->end, old + new_len)) {
			v->end = old + new_len; /* file bytes past file_size read as zero */
			return (long)old;
		}
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
move:
	if (v->flags & VMA_SHARED)
		return -EINVAL; /* moving populated shared regions is not supported */
	saved = *v;
	addr = as_map(as, new_addr, new_len, saved.prot, saved.flags,
		      (flags & MREMAP_FIXED) != 0, saved.file,
		      saved.file_off + (old - saved.start));
	if (addr < 0)
		return addr;
	if (move_pages(as, old, (uintptr_t)addr, old_len))
		return -ENOMEM;
	as_unmap(as, old, old_len); /* now empty: its frames moved */
	return addr;
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
	uintptr_t end = addr + PAGE_ALIGN_UP(len);

	if ((addr & ~PAGE_MASK) || (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC)) ||
	    ((flags & MS_ASYNC) && (flags & MS_SYNC)) || end < addr)
		return -EINVAL;
	return range_mapped(as, addr, end);
}

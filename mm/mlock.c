/* mlock.c: mlock, munlock, mlockall, munlockall, mlock2 and mincore.
 *
 * There is no swap, so a locked page is one that is in memory now and
 * stays: locking marks the regions VMA_LOCKED and populates them the way
 * Linux does, with a write fault for private writable memory (so that a
 * page shared copy-on-write with another process becomes this process's
 * own) and a read fault otherwise; MLOCK_ONFAULT / MCL_ONFAULT lock
 * without populating. mlockall(MCL_FUTURE) makes as_map lock (and populate)
 * every new region (as->mlock_future). Locks are not inherited by fork
 * (cow_fork_as clears them) and exec starts a new address space without
 * them. VmLck in /proc/<pid>/status adds up the locked regions.
 *
 * Limits: root (CAP_IPC_LOCK) locks without limit; others up to
 * RLIMIT_MEMLOCK (EPERM if that is 0, ENOMEM past it), as in Linux.
 *
 * mincore reports residency: a page mapped in the page tables, or a file's
 * page that the file has in memory (ramfs keeps all of its data there). */
#include "fs/vfs.h"
#include "kernel/errno.h"
#include "kernel/syscalls.h"
#include "kernel/trap.h"
#include "kernel/uaccess.h"
#include "mm/as.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "proc/proc.h"

#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4
#define MLOCK_ONFAULT 1

/* Fault in every page of [start, end) within v as an access would. */
static int populate(struct as *as, struct vma *v, uintptr_t start, uintptr_t end)
{
	bool write = (v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED);
	int err;

	if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return 0; /* PROT_NONE: locked, never populated (Linux) */
	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		err = as_fault(as, va, PFERR_U | (write ? PFERR_W : 0), 0);
		if (err == -ENOMEM)
			return -EAGAIN; /* "could not be locked" */
		if (err && err != -EBUSERR && err != -EFAULT)
			return err; /* past the end of a file: not populated */
	}
	return 0;
}

int as_populate(struct as *as, uintptr_t start, uintptr_t end, bool write)
{
	for (uintptr_t va = start; va < end; va += PAGE_SIZE) {
		struct vma *v = as_find_vma(as, va);
		if (!v || v->start > va)
			return -ENOMEM;
		if (write && !(v->prot & PROT_WRITE))
			return -EINVAL; /* as Linux: not a writable mapping */
		int err = as_fault(as, va, PFERR_U | (write ? PFERR_W : 0), 0);
		if (err == -EBUSERR || err == -EFAULT)
			return -EFAULT;
		if (err)
			return err;
	}
	return 0;
}

void as_mlock_new(struct as *as, struct vma *v)
{
	v->flags |= VMA_LOCKED;
	if (!(as->mlock_future & MCL_ONFAULT))
		populate(as, v, v->start, v->end);
}

/* Bytes of the regions in [start, end) whose VMA_LOCKED is as given. */
static size_t bytes_in(struct as *as, uintptr_t start, uintptr_t end, bool locked)
{
	struct list_head *pos;
	size_t n = 0;

	list_for_each(pos, &as->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		uintptr_t s = v->start > start ? v->start : start;
		uintptr_t e = v->end < end ? v->end : end;
		if (s < e && !(v->flags & VMA_LOCKED) == !locked)
			n += e - s;
	}
	return n;
}

static size_t locked_bytes(struct as *as)
{
	return bytes_in(as, 0, USER_TOP, true);
}

size_t as_locked_bytes(struct as *as)
{
	return locked_bytes(as);
}

/* RLIMIT_MEMLOCK for someone without CAP_IPC_LOCK locking more bytes. */
static int may_lock(struct as *as, size_t more)
{
	struct task *t = proc_current();
	uint64_t limit = t->rlimits[RLIMIT_MEMLOCK].cur;

	if (t->cred.euid == 0)
		return 0;
	if (!limit)
		return -EPERM;
	return limit != RLIM_INFINITY && locked_bytes(as) + more > limit ? -ENOMEM : 0;
}

/* Lock [start, end) (page-aligned), populating unless onfault. */
static int lock_range(struct as *as, uintptr_t start, uintptr_t end, bool onfault)
{
	struct list_head *pos;
	int err, hole;

	if (end < start || end > USER_TOP)
		return -ENOMEM;
	if ((err = may_lock(as, bytes_in(as, start, end, false))))
		return err;
	if ((hole = as_change_flags(as, start, end, VMA_LOCKED, 0)) && hole != -ENOMEM)
		return hole;
	list_for_each(pos, &as->vmas) {
		struct vma *v = list_entry(pos, struct vma, link);
		if (onfault || v->end <= start || v->start >= end)
			continue;
		err = populate(as, v, v->start > start ? v->start : start,
			       v->end < end ? v->end : end);
		if (err)
			return err;
	}
	return hole;
}

/* The page-aligned range mlock and munlock work on: start rounded down,
 * the length grown by what that added, then rounded up. */
static void lock_bounds(uintptr_t addr, size_t len, uintptr_t *start, uintptr_t *end)
{
	*start = PAGE_ALIGN_DOWN(addr);
	*end = *start + PAGE_ALIGN_UP(len + (addr - *start));
	if (len + (addr - *start) < len || *end < *start)
		*end = 0; /* wrapped: fails as out of range */
}

long sys_mlock2(uintptr_t addr, size_t len, unsigned flags)
{
	uintptr_t start, end;

	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	lock_bounds(addr, len, &start, &end);
	if (start == end)
		return 0;
	return lock_range(proc_current()->as, start, end, flags & MLOCK_ONFAULT);
}

long sys_mlock(uintptr_t addr, size_t len)
{
	return sys_mlock2(addr, len, 0);
}

long sys_munlock(uintptr_t addr, size_t len)
{
	uintptr_t start, end;

	lock_bounds(addr, len, &start, &end);
	if (start == end)
		return 0;
	if (end < start || end > USER_TOP)
		return -ENOMEM;
	return as_change_flags(proc_current()->as, start, end, 0, VMA_LOCKED);
}

long sys_mlockall(int flags)
{
	struct as *as = proc_current()->as;
	int err;

	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	if (proc_current()->cred.euid != 0 && !proc_current()->rlimits[RLIMIT_MEMLOCK].cur)
		return -EPERM;
	as->mlock_future = (flags & MCL_FUTURE) ? (unsigned)flags : 0;
	if (!(flags & MCL_CURRENT))
		return 0;
	err = lock_range(as, 0, USER_TOP, flags & MCL_ONFAULT);
	return err == -ENOMEM ? 0 : err; /* the holes between regions */
}

long sys_munlockall(void)
{
	struct as *as = proc_current()->as;
	int err = as_change_flags(as, 0, USER_TOP, 0, VMA_LOCKED);

	as->mlock_future = 0;
	return err == -ENOMEM ? 0 : err;
}

/* 1 if the page at va of v is in memory. */
static uint8_t resident(struct as *as, const struct vma *v, uintptr_t va)
{
	pte_t *pte = vmm_walk(as->pml4, va, false);
	paddr_t pa;

	if (pte && (*pte & PTE_P))
		return 1;
	if (!v->file)
		return 0;
	pa = vfs_inode_page(v->file, (v->file_off + (va - v->start)) / PAGE_SIZE, false);
	if (pa)
		pmm_unref(pa);
	return pa != 0;
}

long sys_mincore(uintptr_t addr, size_t len, uintptr_t uvec)
{
	struct as *as = proc_current()->as;
	uint8_t vec[256];
	size_t pages = PAGE_ALIGN_UP(len) / PAGE_SIZE, done = 0;

	if (addr & ~PAGE_MASK)
		return -EINVAL;
	if (PAGE_ALIGN_UP(len) < len || addr + len < addr || addr + len > USER_TOP)
		return -ENOMEM;
	while (done < pages) {
		size_t n = pages - done < sizeof(vec) ? pages - done : sizeof(vec);
		for (size_t i = 0; i < n; i++) {
			uintptr_t va = addr + (done + i) * PAGE_SIZE;
			struct vma *v = as_find_vma(as, va);
			if (!v || v->start > va)
				return -ENOMEM;
			vec[i] = resident(as, v, va);
		}
		if (copy_to_user(uvec + done, vec, n))
			return -EFAULT;
		done += n;
	}
	return 0;
}

/* as.h: user address spaces: the regions (VMAs) a process has mapped and
 * the page faults that fill them in.
 *
 * A VMA is a page-aligned range with protections and a backing: anonymous
 * (demand-zero), a file (read on fault, private), or shared anonymous
 * (populated at mmap so that fork shares every page). Regions are kept
 * sorted and never overlap. An address space is refcounted: vfork and
 * CLONE_VM share one; fork makes a copy-on-write duplicate (mm/cow/). */
#ifndef MM_AS_H
#define MM_AS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/list.h"

#define PROT_NONE 0x0
#define PROT_READ 0x1
#define PROT_WRITE 0x2
#define PROT_EXEC 0x4

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_GROWSDOWN 0x0100
#define MAP_DENYWRITE 0x0800
#define MAP_EXECUTABLE 0x1000
#define MAP_LOCKED 0x2000
#define MAP_NORESERVE 0x4000
#define MAP_POPULATE 0x8000
#define MAP_NONBLOCK 0x10000
#define MAP_STACK 0x20000
#define MAP_FIXED_NOREPLACE 0x100000

#define VMA_SHARED 0x1    /* MAP_SHARED: never copy-on-write */
#define VMA_GROWSDOWN 0x2 /* the stack: grows on faults just below it */
#define VMA_FILE 0x4      /* private file mapping */
#define VMA_HEAP 0x8      /* the brk area */
#define VMA_DONTCOPY 0x10 /* MADV_DONTFORK: fork leaves the region out */
#define VMA_WIPEONFORK 0x20 /* MADV_WIPEONFORK: the child's copy starts empty */
#define VMA_LOCKED 0x40   /* mlock: populated and kept (not inherited by fork) */

struct inode;

struct vma {
	struct list_head link;
	uintptr_t start, end;
	uint32_t prot;  /* PROT_* */
	uint32_t flags; /* VMA_* */
	struct inode *file;
	uint64_t file_off;  /* file offset of start */
	uint64_t file_size; /* bytes of the file visible from file_off */
};

struct as {
	int refs;
	paddr_t pml4;
	struct list_head vmas;
	uintptr_t brk_start, brk;
	uintptr_t mmap_base; /* top of the area searched for free ranges */
	uintptr_t stack_top;
	size_t rss_pages;
	unsigned mlock_future; /* mlockall flags when MCL_FUTURE is on, else 0 */
	/* What exec recorded for /proc/<pid>/ (cmdline, environ, stat, exe);
	 * fork copies it. exe holds one inode reference, dropped by as_put. */
	uintptr_t arg_start, arg_end, env_start, env_end, start_stack;
	struct inode *exe;
};

/* A new empty address space, or NULL when out of memory. */
struct as *as_create(void);
void as_get(struct as *as);
/* Drop a reference; the last frees every page and table.
 * => as must not be the live CR3 (switch to the kernel's first). */
void as_put(struct as *as);

/* Copy what exec recorded (argument ranges, exe with a new reference)
 * from src to dst, for fork. */
void as_copy_exec_info(struct as *dst, const struct as *src);

struct vma *as_find_vma(struct as *as, uintptr_t addr);
/* A copy of v (with its own file reference), not on any list; NULL on OOM. */
struct vma *as_vma_dup(const struct vma *v);

/* Map [addr, addr+len) with prot and VMA flags. With fixed, replace what is
 * there (-ENOMEM if the range leaves user space, -EINVAL if addr is not
 * page-aligned); otherwise addr is a hint, taken (rounded down to a page,
 * raised to AS_MIN_ADDR) only if the whole range is free, and else the
 * highest free range below mmap_base is chosen, as Linux. Returns the
 * address or -errno. */
long as_map(struct as *as, uintptr_t addr, size_t len, uint32_t prot, uint32_t vflags,
	    bool fixed, struct inode *file, uint64_t off);
/* Remove mappings in the range, dropping frame references. 0 or -errno. */
int as_unmap(struct as *as, uintptr_t addr, size_t len);
/* Change protections over a fully mapped range. 0 or -errno (-ENOMEM when
 * a hole is found, or the range wraps or leaves user space, as Linux). */
int as_protect(struct as *as, uintptr_t addr, size_t len, uint32_t prot);

/* True if no region intersects [start, end). */
bool as_range_free(struct as *as, uintptr_t start, uintptr_t end);
/* True if regions cover all of [start, end), with no hole. */
bool as_range_mapped(struct as *as, uintptr_t start, uintptr_t end);
/* Drop the private pages in [start, end) (MADV_DONTNEED); shared ones stay. */
void as_discard(struct as *as, uintptr_t start, uintptr_t end);
/* Set, then clear, VMA flags over [start, end), splitting regions at its
 * ends. Unmapped parts are skipped and make the result -ENOMEM (as madvise
 * reports them); -ENOMEM also when a split finds no memory. */
int as_change_flags(struct as *as, uintptr_t start, uintptr_t end, uint32_t set,
		    uint32_t clear);

/* mm/mlock.c: lock a region just made, under mlockall(MCL_FUTURE) (and
 * populate it unless MCL_ONFAULT); the bytes of locked regions. */
void as_mlock_new(struct as *as, struct vma *v);
/* Fault in [start, end) as reads or writes would (MADV_POPULATE_*): 0,
 * -ENOMEM for a hole or no memory, -EINVAL for writes to a region without
 * PROT_WRITE, -EFAULT where the access would fault. */
int as_populate(struct as *as, uintptr_t start, uintptr_t end, bool write);
size_t as_locked_bytes(struct as *as);

/* Write len bytes from buf at va in as (not necessarily the live address
 * space), filling pages in as a fault would. 0, -EFAULT, or -ENOMEM. */
int as_copy_out(struct as *as, uintptr_t va, const void *buf, size_t len);

/* Resolve a page fault at addr with the x86 error code bits; a stack may
 * grow down to stack_limit bytes (RLIMIT_STACK).
 * Returns 0 when resolved, -EFAULT for a bad access, -EBUSERR past the end
 * of a mapped file, -ENOMEM when no frame could be had (the caller kills
 * the task). */
int as_fault(struct as *as, uintptr_t addr, uint32_t pf_error, uint64_t stack_limit);

/* The default stack growth limit (RLIMIT_STACK). */
#define AS_STACK_MAX (8UL << 20)
/* as_fault: the page lies wholly past the end of the mapped file. */
#define EBUSERR 1000

#define AS_MMAP_TOP 0x00007F0000000000UL
/* vm.mmap_min_addr: the lowest address mmap picks or takes as a hint,
 * and below which only root maps (Linux: CAP_SYS_RAWIO). */
#define AS_MIN_ADDR 0x10000UL

/* Every length and address a system call hands the address space goes
 * through this first: true if [addr, addr + len) is not empty, does not
 * wrap, and lies inside user space. Written so that nothing can overflow
 * (Linux's "len > TASK_SIZE || addr > TASK_SIZE - len"). Lengths are
 * rounded up to pages before: PAGE_ALIGN_UP of a length above 2^64 - 4096
 * wraps to 0, which this refuses. */
static inline bool as_range_ok(uintptr_t addr, size_t len)
{
	return len && len <= USER_TOP && addr <= USER_TOP - len;
}

#endif

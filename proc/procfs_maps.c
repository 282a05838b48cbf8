/* procfs_maps.c: /proc/<pid>/maps and smaps, from the VMA list and, for
 * smaps, the page tables.
 *
 * maps has one line per VMA: "start-end perms offset major:minor inode",
 * then (for a file, the heap or the stack) the name at column 73. smaps
 * follows each line with the region's page counts in kB. A page counts as
 * shared while its frame has more than one reference (copy-on-write after
 * fork, or MAP_SHARED), as dirty when its PTE has the D bit, as referenced
 * with the A bit. Private file pages here are private copies, never page
 * cache, so every resident page is also "Anonymous". Like the rest of
 * /proc/<pid>/ this runs without locks or sleeping (see procfs_pid.c). */
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "mm/as.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "proc/procfs_internal.h"
#include "proc/proc.h"

#define TABLE_SPAN (512 * PAGE_SIZE) /* what one missing page table covers */
#define PSS_SHIFT 12                 /* fixed-point bits of the Pss sum */

/* The name column of a maps line, or NULL for an anonymous region.
 * path is PATH_MAX bytes of scratch for file names. */
static const char *vma_name(const struct vma *v, char *path)
{
	if (v->file)
		return vfs_inode_path(v->file, path, PATH_MAX) >= 0 ? path : "(deleted)";
	if (v->flags & VMA_HEAP)
		return "[heap]";
	if (v->flags & VMA_GROWSDOWN)
		return "[stack]";
	return NULL;
}

/* One maps line: the name, when there is one, starts at column 73. */
static void maps_line(struct seqbuf *sb, const struct vma *v, char *path)
{
	uint32_t dev = v->file ? vfs_inode_dev(v->file) : 0;
	const char *name = vma_name(v, path);
	size_t start = sb->len;

	seq_printf(sb, "%08lx-%08lx %c%c%c%c %08lx %02x:%02x %lu ", (unsigned long)v->start,
		   (unsigned long)v->end, v->prot & PROT_READ ? 'r' : '-',
		   v->prot & PROT_WRITE ? 'w' : '-', v->prot & PROT_EXEC ? 'x' : '-',
		   v->flags & VMA_SHARED ? 's' : 'p', v->file ? (unsigned long)v->file_off : 0UL,
		   MAJOR(dev), MINOR(dev), v->file ? (unsigned long)v->file->ino : 0UL);
	if (name) {
		while (sb->len - start < 73 && !sb->overflow)
			seq_write(sb, " ", 1);
		seq_printf(sb, "%s", name);
	}
	seq_write(sb, "\n", 1);
}

/* Page counts of one VMA, in pages (pss in pages << PSS_SHIFT). */
struct vma_pages {
	unsigned long rss, shared_clean, shared_dirty, private_clean, private_dirty;
	unsigned long referenced;
	uint64_t pss;
};

static void count_page(struct vma_pages *c, pte_t pte)
{
	paddr_t pa = pte & PTE_ADDR_MASK;
	uint32_t refs = pmm_is_managed(pa) ? pmm_refcount(pa) : 1;
	bool dirty = pte & PTE_D;

	if (!refs)
		refs = 1;
	c->rss++;
	c->pss += (1UL << PSS_SHIFT) / refs;
	c->referenced += (pte & PTE_A) != 0;
	if (refs > 1)
		*(dirty ? &c->shared_dirty : &c->shared_clean) += 1;
	else
		*(dirty ? &c->private_dirty : &c->private_clean) += 1;
}

/* Walk v's PTEs; a missing page table skips the range it would map. */
static void vma_pages(struct as *as, const struct vma *v, struct vma_pages *c)
{
	uintptr_t va = v->start;

	memset(c, 0, sizeof(*c));
	while (va < v->end) {
		pte_t *e = vmm_walk(as->pml4, va, false);
		pte_t pte = e ? pte_get(e) : 0;

		if (pte & PTE_P)
			count_page(c, pte);
		va = e ? va + PAGE_SIZE : (va + TABLE_SPAN) & ~(TABLE_SPAN - 1);
	}
}

static void smaps_kb(struct seqbuf *sb, const char *name, unsigned long kb)
{
	seq_printf(sb, "%-16s%8lu kB\n", name, kb);
}

static void smaps_flags(struct seqbuf *sb, const struct vma *v)
{
	seq_printf(sb, "VmFlags: %s%s%s%smr mw me %s%s%s\n", v->prot & PROT_READ ? "rd " : "",
		   v->prot & PROT_WRITE ? "wr " : "", v->prot & PROT_EXEC ? "ex " : "",
		   v->flags & VMA_SHARED ? "sh " : "", v->flags & VMA_SHARED ? "ms " : "",
		   v->flags & VMA_GROWSDOWN ? "gd " : "",
		   (v->prot & PROT_WRITE) && !(v->flags & VMA_SHARED) ? "ac " : "");
}

static void smaps_entry(struct seqbuf *sb, struct as *as, const struct vma *v, char *path)
{
	const unsigned long kb = PAGE_SIZE / 1024;
	static const char *const zeros[] = { "LazyFree:", "AnonHugePages:", "ShmemPmdMapped:",
					     "FilePmdMapped:", "Shared_Hugetlb:",
					     "Private_Hugetlb:", "Swap:", "SwapPss:", "Locked:" };
	struct vma_pages c;

	vma_pages(as, v, &c);
	maps_line(sb, v, path);
	smaps_kb(sb, "Size:", (v->end - v->start) / 1024);
	smaps_kb(sb, "KernelPageSize:", kb);
	smaps_kb(sb, "MMUPageSize:", kb);
	smaps_kb(sb, "Rss:", c.rss * kb);
	smaps_kb(sb, "Pss:", (unsigned long)((c.pss * kb) >> PSS_SHIFT));
	smaps_kb(sb, "Shared_Clean:", c.shared_clean * kb);
	smaps_kb(sb, "Shared_Dirty:", c.shared_dirty * kb);
	smaps_kb(sb, "Private_Clean:", c.private_clean * kb);
	smaps_kb(sb, "Private_Dirty:", c.private_dirty * kb);
	smaps_kb(sb, "Referenced:", c.referenced * kb);
	smaps_kb(sb, "Anonymous:", c.rss * kb);
	for (size_t i = 0; i < sizeof(zeros) / sizeof(zeros[0]); i++)
		smaps_kb(sb, zeros[i], 0);
	seq_printf(sb, "%-16s%8d\n", "THPeligible:", 0);
	smaps_flags(sb, v);
}

/* Print every VMA of t with one, or with the smaps details too. */
static int print_vmas(struct task *t, struct seqbuf *sb, bool details)
{
	struct list_head *pos;
	char *path;

	if (!t->as)
		return 0;
	if (!(path = kmalloc(PATH_MAX)))
		return -ENOMEM;
	list_for_each(pos, &t->as->vmas) {
		const struct vma *v = list_entry(pos, struct vma, link);

		if (details)
			smaps_entry(sb, t->as, v, path);
		else
			maps_line(sb, v, path);
	}
	kfree(path);
	return 0;
}

int procfs_pid_maps(struct task *t, struct seqbuf *sb)
{
	return print_vmas(t, sb, false);
}

int procfs_pid_smaps(struct task *t, struct seqbuf *sb)
{
	return print_vmas(t, sb, true);
}

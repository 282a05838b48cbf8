/* elf.c: ELF64 header checks and load plans, after Linux's fs/binfmt_elf.c.
 *
 * Theory of operation. Exec hands us the file as a read callback and its
 * size; we never see an address space. Work is split where Linux splits it:
 *
 *   elf_check   = what load_elf_binary() checks before begin_new_exec():
 *		   magic, e_type, e_machine, e_phentsize, the size of the
 *		   program header table, the first PT_INTERP, PT_GNU_STACK.
 *		   Errors here reach the caller of execve as they do on Linux.
 *   elf_layout  = what Linux finds while mapping, after the point of no
 *		   return (where it kills the task with SIGSEGV instead):
 *		   segment bounds, offset/vaddr congruence, the load bias.
 *
 * What Linux does NOT check, and so neither do we: EI_CLASS, EI_DATA,
 * EI_VERSION, e_version, e_ehsize, p_align (only used to align the ET_DYN
 * base), the entry point lying in an executable segment (it faults later),
 * PT_LOAD order. A file shorter than the 64-byte header reads as if padded
 * with zeros, as Linux's 256-byte bprm->buf is, so it fails on e_type.
 *
 * Where we differ, on purpose: a segment whose file bytes run past the end
 * of the file is cut at the end of the file (Linux maps it and raises SIGBUS
 * when a page wholly past the end is touched); segments overlapping each
 * other at page granularity are refused (Linux lets the later mmap replace
 * the earlier one); more than ELF_MAX_LOADS PT_LOADs are refused; pages past
 * the file data keep the segment's protection (Linux's bss pages are RW).
 *
 * Invariants of a finished plan: seg[] is sorted by vaddr, each segment
 * lies in [0, USER_TOP) and none overlaps another; filesz <= memsz; entry
 * < USER_TOP; brk <= USER_TOP. */
#include "elf/elf.h"

#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"

/* What one pass over the PT_LOADs learns, before the load bias. */
struct load_scan {
	bool seen;            /* any PT_LOAD at all */
	uint64_t first_vaddr; /* p_vaddr of the first PT_LOAD in table order */
	uint64_t max_align;   /* largest power-of-two p_align */
	uint64_t phdr_vaddr;  /* where the segment holding e_phoff puts it */
	uint64_t end;         /* highest p_vaddr + p_memsz */
};

static int read_phdr(const struct elf_file *f, const struct elf64_ehdr *eh, unsigned int i,
		     struct elf64_phdr *ph)
{
	return f->read(f->ctx, eh->e_phoff + (uint64_t)i * sizeof(*ph), ph, sizeof(*ph));
}

/* The header checks of load_elf_binary() and load_elf_phdrs(). */
static int check_header(const struct elf64_ehdr *eh, uint64_t size)
{
	uint64_t table = (uint64_t)eh->e_phnum * sizeof(struct elf64_phdr);

	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return -ENOEXEC;
	if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
		return -ENOEXEC;
	if (eh->e_machine != EM_X86_64)
		return -ENOEXEC;
	if (eh->e_phentsize != sizeof(struct elf64_phdr))
		return -ENOEXEC;
	if (table == 0 || table > ELF_PHDR_TABLE_MAX)
		return -ENOEXEC;
	/* Linux's short read of the table also ends in -ENOEXEC. */
	if (eh->e_phoff > size || size - eh->e_phoff < table)
		return -ENOEXEC;
	return 0;
}

/* Check a PT_INTERP as Linux does before opening the path it names. */
static int check_interp(struct elf_plan *p, const struct elf_file *f, const struct elf64_phdr *ph)
{
	char last;
	int err;

	if (ph->p_filesz > ELF_INTERP_MAX || ph->p_filesz < 2)
		return -ENOEXEC;
	if (ph->p_offset > f->size || f->size - ph->p_offset < ph->p_filesz)
		return -EIO; /* elf_read()'s short read */
	err = f->read(f->ctx, ph->p_offset + ph->p_filesz - 1, &last, 1);
	if (err)
		return err;
	if (last != '\0')
		return -ENOEXEC;
	p->interp_off = ph->p_offset;
	p->interp_len = (uint32_t)ph->p_filesz;
	return 0;
}

int elf_check(struct elf_plan *p, const struct elf_file *f)
{
	size_t n = f->size < sizeof(p->ehdr) ? (size_t)f->size : sizeof(p->ehdr);
	struct elf64_phdr ph;
	int err;

	memset(p, 0, sizeof(*p));
	if (n) {
		err = f->read(f->ctx, 0, &p->ehdr, n);
		if (err)
			return err;
	}
	err = check_header(&p->ehdr, f->size);
	if (err)
		return err;
	for (unsigned int i = 0; i < p->ehdr.e_phnum; i++) {
		if (read_phdr(f, &p->ehdr, i, &ph))
			return -ENOEXEC; /* load_elf_phdrs() failed */
		if (ph.p_type == PT_INTERP && !p->interp_len) {
			/* Only the first PT_INTERP counts. */
			err = check_interp(p, f, &ph);
			if (err)
				return err;
		} else if (ph.p_type == PT_GNU_STACK) {
			/* The last one wins. */
			p->exec_stack = ph.p_flags & PF_X;
		}
	}
	return 0;
}

int elf_read_interp(const struct elf_plan *p, const struct elf_file *f, char *buf, size_t size)
{
	int err;

	if (!p->interp_len)
		return -ENOENT;
	if (size < p->interp_len)
		return -ENAMETOOLONG;
	err = f->read(f->ctx, p->interp_off, buf, p->interp_len);
	if (err)
		return err;
	buf[p->interp_len - 1] = '\0';
	return 0;
}

/* Linux's checks of one PT_LOAD: its own bound check, and mmap's refusal of
 * an unaligned or wrapping file offset (only made when there is file data). */
static int check_load(const struct elf64_phdr *ph)
{
	if (ph->p_vaddr >= USER_TOP || ph->p_filesz > ph->p_memsz || ph->p_memsz > USER_TOP ||
	    USER_TOP - ph->p_memsz < ph->p_vaddr)
		return -EINVAL;
	if (ph->p_filesz == 0)
		return 0;
	if ((ph->p_offset - ph->p_vaddr) & (PAGE_SIZE - 1))
		return -EINVAL;
	if (ph->p_offset + ph->p_filesz < ph->p_offset)
		return -EINVAL;
	return 0;
}

static void note_load(struct load_scan *sc, const struct elf64_phdr *ph, uint64_t phoff)
{
	uint64_t align = ph->p_align;

	if (!sc->seen) {
		sc->seen = true;
		sc->first_vaddr = ph->p_vaddr;
	}
	if (align && !(align & (align - 1)) && align > sc->max_align)
		sc->max_align = align;
	/* The last PT_LOAD whose file bytes hold e_phoff gives AT_PHDR. */
	if (ph->p_offset <= phoff && phoff - ph->p_offset < ph->p_filesz)
		sc->phdr_vaddr = phoff - ph->p_offset + ph->p_vaddr;
	if (ph->p_vaddr + ph->p_memsz > sc->end)
		sc->end = ph->p_vaddr + ph->p_memsz;
}

static uint32_t prot_of(uint32_t flags)
{
	return (flags & PF_R ? ELF_PROT_READ : 0) | (flags & PF_W ? ELF_PROT_WRITE : 0) |
	       (flags & PF_X ? ELF_PROT_EXEC : 0);
}

/* Widen a checked PT_LOAD to whole pages, before the bias. */
static void make_segment(struct elf_segment *s, const struct elf64_phdr *ph, uint64_t fsize)
{
	uint64_t pgoff = ph->p_vaddr & (PAGE_SIZE - 1);

	s->vaddr = ph->p_vaddr - pgoff;
	s->memsz = pgoff + ph->p_memsz;
	s->offset = 0;
	s->filesz = 0;
	if (ph->p_filesz) {
		s->offset = ph->p_offset - pgoff;
		s->filesz = pgoff + ph->p_filesz;
	}
	if (s->offset >= fsize)
		s->filesz = 0;
	else if (s->filesz > fsize - s->offset)
		s->filesz = fsize - s->offset;
	s->prot = prot_of(ph->p_flags);
}

/* Check every PT_LOAD in table order and collect the ones with pages. */
static int scan_loads(struct elf_plan *p, const struct elf_file *f, struct load_scan *sc)
{
	struct elf64_phdr ph;
	int err;

	for (unsigned int i = 0; i < p->ehdr.e_phnum; i++) {
		err = read_phdr(f, &p->ehdr, i, &ph);
		if (err)
			return err;
		if (ph.p_type != PT_LOAD)
			continue;
		err = check_load(&ph);
		if (err)
			return err;
		note_load(sc, &ph, p->ehdr.e_phoff);
		if ((ph.p_vaddr & (PAGE_SIZE - 1)) + ph.p_memsz == 0)
			continue; /* nothing to map */
		if (p->nseg == ELF_MAX_LOADS)
			return -ENOMEM;
		make_segment(&p->seg[p->nseg++], &ph, f->size);
	}
	return 0;
}

/* Linux's ET_DYN bias: the base aligned to the largest p_align, less the
 * first segment's p_vaddr so that segment starts at the base. */
static uint64_t dyn_bias(uint64_t base, const struct load_scan *sc)
{
	if (sc->max_align > PAGE_SIZE)
		base &= ~(sc->max_align - 1);
	return PAGE_ALIGN_DOWN(base - sc->first_vaddr);
}

/* Apply the bias; -ENOMEM if a segment then leaves user space (Linux's
 * mmap would fail). Unsigned wrap-around lands above USER_TOP too. */
static int bias_segments(struct elf_plan *p)
{
	for (uint32_t i = 0; i < p->nseg; i++) {
		struct elf_segment *s = &p->seg[i];
		uint64_t start = s->vaddr + p->load_bias;
		uint64_t span = PAGE_ALIGN_UP(s->memsz);

		if (start >= USER_TOP || USER_TOP - start < span)
			return -ENOMEM;
		s->vaddr = start;
		s->zero_start = start + s->filesz;
		s->zero_end = s->zero_start;
		if (s->filesz < s->memsz)
			s->zero_end = PAGE_ALIGN_UP(s->zero_start);
	}
	return 0;
}

/* Sort by vaddr (insertion sort: a handful of entries) and refuse overlap. */
static int sort_segments(struct elf_plan *p)
{
	for (uint32_t i = 1; i < p->nseg; i++) {
		struct elf_segment s = p->seg[i];
		uint32_t j = i;

		for (; j > 0 && p->seg[j - 1].vaddr > s.vaddr; j--)
			p->seg[j] = p->seg[j - 1];
		p->seg[j] = s;
	}
	for (uint32_t i = 1; i < p->nseg; i++) {
		const struct elf_segment *prev = &p->seg[i - 1];

		if (p->seg[i].vaddr < prev->vaddr + PAGE_ALIGN_UP(prev->memsz))
			return -EINVAL;
	}
	return 0;
}

int elf_layout(struct elf_plan *p, const struct elf_file *f, uint64_t dyn_base)
{
	struct load_scan sc = { 0 };
	uint64_t end;
	int err;

	KASSERT(p->ehdr.e_type == ET_EXEC || p->ehdr.e_type == ET_DYN);
	p->nseg = 0;
	p->load_bias = 0;
	err = scan_loads(p, f, &sc);
	if (err)
		return err;
	if (p->ehdr.e_type == ET_DYN) {
		if (!sc.seen)
			return -EINVAL; /* total_mapping_size() == 0 */
		p->load_bias = dyn_bias(dyn_base, &sc);
	}
	err = bias_segments(p);
	if (err)
		return err;
	end = sc.end + p->load_bias;
	if (end > USER_TOP)
		return -ENOMEM;
	err = sort_segments(p);
	if (err)
		return err;
	p->entry = p->ehdr.e_entry + p->load_bias;
	if (p->entry >= USER_TOP)
		return -EINVAL;
	p->phdr_addr = sc.phdr_vaddr + p->load_bias;
	p->brk = PAGE_ALIGN_UP(end);
	return 0;
}

bool elf_plan_overlaps(const struct elf_plan *p, uint64_t start, uint64_t end)
{
	for (uint32_t i = 0; i < p->nseg; i++) {
		const struct elf_segment *s = &p->seg[i];

		if (start < s->vaddr + PAGE_ALIGN_UP(s->memsz) && s->vaddr < end)
			return true;
	}
	return false;
}

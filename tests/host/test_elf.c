/* test_elf.c: ELF checks and load plans on images built in memory.
 * The expected errnos and numbers were checked against a Linux 6.18 kernel
 * by exec'ing the same images (see elf/elf.c for what Linux leaves alone). */
#include "elf/elf.c"

#include <stdlib.h>
#include <string.h>

#include "htest.h"

void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
	printf("# KASSERT(%s) failed at %s:%d in %s\n", expr, file, line, func);
	abort();
}

struct img {
	uint8_t *b;
	size_t size;
	int reads_out_of_range;
	int fail_reads; /* make every read fail with -EIO */
};

static int img_read(void *ctx, uint64_t off, void *buf, size_t n)
{
	struct img *m = ctx;

	if (off > m->size || n > m->size - off) {
		m->reads_out_of_range++;
		return -EIO;
	}
	if (m->fail_reads)
		return -EIO;
	memcpy(buf, m->b + off, n);
	return 0;
}

static struct img *img_new(size_t size)
{
	struct img *m = calloc(1, sizeof(*m));

	m->b = calloc(1, size ? size : 1);
	m->size = size;
	return m;
}

static void img_free(struct img *m)
{
	HCHECK(m->reads_out_of_range == 0);
	free(m->b);
	free(m);
}

static struct elf64_ehdr *ehdr(struct img *m)
{
	return (struct elf64_ehdr *)m->b;
}

static struct elf64_phdr *phdr(struct img *m, int i)
{
	return (struct elf64_phdr *)(m->b + ehdr(m)->e_phoff) + i;
}

static void set_ph(struct img *m, int i, uint32_t type, uint32_t flags, uint64_t off,
		   uint64_t vaddr, uint64_t filesz, uint64_t memsz, uint64_t align)
{
	struct elf64_phdr *p = phdr(m, i);

	p->p_type = type;
	p->p_flags = flags;
	p->p_offset = off;
	p->p_vaddr = vaddr;
	p->p_paddr = vaddr;
	p->p_filesz = filesz;
	p->p_memsz = memsz;
	p->p_align = align;
}

static void set_header(struct img *m, uint16_t type, uint64_t entry, uint16_t phnum)
{
	struct elf64_ehdr *e = ehdr(m);

	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[4] = 2; /* ELFCLASS64 */
	e->e_ident[5] = 1; /* ELFDATA2LSB */
	e->e_ident[6] = 1; /* EV_CURRENT */
	e->e_type = type;
	e->e_machine = EM_X86_64;
	e->e_version = 1;
	e->e_entry = entry;
	e->e_phoff = sizeof(*e);
	e->e_ehsize = sizeof(*e);
	e->e_phentsize = sizeof(struct elf64_phdr);
	e->e_phnum = phnum;
}

/* The layout of a musl-gcc -static binary (readelf -l of a real one). */
static struct img *static_exec(void)
{
	struct img *m = img_new(0x6110);

	set_header(m, ET_EXEC, 0x40102b, 6);
	set_ph(m, 0, PT_LOAD, PF_R, 0, 0x400000, 0x190, 0x190, 0x1000);
	set_ph(m, 1, PT_LOAD, PF_R | PF_X, 0x1000, 0x401000, 0x3be7, 0x3be7, 0x1000);
	set_ph(m, 2, PT_LOAD, PF_R, 0x5000, 0x405000, 0xc94, 0xc94, 0x1000);
	set_ph(m, 3, PT_LOAD, PF_R | PF_W, 0x5fc0, 0x406fc0, 0x150, 0x7f8, 0x1000);
	set_ph(m, 4, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0x10);
	set_ph(m, 5, PT_GNU_RELRO, PF_R, 0x5fc0, 0x406fc0, 0x40, 0x40, 1);
	return m;
}

/* The layout of a gcc -static-pie binary (no PT_INTERP, no PT_PHDR). */
static struct img *static_pie(void)
{
	struct img *m = img_new(0x3100);

	set_header(m, ET_DYN, 0x1050, 5);
	set_ph(m, 0, PT_LOAD, PF_R, 0, 0, 0x2e8, 0x2e8, 0x1000);
	set_ph(m, 1, PT_LOAD, PF_R | PF_X, 0x1000, 0x1000, 0x100, 0x100, 0x1000);
	set_ph(m, 2, PT_LOAD, PF_R, 0x2000, 0x2000, 0x80, 0x80, 0x1000);
	set_ph(m, 3, PT_LOAD, PF_R | PF_W, 0x2f30, 0x3f30, 0xd0, 0x1d0, 0x1000);
	set_ph(m, 4, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0x10);
	return m;
}

static struct elf_file file_of(struct img *m)
{
	struct elf_file f = { img_read, m, m->size };
	return f;
}

static struct elf_plan plan;

static int check(struct img *m)
{
	struct elf_file f = file_of(m);

	return elf_check(&plan, &f);
}

/* elf_check then elf_layout at ELF_ET_DYN_BASE; the first error. */
static int load(struct img *m)
{
	struct elf_file f = file_of(m);
	int err = elf_check(&plan, &f);

	return err ? err : elf_layout(&plan, &f, ELF_ET_DYN_BASE);
}

/* Expect check() (or load()) to give err, then free the image. */
static void expect_check(struct img *m, int err)
{
	HCHECK(check(m) == err);
	img_free(m);
}

static void expect_load(struct img *m, int err)
{
	HCHECK(load(m) == err);
	img_free(m);
}

static bool seg_is(int i, uint64_t vaddr, uint64_t off, uint64_t filesz, uint64_t memsz,
		   uint32_t prot)
{
	const struct elf_segment *s = &plan.seg[i];

	return s->vaddr == vaddr && s->offset == off && s->filesz == filesz && s->memsz == memsz &&
	       s->prot == prot;
}

HTEST(elf_static_exec_plan)
{
	struct img *m = static_exec();

	HCHECK(load(m) == 0);
	HCHECK(plan.interp_len == 0);
	HCHECK(!plan.exec_stack);
	HCHECK(plan.load_bias == 0);
	HCHECK(plan.entry == 0x40102b);
	HCHECK(plan.phdr_addr == 0x400040); /* AT_PHDR Linux gave this binary */
	HCHECK(plan.brk == 0x408000);       /* sbrk(0) under setarch -R */
	HCHECK(plan.ehdr.e_phnum == 6);
	HCHECK(plan.nseg == 4);
	HCHECK(seg_is(0, 0x400000, 0, 0x190, 0x190, ELF_PROT_READ));
	HCHECK(seg_is(1, 0x401000, 0x1000, 0x3be7, 0x3be7, ELF_PROT_READ | ELF_PROT_EXEC));
	HCHECK(seg_is(2, 0x405000, 0x5000, 0xc94, 0xc94, ELF_PROT_READ));
	HCHECK(seg_is(3, 0x406000, 0x5000, 0x1110, 0x17b8, ELF_PROT_READ | ELF_PROT_WRITE));
	/* bss: clear the rest of the last file page. */
	HCHECK(plan.seg[3].zero_start == 0x407110 && plan.seg[3].zero_end == 0x408000);
	/* No bss: nothing to clear (Linux leaves file bytes there). */
	HCHECK(plan.seg[1].zero_start == plan.seg[1].zero_end);
	img_free(m);
}

HTEST(elf_static_pie_plan)
{
	struct img *m = static_pie();

	HCHECK(load(m) == 0);
	HCHECK(plan.load_bias == ELF_ET_DYN_BASE);
	HCHECK(plan.entry == 0x555555555050);
	HCHECK(plan.phdr_addr == 0x555555554040);
	HCHECK(plan.nseg == 4);
	HCHECK(seg_is(0, 0x555555554000, 0, 0x2e8, 0x2e8, ELF_PROT_READ));
	HCHECK(seg_is(3, 0x555555557000, 0x2000, 0xf30 + 0xd0, 0xf30 + 0x1d0,
		      ELF_PROT_READ | ELF_PROT_WRITE));
	HCHECK(plan.brk == 0x555555559000); /* 0x3f30 + 0x1d0, page up */
	img_free(m);
}

HTEST(elf_dyn_base_override_and_alignment)
{
	struct img *m = static_pie();
	struct elf_file f = file_of(m);

	HCHECK(elf_check(&plan, &f) == 0);
	HCHECK(elf_layout(&plan, &f, 0x7ffff7ff0000) == 0);
	HCHECK(plan.seg[0].vaddr == 0x7ffff7ff0000 && plan.entry == 0x7ffff7ff1050);
	/* The largest power-of-two p_align aligns the base down (2 MiB). */
	phdr(m, 1)->p_align = 0x200000;
	phdr(m, 2)->p_align = 0x3000; /* not a power of two: ignored */
	HCHECK(elf_layout(&plan, &f, ELF_ET_DYN_BASE) == 0);
	HCHECK(plan.load_bias == 0x555555400000);
	/* The first PT_LOAD in table order lands on the base. */
	for (int i = 0; i < 4; i++)
		phdr(m, i)->p_vaddr += 0x10000;
	phdr(m, 1)->p_align = 0x1000;
	HCHECK(elf_layout(&plan, &f, ELF_ET_DYN_BASE) == 0);
	HCHECK(plan.seg[0].vaddr == ELF_ET_DYN_BASE && plan.load_bias == ELF_ET_DYN_BASE - 0x10000);
	img_free(m);
}

HTEST(elf_short_files)
{
	struct img *full = static_exec();
	struct img *m;

	expect_check(img_new(0), -ENOEXEC);
	for (size_t n = 1; n <= 120; n += 7) {
		m = img_new(n);
		memcpy(m->b, full->b, n);
		expect_check(m, -ENOEXEC);
	}
	/* Whole header, program headers cut short. */
	m = img_new(64 + 56 * 6 - 1);
	memcpy(m->b, full->b, m->size);
	expect_check(m, -ENOEXEC);
	img_free(full);
}

HTEST(elf_header_fields)
{
	struct img *m;

	m = static_exec();
	ehdr(m)->e_ident[0] = 0x7e;
	expect_check(m, -ENOEXEC);
	m = static_exec();
	ehdr(m)->e_type = 1; /* ET_REL */
	expect_check(m, -ENOEXEC);
	m = static_exec();
	ehdr(m)->e_type = 4; /* ET_CORE */
	expect_check(m, -ENOEXEC);
	m = static_exec();
	ehdr(m)->e_machine = 3; /* EM_386 */
	expect_check(m, -ENOEXEC);
	m = static_exec();
	ehdr(m)->e_phentsize = 55;
	expect_check(m, -ENOEXEC);
	m = static_exec();
	ehdr(m)->e_phnum = 0;
	expect_check(m, -ENOEXEC);
	m = static_exec();
	ehdr(m)->e_phoff = m->size - 100;
	expect_check(m, -ENOEXEC);
	m = static_exec();
	ehdr(m)->e_phoff = ~0ULL - 8; /* wraps */
	expect_check(m, -ENOEXEC);
}

/* Fields Linux never looks at: a 6.18 kernel runs the binary anyway. */
HTEST(elf_header_fields_linux_ignores)
{
	static const int off[] = { 4, 5, 6, 7 }; /* class, data, version, OS ABI */
	struct img *m;

	for (unsigned int i = 0; i < sizeof(off) / sizeof(off[0]); i++) {
		m = static_exec();
		m->b[off[i]] = 0x55;
		expect_load(m, 0);
	}
	m = static_exec();
	ehdr(m)->e_version = 0;
	ehdr(m)->e_ehsize = 0;
	expect_load(m, 0);
}

/* The program header table may be 64 KiB: 1170 entries, not 1171. */
HTEST(elf_phnum_limit)
{
	size_t table = 1171 * sizeof(struct elf64_phdr);
	struct img *m = img_new(0x6110 + table);
	struct img *src = static_exec();

	memcpy(m->b, src->b, src->size);
	memcpy(m->b + 0x6110, src->b + 64, 6 * sizeof(struct elf64_phdr));
	ehdr(m)->e_phoff = 0x6110;
	ehdr(m)->e_phnum = 1170;
	HCHECK(load(m) == 0);
	HCHECK(plan.nseg == 4);
	HCHECK(plan.phdr_addr == 0); /* no PT_LOAD holds the table: Linux gives 0 */
	ehdr(m)->e_phnum = 1171;
	HCHECK(check(m) == -ENOEXEC);
	img_free(m);
	img_free(src);
}

/* Put a PT_INTERP with the given bytes in the spare slot 5 (the RELRO one). */
static struct img *with_interp(const char *path, size_t len)
{
	struct img *m = static_exec();
	uint64_t at = 0x6000;

	memcpy(m->b + at, path, len);
	set_ph(m, 5, PT_INTERP, PF_R, at, 0, len, len, 1);
	return m;
}

HTEST(elf_interp)
{
	static const char ld[] = "/lib/ld-musl-x86_64.so.1";
	struct img *m = with_interp(ld, sizeof(ld));
	struct elf_file f = file_of(m);
	char buf[64];

	HCHECK(check(m) == 0);
	HCHECK(plan.interp_len == sizeof(ld));
	HCHECK(elf_read_interp(&plan, &f, buf, sizeof(buf)) == 0);
	HCHECK(strcmp(buf, ld) == 0);
	HCHECK(elf_read_interp(&plan, &f, buf, sizeof(ld) - 1) == -ENAMETOOLONG);
	img_free(m);

	m = static_exec();
	f = file_of(m);
	HCHECK(check(m) == 0);
	HCHECK(elf_read_interp(&plan, &f, buf, sizeof(buf)) == -ENOENT);
	img_free(m);
}

HTEST(elf_interp_bad)
{
	static char big[ELF_INTERP_MAX + 1];
	struct img *m;

	expect_check(with_interp("\0", 1), -ENOEXEC);             /* p_filesz < 2 */
	expect_check(with_interp("/x", 2), -ENOEXEC);             /* no NUL */
	expect_check(with_interp("/x\0/y", 5), -ENOEXEC);         /* last byte not NUL */
	m = with_interp("/\0", 2);
	HCHECK(check(m) == 0 && plan.interp_len == 2);
	img_free(m);
	memset(big, '/', sizeof(big));
	big[ELF_INTERP_MAX - 1] = '\0';
	m = static_exec();
	set_ph(m, 5, PT_INTERP, PF_R, 0x100, 0, ELF_INTERP_MAX + 1, 0, 1);
	expect_check(m, -ENOEXEC);                                /* > PATH_MAX */
	m = static_exec();
	set_ph(m, 5, PT_INTERP, PF_R, 0x6100, 0, 0x20, 0x20, 1);
	expect_check(m, -EIO);                                    /* past the end */
	m = static_exec();
	set_ph(m, 5, PT_INTERP, PF_R, ~0ULL - 4, 0, 0x20, 0x20, 1);
	expect_check(m, -EIO);                                    /* wraps */
	/* Only the first PT_INTERP is looked at. */
	m = with_interp("/a\0", 3);
	set_ph(m, 4, PT_INTERP, PF_R, 0x6000, 0, 1, 1, 1);
	expect_check(m, -ENOEXEC);
	m = with_interp("/a\0", 3);
	set_ph(m, 4, PT_INTERP, PF_R, 0x6000, 0, 3, 3, 1);
	set_ph(m, 5, PT_INTERP, PF_R, 0x6000, 0, 1, 1, 1);
	expect_check(m, 0);
}

HTEST(elf_gnu_stack)
{
	struct img *m = static_exec();

	HCHECK(check(m) == 0 && !plan.exec_stack);
	phdr(m, 4)->p_flags = PF_R | PF_W | PF_X;
	HCHECK(check(m) == 0 && plan.exec_stack);
	/* The last PT_GNU_STACK wins. */
	set_ph(m, 5, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0, 0x10);
	HCHECK(check(m) == 0 && !plan.exec_stack);
	phdr(m, 4)->p_type = PT_NULL;
	phdr(m, 5)->p_type = PT_NULL;
	HCHECK(check(m) == 0 && !plan.exec_stack); /* none: not executable */
	img_free(m);
}

HTEST(elf_read_errors)
{
	struct img *m = static_exec();

	m->fail_reads = 1;
	HCHECK(check(m) == -EIO); /* the header read fails: passed on */
	img_free(m);
}

HTEST(elf_segment_bounds)
{
	struct img *m;

	m = static_exec();
	phdr(m, 3)->p_filesz = 0x800; /* > p_memsz */
	expect_load(m, -EINVAL);
	m = static_exec();
	phdr(m, 3)->p_memsz = 0x7fffffff0000;
	expect_load(m, -EINVAL);
	m = static_exec();
	phdr(m, 3)->p_memsz = ~0ULL;
	expect_load(m, -EINVAL);
	m = static_exec();
	phdr(m, 3)->p_vaddr = USER_TOP;
	expect_load(m, -EINVAL);
	m = static_exec();
	phdr(m, 3)->p_vaddr = USER_TOP - 0x7f0; /* end past USER_TOP by 8 */
	expect_load(m, -EINVAL);
	m = static_exec();
	phdr(m, 3)->p_vaddr = USER_TOP - 0x7f8; /* ends exactly at USER_TOP */
	phdr(m, 3)->p_offset = 0x5808;
	expect_load(m, 0);
	m = static_exec();
	phdr(m, 3)->p_offset = 0x5fc8; /* offset and vaddr differ mod 4096 */
	expect_load(m, -EINVAL);
	m = static_exec();
	phdr(m, 3)->p_offset = 0x5fc8;
	phdr(m, 3)->p_filesz = 0; /* no file data: mmap not called, no check */
	expect_load(m, 0);
	m = static_exec();
	phdr(m, 3)->p_offset = ~0ULL - 0x3f; /* congruent, but offset + size wraps */
	expect_load(m, -EINVAL);
}

HTEST(elf_entry)
{
	struct img *m;

	m = static_exec();
	ehdr(m)->e_entry = USER_TOP;
	expect_load(m, -EINVAL);
	m = static_exec();
	ehdr(m)->e_entry = 0; /* Linux runs it and it faults: not our business */
	expect_load(m, 0);
	m = static_exec();
	ehdr(m)->e_entry = 0x406fc0; /* in the RW segment: idem */
	expect_load(m, 0);
	m = static_pie();
	ehdr(m)->e_entry = USER_TOP - ELF_ET_DYN_BASE; /* lands on USER_TOP */
	expect_load(m, -EINVAL);
}

HTEST(elf_overlap_and_order)
{
	struct img *m;

	m = static_exec();
	phdr(m, 2)->p_vaddr = 0x401000; /* on top of the text */
	phdr(m, 2)->p_offset = 0x5000;
	expect_load(m, -EINVAL);
	m = static_exec();
	phdr(m, 2)->p_vaddr = 0x404000 + 0xbe7; /* shares the text's last page */
	phdr(m, 2)->p_offset = 0x4be7;
	expect_load(m, -EINVAL);
	/* Out of table order is fine (Linux maps them); the plan is sorted. */
	m = static_exec();
	struct elf64_phdr t = *phdr(m, 1);
	*phdr(m, 1) = *phdr(m, 3);
	*phdr(m, 3) = t;
	HCHECK(load(m) == 0);
	HCHECK(plan.nseg == 4 && plan.seg[1].vaddr == 0x401000 && plan.seg[3].vaddr == 0x406000);
	HCHECK(plan.brk == 0x408000 && plan.phdr_addr == 0x400040);
	img_free(m);
}

HTEST(elf_no_loads)
{
	struct img *m;

	m = static_exec();
	for (int i = 0; i < 4; i++)
		phdr(m, i)->p_type = PT_NULL;
	HCHECK(load(m) == 0); /* Linux execs it; it faults at the entry */
	HCHECK(plan.nseg == 0 && plan.brk == 0);
	img_free(m);
	m = static_pie();
	for (int i = 0; i < 4; i++)
		phdr(m, i)->p_type = PT_NOTE;
	expect_load(m, -EINVAL); /* total_mapping_size() == 0 */
}

HTEST(elf_segment_past_eof_is_cut)
{
	struct img *m = static_exec();

	phdr(m, 3)->p_filesz = 0x400; /* file ends at 0x6110, data would to 0x63c0 */
	HCHECK(load(m) == 0);
	HCHECK(plan.seg[3].filesz == 0x1110);
	HCHECK(plan.seg[3].zero_start == 0x407110 && plan.seg[3].zero_end == 0x408000);
	phdr(m, 3)->p_offset = 0x10fc0; /* wholly past the end */
	phdr(m, 3)->p_filesz = 0x100;
	HCHECK(load(m) == 0);
	HCHECK(plan.seg[3].filesz == 0 && plan.seg[3].offset == 0x10000);
	img_free(m);
}

HTEST(elf_empty_and_bss_only_segments)
{
	struct img *m = static_exec();

	set_ph(m, 5, PT_LOAD, PF_R, 0, 0x500000, 0, 0, 0x1000); /* nothing at all */
	HCHECK(load(m) == 0 && plan.nseg == 4);
	set_ph(m, 5, PT_LOAD, PF_R | PF_W, 0x1234, 0x500010, 0, 0x3000, 0x1000);
	HCHECK(load(m) == 0 && plan.nseg == 5);
	HCHECK(seg_is(4, 0x500000, 0, 0, 0x3010, ELF_PROT_READ | ELF_PROT_WRITE));
	HCHECK(plan.seg[4].zero_start == plan.seg[4].zero_end);
	HCHECK(plan.brk == 0x504000);
	img_free(m);
}

HTEST(elf_too_many_loads)
{
	int n = ELF_MAX_LOADS + 1;
	struct img *m = img_new(0x1000);

	set_header(m, ET_EXEC, 0x400000, n);
	for (int i = 0; i < n; i++)
		set_ph(m, i, PT_LOAD, PF_R, 0, 0x400000 + 0x1000 * i, 0x10, 0x10, 0x1000);
	HCHECK(load(m) == -ENOMEM);
	ehdr(m)->e_phnum = n - 1;
	HCHECK(load(m) == 0 && plan.nseg == ELF_MAX_LOADS);
	img_free(m);
}

HTEST(elf_dyn_bias_out_of_range)
{
	struct img *m = static_pie();

	phdr(m, 3)->p_vaddr = 0x700000000f30; /* fine alone, not above the base */
	phdr(m, 3)->p_offset = 0x2f30;
	expect_load(m, -ENOMEM);
	m = static_pie();
	for (int i = 0; i < 4; i++)
		phdr(m, i)->p_vaddr += 0x600000000000;
	ehdr(m)->e_entry += 0x600000000000;
	phdr(m, 0)->p_vaddr = 0; /* bias = base: the others end above USER_TOP */
	HCHECK(load(m) == -ENOMEM);
	/* First segment above the base: the bias wraps below zero and a lower
	 * segment would land under address 0. */
	phdr(m, 0)->p_vaddr = 0x600000004000;
	phdr(m, 1)->p_vaddr = 0x1000;
	HCHECK(load(m) == -ENOMEM);
	img_free(m);
}

HTEST(elf_plan_overlaps_stack)
{
	struct img *m = static_exec();

	HCHECK(load(m) == 0);
	HCHECK(!elf_plan_overlaps(&plan, USER_TOP - 0x800000, USER_TOP));
	HCHECK(elf_plan_overlaps(&plan, 0x407fff, 0x408000));
	HCHECK(!elf_plan_overlaps(&plan, 0x408000, 0x409000));
	HCHECK(!elf_plan_overlaps(&plan, 0x3ff000, 0x400000));
	img_free(m);
}

HTEST_MAIN()

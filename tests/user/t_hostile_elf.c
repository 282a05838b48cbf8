/* t_hostile_elf.c: a corpus of broken executables, and what execve must
 * say to each. The corpus is generated here from one tiny valid ELF (one
 * PT_LOAD, code that exits 42) by mutation: truncated at many lengths,
 * wrong class/data/machine/type/version, phnum 0 or huge, bad phentsize or
 * phoff, overlapping, huge, wrapping or kernel-space segments, filesz >
 * memsz, file offsets past EOF, the entry outside any segment or outside
 * user space, PT_INTERP naming nothing / not terminated / too long /
 * garbage; and `#!` scripts: no interpreter, a missing one, a directory, a
 * line too long, CRLF, and chains deeper than Linux allows.
 *
 * Each file is run by a forked child. When Linux refuses it before the
 * point of no return the answer is an errno, and the same execve is then
 * also made by this process itself, which must come back intact. When
 * Linux accepts it the child's fate is the answer: a clean exit, or the
 * signal it dies of (a fault in the new image, or SIGSEGV/SIGKILL when the
 * load fails after the old image is gone). Linux's answers were learned by
 * running this on Linux 6.x.
 *
 * `t_hostile_elf --helper corpus DIR` writes the corpus into DIR (for the
 * fuzzer or a shell). */
#include "utest.h"

#include <elf.h>

#define PAGE 4096ul
#define BASE 0x400000ul
#define CODE_OFF 0x100ul

/* mov $60, %eax; mov $42, %edi; syscall  -- exit(42) */
static const uint8_t exit42[] = { 0xb8, 0x3c, 0, 0, 0, 0xbf, 0x2a, 0, 0, 0, 0x0f, 0x05 };

struct image {
	uint8_t buf[8192];
	size_t len;
};

static Elf64_Ehdr *eh(struct image *im) { return (Elf64_Ehdr *)im->buf; }
static Elf64_Phdr *ph(struct image *im, int i) { return (Elf64_Phdr *)(im->buf + 64) + i; }

/* The valid base: ET_EXEC at 0x400000, one R+X PT_LOAD covering the file,
 * room for four program headers, the code at 0x100. */
static void base_image(struct image *im)
{
	memset(im, 0, sizeof(*im));
	Elf64_Ehdr *e = eh(im);
	memcpy(e->e_ident, ELFMAG, SELFMAG);
	e->e_ident[EI_CLASS] = ELFCLASS64;
	e->e_ident[EI_DATA] = ELFDATA2LSB;
	e->e_ident[EI_VERSION] = EV_CURRENT;
	e->e_type = ET_EXEC;
	e->e_machine = EM_X86_64;
	e->e_version = EV_CURRENT;
	e->e_entry = BASE + CODE_OFF;
	e->e_phoff = 64;
	e->e_ehsize = 64;
	e->e_phentsize = sizeof(Elf64_Phdr);
	e->e_phnum = 1;
	memcpy(im->buf + CODE_OFF, exit42, sizeof(exit42));
	im->len = CODE_OFF + sizeof(exit42);
	Elf64_Phdr *p = ph(im, 0);
	p->p_type = PT_LOAD;
	p->p_flags = PF_R | PF_X;
	p->p_offset = 0;
	p->p_vaddr = p->p_paddr = BASE;
	p->p_filesz = p->p_memsz = im->len;
	p->p_align = PAGE;
}

/* Adds a PT_INTERP naming s (n bytes from s, as given) at offset 0x200. */
static void add_interp(struct image *im, const char *s, size_t n)
{
	Elf64_Ehdr *e = eh(im);
	Elf64_Phdr *p = ph(im, e->e_phnum);

	/* PT_INTERP must come before PT_LOAD: move the load entry down. */
	*p = *ph(im, 0);
	memset(ph(im, 0), 0, sizeof(Elf64_Phdr));
	ph(im, 0)->p_type = PT_INTERP;
	ph(im, 0)->p_flags = PF_R;
	ph(im, 0)->p_offset = 0x200;
	ph(im, 0)->p_filesz = ph(im, 0)->p_memsz = n;
	ph(im, 0)->p_align = 1;
	memcpy(im->buf + 0x200, s, n);
	e->e_phnum++;
	if (im->len < 0x200 + n)
		im->len = 0x200 + n;
	p->p_filesz = p->p_memsz = im->len;
}

/* Adds a second PT_LOAD: vaddr, memsz, filesz, offset. */
static Elf64_Phdr *add_load(struct image *im, uint64_t vaddr, uint64_t memsz, uint64_t filesz,
			    uint64_t off)
{
	Elf64_Phdr *p = ph(im, eh(im)->e_phnum++);

	p->p_type = PT_LOAD;
	p->p_flags = PF_R | PF_W;
	p->p_offset = off;
	p->p_vaddr = p->p_paddr = vaddr;
	p->p_filesz = filesz;
	p->p_memsz = memsz;
	p->p_align = PAGE;
	return p;
}

/* How Linux answers: ERR, an errno before the point of no return (the
 * caller survives); EXIT, the image runs and exits; SIG, the image runs
 * and dies of a signal; LATE, Linux finds the problem only after the old
 * image is gone and kills the process with SIGSEGV; a kernel that refuses
 * such a file before the point of no return (with any errno, the caller
 * surviving) passes as well. */
enum how { NONE, ERR, EXIT, SIG, LATE };

struct bad_elf {
	const char *name;
	void (*make)(struct image *im);
	enum how how;
	int val;          /* errno, exit code, or signal */
	enum how alt_how; /* a deviation the kernel documents (elf/elf.c,
			   * proc/exec.c), accepted on it too */
	int alt_val;
	bool host_dep;    /* Linux's answer depends on its configuration:
			   * checked only on the project's kernel */
};

#define E(n, how, val) { #n, mk_##n, how, val, NONE, 0, false }
#define H(n, how, val) { #n, mk_##n, how, val, NONE, 0, true }
#define A(n, how, val, ahow, aval) { #n, mk_##n, how, val, ahow, aval, false }

#define MUT(n) static void mk_##n(struct image *im)

MUT(good) { (void)im; }
MUT(good_dyn) { eh(im)->e_type = ET_DYN; }
MUT(trunc_0) { im->len = 0; }
MUT(trunc_1) { im->len = 1; }
MUT(trunc_3) { im->len = 3; }
MUT(trunc_4) { im->len = 4; }
MUT(trunc_5) { im->len = 5; }
MUT(trunc_16) { im->len = 16; }
MUT(trunc_18) { im->len = 18; }
MUT(trunc_24) { im->len = 24; }
MUT(trunc_52) { im->len = 52; }
MUT(trunc_63) { im->len = 63; }
MUT(trunc_64) { im->len = 64; }
MUT(trunc_65) { im->len = 65; }
MUT(trunc_100) { im->len = 100; }
MUT(trunc_119) { im->len = 119; }
MUT(trunc_120) { im->len = 120; }
MUT(trunc_code) { im->len = CODE_OFF + 5; } /* the code runs into zeros */
MUT(trunc_before_code) { im->len = CODE_OFF; }
MUT(class32) { eh(im)->e_ident[EI_CLASS] = ELFCLASS32; }
MUT(class_none) { eh(im)->e_ident[EI_CLASS] = ELFCLASSNONE; }
MUT(class_bad) { eh(im)->e_ident[EI_CLASS] = 0x7f; }
MUT(data_msb) { eh(im)->e_ident[EI_DATA] = ELFDATA2MSB; }
MUT(data_none) { eh(im)->e_ident[EI_DATA] = ELFDATANONE; }
MUT(ident_version0) { eh(im)->e_ident[EI_VERSION] = 0; }
MUT(e_version0) { eh(im)->e_version = 0; }
MUT(machine_386) { eh(im)->e_machine = EM_386; }
MUT(machine_aarch64) { eh(im)->e_machine = EM_AARCH64; }
MUT(machine_none) { eh(im)->e_machine = EM_NONE; }
MUT(type_rel) { eh(im)->e_type = ET_REL; }
MUT(type_core) { eh(im)->e_type = ET_CORE; }
MUT(type_none) { eh(im)->e_type = ET_NONE; }
MUT(type_huge) { eh(im)->e_type = 0xfeff; }
MUT(magic_bad) { im->buf[3] = 'G'; }
MUT(phnum_0) { eh(im)->e_phnum = 0; }
MUT(phnum_max) { eh(im)->e_phnum = 0xffff; }
MUT(phnum_1171) { eh(im)->e_phnum = 1171; } /* one past Linux's 64 KiB table */
MUT(phnum_past_eof) { eh(im)->e_phnum = 100; }
MUT(phentsize_0) { eh(im)->e_phentsize = 0; }
MUT(phentsize_32) { eh(im)->e_phentsize = 32; }
MUT(phentsize_64) { eh(im)->e_phentsize = 64; }
MUT(phoff_past_eof) { eh(im)->e_phoff = 1 << 20; }
MUT(phoff_huge) { eh(im)->e_phoff = 0xfffffffffffffff0ul; }
MUT(phoff_unaligned) { eh(im)->e_phoff = 65; memmove(im->buf + 65, im->buf + 64, 56); }
MUT(ehsize_0) { eh(im)->e_ehsize = 0; }
MUT(no_load) { ph(im, 0)->p_type = PT_NOTE; }
MUT(load_memsz_0)
{
	ph(im, 0)->p_memsz = 0;
	ph(im, 0)->p_filesz = 0;
}
MUT(filesz_gt_memsz) { ph(im, 0)->p_memsz = 16; }
MUT(filesz_past_eof) { ph(im, 0)->p_filesz = ph(im, 0)->p_memsz = 1 << 20; }
MUT(offset_past_eof)
{
	/* The code page maps from an offset beyond the end of the file. */
	add_load(im, 0x800000, PAGE, PAGE, 1 << 20)->p_flags = PF_R | PF_X;
	eh(im)->e_entry = 0x800000;
}
MUT(offset_misaligned) { ph(im, 0)->p_offset = 1; }
MUT(offset_huge) { ph(im, 0)->p_offset = 0xfffffffffffff000ul; }
MUT(align_odd) { ph(im, 0)->p_align = 3; }
MUT(align_huge) { ph(im, 0)->p_align = 1ul << 40; }
MUT(overlap_same_page) { add_load(im, BASE + 0x800, 0x100, 0, 0); }
MUT(overlap_pages) { add_load(im, BASE, 2 * PAGE, 0, 0); }
/* 1 TiB of bss (not more: the kernel walks an unmapped range 2 MiB at a
 * time, see t_exhaust munmap_huge_sparse_range). */
MUT(bss_huge) { ph(im, 0)->p_memsz = 1ul << 40; }
MUT(bss_2g) { add_load(im, 0x10000000, 1ul << 31, 0, 0); }
MUT(vaddr_zero) { ph(im, 0)->p_vaddr = 0; eh(im)->e_entry = CODE_OFF; }
MUT(vaddr_top)
{
	ph(im, 0)->p_vaddr = 0x00007ffffffff000ul;
	eh(im)->e_entry = 0x00007ffffffff000ul + CODE_OFF;
}
MUT(vaddr_last_page)
{
	ph(im, 0)->p_vaddr = 0x00007fffffffe000ul;
	eh(im)->e_entry = 0x00007fffffffe000ul + CODE_OFF;
}
MUT(vaddr_noncanon)
{
	ph(im, 0)->p_vaddr = 0x0000800000000000ul;
	eh(im)->e_entry = 0x0000800000000000ul + CODE_OFF;
}
MUT(vaddr_kernel)
{
	ph(im, 0)->p_vaddr = 0xffffffff80000000ul;
	eh(im)->e_entry = 0xffffffff80000000ul + CODE_OFF;
}
MUT(vaddr_wrap) { ph(im, 0)->p_memsz = 0xffffffffffc00000ul; }
MUT(seg_kernel) { add_load(im, 0xffff800000000000ul, PAGE, 0, 0); }
MUT(seg_crosses_top) { add_load(im, 0x00007fffffff0000ul, 0x20000, 0, 0); }
MUT(entry_unmapped) { eh(im)->e_entry = 0x10000000; }
MUT(entry_zero) { eh(im)->e_entry = 0; }
MUT(entry_noncanon) { eh(im)->e_entry = 0x0000800000000000ul; }
MUT(entry_kernel) { eh(im)->e_entry = 0xffffffff80000000ul; }
MUT(entry_top) { eh(im)->e_entry = 0x00007ffffffffffful; }
MUT(entry_in_bss) { ph(im, 0)->p_memsz = 2 * PAGE; eh(im)->e_entry = BASE + PAGE + 16; }
MUT(entry_nx_segment) { ph(im, 0)->p_flags = PF_R | PF_W; }
MUT(interp_missing) { add_interp(im, "/nonexistent/ld.so", 19); }
MUT(interp_unterminated) { add_interp(im, "/nonexistent/ld.so", 18); }
MUT(interp_empty) { add_interp(im, "", 1); }
MUT(interp_dir) { add_interp(im, "/tmp", 5); }
/* Relative names: the files "garbage" (300 bytes, not ELF) and "short"
 * (shorter than an ELF header) sit in the scratch dir, the cwd. */
MUT(interp_garbage) { add_interp(im, "garbage", 8); }
MUT(interp_short) { add_interp(im, "short", 6); }
MUT(interp_self) { add_interp(im, "interp_self", 12); }
MUT(interp_long)
{
	char s[5000];
	memset(s, 'a', sizeof(s) - 1);
	s[0] = '/';
	s[sizeof(s) - 1] = 0;
	add_interp(im, s, sizeof(s));
}
MUT(interp_past_eof)
{
	add_interp(im, "/nonexistent", 13);
	ph(im, 0)->p_offset = 1 << 20;
}
MUT(interp_two) /* only the first PT_INTERP counts */
{
	add_interp(im, "/nonexistent/a", 15);
	Elf64_Phdr *p = ph(im, eh(im)->e_phnum++);
	*p = *ph(im, 0);
	p->p_offset = 0x300;
	memcpy(im->buf + 0x300, "/nonexistent/b", 15);
	im->len = 0x310;
	ph(im, 1)->p_filesz = ph(im, 1)->p_memsz = im->len;
}
/* n PT_LOADs of one page each, all fine; the table moves to 0x800. */
static void many_loads(struct image *im, int n)
{
	memcpy(im->buf + 0x800, ph(im, 0), sizeof(Elf64_Phdr));
	eh(im)->e_phoff = 0x800;
	Elf64_Phdr *t = (Elf64_Phdr *)(im->buf + 0x800);
	for (int i = 1; i < n; i++) {
		t[i] = t[0];
		t[i].p_flags = PF_R;
		t[i].p_offset = 0;
		t[i].p_vaddr = t[i].p_paddr = 0x1000000 + (uint64_t)i * 2 * PAGE;
		t[i].p_filesz = 0;
		t[i].p_memsz = PAGE;
	}
	eh(im)->e_phnum = (uint16_t)n;
	im->len = 0x800 + (size_t)n * sizeof(Elf64_Phdr);
	t[0].p_filesz = t[0].p_memsz = im->len;
}

MUT(many_loads) { many_loads(im, 32); }
MUT(too_many_loads) { many_loads(im, 64); }

/* Fills in the table's errnos where Linux's name for them differs. */
#ifndef ELIBBAD
#define ELIBBAD 80
#endif

static const struct bad_elf corpus[] = {
	E(good, EXIT, 42),
	E(good_dyn, EXIT, 42),
	E(trunc_0, ERR, ENOEXEC),
	E(trunc_1, ERR, ENOEXEC),
	E(trunc_3, ERR, ENOEXEC),
	E(trunc_4, ERR, ENOEXEC),
	E(trunc_5, ERR, ENOEXEC),
	E(trunc_16, ERR, ENOEXEC),
	E(trunc_18, ERR, ENOEXEC),
	E(trunc_24, ERR, ENOEXEC),
	E(trunc_52, ERR, ENOEXEC),
	E(trunc_63, ERR, ENOEXEC),
	E(trunc_64, ERR, ENOEXEC),
	E(trunc_65, ERR, ENOEXEC),
	E(trunc_100, ERR, ENOEXEC),
	E(trunc_119, ERR, ENOEXEC),
	E(trunc_120, SIG, SIGSEGV),
	E(trunc_code, SIG, SIGSEGV),
	E(trunc_before_code, SIG, SIGSEGV),
	/* Linux checks neither EI_CLASS nor EI_DATA (only the magic, the type
	 * and e_machine): these run. */
	E(class32, EXIT, 42),
	E(class_none, EXIT, 42),
	E(class_bad, EXIT, 42),
	E(data_msb, EXIT, 42),
	E(data_none, EXIT, 42),
	E(ident_version0, EXIT, 42),
	E(e_version0, EXIT, 42),
	E(machine_386, ERR, ENOEXEC),
	E(machine_aarch64, ERR, ENOEXEC),
	E(machine_none, ERR, ENOEXEC),
	E(type_rel, ERR, ENOEXEC),
	E(type_core, ERR, ENOEXEC),
	E(type_none, ERR, ENOEXEC),
	E(type_huge, ERR, ENOEXEC),
	E(magic_bad, ERR, ENOEXEC),
	E(phnum_0, ERR, ENOEXEC),
	E(phnum_max, ERR, ENOEXEC),
	E(phnum_1171, ERR, ENOEXEC),
	E(phnum_past_eof, ERR, ENOEXEC),
	E(phentsize_0, ERR, ENOEXEC),
	E(phentsize_32, ERR, ENOEXEC),
	E(phentsize_64, ERR, ENOEXEC),
	E(phoff_past_eof, ERR, ENOEXEC),
	E(phoff_huge, ERR, ENOEXEC),
	E(phoff_unaligned, EXIT, 42),
	E(ehsize_0, EXIT, 42),
	E(no_load, SIG, SIGSEGV),
	E(load_memsz_0, SIG, SIGSEGV),
	E(filesz_gt_memsz, LATE, SIGSEGV),
	E(filesz_past_eof, EXIT, 42),
	/* Documented: file bytes past EOF are cut, so the page reads as zeros. */
	A(offset_past_eof, SIG, SIGBUS, SIG, SIGSEGV),
	E(offset_misaligned, LATE, SIGSEGV),
	E(offset_huge, LATE, SIGSEGV),
	E(align_odd, EXIT, 42),
	E(align_huge, EXIT, 42),
	E(overlap_same_page, LATE, SIGSEGV),
	E(overlap_pages, LATE, SIGSEGV),
	/* Linux cannot account 1 TiB of bss; a kernel without overcommit
	 * accounting maps it lazily and the program runs. */
	A(bss_huge, LATE, SIGSEGV, EXIT, 42),
	E(bss_2g, EXIT, 42),
	/* Root may map page 0 on Linux (mmap_min_addr yields to
	 * CAP_SYS_RAWIO), so as root it runs; see elf_vaddr_zero_unprivileged
	 * for everyone else. */
	E(vaddr_zero, EXIT, 42),
	E(vaddr_top, LATE, SIGSEGV),
	E(vaddr_last_page, EXIT, 42),
	E(vaddr_noncanon, LATE, SIGSEGV),
	E(vaddr_kernel, LATE, SIGSEGV),
	E(vaddr_wrap, LATE, SIGSEGV),
	E(seg_kernel, LATE, SIGSEGV),
	E(seg_crosses_top, LATE, SIGSEGV),
	E(entry_unmapped, SIG, SIGSEGV),
	E(entry_zero, SIG, SIGSEGV),
	E(entry_noncanon, LATE, SIGSEGV),
	E(entry_kernel, LATE, SIGSEGV),
	E(entry_top, LATE, SIGSEGV),
	E(entry_in_bss, SIG, SIGSEGV),
	E(entry_nx_segment, SIG, SIGSEGV),
	E(interp_missing, ERR, ENOENT),
	E(interp_unterminated, ERR, ENOEXEC),
	E(interp_empty, ERR, ENOEXEC),
	/* Documented: no dynamic executables; a PT_INTERP that passes the
	 * header checks is ENOENT. */
	A(interp_dir, ERR, EACCES, ERR, ENOENT),
	A(interp_garbage, ERR, ELIBBAD, ERR, ENOENT),
	A(interp_short, ERR, EIO, ERR, ENOENT),
	A(interp_self, EXIT, 42, ERR, ENOENT),
	E(interp_long, ERR, ENOEXEC),
	E(interp_past_eof, ERR, EIO),
	E(interp_two, ERR, ENOENT),
	E(many_loads, EXIT, 42),
	/* Documented: more than ELF_MAX_LOADS (32) PT_LOADs are refused. */
	A(too_many_loads, EXIT, 42, ERR, ENOMEM),
};

#define NCORPUS (sizeof(corpus) / sizeof(corpus[0]))

/* Writes the corpus entry e into dir/name, mode 0755. Returns 0 or -1. */
static int write_elf(const char *dir, const struct bad_elf *e)
{
	static struct image im;
	char path[PATH_MAX];

	base_image(&im);
	e->make(&im);
	u_fmt(path, sizeof(path), "%s/%s", dir, e->name);
	return ut_write_file(path, im.buf, (long)im.len, 0755);
}

/* ---- scripts ---- */

struct script {
	const char *name;
	const char *text; /* "%s" is replaced by the scratch dir */
	enum how how;
	int val;
};

static const struct script scripts[] = {
	/* "#!" with no newline, "#!" then spaces, "#!\0...": Linux takes ""
	 * as the interpreter and says EACCES. They are in t_hostile_crash
	 * (they panic the kernel), not here. */
	{ "sh_empty", "#!\n", ERR, ENOEXEC },
	{ "sh_spaces", "#!    \t \n", ERR, ENOEXEC },
	{ "sh_missing", "#!/nonexistent/interp\n", ERR, ENOENT },
	{ "sh_missing_arg", "#!/nonexistent/interp -x -y\n", ERR, ENOENT },
	{ "sh_dir", "#!/tmp\n", ERR, EACCES },
	{ "sh_crlf", "#!%s/good\r\n", ERR, ENOENT },
	{ "sh_good", "#!%s/good\n", EXIT, 42 },
	{ "sh_good_arg", "#!%s/good  some arg  \n", EXIT, 42 },
	{ "sh_bad_elf", "#!%s/trunc_64\n", ERR, ENOEXEC },
	{ "sh_noexec_interp", "#!%s/plain\n", ERR, EACCES },
	{ "sh_self", "#!%s/sh_self\n", ERR, ELOOP },
};

#define NSCRIPTS (sizeof(scripts) / sizeof(scripts[0]))

static int write_script(const char *dir, const struct script *s)
{
	char path[PATH_MAX], text[512];
	size_t len;

	u_fmt(path, sizeof(path), "%s/%s", dir, s->name);
	u_fmt(text, sizeof(text), s->text, dir);
	len = strlen(text);
	return ut_write_file(path, text, (long)len, 0755);
}

/* ---- running ---- */

/* Runs path in a forked child; returns its wait status. A failed execve
 * exits 100 + errno. */
static int run_child(const char *path)
{
	char *av[] = { (char *)path, NULL };
	pid_t pid = fork();

	if (pid == 0) {
		execve(path, av, environ);
		_exit(100 + errno);
	}
	return ut_wait(pid);
}

static void describe(int st, char *buf, size_t size)
{
	if (WIFEXITED(st) && WEXITSTATUS(st) >= 100)
		u_fmt(buf, size, "execve failed: %s", u_errname(WEXITSTATUS(st) - 100));
	else
		u_status_str(st, buf, size);
}

/* Whether wait status st is the outcome (how, val); for LATE an early
 * execve error counts too. */
static bool outcome_is(int st, enum how how, int val)
{
	switch (how) {
	case ERR: return WIFEXITED(st) && WEXITSTATUS(st) == 100 + val;
	case EXIT: return WIFEXITED(st) && WEXITSTATUS(st) == val;
	case SIG: return WIFSIGNALED(st) && WTERMSIG(st) == val;
	case LATE:
		return (WIFSIGNALED(st) && WTERMSIG(st) == val) ||
		       (WIFEXITED(st) && WEXITSTATUS(st) > 100);
	default: return false;
	}
}

static void outcome_str(enum how how, int val, char *buf, size_t size)
{
	if (how == ERR)
		u_fmt(buf, size, "execve failed: %s", u_errname(val));
	else if (how == EXIT)
		u_fmt(buf, size, "exit %d", val);
	else if (how == SIG)
		u_fmt(buf, size, "signal %d (%s)", val, strsignal(val));
	else
		u_fmt(buf, size, "signal %d (%s) or an execve error", val, strsignal(val));
}

/* Checks one file: the child's fate, and when execve failed, the same
 * execve made here, which must return (only once the child showed that it
 * does fail: otherwise this process would be replaced). */
static void check_entry(const char *path, const struct bad_elf *e)
{
	char got[96], want[96];
	int st = run_child(path);
	bool ok = outcome_is(st, e->how, e->val);

	if (!ok && ut_is_guest() && e->alt_how != NONE && outcome_is(st, e->alt_how, e->alt_val))
		ok = true;
	describe(st, got, sizeof(got));
	if (!ok && e->host_dep && !ut_is_guest()) {
		UT_NOTE("%s: %s here (depends on how Linux is configured)\n", e->name, got);
		return;
	}
	outcome_str(e->how, e->val, want, sizeof(want));
	if (!ok)
		ut_fail_(__LINE__, "%s: want %s, got %s", e->name, want, got);
	if (ok && WIFEXITED(st) && WEXITSTATUS(st) > 100) {
		int err = WEXITSTATUS(st) - 100;
		char *av[] = { (char *)path, NULL };
		char mark[] = "still-here";
		errno = 0;
		int r = execve(path, av, environ);
		if (r != -1 || errno != err)
			ut_fail_(__LINE__, "%s: execve here: want %s, got %d %s", e->name,
				 u_errname(err), r, u_errname(errno));
		UT_STREQ(mark, "still-here");
	}
}

static void check_exec(const char *path, const char *name, enum how how, int val)
{
	struct bad_elf e = { name, NULL, how, val, NONE, 0, false };

	check_entry(path, &e);
}

UT_HELPER(corpus)
{
	int bad = 0;

	mkdir(argv[0], 0755);
	for (size_t i = 0; i < NCORPUS; i++)
		bad |= write_elf(argv[0], &corpus[i]);
	for (size_t i = 0; i < NSCRIPTS; i++)
		bad |= write_script(argv[0], &scripts[i]);
	return bad ? 1 : 0;
}

/* Writes the corpus into the scratch dir; "plain" is a non-executable
 * file, "garbage" a non-ELF one (for the PT_INTERP cases). */
static const char *make_corpus(void)
{
	const char *dir = ut_scratch();

	for (size_t i = 0; i < NCORPUS; i++)
		write_elf(dir, &corpus[i]);
	for (size_t i = 0; i < NSCRIPTS; i++)
		write_script(dir, &scripts[i]);
	ut_write_file("plain", "#!/bin/sh\n", -1, 0644);
	char junk[300];
	memset(junk, 'g', sizeof(junk));
	ut_write_file("garbage", junk, sizeof(junk), 0755);
	ut_write_file("short", "\177ELF short", -1, 0755);
	return dir;
}

/* Index of the corpus entry called name (NCORPUS if none). */
static size_t corpus_index(const char *name)
{
	size_t i = 0;

	while (i < NCORPUS && strcmp(corpus[i].name, name))
		i++;
	return i;
}

/* Runs the corpus entries from the one called first up to (not
 * including) the one called end (NULL: to the end). */
static void check_range(const char *first, const char *end)
{
	const char *dir = make_corpus();
	char path[PATH_MAX];

	for (size_t i = corpus_index(first); i < (end ? corpus_index(end) : NCORPUS); i++) {
		u_fmt(path, sizeof(path), "%s/%s", dir, corpus[i].name);
		check_entry(path, &corpus[i]);
	}
}

UT_CASE(elf_headers, 60)
{
	check_range("good", "no_load");
}

UT_CASE(elf_segments, 60)
{
	check_range("no_load", "interp_missing");
}

UT_CASE(elf_interp, 60)
{
	check_range("interp_missing", NULL);
}

UT_CASE(shebang_lines, 60)
{
	const char *dir = make_corpus();
	char path[PATH_MAX];

	for (size_t i = 0; i < NSCRIPTS; i++) {
		u_fmt(path, sizeof(path), "%s/%s", dir, scripts[i].name);
		check_exec(path, scripts[i].name, scripts[i].how, scripts[i].val);
	}
}

/* An interpreter line longer than the 256 bytes Linux reads: if the
 * interpreter's own name does not fit, ENOEXEC; if only its argument is
 * cut, the script runs with the argument truncated. */
UT_CASE(shebang_too_long, 30)
{
	const char *dir = make_corpus();
	char text[1024], path[PATH_MAX];

	memset(text, 0, sizeof(text));
	strcpy(text, "#!/");
	memset(text + 3, 'x', 600);
	strcat(text, "\n");
	ut_write_file("long_name", text, -1, 0755);
	u_fmt(path, sizeof(path), "%s/long_name", dir);
	check_exec(path, "long_name", ERR, ENOEXEC);

	u_fmt(text, sizeof(text), "#!%s/good ", dir);
	size_t n = strlen(text);
	memset(text + n, 'y', 600);
	text[n + 600] = '\n';
	text[n + 601] = 0;
	ut_write_file("long_arg", text, -1, 0755);
	u_fmt(path, sizeof(path), "%s/long_arg", dir);
	check_exec(path, "long_arg", EXIT, 42);
}

/* Chains of scripts, each naming the next: Linux rewrites at most 5 times
 * (exec_binprm's depth > 5) and says ELOOP past that. */
UT_CASE(shebang_recursion, 30)
{
	const char *dir = make_corpus();
	char text[PATH_MAX + 8], path[PATH_MAX], prev[PATH_MAX];

	u_fmt(prev, sizeof(prev), "%s/good", dir);
	for (int depth = 1; depth <= 8; depth++) {
		u_fmt(path, sizeof(path), "%s/chain%d", dir, depth);
		u_fmt(text, sizeof(text), "#!%s\n", prev);
		ut_write_file(path, text, -1, 0755);
		char name[32];
		u_fmt(name, sizeof(name), "chain%d", depth);
		if (depth <= 5)
			check_exec(path, name, EXIT, 42);
		else
			check_exec(path, name, ERR, ELOOP);
		strcpy(prev, path);
	}
	/* Two scripts naming each other. */
	u_fmt(text, sizeof(text), "#!%s/pong\n", dir);
	ut_write_file("ping", text, -1, 0755);
	u_fmt(text, sizeof(text), "#!%s/ping\n", dir);
	ut_write_file("pong", text, -1, 0755);
	u_fmt(path, sizeof(path), "%s/ping", dir);
	check_exec(path, "ping", ERR, ELOOP);
}

/* An unprivileged user may not map page 0 (Linux: vm.mmap_min_addr, which
 * only CAP_SYS_RAWIO passes), so an ELF segment at address 0 cannot load
 * for one: SIGSEGV after the point of no return, or an early error. */
UT_CASE(elf_vaddr_zero_unprivileged, 30)
{
	const char *dir = make_corpus();
	char path[PATH_MAX];

	u_fmt(path, sizeof(path), "%s/vaddr_zero", dir);
	pid_t pid = fork();
	if (pid == 0) {
		char *av[] = { path, NULL };
		if (setgid(54321) != 0 || setuid(54321) != 0)
			_exit(99);
		execve(path, av, environ);
		_exit(100 + errno);
	}
	int st = ut_wait(pid);
	char got[96];
	describe(st, got, sizeof(got));
	if (!outcome_is(st, LATE, SIGSEGV))
		ut_fail_(__LINE__, "vaddr_zero as uid 54321: want SIGSEGV or an execve error, got %s",
			 got);
}

/* Exec of a file that is open for writing: ETXTBSY; and opening a
 * running executable for writing: ETXTBSY too. */
UT_CASE(exec_busy, 30)
{
	const char *dir = make_corpus();
	char path[PATH_MAX];

	u_fmt(path, sizeof(path), "%s/good", dir);
	int fd = (int)UT_OK(open(path, O_WRONLY));
	check_exec(path, "good (open for writing)", ERR, ETXTBSY);
	close(fd);
	check_exec(path, "good (closed again)", EXIT, 42);
	UT_ERR(open(ut_self, O_WRONLY), ETXTBSY);
	UT_ERR(open("/proc/self/exe", O_RDWR), ETXTBSY);
}

/* A child survives a long run of failed execs (exit 0), and nothing
 * leaks (the runner checks MemFree). Should one of them succeed, the
 * child becomes it and ends otherwise. */
UT_CASE(exec_failures_repeated, 60)
{
	const char *dir = make_corpus();
	char path[PATH_MAX];
	char *av[] = { (char *)"x", NULL };

	pid_t pid = fork();
	if (pid == 0) {
		for (int round = 0; round < 20; round++) {
			for (size_t i = 0; i < NCORPUS; i++) {
				if (corpus[i].how != ERR || corpus[i].host_dep)
					continue;
				u_fmt(path, sizeof(path), "%s/%s", dir, corpus[i].name);
				execve(path, av, environ);
			}
		}
		_exit(0);
	}
	UT_EXITED(ut_wait(pid), 0);
	u_fmt(path, sizeof(path), "%s/good", dir);
	check_exec(path, "good", EXIT, 42);
}

UT_MAIN()

/* elf.h: ELF64 executables as pure logic: header checks, a load plan, and
 * the "#!" script line. Nothing here touches an address space; exec does.
 *
 * Use, in exec (errors in the order Linux reports them):
 *	elf_check()       header and program headers; PT_INTERP, PT_GNU_STACK
 *	elf_read_interp() if plan->interp_len: the path, to look up (-ENOENT)
 *	elf_layout()      segments, load bias, entry, AT_PHDR, brk
 *	--- point of no return: tear down the old image ---
 *	map plan->seg[0..nseg), each: fresh zero pages over
 *	[vaddr, vaddr + PAGE_ALIGN_UP(memsz)), then filesz bytes of the file
 *	from offset copied to vaddr, then protection prot.
 * Linux finds elf_layout's errors only after its point of no return and
 * kills the caller with SIGSEGV; we find them before and return the errno. */
#ifndef ELF_ELF_H
#define ELF_ELF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EI_NIDENT 16
#define ELFMAG "\177ELF"
#define SELFMAG 4

#define ET_EXEC 2
#define ET_DYN 3
#define EM_X86_64 62

#define PT_NULL 0
#define PT_LOAD 1
#define PT_DYNAMIC 2
#define PT_INTERP 3
#define PT_NOTE 4
#define PT_PHDR 6
#define PT_TLS 7
#define PT_GNU_STACK 0x6474e551
#define PT_GNU_RELRO 0x6474e552

#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_ehdr {
	uint8_t e_ident[EI_NIDENT];
	uint16_t e_type;
	uint16_t e_machine;
	uint32_t e_version;
	uint64_t e_entry;
	uint64_t e_phoff;
	uint64_t e_shoff;
	uint32_t e_flags;
	uint16_t e_ehsize;
	uint16_t e_phentsize;
	uint16_t e_phnum;
	uint16_t e_shentsize;
	uint16_t e_shnum;
	uint16_t e_shstrndx;
};
_Static_assert(sizeof(struct elf64_ehdr) == 64, "Elf64_Ehdr is 64 bytes");

struct elf64_phdr {
	uint32_t p_type;
	uint32_t p_flags;
	uint64_t p_offset;
	uint64_t p_vaddr;
	uint64_t p_paddr;
	uint64_t p_filesz;
	uint64_t p_memsz;
	uint64_t p_align;
};
_Static_assert(sizeof(struct elf64_phdr) == 56, "Elf64_Phdr is 56 bytes");

/* Linux's limits (fs/binfmt_elf.c, 6.x). */
#define ELF_PHDR_TABLE_MAX 65536 /* bytes of program headers */
#define ELF_MAX_PHNUM (ELF_PHDR_TABLE_MAX / sizeof(struct elf64_phdr))
#define ELF_INTERP_MAX 4096 /* PATH_MAX: PT_INTERP size, NUL included */

/* Where an ET_DYN image goes: Linux's ELF_ET_DYN_BASE (2/3 of the 47-bit
 * space, page aligned), used for PIEs with an interpreter. Linux puts an
 * ET_DYN without one (static-PIE) in the mmap area instead; the caller
 * passes whichever base it likes to elf_layout. */
#define ELF_ET_DYN_BASE 0x555555554000UL

/* Ours, not Linux's: PT_LOAD segments a plan can hold. Real programs have 2-5. */
#define ELF_MAX_LOADS 32

/* Segment protection, the values of PROT_READ/PROT_WRITE/PROT_EXEC. */
#define ELF_PROT_READ 1
#define ELF_PROT_WRITE 2
#define ELF_PROT_EXEC 4

/* The executable, as exec sees it. read() copies exactly n bytes at off into
 * buf and returns 0 or -errno; it is only asked for ranges inside [0, size). */
struct elf_file {
	int (*read)(void *ctx, uint64_t off, void *buf, size_t n);
	void *ctx;
	uint64_t size;
};

/* One PT_LOAD, widened to whole pages and with the load bias applied. */
struct elf_segment {
	uint64_t vaddr;      /* page-aligned user address of the first page */
	uint64_t offset;     /* page-aligned file offset of the byte at vaddr */
	uint64_t filesz;     /* bytes to copy from offset to vaddr (page offset of
				p_vaddr + p_filesz, cut at the end of the file) */
	uint64_t memsz;      /* bytes covered from vaddr: page offset + p_memsz;
				the mapping is PAGE_ALIGN_UP(memsz) long */
	uint64_t zero_start; /* [zero_start, zero_end): the tail of the last file */
	uint64_t zero_end;   /* page past the data; empty if none. Only a loader
				that reuses a page holding file bytes must clear it */
	uint32_t prot;       /* ELF_PROT_* from p_flags */
};

struct elf_plan {
	/* Set by elf_check. */
	struct elf64_ehdr ehdr; /* the header; AT_PHNUM is ehdr.e_phnum */
	uint64_t interp_off;    /* file offset of the PT_INTERP path */
	uint32_t interp_len;    /* its size with the NUL; 0 if no PT_INTERP */
	bool exec_stack;        /* PT_GNU_STACK has PF_X: make the stack executable */
	/* Set by elf_layout. */
	uint64_t load_bias;     /* added to every p_vaddr; 0 for ET_EXEC */
	uint64_t entry;         /* e_entry + load_bias: AT_ENTRY and the first rip */
	uint64_t phdr_addr;     /* AT_PHDR: where the program headers appear */
	uint64_t brk;           /* initial program break: end of the highest
				   segment, page aligned up */
	uint32_t nseg;          /* segments to map, sorted by vaddr, disjoint */
	struct elf_segment seg[ELF_MAX_LOADS];
};

/* Check the header and program headers the way Linux does before its point
 * of no return, and note PT_INTERP and PT_GNU_STACK in the plan.
 * Returns 0, -ENOEXEC (not an x86_64 ELF executable we can load, bad
 * PT_INTERP), -EIO (PT_INTERP past the end of the file), or a read error. */
int elf_check(struct elf_plan *plan, const struct elf_file *f);

/* Copy the PT_INTERP path found by elf_check into buf (NUL-terminated).
 * Returns 0, -ENOENT if there is none, -ENAMETOOLONG if size is too small,
 * or a read error. */
int elf_read_interp(const struct elf_plan *plan, const struct elf_file *f, char *buf,
		    size_t size);

/* Build the load plan. dyn_base is where an ET_DYN image should start
 * (usually ELF_ET_DYN_BASE); it is ignored for ET_EXEC.
 * => elf_check succeeded on the same plan and file.
 * Returns 0, -EINVAL (a segment Linux refuses: p_filesz > p_memsz, outside
 * user space, p_offset and p_vaddr not congruent modulo the page size,
 * overlapping another one, an ET_DYN with no PT_LOAD, entry outside user
 * space), -ENOMEM (the biased image does not fit in user space, or more
 * than ELF_MAX_LOADS segments) or a read error. */
int elf_layout(struct elf_plan *plan, const struct elf_file *f, uint64_t dyn_base);

/* True if the user range [start, end) meets a page of a planned segment:
 * exec uses it to keep the image clear of the stack (Linux's first mapping
 * would fail with -EEXIST there, after its point of no return). */
bool elf_plan_overlaps(const struct elf_plan *plan, uint64_t start, uint64_t end);

/* ---- "#!" scripts (shebang.c), as Linux's binfmt_script. ---- */

#define BINPRM_BUF_SIZE 256 /* bytes of the file the format handlers see */

/* Linux runs the format search at depths 0..EXEC_MAX_DEPTH; a rewrite that
 * needs one more fails with -ELOOP. So a chain of five scripts ending in an
 * ELF runs and six fail (Linux's comment says "4 levels"; its code and a
 * 6.18 kernel allow five). */
#define EXEC_MAX_DEPTH 5

struct shebang {
	char line[BINPRM_BUF_SIZE]; /* the buffer, NULs put after name and arg */
	const char *interp;         /* interpreter path, inside line */
	const char *arg;            /* the optional argument inside line, or NULL */
};

/* True if the file starts with "#!" (n bytes of it are in buf). */
bool shebang_match(const char *buf, size_t n);

/* Parse the first min(n, BINPRM_BUF_SIZE) bytes of a file that starts with
 * "#!". Returns 0, or -ENOEXEC if it does not start with "#!", names no
 * interpreter, or the interpreter path may be cut off by the buffer's end. */
int shebang_parse(struct shebang *sb, const char *buf, size_t n);

#endif

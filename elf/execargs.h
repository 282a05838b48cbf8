/* execargs.h: exec's argument strings and the new program's initial stack,
 * as pure logic over kernel buffers (the stack image is built in a kernel
 * buffer; exec copies it into the new address space).
 *
 * Use, in execve, in Linux's order (so the same error wins):
 *	open the file                        -ENOENT, -EACCES, ... come first
 *	count argv, then envp (get_user)     -EFAULT; > MAX_ARG_STRINGS: -E2BIG
 *	execargs_init(rlim, argc, envc)      -E2BIG
 *	execargs_set_execfn(path)            -E2BIG
 *	each argv[i], then each envp[i]:
 *		dst = execargs_room(a, &room);
 *		n = strncpy_from_user(dst, uptr, room);   -EFAULT;
 *		-ENAMETOOLONG means -E2BIG; else execargs_commit(a, n + 1, env)
 *	if argc == 0: execargs_push_front(a, "")
 *	for depth 0..EXEC_MAX_DEPTH (one more: -ELOOP):
 *		read the first BINPRM_BUF_SIZE bytes; if shebang_match():
 *		shebang_parse, execargs_shebang(a, interp, arg, filename),
 *		filename = interp, open it, go round; else the ELF path
 *	after the ELF plan: execargs_stack_size, a buffer that big,
 *	execargs_build_stack, copy it to [rsp, stack_top). */
#ifndef ELF_EXECARGS_H
#define ELF_EXECARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch.h"

/* Linux's limits (include/uapi/linux/binfmts.h, fs/exec.c). */
#define MAX_ARG_STRLEN (32 * PAGE_SIZE) /* one string, NUL included */
#define MAX_ARG_STRINGS 0x7FFFFFFF      /* argc, and envc */
#define ARG_MAX (32 * PAGE_SIZE)        /* the budget is never below this */
#define EXEC_STK_LIM (8UL << 20)        /* _STK_LIM: default RLIMIT_STACK */

/* auxv types (include/uapi/linux/auxvec.h). */
#define AT_NULL 0
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_RSEQ_FEATURE_SIZE 27
#define AT_RSEQ_ALIGN 28
#define AT_EXECFN 31
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ 51
#define EXEC_AUXV_MAX 23 /* pairs we may emit, AT_NULL included */

/* The strings of the new image, back to back with their NULs, in the order
 * they will lie on the stack: argv[0..argc), then envp[0..envc). The caller
 * owns buf. Every push keeps len + budget constant, so cap >= the budget
 * from execargs_init never runs out; a smaller cap just gives -E2BIG sooner
 * than Linux would. */
struct execargs {
	char *buf;
	size_t cap;
	size_t len;        /* bytes in use */
	size_t argv_len;   /* bytes of the argv strings, at the front */
	uint64_t argc;     /* strings pushed so far */
	uint64_t envc;
	size_t budget;     /* bytes the strings may still take (Linux's argmin) */
	const char *execfn; /* AT_EXECFN string (caller's storage), or NULL */
};

/* The auxiliary vector values, and the strings it points at. */
struct exec_auxv {
	uint64_t sysinfo_ehdr;   /* vDSO address; 0 leaves AT_SYSINFO_EHDR out */
	uint64_t minsigstksz;    /* 0 leaves AT_MINSIGSTKSZ out */
	uint64_t hwcap, pagesz, clktck;
	uint64_t phdr, phent, phnum, base, flags, entry;
	uint64_t uid, euid, gid, egid, secure;
	uint64_t hwcap2;
	uint64_t rseq_feature_size; /* 0 leaves AT_RSEQ_FEATURE_SIZE and */
	uint64_t rseq_align;        /* AT_RSEQ_ALIGN out */
	const char *platform;       /* AT_PLATFORM string ("x86_64"), or NULL */
	const uint8_t *random;      /* 16 bytes copied for AT_RANDOM */
};

/* Start gathering for argc + envc user strings, under Linux's budget: a
 * quarter of rlim_stack, at most 6 MiB, at least ARG_MAX, less a pointer
 * for each string (argc counted as at least 1).
 * Returns 0, or -E2BIG for counts past MAX_ARG_STRINGS or no room left. */
int execargs_init(struct execargs *a, void *buf, size_t cap, uint64_t rlim_stack, uint64_t argc,
		  uint64_t envc);

/* Charge the execfn (the path as given to execve, NUL-terminated, kept in
 * the caller's storage) to the budget, as Linux copies it first.
 * Returns 0 or -E2BIG. */
int execargs_set_execfn(struct execargs *a, const char *execfn);

/* Where to copy the next string from user space, and at most how many bytes
 * (NUL included): strncpy_from_user(dst, uptr, *room), then commit it.
 * -ENAMETOOLONG from that copy means -E2BIG to execve. */
char *execargs_room(struct execargs *a, size_t *room);

/* Account for a string of n bytes (NUL included) just copied to the room.
 * All argv strings come before the first envp one. */
void execargs_commit(struct execargs *a, size_t n, bool env);

/* Append a kernel string to argv (env false) or envp. Returns 0 or -E2BIG. */
int execargs_push(struct execargs *a, const char *s, bool env);

/* Make s the new argv[0], shifting the others up. Returns 0 or -E2BIG. */
int execargs_push_front(struct execargs *a, const char *s);

/* Drop argv[0] and give its bytes back to the budget (remove_arg_zero). */
void execargs_pop_front(struct execargs *a);

/* Rewrite argv for a "#!" script as binfmt_script: drop argv[0], then put
 * interp, arg (if not NULL) and path (the script as execve named it) first.
 * Returns 0 or -E2BIG. */
int execargs_shebang(struct execargs *a, const char *interp, const char *arg, const char *path);

/* Bytes from the initial rsp up to stack_top for these strings and auxv.
 * => stack_top is 16-byte aligned and a->execfn is set. */
size_t execargs_stack_size(const struct execargs *a, const struct exec_auxv *x, uint64_t stack_top);

/* Lay out the initial stack into buf, which stands for the user range
 * [stack_top - size, stack_top). Returns the initial rsp (a user address,
 * 16-byte aligned, pointing at argc), or -E2BIG if size is too small. */
int64_t execargs_build_stack(const struct execargs *a, const struct exec_auxv *x,
			     uint64_t stack_top, void *buf, size_t size);

#endif

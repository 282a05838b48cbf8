/* execargs.h: execve's arguments in kernel memory, "#!" rewriting, and the
 * initial user stack (argc, argv, envp, auxv) Linux builds. */
#ifndef PROC_EXECARGS_H
#define PROC_EXECARGS_H

#include <stddef.h>
#include <stdint.h>

#include "elf/elf.h"

/* Linux's limits (include/uapi/linux/binfmts.h, fs/exec.c). */
#define MAX_ARG_STRLEN (32 * 4096)
#define MAX_ARG_STRINGS 0x7FFFFFFF
#define EXEC_STRINGS_MAX (2UL << 20) /* RLIMIT_STACK / 4 with 8 MiB */

/* All strings packed NUL-terminated in buf: argv[0..argc) then
 * envp[0..envc). filename is the file to run next (after "#!" rewriting, the
 * interpreter); execfn is what the caller named (AT_EXECFN). */
struct exec_args {
	char *buf;
	size_t len, cap;
	int argc, envc;
	char *filename;
	char *execfn;
};

int execargs_from_user(struct exec_args *a, const char *path, uintptr_t uargv,
		       uintptr_t uenvp);
int execargs_from_kernel(struct exec_args *a, const char *path, char *const argv[],
			 char *const envp[]);
void execargs_free(struct exec_args *a);
const char *execargs_filename(const struct exec_args *a);
const char *execargs_execfn(const struct exec_args *a);

/* The file at script_path starts with "#!": argv becomes interpreter,
 * [optional argument], script_path, argv[1..]; filename the interpreter.
 * 0 or -errno (-ENOEXEC for a bad line, -E2BIG). */
int execargs_shebang(struct exec_args *a, const char *script_path, const char *head,
		     size_t n);

struct cred;
struct execargs_aux {
	uint64_t phdr, phnum, entry, hwcap;
	uint32_t uid, euid, gid, egid;
	uint8_t random[16];
};
void execargs_fill_aux(struct execargs_aux *aux, const struct elf_plan *plan,
		       const struct cred *c);

/* Bytes the initial stack image needs below the stack top. */
size_t execargs_stack_size(const struct exec_args *a, const struct execargs_aux *aux);
/* Write the image for a stack whose top is at user address top into img
 * (size bytes, standing for [top - size, top)). Returns the initial rsp
 * (16-byte aligned, pointing at argc) or -E2BIG. */
long execargs_build_stack(const struct exec_args *a, const struct execargs_aux *aux,
			  uint64_t top, uint8_t *img, size_t size);

#endif

/* exec.c: execve.
 *
 * Phases, in Linux's order of errors:
 *   1. gather argv/envp into one kernel buffer (E2BIG past Linux's limits,
 *      EFAULT on a bad pointer);
 *   2. resolve the file (ENOENT, ENOTDIR, ELOOP...), check it may be
 *      executed (EACCES), read its first bytes; a "#!" line rewrites argv
 *      and starts over with the interpreter (ELOOP past EXEC_MAX_DEPTH);
 *   3. check the ELF and build the load plan (ENOEXEC, EINVAL, ENOMEM);
 *   4. build the new address space beside the old one: segments as private
 *      file mappings, the stack with argv, envp and auxv;
 *   --- point of no return: nothing after this can fail ---
 *   5. end the other threads (proc/thread.c), switch to it, drop the old one, release a vfork parent, close
 *      FD_CLOEXEC descriptors, reset caught signals, reset the registers.
 * Until step 5 the caller's image is untouched, so a failed exec returns. */
#include "proc/exec.h"

#include "elf/elf.h"
#include "elf/execargs.h"
#include "kernel/cpu.h"
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/trap.h"
#include "kernel/uaccess.h"
#include "mm/as.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "proc/proc.h"
#include "proc/task.h"
#include "proc/thread.h"

#define STACK_TOP 0x00007FFFFFFFE000UL /* one page below USER_TOP, as a guard */
#define STACK_INITIAL (128 * 1024)

static int inode_read_exact(void *ctx, uint64_t off, void *buf, size_t n)
{
	long r = vfs_inode_read(ctx, off, buf, n);

	if (r < 0)
		return (int)r;
	return (size_t)r == n ? 0 : -EIO;
}

/* The file may be executed (EACCES) and is not open for writing (ETXTBSY). */
static int exec_may_run(struct inode *ino)
{
	int err = vfs_may_exec(ino);

	return err ? err : ino->writers > 0 ? -ETXTBSY : 0;
}

/* Map each planned segment as a private mapping of the file. Only root
 * may map below AS_MIN_ADDR (Linux fails there after the point of no
 * return, with SIGSEGV; here execve fails with EPERM). */
static int map_segments(struct as *as, const struct elf_plan *plan, struct inode *ino)
{
	for (uint32_t i = 0; i < plan->nseg; i++) {
		const struct elf_segment *s = &plan->seg[i];
		if (s->vaddr < AS_MIN_ADDR && proc_current()->cred.euid != 0)
			return -EPERM;
		long r = as_map(as, s->vaddr, PAGE_ALIGN_UP(s->memsz), s->prot,
				s->filesz ? VMA_FILE : 0, true, s->filesz ? ino : NULL, s->offset);
		if (r < 0)
			return (int)r;
		if (s->filesz) {
			struct vma *v = as_find_vma(as, s->vaddr);
			/* A segment without bss shows its last page as the file
			 * has it, as Linux does; mapped straight from the file,
			 * it keeps its physical address from one exec to the
			 * next, and so the emulator's translated code (copying
			 * it made QEMU translate a small program's text anew
			 * on every exec). Only a page shared with bss is copied
			 * to zero its tail. */
			v->file_size = s->memsz > s->filesz ? s->filesz
							   : PAGE_ALIGN_UP(s->filesz);
		}
	}
	as->brk_start = as->brk = plan->brk;
	return 0;
}

static void fill_auxv(struct exec_auxv *x, const struct elf_plan *plan, uint8_t *rnd)
{
	const struct cred *c = &proc_current()->cred;
	uint32_t eax, ebx, ecx, edx;

	cpuid(1, 0, &eax, &ebx, &ecx, &edx);
	memset(x, 0, sizeof(*x));
	x->hwcap = edx;
	x->pagesz = PAGE_SIZE;
	x->clktck = 100;
	x->phdr = plan->phdr_addr;
	x->phent = sizeof(struct elf64_phdr);
	x->phnum = plan->ehdr.e_phnum;
	x->entry = plan->entry;
	x->uid = c->uid, x->euid = c->euid, x->gid = c->gid, x->egid = c->egid;
	x->platform = "x86_64";
	x->minsigstksz = 2048; /* our frame with FXSAVE state fits with room */
	random_bytes(rnd, 16);
	x->random = rnd;
}

/* procfs: record where argv and envp lie in the new image, from the argv[0]
 * pointer just above argc; the strings are contiguous, argv then envp. */
static void record_args(struct as *as, const struct execargs *args, const uint8_t *img,
			size_t size, uint64_t sp)
{
	uint64_t argv0;

	memcpy(&argv0, img + (sp + 8 - (STACK_TOP - size)), sizeof(argv0));
	as->arg_start = argv0;
	as->arg_end = as->env_start = argv0 + args->argv_len;
	as->env_end = argv0 + args->len;
	as->start_stack = sp;
}

/* Build the initial stack image and copy it into the (not yet live) as. */
static int setup_stack(struct as *as, const struct execargs *args, const struct elf_plan *plan,
		       uint64_t *rsp)
{
	struct exec_auxv x;
	uint8_t rnd[16];
	size_t size;
	uint8_t *img;
	int64_t sp;
	int err;

	fill_auxv(&x, plan, rnd);
	size = execargs_stack_size(args, &x, STACK_TOP);
	/* The stack starts big enough for the arguments plus room to run. */
	if (as_map(as, STACK_TOP - STACK_INITIAL - PAGE_ALIGN_UP(size), STACK_INITIAL +
		   PAGE_ALIGN_UP(size), PROT_READ | PROT_WRITE | (plan->exec_stack ? PROT_EXEC : 0),
		   VMA_GROWSDOWN, true, NULL, 0) < 0)
		return -ENOMEM;
	as->stack_top = STACK_TOP;
	if (!(img = kmalloc(size)))
		return -ENOMEM;
	sp = execargs_build_stack(args, &x, STACK_TOP, img, size);
	if (sp >= 0)
		record_args(as, args, img, size, (uint64_t)sp); /* procfs */
	err = sp < 0 ? (int)sp : as_copy_out(as, (uintptr_t)sp, img, STACK_TOP - (uint64_t)sp);
	kfree(img);
	*rsp = (uint64_t)sp;
	return err;
}

/* Resolve a file to run. The first comes from the user, who cannot pass
 * an empty name (sys_execve answers ENOENT); an interpreter named by a
 * "#!" line can be empty ("#!" then a NUL or the end of the file). Linux
 * resolves that kernel-supplied "" to the working directory, which then
 * fails the regular-file check: EACCES. "." resolves the same. */
static int exec_lookup(const char *path, struct inode **out)
{
	return vfs_lookup(path[0] ? path : ".", true, out);
}

/* Steps 2-4 for one file. Either *out gets the new address space, or the
 * file was a "#!" script: then *out stays NULL and next holds the
 * interpreter to load instead (argv already rewritten). */
static int load_image(const char *path, struct execargs *args, struct as **out,
		      struct elf_plan *plan, uint64_t *rsp, char *next)
{
	struct inode *ino;
	struct elf_file f;
	char head[BINPRM_BUF_SIZE];
	long n;
	int err;

	*out = NULL;
	if ((err = exec_lookup(path, &ino)))
		return err;
	if ((err = exec_may_run(ino)))
		goto out_inode;
	n = vfs_inode_read(ino, 0, head, sizeof(head));
	if ((err = n < 0 ? (int)n : 0))
		goto out_inode;
	if (shebang_match(head, (size_t)n)) {
		static struct shebang sb;
		if (!(err = shebang_parse(&sb, head, (size_t)n)) &&
		    !(err = execargs_shebang(args, sb.interp, sb.arg, path)))
			strlcpy(next, sb.interp, PATH_MAX);
		goto out_inode;
	}
	f = (struct elf_file){ inode_read_exact, ino, ino->size };
	if ((err = elf_check(plan, &f)))
		goto out_inode;
	if (plan->interp_len) { /* dynamic executables are not supported */
		err = -ENOENT;
		goto out_inode;
	}
	if ((err = elf_layout(plan, &f, ELF_ET_DYN_BASE)))
		goto out_inode;
	if (!(*out = as_create())) {
		err = -ENOMEM;
		goto out_inode;
	}
	if ((err = inode_deny_write(ino))) { /* as_put allows it again */
		as_put(*out);
		*out = NULL;
		goto out_inode;
	}
	inode_ref(ino); /* procfs: /proc/<pid>/exe; as_put drops it */
	(*out)->exe = ino;
	err = map_segments(*out, plan, ino);
	if (!err)
		err = setup_stack(*out, args, plan, rsp);
	if (err) {
		as_put(*out);
		*out = NULL;
	}
out_inode:
	inode_unref(ino);
	return err;
}

/* Step 5: the point of no return. */
static void commit_exec(struct as *nas, const struct elf_plan *plan, uint64_t rsp,
			const char *path)
{
	struct task *t = proc_current();
	struct as *old = t->as;
	struct trap_frame *tf = t->tf;

	KASSERT(nas);
	t->as = nas;
	vmm_activate(nas->pml4);
	as_put(old);
	proc_vfork_release(t);
	fdtable_close_on_exec(t->files);
	signal_reset_on_exec(t);
	task_set_comm(t, path);
	t->did_exec = true;
	t->fs_base = t->gs_base = 0;
	wrmsr(MSR_FS_BASE, 0);
	wrmsr(MSR_GS_BASE, 0);
	task_fpu_reset(t);
	fpu_restore_current(t->fpu);
	memset(tf, 0, sizeof(*tf));
	tf->rip = plan->entry;
	tf->rsp = rsp;
	tf->cs = USER_CS;
	tf->ss = USER_DS;
	tf->rflags = RFLAGS_IF | 0x2;
	tf->rcx = tf->rip; /* lets the syscall return use SYSRET */
	tf->r11 = tf->rflags;
}

static int do_exec(const char *path, struct execargs *args)
{
	static struct elf_plan plan; /* one CPU, and exec never sleeps in here */
	static char cur[PATH_MAX], next[PATH_MAX];
	struct as *nas = NULL;
	uint64_t rsp = 0;
	int err;

	strlcpy(cur, path, sizeof(cur));
	for (int depth = 0;; depth++) {
		if (depth > EXEC_MAX_DEPTH)
			return -ELOOP;
		if ((err = load_image(cur, args, &nas, &plan, &rsp, next)))
			return err;
		if (nas)
			break;
		strlcpy(cur, next, sizeof(cur));
	}
	/* The other threads must be gone before the image changes; waiting
	 * for them may let another exec reuse the static plan. */
	uint64_t entry = plan.entry;
	if ((err = thread_exec_single())) {
		as_put(nas);
		return err;
	}
	plan.entry = entry;
	commit_exec(nas, &plan, rsp, path);
	return 0;
}

/* Gather the strings: the path first (AT_EXECFN), argv, then envp. */
static int gather_user(struct execargs *a, const char *path, uintptr_t uvec, bool env)
{
	for (uint64_t i = 0;; i++, uvec += 8) {
		uint64_t p;
		size_t room;
		char *dst;
		long n;
		if (!uvec)
			return 0;
		if (get_user(p, uvec))
			return -EFAULT;
		if (!p)
			return 0;
		dst = execargs_room(a, &room);
		n = strncpy_from_user(dst, p, room);
		if (n < 0)
			return n == -ENAMETOOLONG ? -E2BIG : (int)n;
		execargs_commit(a, (size_t)n + 1, env);
	}
}

/* Count a user vector (for the budget), -EFAULT on a bad pointer. */
static long count_user(uintptr_t uvec)
{
	long n = 0;

	for (uint64_t p = 1; uvec; uvec += 8, n++) {
		if (get_user(p, uvec))
			return -EFAULT;
		if (!p)
			break;
		if (n >= MAX_ARG_STRINGS)
			return -E2BIG;
	}
	return n;
}

/* Run exec with a string buffer of cap bytes; -E2BIG may mean "too small". */
static int exec_with_buffer(const char *path, uintptr_t uargv, uintptr_t uenvp,
			    char *const kargv[], char *const kenvp[], size_t cap)
{
	uint64_t rlim = proc_current()->rlimits[RLIMIT_STACK].cur;
	long argc = 0, envc = 0;
	struct execargs a;
	int err;
	void *buf = kmalloc(cap);

	if (!buf)
		return -ENOMEM;
	if (kargv) {
		while (kargv[argc])
			argc++;
		while (kenvp[envc])
			envc++;
	} else if ((argc = count_user(uargv)) < 0 || (envc = count_user(uenvp)) < 0) {
		err = argc < 0 ? (int)argc : (int)envc;
		goto out;
	}
	if ((err = execargs_init(&a, buf, cap, rlim, (uint64_t)argc, (uint64_t)envc)) ||
	    (err = execargs_set_execfn(&a, path)))
		goto out;
	for (long i = 0; kargv && !err && i < argc; i++)
		err = execargs_push(&a, kargv[i], false);
	for (long i = 0; kargv && !err && i < envc; i++)
		err = execargs_push(&a, kenvp[i], true);
	if (!kargv && !(err = gather_user(&a, path, uargv, false)))
		err = gather_user(&a, path, uenvp, true);
	/* Like Linux (since 5.18): an empty argv gets one empty string. */
	if (!err && a.argc == 0)
		err = execargs_push_front(&a, "");
	if (!err)
		err = do_exec(path, &a);
out:
	kfree(buf);
	return err;
}

/* Linux opens the file before it looks at the arguments, so ENOENT or
 * EACCES win over E2BIG or EFAULT from argv. */
static int exec_check_file(const char *path)
{
	struct inode *ino;
	int err = vfs_lookup(path, true, &ino);

	if (err)
		return err;
	err = exec_may_run(ino);
	inode_unref(ino);
	return err;
}

/* Most execs fit a page (a direct-mapped heap block, cheap to get and
 * free); only a large argument list needs Linux's whole budget (a quarter
 * of the stack limit), and gets a second try with it. */
static int exec_any(const char *path, uintptr_t uargv, uintptr_t uenvp, char *const kargv[],
		    char *const kenvp[])
{
	int err = exec_with_buffer(path, uargv, uenvp, kargv, kenvp, PAGE_SIZE);

	if (err == -E2BIG)
		err = exec_with_buffer(path, uargv, uenvp, kargv, kenvp, 6UL << 20);
	return err;
}

int exec_kernel(const char *path, char *const argv[], char *const envp[])
{
	return exec_any(path, 0, 0, argv, envp);
}

long sys_execve(uintptr_t upath, uintptr_t uargv, uintptr_t uenvp)
{
	char *path = kmalloc(PATH_MAX);
	long n;
	int err;

	if (!path)
		return -ENOMEM;
	n = strncpy_from_user(path, upath, PATH_MAX);
	err = n < 0 ? (int)n : n == 0 ? -ENOENT : 0;
	if (!err)
		err = exec_check_file(path);
	if (!err)
		err = exec_any(path, uargv, uenvp, NULL, NULL);
	kfree(path);
	return err;
}

/* execargs.c: gathering execve's strings and laying out the first stack.
 *
 * The stack a new image starts with, as Linux builds it (high to low):
 *
 *   top ->  [8 bytes of zero]
 *           execfn string                       <- AT_EXECFN
 *           envp strings, argv strings
 *           "x86_64"                            <- AT_PLATFORM
 *           16 random bytes                     <- AT_RANDOM
 *           (padding to 16)
 *           auxv: (type, value) pairs ... AT_NULL
 *           NULL, envp[envc-1] ... envp[0]
 *           NULL, argv[argc-1] ... argv[0]
 *   rsp ->  argc
 *
 * rsp is 16-byte aligned at entry, as the x86_64 psABI requires. */
#include "proc/execargs.h"

#include "kernel/arch.h"
#include "kernel/cpu.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/uaccess.h"
#include "fs/vfs.h"
#include "mm/kheap.h"
#include "proc/proc.h"

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
#define AT_EXECFN 31
#define AUXV_PAIRS 19

static const char platform[] = "x86_64";

/* Append a string of n bytes (without NUL), growing buf. */
static int push_string(struct exec_args *a, const char *s, size_t n)
{
	if (n + 1 > MAX_ARG_STRLEN)
		return -E2BIG;
	if (a->len + n + 1 + (size_t)(a->argc + a->envc + 1) * 8 > EXEC_STRINGS_MAX)
		return -E2BIG;
	if (a->len + n + 1 > a->cap) {
		size_t cap = a->cap ? a->cap : 1024;
		while (cap < a->len + n + 1)
			cap *= 2;
		char *nb = kmalloc(cap);
		if (!nb)
			return -ENOMEM;
		memcpy(nb, a->buf, a->len);
		kfree(a->buf);
		a->buf = nb;
		a->cap = cap;
	}
	memcpy(a->buf + a->len, s, n);
	a->buf[a->len + n] = 0;
	a->len += n + 1;
	return 0;
}

static char *dup_string(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = kmalloc(n);

	if (d)
		memcpy(d, s, n);
	return d;
}

static int set_names(struct exec_args *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->filename = dup_string(path);
	a->execfn = dup_string(path);
	return a->filename && a->execfn ? 0 : -ENOMEM;
}

/* Copy one NULL-terminated user vector of strings; returns the count. */
static long copy_user_vector(struct exec_args *a, uintptr_t uvec, bool env)
{
	static char tmp[MAX_ARG_STRLEN];
	long count = 0;

	for (; uvec; uvec += 8, count++) {
		uint64_t p;
		long n;
		int err;
		if (get_user(p, uvec))
			return -EFAULT;
		if (!p)
			break;
		if (count >= MAX_ARG_STRINGS)
			return -E2BIG;
		n = strncpy_from_user(tmp, p, sizeof(tmp));
		if (n < 0)
			return n == -ENAMETOOLONG ? -E2BIG : n;
		if ((err = push_string(a, tmp, (size_t)n)))
			return err;
		if (env)
			a->envc++;
		else
			a->argc++;
	}
	return count;
}

int execargs_from_user(struct exec_args *a, const char *path, uintptr_t uargv,
		       uintptr_t uenvp)
{
	long r;
	int err = set_names(a, path);

	if (err)
		return err;
	if ((r = copy_user_vector(a, uargv, false)) < 0)
		return (int)r;
	/* Like Linux (since 5.18): an empty argv gets one empty string, so that
	 * argv[0] is never NULL. */
	if (!a->argc && (err = push_string(a, "", 0)))
		return err;
	a->argc += !a->argc;
	if ((r = copy_user_vector(a, uenvp, true)) < 0)
		return (int)r;
	return 0;
}

int execargs_from_kernel(struct exec_args *a, const char *path, char *const argv[],
			 char *const envp[])
{
	int err = set_names(a, path);

	for (; !err && *argv; argv++, a->argc++)
		err = push_string(a, *argv, strlen(*argv));
	for (; !err && *envp; envp++, a->envc++)
		err = push_string(a, *envp, strlen(*envp));
	return err;
}

void execargs_free(struct exec_args *a)
{
	kfree(a->buf);
	kfree(a->filename);
	kfree(a->execfn);
	memset(a, 0, sizeof(*a));
}

const char *execargs_filename(const struct exec_args *a) { return a->filename; }
const char *execargs_execfn(const struct exec_args *a) { return a->execfn; }

int execargs_shebang(struct exec_args *a, const char *script_path, const char *head, size_t n)
{
	static struct shebang sb;
	struct exec_args na;
	size_t skip = 0;
	int err;

	if ((err = shebang_parse(&sb, head, n)))
		return err;
	if (a->argc) /* drop argv[0] */
		skip = strlen(a->buf) + 1;
	memset(&na, 0, sizeof(na));
	if ((err = push_string(&na, sb.interp, strlen(sb.interp))))
		goto fail;
	if (sb.arg && (err = push_string(&na, sb.arg, strlen(sb.arg))))
		goto fail;
	if ((err = push_string(&na, script_path, strlen(script_path))))
		goto fail;
	na.argc = 2 + (sb.arg != NULL) + (a->argc ? a->argc - 1 : 0);
	if (na.len + a->len - skip > EXEC_STRINGS_MAX) {
		err = -E2BIG;
		goto fail;
	}
	for (size_t off = skip; off < a->len;) { /* the rest, envp included */
		size_t len = strlen(a->buf + off);
		if ((err = push_string(&na, a->buf + off, len)))
			goto fail;
		off += len + 1;
	}
	kfree(a->buf);
	kfree(a->filename);
	a->buf = na.buf, a->len = na.len, a->cap = na.cap, a->argc = na.argc;
	a->filename = dup_string(sb.interp);
	return a->filename ? 0 : -ENOMEM;
fail:
	kfree(na.buf);
	return err;
}

void execargs_fill_aux(struct execargs_aux *aux, const struct elf_plan *plan,
		       const struct cred *c)
{
	uint32_t eax, ebx, ecx, edx;

	cpuid(1, 0, &eax, &ebx, &ecx, &edx);
	aux->phdr = plan->phdr_addr;
	aux->phnum = plan->ehdr.e_phnum;
	aux->entry = plan->entry;
	aux->hwcap = edx;
	aux->uid = c->uid, aux->euid = c->euid, aux->gid = c->gid, aux->egid = c->egid;
	random_bytes(aux->random, sizeof(aux->random));
}

/* Bytes above the pointer block: strings, platform, random, the end pad. */
static size_t strings_area(const struct exec_args *a)
{
	return 8 + strlen(a->execfn) + 1 + a->len + sizeof(platform) + 16;
}

size_t execargs_stack_size(const struct exec_args *a, const struct execargs_aux *aux)
{
	size_t ptrs = (size_t)(1 + a->argc + 1 + a->envc + 1 + 2 * AUXV_PAIRS) * 8;

	(void)aux;
	return strings_area(a) + ptrs + 32; /* alignment slack */
}

long execargs_build_stack(const struct exec_args *a, const struct execargs_aux *aux,
			  uint64_t top, uint8_t *img, size_t size)
{
	uint64_t base = top - size, p = top - 8, execfn, strs, plat, rnd, sp;
	uint64_t *w;
	size_t fnlen = strlen(a->execfn) + 1;

#define AT(uaddr) (img + ((uaddr) - base))
	memset(AT(p), 0, 8);
	p -= fnlen, execfn = p, memcpy(AT(p), a->execfn, fnlen);
	p -= a->len, strs = p, memcpy(AT(p), a->buf, a->len);
	p -= sizeof(platform), plat = p, memcpy(AT(p), platform, sizeof(platform));
	p -= 16, rnd = p, memcpy(AT(p), aux->random, 16);
	sp = p - (uint64_t)(1 + a->argc + 1 + a->envc + 1 + 2 * AUXV_PAIRS) * 8;
	sp &= ~15UL;
	if (sp < base)
		return -E2BIG;
	w = (uint64_t *)AT(sp);
	*w++ = (uint64_t)a->argc;
	for (int i = 0; i < a->argc + a->envc; i++) {
		if (i == a->argc)
			*w++ = 0; /* end of argv */
		*w++ = strs;
		strs += strlen((char *)AT(strs)) + 1;
	}
	if (a->envc == 0)
		*w++ = 0; /* end of argv */
	*w++ = 0;         /* end of envp */
	uint64_t auxv[2 * AUXV_PAIRS] = {
		AT_PHDR, aux->phdr, AT_PHENT, sizeof(struct elf64_phdr), AT_PHNUM, aux->phnum,
		AT_PAGESZ, PAGE_SIZE, AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, aux->entry,
		AT_UID, aux->uid, AT_EUID, aux->euid, AT_GID, aux->gid, AT_EGID, aux->egid,
		AT_SECURE, 0, AT_RANDOM, rnd, AT_HWCAP, aux->hwcap, AT_HWCAP2, 0,
		AT_CLKTCK, 100, AT_PLATFORM, plat, AT_EXECFN, execfn, AT_NULL, 0,
	};
	memcpy(w, auxv, sizeof(auxv));
#undef AT
	return (long)sp;
}

/* execargs.c: exec's argument strings and the initial user stack, laid out
 * exactly as Linux's fs/exec.c and create_elf_tables() do on x86_64.
 *
 * Theory of operation. Exec gathers the strings into a kernel buffer
 * (struct execargs), charging each to Linux's budget as it goes: the execfn
 * first, then argv, then envp (Linux copies envp before argv; only the
 * choice of error between a bad envp and a too-long argv can differ).
 * Scripts rewrite argv at the front. Then execargs_stack_size() says how
 * big the stack image is, the caller gets a buffer that size, and
 * execargs_build_stack() fills it; exec copies it to [rsp, stack_top).
 *
 * The image, from high addresses to low (stack_top is page aligned):
 *
 *   stack_top ->  +-----------------------------+
 *                 | 8 zero bytes                |
 *                 | execfn "\0"                 | <- AT_EXECFN
 *                 | envp strings, envp[0] first |
 *                 | argv strings, argv[0] first | <- argv[0], the lowest
 *                 | 0..15 bytes: align down 16  |
 *                 | platform "x86_64\0"         | <- AT_PLATFORM
 *                 | 16 random bytes             | <- AT_RANDOM (unaligned)
 *                 | 0..15 bytes: gap            |
 *                 | auxv: {type, value} pairs,  |
 *                 |   AT_NULL pair last         |
 *                 | NULL                        |
 *                 | envp[envc-1] .. envp[0]     |
 *                 | NULL                        |
 *                 | argv[argc-1] .. argv[0]     |
 *   rsp       ->  | argc                        |  rsp % 16 == 0
 *                 +-----------------------------+
 *
 * rsp is the address below the random bytes less the auxv and the
 * 1 + argc + 1 + envc + 1 words, rounded down to 16, so the gap falls
 * between the auxv and the random bytes, as on Linux (checked against a
 * 6.18 kernel with ASLR off). The auxv order is Linux's:
 * [AT_SYSINFO_EHDR] [AT_MINSIGSTKSZ] AT_HWCAP AT_PAGESZ AT_CLKTCK AT_PHDR
 * AT_PHENT AT_PHNUM AT_BASE AT_FLAGS AT_ENTRY AT_UID AT_EUID AT_GID AT_EGID
 * AT_SECURE AT_RANDOM AT_HWCAP2 AT_EXECFN [AT_PLATFORM] [AT_RSEQ_*] AT_NULL.
 *
 * Invariant: len + budget only changes through execargs_init and
 * execargs_set_execfn; every string in buf ends in a NUL. */
#include "elf/execargs.h"

#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"

/* The user addresses of the pieces of the image. */
struct stack_layout {
	uint64_t execfn;    /* AT_EXECFN string */
	uint64_t strings;   /* argv[0] string; the others follow */
	uint64_t platform;  /* AT_PLATFORM string, 0 if none */
	uint64_t random;    /* AT_RANDOM bytes */
	uint64_t rsp;       /* argc */
	unsigned int nauxv; /* auxv pairs, AT_NULL included */
};

int execargs_init(struct execargs *a, void *buf, size_t cap, uint64_t rlim_stack, uint64_t argc,
		  uint64_t envc)
{
	uint64_t limit = EXEC_STK_LIM / 4 * 3;
	uint64_t ptrs;

	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
	if (argc > MAX_ARG_STRINGS || envc > MAX_ARG_STRINGS)
		return -E2BIG;
	if (rlim_stack / 4 < limit)
		limit = rlim_stack / 4;
	if (limit < ARG_MAX)
		limit = ARG_MAX;
	/* Room for "" if argc is 0: exec then makes it argv[0]. */
	ptrs = ((argc ? argc : 1) + envc) * sizeof(uint64_t);
	if (limit <= ptrs)
		return -E2BIG;
	a->budget = limit - ptrs;
	return 0;
}

/* Bytes of s with its NUL, or 0 if that is more than MAX_ARG_STRLEN. */
static size_t arg_size(const char *s)
{
	size_t n = strnlen(s, MAX_ARG_STRLEN) + 1;

	return n > MAX_ARG_STRLEN ? 0 : n;
}

int execargs_set_execfn(struct execargs *a, const char *execfn)
{
	size_t n = arg_size(execfn);

	KASSERT(!a->execfn);
	if (!n || n > a->budget)
		return -E2BIG;
	a->budget -= n;
	a->execfn = execfn;
	return 0;
}

char *execargs_room(struct execargs *a, size_t *room)
{
	size_t n = MAX_ARG_STRLEN;

	if (a->budget < n)
		n = a->budget;
	if (a->cap - a->len < n)
		n = a->cap - a->len;
	*room = n;
	return a->buf + a->len;
}

void execargs_commit(struct execargs *a, size_t n, bool env)
{
	KASSERT(n >= 1 && n <= MAX_ARG_STRLEN && n <= a->budget && n <= a->cap - a->len);
	KASSERT(a->buf[a->len + n - 1] == '\0');
	KASSERT(env || a->envc == 0);
	a->len += n;
	a->budget -= n;
	if (env) {
		a->envc++;
	} else {
		a->argc++;
		a->argv_len += n;
	}
}

int execargs_push(struct execargs *a, const char *s, bool env)
{
	size_t n = arg_size(s);

	if (!n || n > a->budget || n > a->cap - a->len)
		return -E2BIG;
	memcpy(a->buf + a->len, s, n - 1);
	a->buf[a->len + n - 1] = '\0';
	execargs_commit(a, n, env);
	return 0;
}

int execargs_push_front(struct execargs *a, const char *s)
{
	size_t n = arg_size(s);

	if (!n || n > a->budget || n > a->cap - a->len)
		return -E2BIG;
	memmove(a->buf + n, a->buf, a->len);
	memcpy(a->buf, s, n - 1);
	a->buf[n - 1] = '\0';
	a->len += n;
	a->argv_len += n;
	a->budget -= n;
	a->argc++;
	return 0;
}

void execargs_pop_front(struct execargs *a)
{
	size_t n;

	if (!a->argc)
		return;
	n = strnlen(a->buf, a->argv_len) + 1;
	KASSERT(n <= a->argv_len);
	memmove(a->buf, a->buf + n, a->len - n);
	a->len -= n;
	a->argv_len -= n;
	a->budget += n;
	a->argc--;
}

int execargs_shebang(struct execargs *a, const char *interp, const char *arg, const char *path)
{
	/* Linux pushes downwards: path, then arg, then interp lowest. */
	execargs_pop_front(a);
	if (execargs_push_front(a, path))
		return -E2BIG;
	if (arg && execargs_push_front(a, arg))
		return -E2BIG;
	return execargs_push_front(a, interp);
}

/* Fill v with the auxv pairs (AT_NULL last); returns how many pairs. */
static unsigned int auxv_fill(const struct exec_auxv *x, const struct stack_layout *l,
			      uint64_t *v)
{
	unsigned int n = 0;
#define AUX(type, val)                                                                             \
	do {                                                                                       \
		v[2 * n] = (type);                                                                 \
		v[2 * n + 1] = (val);                                                              \
		n++;                                                                               \
	} while (0)
	if (x->sysinfo_ehdr)
		AUX(AT_SYSINFO_EHDR, x->sysinfo_ehdr);
	if (x->minsigstksz)
		AUX(AT_MINSIGSTKSZ, x->minsigstksz);
	AUX(AT_HWCAP, x->hwcap);
	AUX(AT_PAGESZ, x->pagesz);
	AUX(AT_CLKTCK, x->clktck);
	AUX(AT_PHDR, x->phdr);
	AUX(AT_PHENT, x->phent);
	AUX(AT_PHNUM, x->phnum);
	AUX(AT_BASE, x->base);
	AUX(AT_FLAGS, x->flags);
	AUX(AT_ENTRY, x->entry);
	AUX(AT_UID, x->uid);
	AUX(AT_EUID, x->euid);
	AUX(AT_GID, x->gid);
	AUX(AT_EGID, x->egid);
	AUX(AT_SECURE, x->secure);
	AUX(AT_RANDOM, l->random);
	AUX(AT_HWCAP2, x->hwcap2);
	AUX(AT_EXECFN, l->execfn);
	if (x->platform)
		AUX(AT_PLATFORM, l->platform);
	if (x->rseq_feature_size) {
		AUX(AT_RSEQ_FEATURE_SIZE, x->rseq_feature_size);
		AUX(AT_RSEQ_ALIGN, x->rseq_align);
	}
	AUX(AT_NULL, 0);
#undef AUX
	KASSERT(n <= EXEC_AUXV_MAX);
	return n;
}

static void stack_layout(const struct execargs *a, const struct exec_auxv *x, uint64_t top,
			 struct stack_layout *l)
{
	uint64_t v[2 * EXEC_AUXV_MAX];
	uint64_t p = top - sizeof(uint64_t);
	uint64_t words;

	KASSERT(a->execfn && x->random && top % 16 == 0);
	p -= strlen(a->execfn) + 1;
	l->execfn = p;
	p -= a->len;
	l->strings = p;
	p &= ~15UL;
	l->platform = 0;
	if (x->platform) {
		p -= strlen(x->platform) + 1;
		l->platform = p;
	}
	p -= 16;
	l->random = p;
	l->nauxv = auxv_fill(x, l, v);
	words = 2 * (uint64_t)l->nauxv + (a->argc + 1) + (a->envc + 1) + 1;
	l->rsp = (p - words * sizeof(uint64_t)) & ~15UL;
}

size_t execargs_stack_size(const struct execargs *a, const struct exec_auxv *x, uint64_t stack_top)
{
	struct stack_layout l;

	stack_layout(a, x, stack_top, &l);
	return stack_top - l.rsp;
}

static void put_u64(char *buf, uint64_t base, uint64_t uaddr, uint64_t v)
{
	memcpy(buf + (uaddr - base), &v, sizeof(v));
}

/* Write count pointers to the strings starting at blob offset *off, then a
 * NULL; returns the user address after the NULL. */
static uint64_t put_vector(const struct execargs *a, const struct stack_layout *l, char *buf,
			   uint64_t base, uint64_t sp, uint64_t count, size_t *off)
{
	for (uint64_t i = 0; i < count; i++, sp += sizeof(uint64_t)) {
		KASSERT(*off < a->len);
		put_u64(buf, base, sp, l->strings + *off);
		*off += strnlen(a->buf + *off, a->len - *off) + 1;
	}
	put_u64(buf, base, sp, 0);
	return sp + sizeof(uint64_t);
}

int64_t execargs_build_stack(const struct execargs *a, const struct exec_auxv *x,
			     uint64_t stack_top, void *out, size_t size)
{
	uint64_t v[2 * EXEC_AUXV_MAX];
	struct stack_layout l;
	char *buf = out;
	uint64_t base, sp;
	size_t off = 0;

	stack_layout(a, x, stack_top, &l);
	if (stack_top - l.rsp > size)
		return -E2BIG;
	base = stack_top - size;
	memset(buf + (l.rsp - base), 0, stack_top - l.rsp);
	memcpy(buf + (l.execfn - base), a->execfn, strlen(a->execfn) + 1);
	memcpy(buf + (l.strings - base), a->buf, a->len);
	if (x->platform)
		memcpy(buf + (l.platform - base), x->platform, strlen(x->platform) + 1);
	memcpy(buf + (l.random - base), x->random, 16);

	put_u64(buf, base, l.rsp, a->argc);
	sp = put_vector(a, &l, buf, base, l.rsp + sizeof(uint64_t), a->argc, &off);
	sp = put_vector(a, &l, buf, base, sp, a->envc, &off);
	KASSERT(off == a->len);
	auxv_fill(x, &l, v);
	memcpy(buf + (sp - base), v, l.nauxv * 2 * sizeof(uint64_t));
	return (int64_t)l.rsp;
}

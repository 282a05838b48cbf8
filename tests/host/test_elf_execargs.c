/* test_elf_execargs.c: exec argument strings and the initial stack. The two
 * golden layouts are what a Linux 6.18 kernel built for a static musl
 * program run under "setarch -R env -i ...". */
#include "elf/execargs.c"

#include <stdlib.h>
#include <string.h>

#include "htest.h"

void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
	printf("# KASSERT(%s) failed at %s:%d in %s\n", expr, file, line, func);
	abort();
}

#define TOP 0x7ffffffff000UL

static const uint8_t rnd[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

/* The auxv values Linux gave the probe program. */
static struct exec_auxv linux_auxv(void)
{
	struct exec_auxv x = {
		.sysinfo_ehdr = 0x7ffff7ffd000, .minsigstksz = 0xd30, .hwcap = 0x178bfbff,
		.pagesz = 4096, .clktck = 100, .phdr = 0x400040, .phent = 56, .phnum = 6,
		.entry = 0x40102b, .hwcap2 = 2, .rseq_feature_size = 0x1c, .rseq_align = 0x20,
		.platform = "x86_64", .random = rnd,
	};
	return x;
}

/* Just the auxv entries that are always there. */
static struct exec_auxv plain_auxv(void)
{
	struct exec_auxv x = { .pagesz = 4096, .clktck = 100, .phent = 56, .random = rnd };
	return x;
}

static struct execargs a;
static char strbuf[1 << 16];

static void gather(const char *const *argv, int argc, const char *const *envp, int envc,
		   const char *execfn)
{
	HCHECK(execargs_init(&a, strbuf, sizeof(strbuf), EXEC_STK_LIM, argc, envc) == 0);
	HCHECK(execargs_set_execfn(&a, execfn) == 0);
	for (int i = 0; i < argc; i++)
		HCHECK(execargs_push(&a, argv[i], false) == 0);
	for (int i = 0; i < envc; i++)
		HCHECK(execargs_push(&a, envp[i], true) == 0);
}

/* The image, read back by user address. */
struct image {
	char *buf;
	size_t size;
	int64_t rsp;
};

static struct image build(const struct exec_auxv *x)
{
	struct image im;

	im.size = execargs_stack_size(&a, x, TOP);
	im.buf = malloc(im.size);
	im.rsp = execargs_build_stack(&a, x, TOP, im.buf, im.size);
	return im;
}

static uint64_t word(const struct image *im, uint64_t uaddr)
{
	uint64_t v;

	memcpy(&v, im->buf + (uaddr - (TOP - im->size)), sizeof(v));
	return v;
}

static const char *str(const struct image *im, uint64_t uaddr)
{
	return im->buf + (uaddr - (TOP - im->size));
}

/* The auxv value of type t, or ~0 if absent. */
static uint64_t aux(const struct image *im, uint64_t auxv, uint64_t t)
{
	for (; word(im, auxv) != AT_NULL; auxv += 16)
		if (word(im, auxv) == t)
			return word(im, auxv + 8);
	return ~0ULL;
}

HTEST(stack_matches_linux_with_args)
{
	static const char *const argv[] = { "./probe", "x", "yy" };
	static const char *const envp[] = { "A=1", "BB=22" };
	static const uint64_t types[] = { 33, 51, 16, 6, 17, 3, 4, 5, 7, 8, 9, 11,
					  12, 13, 14, 23, 25, 26, 31, 15, 27, 28, 0 };
	struct exec_auxv x = linux_auxv();
	struct image im;

	gather(argv, 3, envp, 2, "./probe");
	im = build(&x);
	HCHECK(im.rsp == 0x7fffffffee00);
	HCHECK(im.size == TOP - 0x7fffffffee00);
	HCHECK(word(&im, im.rsp) == 3);
	HCHECK(word(&im, im.rsp + 8) == 0x7fffffffefd9);
	HCHECK(word(&im, im.rsp + 16) == 0x7fffffffefe1);
	HCHECK(word(&im, im.rsp + 24) == 0x7fffffffefe3);
	HCHECK(word(&im, im.rsp + 32) == 0);
	HCHECK(word(&im, im.rsp + 40) == 0x7fffffffefe6);
	HCHECK(word(&im, im.rsp + 48) == 0x7fffffffefea);
	HCHECK(word(&im, im.rsp + 56) == 0);
	for (int i = 0; i < 23; i++)
		HCHECK(word(&im, 0x7fffffffee40 + 16 * i) == types[i]);
	HCHECK(aux(&im, 0x7fffffffee40, AT_RANDOM) == 0x7fffffffefb9);
	HCHECK(aux(&im, 0x7fffffffee40, AT_PLATFORM) == 0x7fffffffefc9);
	HCHECK(aux(&im, 0x7fffffffee40, AT_EXECFN) == 0x7fffffffeff0);
	HCHECK(aux(&im, 0x7fffffffee40, AT_PHDR) == 0x400040);
	HCHECK(aux(&im, 0x7fffffffee40, AT_MINSIGSTKSZ) == 0xd30);
	HCHECK(strcmp(str(&im, 0x7fffffffefd9), "./probe") == 0);
	HCHECK(strcmp(str(&im, 0x7fffffffefe3), "yy") == 0);
	HCHECK(strcmp(str(&im, 0x7fffffffefea), "BB=22") == 0);
	HCHECK(strcmp(str(&im, 0x7fffffffefc9), "x86_64") == 0);
	HCHECK(strcmp(str(&im, 0x7fffffffeff0), "./probe") == 0);
	HCHECK(memcmp(str(&im, 0x7fffffffefb9), rnd, 16) == 0);
	HCHECK(word(&im, TOP - 8) == 0);
	free(im.buf);
}

HTEST(stack_matches_linux_argv0_only)
{
	static const char *const argv[] = { "./probe" };
	struct exec_auxv x = linux_auxv();
	struct image im;

	gather(argv, 1, NULL, 0, "./probe");
	im = build(&x);
	HCHECK(im.rsp == 0x7fffffffee30);
	HCHECK(word(&im, im.rsp) == 1);
	HCHECK(word(&im, im.rsp + 8) == 0x7fffffffefe8);
	HCHECK(word(&im, im.rsp + 16) == 0 && word(&im, im.rsp + 24) == 0);
	HCHECK(aux(&im, 0x7fffffffee50, AT_RANDOM) == 0x7fffffffefc9);
	HCHECK(aux(&im, 0x7fffffffee50, AT_PLATFORM) == 0x7fffffffefd9);
	HCHECK(aux(&im, 0x7fffffffee50, AT_EXECFN) == 0x7fffffffeff0);
	free(im.buf);
}

/* Every shape: rsp aligned, everything in order and inside the image. */
HTEST(stack_alignment_and_order)
{
	static const char *const words[] = { "", "a", "bb", "ccc", "dddd", "eeeee", "ffffff",
					     "ggggggg", "hhhhhhhh", "iiiiiiiii" };
	struct exec_auxv x = plain_auxv();

	for (int argc = 0; argc < 6; argc++) {
		for (int envc = 0; envc < 6; envc++) {
			for (int fn = 0; fn < 5; fn++) {
				struct image im;
				uint64_t auxv, p;

				gather(words + fn, argc, words + 10 - envc, envc, words[fn]);
				x.platform = fn & 1 ? "x86_64" : NULL;
				im = build(&x);
				HCHECK(im.rsp > 0 && im.rsp % 16 == 0);
				HCHECK((uint64_t)im.rsp == TOP - im.size);
				HCHECK(word(&im, im.rsp) == (uint64_t)argc);
				auxv = im.rsp + 8 * (argc + envc + 3);
				p = aux(&im, auxv, AT_RANDOM);
				/* auxv (AT_NULL included) ends below the random bytes, by < 16 */
				HCHECK(auxv + 16 * (18 + !!x.platform) <= p);
				HCHECK(p - (auxv + 16 * (18 + !!x.platform)) < 16);
				for (int i = 0; i < argc; i++)
					HCHECK(strcmp(str(&im, word(&im, im.rsp + 8 + 8 * i)),
						      words[fn + i]) == 0);
				for (int i = 0; i < envc; i++)
					HCHECK(strcmp(str(&im, word(&im, im.rsp + 16 + 8 * (argc + i))),
						      words[10 - envc + i]) == 0);
				HCHECK(strcmp(str(&im, aux(&im, auxv, AT_EXECFN)), words[fn]) == 0);
				HCHECK(aux(&im, auxv, AT_SYSINFO_EHDR) == ~0ULL);
				HCHECK(aux(&im, auxv, AT_RSEQ_ALIGN) == ~0ULL);
				free(im.buf);
			}
		}
	}
}

HTEST(stack_buffer_too_small)
{
	static const char *const argv[] = { "prog" };
	struct exec_auxv x = plain_auxv();
	size_t n;
	char *buf;

	gather(argv, 1, NULL, 0, "/bin/prog");
	n = execargs_stack_size(&a, &x, TOP);
	buf = malloc(n + 64);
	HCHECK(execargs_build_stack(&a, &x, TOP, buf, n - 1) == -E2BIG);
	HCHECK(execargs_build_stack(&a, &x, TOP, buf, n + 64) == (int64_t)(TOP - n));
	free(buf);
}

HTEST(args_budget)
{
	struct execargs b;

	/* 8 MiB stack: a quarter, less one pointer per string. */
	HCHECK(execargs_init(&b, NULL, 0, EXEC_STK_LIM, 1, 0) == 0);
	HCHECK(b.budget == (2UL << 20) - 8);
	/* argc 0 still reserves a pointer for the "" exec adds. */
	HCHECK(execargs_init(&b, NULL, 0, EXEC_STK_LIM, 0, 0) == 0);
	HCHECK(b.budget == (2UL << 20) - 8);
	HCHECK(execargs_init(&b, NULL, 0, EXEC_STK_LIM, 3, 4) == 0);
	HCHECK(b.budget == (2UL << 20) - 56);
	/* Small stack: never below ARG_MAX (128 KiB). */
	HCHECK(execargs_init(&b, NULL, 0, 64 << 10, 1, 0) == 0);
	HCHECK(b.budget == ARG_MAX - 8);
	/* Huge or unlimited: at most 3/4 of 8 MiB. */
	HCHECK(execargs_init(&b, NULL, 0, ~0ULL, 1, 0) == 0);
	HCHECK(b.budget == (6UL << 20) - 8);
	/* Pointers alone use the budget up. */
	HCHECK(execargs_init(&b, NULL, 0, EXEC_STK_LIM, (2UL << 20) / 8, 0) == -E2BIG);
	HCHECK(execargs_init(&b, NULL, 0, EXEC_STK_LIM, (2UL << 20) / 8 - 1, 0) == 0);
	HCHECK(b.budget == 8);
	HCHECK(execargs_init(&b, NULL, 0, ~0ULL, (uint64_t)MAX_ARG_STRINGS + 1, 0) == -E2BIG);
	HCHECK(execargs_init(&b, NULL, 0, ~0ULL, 1, (uint64_t)MAX_ARG_STRINGS + 1) == -E2BIG);
}

HTEST(args_string_limits)
{
	size_t cap = MAX_ARG_STRLEN + 100;
	char *buf = malloc(cap);
	char *s = malloc(MAX_ARG_STRLEN + 1);
	size_t room;

	memset(s, 'x', MAX_ARG_STRLEN);
	s[MAX_ARG_STRLEN] = '\0';
	HCHECK(execargs_init(&a, buf, cap, EXEC_STK_LIM, 2, 1) == 0);
	HCHECK(execargs_push(&a, s, false) == -E2BIG); /* 128 KiB + NUL */
	s[MAX_ARG_STRLEN - 1] = '\0';
	HCHECK(execargs_push(&a, s, false) == 0);      /* exactly 128 KiB */
	HCHECK(a.argc == 1 && a.len == MAX_ARG_STRLEN);
	HCHECK(execargs_set_execfn(&a, s) == 0);      /* charged, not stored */
	HCHECK(a.len == MAX_ARG_STRLEN && a.budget == (2UL << 20) - 24 - 2 * MAX_ARG_STRLEN);
	/* The room for a user copy: MAX_ARG_STRLEN, the budget, the buffer. */
	HCHECK(execargs_room(&a, &room) == buf + a.len && room == 100);
	memcpy(buf + a.len, "HOME=/\0", 7);
	execargs_commit(&a, 7, true);
	HCHECK(a.envc == 1 && a.argv_len == MAX_ARG_STRLEN);
	HCHECK(execargs_room(&a, &room) == buf + a.len && room == 93);
	HCHECK(execargs_init(&a, buf, cap, EXEC_STK_LIM, 1, 0) == 0);
	HCHECK(execargs_room(&a, &room) == buf && room == MAX_ARG_STRLEN);
	HCHECK(execargs_init(&a, buf, cap, 0, (ARG_MAX - 64) / 8, 0) == 0);
	HCHECK(execargs_room(&a, &room) == buf && room == 64);
	free(s);
	free(buf);
}

/* Fill the budget with short strings: the last one that fits, then -E2BIG. */
HTEST(args_total_limit)
{
	size_t cap = 3UL << 20;
	char *buf = malloc(cap);
	uint64_t n = 0;

	HCHECK(execargs_init(&a, buf, cap, EXEC_STK_LIM, 1, 1) == 0);
	HCHECK(execargs_set_execfn(&a, "/bin/x") == 0);
	while (execargs_push(&a, "0123456", true) == 0)
		n++;
	HCHECK(a.budget < 8 && a.envc == n);
	HCHECK(a.len + a.budget + 7 == (2UL << 20) - 16);
	/* A small buffer is the limit instead, with the same error. */
	HCHECK(execargs_init(&a, buf, 10, EXEC_STK_LIM, 1, 1) == 0);
	HCHECK(execargs_push(&a, "0123456", false) == 0);
	HCHECK(execargs_push(&a, "0123456", true) == -E2BIG);
	free(buf);
}

static bool argv_is(const char *const *want, int n)
{
	size_t off = 0;

	if (a.argc != (uint64_t)n)
		return false;
	for (int i = 0; i < n; i++) {
		if (strcmp(a.buf + off, want[i]) != 0)
			return false;
		off += strlen(want[i]) + 1;
	}
	return off == a.argv_len;
}

HTEST(args_shebang_rewrite)
{
	static const char *const argv[] = { "script", "a", "b" };
	static const char *const envp[] = { "E=1" };
	static const char *const want[] = { "/bin/sh", "-x", "./script", "a", "b" };
	static const char *const want2[] = { "/bin/sh", "./script", "a", "b" };
	size_t total;

	gather(argv, 3, envp, 1, "./script");
	total = a.len + a.budget;
	HCHECK(execargs_shebang(&a, "/bin/sh", "-x", "./script") == 0);
	HCHECK(argv_is(want, 5));
	HCHECK(a.envc == 1 && strcmp(a.buf + a.argv_len, "E=1") == 0);
	HCHECK(a.len + a.budget == total);

	gather(argv, 3, envp, 1, "./script");
	HCHECK(execargs_shebang(&a, "/bin/sh", NULL, "./script") == 0);
	HCHECK(argv_is(want2, 4));
}

HTEST(args_empty_argv)
{
	static const char *const envp[] = { "E=1" };
	static const char *const want[] = { "" };
	static const char *const want2[] = { "/bin/sh", "/s" };

	gather(NULL, 0, envp, 1, "/s");
	HCHECK(execargs_push_front(&a, "") == 0); /* what exec does for argc 0 */
	HCHECK(argv_is(want, 1) && strcmp(a.buf + 1, "E=1") == 0);
	HCHECK(execargs_shebang(&a, "/bin/sh", NULL, "/s") == 0);
	HCHECK(argv_is(want2, 2) && a.envc == 1);
	execargs_pop_front(&a);
	execargs_pop_front(&a);
	execargs_pop_front(&a); /* nothing left: no-op */
	HCHECK(a.argc == 0 && a.argv_len == 0 && strcmp(a.buf, "E=1") == 0);
}

HTEST(args_shebang_over_budget)
{
	char *buf = malloc(ARG_MAX);
	char *big = malloc(MAX_ARG_STRLEN);

	memset(big, 'y', MAX_ARG_STRLEN - 1);
	big[MAX_ARG_STRLEN - 1] = '\0';
	HCHECK(execargs_init(&a, buf, ARG_MAX, 0, 1, 0) == 0); /* budget ARG_MAX - 8 */
	HCHECK(execargs_push(&a, "s", false) == 0);
	/* argv[0] "s" goes, path fits, the interpreter does not. */
	HCHECK(execargs_shebang(&a, big, NULL, "/path") == -E2BIG);
	free(big);
	free(buf);
}

HTEST_MAIN()

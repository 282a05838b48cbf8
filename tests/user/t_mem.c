/* t_mem.c: address-space syscalls: brk, mmap (anonymous private/shared,
 * file-backed private), munmap, mprotect, mremap; faults that must kill
 * with SIGSEGV/SIGBUS (tested in a helper child, read from its wait status);
 * the kernel refusing to write into read-only user pages (EFAULT); stack
 * growth; and many or large mappings (for the leak check). */
#include "utest.h"

#define PG 4096ul

static void *map_anon(size_t len, int prot, int flags)
{
	return mmap(NULL, len, prot, flags | MAP_ANONYMOUS, -1, 0);
}

/* Fills len bytes at p with a pattern seeded by seed. */
static void fill(unsigned char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(i * 31 + seed + (i >> 12));
}

/* Returns the offset of the first byte that breaks the pattern, or -1. */
static long check_fill(const unsigned char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (unsigned char)(i * 31 + seed + (i >> 12)))
			return (long)i;
	return -1;
}

static long first_nonzero(const unsigned char *p, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (p[i])
			return (long)i;
	return -1;
}

static uintptr_t page_up(uintptr_t a)
{
	return (a + PG - 1) & ~(PG - 1);
}

UT_CASE(brk_basic, 10)
{
	uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
	UT_CHECK(cur != 0);
	uintptr_t want = cur + (1 << 20) + 123;
	UT_EQ(syscall(SYS_brk, want), want);
	UT_EQ(syscall(SYS_brk, 0), want);
	unsigned char *p = (unsigned char *)cur;
	UT_EQ(first_nonzero(p, want - cur), -1);
	fill(p, want - cur, 7);
	UT_EQ(check_fill(p, want - cur, 7), -1);

	/* Shrink, regrow: whole pages that were given back come back zeroed. */
	UT_EQ(syscall(SYS_brk, cur), cur);
	UT_EQ(syscall(SYS_brk, want), want);
	uintptr_t z = page_up(cur);
	UT_EQ(first_nonzero((unsigned char *)z, want - z), -1);
	UT_EQ(syscall(SYS_brk, cur), cur);

	/* A break below the start is refused: brk returns the current one. */
	UT_EQ(syscall(SYS_brk, cur - (64ul << 20)), cur);
	UT_EQ(syscall(SYS_brk, 0), cur);
}

UT_HELPER(touch_after_brk_shrink)
{
	uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
	uintptr_t top = page_up(cur) + 16 * PG;
	if ((uintptr_t)syscall(SYS_brk, top) != top)
		return 2;
	*(volatile char *)(top - 1) = 1;
	syscall(SYS_brk, page_up(cur));
	*(volatile char *)(top - 1) = 1; /* must fault */
	return 1;
}

UT_CASE(brk_shrink_unmaps, 10)
{
	UT_SIGNALED(ut_run_helper("touch_after_brk_shrink"), SIGSEGV);
}

UT_CASE(mmap_anon_private, 10)
{
	size_t len = 16 * PG;
	unsigned char *p = (unsigned char *)UT_OK(map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	if (p == MAP_FAILED)
		return;
	UT_EQ((uintptr_t)p % PG, 0);
	UT_EQ(first_nonzero(p, len), -1);
	fill(p, len, 3);
	UT_EQ(check_fill(p, len, 3), -1);
	UT_OK(munmap(p, len));

	/* Two mappings never overlap. */
	unsigned char *a = map_anon(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	unsigned char *b = map_anon(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	UT_CHECK(a != MAP_FAILED && b != MAP_FAILED && a != b);
	a[0] = 1;
	b[0] = 2;
	UT_EQ(a[0], 1);
	UT_OK(munmap(a, PG));
	UT_OK(munmap(b, PG));
}

UT_CASE(mmap_anon_shared, 10)
{
	size_t len = 8 * PG;
	unsigned char *p = (unsigned char *)UT_OK(map_anon(len, PROT_READ | PROT_WRITE, MAP_SHARED));
	if (p == MAP_FAILED)
		return;
	UT_EQ(first_nonzero(p, len), -1);
	fill(p, len, 9);
	UT_EQ(check_fill(p, len, 9), -1);
	UT_OK(munmap(p, len));
}

UT_CASE(mmap_file_private, 10)
{
	static unsigned char data[3 * 4096 + 100];
	unsigned char buf[64];

	ut_scratch();
	fill(data, sizeof(data), 5);
	ut_write_file("f", data, sizeof(data), 0644);
	int fd = UT_OK(open("f", O_RDWR));
	unsigned char *p = (unsigned char *)UT_OK(
		mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0));
	if (p == MAP_FAILED)
		return;
	UT_OK(close(fd));
	UT_EQ(memcmp(p, data, sizeof(data)), 0);
	UT_EQ(first_nonzero(p + sizeof(data), 4 * PG - sizeof(data)), -1);

	/* Private: writes stay in this mapping. */
	p[0] ^= 0xff;
	p[PG + 1] ^= 0xff;
	p[4 * PG - 1] = 0x55;
	fd = UT_OK(open("f", O_RDONLY));
	UT_EQ(pread(fd, buf, 2, PG), 2);
	UT_EQ(buf[1], data[PG + 1]);
	UT_EQ(pread(fd, buf, 1, 0), 1);
	UT_EQ(buf[0], data[0]);
	struct stat st;
	UT_OK(fstat(fd, &st));
	UT_EQ(st.st_size, sizeof(data));

	/* A mapping at an offset sees the file from there. */
	unsigned char *q = (unsigned char *)UT_OK(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 2 * PG));
	if (q != MAP_FAILED) {
		UT_EQ(memcmp(q, data + 2 * PG, PG), 0);
		UT_OK(munmap(q, PG));
	}
	UT_OK(munmap(p, 4 * PG));
	UT_OK(close(fd));
}

UT_HELPER(touch_past_eof)
{
	if (ut_write_file("f", "short", -1, 0644) != 0)
		return 2;
	int fd = open("f", O_RDONLY);
	volatile char *p = mmap(NULL, 2 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED || p[0] != 's' || p[100] != 0)
		return 3;
	(void)p[PG]; /* wholly past EOF: SIGBUS */
	return 1;
}

UT_CASE(mmap_file_sigbus, 10)
{
	ut_scratch();
	UT_SIGNALED(ut_run_helper("touch_past_eof"), SIGBUS);
}

UT_CASE(mmap_errors, 10)
{
	int p[2];

	ut_scratch();
	ut_write_file("f", "0123456789", -1, 0644);
	UT_OK(mkdir("d", 0755));
	int ro = UT_OK(open("f", O_RDONLY));
	int wo = UT_OK(open("f", O_WRONLY));
	int dfd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	UT_OK(pipe(p));
	int rw = PROT_READ | PROT_WRITE;
	UT_ERR(mmap(NULL, 0, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), EINVAL);
	UT_ERR(mmap(NULL, PG, rw, MAP_ANONYMOUS, -1, 0), EINVAL);
	UT_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, ro, 100), EINVAL);
	UT_ERR(mmap((void *)0x10000123, PG, rw, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
	       EINVAL);
	UT_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, 999, 0), EBADF);
	UT_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, -1, 0), EBADF);
	UT_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, dfd, 0), ENODEV);
	UT_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, p[0], 0), ENODEV);
	UT_ERR(mmap(NULL, PG, rw, MAP_SHARED, ro, 0), EACCES);
	UT_ERR(mmap(NULL, PG, PROT_READ, MAP_PRIVATE, wo, 0), EACCES);
	UT_ERR(syscall(SYS_mmap, NULL, 1ul << 62, rw, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), ENOMEM);
}

UT_CASE(mmap_fixed, 10)
{
	unsigned char *p = (unsigned char *)UT_OK(map_anon(3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	if (p == MAP_FAILED)
		return;
	memset(p, 0xab, 3 * PG);
	unsigned char *q = mmap(p + PG, PG, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	UT_CHECK(q == p + PG);
	UT_EQ(first_nonzero(p + PG, PG), -1);
	UT_EQ(p[PG - 1], 0xab);
	UT_EQ(p[2 * PG], 0xab);
	UT_OK(munmap(p, 3 * PG));

	/* MAP_FIXED into a hole we just made. */
	p = map_anon(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	UT_OK(munmap(p, PG));
	q = mmap(p, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	UT_CHECK(q == p);
	q[100] = 1;
	UT_OK(munmap(q, PG));
}

UT_HELPER(touch_unmapped_middle)
{
	volatile char *p = map_anon(3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (p == MAP_FAILED || munmap((char *)p + PG, PG) != 0)
		return 2;
	p[0] = 1;
	p[2 * PG] = 1;
	p[PG] = 1; /* must fault */
	return 1;
}

UT_CASE(munmap_basic, 10)
{
	unsigned char *p = (unsigned char *)UT_OK(map_anon(3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	if (p == MAP_FAILED)
		return;
	fill(p, 3 * PG, 1);
	UT_OK(munmap(p + PG, PG));
	UT_EQ(check_fill(p, PG, 1), -1);
	UT_EQ(p[2 * PG + 5], (unsigned char)((2 * PG + 5) * 31 + 1 + 2));
	UT_OK(munmap(p + PG, PG));	/* already unmapped: fine */
	UT_OK(munmap(p, 3 * PG));	/* spans a hole: fine */
	UT_ERR(munmap(p + 1, PG), EINVAL);
	UT_ERR(munmap(p, 0), EINVAL);
	UT_SIGNALED(ut_run_helper("touch_unmapped_middle"), SIGSEGV);
}

UT_HELPER(write_readonly)
{
	volatile char *p = map_anon(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (p == MAP_FAILED)
		return 2;
	p[10] = 42;
	if (mprotect((void *)p, PG, PROT_READ) != 0 || p[10] != 42)
		return 3;
	p[10] = 43; /* must fault */
	return 1;
}

UT_HELPER(read_prot_none)
{
	volatile char *p = map_anon(PG, PROT_NONE, MAP_PRIVATE);
	if (p == MAP_FAILED)
		return 2;
	(void)p[0]; /* must fault */
	return 1;
}

UT_HELPER(write_own_text)
{
	volatile unsigned char *code = (volatile unsigned char *)(uintptr_t)&ut_main;
	code[0] = code[0]; /* text is read-only: must fault */
	return 1;
}

UT_CASE(mprotect_faults, 10)
{
	UT_SIGNALED(ut_run_helper("write_readonly"), SIGSEGV);
	UT_SIGNALED(ut_run_helper("read_prot_none"), SIGSEGV);
	UT_SIGNALED(ut_run_helper("write_own_text"), SIGSEGV);
}

UT_CASE(mprotect_basic, 10)
{
	unsigned char *p = (unsigned char *)UT_OK(map_anon(4 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	if (p == MAP_FAILED)
		return;
	fill(p, 4 * PG, 2);
	UT_OK(mprotect(p, 4 * PG, PROT_READ));
	UT_EQ(check_fill(p, 4 * PG, 2), -1);
	UT_OK(mprotect(p, 4 * PG, PROT_READ | PROT_WRITE));
	p[0] = 0;
	fill(p, 4 * PG, 4);
	/* Protect one page in the middle: its neighbours stay writable. */
	UT_OK(mprotect(p + PG, PG, PROT_NONE));
	p[0] = 7;
	p[2 * PG] = 7;
	p[4 * PG - 1] = 7;
	UT_OK(mprotect(p + PG, PG, PROT_READ));
	UT_EQ(check_fill(p + PG, PG, 4 + 31 * PG + 1), -1);
	UT_ERR(syscall(SYS_mprotect, p + 1, PG, PROT_READ), EINVAL); /* musl rounds */
	UT_ERR(mprotect(p, PG, 0x100), EINVAL);
	UT_OK(munmap(p, 4 * PG));
	UT_ERR(mprotect(p, PG, PROT_READ), ENOMEM);
}

static int call_code(void *page)
{
	int (*fn)(void) = (int (*)(void))page;
	return fn();
}

/* Builds "mov eax, 42; ret" in a fresh page; argv[0] "x": make it
 * executable first (then exit with its result), else call it as is. */
UT_HELPER(run_data_page)
{
	static const unsigned char code[] = { 0xb8, 42, 0, 0, 0, 0xc3 };
	unsigned char *p = map_anon(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	if (p == MAP_FAILED)
		return 2;
	memcpy(p, code, sizeof(code));
	if (argc > 0 && !strcmp(argv[0], "x") && mprotect(p, PG, PROT_READ | PROT_EXEC) != 0)
		return 3;
	return call_code(p);
}

UT_CASE(nx_exec, 10)
{
	UT_EXITED(ut_run_helper("run_data_page", "x"), 42);
	UT_SIGNALED(ut_run_helper("run_data_page", "nx"), SIGSEGV);
}

UT_CASE(mremap_grow, 10)
{
	unsigned char *p = (unsigned char *)UT_OK(map_anon(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	if (p == MAP_FAILED)
		return;
	fill(p, PG, 6);
	unsigned char *q = mremap(p, PG, 4 * PG, MREMAP_MAYMOVE);
	if (!UT_CHECK(q != MAP_FAILED))
		return;
	UT_EQ(check_fill(q, PG, 6), -1);
	UT_EQ(first_nonzero(q + PG, 3 * PG), -1);
	memset(q + PG, 0x11, 3 * PG);
	unsigned char *r = mremap(q, 4 * PG, 2 * PG, 0);
	UT_CHECK(r == q);
	UT_EQ(check_fill(r, PG, 6), -1);
	UT_EQ(r[2 * PG - 1], 0x11);
	UT_OK(munmap(r, 2 * PG));

	/* The next page is taken (different protection): no growing in place. */
	p = map_anon(2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	UT_OK(mprotect(p + PG, PG, PROT_READ));
	UT_ERR(mremap(p, PG, 2 * PG, 0), ENOMEM);
	q = mremap(p, PG, 2 * PG, MREMAP_MAYMOVE);
	UT_CHECK(q != MAP_FAILED && q != p);
	UT_ERR(syscall(SYS_mremap, q, 2 * PG, 4 * PG, 0x80), EINVAL);
	UT_ERR(syscall(SYS_mremap, q + 1, PG, 2 * PG, MREMAP_MAYMOVE), EINVAL);
	UT_ERR(syscall(SYS_mremap, q, 2 * PG, 0, MREMAP_MAYMOVE), EINVAL);
	UT_ERR(syscall(SYS_mremap, q, 2 * PG, 4 * PG, MREMAP_FIXED, q + 8 * PG), EINVAL);
	UT_OK(munmap(q, 2 * PG));
	UT_ERR(syscall(SYS_mremap, q, PG, 2 * PG, MREMAP_MAYMOVE), EFAULT);
	UT_OK(munmap(p, 2 * PG));
}

UT_CASE(mmap_large_lazy, 30)
{
	size_t len = 64ul << 20;
	unsigned char *p = (unsigned char *)UT_OK(map_anon(len, PROT_READ | PROT_WRITE, MAP_PRIVATE));
	if (p == MAP_FAILED)
		return;
	for (size_t off = 0; off < len; off += 1 << 20)
		p[off] = (unsigned char)(off >> 20);
	for (size_t off = 0; off < len; off += 1 << 20)
		if (!UT_EQ(p[off], (unsigned char)(off >> 20)))
			break;
	fill(p, 8 << 20, 8);
	UT_EQ(check_fill(p, 8 << 20, 8), -1);
	UT_OK(munmap(p, len));
}

UT_CASE(mmap_many, 30)
{
	static unsigned char *maps[500];

	for (int i = 0; i < 1000; i++) {
		unsigned char *p = map_anon(2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
		if (!UT_CHECK(p != MAP_FAILED))
			return;
		p[0] = p[PG] = (unsigned char)i;
		UT_OK(munmap(p, 2 * PG));
	}
	/* Alternate protections so neighbours cannot be merged into one. */
	for (int i = 0; i < 500; i++) {
		int prot = i % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
		maps[i] = map_anon(PG, prot, MAP_PRIVATE);
		if (!UT_CHECK(maps[i] != MAP_FAILED))
			return;
		if (prot & PROT_WRITE)
			maps[i][1] = 1;
	}
	for (int i = 0; i < 500; i++) {
		UT_EQ(maps[i][1], i % 2 ? 0 : 1);
		UT_OK(munmap(maps[i], PG));
	}
}

/* Uses about 4 KiB of stack per level and checks every frame on return. */
static __attribute__((noinline)) long deep(int n)
{
	volatile unsigned char frame[4000];

	for (size_t i = 0; i < sizeof(frame); i += 512)
		frame[i] = (unsigned char)(n + i);
	long sum = n > 0 ? deep(n - 1) : 0;
	for (size_t i = 0; i < sizeof(frame); i += 512)
		if (frame[i] != (unsigned char)(n + i))
			return -1000000;
	return sum + n;
}

UT_CASE(stack_growth, 10)
{
	/* 1000 levels: about 4 MiB, inside Linux's default 8 MiB limit. */
	UT_EQ(deep(1000), 1000l * 1001 / 2);
}

/* The kernel must not write into pages the user cannot write. */
UT_CASE(efault_readonly_dest, 10)
{
	int p[2];
	struct stat st;

	ut_scratch();
	ut_write_file("f", "0123456789", -1, 0644);
	unsigned char *ro = map_anon(PG, PROT_READ | PROT_WRITE, MAP_PRIVATE);
	memset(ro, 0x5a, PG);
	UT_OK(mprotect(ro, PG, PROT_READ));
	int fd = UT_OK(open("f", O_RDONLY));
	UT_ERR(read(fd, ro, 10), EFAULT);
	UT_ERR(syscall(SYS_fstat, fd, ro), EFAULT);
	UT_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, ro), EFAULT);
	UT_ERR(syscall(SYS_uname, ro), EFAULT);
	UT_ERR(syscall(SYS_pipe, ro), EFAULT);
	UT_ERR(read(fd, (void *)(uintptr_t)&ut_main, 10), EFAULT);
	UT_OK(pipe(p));
	UT_EQ(write(p[1], "abc", 3), 3);
	UT_ERR(read(p[0], ro, 3), EFAULT);
	UT_EQ(first_nonzero(ro, PG), 0);
	int same = 1;
	for (size_t i = 0; i < PG; i++)
		same &= ro[i] == 0x5a;
	UT_CHECK(same);
	UT_OK(fstat(fd, &st));
}

/* MAP_SHARED of a file: the mapping and the file are the same bytes, both
 * ways, across fork, and after unmap and close. */
UT_CASE(mmap_file_shared, 10)
{
	char buf[8];
	int fd;

	ut_scratch();
	fd = open("shared", O_RDWR | O_CREAT, 0600);
	UT_CHECK(fd >= 0);
	UT_OK(ftruncate(fd, 2 * PG));
	UT_RET(pwrite(fd, "file", 4, PG), 4);
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!UT_CHECK(p != MAP_FAILED))
		return;
	UT_CHECK(!memcmp(p + PG, "file", 4));
	memcpy(p, "mapped", 6);
	UT_RET(pread(fd, buf, 6, 0), 6);
	UT_CHECK(!memcmp(buf, "mapped", 6));
	UT_RET(pwrite(fd, "again", 5, 100), 5);
	UT_CHECK(!memcmp(p + 100, "again", 5));
	pid_t pid = fork();
	if (pid == 0) {
		memcpy(p + PG + 8, "child", 5);
		_exit(0);
	}
	UT_EXITED(ut_wait(pid), 0);
	UT_CHECK(!memcmp(p + PG + 8, "child", 5));
	UT_OK(msync(p, 2 * PG, MS_SYNC));
	UT_ERR(msync(p + 1, PG, MS_SYNC), EINVAL);
	UT_ERR(msync(p, PG, MS_SYNC | MS_ASYNC), EINVAL);
	UT_OK(munmap(p, 2 * PG));
	UT_OK(close(fd));
	fd = open("shared", O_RDONLY);
	UT_RET(pread(fd, buf, 5, PG + 8), 5);
	UT_CHECK(!memcmp(buf, "child", 5));
	UT_OK(close(fd));
}

/* MAP_PRIVATE of a file: writes through the mapping stay private (the file
 * is unchanged); a read-only shared mapping of a read-only fd works, a
 * writable one is EACCES. */
UT_CASE(mmap_file_private_isolated, 10)
{
	char buf[8];
	int fd;

	ut_scratch();
	UT_CHECK(ut_write_file("priv", "original", 8, 0600) == 0);
	fd = open("priv", O_RDWR);
	char *p = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!UT_CHECK(p != MAP_FAILED))
		return;
	memcpy(p, "CHANGED!", 8);
	UT_RET(pread(fd, buf, 8, 0), 8);
	UT_CHECK(!memcmp(buf, "original", 8));
	pid_t pid = fork();
	if (pid == 0)
		_exit(memcmp(p, "CHANGED!", 8) ? 1 : 0);
	UT_EXITED(ut_wait(pid), 0);
	UT_OK(munmap(p, PG));
	UT_OK(close(fd));
	fd = open("priv", O_RDONLY);
	p = mmap(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	UT_CHECK(p != MAP_FAILED && !memcmp(p, "original", 8));
	UT_CHECK(mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
		 errno == EACCES);
	UT_OK(close(fd));
}

UT_MAIN()

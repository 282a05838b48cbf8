/* t_cow.c: fork() and copy-on-write. The runner's "cow" group; these are
 * expected to fail until the kernel has fork().
 *
 * The cases follow the ways CoW breaks: memory bigger than could be copied
 * eagerly; both sides rewriting; three generations; one page shared by 1000
 * children; the kernel itself writing into a CoW page (read() from a pipe);
 * MAP_SHARED against MAP_PRIVATE; mprotect/munmap on one side only; stack
 * and brk growth after fork; exec from a forked child; and fork storms.
 *
 * Forked children always leave with _exit(): returning would run the
 * harness's end-of-case cleanup in the child. Exit codes from children:
 * 0 fine, anything else names the check that failed. */
#include "utest.h"

#include <sys/sysinfo.h>

#define PG 4096ul

static void *map_anon(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

/* Writes a pattern seeded by seed over bytes [from, to) of p, one word per
 * 64 bytes (every page and cache line gets touched, quickly). */
static void stamp(unsigned char *p, size_t from, size_t to, unsigned seed)
{
	for (size_t i = from; i < to; i += 64)
		*(unsigned *)(p + i) = (unsigned)(i / 64) * 2654435761u + seed;
}

/* Returns true if bytes [from, to) of p hold the pattern seeded by seed. */
static bool stamped(const unsigned char *p, size_t from, size_t to, unsigned seed)
{
	for (size_t i = from; i < to; i += 64)
		if (*(const unsigned *)(p + i) != (unsigned)(i / 64) * 2654435761u + seed)
			return false;
	return true;
}

/* Free memory in bytes according to sysinfo, or 64 MiB if unknown. */
static size_t free_bytes(void)
{
	struct sysinfo si;

	if (sysinfo(&si) != 0 || si.freeram == 0)
		return 64ul << 20;
	return (size_t)si.freeram * (si.mem_unit ? si.mem_unit : 1);
}

static size_t pick_size(size_t percent, size_t cap)
{
	size_t n = free_bytes() / 100 * percent;
	n = n < cap ? n : cap;
	return n & ~(PG - 1);
}

/* Forks; returns the pid, or -1 after recording the failure. */
static pid_t xfork(void)
{
	pid_t pid = fork();
	if (pid < 0)
		ut_fail_(__LINE__, "fork: %s", u_errname(errno));
	return pid;
}

/* Waits for pid with no time limit (the runner has one). Returns its wait
 * status, or -1. */
static int reap(pid_t pid)
{
	int st;

	if (pid < 0)
		return -1;
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR)
			return ut_fail_(__LINE__, "waitpid %d: %s", (int)pid, u_errname(errno)), -1;
	}
	return st;
}

UT_CASE(fork_basic, 10)
{
	int p[2];
	pid_t got = 0, parent = getpid();

	UT_OK(pipe(p));
	pid_t pid = xfork();
	if (pid == 0) {
		pid_t me = getpid();
		if (write(p[1], &me, sizeof(me)) != sizeof(me))
			_exit(2);
		_exit(getppid() == parent ? 7 : 3);
	}
	UT_OK(close(p[1]));
	UT_EQ(read(p[0], &got, sizeof(got)), sizeof(got));
	UT_EQ(got, pid);
	UT_CHECK(pid != parent);
	UT_EXITED(reap(pid), 7);
	UT_ERR(waitpid(-1, NULL, WNOHANG), ECHILD);
}

/* More memory than fits twice: fork must share it, not copy it. */
UT_CASE(fork_big_mem, 60)
{
	size_t len = pick_size(60, 256ul << 20);
	unsigned char *p = map_anon(len, MAP_PRIVATE);
	if (!UT_CHECK(p != NULL))
		return;
	UT_NOTE("%zu MiB, 60%% of free memory (at most 256)\n", len >> 20);
	stamp(p, 0, len, 1);
	pid_t pid = xfork();
	if (pid == 0) {
		if (!stamped(p, 0, len, 1))
			_exit(2);
		for (size_t i = 0; i < 8; i++)
			p[i * (len / 8)] ^= 0xff;
		for (size_t i = 0; i < 8; i++)
			p[i * (len / 8)] ^= 0xff;
		_exit(stamped(p, 0, len, 1) ? 0 : 3);
	}
	UT_EXITED(reap(pid), 0);
	UT_CHECK(stamped(p, 0, len, 1));
	UT_OK(munmap(p, len));
}

UT_CASE(fork_rewrite_both, 60)
{
	size_t len = pick_size(25, 64ul << 20);
	unsigned char *p = map_anon(len, MAP_PRIVATE);
	if (!UT_CHECK(p != NULL))
		return;
	stamp(p, 0, len, 10);
	pid_t pid = xfork();
	if (pid == 0) {
		stamp(p, 0, len, 20);
		_exit(stamped(p, 0, len, 20) ? 0 : 2);
	}
	stamp(p, 0, len, 30);
	UT_CHECK(stamped(p, 0, len, 30));
	UT_EXITED(reap(pid), 0);
	UT_CHECK(stamped(p, 0, len, 30));
	UT_OK(munmap(p, len));
}

UT_CASE(three_generations, 60)
{
	size_t len = pick_size(15, 32ul << 20);
	unsigned char *p = map_anon(len, MAP_PRIVATE);
	if (!UT_CHECK(p != NULL))
		return;
	stamp(p, 0, len, 100);
	pid_t a = xfork();
	if (a == 0) {
		pid_t b = fork();
		if (b < 0)
			_exit(2);
		if (b == 0) {
			if (!stamped(p, 0, len, 100))
				_exit(3);
			stamp(p, 0, len, 300);
			_exit(stamped(p, 0, len, 300) ? 0 : 4);
		}
		stamp(p, 0, len / 2, 200);
		int st;
		if (waitpid(b, &st, 0) != b || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			_exit(5);
		if (!stamped(p, 0, len / 2, 200) || !stamped(p, len / 2, len, 100))
			_exit(6);
		_exit(0);
	}
	stamp(p, len / 2, len, 400);
	UT_EXITED(reap(a), 0);
	UT_CHECK(stamped(p, 0, len / 2, 100));
	UT_CHECK(stamped(p, len / 2, len, 400));
	UT_OK(munmap(p, len));
}

UT_CASE(shared_by_1000, 120)
{
	enum { N = 1000 };
	static pid_t pids[N];
	int go[2], ok = 0, n = 0;

	unsigned char *page = map_anon(PG, MAP_PRIVATE);
	if (!UT_CHECK(page != NULL))
		return;
	memset(page, 0x11, PG);
	UT_OK(pipe(go));
	for (n = 0; n < N; n++) {
		pids[n] = fork();
		if (pids[n] < 0) {
			ut_fail_(__LINE__, "fork %d: %s", n, u_errname(errno));
			break;
		}
		if (pids[n] == 0) {
			char c;
			close(go[1]);
			if (page[0] != 0x11 || page[PG - 1] != 0x11)
				_exit(2);
			if (read(go[0], &c, 1) != 0) /* wait for the parent's close */
				_exit(3);
			if (page[0] != 0x11 || page[PG - 1] != 0x11)
				_exit(4);
			memset(page, n & 0xff, PG);
			_exit(page[0] == (n & 0xff) && page[PG - 1] == (n & 0xff) ? 0 : 5);
		}
	}
	/* All n children share the page: break it on this side first. */
	memset(page, 0x22, PG);
	UT_OK(close(go[1]));
	for (int i = 0; i < n; i++) {
		int st = reap(pids[i]);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
			ok++;
		else if (ok + 3 > i)
			UT_EXITED(st, 0);
	}
	UT_EQ(ok, N);
	UT_EQ(page[0], 0x22);
	UT_EQ(page[PG - 1], 0x22);
	UT_OK(munmap(page, PG));
}

/* The kernel writes into a CoW page for read(): it must copy it first. */
UT_CASE(pipe_into_cow, 20)
{
	static unsigned char buf[4 * 4096] __attribute__((aligned(4096)));
	static unsigned char data[4 * 4096];
	int p[2], q[2];

	memset(buf, 'p', sizeof(buf));
	memset(data, 'd', sizeof(data));
	UT_OK(pipe(p));
	pid_t pid = xfork();
	if (pid == 0) {
		close(p[1]);
		size_t got = 0;
		while (got < sizeof(buf)) {
			ssize_t n = read(p[0], buf + got, sizeof(buf) - got);
			if (n <= 0)
				_exit(2);
			got += (size_t)n;
		}
		_exit(memcmp(buf, data, sizeof(buf)) == 0 ? 0 : 3);
	}
	UT_OK(close(p[0]));
	UT_EQ(u_write_all(p[1], data, sizeof(data)), 0);
	UT_EXITED(reap(pid), 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		if (!UT_EQ(buf[i], 'p'))
			break;

	/* And the other way: this side reads into a page a live child shares. */
	UT_OK(pipe(q));
	pid = xfork();
	if (pid == 0) {
		close(q[1]);
		char c;
		if (read(q[0], &c, 1) != 0)
			_exit(2);
		_exit(buf[0] == 'p' && buf[sizeof(buf) - 1] == 'p' ? 0 : 3);
	}
	UT_OK(close(q[0]));
	UT_OK(close(p[1]));
	UT_OK(pipe(p));
	UT_EQ(write(p[1], "ABCDEFGH", 8), 8);
	UT_EQ(read(p[0], buf + 4090, 8), 8);
	UT_CHECK(memcmp(buf + 4090, "ABCDEFGH", 8) == 0);
	UT_OK(close(q[1]));
	UT_EXITED(reap(pid), 0);
}

UT_CASE(shared_vs_private, 10)
{
	unsigned char *sh = map_anon(2 * PG, MAP_SHARED);
	unsigned char *pr = map_anon(2 * PG, MAP_PRIVATE);
	if (!UT_CHECK(sh && pr))
		return;
	memset(sh, 'a', 2 * PG);
	memset(pr, 'a', 2 * PG);
	pid_t pid = xfork();
	if (pid == 0) {
		memset(sh, 'c', 2 * PG);
		memset(pr, 'c', 2 * PG);
		_exit(0);
	}
	UT_EXITED(reap(pid), 0);
	UT_EQ(sh[0], 'c');
	UT_EQ(sh[2 * PG - 1], 'c');
	UT_EQ(pr[0], 'a');
	UT_EQ(pr[2 * PG - 1], 'a');

	/* Shared pages also carry writes from parent to child. */
	int p[2];
	UT_OK(pipe(p));
	pid = xfork();
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 0)
			_exit(2);
		_exit(sh[PG] == 'p' && pr[PG] == 'a' ? 0 : 3);
	}
	sh[PG] = 'p';
	pr[PG] = 'p';
	UT_OK(close(p[1]));
	UT_EXITED(reap(pid), 0);
	UT_OK(munmap(sh, 2 * PG));
	UT_OK(munmap(pr, 2 * PG));
}

/* MADV_DONTFORK leaves a region out of the child (touching it there is
 * SIGSEGV) and MADV_DOFORK brings it back; MADV_WIPEONFORK gives the child
 * zero pages where the parent keeps its data. Used to be accepted and
 * ignored (madvise_fork_advice_ignored). */
UT_CASE(madvise_fork_advice_ignored, 10)
{
	unsigned char *m = map_anon(4 * PG, MAP_PRIVATE);
	if (!UT_CHECK(m != NULL))
		return;
	memset(m, 'a', 4 * PG);
	UT_OK(madvise(m + PG, PG, MADV_DONTFORK));
	UT_OK(madvise(m + 2 * PG, 2 * PG, MADV_WIPEONFORK));
	pid_t pid = xfork();
	if (pid == 0) {
		if (m[0] != 'a' || m[2 * PG] != 0 || m[4 * PG - 1] != 0)
			_exit(2);
		m[2 * PG] = 'c'; /* the wiped region is ordinary memory */
		*(volatile unsigned char *)(m + PG) = 'x';
		_exit(3);
	}
	UT_SIGNALED(reap(pid), SIGSEGV);
	UT_EQ(m[PG], 'a');
	UT_EQ(m[2 * PG], 'a');
	UT_EQ(m[4 * PG - 1], 'a');

	UT_OK(madvise(m + PG, PG, MADV_DOFORK));
	UT_OK(madvise(m + 2 * PG, 2 * PG, MADV_KEEPONFORK));
	pid = xfork();
	if (pid == 0)
		_exit(m[PG] == 'a' && m[2 * PG] == 'a' && m[4 * PG - 1] == 'a' ? 0 : 2);
	UT_EXITED(reap(pid), 0);
	UT_OK(munmap(m, 4 * PG));
}

/* madvise's argument checks, as Linux makes them: unknown advice and an
 * unaligned start are EINVAL, a range with a hole ENOMEM (after applying
 * the advice to what is mapped), MADV_WIPEONFORK and MADV_FREE only on
 * private anonymous memory. Used to accept anything (madvise_bad_args_ok). */
UT_CASE(madvise_bad_args_ok, 10)
{
	unsigned char *m = map_anon(3 * PG, MAP_PRIVATE);
	unsigned char *sh = map_anon(PG, MAP_SHARED);
	if (!UT_CHECK(m != NULL && sh != NULL))
		return;
	UT_ERR(madvise(m, PG, 999), EINVAL);
	UT_ERR(madvise(m, PG, -1), EINVAL);
	UT_ERR(madvise(m + 1, PG, MADV_NORMAL), EINVAL);
	UT_OK(madvise(m, 0, MADV_NORMAL));
	UT_ERR(madvise(sh, PG, MADV_WIPEONFORK), EINVAL);
	UT_ERR(madvise(sh, PG, MADV_FREE), EINVAL);
	UT_OK(madvise(sh, PG, MADV_DONTNEED));

	memset(m, 'a', 3 * PG);
	UT_OK(munmap(m + PG, PG));
	UT_ERR(madvise(m, 3 * PG, MADV_DONTNEED), ENOMEM);
	UT_EQ(m[0], 0); /* the mapped parts were still dropped */
	UT_EQ(m[2 * PG], 0);
	m[2 * PG] = 'b';
	UT_OK(madvise(m + 2 * PG, PG, MADV_FREE));
	UT_CHECK(m[2 * PG] == 'b' || m[2 * PG] == 0);
	UT_ERR(madvise(m, 3 * PG, MADV_WILLNEED), ENOMEM);
	UT_OK(munmap(m, 3 * PG));
	UT_OK(munmap(sh, PG));

	/* Hints for huge pages are taken; MADV_POPULATE_WRITE (23) faults the
	 * pages in, and refuses a region without write permission. */
	unsigned char *p = map_anon(2 * PG, MAP_PRIVATE), vec[2];
	if (!UT_CHECK(p != NULL))
		return;
	UT_OK(madvise(p, 2 * PG, MADV_NOHUGEPAGE));
	UT_OK(madvise(p, 2 * PG, 23));
	UT_CHECK(mincore(p, 2 * PG, vec) == 0 && (vec[0] & 1) && (vec[1] & 1));
	UT_OK(mprotect(p, 2 * PG, PROT_READ));
	UT_ERR(madvise(p, 2 * PG, 23), EINVAL);
	UT_OK(madvise(p, 2 * PG, 22));
	UT_OK(munmap(p, 2 * PG));
}

#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)
#define PM_EXCLUSIVE (1ULL << 56)
#define PM_PFN(e) ((e) & ((1ULL << 55) - 1))

/* The /proc/self/pagemap entries of the n pages at p into e; false on error. */
static bool pagemap(const void *p, uint64_t *e, size_t n)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	off_t off = (off_t)((uintptr_t)p / PG * 8);
	bool ok = fd >= 0 && pread(fd, e, n * 8, off) == (ssize_t)(n * 8);

	if (fd >= 0)
		close(fd);
	return ok;
}

/* /proc/<pid>/pagemap shows copy-on-write from outside: after fork a
 * private page is the same frame in both processes and mapped more than
 * once; the first write gives the writer its own frame and leaves the
 * other side's mapped once. */
UT_CASE(pagemap_shows_cow_sharing, 10)
{
	unsigned char *m = map_anon(2 * PG, MAP_PRIVATE);
	uint64_t mine[2], child[2], buf;
	int up[2], down[2], fd;

	if (!UT_CHECK(m != NULL) || !UT_CHECK(pipe(up) == 0 && pipe(down) == 0))
		return;
	memset(m, 'a', 2 * PG);
	UT_CHECK(pagemap(m, mine, 2));
	UT_CHECK((mine[0] & PM_PRESENT) && (mine[0] & PM_EXCLUSIVE) && !(mine[0] & PM_FILE));
	bool pfns = geteuid() == 0; /* Linux shows frame numbers to root only */
	if (pfns)
		UT_CHECK(PM_PFN(mine[0]) != 0 && PM_PFN(mine[0]) != PM_PFN(mine[1]));

	pid_t pid = xfork();
	if (pid == 0) {
		char c;
		if (!pagemap(m, child, 2) || write(up[1], child, sizeof(child)) != sizeof(child))
			_exit(2);
		if (read(down[0], &c, 1) != 1)
			_exit(3);
		m[0] = 'c';
		if (!pagemap(m, child, 2) || write(up[1], child, sizeof(child)) != sizeof(child))
			_exit(4);
		_exit(read(down[0], &c, 1) == 1 ? 0 : 5); /* stay mapped until told */
	}
	UT_CHECK(read(up[0], child, sizeof(child)) == sizeof(child));
	UT_CHECK(pagemap(m, mine, 2));
	for (int i = 0; i < 2; i++) {
		UT_CHECK((child[i] & PM_PRESENT) && !(child[i] & PM_EXCLUSIVE));
		UT_CHECK((mine[i] & PM_PRESENT) && !(mine[i] & PM_EXCLUSIVE));
		if (pfns)
			UT_EQ(PM_PFN(child[i]), PM_PFN(mine[i]));
	}
	UT_CHECK(write(down[1], "g", 1) == 1);
	UT_CHECK(read(up[0], child, sizeof(child)) == sizeof(child));
	UT_CHECK(pagemap(m, mine, 2));
	UT_CHECK(child[0] & PM_EXCLUSIVE);
	UT_CHECK(mine[0] & PM_EXCLUSIVE); /* its other mapping went away */
	UT_CHECK(!(child[1] & PM_EXCLUSIVE) && !(mine[1] & PM_EXCLUSIVE));
	if (pfns) {
		UT_CHECK(PM_PFN(child[0]) != PM_PFN(mine[0]));
		UT_EQ(PM_PFN(child[1]), PM_PFN(mine[1]));
	}
	UT_CHECK(write(down[1], "x", 1) == 1);
	UT_EXITED(reap(pid), 0);
	UT_EQ(m[0], 'a');

	/* Whole, aligned entries only. */
	fd = open("/proc/self/pagemap", O_RDONLY);
	UT_CHECK(fd >= 0);
	UT_ERR(pread(fd, &buf, 4, 0), EINVAL);
	UT_ERR(pread(fd, &buf, 8, 4), EINVAL);
	close(fd);
	close(up[0]), close(up[1]), close(down[0]), close(down[1]);
	UT_OK(munmap(m, 2 * PG));
}

/* pagemap marks the file's own pages (bit 61) in a private file mapping
 * until a write gives the process a private copy. */
UT_CASE(pagemap_file_pages, 10)
{
	static char data[2 * PG];
	uint64_t e[2];
	int fd;

	memset(data, 'f', sizeof(data));
	ut_scratch();
	UT_OK(ut_write_file("pm", data, sizeof(data), 0644));
	fd = open("pm", O_RDONLY);
	unsigned char *m = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!UT_CHECK(m != MAP_FAILED))
		return;
	UT_EQ(m[0] + m[PG], 'f' + 'f');
	m[PG] = 'w';
	UT_CHECK(pagemap(m, e, 2));
	UT_CHECK((e[0] & PM_PRESENT) && (e[0] & PM_FILE));
	UT_CHECK((e[1] & PM_PRESENT) && !(e[1] & PM_FILE) && (e[1] & PM_EXCLUSIVE));
	UT_OK(munmap(m, 2 * PG));
	close(fd);
}

/* The VmLck line of /proc/self/status in kB; -1 if missing. */
static long vmlck_kb(void)
{
	char buf[4096], *p;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "VmLck:");
	return p ? strtol(p + 6, NULL, 10) : -1;
}

/* mincore: which pages are in memory; untouched anonymous pages are not,
 * written ones are, and stay so in a forked child; MADV_DONTNEED drops
 * them. Was ENOSYS (mincore_missing). */
UT_CASE(mincore_missing, 10)
{
	unsigned char *m = map_anon(4 * PG, MAP_PRIVATE), vec[4];
	if (!UT_CHECK(m != NULL))
		return;
	UT_OK(mincore(m, 4 * PG, vec));
	UT_CHECK(!(vec[0] | vec[1] | vec[2] | vec[3]));
	m[PG] = 1;
	m[3 * PG] = 1;
	UT_OK(mincore(m, 4 * PG, vec));
	UT_CHECK(!(vec[0] & 1) && (vec[1] & 1) && !(vec[2] & 1) && (vec[3] & 1));
	pid_t pid = xfork();
	if (pid == 0) {
		unsigned char cv[4];
		if (mincore(m, 4 * PG, cv))
			_exit(2);
		_exit((cv[1] & 1) && (cv[3] & 1) && !(cv[0] & 1) ? 0 : 3);
	}
	UT_EXITED(reap(pid), 0);
	UT_OK(madvise(m + PG, PG, MADV_DONTNEED));
	UT_OK(mincore(m, 4 * PG, vec));
	UT_CHECK(!(vec[1] & 1) && (vec[3] & 1));
	UT_ERR(mincore(m + 1, PG, vec), EINVAL);
	UT_ERR(mincore(m, 4 * PG, (unsigned char *)8), EFAULT);
	UT_OK(munmap(m + 2 * PG, PG));
	UT_ERR(mincore(m, 4 * PG, vec), ENOMEM);
	UT_OK(munmap(m, 4 * PG));
}

/* mlock populates and locks: in a forked child it breaks the sharing of
 * private pages (write-populated, as Linux does), VmLck counts it, fork
 * does not inherit it; mlockall(MCL_FUTURE) populates new mappings. Was
 * ENOSYS (mlock_missing). */
UT_CASE(mlock_missing, 20)
{
	unsigned char *m = map_anon(2 * PG, MAP_PRIVATE), vec[2];
	uint64_t e[2];
	if (!UT_CHECK(m != NULL))
		return;
	memset(m, 'a', 2 * PG);
	long base = vmlck_kb();
	UT_CHECK(base >= 0);
	pid_t pid = xfork();
	if (pid == 0) {
		if (vmlck_kb() != 0 || !pagemap(m, e, 2) || (e[0] & PM_EXCLUSIVE))
			_exit(2);
		if (mlock(m + 10, PG) != 0 || vmlck_kb() != 8)
			_exit(3); /* an unaligned start locks both pages it touches */
		if (!pagemap(m, e, 2) || !(e[0] & PM_EXCLUSIVE) || !(e[1] & PM_EXCLUSIVE))
			_exit(4);
		_exit(m[0] == 'a' && munlock(m, 2 * PG) == 0 && vmlck_kb() == 0 ? 0 : 5);
	}
	UT_EXITED(reap(pid), 0);

	UT_OK(mlock(m, 2 * PG));
	UT_EQ(vmlck_kb(), base + 8);
	pid = xfork();
	if (pid == 0)
		_exit(vmlck_kb() == 0 ? 0 : 2); /* locks are not inherited */
	UT_EXITED(reap(pid), 0);
	UT_OK(munlock(m, 2 * PG));
	UT_EQ(vmlck_kb(), base);

	UT_ERR(mlockall(0), EINVAL);
	UT_ERR(mlockall(MCL_ONFAULT), EINVAL);
	UT_ERR(syscall(SYS_mlock2, m, PG, 2), EINVAL);
	UT_OK(mlockall(MCL_CURRENT | MCL_FUTURE));
	unsigned char *f = map_anon(2 * PG, MAP_PRIVATE);
	UT_CHECK(f != NULL && mincore(f, 2 * PG, vec) == 0 && (vec[0] & 1) && (vec[1] & 1));
	UT_OK(munlockall());
	UT_EQ(vmlck_kb(), 0);
	UT_OK(munmap(f, 2 * PG));
	UT_OK(munmap(m, 2 * PG));
}

UT_CASE(mprotect_after_fork, 10)
{
	int p[2];
	unsigned char *m = map_anon(4 * PG, MAP_PRIVATE);
	if (!UT_CHECK(m != NULL))
		return;
	memset(m, 'a', 4 * PG);

	/* The child makes its copy read-only and then writes: SIGSEGV. */
	pid_t pid = xfork();
	if (pid == 0) {
		if (mprotect(m, 4 * PG, PROT_READ) != 0 || m[PG] != 'a')
			_exit(2);
		*(volatile unsigned char *)(m + PG) = 'x';
		_exit(3);
	}
	UT_SIGNALED(reap(pid), SIGSEGV);
	m[PG] = 'b';
	UT_EQ(m[PG], 'b');

	/* This side goes read-only; the child's copy stays writable. */
	UT_OK(pipe(p));
	pid = xfork();
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 0)
			_exit(2);
		memset(m, 'c', 4 * PG);
		_exit(m[0] == 'c' && m[4 * PG - 1] == 'c' ? 0 : 3);
	}
	UT_OK(mprotect(m, 4 * PG, PROT_READ));
	UT_OK(close(p[1]));
	UT_EXITED(reap(pid), 0);
	UT_EQ(m[0], 'a');
	UT_EQ(m[PG], 'b');
	UT_OK(munmap(m, 4 * PG));
}

UT_CASE(munmap_after_fork, 10)
{
	int p[2];
	unsigned char *m = map_anon(8 * PG, MAP_PRIVATE);
	if (!UT_CHECK(m != NULL))
		return;
	memset(m, 'a', 8 * PG);
	pid_t pid = xfork();
	if (pid == 0)
		_exit(munmap(m, 8 * PG) == 0 ? 0 : 2);
	UT_EXITED(reap(pid), 0);
	UT_EQ(m[0], 'a');
	UT_EQ(m[8 * PG - 1], 'a');

	UT_OK(pipe(p));
	pid = xfork();
	if (pid == 0) {
		char c;
		close(p[1]);
		if (read(p[0], &c, 1) != 0)
			_exit(2);
		for (size_t i = 0; i < 8 * PG; i += PG)
			if (m[i] != 'a')
				_exit(3);
		m[5] = 'c';
		_exit(0);
	}
	UT_OK(munmap(m, 8 * PG));
	UT_OK(close(p[1]));
	UT_EXITED(reap(pid), 0);
}

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

UT_CASE(stack_after_fork, 20)
{
	volatile char mark[64];

	memset((char *)mark, 'm', sizeof(mark));
	pid_t pid = xfork();
	if (pid == 0) {
		/* Grows the stack well below where the parent ever was. */
		if (deep(1000) != 1000l * 1001 / 2)
			_exit(2);
		mark[0] = 'c';
		_exit(mark[1] == 'm' ? 0 : 3);
	}
	UT_EXITED(reap(pid), 0);
	UT_EQ(mark[0], 'm');
	UT_EQ(deep(1000), 1000l * 1001 / 2);
}

UT_CASE(brk_after_fork, 10)
{
	uintptr_t cur = (uintptr_t)syscall(SYS_brk, 0);
	uintptr_t top = cur + (1 << 20);
	if (!UT_EQ(syscall(SYS_brk, top), top))
		return;
	memset((void *)cur, 'h', top - cur);
	pid_t pid = xfork();
	if (pid == 0) {
		uintptr_t more = top + (2 << 20);
		if ((uintptr_t)syscall(SYS_brk, more) != more)
			_exit(2);
		memset((void *)cur, 'c', more - cur);
		if ((uintptr_t)syscall(SYS_brk, cur) != cur)
			_exit(3);
		_exit(0);
	}
	UT_EXITED(reap(pid), 0);
	UT_EQ(syscall(SYS_brk, 0), top);
	UT_EQ(((char *)cur)[0], 'h');
	UT_EQ(((char *)top)[-1], 'h');
	UT_EQ(syscall(SYS_brk, cur), cur);
}

UT_CASE(untouched_zero_pages, 10)
{
	unsigned char *m = map_anon(16 * PG, MAP_PRIVATE);
	if (!UT_CHECK(m != NULL))
		return;
	UT_EQ(m[3 * PG], 0); /* read-faulted before fork; the rest never touched */
	pid_t pid = xfork();
	if (pid == 0) {
		for (size_t i = 0; i < 16 * PG; i += PG)
			if (m[i] != 0)
				_exit(2);
		memset(m, 'c', 16 * PG);
		_exit(0);
	}
	UT_EXITED(reap(pid), 0);
	for (size_t i = 0; i < 16 * PG; i += 512)
		if (!UT_EQ(m[i], 0))
			break;
	UT_OK(munmap(m, 16 * PG));
}

UT_CASE(file_private_after_fork, 10)
{
	char buf[8] = { 0 };

	ut_scratch();
	ut_write_file("f", "filedata", -1, 0644);
	int fd = UT_OK(open("f", O_RDONLY));
	char *m = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (!UT_CHECK(m != MAP_FAILED))
		return;
	m[0] = 'F';
	pid_t pid = xfork();
	if (pid == 0) {
		if (m[0] != 'F' || m[1] != 'i')
			_exit(2);
		m[0] = 'c';
		m[1] = 'c';
		_exit(0);
	}
	UT_EXITED(reap(pid), 0);
	UT_EQ(m[0], 'F');
	UT_EQ(m[1], 'i');
	UT_EQ(pread(fd, buf, 8, 0), 8);
	UT_CHECK(memcmp(buf, "filedata", 8) == 0);
	UT_OK(munmap(m, PG));
}

UT_CASE(fork_fd_sharing, 10)
{
	char buf[32] = { 0 };

	ut_scratch();
	int fd = UT_OK(open("f", O_RDWR | O_CREAT, 0644));
	pid_t pid = xfork();
	if (pid == 0) {
		if (write(fd, "child", 5) != 5)
			_exit(2);
		close(fd);
		_exit(0);
	}
	UT_EXITED(reap(pid), 0);
	/* Same open file: the child's write moved our offset too. */
	UT_EQ(lseek(fd, 0, SEEK_CUR), 5);
	UT_EQ(write(fd, "parent", 6), 6);
	UT_EQ(pread(fd, buf, sizeof(buf), 0), 11);
	UT_STREQ(buf, "childparent");
}

static __thread int tls_val = 5;

UT_CASE(exec_from_fork, 10)
{
	int p[2];
	char out[256], echo[PATH_MAX];

	u_fmt(echo, sizeof(echo), "%s/utest_echo", ut_bindir);
	UT_OK(pipe(p));
	pid_t pid = xfork();
	if (pid == 0) {
		char *av[] = { (char *)"utest_echo", (char *)"forked", NULL };
		tls_val = 6;
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execve(echo, av, environ);
		_exit(99);
	}
	UT_OK(close(p[1]));
	ut_read_all(p[0], out, sizeof(out));
	UT_STREQ(out, "argc=2\nargv[0]=utest_echo\nargv[1]=forked\n");
	UT_EXITED(reap(pid), 0);
	UT_EQ(tls_val, 5);

	pid = xfork();
	if (pid == 0) {
		char *av[] = { (char *)"x", NULL };
		execve("/nonexistent/x", av, environ);
		_exit(errno == ENOENT ? 0 : 2);
	}
	UT_EXITED(reap(pid), 0);
}

/* Nearly all free memory is the parent's; the child rewriting all of it
 * cannot get frames for its copies. The kernel kills only the child
 * (SIGKILL, as Linux's OOM killer does) or fork itself fails cleanly; the
 * parent's memory stays intact and, after it unmaps, every frame is back
 * (the runner compares MemFree). Guest only: on a host this would wake the
 * host's OOM killer. */
UT_CASE(cow_fault_out_of_memory, 300)
{
	if (!ut_is_guest()) {
		UT_NOTE("guest only (would exhaust the host's memory); nothing checked here\n");
		return;
	}
	size_t len = (free_bytes() - (4ul << 20)) & ~(PG - 1);
	unsigned char *p = map_anon(len, MAP_PRIVATE);
	if (!UT_CHECK(p != NULL))
		return;
	stamp(p, 0, len, 1);
	pid_t pid = fork();
	if (pid < 0) {
		UT_NOTE("fork refused: %s\n", u_errname(errno));
		UT_CHECK(errno == ENOMEM || errno == EAGAIN);
	} else if (pid == 0) {
		stamp(p, 0, len, 2); /* runs out of frames part-way */
		_exit(stamped(p, 0, len, 2) ? 0 : 4);
	} else {
		int st = reap(pid);
		char b[64];
		UT_NOTE("%zu MiB shared; the rewriting child: %s\n", len >> 20,
			u_status_str(st, b, sizeof(b)));
		UT_CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) ||
			 (WIFEXITED(st) && WEXITSTATUS(st) == 0));
	}
	UT_CHECK(stamped(p, 0, len, 1));
	UT_OK(munmap(p, len));
}

/* Fork until the kernel says no: the refusal is EAGAIN (task or process
 * limit) or ENOMEM, never a crash; then every child is killed and reaped.
 * On a host with a high limit the cap is reached first, which is fine. */
UT_CASE(fork_until_refused, 300)
{
	static pid_t kids[1500];
	int n = 0, err = 0;

	for (; n < 1500; n++) {
		pid_t pid = fork();
		if (pid == 0) {
			pause();
			_exit(0);
		}
		if (pid < 0) {
			err = errno;
			break;
		}
		kids[n] = pid;
	}
	UT_NOTE("%d children, then %s\n", n, err ? u_errname(err) : "the cap");
	UT_CHECK(!err || err == EAGAIN || err == ENOMEM);
	if (ut_is_guest())
		UT_CHECK(err != 0); /* the guest's task limit is below the cap */
	for (int i = 0; i < n; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < n; i++)
		UT_SIGNALED(reap(kids[i]), SIGKILL);
	pid_t pid = xfork(); /* and fork works again */
	if (pid == 0)
		_exit(0);
	UT_EXITED(reap(pid), 0);
}

UT_CASE(fork_storm, 300)
{
	enum { SEQ = 2000, ROUNDS = 20, BATCH = 50 };

	for (int i = 0; i < SEQ; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(i & 0xff);
		if (pid < 0) {
			ut_fail_(__LINE__, "fork %d: %s", i, u_errname(errno));
			return;
		}
		if (!UT_EXITED(reap(pid), i & 0xff))
			return;
	}
	for (int r = 0; r < ROUNDS; r++) {
		int n = 0, st;
		for (; n < BATCH; n++) {
			pid_t pid = fork();
			if (pid == 0)
				_exit(0);
			if (pid < 0) {
				ut_fail_(__LINE__, "fork: %s", u_errname(errno));
				break;
			}
		}
		for (int i = 0; i < n; i++) {
			if (waitpid(-1, &st, 0) < 0 || !UT_EXITED(st, 0))
				return;
		}
		if (n < BATCH)
			return;
	}
	UT_ERR(waitpid(-1, NULL, WNOHANG), ECHILD);
}

UT_MAIN()

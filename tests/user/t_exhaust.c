/* t_exhaust.c: running out of things. Processes (RLIMIT_NPROC for a
 * non-root user, then the global task limit with a fork bomb), memory
 * (anonymous, brk, shared, ramfs files, pipe buffers in the kernel), file
 * descriptors (EMFILE at the limit, across limit changes, pipe() with one
 * free slot, many processes at once), argument space (E2BIG, unterminated
 * arrays) and the stack. Each must fail the way Linux does, hurt only the
 * offender, and leave the system able to do the same work again; the
 * runner's MemFree check then proves every page came back.
 *
 * Cases that would hurt a Linux host (a fork bomb, eating all memory,
 * filling /tmp) run only on the project's kernel (UTEST_GUEST=1); on Linux
 * they note that and pass. */
#include "utest.h"

#include <sys/resource.h>

#define PAGE 4096ul
#define MIB (1024ul * 1024)
#define TEST_UID 54321 /* a user id nothing else runs as */

static bool guest_only(void)
{
	if (ut_is_guest())
		return true;
	UT_NOTE("would exhaust this Linux host; runs only with UTEST_GUEST=1\n");
	return false;
}

/* A page shared by a helper and everything it forks, for counters. */
static volatile long *shared_page(void)
{
	volatile long *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
				0);
	if (p == MAP_FAILED) {
		u_out("# shared mmap: %s\n", u_errname(errno));
		exit(90);
	}
	return p;
}

/* Sleeps until killed. */
static __attribute__((noreturn)) void sleep_forever(void)
{
	for (;;)
		pause();
}

/* Reaps every child; returns how many. */
static int reap_all(void)
{
	int n = 0;

	while (waitpid(-1, NULL, 0) > 0)
		n++;
	return n;
}

/* Checks that fork (or spawn) works again and the child runs. */
static void check_can_fork(void)
{
	UT_EXITED(ut_run_helper("exit_with", "0"), 0);
}

UT_HELPER(exit_with)
{
	return atoi(argv[0]);
}

/* ---- processes ---- */

/* As TEST_UID with RLIMIT_NPROC = argv[0]: fork until refused. Prints
 * "children N errno E", kills and reaps them, forks once more. */
UT_HELPER(nproc_bomb)
{
	long limit = atol(argv[0]);
	struct rlimit rl = { (rlim_t)limit, (rlim_t)limit };
	pid_t pids[256];
	int n = 0, err = 0;

	if (setrlimit(RLIMIT_NPROC, &rl) != 0 || setgid(TEST_UID) != 0 || setuid(TEST_UID) != 0)
		return 80;
	while (n < 256) {
		pid_t pid = fork();
		if (pid == 0)
			sleep_forever();
		if (pid < 0) {
			err = errno;
			break;
		}
		pids[n++] = pid;
	}
	u_out("children %d errno %s\n", n, u_errname(err));
	for (int i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	if (reap_all() != n)
		return 81;
	/* The limit counts live processes: with them gone, fork works. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	if (pid < 0)
		return 82;
	return reap_all() == 1 ? 0 : 83;
}

/* RLIMIT_NPROC counts the user's processes (this one included): with a
 * limit of 10, 9 children, then EAGAIN. Root is exempt, so the helper
 * becomes an unprivileged user first. */
UT_CASE(nproc_limit, 60)
{
	char out[256];
	char *av[] = { ut_self, (char *)"--helper", (char *)"nproc_bomb", (char *)"10", NULL };
	int n = -1;
	char err[32] = "";

	int st = ut_capture(ut_self, av, out, sizeof(out));
	UT_EXITED(st, 0);
	if (!UT_CHECK(sscanf(out, "children %d errno %31s", &n, err) == 2))
		UT_NOTE("  output: %s\n", out);
	UT_EQ(n, 9);
	UT_STREQ(err, "EAGAIN");
	check_can_fork();
}

/* The fork bomb: every process forks until fork fails, then sleeps. The
 * shared pages count forks (cnt[0]) and failures by errno (cnt[1..3]), and
 * list the pids from cnt[8] on. */
#define BOMB_MAX_PIDS 2000

static void bomb(volatile long *cnt)
{
	for (;;) {
		pid_t pid = fork();
		if (pid == 0) {
			long i = __sync_fetch_and_add(&cnt[0], 1);
			if (i < BOMB_MAX_PIDS)
				cnt[8 + i] = getpid();
			continue;
		}
		if (pid < 0) {
			__sync_fetch_and_add(errno == EAGAIN ? &cnt[1] : errno == ENOMEM ? &cnt[2]
											    : &cnt[3],
					     1);
			sleep_forever();
		}
	}
}

/* A fork bomb in its own process group runs into the global task limit
 * (EAGAIN, or ENOMEM if memory runs out first); the group is killed, the
 * orphans are reaped by init, and then fork works again. */
UT_CASE(fork_bomb_global_limit, 300)
{
	if (!guest_only())
		return;
	size_t len = (8 + BOMB_MAX_PIDS) * sizeof(long);
	volatile long *cnt = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
				  -1, 0);
	if (!UT_CHECK(cnt != MAP_FAILED))
		return;
	pid_t leader = fork();
	if (leader == 0) {
		setpgid(0, 0);
		bomb(cnt);
	}
	if (!UT_CHECK(leader > 0))
		return;
	setpgid(leader, leader);
	/* Wait until forks have been failing for a while and the count of
	 * processes no longer moves. */
	long last = -1;
	for (int i = 0; i < 600 * ut_scale; i++) {
		u_sleep_ms(100);
		long now = cnt[0];
		if (cnt[1] + cnt[2] + cnt[3] > 20 && now == last)
			break;
		last = now;
	}
	UT_NOTE("%ld processes forked; fork failed %ld x EAGAIN, %ld x ENOMEM, %ld x other\n",
		cnt[0], cnt[1], cnt[2], cnt[3]);
	UT_CHECK(cnt[1] + cnt[2] > 0);
	UT_EQ(cnt[3], 0);
	UT_OK(kill(-leader, SIGKILL));
	int st;
	UT_EQ(waitpid(leader, &st, 0), leader);
	/* The rest were reparented to init, which reaps them; a zombie still
	 * answers kill(pid, 0), so wait until none does (the runner measures
	 * MemFree as soon as this case ends). */
	long n = cnt[0] < BOMB_MAX_PIDS ? cnt[0] : BOMB_MAX_PIDS, alive = n;
	for (int i = 0; i < 400 * ut_scale && alive; i++) {
		alive = 0;
		for (long j = 0; j < n; j++)
			alive += kill((pid_t)cnt[8 + j], 0) == 0;
		if (alive)
			u_sleep_ms(50);
	}
	if (!UT_EQ(alive, 0))
		UT_NOTE("%ld of the bomb's processes are still there\n", alive);
	check_can_fork();
	munmap((void *)cnt, len);
}

/* Zombies hold their slot until reaped: fill the table with them, reap,
 * and the slots come back. */
UT_CASE(zombie_flood, 300)
{
	if (!guest_only())
		return;
	int n = 0, err = 0;
	for (;;) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			err = errno;
			break;
		}
		n++;
	}
	UT_NOTE("%d zombies, then %s\n", n, u_errname(err));
	UT_CHECK(err == EAGAIN || err == ENOMEM);
	UT_CHECK(n > 100);
	UT_EQ(reap_all(), n);
	check_can_fork();
}

/* ---- memory ---- */

/* Maps and touches 1 MiB at a time until mmap fails (prints the errno) or
 * the kernel kills this process. argv[0]: "mmap" or "brk". */
UT_HELPER(hog)
{
	bool brk_mode = !strcmp(argv[0], "brk");
	long mib = 0;

	for (;;) {
		char *p;
		if (brk_mode) {
			/* musl's sbrk() only answers sbrk(0): use the system call. */
			char *cur = (char *)syscall(SYS_brk, 0);
			if ((char *)syscall(SYS_brk, cur + MIB) != cur + MIB) {
				errno = ENOMEM;
				break;
			}
			p = cur;
		} else {
			p = mmap(NULL, MIB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
				 0);
			if (p == MAP_FAILED)
				break;
		}
		for (size_t i = 0; i < MIB; i += PAGE)
			p[i] = 1;
		mib++;
	}
	u_out("# hog (%s): %ld MiB, then %s\n", argv[0], mib, u_errname(errno));
	return errno == ENOMEM ? 0 : 1;
}

/* Allocates and touches argv[0] MiB; exit 0 if it all worked. */
UT_HELPER(alloc_touch)
{
	size_t len = (size_t)atol(argv[0]) * MIB;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return 1;
	for (size_t i = 0; i < len; i += PAGE)
		p[i] = 1;
	return 0;
}

/* The hog ends with ENOMEM or is killed (SIGKILL, as Linux's OOM killer
 * does); nobody else is hurt and the memory comes back. */
static void check_hog(const char *mode)
{
	int st = ut_run_helper("hog", (char *)mode);

	if (!UT_CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
		      (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)))
		UT_NOTE("  hog (%s) ended with status 0x%x\n", mode, st);
	UT_EXITED(ut_run_helper("alloc_touch", "32"), 0);
}

UT_CASE(oom_anonymous, 300)
{
	if (guest_only())
		check_hog("mmap");
}

UT_CASE(oom_brk, 300)
{
	if (guest_only())
		check_hog("brk");
}

/* Two hogs at once, while this process keeps a page of its own: only the
 * hogs suffer. */
UT_CASE(oom_two_hogs, 300)
{
	if (!guest_only())
		return;
	volatile char *mine = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
				   -1, 0);
	mine[0] = 42;
	pid_t a = ut_spawn_helper(NULL, "hog", "mmap");
	pid_t b = ut_spawn_helper(NULL, "hog", "brk");
	int sa = ut_wait(a), sb = ut_wait(b);
	UT_CHECK(!WIFSIGNALED(sa) || WTERMSIG(sa) == SIGKILL);
	UT_CHECK(!WIFSIGNALED(sb) || WTERMSIG(sb) == SIGKILL);
	UT_EQ(mine[0], 42);
	UT_EXITED(ut_run_helper("alloc_touch", "32"), 0);
}

/* A shared anonymous mapping larger than memory: the kernel may refuse it
 * (ENOMEM) or map it lazily; either way nothing leaks. */
UT_CASE(oom_shared_mapping, 120)
{
	if (!guest_only())
		return;
	size_t len = 1024 * MIB;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		UT_EQ(errno, ENOMEM);
	else
		UT_OK(munmap(p, len));
	UT_EXITED(ut_run_helper("alloc_touch", "32"), 0);
}

/* MAP_POPULATE of more than there is. */
UT_CASE(oom_populate, 120)
{
	if (!guest_only())
		return;
	size_t len = 1024 * MIB;
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE,
		       -1, 0);
	if (p != MAP_FAILED)
		UT_OK(munmap(p, len));
	else
		UT_EQ(errno, ENOMEM);
	UT_EXITED(ut_run_helper("alloc_touch", "32"), 0);
}

/* Touches 64 KiB of stack, so that reporting after memory ran out needs
 * no new page. */
static __attribute__((noinline)) void prefault_stack(void)
{
	volatile char pad[64 * 1024];

	for (size_t i = 0; i < sizeof(pad); i += 512)
		pad[i] = 0;
}

/* Writes file argv[0] until a write fails; prints how far it got. */
UT_HELPER(file_hog)
{
	static char chunk[64 * 1024];
	long total = 0, n;

	prefault_stack();
	memset(chunk, 'z', sizeof(chunk));
	int fd = open(argv[0], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return 60;
	while ((n = write(fd, chunk, sizeof(chunk))) > 0)
		total += n;
	int err = errno;
	u_out("# file hog: %ld MiB, then %s\n", total / (long)MIB, u_errname(err));
	return n < 0 && (err == ENOSPC || err == ENOMEM || err == EFBIG) ? 0 : 61;
}

/* Fills a file in /tmp until the write fails: ENOSPC (tmpfs's answer) or
 * ENOMEM. /tmp on the project's kernel is the root ramfs, which has no
 * size limit (nor has Linux's ramfs), so the writer may also be killed
 * when its next page fault finds no memory; either way the file is then
 * removed and all the memory comes back. */
UT_CASE(oom_ramfs_file, 300)
{
	if (!guest_only())
		return;
	ut_scratch();
	int st = ut_run_helper("file_hog", (char *)"big");
	if (!UT_CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
		      (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)))
		UT_NOTE("  file hog ended with status 0x%x\n", st);
	UT_OK(unlink("big"));
	UT_EXITED(ut_run_helper("alloc_touch", "32"), 0);
}

/* Opens pipes and fills them until pipe() or write() fails; prints what
 * stopped it. Kernel memory, not user memory, runs out here. */
UT_HELPER(pipe_hog)
{
	static char chunk[4096];
	struct rlimit rl;
	int pipes = 0, err = 0;
	long bytes = 0;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max > 4096 ? 4096 : rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	for (;;) {
		int p[2];
		if (pipe2(p, O_NONBLOCK) != 0) {
			err = errno;
			break;
		}
		pipes++;
		ssize_t n;
		while ((n = write(p[1], chunk, sizeof(chunk))) > 0)
			bytes += n;
		if (errno != EAGAIN) {
			err = errno;
			break;
		}
	}
	u_out("# pipe hog: %d pipes, %ld KiB, then %s\n", pipes, bytes / 1024, u_errname(err));
	return err == EMFILE || err == ENFILE || err == ENOMEM ? 0 : 1;
}

UT_CASE(oom_pipe_buffers, 300)
{
	if (!guest_only())
		return;
	pid_t pids[6];
	for (int i = 0; i < 6; i++)
		pids[i] = ut_spawn_helper(NULL, "pipe_hog");
	for (int i = 0; i < 6; i++) {
		int st = ut_wait(pids[i]);
		if (!UT_CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0) ||
			      (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)))
			UT_NOTE("  pipe hog %d: status 0x%x\n", i, st);
	}
	UT_EXITED(ut_run_helper("alloc_touch", "32"), 0);
}

/* Many small mappings that cannot merge (alternating protections): a limit
 * (Linux: vm.max_map_count) must fail with ENOMEM, and all of it goes away
 * with one munmap. */
UT_CASE(many_mappings, 300)
{
	/* Every split costs the kernel a walk over the regions; 4096 keeps
	 * that quick even in Bochs (Linux's limit, 65530, is not reached). */
	enum { N = 8192 };
	char *base = mmap(NULL, N * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			  0);
	int n = 0;

	if (!UT_CHECK(base != MAP_FAILED))
		return;
	for (; n < N; n += 2)
		if (mprotect(base + (size_t)n * PAGE, PAGE, PROT_READ) != 0)
			break;
	if (n < N) {
		UT_EQ(errno, ENOMEM);
		UT_NOTE("%d mappings, then ENOMEM\n", n);
	}
	UT_OK(munmap(base, N * PAGE));
	/* The address space works as before. */
	char *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	UT_CHECK(p != MAP_FAILED);
	if (p != MAP_FAILED)
		p[0] = 1, munmap(p, PAGE);
}

/* Mapping and unmapping a huge, never touched range costs Linux next to
 * nothing (it walks only the page tables that exist). Bug: the kernel
 * steps through the range 2 MiB at a time, without preemption, so one
 * munmap of 16 TiB stalls the whole machine (0.4 s in QEMU, ~10 s in
 * Bochs; 64 TiB four times that); exit does the same. */
UT_CASE(munmap_huge_sparse_range, 120)
{
	size_t len = 1ul << 44;
	long long t0 = u_now_ms();
	void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (!UT_CHECK(p != MAP_FAILED))
		return;
	UT_OK(munmap(p, len));
	long long ms = u_now_ms() - t0;
	if (!UT_CHECK(ms < 200))
		UT_NOTE("mmap and munmap of 16 TiB took %lld ms\n", ms);
}

/* The same for mprotect, which the kernel does page by page (4 KiB): 64
 * GiB take 0.8 s in QEMU with the machine frozen, and mprotect of 16 TiB
 * froze it for over 7 minutes (so the range here is small). */
UT_CASE(mprotect_huge_sparse_range, 120)
{
	size_t len = 1ul << 36;
	void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (!UT_CHECK(p != MAP_FAILED))
		return;
	long long t0 = u_now_ms();
	UT_OK(mprotect(p, len, PROT_NONE));
	UT_OK(mprotect(p, len, PROT_READ | PROT_WRITE));
	long long ms = u_now_ms() - t0;
	if (!UT_CHECK(ms < 200))
		UT_NOTE("two mprotect calls over 64 GiB took %lld ms\n", ms);
	UT_OK(munmap(p, len));
}

/* ---- file descriptors ---- */

/* Opens /dev/null until it fails; returns how many were opened. */
static int open_until_full(int *err)
{
	int n = 0;

	for (;;) {
		int fd = open("/dev/null", O_RDONLY);
		if (fd < 0) {
			*err = errno;
			return n;
		}
		n++;
	}
}

static void close_from(int fd)
{
	struct rlimit rl;

	getrlimit(RLIMIT_NOFILE, &rl);
	for (long i = fd; i < (long)rl.rlim_cur && i < 65536; i++)
		close((int)i);
}

UT_CASE(emfile_open, 60)
{
	struct rlimit rl;
	int err = 0, p[2];

	UT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur > 65536) {
		rl.rlim_cur = 1024;
		UT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	}
	int n = open_until_full(&err);
	UT_EQ(err, EMFILE);
	UT_EQ(n, (long)rl.rlim_cur - 3);
	/* Everything that makes a descriptor says EMFILE. */
	UT_ERR(dup(0), EMFILE);
	UT_ERR(fcntl(0, F_DUPFD, 0), EMFILE);
	UT_ERR(pipe(p), EMFILE);
	UT_ERR(open("/", O_RDONLY | O_DIRECTORY), EMFILE);
	/* dup2 onto an fd below the limit works; at the limit, EBADF. */
	UT_OK(dup2(0, 10));
	UT_ERR(dup2(0, (int)rl.rlim_cur), EBADF);
	UT_ERR(fcntl(0, F_DUPFD, (int)rl.rlim_cur), EINVAL);
	/* One free slot: pipe() needs two, fails with EMFILE, and does not
	 * keep the one it could have had. */
	UT_OK(close(10));
	UT_ERR(pipe(p), EMFILE);
	UT_ERR(pipe2(p, O_CLOEXEC), EMFILE);
	int fd = (int)UT_OK(open("/dev/null", O_RDONLY));
	UT_EQ(fd, 10);
	UT_ERR(open("/dev/null", O_RDONLY), EMFILE);
	close_from(3);
	UT_OK(pipe(p));
	UT_EQ(p[0], 3);
	close_from(3);
}

/* Raising the soft limit lets more in; lowering it below open fds keeps
 * them working but refuses new ones above the limit. */
UT_CASE(emfile_limit_changes, 60)
{
	struct rlimit rl, low;
	int err = 0;

	UT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
	UT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	int n = open_until_full(&err);
	UT_EQ(err, EMFILE);
	UT_EQ(n, (long)rl.rlim_cur - 3);
	low = rl;
	low.rlim_cur = 64;
	UT_OK(setrlimit(RLIMIT_NOFILE, &low));
	/* fd 100 is open and above the new limit: still usable. */
	char c;
	UT_EQ(read(100, &c, 1), 0);
	UT_OK(close(100));
	UT_ERR(open("/dev/null", O_RDONLY), EMFILE);
	UT_ERR(dup2(0, 100), EBADF);
	close_from(3);
	UT_OK(setrlimit(RLIMIT_NOFILE, &rl));
	/* Beyond the hard limit, even root: EPERM (Linux: above nr_open). */
	low.rlim_cur = low.rlim_max = 1ul << 40;
	UT_ERR(setrlimit(RLIMIT_NOFILE, &low), EPERM);
	close_from(3);
}

/* Opens files up to 4096 in each of several processes at once. */
UT_HELPER(fd_hog)
{
	struct rlimit rl;
	int err = 0;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
	setrlimit(RLIMIT_NOFILE, &rl);
	int n = open_until_full(&err);
	u_out("# fd hog: %d files, then %s\n", n, u_errname(err));
	return err == EMFILE || err == ENFILE || err == ENOMEM ? 0 : 1;
}

UT_CASE(enfile_many_processes, 300)
{
	if (!guest_only())
		return;
	pid_t pids[8];
	for (int i = 0; i < 8; i++)
		pids[i] = ut_spawn_helper(NULL, "fd_hog");
	for (int i = 0; i < 8; i++)
		UT_EXITED(ut_wait(pids[i]), 0);
	check_can_fork();
}

/* ---- argument space ---- */

static char *const no_env[] = { NULL };

/* execve with n copies of the same string s in argv: E2BIG counts each. */
static int exec_many(size_t n, const char *s, bool in_env)
{
	char **v = mmap(NULL, (n + 2) * sizeof(char *), PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *av[] = { ut_self, (char *)"--helper", (char *)"exit_with", (char *)"0", NULL };

	if (v == MAP_FAILED)
		return -1;
	for (size_t i = 0; i < n; i++)
		v[i] = (char *)s;
	v[n] = NULL;
	errno = 0;
	int r = in_env ? execve(ut_self, av, v) : execve(ut_self, v, no_env);
	int e = errno;
	munmap(v, (n + 2) * sizeof(char *));
	errno = e;
	return r;
}

UT_CASE(e2big_argv, 60)
{
	static char s[120 * 1024];
	char mark[] = "still-here";

	memset(s, 'q', sizeof(s) - 1);
	/* A million empty strings: the pointers alone pass the limit. */
	UT_ERR(exec_many(1000 * 1000, "", false), E2BIG);
	UT_ERR(exec_many(1000 * 1000, "", true), E2BIG);
	/* 64 pointers to one 120 KiB string count 7.5 MiB. */
	UT_ERR(exec_many(64, s, false), E2BIG);
	UT_ERR(exec_many(64, s, true), E2BIG);
	UT_STREQ(mark, "still-here");
	check_can_fork();
}

/* argv without its NULL, running into an unmapped page: EFAULT. */
UT_CASE(efault_unterminated_argv, 20)
{
	char **v = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!UT_CHECK(v != MAP_FAILED))
		return;
	munmap((char *)v + PAGE, PAGE);
	for (size_t i = 0; i < PAGE / sizeof(char *); i++)
		v[i] = (char *)"x";
	UT_ERR(execve(ut_self, v, no_env), EFAULT);
	UT_ERR(execve(ut_self, (char *[]){ (char *)"x", NULL }, v), EFAULT);
	munmap(v, PAGE);
}

/* ---- the stack ---- */

/* Recurses, recording the deepest stack address reached in cnt[0]. */
static volatile long *stack_cnt;
static volatile int depth_limit = 1 << 30;

static int recurse(int n)
{
	volatile char pad[1024];

	pad[0] = (char)n;
	stack_cnt[0] = (long)(uintptr_t)pad;
	if (n > depth_limit)
		return 0;
	return recurse(n + 1) + pad[0];
}

/* argv[0]: RLIMIT_STACK in KiB. Prints nothing; dies of SIGSEGV. */
UT_HELPER(stack_limit)
{
	struct rlimit rl = { (rlim_t)atol(argv[0]) * 1024, (rlim_t)atol(argv[0]) * 1024 };
	volatile char top;

	stack_cnt = shared_page();
	stack_cnt[1] = (long)(uintptr_t)&top;
	if (setrlimit(RLIMIT_STACK, &rl) != 0)
		return 70;
	pid_t pid = fork();
	if (pid == 0) {
		recurse(0);
		_exit(71);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid)
		return 72;
	if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
		return 73;
	long used_kib = (stack_cnt[1] - stack_cnt[0]) / 1024;
	u_out("# stack: %ld KiB used before SIGSEGV (limit %s KiB)\n", used_kib, argv[0]);
	return used_kib < atol(argv[0]) + 256 ? 0 : 74;
}

/* Deep recursion stops at RLIMIT_STACK with SIGSEGV. */
UT_CASE(stack_rlimit, 60)
{
	UT_EXITED(ut_run_helper("stack_limit", "8192"), 0);
	UT_EXITED(ut_run_helper("stack_limit", "512"), 0);
}

/* A store far below the stack (a 64 MiB alloca) is not stack growth. */
UT_HELPER(stack_far_below)
{
	char here;
	volatile char *p = (volatile char *)((uintptr_t)&here - 64 * MIB);

	*p = 1;
	return 1;
}

UT_CASE(stack_far_below, 20)
{
	UT_SIGNALED(ut_run_helper("stack_far_below"), SIGSEGV);
}

UT_MAIN()

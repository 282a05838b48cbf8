/* t_proc.c: processes without fork(): vfork ordering and shared memory,
 * posix_spawn, execve (failures leave the caller intact, `#!` scripts, big
 * argv/envp and E2BIG, close-on-exec), exit status encoding, wait4 and
 * WNOHANG, zombies, orphans, pipelines, and faults that kill only the child
 * with the right signal. */
#include "utest.h"

#include <sys/resource.h>

#define MAX_ARG_STRLEN (32 * 4096)

static char echo_path[PATH_MAX];

static const char *echo_bin(void)
{
	u_fmt(echo_path, sizeof(echo_path), "%s/utest_echo", ut_bindir);
	return echo_path;
}

/* ---- helpers (run as `t_proc --helper NAME ...`) ---- */

UT_HELPER(exit_with)
{
	exit(atoi(argv[0]));
}

UT_HELPER(sleep_ms)
{
	u_sleep_ms(atol(argv[0]));
	return 0;
}

UT_HELPER(check_ppid)
{
	return getppid() == atoi(argv[0]) ? 0 : 1;
}

UT_HELPER(pid_is)
{
	return getpid() == atoi(argv[0]) ? 0 : 1;
}

/* Execs `self --helper pid_is <my pid>`: exec keeps the pid. */
UT_HELPER(exec_keeps_pid)
{
	char pid[16];
	u_fmt(pid, sizeof(pid), "%d", (int)getpid());
	char *av[] = { ut_self, (char *)"--helper", (char *)"pid_is", pid, NULL };
	execve(ut_self, av, environ);
	return 99;
}

/* Copies stdin to stdout until EOF. */
UT_HELPER(cat)
{
	char buf[512];
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0)
		if (u_write_all(1, buf, (size_t)n) != 0)
			return 1;
	return n == 0 ? 0 : 2;
}

/* argv[0] must be an open fd, argv[1] a closed one. */
UT_HELPER(fd_state)
{
	if (fcntl(atoi(argv[0]), F_GETFD) < 0)
		return 1;
	if (fcntl(atoi(argv[1]), F_GETFD) >= 0 || errno != EBADF)
		return 2;
	return 0;
}

/* Checks argv: argv[0] = count N, argv[1] = length L, then N strings of L
 * 'q's. Exit 0 if all is as described. */
UT_HELPER(check_args)
{
	long n = atol(argv[0]), len = atol(argv[1]);

	if (argc != n + 2)
		return 3;
	for (long i = 0; i < n; i++) {
		const char *s = argv[i + 2];
		for (long j = 0; j < len; j++)
			if (s[j] != 'q')
				return 4;
		if (s[len])
			return 5;
	}
	return 0;
}

/* Counts environment strings of the form UTBIG<i>=<L 'e's>; exits 0 when
 * there are argv[0] of them with length argv[1]. */
UT_HELPER(check_env)
{
	long want = atol(argv[0]), len = atol(argv[1]), got = 0;

	for (char **e = environ; *e; e++) {
		if (strncmp(*e, "UTBIG", 5))
			continue;
		const char *v = strchr(*e, '=');
		if (!v || (long)strlen(v + 1) != len || strspn(v + 1, "e") != (size_t)len)
			return 3;
		got++;
	}
	return got == want ? 0 : 4;
}

/* Fault helpers: each must be killed by a signal; surviving exits 1. */
/* Hides a constant address from the compiler, which would warn or drop it. */
static volatile int *addr(uintptr_t a)
{
	__asm__ volatile("" : "+r"(a));
	return (volatile int *)a;
}

UT_HELPER(null_read) { return *addr(0) + 1; }
UT_HELPER(null_write) { *addr(0) = 1; return 1; }
UT_HELPER(low_write) { *addr(1) = 1; return 1; }
UT_HELPER(kernel_read) { return *addr(0xffff800000000000ul) + 1; }
UT_HELPER(kernel_write) { *addr(0xffffffff80000000ul) = 1; return 1; }
UT_HELPER(noncanon_read) { return *addr(0x0000800000000000ul) + 1; }
UT_HELPER(ud2) { __asm__ volatile("ud2"); return 1; }
UT_HELPER(int3) { __asm__ volatile("int3"); return 1; }
UT_HELPER(hlt) { __asm__ volatile("hlt"); return 1; }
UT_HELPER(cli) { __asm__ volatile("cli"); return 1; }
UT_HELPER(div0)
{
	volatile int a = 1, b = 0;
	return a / b;
}

/* Spawns orphan_child (stdout inherited) and exits at once. */
UT_HELPER(orphan_parent)
{
	char me[16];
	u_fmt(me, sizeof(me), "%d", (int)getpid());
	return ut_spawn_helper(NULL, "orphan_child", me) > 0 ? 0 : 1;
}

/* Waits until its parent (pid argv[0]) is gone, then prints "pid ppid". */
UT_HELPER(orphan_child)
{
	pid_t old = atoi(argv[0]);

	for (int i = 0; i < 5000 && getppid() == old; i++)
		u_sleep_ms(1);
	u_out("%d %d\n", (int)getpid(), (int)getppid());
	return 0;
}

/* ---- cases ---- */

UT_CASE(getpid_ppid, 10)
{
	char me[16];
	pid_t pid = getpid();

	UT_CHECK(pid > 0);
	UT_EQ(syscall(SYS_gettid), pid);
	const char *runner = getenv("UTEST_RUNNER_PID");
	if (runner)
		UT_EQ(getppid(), atoi(runner));
	else
		UT_CHECK(getppid() > 0);
	u_fmt(me, sizeof(me), "%d", (int)pid);
	UT_EXITED(ut_run_helper("check_ppid", me), 0);
}

static volatile int vf_first, vf_last;
static volatile long long vf_when;

UT_CASE(vfork_order, 10)
{
	vf_first = vf_last = 0;
	long long t0 = u_now_ms();
	pid_t pid = vfork();
	if (pid == 0) {
		/* Shares our memory and runs while we are suspended. */
		vf_first = 1;
		u_sleep_ms(50);
		vf_when = u_now_ms();
		vf_last = 1;
		_exit(7);
	}
	if (!UT_CHECK(pid > 0))
		return;
	UT_EQ(vf_first, 1);
	UT_EQ(vf_last, 1);
	UT_CHECK(vf_when - t0 >= 50);
	UT_CHECK(u_now_ms() >= vf_when);
	UT_EXITED(ut_wait(pid), 7);
}

static volatile int vf_errno;

UT_CASE(vfork_exec, 10)
{
	int in[2], out[2];
	char buf[64];

	UT_OK(pipe2(in, O_CLOEXEC));
	UT_OK(pipe2(out, O_CLOEXEC));
	char *av[] = { ut_self, (char *)"--helper", (char *)"cat", NULL };
	pid_t pid = vfork();
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0)
			_exit(98);
		execve(ut_self, av, environ);
		_exit(99);
	}
	if (!UT_CHECK(pid > 0))
		return;
	/* We run again once the child has exec'd, while it still waits for
	 * input: if we were still suspended, nothing would feed it. */
	UT_OK(close(in[0]));
	UT_OK(close(out[1]));
	UT_EQ(write(in[1], "ping", 4), 4);
	UT_OK(close(in[1]));
	UT_EQ(ut_read_all(out[0], buf, sizeof(buf)), 4);
	UT_STREQ(buf, "ping");
	UT_EXITED(ut_wait(pid), 0);

	/* A failed exec in the child: the parent sees the child's errno. */
	vf_errno = 0;
	pid = vfork();
	if (pid == 0) {
		execve("/nonexistent/utest", av, environ);
		vf_errno = errno;
		_exit(99);
	}
	UT_EQ(vf_errno, ENOENT);
	UT_EXITED(ut_wait(pid), 99);
}

UT_CASE(posix_spawn_echo, 10)
{
	char out[512], want[512];
	pid_t pid;

	const char *echo = echo_bin();
	char *av[] = { (char *)"utest_echo", (char *)"a b", (char *)"", (char *)"c", NULL };
	UT_EXITED(ut_capture(echo, av, out, sizeof(out)), 0);
	UT_STREQ(out, "argc=4\nargv[0]=utest_echo\nargv[1]=a b\nargv[2]=\nargv[3]=c\n");

	char *env[] = { (char *)"UTEST_ECHO_ENV=FOO", (char *)"FOO=bar baz", NULL };
	char *av1[] = { (char *)echo, NULL };
	int p[2];
	UT_OK(pipe2(p, O_CLOEXEC));
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	UT_RET(posix_spawn(&pid, echo, &fa, NULL, av1, env), 0);
	posix_spawn_file_actions_destroy(&fa);
	UT_OK(close(p[1]));
	ut_read_all(p[0], out, sizeof(out));
	u_fmt(want, sizeof(want), "argc=1\nargv[0]=%s\nenv=bar baz\n", echo);
	UT_STREQ(out, want);
	UT_EXITED(ut_wait(pid), 0);

	UT_RET(posix_spawn(&pid, "/nonexistent/x", NULL, NULL, av1, environ), ENOENT);
}

UT_CASE(exit_status, 10)
{
	static const int codes[][2] = { { 0, 0 }, { 1, 1 }, { 42, 42 }, { 255, 255 },
					{ 256, 0 }, { 511, 255 } };
	char arg[16];

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		u_fmt(arg, sizeof(arg), "%d", codes[i][0]);
		int st = ut_run_helper("exit_with", arg);
		UT_EXITED(st, codes[i][1]);
		UT_EQ(st, codes[i][1] << 8);
	}
	UT_EXITED(ut_run_helper("exec_keeps_pid"), 0);
}

/* Checks that a failed execve left this process as it was. */
static void check_intact(const char *mark, int fd)
{
	char buf[16] = { 0 };

	UT_STREQ(mark, "still-here");
	UT_EQ(pread(fd, buf, 4, 0), 4);
	UT_STREQ(buf, "keep");
}

UT_CASE(execve_errors, 10)
{
	static const char garbage[] = "this is not a program\n";
	static char elfish[256] = "\177ELF";
	char mark[] = "still-here";
	char *av[] = { (char *)"x", NULL };
	const char *what;

	ut_scratch();
	ut_write_file("keep", "keep", -1, 0644);
	int fd = UT_OK(open("keep", O_RDONLY));
	ut_write_file("noexec", "#!/bin/sh\n", -1, 0644);
	ut_write_file("garbage", garbage, -1, 0755);
	ut_write_file("empty", "", 0, 0755);
	ut_write_file("elfish", elfish, sizeof(elfish), 0755);
	ut_write_file("badinterp", "#!/nonexistent/interp\n", -1, 0755);
	UT_OK(mkdir("d", 0755));

	UT_ERR(execve("missing", av, environ), ENOENT);
	UT_ERR(execve("keep/x", av, environ), ENOTDIR);
	UT_ERR(execve("d", av, environ), EACCES);
	UT_ERR(execve("noexec", av, environ), EACCES);
	UT_ERR(execve("garbage", av, environ), ENOEXEC);
	UT_ERR(execve("empty", av, environ), ENOEXEC);
	UT_ERR(execve("elfish", av, environ), ENOEXEC);
	UT_ERR(execve("badinterp", av, environ), ENOENT);
	UT_ERR(execve("", av, environ), ENOENT);
	for (int i = 0; i < UT_NBAD; i++) {
		void *bad = ut_bad_ptr(i, &what);
		char *badv[] = { (char *)"x", bad, NULL };
		int before = ut_failed;
		ut_failed = 0;
		UT_ERR(syscall(SYS_execve, bad, av, environ), EFAULT);
		if (bad) {
			UT_ERR(syscall(SYS_execve, ut_self, bad, environ), EFAULT);
			UT_ERR(syscall(SYS_execve, ut_self, av, bad), EFAULT);
			UT_ERR(syscall(SYS_execve, ut_self, badv, environ), EFAULT);
		}
		if (ut_failed)
			UT_NOTE("  (the failures above were with the %s pointer)\n", what);
		ut_failed |= before;
	}
	check_intact(mark, fd);
}

/* Runs the script at path with args a b; returns its output in out. */
static int run_script(const char *path, char *out, size_t size)
{
	char *av[] = { (char *)path, (char *)"a", (char *)"b c", NULL };
	return ut_capture(path, av, out, size);
}

UT_CASE(exec_script, 10)
{
	char script[PATH_MAX + 32], path[PATH_MAX], out[1024], want[2048];

	const char *s = ut_scratch();
	const char *echo = echo_bin();
	u_fmt(path, sizeof(path), "%s/s1", s);
	u_fmt(script, sizeof(script), "#!%s -x\nbody\n", echo);
	ut_write_file("s1", script, -1, 0755);
	UT_EXITED(run_script(path, out, sizeof(out)), 0);
	u_fmt(want, sizeof(want), "argc=5\nargv[0]=%s\nargv[1]=-x\nargv[2]=%s\nargv[3]=a\n"
		  "argv[4]=b c\n", echo, path);
	UT_STREQ(out, want);

	/* No optional argument; blanks around the interpreter are dropped and
	 * the rest of the line is one argument. */
	u_fmt(path, sizeof(path), "%s/s2", s);
	u_fmt(script, sizeof(script), "#!%s\n", echo);
	ut_write_file("s2", script, -1, 0755);
	UT_EXITED(run_script(path, out, sizeof(out)), 0);
	u_fmt(want, sizeof(want), "argc=4\nargv[0]=%s\nargv[1]=%s\nargv[2]=a\nargv[3]=b c\n",
	      echo, path);
	UT_STREQ(out, want);

	u_fmt(path, sizeof(path), "%s/s3", s);
	u_fmt(script, sizeof(script), "#! \t%s  one two \t\n", echo);
	ut_write_file("s3", script, -1, 0755);
	UT_EXITED(run_script(path, out, sizeof(out)), 0);
	u_fmt(want, sizeof(want), "argc=5\nargv[0]=%s\nargv[1]=one two\nargv[2]=%s\n"
		  "argv[3]=a\nargv[4]=b c\n", echo, path);
	UT_STREQ(out, want);

	/* Not executable; interpreter missing. */
	ut_write_file("s4", script, -1, 0644);
	u_fmt(path, sizeof(path), "%s/s4", s);
	char *av[] = { path, NULL };
	pid_t pid;
	UT_RET(posix_spawn(&pid, path, NULL, NULL, av, environ), EACCES);
	ut_write_file("s5", "#!/nonexistent/interp\n", -1, 0755);
	u_fmt(path, sizeof(path), "%s/s5", s);
	UT_RET(posix_spawn(&pid, path, NULL, NULL, av, environ), ENOENT);
}

/* Regression (exec_text_page_tail_zeroed): the last page of a segment
 * without bss was copied with its tail past p_filesz zeroed; Linux maps the
 * file's page as it is. The program below is one segment, headers and code
 * (filesz == memsz == 0x86), followed in the file by the byte 42; it exits
 * with the byte it finds just past its segment. */
UT_CASE(exec_text_page_tail_zeroed, 10)
{
	unsigned char img[0x87] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };
	const unsigned char code[] = {
		0x0f, 0xb6, 0x3d, 0x07, 0x00, 0x00, 0x00, /* movzx edi, byte [rip+7] */
		0xb8, 0x3c, 0x00, 0x00, 0x00,             /* mov eax, 60 (exit) */
		0x0f, 0x05,                               /* syscall */
	};
	const uint64_t base = 0x400000, end = 0x78 + sizeof(code);
	char path[PATH_MAX];
	char *av[] = { path, NULL };
	pid_t pid;
	int st;

	*(uint16_t *)&img[16] = 2;               /* e_type ET_EXEC */
	*(uint16_t *)&img[18] = 62;              /* e_machine x86-64 */
	*(uint32_t *)&img[20] = 1;               /* e_version */
	*(uint64_t *)&img[24] = base + 0x78;     /* e_entry */
	*(uint64_t *)&img[32] = 64;              /* e_phoff */
	*(uint16_t *)&img[52] = 64;              /* e_ehsize */
	*(uint16_t *)&img[54] = 56;              /* e_phentsize */
	*(uint16_t *)&img[56] = 1;               /* e_phnum */
	*(uint32_t *)&img[64] = 1;               /* p_type PT_LOAD */
	*(uint32_t *)&img[68] = 5;               /* p_flags R+X */
	*(uint64_t *)&img[80] = base;            /* p_vaddr */
	*(uint64_t *)&img[88] = base;            /* p_paddr */
	*(uint64_t *)&img[96] = end;             /* p_filesz */
	*(uint64_t *)&img[104] = end;            /* p_memsz */
	*(uint64_t *)&img[112] = 0x1000;         /* p_align */
	memcpy(&img[0x78], code, sizeof(code));
	img[end] = 42;
	u_fmt(path, sizeof(path), "%s/tail", ut_scratch());
	ut_write_file("tail", (const char *)img, sizeof(img), 0755);
	UT_RET(posix_spawn(&pid, path, NULL, NULL, av, environ), 0);
	UT_CHECK(waitpid(pid, &st, 0) == pid);
	UT_EXITED(st, 42);
}

UT_CASE(wait_nohang, 10)
{
	int st = -1;
	struct rusage ru;

	pid_t pid = ut_spawn_helper(NULL, "sleep_ms", "300");
	if (pid < 0)
		return;
	UT_EQ(wait4(pid, &st, WNOHANG, NULL), 0);
	UT_EQ(waitpid(-1, &st, WNOHANG), 0);
	UT_EQ(wait4(pid, &st, 0, &ru), pid);
	UT_EXITED(st, 0);
	UT_ERR(waitpid(-1, &st, 0), ECHILD);
	UT_ERR(waitpid(-1, &st, WNOHANG), ECHILD);
	UT_ERR(waitpid(pid, &st, 0), ECHILD);
	UT_ERR(waitpid(getppid(), &st, 0), ECHILD);
	UT_ERR(waitpid(-1, &st, 0x100), EINVAL);
}

UT_CASE(wait_any, 20)
{
	pid_t pids[5];
	char code[8];
	int seen[5] = { 0 };

	for (int i = 0; i < 5; i++) {
		u_fmt(code, sizeof(code), "%d", 10 + i);
		pids[i] = ut_spawn_helper(NULL, "exit_with", code);
	}
	for (int n = 0; n < 5; n++) {
		int st;
		pid_t got = waitpid(-1, &st, 0);
		int i = 0;
		while (i < 5 && pids[i] != got)
			i++;
		if (!UT_CHECK(i < 5))
			return;
		seen[i]++;
		UT_EXITED(st, 10 + i);
	}
	for (int i = 0; i < 5; i++)
		UT_EQ(seen[i], 1);
	UT_ERR(waitpid(-1, NULL, 0), ECHILD);
}

UT_CASE(zombie_reap, 10)
{
	int st;

	pid_t pid = ut_spawn_helper(NULL, "exit_with", "3");
	if (pid < 0)
		return;
	u_sleep_ms(100);
	/* Exited but not reaped: it still exists as a zombie. */
	UT_OK(kill(pid, 0));
	UT_EQ(waitpid(pid, &st, WNOHANG), pid);
	UT_EXITED(st, 3);
	UT_ERR(kill(pid, 0), ESRCH);
	UT_ERR(waitpid(pid, &st, WNOHANG), ECHILD);
}

UT_CASE(orphan_reparent, 20)
{
	int p[2], pid = 0, ppid = 0;
	char buf[64];

	UT_OK(pipe2(p, O_CLOEXEC));
	pid_t parent = ut_spawn_helper(((int[3]){ -1, p[1], -1 }), "orphan_parent");
	UT_OK(close(p[1]));
	UT_EXITED(ut_wait(parent), 0);
	UT_CHECK(ut_read_all(p[0], buf, sizeof(buf)) > 0);
	UT_EQ(sscanf(buf, "%d %d", &pid, &ppid), 2);
	UT_CHECK(ppid != parent && ppid > 0);
	if (ppid != 1) {
		if (ut_is_guest())
			UT_EQ(ppid, 1);
		else
			UT_NOTE("orphan went to subreaper %d, not init (Linux host)\n", ppid);
	}
	/* Wait until init has reaped it, so the leak check sees it gone. */
	for (int i = 0; i < 300 && pid > 0 && kill(pid, 0) == 0; i++)
		u_sleep_ms(10);
	if (pid > 0 && kill(pid, 0) == 0) {
		if (ut_is_guest())
			ut_fail_(__LINE__, "orphan %d was never reaped by init", pid);
		else
			UT_NOTE("orphan %d not reaped by pid %d yet (Linux host)\n", pid, ppid);
	}
}

UT_CASE(pipeline, 10)
{
	int a[2], b[2];
	char out[256];

	UT_OK(pipe2(a, O_CLOEXEC));
	UT_OK(pipe2(b, O_CLOEXEC));
	const char *echo = echo_bin();
	char *av[] = { (char *)"utest_echo", (char *)"through", (char *)"two pipes", NULL };
	pid_t p1 = u_spawn(echo, av, environ, (int[3]){ -1, a[1], -1 });
	pid_t p2 = ut_spawn_helper(((int[3]){ a[0], b[1], -1 }), "cat");
	UT_CHECK(p1 > 0);
	UT_OK(close(a[0]));
	UT_OK(close(a[1]));
	UT_OK(close(b[1]));
	ut_read_all(b[0], out, sizeof(out));
	UT_STREQ(out, "argc=3\nargv[0]=utest_echo\nargv[1]=through\nargv[2]=two pipes\n");
	UT_EXITED(ut_wait(p1), 0);
	UT_EXITED(ut_wait(p2), 0);
}

UT_CASE(cloexec_exec, 10)
{
	int p[2];

	UT_OK(pipe(p));
	UT_EQ(dup2(p[0], 10), 10);
	UT_EQ(fcntl(p[1], F_DUPFD_CLOEXEC, 11), 11);
	UT_EXITED(ut_run_helper("fd_state", "10", "11"), 0);
	UT_OK(fcntl(11, F_SETFD, 0));
	UT_OK(fcntl(10, F_SETFD, FD_CLOEXEC));
	UT_EXITED(ut_run_helper("fd_state", "11", "10"), 0);
}

/* Spawns check_args with n copies of a len-byte string. Returns posix_spawn's
 * error, or the helper's wait status in *st. */
static int spawn_big(long n, long len, int *st)
{
	static char *av[1100];
	char sn[16], sl[16];
	pid_t pid;

	char *s = mmap(NULL, (size_t)len + 1, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	memset(s, 'q', (size_t)len);
	s[len] = 0;
	u_fmt(sn, sizeof(sn), "%ld", n);
	u_fmt(sl, sizeof(sl), "%ld", len);
	int k = 0;
	av[k++] = ut_self;
	av[k++] = (char *)"--helper";
	av[k++] = (char *)"check_args";
	av[k++] = sn;
	av[k++] = sl;
	for (long i = 0; i < n && k < 1099; i++)
		av[k++] = s;
	av[k] = NULL;
	int err = posix_spawn(&pid, ut_self, NULL, NULL, av, environ);
	*st = err ? -1 : ut_wait(pid);
	munmap(s, (size_t)len + 1);
	return err;
}

UT_CASE(big_argv, 30)
{
	int st;

	/* 1 MiB in 256 strings of 4 KiB. */
	UT_RET(spawn_big(256, 4095, &st), 0);
	UT_EXITED(st, 0);
	/* One string of MAX_ARG_STRLEN bytes with its NUL is the largest. */
	UT_RET(spawn_big(1, MAX_ARG_STRLEN - 1, &st), 0);
	UT_EXITED(st, 0);
	UT_RET(spawn_big(1, MAX_ARG_STRLEN, &st), E2BIG);
	/* 16 MiB in all is far over the limit (a quarter of the stack limit). */
	UT_RET(spawn_big(128, MAX_ARG_STRLEN - 1, &st), E2BIG);

	/* A failed execve with E2BIG returns to the caller. */
	char *s = mmap(NULL, MAX_ARG_STRLEN + 1, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(s, 'q', MAX_ARG_STRLEN);
	char *av[] = { ut_self, (char *)"--helper", (char *)"exit_with", (char *)"97", s, NULL };
	UT_ERR(execve(ut_self, av, environ), E2BIG);
}

UT_CASE(big_envp, 30)
{
	static char *env[300];
	char *s = mmap(NULL, 300 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int k = 0;
	pid_t pid;

	for (int i = 0; i < 256; i++) {
		char *e = s + i * 4096;
		int n = sprintf(e, "UTBIG%d=", i);
		memset(e + n, 'e', 4000);
		e[n + 4000] = 0;
		env[k++] = e;
	}
	env[k] = NULL;
	char *av[] = { ut_self, (char *)"--helper", (char *)"check_env", (char *)"256",
		       (char *)"4000", NULL };
	UT_RET(posix_spawn(&pid, ut_self, NULL, NULL, av, env), 0);
	UT_EXITED(ut_wait(pid), 0);
	munmap(s, 300 * 4096);
}

UT_CASE(fault_signals, 30)
{
	static const struct {
		const char *helper;
		int sig;
	} faults[] = {
		{ "null_read", SIGSEGV },    { "null_write", SIGSEGV },
		{ "low_write", SIGSEGV },    { "kernel_read", SIGSEGV },
		{ "kernel_write", SIGSEGV }, { "noncanon_read", SIGSEGV },
		{ "hlt", SIGSEGV },          { "cli", SIGSEGV },
		{ "ud2", SIGILL },           { "int3", SIGTRAP },
		{ "div0", SIGFPE },
	};

	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++) {
		int st = ut_run_helper(faults[i].helper);
		if (!UT_SIGNALED(st, faults[i].sig))
			UT_NOTE("  (helper %s)\n", faults[i].helper);
	}
	/* And we are still fine. */
	UT_EXITED(ut_run_helper("exit_with", "0"), 0);
}

UT_CASE(kill_child, 10)
{
	int st;

	pid_t pid = ut_spawn_helper(NULL, "sleep_ms", "10000");
	if (pid < 0)
		return;
	UT_OK(kill(pid, SIGKILL));
	UT_EQ(waitpid(pid, &st, 0), pid);
	UT_SIGNALED(st, SIGKILL);
	pid = ut_spawn_helper(NULL, "sleep_ms", "10000");
	UT_OK(kill(pid, SIGTERM));
	UT_EQ(waitpid(pid, &st, 0), pid);
	UT_SIGNALED(st, SIGTERM);
	UT_ERR(kill(pid, 0), ESRCH);
	UT_ERR(kill(getpid(), 999), EINVAL);
}

UT_CASE(spawn_many, 60)
{
	char code[8];
	pid_t pids[20];

	for (int i = 0; i < 200; i++) {
		u_fmt(code, sizeof(code), "%d", i);
		if (!UT_EXITED(ut_run_helper("exit_with", code), i))
			return;
	}
	for (int i = 0; i < 20; i++)
		pids[i] = ut_spawn_helper(NULL, "sleep_ms", "20");
	for (int i = 0; i < 20; i++)
		UT_EXITED(ut_wait(pids[i]), 0);
}

/* Regression (sigchld_ignored_wait_hang): with SIGCHLD ignored, children
 * are reaped at exit, and a parent blocked in wait must wake up with ECHILD
 * once the last one is gone, not sleep forever. */
UT_CASE(sigchld_ignored_wait_hang, 10)
{
	struct sigaction sa = { .sa_handler = SIG_IGN }, old;

	UT_OK(sigaction(SIGCHLD, &sa, &old));
	pid_t pid = fork();
	if (pid == 0) {
		u_sleep_ms(100);
		_exit(0);
	}
	UT_CHECK(pid > 0);
	UT_ERR(wait(NULL), ECHILD);
	UT_ERR(kill(pid, 0), ESRCH); /* no zombie left behind */
	UT_OK(sigaction(SIGCHLD, &old, NULL));
}

/* Regression (sigtimedwait_blocked_ignored_signal_lost): BusyBox init
 * blocks SIGCHLD, whose default action is to ignore it, and waits for it
 * with sigtimedwait. A blocked signal is queued whatever its action, and
 * sigtimedwait must return it; it used to be discarded, and init never
 * reaped its children. */
UT_CASE(sigtimedwait_blocked_ignored_signal_lost, 10)
{
	sigset_t set, old;
	struct timespec ts = { 5, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	UT_OK(sigprocmask(SIG_BLOCK, &set, &old));
	pid_t pid = fork();
	if (pid == 0) {
		u_sleep_ms(100); /* let the parent get into sigtimedwait first */
		_exit(0);
	}
	UT_RET(sigtimedwait(&set, NULL, &ts), SIGCHLD);
	UT_EXITED(ut_wait(pid), 0);
	UT_OK(sigprocmask(SIG_SETMASK, &old, NULL));
}

/* Regression (orphaned_stopped_pgrp_hangup): a shell's stopped job lives
 * in its own process group; when the shell exits, that group becomes
 * orphaned (its only link to the session is gone) and the kernel sends it
 * SIGHUP and SIGCONT (POSIX, Linux's kill_orphaned_pgrp), so it does not
 * stay stopped forever. Here A plays the shell and B the job. */
UT_CASE(orphaned_stopped_pgrp_hangup, 20)
{
	int fds[2];
	pid_t b = 0;

	UT_OK(pipe(fds));
	pid_t a = fork();
	if (a == 0) {
		pid_t kid = fork();
		if (kid == 0) {
			setpgid(0, 0);
			raise(SIGSTOP);
			pause();
			_exit(0);
		}
		int st;
		waitpid(kid, &st, WUNTRACED); /* the job is stopped now */
		write(fds[1], &kid, sizeof(kid));
		_exit(WIFSTOPPED(st) ? 0 : 1);
	}
	UT_CHECK(read(fds[0], &b, sizeof(b)) == sizeof(b));
	UT_EXITED(ut_wait(a), 0);
	for (int i = 0; i < 500 && kill(b, 0) == 0; i++)
		u_sleep_ms(10 * ut_scale);
	UT_ERR(kill(b, 0), ESRCH); /* hung up, and reaped by init */
	close(fds[0]);
	close(fds[1]);
}

/* Regression (setpgid_joins_group_of_exited_leader): a shell puts every
 * process of a pipeline into the group of the first one, which may already
 * have exited (a zombie, not yet reaped). The group still exists then, so
 * setpgid must succeed; it used to fail with EPERM and left `cmd | less`
 * in the shell's group, where less could not read the terminal. */
UT_CASE(setpgid_joins_group_of_exited_leader, 10)
{
	pid_t leader = fork();
	if (leader == 0) {
		setpgid(0, 0);
		_exit(0);
	}
	UT_OK(setpgid(leader, leader) == 0 || errno == EACCES ? 0 : -1); /* as a shell does */
	siginfo_t si;
	UT_OK(waitid(P_PID, leader, &si, WEXITED | WNOWAIT)); /* a zombie now */
	int fds[2];
	UT_OK(pipe(fds));
	pid_t member = fork();
	if (member == 0) {
		char c;
		read(fds[0], &c, 1); /* wait for the parent's setpgid */
		_exit(getpgrp() == leader ? 0 : 1);
	}
	UT_OK(setpgid(member, leader));
	UT_RET(write(fds[1], "x", 1), 1);
	UT_EXITED(ut_wait(member), 0);
	UT_EXITED(ut_wait(leader), 0);
	close(fds[0]);
	close(fds[1]);
}

UT_MAIN()

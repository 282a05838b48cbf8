/* utest.h: the harness each user test program (t_*.c) is built around.
 *
 * A test program holds many small named cases and a few helpers:
 *
 *   UT_CASE(name, timeout_s) { ... UT_CHECK(expr); UT_ERR(call, ENOENT); ... }
 *   UT_HELPER(name) { return exit_code; }   (argc/argv are the extra args)
 *   UT_MAIN()
 *
 * Command line (one case per process; the runner starts one child per case):
 *
 *   t_x --list             print "name timeout_s" per case and exit 0
 *   t_x NAME               run case NAME; exit 0 if it passed, 1 if not
 *   t_x --helper NAME ...  run helper NAME (used by cases that need a child)
 *
 * A failed check prints "# file:line: what" and the case goes on, so one run
 * shows every broken expectation. A case that needs files calls ut_scratch(),
 * which makes /tmp/utest.<pid>, chdirs into it, and removes it at the end
 * (the runner removes it too if the case crashed).
 *
 * Environment: UTEST_BINDIR names the directory holding the test binaries
 * and utest_echo (default: this program's own directory); UTEST_GUEST=1 says
 * we run on the project's kernel rather than on a Linux host;
 * UTEST_TIMEOUT_SCALE (default 1) stretches the in-case time limits. */
#ifndef UTEST_H
#define UTEST_H

#include "ulib.h"

#include <sys/mman.h>
#include <sys/syscall.h>

struct ut_case {
	const char *name;
	void (*fn)(void);
	int timeout_s;
};

struct ut_helper {
	const char *name;
	int (*fn)(int argc, char **argv);
};

#define UT_MAX 256
static struct ut_case ut_cases[UT_MAX];
static struct ut_helper ut_helpers[UT_MAX];
static int ut_ncases, ut_nhelpers;
static int ut_failed;
static char ut_self[PATH_MAX];     /* absolute path of this program */
static char ut_bindir[PATH_MAX];   /* where utest_echo and friends live */
static char ut_scratch_dir[64];    /* "" until ut_scratch() */
static long ut_scale = 1;          /* UTEST_TIMEOUT_SCALE: slow emulators */

#define UT_CASE(cname, tmo)                                                                        \
	static void ut_case_##cname(void);                                                         \
	__attribute__((constructor)) static void ut_reg_case_##cname(void)                         \
	{                                                                                          \
		ut_cases[ut_ncases++] = (struct ut_case){ #cname, ut_case_##cname, tmo };          \
	}                                                                                          \
	static void ut_case_##cname(void)

#define UT_HELPER(hname)                                                                           \
	static int ut_helper_##hname(int argc, char **argv);                                       \
	__attribute__((constructor)) static void ut_reg_helper_##hname(void)                       \
	{                                                                                          \
		ut_helpers[ut_nhelpers++] = (struct ut_helper){ #hname, ut_helper_##hname };       \
	}                                                                                          \
	static int ut_helper_##hname(__attribute__((unused)) int argc,                             \
				     __attribute__((unused)) char **argv)

/* Records a failure with a diagnostic line. Always returns false. */
__attribute__((format(printf, 3, 4))) static inline bool ut_fail_at(const char *file, int line,
									const char *fmt, ...)
{
	char buf[900];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	u_out("# %s:%d: %s\n", file, line, buf);
	ut_failed = 1;
	errno = saved;
	return false;
}

#define ut_fail_(line, ...) ut_fail_at(__FILE_NAME__, line, __VA_ARGS__)

/* Note that does not fail the case. */
#define UT_NOTE(...) u_out("# " __VA_ARGS__)

/* Each check returns true when it held, so a case can stop early. */
#define UT_CHECK(e) ((e) ? true : ut_fail_(__LINE__, "check failed: %s", #e))

#define UT_EQ(a, b)                                                                                \
	({                                                                                         \
		long long ut_a_ = (long long)(a), ut_b_ = (long long)(b);                          \
		ut_a_ == ut_b_ ? true                                                              \
			       : ut_fail_(__LINE__, "%s == %s failed: %lld != %lld", #a, #b,      \
					  ut_a_, ut_b_);                                           \
	})

/* call must not return a negative value (-1 with errno, MAP_FAILED, ...).
 * Evaluates to the call's value as a long. */
#define UT_OK(call)                                                                                \
	({                                                                                         \
		errno = 0;                                                                         \
		long ut_r_ = (long)(call);                                                         \
		if (ut_r_ < 0)                                                                     \
			ut_fail_(__LINE__, "%s failed: %s", #call, u_errname(errno));              \
		ut_r_;                                                                             \
	})

/* call must fail with -1 and errno == err. */
#define UT_ERR(call, err)                                                                          \
	({                                                                                         \
		errno = 0;                                                                         \
		long ut_r_ = (long)(call);                                                         \
		int ut_e_ = errno;                                                                 \
		ut_r_ == -1 && ut_e_ == (err)                                                      \
			? true                                                                     \
			: ut_fail_(__LINE__, "%s: want -1 %s, got %ld %s", #call, #err, ut_r_,    \
				   ut_r_ == -1 ? u_errname(ut_e_) : "");                           \
	})

/* Same for calls that return an error number (posix_spawn, clock_nanosleep). */
#define UT_RET(call, err)                                                                          \
	({                                                                                         \
		int ut_r_ = (int)(call);                                                           \
		ut_r_ == (err) ? true                                                              \
			       : ut_fail_(__LINE__, "%s: want %s, got %s", #call, u_errname(err),  \
					  u_errname(ut_r_));                                       \
	})

#define UT_STREQ(a, b)                                                                             \
	({                                                                                         \
		const char *ut_sa_ = (a), *ut_sb_ = (b);                                           \
		strcmp(ut_sa_, ut_sb_) == 0                                                        \
			? true                                                                     \
			: ut_fail_(__LINE__, "%s == %s failed: \"%.200s\" != \"%.200s\"", #a, #b,  \
				   ut_sa_, ut_sb_);                                                \
	})

/* Wait status checks. */
#define UT_EXITED(st, code)                                                                        \
	({                                                                                         \
		int ut_st_ = (st);                                                                 \
		char ut_b_[64];                                                                    \
		WIFEXITED(ut_st_) && WEXITSTATUS(ut_st_) == (code)                                 \
			? true                                                                     \
			: ut_fail_(__LINE__, "%s: want exit %d, got %s", #st, (int)(code),         \
				   u_status_str(ut_st_, ut_b_, sizeof(ut_b_)));                    \
	})

#define UT_SIGNALED(st, sig)                                                                       \
	({                                                                                         \
		int ut_st_ = (st);                                                                 \
		char ut_b_[64];                                                                    \
		WIFSIGNALED(ut_st_) && WTERMSIG(ut_st_) == (sig)                                   \
			? true                                                                     \
			: ut_fail_(__LINE__, "%s: want signal %d (%s), got %s", #st, (int)(sig),   \
				   strsignal(sig), u_status_str(ut_st_, ut_b_, sizeof(ut_b_)));    \
	})

/* True when running on the project's kernel (the guest boot sets it). */
static inline bool ut_is_guest(void)
{
	const char *v = getenv("UTEST_GUEST");
	return v && strcmp(v, "1") == 0;
}

/* Creates /tmp/utest.<pid>, makes it the cwd and returns its path. The
 * harness removes it when the case returns. */
static inline const char *ut_scratch(void)
{
	if (ut_scratch_dir[0])
		return ut_scratch_dir;
	snprintf(ut_scratch_dir, sizeof(ut_scratch_dir), "/tmp/utest.%d", (int)getpid());
	u_rmtree(ut_scratch_dir);
	if (mkdir(ut_scratch_dir, 0755) != 0 || chdir(ut_scratch_dir) != 0) {
		ut_fail_(__LINE__, "cannot make scratch dir %s: %s", ut_scratch_dir,
			 u_errname(errno));
		exit(1);
	}
	return ut_scratch_dir;
}

/* Creates file name holding len bytes of data (len < 0: strlen) with mode.
 * Returns 0 or -1 after recording a failure. */
static inline int ut_write_file(const char *name, const void *data, long len, mode_t mode)
{
	if (len < 0)
		len = (long)strlen(data);
	int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return ut_fail_(__LINE__, "create %s: %s", name, u_errname(errno)), -1;
	int ok = u_write_all(fd, data, (size_t)len) == 0;
	close(fd);
	if (chmod(name, mode) != 0 || !ok)
		return ut_fail_(__LINE__, "write %s: %s", name, u_errname(errno)), -1;
	return 0;
}

/* Reads up to size-1 bytes of fd into buf until EOF and NUL-terminates.
 * Returns the count, or -1. */
static inline long ut_read_all(int fd, char *buf, size_t size)
{
	size_t got = 0;

	while (got + 1 < size) {
		ssize_t n = read(fd, buf + got, size - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	return (long)got;
}

/* Bad user pointers every pointer-taking syscall must answer with EFAULT. */
#define UT_NBAD 6
static inline void *ut_bad_ptr(int i, const char **what)
{
	static const char *const names[UT_NBAD] = { "NULL", "(void*)1", "kernel 0xffff800000000000",
		"non-canonical 0x800000000000", "PROT_NONE page", "unmapped page" };
	static void *none_page;
	void *p;

	*what = names[i];
	switch (i) {
	case 0: return NULL;
	case 1: return (void *)1;
	case 2: return (void *)0xffff800000000000ul;
	case 3: return (void *)0x0000800000000000ul;
	case 4:
		if (!none_page)
			none_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return none_page;
	default:
		/* Freshly unmapped; used right away, before anything maps again. */
		p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(p, 4096);
		return p;
	}
}

/* Spawns `self --helper name args...` with the given fd map (NULL: inherit).
 * The arg list ends with NULL. Returns the pid, or -errno after a failure. */
static inline pid_t ut_spawn_helperv(const int fdmap[3], const char *name, char **args)
{
	char *argv[64];
	int n = 0;

	argv[n++] = ut_self;
	argv[n++] = (char *)"--helper";
	argv[n++] = (char *)name;
	while (*args && n < 63)
		argv[n++] = *args++;
	argv[n] = NULL;
	pid_t pid = u_spawn(ut_self, argv, environ, fdmap);
	if (pid < 0)
		ut_fail_(__LINE__, "spawn helper %s: %s", name, u_errname(-pid));
	return pid;
}

#define ut_spawn_helper(fdmap, name, ...)                                                          \
	ut_spawn_helperv(fdmap, name, (char *[]){ __VA_ARGS__ __VA_OPT__(, ) NULL })

/* Waits (10 s times UTEST_TIMEOUT_SCALE at most) for pid. Returns its wait status, or -1 after
 * recording a failure. */
static inline int ut_wait(pid_t pid)
{
	int st = 0;

	if (pid < 0)
		return -1;
	int r = u_wait_timeout(pid, &st, 10000 * ut_scale, false);
	if (r != 0)
		return ut_fail_(__LINE__, "waiting for child %d: %s", (int)pid, u_errname(-r)), -1;
	return st;
}

/* Runs a helper to completion and returns its wait status (or -1). */
#define ut_run_helper(name, ...) ut_wait(ut_spawn_helper(NULL, name, __VA_ARGS__))

/* Spawns path with argv, stdout into a pipe; reads all of it into out.
 * Returns the wait status, or -1. */
static inline int ut_capture(const char *path, char *const argv[], char *out, size_t size)
{
	int p[2];

	out[0] = 0;
	if (pipe2(p, O_CLOEXEC) != 0)
		return ut_fail_(__LINE__, "pipe2: %s", u_errname(errno)), -1;
	pid_t pid = u_spawn(path, argv, environ, (int[3]){ -1, p[1], -1 });
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return ut_fail_(__LINE__, "spawn %s: %s", path, u_errname(-pid)), -1;
	}
	if (ut_read_all(p[0], out, size) < 0)
		ut_fail_(__LINE__, "read from child: %s", u_errname(errno));
	close(p[0]);
	return ut_wait(pid);
}

static inline int ut_main(int argc, char **argv)
{
	u_prog_dir(argv[0], ut_bindir);
	u_fmt(ut_self, sizeof(ut_self), "%s/%s", ut_bindir,
		 strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
	if (getenv("UTEST_BINDIR"))
		snprintf(ut_bindir, sizeof(ut_bindir), "%s", getenv("UTEST_BINDIR"));
	if (getenv("UTEST_TIMEOUT_SCALE") && atol(getenv("UTEST_TIMEOUT_SCALE")) > 1)
		ut_scale = atol(getenv("UTEST_TIMEOUT_SCALE"));

	if (argc < 2 || !strcmp(argv[1], "--list")) {
		for (int i = 0; i < ut_ncases; i++)
			u_out("%s %d\n", ut_cases[i].name, ut_cases[i].timeout_s);
		return 0;
	}
	if (!strcmp(argv[1], "--helper") && argc >= 3) {
		for (int i = 0; i < ut_nhelpers; i++)
			if (!strcmp(ut_helpers[i].name, argv[2]))
				return ut_helpers[i].fn(argc - 3, argv + 3);
		u_out("# no helper %s\n", argv[2]);
		return 120;
	}
	for (int i = 0; i < ut_ncases; i++) {
		if (strcmp(ut_cases[i].name, argv[1]))
			continue;
		/* Cases may count on fds 0-2 being the only ones open. */
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
		ut_cases[i].fn();
		if (ut_scratch_dir[0]) {
			if (chdir("/") != 0 || u_rmtree(ut_scratch_dir) != 0)
				ut_fail_(__LINE__, "cannot remove %s", ut_scratch_dir);
		}
		return ut_failed ? 1 : 0;
	}
	u_out("# no case %s\n", argv[1]);
	return 2;
}

#define UT_MAIN()                                                                                  \
	int main(int argc, char **argv)                                                            \
	{                                                                                          \
		return ut_main(argc, argv);                                                        \
	}

#endif

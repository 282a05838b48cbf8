/* runner.c: runs the user test cases, each in its own child, and prints KTAP.
 *
 * Usage: utest-runner [SEL...]   where SEL is
 *   base (the default)  every program that needs no fork(): t_fs t_pipe ...
 *   cow                 the fork/copy-on-write group (t_cow)
 *   thread              POSIX threads and futex (t_thread)
 *   hostile             bad pointers, faults, forged CPU state, exhaustion,
 *                       broken executables, bugs the fuzzer found
 *                       (t_efault t_faults ... t_fuzz_found)
 *   crash               reproducers of kernel crashes (t_hostile_crash); a
 *                       kernel with one of the bugs panics, so these run one
 *                       case per boot (tests/e2e/hostile.py)
 *   all                 every group but crash
 *   t_fs                one program, every case
 *   t_fs:open_basic     one case
 *
 * Theory of operation. The runner first asks every selected program for its
 * cases (`prog --list`, read through a pipe), so it can print the KTAP plan
 * `1..N` up front. Then for each case it reads MemFree, starts `prog case`
 * as a child (posix_spawn, i.e. clone(CLONE_VM|CLONE_VFORK); vfork if that
 * is missing: the kernel may not have fork() yet), polls wait4(WNOHANG)
 * until the child ends or its time limit passes (then SIGKILL), removes the
 * case's scratch directory /tmp/utest.<pid> if the case left it behind, and
 * reads MemFree again.
 *
 * Leak check. MemFree (kB, /proc/meminfo) after a case must not be below
 * the value before it by more than UTEST_MEM_TOLERANCE_KB (default 0). The
 * check is strict only on the project's kernel, which the guest's boot
 * announces with UTEST_GUEST=1 in the environment (sysname is "Linux" there
 * as well, so uname() cannot tell). UTEST_STRICT_MEM=1/0 forces it on/off.
 * On a Linux host MemFree moves with everything else on the machine, so the
 * check is off there. Without /proc/meminfo it is skipped, and the output
 * says so. A shortfall is re-read for up to 200 ms before it counts, in case
 * the kernel frees an exited child's memory a little later, and a case that
 * loses memory is run once more: only a second loss is a leak (first-use
 * growth of kernel caches happens once; a leak happens every time). In the
 * guest each reading is preceded by a write of 2 to /proc/sys/vm/drop_caches,
 * so that objects the kernel keeps for reuse (tasks) do not count.
 *
 * Time limits come from each case's --list line and are multiplied by
 * UTEST_TIMEOUT_SCALE (default 1; use more under Bochs).
 *
 * All output is written with write(2) so it interleaves in order with the
 * children's lines on the same stdout. The case loop allocates nothing: the
 * case list lives in static arrays filled before the first measurement. */
#include "ulib.h"

struct group {
	const char *name;
	const char *progs[8];
	bool not_in_all;
};

static const struct group groups[] = {
	{ "base", { "t_fs", "t_pipe", "t_mem", "t_proc", "t_misc", "t_procfs", NULL }, false },
	{ "cow", { "t_cow", NULL }, false },
	{ "thread", { "t_thread", NULL }, false },
	{ "hostile", { "t_efault", "t_faults", "t_hostile_cpu", "t_hostile_mm", "t_hostile_elf",
		       "t_exhaust", "t_fuzz_found", NULL }, false },
	{ "crash", { "t_hostile_crash", NULL }, true },
};

#define MAX_TESTS 1024
#define MAX_SELS 64

struct test {
	const char *prog;
	const char *name;
	int timeout_s;
	const char *error;    /* set: not runnable, fails with this reason */
};

static struct test tests[MAX_TESTS];
static int ntests;
static char list_buf[256 * 1024];
static size_t list_used;
static char bindir[PATH_MAX];

enum mem_mode { MEM_STRICT, MEM_OFF, MEM_ABSENT };

/* In the guest: free what the kernel keeps for reuse (not on a host, where
 * dropping caches would slow the machine for nothing: the check is off). */
static void drop_caches(void)
{
	const char *g = getenv("UTEST_GUEST");
	int fd;

	if (!g || strcmp(g, "1") || (fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC)) < 0)
		return;
	if (write(fd, "2\n", 2) < 0) {
		/* an older kernel without it: MemFree as it is */
	}
	close(fd);
}

/* Returns MemFree in kB from /proc/meminfo, or -1 if it cannot be read. */
static long mem_free_kb(void)
{
	static char buf[4096];
	long n;

	drop_caches();
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, "MemFree:");
	if (!p)
		return -1;
	return strtol(p + 8, NULL, 10);
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);
	return v && *v ? strtol(v, NULL, 10) : def;
}

static enum mem_mode pick_mem_mode(void)
{
	if (mem_free_kb() < 0)
		return MEM_ABSENT;
	long strict = env_long("UTEST_STRICT_MEM", env_long("UTEST_GUEST", 0));
	return strict == 1 ? MEM_STRICT : MEM_OFF;
}

static void add_error(const char *prog, const char *name, const char *error)
{
	if (ntests < MAX_TESTS)
		tests[ntests++] = (struct test){ prog, name ? name : "list", 0, error };
}

/* Runs `prog --list` and adds its cases (all, or only the one named by
 * only). Returns nothing; a program that cannot be listed becomes one
 * failing entry. */
static void list_prog(const char *prog, const char *only)
{
	char path[PATH_MAX];
	int p[2];
	int st;

	u_fmt(path, sizeof(path), "%s/%s", bindir, prog);
	if (pipe2(p, O_CLOEXEC) != 0)
		return add_error(prog, only, "pipe2 failed");
	char *argv[] = { path, (char *)"--list", NULL };
	pid_t pid = u_spawn(path, argv, environ, (int[3]){ -1, p[1], -1 });
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return add_error(prog, only, "cannot start program with --list");
	}

	char *start = list_buf + list_used;
	size_t room = sizeof(list_buf) - list_used - 1, got = 0;
	while (got < room) {
		ssize_t n = read(p[0], start + got, room - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	start[got] = 0;
	list_used += got + 1;
	if (u_wait_timeout(pid, &st, 30000, getpid() == 1) != 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return add_error(prog, only, "--list failed");

	int found = 0;
	for (char *line = strtok(start, "\n"); line; line = strtok(NULL, "\n")) {
		char *sp = strchr(line, ' ');
		if (!sp || ntests >= MAX_TESTS)
			continue;
		*sp = 0;
		if (only && strcmp(only, line))
			continue;
		tests[ntests++] = (struct test){ prog, line, atoi(sp + 1), NULL };
		found++;
	}
	if (only && !found)
		add_error(prog, only, "no such case");
}

static void select_arg(char *arg)
{
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		if (!strcmp(arg, groups[g].name) || (!strcmp(arg, "all") && !groups[g].not_in_all)) {
			for (int i = 0; groups[g].progs[i]; i++)
				list_prog(groups[g].progs[i], NULL);
		}
	}
	if (!strcmp(arg, "all"))
		return;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++)
		if (!strcmp(arg, groups[g].name))
			return;
	char *colon = strchr(arg, ':');
	if (colon)
		*colon = 0;
	list_prog(arg, colon ? colon + 1 : NULL);
}

/* Runs one case once; prints diagnostics. Returns true if it passed; *drop
 * gets how many kB MemFree fell beyond the tolerance (0 if none). */
static bool run_once(const struct test *t, enum mem_mode mode, long tolerance_kb, long scale,
		     long *drop)
{
	char path[PATH_MAX], sbuf[64], scratch[64];
	int st = 0;

	*drop = 0;

	if (t->error) {
		u_out("# %s: %s\n", t->prog, t->error);
		return false;
	}
	long before = mode == MEM_STRICT ? mem_free_kb() : -1;
	u_fmt(path, sizeof(path), "%s/%s", bindir, t->prog);
	char *argv[] = { path, (char *)t->name, NULL };
	pid_t pid = u_spawn(path, argv, environ, NULL);
	if (pid < 0) {
		u_out("# cannot start %s: %s\n", path, u_errname(-pid));
		return false;
	}
	long limit_ms = (long)t->timeout_s * 1000 * scale;
	int r = u_wait_timeout(pid, &st, limit_ms, getpid() == 1);
	if (r == -ETIMEDOUT) {
		u_out("# timed out after %ld s, killed\n", limit_ms / 1000);
		return false;
	}
	if (r != 0) {
		u_out("# timed out after %ld s; kill or wait failed: %s; moving on\n",
		      limit_ms / 1000, u_errname(-r));
		return false;
	}
	snprintf(scratch, sizeof(scratch), "/tmp/utest.%d", (int)pid);
	u_rmtree(scratch);

	bool ok = WIFEXITED(st) && WEXITSTATUS(st) == 0;
	if (!ok)
		u_out("# child ended with %s\n", u_status_str(st, sbuf, sizeof(sbuf)));
	if (before >= 0) {
		long after = mem_free_kb();
		for (int i = 0; i < 20 && after >= 0 && before - after > tolerance_kb; i++) {
			u_sleep_ms(10);
			after = mem_free_kb();
		}
		if (after < 0 || before - after > tolerance_kb)
			*drop = after < 0 ? -1 : before - after;
		if (*drop)
			u_out("# MemFree %ld kB before, %ld kB after (tolerance %ld kB)\n", before,
			      after, tolerance_kb);
	}
	return ok;
}

/* Runs one case. A kernel may grow its caches the first time a case uses a
 * path (a new slab size, page tables for its heap area), so a fall in
 * MemFree is a leak only if it happens again: the case is run a second time
 * and fails only if that run also loses memory. A real leak loses on every
 * run. */
static bool run_one(const struct test *t, enum mem_mode mode, long tolerance_kb, long scale)
{
	long drop;
	bool ok = run_once(t, mode, tolerance_kb, scale, &drop);

	if (!ok || !drop)
		return ok;
	u_out("# running again to tell a leak from first-use kernel caches\n");
	ok = run_once(t, mode, tolerance_kb, scale, &drop);
	if (ok && drop) {
		u_out("# leak: MemFree fell on two runs in a row\n");
		ok = false;
	}
	return ok;
}

/* Touches 64 KiB of stack below this frame, so stack pages the case loop
 * (posix_spawn keeps a 5 KiB child stack in its frame) touches for the
 * first time are not counted as a case's leak. */
static __attribute__((noinline)) void prefault_stack(void)
{
	volatile char pad[64 * 1024];

	for (size_t i = 0; i < sizeof(pad); i += 512)
		pad[i] = 0;
}

/* Reaps children that are not ours (orphans, when the runner is pid 1;
 * it reaps them while it waits for a case, too). */
static void reap_strays(void)
{
	if (getpid() != 1)
		return;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(int argc, char **argv)
{
	char pidbuf[16];

	/* Children get only fds 0-2 (the cases count on it). */
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	u_prog_dir(argv[0], bindir);
	if (getenv("UTEST_BINDIR"))
		snprintf(bindir, sizeof(bindir), "%s", getenv("UTEST_BINDIR"));
	setenv("UTEST_BINDIR", bindir, 1);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)getpid());
	setenv("UTEST_RUNNER_PID", pidbuf, 1);

	if (argc < 2)
		select_arg((char *)"base");
	for (int i = 1; i < argc && i < MAX_SELS; i++)
		select_arg(argv[i]);

	prefault_stack();
	enum mem_mode mode = pick_mem_mode();
	long tolerance = env_long("UTEST_MEM_TOLERANCE_KB", 0);
	long scale = env_long("UTEST_TIMEOUT_SCALE", 1);
	if (scale < 1)
		scale = 1;

	u_out("KTAP version 1\n1..%d\n", ntests);
	if (mode == MEM_ABSENT)
		u_out("# leak check skipped: /proc/meminfo absent\n");
	else if (mode == MEM_OFF)
		u_out("# leak check off (set UTEST_GUEST=1 or UTEST_STRICT_MEM=1 to enable)\n");
	else
		u_out("# leak check on: MemFree compared per case, tolerance %ld kB\n", tolerance);

	int passed = 0, failed = 0;
	for (int i = 0; i < ntests; i++) {
		bool ok = run_one(&tests[i], mode, tolerance, scale);
		reap_strays();
		u_out("%sok %d - %s:%s\n", ok ? "" : "not ", i + 1, tests[i].prog, tests[i].name);
		ok ? passed++ : failed++;
	}
	u_out("# utest: %d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}

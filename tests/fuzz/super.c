/* super.c: the fuzzing run's pid 1 (/bin/fuzz-super): runs the fuzzer and
 * then checks that the kernel came through it, one KTAP line per check.
 *
 * Settings (kernel command line words, which reach init as environment):
 *   FUZZ_SEED=N          the seed (default: from the clock; printed)
 *   FUZZ_SECONDS=N       how long the measured run lasts (60)
 *   FUZZ_WORKERS=N       fuzzer processes at once (4)
 *   FUZZ_WARMUP=N        seconds of the warm-up run (10)
 *   FUZZ_MEM_TOLERANCE_KB=N   MemFree drop still accepted (0)
 *   FUZZ_REPEATS=N       how many times the run is made again while MemFree
 *                        keeps falling (2; see below)
 *   FUZZ_VERBOSE=1       the fuzzer logs every call (to replay a crash)
 *   FUZZ_AVOID=BUG       pass -x BUG to the fuzzer (see fuzz.c)
 *   FUZZ_THEN=PROGRAM    at the end, exec PROGRAM as pid 1 (e.g. /sbin/init,
 *                       so that the usual BusyBox shell comes up on the
 *                       console after the fuzzing: tests/e2e/fuzz.py)
 *   FUZZ_ONLY=I FUZZ_GEN=G FUZZ_CALLS=N FUZZ_LOG_FROM=K   replay aids:
 *                        only worker I, only its generation G, N calls,
 *                        log calls from K on (-W, -G, -n, -V)
 *
 * Theory of operation. The kernel grows some caches the first time a path
 * is used (slabs of a new size, page tables of the heap areas), so a short
 * warm-up run with another seed comes first; then MemFree is read, the
 * measured run is made, every process left is killed and reaped (orphans
 * come to us, pid 1), and MemFree is read again. A run can still reach a
 * path the warm-up did not (a kernel stack slot or heap slab further up
 * than ever, whose page table then stays), so a fall is judged only after
 * the same run is made again, up to FUZZ_REPEATS times: a cache stops
 * growing at its high-water mark, a leak grows every time, so one repeat
 * that loses nothing clears the run. MemFree is read after a write to
 * /proc/sys/vm/drop_caches (tasks kept for reuse do not count), and the
 * kernel's own page tables (never freed, see free_but_tables_kb) are left
 * out of the comparison; files the fuzzer's children left in /tmp are
 * removed first (tmp_debris). Where the memory is (file data, heap,
 * kernel stacks, page tables) is printed around each run. Last, a fresh
 * program must start and exit with the code it is given. */
#include "../user/ulib.h"

static int passed, failed, num;

__attribute__((format(printf, 2, 3))) static void result(bool ok, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	u_out("%sok %d - %s\n", ok ? "" : "not ", ++num, buf);
	ok ? passed++ : failed++;
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);
	return v && *v ? strtol(v, NULL, 0) : def;
}

/* The value of field in /proc/meminfo in kB, or -1. */
static long meminfo_kb(const char *field)
{
	static char buf[4096];
	int fd = open("/proc/meminfo", O_RDONLY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	char *p = strstr(buf, field);
	return p ? strtol(p + strlen(field), NULL, 10) : -1;
}

/* MemFree in kB, or -1; the kernel first lets go of what it keeps for
 * reuse (the task cache: /proc/sys/vm/drop_caches, as the test runner). */
static long mem_free_kb(void)
{
	int fd = open("/proc/sys/vm/drop_caches", O_WRONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (write(fd, "2\n", 2) < 0) {
			/* a kernel without it: MemFree as it is */
		}
		close(fd);
	}
	return meminfo_kb("MemFree:");
}

/* MemFree plus the page tables, in kB. Once every process but this one is
 * gone, what PageTables holds beyond this process's own tables is the
 * kernel's tables for its heap and stack areas, which it never frees (a
 * high-water mark: one more page table when a run uses a heap or stack
 * slot further up than any run before). They are printed, and left out of
 * the comparison. */
static long free_but_tables_kb(void)
{
	long free_kb = mem_free_kb(), tables = meminfo_kb("PageTables:");

	return free_kb < 0 || tables < 0 ? -1 : free_kb + tables;
}

/* Prints where the memory is (kB), to tell a leak from a cache. */
static void mem_report(const char *when)
{
	long free_kb = mem_free_kb(); /* first: it drops the caches */

	u_out("# fuzz: %s: MemFree %ld, file data %ld, heap %ld, kernel stacks %ld, "
	      "page tables %ld kB\n", when, free_kb, meminfo_kb("Cached:"),
	      meminfo_kb("Slab:"), meminfo_kb("KernelStack:"), meminfo_kb("PageTables:"));
}

/* Ends every process but this one and reaps them all, so that the
 * fuzzer's leftovers (a child that blocked its alarm, a stopped one, one
 * in a session of its own: orphans all come to us, pid 1) give their
 * memory back. Says how many there were. */
static void settle(void)
{
	int n = 0;

	for (int i = 0; i < 10; i++) { /* those that are exiting anyway */
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		u_sleep_ms(20);
	}
	kill(-1, SIGKILL); /* as pid 1: everyone else (ESRCH: nobody) */
	for (int i = 0; i < 500; i++) {
		pid_t p = waitpid(-1, NULL, WNOHANG);
		if (p > 0) {
			n++;
			continue;
		}
		if (p < 0)
			break; /* ECHILD: nobody is left */
		u_sleep_ms(10);
	}
	if (n)
		u_out("# fuzz: %d leftover processes killed and reaped\n", n);
}

/* /tmp as it was before any fuzzing: the names in it, NUL-separated. */
static char tmp_before[8192];
static size_t tmp_before_len;

static bool tmp_had(const char *name)
{
	for (size_t i = 0; i < tmp_before_len; i += strlen(tmp_before + i) + 1)
		if (!strcmp(tmp_before + i, name))
			return true;
	return false;
}

/* Records /tmp's entries (first call), or removes every entry that was not
 * there then (later calls): what the fuzzer's children left in the one
 * directory they can write to outside the scratch directory (programs it
 * execs run as a user of their own, with the cwd the worker had, and a
 * stray system call of theirs can create a file there). Files are memory
 * on a ramfs, but not the kernel's: they do not count against it. */
static void tmp_debris(bool record)
{
	DIR *d = opendir("/tmp");
	struct dirent *de;
	int n = 0;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		size_t len = strlen(de->d_name) + 1;
		if (record && tmp_before_len + len <= sizeof(tmp_before)) {
			memcpy(tmp_before + tmp_before_len, de->d_name, len);
			tmp_before_len += len;
		} else if (!record && !tmp_had(de->d_name)) {
			char path[PATH_MAX];
			u_fmt(path, sizeof(path), "/tmp/%s", de->d_name);
			n += u_rmtree(path) == 0;
		}
	}
	closedir(d);
	if (n)
		u_out("# fuzz: %d files or directories the fuzzer left in /tmp removed\n", n);
}

static char bindir[PATH_MAX];

/* Runs the fuzzer; returns a description of how it ended in how, and
 * true if it exited 0 in time. */
static bool run_fuzz(uint64_t seed, long seconds, long workers, bool verbose, char *how,
		     size_t size)
{
	char path[PATH_MAX], s_seed[32], s_sec[16], s_w[16];
	const char *dir = "/tmp/fuzz.run";
	int st = 0;

	u_fmt(path, sizeof(path), "%s/fuzz", bindir);
	u_fmt(s_seed, sizeof(s_seed), "%#llx", (unsigned long long)seed);
	u_fmt(s_sec, sizeof(s_sec), "%ld", seconds);
	u_fmt(s_w, sizeof(s_w), "%ld", workers);
	char *argv[24] = { path,  (char *)"-g", (char *)"-s", s_seed,    (char *)"-t",
			   s_sec, (char *)"-w", s_w,   (char *)"-d", (char *)dir };
	int n = 10;
	if (getenv("FUZZ_AVOID") && *getenv("FUZZ_AVOID")) {
		argv[n++] = (char *)"-x";
		argv[n++] = getenv("FUZZ_AVOID");
	}
	if (verbose)
		argv[n++] = (char *)"-v";
	static const char *const passthru[][2] = { { "FUZZ_ONLY", "-W" }, { "FUZZ_CALLS", "-n" },
						   { "FUZZ_LOG_FROM", "-V" }, { "FUZZ_GEN", "-G" } };
	for (size_t i = 0; i < 4; i++) {
		const char *v = getenv(passthru[i][0]);
		if (v && *v && seconds > 0) {
			argv[n++] = (char *)passthru[i][1];
			argv[n++] = (char *)v;
		}
	}
	argv[n] = NULL;
	pid_t pid = u_spawn(path, argv, environ, NULL);
	if (pid < 0) {
		u_fmt(how, size, "cannot start %s: %s", path, u_errname(-pid));
		return false;
	}
	/* The fuzzer stops its workers itself; give it ample time for that. */
	int r = u_wait_timeout(pid, &st, (seconds + 60) * 1000 * env_long("FUZZ_TIME_SCALE", 1), true);
	settle();
	u_rmtree(dir);
	tmp_debris(false);
	if (r != 0) {
		u_fmt(how, size, "did not finish in time (%s)", u_errname(-r));
		return false;
	}
	u_status_str(st, how, size);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(int argc, char **argv)
{
	uint64_t seed = (uint64_t)env_long("FUZZ_SEED", 0);
	long seconds = env_long("FUZZ_SECONDS", 60), workers = env_long("FUZZ_WORKERS", 4);
	long warmup = env_long("FUZZ_WARMUP", 10), tol = env_long("FUZZ_MEM_TOLERANCE_KB", 0);
	long repeats = env_long("FUZZ_REPEATS", 2);
	bool verbose = env_long("FUZZ_VERBOSE", 0) == 1;
	char how[128];

	(void)argc;
	if (!getenv("FUZZ_SEED") || !*getenv("FUZZ_SEED"))
		seed = (uint64_t)u_now_ms() * 0x9e3779b97f4a7c15ull;
	u_prog_dir(argv[0], bindir);
	if (getenv("UTEST_BINDIR"))
		u_fmt(bindir, sizeof(bindir), "%s", getenv("UTEST_BINDIR"));
	tmp_debris(true);
	u_out("KTAP version 1\n1..4\n");
	u_out("# fuzz: seed %#llx, %ld s, %ld workers, warm-up %ld s (replay: FUZZ_SEED=%#llx)\n",
	      (unsigned long long)seed, seconds, workers, warmup, (unsigned long long)seed);

	bool ok = warmup <= 0 || run_fuzz(seed ^ 0x5eed5eed5eedull, warmup, workers, false, how, sizeof(how));
	if (warmup <= 0)
		u_fmt(how, sizeof(how), "skipped");
	result(ok, "fuzz: warm-up run (%ld s): %s", warmup, how);

	mem_report("before the run");
	long before = free_but_tables_kb(), free0 = mem_free_kb(), tables0 = meminfo_kb("PageTables:");
	ok = run_fuzz(seed, seconds, workers, verbose, how, sizeof(how));
	result(ok, "fuzz: run of %ld s, seed %#llx: %s", seconds, (unsigned long long)seed, how);

	mem_report("after the run");
	long after = free_but_tables_kb();
	for (long i = 0; i < repeats && before >= 0 && after >= 0 && before - after > tol; i++) {
		u_out("# fuzz: %ld kB lost besides page tables: the same run again tells a leak "
		      "from first-use growth\n", before - after);
		before = after;
		run_fuzz(seed, seconds, workers, false, how, sizeof(how));
		mem_report("after the run again");
		after = free_but_tables_kb();
	}
	result(before >= 0 && after >= 0 && before - after <= tol,
	       "fuzz: MemFree back (%ld kB before, %ld kB after; kernel page tables %+ld kB; "
	       "tolerance %ld kB)", free0, mem_free_kb(), meminfo_kb("PageTables:") - tables0, tol);

	char path[PATH_MAX];
	int st = -1;
	u_fmt(path, sizeof(path), "%s/fuzz", bindir);
	char *av[] = { path, (char *)"--exit", (char *)"7", NULL };
	pid_t pid = u_spawn(path, av, environ, NULL);
	if (pid > 0 && u_wait_timeout(pid, &st, 30000, true) != 0)
		st = -1;
	result(pid > 0 && st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 7,
	       "fuzz: the kernel still runs a new program (%s)",
	       pid < 0 ? u_errname(-pid) : st < 0 ? "no exit" : u_status_str(st, how, sizeof(how)));

	u_out("# fuzz: %d passed, %d failed\n", passed, failed);
	const char *then = getenv("FUZZ_THEN");
	if (then && *then) {
		char *tv[] = { (char *)then, NULL };
		execve(then, tv, environ);
		u_out("# fuzz: cannot run %s: %s\n", then, u_errname(errno));
	}
	return failed ? 1 : 0;
}

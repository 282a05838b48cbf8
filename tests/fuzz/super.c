/* super.c: the fuzzing run's pid 1 (/bin/fuzz-super): runs the fuzzer and
 * then checks that the kernel came through it, one KTAP line per check.
 *
 * Settings (kernel command line words, which reach init as environment):
 *   FUZZ_SEED=N          the seed (default: from the clock; printed)
 *   FUZZ_SECONDS=N       how long the measured run lasts (60)
 *   FUZZ_WORKERS=N       fuzzer processes at once (4)
 *   FUZZ_WARMUP=N        seconds of the warm-up run (10)
 *   FUZZ_MEM_TOLERANCE_KB=N   MemFree drop still accepted (0)
 *   FUZZ_VERBOSE=1       the fuzzer logs every call (to replay a crash)
 *   FUZZ_AVOID=BUG       pass -x BUG to the fuzzer (see fuzz.c)
 *   FUZZ_ONLY=I FUZZ_GEN=G FUZZ_CALLS=N FUZZ_LOG_FROM=K   replay aids:
 *                        only worker I, only its generation G, N calls,
 *                        log calls from K on (-W, -G, -n, -V)
 *
 * Theory of operation. The kernel grows some caches the first time a path
 * is used (slabs of a new size, page tables of the heap areas), so a short
 * warm-up run with another seed comes first; then MemFree is read, the
 * measured run is made, everything is reaped (orphans come to us, pid 1),
 * and MemFree is read again. A run can still reach a path the warm-up did
 * not, so a fall is judged only after the same run is made once more: a
 * cache grows once, a leak grows every time. Last, a fresh program must
 * start and exit with the code it is given. */
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

/* MemFree in kB, or -1. */
static long mem_free_kb(void)
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
	char *p = strstr(buf, "MemFree:");
	return p ? strtol(p + 8, NULL, 10) : -1;
}

/* Reaps every child there is, for a while, so that orphans handed to us
 * are gone and their memory is back. */
static void settle(void)
{
	for (int i = 0; i < 10; i++) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		u_sleep_ms(50);
	}
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
	bool verbose = env_long("FUZZ_VERBOSE", 0) == 1;
	char how[128];

	(void)argc;
	if (!getenv("FUZZ_SEED") || !*getenv("FUZZ_SEED"))
		seed = (uint64_t)u_now_ms() * 0x9e3779b97f4a7c15ull;
	u_prog_dir(argv[0], bindir);
	if (getenv("UTEST_BINDIR"))
		u_fmt(bindir, sizeof(bindir), "%s", getenv("UTEST_BINDIR"));
	u_out("KTAP version 1\n1..4\n");
	u_out("# fuzz: seed %#llx, %ld s, %ld workers, warm-up %ld s (replay: FUZZ_SEED=%#llx)\n",
	      (unsigned long long)seed, seconds, workers, warmup, (unsigned long long)seed);

	bool ok = warmup <= 0 || run_fuzz(seed ^ 0x5eed5eed5eedull, warmup, workers, false, how, sizeof(how));
	if (warmup <= 0)
		u_fmt(how, sizeof(how), "skipped");
	result(ok, "fuzz: warm-up run (%ld s): %s", warmup, how);

	long before = mem_free_kb();
	ok = run_fuzz(seed, seconds, workers, verbose, how, sizeof(how));
	result(ok, "fuzz: run of %ld s, seed %#llx: %s", seconds, (unsigned long long)seed, how);

	long after = mem_free_kb();
	if (before >= 0 && after >= 0 && before - after > tol) {
		u_out("# fuzz: MemFree %ld kB before, %ld kB after: the same run again tells a "
		      "leak from first-use growth\n", before, after);
		before = after;
		run_fuzz(seed, seconds, workers, false, how, sizeof(how));
		after = mem_free_kb();
	}
	result(before >= 0 && after >= 0 && before - after <= tol,
	       "fuzz: MemFree back (%ld kB before, %ld kB after, tolerance %ld kB)", before, after,
	       tol);

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
	return failed ? 1 : 0;
}

/* bench.c: the benchmark driver, run as /init (pid 1) on this kernel and on Linux.
 *
 * Theory of operation. The host (tools/bench.py) boots a kernel with an
 * initramfs holding this program as /init, the helpers bench-nop and
 * bench-spawnloop, and BusyBox when it was built. We
 *
 *   1. make the environment both kernels need: fds 0-2 on /dev/console
 *      (Linux gives init none if its initramfs has no /dev/console; we then
 *      mount devtmpfs and open it), devtmpfs on /dev and proc on /proc when
 *      they are not there yet;
 *   2. print the marker line "bench-init# " at once: the host measures the
 *      boot time from emulator start to this marker on serial;
 *   3. run each benchmark and print one line per figure,
 *          BENCH <name> <ns per operation> <operations> [note]
 *      then "BENCH-END", and power off (reboot(RB_POWER_OFF)).
 *
 * Each benchmark is a function that runs n operations and returns the
 * nanoseconds they took (CLOCK_MONOTONIC), or -1 on failure. measure() starts
 * with n = 1 and grows n until one run lasts at least the target time
 * (BENCH_MODE=full: 50 ms, quick: 5 ms) or n reaches the benchmark's cap,
 * runs that n again until there are 5 runs (quick: 1), and reports the
 * fastest. Doing the same amount of *time* on both kernels keeps the run
 * length bounded however slow a kernel is.
 *
 * Memory benchmarks advise MADV_NOHUGEPAGE (Debian's Linux has transparent
 * huge pages "always"), so both kernels take one fault per 4 KiB page.
 *
 * BENCH_MODE=boot prints the marker and powers off at once (the host's
 * smallest-RAM search). Outside pid 1 (e.g. on the build machine) the same
 * program runs the benchmarks and exits instead of powering off. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MARKER "bench-init# "
#define PAGE 4096L
#define NOP_PATH "/bin/bench-nop"
#define SPAWNLOOP_PATH "/bin/bench-spawnloop"
#define SH_PATH "/bin/sh"
#define SHELL_LOOP_COUNT 200
#define BIG_MIB 64L
#define PIPE_CHUNK 65536
#define FAULT_BATCH 1024L /* pages faulted per mapping or per child */

static long target_ns = 50 * 1000000L; /* one run */
static int reps = 5;                    /* runs per figure */
static int quick;

/* printf to fd 1 with one write() per call: no stdio buffer to lose or to
 * duplicate into children. */
__attribute__((format(printf, 1, 2))) static void out(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	for (char *p = buf; n > 0;) {
		ssize_t w = write(1, p, (size_t)n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (int)w;
	}
}

static long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Waits for pid; returns 0 if it exited with status 0, else -1. */
static int wait_ok(pid_t pid)
{
	int st;

	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* An anonymous private mapping of len bytes in 4 KiB pages, or NULL. */
static char *map_anon(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	madvise(p, len, MADV_NOHUGEPAGE); /* may be refused: then there are none */
	return p;
}

static void touch_pages(volatile char *p, long pages, char v)
{
	for (long i = 0; i < pages; i++)
		p[i * PAGE] = v;
}

/* ---- the benchmarks: each runs n operations, returns ns or -1 ------------ */

static long b_getppid(long n)
{
	long t0 = now_ns();

	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return now_ns() - t0;
}

static long b_fork(long n)
{
	long t0 = now_ns();

	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || wait_ok(pid))
			return -1;
	}
	return now_ns() - t0;
}

static long b_vfork(long n)
{
	long t0 = now_ns();

	for (long i = 0; i < n; i++) {
		pid_t pid = vfork();
		if (pid == 0)
			_exit(0);
		if (pid < 0 || wait_ok(pid))
			return -1;
	}
	return now_ns() - t0;
}

/* fork, then execve argv in the child; returns the child's pid or -1. */
static pid_t fork_exec(char *const argv[])
{
	static char *const envp[] = { "PATH=/bin:/sbin:/usr/bin", NULL };
	pid_t pid = fork();

	if (pid == 0) {
		execve(argv[0], argv, envp);
		_exit(127);
	}
	return pid;
}

static long b_fork_exec(long n)
{
	char *const argv[] = { NOP_PATH, NULL };
	long t0 = now_ns();

	for (long i = 0; i < n; i++) {
		pid_t pid = fork_exec(argv);
		if (pid < 0 || wait_ok(pid))
			return -1;
	}
	return now_ns() - t0;
}

/* SHELL_LOOP_COUNT runs of bench-nop from BusyBox sh's while loop, or from
 * bench-spawnloop (posix_spawn) when there is no /bin/sh. n is ignored: the
 * run is always the same loop. */
static long b_shell_loop(long n)
{
	char count[16], script[160];
	char *sh_argv[] = { SH_PATH, "-c", script, NULL };
	char *spawn_argv[] = { SPAWNLOOP_PATH, count, NOP_PATH, NULL };
	int have_sh = access(SH_PATH, X_OK) == 0;
	long t0;
	pid_t pid;

	(void)n;
	snprintf(count, sizeof(count), "%d", SHELL_LOOP_COUNT);
	snprintf(script, sizeof(script),
		 "i=0; while [ $i -lt %d ]; do %s || exit 1; i=$((i+1)); done", SHELL_LOOP_COUNT,
		 NOP_PATH);
	t0 = now_ns();
	pid = fork_exec(have_sh ? sh_argv : spawn_argv);
	if (pid < 0 || wait_ok(pid))
		return -1;
	return now_ns() - t0;
}

/* One child per batch of up to FAULT_BATCH pages: the parent's pages are
 * present and shared copy-on-write after fork; the child writes each once
 * (one CoW fault per page) and reports the time through a pipe. */
static long b_cow_fault(long n)
{
	char *p = map_anon(FAULT_BATCH * PAGE);
	long total = 0;
	int fds[2];

	if (!p || pipe(fds))
		return -1;
	touch_pages(p, FAULT_BATCH, 1);
	for (long done = 0; done < n && total >= 0;) {
		long pages = n - done < FAULT_BATCH ? n - done : FAULT_BATCH, ns;
		pid_t pid = fork();
		if (pid == 0) {
			long t0 = now_ns();
			touch_pages(p, pages, 2);
			ns = now_ns() - t0;
			_exit(write_full(fds[1], &ns, sizeof(ns)) ? 1 : 0);
		}
		if (pid < 0 || read_full(fds[0], &ns, sizeof(ns)) || wait_ok(pid))
			total = -1;
		else
			total += ns;
		done += pages;
	}
	close(fds[0]);
	close(fds[1]);
	munmap(p, FAULT_BATCH * PAGE);
	return total;
}

/* Fresh mappings of up to FAULT_BATCH pages, each page written once (one
 * demand-zero fault each); only the writes are timed. */
static long b_zero_fault(long n)
{
	long total = 0;

	for (long done = 0; done < n;) {
		long pages = n - done < FAULT_BATCH ? n - done : FAULT_BATCH, t0;
		char *p = map_anon((size_t)pages * PAGE);
		if (!p)
			return -1;
		t0 = now_ns();
		touch_pages(p, pages, 1);
		total += now_ns() - t0;
		munmap(p, (size_t)pages * PAGE);
		done += pages;
	}
	return total;
}

static char *big;

/* fork+exit+wait with BIG_MIB MiB of written private memory (mapped and
 * touched once, outside the timing; kept over the runs of one measure()). */
static long b_fork_big(long n)
{
	if (!big) {
		if (!(big = map_anon((size_t)BIG_MIB << 20)))
			return -1;
		touch_pages(big, (BIG_MIB << 20) / PAGE, 1);
	}
	return b_fork(n);
}

static void fork_big_done(void)
{
	if (big)
		munmap(big, (size_t)BIG_MIB << 20);
	big = NULL;
}

/* Parent sends one byte, the child echoes it: n round trips. */
static long b_pipe_rtt(long n)
{
	int to[2], from[2];
	long t0, t;
	char c = 0;
	pid_t pid;

	if (pipe(to) || pipe(from))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		while (read(to[0], &c, 1) == 1)
			if (write(from[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	t0 = now_ns();
	for (long i = 0; i < n && pid > 0; i++)
		if (write(to[1], &c, 1) != 1 || read(from[0], &c, 1) != 1)
			pid = -1;
	t = now_ns() - t0;
	close(to[1]);
	close(from[0]);
	if (pid < 0 || wait_ok(pid))
		return -1;
	return t;
}

/* The child writes n chunks of PIPE_CHUNK bytes; the parent reads them all. */
static long b_pipe_bw(long n)
{
	static char buf[PIPE_CHUNK];
	long t0, t, want = n * PIPE_CHUNK, got = 0;
	int fds[2];
	pid_t pid;

	if (pipe(fds))
		return -1;
	t0 = now_ns();
	pid = fork();
	if (pid == 0) {
		close(fds[0]);
		memset(buf, 'x', sizeof(buf));
		for (long i = 0; i < n; i++)
			if (write_full(fds[1], buf, sizeof(buf)))
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	while (pid > 0 && got < want) {
		ssize_t r = read(fds[0], buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += r;
	}
	t = now_ns() - t0;
	close(fds[0]);
	if (pid < 0 || wait_ok(pid) || got != want)
		return -1;
	return t;
}

/* Two processes hand a turn back and forth through shared memory, yielding
 * while it is the other's turn: n handoffs, each at least one switch. */
static long b_ctxsw(long n)
{
	volatile long *turn = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
				   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	long t0, t;
	pid_t pid;

	if (turn == MAP_FAILED)
		return -1;
	*turn = 0;
	t0 = now_ns();
	pid = fork();
	if (pid == 0) {
		for (long i = 1; i < n; i += 2) {
			while (*turn != i)
				sched_yield();
			*turn = i + 1;
		}
		_exit(0);
	}
	for (long i = 0; i < n && pid > 0; i += 2) {
		while (*turn != i)
			sched_yield();
		*turn = i + 1;
	}
	if (pid < 0 || wait_ok(pid)) {
		munmap((void *)turn, PAGE);
		return -1;
	}
	t = now_ns() - t0;
	munmap((void *)turn, PAGE);
	return t;
}

/* ---- driver -------------------------------------------------------------- */

struct bench {
	const char *name;
	long (*fn)(long n);
	long cap_full, cap_quick; /* most operations in one run */
	int reps;                 /* at most this many runs (0: `reps`) */
	void (*done)(void);       /* after the last run, if set */
};

static const struct bench benches[] = {
	{ .name = "getppid", .fn = b_getppid, .cap_full = 1L << 24, .cap_quick = 1L << 12 },
	{ .name = "fork_exit_wait", .fn = b_fork, .cap_full = 1L << 14, .cap_quick = 8 },
	{ .name = "vfork_exit_wait", .fn = b_vfork, .cap_full = 1L << 15, .cap_quick = 8 },
	{ .name = "fork_exec_wait", .fn = b_fork_exec, .cap_full = 1L << 13, .cap_quick = 4 },
	{ .name = "shell_loop_cmd", .fn = b_shell_loop, .cap_full = 1, .cap_quick = 1, .reps = 3 },
	{ .name = "cow_fault", .fn = b_cow_fault, .cap_full = 1L << 18, .cap_quick = 64 },
	{ .name = "zero_fault", .fn = b_zero_fault, .cap_full = 1L << 18, .cap_quick = 64 },
	{ .name = "fork_64mib", .fn = b_fork_big, .cap_full = 1L << 10, .cap_quick = 2,
	  .done = fork_big_done },
	{ .name = "pipe_rtt", .fn = b_pipe_rtt, .cap_full = 1L << 20, .cap_quick = 64 },
	{ .name = "pipe_64kib", .fn = b_pipe_bw, .cap_full = 1L << 15, .cap_quick = 16 },
	{ .name = "ctxsw_yield", .fn = b_ctxsw, .cap_full = 1L << 20, .cap_quick = 64 },
};

/* Grows n until one run takes target_ns or n hits the cap, then repeats
 * that run until there are `reps` of them (b->reps if fewer) and prints the
 * fastest as its BENCH line, or a BENCH-ERROR line. The fastest of several
 * runs shrugs off the moments the host gave the emulator less CPU. */
static void measure(const struct bench *b)
{
	long cap = quick ? b->cap_quick : b->cap_full, n = 1, t, best;
	int runs = b->reps && b->reps < reps ? b->reps : reps;

	for (;;) {
		if ((t = b->fn(n)) < 0)
			goto fail;
		if (t >= target_ns || n >= cap)
			break;
		/* Aim a little past the target; grow at least 2x, at most 16x. */
		long next = t > 0 ? (long)((double)n * target_ns * 1.2 / t) : n * 16;
		next = next < 2 * n ? 2 * n : next > 16 * n ? 16 * n : next;
		n = next > cap ? cap : next;
	}
	best = t;
	for (int i = 1; i < runs; i++) {
		if ((t = b->fn(n)) < 0)
			goto fail;
		best = t < best ? t : best;
	}
	if (b->done)
		b->done();
	if (b->fn == b_shell_loop)
		out("BENCH %s %.1f %d %s\n", b->name, (double)best / SHELL_LOOP_COUNT,
		    SHELL_LOOP_COUNT, access(SH_PATH, X_OK) == 0 ? "sh" : "posix_spawn");
	else
		out("BENCH %s %.1f %ld\n", b->name, (double)best / n, n);
	return;
fail:
	out("BENCH-ERROR %s failed at n=%ld (errno %d: %s)\n", b->name, n, errno, strerror(errno));
	if (b->done)
		b->done();
}

/* As pid 1: the console on fds 0-2, /dev and /proc mounted (both kernels). */
static void setup_init(void)
{
	struct stat st;

	if (stat("/dev/null", &st))
		mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	if (fcntl(1, F_GETFD) < 0) {
		int fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
			dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	if (stat("/proc/self", &st))
		mount("proc", "/proc", "proc", 0, NULL);
	setenv("PATH", "/bin:/sbin:/usr/bin", 1);
}

int main(void)
{
	const char *mode = getenv("BENCH_MODE");
	int is_init = getpid() == 1;

	if (is_init)
		setup_init();
	out("\n" MARKER "\n");
	if (mode && !strcmp(mode, "quick")) {
		quick = 1;
		target_ns = 5 * 1000000L;
		reps = 1;
	}
	if (!mode || strcmp(mode, "boot")) {
		out("BENCH-MODE %s run_ms=%ld runs=%d\n", quick ? "quick" : "full",
		    target_ns / 1000000, reps);
		for (size_t i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
			measure(&benches[i]);
		out("BENCH-END\n");
	}
	if (!is_init)
		return 0;
	sync();
	reboot(RB_POWER_OFF);
	out("bench: reboot(RB_POWER_OFF) returned (errno %d)\n", errno);
	return 1;
}

/* fuzz.c: a seeded, replayable system-call fuzzer for the kernel's Linux
 * x86_64 ABI (a static musl program; also safe to run as root on Linux).
 *
 *   fuzz [-s SEED] [-t SECONDS] [-w WORKERS] [-n CALLS] [-W ONLY] [-d DIR] [-g] [-v]
 *        [-x BUG]...
 *   fuzz --exit N          exit with N at once (an execve target)
 *
 *   -s  64-bit seed (default: from the clock); printed first, so any run
 *       can be repeated exactly          -t  run time in seconds (10)
 *   -w  worker processes at once (4)     -n  stop each worker after N calls
 *   -W  run only worker ONLY (replay)    -d  scratch dir (/tmp/fuzz.<pid>)
 *   -g  guest mode: also execs mutated ELF images and calls numbers the
 *       kernel does not implement (not done on a host)
 *   -v  log every call before it is made (for replaying a crash)
 *   -V N  the same from each worker's call N on (the log is slow on a
 *       serial console; find N first with -n)
 *   -G G  with -W: start at generation G and make only that one (a crash
 *       is then narrowed down with -n and logged with -V); with -W alone,
 *       each generation's start is printed
 *   -x  steer clear of a known kernel bug (named like its reproducer in
 *       tests/user/t_hostile_crash.c), to look for others meanwhile:
 *       exec_shebang_empty_interp (no "#!" file without an interpreter),
 *       mmap_hint_overlap (no mmap or mremap hint inside user space
 *       without MAP_FIXED / MREMAP_FIXED, and no MREMAP_FIXED at all),
 *       mremap_huge_len (no mremap to 2^40 bytes or more)
 *
 * Theory of operation. The main process makes the scratch directory, a
 * shared area (one record per worker: a ring of the last RING calls, call
 * counters, per-syscall tallies) and forks the workers. Worker i of
 * generation g draws everything from a generator seeded with
 * mix(seed, i, g): which call (from the set the kernel implements), and
 * each argument from hostile pools (fds open, closed and foreign; kernel,
 * non-canonical, unmapped, PROT_NONE, read-only and page-straddling
 * pointers; huge, negative and boundary lengths; random flag bits). With
 * the same seed and the same kernel the same calls are made (signal timing
 * aside). Before each call the worker writes it into its ring; the main
 * process prints the ring when a worker dies of a signal, and restarts it
 * as the next generation; a worker whose call counter stops moving is
 * reported as stuck in that call, killed and restarted. At the end the
 * main process stops the workers, reaps everything, removes the scratch
 * directory and prints a summary.
 *
 * Bounds (what keeps this safe as root on a real machine): every call that
 * changes the file system gets an absolute path inside the worker's own
 * scratch directory (or a bad pointer), symlink targets are plain names,
 * fd-based metadata changes go only to fds that /proc/self/fd shows inside
 * the scratch directory; files opened elsewhere are opened read-only
 * without O_CREAT or O_TRUNC; no mount, umount, reboot, settimeofday,
 * clock_settime, sethostname, ptrace or sockets; signals go only to the
 * worker itself (never SIGKILL/SIGSTOP), its own process group or its own
 * children, never to pid 1, never kill(-1); memory calls with MAP_FIXED,
 * munmap, mprotect, mremap and madvise target only the worker's play window
 * or addresses outside user space; FS base changes only to invalid bases.
 * Resource limits keep a worker small: 256 fds, files of 1 MiB, pipes of
 * at most 256 KiB, 4 live children, each child killed by alarm(1). */
#include "../user/ulib.h"

#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#define PAGE 4096ul
#define RING 64
#define MAX_WORKERS 16
#define NR_MAX 512
#define PLAY_BASE 0x0000100000000000ul /* the play window: 1 GiB */
#define PLAY_WINDOW (1ul << 30)
#define PLAY_PAGES 64
#define MAX_CHILDREN 4
#define STUCK_MS 4000
#define PENDING ((int64_t)0x7eadbeefdeadbeefll)

struct rec {
	uint32_t nr;
	uint32_t gen;
	uint64_t a[6];
	int64_t ret;
};

struct wshared {
	volatile uint64_t calls;   /* made so far, this generation */
	volatile uint64_t total;   /* over all generations */
	volatile uint32_t gen, deaths, stuck;
	volatile pid_t pid;
	struct rec ring[RING];
};

struct shared {
	volatile int stop;
	struct wshared w[MAX_WORKERS];
	volatile uint64_t ncalls[NR_MAX], nok[NR_MAX];
};

static struct shared *sh;
static struct wshared *me;
static uint64_t seed;
static int nworkers = 4, only = -1, verbose, guest, log_fd = -1, wid;
static uint64_t verbose_from;
static int one_gen = -1;
static long seconds = 10;
static uint64_t max_calls;
static char scratch[256], wdir[300], self_path[PATH_MAX];
static bool avoid_empty_shebang, avoid_hint_overlap, avoid_mremap_huge;

/* ---- randomness ---- */

static uint64_t rng;

static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t r64(void)
{
	rng = mix(rng);
	return rng;
}

static uint64_t below(uint64_t n)
{
	return n ? r64() % n : 0;
}

static bool pct(int p)
{
	return (int)below(100) < p;
}

#define PICK(arr) ((arr)[below(sizeof(arr) / sizeof((arr)[0]))])

static const uint64_t boundary[] = {
	0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 1023, 1024,
	4095, 4096, 4097, 8192, 65535, 65536, 0x7fffffff, 0x80000000, 0xffffffff, 0x100000000,
	0x7fffffffffffffff, 0x8000000000000000, (uint64_t)-1, (uint64_t)-2, (uint64_t)-4095,
	(uint64_t)-4096, 0xffff800000000000, 0x800000000000, 0x7ffffffff000,
};

static uint64_t g_int(void)
{
	switch (below(10)) {
	case 0: case 1: case 2: case 3: return below(65);
	case 4: case 5: case 6: return PICK(boundary);
	case 7: return (uint32_t)r64();
	default: return r64();
	}
}

/* A length: mostly small, sometimes pages, sometimes absurd. */
static uint64_t g_len(void)
{
	switch (below(10)) {
	case 0: case 1: case 2: case 3: case 4: return below(257);
	case 5: case 6: return below(8193);
	case 7: return (below(16) + 1) * PAGE;
	default: return PICK(boundary);
	}
}

/* ---- memory: the play window ---- */

static uint8_t *const play = (uint8_t *)PLAY_BASE;

/* (Re)maps the play pages: RW with random bytes, then page 60 PROT_NONE,
 * 61 read-only, 62 a hole, 63 RW. Anything the fuzzed calls did to the
 * window is undone. */
static void play_reset(void)
{
	munmap(play, PLAY_WINDOW);
	if (mmap(play, PLAY_PAGES * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
		return;
	for (size_t i = 0; i < PLAY_PAGES * PAGE / 8; i++)
		((uint64_t *)play)[i] = pct(50) ? g_int() : r64();
	mprotect(play + 60 * PAGE, PAGE, PROT_NONE);
	mprotect(play + 61 * PAGE, PAGE, PROT_READ);
	munmap(play + 62 * PAGE, PAGE);
}

static const uint64_t bad_ptrs[] = {
	0, 1, 0xfff, 0xffff800000000000, 0xffffffff80000000, 0xffffffff80100000,
	0x0000800000000000, 0x8000000000000000, 0xfffffffffffffff0, 0x00007ffffffff000 - 8,
	PLAY_BASE + 60 * PAGE, PLAY_BASE + 61 * PAGE, PLAY_BASE + 62 * PAGE,
	PLAY_BASE + 62 * PAGE - 8, PLAY_BASE + 62 * PAGE - 100, PLAY_BASE + PLAY_WINDOW - 8,
};

/* Pointers the kernel cannot read at all (for arguments whose random
 * contents would only make the worker kill itself). */
static const uint64_t unreadable[] = { 0xffff800000000000, 0x0000800000000000,
				       0xffffffff80000000, PLAY_BASE + 60 * PAGE,
				       PLAY_BASE + 62 * PAGE, PLAY_BASE + 62 * PAGE - 4,
				       0xfffffffffffffff8, 1 };

/* A pointer for an object of about size bytes: mostly good (in the play
 * window), else hostile. */
static uint64_t g_ptr(uint64_t size)
{
	if (pct(70)) {
		uint64_t room = 60 * PAGE > size ? 60 * PAGE - size : 0;
		uint64_t off = below(room + 1);
		if (pct(60))
			off &= ~7ul;
		return PLAY_BASE + off;
	}
	if (pct(90))
		return PICK(bad_ptrs);
	return r64();
}

/* An address for the memory calls: the play window or outside user space. */
static uint64_t g_addr(void)
{
	if (pct(75))
		return PLAY_BASE + (pct(80) ? below(PLAY_PAGES + 8) * PAGE
					    : below(PLAY_WINDOW / PAGE) * PAGE + below(2) * below(PAGE));
	static const uint64_t outside[] = { 0xffff800000000000, 0xffffffff80000000,
					    0x0000800000000000, 0x00007ffffffff000,
					    0xfffffffffffff000 };
	return PICK(outside);
}

static bool in_play(uint64_t a)
{
	return a >= PLAY_BASE && a < PLAY_BASE + PLAY_WINDOW;
}

/* A length for a range that starts at a: inside the play window it stops
 * at the window's end (beyond lie the worker's own stack and code, which
 * munmap, mprotect or MADV_DONTNEED would take away); from outside user
 * space anything goes. */
static uint64_t g_play_len(uint64_t a)
{
	uint64_t len = g_len();

	if (in_play(a) && (len > PLAY_BASE + PLAY_WINDOW - a))
		len = PLAY_BASE + PLAY_WINDOW - a - below(PAGE);
	return len;
}

static bool outside_user(uint64_t a)
{
	return a >= 0x00007ffffffff000ul;
}

/* ---- paths ---- */

static const char *const names[] = { "f0", "f1", "f2", "d0", "d1", "d0/f3", "d0/d2", "l0",
				     "l1", "p0", "e0", "e1", "x", "nonexist", "d1/no/such",
				     "d0/d2/../f4" };
static const char *const ro_paths[] = {
	"/", "/proc", "/proc/self", "/proc/self/maps", "/proc/self/fd", "/proc/self/status",
	"/proc/meminfo", "/proc/self/exe", "/dev/null", "/dev/zero", "/dev/full",
	"/dev/urandom", "/bin", ".", "..", "", "/tmp", "/proc/1", "/dev",
};

static char pathbuf[4][PATH_MAX + 128];
static int pathslot;

static char *next_pathbuf(void)
{
	return pathbuf[pathslot++ & 3];
}

/* A path under the worker's own directory, absolute. */
static uint64_t g_wpath(void)
{
	char *p = next_pathbuf();

	if (pct(8))
		return g_ptr(16) & (pct(50) ? ~0ul : 0); /* bad or random bytes */
	if (pct(5)) {
		size_t n = (size_t)snprintf(p, PATH_MAX + 64, "%s/", wdir);
		memset(p + n, 'n', 300 + below(PATH_MAX));
		p[n + 300 + below(10)] = 0;
		p[PATH_MAX + 60] = 0;
		return (uint64_t)p;
	}
	snprintf(p, PATH_MAX, "%s/%s", wdir, PICK(names));
	return (uint64_t)p;
}

/* A path for calls that only look: anything. */
static uint64_t g_rpath(void)
{
	if (pct(50))
		return (uint64_t)PICK(names);
	if (pct(60))
		return (uint64_t)PICK(ro_paths);
	if (pct(50))
		return g_wpath();
	return g_ptr(16);
}

/* ---- file descriptors ---- */

static int recent[8];
static int nrecent;

static void note_fd(int64_t fd)
{
	if (fd >= 0 && fd < 4096)
		recent[nrecent++ & 7] = (int)fd;
}

static uint64_t g_fd(void)
{
	static const int64_t odd[] = { -1, -100, 255, 256, 1023, 1024, 4096, 0x7fffffff,
				       -2147483648ll, 65536 };
	switch (below(10)) {
	case 0: case 1: case 2: case 3: case 4: case 5: return below(16);
	case 6: case 7: return nrecent ? (uint64_t)recent[below(nrecent < 8 ? nrecent : 8)] : 3;
	case 8: return (uint64_t)PICK(odd);
	default: return (uint32_t)r64();
	}
}

static uint64_t g_dirfd(void)
{
	return pct(40) ? (uint64_t)-100 /* AT_FDCWD */ : g_fd();
}

/* fd if it names something in this worker's directory or a pipe, else -1:
 * for the calls that change a file through its descriptor. */
static uint64_t g_wfd(void)
{
	char link[64], target[PATH_MAX];
	int fd = (int)g_fd();

	if (fd < 0)
		return (uint64_t)fd;
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	long n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return (uint64_t)-1;
	target[n] = 0;
	if (!strncmp(target, wdir, strlen(wdir)) || !strncmp(target, "pipe:", 5))
		return (uint64_t)fd;
	return (uint64_t)-1;
}

/* ---- flags and misc ---- */

static uint64_t g_flags(uint64_t valid)
{
	uint64_t f = 0;

	for (int i = 0; i < 64; i++)
		if ((valid >> i) & 1 && pct(25))
			f |= 1ul << i;
	if (pct(5))
		f |= r64();
	return f;
}

static uint64_t g_sig(void)
{
	return pct(90) ? below(66) : g_int();
}

/* The children this worker has forked, for signals and wait4. */
static pid_t kids[MAX_CHILDREN * 4];
static int nkids;

static void reap_kids(void)
{
	int st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG | __WALL)) > 0)
		for (int i = 0; i < nkids; i++)
			if (kids[i] == p)
				kids[i] = kids[--nkids];
}

/* A pid for kill(): one of ours, our group, or nobody. Never 1, never -1. */
static uint64_t g_kill_pid(bool *self)
{
	*self = false;
	switch (below(6)) {
	case 0: case 1:
		if (nkids)
			return (uint64_t)kids[below(nkids)];
		/* fall through */
	case 2: *self = true; return (uint64_t)getpid();
	case 3: *self = true; return 0;
	case 4: *self = true; return (uint64_t)-getpid();
	default: return pct(50) ? 0x3fff0000 : (uint64_t)-0x3fff0000;
	}
}

/* ---- the call set ---- */

struct sc {
	int nr;
	const char *name;
	int weight;
};

#define S(n, w) { SYS_##n, #n, w }

/* What the kernel implements (kernel/syscalls.h, fs/syscalls.h,
 * proc/signal.h), minus what is never fuzzed: reboot, mount, umount2,
 * settimeofday, clock_settime, sethostname, exit, exit_group and
 * rt_sigreturn (fuzzed in children only, or not at all). */
static const struct sc calls[] = {
	S(read, 4), S(write, 4), S(open, 4), S(close, 3), S(stat, 2), S(fstat, 2), S(lstat, 2),
	S(poll, 2), S(lseek, 2), S(mmap, 5), S(mprotect, 3), S(munmap, 3), S(brk, 2),
	S(rt_sigaction, 3), S(rt_sigprocmask, 2), S(ioctl, 3), S(pread64, 2), S(pwrite64, 2),
	S(readv, 2), S(writev, 2), S(access, 1), S(pipe, 2), S(select, 2), S(sched_yield, 1),
	S(mremap, 3), S(madvise, 2), S(dup, 2), S(dup2, 2), S(pause, 1), S(nanosleep, 1),
	S(getitimer, 1), S(alarm, 1), S(setitimer, 1), S(getpid, 1), S(sendfile, 2), S(clone, 2),
	S(fork, 2), S(vfork, 1), S(wait4, 2), S(kill, 2), S(uname, 1), S(fcntl, 3), S(flock, 1),
	S(fsync, 1), S(fdatasync, 1), S(truncate, 2), S(ftruncate, 2), S(getcwd, 1), S(chdir, 1),
	S(fchdir, 1), S(rename, 2), S(mkdir, 2), S(rmdir, 2), S(creat, 2), S(link, 1),
	S(unlink, 2), S(symlink, 1), S(readlink, 1), S(chmod, 1), S(fchmod, 1), S(chown, 1),
	S(fchown, 1), S(lchown, 1), S(umask, 1), S(gettimeofday, 1), S(getrlimit, 1),
	S(getrusage, 1), S(sysinfo, 1), S(times, 1), S(getuid, 1), S(getgid, 1), S(setuid, 1),
	S(setgid, 1), S(geteuid, 1), S(getegid, 1), S(setpgid, 1), S(getppid, 1), S(getpgrp, 1),
	S(setsid, 1), S(setreuid, 1), S(setregid, 1), S(getgroups, 1), S(setgroups, 1),
	S(setresuid, 1), S(getresuid, 1), S(setresgid, 1), S(getresgid, 1), S(getpgid, 1),
	S(getsid, 1), S(rt_sigpending, 1), S(rt_sigtimedwait, 1), S(rt_sigsuspend, 1),
	S(sigaltstack, 1), S(utime, 1), S(mknod, 1), S(statfs, 1), S(fstatfs, 1),
	S(getpriority, 1), S(setpriority, 1), S(arch_prctl, 1), S(prctl, 1), S(setrlimit, 1),
	S(chroot, 1), S(sync, 1), S(gettid, 1), S(time, 1), S(tkill, 1), S(getdents64, 2),
	S(set_tid_address, 1), S(fadvise64, 1), S(clock_gettime, 1), S(clock_getres, 1),
	S(clock_nanosleep, 1), S(tgkill, 1), S(utimes, 1), S(openat, 3), S(mkdirat, 1),
	S(mknodat, 1), S(fchownat, 1), S(futimesat, 1), S(newfstatat, 2), S(unlinkat, 1),
	S(renameat, 1), S(linkat, 1), S(symlinkat, 1), S(readlinkat, 1), S(fchmodat, 1),
	S(faccessat, 1), S(pselect6, 1), S(ppoll, 1), S(utimensat, 1), S(dup3, 1), S(pipe2, 2),
	S(preadv, 1), S(pwritev, 1), S(prlimit64, 1), S(syncfs, 1), S(getrandom, 2),
	S(renameat2, 1), S(statx, 1), S(faccessat2, 1), S(sched_getaffinity, 1),
	{ -1, "unknown", 2 }, /* a number the kernel does not implement (guest mode) */
	{ -2, "execfile", 1 }, /* rewrite an exec target (guest mode: mutated ELF) */
	{ -3, "playreset", 1 },
};

#define NCALLS (sizeof(calls) / sizeof(calls[0]))

static int total_weight;

static const struct sc *pick_call(void)
{
	int w = (int)below((uint64_t)total_weight);

	for (size_t i = 0; i < NCALLS; i++) {
		w -= calls[i].weight;
		if (w < 0)
			return &calls[i];
	}
	return &calls[0];
}

static const char *nr_name(int nr)
{
	for (size_t i = 0; i < NCALLS; i++)
		if (calls[i].nr == nr)
			return calls[i].name;
	switch (nr) {
	case SYS_execve: return "execve";
	case SYS_exit_group: return "exit_group";
	case SYS_rt_sigreturn: return "rt_sigreturn";
	}
	return "?";
}

/* Never called, whatever "unknown" draws. */
static bool denied(long nr)
{
	static const long deny[] = {
		SYS_reboot, SYS_mount, SYS_umount2, SYS_settimeofday, SYS_clock_settime,
		SYS_sethostname, SYS_setdomainname, SYS_swapon, SYS_swapoff, SYS_init_module,
		SYS_finit_module, SYS_delete_module, SYS_kexec_load, SYS_kexec_file_load, SYS_acct,
		SYS_pivot_root, SYS_iopl, SYS_ioperm, SYS_adjtimex, SYS_clock_adjtime, SYS_syslog,
		SYS_ptrace, SYS_process_vm_writev, SYS_process_vm_readv, SYS_kill, SYS_tkill,
		SYS_tgkill, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo, SYS_exit, SYS_exit_group,
		SYS_rt_sigreturn, SYS_execve, SYS_execveat, SYS_vhangup, SYS_quotactl,
		SYS_pidfd_send_signal, SYS_pidfd_open, SYS_pidfd_getfd, SYS_setns, SYS_unshare,
		SYS_bpf, SYS_perf_event_open, SYS_keyctl, SYS_add_key, SYS_request_key,
		SYS_fanotify_init, SYS_move_pages, SYS_migrate_pages, SYS_userfaultfd, SYS_kcmp,
		SYS_process_madvise, SYS_open_by_handle_at, SYS_fsopen, SYS_fsmount, SYS_move_mount,
		SYS_open_tree, SYS_fsconfig, SYS_fspick, SYS_clone3, SYS_vfork, SYS_fork, SYS_clone,
		SYS_socket, SYS_connect, SYS_sendto, SYS_sendmsg, SYS_bind, SYS_listen,
		SYS_socketpair, SYS_shmget, SYS_msgget, SYS_semget, SYS_sched_setscheduler,
		SYS_sched_setparam, SYS_sched_setaffinity, SYS_ioprio_set, SYS_setpriority,
		SYS_prlimit64, SYS_capset, SYS_set_mempolicy, SYS_mbind, SYS_io_uring_setup,
		SYS_landlock_create_ruleset, SYS_seccomp, SYS_personality, SYS_modify_ldt,
		SYS_rt_sigsuspend, SYS_pause,
	};
	for (size_t i = 0; i < sizeof(deny) / sizeof(deny[0]); i++)
		if (deny[i] == nr)
			return true;
	return false;
}

static bool implemented(long nr)
{
	for (size_t i = 0; i < NCALLS; i++)
		if (calls[i].nr == nr)
			return true;
	return nr == SYS_execve || nr == SYS_exit || nr == SYS_exit_group ||
	       nr == SYS_rt_sigreturn || nr == SYS_reboot || nr == SYS_mount ||
	       nr == SYS_umount2 || nr == SYS_settimeofday || nr == SYS_clock_settime ||
	       nr == SYS_sethostname;
}

/* ---- making calls ---- */

static inline long raw6(long nr, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t e,
			uint64_t f)
{
	long ret;
	register uint64_t r10 __asm__("r10") = d;
	register uint64_t r8 __asm__("r8") = e;
	register uint64_t r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static void log_line(const struct rec *r, uint64_t n, bool done)
{
	char buf[320];
	int k = snprintf(buf, sizeof(buf), "w%d g%u #%llu %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx)",
			 wid, r->gen, (unsigned long long)n, nr_name((int)r->nr),
			 (unsigned long long)r->a[0], (unsigned long long)r->a[1],
			 (unsigned long long)r->a[2], (unsigned long long)r->a[3],
			 (unsigned long long)r->a[4], (unsigned long long)r->a[5]);
	if (done)
		k += snprintf(buf + k, sizeof(buf) - (size_t)k, " = %lld", (long long)r->ret);
	buf[k++] = '\n';
	u_write_all(log_fd, buf, (size_t)k);
}

/* Records the call in the ring (and the log), makes it, records the
 * result. Returns the raw result (-errno on failure). */
static long do_call(long nr, const uint64_t a[6])
{
	uint64_t n = me->calls;
	struct rec *r = &me->ring[n % RING];

	r->nr = (uint32_t)nr;
	r->gen = me->gen;
	memcpy(r->a, a, sizeof(r->a));
	r->ret = PENDING;
	me->calls = n + 1;
	me->total++;
	bool logit = verbose && n >= verbose_from;
	if (logit)
		log_line(r, n, false);
	long ret = raw6(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (ret == 0 && (nr == SYS_fork || nr == SYS_clone || nr == SYS_vfork))
		return 0; /* the child: the record is the parent's to finish */
	r->ret = ret;
	if (nr >= 0 && nr < NR_MAX) {
		__sync_fetch_and_add(&sh->ncalls[nr], 1);
		if (ret >= 0)
			__sync_fetch_and_add(&sh->nok[nr], 1);
	}
	if (logit)
		log_line(r, n, true);
	return ret;
}

/* ---- exec targets ---- */

/* mov $60, %eax; mov $42, %edi; syscall */
static const uint8_t exit42[] = { 0xb8, 0x3c, 0, 0, 0, 0xbf, 0x2a, 0, 0, 0, 0x0f, 0x05 };

/* Writes wdir/eN: in guest mode a tiny ELF (exit 42) with a few header
 * bytes mutated, or a "#!" line, or random bytes; on a host only the
 * latter two (a mutated image could run stray code as root). */
static void write_exec_target(void)
{
	uint8_t img[512];
	char path[PATH_MAX];
	size_t len = sizeof(img);

	memset(img, 0, sizeof(img));
	int kind = (int)below(guest ? 4 : 2);
	if (kind == 0) {
		len = (size_t)snprintf((char *)img, sizeof(img), "#!%s%s\n",
				       pct(50) ? wdir : "", pct(50) ? "/e0" : "/e1");
		if (pct(30))
			len = below(len + 1);
		if (avoid_empty_shebang && len < 4)
			len = 4;
	} else if (kind == 1) {
		len = below(sizeof(img));
		for (size_t i = 0; i < len; i++)
			img[i] = (uint8_t)r64();
		if (pct(50))
			memcpy(img, "\177ELF", len < 4 ? len : 4);
		if (avoid_empty_shebang && len >= 2 && img[0] == '#' && img[1] == '!')
			img[0] = 0;
	} else {
		/* ELF64 header, one PT_LOAD at 0x400000 covering the file, code at
		 * 0x100; then 1-4 random bytes of the first 0x100 changed. */
		memcpy(img, "\177ELF\2\1\1", 7);
		img[16] = 2;                 /* ET_EXEC */
		img[18] = 62;                /* EM_X86_64 */
		img[20] = 1;                 /* e_version */
		*(uint64_t *)(img + 24) = 0x400100; /* e_entry */
		*(uint64_t *)(img + 32) = 64;       /* e_phoff */
		img[52] = 64;                /* e_ehsize */
		img[54] = 56;                /* e_phentsize */
		img[56] = 1;                 /* e_phnum */
		uint32_t *ph = (uint32_t *)(img + 64);
		ph[0] = 1;                   /* PT_LOAD */
		ph[1] = 5;                   /* R+X */
		*(uint64_t *)(img + 64 + 16) = 0x400000; /* vaddr */
		*(uint64_t *)(img + 64 + 32) = 0x10c;    /* filesz */
		*(uint64_t *)(img + 64 + 40) = 0x10c + (pct(20) ? r64() : 0); /* memsz */
		memcpy(img + 0x100, exit42, sizeof(exit42));
		len = 0x10c;
		for (int i = (int)below(4) + 1; i > 0; i--)
			img[below(0x100)] = pct(50) ? (uint8_t)r64() : (uint8_t)PICK(boundary);
		if (pct(20))
			len = below(len);
	}
	snprintf(path, sizeof(path), "%s/e%d", wdir, (int)below(2));
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd >= 0) {
		u_write_all(fd, img, len);
		close(fd);
	}
}

/* ---- children ---- */

static void child_calls(int n);

/* What a forked child does: dies within a second whatever happens, makes a
 * few calls, maybe execs something. */
static __attribute__((noreturn)) void child_main(void)
{
	static struct wshared mine; /* children's calls stay out of the ring */
	sigset_t all;

	me = &mine;
	signal(SIGALRM, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	alarm(1);
	child_calls((int)below(8));
	if (pct(40)) {
		/* What runs after exec (in guest mode a mutated ELF whose stray
		 * code may make any system call) runs as a user of its own, so
		 * it cannot signal or change anything of ours. */
		uint64_t uid = 50000 + (uint64_t)wid;
		raw6(SYS_setresgid, uid, uid, uid, 0, 0, 0);
		raw6(SYS_setresuid, uid, uid, uid, 0, 0, 0);
		char path[PATH_MAX];
		static char *av[] = { (char *)"fuzz", (char *)"--exit", (char *)"3", NULL };
		uint64_t a[6] = { 0 };
		switch (below(4)) {
		case 0: a[0] = (uint64_t)self_path; break;
		case 1:
			snprintf(path, sizeof(path), "%s/e%d", wdir, (int)below(2));
			a[0] = (uint64_t)path;
			break;
		case 2: a[0] = g_rpath(); break;
		default: a[0] = g_ptr(16); break;
		}
		a[1] = pct(80) ? (uint64_t)av : g_ptr(32);
		a[2] = pct(80) ? (uint64_t)environ : g_ptr(32);
		do_call(SYS_execve, a);
	}
	if (pct(3)) {
		uint64_t a[6] = { 0 };
		do_call(SYS_rt_sigreturn, a); /* with no frame: SIGSEGV */
	}
	uint64_t a[6] = { below(256), 0, 0, 0, 0, 0 };
	do_call(SYS_exit_group, a);
	_exit(0);
}

/* A clone(CLONE_VM) child shares our memory: it touches nothing. */
static int vm_child(void *arg)
{
	(void)arg;
	raw6(SYS_getpid, 0, 0, 0, 0, 0, 0);
	raw6(SYS_exit, 0, 0, 0, 0, 0, 0);
	return 0;
}

static char vm_stack[16384] __attribute__((aligned(16)));

static void do_fork_like(int nr)
{
	uint64_t a[6] = { 0 };
	long r;

	reap_kids();
	if (nkids >= MAX_CHILDREN)
		return;
	if (nr == SYS_fork) {
		r = do_call(SYS_fork, a);
	} else if (nr == SYS_vfork) {
		/* The child borrows our stack: exec or exit at once. */
		r = (long)vfork();
		if (r == 0) {
			static char *av[] = { (char *)"fuzz", (char *)"--exit", (char *)"4", NULL };
			if (pct(50))
				execve(pct(70) ? self_path : (char *)g_rpath(), av, environ);
			_exit(0);
		}
	} else {
		/* clone: fork-like flags, sometimes sharing files or fs, sometimes
		 * CLONE_VM (then on its own stack, doing nothing), plus junk. */
		uint64_t fl = SIGCHLD | g_flags(CLONE_FILES | CLONE_FS | CLONE_PARENT_SETTID |
						 CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID);
		if (guest && pct(10))
			fl |= g_flags(CLONE_THREAD | CLONE_NEWNS | CLONE_NEWPID | CLONE_SIGHAND |
				      CLONE_SETTLS | 0x2000 /* CLONE_PTRACE */);
		if (pct(20)) {
			fl |= CLONE_VM | (pct(50) ? CLONE_VFORK : 0);
			fl &= ~(uint64_t)(CLONE_THREAD | CLONE_SETTLS | CLONE_CHILD_SETTID |
					  CLONE_CHILD_CLEARTID);
			r = clone(vm_child, vm_stack + sizeof(vm_stack), (int)fl, NULL,
				  (pid_t *)g_ptr(4));
			if (r < 0)
				r = -errno;
		} else {
			fl &= ~(uint64_t)(CLONE_VM | CLONE_THREAD | CLONE_SIGHAND | CLONE_VFORK);
			a[0] = fl;
			a[1] = 0;
			a[2] = g_ptr(4);
			a[3] = g_ptr(4);
			a[4] = g_ptr(8);
			r = do_call(SYS_clone, a);
		}
	}
	if (r == 0)
		child_main();
	if (r > 0)
		kids[nkids++] = (pid_t)r;
}

/* ---- argument generation, per call ---- */

static uint64_t brk0; /* the break when the worker started */
static char alt_area[65536] __attribute__((aligned(16))); /* for sigaltstack */
static struct iovec iov_buf[8];
static uint64_t struct_buf[64];

static void g_iov(uint64_t *ptr, uint64_t *cnt)
{
	int n = (int)below(9);

	for (int i = 0; i < n; i++) {
		iov_buf[i].iov_len = g_len();
		iov_buf[i].iov_base = (void *)g_ptr(iov_buf[i].iov_len);
	}
	*ptr = pct(85) ? (uint64_t)iov_buf : g_ptr(16);
	*cnt = pct(85) ? (uint64_t)n : g_int();
}

/* A timespec: zero, short, or hostile. */
static uint64_t g_timespec(void)
{
	if (pct(20))
		return g_ptr(16);
	uint64_t *t = struct_buf + 8 + below(4) * 2;
	t[0] = pct(80) ? 0 : g_int();
	t[1] = pct(70) ? below(2000000) : g_int();
	return (uint64_t)t;
}

/* A struct sigaction for rt_sigaction: a real one most of the time. */
static void noop_handler(int sig)
{
	(void)sig;
}

void fuzz_restorer(void);
__asm__(".text\nfuzz_restorer:\n\tmov $15, %eax\n\tsyscall\n\thlt\n");

static uint64_t g_sigaction(int sig)
{
	if (pct(15)) /* not random bytes: a random handler only makes us crash */
		return pct(50) ? 0 : PICK(unreadable);
	uint64_t *k = struct_buf + 16;
	int h = (int)below(3);
	k[0] = h == 0 ? (uint64_t)noop_handler : h == 1 ? 1 /* SIG_IGN */ : 0 /* SIG_DFL */;
	if (sig == SIGALRM && h == 2)
		k[0] = (uint64_t)noop_handler; /* keep the alarm from killing us */
	if ((sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE || sig == SIGTRAP) &&
	    h == 0)
		k[0] = 0; /* a fault must kill (and be reported), not loop */
	k[1] = 0x04000000 | g_flags(0x1 | 0x2 | 0x4 | 0x08000000 | 0x10000000 | 0x40000000 |
				    0x80000000);
	k[2] = (uint64_t)fuzz_restorer;
	k[3] = r64() & ~((1ul << (SIGALRM - 1)) | (1ul << (SIGKILL - 1)));
	return (uint64_t)k;
}

/* A signal mask; it never holds SIGALRM (that would let a blocking call
 * hang the worker). */
static uint64_t g_sigset(void)
{
	if (pct(15))
		return PICK(unreadable);
	uint64_t *m = struct_buf + 24 + below(2);
	*m = pct(50) ? 0 : r64() & ~(1ul << (SIGALRM - 1));
	return (uint64_t)m;
}

/* The signals of faults: a worker never sends them to itself, so dying of
 * one means something really went wrong in it. */
static bool is_fault_sig(int sig)
{
	return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE ||
	       sig == SIGTRAP || sig == SIGSYS;
}

/* Signals a worker never sends itself: they would kill or stop it. */
static bool fatal_to_self(uint64_t sig)
{
	return sig == SIGKILL || sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN ||
	       sig == SIGTTOU || is_fault_sig((int)sig);
}

/* rlimit values that never raise the limits this worker lives under. */
static uint64_t g_rlimit(uint64_t res)
{
	if (pct(20))
		return g_ptr(16);
	uint64_t *l = struct_buf + 32;
	l[0] = g_int();
	l[1] = pct(50) ? l[0] : g_int();
	if (res == RLIMIT_NOFILE || res == RLIMIT_FSIZE || res == RLIMIT_CPU ||
	    res == RLIMIT_NPROC || res == RLIMIT_AS || res == RLIMIT_DATA || res == RLIMIT_STACK) {
		struct rlimit cur;
		getrlimit((int)res, &cur);
		if (l[0] > cur.rlim_cur)
			l[0] = cur.rlim_cur;
		if (l[1] > cur.rlim_max)
			l[1] = cur.rlim_max;
		if (res == RLIMIT_CPU && l[0] < 30)
			l[0] = 30;
		if (res == RLIMIT_CPU && l[1] < 30)
			l[1] = 30;
		/* A lower stack or address-space limit makes the next signal
		 * frame (or stack page) fail: the worker dies of SIGSEGV for
		 * nothing. Those are set to what they are. */
		if (res == RLIMIT_STACK || res == RLIMIT_AS || res == RLIMIT_DATA)
			l[0] = cur.rlim_cur, l[1] = cur.rlim_max;
	}
	return (uint64_t)l;
}

static const uint64_t ioctls[] = {
	0x5401 /* TCGETS */, 0x5402 /* TCSETS */, 0x5403, 0x5404, 0x540F /* TIOCGPGRP */,
	0x5410 /* TIOCSPGRP */, 0x5413 /* TIOCGWINSZ */, 0x5414 /* TIOCSWINSZ */,
	0x540E /* TIOCSCTTY */, 0x5422 /* TIOCNOTTY */, 0x541B /* FIONREAD */, 0x5421 /* FIONBIO */,
	0x5451 /* FIOCLEX */, 0x5450 /* FIONCLEX */, 0x5452 /* FIOASYNC */, 0x5411 /* TIOCOUTQ */,
	0x540B /* TCFLSH */, 0x540A /* TCXONC */, 0x5409 /* TCSBRK */, 0x5429 /* TIOCGSID */,
	0x80045430 /* TIOCGPTN */, 0xdeadbeef,
};

/* Fills a[] for nr; returns false to skip the call. */
static bool gen_args(int nr, uint64_t a[6])
{
	bool self;

	for (int i = 0; i < 6; i++)
		a[i] = g_int();
	switch (nr) {
	case SYS_read: case SYS_write:
		a[0] = g_fd(); a[2] = g_len(); a[1] = g_ptr(a[2]);
		if (nr == SYS_write && a[2] > 65536 && pct(90))
			a[2] = below(65537);
		break;
	case SYS_pread64: case SYS_pwrite64:
		a[0] = g_fd(); a[2] = g_len(); a[1] = g_ptr(a[2]); a[3] = pct(70) ? below(1 << 20) : g_int();
		if (nr == SYS_pwrite64 && a[2] > 65536 && pct(90))
			a[2] = below(65537);
		break;
	case SYS_readv: case SYS_writev: a[0] = g_fd(); g_iov(&a[1], &a[2]); break;
	case SYS_preadv: case SYS_pwritev:
		a[0] = g_fd(); g_iov(&a[1], &a[2]); a[3] = pct(70) ? below(1 << 20) : g_int(); a[4] = 0;
		break;
	case SYS_open:
		a[1] = g_flags(0xffffff);
		if (pct(60)) {
			a[0] = g_wpath();
		} else {
			a[0] = g_rpath();
			a[1] &= ~(uint64_t)(O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | 020000000 /* O_TMPFILE */);
		}
		a[2] = g_int() & 07777;
		break;
	case SYS_openat:
		a[0] = g_dirfd(); a[2] = g_flags(0xffffff);
		if (pct(60)) {
			a[1] = g_wpath();
		} else {
			a[1] = g_rpath();
			a[2] &= ~(uint64_t)(O_ACCMODE | O_CREAT | O_TRUNC | O_APPEND | 020000000);
		}
		a[3] = g_int() & 07777;
		break;
	case SYS_creat: a[0] = g_wpath(); a[1] = g_int() & 07777; break;
	case SYS_close: a[0] = g_fd(); break;
	case SYS_stat: case SYS_lstat: case SYS_statfs: a[0] = g_rpath(); a[1] = g_ptr(144); break;
	case SYS_fstat: case SYS_fstatfs: a[0] = g_fd(); a[1] = g_ptr(144); break;
	case SYS_newfstatat:
		a[0] = g_dirfd(); a[1] = g_rpath(); a[2] = g_ptr(144); a[3] = g_flags(0x1900);
		break;
	case SYS_statx:
		a[0] = g_dirfd(); a[1] = g_rpath(); a[2] = g_flags(0x7900); a[3] = g_int(); a[4] = g_ptr(256);
		break;
	case SYS_poll: a[1] = below(70); a[0] = g_ptr(a[1] * 8); a[2] = pct(80) ? below(20) : g_int(); break;
	case SYS_ppoll:
		a[1] = below(70); a[0] = g_ptr(a[1] * 8); a[2] = g_timespec(); a[3] = pct(50) ? 0 : g_sigset();
		a[4] = pct(90) ? 8 : g_int();
		break;
	case SYS_select:
		a[0] = pct(80) ? below(70) : g_int(); a[1] = pct(50) ? 0 : g_ptr(128);
		a[2] = pct(50) ? 0 : g_ptr(128); a[3] = pct(70) ? 0 : g_ptr(128);
		a[4] = pct(20) ? 0 : g_timespec();
		break;
	case SYS_pselect6: {
		uint64_t *sig = struct_buf + 56;
		sig[0] = g_sigset();
		sig[1] = pct(90) ? 8 : g_int();
		a[0] = pct(80) ? below(70) : g_int(); a[1] = pct(50) ? 0 : g_ptr(128);
		a[2] = pct(50) ? 0 : g_ptr(128); a[3] = 0; a[4] = g_timespec();
		a[5] = pct(50) ? 0 : pct(80) ? (uint64_t)sig : PICK(bad_ptrs);
		break;
	}
	case SYS_lseek: a[0] = g_fd(); a[1] = g_int(); a[2] = pct(90) ? below(5) : g_int(); break;
	case SYS_mmap: {
		a[0] = pct(40) ? 0 : g_addr();
		a[1] = g_len();
		a[2] = pct(90) ? below(8) : g_int();
		uint64_t type = pct(60) ? MAP_PRIVATE : pct(70) ? MAP_SHARED : below(4);
		a[3] = type | g_flags(MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE | MAP_GROWSDOWN |
				      MAP_STACK | MAP_POPULATE | 0x100000 /* FIXED_NOREPLACE */);
		if (pct(70))
			a[3] |= MAP_ANONYMOUS;
		if ((a[3] & MAP_FIXED) && !in_play(a[0]) && !outside_user(a[0]))
			a[3] &= ~(uint64_t)MAP_FIXED;
		if (avoid_hint_overlap && !(a[3] & (MAP_FIXED | 0x100000)) && !outside_user(a[0]))
			a[0] = 0;
		/* Shared anonymous and populated mappings take real memory now. */
		if ((type == MAP_SHARED || (a[3] & MAP_POPULATE)) && a[1] > (1 << 20) &&
		    a[1] < (1ul << 40))
			a[1] = 1 << 20;
		a[4] = (a[3] & MAP_ANONYMOUS) && pct(80) ? (uint64_t)-1 : g_fd();
		a[5] = pct(80) ? below(4) * PAGE : g_int();
		break;
	}
	case SYS_munmap: case SYS_mprotect: case SYS_madvise:
		a[0] = g_addr(); a[1] = g_play_len(a[0]);
		a[2] = nr == SYS_mprotect ? (pct(90) ? below(8) : g_int()) : (pct(80) ? below(22) : g_int());
		break;
	case SYS_mremap:
		a[0] = g_addr(); a[1] = g_play_len(a[0]); a[2] = g_len(); a[3] = g_flags(1 | 2 | 4);
		a[4] = pct(70) ? g_addr() : PICK(bad_ptrs);
		if ((a[3] & 2) && !in_play(a[4]) && !outside_user(a[4]))
			a[3] &= ~2ul;
		if (avoid_hint_overlap) {
			a[3] &= ~2ul;
			a[4] = 0;
		}
		if (avoid_mremap_huge && a[2] >= (1ul << 40))
			a[2] = below(1ul << 20);
		if (a[2] > (64 << 20) && a[2] < (1ul << 40))
			a[2] = 64 << 20;
		break;
	case SYS_brk:
		/* Never below where the worker started: libc's heap is there. */
		a[0] = pct(20) ? 0 : pct(80) ? brk0 + below(64 << 20) : PICK(boundary);
		if (a[0] && a[0] < brk0)
			a[0] = brk0;
		break;
	case SYS_rt_sigaction:
		a[0] = g_sig();
		if (a[0] == SIGALRM && pct(80))
			return false;
		a[1] = g_sigaction((int)a[0]); a[2] = pct(50) ? 0 : g_ptr(32); a[3] = pct(90) ? 8 : g_int();
		break;
	case SYS_rt_sigprocmask:
		a[0] = pct(90) ? below(3) : g_int(); a[1] = pct(30) ? 0 : g_sigset();
		a[2] = pct(50) ? 0 : g_ptr(8); a[3] = pct(90) ? 8 : g_int();
		break;
	case SYS_rt_sigpending: a[0] = g_ptr(8); a[1] = pct(90) ? 8 : g_int(); break;
	case SYS_rt_sigsuspend: a[0] = g_sigset(); a[1] = pct(90) ? 8 : g_int(); break;
	case SYS_rt_sigtimedwait:
		a[0] = g_sigset(); a[1] = pct(50) ? 0 : g_ptr(128); a[2] = g_timespec(); a[3] = pct(90) ? 8 : g_int();
		break;
	case SYS_sigaltstack: {
		uint64_t *ss = struct_buf + 40;
		ss[0] = pct(70) ? (uint64_t)alt_area : g_ptr(8192);
		ss[1] = pct(50) ? 0 : g_flags(3);
		ss[2] = pct(70) ? sizeof(alt_area) - below(8192) : g_len();
		a[0] = pct(60) ? (uint64_t)ss : pct(50) ? 0 : g_ptr(24);
		a[1] = pct(50) ? 0 : g_ptr(24);
		break;
	}
	case SYS_ioctl:
		a[0] = g_fd(); a[1] = pct(90) ? PICK(ioctls) : (uint32_t)r64();
		if (a[1] == 0x5412) /* TIOCSTI */
			return false;
		a[2] = pct(70) ? g_ptr(64) : g_int();
		break;
	case SYS_access: a[0] = g_rpath(); a[1] = below(8); break;
	case SYS_faccessat: case SYS_faccessat2:
		a[0] = g_dirfd(); a[1] = g_rpath(); a[2] = below(8); a[3] = g_flags(0x1300);
		break;
	case SYS_pipe: a[0] = g_ptr(8); break;
	case SYS_pipe2: a[0] = g_ptr(8); a[1] = g_flags(O_CLOEXEC | O_NONBLOCK | O_DIRECT); break;
	case SYS_dup: a[0] = g_fd(); break;
	case SYS_dup2: a[0] = g_fd(); a[1] = pct(90) ? below(64) : g_int(); break;
	case SYS_dup3: a[0] = g_fd(); a[1] = pct(90) ? below(64) : g_int(); a[2] = g_flags(O_CLOEXEC); break;
	case SYS_nanosleep: a[0] = g_timespec(); a[1] = pct(50) ? 0 : g_ptr(16); break;
	case SYS_clock_nanosleep:
		a[0] = pct(90) ? below(8) : g_int(); a[1] = g_flags(1); a[2] = g_timespec();
		a[3] = pct(50) ? 0 : g_ptr(16);
		break;
	case SYS_getitimer: a[0] = pct(90) ? below(3) : g_int(); a[1] = g_ptr(32); break;
	case SYS_setitimer: {
		uint64_t *it = struct_buf + 48;
		it[0] = 0; it[1] = pct(50) ? 20000 : g_int(); it[2] = 0; it[3] = pct(70) ? 20000 : g_int();
		a[0] = pct(90) ? below(3) : g_int(); a[1] = pct(80) ? (uint64_t)it : g_ptr(32);
		a[2] = pct(50) ? 0 : g_ptr(32);
		break;
	}
	case SYS_alarm: a[0] = pct(80) ? below(3) : g_int(); break;
	case SYS_sendfile:
		a[0] = g_fd(); a[1] = g_fd(); a[2] = pct(50) ? 0 : g_ptr(8); a[3] = g_len();
		if (a[3] > (1 << 20) && pct(90))
			a[3] = 1 << 20;
		break;
	case SYS_wait4:
		a[0] = pct(40) ? (uint64_t)-1 : pct(50) && nkids ? (uint64_t)kids[below(nkids)] : g_int();
		a[1] = pct(40) ? 0 : g_ptr(4); a[2] = g_flags(1 | 2 | 8 | 0x40000000 | 0x80000000);
		if (pct(70))
			a[2] |= WNOHANG;
		a[3] = pct(60) ? 0 : g_ptr(144);
		break;
	case SYS_kill:
		a[0] = g_kill_pid(&self); a[1] = g_sig();
		if (self && fatal_to_self(a[1]))
			a[1] = 0;
		break;
	case SYS_tkill: case SYS_tgkill: {
		uint64_t tid = g_kill_pid(&self);
		if ((int64_t)tid <= 0)
			tid = (uint64_t)getpid(), self = true;
		uint64_t sig = g_sig();
		if (self && fatal_to_self(sig))
			sig = 0;
		if (nr == SYS_tkill) {
			a[0] = tid; a[1] = sig;
		} else {
			a[0] = self ? (uint64_t)getpid() : tid; a[1] = tid; a[2] = sig;
		}
		break;
	}
	case SYS_uname: case SYS_sysinfo: case SYS_times: case SYS_time: a[0] = g_ptr(390); break;
	case SYS_fcntl:
		a[0] = g_fd();
		a[1] = pct(90) ? PICK(((const uint64_t[]){ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 1030,
							   1031, 1032, 36, 37, 38, 1024, 1025, 1026 }))
			       : g_int();
		if (a[1] == 8 /* F_SETOWN */ || a[1] == 10 /* F_SETSIG */)
			a[2] = pct(50) ? 0 : (uint64_t)getpid();
		else if (a[1] == 1031 /* F_SETPIPE_SZ */)
			a[2] = pct(80) ? below(256 * 1024) : PICK(boundary) | (1ul << 31);
		else if (a[1] == 5 || a[1] == 6 || a[1] == 7 || a[1] >= 36)
			a[2] = g_ptr(32);
		break;
	case SYS_flock: a[0] = g_fd(); a[1] = g_int(); break;
	case SYS_fsync: case SYS_fdatasync: case SYS_syncfs: case SYS_fchdir: a[0] = g_fd(); break;
	case SYS_fadvise64: a[0] = g_fd(); a[1] = g_int(); a[2] = g_int(); a[3] = below(8); break;
	case SYS_truncate: a[0] = g_wpath(); a[1] = pct(80) ? below(1 << 21) : g_int(); break;
	case SYS_ftruncate: a[0] = g_wfd(); a[1] = pct(80) ? below(1 << 21) : g_int(); break;
	case SYS_getcwd: a[1] = g_len(); a[0] = g_ptr(a[1]); break;
	case SYS_chdir: a[0] = g_rpath(); break;
	case SYS_chroot: a[0] = g_wpath(); break;
	case SYS_rename: case SYS_link: a[0] = g_wpath(); a[1] = g_wpath(); break;
	case SYS_renameat: case SYS_renameat2: case SYS_linkat:
		a[0] = g_dirfd(); a[1] = g_wpath(); a[2] = g_dirfd(); a[3] = g_wpath(); a[4] = g_flags(0x1407);
		break;
	case SYS_mkdir: case SYS_chmod: a[0] = g_wpath(); a[1] = g_int() & 07777; break;
	case SYS_mkdirat: case SYS_fchmodat: a[0] = g_dirfd(); a[1] = g_wpath(); a[2] = g_int() & 07777; break;
	case SYS_rmdir: case SYS_unlink: a[0] = g_wpath(); break;
	case SYS_unlinkat: a[0] = g_dirfd(); a[1] = g_wpath(); a[2] = g_flags(0x200); break;
	case SYS_symlink: case SYS_symlinkat: {
		/* A plain name as the target: never leads out of the directory. */
		uint64_t target = pct(90) ? (uint64_t)PICK(((const char *const[]){ "f0", "d0", "x", "l0", "l1", "nonexist" }))
					  : g_ptr(8);
		if (nr == SYS_symlink) {
			a[0] = target; a[1] = g_wpath();
		} else {
			a[0] = target; a[1] = g_dirfd(); a[2] = g_wpath();
		}
		break;
	}
	case SYS_readlink: a[0] = g_rpath(); a[2] = g_len(); a[1] = g_ptr(a[2]); break;
	case SYS_readlinkat: a[0] = g_dirfd(); a[1] = g_rpath(); a[3] = g_len(); a[2] = g_ptr(a[3]); break;
	case SYS_fchmod: a[0] = g_wfd(); a[1] = g_int() & 07777; break;
	case SYS_chown: case SYS_lchown: a[0] = g_wpath(); a[1] = g_int(); a[2] = g_int(); break;
	case SYS_fchown: a[0] = g_wfd(); a[1] = g_int(); a[2] = g_int(); break;
	case SYS_fchownat: a[0] = g_dirfd(); a[1] = g_wpath(); a[2] = g_int(); a[3] = g_int(); a[4] = g_flags(0x1100); break;
	case SYS_umask: a[0] = g_int(); break;
	case SYS_gettimeofday: a[0] = pct(30) ? 0 : g_ptr(16); a[1] = pct(60) ? 0 : g_ptr(8); break;
	case SYS_getrlimit: a[0] = pct(90) ? below(17) : g_int(); a[1] = g_ptr(16); break;
	case SYS_setrlimit: a[0] = pct(90) ? below(17) : g_int(); a[1] = g_rlimit(a[0]); break;
	case SYS_prlimit64:
		a[0] = pct(70) ? 0 : pct(50) ? (uint64_t)getpid() : nkids ? (uint64_t)kids[0] : 0;
		a[1] = pct(90) ? below(17) : g_int(); a[2] = pct(40) ? 0 : g_rlimit(a[1]);
		a[3] = pct(40) ? 0 : g_ptr(16);
		break;
	case SYS_getrusage: a[0] = pct(90) ? (uint64_t)(int64_t)((int)below(4) - 1) : g_int(); a[1] = g_ptr(144); break;
	case SYS_setpgid:
		/* Only our own groups: never join one we did not make. */
		a[0] = pct(50) || !nkids ? 0 : (uint64_t)kids[below(nkids)];
		a[1] = pct(50) ? 0 : pct(50) || !nkids ? (uint64_t)getpid() : (uint64_t)kids[below(nkids)];
		break;
	case SYS_getpgid: case SYS_getsid: a[0] = pct(50) ? 0 : g_int(); break;
	case SYS_getgroups: a[0] = pct(80) ? below(40) : g_int(); a[1] = g_ptr(a[0] * 4); break;
	case SYS_setgroups: a[0] = pct(80) ? below(40) : g_int(); a[1] = g_ptr(a[0] * 4); break;
	case SYS_getresuid: case SYS_getresgid: a[0] = g_ptr(4); a[1] = g_ptr(4); a[2] = g_ptr(4); break;
	case SYS_utime: a[0] = g_wpath(); a[1] = pct(50) ? 0 : g_ptr(16); break;
	case SYS_utimes: a[0] = g_wpath(); a[1] = pct(50) ? 0 : g_ptr(32); break;
	case SYS_futimesat: a[0] = g_dirfd(); a[1] = g_wpath(); a[2] = pct(50) ? 0 : g_ptr(32); break;
	case SYS_utimensat:
		if (pct(20)) { /* on a descriptor: only one of ours */
			a[0] = g_wfd(); a[1] = 0;
		} else {
			a[0] = g_dirfd(); a[1] = g_wpath();
		}
		a[2] = pct(40) ? 0 : g_ptr(32); a[3] = g_flags(0x100);
		break;
	case SYS_mknod: case SYS_mknodat: {
		/* FIFOs and regular files only: never device nodes. */
		uint64_t mode = (pct(50) ? S_IFIFO : S_IFREG) | (g_int() & 07777);
		if (nr == SYS_mknod) {
			a[0] = g_wpath(); a[1] = mode; a[2] = g_int();
		} else {
			a[0] = g_dirfd(); a[1] = g_wpath(); a[2] = mode; a[3] = g_int();
		}
		break;
	}
	case SYS_getpriority: case SYS_setpriority:
		a[0] = pct(90) ? below(2) : g_int(); /* PRIO_PROCESS, PRIO_PGRP: never PRIO_USER */
		if (a[0] == 2)
			a[0] = 0;
		a[1] = pct(70) ? 0 : nkids ? (uint64_t)kids[0] : 0; a[2] = (uint64_t)(int64_t)((int)below(41) - 20);
		break;
	case SYS_arch_prctl:
		a[0] = PICK(((const uint64_t[]){ 0x1001, 0x1002, 0x1003, 0x1004, 0x1011, 0x1012, 0 }));
		if (a[0] == 0x1002) /* ARCH_SET_FS: only bases the kernel must refuse */
			a[1] = PICK(((const uint64_t[]){ 0xffff800000000000, 0x800000000000,
							 0xffffffff80000000, 0x8000000000000000 }));
		else if (a[0] == 0x1001)
			a[1] = pct(50) ? g_ptr(8) : PICK(bad_ptrs);
		else
			a[1] = g_ptr(8);
		break;
	case SYS_prctl:
		a[0] = PICK(((const uint64_t[]){ 15 /* SET_NAME */, 16 /* GET_NAME */, 1 /* SET_PDEATHSIG */,
						 2 /* GET_PDEATHSIG */, 3 /* GET_DUMPABLE */,
						 4 /* SET_DUMPABLE */, 0xdead, 999 }));
		a[1] = a[0] == 15 || a[0] == 16 || a[0] == 2 ? g_ptr(16) : g_int();
		break;
	case SYS_set_tid_address: a[0] = g_ptr(4); break;
	case SYS_clock_gettime: case SYS_clock_getres: a[0] = pct(90) ? below(12) : g_int(); a[1] = g_ptr(16); break;
	case SYS_getdents64: a[0] = g_fd(); a[2] = g_len(); a[1] = g_ptr(a[2]); break;
	case SYS_getrandom:
		a[1] = g_len(); a[0] = g_ptr(a[1]); a[2] = g_flags(7);
		if (a[1] > (1 << 20) && a[1] < (1ul << 40))
			a[1] = 1 << 20;
		break;
	case SYS_sched_getaffinity: a[0] = pct(80) ? 0 : g_int(); a[1] = g_len(); a[2] = g_ptr(a[1]); break;
	case SYS_setuid: case SYS_setgid: a[0] = pct(50) ? below(3) * 1000 : g_int(); break;
	default:
		break;
	}
	return true;
}

/* The calls a child may make: none that changes signals, groups or
 * sessions, or forks again. */
static bool child_ok(int nr)
{
	switch (nr) {
	case SYS_rt_sigaction: case SYS_rt_sigprocmask: case SYS_setitimer: case SYS_alarm:
	case SYS_kill: case SYS_tkill: case SYS_tgkill: case SYS_setsid: case SYS_setpgid:
	case SYS_fork: case SYS_vfork: case SYS_clone: case SYS_rt_sigsuspend: case SYS_pause:
	case SYS_setrlimit: case SYS_prlimit64:
		return false;
	}
	return nr >= 0;
}

static void child_calls(int n)
{
	uint64_t a[6];

	while (n-- > 0) {
		const struct sc *c = pick_call();
		if (child_ok(c->nr) && gen_args(c->nr, a))
			do_call(c->nr, a);
	}
}

/* ---- the worker ---- */

static void on_sig(int sig);

/* The worker's 20 ms SIGALRM is what cuts every blocking call short; a
 * call that disarmed, blocked or redirected it is followed by putting it
 * back (outside the log: this is not part of the fuzzed sequence). The
 * alternate signal stack is put back the same way. */
static void keep_alarm(int nr, const uint64_t a[6])
{
	static const struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	uint64_t alrm = 1ul << (SIGALRM - 1);

	if (nr == SYS_alarm || nr == SYS_setitimer) {
		raw6(SYS_setitimer, ITIMER_REAL, (uint64_t)&it, 0, 0, 0, 0);
	} else if (nr == SYS_rt_sigaction && a[0] == SIGALRM) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_sig;
		sigaction(SIGALRM, &sa, NULL);
	} else if (nr == SYS_rt_sigprocmask) {
		raw6(SYS_rt_sigprocmask, SIG_UNBLOCK, (uint64_t)&alrm, 0, 8, 0, 0);
	} else if (nr == SYS_sigaltstack) {
		/* A stack in the play window (which the calls unmap) or at a
		 * bad address would turn every later signal into SIGSEGV. */
		stack_t ss = { .ss_sp = alt_area, .ss_size = sizeof(alt_area) };
		sigaltstack(&ss, NULL);
	}
}

static void one_call(void)
{
	const struct sc *c = pick_call();
	uint64_t a[6];

	switch (c->nr) {
	case SYS_fork: case SYS_vfork: case SYS_clone:
		do_fork_like(c->nr);
		return;
	case -1: {
		if (!guest)
			return;
		long nr = pct(90) ? (long)below(460) : (long)g_int();
		if (implemented(nr) || denied(nr))
			return;
		for (int i = 0; i < 6; i++)
			a[i] = pct(50) ? g_ptr(64) : g_int();
		do_call(nr, a);
		return;
	}
	case -2: write_exec_target(); return;
	case -3: play_reset(); return;
	}
	if (!gen_args(c->nr, a))
		return;
	do_call(c->nr, a);
	keep_alarm(c->nr, a);
	if (c->nr == SYS_open || c->nr == SYS_openat || c->nr == SYS_creat || c->nr == SYS_dup ||
	    c->nr == SYS_dup2 || c->nr == SYS_dup3 || c->nr == SYS_fcntl)
		note_fd(me->ring[(me->calls - 1) % RING].ret);
}

static void on_sig(int sig)
{
	(void)sig;
}

/* Sets up a worker: its own process group, /dev/null for stdio, its own
 * directory, limits, handlers, a 20 ms interval timer that interrupts
 * blocking calls, and the play window. */
static void worker_init(void)
{
	struct rlimit rl;
	struct sigaction sa;
	char path[PATH_MAX];

	setpgid(0, 0);
	int null = open("/dev/null", O_RDWR);
	if (verbose && log_fd < 0)
		log_fd = fcntl(1, F_DUPFD_CLOEXEC, 300);
	dup2(null, 0), dup2(null, 1), dup2(null, 2);
	for (int fd = 3; fd < 256; fd++)
		if (fd != log_fd)
			close(fd);
	snprintf(wdir, sizeof(wdir), "%s/w%d", scratch, wid);
	u_rmtree(wdir);
	mkdir(wdir, 0755);
	chdir(wdir);
	static const char *const mk[] = { "f0", "f1", "d0", "d1", "d0/f3", "d0/d2" };
	for (size_t i = 0; i < sizeof(mk) / sizeof(mk[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", wdir, mk[i]);
		if (mk[i][0] == 'd' && !strchr(mk[i], 'f'))
			mkdir(path, 0755);
		else
			close(open(path, O_WRONLY | O_CREAT, 0644));
	}
	snprintf(path, sizeof(path), "%s/p0", wdir);
	mkfifo(path, 0644);
	write_exec_target();
	write_exec_target();
	rl.rlim_cur = rl.rlim_max = 256;
	setrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max = 1 << 20;
	if (!verbose) /* the log file would hit the limit */
		setrlimit(RLIMIT_FSIZE, &rl);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	for (int s = 1; s < 65; s++)
		if (s != SIGKILL && s != SIGSTOP && s != 32 && s != 33 && s != SIGSEGV &&
		    s != SIGBUS && s != SIGILL && s != SIGFPE && s != SIGTRAP)
			sigaction(s, &sa, NULL);
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	play_reset();
	brk0 = (uint64_t)sbrk(0);
}

static __attribute__((noreturn)) void worker(int id)
{
	wid = id;
	me = &sh->w[id];
	rng = mix(seed ^ mix((uint64_t)id * 0x1000193 + me->gen));
	me->calls = 0;
	worker_init();
	while (!sh->stop && (!max_calls || me->calls < max_calls)) {
		one_call();
		if ((me->calls & 15) == 0)
			reap_kids();
		if ((me->calls & 1023) == 0)
			play_reset();
	}
	raw6(SYS_exit_group, 0, 0, 0, 0, 0, 0);
	_exit(0);
}

/* ---- the main process ---- */

static void print_ring(int id)
{
	struct wshared *w = &sh->w[id];
	uint64_t n = w->calls, from = n > 8 ? n - 8 : 0;

	for (uint64_t i = from; i < n; i++) {
		const struct rec *r = &w->ring[i % RING];
		if (r->ret == PENDING)
			u_out("#   [%llu] %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx) = (not returned)\n",
			      (unsigned long long)i, nr_name((int)r->nr), (unsigned long long)r->a[0],
			      (unsigned long long)r->a[1], (unsigned long long)r->a[2],
			      (unsigned long long)r->a[3], (unsigned long long)r->a[4],
			      (unsigned long long)r->a[5]);
		else
			u_out("#   [%llu] %s(%#llx, %#llx, %#llx, %#llx, %#llx, %#llx) = %lld\n",
			      (unsigned long long)i, nr_name((int)r->nr), (unsigned long long)r->a[0],
			      (unsigned long long)r->a[1], (unsigned long long)r->a[2],
			      (unsigned long long)r->a[3], (unsigned long long)r->a[4],
			      (unsigned long long)r->a[5], (long long)r->ret);
	}
}

static pid_t start_worker(int id)
{
	if (only >= 0)
		u_out("# fuzz: starting worker %d gen %u\n", id, sh->w[id].gen);
	pid_t pid = fork();

	if (pid == 0)
		worker(id);
	if (pid > 0) {
		sh->w[id].pid = pid;
		setpgid(pid, pid);
	}
	return pid;
}

static void kill_worker(int id)
{
	pid_t pid = sh->w[id].pid;

	if (pid > 1) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
}

/* Reaps whatever is there; returns true once it has no children left. */
static bool reap_workers(bool report)
{
	int st;
	pid_t p;

	while ((p = waitpid(-1, &st, WNOHANG)) > 0) {
		for (int i = 0; i < nworkers; i++) {
			if (sh->w[i].pid != p)
				continue;
			sh->w[i].pid = 0;
			if (!report || sh->stop)
				continue;
			sh->w[i].deaths++;
			/* A worker may die of a signal it sent itself (or its
			 * children sent it); never of a fault signal, so such a
			 * death is worth its ring. */
			if (WIFSIGNALED(st) && is_fault_sig(WTERMSIG(st))) {
				u_out("# fuzz: worker %d gen %u died of signal %d after %llu calls; last calls:\n",
				      i, sh->w[i].gen, WTERMSIG(st), (unsigned long long)sh->w[i].calls);
				print_ring(i);
			}
		}
	}
	return p < 0 && errno == ECHILD;
}

static void summary(void)
{
	uint64_t total = 0;
	int distinct = 0;
	char line[1024];
	int k = 0;

	for (int i = 0; i < nworkers; i++) {
		if (only >= 0 && i != only)
			continue;
		total += sh->w[i].total;
		u_out("# fuzz: worker %d: %llu calls, %u generations, %u deaths, %u stuck\n", i,
		      (unsigned long long)sh->w[i].total, sh->w[i].gen + 1, sh->w[i].deaths,
		      sh->w[i].stuck);
	}
	for (int nr = 0; nr < NR_MAX; nr++) {
		if (!sh->ncalls[nr])
			continue;
		distinct++;
		k += snprintf(line + k, sizeof(line) - (size_t)k, " %s %llu/%llu", nr_name(nr),
			      (unsigned long long)sh->nok[nr], (unsigned long long)sh->ncalls[nr]);
		if (k > 100) {
			u_out("# fuzz: ok/calls:%s\n", line);
			k = 0;
		}
	}
	if (k)
		u_out("# fuzz: ok/calls:%s\n", line);
	u_out("# fuzz: %llu calls, %d different system calls, seed %#llx\n",
	      (unsigned long long)total, distinct, (unsigned long long)seed);
}

/* The main process should get no signal but SIGCHLD: one that arrives is
 * reported (with its sender) and survived. */
static void on_main_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	u_out("# fuzz: the main process got signal %d from pid %d (si_code %d); ignored\n", sig,
	      (int)si->si_pid, si->si_code);
}

static void usage(void)
{
	u_out("usage: fuzz [-s SEED] [-t SECONDS] [-w WORKERS] [-n CALLS] [-W ONLY] [-d DIR] [-g] [-v] "
	      "[-x BUG,BUG...]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--exit"))
		return atoi(argv[2]);
	seed = mix((uint64_t)u_now_ms() ^ ((uint64_t)getpid() << 32));
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(o, "-g")) guest = 1;
		else if (!strcmp(o, "-v")) verbose = 1;
		else if (!v) usage();
		else if (!strcmp(o, "-s")) seed = strtoull(v, NULL, 0), i++;
		else if (!strcmp(o, "-t")) seconds = atol(v), i++;
		else if (!strcmp(o, "-w")) nworkers = atoi(v), i++;
		else if (!strcmp(o, "-n")) max_calls = strtoull(v, NULL, 0), i++;
		else if (!strcmp(o, "-V")) verbose = 1, verbose_from = strtoull(v, NULL, 0), i++;
		else if (!strcmp(o, "-G")) one_gen = atoi(v), i++;
		else if (!strcmp(o, "-W")) only = atoi(v), i++;
		else if (!strcmp(o, "-d")) snprintf(scratch, sizeof(scratch), "%s", v), i++;
		else if (!strcmp(o, "-x")) {
			/* A comma-separated list of known bugs to keep away from. */
			avoid_empty_shebang |= strstr(v, "exec_shebang_empty_interp") != NULL;
			avoid_hint_overlap |= strstr(v, "mmap_hint_overlap") != NULL;
			avoid_mremap_huge |= strstr(v, "mremap_huge_len") != NULL;
			i++;
		}
		else usage();
	}
	if (nworkers < 1 || nworkers > MAX_WORKERS || only >= nworkers)
		usage();
	u_prog_dir(argv[0], self_path);
	snprintf(self_path + strlen(self_path), sizeof(self_path) - strlen(self_path), "/%s",
		 strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0]);
	if (!scratch[0])
		snprintf(scratch, sizeof(scratch), "/tmp/fuzz.%d", (int)getpid());
	for (size_t i = 0; i < NCALLS; i++)
		total_weight += calls[i].weight;
	u_out("# fuzz: seed %#llx, %d workers, %ld s%s, scratch %s\n", (unsigned long long)seed,
	      nworkers, seconds, guest ? ", guest mode" : "", scratch);
	u_rmtree(scratch);
	if (mkdir(scratch, 0755) != 0) {
		u_out("# fuzz: cannot make %s: %s\n", scratch, u_errname(errno));
		return 1;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED) {
		u_out("# fuzz: no shared memory: %s\n", u_errname(errno));
		return 1;
	}
	struct sigaction msa;
	memset(&msa, 0, sizeof(msa));
	msa.sa_sigaction = on_main_signal;
	msa.sa_flags = SA_SIGINFO | SA_RESTART;
	for (int sig = 1; sig < 32; sig++)
		if (sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD && sig != SIGINT &&
		    sig != SIGTERM && sig != SIGSEGV && sig != SIGBUS && sig != SIGILL &&
		    sig != SIGFPE)
			sigaction(sig, &msa, NULL);
	for (int i = 0; i < nworkers; i++) {
		if (only >= 0 && one_gen >= 0)
			sh->w[i].gen = (uint32_t)one_gen;
		if (only < 0 || i == only)
			start_worker(i);
	}

	long long end = u_now_ms() + seconds * 1000;
	uint64_t last[MAX_WORKERS] = { 0 };
	long long moved[MAX_WORKERS];
	for (int i = 0; i < MAX_WORKERS; i++)
		moved[i] = u_now_ms();
	while (u_now_ms() < end) {
		u_sleep_ms(50);
		reap_workers(true);
		bool all_done = max_calls != 0;
		for (int i = 0; i < nworkers; i++) {
			struct wshared *w = &sh->w[i];
			if (only >= 0 && i != only)
				continue;
			if (max_calls && w->calls >= max_calls && !w->pid)
				continue;
			all_done = false;
			if (!w->pid && one_gen >= 0) { /* replaying one generation */
				all_done = true;
				break;
			}
			if (!w->pid) { /* died: the next generation */
				w->gen++;
				start_worker(i);
				last[i] = 0;
				moved[i] = u_now_ms();
				continue;
			}
			if (w->calls != last[i]) {
				last[i] = w->calls;
				moved[i] = u_now_ms();
			} else if (u_now_ms() - moved[i] > STUCK_MS) {
				u_out("# fuzz: worker %d gen %u made no progress for %d ms; last calls:\n",
				      i, w->gen, STUCK_MS);
				print_ring(i);
				w->stuck++;
				kill_worker(i);
				moved[i] = u_now_ms();
			}
		}
		if (all_done)
			break;
	}
	sh->stop = 1;
	u_sleep_ms(200);
	for (int i = 0; i < nworkers; i++)
		kill_worker(i);
	for (int tries = 0; tries < 200 && !reap_workers(false); tries++)
		u_sleep_ms(20);
	summary();
	if (u_rmtree(scratch) != 0)
		u_out("# fuzz: could not remove all of %s\n", scratch);
	return 0;
}

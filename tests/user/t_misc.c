/* t_misc.c: identity, time, system information and limits: uname, the
 * getuid family, clocks and sleeps, sysinfo, getrandom, times, getrusage,
 * rlimits, scheduling, the thread pointer, basic signal delivery, and an
 * EFAULT sweep over the pointer-taking calls here. */
#include "utest.h"

#include <sched.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/utsname.h>

#define ARCH_GET_FS 0x1003

static long long ts_ms(const struct timespec *t)
{
	return (long long)t->tv_sec * 1000 + t->tv_nsec / 1000000;
}

static long long tv_ms(const struct timeval *t)
{
	return (long long)t->tv_sec * 1000 + t->tv_usec / 1000;
}

/* Spins for ms milliseconds of wall time. */
static void burn(long ms)
{
	long long end = u_now_ms() + ms;
	volatile unsigned long x = 0;

	while (u_now_ms() < end)
		for (int i = 0; i < 10000; i++)
			x += (unsigned long)i;
}

UT_HELPER(burn_ms)
{
	burn(atol(argv[0]));
	return 0;
}

UT_CASE(uname_basic, 10)
{
	struct utsname u;

	UT_OK(uname(&u));
	UT_STREQ(u.sysname, "Linux");
	UT_STREQ(u.machine, "x86_64");
	UT_CHECK(u.release[0] >= '0' && u.release[0] <= '9');
	UT_CHECK(u.version[0] != 0);
	UT_CHECK(u.nodename[0] != 0);
}

UT_CASE(ids, 10)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;

	UT_EQ(getuid(), geteuid());
	UT_EQ(getgid(), getegid());
	UT_OK(getresuid(&r, &e, &s));
	UT_EQ(r, getuid());
	UT_EQ(e, geteuid());
	UT_EQ(s, geteuid());
	UT_OK(getresgid(&gr, &ge, &gs));
	UT_EQ(gr, getgid());
	UT_EQ(ge, getegid());
	UT_CHECK(getgroups(0, NULL) >= 0);
	if (ut_is_guest()) {
		UT_EQ(getuid(), 0);
		UT_EQ(getgid(), 0);
	}
}

UT_CASE(clock_monotonic, 10)
{
	struct timespec a, b, res;

	UT_OK(clock_gettime(CLOCK_MONOTONIC, &a));
	for (int i = 0; i < 1000; i++) {
		UT_OK(clock_gettime(CLOCK_MONOTONIC, &b));
		if (!UT_CHECK(b.tv_nsec >= 0 && b.tv_nsec < 1000000000) ||
		    !UT_CHECK(b.tv_sec > a.tv_sec || (b.tv_sec == a.tv_sec && b.tv_nsec >= a.tv_nsec)))
			break;
		a = b;
	}
	u_sleep_ms(20);
	UT_OK(clock_gettime(CLOCK_MONOTONIC, &b));
	UT_CHECK(ts_ms(&b) - ts_ms(&a) >= 20);
	UT_OK(clock_getres(CLOCK_MONOTONIC, &res));
	UT_CHECK(res.tv_sec == 0 && res.tv_nsec > 0 && res.tv_nsec <= 10000000);
	UT_OK(clock_getres(CLOCK_REALTIME, &res));
	UT_CHECK(res.tv_sec == 0 && res.tv_nsec > 0);
	UT_ERR(syscall(SYS_clock_gettime, 999, &a), EINVAL);
	UT_ERR(syscall(SYS_clock_getres, 999, &res), EINVAL);
}

UT_CASE(clock_realtime, 10)
{
	struct timespec rt;
	struct timeval tv;

	UT_OK(clock_gettime(CLOCK_REALTIME, &rt));
	UT_CHECK(rt.tv_sec > 1577836800);	/* 2020-01-01 */
	UT_CHECK(rt.tv_sec < 4102444800);	/* 2100-01-01 */
	UT_OK(gettimeofday(&tv, NULL));
	UT_CHECK(tv.tv_usec >= 0 && tv.tv_usec < 1000000);
	long long d = tv_ms(&tv) - ts_ms(&rt);
	UT_CHECK(d >= 0 && d < 1000);
	long long t = time(NULL);
	UT_CHECK(t >= rt.tv_sec && t <= rt.tv_sec + 1);
	UT_EQ(syscall(SYS_time, NULL) >= rt.tv_sec, 1);
	UT_OK(syscall(SYS_gettimeofday, &tv, NULL));
}

UT_CASE(nanosleep_basic, 10)
{
	struct timespec req = { 0, 50 * 1000000 }, rem = { 7, 7 };

	long long t0 = u_now_ms();
	UT_OK(nanosleep(&req, &rem));
	UT_CHECK(u_now_ms() - t0 >= 50);
	req = (struct timespec){ 0, 0 };
	UT_OK(nanosleep(&req, NULL));
	req = (struct timespec){ 0, 1000000000 };
	UT_ERR(nanosleep(&req, NULL), EINVAL);
	req = (struct timespec){ -1, 0 };
	UT_ERR(nanosleep(&req, NULL), EINVAL);
	req = (struct timespec){ 0, -1 };
	UT_ERR(nanosleep(&req, NULL), EINVAL);
}

UT_CASE(clock_nanosleep_basic, 10)
{
	struct timespec req = { 0, 30 * 1000000 }, now;

	long long t0 = u_now_ms();
	UT_RET(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), 0);
	UT_CHECK(u_now_ms() - t0 >= 30);
	t0 = u_now_ms();
	UT_RET(clock_nanosleep(CLOCK_REALTIME, 0, &req, NULL), 0);
	UT_CHECK(u_now_ms() - t0 >= 30);

	/* Absolute: wakes no earlier than the target; a past target returns. */
	UT_OK(clock_gettime(CLOCK_MONOTONIC, &now));
	struct timespec target = now;
	target.tv_nsec += 40 * 1000000;
	if (target.tv_nsec >= 1000000000) {
		target.tv_sec++;
		target.tv_nsec -= 1000000000;
	}
	UT_RET(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
	UT_OK(clock_gettime(CLOCK_MONOTONIC, &now));
	UT_CHECK(now.tv_sec > target.tv_sec ||
		 (now.tv_sec == target.tv_sec && now.tv_nsec >= target.tv_nsec));
	t0 = u_now_ms();
	/* A deadline in the past on any system (a freshly booted guest has
	 * seconds of uptime, so "now - 10 s" could be negative: EINVAL). */
	target = (struct timespec){ 0, 1 };
	UT_RET(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &target, NULL), 0);
	UT_CHECK(u_now_ms() - t0 < 1000 * ut_scale);
	UT_RET(clock_nanosleep(999, 0, &req, NULL), EINVAL);
	req = (struct timespec){ 0, 1000000000 };
	UT_RET(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, NULL), EINVAL);
}

UT_CASE(sysinfo_basic, 10)
{
	struct sysinfo si;
	struct timespec mono;

	UT_OK(sysinfo(&si));
	UT_CHECK(si.uptime > 0);
	UT_CHECK(si.totalram > 0);
	UT_CHECK(si.freeram > 0 && si.freeram <= si.totalram);
	UT_CHECK(si.mem_unit >= 1);
	UT_CHECK(si.procs >= 1);
	UT_OK(clock_gettime(CLOCK_MONOTONIC, &mono));
	UT_CHECK((long)si.uptime >= mono.tv_sec - 1);
}

UT_CASE(getrandom_basic, 10)
{
	unsigned char a[64] = { 0 }, b[64] = { 0 };
	static unsigned char big[1 << 16];

	UT_EQ(getrandom(a, sizeof(a), 0), sizeof(a));
	UT_EQ(getrandom(b, sizeof(b), GRND_NONBLOCK), sizeof(b));
	UT_CHECK(memcmp(a, b, sizeof(a)) != 0);
	int nonzero = 0;
	for (size_t i = 0; i < sizeof(a); i++)
		nonzero += a[i] != 0;
	UT_CHECK(nonzero > 32);
	UT_EQ(getrandom(a, 0, 0), 0);
	UT_EQ(getrandom(big, sizeof(big), 0), sizeof(big));
	UT_ERR(getrandom(a, sizeof(a), 0x100), EINVAL);
}

UT_CASE(times_basic, 20)
{
	struct tms t0, t1;
	long hz = sysconf(_SC_CLK_TCK);

	UT_EQ(hz, 100);
	UT_CHECK(times(&t0) != (clock_t)-1);
	burn(300);
	UT_CHECK(times(&t1) != (clock_t)-1);
	long self = (long)(t1.tms_utime + t1.tms_stime - t0.tms_utime - t0.tms_stime);
	UT_CHECK(self >= 10);
	UT_EXITED(ut_run_helper("burn_ms", "300"), 0);
	UT_CHECK(times(&t1) != (clock_t)-1);
	UT_CHECK(t1.tms_cutime + t1.tms_cstime - t0.tms_cutime - t0.tms_cstime >= 10);
}

UT_CASE(getrusage_basic, 20)
{
	struct rusage ru;

	burn(300);
	UT_OK(getrusage(RUSAGE_SELF, &ru));
	UT_CHECK(tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime) >= 100);
	UT_OK(getrusage(RUSAGE_CHILDREN, &ru));
	UT_EQ(tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime), 0);
	UT_EXITED(ut_run_helper("burn_ms", "300"), 0);
	UT_OK(getrusage(RUSAGE_CHILDREN, &ru));
	UT_CHECK(tv_ms(&ru.ru_utime) + tv_ms(&ru.ru_stime) >= 100);
	UT_ERR(getrusage(99, &ru), EINVAL);
}

UT_CASE(rlimit_basic, 10)
{
	struct rlimit rl, old, lim = { 16, 16 };
	int p[2];

	UT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	UT_CHECK(rl.rlim_cur >= 64 && rl.rlim_cur <= rl.rlim_max);
	UT_OK(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &old));
	UT_EQ(old.rlim_cur, rl.rlim_cur);
	UT_EQ(old.rlim_max, rl.rlim_max);
	UT_OK(syscall(SYS_prlimit64, getpid(), RLIMIT_NOFILE, NULL, &old));
	UT_OK(getrlimit(RLIMIT_STACK, &old));
	UT_CHECK(old.rlim_cur >= 1 << 20);

	/* With 16 fds allowed, fds 3..15 can be opened and no more. */
	UT_OK(setrlimit(RLIMIT_NOFILE, &lim));
	int n = 0;
	while (dup(0) >= 0)
		n++;
	UT_EQ(errno, EMFILE);
	UT_EQ(n, 13);
	UT_ERR(dup2(0, 16), EBADF);
	UT_ERR(fcntl(0, F_DUPFD, 16), EINVAL);
	UT_OK(close(15));
	UT_ERR(pipe(p), EMFILE); /* needs two free fds */
	UT_EQ(open("/", O_RDONLY), 15);
	UT_ERR(open("/", O_RDONLY), EMFILE);

	lim = (struct rlimit){ 32, 16 };
	UT_ERR(setrlimit(RLIMIT_NOFILE, &lim), EINVAL);
	UT_ERR(getrlimit(999, &old), EINVAL);
	UT_ERR(syscall(SYS_prlimit64, 0, 999, NULL, &old), EINVAL);
	UT_ERR(syscall(SYS_prlimit64, 0x3fffffff, RLIMIT_NOFILE, NULL, &old), ESRCH);
}

UT_CASE(sched_basic, 10)
{
	unsigned long mask[16];

	for (int i = 0; i < 100; i++)
		if (!UT_EQ(sched_yield(), 0))
			break;
	memset(mask, 0, sizeof(mask));
	long n = UT_OK(syscall(SYS_sched_getaffinity, 0, sizeof(mask), mask));
	UT_CHECK(n > 0 && n <= (long)sizeof(mask) && n % 8 == 0);
	int cpus = 0;
	for (size_t i = 0; i < sizeof(mask) / sizeof(mask[0]); i++)
		cpus += __builtin_popcountl(mask[i]);
	UT_CHECK(cpus >= 1);
	cpu_set_t set;
	UT_OK(sched_getaffinity(0, sizeof(set), &set));
	UT_EQ(CPU_COUNT(&set), cpus);
	UT_ERR(syscall(SYS_sched_getaffinity, 0, 0, mask), EINVAL);
	UT_ERR(syscall(SYS_sched_getaffinity, 0, 7, mask), EINVAL);
	UT_ERR(syscall(SYS_sched_getaffinity, 0x3fffffff, sizeof(mask), mask), ESRCH);
}

static __thread int tls_var = 1234;
static __thread char tls_zero[64];

UT_CASE(tls_basic, 10)
{
	unsigned long fs = 0;

	UT_EQ(tls_var, 1234);
	tls_var = 99;
	UT_EQ(tls_var, 99);
	UT_EQ(tls_zero[63], 0);
	UT_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
	UT_CHECK(fs != 0);
	UT_EQ(fs, (unsigned long)__builtin_thread_pointer());
	int tid = 0;
	UT_EQ(syscall(SYS_set_tid_address, &tid), getpid());
}

static volatile int got_sig;

static void on_sig(int sig)
{
	got_sig = sig;
}

UT_CASE(signal_basic, 10)
{
	struct sigaction sa = { 0 }, old;
	sigset_t set, pend;

	sa.sa_handler = on_sig;
	UT_OK(sigaction(SIGUSR1, &sa, NULL));
	UT_OK(raise(SIGUSR1));
	UT_EQ(got_sig, SIGUSR1);

	got_sig = 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	UT_OK(sigprocmask(SIG_BLOCK, &set, NULL));
	UT_OK(raise(SIGUSR1));
	UT_EQ(got_sig, 0);
	UT_OK(sigpending(&pend));
	UT_CHECK(sigismember(&pend, SIGUSR1));
	UT_OK(sigprocmask(SIG_UNBLOCK, &set, NULL));
	UT_EQ(got_sig, SIGUSR1);

	UT_OK(sigaction(SIGUSR1, NULL, &old));
	UT_CHECK(old.sa_handler == on_sig);
	UT_ERR(sigaction(SIGKILL, &sa, NULL), EINVAL);
	UT_ERR(sigaction(0, &sa, NULL), EINVAL);
}

/* The calls here answer each kind of bad pointer with EFAULT. */
UT_CASE(misc_efault, 10)
{
	const char *what;
	struct timespec ts = { 0, 1000 };

	for (int i = 0; i < UT_NBAD; i++) {
		void *bad = ut_bad_ptr(i, &what);
		int before = ut_failed;
		ut_failed = 0;
		UT_ERR(syscall(SYS_uname, bad), EFAULT);
		UT_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, bad), EFAULT);
		UT_ERR(syscall(SYS_clock_gettime, CLOCK_REALTIME, bad), EFAULT);
		UT_ERR(syscall(SYS_sysinfo, bad), EFAULT);
		UT_ERR(syscall(SYS_getrandom, bad, 16, 0), EFAULT);
		UT_ERR(syscall(SYS_getrusage, RUSAGE_SELF, bad), EFAULT);
		UT_ERR(syscall(SYS_getrlimit, RLIMIT_NOFILE, bad), EFAULT);
		UT_ERR(syscall(SYS_setrlimit, RLIMIT_NOFILE, bad), EFAULT);
		UT_ERR(syscall(SYS_sched_getaffinity, 0, 128, bad), EFAULT);
		UT_ERR(syscall(SYS_nanosleep, bad, NULL), EFAULT);
		UT_ERR(syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, bad, NULL), EFAULT);
		UT_ERR(syscall(SYS_getresuid, bad, bad, bad), EFAULT);
		UT_ERR(syscall(SYS_arch_prctl, ARCH_GET_FS, bad), EFAULT);
		if (bad) {
			/* For these NULL means "none". */
			UT_ERR(syscall(SYS_gettimeofday, bad, NULL), EFAULT);
			UT_ERR(syscall(SYS_times, bad), EFAULT);
			UT_ERR(syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, bad), EFAULT);
			UT_ERR(syscall(SYS_rt_sigaction, SIGUSR2, bad, NULL, 8), EFAULT);
			UT_ERR(syscall(SYS_rt_sigprocmask, SIG_BLOCK, bad, NULL, 8), EFAULT);
			/* rem is written only when a sleep is cut short. */
			UT_OK(syscall(SYS_nanosleep, &ts, bad));
		}
		if (ut_failed)
			UT_NOTE("  (the failures above were with the %s pointer)\n", what);
		ut_failed |= before;
	}
}

/* Regression (clock_froze_near_tick): CLOCK_MONOTONIC used to jump a timer
 * tick ahead and then stand still for up to a tick (thousands of equal
 * readings in a row). It must never go back, and successive readings may
 * repeat only for as long as the clock's resolution (about a microsecond). */
UT_CASE(clock_froze_near_tick, 30)
{
	struct timespec ts;
	long long prev, now, run = 0, longest = 0, back = 0;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	prev = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	for (int i = 0; i < 100000; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = ts.tv_sec * 1000000000LL + ts.tv_nsec;
		run = now == prev ? run + 1 : 0;
		longest = run > longest ? run : longest;
		back += now < prev;
		prev = now;
	}
	UT_NOTE("longest run of equal readings: %lld\n", longest);
	UT_CHECK(back == 0);
	UT_CHECK(longest < 100);
}

static long long mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Regression (clock_lost_periods_icount): with only the timer interrupt
 * reading the PIT (a program computing, making no calls), readings one
 * period apart were read as no time at all, and under QEMU's -icount the
 * monotonic clock nearly stood still. Over half a second of pure
 * computation it must agree with the tick count of times(). */
UT_CASE(clock_lost_periods_icount, 60)
{
	struct tms t;
	volatile unsigned long spin = 0;
	long hz = sysconf(_SC_CLK_TCK);
	clock_t start = times(&t), now;
	long long ns0 = mono_ns(), ns1;

	do {
		for (int i = 0; i < 200000; i++)
			spin++;
		now = times(&t);
	} while (now - start < hz / 2);
	ns1 = mono_ns();
	long long tick_ns = (long long)(now - start) * (1000000000LL / hz);
	UT_NOTE("monotonic %lld ns, ticks %lld ns\n", ns1 - ns0, tick_ns);
	/* A tick each side of the interval is the granularity of times(). */
	UT_CHECK(ns1 - ns0 > tick_ns - 2 * (1000000000LL / hz));
	UT_CHECK(ns1 - ns0 < tick_ns + 2 * (1000000000LL / hz));
}

/* Regression (sysinfo_uptime_zero_first_second): uptime was truncated to
 * whole seconds, so a program started in the first second of the machine
 * saw 0. Linux rounds up: uptime is never less than the monotonic clock. */
UT_CASE(sysinfo_uptime_zero_first_second, 10)
{
	struct sysinfo si;
	long long before = mono_ns();

	UT_OK(sysinfo(&si));
	UT_CHECK((long long)si.uptime * 1000000000LL >= before);
}

/* /proc/sys/vm/drop_caches takes 1-4 (Linux's range) and refuses others;
 * it is write-only, for root too. The test runner writes it before reading MemFree, so
 * that tasks the kernel keeps for reuse do not look like a leak
 * (regression: thread_churn_false_leak). */
UT_CASE(drop_caches_file, 10)
{
	struct stat st;
	int fd;

	if (geteuid() != 0)
		return; /* root's file */
	UT_ERR(open("/proc/sys/vm/drop_caches", O_RDONLY), EACCES);
	UT_OK(stat("/proc/sys/vm/drop_caches", &st));
	UT_EQ(st.st_mode & 0777, 0200);
	fd = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (!UT_CHECK(fd >= 0))
		return;
	UT_CHECK(write(fd, "2\n", 2) == 2);
	if (ut_is_guest()) { /* this host's /proc/sys takes anything */
		UT_ERR(write(fd, "9\n", 2), EINVAL);
		UT_ERR(write(fd, "x\n", 2), EINVAL);
	}
	close(fd);
}

UT_MAIN()

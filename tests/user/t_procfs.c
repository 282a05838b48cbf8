/* t_procfs.c: what ps, top, free, uptime, kill, pidof and mount read from
 * /proc: /proc/self/{stat,status,cmdline,environ,comm,statm,maps,exe,fd/},
 * another process's /proc/<pid>/ while it sleeps and once it is a zombie,
 * and the system files (meminfo, uptime, loadavg, stat, cpuinfo, version,
 * filesystems, mounts). Formats are checked the way their parsers read
 * them (BusyBox's procps splits stat at the last ')', free scans meminfo
 * with "Name: %lu kB", ...). */
#include "utest.h"

#include <sys/resource.h>
#include <sys/utsname.h>

#define STAT_FIELDS 52

/* Reads path whole into buf (NUL-terminated). Returns the length or -1
 * after recording a failure. */
static long read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long n;

	if (fd < 0)
		return ut_fail_(__LINE__, "open %s: %s", path, u_errname(errno)), -1;
	n = ut_read_all(fd, buf, size);
	close(fd);
	if (n < 0)
		ut_fail_(__LINE__, "read %s: %s", path, u_errname(errno));
	return n;
}

/* Splits a stat line: f[1] pid, f[2] comm (without parentheses, cut at the
 * last ')'), f[3..] the rest. Modifies line. Returns the field count. */
static int stat_split(char *line, char *f[STAT_FIELDS + 2])
{
	char *open = strchr(line, '('), *close = strrchr(line, ')'), *p;
	int n = 2;

	if (!open || !close || close < open || close[1] != ' ')
		return 0;
	*open = *close = 0;
	f[1] = line;
	f[2] = open + 1;
	for (p = strtok(close + 2, " \n"); p && n <= STAT_FIELDS; p = strtok(NULL, " \n"))
		f[++n] = p;
	return p ? n + 1 : n;
}

/* The value of "Key:" in a status or meminfo text, or -1 if absent. */
static long long key_value(const char *text, const char *key)
{
	char pat[64];
	const char *p;

	u_fmt(pat, sizeof(pat), "\n%s:", key);
	if (strncmp(text, pat + 1, strlen(pat + 1)) == 0)
		p = text + strlen(pat + 1);
	else if ((p = strstr(text, pat)))
		p += strlen(pat);
	else
		return -1;
	return strtoll(p, NULL, 10);
}

/* The line of text starting with "Key:", copied into out without the key. */
static bool key_line(const char *text, const char *key, char *out, size_t size)
{
	char pat[64];
	const char *p, *end;

	u_fmt(pat, sizeof(pat), "\n%s:", key);
	if (strncmp(text, pat + 1, strlen(pat + 1)) == 0)
		p = text + strlen(pat + 1);
	else if ((p = strstr(text, pat)))
		p += strlen(pat);
	else
		return false;
	while (*p == '\t' || *p == ' ')
		p++;
	end = strchrnul(p, '\n');
	snprintf(out, size, "%.*s", (int)(end - p), p);
	return true;
}

/* Joins the strings of v with their NULs, as cmdline and environ show them. */
static size_t join_nul(char *const *v, int n, char *out, size_t size)
{
	size_t len = 0;

	for (int i = 0; n < 0 ? v[i] != NULL : i < n; i++) {
		size_t l = strlen(v[i]) + 1;
		if (len + l > size)
			break;
		memcpy(out + len, v[i], l);
		len += l;
	}
	return len;
}

static char stat_state(pid_t pid)
{
	char path[64], buf[1024], *f[STAT_FIELDS + 2];

	u_fmt(path, sizeof(path), "/proc/%d/stat", (int)pid);
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	long n = ut_read_all(fd, buf, sizeof(buf));
	close(fd);
	return n > 0 && stat_split(buf, f) >= 3 ? f[3][0] : 0;
}

/* Polls pid's state letter until it is one of want (2 s, scaled). */
static bool wait_state(pid_t pid, const char *want)
{
	for (long i = 0; i < 200 * ut_scale; i++) {
		char s = stat_state(pid);
		if (s && strchr(want, s))
			return true;
		u_sleep_ms(10);
	}
	return ut_fail_(__LINE__, "pid %d never reached state %s (now %c)", (int)pid, want,
			stat_state(pid) ? stat_state(pid) : '?');
}

/* ---- helpers ---- */

/* Checks its own cmdline against its argv and environ against environ,
 * then exits 0 (1 and a note on a mismatch). */
UT_HELPER(check_own_cmdline)
{
	char want[4096], got[4096];
	char **full = argv - 3; /* ut_self --helper check_own_cmdline args... */
	size_t wl = join_nul(full, argc + 3, want, sizeof(want));
	long gl = read_file("/proc/self/cmdline", got, sizeof(got));

	if (gl != (long)wl || memcmp(want, got, wl) != 0)
		return UT_NOTE("cmdline: %ld bytes, want %zu\n", gl, wl), 1;
	wl = join_nul(environ, -1, want, sizeof(want));
	gl = read_file("/proc/self/environ", got, sizeof(got));
	if (gl != (long)wl || memcmp(want, got, wl) != 0)
		return UT_NOTE("environ: %ld bytes, want %zu\n", gl, wl), 1;
	return 0;
}

/* Sleeps reading stdin until EOF, then exits 7. */
UT_HELPER(read_stdin)
{
	char c;

	while (read(0, &c, 1) > 0)
		;
	return 7;
}

/* ---- /proc/self ---- */

UT_CASE(self_stat_fields, 10)
{
	char buf[2048], *f[STAT_FIELDS + 2];
	long n = read_file("/proc/self/stat", buf, sizeof(buf));

	UT_CHECK(n > 0 && buf[n - 1] == '\n');
	UT_EQ(stat_split(buf, f), STAT_FIELDS);
	UT_EQ(atol(f[1]), getpid());
	UT_STREQ(f[2], "t_procfs");
	UT_STREQ(f[3], "R");
	UT_EQ(atol(f[4]), getppid());
	UT_EQ(atol(f[5]), getpgrp());
	UT_EQ(atol(f[6]), getsid(0));
	UT_EQ(atol(f[19]), getpriority(PRIO_PROCESS, 0));
	UT_EQ(atol(f[18]), 20 + atol(f[19]));
	UT_EQ(atol(f[20]), 1); /* num_threads */
	UT_EQ(atol(f[21]), 0); /* itrealvalue */
	UT_CHECK(strtoull(f[23], NULL, 10) > 0); /* vsize, bytes */
	/* rss in pages; Linux's per-CPU counters may still show 0 here */
	UT_CHECK(atol(f[24]) > 0 || !ut_is_guest());
	UT_EQ(atol(f[38]), SIGCHLD);              /* exit_signal */
}

UT_CASE(self_stat_times, 10)
{
	char buf[2048], up[128], *f[STAT_FIELDS + 2];
	long long hz = sysconf(_SC_CLK_TCK);

	UT_EQ(hz, 100);
	UT_CHECK(read_file("/proc/self/stat", buf, sizeof(buf)) > 0);
	UT_CHECK(read_file("/proc/uptime", up, sizeof(up)) > 0);
	if (!UT_EQ(stat_split(buf, f), STAT_FIELDS))
		return;
	/* starttime (ticks since boot) is no later than now. */
	UT_CHECK(strtoull(f[22], NULL, 10) <= (unsigned long long)(strtod(up, NULL) * hz) + 1);
	UT_CHECK(strtoull(f[14], NULL, 10) < 100000); /* utime */
	UT_CHECK(strtoull(f[15], NULL, 10) < 100000); /* stime */
}

UT_CASE(self_status, 10)
{
	char buf[8192], line[256], want[128];
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	UT_OK(sigprocmask(SIG_BLOCK, &set, NULL));
	signal(SIGUSR2, SIG_IGN);
	UT_CHECK(read_file("/proc/self/status", buf, sizeof(buf)) > 0);
	UT_CHECK(key_line(buf, "Name", line, sizeof(line)) && !strcmp(line, "t_procfs"));
	UT_CHECK(key_line(buf, "State", line, sizeof(line)) && !strcmp(line, "R (running)"));
	UT_EQ(key_value(buf, "Pid"), getpid());
	UT_EQ(key_value(buf, "Tgid"), getpid());
	UT_EQ(key_value(buf, "PPid"), getppid());
	u_fmt(want, sizeof(want), "%u\t%u\t%u\t%u", getuid(), geteuid(), geteuid(), geteuid());
	UT_CHECK(key_line(buf, "Uid", line, sizeof(line)) && !strcmp(line, want));
	u_fmt(want, sizeof(want), "%u\t%u\t%u\t%u", getgid(), getegid(), getegid(), getegid());
	UT_CHECK(key_line(buf, "Gid", line, sizeof(line)) && !strcmp(line, want));
	UT_CHECK(key_line(buf, "Umask", line, sizeof(line)) && strlen(line) == 4 && line[0] == '0');
	UT_CHECK(key_value(buf, "VmSize") > 0 && key_value(buf, "VmRSS") > 0);
	UT_CHECK(strstr(buf, "\nVmRSS:\t") && strstr(strstr(buf, "\nVmRSS:\t"), " kB\n"));
	UT_EQ(key_value(buf, "Threads"), 1);
	UT_CHECK(key_line(buf, "SigBlk", line, sizeof(line)) && strlen(line) == 16);
	UT_CHECK(strtoull(line, NULL, 16) & (1ULL << (SIGUSR1 - 1)));
	UT_CHECK(key_line(buf, "SigIgn", line, sizeof(line)) && strlen(line) == 16);
	UT_CHECK(strtoull(line, NULL, 16) & (1ULL << (SIGUSR2 - 1)));
	UT_CHECK(key_line(buf, "SigPnd", line, sizeof(line)) && !strcmp(line, "0000000000000000"));
}

UT_CASE(self_cmdline_environ, 10)
{
	int st = ut_run_helper("check_own_cmdline", "one", "", "three words");

	UT_EXITED(st, 0);
}

UT_CASE(self_comm, 10)
{
	char buf[64];

	UT_CHECK(read_file("/proc/self/comm", buf, sizeof(buf)) > 0);
	UT_STREQ(buf, "t_procfs\n");
}

UT_CASE(self_statm_maps, 10)
{
	char buf[16384];
	unsigned long v[7];
	char *stack, *exe_line;

	UT_CHECK(read_file("/proc/self/statm", buf, sizeof(buf)) > 0);
	UT_EQ(sscanf(buf, "%lu %lu %lu %lu %lu %lu %lu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		     &v[6]),
	      7);
	UT_CHECK(v[0] >= v[1] && v[1] > 0);
	UT_CHECK(read_file("/proc/self/maps", buf, sizeof(buf)) > 0);
	UT_CHECK((stack = strstr(buf, "[stack]\n")) != NULL);
	if (stack) { /* start-end perms offset dev inode, the name at column 73 */
		char *bol = stack, perms[8];
		unsigned long start, end, off, ino;
		unsigned ma, mi;
		while (bol > buf && bol[-1] != '\n')
			bol--;
		UT_EQ(stack - bol, 73);
		UT_EQ(sscanf(bol, "%lx-%lx %7s %lx %x:%x %lu", &start, &end, perms, &off, &ma, &mi,
			     &ino),
		      7);
		UT_CHECK(start < end && (uintptr_t)&start >= start && (uintptr_t)&start < end);
		UT_STREQ(perms, "rw-p");
		UT_CHECK(off == 0 && ma == 0 && mi == 0 && ino == 0);
	}
	exe_line = strstr(buf, "r-xp");
	UT_CHECK(exe_line && strstr(exe_line, "t_procfs\n"));
}

UT_CASE(self_smaps, 10)
{
	static char buf[65536];
	char *stack, *p;
	unsigned long start, end, size = 0, rss = 0, pss = 0;

	UT_CHECK(read_file("/proc/self/smaps", buf, sizeof(buf)) > 0);
	if (!UT_CHECK((stack = strstr(buf, "[stack]\n")) != NULL))
		return;
	p = stack;
	while (p > buf && p[-1] != '\n')
		p--;
	UT_EQ(sscanf(p, "%lx-%lx", &start, &end), 2);
	UT_CHECK((p = strstr(stack, "\nSize:")) && sscanf(p, "\nSize: %lu kB", &size) == 1);
	UT_CHECK((p = strstr(stack, "\nRss:")) && sscanf(p, "\nRss: %lu kB", &rss) == 1);
	UT_CHECK((p = strstr(stack, "\nPss:")) && sscanf(p, "\nPss: %lu kB", &pss) == 1);
	UT_EQ(size, (end - start) / 1024);
	UT_CHECK(rss > 0 && rss <= size && pss <= rss);
	UT_CHECK(strstr(stack, "\nPrivate_Dirty:") && strstr(stack, "\nVmFlags: rd wr "));
}

UT_CASE(self_exe, 10)
{
	char link[PATH_MAX];
	struct stat a, b;
	ssize_t n = readlink("/proc/self/exe", link, sizeof(link) - 1);

	UT_CHECK(n > 0 && link[0] == '/');
	if (n > 0) {
		link[n] = 0;
		UT_CHECK(strstr(link, "t_procfs") != NULL);
	}
	UT_OK(stat("/proc/self/exe", &a));
	UT_OK(stat(ut_self, &b));
	UT_EQ(a.st_ino, b.st_ino);
	UT_EQ(a.st_dev, b.st_dev);
}

UT_CASE(self_fd_dir, 10)
{
	char link[64], path[64];
	int p[2], null_fd, seen = 0;
	DIR *d;
	struct dirent *de;
	ssize_t n;

	UT_OK(null_fd = open("/dev/null", O_RDONLY));
	UT_OK(pipe(p));
	u_fmt(path, sizeof(path), "/proc/self/fd/%d", null_fd);
	n = readlink(path, link, sizeof(link) - 1);
	UT_CHECK(n > 0);
	if (n > 0) {
		link[n] = 0;
		UT_STREQ(link, "/dev/null");
	}
	u_fmt(path, sizeof(path), "/proc/self/fd/%d", p[0]);
	n = readlink(path, link, sizeof(link) - 1);
	UT_CHECK(n > 6 && !strncmp(link, "pipe:[", 6));
	UT_CHECK((d = opendir("/proc/self/fd")) != NULL);
	while (d && (de = readdir(d))) {
		int fd = atoi(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		seen |= (fd == null_fd) << 0 | (fd == p[0]) << 1 | (fd == p[1]) << 2 |
			(fd == dirfd(d)) << 3;
		UT_CHECK(fcntl(fd, F_GETFD) >= 0);
	}
	UT_EQ(seen, 15);
	if (d)
		closedir(d);
}

UT_CASE(proc_lists_pids, 10)
{
	char me[16];
	bool found = false, self = false;
	DIR *d = opendir("/proc");
	struct dirent *de;

	u_fmt(me, sizeof(me), "%d", (int)getpid());
	UT_CHECK(d != NULL);
	while (d && (de = readdir(d))) {
		found |= !strcmp(de->d_name, me) && de->d_type == DT_DIR;
		self |= !strcmp(de->d_name, "self");
	}
	UT_CHECK(found && self);
	if (d)
		closedir(d);
}

/* ---- another process ---- */

UT_CASE(child_stat_cmdline_zombie, 20)
{
	int p[2];
	char path[64], buf[4096], want[4096], *f[STAT_FIELDS + 2];
	char *args[] = { ut_self, (char *)"--helper", (char *)"read_stdin", (char *)"a b", (char *)"",
			 (char *)"x", NULL };
	size_t wl = join_nul(args, -1, want, sizeof(want));
	pid_t pid;
	int st;

	UT_OK(pipe2(p, O_CLOEXEC));
	pid = ut_spawn_helper(((int[3]){ p[0], -1, -1 }), "read_stdin", "a b", "", "x");
	close(p[0]);
	if (pid < 0)
		return;
	wait_state(pid, "S");
	u_fmt(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	UT_EQ(read_file(path, buf, sizeof(buf)), (long)wl);
	UT_CHECK(memcmp(buf, want, wl) == 0);
	u_fmt(path, sizeof(path), "/proc/%d/environ", (int)pid);
	wl = join_nul(environ, -1, want, sizeof(want));
	UT_EQ(read_file(path, buf, sizeof(buf)), (long)wl);
	UT_CHECK(memcmp(buf, want, wl) == 0);
	u_fmt(path, sizeof(path), "/proc/%d/stat", (int)pid);
	UT_CHECK(read_file(path, buf, sizeof(buf)) > 0);
	if (UT_EQ(stat_split(buf, f), STAT_FIELDS)) {
		UT_EQ(atol(f[1]), pid);
		UT_STREQ(f[2], "t_procfs");
		UT_STREQ(f[3], "S");
		UT_EQ(atol(f[4]), getpid());
	}
	close(p[1]); /* EOF: the child exits 7 and stays a zombie until reaped */
	wait_state(pid, "Z");
	u_fmt(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	UT_EQ(read_file(path, buf, sizeof(buf)), 0);
	UT_OK(waitpid(pid, &st, 0));
	UT_EXITED(st, 7);
	u_fmt(path, sizeof(path), "/proc/%d/stat", (int)pid);
	UT_ERR(open(path, O_RDONLY), ENOENT);
}

/* ---- system files ---- */

UT_CASE(meminfo_fields, 10)
{
	static const char *const keys[] = { "MemTotal", "MemFree", "MemAvailable", "Buffers",
					    "Cached", "SwapTotal", "SwapFree", "Shmem" };
	char buf[8192];
	long long total, free_kb;

	UT_CHECK(read_file("/proc/meminfo", buf, sizeof(buf)) > 0);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		char pat[32];
		u_fmt(pat, sizeof(pat), "%s:", keys[i]);
		const char *p = strstr(buf, pat);
		unsigned long long v;
		char unit[8];
		if (!UT_CHECK(p != NULL))
			continue;
		UT_EQ(sscanf(p + strlen(pat), " %llu %7s", &v, unit), 2);
		UT_STREQ(unit, "kB");
	}
	total = key_value(buf, "MemTotal");
	free_kb = key_value(buf, "MemFree");
	UT_CHECK(total > 0 && free_kb > 0 && free_kb <= total);
	UT_CHECK(key_value(buf, "MemAvailable") <= total);
}

UT_CASE(uptime_increases, 10)
{
	char a[128], b[128];
	double up1, idle1, up2, idle2;

	UT_CHECK(read_file("/proc/uptime", a, sizeof(a)) > 0);
	u_sleep_ms(120);
	UT_CHECK(read_file("/proc/uptime", b, sizeof(b)) > 0);
	UT_EQ(sscanf(a, "%lf %lf", &up1, &idle1), 2);
	UT_EQ(sscanf(b, "%lf %lf", &up2, &idle2), 2);
	UT_CHECK(up2 > up1 && idle2 >= idle1 && up1 > 0);
	UT_CHECK(strchr(a, '.') && strchr(a, '.')[3] == ' '); /* two decimals */
}

UT_CASE(loadavg_format, 10)
{
	char buf[128], end;
	unsigned a[3], b[3], running, total;
	int last;

	UT_CHECK(read_file("/proc/loadavg", buf, sizeof(buf)) > 0);
	UT_EQ(sscanf(buf, "%u.%2u %u.%2u %u.%2u %u/%u %d%c", &a[0], &b[0], &a[1], &b[1], &a[2],
		     &b[2], &running, &total, &last, &end),
	      10);
	UT_CHECK(end == '\n');
	UT_CHECK(running >= 1 && running <= total);
	UT_CHECK(last > 0);
	for (int i = 0; i < 3; i++)
		UT_CHECK(b[i] < 100);
}

UT_CASE(proc_stat_format, 10)
{
	char buf[65536], up[128];
	unsigned long long v[4], btime = 0, procs = 0, running = 0;
	const char *p;

	UT_CHECK(read_file("/proc/stat", buf, sizeof(buf)) > 0);
	UT_CHECK(read_file("/proc/uptime", up, sizeof(up)) > 0);
	UT_EQ(sscanf(buf, "cpu  %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3]), 4);
	UT_CHECK(strstr(buf, "\ncpu0 ") != NULL);
	UT_CHECK((p = strstr(buf, "\nbtime ")) && sscanf(p, "\nbtime %llu", &btime) == 1);
	UT_CHECK((p = strstr(buf, "\nprocesses ")) && sscanf(p, "\nprocesses %llu", &procs) == 1);
	UT_CHECK((p = strstr(buf, "\nprocs_running ")) &&
		 sscanf(p, "\nprocs_running %llu", &running) == 1);
	UT_CHECK(strstr(buf, "\nprocs_blocked ") != NULL);
	UT_CHECK(procs >= 1 && running >= 1);
	/* btime + uptime is now, to a few seconds. */
	long long now = (long long)time(NULL), boot = now - (long long)strtod(up, NULL);
	UT_CHECK(llabs(boot - (long long)btime) <= 5);
}

UT_CASE(cpuinfo_version_filesystems, 10)
{
	char buf[65536];
	struct utsname u;

	UT_CHECK(read_file("/proc/cpuinfo", buf, sizeof(buf)) > 0);
	UT_CHECK(!strncmp(buf, "processor\t: 0\n", 14));
	UT_CHECK(strstr(buf, "\nvendor_id\t: ") && strstr(buf, "\nflags\t\t: "));
	UT_CHECK(strstr(buf, " fpu ") && strstr(buf, " sse2 "));
	UT_CHECK(read_file("/proc/version", buf, sizeof(buf)) > 0);
	UT_OK(uname(&u));
	UT_CHECK(!strncmp(buf, "Linux version ", 14) && !strncmp(buf + 14, u.release,
								   strlen(u.release)));
	UT_CHECK(read_file("/proc/filesystems", buf, sizeof(buf)) > 0);
	UT_CHECK(strstr(buf, "nodev\tproc\n") && strstr(buf, "nodev\ttmpfs\n"));
	UT_CHECK(read_file("/proc/mounts", buf, sizeof(buf)) > 0);
	UT_CHECK(strstr(buf, " /proc proc ") != NULL);
	UT_CHECK(read_file("/proc/sys/kernel/ostype", buf, sizeof(buf)) > 0);
	UT_STREQ(buf, "Linux\n");
}

UT_MAIN()

/* ulib.h: helpers shared by the user test runner and the test programs.
 *
 * Every program under tests/user/ is one static musl binary built from one .c
 * file, so the shared code lives here as static functions.
 *
 * Output goes straight to fd 1 with write(), never through stdio buffers:
 * the runner and its children share the same stdout, lines must come out in
 * the order they were made, and a test that crashes must not lose what it
 * already printed.
 *
 * Children are started with posix_spawn (musl: clone(CLONE_VM|CLONE_VFORK))
 * and, if that reports ENOSYS, with vfork+execve. Nothing here needs fork(). */
#ifndef ULIB_H
#define ULIB_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* Writes all of buf to fd, retrying short writes. Returns 0 or -1. */
static inline int u_write_all(int fd, const void *buf, size_t len)
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

/* snprintf that reports truncation: returns 0, or -1 if out was too small. */
__attribute__((format(printf, 3, 4))) static inline int u_fmt(char *out, size_t size,
							     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(out, size, fmt, ap);
	va_end(ap);
	return n >= 0 && (size_t)n < size ? 0 : -1;
}

/* printf to stdout with one write() per call. Lines longer than 1 KiB are cut. */
__attribute__((format(printf, 1, 2))) static inline void u_out(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int saved = errno;

	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 1)
		n = sizeof(buf) - 1;
	if (n > 0)
		u_write_all(1, buf, (size_t)n);
	errno = saved;
}

/* Returns the symbolic name of an errno value ("ENOENT"), or its number. */
static inline const char *u_errname(int e)
{
	static char other[24];

	switch (e) {
#define U_E(x)                                                                                     \
	case x:                                                                                    \
		return #x
		U_E(EPERM); U_E(ENOENT); U_E(ESRCH); U_E(EINTR); U_E(EIO); U_E(ENXIO);
		U_E(E2BIG); U_E(ENOEXEC); U_E(EBADF); U_E(ECHILD); U_E(EAGAIN); U_E(ENOMEM);
		U_E(EACCES); U_E(EFAULT); U_E(EBUSY); U_E(EEXIST); U_E(EXDEV); U_E(ENODEV);
		U_E(ENOTDIR); U_E(EISDIR); U_E(EINVAL); U_E(ENFILE); U_E(EMFILE); U_E(ENOTTY);
		U_E(ETXTBSY); U_E(EFBIG); U_E(ENOSPC); U_E(ESPIPE); U_E(EROFS); U_E(EMLINK);
		U_E(EPIPE); U_E(EDOM); U_E(ERANGE); U_E(EDEADLK); U_E(ENAMETOOLONG);
		U_E(ENOLCK); U_E(ENOSYS); U_E(ENOTEMPTY); U_E(ELOOP); U_E(EOVERFLOW);
		U_E(ETIMEDOUT); U_E(EOPNOTSUPP);
#undef U_E
	case 0:
		return "0";
	}
	u_fmt(other, sizeof(other), "errno %d", e);
	return other;
}

/* Returns CLOCK_MONOTONIC in milliseconds, or -1 if the clock fails. */
static inline long long u_now_ms(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
		return -1;
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Sleeps about ms milliseconds (nanosleep, restarted after EINTR). */
static inline void u_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Starts path with argv/envp; fdmap[i] >= 0 becomes the child's fd i (i < 3).
 * Returns the child's pid, or -errno (posix_spawn's error, or vfork's). */
static inline pid_t u_spawn(const char *path, char *const argv[], char *const envp[],
			    const int fdmap[3])
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int err;

	posix_spawn_file_actions_init(&fa);
	for (int i = 0; fdmap && i < 3; i++)
		if (fdmap[i] >= 0)
			posix_spawn_file_actions_adddup2(&fa, fdmap[i], i);
	err = posix_spawn(&pid, path, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	if (err == 0)
		return pid;
	if (err != ENOSYS)
		return -err;

	/* posix_spawn's clone is missing: the plain vfork syscall may not be. */
	pid = vfork();
	if (pid == 0) {
		for (int i = 0; fdmap && i < 3; i++)
			if (fdmap[i] >= 0 && dup2(fdmap[i], i) < 0)
				_exit(127);
		execve(path, argv, envp);
		_exit(127);
	}
	return pid < 0 ? -errno : pid;
}

/* Waits for pid for at most timeout_ms, polling wait4(WNOHANG) between short
 * sleeps; on timeout sends SIGKILL and reaps. Stores the wait status. With
 * reap_others (for a runner that is pid 1) it also reaps any other child,
 * such as orphans handed to init, while it waits.
 * Returns 0 when reaped in time, -ETIMEDOUT when it had to be killed (and
 * was reaped), or -errno (wait4 failed, or kill failed: child not reaped). */
static inline int u_wait_timeout(pid_t pid, int *status, long timeout_ms, bool reap_others)
{
	long long start = u_now_ms();
	long slept = 0, nap = 1;

	for (;;) {
		int st;
		pid_t r = waitpid(reap_others ? -1 : pid, &st, WNOHANG);
		if (r == pid) {
			*status = st;
			return 0;
		}
		if (r > 0)
			continue;
		if (r < 0 && errno != EINTR)
			return -errno;
		long long now = u_now_ms();
		long elapsed = (start >= 0 && now >= 0) ? (long)(now - start) : slept;
		if (elapsed >= timeout_ms)
			break;
		u_sleep_ms(nap);
		slept += nap;
		if (nap < 20)
			nap *= 2;
	}
	if (kill(pid, SIGKILL) != 0)
		return -errno;
	/* A killed child should be reapable soon; do not block forever. */
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return -ETIMEDOUT;
		u_sleep_ms(10);
	}
	return -ESRCH;
}

/* Removes path and everything below it, not following symlinks.
 * Returns 0 or -1; best effort (keeps going after errors). */
static inline int u_rmtree(const char *path)
{
	struct stat st;
	int ret = 0;

	if (lstat(path, &st) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	chmod(path, 0700);
	DIR *d = opendir(path);
	if (d) {
		struct dirent *de;
		char sub[PATH_MAX];
		while ((de = readdir(d)) != NULL) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (u_fmt(sub, sizeof(sub), "%s/%s", path, de->d_name) != 0 ||
			    u_rmtree(sub) != 0)
				ret = -1;
		}
		closedir(d);
	}
	if (rmdir(path) != 0)
		ret = -1;
	return ret;
}

/* Writes into out (size PATH_MAX) the absolute directory holding the program
 * named by argv0, falling back to "/bin" when argv0 has no slash. */
static inline void u_prog_dir(const char *argv0, char *out)
{
	const char *slash = strrchr(argv0, '/');
	char cwd[PATH_MAX];

	if (!slash) {
		strcpy(out, "/bin");
		return;
	}
	int len = (int)(slash - argv0);
	if (argv0[0] == '/')
		u_fmt(out, PATH_MAX, "%.*s", len ? len : 1, argv0);
	else if (getcwd(cwd, sizeof(cwd)))
		u_fmt(out, PATH_MAX, "%s/%.*s", cwd, len, argv0);
	else
		u_fmt(out, PATH_MAX, "%.*s", len, argv0);
}

/* Describes a wait status into buf: "exit 3", "signal 11 (SIGSEGV)", ... */
static inline const char *u_status_str(int st, char *buf, size_t size)
{
	if (WIFEXITED(st))
		snprintf(buf, size, "exit %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, size, "signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(buf, size, "status 0x%x", st);
	return buf;
}

#endif

/* t_pipe.c: pipes and readiness: pipe/pipe2, EOF and EPIPE, capacity and
 * PIPE_BUF atomicity, blocking transfers between processes, and
 * poll/ppoll/select/pselect6 on pipe ends, including sleeping until another
 * process makes a pipe ready. */
#include "utest.h"

#include <poll.h>
#include <sys/resource.h>
#include <sys/select.h>

#define BIG (1 << 20)

/* Byte i of the stream the transfer cases send. */
static unsigned char pat(long i)
{
	return (unsigned char)(i ^ (i >> 9));
}

static bool has_flags(int fd, int flags)
{
	int fl = fcntl(fd, F_GETFL);
	return fl >= 0 && (fl & flags) == flags;
}

UT_CASE(pipe_basic, 10)
{
	int p[2];
	char buf[16] = { 0 };
	struct stat st;

	UT_OK(pipe(p));
	UT_EQ(p[0], 3);
	UT_EQ(p[1], 4);
	UT_EQ(write(p[1], "hello", 5), 5);
	UT_EQ(read(p[0], buf, 2), 2);
	UT_EQ(read(p[0], buf + 2, sizeof(buf)), 3);
	UT_STREQ(buf, "hello");
	UT_OK(fstat(p[0], &st));
	UT_CHECK(S_ISFIFO(st.st_mode));
	UT_OK(fstat(p[1], &st));
	UT_CHECK(S_ISFIFO(st.st_mode));
	UT_EQ(fcntl(p[0], F_GETFL) & O_ACCMODE, O_RDONLY);
	UT_EQ(fcntl(p[1], F_GETFL) & O_ACCMODE, O_WRONLY);
	UT_EQ(fcntl(p[0], F_GETFD), 0);
	UT_ERR(write(p[0], "x", 1), EBADF);
	UT_ERR(read(p[1], buf, 1), EBADF);
	UT_ERR(lseek(p[0], 0, SEEK_CUR), ESPIPE);
	UT_OK(close(p[0]));
	UT_OK(close(p[1]));
}

UT_CASE(pipe2_flags, 10)
{
	int p[2], q[2];
	char c;
	const char *what;

	UT_OK(pipe2(p, O_CLOEXEC));
	UT_EQ(fcntl(p[0], F_GETFD), FD_CLOEXEC);
	UT_EQ(fcntl(p[1], F_GETFD), FD_CLOEXEC);
	UT_OK(pipe2(q, O_NONBLOCK));
	UT_CHECK(has_flags(q[0], O_NONBLOCK));
	UT_CHECK(has_flags(q[1], O_NONBLOCK));
	UT_EQ(fcntl(q[0], F_GETFD), 0);
	UT_ERR(read(q[0], &c, 1), EAGAIN);
	UT_ERR(syscall(SYS_pipe2, p, 0x1234), EINVAL);
	for (int i = 0; i < UT_NBAD; i++) {
		void *bad = ut_bad_ptr(i, &what);
		if (!UT_ERR(syscall(SYS_pipe, bad), EFAULT) ||
		    !UT_ERR(syscall(SYS_pipe2, bad, 0), EFAULT))
			UT_NOTE("  with the %s pointer\n", what);
	}
	/* Nothing leaked from the failed calls: the next fds are the lowest. */
	UT_OK(pipe(p));
	UT_EQ(p[0], 7);
	UT_EQ(p[1], 8);
}

UT_CASE(pipe_eof, 10)
{
	int p[2];
	char buf[8];

	UT_OK(pipe(p));
	int w2 = UT_OK(dup(p[1]));
	UT_EQ(write(p[1], "abc", 3), 3);
	UT_OK(close(p[1]));
	/* A writer (w2) remains: no EOF, just no data. */
	UT_EQ(read(p[0], buf, sizeof(buf)), 3);
	UT_OK(fcntl(p[0], F_SETFL, O_NONBLOCK));
	UT_ERR(read(p[0], buf, sizeof(buf)), EAGAIN);
	UT_OK(close(w2));
	UT_EQ(read(p[0], buf, sizeof(buf)), 0);
	UT_OK(fcntl(p[0], F_SETFL, 0));
	UT_EQ(read(p[0], buf, sizeof(buf)), 0);
}

UT_CASE(pipe_epipe, 10)
{
	int p[2];

	/* If signals are not there yet, SIGPIPE kills this case: a failure. */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		UT_NOTE("signal(SIGPIPE, SIG_IGN) failed: %s\n", u_errname(errno));
	UT_OK(pipe(p));
	UT_OK(close(p[0]));
	UT_ERR(write(p[1], "x", 1), EPIPE);
	UT_ERR(write(p[1], "xyz", 3), EPIPE);
}

UT_HELPER(sigpipe_writer)
{
	int p[2];

	signal(SIGPIPE, SIG_DFL);
	if (pipe(p) != 0 || close(p[0]) != 0)
		return 2;
	ssize_t n = write(p[1], "x", 1);
	u_out("# write to a pipe without readers returned %zd (%s)\n", n, u_errname(errno));
	return 1;
}

UT_CASE(pipe_sigpipe, 10)
{
	UT_SIGNALED(ut_run_helper("sigpipe_writer"), SIGPIPE);
}

UT_CASE(pipe_capacity, 20)
{
	static char buf[8192];
	int p[2];
	long total = 0;
	ssize_t n;

	UT_OK(pipe2(p, O_NONBLOCK));
	while ((n = write(p[1], buf, 512)) > 0)
		total += n;
	UT_ERR(write(p[1], buf, 1), EAGAIN);
	UT_CHECK(total >= 4096);
	if (total != 65536)
		UT_NOTE("pipe holds %ld bytes (Linux: 65536)\n", total);
	/* Writes of up to PIPE_BUF bytes are all or nothing. */
	UT_EQ(read(p[0], buf, 100), 100);
	UT_ERR(write(p[1], buf, 4096), EAGAIN);
	long drained = 100;
	while ((n = read(p[0], buf, sizeof(buf))) > 0)
		drained += n;
	UT_EQ(drained, total);
	UT_ERR(read(p[0], buf, 1), EAGAIN);
	UT_EQ(write(p[1], buf, 4096), 4096);
	UT_EQ(read(p[0], buf, sizeof(buf)), 4096);
}

/* Writes BIG bytes of pat() to fd 1 in 3000-byte pieces. */
UT_HELPER(big_writer)
{
	static unsigned char buf[3000];

	for (long off = 0; off < BIG;) {
		long len = BIG - off < (long)sizeof(buf) ? BIG - off : (long)sizeof(buf);
		for (long i = 0; i < len; i++)
			buf[i] = pat(off + i);
		if (u_write_all(1, buf, (size_t)len) != 0)
			return 1;
		off += len;
	}
	return 0;
}

/* Reads fd 0 to EOF; exits 0 if it got exactly BIG bytes of pat(). */
UT_HELPER(big_reader)
{
	static unsigned char buf[7000];
	long off = 0;
	ssize_t n;

	while ((n = read(0, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != pat(off + i))
				return 3;
		off += n;
	}
	return n == 0 && off == BIG ? 0 : 4;
}

UT_CASE(pipe_big_from_child, 30)
{
	static unsigned char buf[7000];
	int p[2];
	long off = 0, bad = -1;
	ssize_t n;

	UT_OK(pipe2(p, O_CLOEXEC));
	pid_t pid = ut_spawn_helper(((int[3]){ -1, p[1], -1 }), "big_writer");
	UT_OK(close(p[1]));
	while ((n = read(p[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n && bad < 0; i++)
			if (buf[i] != pat(off + i))
				bad = off + i;
		off += n;
	}
	UT_EQ(n, 0);
	UT_EQ(off, BIG);
	UT_EQ(bad, -1);
	UT_EXITED(ut_wait(pid), 0);
}

UT_CASE(pipe_big_to_child, 30)
{
	static unsigned char buf[5000];
	int p[2];

	UT_OK(pipe2(p, O_CLOEXEC));
	pid_t pid = ut_spawn_helper(((int[3]){ p[0], -1, -1 }), "big_reader");
	UT_OK(close(p[0]));
	for (long off = 0; off < BIG;) {
		long len = BIG - off < (long)sizeof(buf) ? BIG - off : (long)sizeof(buf);
		for (long i = 0; i < len; i++)
			buf[i] = pat(off + i);
		if (UT_OK(u_write_all(p[1], buf, (size_t)len)) < 0)
			break;
		off += len;
	}
	UT_OK(close(p[1]));
	UT_EXITED(ut_wait(pid), 0);
}

/* Keeps writing to fd 1 (blocking) until an error; 0 if that was EPIPE. */
UT_HELPER(write_until_epipe)
{
	static char buf[4096];

	signal(SIGPIPE, SIG_IGN);
	for (;;) {
		if (write(1, buf, sizeof(buf)) < 0)
			return errno == EPIPE ? 0 : 1;
	}
}

UT_CASE(pipe_reader_close_wakes_writer, 20)
{
	int p[2];

	UT_OK(pipe2(p, O_CLOEXEC));
	pid_t pid = ut_spawn_helper(((int[3]){ -1, p[1], -1 }), "write_until_epipe");
	UT_OK(close(p[1]));
	u_sleep_ms(200); /* the writer fills the pipe and blocks */
	UT_OK(close(p[0]));
	UT_EXITED(ut_wait(pid), 0);
}

/* Sleeps argv[0] ms, writes "x" to fd 1, then sleeps argv[1] ms more. */
UT_HELPER(late_writer)
{
	u_sleep_ms(atol(argv[0]));
	if (write(1, "x", 1) != 1)
		return 1;
	u_sleep_ms(argc > 1 ? atol(argv[1]) : 0);
	return 0;
}

UT_CASE(pipe_blocking_read_wakes, 20)
{
	int p[2];
	char buf[4];

	UT_OK(pipe2(p, O_CLOEXEC));
	pid_t pid = ut_spawn_helper(((int[3]){ -1, p[1], -1 }), "late_writer", "100", "100");
	UT_OK(close(p[1]));
	long long t0 = u_now_ms();
	UT_EQ(read(p[0], buf, sizeof(buf)), 1);
	UT_CHECK(u_now_ms() - t0 >= 50);
	/* The helper's exit closes the last write end: EOF. */
	UT_EQ(read(p[0], buf, sizeof(buf)), 0);
	UT_EXITED(ut_wait(pid), 0);
}

UT_CASE(poll_pipe, 10)
{
	int p[2];
	char c;

	UT_OK(pipe(p));
	struct pollfd f[3] = { { p[0], POLLIN, 0 }, { p[1], POLLOUT, 0 }, { -1, POLLIN, 0 } };
	UT_EQ(poll(f, 3, 0), 1);
	UT_EQ(f[0].revents, 0);
	UT_EQ(f[1].revents, POLLOUT);
	UT_EQ(f[2].revents, 0);
	UT_EQ(write(p[1], "x", 1), 1);
	UT_EQ(poll(f, 2, 0), 2);
	UT_EQ(f[0].revents, POLLIN);
	UT_EQ(read(p[0], &c, 1), 1);
	UT_EQ(poll(f, 1, 0), 0);

	/* Writers gone: POLLHUP (with POLLIN while data remains). */
	UT_EQ(write(p[1], "y", 1), 1);
	UT_OK(close(p[1]));
	UT_EQ(poll(f, 1, 0), 1);
	UT_EQ(f[0].revents, POLLIN | POLLHUP);
	UT_EQ(read(p[0], &c, 1), 1);
	UT_EQ(poll(f, 1, 0), 1);
	UT_EQ(f[0].revents, POLLHUP);

	/* Readers gone: POLLERR on the write end. */
	UT_OK(pipe(p));
	UT_OK(close(p[0]));
	struct pollfd w = { p[1], POLLOUT, 0 };
	UT_EQ(poll(&w, 1, 0), 1);
	UT_CHECK(w.revents & POLLERR);

	/* A closed fd number gives POLLNVAL and counts. */
	struct pollfd nv = { 77, POLLIN, 0 };
	UT_EQ(poll(&nv, 1, 0), 1);
	UT_EQ(nv.revents, POLLNVAL);
}

UT_CASE(poll_timeout, 10)
{
	int p[2];

	UT_OK(pipe(p));
	struct pollfd f = { p[0], POLLIN, 0 };
	long long t0 = u_now_ms();
	UT_EQ(poll(&f, 1, 50), 0);
	UT_CHECK(u_now_ms() - t0 >= 50);
	t0 = u_now_ms();
	UT_EQ(poll(NULL, 0, 30), 0);
	UT_CHECK(u_now_ms() - t0 >= 30);
	struct timespec ts = { 0, 40 * 1000000 };
	t0 = u_now_ms();
	UT_EQ(ppoll(&f, 1, &ts, NULL), 0);
	UT_CHECK(u_now_ms() - t0 >= 40);
	ts = (struct timespec){ 0, 0 };
	UT_EQ(ppoll(&f, 1, &ts, NULL), 0);
	UT_EQ(write(p[1], "x", 1), 1);
	UT_EQ(ppoll(&f, 1, NULL, NULL), 1);
	UT_EQ(f.revents, POLLIN);
	ts = (struct timespec){ 0, 1000000000 };
	UT_ERR(ppoll(&f, 1, &ts, NULL), EINVAL);
}

UT_CASE(poll_wakeup, 20)
{
	int p[2];

	UT_OK(pipe2(p, O_CLOEXEC));
	pid_t pid = ut_spawn_helper(((int[3]){ -1, p[1], -1 }), "late_writer", "100", "0");
	UT_OK(close(p[1]));
	struct pollfd f = { p[0], POLLIN, 0 };
	long long t0 = u_now_ms();
	UT_EQ(poll(&f, 1, 5000), 1);
	long long dt = u_now_ms() - t0;
	UT_CHECK(f.revents & POLLIN);
	UT_CHECK(dt >= 50 && dt < 4000 * ut_scale);
	UT_EXITED(ut_wait(pid), 0);
}

UT_CASE(poll_errors, 10)
{
	struct rlimit rl;
	struct pollfd f = { 0, POLLIN, 0 };

	UT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	UT_ERR(poll(&f, rl.rlim_cur + 1, 0), EINVAL);
	UT_ERR(syscall(SYS_poll, NULL, 1, 0), EFAULT);
	UT_ERR(syscall(SYS_poll, (void *)0xffff800000000000ul, 1, 0), EFAULT);
	UT_ERR(syscall(SYS_ppoll, &f, 1, (void *)1, NULL, 8), EFAULT);
}

UT_CASE(select_pipe, 10)
{
	int p[2];
	fd_set r, w;
	struct timeval tv = { 0, 0 };

	UT_OK(pipe(p));
	FD_ZERO(&r);
	FD_ZERO(&w);
	FD_SET(p[0], &r);
	FD_SET(p[1], &w);
	UT_EQ(select(p[1] + 1, &r, &w, NULL, &tv), 1);
	UT_CHECK(!FD_ISSET(p[0], &r));
	UT_CHECK(FD_ISSET(p[1], &w));

	UT_EQ(write(p[1], "x", 1), 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){ 0, 0 };
	UT_EQ(select(p[0] + 1, &r, NULL, NULL, &tv), 1);
	UT_CHECK(FD_ISSET(p[0], &r));

	/* Timeout: at least as long as asked. */
	char c;
	UT_EQ(read(p[0], &c, 1), 1);
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){ 0, 50000 };
	long long t0 = u_now_ms();
	UT_EQ(select(p[0] + 1, &r, NULL, NULL, &tv), 0);
	UT_CHECK(u_now_ms() - t0 >= 50);
	UT_CHECK(!FD_ISSET(p[0], &r));

	/* EOF counts as readable. */
	UT_OK(close(p[1]));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	tv = (struct timeval){ 0, 0 };
	UT_EQ(select(p[0] + 1, &r, NULL, NULL, &tv), 1);

	FD_ZERO(&r);
	FD_SET(p[1], &r);
	UT_ERR(select(p[1] + 1, &r, NULL, NULL, &tv), EBADF);
	UT_ERR(select(-1, NULL, NULL, NULL, &tv), EINVAL);
	tv = (struct timeval){ 0, -1 };
	UT_ERR(select(1, NULL, NULL, NULL, &tv), EINVAL);
}

UT_CASE(pselect_pipe, 20)
{
	int p[2];
	fd_set r;
	struct timespec ts = { 0, 0 };

	UT_OK(pipe2(p, O_CLOEXEC));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	UT_EQ(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL), 0);

	pid_t pid = ut_spawn_helper(((int[3]){ -1, p[1], -1 }), "late_writer", "100", "0");
	UT_OK(close(p[1]));
	FD_ZERO(&r);
	FD_SET(p[0], &r);
	ts = (struct timespec){ 5, 0 };
	long long t0 = u_now_ms();
	UT_EQ(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL), 1);
	UT_CHECK(FD_ISSET(p[0], &r));
	UT_CHECK(u_now_ms() - t0 >= 50);
	UT_EXITED(ut_wait(pid), 0);
	ts = (struct timespec){ 0, 1000000000 };
	UT_ERR(pselect(p[0] + 1, &r, NULL, NULL, &ts, NULL), EINVAL);
}

UT_CASE(pipe_many, 20)
{
	int fds[200][2];
	char c;

	for (int i = 0; i < 200; i++) {
		if (UT_OK(pipe(fds[i])) < 0)
			return;
		UT_EQ(write(fds[i][1], "p", 1), 1);
	}
	for (int i = 0; i < 200; i++) {
		UT_EQ(read(fds[i][0], &c, 1), 1);
		UT_OK(close(fds[i][0]));
		UT_OK(close(fds[i][1]));
	}
	int p[2];
	UT_OK(pipe(p));
	UT_EQ(p[0], 3);
}

UT_MAIN()

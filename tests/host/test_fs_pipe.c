/* test_fs_pipe.c: the pipe ring, non-blocking semantics, PIPE_BUF
 * atomicity, EOF and EPIPE/SIGPIPE, poll/select, FIFOs. */
#include "fs_shims.h"
#include "htest.h"

static char big[70000];

static void make_pipe(int fds[2], int flags)
{
	HCHECK(sys_pipe2(U(fds), flags) == 0);
}

HTEST(ring_wraps_and_fills)
{
	static char out[70000];
	int fds[2];

	host_fs_setup();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	make_pipe(fds, O_NONBLOCK);
	HCHECK(sys_write(fds[1], U(big), 100) == 100);
	HCHECK(sys_read(fds[0], U(out), 60) == 60 && !memcmp(out, big, 60));
	/* 40 bytes held: 65496 more fill the ring, crossing its end */
	HCHECK(sys_write(fds[1], U(big + 100), 70000) == 65496);
	HCHECK(sys_write(fds[1], U(big), 1) == -EAGAIN);
	HCHECK(sys_read(fds[0], U(out), sizeof(out)) == 65536);
	HCHECK(!memcmp(out, big + 60, 65536));
	HCHECK(sys_read(fds[0], U(out), 1) == -EAGAIN);
	HCHECK(sys_write(fds[1], U(big), 0) == 0);
	HCHECK(sys_read(fds[0], U(out), 0) == 0);
	HCHECK(sys_lseek(fds[0], 0, SEEK_SET) == -ESPIPE);
	HCHECK(sys_pread64(fds[0], U(out), 1, 0) == -ESPIPE);
	HCHECK(sys_read(fds[1], U(out), 1) == -EBADF);
	HCHECK(sys_write(fds[0], U(out), 1) == -EBADF);
	sys_close(fds[0]);
	sys_close(fds[1]);
}

HTEST(pipe_buf_atomicity)
{
	int fds[2];

	host_fs_setup();
	make_pipe(fds, O_NONBLOCK);
	HCHECK(sys_write(fds[1], U(big), 65536 - 4000) == 65536 - 4000);
	/* a small write that does not fit whole is refused whole */
	HCHECK(sys_write(fds[1], U(big), 4096) == -EAGAIN);
	HCHECK(sys_write(fds[1], U(big), 4000) == 4000);
	sys_read(fds[0], U(big + 10000), 5000);
	/* a large write goes in as far as it fits */
	HCHECK(sys_write(fds[1], U(big), 8000) == 5000);
	sys_close(fds[0]);
	sys_close(fds[1]);
}

HTEST(eof_and_epipe)
{
	char c;
	int fds[2];

	host_fs_setup();
	make_pipe(fds, 0);
	HCHECK(sys_write(fds[1], U("q"), 1) == 1);
	sys_close(fds[1]);
	HCHECK(sys_read(fds[0], U(&c), 1) == 1 && c == 'q');
	HCHECK(sys_read(fds[0], U(&c), 1) == 0); /* EOF: no writer left */
	sys_close(fds[0]);
	make_pipe(fds, 0);
	sys_close(fds[0]);
	host_last_signal = 0;
	HCHECK(sys_write(fds[1], U("q"), 1) == -EPIPE);
	HCHECK(host_last_signal == 13);
	sys_close(fds[1]);
	/* EFAULT consumes nothing */
	make_pipe(fds, O_NONBLOCK);
	sys_write(fds[1], U("ab"), 2);
	HCHECK(sys_read(fds[0], HOST_BAD_PTR, 2) == -EFAULT);
	HCHECK(sys_read(fds[0], U(&c), 1) == 1 && c == 'a');
	HCHECK(sys_write(fds[1], HOST_BAD_PTR, 2) == -EFAULT);
	sys_close(fds[0]);
	sys_close(fds[1]);
}

struct pfd {
	int fd;
	short events, revents;
};

HTEST(poll_and_select)
{
	struct pfd p[3];
	int fds[2], avail;
	uint64_t t0;

	host_fs_setup();
	make_pipe(fds, 0);
	p[0] = (struct pfd){ fds[0], POLLIN, 0 };
	p[1] = (struct pfd){ fds[1], POLLOUT, 0 };
	p[2] = (struct pfd){ 99, POLLIN, 0 };
	HCHECK(sys_poll(U(p), 3, 0) == 2);
	HCHECK(p[0].revents == 0 && p[1].revents == POLLOUT && p[2].revents == POLLNVAL);
	p[2].fd = -1;
	t0 = host_now_ns;
	HCHECK(sys_poll(U(p), 1, 25) == 0); /* times out */
	HCHECK(host_now_ns - t0 >= 25000000);
	sys_write(fds[1], U("x"), 1);
	HCHECK(sys_ioctl(fds[0], 0x541B, U(&avail)) == 0 && avail == 1);
	HCHECK(sys_poll(U(p), 3, -1) == 2 && p[0].revents == POLLIN && p[2].revents == 0);
	sys_close(fds[1]);
	HCHECK(sys_poll(U(p), 1, -1) == 1 && p[0].revents == (POLLIN | POLLHUP));
	/* select: the same through fd_sets; a closed fd in a set is EBADF */
	uint64_t rd = 1ULL << fds[0], wr = 0;
	struct ktimespec tv = { 0, 0 };
	HCHECK(sys_select(fds[0] + 1, U(&rd), U(&wr), 0, U(&tv)) == 1 && rd == 1ULL << fds[0]);
	rd = 1ULL << fds[1];
	HCHECK(sys_select(fds[1] + 1, U(&rd), 0, 0, U(&tv)) == -EBADF);
	HCHECK(sys_select(-1, 0, 0, 0, U(&tv)) == -EINVAL);
	tv = (struct ktimespec){ 0, 1500 }; /* 1.5 ms, sleeps to the end */
	t0 = host_now_ns;
	HCHECK(sys_select(0, 0, 0, 0, U(&tv)) == 0 && host_now_ns - t0 >= 1500000);
	HCHECK(tv.sec == 0 && tv.nsec == 0);
	/* ppoll with a signal mask installs and restores it */
	uint64_t mask = 1 << 1;
	struct ktimespec ts = { 0, 0 };
	HCHECK(sys_ppoll(U(p), 1, U(&ts), U(&mask), 8) == 1 && host_temp_mask == mask);
	HCHECK(host_temp_mask_depth == 0);
	HCHECK(sys_ppoll(U(p), 1, U(&ts), U(&mask), 4) == -EINVAL);
	ts.nsec = -1;
	HCHECK(sys_ppoll(U(p), 1, U(&ts), 0, 8) == -EINVAL);
	sys_close(fds[0]);
}

HTEST(pipe_size_and_stat)
{
	struct linux_stat st;
	int fds[2];

	host_fs_setup();
	make_pipe(fds, O_NONBLOCK | O_CLOEXEC);
	HCHECK(sys_fcntl(fds[0], 1, 0) == 1);
	HCHECK(sys_fcntl(fds[0], 1032 /* F_GETPIPE_SZ */, 0) == 65536);
	HCHECK(sys_fstat(fds[0], U(&st)) == 0 && S_ISFIFO(st.st_mode));
	sys_write(fds[1], U(big), 5000);
	HCHECK(sys_fcntl(fds[1], 1031 /* F_SETPIPE_SZ */, 4096) == -EBUSY);
	HCHECK(sys_fcntl(fds[1], 1031, 6000) == 8192);
	HCHECK(sys_write(fds[1], U(big), 8192) == 3192); /* > PIPE_BUF: partial */
	HCHECK(sys_read(fds[0], U(big + 20000), 9000) == 8192 && !memcmp(big, big + 20000, 5000));
	HCHECK(sys_pipe2(U(fds), O_APPEND) == -EINVAL);
	long f = sys_open(U("/notapipe"), O_CREAT | O_RDWR, 0600);
	HCHECK(sys_fcntl((int)f, 1032, 0) == -EBADF);
}

HTEST(fifos)
{
	char buf[8];
	long r, w;

	host_fs_setup();
	HCHECK(sys_mknod(U("/fifo1"), S_IFIFO | 0644, 0) == 0);
	HCHECK(sys_open(U("/fifo1"), O_WRONLY | O_NONBLOCK, 0) == -ENXIO);
	r = sys_open(U("/fifo1"), O_RDONLY | O_NONBLOCK, 0);
	HCHECK(r >= 0);
	w = sys_open(U("/fifo1"), O_WRONLY | O_NONBLOCK, 0);
	HCHECK(w >= 0);
	HCHECK(sys_write((int)w, U("fifo"), 4) == 4);
	HCHECK(sys_read((int)r, U(buf), sizeof(buf)) == 4 && !memcmp(buf, "fifo", 4));
	sys_close((int)w);
	HCHECK(sys_read((int)r, U(buf), sizeof(buf)) == 0);
	sys_close((int)r);
	r = sys_open(U("/fifo1"), O_RDWR, 0); /* never blocks */
	HCHECK(r >= 0 && sys_write((int)r, U("z"), 1) == 1 && sys_read((int)r, U(buf), 1) == 1);
	sys_close((int)r);
	HCHECK(sys_mknod(U("/fifo1"), S_IFIFO | 0644, 0) == -EEXIST);
	HCHECK(sys_mknod(U("/dir?"), S_IFDIR | 0755, 0) == -EPERM);
}

HTEST_MAIN()

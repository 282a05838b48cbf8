/* test_fs_fd.c: descriptor-table semantics (dup, close-on-exec, limits,
 * fork and CLONE_FILES sharing, shared offsets, fcntl, ioctl, O_PATH). */
#include "fs_shims.h"
#include "htest.h"

static long xopen(const char *p, int flags)
{
	return sys_open(U(p), flags, 0644);
}

HTEST(dup_family)
{
	char buf[8];
	long a, b;

	host_fs_setup();
	a = xopen("/fd1", O_CREAT | O_RDWR);
	HCHECK(a == 0);
	b = sys_dup((int)a);
	HCHECK(b == 1);
	HCHECK(sys_write((int)a, U("abcdef"), 6) == 6);
	HCHECK(sys_lseek((int)b, 0, SEEK_CUR) == 6); /* one offset for both */
	sys_lseek((int)b, 2, SEEK_SET);
	HCHECK(sys_read((int)a, U(buf), 2) == 2 && !memcmp(buf, "cd", 2));
	HCHECK(sys_dup2((int)a, 5) == 5);
	HCHECK(sys_dup2((int)a, (int)a) == a);
	HCHECK(sys_dup2(77, 78) == -EBADF);
	HCHECK(sys_dup2(77, 77) == -EBADF);
	HCHECK(sys_dup3((int)a, (int)a, 0) == -EINVAL);
	HCHECK(sys_dup3((int)a, 6, 1) == -EINVAL);
	HCHECK(sys_dup3((int)a, 6, O_CLOEXEC) == 6);
	HCHECK(sys_fcntl(6, 1 /* F_GETFD */, 0) == 1);
	HCHECK(sys_dup2((int)a, 1 << 20) == -EBADF);
	HCHECK(sys_dup((int)a) == 2); /* lowest free */
	HCHECK(sys_close(2) == 0);
	HCHECK(sys_close(2) == -EBADF);
	HCHECK(sys_close(-1) == -EBADF);
	/* dup2 onto an open descriptor closes it first */
	long c = xopen("/fd1b", O_CREAT | O_RDWR);
	HCHECK(sys_dup2((int)a, (int)c) == c);
	HCHECK(sys_lseek((int)c, 0, SEEK_CUR) == sys_lseek((int)a, 0, SEEK_CUR));
}

HTEST(cloexec_and_exec_sweep)
{
	long a, b, c;

	host_fs_setup();
	a = xopen("/fd2", O_CREAT | O_RDWR | O_CLOEXEC);
	b = sys_dup((int)a);
	c = sys_fcntl((int)a, 1030 /* F_DUPFD_CLOEXEC */, 10);
	HCHECK(c == 10);
	HCHECK(sys_fcntl((int)a, 1, 0) == 1 && sys_fcntl((int)b, 1, 0) == 0);
	HCHECK(sys_ioctl((int)b, 0x5451 /* FIOCLEX */, 0) == 0 && sys_fcntl((int)b, 1, 0) == 1);
	HCHECK(sys_ioctl((int)b, 0x5450 /* FIONCLEX */, 0) == 0 && sys_fcntl((int)b, 1, 0) == 0);
	HCHECK(sys_fcntl((int)b, 2 /* F_SETFD */, 1) == 0 && sys_fcntl((int)b, 1, 0) == 1);
	sys_fcntl((int)b, 2, 0);
	fdtable_close_on_exec(host_task.files);
	HCHECK(sys_fcntl((int)a, 1, 0) == -EBADF);
	HCHECK(sys_fcntl((int)c, 1, 0) == -EBADF);
	HCHECK(sys_fcntl((int)b, 1, 0) == 0);
}

HTEST(nofile_limit)
{
	long fd, last = -1;
	int n = 0;

	host_fs_setup();
	host_task.files->limit = 8;
	xopen("/fd3", O_CREAT | O_RDWR);
	while ((fd = xopen("/fd3", O_RDONLY)) >= 0) {
		last = fd;
		n++;
	}
	HCHECK(fd == -EMFILE && last == 7 && n == 7);
	HCHECK(sys_dup(0) == -EMFILE);
	HCHECK(sys_fcntl(0, 0 /* F_DUPFD */, 8) == -EINVAL);
	HCHECK(sys_pipe(U(&n)) == -EMFILE);
	sys_close(3);
	HCHECK(sys_fcntl(0, 0, 2) == 3);
}

HTEST(fork_clone_and_share)
{
	struct fdtable *parent, *child;
	char buf[4];
	long a;

	host_fs_setup();
	a = xopen("/fd4", O_CREAT | O_RDWR | O_CLOEXEC);
	sys_write((int)a, U("xyz"), 3);
	parent = host_task.files;
	child = fdtable_clone(parent);
	HCHECK(child && child->fd[a] == parent->fd[a] && child->cloexec[a] == 1);
	HCHECK(parent->fd[a]->refcount == 2);
	host_task.files = child;
	sys_lseek((int)a, 1, SEEK_SET); /* the offset is shared across fork */
	HCHECK(sys_close((int)a) == 0);
	host_task.files = parent;
	HCHECK(sys_read((int)a, U(buf), 3) == 2 && buf[0] == 'y');
	fdtable_put(child);
	HCHECK(parent->fd[a]->refcount == 1);
	fdtable_share(parent); /* CLONE_FILES */
	HCHECK(parent->refcount == 2);
	fdtable_put(parent);
	HCHECK(parent->refcount == 1 && parent->fd[a]);
	/* fs_context: fork copies, CLONE_FS shares */
	struct fs_context *c = fs_context_clone(host_task.fs);
	HCHECK(c && c->cwd == host_task.fs->cwd && c->umask == host_task.fs->umask);
	fs_context_put(c);
}

HTEST(fcntl_flags_and_locks)
{
	struct linux_flock fl = { F_WRLCK, 0, 0, 0, 0 };
	long a, r;

	host_fs_setup();
	a = xopen("/fd5", O_CREAT | O_RDWR | O_APPEND);
	HCHECK(sys_fcntl((int)a, 3 /* F_GETFL */, 0) == (O_RDWR | O_APPEND | O_LARGEFILE));
	HCHECK(sys_fcntl((int)a, 4 /* F_SETFL */, O_NONBLOCK | O_WRONLY) == 0);
	HCHECK(sys_fcntl((int)a, 3, 0) == (O_RDWR | O_NONBLOCK | O_LARGEFILE));
	HCHECK(sys_fcntl((int)a, 9999, 0) == -EINVAL);
	HCHECK(sys_fcntl(99, 3, 0) == -EBADF);
	/* Locks are not implemented: refused with ENOLCK, never faked. */
	HCHECK(sys_fcntl((int)a, 5 /* F_GETLK */, U(&fl)) == -ENOLCK);
	fl.l_type = 7;
	HCHECK(sys_fcntl((int)a, 6 /* F_SETLK */, U(&fl)) == -EINVAL);
	r = xopen("/fd5", O_RDONLY);
	fl.l_type = F_WRLCK;
	HCHECK(sys_fcntl((int)r, 6, U(&fl)) == -EBADF);
	fl.l_type = F_RDLCK;
	HCHECK(sys_fcntl((int)r, 7 /* F_SETLKW */, U(&fl)) == -ENOLCK);
	fl.l_type = F_UNLCK;
	HCHECK(sys_fcntl((int)r, 6, U(&fl)) == 0); /* nothing held, nothing to release */
	HCHECK(sys_fcntl((int)r, 6, HOST_BAD_PTR) == -EFAULT);
	/* ioctl */
	int on = 1, avail = -1;
	HCHECK(sys_ioctl((int)r, 0x5421 /* FIONBIO */, U(&on)) == 0);
	HCHECK(sys_fcntl((int)r, 3, 0) & O_NONBLOCK);
	HCHECK(sys_ioctl((int)r, 0x5401 /* TCGETS */, U(&on)) == -ENOTTY);
	sys_write((int)a, U("12345"), 5);
	HCHECK(sys_ioctl((int)r, 0x541B /* FIONREAD */, U(&avail)) == 0 && avail == 5);
	HCHECK(sys_ioctl(99, 0x541B, U(&avail)) == -EBADF);
}

HTEST(o_path_descriptors)
{
	struct linux_stat st;
	char buf[4];
	long p;

	host_fs_setup();
	sys_mkdir(U("/fd6"), 0755);
	p = xopen("/fd6", O_PATH | O_RDWR);
	HCHECK(p >= 0);
	HCHECK(sys_fstat((int)p, U(&st)) == 0 && S_ISDIR(st.st_mode));
	HCHECK(sys_read((int)p, U(buf), 1) == -EBADF);
	HCHECK(sys_fcntl((int)p, 3, 0) == (O_PATH | O_LARGEFILE));
	HCHECK(sys_fcntl((int)p, 4, 0) == -EBADF);
	HCHECK(sys_ioctl((int)p, 0x541B, U(buf)) == -EBADF);
	HCHECK(sys_mkdirat((int)p, U("sub"), 0755) == 0); /* usable as a dirfd */
	HCHECK(sys_fchdir((int)p) == 0);
	HCHECK(sys_getdents64((int)p, U(buf), sizeof(buf)) == -EBADF);
	sys_chdir(U("/"));
}

HTEST(vectors_and_sendfile)
{
	char a[4] = "AAAA", b[6] = "BBBBBB", out[16];
	uint64_t iov[4] = { U(a), 4, U(b), 6 };
	long fd, fd2;
	int64_t off = 2;

	host_fs_setup();
	fd = xopen("/fd7", O_CREAT | O_RDWR);
	HCHECK(sys_writev((int)fd, U(iov), 2) == 10);
	HCHECK(sys_writev((int)fd, U(iov), -1) == -EINVAL);
	HCHECK(sys_writev((int)fd, U(iov), 1025) == -EINVAL);
	HCHECK(sys_writev((int)fd, HOST_BAD_PTR, 1) == -EFAULT);
	memset(a, 0, 4);
	memset(b, 0, 6);
	sys_lseek((int)fd, 0, SEEK_SET);
	HCHECK(sys_readv((int)fd, U(iov), 2) == 10 && a[3] == 'A' && b[0] == 'B');
	fd2 = xopen("/fd7b", O_CREAT | O_RDWR);
	HCHECK(sys_sendfile((int)fd2, (int)fd, U(&off), 100) == 8 && off == 10);
	HCHECK(sys_lseek((int)fd, 0, SEEK_CUR) == 10); /* untouched by an explicit offset */
	sys_lseek((int)fd2, 0, SEEK_SET);
	HCHECK(sys_read((int)fd2, U(out), sizeof(out)) == 8 && !memcmp(out, "AABBBBBB", 8));
	HCHECK(sys_pread64((int)fd2, U(out), 2, 6) == 2 && !memcmp(out, "BB", 2));
	HCHECK(sys_lseek((int)fd2, 0, SEEK_DATA) == 0 && sys_lseek((int)fd2, 0, SEEK_HOLE) == 8);
	HCHECK(sys_lseek((int)fd2, 9, SEEK_DATA) == -ENXIO);
	memset(out, 0, sizeof(out));
	uint64_t v[4] = { U(out), 2, U(out + 2), 3 };
	HCHECK(sys_preadv((int)fd2, U(v), 2, 3, 0) == 5 && !memcmp(out, "BBBBB", 5));
	HCHECK(sys_preadv((int)fd2, U(v), 2, -1, 0) == -EINVAL);
	HCHECK(sys_pwritev((int)fd2, U(v), 1, 0, 0) == 2);
	HCHECK(sys_lseek((int)fd2, 0, SEEK_CUR) == 8); /* untouched */
	/* flock: an exclusive lock keeps out other open files, not a dup. */
	long fd3 = xopen("/fd7b", O_RDONLY), dup2fd = sys_dup((int)fd2);
	HCHECK(sys_flock((int)fd2, 2 | 4) == 0 && sys_flock((int)fd2, 3) == -EINVAL);
	HCHECK(sys_flock((int)fd3, 1 | 4) == -EAGAIN && sys_flock((int)fd3, 2 | 4) == -EAGAIN);
	HCHECK(sys_flock((int)dup2fd, 2 | 4) == 0); /* same open file: already held */
	HCHECK(sys_flock((int)fd2, 1) == 0);        /* converted to shared */
	HCHECK(sys_flock((int)fd3, 1 | 4) == 0 && sys_flock((int)fd3, 8) == 0);
	HCHECK(sys_flock((int)fd2, 8 /* LOCK_UN */) == 0 && sys_flock((int)fd3, 2 | 4) == 0);
	HCHECK(sys_close((int)fd3) == 0 && sys_flock((int)fd2, 2 | 4) == 0); /* close frees */
	HCHECK(sys_flock(99, 2) == -EBADF);
	HCHECK(sys_fadvise64((int)fd2, 0, 0, 4) == 0 && sys_fadvise64((int)fd2, 0, 0, 9) == -EINVAL);
}

HTEST_MAIN()

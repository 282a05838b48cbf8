/* t_fs.c: file and directory syscalls: open..close, read/write families,
 * stat family, getdents64, dup, fcntl, access, names, links, cwd, modes,
 * truncate, times; with their error cases (EBADF, ENOENT, EFAULT, ...).
 *
 * Every case works inside its own scratch directory (ut_scratch), so names
 * are relative. Expected values are what Linux gives, running as root. */
#include "utest.h"

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <termios.h>

/* The statx(2) ABI (musl 1.2.3 has no wrapper or header for it). */
struct ut_statx_ts {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct ut_statx {
	uint32_t mask, blksize;
	uint64_t attributes;
	uint32_t nlink, uid, gid;
	uint16_t mode, spare0;
	uint64_t ino, size, blocks, attributes_mask;
	struct ut_statx_ts atime, btime, ctime, mtime;
	uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
	uint64_t spare[14];
};
_Static_assert(sizeof(struct ut_statx) == 256, "statx layout");

#define UT_STATX_TYPE 0x1u
#define UT_STATX_MODE 0x2u
#define UT_STATX_NLINK 0x4u
#define UT_STATX_INO 0x100u
#define UT_STATX_SIZE 0x200u
#define UT_STATX_BASIC 0x7ffu

/* getdents64 record. */
struct ut_dirent64 {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};

static bool is_root(void)
{
	return geteuid() == 0;
}

static off_t file_size(const char *name)
{
	struct stat st;
	return stat(name, &st) == 0 ? st.st_size : -1;
}

/* Byte i of the test pattern used by the big-file cases. */
static unsigned char pat(long i)
{
	return (unsigned char)(i * 7 + i / 4096);
}

UT_CASE(open_rw_basic, 10)
{
	char buf[32] = { 0 };

	ut_scratch();
	int fd = UT_OK(open("f", O_RDWR | O_CREAT | O_EXCL, 0644));
	UT_EQ(write(fd, "hello world", 11), 11);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 11);
	UT_EQ(lseek(fd, 0, SEEK_SET), 0);
	UT_EQ(read(fd, buf, sizeof(buf)), 11);
	UT_CHECK(memcmp(buf, "hello world", 11) == 0);
	UT_EQ(read(fd, buf, sizeof(buf)), 0);
	UT_OK(close(fd));

	fd = UT_OK(open("f", O_RDONLY));
	memset(buf, 0, sizeof(buf));
	UT_EQ(read(fd, buf, 5), 5);
	UT_STREQ(buf, "hello");
	UT_EQ(read(fd, buf, 0), 0);
	UT_EQ(read(fd, buf, sizeof(buf)), 6);
	UT_ERR(write(fd, "x", 1), EBADF);
	UT_OK(close(fd));
}

UT_CASE(open_lowest_fd, 10)
{
	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	int a = UT_OK(open("f", O_RDONLY));
	int b = UT_OK(open("f", O_RDONLY));
	int c = UT_OK(open("f", O_RDONLY));
	UT_EQ(b, a + 1);
	UT_EQ(c, b + 1);
	UT_OK(close(b));
	UT_EQ(open("f", O_RDONLY), b);
	UT_OK(close(a));
	UT_EQ(open("f", O_RDONLY), a);
	UT_EQ(open("f", O_RDONLY), c + 1);
}

UT_CASE(open_errors, 10)
{
	ut_scratch();
	ut_write_file("f", "data", -1, 0644);
	UT_OK(mkdir("d", 0755));

	UT_ERR(open("missing", O_RDONLY), ENOENT);
	UT_ERR(open("nodir/x", O_RDONLY), ENOENT);
	UT_ERR(open("nodir/x", O_RDWR | O_CREAT, 0644), ENOENT);
	UT_ERR(open("", O_RDONLY), ENOENT);
	UT_ERR(open("f", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	UT_ERR(open("d", O_RDWR | O_CREAT | O_EXCL, 0644), EEXIST);
	UT_ERR(open("f/x", O_RDONLY), ENOTDIR);
	UT_ERR(open("f/", O_RDONLY), ENOTDIR);
	UT_ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
	UT_ERR(open("d", O_WRONLY), EISDIR);
	UT_ERR(open("d", O_RDWR), EISDIR);
	UT_ERR(open("d", O_RDONLY | O_CREAT, 0644), EISDIR);
	UT_ERR(open("new/", O_WRONLY | O_CREAT, 0644), EISDIR);
	int fd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	UT_OK(close(fd));
	UT_ERR(access("new", F_OK), ENOENT);
}

UT_CASE(openat_dirfd, 10)
{
	char abs[PATH_MAX];
	struct stat st;

	const char *s = ut_scratch();
	UT_OK(mkdir("d", 0755));
	ut_write_file("f", "file", -1, 0644);
	int dfd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	int fd = UT_OK(openat(dfd, "x", O_WRONLY | O_CREAT | O_EXCL, 0600));
	UT_EQ(write(fd, "abc", 3), 3);
	UT_OK(close(fd));
	UT_OK(fstatat(dfd, "x", &st, 0));
	UT_EQ(st.st_size, 3);
	UT_EQ(file_size("d/x"), 3);

	fd = UT_OK(openat(AT_FDCWD, "d/x", O_RDONLY));
	UT_OK(close(fd));
	u_fmt(abs, sizeof(abs), "%s/d/x", s);
	fd = UT_OK(openat(9999, abs, O_RDONLY));
	UT_OK(close(fd));
	UT_ERR(openat(9999, "x", O_RDONLY), EBADF);
	UT_ERR(openat(-5, "x", O_RDONLY), EBADF);
	int ffd = UT_OK(open("f", O_RDONLY));
	UT_ERR(openat(ffd, "x", O_RDONLY), ENOTDIR);
	UT_ERR(openat(dfd, "missing", O_RDONLY), ENOENT);
	UT_OK(close(ffd));
	UT_OK(close(dfd));
}

UT_CASE(close_errors, 10)
{
	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	int fd = UT_OK(open("f", O_RDONLY));
	UT_OK(close(fd));
	UT_ERR(close(fd), EBADF);
	UT_ERR(close(-1), EBADF);
	UT_ERR(close(123456), EBADF);
	UT_ERR(read(fd, &fd, 1), EBADF);
}

UT_CASE(read_write_errors, 10)
{
	char buf[16];

	ut_scratch();
	ut_write_file("f", "0123456789", -1, 0644);
	UT_OK(mkdir("d", 0755));
	int ro = UT_OK(open("f", O_RDONLY));
	int wo = UT_OK(open("f", O_WRONLY));
	int dfd = UT_OK(open("d", O_RDONLY));
	UT_ERR(write(ro, "x", 1), EBADF);
	UT_ERR(read(wo, buf, 1), EBADF);
	UT_ERR(read(dfd, buf, sizeof(buf)), EISDIR);
	UT_ERR(write(dfd, "x", 1), EBADF);
	UT_ERR(read(-1, buf, 1), EBADF);
	UT_ERR(write(99999, "x", 1), EBADF);
	UT_EQ(read(ro, buf, 0), 0);
	UT_EQ(write(wo, buf, 0), 0);
	UT_EQ(file_size("f"), 10);
}

UT_CASE(readv_writev, 10)
{
	char a[2], b[4], c[10];
	struct iovec w[3] = { { "abc", 3 }, { "", 0 }, { "defgh", 5 } };
	struct iovec r[3] = { { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) } };

	ut_scratch();
	int fd = UT_OK(open("f", O_RDWR | O_CREAT, 0644));
	UT_EQ(writev(fd, w, 3), 8);
	UT_EQ(lseek(fd, 0, SEEK_SET), 0);
	UT_EQ(readv(fd, r, 3), 8);
	UT_CHECK(memcmp(a, "ab", 2) == 0);
	UT_CHECK(memcmp(b, "cdef", 4) == 0);
	UT_CHECK(memcmp(c, "gh", 2) == 0);
	UT_EQ(readv(fd, r, 3), 0);
	UT_EQ(readv(fd, r, 0), 0);
	UT_EQ(writev(fd, w, 0), 0);
	UT_ERR(writev(fd, w, -1), EINVAL);
	UT_ERR(readv(fd, r, 1025), EINVAL);
	UT_ERR(syscall(SYS_readv, fd, NULL, 1), EFAULT);
	UT_ERR(syscall(SYS_writev, fd, (void *)1, 1), EFAULT);
	struct iovec bad = { (void *)0xffff800000000000ul, 4 };
	UT_ERR(syscall(SYS_writev, fd, &bad, 1), EFAULT);
	UT_ERR(writev(-1, w, 3), EBADF);
	UT_EQ(file_size("f"), 8);
}

UT_CASE(pread_pwrite, 10)
{
	char buf[16] = { 0 };
	int p[2];

	ut_scratch();
	ut_write_file("f", "0123456789", -1, 0644);
	int fd = UT_OK(open("f", O_RDWR));
	UT_EQ(pread(fd, buf, 3, 4), 3);
	UT_STREQ(buf, "456");
	UT_EQ(lseek(fd, 0, SEEK_CUR), 0);
	UT_EQ(pwrite(fd, "XY", 2, 8), 2);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 0);
	UT_EQ(read(fd, buf, 10), 10);
	UT_CHECK(memcmp(buf, "01234567XY", 10) == 0);
	UT_EQ(pread(fd, buf, 4, 100), 0);
	UT_EQ(pread(fd, buf, 4, 8), 2);
	UT_ERR(pread(fd, buf, 4, -1), EINVAL);
	UT_ERR(pwrite(fd, buf, 4, -1), EINVAL);
	UT_EQ(pwrite(fd, "Z", 1, 20), 1);
	UT_EQ(file_size("f"), 21);
	memset(buf, 'q', sizeof(buf));
	UT_EQ(pread(fd, buf, 10, 10), 10);
	UT_CHECK(memcmp(buf, "\0\0\0\0\0\0\0\0\0\0", 10) == 0);
	UT_OK(pipe(p));
	UT_ERR(pread(p[0], buf, 1, 0), ESPIPE);
	UT_ERR(pwrite(p[1], buf, 1, 0), ESPIPE);
	int ro = UT_OK(open("f", O_RDONLY));
	UT_ERR(pwrite(ro, "x", 1, 0), EBADF);
}

UT_CASE(lseek_basic, 10)
{
	int p[2];

	ut_scratch();
	ut_write_file("f", "0123456789", -1, 0644);
	int fd = UT_OK(open("f", O_RDONLY));
	UT_EQ(lseek(fd, 5, SEEK_SET), 5);
	UT_EQ(lseek(fd, 2, SEEK_CUR), 7);
	UT_EQ(lseek(fd, -3, SEEK_CUR), 4);
	UT_ERR(lseek(fd, -10, SEEK_CUR), EINVAL);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 4);
	UT_EQ(lseek(fd, 0, SEEK_END), 10);
	UT_EQ(lseek(fd, -3, SEEK_END), 7);
	char c;
	UT_EQ(read(fd, &c, 1), 1);
	UT_EQ(c, '7');
	UT_EQ(lseek(fd, 100, SEEK_SET), 100);
	UT_EQ(read(fd, &c, 1), 0);
	UT_ERR(lseek(fd, -1, SEEK_SET), EINVAL);
	UT_ERR(lseek(fd, 0, 99), EINVAL);
	UT_ERR(lseek(-1, 0, SEEK_SET), EBADF);
	UT_OK(pipe(p));
	UT_ERR(lseek(p[0], 0, SEEK_SET), ESPIPE);
}

UT_CASE(lseek_hole, 10)
{
	static char buf[8192];

	ut_scratch();
	int fd = UT_OK(open("f", O_RDWR | O_CREAT, 0644));
	UT_EQ(lseek(fd, 8192, SEEK_SET), 8192);
	UT_EQ(write(fd, "x", 1), 1);
	UT_EQ(file_size("f"), 8193);
	UT_EQ(pread(fd, buf, sizeof(buf), 0), 8192);
	int zeros = 1;
	for (size_t i = 0; i < sizeof(buf); i++)
		zeros &= buf[i] == 0;
	UT_CHECK(zeros);
	UT_EQ(pread(fd, buf, 10, 8192), 1);
	UT_EQ(buf[0], 'x');
}

UT_CASE(o_append_trunc, 10)
{
	char buf[16] = { 0 };

	ut_scratch();
	ut_write_file("f", "a", -1, 0644);
	int fd = UT_OK(open("f", O_WRONLY | O_APPEND));
	UT_CHECK(fcntl(fd, F_GETFL) & O_APPEND);
	UT_EQ(lseek(fd, 0, SEEK_SET), 0);
	UT_EQ(write(fd, "b", 1), 1);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 2);
	UT_EQ(write(fd, "c", 1), 1);
	UT_OK(close(fd));
	fd = UT_OK(open("f", O_RDONLY));
	UT_EQ(read(fd, buf, sizeof(buf)), 3);
	UT_STREQ(buf, "abc");
	UT_OK(close(fd));

	fd = UT_OK(open("f", O_WRONLY | O_TRUNC));
	UT_EQ(file_size("f"), 0);
	UT_EQ(write(fd, "z", 1), 1);
	UT_OK(close(fd));
	UT_EQ(file_size("f"), 1);
}

UT_CASE(stat_basic, 10)
{
	struct stat st, st2;

	ut_scratch();
	umask(022);
	int fd = UT_OK(open("f", O_RDWR | O_CREAT, 0666));
	UT_EQ(write(fd, "12345", 5), 5);
	UT_OK(stat("f", &st));
	UT_CHECK(S_ISREG(st.st_mode));
	UT_EQ(st.st_mode & 07777, 0644);
	UT_EQ(st.st_size, 5);
	UT_EQ(st.st_nlink, 1);
	UT_EQ(st.st_uid, geteuid());
	UT_EQ(st.st_gid, getegid());
	UT_CHECK(st.st_ino != 0);
	UT_CHECK(st.st_blksize > 0);
	long long now = time(NULL);
	UT_CHECK(st.st_mtime >= now - 5 && st.st_mtime <= now + 5);
	UT_CHECK(now > 1577836800); /* 2020-01-01 */

	UT_OK(fstat(fd, &st2));
	UT_EQ(st2.st_ino, st.st_ino);
	UT_EQ(st2.st_dev, st.st_dev);
	UT_EQ(st2.st_size, 5);
	UT_OK(close(fd));

	UT_OK(mkdir("d", 0777));
	UT_OK(stat("d", &st));
	UT_CHECK(S_ISDIR(st.st_mode));
	UT_EQ(st.st_mode & 07777, 0755);
	UT_EQ(st.st_nlink, 2);
	UT_OK(mkdir("d/sub", 0777));
	UT_OK(stat("d", &st));
	UT_EQ(st.st_nlink, 3);

	UT_OK(symlink("f", "l"));
	UT_OK(lstat("l", &st));
	UT_CHECK(S_ISLNK(st.st_mode));
	UT_EQ(st.st_size, 1);
	UT_OK(stat("l", &st));
	UT_CHECK(S_ISREG(st.st_mode));
	UT_EQ(st.st_ino, st2.st_ino);
	UT_OK(lstat("f", &st));
	UT_EQ(st.st_ino, st2.st_ino);
}

UT_CASE(stat_errors, 10)
{
	struct stat st;

	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	UT_ERR(stat("missing", &st), ENOENT);
	UT_ERR(lstat("missing", &st), ENOENT);
	UT_ERR(stat("", &st), ENOENT);
	UT_ERR(stat("f/x", &st), ENOTDIR);
	UT_ERR(stat("missing/x", &st), ENOENT);
	UT_ERR(fstat(-1, &st), EBADF);
	UT_ERR(fstat(4321, &st), EBADF);
}

UT_CASE(newfstatat_flags, 10)
{
	struct stat st, ref;

	ut_scratch();
	ut_write_file("f", "abc", -1, 0644);
	UT_OK(symlink("f", "l"));
	UT_OK(mkdir("d", 0755));
	ut_write_file("d/x", "12345", -1, 0644);
	int dfd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	int fd = UT_OK(open("f", O_RDONLY));
	UT_OK(stat("f", &ref));

	UT_OK(syscall(SYS_newfstatat, dfd, "x", &st, 0));
	UT_EQ(st.st_size, 5);
	UT_OK(syscall(SYS_newfstatat, AT_FDCWD, "l", &st, AT_SYMLINK_NOFOLLOW));
	UT_CHECK(S_ISLNK(st.st_mode));
	UT_OK(syscall(SYS_newfstatat, AT_FDCWD, "l", &st, 0));
	UT_EQ(st.st_ino, ref.st_ino);
	UT_OK(syscall(SYS_newfstatat, fd, "", &st, AT_EMPTY_PATH));
	UT_EQ(st.st_ino, ref.st_ino);
	UT_EQ(st.st_size, 3);
	UT_ERR(syscall(SYS_newfstatat, fd, "", &st, 0), ENOENT);
	UT_ERR(syscall(SYS_newfstatat, AT_FDCWD, "f", &st, 0x1), EINVAL);
	UT_ERR(syscall(SYS_newfstatat, 777, "x", &st, 0), EBADF);
	UT_ERR(syscall(SYS_newfstatat, fd, "x", &st, 0), ENOTDIR);
}

UT_CASE(statx_basic, 10)
{
	struct ut_statx sx;
	struct stat ref;

	ut_scratch();
	umask(022);
	ut_write_file("f", "12345", -1, 0644);
	UT_OK(symlink("f", "l"));
	UT_OK(stat("f", &ref));
	memset(&sx, 0xee, sizeof(sx));
	UT_OK(syscall(SYS_statx, AT_FDCWD, "f", 0, UT_STATX_BASIC, &sx));
	unsigned want = UT_STATX_TYPE | UT_STATX_MODE | UT_STATX_NLINK | UT_STATX_INO | UT_STATX_SIZE;
	UT_EQ(sx.mask & want, want);
	UT_EQ(sx.mode, S_IFREG | 0644);
	UT_EQ(sx.size, 5);
	UT_EQ(sx.nlink, 1);
	UT_EQ(sx.ino, ref.st_ino);
	UT_EQ(sx.uid, ref.st_uid);
	UT_EQ(sx.mtime.tv_sec, ref.st_mtim.tv_sec);
	UT_EQ(sx.mtime.tv_nsec, ref.st_mtim.tv_nsec);

	UT_OK(syscall(SYS_statx, AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, UT_STATX_BASIC, &sx));
	UT_EQ(sx.mode & S_IFMT, S_IFLNK);
	int fd = UT_OK(open("f", O_RDONLY));
	UT_OK(syscall(SYS_statx, fd, "", AT_EMPTY_PATH, UT_STATX_BASIC, &sx));
	UT_EQ(sx.ino, ref.st_ino);
	UT_ERR(syscall(SYS_statx, AT_FDCWD, "missing", 0, UT_STATX_BASIC, &sx), ENOENT);
	UT_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0x40000000, UT_STATX_BASIC, &sx), EINVAL);
	UT_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0, 0x80000000u, &sx), EINVAL);
	UT_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0, UT_STATX_BASIC, NULL), EFAULT);
}

/* Reads every entry of dfd with getdents64 in buffers of bufsize bytes.
 * Counts entries into *n and checks each name appears in names[] once
 * (seen[] marks them) with its expected type. Returns false on error. */
static bool read_dir(int dfd, size_t bufsize, const char *const names[], const int types[],
		     int nnames, int seen[], int *n)
{
	char buf[4096] __attribute__((aligned(8)));

	*n = 0;
	for (;;) {
		long got = syscall(SYS_getdents64, dfd, buf, bufsize);
		if (got < 0)
			return ut_fail_(__LINE__, "getdents64: %s", u_errname(errno));
		if (got == 0)
			return true;
		for (long off = 0; off < got;) {
			struct ut_dirent64 *de = (struct ut_dirent64 *)(buf + off);
			UT_CHECK(de->reclen % 8 == 0 && de->reclen > 19);
			UT_CHECK(de->ino != 0);
			(*n)++;
			for (int i = 0; i < nnames; i++) {
				if (strcmp(names[i], de->name))
					continue;
				seen[i]++;
				if (types && de->type != types[i])
					ut_fail_(__LINE__, "%s: d_type %d, want %d", de->name, de->type,
						 types[i]);
			}
			off += de->reclen;
		}
	}
}

UT_CASE(getdents_basic, 10)
{
	static const char *const names[] = { ".", "..", "a", "bb", "ccc", "sub", "ln" };
	static const int types[] = { DT_DIR, DT_DIR, DT_REG, DT_REG, DT_REG, DT_DIR, DT_LNK };
	int seen[7] = { 0 }, n;

	ut_scratch();
	UT_OK(mkdir("d", 0755));
	ut_write_file("d/a", "1", -1, 0644);
	ut_write_file("d/bb", "22", -1, 0644);
	ut_write_file("d/ccc", "333", -1, 0644);
	UT_OK(mkdir("d/sub", 0755));
	UT_OK(symlink("a", "d/ln"));
	int dfd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	read_dir(dfd, 4096, names, types, 7, seen, &n);
	UT_EQ(n, 7);
	for (int i = 0; i < 7; i++)
		if (seen[i] != 1)
			ut_fail_(__LINE__, "%s seen %d times", names[i], seen[i]);

	/* Rewind and read again. */
	UT_EQ(lseek(dfd, 0, SEEK_SET), 0);
	memset(seen, 0, sizeof(seen));
	read_dir(dfd, 4096, names, types, 7, seen, &n);
	UT_EQ(n, 7);
	UT_OK(close(dfd));
}

UT_CASE(getdents_small_buf, 20)
{
	char name[32], buf[64] __attribute__((aligned(8)));
	int n, seen[1] = { 0 };

	ut_scratch();
	UT_OK(mkdir("d", 0755));
	for (int i = 0; i < 100; i++) {
		u_fmt(name, sizeof(name), "d/file%03d", i);
		ut_write_file(name, "", 0, 0644);
	}
	int dfd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	UT_ERR(syscall(SYS_getdents64, dfd, buf, 1), EINVAL);
	read_dir(dfd, 40, (const char *const[]){ "file042" }, NULL, 1, seen, &n);
	UT_EQ(n, 102);
	UT_EQ(seen[0], 1);
	UT_OK(close(dfd));
}

UT_CASE(getdents_errors, 10)
{
	char buf[512] __attribute__((aligned(8)));

	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	int fd = UT_OK(open("f", O_RDONLY));
	UT_ERR(syscall(SYS_getdents64, fd, buf, sizeof(buf)), ENOTDIR);
	UT_ERR(syscall(SYS_getdents64, -1, buf, sizeof(buf)), EBADF);
	int dfd = UT_OK(open(".", O_RDONLY | O_DIRECTORY));
	UT_ERR(syscall(SYS_getdents64, dfd, NULL, sizeof(buf)), EFAULT);
	UT_ERR(syscall(SYS_getdents64, dfd, (void *)0xffff800000000000ul, sizeof(buf)), EFAULT);
}

UT_CASE(dup_basic, 10)
{
	ut_scratch();
	int fd = UT_OK(open("f", O_RDWR | O_CREAT | O_CLOEXEC, 0644));
	int d = UT_OK(dup(fd));
	UT_EQ(d, fd + 1);
	UT_EQ(fcntl(d, F_GETFD), 0);
	UT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	UT_EQ(write(fd, "abcd", 4), 4);
	UT_EQ(lseek(d, 0, SEEK_CUR), 4);
	UT_EQ(lseek(d, 1, SEEK_SET), 1);
	UT_EQ(lseek(fd, 0, SEEK_CUR), 1);
	UT_OK(close(fd));
	UT_EQ(write(d, "X", 1), 1);
	UT_OK(close(d));
	UT_EQ(file_size("f"), 4);
	UT_ERR(dup(-1), EBADF);
	UT_ERR(dup(fd), EBADF);
}

UT_CASE(dup2_dup3, 10)
{
	struct rlimit rl;
	char buf[8] = { 0 };

	ut_scratch();
	int fd = UT_OK(open("f", O_RDWR | O_CREAT, 0644));
	int g = UT_OK(open("g", O_RDWR | O_CREAT, 0644));
	UT_EQ(dup2(fd, 50), 50);
	UT_EQ(dup2(fd, fd), fd);
	UT_ERR(dup2(-1, 51), EBADF);
	UT_ERR(dup2(77, 51), EBADF);
	UT_ERR(dup2(fd, -1), EBADF);
	UT_ERR(fcntl(51, F_GETFD), EBADF);
	UT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	UT_ERR(dup2(fd, (int)rl.rlim_cur), EBADF);

	/* dup2 onto an open fd closes what it had. */
	UT_EQ(dup2(fd, g), g);
	UT_EQ(write(g, "via-g", 5), 5);
	UT_EQ(file_size("f"), 5);
	UT_EQ(file_size("g"), 0);
	UT_EQ(pread(50, buf, 5, 0), 5);
	UT_STREQ(buf, "via-g");

	/* Raw dup3: musl's dup3() uses dup2 when flags are 0. */
	UT_EQ(syscall(SYS_dup3, fd, 52, O_CLOEXEC), 52);
	UT_EQ(fcntl(52, F_GETFD), FD_CLOEXEC);
	UT_EQ(syscall(SYS_dup3, fd, 53, 0), 53);
	UT_EQ(fcntl(53, F_GETFD), 0);
	UT_ERR(syscall(SYS_dup3, fd, fd, 0), EINVAL);
	UT_ERR(syscall(SYS_dup3, fd, 54, 0x1), EINVAL);
	UT_ERR(syscall(SYS_dup3, -1, 54, 0), EBADF);
	UT_EQ(syscall(SYS_dup3, fd, 52, 0), 52);
	UT_EQ(fcntl(52, F_GETFD), 0);
}

UT_CASE(fcntl_fd_flags, 10)
{
	ut_scratch();
	int fd = UT_OK(open("f", O_RDWR | O_CREAT, 0644));
	UT_EQ(fcntl(fd, F_GETFD), 0);
	UT_OK(fcntl(fd, F_SETFD, FD_CLOEXEC));
	UT_EQ(fcntl(fd, F_GETFD), FD_CLOEXEC);
	UT_OK(fcntl(fd, F_SETFD, 0));
	UT_EQ(fcntl(fd, F_GETFD), 0);
	int c = UT_OK(open("f", O_RDONLY | O_CLOEXEC));
	UT_EQ(fcntl(c, F_GETFD), FD_CLOEXEC);
	UT_ERR(fcntl(-1, F_GETFD), EBADF);
	UT_ERR(fcntl(4444, F_SETFD, 0), EBADF);
	UT_ERR(fcntl(fd, 9999), EINVAL);
}

UT_CASE(fcntl_fl_flags, 10)
{
	ut_scratch();
	int fd = UT_OK(open("f", O_RDWR | O_CREAT, 0644));
	int fl = UT_OK(fcntl(fd, F_GETFL));
	UT_EQ(fl & O_ACCMODE, O_RDWR);
	UT_EQ(fl & (O_NONBLOCK | O_APPEND), 0);
	UT_OK(fcntl(fd, F_SETFL, fl | O_NONBLOCK | O_APPEND));
	fl = UT_OK(fcntl(fd, F_GETFL));
	UT_EQ(fl & (O_NONBLOCK | O_APPEND), O_NONBLOCK | O_APPEND);
	/* The access mode cannot be changed, and the status is shared by dups. */
	UT_OK(fcntl(fd, F_SETFL, O_WRONLY | O_NONBLOCK));
	fl = UT_OK(fcntl(fd, F_GETFL));
	UT_EQ(fl & O_ACCMODE, O_RDWR);
	UT_EQ(fl & (O_NONBLOCK | O_APPEND), O_NONBLOCK);
	int d = UT_OK(dup(fd));
	UT_EQ(fcntl(d, F_GETFL) & O_NONBLOCK, O_NONBLOCK);
	int w = UT_OK(open("f", O_WRONLY));
	UT_EQ(fcntl(w, F_GETFL) & O_ACCMODE, O_WRONLY);
	int r = UT_OK(open("f", O_RDONLY));
	UT_EQ(fcntl(r, F_GETFL) & O_ACCMODE, O_RDONLY);
	UT_ERR(fcntl(-1, F_GETFL), EBADF);
}

UT_CASE(fcntl_dupfd, 10)
{
	struct rlimit rl;

	ut_scratch();
	int fd = UT_OK(open("f", O_RDWR | O_CREAT | O_CLOEXEC, 0644));
	UT_EQ(fcntl(fd, F_DUPFD, 10), 10);
	UT_EQ(fcntl(fd, F_DUPFD, 10), 11);
	UT_EQ(fcntl(10, F_GETFD), 0);
	UT_OK(close(10));
	UT_EQ(fcntl(fd, F_DUPFD, 10), 10);
	UT_EQ(fcntl(fd, F_DUPFD_CLOEXEC, 20), 20);
	UT_EQ(fcntl(20, F_GETFD), FD_CLOEXEC);
	UT_EQ(fcntl(fd, F_DUPFD, 0), fd + 1);
	UT_OK(getrlimit(RLIMIT_NOFILE, &rl));
	UT_ERR(fcntl(fd, F_DUPFD, (int)rl.rlim_cur), EINVAL);
	UT_ERR(fcntl(fd, F_DUPFD, -1), EINVAL);
	UT_ERR(fcntl(-1, F_DUPFD, 0), EBADF);
}

UT_CASE(access_modes, 10)
{
	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	UT_OK(mkdir("d", 0755));
	UT_OK(access("f", F_OK));
	UT_OK(access("f", R_OK));
	UT_OK(access("d", X_OK));
	if (is_root()) {
		UT_OK(access("f", R_OK | W_OK));
		/* Root may execute only if some x bit is set. */
		UT_ERR(access("f", X_OK), EACCES);
		UT_OK(chmod("f", 0010));
		UT_OK(access("f", X_OK));
		UT_OK(access("f", R_OK | W_OK | X_OK));
		UT_OK(chmod("f", 0));
		UT_OK(access("f", R_OK | W_OK));
		UT_ERR(access("f", X_OK), EACCES);
	} else {
		UT_NOTE("not root: root-specific access checks skipped\n");
	}
	UT_ERR(access("missing", F_OK), ENOENT);
	UT_ERR(access("f/x", F_OK), ENOTDIR);
	UT_ERR(access("f", 8), EINVAL);
	int dfd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	ut_write_file("d/y", "y", -1, 0644);
	UT_OK(syscall(SYS_faccessat, dfd, "y", R_OK));
	UT_ERR(syscall(SYS_faccessat, dfd, "z", R_OK), ENOENT);
	UT_ERR(syscall(SYS_faccessat, 999, "y", R_OK), EBADF);
}

UT_CASE(mkdir_rmdir, 10)
{
	struct stat st;
	int dfd;

	ut_scratch();
	umask(022);
	ut_write_file("f", "x", -1, 0644);
	UT_OK(mkdir("d", 0777));
	UT_OK(stat("d", &st));
	UT_EQ(st.st_mode, S_IFDIR | 0755);
	UT_ERR(mkdir("d", 0755), EEXIST);
	UT_ERR(mkdir("f", 0755), EEXIST);
	UT_ERR(mkdir("nope/d", 0755), ENOENT);
	UT_ERR(mkdir("f/d", 0755), ENOTDIR);
	UT_ERR(mkdir("", 0755), ENOENT);
	UT_OK(mkdir("e/", 0700));
	UT_OK(stat("e", &st));
	UT_EQ(st.st_mode, S_IFDIR | 0700);
	dfd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	UT_OK(mkdirat(dfd, "sub", 0755));
	UT_OK(stat("d/sub", &st));
	UT_ERR(rmdir("d"), ENOTEMPTY);
	UT_ERR(rmdir("d/sub/."), EINVAL);
	UT_ERR(rmdir("d/sub/.."), ENOTEMPTY);
	UT_OK(rmdir("d/sub"));
	UT_ERR(rmdir("d/sub"), ENOENT);
	UT_ERR(rmdir("f"), ENOTDIR);
	UT_OK(rmdir("d"));
	UT_ERR(stat("d", &st), ENOENT);
	UT_OK(close(dfd));
	UT_OK(rmdir("e"));
}

UT_CASE(unlink_basic, 10)
{
	struct stat st;

	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	ut_write_file("g", "y", -1, 0644);
	UT_OK(mkdir("d", 0755));
	UT_OK(symlink("g", "l"));
	UT_OK(unlink("f"));
	UT_ERR(stat("f", &st), ENOENT);
	UT_ERR(unlink("f"), ENOENT);
	UT_ERR(unlink("d"), EISDIR);
	UT_ERR(unlink("g/x"), ENOTDIR);
	UT_ERR(unlink(""), ENOENT);
	UT_OK(unlink("l"));
	UT_OK(stat("g", &st));
	UT_ERR(unlinkat(AT_FDCWD, "g", AT_REMOVEDIR), ENOTDIR);
	UT_ERR(unlinkat(AT_FDCWD, "g", 0x1), EINVAL);
	UT_OK(unlinkat(AT_FDCWD, "d", AT_REMOVEDIR));
	UT_ERR(stat("d", &st), ENOENT);
	int dfd = UT_OK(open(".", O_RDONLY | O_DIRECTORY));
	UT_OK(unlinkat(dfd, "g", 0));
	UT_ERR(stat("g", &st), ENOENT);
	UT_ERR(unlinkat(-7, "x", 0), EBADF);
}

UT_CASE(unlink_open_file, 10)
{
	char buf[16] = { 0 };
	struct stat st;

	ut_scratch();
	int fd = UT_OK(open("f", O_RDWR | O_CREAT, 0644));
	UT_EQ(write(fd, "data", 4), 4);
	UT_OK(unlink("f"));
	UT_OK(fstat(fd, &st));
	UT_EQ(st.st_nlink, 0);
	UT_EQ(pread(fd, buf, sizeof(buf), 0), 4);
	UT_STREQ(buf, "data");
	UT_EQ(write(fd, "more", 4), 4);
	UT_OK(fstat(fd, &st));
	UT_EQ(st.st_size, 8);

	int fd2 = UT_OK(open("f", O_RDWR | O_CREAT | O_EXCL, 0644));
	struct stat st2;
	UT_OK(fstat(fd2, &st2));
	UT_EQ(st2.st_size, 0);
	UT_OK(close(fd));
	UT_OK(close(fd2));
}

UT_CASE(rename_basic, 10)
{
	char buf[16] = { 0 };
	struct stat st, a;

	ut_scratch();
	ut_write_file("a", "AAA", -1, 0644);
	ut_write_file("b", "B", -1, 0644);
	UT_OK(stat("a", &a));
	UT_OK(rename("a", "b"));
	UT_ERR(stat("a", &st), ENOENT);
	UT_OK(stat("b", &st));
	UT_EQ(st.st_ino, a.st_ino);
	UT_EQ(st.st_size, 3);
	UT_OK(rename("b", "b"));
	UT_OK(stat("b", &st));

	UT_OK(mkdir("d", 0755));
	ut_write_file("d/x", "xx", -1, 0644);
	UT_OK(rename("d", "e"));
	UT_EQ(file_size("e/x"), 2);
	UT_OK(mkdir("empty", 0755));
	UT_OK(rename("e", "empty"));
	UT_EQ(file_size("empty/x"), 2);

	UT_OK(mkdir("d1", 0755));
	UT_OK(mkdir("d2", 0755));
	int d1 = UT_OK(open("d1", O_RDONLY | O_DIRECTORY));
	int d2 = UT_OK(open("d2", O_RDONLY | O_DIRECTORY));
	ut_write_file("d1/m", "moved", -1, 0644);
	UT_OK(renameat(d1, "m", d2, "n"));
	int fd = UT_OK(open("d2/n", O_RDONLY));
	UT_EQ(read(fd, buf, sizeof(buf)), 5);
	UT_STREQ(buf, "moved");
	UT_ERR(access("d1/m", F_OK), ENOENT);
}

UT_CASE(rename_errors, 10)
{
	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	UT_OK(mkdir("d", 0755));
	UT_OK(mkdir("d/sub", 0755));
	UT_OK(mkdir("full", 0755));
	ut_write_file("full/x", "x", -1, 0644);
	UT_ERR(rename("missing", "x"), ENOENT);
	UT_ERR(rename("f", "nope/x"), ENOENT);
	UT_ERR(rename("d", "full"), ENOTEMPTY);
	UT_ERR(rename("d", "d/sub/x"), EINVAL);
	UT_ERR(rename("f", "d"), EISDIR);
	UT_ERR(rename("d", "f"), ENOTDIR);
	UT_ERR(rename("f/x", "y"), ENOTDIR);
	UT_EQ(file_size("f"), 1);
	UT_EQ(file_size("full/x"), 1);
}

UT_CASE(link_basic, 10)
{
	struct stat st, st2;
	char buf[8] = { 0 };

	ut_scratch();
	ut_write_file("f", "one", -1, 0644);
	UT_OK(mkdir("d", 0755));
	UT_OK(link("f", "g"));
	UT_OK(stat("f", &st));
	UT_OK(stat("g", &st2));
	UT_EQ(st.st_nlink, 2);
	UT_EQ(st.st_ino, st2.st_ino);
	int fd = UT_OK(open("g", O_WRONLY | O_TRUNC));
	UT_EQ(write(fd, "two", 3), 3);
	UT_OK(close(fd));
	fd = UT_OK(open("f", O_RDONLY));
	UT_EQ(read(fd, buf, sizeof(buf)), 3);
	UT_STREQ(buf, "two");
	UT_OK(close(fd));
	UT_ERR(link("f", "g"), EEXIST);
	UT_ERR(link("d", "dl"), EPERM);
	UT_ERR(link("missing", "x"), ENOENT);
	UT_ERR(link("f", "nope/x"), ENOENT);
	UT_OK(link("f", "d/h"));
	UT_OK(unlink("f"));
	UT_OK(stat("g", &st));
	UT_EQ(st.st_nlink, 2);
	UT_OK(unlink("d/h"));
	UT_OK(stat("g", &st));
	UT_EQ(st.st_nlink, 1);
}

UT_CASE(symlink_readlink, 10)
{
	char buf[64];
	struct stat st;

	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	UT_OK(mkdir("d", 0755));
	ut_write_file("d/in", "inside", -1, 0644);
	UT_OK(symlink("target/path", "l"));
	memset(buf, 'X', sizeof(buf));
	UT_EQ(readlink("l", buf, sizeof(buf)), 11);
	UT_CHECK(memcmp(buf, "target/path", 11) == 0 && buf[11] == 'X');
	UT_EQ(readlink("l", buf, 4), 4);
	UT_CHECK(memcmp(buf, "targ", 4) == 0);
	UT_OK(lstat("l", &st));
	UT_EQ(st.st_size, 11);
	UT_ERR(stat("l", &st), ENOENT);
	UT_ERR(readlink("f", buf, sizeof(buf)), EINVAL);
	UT_ERR(readlink("missing", buf, sizeof(buf)), ENOENT);
	UT_ERR(syscall(SYS_readlink, "l", buf, 0), EINVAL);
	UT_ERR(symlink("x", "l"), EEXIST);
	UT_ERR(symlink("x", "f"), EEXIST);
	UT_ERR(symlink("", "empty"), ENOENT);

	int dfd = UT_OK(open(".", O_RDONLY | O_DIRECTORY));
	UT_EQ(readlinkat(dfd, "l", buf, sizeof(buf)), 11);

	/* Paths go through symlinked directories; O_NOFOLLOW stops at a link. */
	UT_OK(symlink("d", "ld"));
	UT_EQ(file_size("ld/in"), 6);
	UT_OK(symlink("f", "lf"));
	UT_ERR(open("lf", O_RDONLY | O_NOFOLLOW), ELOOP);
	UT_OK(close(UT_OK(open("lf", O_RDONLY))));

	/* O_CREAT through a dangling link creates the target; O_EXCL refuses. */
	UT_OK(symlink("newtarget", "dl"));
	UT_ERR(open("dl", O_WRONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	UT_OK(close(UT_OK(open("dl", O_WRONLY | O_CREAT, 0644))));
	UT_OK(stat("newtarget", &st));
}

UT_CASE(symlink_loop, 10)
{
	char a[16], b[16];
	struct stat st;

	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	UT_OK(symlink("b", "a"));
	UT_OK(symlink("a", "b"));
	UT_ERR(stat("a", &st), ELOOP);
	UT_ERR(open("a", O_RDONLY), ELOOP);
	UT_OK(symlink("s", "s"));
	UT_ERR(stat("s", &st), ELOOP);
	UT_OK(lstat("s", &st));

	/* Linux follows at most 40 links in one lookup. */
	UT_OK(symlink("f", "l0"));
	for (int i = 1; i <= 40; i++) {
		u_fmt(a, sizeof(a), "l%d", i - 1);
		u_fmt(b, sizeof(b), "l%d", i);
		UT_OK(symlink(a, b));
	}
	UT_OK(stat("l39", &st));
	UT_ERR(stat("l40", &st), ELOOP);
}

UT_CASE(chdir_getcwd, 10)
{
	char buf[PATH_MAX], want[PATH_MAX];

	const char *s = ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	UT_OK(mkdir("d", 0755));
	UT_CHECK(getcwd(buf, sizeof(buf)) != NULL);
	UT_STREQ(buf, s);
	UT_EQ(syscall(SYS_getcwd, buf, sizeof(buf)), strlen(s) + 1);

	UT_OK(chdir("d"));
	u_fmt(want, sizeof(want), "%s/d", s);
	UT_CHECK(getcwd(buf, sizeof(buf)) != NULL);
	UT_STREQ(buf, want);
	ut_write_file("inner", "i", -1, 0644);
	UT_OK(chdir(".."));
	UT_EQ(file_size("d/inner"), 1);
	UT_CHECK(getcwd(buf, sizeof(buf)) != NULL);
	UT_STREQ(buf, s);

	UT_OK(symlink("d", "ld"));
	UT_OK(chdir("ld"));
	UT_CHECK(getcwd(buf, sizeof(buf)) != NULL);
	UT_STREQ(buf, want);
	UT_OK(chdir(s));

	UT_ERR(chdir("f"), ENOTDIR);
	UT_ERR(chdir("missing"), ENOENT);
	UT_ERR(chdir(""), ENOENT);
	UT_ERR(syscall(SYS_getcwd, buf, 1), ERANGE);
	UT_ERR(syscall(SYS_getcwd, buf, strlen(s)), ERANGE);
	UT_ERR(syscall(SYS_getcwd, buf, 0), ERANGE);
	UT_OK(chdir("/"));
	UT_CHECK(getcwd(buf, sizeof(buf)) != NULL);
	UT_STREQ(buf, "/");
	UT_OK(chdir("/.."));
	UT_CHECK(getcwd(buf, sizeof(buf)) != NULL);
	UT_STREQ(buf, "/");
}

UT_CASE(fchdir_basic, 10)
{
	char buf[PATH_MAX], want[PATH_MAX];

	const char *s = ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	UT_OK(mkdir("d", 0755));
	int dfd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	int ffd = UT_OK(open("f", O_RDONLY));
	UT_OK(fchdir(dfd));
	u_fmt(want, sizeof(want), "%s/d", s);
	UT_CHECK(getcwd(buf, sizeof(buf)) != NULL);
	UT_STREQ(buf, want);
	UT_ERR(fchdir(ffd), ENOTDIR);
	UT_ERR(fchdir(-1), EBADF);

	/* A removed cwd still works as a base, but has no name any more. */
	UT_OK(mkdir("gone", 0755));
	UT_OK(chdir("gone"));
	UT_OK(rmdir("../gone"));
	UT_ERR(syscall(SYS_getcwd, buf, sizeof(buf)), ENOENT);
	UT_ERR(open("new", O_WRONLY | O_CREAT, 0644), ENOENT);
	UT_OK(chdir(s));
}

UT_CASE(umask_basic, 10)
{
	struct stat st;

	ut_scratch();
	umask(027);
	UT_EQ(umask(027), 027);
	UT_OK(close(UT_OK(open("f", O_WRONLY | O_CREAT, 0666))));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_mode & 07777, 0640);
	UT_OK(mkdir("d", 0777));
	UT_OK(stat("d", &st));
	UT_EQ(st.st_mode & 07777, 0750);
	UT_EQ(umask(0), 027);
	UT_OK(close(UT_OK(open("g", O_WRONLY | O_CREAT, 0666))));
	UT_OK(stat("g", &st));
	UT_EQ(st.st_mode & 07777, 0666);
	umask(01777);
	UT_EQ(umask(022), 0777);
}

UT_CASE(chmod_basic, 10)
{
	struct stat st;

	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	UT_OK(symlink("f", "l"));
	UT_OK(chmod("f", 0600));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_mode, S_IFREG | 0600);
	UT_OK(chmod("f", 04755));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_mode & 07777, 04755);
	int fd = UT_OK(open("f", O_RDONLY));
	UT_OK(fchmod(fd, 0640));
	UT_OK(fstat(fd, &st));
	UT_EQ(st.st_mode & 07777, 0640);
	UT_OK(fchmodat(AT_FDCWD, "f", 0444, 0));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_mode & 07777, 0444);
	UT_OK(chmod("l", 0604));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_mode & 07777, 0604);
	UT_OK(lstat("l", &st));
	UT_CHECK(S_ISLNK(st.st_mode));
	UT_ERR(chmod("missing", 0644), ENOENT);
	UT_ERR(fchmod(-1, 0644), EBADF);
}

UT_CASE(chown_basic, 10)
{
	struct stat st;

	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	UT_OK(symlink("f", "l"));
	if (!is_root()) {
		UT_ERR(chown("f", 1234, 5678), EPERM);
		return;
	}
	UT_OK(chown("f", 1234, 5678));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_uid, 1234);
	UT_EQ(st.st_gid, 5678);
	UT_OK(chown("f", -1, 42));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_uid, 1234);
	UT_EQ(st.st_gid, 42);
	int fd = UT_OK(open("f", O_RDONLY));
	UT_OK(fchown(fd, 0, 0));
	UT_OK(fstat(fd, &st));
	UT_EQ(st.st_uid, 0);
	UT_EQ(st.st_gid, 0);
	UT_OK(lchown("l", 77, 88));
	UT_OK(lstat("l", &st));
	UT_EQ(st.st_uid, 77);
	UT_EQ(st.st_gid, 88);
	UT_OK(stat("f", &st));
	UT_EQ(st.st_uid, 0);
	UT_OK(chown("l", 5, 6));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_uid, 5);
	UT_EQ(st.st_gid, 6);
	UT_ERR(chown("missing", 0, 0), ENOENT);
	UT_ERR(fchown(-1, 0, 0), EBADF);
}

UT_CASE(truncate_basic, 10)
{
	char buf[16] = { 0 };
	static char big[8192];
	int p[2];

	ut_scratch();
	ut_write_file("f", "0123456789", -1, 0644);
	UT_OK(mkdir("d", 0755));
	UT_OK(truncate("f", 4));
	UT_EQ(file_size("f"), 4);
	UT_OK(truncate("f", 8192 + 5));
	UT_EQ(file_size("f"), 8197);
	int fd = UT_OK(open("f", O_RDWR));
	UT_EQ(read(fd, buf, 6), 6);
	UT_CHECK(memcmp(buf, "0123\0\0", 6) == 0);
	UT_EQ(pread(fd, big, sizeof(big), 5), sizeof(big));
	int zeros = 1;
	for (size_t i = 0; i < sizeof(big); i++)
		zeros &= big[i] == 0;
	UT_CHECK(zeros);
	UT_OK(ftruncate(fd, 2));
	UT_EQ(file_size("f"), 2);
	UT_EQ(read(fd, buf, 6), 0);
	UT_EQ(pread(fd, buf, 6, 0), 2);

	int ro = UT_OK(open("f", O_RDONLY));
	UT_ERR(ftruncate(ro, 0), EINVAL);
	UT_ERR(truncate("f", -1), EINVAL);
	UT_ERR(ftruncate(fd, -1), EINVAL);
	UT_ERR(truncate("d", 0), EISDIR);
	UT_ERR(truncate("missing", 0), ENOENT);
	UT_ERR(ftruncate(-1, 0), EBADF);
	UT_OK(pipe(p));
	UT_ERR(ftruncate(p[1], 0), EINVAL);
	UT_EQ(file_size("f"), 2);
}

UT_CASE(utimensat_basic, 10)
{
	struct stat st, before;
	struct timespec t[2] = { { 1000000000, 123456789 }, { 1500000000, 987654321 } };

	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	UT_OK(symlink("f", "l"));
	UT_OK(utimensat(AT_FDCWD, "f", t, 0));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_atim.tv_sec, 1000000000);
	UT_EQ(st.st_atim.tv_nsec, 123456789);
	UT_EQ(st.st_mtim.tv_sec, 1500000000);
	UT_EQ(st.st_mtim.tv_nsec, 987654321);

	struct timespec omit[2] = { { 0, UTIME_OMIT }, { 1600000000, 0 } };
	UT_OK(utimensat(AT_FDCWD, "f", omit, 0));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_atim.tv_sec, 1000000000);
	UT_EQ(st.st_mtim.tv_sec, 1600000000);

	long long now = time(NULL);
	struct timespec setnow[2] = { { 0, UTIME_NOW }, { 0, UTIME_OMIT } };
	UT_OK(utimensat(AT_FDCWD, "f", setnow, 0));
	UT_OK(stat("f", &st));
	UT_CHECK(st.st_atim.tv_sec >= now - 2 && st.st_atim.tv_sec <= now + 2);
	UT_EQ(st.st_mtim.tv_sec, 1600000000);
	UT_OK(utimensat(AT_FDCWD, "f", NULL, 0));
	UT_OK(stat("f", &st));
	UT_CHECK(st.st_mtim.tv_sec >= now - 2 && st.st_mtim.tv_sec <= now + 2);

	UT_OK(stat("f", &before));
	UT_OK(utimensat(AT_FDCWD, "l", t, AT_SYMLINK_NOFOLLOW));
	UT_OK(lstat("l", &st));
	UT_EQ(st.st_mtim.tv_sec, 1500000000);
	UT_OK(stat("f", &st));
	UT_EQ(st.st_mtim.tv_sec, before.st_mtim.tv_sec);

	int fd = UT_OK(open("f", O_RDONLY));
	UT_OK(futimens(fd, t));
	UT_OK(stat("f", &st));
	UT_EQ(st.st_mtim.tv_sec, 1500000000);
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	UT_ERR(utimensat(AT_FDCWD, "f", bad, 0), EINVAL);
	UT_ERR(utimensat(AT_FDCWD, "missing", t, 0), ENOENT);
	UT_ERR(syscall(SYS_utimensat, AT_FDCWD, "f", (void *)1, 0), EFAULT);
}

UT_CASE(ioctl_notty, 10)
{
	struct termios tio;
	struct winsize ws;
	int p[2];

	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	int fd = UT_OK(open("f", O_RDWR));
	int dfd = UT_OK(open(".", O_RDONLY | O_DIRECTORY));
	UT_OK(pipe(p));
	UT_ERR(ioctl(fd, TCGETS, &tio), ENOTTY);
	UT_ERR(ioctl(dfd, TCGETS, &tio), ENOTTY);
	UT_ERR(ioctl(p[0], TCGETS, &tio), ENOTTY);
	UT_ERR(ioctl(p[1], TIOCGWINSZ, &ws), ENOTTY);
	UT_ERR(ioctl(fd, TIOCGWINSZ, &ws), ENOTTY);
	UT_ERR(ioctl(-1, TCGETS, &tio), EBADF);
	UT_CHECK(!isatty(fd));
}

UT_CASE(name_too_long, 10)
{
	static char name[300], path[4200];
	struct stat st;

	ut_scratch();
	ut_write_file("f", "x", -1, 0644);
	memset(name, 'n', 255);
	name[255] = 0;
	UT_OK(close(UT_OK(open(name, O_WRONLY | O_CREAT, 0644))));
	UT_OK(stat(name, &st));
	UT_OK(unlink(name));
	name[255] = 'n';
	name[256] = 0;
	UT_ERR(open(name, O_WRONLY | O_CREAT, 0644), ENAMETOOLONG);
	UT_ERR(mkdir(name, 0755), ENAMETOOLONG);
	UT_ERR(stat(name, &st), ENAMETOOLONG);
	UT_ERR(symlink("f", name), ENAMETOOLONG);

	/* PATH_MAX (4096) counts the NUL: 4095 characters are fine. */
	size_t n = 0;
	while (n < 4094)
		n += (size_t)sprintf(path + n, "./");
	strcpy(path + n, "f");
	UT_EQ(strlen(path), 4095);
	UT_OK(stat(path, &st));
	strcpy(path + n, "/f");
	UT_EQ(strlen(path), 4096);
	UT_ERR(stat(path, &st), ENAMETOOLONG);
	UT_ERR(open(path, O_RDONLY), ENAMETOOLONG);
}

/* Every path-taking syscall answers each kind of bad pointer with EFAULT. */
UT_CASE(path_efault, 10)
{
	struct stat st;
	struct ut_statx sx;
	char buf[64];
	const char *what;

	ut_scratch();
	ut_write_file("f", "0123456789abcdef", -1, 0644);
	UT_OK(symlink("f", "l"));
	int fd = UT_OK(open("f", O_RDWR));
	for (int i = 0; i < UT_NBAD; i++) {
		void *bad = ut_bad_ptr(i, &what);
		int before = ut_failed;
		ut_failed = 0;
		UT_ERR(syscall(SYS_open, bad, O_RDONLY), EFAULT);
		UT_ERR(syscall(SYS_openat, AT_FDCWD, bad, O_RDONLY), EFAULT);
		UT_ERR(syscall(SYS_stat, bad, &st), EFAULT);
		UT_ERR(syscall(SYS_stat, "f", bad), EFAULT);
		UT_ERR(syscall(SYS_lstat, bad, &st), EFAULT);
		UT_ERR(syscall(SYS_fstat, fd, bad), EFAULT);
		UT_ERR(syscall(SYS_newfstatat, AT_FDCWD, bad, &st, 0), EFAULT);
		UT_ERR(syscall(SYS_statx, AT_FDCWD, bad, 0, UT_STATX_BASIC, &sx), EFAULT);
		UT_ERR(syscall(SYS_statx, AT_FDCWD, "f", 0, UT_STATX_BASIC, bad), EFAULT);
		UT_ERR(syscall(SYS_mkdir, bad, 0755), EFAULT);
		UT_ERR(syscall(SYS_rmdir, bad), EFAULT);
		UT_ERR(syscall(SYS_unlink, bad), EFAULT);
		UT_ERR(syscall(SYS_unlinkat, AT_FDCWD, bad, 0), EFAULT);
		UT_ERR(syscall(SYS_rename, bad, "x"), EFAULT);
		UT_ERR(syscall(SYS_rename, "f", bad), EFAULT);
		UT_ERR(syscall(SYS_link, bad, "x"), EFAULT);
		UT_ERR(syscall(SYS_link, "f", bad), EFAULT);
		UT_ERR(syscall(SYS_symlink, bad, "x"), EFAULT);
		UT_ERR(syscall(SYS_symlink, "f", bad), EFAULT);
		UT_ERR(syscall(SYS_readlink, bad, buf, sizeof(buf)), EFAULT);
		UT_ERR(syscall(SYS_readlink, "l", bad, sizeof(buf)), EFAULT);
		UT_ERR(syscall(SYS_chdir, bad), EFAULT);
		UT_ERR(syscall(SYS_access, bad, F_OK), EFAULT);
		UT_ERR(syscall(SYS_faccessat, AT_FDCWD, bad, F_OK), EFAULT);
		UT_ERR(syscall(SYS_chmod, bad, 0644), EFAULT);
		UT_ERR(syscall(SYS_chown, bad, 0, 0), EFAULT);
		UT_ERR(syscall(SYS_truncate, bad, 0), EFAULT);
		UT_ERR(syscall(SYS_getcwd, bad, sizeof(buf) * 64), EFAULT);
		UT_ERR(syscall(SYS_read, fd, bad, 8), EFAULT);
		UT_ERR(syscall(SYS_write, fd, bad, 8), EFAULT);
		UT_ERR(syscall(SYS_pread64, fd, bad, 8, 0), EFAULT);
		UT_ERR(syscall(SYS_pwrite64, fd, bad, 8, 0), EFAULT);
		if (ut_failed)
			UT_NOTE("  (the failures above were with the %s pointer)\n", what);
		ut_failed |= before;
	}
	UT_EQ(file_size("f"), 16);
	UT_ERR(access("x", F_OK), ENOENT);
}

UT_CASE(many_files, 30)
{
	char name[32], buf[32];
	int n, seen[1] = { 0 };

	ut_scratch();
	UT_OK(mkdir("d", 0755));
	for (int i = 0; i < 300; i++) {
		u_fmt(name, sizeof(name), "d/n%d", i);
		u_fmt(buf, sizeof(buf), "%d", i * 3);
		if (ut_write_file(name, buf, -1, 0644) != 0)
			return;
	}
	int dfd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	read_dir(dfd, 4096, (const char *const[]){ "n299" }, NULL, 1, seen, &n);
	UT_EQ(n, 302);
	UT_EQ(seen[0], 1);
	UT_OK(close(dfd));
	for (int i = 0; i < 300; i++) {
		u_fmt(name, sizeof(name), "d/n%d", i);
		int fd = open(name, O_RDONLY);
		long got = fd < 0 ? -1 : ut_read_all(fd, buf, sizeof(buf));
		if (!UT_CHECK(got > 0 && atoi(buf) == i * 3))
			break;
		close(fd);
		UT_OK(unlink(name));
	}
	dfd = UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	read_dir(dfd, 4096, (const char *const[]){ "n1" }, NULL, 1, seen, &n);
	UT_EQ(n, 2);
	UT_OK(close(dfd));
	UT_OK(rmdir("d"));
}

UT_CASE(large_file, 60)
{
	static unsigned char buf[65536];
	const long size = 4l << 20;

	ut_scratch();
	int fd = UT_OK(open("big", O_RDWR | O_CREAT, 0644));
	for (long off = 0; off < size; off += (long)sizeof(buf)) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = pat(off + (long)i);
		if (!UT_EQ(write(fd, buf, sizeof(buf)), sizeof(buf)))
			return;
	}
	UT_EQ(file_size("big"), size);
	UT_EQ(lseek(fd, 0, SEEK_SET), 0);
	long off = 0, bad = -1;
	for (;;) {
		ssize_t n = read(fd, buf, 4093);
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n && bad < 0; i++)
			if (buf[i] != pat(off + i))
				bad = off + i;
		off += n;
	}
	UT_EQ(off, size);
	UT_EQ(bad, -1);
	for (long at = 12345; at < size; at += 777777) {
		UT_EQ(pread(fd, buf, 3, at), 3);
		UT_CHECK(buf[0] == pat(at) && buf[2] == pat(at + 2));
	}
	UT_OK(close(fd));
	UT_OK(unlink("big"));
}

UT_MAIN()

/* test_fs_path.c: path walking, directory operations and their errnos,
 * through the syscalls, on the host (ramfs, mounts, symlinks, procfs,
 * devices). Expected values are Linux's. */
#include "fs_shims.h"
#include "htest.h"

static long xopen(const char *p, int flags, uint32_t mode)
{
	return sys_open(U(p), flags, mode);
}

static long xmkdir(const char *p)
{
	return sys_mkdir(U(p), 0755);
}

static long xwrite(int fd, const char *s)
{
	return sys_write(fd, U(s), strlen(s));
}

/* Create path with content s. */
static void put_file(const char *path, const char *s)
{
	long fd = xopen(path, O_CREAT | O_WRONLY | O_TRUNC, 0644);

	HCHECK(fd >= 0);
	HCHECK(xwrite((int)fd, s) == (long)strlen(s));
	HCHECK(sys_close((int)fd) == 0);
}

/* Read the whole of path into buf (NUL-terminated); the length or -errno. */
static long get_file(const char *path, char *buf, size_t size)
{
	long fd = xopen(path, O_RDONLY, 0), n, total = 0;

	if (fd < 0)
		return fd;
	while ((n = sys_read((int)fd, U(buf + total), size - 1 - (size_t)total)) > 0)
		total += n;
	buf[total] = 0;
	sys_close((int)fd);
	return n < 0 ? n : total;
}

static struct linux_stat st_of(const char *path, bool follow, long *err)
{
	struct linux_stat st;

	memset(&st, 0xff, sizeof(st));
	*err = follow ? sys_stat(U(path), U(&st)) : sys_lstat(U(path), U(&st));
	return st;
}

HTEST(mkdir_rmdir_errnos)
{
	long err;

	host_fs_setup();
	HCHECK(xmkdir("/t1") == 0);
	HCHECK(xmkdir("/t1") == -EEXIST);
	HCHECK(xmkdir("/t1/a/b") == -ENOENT);
	HCHECK(xmkdir("/t1/a/") == 0); /* trailing slash is fine for mkdir */
	HCHECK(st_of("/t1", true, &err).st_nlink == 3 && err == 0);
	put_file("/t1/f", "x");
	HCHECK(xmkdir("/t1/f/x") == -ENOTDIR);
	HCHECK(sys_rmdir(U("/t1/f")) == -ENOTDIR);
	HCHECK(sys_unlink(U("/t1/a")) == -EISDIR);
	HCHECK(sys_rmdir(U("/t1")) == -ENOTEMPTY);
	HCHECK(sys_rmdir(U("/t1/a/.")) == -EINVAL);
	HCHECK(sys_rmdir(U("/t1/a/..")) == -ENOTEMPTY);
	HCHECK(sys_rmdir(U("/")) == -EBUSY);
	HCHECK(sys_rmdir(U("/proc")) == -EBUSY);
	HCHECK(sys_unlink(U("/t1/f/")) == -ENOTDIR);
	HCHECK(sys_mkdir(U("/"), 0755) == -EEXIST);
	HCHECK(sys_rmdir(U("/t1/a")) == 0);
	HCHECK(st_of("/t1", true, &err).st_nlink == 2);
	HCHECK(sys_unlink(U("/t1/f")) == 0);
	HCHECK(sys_rmdir(U("/t1")) == 0);
	HCHECK(sys_rmdir(U("/t1")) == -ENOENT);
	HCHECK(sys_mkdir(U(""), 0755) == -ENOENT);
	HCHECK(sys_mkdir(HOST_BAD_PTR, 0755) == -EFAULT);
}

HTEST(open_create_rules)
{
	char buf[64];
	long fd;

	host_fs_setup();
	xmkdir("/t2");
	HCHECK(xopen("/t2/nope", O_RDONLY, 0) == -ENOENT);
	fd = xopen("/t2/f", O_CREAT | O_EXCL | O_RDWR, 0600);
	HCHECK(fd >= 0);
	HCHECK(xopen("/t2/f", O_CREAT | O_EXCL | O_RDWR, 0600) == -EEXIST);
	HCHECK(xwrite((int)fd, "hello world") == 11);
	HCHECK(sys_lseek((int)fd, 6, SEEK_SET) == 6);
	HCHECK(sys_read((int)fd, U(buf), 5) == 5 && !memcmp(buf, "world", 5));
	HCHECK(sys_read((int)fd, U(buf), 5) == 0);
	HCHECK(sys_lseek((int)fd, -1, SEEK_SET) == -EINVAL);
	HCHECK(sys_lseek((int)fd, 0, 7) == -EINVAL);
	HCHECK(sys_lseek((int)fd, 0, SEEK_END) == 11);
	HCHECK(sys_read((int)fd, HOST_BAD_PTR, 0) == 0);
	sys_lseek((int)fd, 0, SEEK_SET);
	HCHECK(sys_read((int)fd, HOST_BAD_PTR, 4) == -EFAULT);
	sys_close((int)fd);
	HCHECK(xopen("/t2", O_WRONLY, 0) == -EISDIR);
	HCHECK(xopen("/t2", O_CREAT | O_RDONLY, 0644) == -EISDIR);
	HCHECK(xopen("/t2/f", O_RDONLY | O_DIRECTORY, 0) == -ENOTDIR);
	HCHECK(xopen("/t2/g/", O_CREAT | O_RDWR, 0644) == -EISDIR);
	HCHECK(xopen("/t2/h", O_CREAT | O_DIRECTORY | O_RDONLY, 0644) == -EINVAL);
	HCHECK(xopen("/t2/f/", O_RDONLY, 0) == -ENOTDIR);
	fd = xopen("/t2", O_RDONLY, 0);
	HCHECK(sys_read((int)fd, U(buf), 1) == -EISDIR);
	HCHECK(sys_write((int)fd, U(buf), 1) == -EBADF);
	sys_close((int)fd);
	/* O_APPEND and O_TRUNC */
	fd = xopen("/t2/f", O_WRONLY | O_APPEND, 0);
	sys_lseek((int)fd, 0, SEEK_SET);
	xwrite((int)fd, "!");
	sys_close((int)fd);
	HCHECK(get_file("/t2/f", buf, sizeof(buf)) == 12 && !strcmp(buf, "hello world!"));
	fd = xopen("/t2/f", O_WRONLY | O_TRUNC, 0);
	sys_close((int)fd);
	HCHECK(get_file("/t2/f", buf, sizeof(buf)) == 0);
	/* umask applies to the creation mode */
	sys_umask(077);
	fd = xopen("/t2/m", O_CREAT | O_WRONLY, 0666);
	sys_close((int)fd);
	long err;
	HCHECK((st_of("/t2/m", true, &err).st_mode & 07777) == 0600);
	HCHECK(sys_umask(022) == 077);
}

HTEST(symlinks)
{
	char buf[PATH_MAX], name[32];
	long err, fd;

	host_fs_setup();
	xmkdir("/t3");
	xmkdir("/t3/d");
	put_file("/t3/d/f", "data");
	HCHECK(sys_symlink(U("d/f"), U("/t3/rel")) == 0);
	HCHECK(sys_symlink(U("/t3/d"), U("/t3/abs")) == 0);
	HCHECK(sys_symlink(U("nowhere"), U("/t3/dangling")) == 0);
	HCHECK(sys_symlink(U("x"), U("/t3/rel")) == -EEXIST);
	HCHECK(sys_symlink(U(""), U("/t3/empty")) == -ENOENT);
	HCHECK(get_file("/t3/rel", buf, sizeof(buf)) == 4 && !strcmp(buf, "data"));
	HCHECK(get_file("/t3/abs/f", buf, sizeof(buf)) == 4);
	HCHECK(S_ISLNK(st_of("/t3/abs", false, &err).st_mode));
	HCHECK(S_ISDIR(st_of("/t3/abs", true, &err).st_mode));
	HCHECK(S_ISDIR(st_of("/t3/abs/", false, &err).st_mode)); /* slash follows */
	HCHECK(sys_readlink(U("/t3/rel"), U(buf), sizeof(buf)) == 3 && !memcmp(buf, "d/f", 3));
	HCHECK(sys_readlink(U("/t3/rel"), U(buf), 2) == 2);
	HCHECK(sys_readlink(U("/t3/d"), U(buf), sizeof(buf)) == -EINVAL);
	HCHECK(sys_readlink(U("/t3/rel"), U(buf), 0) == -EINVAL);
	HCHECK(st_of("/t3/dangling", true, &err).st_ino && err == -ENOENT);
	HCHECK(xopen("/t3/rel", O_RDONLY | O_NOFOLLOW, 0) == -ELOOP);
	fd = xopen("/t3/rel", O_PATH | O_NOFOLLOW, 0);
	HCHECK(fd >= 0);
	HCHECK(sys_readlinkat((int)fd, U(""), U(buf), sizeof(buf)) == 3);
	HCHECK(sys_read((int)fd, U(buf), 1) == -EBADF);
	sys_close((int)fd);
	/* O_CREAT through a dangling link creates its target; O_EXCL does not */
	HCHECK(xopen("/t3/dangling", O_CREAT | O_EXCL | O_WRONLY, 0644) == -EEXIST);
	fd = xopen("/t3/dangling", O_CREAT | O_WRONLY, 0644);
	HCHECK(fd >= 0);
	sys_close((int)fd);
	HCHECK(S_ISREG(st_of("/t3/nowhere", false, &err).st_mode) && err == 0);
	/* loops and the 40-link limit */
	sys_symlink(U("loop2"), U("/t3/loop1"));
	sys_symlink(U("loop1"), U("/t3/loop2"));
	HCHECK(xopen("/t3/loop1", O_RDONLY, 0) == -ELOOP);
	HCHECK(S_ISLNK(st_of("/t3/loop1", false, &err).st_mode));
	sys_symlink(U("d/f"), U("/t3/c0"));
	for (int i = 1; i <= 41; i++) {
		char target[32];

		snprintf(target, sizeof(target), "c%d", i - 1);
		snprintf(name, sizeof(name), "/t3/c%d", i);
		HCHECK(sys_symlink(U(target), U(name)) == 0);
	}
	HCHECK(get_file("/t3/c39", buf, sizeof(buf)) == 4); /* 40 links */
	HCHECK(get_file("/t3/c40", buf, sizeof(buf)) == -ELOOP); /* 41 */
	/* a link to a file, used as a directory */
	HCHECK(xopen("/t3/rel/x", O_RDONLY, 0) == -ENOTDIR);
	HCHECK(st_of("/t3/rel/", false, &err).st_ino && err == -ENOTDIR);
}

HTEST(name_limits)
{
	char *path = malloc(PATH_MAX + 2);
	char comp[300];

	host_fs_setup();
	memset(comp, 'a', 256);
	comp[0] = '/';
	comp[256] = 0; /* "/" + 255 a's: a legal name */
	HCHECK(xmkdir(comp) == 0);
	HCHECK(sys_rmdir(U(comp)) == 0);
	comp[256] = 'a';
	comp[257] = 0; /* 256 a's */
	HCHECK(xmkdir(comp) == -ENAMETOOLONG);
	HCHECK(xopen(comp, O_RDONLY, 0) == -ENAMETOOLONG);
	memset(path, '/', PATH_MAX + 1);
	path[PATH_MAX + 1] = 0;
	HCHECK(xopen(path, O_RDONLY, 0) == -ENAMETOOLONG);
	path[PATH_MAX - 1] = 0; /* 4095 slashes + NUL fits */
	long fd = xopen(path, O_RDONLY, 0);
	HCHECK(fd >= 0);
	sys_close((int)fd);
	free(path);
}

HTEST(dotdot_and_mounts)
{
	struct linux_stat a, b;
	long e1, e2;

	host_fs_setup();
	a = st_of("/", true, &e1);
	b = st_of("/..", true, &e2);
	HCHECK(!e1 && !e2 && a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	b = st_of("/proc/..", true, &e2);
	HCHECK(!e2 && a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	b = st_of("/dev/../proc/../.", true, &e2);
	HCHECK(!e2 && a.st_ino == b.st_ino);
	a = st_of("/proc", true, &e1);
	b = st_of("/", true, &e2);
	HCHECK(a.st_dev != b.st_dev);
	/* a tmpfs mount: busy while used, then gone */
	xmkdir("/t4");
	HCHECK(sys_mount(U("none"), U("/t4"), U("tmpfs"), 0, 0) == 0);
	HCHECK(sys_mount(U("none"), U("/t4"), U("nosuchfs"), 0, 0) == -ENODEV);
	put_file("/t4/f", "x");
	HCHECK(sys_rename(U("/t4/f"), U("/t4g")) == -EXDEV);
	HCHECK(sys_link(U("/t4/f"), U("/t4g")) == -EXDEV);
	long fd = xopen("/t4/f", O_RDONLY, 0);
	HCHECK(sys_umount2(U("/t4"), 0) == -EBUSY);
	sys_close((int)fd);
	HCHECK(sys_umount2(U("/t4/f"), 0) == -EINVAL);
	HCHECK(sys_umount2(U("/t4"), 0) == 0);
	HCHECK(xopen("/t4/f", O_RDONLY, 0) == -ENOENT);
	HCHECK(sys_rmdir(U("/t4")) == 0);
	host_task.cred.fsuid = 1000;
	HCHECK(sys_mount(U("none"), U("/tmp"), U("tmpfs"), 0, 0) == -EPERM);
}

HTEST(rename_rules)
{
	char buf[32];
	long err;

	host_fs_setup();
	xmkdir("/t5");
	xmkdir("/t5/d1");
	xmkdir("/t5/d2");
	xmkdir("/t5/full");
	put_file("/t5/full/x", "");
	put_file("/t5/a", "A");
	put_file("/t5/b", "B");
	HCHECK(sys_rename(U("/t5/a"), U("/t5/b")) == 0);
	HCHECK(get_file("/t5/b", buf, sizeof(buf)) == 1 && buf[0] == 'A');
	HCHECK(st_of("/t5/a", true, &err).st_ino && err == -ENOENT);
	HCHECK(sys_rename(U("/t5/b"), U("/t5/d1")) == -EISDIR);
	HCHECK(sys_rename(U("/t5/d1"), U("/t5/b")) == -ENOTDIR);
	HCHECK(sys_rename(U("/t5/d1"), U("/t5/full")) == -ENOTEMPTY);
	HCHECK(sys_rename(U("/t5/d1"), U("/t5/d1/sub")) == -EINVAL);
	HCHECK(sys_rename(U("/t5/d1"), U("/t5/d2")) == 0);
	HCHECK(sys_rename(U("/t5/."), U("/t5/z")) == -EBUSY);
	HCHECK(sys_rename(U("/t5/b/"), U("/t5/c")) == -ENOTDIR);
	HCHECK(sys_renameat2(AT_FDCWD, U("/t5/b"), AT_FDCWD, U("/t5/full/x"), 1) == -EEXIST);
	HCHECK(sys_renameat2(AT_FDCWD, U("/t5/b"), AT_FDCWD, U("/t5/full/x"), 8) == -EINVAL);
	HCHECK(sys_rename(U("/t5/nope"), U("/t5/c")) == -ENOENT);
	/* moving a directory updates both parents' link counts */
	HCHECK(sys_rename(U("/t5/d2"), U("/t5/full/d")) == 0);
	HCHECK(st_of("/t5/full", true, &err).st_nlink == 3);
	HCHECK(st_of("/t5", true, &err).st_nlink == 3); /* ".", "..", full */
	/* two names of one inode: no-op */
	sys_link(U("/t5/b"), U("/t5/b2"));
	HCHECK(sys_rename(U("/t5/b"), U("/t5/b2")) == 0);
	HCHECK(st_of("/t5/b", true, &err).st_nlink == 2);
}

HTEST(links_and_unlink_open)
{
	char buf[32];
	long err, fd;

	host_fs_setup();
	xmkdir("/t6");
	put_file("/t6/f", "abc");
	HCHECK(sys_link(U("/t6/f"), U("/t6/g")) == 0);
	HCHECK(sys_link(U("/t6/f"), U("/t6/g")) == -EEXIST);
	HCHECK(sys_link(U("/t6"), U("/t6/dirlink")) == -EPERM);
	HCHECK(st_of("/t6/f", true, &err).st_nlink == 2);
	HCHECK(st_of("/t6/f", true, &err).st_ino == st_of("/t6/g", true, &err).st_ino);
	fd = xopen("/t6/f", O_RDONLY, 0);
	HCHECK(sys_unlink(U("/t6/f")) == 0);
	HCHECK(sys_unlink(U("/t6/g")) == 0);
	HCHECK(sys_read((int)fd, U(buf), sizeof(buf)) == 3); /* still readable */
	struct linux_stat st;
	HCHECK(sys_fstat((int)fd, U(&st)) == 0 && st.st_nlink == 0);
	sys_close((int)fd);
	HCHECK(sys_unlinkat(AT_FDCWD, U("/t6"), 0x100) == -EINVAL);
	HCHECK(sys_unlinkat(AT_FDCWD, U("/t6"), AT_REMOVEDIR) == 0);
}

HTEST(cwd_and_getcwd)
{
	char buf[PATH_MAX];
	long fd;

	host_fs_setup();
	xmkdir("/t7");
	xmkdir("/t7/sub");
	sys_symlink(U("/t7/sub"), U("/t7/ln"));
	HCHECK(sys_chdir(U("/t7/ln")) == 0);
	HCHECK(sys_getcwd(U(buf), sizeof(buf)) == 8 && !strcmp(buf, "/t7/sub"));
	HCHECK(sys_getcwd(U(buf), 5) == -ERANGE);
	put_file("rel", "r");
	HCHECK(get_file("/t7/sub/rel", buf, sizeof(buf)) == 1);
	HCHECK(sys_chdir(U("..")) == 0);
	HCHECK(sys_getcwd(U(buf), sizeof(buf)) == 4 && !strcmp(buf, "/t7"));
	HCHECK(sys_chdir(U("sub/rel")) == -ENOTDIR);
	fd = xopen("/t7/sub", O_RDONLY | O_DIRECTORY, 0);
	HCHECK(sys_fchdir((int)fd) == 0);
	HCHECK(sys_mkdirat((int)fd, U("x"), 0700) == 0);
	HCHECK(sys_openat((int)fd, U("rel"), O_RDONLY, 0) >= 0);
	HCHECK(sys_getcwd(U(buf), sizeof(buf)) > 0 && !strcmp(buf, "/t7/sub"));
	long ffd = xopen("/t7/sub/rel", O_RDONLY, 0);
	HCHECK(sys_openat((int)ffd, U("x"), O_RDONLY, 0) == -ENOTDIR);
	HCHECK(sys_openat(999, U("x"), O_RDONLY, 0) == -EBADF);
	HCHECK(sys_openat(999, U("/t7"), O_RDONLY, 0) >= 0); /* absolute: dirfd unused */
	sys_chdir(U("x"));
	sys_rmdir(U("/t7/sub/x"));
	HCHECK(sys_getcwd(U(buf), sizeof(buf)) == -ENOENT);
	HCHECK(xopen("newfile", O_CREAT | O_RDWR, 0644) == -ENOENT);
	sys_chdir(U("/"));
	HCHECK(sys_getcwd(U(buf), sizeof(buf)) == 2 && !strcmp(buf, "/"));
}

struct dent {
	uint64_t ino;
	int64_t off;
	uint16_t reclen;
	uint8_t type;
	char name[];
};

HTEST(getdents64_format)
{
	char buf[4096];
	long fd, n;
	int seen = 0;

	host_fs_setup();
	xmkdir("/t8");
	put_file("/t8/file", "");
	xmkdir("/t8/dir");
	sys_symlink(U("file"), U("/t8/link"));
	fd = xopen("/t8", O_RDONLY | O_DIRECTORY, 0);
	HCHECK(sys_getdents64((int)fd, U(buf), 10) == -EINVAL);
	n = sys_getdents64((int)fd, U(buf), sizeof(buf));
	HCHECK(n > 0);
	for (long off = 0; off < n;) {
		struct dent *d = (struct dent *)(buf + off);

		HCHECK(d->reclen % 8 == 0 && d->reclen >= 19 + strlen(d->name) + 1);
		if (!strcmp(d->name, "file")) {
			seen |= 1;
			HCHECK(d->type == DT_REG);
		}
		if (!strcmp(d->name, "dir")) {
			seen |= 2;
			HCHECK(d->type == DT_DIR);
		}
		if (!strcmp(d->name, "link")) {
			seen |= 4;
			HCHECK(d->type == DT_LNK);
		}
		if (!strcmp(d->name, ".") || !strcmp(d->name, ".."))
			seen |= 8;
		off += d->reclen;
	}
	HCHECK(seen == 15);
	HCHECK(sys_getdents64((int)fd, U(buf), sizeof(buf)) == 0);
	/* resume from a d_off in the middle */
	HCHECK(sys_lseek((int)fd, 2, SEEK_SET) == 2);
	n = sys_getdents64((int)fd, U(buf), sizeof(buf));
	HCHECK(n > 0 && !strcmp(((struct dent *)buf)->name, "file"));
	sys_close((int)fd);
	fd = xopen("/t8/file", O_RDONLY, 0);
	HCHECK(sys_getdents64((int)fd, U(buf), sizeof(buf)) == -ENOTDIR);
	HCHECK(sys_getdents64(99, U(buf), sizeof(buf)) == -EBADF);
}

HTEST(permissions)
{
	long fd, err;

	host_fs_setup();
	xmkdir("/t9");
	put_file("/t9/secret", "s");
	sys_chmod(U("/t9/secret"), 0600);
	put_file("/t9/script", "#!");
	sys_chmod(U("/t9/script"), 0644);
	HCHECK(sys_access(U("/t9/script"), 1) == -EACCES); /* root, no x bit */
	HCHECK(sys_access(U("/t9/secret"), 4 | 2) == 0);
	xmkdir("/t9/sticky");
	sys_chmod(U("/t9/sticky"), 01777);
	put_file("/t9/sticky/rootfile", "");
	host_task.cred = (struct cred){ .uid = 1000, .euid = 1000, .suid = 1000, .fsuid = 1000,
					.gid = 1000, .egid = 1000, .sgid = 1000, .fsgid = 1000 };
	HCHECK(xopen("/t9/secret", O_RDONLY, 0) == -EACCES);
	HCHECK(xopen("/t9/new", O_CREAT | O_WRONLY, 0644) == -EACCES);
	HCHECK(sys_access(U("/t9/secret"), 4) == -EACCES);
	HCHECK(sys_access(U("/t9/script"), 4) == 0);
	HCHECK(sys_access(U("/t9/script"), 8) == -EINVAL);
	HCHECK(sys_chmod(U("/t9/script"), 0777) == -EPERM);
	HCHECK(sys_chown(U("/t9/script"), 1000, -1) == -EPERM);
	HCHECK(sys_unlink(U("/t9/script")) == -EACCES);
	fd = xopen("/t9/sticky/mine", O_CREAT | O_WRONLY, 0644);
	HCHECK(fd >= 0);
	sys_close((int)fd);
	HCHECK(st_of("/t9/sticky/mine", true, &err).st_uid == 1000);
	HCHECK(sys_unlink(U("/t9/sticky/rootfile")) == -EPERM);
	HCHECK(sys_unlink(U("/t9/sticky/mine")) == 0);
	HCHECK(sys_utimensat(AT_FDCWD, U("/t9/script"), 0, 0) == -EACCES);
	host_task.cred = (struct cred){ 0 };
	HCHECK(sys_chown(U("/t9/script"), 1000, 1000) == 0);
	HCHECK(st_of("/t9/script", true, &err).st_uid == 1000);
}

HTEST(truncate_and_holes)
{
	char buf[10000];
	long fd, err;
	struct linux_stat st;

	host_fs_setup();
	xmkdir("/t10");
	fd = xopen("/t10/f", O_CREAT | O_RDWR, 0644);
	HCHECK(sys_pwrite64((int)fd, U("end"), 3, 8192) == 3);
	HCHECK(sys_fstat((int)fd, U(&st)) == 0 && st.st_size == 8195 && st.st_blocks == 8);
	memset(buf, 'x', sizeof(buf));
	HCHECK(sys_pread64((int)fd, U(buf), sizeof(buf), 0) == 8195);
	HCHECK(buf[0] == 0 && buf[8191] == 0 && !memcmp(buf + 8192, "end", 3));
	HCHECK(sys_pread64((int)fd, U(buf), 1, -1) == -EINVAL);
	HCHECK(sys_ftruncate((int)fd, 8193) == 0);
	HCHECK(sys_ftruncate((int)fd, 20000) == 0);
	HCHECK(sys_pread64((int)fd, U(buf), 3, 8192) == 3 && buf[0] == 'e' && buf[1] == 0);
	HCHECK(sys_ftruncate((int)fd, -1) == -EINVAL);
	HCHECK(sys_truncate(U("/t10/f"), 0) == 0);
	HCHECK(sys_fstat((int)fd, U(&st)) == 0 && st.st_size == 0 && st.st_blocks == 0);
	HCHECK(sys_truncate(U("/t10"), 0) == -EISDIR);
	sys_close((int)fd);
	fd = xopen("/t10/f", O_RDONLY, 0);
	HCHECK(sys_ftruncate((int)fd, 5) == -EINVAL);
	sys_close((int)fd);
	(void)err;
}

HTEST(timestamps)
{
	struct ktimespec ts[2] = { { 100, 5 }, { 200, UTIME_OMIT } };
	struct linux_stat st, st2;
	long err, fd;

	host_fs_setup();
	xmkdir("/t11");
	put_file("/t11/f", "a");
	st = st_of("/t11/f", true, &err);
	host_now_ns += 5000000000ULL;
	fd = xopen("/t11/f", O_WRONLY, 0);
	xwrite((int)fd, "b");
	sys_close((int)fd);
	st2 = st_of("/t11/f", true, &err);
	HCHECK(st2.st_mtime_sec == st.st_mtime_sec + 5 && st2.st_ctime_sec == st2.st_mtime_sec);
	HCHECK(sys_utimensat(AT_FDCWD, U("/t11/f"), U(ts), 0) == 0);
	st = st_of("/t11/f", true, &err);
	HCHECK(st.st_atime_sec == 100 && st.st_atime_nsec == 5 && st.st_mtime_sec == st2.st_mtime_sec);
	ts[1].nsec = 1000000000;
	HCHECK(sys_utimensat(AT_FDCWD, U("/t11/f"), U(ts), 0) == -EINVAL);
	HCHECK(sys_utimensat(AT_FDCWD, U("/t11/f"), 0, 0x4000) == -EINVAL);
	/* creating an entry updates the directory's mtime */
	st = st_of("/t11", true, &err);
	host_now_ns += 2000000000ULL;
	put_file("/t11/g", "");
	st2 = st_of("/t11", true, &err);
	HCHECK(st2.st_mtime_sec == (int64_t)(clock_realtime_ns() / 1000000000));
	HCHECK(st2.st_mtime_sec > st.st_mtime_sec && st2.st_ctime_sec == st2.st_mtime_sec);
}

HTEST(proc_and_dev)
{
	char buf[4096];
	long fd;

	host_fs_setup();
	HCHECK(get_file("/proc/meminfo", buf, sizeof(buf)) > 0);
	HCHECK(strstr(buf, "MemTotal:           4096 kB\n") != NULL);
	HCHECK(strstr(buf, "CowShared:            12 kB\n") != NULL);
	HCHECK(get_file("/proc/mounts", buf, sizeof(buf)) > 0);
	HCHECK(strstr(buf, "devtmpfs /dev devtmpfs") && strstr(buf, "proc /proc proc"));
	HCHECK(get_file("/proc/uptime", buf, sizeof(buf)) > 0 && strchr(buf, '.'));
	HCHECK(sys_readlink(U("/proc/self"), U(buf), sizeof(buf)) == 2 && !memcmp(buf, "42", 2));
	HCHECK(xopen("/proc/meminfo", O_WRONLY, 0) == -EACCES);
	HCHECK(xopen("/proc/nosuch", O_RDONLY, 0) == -ENOENT);
	/* devices */
	fd = xopen("/dev/null", O_RDWR, 0);
	HCHECK(fd >= 0 && sys_read((int)fd, U(buf), 10) == 0 && xwrite((int)fd, "abc") == 3);
	sys_close((int)fd);
	fd = xopen("/dev/zero", O_RDONLY, 0);
	memset(buf, 1, 600);
	HCHECK(sys_read((int)fd, U(buf), 600) == 600 && buf[0] == 0 && buf[599] == 0);
	sys_close((int)fd);
	fd = xopen("/dev/full", O_WRONLY, 0);
	HCHECK(xwrite((int)fd, "x") == -ENOSPC);
	sys_close((int)fd);
	fd = xopen("/dev/urandom", O_RDONLY, 0);
	memset(buf, 0, 64);
	HCHECK(sys_read((int)fd, U(buf), 64) == 64);
	int nz = 0;
	for (int i = 0; i < 64; i++)
		nz += buf[i] != 0;
	HCHECK(nz > 40);
	sys_close((int)fd);
	struct linux_stat st;
	long err;
	st = st_of("/dev/null", true, &err);
	HCHECK(S_ISCHR(st.st_mode) && st.st_rdev == ((1 << 8) | 3));
	/* a node with no driver */
	HCHECK(sys_mknod(U("/dev/nodrv"), S_IFCHR | 0600, (99 << 8) | 1) == 0);
	HCHECK(xopen("/dev/nodrv", O_RDONLY, 0) == -ENXIO);
	/* /proc/<pid> without a process layer: no such directory */
	HCHECK(xopen("/proc/1/status", O_RDONLY, 0) == -ENOENT);
}

HTEST(efault_everywhere)
{
	struct linux_stat st;

	host_fs_setup();
	HCHECK(sys_stat(HOST_BAD_PTR, U(&st)) == -EFAULT);
	HCHECK(sys_stat(U("/"), HOST_BAD_PTR) == -EFAULT);
	HCHECK(sys_open(HOST_BAD_PTR, O_RDONLY, 0) == -EFAULT);
	HCHECK(sys_getcwd(HOST_BAD_PTR, 100) == -EFAULT);
	HCHECK(sys_pipe(HOST_BAD_PTR) == -EFAULT);
	HCHECK(sys_rename(U("/x"), HOST_BAD_PTR) == -EFAULT);
	HCHECK(sys_readlink(U("/proc/self"), HOST_BAD_PTR, 10) == -EFAULT);
	HCHECK(sys_statx(AT_FDCWD, U("/"), 0, 0x7ff, HOST_BAD_PTR) == -EFAULT);
	HCHECK(sys_utimensat(AT_FDCWD, U("/"), HOST_BAD_PTR, 0) == -EFAULT);
	HCHECK(sys_poll(HOST_BAD_PTR, 1, 0) == -EFAULT);
	HCHECK(host_task.files->fd == NULL || host_task.files->fd[0] == NULL); /* no leaks */
}

HTEST(statx_and_fstatat)
{
	struct linux_statx stx;
	struct linux_stat st;
	long fd;

	host_fs_setup();
	put_file("/t12", "12345");
	HCHECK(sys_statx(AT_FDCWD, U("/t12"), 0, 0x7ff, U(&stx)) == 0);
	HCHECK(stx.stx_size == 5 && S_ISREG(stx.stx_mode) && stx.stx_mask == 0x7ff);
	HCHECK(sys_statx(AT_FDCWD, U("/t12"), 0x6000, 0x7ff, U(&stx)) == -EINVAL);
	HCHECK(sys_statx(AT_FDCWD, U("/t12"), 0, 0x80000000, U(&stx)) == -EINVAL);
	fd = xopen("/t12", O_RDONLY, 0);
	HCHECK(sys_newfstatat((int)fd, U(""), U(&st), 0) == -ENOENT);
	HCHECK(sys_newfstatat((int)fd, U(""), U(&st), AT_EMPTY_PATH) == 0 && st.st_size == 5);
	HCHECK(sys_newfstatat((int)fd, U("x"), U(&st), 0) == -ENOTDIR);
	HCHECK(sys_newfstatat(AT_FDCWD, U("/t12"), U(&st), 0x1) == -EINVAL);
	HCHECK(sys_statx((int)fd, 0, AT_EMPTY_PATH, 0x7ff, U(&stx)) == 0);
	sys_close((int)fd);
	struct linux_statfs sfs;
	HCHECK(sys_statfs(U("/proc"), U(&sfs)) == 0 && sfs.f_type == PROC_SUPER_MAGIC);
	HCHECK(sys_statfs(U("/"), U(&sfs)) == 0 && sfs.f_type == RAMFS_MAGIC);
}

HTEST_MAIN()

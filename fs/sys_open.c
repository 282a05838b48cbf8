/* sys_open.c: open, openat, creat, close, mknod, mknodat. */
#include "fs/fs_internal.h"
#include "fs/syscalls.h"
#include "kernel/errno.h"
#include "mm/kheap.h"

#define VALID_OPEN_FLAGS                                                                           \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |     \
	 O_ASYNC | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC |     \
	 O_SYNC | O_PATH | O_TMPFILE)

long sys_openat(int dirfd, uintptr_t upath, int flags, uint32_t mode)
{
	struct fdtable *t = cur_fdtable();
	struct file *f;
	char *path;
	int err, fd;

	flags &= VALID_OPEN_FLAGS; /* Linux ignores unknown bits in open(2) */
	if ((err = path_from_user(upath, false, &path)))
		return err;
	err = vfs_open_at(dirfd, path, flags, mode, &f);
	kfree(path);
	if (err)
		return err;
	fd = fd_install(t, f, 0, (flags & O_CLOEXEC) != 0);
	if (fd < 0)
		file_unref(f);
	return fd;
}

long sys_open(uintptr_t path, int flags, uint32_t mode)
{
	return sys_openat(AT_FDCWD, path, flags, mode);
}

long sys_creat(uintptr_t path, uint32_t mode)
{
	return sys_openat(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode);
}

long sys_close(int fd)
{
	return fd_close(cur_fdtable(), fd);
}

/* mknod: regular files, FIFOs and device nodes (devices need root). The
 * user's dev_t is in the Linux "new" encoding. */
long sys_mknodat(int dirfd, uintptr_t upath, uint32_t mode, uint32_t dev)
{
	uint32_t type = mode & S_IFMT, umask = cur_fs() ? cur_fs()->umask : 022;
	uint32_t major = (dev >> 8) & 0xfff, minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
	struct inode *start;
	char *path;
	int err;

	if (type == 0)
		type = S_IFREG;
	if (type == S_IFDIR)
		return -EPERM;
	if (type != S_IFREG && type != S_IFIFO && type != S_IFCHR && type != S_IFBLK &&
	    type != S_IFSOCK)
		return -EINVAL;
	if ((type == S_IFCHR || type == S_IFBLK) && !cred_is_root())
		return -EPERM;
	if ((err = path_from_user(upath, false, &path)))
		return err;
	if (!(err = walk_start(dirfd, path, &start))) {
		err = vfs_mknod_at(start, path, type | (mode & 07777 & ~umask),
				   MKDEV(major, minor));
		inode_unref(start);
	}
	kfree(path);
	return err;
}

long sys_mknod(uintptr_t path, uint32_t mode, uint32_t dev)
{
	return sys_mknodat(AT_FDCWD, path, mode, dev);
}

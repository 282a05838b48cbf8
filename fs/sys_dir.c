/* sys_dir.c: getdents64, mkdir, rmdir, chdir, fchdir, chroot, getcwd. */
#include "fs/fs_internal.h"
#include "fs/syscalls.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/uaccess.h"
#include "mm/kheap.h"

/* struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1),
 * d_name (NUL-terminated), padded to 8 bytes. */
#define DIRENT64_NAME_OFF 19

struct getdents_sink {
	struct dir_sink sink;
	uintptr_t ubuf;
	size_t size, used;
	int err;
};

static bool getdents_emit(struct dir_sink *s, const char *name, size_t len, uint64_t ino,
			  unsigned int type, uint64_t next_pos)
{
	struct getdents_sink *g = container_of(s, struct getdents_sink, sink);
	size_t reclen = (DIRENT64_NAME_OFF + len + 1 + 7) & ~(size_t)7;
	uint8_t rec[DIRENT64_NAME_OFF + NAME_MAX + 1 + 8];
	uint16_t rl = (uint16_t)reclen;
	int64_t off = (int64_t)next_pos;

	if (g->size - g->used < reclen) {
		if (!g->used)
			g->err = -EINVAL; /* not even one entry fits */
		return false;
	}
	memset(rec, 0, reclen);
	memcpy(rec, &ino, 8);
	memcpy(rec + 8, &off, 8);
	memcpy(rec + 16, &rl, 2);
	rec[18] = (uint8_t)type;
	memcpy(rec + DIRENT64_NAME_OFF, name, len);
	if (copy_to_user(g->ubuf + g->used, rec, reclen)) {
		g->err = -EFAULT;
		return false;
	}
	g->used += reclen;
	return true;
}

long sys_getdents64(int fd, uintptr_t dirp, size_t count)
{
	struct getdents_sink g = { { getdents_emit }, dirp, count, 0, 0 };
	struct file *f = fd_get_io(fd);
	struct inode *dir = f ? f->inode : NULL;
	long ret;

	if (!f)
		return -EBADF;
	if (!dir || !S_ISDIR(dir->mode) || !dir->iops->readdir)
		ret = -ENOTDIR;
	else if (dir->nlink == 0)
		ret = -ENOENT;
	else if (!uaccess_range_ok(dirp, count))
		ret = -EFAULT;
	else {
		ret = dir->iops->readdir(dir, &f->pos, &g.sink);
		if (!ret)
			ret = g.used ? (long)g.used : g.err;
		inode_touch_atime(dir);
	}
	file_unref(f);
	return ret;
}

long sys_mkdirat(int dirfd, uintptr_t upath, uint32_t mode)
{
	uint32_t umask = cur_fs() ? cur_fs()->umask : 022;
	struct inode *start;
	char *path;
	int err;

	if ((err = path_from_user(upath, false, &path)))
		return err;
	if (!(err = walk_start(dirfd, path, &start))) {
		err = vfs_mknod_at(start, path, S_IFDIR | (mode & 01777 & ~umask), 0);
		inode_unref(start);
	}
	kfree(path);
	return err;
}

long sys_mkdir(uintptr_t path, uint32_t mode)
{
	return sys_mkdirat(AT_FDCWD, path, mode);
}

/* unlinkat with AT_REMOVEDIR, shared with sys_link.c. */
long sys_rmdir(uintptr_t path)
{
	return sys_unlinkat(AT_FDCWD, path, AT_REMOVEDIR);
}

/* Point the cwd (or the root) at ino if it is a searchable directory.
 * => consumes the caller's reference on ino. */
static long set_dir(struct inode *ino, bool root)
{
	struct fs_context *c = cur_fs();
	struct inode **slot;
	int err = S_ISDIR(ino->mode) ? vfs_permission(ino, MAY_EXEC) : -ENOTDIR;

	if (!err && !c)
		err = -ESRCH;
	if (err) {
		inode_unref(ino);
		return err;
	}
	slot = root ? &c->root : &c->cwd;
	inode_unref(*slot);
	*slot = ino;
	return 0;
}

long sys_chdir(uintptr_t path)
{
	struct inode *ino;
	int err = user_walk_at(AT_FDCWD, path, WALK_FOLLOW, &ino);

	return err ? err : set_dir(ino, false);
}

long sys_fchdir(int fd)
{
	struct inode *ino;
	int err = vfs_fd_inode(fd, &ino);

	return err ? err : set_dir(ino, false);
}

long sys_chroot(uintptr_t path)
{
	struct inode *ino;
	int err = user_walk_at(AT_FDCWD, path, WALK_FOLLOW, &ino);

	if (err)
		return err;
	if (!cred_is_root()) {
		inode_unref(ino);
		return -EPERM;
	}
	return set_dir(ino, true);
}

/* Returns the length including the NUL, as the Linux syscall does. */
long sys_getcwd(uintptr_t ubuf, size_t size)
{
	struct fs_context *c = cur_fs();
	char *buf = kmalloc(PATH_MAX);
	long len;

	if (!buf)
		return -ENOMEM;
	if (!c)
		len = -ESRCH;
	else if (c->cwd->nlink == 0)
		len = -ENOENT; /* the cwd was removed */
	else
		len = vfs_inode_path(c->cwd, buf, PATH_MAX);
	if (len >= 0 && (size_t)len + 1 > size)
		len = -ERANGE;
	else if (len >= 0 && copy_to_user(ubuf, buf, (size_t)len + 1))
		len = -EFAULT;
	else if (len >= 0)
		len++;
	kfree(buf);
	return len;
}

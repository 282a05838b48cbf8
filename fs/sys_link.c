/* sys_link.c: unlink, rename, link, symlink, readlink and their *at forms. */
#include "fs/fs_internal.h"
#include "fs/syscalls.h"
#include "kernel/errno.h"
#include "kernel/uaccess.h"
#include "mm/kheap.h"

/* Two user paths, each with its start directory: the common setup of
 * rename and link. On success the caller owns all four. */
struct path_pair {
	char *p[2];
	struct inode *start[2];
};

static void pair_free(struct path_pair *pp)
{
	for (int i = 0; i < 2; i++) {
		kfree(pp->p[i]);
		inode_unref(pp->start[i]);
	}
}

static int pair_get(struct path_pair *pp, int dfd0, uintptr_t u0, bool empty0, int dfd1,
		    uintptr_t u1)
{
	int dfd[2] = { dfd0, dfd1 };
	uintptr_t up[2] = { u0, u1 };
	int err = 0;

	*pp = (struct path_pair){ { NULL, NULL }, { NULL, NULL } };
	for (int i = 0; i < 2 && !err; i++)
		err = path_from_user(up[i], i == 0 && empty0, &pp->p[i]);
	for (int i = 0; i < 2 && !err; i++)
		err = walk_start(dfd[i], pp->p[i], &pp->start[i]);
	if (err)
		pair_free(pp);
	return err;
}

long sys_unlinkat(int dirfd, uintptr_t upath, int flags)
{
	struct inode *start;
	char *path;
	int err;

	if (flags & ~AT_REMOVEDIR)
		return -EINVAL;
	if ((err = path_from_user(upath, false, &path)))
		return err;
	if (!(err = walk_start(dirfd, path, &start))) {
		err = vfs_unlink_at(start, path, (flags & AT_REMOVEDIR) != 0);
		inode_unref(start);
	}
	kfree(path);
	return err;
}

long sys_unlink(uintptr_t path)
{
	return sys_unlinkat(AT_FDCWD, path, 0);
}

long sys_renameat2(int olddirfd, uintptr_t oldpath, int newdirfd, uintptr_t newpath,
		   unsigned int flags)
{
	struct path_pair pp;
	int err = pair_get(&pp, olddirfd, oldpath, false, newdirfd, newpath);

	if (err)
		return err;
	err = vfs_rename_at(pp.start[0], pp.p[0], pp.start[1], pp.p[1], flags);
	pair_free(&pp);
	return err;
}

long sys_renameat(int olddirfd, uintptr_t oldpath, int newdirfd, uintptr_t newpath)
{
	return sys_renameat2(olddirfd, oldpath, newdirfd, newpath, 0);
}

long sys_rename(uintptr_t oldpath, uintptr_t newpath)
{
	return sys_renameat2(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

long sys_linkat(int olddirfd, uintptr_t oldpath, int newdirfd, uintptr_t newpath, int flags)
{
	int wflags = ((flags & AT_SYMLINK_FOLLOW) ? WALK_FOLLOW : 0) |
		     ((flags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
	struct path_pair pp;
	int err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((err = pair_get(&pp, olddirfd, oldpath, (flags & AT_EMPTY_PATH) != 0, newdirfd,
			    newpath)))
		return err;
	err = vfs_link_at(pp.start[0], pp.p[0], wflags, pp.start[1], pp.p[1]);
	pair_free(&pp);
	return err;
}

long sys_link(uintptr_t oldpath, uintptr_t newpath)
{
	return sys_linkat(AT_FDCWD, oldpath, AT_FDCWD, newpath, 0);
}

long sys_symlinkat(uintptr_t utarget, int newdirfd, uintptr_t linkpath)
{
	struct inode *start;
	char *target, *path;
	int err = path_from_user(utarget, false, &target);

	if (err)
		return err;
	if (!(err = path_from_user(linkpath, false, &path))) {
		if (!(err = walk_start(newdirfd, path, &start))) {
			err = vfs_symlink_at(target, start, path);
			inode_unref(start);
		}
		kfree(path);
	}
	kfree(target);
	return err;
}

long sys_symlink(uintptr_t target, uintptr_t linkpath)
{
	return sys_symlinkat(target, AT_FDCWD, linkpath);
}

/* An empty path names dirfd itself (which must then be a symlink opened
 * with O_PATH|O_NOFOLLOW), as Linux allows since 2.6.39. */
long sys_readlinkat(int dirfd, uintptr_t upath, uintptr_t ubuf, int bufsiz)
{
	struct inode *ino;
	char *path, *buf;
	long n;
	int err;

	if (bufsiz <= 0)
		return -EINVAL;
	if ((err = path_from_user(upath, false, &path)))
		return err;
	err = !path[0] && dirfd == AT_FDCWD ? -ENOENT : walk_at(dirfd, path, WALK_EMPTY, &ino);
	kfree(path);
	if (err)
		return err;
	if (!S_ISLNK(ino->mode) || !ino->iops->readlink) {
		inode_unref(ino);
		return -EINVAL;
	}
	buf = kmalloc(PATH_MAX);
	n = buf ? ino->iops->readlink(ino, buf, (size_t)bufsiz < PATH_MAX ? (size_t)bufsiz
									 : PATH_MAX)
		: -ENOMEM;
	if (n >= 0 && copy_to_user(ubuf, buf, (size_t)n))
		n = -EFAULT;
	if (n >= 0)
		inode_touch_atime(ino);
	kfree(buf);
	inode_unref(ino);
	return n;
}

long sys_readlink(uintptr_t path, uintptr_t buf, int bufsiz)
{
	return sys_readlinkat(AT_FDCWD, path, buf, bufsiz);
}

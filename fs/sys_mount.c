/* sys_mount.c: mount, umount2, and the sync family (ramfs has nothing to
 * write back, so success is the truth). */
#include "fs/fs_internal.h"
#include "fs/syscalls.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/uaccess.h"
#include "mm/kheap.h"

#define MS_RDONLY 1
#define MS_REMOUNT 32
#define MS_BIND 4096
#define MS_MOVE 8192
#define MS_UNBINDABLE (1 << 17)
#define MS_PRIVATE (1 << 18)
#define MS_SLAVE (1 << 19)
#define MS_SHARED (1 << 20)
#define MS_PROPAGATION (MS_UNBINDABLE | MS_PRIVATE | MS_SLAVE | MS_SHARED)
#define UMOUNT_VALID (1 | 2 | 4 | 8) /* MNT_FORCE, MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW */
#define UMOUNT_NOFOLLOW 8
#define FSTYPE_MAX 64

/* A short user string (fs type, source) into buf; -EFAULT, -ENODEV. */
static int short_string(uintptr_t u, char *buf, size_t size)
{
	long n = strncpy_from_user(buf, u, size);

	return n == -ENAMETOOLONG ? -ENODEV : n < 0 ? (int)n : 0;
}

/* Remount and propagation changes keep nothing: accept them on a mount
 * root. Bind and move mounts, and read-only mounts, are not supported
 * (refused rather than pretended). */
static long mount_change(struct inode *dir, unsigned long flags)
{
	if (flags & (MS_BIND | MS_MOVE))
		return -EINVAL;
	if ((flags & MS_REMOUNT) && (flags & MS_RDONLY))
		return -EINVAL;
	return inode_is_mountpoint(dir) ? 0 : -EINVAL;
}

static long mount_new(struct inode *dir, uintptr_t usource, uintptr_t ufstype)
{
	char fstype[FSTYPE_MAX], source[64] = "none";
	const struct fs_type *type;
	struct super_block *sb;
	int err;

	if ((err = short_string(ufstype, fstype, sizeof(fstype))))
		return err;
	if (usource && short_string(usource, source, sizeof(source)))
		memcpy(source, "none", 5);
	if (!(type = fs_type_find(fstype)) || !type->get_sb)
		return -ENODEV;
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (!(sb = type->get_sb()))
		return -ENOMEM;
	err = vfs_mount_sb(sb, dir, source);
	if (err && !sb->mnt && type->kill_sb)
		type->kill_sb(sb);
	return err;
}

long sys_mount(uintptr_t source, uintptr_t target, uintptr_t fstype, unsigned long flags,
	       uintptr_t data)
{
	struct inode *dir;
	long err;

	if (!cred_is_root())
		return -EPERM;
	if ((err = user_walk_at(AT_FDCWD, target, WALK_FOLLOW, &dir)))
		return err;
	if (flags & (MS_REMOUNT | MS_BIND | MS_MOVE | MS_PROPAGATION))
		err = mount_change(dir, flags);
	else
		err = mount_new(dir, source, fstype);
	inode_unref(dir);
	return err;
}

long sys_umount2(uintptr_t target, int flags)
{
	struct inode *root;
	int err;

	if (flags & ~UMOUNT_VALID)
		return -EINVAL;
	if (!cred_is_root())
		return -EPERM;
	err = user_walk_at(AT_FDCWD, target, (flags & UMOUNT_NOFOLLOW) ? 0 : WALK_FOLLOW, &root);
	if (err)
		return err;
	return vfs_umount(root, flags);
}

long sys_sync(void)
{
	return 0;
}

static long fd_sync(int fd)
{
	struct file *f = fd_get_io(fd);

	if (!f)
		return -EBADF;
	file_unref(f);
	return 0;
}

long sys_syncfs(int fd)
{
	return fd_sync(fd);
}

long sys_fsync(int fd)
{
	return fd_sync(fd);
}

long sys_fdatasync(int fd)
{
	return fd_sync(fd);
}

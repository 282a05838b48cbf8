/* sys_attr.c: access, chmod, chown, truncate, utimensat and friends, umask. */
#include "fs/fs_internal.h"
#include "fs/syscalls.h"
#include "kernel/errno.h"
#include "kernel/uaccess.h"
#include "mm/pmm.h"
#include "proc/proc.h"

#define UTIME_NOW ((1L << 30) - 1L)
#define UTIME_OMIT ((1L << 30) - 2L)
#define F_OK 0

/* --- access --- */

/* access(2) checks with the real uid/gid (unless AT_EACCESS), so swap them
 * in as the fs ids for the duration. */
long sys_faccessat2(int dirfd, uintptr_t path, int mode, int flags)
{
	struct task *t = proc_current();
	uint32_t fsuid = 0, fsgid = 0;
	struct inode *ino;
	int err;

	if (mode & ~7)
		return -EINVAL;
	if (flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (t && !(flags & AT_EACCESS)) {
		fsuid = t->cred.fsuid;
		fsgid = t->cred.fsgid;
		t->cred.fsuid = t->cred.uid;
		t->cred.fsgid = t->cred.gid;
	}
	err = user_walk_at(dirfd, path, walk_flags_at(flags), &ino);
	if (!err) {
		if (mode != F_OK)
			err = vfs_permission(ino, mode); /* R_OK/W_OK/X_OK are MAY_* */
		inode_unref(ino);
	}
	if (t && !(flags & AT_EACCESS)) {
		t->cred.fsuid = fsuid;
		t->cred.fsgid = fsgid;
	}
	return err;
}

long sys_faccessat(int dirfd, uintptr_t path, int mode)
{
	return sys_faccessat2(dirfd, path, mode, 0);
}

long sys_access(uintptr_t path, int mode)
{
	return sys_faccessat2(AT_FDCWD, path, mode, 0);
}

/* --- chmod --- */

static long do_chmod(struct inode *ino, uint32_t mode)
{
	struct task *t = proc_current();

	if (!cred_is_owner(ino))
		return -EPERM;
	mode &= 07777;
	/* a non-root owner outside the file's group cannot set set-group-ID */
	if (!cred_is_root() && t && t->cred.fsgid != ino->gid)
		mode &= ~(uint32_t)S_ISGID;
	ino->mode = (ino->mode & S_IFMT) | mode;
	inode_touch(ino, false, false, true);
	return 0;
}

long sys_fchmodat(int dirfd, uintptr_t path, uint32_t mode)
{
	struct inode *ino;
	int err = user_walk_at(dirfd, path, WALK_FOLLOW, &ino);

	if (err)
		return err;
	err = (int)do_chmod(ino, mode);
	inode_unref(ino);
	return err;
}

long sys_chmod(uintptr_t path, uint32_t mode)
{
	return sys_fchmodat(AT_FDCWD, path, mode);
}

long sys_fchmod(int fd, uint32_t mode)
{
	struct file *f = fd_get_io(fd);
	long err;

	if (!f)
		return -EBADF;
	err = do_chmod(f->inode, mode);
	file_unref(f);
	return err;
}

/* --- chown --- */

/* Linux's chown_ok/chgrp_ok without supplementary groups: root may do
 * anything; the owner may only "change" the uid to itself and the gid to
 * its own fsgid. Changing owners drops set-ID bits of non-directories. */
static long do_chown(struct inode *ino, uint32_t uid, uint32_t gid)
{
	struct task *t = proc_current();
	bool root = cred_is_root(), owner = t && t->cred.fsuid == ino->uid;

	if (uid != (uint32_t)-1 && !root && !(owner && uid == ino->uid))
		return -EPERM;
	if (gid != (uint32_t)-1 && !root && !(owner && (gid == ino->gid || cred_in_group(&t->cred, gid))))
		return -EPERM;
	if (uid != (uint32_t)-1)
		ino->uid = uid;
	if (gid != (uint32_t)-1)
		ino->gid = gid;
	if ((uid != (uint32_t)-1 || gid != (uint32_t)-1) && !S_ISDIR(ino->mode)) {
		ino->mode &= ~(uint32_t)S_ISUID;
		if (ino->mode & 0010)
			ino->mode &= ~(uint32_t)S_ISGID;
	}
	inode_touch(ino, false, false, true);
	return 0;
}

long sys_fchownat(int dirfd, uintptr_t path, uint32_t uid, uint32_t gid, int flags)
{
	struct inode *ino;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if ((err = user_walk_at(dirfd, path, walk_flags_at(flags), &ino)))
		return err;
	err = (int)do_chown(ino, uid, gid);
	inode_unref(ino);
	return err;
}

long sys_chown(uintptr_t path, uint32_t uid, uint32_t gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, 0);
}

long sys_lchown(uintptr_t path, uint32_t uid, uint32_t gid)
{
	return sys_fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

long sys_fchown(int fd, uint32_t uid, uint32_t gid)
{
	struct file *f = fd_get_io(fd);
	long err;

	if (!f)
		return -EBADF;
	err = do_chown(f->inode, uid, gid);
	file_unref(f);
	return err;
}

/* --- truncate --- */

long sys_truncate(uintptr_t path, int64_t length)
{
	struct inode *ino;
	int err;

	if (length < 0)
		return -EINVAL;
	if ((err = user_walk_at(AT_FDCWD, path, WALK_FOLLOW, &ino)))
		return err;
	if (S_ISDIR(ino->mode))
		err = -EISDIR;
	else if (!S_ISREG(ino->mode))
		err = -EINVAL;
	else if (!(err = vfs_permission(ino, MAY_WRITE)) && !(err = inode_get_write(ino))) {
		err = vfs_truncate(ino, (uint64_t)length);
		inode_put_write(ino);
	}
	inode_unref(ino);
	return err;
}

long sys_ftruncate(int fd, int64_t length)
{
	struct file *f = fd_get_io(fd);
	long err;

	if (!f)
		return -EBADF;
	if (length < 0 || !f->inode || !S_ISREG(f->inode->mode) ||
	    (f->flags & O_ACCMODE) == O_RDONLY)
		err = -EINVAL;
	else
		err = vfs_truncate(f->inode, (uint64_t)length);
	file_unref(f);
	return err;
}

/* --- timestamps --- */

static bool nsec_valid(int64_t nsec)
{
	return (nsec >= 0 && nsec < 1000000000) || nsec == UTIME_NOW || nsec == UTIME_OMIT;
}

/* Set atime/mtime of ino from ts (NULL: both now). Setting explicit times
 * needs ownership; "now" also needs only write permission. */
static long set_times(struct inode *ino, const struct ktimespec *ts)
{
	bool now_only = !ts || (ts[0].nsec == UTIME_NOW && ts[1].nsec == UTIME_NOW);
	int64_t now = fs_now_ns();
	int64_t *slot[2] = { &ino->atime_ns, &ino->mtime_ns };

	if (ts && ts[0].nsec == UTIME_OMIT && ts[1].nsec == UTIME_OMIT)
		return 0;
	if (!cred_is_owner(ino)) {
		if (!now_only)
			return -EPERM;
		if (vfs_permission(ino, MAY_WRITE))
			return -EACCES;
	}
	for (int i = 0; i < 2; i++) {
		if (ts && ts[i].nsec == UTIME_OMIT)
			continue;
		*slot[i] = !ts || ts[i].nsec == UTIME_NOW ? now : ts[i].sec * 1000000000 + ts[i].nsec;
	}
	ino->ctime_ns = now;
	return 0;
}

/* The shared tail: resolve (dirfd, path) or, with a NULL path, dirfd itself. */
static long utimes_common(int dirfd, uintptr_t path, const struct ktimespec *ts, int flags)
{
	struct inode *ino;
	long err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (!path) {
		if (flags & AT_SYMLINK_NOFOLLOW)
			return -EINVAL;
		/* Linux reads the NULL name then (EFAULT), as utimes(NULL) does. */
		err = dirfd == AT_FDCWD ? -EFAULT : vfs_fd_inode(dirfd, &ino);
	} else {
		err = user_walk_at(dirfd, path, walk_flags_at(flags), &ino);
	}
	if (err)
		return err;
	err = set_times(ino, ts);
	inode_unref(ino);
	return err;
}

long sys_utimensat(int dirfd, uintptr_t path, uintptr_t times, int flags)
{
	struct ktimespec ts[2];

	if (times && copy_from_user(ts, times, sizeof(ts)))
		return -EFAULT;
	if (times && (!nsec_valid(ts[0].nsec) || !nsec_valid(ts[1].nsec)))
		return -EINVAL;
	return utimes_common(dirfd, path, times ? ts : NULL, flags);
}

/* futimesat/utimes take struct timeval[2] (seconds, microseconds). */
long sys_futimesat(int dirfd, uintptr_t path, uintptr_t times)
{
	struct ktimespec ts[2];

	if (times) {
		if (copy_from_user(ts, times, sizeof(ts)))
			return -EFAULT;
		for (int i = 0; i < 2; i++) {
			if (ts[i].nsec < 0 || ts[i].nsec >= 1000000)
				return -EINVAL;
			ts[i].nsec *= 1000;
		}
	}
	return utimes_common(dirfd, path, times ? ts : NULL, 0);
}

long sys_utimes(uintptr_t path, uintptr_t times)
{
	return sys_futimesat(AT_FDCWD, path, times);
}

/* utime takes struct utimbuf { actime, modtime } in whole seconds. */
long sys_utime(uintptr_t path, uintptr_t times)
{
	struct ktimespec ts[2];
	int64_t t[2] = { 0, 0 };

	if (times && copy_from_user(t, times, sizeof(t)))
		return -EFAULT;
	ts[0] = (struct ktimespec){ t[0], 0 };
	ts[1] = (struct ktimespec){ t[1], 0 };
	return utimes_common(AT_FDCWD, path, times ? ts : NULL, 0);
}

long sys_umask(uint32_t mask)
{
	struct fs_context *c = cur_fs();
	uint32_t old;

	if (!c)
		return 022;
	old = c->umask;
	c->umask = mask & 0777;
	return old;
}

/* --- fallocate --- */

#define FALLOC_FL_KEEP_SIZE 0x01
#define FALLOC_MAX (1ULL << 40)

/* Give every page of [off, off + len) a frame now, so that writing there
 * later cannot run out of memory; extend the size unless KEEP_SIZE. Other
 * modes (punching or collapsing holes) are not supported: EOPNOTSUPP. */
long sys_fallocate(int fd, int mode, int64_t off, int64_t len)
{
	struct file *f = fd_get_io(fd);
	struct inode *ino;
	long err = 0;

	if (!f)
		return -EBADF;
	ino = f->inode;
	if ((f->flags & O_ACCMODE) == O_RDONLY)
		err = -EBADF;
	else if (off < 0 || len <= 0)
		err = -EINVAL;
	else if (!ino || S_ISFIFO(ino->mode))
		err = -ESPIPE;
	else if (S_ISDIR(ino->mode))
		err = -EISDIR;
	else if (!S_ISREG(ino->mode))
		err = -ENODEV;
	else if (mode & ~FALLOC_FL_KEEP_SIZE)
		err = -EOPNOTSUPP;
	else if ((uint64_t)off + (uint64_t)len > FALLOC_MAX)
		err = -EFBIG;
	for (uint64_t pg = (uint64_t)off / PAGE_SIZE;
	     !err && pg <= ((uint64_t)off + (uint64_t)len - 1) / PAGE_SIZE; pg++) {
		paddr_t pa = vfs_inode_page(ino, pg, true);
		if (!pa)
			err = vfs_inode_has_pages(ino) ? -ENOSPC : -EOPNOTSUPP;
		else
			pmm_unref(pa); /* the file keeps its own reference */
	}
	if (!err && !(mode & FALLOC_FL_KEEP_SIZE) && (uint64_t)(off + len) > ino->size)
		err = vfs_truncate(ino, (uint64_t)(off + len));
	file_unref(f);
	return err;
}

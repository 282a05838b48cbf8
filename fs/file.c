/* file.c: open files: open(2)'s resolution rules, regular-file and
 * directory file operations, truncation, and kernel-side read/write.
 *
 * A struct file starts with refcount 1 (the opener's); each descriptor
 * naming it holds one. The last file_unref calls ops->release and drops the
 * inode. Offsets live in the file, so dup'd and inherited descriptors share
 * them, as POSIX requires. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/uaccess.h"
#include "mm/kheap.h"
#include "proc/proc.h"

int uio_copy_out(struct uio *u, size_t off, const void *src, size_t n)
{
	if (u->kernel) {
		memcpy((void *)(u->base + off), src, n);
		return 0;
	}
	return copy_to_user(u->base + off, src, n);
}

int uio_copy_in(void *dst, struct uio *u, size_t off, size_t n)
{
	if (u->kernel) {
		memcpy(dst, (const void *)(u->base + off), n);
		return 0;
	}
	return copy_from_user(dst, u->base + off, n);
}

size_t uio_copy_out_partial(struct uio *u, size_t off, const void *src, size_t n)
{
	if (u->kernel) {
		memcpy((void *)(u->base + off), src, n);
		return n;
	}
	return copy_to_user_partial(u->base + off, src, n);
}

size_t uio_copy_in_partial(void *dst, struct uio *u, size_t off, size_t n)
{
	if (u->kernel) {
		memcpy(dst, (const void *)(u->base + off), n);
		return n;
	}
	return copy_from_user_partial(dst, u->base + off, n);
}

struct file *file_alloc(const struct file_ops *ops, uint32_t flags, void *priv)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->refcount = 1;
	f->ops = ops;
	f->flags = flags;
	f->priv = priv;
	return f;
}

void file_ref(struct file *f)
{
	KASSERT(f->refcount > 0);
	f->refcount++;
}

void file_unref(struct file *f)
{
	if (!f)
		return;
	KASSERT(f->refcount > 0);
	if (--f->refcount > 0)
		return;
	if (f->ops && f->ops->release && !(f->flags & O_PATH))
		f->ops->release(f);
	flock_release(f);
	if (f->writer)
		inode_put_write(f->inode);
	inode_unref(f->inode);
	kfree(f);
}

/* --- regular files and directories --- */

static long reg_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct inode *ino = f->inode;
	long n = ino->iops->read(ino, *pos, u);

	if (n > 0)
		*pos += (uint64_t)n;
	if (n >= 0 && !(f->flags & O_NOATIME))
		inode_touch_atime(ino);
	return n;
}

/* Writing drops set-user-ID, and set-group-ID when group-executable,
 * unless root writes (Linux: file_remove_privs without CAP_FSETID). */
static void kill_suid(struct inode *ino)
{
	if (cred_is_root())
		return;
	ino->mode &= ~(uint32_t)S_ISUID;
	if (ino->mode & 0010)
		ino->mode &= ~(uint32_t)S_ISGID;
}

static long reg_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct inode *ino = f->inode;
	long n;

	if (f->flags & O_APPEND)
		*pos = ino->size;
	if (u->len == 0)
		return 0;
	n = ino->iops->write(ino, *pos, u);
	if (n > 0) {
		*pos += (uint64_t)n;
		kill_suid(ino);
		inode_touch(ino, false, true, true);
	}
	return n;
}

/* lseek for files with a size: SEEK_DATA/SEEK_HOLE see one data extent. */
int64_t generic_llseek(struct file *f, int64_t off, int whence)
{
	int64_t size = f->inode ? (int64_t)f->inode->size : 0, base;

	switch (whence) {
	case SEEK_SET: base = 0; break;
	case SEEK_CUR: base = (int64_t)f->pos; break;
	case SEEK_END: base = size; break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (off < 0 || off >= size)
			return -ENXIO;
		f->pos = (uint64_t)(whence == SEEK_DATA ? off : size);
		return (int64_t)f->pos;
	default: return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (int64_t)f->pos;
}

static int64_t dir_llseek(struct file *f, int64_t off, int whence)
{
	if (whence == SEEK_END || whence == SEEK_DATA || whence == SEEK_HOLE)
		return -EINVAL;
	return generic_llseek(f, off, whence);
}

const struct file_ops reg_file_ops = {
	.read = reg_read,
	.write = reg_write,
	.llseek = generic_llseek,
};

const struct file_ops dir_file_ops = {
	.llseek = dir_llseek,
};

/* Set a regular file's size; -EISDIR, -EINVAL for other types. */
int vfs_truncate(struct inode *ino, uint64_t size)
{
	uint64_t old = ino->size;
	int err;

	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode) || !ino->iops->truncate)
		return -EINVAL;
	if ((err = ino->iops->truncate(ino, size)))
		return err;
	if (size != old) {
		kill_suid(ino);
		inode_touch(ino, false, true, true);
	}
	return 0;
}

/* --- open --- */

static int open_permission(struct inode *ino, int flags)
{
	int acc = flags & O_ACCMODE, mask = 0;

	if (acc == O_RDONLY || acc == O_RDWR || acc == 3)
		mask |= MAY_READ;
	if (acc != O_RDONLY || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	return vfs_permission(ino, mask);
}

/* The checks open makes on the inode it found, and the ops to use. */
static int open_check(struct inode *ino, int flags, bool created, const struct file_ops **ops)
{
	int err;

	*ops = NULL;
	if ((flags & O_DIRECTORY) && !S_ISDIR(ino->mode))
		return -ENOTDIR;
	if (flags & O_PATH)
		return 0;
	if (S_ISLNK(ino->mode))
		return -ELOOP;
	if (S_ISDIR(ino->mode) && ((flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT)))
		return -EISDIR;
	if (!created && (err = open_permission(ino, flags)))
		return err;
	*ops = ino->fops;
	if (S_ISCHR(ino->mode))
		*ops = chrdev_find(ino->rdev);
	else if (S_ISFIFO(ino->mode))
		*ops = fifo_file_ops();
	return *ops ? 0 : -ENXIO;
}

/* Build the file for an inode found (or created) by open.
 * => consumes the caller's reference on ino. */
static int open_inode(struct inode *ino, int flags, bool created, struct file **out)
{
	const struct file_ops *ops;
	uint32_t fflags = (uint32_t)flags & ~(uint32_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC |
							  O_CLOEXEC);
	struct file *f;
	int err = open_check(ino, flags, created, &ops);
	bool writer = S_ISREG(ino->mode) && !(flags & O_PATH) &&
		      ((flags & O_ACCMODE) == O_WRONLY || (flags & O_ACCMODE) == O_RDWR);

	if (!err && writer)
		err = inode_get_write(ino);
	if (err)
		goto out_unref;
	if ((flags & O_TRUNC) && !(flags & O_PATH) && S_ISREG(ino->mode)) {
		err = vfs_truncate(ino, 0);
		inode_touch(ino, false, !err, !err);
	}
	if (err)
		goto out_put_write;
	f = file_alloc(ops, fflags | O_LARGEFILE, NULL);
	if (!f) {
		err = -ENOMEM;
		goto out_put_write;
	}
	f->inode = ino;
	f->writer = writer;
	if (ops && ops->open && (err = ops->open(ino, f))) {
		f->ops = NULL; /* a failed open is not released */
		file_unref(f);
		return err;
	}
	*out = f;
	return 0;
out_put_write:
	if (writer)
		inode_put_write(ino);
out_unref:
	inode_unref(ino);
	return err;
}

/* Create the last component of nd as a regular file. */
static int open_create_new(struct nameidata *nd, uint32_t mode, struct inode **out)
{
	struct task *t = proc_current();
	uint32_t umask = t && t->fs ? t->fs->umask : 022;
	int err = vfs_permission(nd->dir, MAY_WRITE | MAY_EXEC);

	if (err)
		return err;
	if (nd->dir->nlink == 0)
		return -ENOENT;
	if (!nd->dir->iops->mknod)
		return -EACCES;
	return nd->dir->iops->mknod(nd->dir, nd->last, nd->last_len,
				    S_IFREG | (mode & ~umask & 07777), 0, out);
}

/* O_CREAT: find or create the last component, following symlinks (even
 * dangling ones, creating their target) unless O_EXCL or O_NOFOLLOW. */
static int open_create(struct inode *start, const char *path, int flags, uint32_t mode,
		       struct inode **out, bool *created)
{
	struct nameidata nd;
	struct inode *ino;
	int err;

	if ((err = walk_parent(&nd, start, path)))
		return err;
	for (;;) {
		if (nd.last_type == LAST_BIND) {
			inode_ref(nd.dir);
			ino = nd.dir;
			break;
		}
		if (nd.last_type != LAST_NORM || nd.trailing_slash) {
			err = -EISDIR;
			break;
		}
		err = walk_lookup(nd.root, nd.dir, nd.last, nd.last_len, &ino);
		if (err == -ENOENT) {
			err = open_create_new(&nd, mode, &ino);
			*created = !err;
			break;
		}
		if (err || !S_ISLNK(ino->mode) || (flags & (O_EXCL | O_NOFOLLOW)))
			break;
		err = walk_parent_follow(&nd, ino);
		inode_unref(ino);
		if (err)
			break;
	}
	if (!err && !*created && (flags & O_EXCL)) {
		inode_unref(ino);
		err = -EEXIST;
	}
	nd_release(&nd);
	if (!err)
		*out = ino;
	return err;
}

/* open(2) relative to dirfd. => *out holds the new file's only reference. */
int vfs_open_at(int dirfd, const char *path, int flags, uint32_t mode, struct file **out)
{
	struct inode *start, *ino;
	bool created = false;
	int err;

	if ((flags & O_TMPFILE) == O_TMPFILE)
		return -EOPNOTSUPP;
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return -EINVAL; /* as Linux since 6.4 */
	if (flags & O_PATH)
		flags &= O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
	if (!path[0])
		return -ENOENT;
	if ((err = walk_start(dirfd, path, &start)))
		return err;
	if (flags & O_CREAT)
		err = open_create(start, path, flags, mode, &ino, &created);
	else
		err = walk_path(start, path,
				((flags & O_NOFOLLOW) ? 0 : WALK_FOLLOW) |
					((flags & O_DIRECTORY) ? WALK_DIRECTORY : 0),
				&ino);
	inode_unref(start);
	if (err)
		return err;
	return open_inode(ino, flags, created, out);
}

int vfs_open(const char *path, int flags, uint32_t mode, struct file **out)
{
	return vfs_open_at(AT_FDCWD, path, flags, mode, out);
}

/* Kernel-buffer read/write at the file's offset. */
long vfs_read(struct file *f, void *kbuf, size_t n)
{
	struct uio u = { (uintptr_t)kbuf, n, true };

	if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_WRONLY)
		return -EBADF;
	if (!f->ops || !f->ops->read)
		return f->inode && S_ISDIR(f->inode->mode) ? -EISDIR : -EINVAL;
	return f->ops->read(f, &u, &f->pos);
}

long vfs_write(struct file *f, const void *kbuf, size_t n)
{
	struct uio u = { (uintptr_t)kbuf, n, true };

	if ((f->flags & O_PATH) || (f->flags & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (!f->ops || !f->ops->write)
		return -EINVAL;
	return f->ops->write(f, &u, &f->pos);
}

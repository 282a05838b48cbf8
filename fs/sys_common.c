/* sys_common.c: what every file syscall family uses: copying paths in,
 * resolving (dirfd, path) pairs, and finding descriptors. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/uaccess.h"
#include "mm/kheap.h"
#include "proc/proc.h"

/* Copy the user path at upath into a new kernel buffer (free with kfree).
 * A NULL upath reads as "" when null_ok (AT_EMPTY_PATH callers).
 * 0, -EFAULT, -ENAMETOOLONG (no NUL in PATH_MAX bytes), -ENOMEM. */
int path_from_user(uintptr_t upath, bool null_ok, char **out)
{
	char *buf = kmalloc(PATH_MAX);
	long n;

	if (!buf)
		return -ENOMEM;
	if (!upath && null_ok) {
		buf[0] = 0;
		*out = buf;
		return 0;
	}
	n = strncpy_from_user(buf, upath, PATH_MAX);
	if (n < 0) {
		kfree(buf);
		return (int)n;
	}
	*out = buf;
	return 0;
}

/* Resolve the user path (dirfd, upath) with walk flags. */
int user_walk_at(int dirfd, uintptr_t upath, int flags, struct inode **out)
{
	char *path;
	int err = path_from_user(upath, (flags & WALK_EMPTY) != 0, &path);

	if (err)
		return err;
	err = walk_at(dirfd, path, flags, out);
	kfree(path);
	return err;
}

/* The walk flags for AT_SYMLINK_NOFOLLOW / AT_EMPTY_PATH. */
int walk_flags_at(int atflags)
{
	return ((atflags & AT_SYMLINK_NOFOLLOW) ? 0 : WALK_FOLLOW) |
	       ((atflags & AT_EMPTY_PATH) ? WALK_EMPTY : 0);
}

/* The file at fd, with a reference, for operations an O_PATH descriptor
 * cannot do (-EBADF for it, as for a closed fd). */
struct file *fd_get_io(int fd)
{
	struct file *f = fd_get(fd);

	if (f && (f->flags & O_PATH)) {
		file_unref(f);
		return NULL;
	}
	return f;
}

struct fdtable *cur_fdtable(void)
{
	struct task *t = proc_current();

	return t ? t->files : NULL;
}

struct fs_context *cur_fs(void)
{
	struct task *t = proc_current();

	return t ? t->fs : NULL;
}

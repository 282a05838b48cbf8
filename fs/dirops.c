/* dirops.c: operations that change directories (create, link, unlink,
 * rename), with Linux's checks in Linux's order, on kernel strings.
 *
 * Each resolves the parent with walk_parent and then checks, in order:
 * the kind of last component ("." ".." "/"), existence, permission on the
 * directory (write+search), the sticky bit, and the types involved; only
 * then does it call the filesystem. The syscalls and the cpio unpacker
 * share these. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "proc/proc.h"

#define RENAME_NOREPLACE 1

static int may_create(struct inode *dir)
{
	int err = vfs_permission(dir, MAY_WRITE | MAY_EXEC);

	if (!err && dir->nlink == 0)
		err = -ENOENT;
	if (!err && !dir->iops->mknod)
		err = -EPERM;
	return err;
}

/* Linux's may_delete: search+write on dir, then the sticky-bit rule (only
 * the owner of the file or of the directory, or root, may remove). */
static int may_delete(struct inode *dir, struct inode *victim)
{
	int err = vfs_permission(dir, MAY_WRITE | MAY_EXEC);

	if (err)
		return err;
	if ((dir->mode & S_ISVTX) && !cred_is_owner(victim) && !cred_is_owner(dir))
		return -EPERM;
	return 0;
}

/* Walk to the parent of a name about to be created; -EEXIST if it exists,
 * -ENOENT for a trailing slash on a non-directory. */
static int walk_create(struct nameidata *nd, struct inode *start, const char *path, bool isdir)
{
	struct inode *ino;
	int err = walk_parent(nd, start, path);

	if (err)
		return err;
	if (nd->last_type != LAST_NORM)
		err = -EEXIST;
	else if ((err = walk_lookup(nd->root, nd->dir, nd->last, nd->last_len, &ino)) == 0) {
		inode_unref(ino);
		err = -EEXIST;
	} else if (err == -ENOENT) {
		err = nd->trailing_slash && !isdir ? -ENOENT : may_create(nd->dir);
	}
	if (err)
		nd_release(nd);
	return err;
}

int vfs_mknod_at(struct inode *start, const char *path, uint32_t mode, uint32_t rdev)
{
	struct nameidata nd;
	struct inode *ino;
	int err = walk_create(&nd, start, path, S_ISDIR(mode));

	if (err)
		return err;
	err = nd.dir->iops->mknod(nd.dir, nd.last, nd.last_len, mode, rdev, &ino);
	if (!err)
		inode_unref(ino);
	nd_release(&nd);
	return err;
}

int vfs_symlink_at(const char *target, struct inode *start, const char *path)
{
	struct nameidata nd;
	struct inode *ino;
	int err;

	if (!target[0])
		return -ENOENT;
	if ((err = walk_create(&nd, start, path, false)))
		return err;
	err = nd.dir->iops->symlink ? nd.dir->iops->symlink(nd.dir, nd.last, nd.last_len, target, &ino)
				    : -EPERM;
	if (!err)
		inode_unref(ino);
	nd_release(&nd);
	return err;
}

/* link(2): old is resolved with flags (WALK_FOLLOW, WALK_EMPTY). */
int vfs_link_at(struct inode *ostart, const char *opath, int flags, struct inode *nstart,
		const char *npath)
{
	struct nameidata nd;
	struct inode *old;
	int err = walk_path(ostart, opath, flags, &old);

	if (err)
		return err;
	if ((err = walk_create(&nd, nstart, npath, false)))
		goto out_old;
	if (old->sb != nd.dir->sb)
		err = -EXDEV;
	else if (S_ISDIR(old->mode))
		err = -EPERM;
	else if (old->nlink == 0)
		err = -ENOENT;
	else
		err = nd.dir->iops->link(nd.dir, nd.last, nd.last_len, old);
	nd_release(&nd);
out_old:
	inode_unref(old);
	return err;
}

/* The checks of unlink (rmdir false) or rmdir on victim in dir. */
static int may_unlink(struct nameidata *nd, struct inode *victim, bool rmdir)
{
	int err = may_delete(nd->dir, victim);

	if (err)
		return err;
	if (!rmdir)
		return S_ISDIR(victim->mode) ? -EISDIR : nd->trailing_slash ? -ENOTDIR : 0;
	if (!S_ISDIR(victim->mode))
		return -ENOTDIR;
	if (inode_is_mountpoint(victim))
		return -EBUSY;
	return victim->iops->dir_is_empty(victim) ? 0 : -ENOTEMPTY;
}

int vfs_unlink_at(struct inode *start, const char *path, bool rmdir)
{
	static const int bad_last[2][5] = {
		/* NORM, DOT, DOTDOT, ROOT, BIND */
		{ 0, -EISDIR, -EISDIR, -EISDIR, -EISDIR },
		{ 0, -EINVAL, -ENOTEMPTY, -EBUSY, -EBUSY },
	};
	struct nameidata nd;
	struct inode *victim;
	int err = walk_parent(&nd, start, path);

	if (err)
		return err;
	if ((err = bad_last[rmdir][nd.last_type]))
		goto out;
	if ((err = walk_lookup(nd.root, nd.dir, nd.last, nd.last_len, &victim)))
		goto out;
	if (victim->sb != nd.dir->sb) /* a mount point: we see the mounted root */
		err = rmdir ? -EBUSY : -EISDIR;
	else if (!(err = may_unlink(&nd, victim, rmdir)))
		err = nd.dir->iops->unlink(nd.dir, nd.last, nd.last_len);
	inode_unref(victim);
out:
	nd_release(&nd);
	return err;
}

/* True if dir is anc or lies below it (walking ".." within anc's fs). */
static bool is_below(struct inode *dir, struct inode *anc)
{
	struct inode *cur = dir, *up;
	bool found = false;

	inode_ref(cur);
	while (!found && cur != cur->sb->root) {
		found = cur == anc;
		if (found || cur->iops->get_parent(cur, &up))
			break;
		inode_unref(cur);
		cur = up;
	}
	found = found || cur == anc;
	inode_unref(cur);
	return found;
}

/* The type and permission checks of rename once both ends are known. */
static int may_rename(struct nameidata *o, struct inode *old, struct nameidata *n,
		      struct inode *victim)
{
	bool isdir = S_ISDIR(old->mode);
	int err = may_delete(o->dir, old);

	if (!err)
		err = victim ? may_delete(n->dir, victim) : may_create(n->dir);
	if (err)
		return err;
	if (!isdir && (o->trailing_slash || n->trailing_slash))
		return -ENOTDIR;
	if (victim && isdir != S_ISDIR(victim->mode))
		return isdir ? -ENOTDIR : -EISDIR;
	if (inode_is_mountpoint(old) || (victim && inode_is_mountpoint(victim)))
		return -EBUSY;
	if (!isdir)
		return 0;
	if (is_below(n->dir, old))
		return -EINVAL;
	if (victim && !victim->iops->dir_is_empty(victim))
		return -ENOTEMPTY;
	if (o->dir != n->dir)
		return vfs_permission(old, MAY_WRITE); /* its ".." changes */
	return 0;
}

static int rename_resolved(struct nameidata *o, struct nameidata *n, unsigned int flags)
{
	struct inode *old, *victim = NULL;
	int err;

	if (o->last_type != LAST_NORM || n->last_type != LAST_NORM)
		return -EBUSY;
	if (o->dir->sb != n->dir->sb)
		return -EXDEV;
	if ((err = walk_lookup(o->root, o->dir, o->last, o->last_len, &old)))
		return err;
	err = walk_lookup(n->root, n->dir, n->last, n->last_len, &victim);
	if (err == -ENOENT) {
		victim = NULL;
		err = 0;
	} else if (!err && (flags & RENAME_NOREPLACE)) {
		err = -EEXIST;
	}
	if (!err && old == victim)
		err = 0; /* two names of one inode: nothing to do */
	else if (!err && !(err = may_rename(o, old, n, victim)))
		err = o->dir->iops->rename(o->dir, o->last, o->last_len, n->dir, n->last,
					   n->last_len);
	inode_unref(victim);
	inode_unref(old);
	return err;
}

int vfs_rename_at(struct inode *ostart, const char *opath, struct inode *nstart,
		  const char *npath, unsigned int flags)
{
	struct nameidata o, n;
	int err;

	if (flags & ~(unsigned int)RENAME_NOREPLACE)
		return -EINVAL;
	if ((err = walk_parent(&o, ostart, opath)))
		return err;
	if (!(err = walk_parent(&n, nstart, npath))) {
		err = rename_resolved(&o, &n, flags);
		nd_release(&n);
	}
	nd_release(&o);
	return err;
}

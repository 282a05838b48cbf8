/* namei.c: the path walker.
 *
 * A walk keeps a private copy of the path and a cursor into it. Components
 * are resolved left to right from the start directory (the task's root for
 * an absolute path). Meeting a symlink splices its target in front of the
 * rest of the path (the walk restarts at the root for an absolute target);
 * at most MAX_SYMLINKS links are followed per walk, else ELOOP. Directories
 * with a filesystem mounted on them are replaced by that filesystem's root;
 * ".." at a filesystem root first steps back to the covered directory, and
 * ".." at the task's root stays there.
 *
 * walk_parent stops before the last component, which the caller (create,
 * unlink, rename, open) handles itself; walk_path resolves the whole path.
 * Every inode held in a nameidata carries one reference. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "mm/kheap.h"
#include "proc/proc.h"

static struct inode *task_root(void)
{
	struct task *t = proc_current();

	return t && t->fs ? t->fs->root : vfs_root;
}

/* Look one name up in dir: "." and ".." included, mounts crossed. */
int walk_lookup(struct inode *root, struct inode *dir, const char *name, size_t len,
		struct inode **out)
{
	struct inode *res;
	int err;

	if (dir->nlink == 0)
		return -ENOENT; /* a removed directory has no entries */
	if (len == 1 && name[0] == '.') {
		inode_ref(dir);
		res = dir;
	} else if (len == 2 && name[0] == '.' && name[1] == '.') {
		while (dir != root && dir == dir->sb->root && dir->sb->mnt)
			dir = dir->sb->mnt->covered;
		if (dir == root || dir == dir->sb->root) {
			inode_ref(dir);
			res = dir;
		} else if ((err = dir->iops->get_parent(dir, &res))) {
			return err;
		}
	} else {
		if (!dir->iops->lookup)
			return -ENOTDIR;
		if ((err = dir->iops->lookup(dir, name, len, &res)))
			return err;
	}
	while (res->mounted) {
		struct inode *top = res->mounted->sb->root;

		inode_ref(top);
		inode_unref(res);
		res = top;
	}
	*out = res;
	return 0;
}

static int nd_init(struct nameidata *nd, struct inode *start, const char *path)
{
	size_t len = strnlen(path, PATH_MAX);

	memset(nd, 0, sizeof(*nd));
	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	nd->path = kmalloc(PATH_MAX + 1);
	if (!nd->path)
		return -ENOMEM;
	memcpy(nd->path, path, len + 1);
	nd->root = task_root();
	inode_ref(nd->root);
	nd->dir = path[0] == '/' ? nd->root : start;
	inode_ref(nd->dir);
	return 0;
}

void nd_release(struct nameidata *nd)
{
	inode_unref(nd->dir);
	inode_unref(nd->root);
	kfree(nd->path);
	nd->dir = nd->root = NULL;
	nd->path = NULL;
}

static void nd_set_dir(struct nameidata *nd, struct inode *dir)
{
	inode_unref(nd->dir);
	nd->dir = dir;
}

/* Replace path[0..end) by the target of link; the walk goes on at the new
 * path's start (from the root if absolute). Consumes no reference. */
static int nd_splice_link(struct nameidata *nd, struct inode *link, size_t end)
{
	size_t rest = strlen(nd->path + end);
	char *target;
	long tlen;

	if (++nd->links > MAX_SYMLINKS)
		return -ELOOP;
	if (!link->iops->readlink)
		return -EINVAL;
	target = kmalloc(PATH_MAX);
	if (!target)
		return -ENOMEM;
	tlen = link->iops->readlink(link, target, PATH_MAX);
	if (tlen >= 0 && (size_t)tlen + rest >= PATH_MAX)
		tlen = -ENAMETOOLONG;
	if (tlen == 0)
		tlen = -ENOENT;
	if (tlen > 0) {
		memmove(nd->path + tlen, nd->path + end, rest + 1);
		memcpy(nd->path, target, (size_t)tlen);
		nd->pos = 0;
		if (target[0] == '/') {
			inode_ref(nd->root);
			nd_set_dir(nd, nd->root);
		}
	}
	kfree(target);
	return tlen < 0 ? (int)tlen : 0;
}

/* Follow a link met mid-walk (or as a followed last component) whose name
 * ends at path[end]: a magic link jumps to its inode, others splice. */
static int nd_follow(struct nameidata *nd, struct inode *link, size_t end, bool *jumped)
{
	struct inode *to;
	int err;

	*jumped = false;
	if (!link->iops->get_link)
		return nd_splice_link(nd, link, end);
	if (++nd->links > MAX_SYMLINKS)
		return -ELOOP;
	if ((err = link->iops->get_link(link, &to)))
		return err;
	nd_set_dir(nd, to);
	nd->pos = end;
	*jumped = true;
	return 0;
}

static int may_lookup(struct inode *dir)
{
	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	return vfs_permission(dir, MAY_EXEC);
}

/* Record the component path[start..end) as the last one. */
static void nd_set_last(struct nameidata *nd, size_t start, size_t end, bool trailing)
{
	size_t len = end - start;

	memcpy(nd->last, nd->path + start, len);
	nd->last[len] = 0;
	nd->last_len = len;
	nd->pos = end;
	nd->trailing_slash = trailing;
	nd->last_type = LAST_NORM;
	if (len == 1 && nd->last[0] == '.')
		nd->last_type = LAST_DOT;
	else if (len == 2 && nd->last[0] == '.' && nd->last[1] == '.')
		nd->last_type = LAST_DOTDOT;
}

/* Walk from nd->pos until only the last component is left. */
static int nd_walk_to_last(struct nameidata *nd)
{
	for (;;) {
		const char *p = nd->path;
		size_t start = nd->pos, end, after;
		struct inode *next;
		bool jumped;
		int err;

		while (p[start] == '/')
			start++;
		if (!p[start]) {
			nd->last_type = LAST_ROOT;
			nd->last_len = 0;
			nd->trailing_slash = start > 0;
			return 0;
		}
		for (end = start; p[end] && p[end] != '/'; end++)
			;
		if (end - start > NAME_MAX)
			return -ENAMETOOLONG;
		for (after = end; p[after] == '/'; after++)
			;
		if ((err = may_lookup(nd->dir)))
			return err;
		if (!p[after]) {
			nd_set_last(nd, start, end, after > end);
			return 0;
		}
		err = walk_lookup(nd->root, nd->dir, p + start, end - start, &next);
		if (err)
			return err;
		if (S_ISLNK(next->mode)) {
			err = nd_follow(nd, next, end, &jumped);
			inode_unref(next);
			if (err)
				return err;
			continue;
		}
		nd_set_dir(nd, next);
		nd->pos = after;
	}
}

int walk_parent(struct nameidata *nd, struct inode *start, const char *path)
{
	int err = nd_init(nd, start, path);

	if (!err && !path[0])
		err = -ENOENT;
	if (!err)
		err = nd_walk_to_last(nd);
	if (err)
		nd_release(nd);
	return err;
}

int walk_parent_follow(struct nameidata *nd, struct inode *link)
{
	size_t end = nd->pos;
	bool jumped;
	int err = nd_follow(nd, link, end, &jumped);

	if (!err && jumped)
		nd->last_type = LAST_BIND;
	else if (!err)
		err = nd_walk_to_last(nd);
	return err;
}

/* Resolve the last component of a walked nameidata to its inode. */
static int nd_lookup_last(struct nameidata *nd, struct inode **out)
{
	switch (nd->last_type) {
	case LAST_ROOT:
	case LAST_BIND:
		inode_ref(nd->dir);
		*out = nd->dir;
		return 0;
	}
	return walk_lookup(nd->root, nd->dir, nd->last, nd->last_len, out);
}

int walk_path(struct inode *start, const char *path, int flags, struct inode **out)
{
	struct nameidata nd;
	struct inode *res;
	int err;

	if (!path[0]) {
		if (!(flags & WALK_EMPTY))
			return -ENOENT;
		inode_ref(start);
		*out = start;
		return 0;
	}
	if ((err = walk_parent(&nd, start, path)))
		return err;
	for (;;) {
		if ((err = nd_lookup_last(&nd, &res)))
			break;
		if (!S_ISLNK(res->mode) || nd.last_type == LAST_BIND ||
		    !((flags & WALK_FOLLOW) || nd.trailing_slash))
			break;
		err = walk_parent_follow(&nd, res);
		inode_unref(res);
		if (err)
			break;
	}
	if (!err && !S_ISDIR(res->mode) &&
	    (nd.trailing_slash || (flags & WALK_DIRECTORY) || nd.last_type == LAST_DOT ||
	     nd.last_type == LAST_DOTDOT)) {
		inode_unref(res);
		err = -ENOTDIR;
	}
	nd_release(&nd);
	if (!err)
		*out = res;
	return err;
}

/* The directory a relative path starts from: the cwd for AT_FDCWD, else
 * dirfd's inode (which must be a directory unless path is empty). */
int walk_start(int dirfd, const char *path, struct inode **out)
{
	struct task *t = proc_current();
	struct inode *ino;
	int err;

	if (path[0] == '/' || dirfd == AT_FDCWD) {
		ino = t && t->fs ? t->fs->cwd : vfs_root;
		inode_ref(ino);
		*out = ino;
		return 0;
	}
	if ((err = vfs_fd_inode(dirfd, &ino)))
		return err;
	if (path[0] && !S_ISDIR(ino->mode)) {
		inode_unref(ino);
		return -ENOTDIR;
	}
	*out = ino;
	return 0;
}

int walk_at(int dirfd, const char *path, int flags, struct inode **out)
{
	struct inode *start;
	int err;

	if (!path[0] && !(flags & WALK_EMPTY))
		return -ENOENT;
	if ((err = walk_start(dirfd, path, &start)))
		return err;
	err = walk_path(start, path, flags, out);
	inode_unref(start);
	return err;
}

/* inode.c: inode life cycle, timestamps and permission checks.
 *
 * An inode lives while refcount > 0 or nlink > 0. refcount counts kernel
 * holders (open files, cwd/root, walkers, mounts); nlink counts directory
 * entries, which hold no reference. When the last reference goes and no
 * entry names the inode (or its filesystem is ephemeral, like procfs, whose
 * inodes are made on each lookup) the filesystem's evict frees it. */
#include "fs/fs_internal.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/kheap.h"
#include "proc/proc.h"

/* The current wall time in ns; timestamps of new and changed inodes. */
int64_t fs_now_ns(void)
{
	return (int64_t)clock_realtime_ns();
}

/* A new inode of sb with the caller's fsuid/fsgid and one reference;
 * NULL when out of memory. Times are "now", nlink 0 (the caller links it). */
struct inode *inode_new(struct super_block *sb, uint32_t mode)
{
	struct inode *ino = kzalloc(sizeof(*ino));
	struct task *t = proc_current();

	if (!ino)
		return NULL;
	ino->mode = mode;
	ino->uid = t ? t->cred.fsuid : 0;
	ino->gid = t ? t->cred.fsgid : 0;
	ino->atime_ns = ino->mtime_ns = ino->ctime_ns = fs_now_ns();
	ino->sb = sb;
	ino->ino = sb->next_ino++;
	ino->refcount = 1;
	sb->inode_refs++;
	return ino;
}

void inode_ref(struct inode *ino)
{
	KASSERT(ino->refcount > 0 || ino->nlink > 0);
	ino->refcount++;
	ino->sb->inode_refs++;
}

/* Drop a reference; the last one frees an unreachable inode. */
void inode_unref(struct inode *ino)
{
	if (!ino)
		return;
	KASSERT(ino->refcount > 0);
	ino->sb->inode_refs--;
	if (--ino->refcount > 0)
		return;
	if (ino->nlink == 0 || ino->sb->ephemeral) {
		if (ino->iops && ino->iops->evict)
			ino->iops->evict(ino);
		kfree(ino);
	}
}

/* Set the chosen timestamps to now. */
void inode_touch(struct inode *ino, bool a, bool m, bool c)
{
	int64_t now = fs_now_ns();

	if (a)
		ino->atime_ns = now;
	if (m)
		ino->mtime_ns = now;
	if (c)
		ino->ctime_ns = now;
}

/* relatime: update atime only if it is not newer than mtime or ctime, or is
 * over a day old, as Linux does by default. */
void inode_touch_atime(struct inode *ino)
{
	int64_t now = fs_now_ns();
	const int64_t day = 24LL * 3600 * 1000000000LL;

	if (ino->atime_ns <= ino->mtime_ns || ino->atime_ns <= ino->ctime_ns ||
	    now - ino->atime_ns >= day)
		ino->atime_ns = now;
}

static const struct cred *cur_cred(void)
{
	static const struct cred kernel_cred; /* all zero: root */
	struct task *t = proc_current();

	return t ? &t->cred : &kernel_cred;
}

bool cred_is_root(void)
{
	return cur_cred()->fsuid == 0;
}

bool cred_is_owner(struct inode *ino)
{
	return cur_cred()->fsuid == 0 || cur_cred()->fsuid == ino->uid;
}

/* Linux's generic_permission without ACLs or supplementary groups: the
 * owner, group or other triplet decides; root passes except that exec needs
 * some x bit on a non-directory. Returns 0 or -EACCES. */
int vfs_permission(struct inode *ino, int mask)
{
	const struct cred *c = cur_cred();
	uint32_t bits;

	mask &= MAY_READ | MAY_WRITE | MAY_EXEC;
	if (c->fsuid == 0) {
		if ((mask & MAY_EXEC) && !S_ISDIR(ino->mode) && !(ino->mode & 0111))
			return -EACCES;
		return 0;
	}
	if (c->fsuid == ino->uid)
		bits = (ino->mode >> 6) & 7;
	else if (c->fsgid == ino->gid)
		bits = (ino->mode >> 3) & 7;
	else
		bits = ino->mode & 7;
	return (mask & ~(int)bits) ? -EACCES : 0;
}

/* 0 if the current task may execve ino. */
int vfs_may_exec(struct inode *ino)
{
	if (!S_ISREG(ino->mode))
		return -EACCES;
	return vfs_permission(ino, MAY_EXEC);
}

int inode_dirent_type(uint32_t mode)
{
	switch (mode & S_IFMT) {
	case S_IFREG: return DT_REG;
	case S_IFDIR: return DT_DIR;
	case S_IFLNK: return DT_LNK;
	case S_IFCHR: return DT_CHR;
	case S_IFBLK: return DT_BLK;
	case S_IFIFO: return DT_FIFO;
	case S_IFSOCK: return DT_SOCK;
	}
	return DT_UNKNOWN;
}

int vfs_lookup(const char *path, bool follow, struct inode **out)
{
	struct inode *start;
	int err = walk_start(AT_FDCWD, path, &start);

	if (err)
		return err;
	err = walk_path(start, path, follow ? WALK_FOLLOW : 0, out);
	inode_unref(start);
	return err;
}

long vfs_inode_read(struct inode *ino, uint64_t off, void *kbuf, size_t n)
{
	struct uio u = { (uintptr_t)kbuf, n, true };

	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode) || !ino->iops->read)
		return -EINVAL;
	return ino->iops->read(ino, off, &u);
}

/* --- names of inodes (getcwd, /proc/<pid>/fd, /proc/mounts) --- */

struct name_finder {
	struct dir_sink sink;
	uint64_t ino;
	char *name;
	size_t len;
	bool found;
};

static bool name_finder_emit(struct dir_sink *s, const char *name, size_t len, uint64_t ino,
			     unsigned int type, uint64_t next_pos)
{
	struct name_finder *nf = container_of(s, struct name_finder, sink);

	if (ino != nf->ino || (len == 1 && name[0] == '.') ||
	    (len == 2 && name[0] == '.' && name[1] == '.'))
		return true;
	memcpy(nf->name, name, len);
	nf->len = len;
	nf->found = true;
	return false;
}

/* The name of child in dir into name[NAME_MAX+1]; its length or -ENOENT. */
static long dir_name_of(struct inode *dir, struct inode *child, char *name)
{
	struct name_finder nf = { { name_finder_emit }, child->ino, name, 0, false };
	uint64_t pos = 0;

	if (!dir->iops->readdir)
		return -ENOENT;
	dir->iops->readdir(dir, &pos, &nf.sink);
	return nf.found ? (long)nf.len : -ENOENT;
}

/* Prepend "/name" to the path being built right-to-left in buf[0..*pos). */
static int path_prepend(char *buf, size_t *pos, const char *name, size_t len)
{
	if (*pos < len + 1)
		return -ENAMETOOLONG;
	*pos -= len;
	memcpy(buf + *pos, name, len);
	buf[--*pos] = '/';
	return 0;
}

/* One step up from cur towards root: the parent (with a reference) and the
 * name of cur in it, or NULL parent when cur is a root. */
static int path_step_up(struct inode *cur, struct inode **parent, char *name, long *len)
{
	int err = cur->iops->get_parent ? cur->iops->get_parent(cur, parent) : -ENOENT;

	if (err)
		return err;
	*len = dir_name_of(*parent, cur, name);
	if (*len < 0) {
		inode_unref(*parent);
		return (int)*len;
	}
	return 0;
}

/* Build the path of ino relative to root (the root filesystem's root for
 * /proc/mounts); the length or -errno. */
long inode_path_from(struct inode *root, struct inode *ino, char *buf, size_t size)
{
	char *name = kmalloc(NAME_MAX + 1);
	size_t pos = size;
	struct inode *cur = ino, *parent;
	long len;
	int err = 0;

	if (!name || size < 2) {
		kfree(name);
		return name ? -ENAMETOOLONG : -ENOMEM;
	}
	inode_ref(cur);
	buf[--pos] = 0;
	while (cur != root && !err) {
		if (cur == cur->sb->root) {
			if (!cur->sb->mnt)
				break; /* detached mount: its root acts as "/" */
			parent = cur->sb->mnt->covered;
			inode_ref(parent);
		} else if (!(err = path_step_up(cur, &parent, name, &len))) {
			err = path_prepend(buf, &pos, name, (size_t)len);
		}
		if (!err) {
			inode_unref(cur);
			cur = parent;
		}
	}
	inode_unref(cur);
	kfree(name);
	if (err)
		return err;
	if (pos == size - 1 && path_prepend(buf, &pos, "", 0))
		return -ENAMETOOLONG;
	memmove(buf, buf + pos, size - pos);
	return (long)(size - pos - 1);
}

long vfs_inode_path(struct inode *ino, char *buf, size_t size)
{
	struct task *t = proc_current();
	struct inode *root = t && t->fs ? t->fs->root : vfs_root;

	return inode_path_from(root, ino, buf, size);
}

uint32_t vfs_inode_dev(const struct inode *ino)
{
	return ino->sb->dev;
}

paddr_t vfs_inode_page(struct inode *ino, uint64_t pgoff, bool alloc)
{
	if (!vfs_inode_has_pages(ino))
		return 0;
	return ino->iops->get_page(ino, pgoff, alloc);
}

bool vfs_inode_has_pages(struct inode *ino)
{
	return S_ISREG(ino->mode) && ino->iops && ino->iops->get_page;
}

/* mount.c: filesystem types, super blocks and the mount table.
 *
 * A mount joins a super block's root to a directory of another filesystem:
 * covered->mounted points at the mount, sb->mnt back at it, and the mount
 * holds a reference on the covered directory. The root filesystem is the
 * one super block with no mount. Each super block is mounted at most once.
 * A filesystem is busy while any of its inodes has a reference beyond the
 * one its super block keeps on its root. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/kheap.h"

#define MNT_FORCE 1
#define MNT_DETACH 2

struct list_head mount_table = LIST_HEAD_INIT(mount_table);
struct inode *vfs_root;

static uint32_t next_anon_minor = 1;

static const struct fs_type *const fs_types[] = {
	&ramfs_type,
	&tmpfs_type,
	&procfs_type,
	&devtmpfs_type,
};

/* The filesystem type called name, or NULL. */
const struct fs_type *fs_type_find(const char *name)
{
	for (size_t i = 0; i < sizeof(fs_types) / sizeof(fs_types[0]); i++)
		if (!strcmp(fs_types[i]->name, name))
			return fs_types[i];
	return NULL;
}

/* A blank super block with an anonymous device number (0:n). The caller
 * sets the root. NULL when out of memory. */
struct super_block *sb_new(const struct fs_type *type)
{
	struct super_block *sb = kzalloc(sizeof(*sb));

	if (!sb)
		return NULL;
	sb->type = type;
	sb->dev = MKDEV(0, next_anon_minor++);
	sb->next_ino = 1;
	return sb;
}

bool inode_is_mountpoint(struct inode *ino)
{
	return ino->mounted != NULL || (ino == ino->sb->root && (ino->sb->mnt || ino == vfs_root));
}

/* Mount sb on directory dir. => the caller keeps its reference on dir.
 * 0, -ENOTDIR, -EBUSY (dir already covered, sb already mounted), -ENOMEM. */
int vfs_mount_sb(struct super_block *sb, struct inode *dir, const char *source)
{
	struct mount *m;
	long len;

	if (!S_ISDIR(dir->mode))
		return -ENOTDIR;
	if (dir->mounted || sb->mnt)
		return -EBUSY;
	m = kzalloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	len = inode_path_from(vfs_root, dir, m->path, sizeof(m->path));
	if (len < 0)
		memcpy(m->path, "?", 2);
	m->sb = sb;
	if (strlen(source) < sizeof(m->source))
		memcpy(m->source, source, strlen(source) + 1);
	else
		memcpy(m->source, "none", 5);
	m->covered = dir;
	inode_ref(dir);
	dir->mounted = m;
	sb->mnt = m;
	list_add_tail(&m->link, &mount_table);
	return 0;
}

int vfs_mount(const char *fstype, const char *target)
{
	const struct fs_type *type = fs_type_find(fstype);
	struct super_block *sb;
	struct inode *dir;
	int err;

	if (!type)
		return -ENODEV;
	if ((err = vfs_lookup(target, true, &dir)))
		return err;
	sb = type->get_sb();
	if (!sb) {
		inode_unref(dir);
		return -ENOMEM;
	}
	err = vfs_mount_sb(sb, dir, type->name);
	if (err && !sb->mnt && type->kill_sb)
		type->kill_sb(sb);
	inode_unref(dir);
	return err;
}

/* Unmount the filesystem whose root is root. => consumes the caller's
 * reference on root. 0, -EINVAL (not a mount root), -EBUSY. A busy
 * filesystem detached with MNT_DETACH stays allocated. */
int vfs_umount(struct inode *root, int flags)
{
	struct super_block *sb = root->sb;
	struct mount *m = sb->mnt;
	bool busy = sb->inode_refs > 2;

	if (root == vfs_root) {
		inode_unref(root);
		return -EBUSY;
	}
	if (root != sb->root || !m) {
		inode_unref(root);
		return -EINVAL;
	}
	if (busy && !(flags & MNT_DETACH)) {
		inode_unref(root);
		return -EBUSY;
	}
	list_del(&m->link);
	m->covered->mounted = NULL;
	inode_unref(m->covered);
	sb->mnt = NULL;
	kfree(m);
	inode_unref(root);
	if (!busy && sb->type->kill_sb)
		sb->type->kill_sb(sb);
	return 0;
}

/* devfs.c: the character-device table, devtmpfs and the memory devices
 * (null, zero, full, random, urandom).
 *
 * Drivers register (name, major, minor, ops). Opening a character device
 * node anywhere looks its rdev up in the table (no driver: ENXIO).
 * devtmpfs is one shared ramfs instance holding a node for every registered
 * device; it exists from devfs_init on, and devices registered earlier get
 * their nodes then. The tty layer registers console and tty devices the
 * same way with its own file_ops. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"

#define MAX_CHRDEVS 64
#define DEVNAME_MAX 32

void random_stir(const void *buf, size_t n);

struct chrdev {
	uint32_t rdev;
	const struct file_ops *ops;
	char name[DEVNAME_MAX];
};

static struct chrdev chrdevs[MAX_CHRDEVS];
static int nchrdevs;
static struct super_block *devtmpfs_sb;

const struct file_ops *chrdev_find(uint32_t rdev)
{
	for (int i = 0; i < nchrdevs; i++)
		if (chrdevs[i].rdev == rdev)
			return chrdevs[i].ops;
	return NULL;
}

/* Find or make directory name[0..len) in dir. => *out holds a reference. */
static int devfs_subdir(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	int err = dir->iops->lookup(dir, name, len, out);

	if (err == -ENOENT)
		err = dir->iops->mknod(dir, name, len, S_IFDIR | 0755, 0, out);
	if (!err && !S_ISDIR((*out)->mode)) {
		inode_unref(*out);
		err = -ENOTDIR;
	}
	return err;
}

/* Create (or replace) the node path (relative, '/'-separated) in devtmpfs. */
static int devfs_make_node(const char *path, uint32_t mode, uint32_t rdev, const char *target)
{
	struct inode *dir = devtmpfs_sb->root, *ino, *sub;
	const char *slash;
	int err = 0;

	inode_ref(dir);
	while (!err && (slash = strchr(path, '/'))) {
		if ((err = devfs_subdir(dir, path, (size_t)(slash - path), &sub)))
			break;
		inode_unref(dir);
		dir = sub;
		path = slash + 1;
	}
	if (!err && dir->iops->lookup(dir, path, strlen(path), &ino) == 0) {
		if (S_ISDIR(ino->mode))
			err = -EEXIST;
		inode_unref(ino);
		if (!err)
			dir->iops->unlink(dir, path, strlen(path));
	}
	if (!err && target)
		err = dir->iops->symlink(dir, path, strlen(path), target, &ino);
	else if (!err)
		err = dir->iops->mknod(dir, path, strlen(path), mode, rdev, &ino);
	if (!err) {
		ino->uid = ino->gid = 0;
		inode_unref(ino);
	}
	inode_unref(dir);
	return err;
}

int devfs_register_char(const char *name, uint32_t major, uint32_t minor,
			const struct file_ops *ops)
{
	uint32_t rdev = MKDEV(major, minor);
	struct chrdev *d = NULL;

	if (strlen(name) >= DEVNAME_MAX || !ops)
		return -EINVAL;
	for (int i = 0; i < nchrdevs; i++)
		if (chrdevs[i].rdev == rdev)
			d = &chrdevs[i];
	if (!d && nchrdevs == MAX_CHRDEVS)
		return -ENOSPC;
	if (!d)
		d = &chrdevs[nchrdevs++];
	d->rdev = rdev;
	d->ops = ops;
	memcpy(d->name, name, strlen(name) + 1);
	if (!devtmpfs_sb)
		return 0;
	return devfs_make_node(name, S_IFCHR | 0666, rdev, NULL);
}

/* --- memory devices --- */

static long null_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return 0;
}

static long null_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return (long)u->len;
}

static int64_t null_llseek(struct file *f, int64_t off, int whence)
{
	f->pos = 0;
	return 0;
}

/* Fill u from gen, a chunk at a time; stops early on a fault. */
static long fill_read(struct uio *u, void (*gen)(void *buf, size_t n))
{
	uint8_t chunk[256];
	size_t done = 0;

	while (done < u->len) {
		size_t n = u->len - done < sizeof(chunk) ? u->len - done : sizeof(chunk);

		gen(chunk, n);
		size_t got = uio_copy_out_partial(u, done, chunk, n);
		done += got;
		if (got < n)
			return done ? (long)done : -EFAULT;
	}
	return (long)done;
}

static void gen_zero(void *buf, size_t n)
{
	memset(buf, 0, n);
}

static long zero_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return fill_read(u, gen_zero);
}

static long full_write(struct file *f, struct uio *u, uint64_t *pos)
{
	return u->len ? -ENOSPC : 0;
}

static long random_read(struct file *f, struct uio *u, uint64_t *pos)
{
	return fill_read(u, random_bytes);
}

/* Writes to /dev/random are mixed in, as on Linux (without crediting). */
static long random_write(struct file *f, struct uio *u, uint64_t *pos)
{
	uint8_t buf[64];
	size_t n = u->len < sizeof(buf) ? u->len : sizeof(buf);

	if (uio_copy_in(buf, u, 0, n))
		return -EFAULT;
	random_stir(buf, n);
	return (long)u->len;
}

static const struct file_ops null_ops = { .read = null_read, .write = null_write,
					  .llseek = null_llseek };
static const struct file_ops zero_ops = { .read = zero_read, .write = null_write,
					  .llseek = null_llseek };
static const struct file_ops full_ops = { .read = zero_read, .write = full_write,
					  .llseek = null_llseek };
static const struct file_ops random_ops = { .read = random_read, .write = random_write,
					    .llseek = null_llseek };

static struct super_block *devtmpfs_get_sb(void)
{
	return devtmpfs_sb;
}

const struct fs_type devtmpfs_type = { "devtmpfs", TMPFS_MAGIC, devtmpfs_get_sb, NULL };

/* Create devtmpfs, its nodes for devices registered so far, the memory
 * devices and the /dev/fd links. Panics only if the boot heap is empty. */
void devfs_init(void)
{
	static const char *const links[][2] = {
		{ "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	struct inode *ino;

	devtmpfs_sb = ramfs_new_sb(&devtmpfs_type);
	if (!devtmpfs_sb)
		panic("devfs: no memory for devtmpfs");
	devtmpfs_sb->root->mode = S_IFDIR | 0755;
	for (int i = 0; i < nchrdevs; i++)
		devfs_make_node(chrdevs[i].name, S_IFCHR | 0666, chrdevs[i].rdev, NULL);
	devfs_register_char("null", 1, 3, &null_ops);
	devfs_register_char("zero", 1, 5, &zero_ops);
	devfs_register_char("full", 1, 7, &full_ops);
	devfs_register_char("random", 1, 8, &random_ops);
	devfs_register_char("urandom", 1, 9, &random_ops);
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		devfs_make_node(links[i][0], 0, 0, links[i][1]);
	if (devfs_subdir(devtmpfs_sb->root, "pts", 3, &ino) == 0)
		inode_unref(ino);
	if (devfs_subdir(devtmpfs_sb->root, "shm", 3, &ino) == 0) {
		ino->mode = S_IFDIR | 01777;
		inode_unref(ino);
	}
}

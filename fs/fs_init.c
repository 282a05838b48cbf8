/* fs_init.c: bring up the root filesystem, /dev and /proc. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/printk.h"

/* The root is a ramfs; /dev gets devtmpfs and /proc procfs, as an
 * initramfs-booted Linux has after its init mounts them. */
void fs_init(void)
{
	struct super_block *sb = ramfs_new_sb(&ramfs_type);
	int err;

	if (!sb)
		panic("fs: no memory for the root filesystem");
	vfs_root = sb->root;
	procfs_init();
	devfs_init();
	vfs_mknod_at(vfs_root, "dev", S_IFDIR | 0755, 0);
	vfs_mknod_at(vfs_root, "proc", S_IFDIR | 0555, 0);
	if ((err = vfs_mount("devtmpfs", "/dev")))
		kprintf("fs: mounting devtmpfs on /dev failed: %d\n", err);
	if ((err = vfs_mount("proc", "/proc")))
		kprintf("fs: mounting proc on /proc failed: %d\n", err);
	kinfo("fs: ramfs on /, devtmpfs on /dev, proc on /proc\n");
}

int fs_unpack_initramfs(const void *buf, size_t len)
{
	return cpio_unpack(vfs_root, buf, len);
}

/* fs_selftest.c: in-kernel self-tests of the filesystem layer. Each works
 * on a private ramfs instance (never the live tree) through the internal
 * API, since kernel buffers are not user pointers. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/selftest.h"
#include "mm/kheap.h"

/* Read the file at path (relative to root) into buf; length or -errno. */
static long st_read_file(struct inode *root, const char *path, char *buf, size_t size)
{
	struct inode *ino;
	long n;
	int err = walk_path(root, path, WALK_FOLLOW, &ino);

	if (err)
		return err;
	n = vfs_inode_read(ino, 0, buf, size);
	inode_unref(ino);
	return n;
}

static int st_write_file(struct inode *root, const char *path, const char *data)
{
	struct uio u = { (uintptr_t)data, strlen(data), true };
	struct inode *ino;
	int err = vfs_mknod_at(root, path, S_IFREG | 0644, 0);

	if (err)
		return err;
	if ((err = walk_path(root, path, 0, &ino)))
		return err;
	err = ino->iops->write(ino, 0, &u) == (long)u.len ? 0 : -EIO;
	inode_unref(ino);
	return err;
}

SELFTEST(fs_ramfs_paths)
{
	struct super_block *sb = ramfs_new_sb(&ramfs_type);
	struct inode *r, *ino;
	char buf[16];

	ST_CHECK(sb != NULL);
	if (!sb)
		return;
	r = sb->root;
	ST_CHECK(vfs_mknod_at(r, "d", S_IFDIR | 0755, 0) == 0);
	ST_CHECK(vfs_mknod_at(r, "d", S_IFDIR | 0755, 0) == -EEXIST);
	ST_CHECK(st_write_file(r, "d/f", "hello") == 0);
	ST_CHECK(vfs_symlink_at("d/f", r, "ln") == 0);
	ST_CHECK(vfs_symlink_at("loop", r, "loop") == 0);
	ST_CHECK(st_read_file(r, "ln", buf, sizeof(buf)) == 5 && !memcmp(buf, "hello", 5));
	ST_CHECK(st_read_file(r, "d/f/x", buf, sizeof(buf)) == -ENOTDIR);
	ST_CHECK(st_read_file(r, "loop", buf, sizeof(buf)) == -ELOOP);
	ST_CHECK(st_read_file(r, "d/../d/./f", buf, sizeof(buf)) == 5);
	ST_CHECK(vfs_rename_at(r, "d/f", r, "g", 0) == 0);
	ST_CHECK(st_read_file(r, "ln", buf, sizeof(buf)) == -ENOENT);
	ST_CHECK(vfs_link_at(r, "g", 0, r, "d/h") == 0);
	ST_CHECK(walk_path(r, "g", 0, &ino) == 0 && ino->nlink == 2);
	inode_unref(ino);
	ST_CHECK(vfs_unlink_at(r, "d", false) == -EISDIR);
	ST_CHECK(vfs_unlink_at(r, "d", true) == -ENOTEMPTY);
	ST_CHECK(vfs_unlink_at(r, "d/h", false) == 0);
	ST_CHECK(vfs_unlink_at(r, "d", true) == 0);
	sb->type->kill_sb(sb);
}

/* One newc header + name + data, padded, appended at buf+*off. */
static void st_cpio_entry(char *buf, size_t *off, const char *name, uint32_t mode,
			  const char *data)
{
	size_t nlen = strlen(name) + 1, dlen = data ? strlen(data) : 0;

	ksnprintf(buf + *off, 111, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		  1u, mode, 0u, 0u, 1u, 0u, (unsigned)dlen, 0u, 0u, 0u, 0u, (unsigned)nlen, 0u);
	*off += 110;
	memcpy(buf + *off, name, nlen);
	*off = (*off + nlen + 3) & ~(size_t)3;
	if (dlen)
		memcpy(buf + *off, data, dlen);
	*off = (*off + dlen + 3) & ~(size_t)3;
}

SELFTEST(fs_cpio_unpack)
{
	struct super_block *sb = ramfs_new_sb(&ramfs_type);
	char *ar = kzalloc(1024), buf[16];
	size_t len = 0;

	ST_CHECK(sb && ar);
	if (!sb || !ar) {
		kfree(ar);
		return;
	}
	st_cpio_entry(ar, &len, "a/b/file", S_IFREG | 0644, "payload");
	st_cpio_entry(ar, &len, "a/link", S_IFLNK | 0777, "b/file");
	st_cpio_entry(ar, &len, "TRAILER!!!", 0, NULL);
	ST_CHECK(cpio_unpack(sb->root, ar, len) == 0);
	ST_CHECK(st_read_file(sb->root, "a/link", buf, sizeof(buf)) == 7);
	ST_CHECK(!memcmp(buf, "payload", 7));
	ST_CHECK(cpio_unpack(sb->root, ar, 100) == -EINVAL); /* truncated header */
	kfree(ar);
	sb->type->kill_sb(sb);
}

SELFTEST(fs_fdtable)
{
	struct fdtable *t = fdtable_new(), *c;
	struct file *f = file_alloc(NULL, O_RDONLY, NULL);

	ST_CHECK(t && f);
	if (!t || !f)
		return;
	t->limit = 4;
	ST_CHECK(fd_install(t, f, 0, false) == 0);
	file_ref(f);
	ST_CHECK(fd_install(t, f, 2, true) == 2);
	file_ref(f);
	ST_CHECK(fd_install(t, f, 0, false) == 1);
	file_ref(f);
	ST_CHECK(fd_install(t, f, 0, false) == 3);
	file_ref(f);
	ST_CHECK(fd_install(t, f, 0, false) == -EMFILE);
	file_unref(f);
	c = fdtable_clone(t);
	ST_CHECK(c && f->refcount == 8 && c->cloexec[2]);
	fdtable_close_on_exec(c);
	ST_CHECK(c->fd[2] == NULL && f->refcount == 7);
	ST_CHECK(fd_close(c, 2) == -EBADF);
	fdtable_put(c);
	ST_CHECK(f->refcount == 4);
	fdtable_put(t);
}

SELFTEST(fs_pipe_ring)
{
	struct file *rd, *wr;
	char *buf = kmalloc(70000);
	long n;

	ST_CHECK(buf != NULL);
	if (!buf || pipe_create(&rd, &wr, O_NONBLOCK)) {
		kfree(buf);
		ST_CHECK(false);
		return;
	}
	for (int i = 0; i < 70000; i++)
		buf[i] = (char)i;
	ST_CHECK(vfs_write(wr, buf, 1000) == 1000);
	ST_CHECK(vfs_read(rd, buf + 1000, 600) == 600);
	n = vfs_write(wr, buf, 70000);
	ST_CHECK(n == 65536 - 400);
	ST_CHECK(vfs_write(wr, buf, 10) == -EAGAIN);
	ST_CHECK(vfs_read(rd, buf, 400) == 400 && buf[0] == (char)600);
	file_unref(wr);
	ST_CHECK(vfs_read(rd, buf, 70000) == n);
	ST_CHECK(vfs_read(rd, buf, 1) == 0); /* EOF */
	file_unref(rd);
	kfree(buf);
}

SELFTEST(fs_random)
{
	uint64_t a[4] = { 0 }, b[4] = { 0 };

	random_bytes(a, sizeof(a));
	random_bytes(b, sizeof(b));
	ST_CHECK(memcmp(a, b, sizeof(a)) != 0);
	ST_CHECK(a[0] | a[1] | a[2] | a[3]);
}

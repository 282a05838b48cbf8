/* test_cpio.c: the newc unpacker on synthetic archives: every entry type,
 * missing parents, hard links, concatenated overlays, and truncated,
 * malformed and randomly corrupted input (which must never crash). */
#include "fs_shims.h"
#include "htest.h"

struct ab {
	char *buf;
	size_t len, cap;
};

static void ab_put(struct ab *a, const void *p, size_t n)
{
	if (a->len + n > a->cap) {
		a->cap = (a->len + n) * 2 + 256;
		a->buf = realloc(a->buf, a->cap);
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void ab_pad(struct ab *a, size_t align)
{
	while (a->len % align)
		ab_put(a, "", 1);
}

static void ab_entry_magic(struct ab *a, const char *magic, const char *name, uint32_t mode,
			   uint32_t ino, uint32_t nlink, const void *data, size_t dlen,
			   uint32_t rmaj, uint32_t rmin)
{
	char hdr[111];

	snprintf(hdr, sizeof(hdr),
		 "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", magic, ino, mode, 0u,
		 0u, nlink, 1234567890u, (unsigned)dlen, 0u, 0u, rmaj, rmin,
		 (unsigned)strlen(name) + 1, 0u);
	ab_put(a, hdr, 110);
	ab_put(a, name, strlen(name) + 1);
	ab_pad(a, 4);
	ab_put(a, data, dlen);
	ab_pad(a, 4);
}

static void ab_entry(struct ab *a, const char *name, uint32_t mode, uint32_t ino, uint32_t nlink,
		     const char *data)
{
	ab_entry_magic(a, "070701", name, mode, ino, nlink, data ? data : "",
		       data ? strlen(data) : 0, 0, 0);
}

static void ab_trailer(struct ab *a)
{
	ab_entry(a, "TRAILER!!!", 0, 0, 1, NULL);
}

/* A fresh directory /name to unpack into; returns it with a reference. */
static struct inode *fresh_root(const char *name)
{
	struct inode *dir;

	sys_mkdir(U(name), 0755);
	HCHECK(vfs_lookup(name, true, &dir) == 0);
	return dir;
}

static long slurp(const char *path, char *buf, size_t size)
{
	long fd = sys_open(U(path), O_RDONLY, 0), n;

	if (fd < 0)
		return fd;
	n = sys_read((int)fd, U(buf), size - 1);
	buf[n > 0 ? n : 0] = 0;
	sys_close((int)fd);
	return n;
}

static struct linux_stat lst(const char *path, long *err)
{
	struct linux_stat st;

	memset(&st, 0, sizeof(st));
	*err = sys_lstat(U(path), U(&st));
	return st;
}

HTEST(all_entry_types)
{
	struct ab a = { 0 };
	struct inode *root;
	char buf[64];
	long err;

	host_fs_setup();
	root = fresh_root("/c1");
	ab_entry(&a, ".", S_IFDIR | 0755, 1, 2, NULL);
	ab_entry(&a, "bin", S_IFDIR | 0755, 2, 2, NULL);
	ab_entry(&a, "bin/busybox", S_IFREG | 0755, 3, 1, "#!busybox");
	ab_entry(&a, "bin/sh", S_IFLNK | 0777, 4, 1, "busybox");
	ab_entry(&a, "./deep/er/file", S_IFREG | 0600, 5, 1, "deep"); /* parents missing */
	ab_entry_magic(&a, "070701", "dev/console", S_IFCHR | 0600, 6, 1, "", 0, 5, 1);
	ab_entry(&a, "empty", S_IFREG | 0644, 7, 1, NULL);
	ab_entry_magic(&a, "070702", "crc", S_IFREG | 0644, 8, 1, "crc!", 4, 0, 0);
	ab_trailer(&a);
	HCHECK(cpio_unpack(root, a.buf, a.len) == 0);
	HCHECK(slurp("/c1/bin/busybox", buf, sizeof(buf)) == 9 && !strcmp(buf, "#!busybox"));
	HCHECK(slurp("/c1/bin/sh", buf, sizeof(buf)) == 9); /* through the link */
	HCHECK(S_ISLNK(lst("/c1/bin/sh", &err).st_mode));
	HCHECK((lst("/c1/bin/busybox", &err).st_mode & 07777) == 0755);
	HCHECK(lst("/c1/bin/busybox", &err).st_mtime_sec == 1234567890);
	HCHECK(slurp("/c1/deep/er/file", buf, sizeof(buf)) == 4);
	HCHECK(S_ISDIR(lst("/c1/deep/er", &err).st_mode));
	struct linux_stat st = lst("/c1/dev/console", &err);
	HCHECK(S_ISCHR(st.st_mode) && st.st_rdev == ((5 << 8) | 1));
	HCHECK(slurp("/c1/empty", buf, sizeof(buf)) == 0);
	HCHECK(slurp("/c1/crc", buf, sizeof(buf)) == 4);
	inode_unref(root);
	free(a.buf);
}

HTEST(hard_links)
{
	struct ab a = { 0 };
	struct inode *root;
	char buf[64];
	long err;

	host_fs_setup();
	root = fresh_root("/c2");
	/* GNU cpio style: the data rides on the last entry of the group */
	ab_entry(&a, "one", S_IFREG | 0644, 50, 3, NULL);
	ab_entry(&a, "two", S_IFREG | 0644, 50, 3, NULL);
	ab_entry(&a, "three", S_IFREG | 0644, 50, 3, "shared");
	ab_entry(&a, "other", S_IFREG | 0644, 51, 1, "solo");
	ab_trailer(&a);
	HCHECK(cpio_unpack(root, a.buf, a.len) == 0);
	HCHECK(slurp("/c2/one", buf, sizeof(buf)) == 6 && !strcmp(buf, "shared"));
	HCHECK(lst("/c2/one", &err).st_nlink == 3);
	HCHECK(lst("/c2/one", &err).st_ino == lst("/c2/three", &err).st_ino);
	HCHECK(lst("/c2/other", &err).st_nlink == 1);
	inode_unref(root);
	free(a.buf);
}

HTEST(concatenated_overlay)
{
	struct ab a = { 0 };
	struct inode *root;
	char buf[64];
	long err;

	host_fs_setup();
	root = fresh_root("/c3");
	ab_entry(&a, "etc", S_IFDIR | 0755, 1, 2, NULL);
	ab_entry(&a, "etc/motd", S_IFREG | 0644, 2, 1, "first");
	ab_entry(&a, "etc/link", S_IFLNK | 0777, 3, 1, "motd");
	ab_entry(&a, "thing", S_IFREG | 0644, 4, 1, "file");
	ab_trailer(&a);
	ab_pad(&a, 512); /* the NUL padding between archives */
	ab_entry(&a, "etc/motd", S_IFREG | 0600, 2, 1, "second!");
	ab_entry(&a, "etc/link", S_IFREG | 0644, 3, 1, "now a file");
	ab_entry(&a, "thing", S_IFDIR | 0700, 4, 2, NULL);
	ab_entry(&a, "etc", S_IFDIR | 0700, 1, 2, NULL); /* dir over dir: attributes */
	ab_trailer(&a);
	HCHECK(cpio_unpack(root, a.buf, a.len) == 0);
	HCHECK(slurp("/c3/etc/motd", buf, sizeof(buf)) == 7 && !strcmp(buf, "second!"));
	HCHECK((lst("/c3/etc/motd", &err).st_mode & 0777) == 0600);
	HCHECK(S_ISREG(lst("/c3/etc/link", &err).st_mode));
	HCHECK(S_ISDIR(lst("/c3/thing", &err).st_mode));
	HCHECK((lst("/c3/etc", &err).st_mode & 0777) == 0700);
	inode_unref(root);
	free(a.buf);
}

HTEST(malformed_headers)
{
	struct ab a = { 0 };
	struct inode *root;
	char buf[8];
	int before = host_kprintf_count;

	host_fs_setup();
	root = fresh_root("/c4");
	HCHECK(cpio_unpack(root, "", 0) == 0);
	HCHECK(cpio_unpack(root, "070701", 6) == -EINVAL);
	HCHECK(cpio_unpack(root, "garbage garbage", 15) == -EINVAL);
	ab_entry(&a, "ok", S_IFREG | 0644, 1, 1, "fine");
	size_t good = a.len;
	ab_entry(&a, "bad", S_IFREG | 0644, 2, 1, "x");
	memcpy(a.buf + good + 6 + 8, "0000G000", 8); /* non-hex mode */
	HCHECK(cpio_unpack(root, a.buf, a.len) == -EINVAL);
	HCHECK(slurp("/c4/ok", buf, sizeof(buf)) == 4); /* entries before stay */
	HCHECK(slurp("/c4/bad", buf, sizeof(buf)) == -ENOENT);
	/* namesize past the end, filesize past the end, name without NUL */
	a.len = good;
	ab_entry(&a, "n", S_IFREG | 0644, 2, 1, "x");
	memcpy(a.buf + good + 6 + 8 * 11, "FFFFFFFF", 8);
	HCHECK(cpio_unpack(root, a.buf, a.len) == -EINVAL);
	memcpy(a.buf + good + 6 + 8 * 11, "00000002", 8);
	memcpy(a.buf + good + 6 + 8 * 6, "7FFFFFFF", 8);
	HCHECK(cpio_unpack(root, a.buf, a.len) == -EINVAL);
	memcpy(a.buf + good + 6 + 8 * 6, "00000001", 8);
	a.buf[good + 110 + 1] = 'X'; /* overwrite the name's NUL */
	HCHECK(cpio_unpack(root, a.buf, a.len) == -EINVAL);
	memcpy(a.buf + good + 6 + 8 * 11, "00000000", 8); /* namesize 0 */
	HCHECK(cpio_unpack(root, a.buf, a.len) == -EINVAL);
	HCHECK(host_kprintf_count > before);
	inode_unref(root);
	free(a.buf);
}

HTEST(every_truncation)
{
	struct ab a = { 0 };
	struct inode *root;

	host_fs_setup();
	root = fresh_root("/c5");
	ab_entry(&a, "d", S_IFDIR | 0755, 1, 2, NULL);
	ab_entry(&a, "d/f", S_IFREG | 0644, 2, 1, "some file data");
	ab_entry(&a, "d/l", S_IFLNK | 0777, 3, 1, "f");
	ab_entry(&a, "h1", S_IFREG | 0644, 4, 2, NULL);
	ab_entry(&a, "h2", S_IFREG | 0644, 4, 2, "linked");
	ab_trailer(&a);
	for (size_t cut = 0; cut <= a.len; cut++) {
		char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees overreads */

		memcpy(copy, a.buf, cut);
		int err = cpio_unpack(root, copy, cut);
		HCHECK(err == 0 || err == -EINVAL);
		free(copy);
	}
	HCHECK(cpio_unpack(root, a.buf, a.len) == 0);
	inode_unref(root);
	free(a.buf);
}

HTEST(random_corruption)
{
	struct ab a = { 0 };
	struct inode *root;
	uint32_t seed = 12345;

	host_fs_setup();
	root = fresh_root("/c6");
	ab_entry(&a, "a", S_IFDIR | 0755, 1, 2, NULL);
	ab_entry(&a, "a/b", S_IFREG | 0644, 2, 2, "bbbb");
	ab_entry(&a, "a/c", S_IFLNK | 0777, 3, 1, "b");
	ab_entry(&a, "a/d", S_IFREG | 0644, 2, 2, "dd");
	ab_entry_magic(&a, "070701", "a/e", S_IFCHR | 0644, 4, 1, "", 0, 1, 3);
	ab_trailer(&a);
	for (int iter = 0; iter < 3000; iter++) {
		char *copy = malloc(a.len);

		memcpy(copy, a.buf, a.len);
		for (int k = 0; k < 1 + iter % 4; k++) {
			seed = seed * 1103515245 + 12345;
			size_t pos = (seed >> 8) % a.len;
			seed = seed * 1103515245 + 12345;
			copy[pos] = (iter & 1) ? "0123456789ABCDEF/.\0"[(seed >> 8) % 19]
					       : (char)(seed >> 16);
		}
		int err = cpio_unpack(root, copy, a.len);
		HCHECK(err == 0 || err == -EINVAL);
		free(copy);
	}
	inode_unref(root);
	free(a.buf);
}

HTEST(boot_unpack_into_root)
{
	struct ab a = { 0 };
	char buf[16];

	host_fs_setup();
	ab_entry(&a, "../../escape", S_IFREG | 0644, 1, 1, "top"); /* ".." stops at "/" */
	ab_entry(&a, "init", S_IFREG | 0755, 2, 1, "INIT");
	ab_trailer(&a);
	HCHECK(fs_unpack_initramfs(a.buf, a.len) == 0);
	HCHECK(slurp("/escape", buf, sizeof(buf)) == 3);
	HCHECK(slurp("/init", buf, sizeof(buf)) == 4);
	struct inode *ino;
	HCHECK(vfs_lookup("/init", true, &ino) == 0 && vfs_may_exec(ino) == 0);
	HCHECK(vfs_inode_read(ino, 1, buf, 10) == 3 && !memcmp(buf, "NIT", 3));
	inode_unref(ino);
	HCHECK(vfs_lookup("/escape", true, &ino) == 0 && vfs_may_exec(ino) == -EACCES);
	inode_unref(ino);
	free(a.buf);
}

HTEST_MAIN()

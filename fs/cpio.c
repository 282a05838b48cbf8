/* cpio.c: unpack newc ("070701", or "070702" with checksums) archives.
 *
 * Layout of one entry: a 110-byte header of ASCII hex fields, the name
 * (namesize bytes with its NUL), padding to 4, the data (filesize bytes),
 * padding to 4. "TRAILER!!!" ends an archive; NUL padding may follow, and
 * then another archive, whose entries override earlier ones (an overlay),
 * as Linux's initramfs does. Missing parent directories are created.
 *
 * Hard links: newc entries of one link group share (ino, dev) and nlink > 1;
 * the first creates the file, later ones link to it and the one carrying
 * the data (usually the last) writes it. The table of groups is forgotten
 * at each trailer.
 *
 * Every field is bounds-checked against the buffer before use: a malformed
 * archive stops the unpack with a message and -EINVAL, never a panic. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/kheap.h"

#define CPIO_HDR_LEN 110
#define CPIO_MAX_LINKS 256

struct cpio_hdr {
	uint32_t ino, mode, uid, gid, nlink, mtime, filesize;
	uint32_t devmajor, devminor, rdevmajor, rdevminor, namesize, check;
};

struct cpio_link {
	uint32_t ino, devmajor, devminor;
	struct inode *inode; /* one reference */
};

struct cpio_state {
	struct inode *root;
	struct cpio_link links[CPIO_MAX_LINKS];
	int nlinks;
};

static size_t align4(size_t v)
{
	return (v + 3) & ~(size_t)3;
}

/* Parse 8 hex digits; false if any is not one. */
static bool hex8(const char *p, uint32_t *out)
{
	uint32_t v = 0;

	for (int i = 0; i < 8; i++) {
		char c = p[i];
		uint32_t d;

		if (c >= '0' && c <= '9')
			d = (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (uint32_t)(c - 'A' + 10);
		else
			return false;
		v = (v << 4) | d;
	}
	*out = v;
	return true;
}

static bool parse_hdr(const char *p, struct cpio_hdr *h)
{
	uint32_t *f[] = { &h->ino, &h->mode, &h->uid, &h->gid, &h->nlink, &h->mtime,
			  &h->filesize, &h->devmajor, &h->devminor, &h->rdevmajor,
			  &h->rdevminor, &h->namesize, &h->check };

	if (memcmp(p, "070701", 6) && memcmp(p, "070702", 6))
		return false;
	for (int i = 0; i < 13; i++)
		if (!hex8(p + 6 + 8 * i, f[i]))
			return false;
	return true;
}

static void links_forget(struct cpio_state *st)
{
	for (int i = 0; i < st->nlinks; i++)
		inode_unref(st->links[i].inode);
	st->nlinks = 0;
}

static struct cpio_link *link_find(struct cpio_state *st, const struct cpio_hdr *h)
{
	for (int i = 0; i < st->nlinks; i++)
		if (st->links[i].ino == h->ino && st->links[i].devmajor == h->devmajor &&
		    st->links[i].devminor == h->devminor)
			return &st->links[i];
	return NULL;
}

/* Create every missing directory on the way to name's parent. */
static void make_parents(struct inode *root, char *name)
{
	for (char *s = strchr(name, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		vfs_mknod_at(root, name, S_IFDIR | 0755, 0);
		*s = '/';
	}
}

/* Make room for name: remove what is there unless it is a directory and a
 * directory is wanted (a non-empty directory in the way stays: -ENOTEMPTY). */
static int clear_path(struct inode *root, const char *name, uint32_t mode)
{
	struct inode *old;
	int err = walk_path(root, name, 0, &old);

	if (err)
		return 0;
	if (S_ISDIR(old->mode) && S_ISDIR(mode)) {
		inode_unref(old);
		return -EEXIST; /* keep it; the caller updates its attributes */
	}
	err = vfs_unlink_at(root, name, S_ISDIR(old->mode));
	inode_unref(old);
	return err;
}

static void set_attrs(struct inode *ino, const struct cpio_hdr *h)
{
	ino->mode = (ino->mode & S_IFMT) | (h->mode & 07777);
	ino->uid = h->uid;
	ino->gid = h->gid;
	ino->atime_ns = ino->mtime_ns = (int64_t)h->mtime * 1000000000LL;
}

static int write_data(struct inode *ino, const void *data, size_t len)
{
	struct uio u = { (uintptr_t)data, len, true };
	long n = len ? ino->iops->write(ino, 0, &u) : 0;

	return n < 0 ? (int)n : (size_t)n == len ? 0 : -ENOSPC;
}

/* A regular file: a new link of a known group, or a new file. */
static int make_file(struct cpio_state *st, const char *name, const struct cpio_hdr *h,
		     const void *data, struct inode **out)
{
	struct cpio_link *l = h->nlink > 1 ? link_find(st, h) : NULL;
	int err;

	if (l) {
		err = vfs_link_at(l->inode, "", WALK_EMPTY, st->root, name);
		if (err)
			return err;
		inode_ref(l->inode);
		*out = l->inode;
	} else {
		if ((err = vfs_mknod_at(st->root, name, S_IFREG | (h->mode & 07777), 0)))
			return err;
		if ((err = walk_path(st->root, name, 0, out)))
			return err;
		if (h->nlink > 1 && st->nlinks < CPIO_MAX_LINKS) {
			l = &st->links[st->nlinks++];
			*l = (struct cpio_link){ h->ino, h->devmajor, h->devminor, *out };
			inode_ref(*out);
		}
	}
	return write_data(*out, data, h->filesize);
}

/* Create one entry (any type) at name. */
static int make_entry(struct cpio_state *st, char *name, const struct cpio_hdr *h,
		      const char *data)
{
	uint32_t type = h->mode & S_IFMT;
	struct inode *ino = NULL;
	char *target;
	int err;

	make_parents(st->root, name);
	err = clear_path(st->root, name, type);
	if (err && err != -EEXIST)
		return err;
	if (err == -EEXIST) {
		err = walk_path(st->root, name, 0, &ino);
	} else if (type == S_IFREG) {
		err = make_file(st, name, h, data, &ino);
	} else if (type == S_IFLNK) {
		if (h->filesize == 0 || h->filesize >= PATH_MAX || !(target = kmalloc(h->filesize + 1)))
			return -EINVAL;
		memcpy(target, data, h->filesize);
		target[h->filesize] = 0;
		err = strlen(target) != h->filesize ? -EINVAL : vfs_symlink_at(target, st->root, name);
		kfree(target);
		if (!err)
			err = walk_path(st->root, name, 0, &ino);
	} else if (type == S_IFDIR || type == S_IFCHR || type == S_IFBLK || type == S_IFIFO) {
		err = vfs_mknod_at(st->root, name, type | (h->mode & 07777),
				   MKDEV(h->rdevmajor, h->rdevminor));
		if (!err)
			err = walk_path(st->root, name, 0, &ino);
	} else {
		return -EINVAL; /* sockets and unknown types are skipped */
	}
	if (ino && !err)
		set_attrs(ino, h);
	inode_unref(ino);
	return err;
}

/* Strip "./" and leading slashes; NULL for the archive's root entry. */
static char *entry_name(char *name)
{
	while (name[0] == '/' || (name[0] == '.' && name[1] == '/'))
		name += name[0] == '/' ? 1 : 2;
	if (!name[0] || !strcmp(name, "."))
		return NULL;
	return name;
}

/* Check one header at buf[off] and find its name and data. Returns the
 * offset of the next entry, or 0 with *why set for a malformed one. */
static size_t cpio_entry(const char *buf, size_t len, size_t off, struct cpio_hdr *h,
			 const char **why)
{
	size_t name_off = off + CPIO_HDR_LEN, data_off, data_end;

	if (len - off < CPIO_HDR_LEN)
		*why = "truncated header";
	else if (!parse_hdr(buf + off, h))
		*why = "bad magic or header field";
	else if (h->namesize < 2 || h->namesize > PATH_MAX || len - name_off < h->namesize)
		*why = "bad name size";
	else if (buf[name_off + h->namesize - 1] || strnlen(buf + name_off, h->namesize) !=
							    h->namesize - 1)
		*why = "name not terminated";
	else if ((data_off = align4(name_off + h->namesize)) > len ||
		 len - data_off < h->filesize)
		*why = "truncated data";
	else if ((data_end = data_off + h->filesize) > len)
		*why = "truncated data";
	else
		return align4(data_end) > len ? len : align4(data_end);
	return 0;
}

int cpio_unpack(struct inode *root, const void *archive, size_t len)
{
	struct cpio_state *st = kzalloc(sizeof(*st));
	const char *buf = archive, *why = NULL;
	size_t off = 0, next;
	struct cpio_hdr h;
	char *name;

	if (!st)
		return -ENOMEM;
	st->root = root;
	while (off < len) {
		if (buf[off] == 0) {
			off++; /* padding between concatenated archives */
			continue;
		}
		if (!(next = cpio_entry(buf, len, off, &h, &why)))
			break;
		name = kmalloc(h.namesize);
		if (!name) {
			why = "out of memory";
			break;
		}
		memcpy(name, buf + off + CPIO_HDR_LEN, h.namesize);
		if (!strcmp(name, "TRAILER!!!"))
			links_forget(st);
		else if (entry_name(name))
			make_entry(st, entry_name(name), &h,
				   buf + align4(off + CPIO_HDR_LEN + h.namesize));
		kfree(name);
		off = next;
	}
	links_forget(st);
	kfree(st);
	if (why) {
		kprintf("cpio: malformed archive at offset %zu: %s\n", off, why);
		return -EINVAL;
	}
	return 0;
}

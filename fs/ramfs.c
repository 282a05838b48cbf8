/* ramfs.c: the in-memory filesystem behind "/", tmpfs, ramfs and devtmpfs.
 *
 * Every inode's priv is a ramfs_node. A directory keeps its entries in a
 * list in creation order; each entry has a cookie (2, 3, ...) that never
 * changes, so a getdents position survives removals. A regular file keeps
 * its data in physical frames indexed by page; a missing frame is a hole
 * and reads as zeros. Invariant: the bytes of a frame beyond i_size are
 * zero, so growing a file never exposes stale data.
 *
 * Directory entries hold no reference; nlink counts them (a directory also
 * counts its own "." and each child's ".."). node->parent is the directory
 * that last linked the inode (for ".." and for naming it in getcwd and
 * /proc/<pid>/fd); it is cleared when that link goes. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/kheap.h"
#include "mm/pmm.h"

struct ramfs_dirent {
	struct list_head link;
	uint64_t cookie;
	struct inode *ino;
	size_t len;
	char name[];
};

struct ramfs_node {
	struct inode *parent;
	struct list_head entries; /* directories */
	uint64_t next_cookie;
	paddr_t *pages;           /* regular files: frame per page, 0 = hole */
	size_t npages;            /* slots in pages[] */
	char *target;             /* symlinks */
};

uint64_t ramfs_pages;

static const struct inode_ops ramfs_iops;

static struct ramfs_node *node(struct inode *ino)
{
	return ino->priv;
}

/* A new inode of sb with its node; NULL when out of memory. */
static struct inode *ramfs_inode_new(struct super_block *sb, uint32_t mode, uint32_t rdev)
{
	struct inode *ino = inode_new(sb, mode);
	struct ramfs_node *n = kzalloc(sizeof(*n));

	if (!ino || !n) {
		kfree(n);
		if (ino)
			inode_unref(ino); /* nlink 0: freed */
		return NULL;
	}
	ino->priv = n;
	ino->rdev = rdev;
	ino->iops = &ramfs_iops;
	list_init(&n->entries);
	n->next_cookie = 2;
	if (S_ISDIR(mode))
		ino->fops = &dir_file_ops;
	else if (S_ISREG(mode))
		ino->fops = &reg_file_ops;
	return ino;
}

static struct ramfs_dirent *dir_find(struct inode *dir, const char *name, size_t len)
{
	struct list_head *p;

	list_for_each(p, &node(dir)->entries) {
		struct ramfs_dirent *e = list_entry(p, struct ramfs_dirent, link);

		if (e->len == len && !memcmp(e->name, name, len))
			return e;
	}
	return NULL;
}

/* A detached entry naming ino; NULL when out of memory. */
static struct ramfs_dirent *dirent_new(struct inode *dir, const char *name, size_t len,
				       struct inode *ino)
{
	struct ramfs_dirent *e = kmalloc(sizeof(*e) + len + 1);

	if (!e)
		return NULL;
	e->cookie = node(dir)->next_cookie++;
	e->ino = ino;
	e->len = len;
	memcpy(e->name, name, len);
	e->name[len] = 0;
	return e;
}

/* Add an entry for ino in dir; counts the link. 0 or -ENOSPC. */
static int dir_add(struct inode *dir, const char *name, size_t len, struct inode *ino)
{
	struct ramfs_dirent *e = dirent_new(dir, name, len, ino);

	if (!e)
		return -ENOSPC;
	list_add_tail(&e->link, &node(dir)->entries);
	ino->nlink++;
	if (S_ISDIR(ino->mode))
		dir->nlink++; /* the child's ".." */
	if (!node(ino)->parent || S_ISDIR(ino->mode))
		node(ino)->parent = dir;
	inode_touch(dir, false, true, true);
	return 0;
}

static bool dir_names(struct inode *dir, struct inode *ino)
{
	struct list_head *p;

	list_for_each(p, &node(dir)->entries)
		if (list_entry(p, struct ramfs_dirent, link)->ino == ino)
			return true;
	return false;
}

/* Remove entry e of dir; frees the inode if that was its last name and
 * nobody holds it. */
static void dir_remove(struct inode *dir, struct ramfs_dirent *e)
{
	struct inode *ino = e->ino;

	inode_ref(ino);
	list_del(&e->link);
	kfree(e);
	if (S_ISDIR(ino->mode)) {
		ino->nlink = 0; /* its name and its "." */
		dir->nlink--;
		node(ino)->parent = NULL;
	} else {
		ino->nlink--;
		if (node(ino)->parent == dir && !dir_names(dir, ino))
			node(ino)->parent = NULL;
	}
	inode_touch(ino, false, false, true);
	inode_touch(dir, false, true, true);
	inode_unref(ino);
}

static int ramfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct ramfs_dirent *e = dir_find(dir, name, len);

	if (!e)
		return -ENOENT;
	inode_ref(e->ino);
	*out = e->ino;
	return 0;
}

static int ramfs_get_parent(struct inode *ino, struct inode **out)
{
	struct inode *p = node(ino)->parent;

	if (!p)
		return -ENOENT;
	inode_ref(p);
	*out = p;
	return 0;
}

/* Link a fresh inode into dir under name; on failure the inode is freed. */
static int link_new(struct inode *dir, const char *name, size_t len, struct inode *ino,
		    struct inode **out)
{
	int err;

	if (dir->mode & S_ISGID) {
		ino->gid = dir->gid;
		if (S_ISDIR(ino->mode))
			ino->mode |= S_ISGID;
	}
	if (S_ISDIR(ino->mode))
		ino->nlink = 1; /* "." ; dir_add counts the name */
	if ((err = dir_add(dir, name, len, ino))) {
		ino->nlink = 0;
		inode_unref(ino);
		return err;
	}
	*out = ino;
	return 0;
}

static int ramfs_mknod(struct inode *dir, const char *name, size_t len, uint32_t mode,
		       uint32_t rdev, struct inode **out)
{
	struct inode *ino = ramfs_inode_new(dir->sb, mode, rdev);

	if (!ino)
		return -ENOSPC;
	return link_new(dir, name, len, ino, out);
}

static int ramfs_symlink(struct inode *dir, const char *name, size_t len, const char *target,
			 struct inode **out)
{
	size_t tlen = strlen(target);
	struct inode *ino = ramfs_inode_new(dir->sb, S_IFLNK | 0777, 0);

	if (!ino)
		return -ENOSPC;
	node(ino)->target = kmalloc(tlen + 1);
	if (!node(ino)->target) {
		inode_unref(ino);
		return -ENOSPC;
	}
	memcpy(node(ino)->target, target, tlen + 1);
	ino->size = tlen;
	return link_new(dir, name, len, ino, out);
}

static int ramfs_link(struct inode *dir, const char *name, size_t len, struct inode *target)
{
	int err = dir_add(dir, name, len, target);

	if (!err)
		inode_touch(target, false, false, true);
	return err;
}

static int ramfs_unlink(struct inode *dir, const char *name, size_t len)
{
	struct ramfs_dirent *e = dir_find(dir, name, len);

	if (!e)
		return -ENOENT;
	dir_remove(dir, e);
	return 0;
}

/* The VFS has checked types, emptiness and loops; same-inode renames never
 * get here. The entry moves (with a new cookie); a replaced one goes. */
static int ramfs_rename(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
			const char *nname, size_t nlen)
{
	struct ramfs_dirent *e = dir_find(odir, oname, olen);
	struct ramfs_dirent *victim = dir_find(ndir, nname, nlen);
	struct ramfs_dirent *ne;
	struct inode *ino;

	if (!e)
		return -ENOENT;
	ino = e->ino;
	ne = dirent_new(ndir, nname, nlen, ino);
	if (!ne)
		return -ENOSPC;
	if (victim)
		dir_remove(ndir, victim);
	list_del(&e->link);
	kfree(e);
	list_add_tail(&ne->link, &node(ndir)->entries);
	if (S_ISDIR(ino->mode) && odir != ndir) {
		odir->nlink--;
		ndir->nlink++;
	}
	if (S_ISDIR(ino->mode) || node(ino)->parent == odir || !node(ino)->parent)
		node(ino)->parent = ndir;
	inode_touch(ino, false, false, true);
	inode_touch(odir, false, true, true);
	inode_touch(ndir, false, true, true);
	return 0;
}

static long ramfs_readlink(struct inode *ino, char *buf, size_t size)
{
	size_t n = ino->size < size ? ino->size : size;

	memcpy(buf, node(ino)->target, n);
	return (long)n;
}

static int ramfs_readdir(struct inode *dir, uint64_t *pos, struct dir_sink *sink)
{
	struct inode *parent = node(dir)->parent ? node(dir)->parent : dir;
	struct list_head *p;

	if (*pos == 0) {
		if (!sink->emit(sink, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (!sink->emit(sink, "..", 2, parent->ino, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	list_for_each(p, &node(dir)->entries) {
		struct ramfs_dirent *e = list_entry(p, struct ramfs_dirent, link);

		if (e->cookie < *pos)
			continue;
		if (!sink->emit(sink, e->name, e->len, e->ino->ino, inode_dirent_type(e->ino->mode),
				e->cookie + 1))
			return 0;
		*pos = e->cookie + 1;
	}
	return 0;
}

static bool ramfs_dir_is_empty(struct inode *dir)
{
	return list_empty(&node(dir)->entries);
}

/* --- file data --- */

static const uint8_t zero_page[PAGE_SIZE];

static long ramfs_read(struct inode *ino, uint64_t off, struct uio *u)
{
	struct ramfs_node *n = node(ino);
	size_t done = 0, len;

	if (off >= ino->size)
		return 0;
	len = ino->size - off < u->len ? (size_t)(ino->size - off) : u->len;
	while (done < len) {
		uint64_t idx = (off + done) / PAGE_SIZE, in = (off + done) % PAGE_SIZE;
		size_t chunk = PAGE_SIZE - in < len - done ? PAGE_SIZE - in : len - done;
		const uint8_t *src = zero_page;

		if (idx < n->npages && n->pages[idx])
			src = (const uint8_t *)phys_to_virt(n->pages[idx]) + in;
		if (uio_copy_out(u, done, src, chunk))
			return done ? (long)done : -EFAULT;
		done += chunk;
	}
	return (long)done;
}

/* Make room in pages[] for index idx. */
static int pages_grow(struct ramfs_node *n, uint64_t idx)
{
	size_t cap = n->npages ? n->npages : 8;
	paddr_t *np;

	while (cap <= idx)
		cap *= 2;
	np = kzalloc(cap * sizeof(*np));
	if (!np)
		return -ENOSPC;
	if (n->npages)
		memcpy(np, n->pages, n->npages * sizeof(*np));
	kfree(n->pages);
	n->pages = np;
	n->npages = cap;
	return 0;
}

/* The frame for page idx, allocated (zeroed) if it was a hole; 0 if none. */
static paddr_t page_get(struct inode *ino, struct ramfs_node *n, uint64_t idx)
{
	if (idx >= n->npages && pages_grow(n, idx))
		return 0;
	if (!n->pages[idx]) {
		n->pages[idx] = pmm_alloc();
		if (n->pages[idx]) {
			ramfs_pages++;
			ino->blocks += PAGE_SIZE / 512;
		}
	}
	return n->pages[idx];
}

static paddr_t ramfs_get_page(struct inode *ino, uint64_t idx, bool alloc)
{
	struct ramfs_node *n = node(ino);
	paddr_t pa = 0;

	if (idx < n->npages && n->pages[idx])
		pa = n->pages[idx];
	else if (alloc && idx < MAX_FILE_SIZE / PAGE_SIZE)
		pa = page_get(ino, n, idx);
	if (pa)
		pmm_ref(pa);
	return pa;
}

static long ramfs_write(struct inode *ino, uint64_t off, struct uio *u)
{
	struct ramfs_node *n = node(ino);
	size_t done = 0, len = u->len;

	if (off >= MAX_FILE_SIZE)
		return -EFBIG;
	if (len > MAX_FILE_SIZE - off)
		len = (size_t)(MAX_FILE_SIZE - off);
	while (done < len) {
		uint64_t idx = (off + done) / PAGE_SIZE, in = (off + done) % PAGE_SIZE;
		size_t chunk = PAGE_SIZE - in < len - done ? PAGE_SIZE - in : len - done;
		paddr_t pa = page_get(ino, n, idx);
		int err = pa ? uio_copy_in((uint8_t *)phys_to_virt(pa) + in, u, done, chunk) : -ENOSPC;

		if (err) {
			/* bytes past EOF must stay zero */
			if (pa && off + done + chunk > ino->size)
				memset((uint8_t *)phys_to_virt(pa) + in, 0, chunk);
			if (done)
				break;
			return err;
		}
		done += chunk;
		if (off + done > ino->size)
			ino->size = off + done;
	}
	return (long)done;
}

static void page_free(struct inode *ino, struct ramfs_node *n, size_t idx)
{
	if (idx < n->npages && n->pages[idx]) {
		pmm_unref(n->pages[idx]);
		n->pages[idx] = 0;
		ramfs_pages--;
		ino->blocks -= PAGE_SIZE / 512;
	}
}

static int ramfs_truncate(struct inode *ino, uint64_t size)
{
	struct ramfs_node *n = node(ino);
	uint64_t keep = (size + PAGE_SIZE - 1) / PAGE_SIZE;

	if (size > MAX_FILE_SIZE)
		return -EFBIG;
	if (size < ino->size) {
		for (size_t i = keep; i < n->npages; i++)
			page_free(ino, n, i);
		if (size % PAGE_SIZE && keep - 1 < n->npages && n->pages[keep - 1])
			memset((uint8_t *)phys_to_virt(n->pages[keep - 1]) + size % PAGE_SIZE, 0,
			       PAGE_SIZE - size % PAGE_SIZE);
	}
	ino->size = size;
	return 0;
}

static void ramfs_evict(struct inode *ino)
{
	struct ramfs_node *n = node(ino);

	if (!n)
		return;
	KASSERT(list_empty(&n->entries));
	for (size_t i = 0; i < n->npages; i++)
		page_free(ino, n, i);
	kfree(n->pages);
	kfree(n->target);
	kfree(n);
	ino->priv = NULL;
}

static const struct inode_ops ramfs_iops = {
	.lookup = ramfs_lookup,
	.get_parent = ramfs_get_parent,
	.mknod = ramfs_mknod,
	.symlink = ramfs_symlink,
	.link = ramfs_link,
	.unlink = ramfs_unlink,
	.rename = ramfs_rename,
	.readlink = ramfs_readlink,
	.readdir = ramfs_readdir,
	.read = ramfs_read,
	.get_page = ramfs_get_page,
	.write = ramfs_write,
	.truncate = ramfs_truncate,
	.evict = ramfs_evict,
	.dir_is_empty = ramfs_dir_is_empty,
};

/* --- super blocks --- */

/* A new empty instance of type: root directory 0755 (tmpfs: 1777). */
struct super_block *ramfs_new_sb(const struct fs_type *type)
{
	struct super_block *sb = sb_new(type);
	uint32_t mode = type == &tmpfs_type ? 01777 : 0755;

	if (!sb)
		return NULL;
	sb->root = ramfs_inode_new(sb, S_IFDIR | mode, 0);
	if (!sb->root) {
		kfree(sb);
		return NULL;
	}
	sb->root->nlink = 2;
	return sb;
}

/* Remove every entry under root, deepest first, without recursion. */
static void ramfs_clear_tree(struct inode *root)
{
	struct inode *cur = root;

	while (cur != root || !list_empty(&node(root)->entries)) {
		struct ramfs_dirent *e;

		if (list_empty(&node(cur)->entries)) {
			cur = node(cur)->parent;
			continue;
		}
		e = list_first_entry(&node(cur)->entries, struct ramfs_dirent, link);
		if (S_ISDIR(e->ino->mode) && !list_empty(&node(e->ino)->entries))
			cur = e->ino;
		else
			dir_remove(cur, e);
	}
}

static void ramfs_kill_sb(struct super_block *sb)
{
	ramfs_clear_tree(sb->root);
	sb->root->nlink = 0;
	inode_unref(sb->root);
	KASSERT(sb->inode_refs == 0);
	kfree(sb);
}

static struct super_block *ramfs_get_sb(void)
{
	return ramfs_new_sb(&ramfs_type);
}

static struct super_block *tmpfs_get_sb(void)
{
	return ramfs_new_sb(&tmpfs_type);
}

const struct fs_type ramfs_type = { "ramfs", RAMFS_MAGIC, ramfs_get_sb, ramfs_kill_sb };
const struct fs_type tmpfs_type = { "tmpfs", TMPFS_MAGIC, tmpfs_get_sb, ramfs_kill_sb };

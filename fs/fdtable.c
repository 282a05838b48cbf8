/* fdtable.c: per-task descriptor tables and filesystem contexts.
 *
 * A descriptor table maps small integers to files; each used slot holds one
 * file reference and a close-on-exec flag. The table grows on demand up to
 * its limit (RLIMIT_NOFILE). Tables and contexts are refcounted so that
 * CLONE_FILES / CLONE_FS tasks share them; fork gets copies. */
#include "fs/fs_internal.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/kheap.h"
#include "proc/proc.h"

struct fdtable *fdtable_new(void)
{
	struct fdtable *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	t->refcount = 1;
	t->limit = NOFILE_DEFAULT;
	return t;
}

/* Make room for slot fd. 0 or -ENOMEM. */
static int fdtable_grow(struct fdtable *t, int fd)
{
	int size = t->size ? t->size : 16;
	struct file **nfd;
	uint8_t *nce;

	while (size <= fd)
		size *= 2;
	nfd = kzalloc((size_t)size * sizeof(*nfd));
	nce = kzalloc((size_t)size);
	if (!nfd || !nce) {
		kfree(nfd);
		kfree(nce);
		return -ENOMEM;
	}
	if (t->size) {
		memcpy(nfd, t->fd, (size_t)t->size * sizeof(*nfd));
		memcpy(nce, t->cloexec, (size_t)t->size);
	}
	kfree(t->fd);
	kfree(t->cloexec);
	t->fd = nfd;
	t->cloexec = nce;
	t->size = size;
	return 0;
}

/* The lowest free descriptor >= min, or -EMFILE / -ENOMEM. */
static int fd_find_free(struct fdtable *t, int min)
{
	int fd = min < 0 ? 0 : min;

	while (fd < t->size && t->fd[fd])
		fd++;
	if (fd >= t->limit)
		return -EMFILE;
	if (fd >= t->size && fdtable_grow(t, fd))
		return -ENOMEM;
	return fd;
}

int fd_install(struct fdtable *t, struct file *f, int min, bool cloexec)
{
	int fd = fd_find_free(t, min);

	if (fd < 0)
		return fd;
	t->fd[fd] = f;
	t->cloexec[fd] = cloexec;
	return fd;
}

/* Put f (the caller's reference) at fd, closing what was there (dup2).
 * 0, -EBADF (fd beyond the limit), -ENOMEM. */
int fd_install_at(struct fdtable *t, int fd, struct file *f, bool cloexec)
{
	struct file *old;

	if (fd < 0 || fd >= t->limit)
		return -EBADF;
	if (fd >= t->size && fdtable_grow(t, fd))
		return -ENOMEM;
	old = t->fd[fd];
	t->fd[fd] = f;
	t->cloexec[fd] = cloexec;
	file_unref(old);
	return 0;
}

/* Empty slot fd; 0 or -EBADF. */
int fd_close(struct fdtable *t, int fd)
{
	struct file *f;

	if (fd < 0 || fd >= t->size || !t->fd[fd])
		return -EBADF;
	f = t->fd[fd];
	t->fd[fd] = NULL;
	t->cloexec[fd] = 0;
	file_unref(f);
	return 0;
}

struct fdtable *fdtable_clone(struct fdtable *t)
{
	struct fdtable *n = fdtable_new();

	if (!n)
		return NULL;
	n->limit = t->limit;
	if (t->size && fdtable_grow(n, t->size - 1)) {
		fdtable_put(n);
		return NULL;
	}
	for (int i = 0; i < t->size; i++) {
		n->fd[i] = t->fd[i];
		n->cloexec[i] = t->cloexec[i];
		if (n->fd[i])
			file_ref(n->fd[i]);
	}
	return n;
}

void fdtable_share(struct fdtable *t)
{
	KASSERT(t->refcount > 0);
	t->refcount++;
}

void fdtable_put(struct fdtable *t)
{
	if (!t)
		return;
	KASSERT(t->refcount > 0);
	if (--t->refcount > 0)
		return;
	for (int i = 0; i < t->size; i++)
		if (t->fd[i])
			fd_close(t, i);
	kfree(t->fd);
	kfree(t->cloexec);
	kfree(t);
}

void fdtable_close_on_exec(struct fdtable *t)
{
	for (int i = 0; i < t->size; i++)
		if (t->fd[i] && t->cloexec[i])
			fd_close(t, i);
}

static struct fdtable *cur_files(void)
{
	struct task *t = proc_current();

	return t ? t->files : NULL;
}

struct file *fd_get(int fd)
{
	struct fdtable *t = cur_files();
	struct file *f;

	if (!t || fd < 0 || fd >= t->size || !(f = t->fd[fd]))
		return NULL;
	file_ref(f);
	return f;
}

int vfs_fd_inode(int fd, struct inode **out)
{
	struct file *f = fd_get(fd);

	if (!f)
		return -EBADF;
	if (!f->inode) {
		file_unref(f);
		return -EBADF;
	}
	inode_ref(f->inode);
	*out = f->inode;
	file_unref(f);
	return 0;
}

/* --- filesystem context --- */

struct fs_context *fs_context_new(void)
{
	struct fs_context *c = kzalloc(sizeof(*c));

	if (!c)
		return NULL;
	c->refcount = 1;
	c->root = c->cwd = vfs_root;
	inode_ref(vfs_root);
	inode_ref(vfs_root);
	c->umask = 022;
	return c;
}

struct fs_context *fs_context_clone(struct fs_context *c)
{
	struct fs_context *n = kzalloc(sizeof(*n));

	if (!n)
		return NULL;
	n->refcount = 1;
	n->root = c->root;
	n->cwd = c->cwd;
	inode_ref(n->root);
	inode_ref(n->cwd);
	n->umask = c->umask;
	return n;
}

void fs_context_share(struct fs_context *c)
{
	KASSERT(c->refcount > 0);
	c->refcount++;
}

void fs_context_put(struct fs_context *c)
{
	if (!c)
		return;
	KASSERT(c->refcount > 0);
	if (--c->refcount > 0)
		return;
	inode_unref(c->root);
	inode_unref(c->cwd);
	kfree(c);
}

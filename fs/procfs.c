/* procfs.c: /proc: registered generator files, per-process directories.
 *
 * The static part is a tree of registered entries (files with a generator,
 * directories, the "self" link). Per-process directories come from the
 * proc/ layer through procfs_pid_ops. Inodes are made on each lookup and
 * die with their last reference (an ephemeral super block); what an inode
 * stands for is in its proc_node (kind, entry, pid, index), and its number
 * is derived from that, so it is stable across lookups.
 *
 * A file's content is generated at open into a seqbuf that later reads
 * serve, so one open sees one consistent snapshot. */
#include <stdarg.h>

#include "fs/fs_internal.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "mm/vmm.h"
#include "proc/proc.h"
#include "proc/sched.h"

/* --- seq buffers --- */

static bool seq_reserve(struct seqbuf *sb, size_t n)
{
	size_t cap = sb->cap ? sb->cap : 256;
	char *nb;

	if (sb->overflow)
		return false;
	if (sb->len + n + 1 <= sb->cap)
		return true;
	while (cap < sb->len + n + 1)
		cap *= 2;
	nb = kmalloc(cap);
	if (!nb) {
		sb->overflow = true;
		return false;
	}
	if (sb->len)
		memcpy(nb, sb->buf, sb->len);
	kfree(sb->buf);
	sb->buf = nb;
	sb->cap = cap;
	return true;
}

void seq_write(struct seqbuf *sb, const void *data, size_t n)
{
	if (!seq_reserve(sb, n))
		return;
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
}

void seq_printf(struct seqbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(sb->buf ? sb->buf + sb->len : NULL, sb->buf ? sb->cap - sb->len : 0, fmt, ap);
	va_end(ap);
	if (n < 0 || (sb->buf && sb->len + (size_t)n < sb->cap)) {
		sb->len += n > 0 ? (size_t)n : 0;
		return;
	}
	if (!seq_reserve(sb, (size_t)n))
		return;
	va_start(ap, fmt);
	kvsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
}

/* --- the static tree --- */

struct procfs_entry {
	char *name;
	int (*gen)(struct seqbuf *sb);
	int (*store)(const char *buf, size_t n); /* a write to the file; NULL: read-only */
	bool is_self; /* the "self" link */
	struct procfs_entry *parent, *children, *next;
	uint32_t id;
};

static struct procfs_entry proc_root_entry = { .name = "", .id = 1 };
static uint32_t next_entry_id = 2;
static const struct procfs_pid_ops *pid_ops;

void procfs_set_pid_ops(const struct procfs_pid_ops *ops)
{
	pid_ops = ops;
}

static struct procfs_entry *entry_child(struct procfs_entry *dir, const char *name, size_t len)
{
	for (struct procfs_entry *e = dir->children; e; e = e->next)
		if (strlen(e->name) == len && !memcmp(e->name, name, len))
			return e;
	return NULL;
}

/* Find or add the child name[0..len) of dir; NULL when out of memory. */
static struct procfs_entry *entry_add(struct procfs_entry *dir, const char *name, size_t len)
{
	struct procfs_entry *e = entry_child(dir, name, len), **tail;

	if (e)
		return e;
	e = kzalloc(sizeof(*e));
	if (!e || !(e->name = kmalloc(len + 1))) {
		kfree(e);
		return NULL;
	}
	memcpy(e->name, name, len);
	e->name[len] = 0;
	e->parent = dir;
	e->id = next_entry_id++;
	for (tail = &dir->children; *tail; tail = &(*tail)->next)
		;
	*tail = e;
	return e;
}

static struct procfs_entry *entry_register(const char *path)
{
	struct procfs_entry *dir = &proc_root_entry;
	const char *slash;

	while (dir && (slash = strchr(path, '/'))) {
		dir = entry_add(dir, path, (size_t)(slash - path));
		path = slash + 1;
	}
	if (!dir || !*path || strlen(path) > NAME_MAX)
		return NULL;
	return entry_add(dir, path, strlen(path));
}

int procfs_register(const char *path, int (*gen)(struct seqbuf *sb))
{
	struct procfs_entry *e = entry_register(path);

	if (!e)
		return -ENOMEM;
	e->gen = gen;
	return 0;
}

int procfs_register_rw(const char *path, int (*gen)(struct seqbuf *sb),
		       int (*store)(const char *buf, size_t n))
{
	int err = procfs_register(path, gen);

	if (!err)
		entry_register(path)->store = store;
	return err;
}

/* --- inodes --- */

/* PN_TASKDIR is /proc/<pid>/task and PN_TASKPID one entry per thread
 * (named by its tid), a directory with the pid directory's files.
 * Kinds from PN_FDLINK on are magic links. */
enum pnode_kind { PN_STATIC, PN_PIDDIR, PN_PIDFILE, PN_FDDIR, PN_TASKDIR, PN_TASKPID,
		  PN_FDLINK, PN_CWD, PN_ROOT, PN_EXE };

struct pnode {
	enum pnode_kind kind;
	struct procfs_entry *e; /* PN_STATIC */
	int pid;
	int index;              /* PN_PIDFILE: in pid_ops->files; PN_FDLINK: the fd */
};

static const char *const pid_links[] = { "cwd", "root", "exe" };
static const struct inode_ops procfs_iops, procfs_magic_link_iops;
static const struct file_ops procfs_file_ops, procfs_pos_ops;

static struct pnode *pn(struct inode *ino)
{
	return ino->priv;
}

static bool pnode_positional(const struct pnode *p)
{
	return p->kind == PN_PIDFILE && pid_ops->positional &&
	       pid_ops->positional(pid_ops->files[p->index]);
}

static uint32_t pnode_mode(const struct pnode *p)
{
	switch (p->kind) {
	case PN_STATIC:
		if (p->e->is_self)
			return S_IFLNK | 0777;
		if (p->e->store)
			return S_IFREG | (p->e->gen ? 0644 : 0200);
		return p->e->gen ? S_IFREG | 0444 : S_IFDIR | 0555;
	case PN_PIDDIR:
	case PN_TASKDIR:
	case PN_TASKPID: return S_IFDIR | 0555;
	case PN_PIDFILE: return S_IFREG | (pnode_positional(p) ? 0400 : 0444);
	case PN_FDDIR: return S_IFDIR | 0500;
	case PN_FDLINK: return S_IFLNK | 0700;
	default: return S_IFLNK | 0777;
	}
}

/* The inode for a node; NULL when out of memory. */
static struct inode *pnode_inode(struct super_block *sb, struct pnode tmpl)
{
	struct pnode *p = kmalloc(sizeof(*p));
	struct inode *ino = p ? inode_new(sb, pnode_mode(&tmpl)) : NULL;

	if (!ino) {
		kfree(p);
		return NULL;
	}
	*p = tmpl;
	ino->priv = p;
	ino->iops = tmpl.kind >= PN_FDLINK ? &procfs_magic_link_iops : &procfs_iops;
	ino->fops = pnode_positional(p) ? &procfs_pos_ops : S_ISREG(ino->mode) ? &procfs_file_ops :
		    S_ISDIR(ino->mode) ? &dir_file_ops : NULL;
	ino->nlink = S_ISDIR(ino->mode) ? 2 : 1;
	ino->uid = ino->gid = 0;
	if (tmpl.kind == PN_STATIC)
		ino->ino = tmpl.e->id;
	else
		ino->ino = ((uint64_t)tmpl.pid << 32) | ((uint64_t)tmpl.kind << 24) |
			   (uint32_t)tmpl.index;
	return ino;
}

static struct task *task_get(int pid)
{
	return pid_ops && pid_ops->get ? pid_ops->get(pid) : NULL;
}

static void task_put(struct task *t)
{
	if (t && pid_ops->put)
		pid_ops->put(t);
}

#define MAX_THREADS_LISTED 1024

/* The thread ids of process pid (just pid without a threads op). */
static int thread_ids(int pid, int *tids, int max)
{
	if (pid_ops && pid_ops->threads)
		return pid_ops->threads(pid, tids, max);
	tids[0] = pid;
	return 1;
}

static bool is_thread_of(int pid, int tid)
{
	int *tids = kmalloc(MAX_THREADS_LISTED * sizeof(int)), n;
	bool found = false;

	if (!tids)
		return false;
	n = thread_ids(pid, tids, MAX_THREADS_LISTED);
	for (int i = 0; i < n && !found; i++)
		found = tids[i] == tid;
	kfree(tids);
	return found;
}

/* Make the inode for tmpl if its process still exists (owned by it). */
static int pnode_make(struct super_block *sb, struct pnode tmpl, struct inode **out)
{
	struct task *t = NULL;

	if (tmpl.kind != PN_STATIC && !(t = task_get(tmpl.pid)))
		return -ENOENT;
	*out = pnode_inode(sb, tmpl);
	if (*out && t) {
		(*out)->uid = t->cred.euid;
		(*out)->gid = t->cred.egid;
	}
	task_put(t);
	return *out ? 0 : -ENOMEM;
}

/* A decimal number without sign or leading zero; -1 if name is not one. */
static int parse_num(const char *name, size_t len)
{
	int v = 0;

	if (!len || len > 9 || (name[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

static int pid_count(void)
{
	const char *const *f = pid_ops && pid_ops->files ? pid_ops->files : NULL;
	int n = 0;

	while (f && f[n])
		n++;
	return n;
}

/* The open file fd of task pid, with a reference; NULL if none. */
static struct file *task_fd(int pid, int fd)
{
	struct task *t = task_get(pid);
	struct file *f = NULL;

	if (t && t->files && fd >= 0 && fd < t->files->size && (f = t->files->fd[fd]))
		file_ref(f);
	task_put(t);
	return f;
}

static int lookup_piddir(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct pnode t = { PN_PIDFILE, NULL, pn(dir)->pid, 0 };
	int nfiles = pid_count();

	for (int i = 0; i < nfiles; i++)
		if (strlen(pid_ops->files[i]) == len && !memcmp(pid_ops->files[i], name, len)) {
			t.index = i;
			return pnode_make(dir->sb, t, out);
		}
	if (len == 2 && !memcmp(name, "fd", 2)) {
		t.kind = PN_FDDIR;
		return pnode_make(dir->sb, t, out);
	}
	if (len == 4 && !memcmp(name, "task", 4) && pn(dir)->kind == PN_PIDDIR) {
		t.kind = PN_TASKDIR;
		return pnode_make(dir->sb, t, out);
	}
	for (int i = 0; i < 3; i++)
		if (strlen(pid_links[i]) == len && !memcmp(pid_links[i], name, len)) {
			t.kind = (enum pnode_kind)(PN_CWD + i);
			return pnode_make(dir->sb, t, out);
		}
	return -ENOENT;
}

static int procfs_lookup(struct inode *dir, const char *name, size_t len, struct inode **out)
{
	struct pnode *d = pn(dir), t = { PN_STATIC, NULL, d->pid, 0 };
	struct procfs_entry *e;
	struct file *f;
	int num = parse_num(name, len);

	switch (d->kind) {
	case PN_STATIC:
		if ((e = entry_child(d->e, name, len))) {
			t.e = e;
			return pnode_make(dir->sb, t, out);
		}
		if (d->e != &proc_root_entry || num <= 0)
			return -ENOENT;
		t.kind = PN_PIDDIR;
		t.pid = num;
		return pnode_make(dir->sb, t, out);
	case PN_PIDDIR:
	case PN_TASKPID:
		return lookup_piddir(dir, name, len, out);
	case PN_TASKDIR:
		if (num <= 0 || !is_thread_of(d->pid, num))
			return -ENOENT;
		t.kind = PN_TASKPID;
		t.pid = num;
		return pnode_make(dir->sb, t, out);
	case PN_FDDIR:
		if (num < 0 || !(f = task_fd(d->pid, num)))
			return -ENOENT;
		file_unref(f);
		t.kind = PN_FDLINK;
		t.index = num;
		return pnode_make(dir->sb, t, out);
	default:
		return -ENOTDIR;
	}
}

static int procfs_get_parent(struct inode *ino, struct inode **out)
{
	struct pnode *p = pn(ino), t = { PN_STATIC, &proc_root_entry, p->pid, 0 };

	switch (p->kind) {
	case PN_STATIC:
		t.e = p->e->parent ? p->e->parent : &proc_root_entry;
		break;
	case PN_PIDDIR:
		break;
	case PN_FDLINK:
		t.kind = PN_FDDIR;
		break;
	case PN_TASKPID:
		t.kind = PN_TASKDIR;
		break;
	default:
		t.kind = PN_PIDDIR;
	}
	if (t.kind == PN_STATIC && t.e == &proc_root_entry) {
		inode_ref(ino->sb->root);
		*out = ino->sb->root;
		return 0;
	}
	return pnode_make(ino->sb, t, out);
}

/* --- directory listing --- */

static bool emit_num(struct dir_sink *s, int num, uint64_t ino, unsigned int type, uint64_t next)
{
	char buf[16];
	int n = ksnprintf(buf, sizeof(buf), "%d", num);

	return s->emit(s, buf, (size_t)n, ino, type, next);
}

static uint64_t pnode_ino(int pid, enum pnode_kind kind, int index)
{
	return ((uint64_t)pid << 32) | ((uint64_t)kind << 24) | (uint32_t)index;
}

/* Live pids >= from, ascending, into pids[]; the count. */
static int pids_from(int from, int *pids, int max)
{
	int n = pid_ops && pid_ops->list ? pid_ops->list(pids, max) : 0, k = 0;

	for (int i = 0; i < n; i++)
		if (pids[i] >= from)
			pids[k++] = pids[i];
	return k;
}

static int readdir_root(struct inode *dir, uint64_t *pos, struct dir_sink *s)
{
	uint64_t i = 2;
	int *pids, n;

	for (struct procfs_entry *e = pn(dir)->e->children; e; e = e->next, i++) {
		if (i < *pos)
			continue;
		if (!s->emit(s, e->name, strlen(e->name), e->id,
			     e->is_self ? DT_LNK : e->gen || e->store ? DT_REG : DT_DIR, i + 1))
			return 0;
		*pos = i + 1;
	}
	if (pn(dir)->e != &proc_root_entry || !(pids = kmalloc(1024 * sizeof(int))))
		return 0;
	/* Past the fixed entries, the offset is i + pid; any offset can be
	 * lseek'd to, so clamp it rather than let it wrap negative. */
	uint64_t from = *pos > i ? *pos - i : 0;
	n = pids_from(from > INT32_MAX ? INT32_MAX : (int)from, pids, 1024);
	for (int k = 0; k < n; k++) {
		if (!emit_num(s, pids[k], pnode_ino(pids[k], PN_PIDDIR, 0), DT_DIR,
			      i + (uint64_t)pids[k] + 1))
			break;
		*pos = i + (uint64_t)pids[k] + 1;
	}
	kfree(pids);
	return 0;
}

/* /proc/<pid>/task: one directory per thread; the position after an
 * entry is 3 + its tid, so a listing resumes in order. */
static int readdir_taskdir(struct inode *dir, uint64_t *pos, struct dir_sink *s)
{
	int *tids = kmalloc(MAX_THREADS_LISTED * sizeof(int)), n;

	if (!tids)
		return -ENOMEM;
	n = thread_ids(pn(dir)->pid, tids, MAX_THREADS_LISTED);
	for (int k = 0; k < n; k++) {
		if ((uint64_t)tids[k] + 3 <= *pos)
			continue;
		if (!emit_num(s, tids[k], pnode_ino(tids[k], PN_TASKPID, 0), DT_DIR,
			      (uint64_t)tids[k] + 3))
			break;
		*pos = (uint64_t)tids[k] + 3;
	}
	kfree(tids);
	return 0;
}

static int readdir_piddir(struct inode *dir, uint64_t *pos, struct dir_sink *s)
{
	int pid = pn(dir)->pid, nfiles = pid_count();
	uint64_t last = (uint64_t)nfiles + 4 + (pn(dir)->kind == PN_PIDDIR); /* + "task" */

	for (uint64_t i = *pos - 2; i < last; i++) {
		bool ok;

		if (i == (uint64_t)nfiles + 4)
			ok = s->emit(s, "task", 4, pnode_ino(pid, PN_TASKDIR, 0), DT_DIR, i + 3);
		else if (i < (uint64_t)nfiles)
			ok = s->emit(s, pid_ops->files[i], strlen(pid_ops->files[i]),
				     pnode_ino(pid, PN_PIDFILE, (int)i), DT_REG, i + 3);
		else if (i == (uint64_t)nfiles)
			ok = s->emit(s, "fd", 2, pnode_ino(pid, PN_FDDIR, 0), DT_DIR, i + 3);
		else
			ok = s->emit(s, pid_links[i - nfiles - 1], strlen(pid_links[i - nfiles - 1]),
				     pnode_ino(pid, (enum pnode_kind)(PN_CWD + i - nfiles - 1), 0),
				     DT_LNK, i + 3);
		if (!ok)
			return 0;
		*pos = i + 3;
	}
	return 0;
}

/* *pos is the user's to set (lseek on the directory), so it is compared
 * with the table size as it is, never cast to an index first (an int cast
 * of a large position is negative). */
static int readdir_fddir(struct inode *dir, uint64_t *pos, struct dir_sink *s)
{
	int pid = pn(dir)->pid;
	struct task *t = task_get(pid);

	for (uint64_t fd = *pos - 2; t && t->files && fd < (uint64_t)t->files->size; fd++) {
		if (!t->files->fd[fd])
			continue;
		if (!emit_num(s, (int)fd, pnode_ino(pid, PN_FDLINK, (int)fd), DT_LNK, fd + 3))
			break;
		*pos = fd + 3;
	}
	task_put(t);
	return 0;
}

static int procfs_readdir(struct inode *dir, uint64_t *pos, struct dir_sink *s)
{
	struct inode *parent;
	uint64_t pino = dir->ino;

	if (*pos == 0) {
		if (!s->emit(s, ".", 1, dir->ino, DT_DIR, 1))
			return 0;
		*pos = 1;
	}
	if (*pos == 1) {
		if (dir != dir->sb->root && procfs_get_parent(dir, &parent) == 0) {
			pino = parent->ino;
			inode_unref(parent);
		}
		if (!s->emit(s, "..", 2, pino, DT_DIR, 2))
			return 0;
		*pos = 2;
	}
	switch (pn(dir)->kind) {
	case PN_STATIC: return readdir_root(dir, pos, s);
	case PN_PIDDIR:
	case PN_TASKPID: return readdir_piddir(dir, pos, s);
	case PN_TASKDIR: return readdir_taskdir(dir, pos, s);
	case PN_FDDIR: return readdir_fddir(dir, pos, s);
	default: return -ENOTDIR;
	}
}

/* --- links --- */

/* The inode a per-process link points at, with a reference. */
static int procfs_get_link(struct inode *ino, struct inode **out)
{
	struct pnode *p = pn(ino);
	struct task *t;
	struct file *f;
	int err = -ENOENT;

	if (p->kind == PN_FDLINK) {
		if (!(f = task_fd(p->pid, p->index)))
			return -ENOENT;
		if (f->inode) {
			inode_ref(f->inode);
			*out = f->inode;
			err = 0;
		}
		file_unref(f);
		return err;
	}
	if (!(t = task_get(p->pid)))
		return -ENOENT;
	if (p->kind == PN_EXE && pid_ops->exe)
		err = pid_ops->exe(t, out);
	else if ((p->kind == PN_CWD || p->kind == PN_ROOT) && t->fs) {
		*out = p->kind == PN_CWD ? t->fs->cwd : t->fs->root;
		inode_ref(*out);
		err = 0;
	}
	task_put(t);
	return err;
}

static long procfs_readlink(struct inode *ino, char *buf, size_t size)
{
	struct pnode *p = pn(ino);
	struct task *cur = proc_current();
	struct inode *target;
	char tmp[24];
	long n;
	int err;

	if (p->kind == PN_STATIC) { /* "self" */
		if (!cur)
			return -ENOENT;
		n = ksnprintf(tmp, sizeof(tmp), "%d",
			      pid_ops && pid_ops->self_pid ? pid_ops->self_pid() : cur->pid);
	} else if ((err = procfs_get_link(ino, &target))) {
		return err;
	} else if (S_ISFIFO(target->mode) && target->sb->type->magic == PIPEFS_MAGIC) {
		n = ksnprintf(tmp, sizeof(tmp), "pipe:[%lu]", (unsigned long)target->ino);
		inode_unref(target);
	} else {
		char *path = kmalloc(PATH_MAX);

		n = path ? vfs_inode_path(target, path, PATH_MAX) : -ENOMEM;
		if (n >= 0) {
			n = (long)size < n ? (long)size : n;
			memcpy(buf, path, (size_t)n);
		}
		kfree(path);
		inode_unref(target);
		if (n != -ENOENT)
			return n;
		n = ksnprintf(tmp, sizeof(tmp), "(deleted)");
	}
	n = (long)size < n ? (long)size : n;
	memcpy(buf, tmp, (size_t)n);
	return n;
}

static void procfs_evict(struct inode *ino)
{
	kfree(ino->priv);
	ino->priv = NULL;
}

static const struct inode_ops procfs_iops = {
	.lookup = procfs_lookup,
	.get_parent = procfs_get_parent,
	.readdir = procfs_readdir,
	.readlink = procfs_readlink,
	.evict = procfs_evict,
};

/* The "self" link splices its target; the others are magic links. */
static const struct inode_ops procfs_magic_link_iops = {
	.get_parent = procfs_get_parent,
	.readlink = procfs_readlink,
	.get_link = procfs_get_link,
	.evict = procfs_evict,
};

/* --- generated files --- */

static int procfs_file_open(struct inode *ino, struct file *f)
{
	struct seqbuf *sb = kzalloc(sizeof(*sb));
	struct pnode *p = pn(ino);
	struct task *t;
	int err = -ENOENT;

	if (!sb)
		return -ENOMEM;
	if (((f->flags & O_ACCMODE) != O_RDONLY && !(p->kind == PN_STATIC && p->e->store)) ||
	    ((f->flags & O_ACCMODE) != O_WRONLY && p->kind == PN_STATIC && !p->e->gen)) {
		kfree(sb);
		return -EACCES; /* the mode says so, for root too (as sysctl files) */
	}
	if (p->kind == PN_STATIC) {
		err = p->e->gen ? p->e->gen(sb) : 0;
	} else if ((t = task_get(p->pid))) {
		err = pid_ops->gen ? pid_ops->gen(t, pid_ops->files[p->index], sb) : -ENOENT;
		task_put(t);
	}
	if (!err && sb->overflow)
		err = -ENOMEM;
	if (err) {
		kfree(sb->buf);
		kfree(sb);
		return err;
	}
	f->priv = sb;
	return 0;
}

static long procfs_file_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct seqbuf *sb = f->priv;
	size_t n;

	if (*pos >= sb->len)
		return 0;
	n = sb->len - *pos < u->len ? sb->len - (size_t)*pos : u->len;
	if (uio_copy_out(u, 0, sb->buf + *pos, n))
		return -EFAULT;
	*pos += n;
	return (long)n;
}

/* A write to a writable /proc file: the whole of it goes to the entry's
 * store at once (a page at most, as Linux's sysctl files take it). */
static long procfs_file_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pnode *p = pn(f->inode);
	char buf[128];
	size_t n = u->len < sizeof(buf) - 1 ? u->len : sizeof(buf) - 1;
	int err;

	(void)pos;
	if (p->kind != PN_STATIC || !p->e->store)
		return -EINVAL;
	if (uio_copy_in(buf, u, 0, n))
		return -EFAULT;
	buf[n] = 0;
	if ((err = p->e->store(buf, n)))
		return err;
	return (long)u->len;
}

static int64_t procfs_file_llseek(struct file *f, int64_t off, int whence)
{
	struct seqbuf *sb = f->priv;
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->pos :
		       whence == SEEK_END ? (int64_t)sb->len : -1;

	if (base < 0 || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (int64_t)f->pos;
}

static void procfs_file_release(struct file *f)
{
	struct seqbuf *sb = f->priv;

	kfree(sb->buf);
	kfree(sb);
}

static const struct file_ops procfs_file_ops = {
	.open = procfs_file_open,
	.read = procfs_file_read,
	.write = procfs_file_write,
	.llseek = procfs_file_llseek,
	.release = procfs_file_release,
};

/* --- positional files (read_at) --- */

static int procfs_pos_open(struct inode *ino, struct file *f)
{
	(void)ino;
	return (f->flags & O_ACCMODE) == O_RDONLY ? 0 : -EACCES;
}

static long procfs_pos_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pnode *p = pn(f->inode);
	struct task *t = task_get(p->pid);
	long n;

	if (!t)
		return -ESRCH;
	n = pid_ops->read_at(t, pid_ops->files[p->index], u, *pos);
	task_put(t);
	if (n > 0)
		*pos += (uint64_t)n;
	return n;
}

static int64_t procfs_pos_llseek(struct file *f, int64_t off, int whence)
{
	int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? (int64_t)f->pos : -1;

	if (base < 0 || base + off < 0)
		return -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (int64_t)f->pos;
}

static const struct file_ops procfs_pos_ops = {
	.open = procfs_pos_open,
	.read = procfs_pos_read,
	.llseek = procfs_pos_llseek,
};

/* --- the built-in files --- */

static int gen_meminfo(struct seqbuf *sb)
{
	uint64_t kb = PAGE_SIZE / 1024;
	uint64_t total = pmm_total_count() * kb, freek = pmm_free_count() * kb;
	uint64_t cached = ramfs_pages * kb;

	seq_printf(sb, "%-16s%8lu kB\n", "MemTotal:", (unsigned long)total);
	seq_printf(sb, "%-16s%8lu kB\n", "MemFree:", (unsigned long)freek);
	seq_printf(sb, "%-16s%8lu kB\n", "MemAvailable:", (unsigned long)freek);
	seq_printf(sb, "%-16s%8lu kB\n", "Buffers:", 0UL);
	seq_printf(sb, "%-16s%8lu kB\n", "Cached:", (unsigned long)cached);
	seq_printf(sb, "%-16s%8lu kB\n", "SwapCached:", 0UL);
	seq_printf(sb, "%-16s%8lu kB\n", "SwapTotal:", 0UL);
	seq_printf(sb, "%-16s%8lu kB\n", "SwapFree:", 0UL);
	seq_printf(sb, "%-16s%8lu kB\n", "Shmem:", (unsigned long)cached);
	seq_printf(sb, "%-16s%8lu kB\n", "Slab:", (unsigned long)(kheap_frames() * kb));
	seq_printf(sb, "%-16s%8lu kB\n", "SReclaimable:", 0UL);
	seq_printf(sb, "%-16s%8lu kB\n", "KernelStack:", (unsigned long)(vmm_kstack_frames() * kb));
	seq_printf(sb, "%-16s%8lu kB\n", "PageTables:", (unsigned long)(vmm_table_frames() * kb));
	seq_printf(sb, "%-16s%8lu kB\n", "CowShared:", (unsigned long)(pmm_shared_count() * kb));
	return 0;
}

static int gen_uptime(struct seqbuf *sb)
{
	uint64_t cs = clock_monotonic_ns() / 10000000; /* centiseconds */
	uint64_t idle = sched_stats.idle * 100 / HZ;

	seq_printf(sb, "%lu.%02lu %lu.%02lu\n", (unsigned long)(cs / 100), (unsigned long)(cs % 100),
		   (unsigned long)(idle / 100), (unsigned long)(idle % 100));
	return 0;
}

static int gen_mounts(struct seqbuf *sb)
{
	struct list_head *p;

	seq_printf(sb, "rootfs / rootfs rw 0 0\n");
	list_for_each(p, &mount_table) {
		struct mount *m = list_entry(p, struct mount, link);

		seq_printf(sb, "%s %s %s rw,relatime 0 0\n", m->source, m->path, m->sb->type->name);
	}
	return 0;
}

static int gen_filesystems(struct seqbuf *sb)
{
	seq_printf(sb, "nodev\tramfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tdevtmpfs\n");
	return 0;
}

static struct super_block *procfs_get_sb(void)
{
	struct super_block *sb = sb_new(&procfs_type);
	struct pnode root = { PN_STATIC, &proc_root_entry, 0, 0 };

	if (!sb)
		return NULL;
	sb->ephemeral = true;
	sb->root = pnode_inode(sb, root);
	if (!sb->root) {
		kfree(sb);
		return NULL;
	}
	return sb;
}

static void procfs_kill_sb(struct super_block *sb)
{
	inode_unref(sb->root);
	kfree(sb);
}

const struct fs_type procfs_type = { "proc", PROC_SUPER_MAGIC, procfs_get_sb, procfs_kill_sb };

void procfs_init(void)
{
	struct procfs_entry *self = entry_register("self");

	if (self)
		self->is_self = true;
	procfs_register("meminfo", gen_meminfo);
	procfs_register("uptime", gen_uptime);
	procfs_register("mounts", gen_mounts);
	procfs_register("filesystems", gen_filesystems);
}

/* flock.c: BSD flock(2) locks.
 *
 * A lock covers a whole file, is shared or exclusive, and belongs to an open
 * file description (struct file): descriptors dup'd or inherited across fork
 * share it, and it goes away with LOCK_UN or when the last of them closes
 * (flock_release, from file_unref). Converting a lock is not atomic, as in
 * Linux: the old lock is dropped, then the new one is waited for. Waiters
 * sleep on one queue and re-check; a signal interrupts the wait. Lock rule:
 * one CPU, non-preemptible kernel, no locks taken from interrupts. */
#include "fs/fs_internal.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/list.h"
#include "mm/kheap.h"
#include "proc/wait.h"

#define LOCK_SH 1
#define LOCK_EX 2
#define LOCK_NB 4
#define LOCK_UN 8

struct flock_entry {
	struct list_head link;
	struct inode *ino;
	struct file *owner;
	bool exclusive;
};

static struct list_head flocks = LIST_HEAD_INIT(flocks);
static struct waitq flock_wq = { LIST_HEAD_INIT(flock_wq.sleepers) };

static struct flock_entry *find(struct inode *ino, struct file *f)
{
	struct list_head *pos;

	list_for_each(pos, &flocks) {
		struct flock_entry *e = list_entry(pos, struct flock_entry, link);
		if (e->ino == ino && e->owner == f)
			return e;
	}
	return NULL;
}

/* Another open file holds a lock on ino that excludes this request. */
static bool conflicts(struct inode *ino, struct file *f, bool exclusive)
{
	struct list_head *pos;

	list_for_each(pos, &flocks) {
		struct flock_entry *e = list_entry(pos, struct flock_entry, link);
		if (e->ino == ino && e->owner != f && (exclusive || e->exclusive))
			return true;
	}
	return false;
}

static void drop(struct flock_entry *e)
{
	list_del(&e->link);
	kfree(e);
	waitq_wake_all(&flock_wq);
}

void flock_release(struct file *f)
{
	struct list_head *pos, *n;

	list_for_each_safe(pos, n, &flocks) {
		struct flock_entry *e = list_entry(pos, struct flock_entry, link);
		if (e->owner == f)
			drop(e);
	}
}

static long lock(struct file *f, bool exclusive, bool nonblock)
{
	struct inode *ino = f->inode;
	struct flock_entry *e = find(ino, f);
	int err;

	if (e && e->exclusive == exclusive)
		return 0;
	if (e)
		drop(e); /* a conversion: not atomic, as in Linux */
	if (nonblock && conflicts(ino, f, exclusive))
		return -EAGAIN; /* EWOULDBLOCK */
	if ((err = WAIT_EVENT(&flock_wq, !conflicts(ino, f, exclusive))))
		return err;
	if (!(e = kmalloc(sizeof(*e))))
		return -ENOLCK;
	e->ino = ino;
	e->owner = f;
	e->exclusive = exclusive;
	list_add_tail(&e->link, &flocks);
	return 0;
}

long sys_flock(int fd, unsigned int op)
{
	struct file *f = fd_get_io(fd);
	unsigned int kind = op & ~(unsigned)LOCK_NB;
	long err;

	if (!f)
		return -EBADF;
	if (!f->inode)
		err = -EINVAL;
	else if (kind == LOCK_UN)
		err = find(f->inode, f) ? (drop(find(f->inode, f)), 0) : 0;
	else if (kind == LOCK_SH || kind == LOCK_EX)
		err = lock(f, kind == LOCK_EX, op & LOCK_NB);
	else
		err = -EINVAL;
	file_unref(f);
	return err;
}

/* pipe.c: pipes and FIFOs.
 *
 * A pipe is a byte ring (64 KiB, Linux's 16 pages by default) with counts
 * of open read and write ends and one wait queue that every state change
 * wakes. Readers block while the ring is empty and a writer exists; an
 * empty ring with no writers is EOF. Writers block for room; a write of at
 * most PIPE_BUF bytes waits until it fits whole, so it is never interleaved
 * with other writers; larger writes go in pieces. Writing with no reader
 * left raises SIGPIPE and fails with EPIPE.
 *
 * An anonymous pipe has an inode of its own in "pipefs" (for fstat); a
 * FIFO has its filesystem inode. Either way the pipe hangs off inode->pipe
 * while any end is open, so opening the inode again (a FIFO by name, a pipe
 * through /proc/<pid>/fd/N) joins the same pipe. Each open file of the pipe
 * holds a reference on the inode. */
#include "fs/fs_internal.h"
#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/uaccess.h"
#include "mm/kheap.h"
#include "proc/proc.h"
#include "proc/wait.h"

#define PIPE_DEFAULT_SIZE (64 * 1024)
#define PIPE_MAX_SIZE (1024 * 1024)
#define SIGPIPE 13
#define FIONREAD 0x541B

struct pipe_ring {
	uint8_t *buf;
	size_t cap;  /* a power of two */
	size_t head; /* index of the oldest byte */
	size_t len;  /* bytes held */
};

struct pipe {
	struct pipe_ring ring;
	int readers, writers;
	unsigned int rd_opens, wr_opens; /* FIFOs: opens so far, for open's wait */
	struct waitq wait;
	struct inode *fifo; /* the inode whose ->pipe this is */
};

/* --- the ring --- */

static size_t ring_room(const struct pipe_ring *r)
{
	return r->cap - r->len;
}

/* Move n bytes (n <= ring_room) from u at off into the ring. 0 or -EFAULT;
 * on a fault nothing is added. */
static int ring_put(struct pipe_ring *r, struct uio *u, size_t off, size_t n)
{
	size_t tail = (r->head + r->len) & (r->cap - 1);
	size_t first = n < r->cap - tail ? n : r->cap - tail;

	if (uio_copy_in(r->buf + tail, u, off, first) ||
	    uio_copy_in(r->buf, u, off + first, n - first))
		return -EFAULT;
	r->len += n;
	return 0;
}

/* Move n bytes (n <= len) from the ring to u at off. 0 or -EFAULT; on a
 * fault nothing is consumed. */
static int ring_get(struct pipe_ring *r, struct uio *u, size_t off, size_t n)
{
	size_t first = n < r->cap - r->head ? n : r->cap - r->head;

	if (uio_copy_out(u, off, r->buf + r->head, first) ||
	    uio_copy_out(u, off + first, r->buf, n - first))
		return -EFAULT;
	r->head = (r->head + n) & (r->cap - 1);
	r->len -= n;
	return 0;
}

static struct pipe *pipe_new(void)
{
	struct pipe *p = kzalloc(sizeof(*p));

	if (!p)
		return NULL;
	p->ring.cap = PIPE_DEFAULT_SIZE;
	p->ring.buf = kmalloc(p->ring.cap);
	if (!p->ring.buf) {
		kfree(p);
		return NULL;
	}
	waitq_init(&p->wait);
	return p;
}

static void pipe_free(struct pipe *p)
{
	kfree(p->ring.buf);
	kfree(p);
}

/* --- file operations --- */

static bool can_read(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_WRONLY;
}

static bool can_write(struct file *f)
{
	return (f->flags & O_ACCMODE) != O_RDONLY;
}

static long pipe_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pipe *p = f->priv;
	size_t n;
	int err;

	if (u->len == 0)
		return 0;
	for (;;) {
		if (p->ring.len) {
			n = u->len < p->ring.len ? u->len : p->ring.len;
			if (ring_get(&p->ring, u, 0, n))
				return -EFAULT;
			waitq_wake_all(&p->wait);
			return (long)n;
		}
		if (!p->writers)
			return 0;
		if (f->flags & O_NONBLOCK)
			return -EAGAIN;
		err = WAIT_EVENT(&p->wait, p->ring.len || !p->writers);
		if (err)
			return err;
	}
}

/* Copy what fits of u[done..] into the ring; false when it must wait. */
static bool pipe_write_some(struct pipe *p, struct uio *u, size_t *done, int *err)
{
	size_t left = u->len - *done, room = ring_room(&p->ring);
	size_t need = u->len <= PIPE_BUF ? left : 1; /* small writes go whole */
	size_t n = left < room ? left : room;

	if (room < need)
		return false;
	if ((*err = ring_put(&p->ring, u, *done, n)))
		return true;
	*done += n;
	waitq_wake_all(&p->wait);
	return true;
}

static long pipe_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct pipe *p = f->priv;
	size_t done = 0;
	int err = 0;

	while (done < u->len && !err) {
		if (!p->readers) {
			if (proc_current())
				proc_send_signal(proc_current(), SIGPIPE);
			err = -EPIPE;
		} else if (pipe_write_some(p, u, &done, &err)) {
			continue;
		} else if (f->flags & O_NONBLOCK) {
			err = -EAGAIN;
		} else {
			size_t need = u->len <= PIPE_BUF ? u->len - done : 1;

			err = WAIT_EVENT(&p->wait, ring_room(&p->ring) >= need || !p->readers);
		}
	}
	return done ? (long)done : err;
}

static unsigned int pipe_poll(struct file *f, struct poll_table *pt)
{
	struct pipe *p = f->priv;
	unsigned int mask = 0;

	poll_wait(pt, &p->wait);
	if (can_read(f)) {
		if (p->ring.len)
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers && p->wr_opens)
			mask |= POLLHUP;
	}
	if (can_write(f)) {
		if (ring_room(&p->ring) >= PIPE_BUF)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}

static long pipe_ioctl(struct file *f, unsigned int cmd, uintptr_t arg)
{
	struct pipe *p = f->priv;

	if (cmd != FIONREAD)
		return -ENOTTY;
	return put_user((int)p->ring.len, arg);
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;

	if (can_read(f))
		p->readers--;
	if (can_write(f))
		p->writers--;
	waitq_wake_all(&p->wait);
	if (p->readers || p->writers)
		return;
	p->fifo->pipe = NULL;
	pipe_free(p);
}

static const struct file_ops fifo_ops;

static const struct file_ops pipe_ops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.release = pipe_release,
};

/* F_GETPIPE_SZ / F_SETPIPE_SZ: the ring's size, or resize it (rounded up to
 * a power of two, at least a page). -EBUSY if the data would not fit. */
long pipe_set_size(struct file *f, long size)
{
	struct pipe *p = f->ops == &pipe_ops || f->ops == &fifo_ops ? f->priv : NULL;
	size_t cap = PAGE_SIZE;
	uint8_t *nb;

	if (!p)
		return -EBADF;
	if (size < 0)
		return (long)p->ring.cap;
	if ((unsigned long)size > PIPE_MAX_SIZE)
		return cred_is_root() ? -ENOMEM : -EPERM;
	while (cap < (size_t)size)
		cap *= 2;
	if (cap < p->ring.len)
		return -EBUSY;
	if (!(nb = kmalloc(cap)))
		return -ENOMEM;
	struct uio u = { (uintptr_t)nb, p->ring.len, true };
	size_t len = p->ring.len;

	ring_get(&p->ring, &u, 0, len);
	kfree(p->ring.buf);
	p->ring = (struct pipe_ring){ nb, cap, 0, len };
	waitq_wake_all(&p->wait);
	return (long)cap;
}

/* --- anonymous pipes --- */

static struct super_block *pipefs_sb(void)
{
	static const struct fs_type pipefs_type = { "pipefs", PIPEFS_MAGIC, NULL, NULL };
	static struct super_block *sb;

	if (!sb)
		sb = sb_new(&pipefs_type);
	return sb;
}

/* pipe2: two files on a new pipe. flags: O_NONBLOCK (others ignored here).
 * => *rd and *wr each hold one reference. 0 or -ENOMEM / -ENFILE. */
int pipe_create(struct file **rd, struct file **wr, int flags)
{
	struct super_block *sb = pipefs_sb();
	struct inode *ino = sb ? inode_new(sb, S_IFIFO | 0600) : NULL;
	struct pipe *p = ino ? pipe_new() : NULL;
	uint32_t nb = (uint32_t)flags & O_NONBLOCK;

	if (!p)
		goto out_inode;
	*rd = file_alloc(&pipe_ops, O_RDONLY | nb, p);
	*wr = file_alloc(&pipe_ops, O_WRONLY | nb, p);
	if (!*rd || !*wr) {
		kfree(*rd);
		kfree(*wr);
		pipe_free(p);
		goto out_inode;
	}
	p->readers = p->writers = 1;
	p->rd_opens = p->wr_opens = 1;
	p->fifo = ino; /* reopening /proc/<pid>/fd/N joins this pipe */
	ino->pipe = p;
	(*rd)->inode = ino;
	(*wr)->inode = ino;
	inode_ref(ino);
	return 0;
out_inode:
	inode_unref(ino);
	return -ENFILE;
}

/* --- FIFOs --- */

/* Open one end of a FIFO. Without O_NONBLOCK a reader waits for a writer
 * and a writer for a reader; O_NONBLOCK|O_WRONLY with no reader is ENXIO. */
static int fifo_open(struct inode *ino, struct file *f)
{
	int acc = f->flags & O_ACCMODE, err = 0;
	struct pipe *p = ino->pipe;
	unsigned int seen;

	if (!p && !(p = ino->pipe = pipe_new()))
		return -ENOMEM;
	p->fifo = ino;
	f->priv = p;
	if (acc == O_WRONLY && (f->flags & O_NONBLOCK) && !p->readers)
		err = -ENXIO;
	else if (acc == O_RDONLY) {
		p->readers++;
		p->rd_opens++;
		seen = p->wr_opens;
		waitq_wake_all(&p->wait);
		if (!(f->flags & O_NONBLOCK) && !p->writers)
			err = WAIT_EVENT(&p->wait, p->writers || p->wr_opens != seen);
	} else if (acc == O_WRONLY) {
		p->writers++;
		p->wr_opens++;
		seen = p->rd_opens;
		waitq_wake_all(&p->wait);
		if (!p->readers)
			err = WAIT_EVENT(&p->wait, p->readers || p->rd_opens != seen);
	} else {
		p->readers++;
		p->writers++;
		p->rd_opens++;
		p->wr_opens++;
		waitq_wake_all(&p->wait);
	}
	if (err == -ENXIO && !p->readers && !p->writers) {
		ino->pipe = NULL;
		pipe_free(p);
	} else if (err) {
		pipe_release(f); /* interrupted: undo our count */
	}
	return err;
}

static const struct file_ops fifo_ops = {
	.open = fifo_open,
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.poll = pipe_poll,
	.release = pipe_release,
};

const struct file_ops *fifo_file_ops(void)
{
	return &fifo_ops;
}

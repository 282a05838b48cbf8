/* sys_rw.c: read, write and their vector, positional and sendfile forms,
 * and lseek. */
#include "fs/fs_internal.h"
#include "fs/syscalls.h"
#include "kernel/errno.h"
#include "kernel/uaccess.h"
#include "mm/kheap.h"

#define MAX_RW_COUNT 0x7ffff000UL /* INT_MAX rounded down to a page, as Linux */
#define UIO_MAXIOV 1024

struct iovec_user {
	uint64_t base;
	uint64_t len;
};

/* The file at fd if it is open for reading (write false) or writing. */
static struct file *fd_for_rw(int fd, bool write)
{
	struct file *f = fd_get_io(fd);
	uint32_t acc = f ? f->flags & O_ACCMODE : 0;

	if (f && (write ? acc == O_RDONLY : acc == O_WRONLY)) {
		file_unref(f);
		return NULL;
	}
	return f;
}

static bool is_seekable(struct file *f)
{
	return f->ops && f->ops->llseek && !(f->inode && S_ISFIFO(f->inode->mode));
}

/* One transfer between f at *pos and user memory [buf, buf+count). */
static long do_rw(struct file *f, uintptr_t buf, size_t count, uint64_t *pos, bool write)
{
	struct uio u = { buf, count > MAX_RW_COUNT ? MAX_RW_COUNT : count, false };

	if (u.len && !uaccess_range_ok(u.base, u.len))
		return -EFAULT;
	if (write)
		return f->ops && f->ops->write ? f->ops->write(f, &u, pos) : -EINVAL;
	if (f->ops && f->ops->read)
		return f->ops->read(f, &u, pos);
	return f->inode && S_ISDIR(f->inode->mode) ? -EISDIR : -EINVAL;
}

static long rw(int fd, uintptr_t buf, size_t count, bool write)
{
	struct file *f = fd_for_rw(fd, write);
	long ret;

	if (!f)
		return -EBADF;
	ret = do_rw(f, buf, count, &f->pos, write);
	file_unref(f);
	return ret;
}

long sys_read(int fd, uintptr_t buf, size_t count)
{
	return rw(fd, buf, count, false);
}

long sys_write(int fd, uintptr_t buf, size_t count)
{
	return rw(fd, buf, count, true);
}

static long prw(int fd, uintptr_t buf, size_t count, int64_t off, bool write)
{
	struct file *f = fd_for_rw(fd, write);
	uint64_t pos = (uint64_t)off;
	long ret;

	if (!f)
		return -EBADF;
	if (off < 0)
		ret = -EINVAL;
	else if (!is_seekable(f))
		ret = -ESPIPE;
	else
		ret = do_rw(f, buf, count, &pos, write);
	file_unref(f);
	return ret;
}

long sys_pread64(int fd, uintptr_t buf, size_t count, int64_t off)
{
	return prw(fd, buf, count, off, false);
}

long sys_pwrite64(int fd, uintptr_t buf, size_t count, int64_t off)
{
	return prw(fd, buf, count, off, true);
}

/* Copy in and check an iovec array: -EINVAL for a bad count or total. */
static int iov_from_user(uintptr_t uiov, int iovcnt, struct iovec_user **out)
{
	struct iovec_user *iov;
	uint64_t total = 0;

	if (iovcnt < 0 || iovcnt > UIO_MAXIOV)
		return -EINVAL;
	iov = kmalloc((size_t)(iovcnt ? iovcnt : 1) * sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	if (copy_from_user(iov, uiov, (size_t)iovcnt * sizeof(*iov))) {
		kfree(iov);
		return -EFAULT;
	}
	for (int i = 0; i < iovcnt; i++) {
		if (iov[i].len > INT64_MAX) {
			kfree(iov);
			return -EINVAL;
		}
		if (iov[i].len > MAX_RW_COUNT - total) /* clamp, as Linux does */
			iov[i].len = MAX_RW_COUNT - total;
		total += iov[i].len;
		if (!uaccess_range_ok(iov[i].base, iov[i].len)) {
			kfree(iov);
			return -EFAULT;
		}
	}
	*out = iov;
	return 0;
}

static long rwv(int fd, uintptr_t uiov, int iovcnt, bool write)
{
	struct file *f = fd_for_rw(fd, write);
	struct iovec_user *iov;
	long done = 0, n = 0;
	int err;

	if (!f)
		return -EBADF;
	if ((err = iov_from_user(uiov, iovcnt, &iov))) {
		file_unref(f);
		return err;
	}
	for (int i = 0; i < iovcnt; i++) {
		if (!iov[i].len)
			continue;
		n = do_rw(f, iov[i].base, iov[i].len, &f->pos, write);
		if (n > 0)
			done += n;
		if (n < 0 || (uint64_t)n < iov[i].len)
			break;
	}
	kfree(iov);
	file_unref(f);
	return done ? done : n;
}

/* preadv/pwritev: on x86_64 the whole offset arrives in pos_l. */
static long prwv(int fd, uintptr_t uiov, int iovcnt, int64_t off, bool write)
{
	struct file *f = fd_for_rw(fd, write);
	struct iovec_user *iov;
	uint64_t pos = (uint64_t)off;
	long done = 0, n = 0;
	int err = 0;

	if (!f)
		return -EBADF;
	if (off < 0)
		err = -EINVAL;
	else if (!is_seekable(f))
		err = -ESPIPE;
	else
		err = iov_from_user(uiov, iovcnt, &iov);
	for (int i = 0; !err && i < iovcnt; i++) {
		if (!iov[i].len)
			continue;
		n = do_rw(f, iov[i].base, iov[i].len, &pos, write);
		if (n > 0)
			done += n;
		if (n < 0 || (uint64_t)n < iov[i].len)
			break;
	}
	if (!err)
		kfree(iov);
	file_unref(f);
	return err ? err : done ? done : n;
}

long sys_preadv(int fd, uintptr_t iov, int iovcnt, int64_t pos_l, int64_t pos_h)
{
	return prwv(fd, iov, iovcnt, pos_l, false);
}

long sys_pwritev(int fd, uintptr_t iov, int iovcnt, int64_t pos_l, int64_t pos_h)
{
	return prwv(fd, iov, iovcnt, pos_l, true);
}

long sys_readv(int fd, uintptr_t iov, int iovcnt)
{
	return rwv(fd, iov, iovcnt, false);
}

long sys_writev(int fd, uintptr_t iov, int iovcnt)
{
	return rwv(fd, iov, iovcnt, true);
}

long sys_lseek(int fd, int64_t off, int whence)
{
	struct file *f = fd_get_io(fd);
	long ret;

	if (!f)
		return -EBADF;
	if (whence < SEEK_SET || whence > SEEK_HOLE)
		ret = -EINVAL;
	else if (!f->ops || !f->ops->llseek)
		ret = -ESPIPE;
	else
		ret = f->ops->llseek(f, off, whence);
	file_unref(f);
	return ret;
}

/* sendfile through a kernel bounce buffer. */
static long sendfile_copy(struct file *out, struct file *in, uint64_t *pos, size_t count)
{
	size_t bufsz = count < 65536 ? count : 65536, done = 0;
	char *buf = kmalloc(bufsz ? bufsz : 1);
	long n = 0, w = 0;

	if (!buf)
		return -ENOMEM;
	while (done < count) {
		struct uio ui = { (uintptr_t)buf, count - done < bufsz ? count - done : bufsz, true };
		struct uio uo = { (uintptr_t)buf, 0, true };

		if ((n = in->ops->read(in, &ui, pos)) <= 0)
			break;
		uo.len = (size_t)n;
		if ((w = out->ops->write(out, &uo, &out->pos)) <= 0)
			break;
		done += (size_t)w;
		if (w < n)
			break;
	}
	kfree(buf);
	if (done)
		return (long)done;
	return n < 0 ? n : w < 0 ? w : 0;
}

long sys_sendfile(int out_fd, int in_fd, uintptr_t offp, size_t count)
{
	struct file *in = fd_for_rw(in_fd, false), *out = fd_for_rw(out_fd, true);
	int64_t off = 0;
	uint64_t pos;
	long ret;

	if (!in || !out)
		ret = -EBADF;
	else if (!in->ops->read || !out->ops->write || (out->flags & O_APPEND))
		ret = -EINVAL;
	else if (offp && get_user(off, offp))
		ret = -EFAULT;
	else if (offp && (off < 0 || !is_seekable(in)))
		ret = off < 0 ? -EINVAL : -ESPIPE;
	else {
		pos = offp ? (uint64_t)off : in->pos;
		ret = sendfile_copy(out, in, &pos, count > MAX_RW_COUNT ? MAX_RW_COUNT : count);
		if (!offp)
			in->pos = pos;
		else if (put_user((int64_t)pos, offp))
			ret = -EFAULT;
	}
	file_unref(in);
	file_unref(out);
	return ret;
}

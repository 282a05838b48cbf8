/* sys_fd.c: descriptor manipulation: dup*, fcntl, ioctl, pipe*. */
#include "fs/fs_internal.h"
#include "fs/syscalls.h"
#include "kernel/errno.h"
#include "kernel/uaccess.h"

#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_GETLK 5
#define F_SETLK 6
#define F_SETLKW 7
#define F_SETOWN 8
#define F_GETOWN 9
#define F_SETSIG 10
#define F_GETSIG 11
#define F_OFD_GETLK 36
#define F_OFD_SETLK 37
#define F_OFD_SETLKW 38
#define F_DUPFD_CLOEXEC 1030
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#define FD_CLOEXEC 1
#define F_RDLCK 0
#define F_WRLCK 1
#define F_UNLCK 2

#define FIONREAD 0x541B
#define FIONBIO 0x5421
#define FIONCLEX 0x5450
#define FIOCLEX 0x5451
#define FIOASYNC 0x5452

#define SETFL_MASK (O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME)

struct linux_flock {
	int16_t l_type;
	int16_t l_whence;
	int64_t l_start;
	int64_t l_len;
	int32_t l_pid;
};
_Static_assert(sizeof(struct linux_flock) == 32, "struct flock is 32 bytes");

/* Duplicate fd into the lowest free slot >= min. */
static long dup_from(int fd, int min, bool cloexec)
{
	struct fdtable *t = cur_fdtable();
	struct file *f = fd_get(fd);
	int nfd;

	if (!f)
		return -EBADF;
	nfd = fd_install(t, f, min, cloexec);
	if (nfd < 0)
		file_unref(f);
	return nfd;
}

long sys_dup(int fd)
{
	return dup_from(fd, 0, false);
}

long sys_dup3(int oldfd, int newfd, int flags)
{
	struct fdtable *t = cur_fdtable();
	struct file *f;
	int err;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	if (!(f = fd_get(oldfd)))
		return -EBADF;
	if ((err = fd_install_at(t, newfd, f, (flags & O_CLOEXEC) != 0))) {
		file_unref(f);
		return err;
	}
	return newfd;
}

long sys_dup2(int oldfd, int newfd)
{
	struct file *f;

	if (oldfd == newfd) {
		if (!(f = fd_get(oldfd)))
			return -EBADF;
		file_unref(f);
		return newfd;
	}
	return sys_dup3(oldfd, newfd, 0);
}

/* Record locks are not implemented. Rather than grant locks it does not
 * keep (which would let two processes both "hold" a write lock), the kernel
 * says so with ENOLCK, as Linux does where a filesystem cannot lock; only
 * releasing a lock succeeds, since none is ever held. */
static long fcntl_lock(struct file *f, int cmd, uintptr_t arg)
{
	struct linux_flock fl;
	uint32_t acc = f->flags & O_ACCMODE;

	if (copy_from_user(&fl, arg, sizeof(fl)))
		return -EFAULT;
	if (fl.l_type != F_RDLCK && fl.l_type != F_WRLCK && fl.l_type != F_UNLCK)
		return -EINVAL;
	if (fl.l_whence < 0 || fl.l_whence > 2)
		return -EINVAL;
	if (cmd == F_GETLK || cmd == F_OFD_GETLK)
		return -ENOLCK;
	if ((fl.l_type == F_RDLCK && acc == O_WRONLY) || (fl.l_type == F_WRLCK && acc == O_RDONLY))
		return -EBADF;
	return fl.l_type == F_UNLCK ? 0 : -ENOLCK;
}

static long fcntl_file(struct file *f, int fd, int cmd, uintptr_t arg)
{
	struct fdtable *t = cur_fdtable();

	switch (cmd) {
	case F_GETFD:
		return t->cloexec[fd] ? FD_CLOEXEC : 0;
	case F_SETFD:
		t->cloexec[fd] = (arg & FD_CLOEXEC) != 0;
		return 0;
	case F_GETFL:
		return f->flags;
	}
	if (f->flags & O_PATH)
		return -EBADF;
	switch (cmd) {
	case F_SETFL:
		f->flags = (f->flags & ~(uint32_t)SETFL_MASK) | ((uint32_t)arg & SETFL_MASK);
		return 0;
	case F_GETLK:
	case F_SETLK:
	case F_SETLKW:
	case F_OFD_GETLK:
	case F_OFD_SETLK:
	case F_OFD_SETLKW:
		return fcntl_lock(f, cmd, arg);
	case F_GETOWN:
	case F_GETSIG:
		return 0;
	case F_SETOWN:
	case F_SETSIG:
		return 0; /* no SIGIO delivery: accepted, never signalled */
	case F_GETPIPE_SZ:
		return pipe_set_size(f, -1);
	case F_SETPIPE_SZ:
		return pipe_set_size(f, (long)(int)arg);
	}
	return -EINVAL;
}

long sys_fcntl(int fd, int cmd, uintptr_t arg)
{
	struct file *f = fd_get(fd);
	struct fdtable *t = cur_fdtable();
	long ret;

	if (!f)
		return -EBADF;
	if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
		ret = (long)(int)arg < 0 || (long)(int)arg >= t->limit
			      ? -EINVAL
			      : dup_from(fd, (int)arg, cmd == F_DUPFD_CLOEXEC);
	else
		ret = fcntl_file(f, fd, cmd, arg);
	file_unref(f);
	return ret;
}

/* The ioctls every descriptor understands; -ENOIOCTLCMD-like 1 if not one. */
static long ioctl_generic(struct file *f, int fd, unsigned int cmd, uintptr_t arg)
{
	struct fdtable *t = cur_fdtable();
	int on;

	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		t->cloexec[fd] = cmd == FIOCLEX;
		return 0;
	case FIONBIO:
	case FIOASYNC:
		if (get_user(on, arg))
			return -EFAULT;
		uint32_t bit = cmd == FIONBIO ? O_NONBLOCK : O_ASYNC;

		f->flags = on ? f->flags | bit : f->flags & ~bit;
		return 0;
	case FIONREAD:
		if (f->inode && S_ISREG(f->inode->mode))
			return put_user((int)(f->inode->size > f->pos ? f->inode->size - f->pos : 0),
					arg);
	}
	return 1;
}

long sys_ioctl(int fd, unsigned int cmd, uintptr_t arg)
{
	struct file *f = fd_get_io(fd);
	long ret;

	if (!f)
		return -EBADF;
	ret = ioctl_generic(f, fd, cmd, arg);
	if (ret == 1)
		ret = f->ops && f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
	file_unref(f);
	return ret;
}

long sys_pipe2(uintptr_t ufds, int flags)
{
	struct fdtable *t = cur_fdtable();
	struct file *rd, *wr;
	int fds[2], err;

	if (flags & ~(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if ((err = pipe_create(&rd, &wr, flags)))
		return err;
	fds[0] = fd_install(t, rd, 0, (flags & O_CLOEXEC) != 0);
	fds[1] = fds[0] < 0 ? -1 : fd_install(t, wr, 0, (flags & O_CLOEXEC) != 0);
	if (fds[0] < 0 || fds[1] < 0) {
		err = fds[0] < 0 ? fds[0] : fds[1];
		goto out_close;
	}
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		err = -EFAULT;
		goto out_close;
	}
	return 0;
out_close:
	if (fds[0] >= 0)
		fd_close(t, fds[0]);
	else
		file_unref(rd);
	if (fds[1] >= 0)
		fd_close(t, fds[1]);
	else
		file_unref(wr);
	return err;
}

/* fadvise64: advice only; checked and accepted. */
long sys_fadvise64(int fd, int64_t off, int64_t len, int advice)
{
	struct file *f = fd_get_io(fd);
	long ret = 0;

	if (!f)
		return -EBADF;
	if (f->inode && S_ISFIFO(f->inode->mode))
		ret = -ESPIPE;
	else if (advice < 0 || advice > 5 || len < 0)
		ret = -EINVAL;
	file_unref(f);
	return ret;
}

long sys_pipe(uintptr_t fds)
{
	return sys_pipe2(fds, 0);
}

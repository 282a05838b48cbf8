/* syscalls.h: the file syscalls, for the dispatch table.
 *
 * Arguments have their natural C types; user pointers are uintptr_t. Each
 * returns a value >= 0 or -errno (Linux x86_64 values). A blocking call may
 * return -ERESTARTSYS / -ERESTARTNOHAND, which the syscall exit path turns
 * into EINTR or a restart. */
#ifndef FS_SYSCALLS_H
#define FS_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

/* sys_open.c */
long sys_open(uintptr_t path, int flags, uint32_t mode);
long sys_openat(int dirfd, uintptr_t path, int flags, uint32_t mode);
long sys_creat(uintptr_t path, uint32_t mode);
long sys_close(int fd);
long sys_mknod(uintptr_t path, uint32_t mode, uint32_t dev);
long sys_mknodat(int dirfd, uintptr_t path, uint32_t mode, uint32_t dev);

/* sys_rw.c */
long sys_read(int fd, uintptr_t buf, size_t count);
long sys_write(int fd, uintptr_t buf, size_t count);
long sys_readv(int fd, uintptr_t iov, int iovcnt);
long sys_writev(int fd, uintptr_t iov, int iovcnt);
long sys_pread64(int fd, uintptr_t buf, size_t count, int64_t off);
long sys_pwrite64(int fd, uintptr_t buf, size_t count, int64_t off);
long sys_lseek(int fd, int64_t off, int whence);
long sys_sendfile(int out_fd, int in_fd, uintptr_t offp, size_t count);
long sys_preadv(int fd, uintptr_t iov, int iovcnt, int64_t pos_l, int64_t pos_h);
long sys_pwritev(int fd, uintptr_t iov, int iovcnt, int64_t pos_l, int64_t pos_h);

/* sys_stat.c */
long sys_stat(uintptr_t path, uintptr_t st);
long sys_lstat(uintptr_t path, uintptr_t st);
long sys_fstat(int fd, uintptr_t st);
long sys_newfstatat(int dirfd, uintptr_t path, uintptr_t st, int flags);
long sys_statx(int dirfd, uintptr_t path, int flags, unsigned int mask, uintptr_t stx);
long sys_statfs(uintptr_t path, uintptr_t buf);
long sys_fstatfs(int fd, uintptr_t buf);

/* sys_dir.c */
long sys_getdents64(int fd, uintptr_t dirp, size_t count);
long sys_mkdir(uintptr_t path, uint32_t mode);
long sys_mkdirat(int dirfd, uintptr_t path, uint32_t mode);
long sys_rmdir(uintptr_t path);
long sys_chdir(uintptr_t path);
long sys_fchdir(int fd);
long sys_chroot(uintptr_t path);
long sys_getcwd(uintptr_t buf, size_t size);

/* sys_link.c */
long sys_unlink(uintptr_t path);
long sys_unlinkat(int dirfd, uintptr_t path, int flags);
long sys_rename(uintptr_t oldpath, uintptr_t newpath);
long sys_renameat(int olddirfd, uintptr_t oldpath, int newdirfd, uintptr_t newpath);
long sys_renameat2(int olddirfd, uintptr_t oldpath, int newdirfd, uintptr_t newpath,
		   unsigned int flags);
long sys_link(uintptr_t oldpath, uintptr_t newpath);
long sys_linkat(int olddirfd, uintptr_t oldpath, int newdirfd, uintptr_t newpath, int flags);
long sys_symlink(uintptr_t target, uintptr_t linkpath);
long sys_symlinkat(uintptr_t target, int newdirfd, uintptr_t linkpath);
long sys_readlink(uintptr_t path, uintptr_t buf, int bufsiz);
long sys_readlinkat(int dirfd, uintptr_t path, uintptr_t buf, int bufsiz);

/* sys_attr.c */
long sys_access(uintptr_t path, int mode);
long sys_faccessat(int dirfd, uintptr_t path, int mode);
long sys_faccessat2(int dirfd, uintptr_t path, int mode, int flags);
long sys_chmod(uintptr_t path, uint32_t mode);
long sys_fchmod(int fd, uint32_t mode);
long sys_fchmodat(int dirfd, uintptr_t path, uint32_t mode);
long sys_chown(uintptr_t path, uint32_t uid, uint32_t gid);
long sys_fchown(int fd, uint32_t uid, uint32_t gid);
long sys_lchown(uintptr_t path, uint32_t uid, uint32_t gid);
long sys_fchownat(int dirfd, uintptr_t path, uint32_t uid, uint32_t gid, int flags);
long sys_truncate(uintptr_t path, int64_t length);
long sys_ftruncate(int fd, int64_t length);
long sys_fallocate(int fd, int mode, int64_t off, int64_t len);
long sys_utimensat(int dirfd, uintptr_t path, uintptr_t times, int flags);
long sys_futimesat(int dirfd, uintptr_t path, uintptr_t times);
long sys_utimes(uintptr_t path, uintptr_t times);
long sys_utime(uintptr_t path, uintptr_t times);
long sys_umask(uint32_t mask);

/* sys_fd.c */
long sys_dup(int fd);
long sys_dup2(int oldfd, int newfd);
long sys_dup3(int oldfd, int newfd, int flags);
long sys_fcntl(int fd, int cmd, uintptr_t arg);
long sys_ioctl(int fd, unsigned int cmd, uintptr_t arg);
long sys_pipe(uintptr_t fds);
long sys_pipe2(uintptr_t fds, int flags);
long sys_flock(int fd, unsigned int op);
long sys_fadvise64(int fd, int64_t off, int64_t len, int advice);

/* sys_poll.c */
long sys_poll(uintptr_t fds, unsigned int nfds, int timeout_ms);
long sys_ppoll(uintptr_t fds, unsigned int nfds, uintptr_t tsp, uintptr_t sigmask,
	       size_t sigsetsize);
long sys_select(int n, uintptr_t inp, uintptr_t outp, uintptr_t exp, uintptr_t tvp);
long sys_pselect6(int n, uintptr_t inp, uintptr_t outp, uintptr_t exp, uintptr_t tsp,
		  uintptr_t sig);

/* sys_mount.c */
long sys_mount(uintptr_t source, uintptr_t target, uintptr_t fstype, unsigned long flags,
	       uintptr_t data);
long sys_umount2(uintptr_t target, int flags);
long sys_sync(void);
long sys_syncfs(int fd);
long sys_fsync(int fd);
long sys_fdatasync(int fd);

/* The table entries for kernel/syscall.c. */
#define SYSCALLS_FS \
	SC(open), \
	SC(openat), \
	SC(creat), \
	SC(close), \
	SC(mknod), \
	SC(mknodat), \
	SC(read), \
	SC(write), \
	SC(readv), \
	SC(writev), \
	SC(pread64), \
	SC(pwrite64), \
	SC(lseek), \
	SC(sendfile), \
	SC(preadv), \
	SC(pwritev), \
	SC(stat), \
	SC(lstat), \
	SC(fstat), \
	SC(newfstatat), \
	SC(statx), \
	SC(statfs), \
	SC(fstatfs), \
	SC(getdents64), \
	SC(mkdir), \
	SC(mkdirat), \
	SC(rmdir), \
	SC(chdir), \
	SC(fchdir), \
	SC(chroot), \
	SC(getcwd), \
	SC(unlink), \
	SC(unlinkat), \
	SC(rename), \
	SC(renameat), \
	SC(renameat2), \
	SC(link), \
	SC(linkat), \
	SC(symlink), \
	SC(symlinkat), \
	SC(readlink), \
	SC(readlinkat), \
	SC(access), \
	SC(faccessat), \
	SC(faccessat2), \
	SC(chmod), \
	SC(fchmod), \
	SC(fchmodat), \
	SC(chown), \
	SC(fchown), \
	SC(lchown), \
	SC(fchownat), \
	SC(truncate), \
	SC(ftruncate), \
	SC(fallocate), \
	SC(utimensat), \
	SC(futimesat), \
	SC(utimes), \
	SC(utime), \
	SC(umask), \
	SC(dup), \
	SC(dup2), \
	SC(dup3), \
	SC(fcntl), \
	SC(ioctl), \
	SC(pipe), \
	SC(pipe2), \
	SC(flock), \
	SC(fadvise64), \
	SC(poll), \
	SC(ppoll), \
	SC(select), \
	SC(pselect6), \
	SC(mount), \
	SC(umount2), \
	SC(sync), \
	SC(syncfs), \
	SC(fsync), \
	SC(fdatasync), \

#endif

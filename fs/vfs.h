/* vfs.h: the filesystem layer's public interface: inodes, open files,
 * descriptor tables, per-task filesystem context, devices, procfs hooks.
 *
 * Reference rules, for every function below:
 *  - an inode is alive while it has references (inode_ref/inode_unref) or
 *    directory entries (nlink); functions that hand out an inode hand it out
 *    with one reference held, which the caller drops with inode_unref;
 *  - a struct file is shared by every descriptor dup'd or inherited from the
 *    one open(); the last file_unref releases it;
 *  - the kernel is not preempted inside the VFS except where it blocks
 *    (pipes, ttys, poll), so there are no locks. */
#ifndef FS_VFS_H
#define FS_VFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch.h"

#define PATH_MAX 4096
#define NAME_MAX 255
#define PIPE_BUF 4096
#define NOFILE_DEFAULT 1024 /* RLIMIT_NOFILE soft limit */
#define NOFILE_HARD 4096

/* File types and permission bits (st_mode). */
#define S_IFMT 0170000
#define S_IFSOCK 0140000
#define S_IFLNK 0120000
#define S_IFREG 0100000
#define S_IFBLK 0060000
#define S_IFDIR 0040000
#define S_IFCHR 0020000
#define S_IFIFO 0010000
#define S_ISUID 04000
#define S_ISGID 02000
#define S_ISVTX 01000
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)

/* open(2) flags, x86_64 values. */
#define O_ACCMODE 00000003
#define O_RDONLY 00000000
#define O_WRONLY 00000001
#define O_RDWR 00000002
#define O_CREAT 00000100
#define O_EXCL 00000200
#define O_NOCTTY 00000400
#define O_TRUNC 00001000
#define O_APPEND 00002000
#define O_NONBLOCK 00004000
#define O_DSYNC 00010000
#define O_ASYNC 00020000
#define O_DIRECT 00040000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW 00400000
#define O_NOATIME 01000000
#define O_CLOEXEC 02000000
#define O_SYNC 04010000
#define O_PATH 010000000
#define O_TMPFILE 020200000

#define AT_FDCWD (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_REMOVEDIR 0x200
#define AT_EACCESS 0x200
#define AT_SYMLINK_FOLLOW 0x400
#define AT_NO_AUTOMOUNT 0x800
#define AT_EMPTY_PATH 0x1000

/* poll(2) events. */
#define POLLIN 0x001
#define POLLPRI 0x002
#define POLLOUT 0x004
#define POLLERR 0x008
#define POLLHUP 0x010
#define POLLNVAL 0x020
#define POLLRDNORM 0x040
#define POLLWRNORM 0x100

/* Permission request bits for vfs_permission. */
#define MAY_EXEC 1
#define MAY_WRITE 2
#define MAY_READ 4

struct super_block;
struct inode_ops;
struct file_ops;
struct mount;
struct pipe;
struct task;
struct waitq;

struct inode {
	uint32_t mode;       /* S_IFMT type | permission bits */
	uint32_t uid, gid;
	uint32_t nlink;      /* directory entries naming this inode */
	uint64_t size;
	uint64_t blocks;     /* 512-byte units of storage held */
	int64_t atime_ns, mtime_ns, ctime_ns; /* since the epoch */
	uint64_t ino;
	uint32_t rdev;       /* device nodes: MKDEV(major, minor) */
	int refcount;
	struct super_block *sb;
	const struct inode_ops *iops;
	const struct file_ops *fops; /* default ops for files opened on it */
	struct mount *mounted;       /* a filesystem is mounted on this dir */
	struct pipe *pipe;           /* FIFOs: the pipe while someone has it open */
	int writers;                 /* > 0: files open for writing; < 0: running
					images (see inode_deny_write) */
	void *priv;                  /* the filesystem's own data */
};

#define MKDEV(ma, mi) (((uint32_t)(ma) << 20) | ((uint32_t)(mi) & 0xfffff))
#define MAJOR(d) ((uint32_t)(d) >> 20)
#define MINOR(d) ((uint32_t)(d) & 0xfffff)

/* A buffer a read or write copies to or from: user memory (through
 * copy_to_user/copy_from_user) or kernel memory. */
struct uio {
	uintptr_t base;
	size_t len;
	bool kernel;
};
/* Copy n bytes between u at offset off and a kernel buffer; 0 or -EFAULT. */
int uio_copy_out(struct uio *u, size_t off, const void *src, size_t n);
int uio_copy_in(void *dst, struct uio *u, size_t off, size_t n);
/* The same, copying up to the first user page that faults; returns the
 * bytes copied (n when all were). */
size_t uio_copy_out_partial(struct uio *u, size_t off, const void *src, size_t n);
size_t uio_copy_in_partial(void *dst, struct uio *u, size_t off, size_t n);

struct file {
	int refcount;
	uint32_t flags;   /* O_ACCMODE and status flags (O_APPEND, O_NONBLOCK, ...) */
	uint64_t pos;     /* shared by every descriptor of this open file */
	struct inode *inode; /* one reference held; NULL for anonymous files */
	const struct file_ops *ops;
	void *priv;       /* the ops' own data (pipe end, tty, seq buffer) */
	bool writer;      /* counted in inode->writers */
};

/* A poll table collects the wait queues a poller sleeps on; file_ops->poll
 * calls poll_wait for each queue whose wake-up may change its answer. */
struct poll_table;
void poll_wait(struct poll_table *pt, struct waitq *wq);

/* Operations of an open file. Every member may be NULL:
 *  read/write NULL -> EINVAL; llseek NULL -> ESPIPE; ioctl NULL -> ENOTTY;
 *  poll NULL -> always readable and writable.
 * read/write transfer up to u->len bytes at *pos (seekable files advance it)
 * and return the count or -errno; they block unless f->flags has O_NONBLOCK. */
struct file_ops {
	int (*open)(struct inode *inode, struct file *f);
	void (*release)(struct file *f);
	long (*read)(struct file *f, struct uio *u, uint64_t *pos);
	long (*write)(struct file *f, struct uio *u, uint64_t *pos);
	int64_t (*llseek)(struct file *f, int64_t off, int whence);
	long (*ioctl)(struct file *f, unsigned int cmd, uintptr_t arg);
	unsigned int (*poll)(struct file *f, struct poll_table *pt);
};

/* Descriptor table. Shared (refcount) between CLONE_FILES threads. */
struct fdtable {
	int refcount;
	int size;           /* slots allocated in fd[] */
	int limit;          /* RLIMIT_NOFILE: fds >= limit give EMFILE */
	struct file **fd;
	uint8_t *cloexec;   /* one byte per slot */
};

/* Where a task's paths start. Shared (refcount) between CLONE_FS tasks. */
struct fs_context {
	int refcount;
	struct inode *root, *cwd; /* one reference each */
	uint32_t umask;
};

/* --- boot --- */
/* Create the root ramfs with /dev (devtmpfs) and /proc (procfs) mounted. */
void fs_init(void);
/* Unpack one or more concatenated newc cpio archives into the root.
 * Returns 0, or -EINVAL when the archive is malformed (entries before the
 * bad header stay; the reason is printed). */
int fs_unpack_initramfs(const void *buf, size_t len);

/* --- inodes --- */
void inode_ref(struct inode *ino);
void inode_unref(struct inode *ino);
/* A file is not written while it runs (ETXTBSY, as Linux): an open for
 * writing takes inode_get_write, which fails while an address space runs
 * the file; exec takes inode_deny_write, which fails while the file is
 * open for writing. Each returns 0 or -ETXTBSY; the put/allow undo it. */
int inode_get_write(struct inode *ino);
void inode_put_write(struct inode *ino);
int inode_deny_write(struct inode *ino);
void inode_allow_write(struct inode *ino);
/* Resolve path from the current task's cwd/root; follow a final symlink if
 * follow. => *out holds one reference. 0 or -errno. */
int vfs_lookup(const char *path, bool follow, struct inode **out);
/* Read up to n bytes at off from a regular file into kbuf: count or -errno. */
long vfs_inode_read(struct inode *ino, uint64_t off, void *kbuf, size_t n);
/* The frame of page pgoff of a regular file, shared with the file, with a
 * reference for the caller (mm maps it: zero-copy exec and MAP_SHARED).
 * 0 when the page is a hole and !alloc, when out of memory, or when the
 * filesystem keeps no frames (then the caller copies with vfs_inode_read). */
paddr_t vfs_inode_page(struct inode *ino, uint64_t pgoff, bool alloc);
/* True if vfs_inode_page works for ino (MAP_SHARED file mappings). */
bool vfs_inode_has_pages(struct inode *ino);
/* 0 if the current task may execute ino (regular, an x bit, permission);
 * -EACCES otherwise. */
int vfs_may_exec(struct inode *ino);
/* 0 if the current task has the MAY_* rights in mask on ino, else -EACCES. */
int vfs_permission(struct inode *ino, int mask);
/* Write the absolute path of ino (as seen from the task's root) into buf;
 * returns the length (without NUL) or -ENAMETOOLONG / -ENOENT. */
long vfs_inode_path(struct inode *ino, char *buf, size_t size);
/* The device of the filesystem holding ino (st_dev, MKDEV form). */
uint32_t vfs_inode_dev(const struct inode *ino);

/* --- open files and descriptors --- */
/* Open path like open(2), for kernel callers (init's console, exec). */
int vfs_open(const char *path, int flags, uint32_t mode, struct file **out);
/* A new file on ops with no inode (pipes, anonymous devices); refcount 1. */
struct file *file_alloc(const struct file_ops *ops, uint32_t flags, void *priv);
void file_ref(struct file *f);
void file_unref(struct file *f);
long vfs_read(struct file *f, void *kbuf, size_t n);
long vfs_write(struct file *f, const void *kbuf, size_t n);

struct fdtable *fdtable_new(void);
/* A copy for fork: same files (each gains a reference), same cloexec. */
struct fdtable *fdtable_clone(struct fdtable *t);
void fdtable_share(struct fdtable *t); /* CLONE_FILES: one more user */
void fdtable_put(struct fdtable *t);   /* last user closes everything */
void fdtable_close_on_exec(struct fdtable *t);
/* Install f (taking over the caller's reference) at the lowest free fd >= min;
 * returns the fd or -EMFILE. */
int fd_install(struct fdtable *t, struct file *f, int min, bool cloexec);
/* The file at fd in the current task's table, with a reference; NULL if none. */
struct file *fd_get(int fd);
/* The inode of the current task's fd with a reference: 0, -EBADF. */
int vfs_fd_inode(int fd, struct inode **out);

struct fs_context *fs_context_new(void); /* root and cwd at "/", umask 022 */
struct fs_context *fs_context_clone(struct fs_context *c);
void fs_context_share(struct fs_context *c);
void fs_context_put(struct fs_context *c);

/* --- mounts --- */
/* Mount a new instance of fstype ("tmpfs", "ramfs", "proc", "devtmpfs")
 * on the directory at target. 0 or -errno. */
int vfs_mount(const char *fstype, const char *target);

/* --- devices --- */
/* Register a character device and create /dev/<name> for it (name may hold
 * '/', parents are created). ops stays owned by the caller. 0 or -errno. */
int devfs_register_char(const char *name, uint32_t major, uint32_t minor,
			const struct file_ops *ops);
/* Fill buf with n bytes from the kernel's ChaCha20 generator. */
void random_bytes(void *buf, size_t n);

/* --- procfs --- */
/* A growable text buffer the generators print into. */
struct seqbuf {
	char *buf;
	size_t len, cap;
	bool overflow; /* an allocation failed; the content is truncated */
};
void seq_printf(struct seqbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void seq_write(struct seqbuf *sb, const void *data, size_t n);

/* Register /proc/<path> (intermediate dirs are created) whose content gen
 * prints at open. Returns 0 or -errno. */
int procfs_register(const char *path, int (*gen)(struct seqbuf *sb));
/* The same, writable: store gets what a write() hands the file, NUL-ended,
 * and returns 0 or -errno; without gen the file is write-only (0200). */
int procfs_register_rw(const char *path, int (*gen)(struct seqbuf *sb),
		       int (*store)(const char *buf, size_t n));

/* The process side of /proc/<pid>/: implemented by proc/. */
struct procfs_pid_ops {
	/* Fill pids[0..max) with live process ids; returns how many. */
	int (*list)(int *pids, int max);
	/* Fill tids[0..max) with the thread ids of process pid, ascending;
	 * returns how many (0 if there is no such process). */
	int (*threads)(int pid, int *tids, int max);
	/* The process id /proc/self names for the caller (its tgid). */
	int (*self_pid)(void);
	/* The task with pid and a reference on it, or NULL; put drops it. */
	struct task *(*get)(int pid);
	void (*put)(struct task *t);
	/* Names of the generated files in every pid dir, NULL-terminated
	 * (procfs adds "fd", "cwd", "root", "exe" itself). */
	const char *const *files;
	/* Print /proc/<pid>/<name>: 0 or -errno. */
	int (*gen)(struct task *t, const char *name, struct seqbuf *sb);
	/* Resolve /proc/<pid>/exe: the executable's inode with a reference. */
	int (*exe)(struct task *t, struct inode **out);
	/* Files read at any position instead of generated whole at open
	 * (pagemap: one entry per page of the address space): positional
	 * says which; read_at copies up to u->len bytes of it at pos and
	 * returns how many, or -errno. */
	bool (*positional)(const char *name);
	long (*read_at)(struct task *t, const char *name, struct uio *u, uint64_t pos);
};
void procfs_set_pid_ops(const struct procfs_pid_ops *ops);

#endif

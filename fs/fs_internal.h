/* fs_internal.h: what the filesystems and the VFS share, not exported. */
#ifndef FS_FS_INTERNAL_H
#define FS_FS_INTERNAL_H

#include "fs/vfs.h"
#include "kernel/list.h"

/* Filesystem magic numbers, as statfs reports them. */
#define RAMFS_MAGIC 0x858458f6
#define TMPFS_MAGIC 0x01021994
#define PROC_SUPER_MAGIC 0x9fa0
#define PIPEFS_MAGIC 0x50495045

/* d_type values of getdents64. */
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

#define SEEK_SET 0
#define SEEK_CUR 1
#define SEEK_END 2
#define SEEK_DATA 3
#define SEEK_HOLE 4

#define MAX_SYMLINKS 40
#define MAX_FILE_SIZE ((uint64_t)1 << 40) /* ramfs cap: EFBIG past 1 TiB */

/* Receives directory entries from iops->readdir. Returns true to continue;
 * false when the caller's buffer is full (the entry was not taken). */
struct dir_sink {
	bool (*emit)(struct dir_sink *s, const char *name, size_t len, uint64_t ino,
		     unsigned int type, uint64_t next_pos);
};

/* Inode operations. Names come as (name, len), never "." or "..".
 * Each returns 0 or -errno; a returned inode carries one reference.
 * The VFS has already checked permissions, existence and types. */
struct inode_ops {
	int (*lookup)(struct inode *dir, const char *name, size_t len, struct inode **out);
	/* The directory holding ino (for a directory: ".."); -ENOENT once it
	 * has been unlinked. Never asked for the root of the filesystem. */
	int (*get_parent)(struct inode *ino, struct inode **out);
	/* Create a regular file, directory, device node or FIFO (mode has the type). */
	int (*mknod)(struct inode *dir, const char *name, size_t len, uint32_t mode,
		     uint32_t rdev, struct inode **out);
	int (*symlink)(struct inode *dir, const char *name, size_t len, const char *target,
		       struct inode **out);
	int (*link)(struct inode *dir, const char *name, size_t len, struct inode *target);
	/* Remove the entry (a file, or an empty directory). */
	int (*unlink)(struct inode *dir, const char *name, size_t len);
	/* Move odir/oname to ndir/nname, replacing what nname names. */
	int (*rename)(struct inode *odir, const char *oname, size_t olen, struct inode *ndir,
		      const char *nname, size_t nlen);
	/* Copy the symlink's target (no NUL) into buf: length or -errno. */
	long (*readlink)(struct inode *ino, char *buf, size_t size);
	/* A "magic" link (/proc/self/fd/N) that resolves straight to an inode. */
	int (*get_link)(struct inode *ino, struct inode **out);
	/* Emit entries from *pos on (the fs defines positions, >= 2 after "." ".."). */
	int (*readdir)(struct inode *dir, uint64_t *pos, struct dir_sink *sink);
	long (*read)(struct inode *ino, uint64_t off, struct uio *u);
	/* The frame holding page idx of a regular file, with one reference
	 * added for the caller; a hole gets a zeroed frame first if alloc,
	 * else 0. NULL for filesystems whose data is not in frames. */
	paddr_t (*get_page)(struct inode *ino, uint64_t idx, bool alloc);
	long (*write)(struct inode *ino, uint64_t off, struct uio *u);
	int (*truncate)(struct inode *ino, uint64_t size);
	/* The last reference went and the inode is unreachable: free it. */
	void (*evict)(struct inode *ino);
	bool (*dir_is_empty)(struct inode *dir);
};

struct fs_type {
	const char *name;
	uint32_t magic;
	/* A new (or, for devtmpfs, the shared) instance; NULL on failure. */
	struct super_block *(*get_sb)(void);
	/* Free an unmounted instance whose inodes are unused. */
	void (*kill_sb)(struct super_block *sb);
};

struct super_block {
	const struct fs_type *type;
	struct inode *root;    /* one reference held by the super block */
	struct mount *mnt;     /* where it is mounted, NULL if nowhere */
	uint32_t dev;          /* st_dev: anonymous device 0:n */
	uint64_t next_ino;
	long inode_refs;       /* sum of the refcounts of its inodes */
	bool ephemeral;        /* inodes die with their last reference (procfs) */
	void *priv;
};

struct mount {
	struct list_head link;  /* in the mount table, in mount order */
	struct super_block *sb;
	struct inode *covered;  /* the directory mounted on; one reference */
	char path[128];         /* where, for /proc/mounts */
	char source[64];
};

/* inode.c */
struct inode *inode_new(struct super_block *sb, uint32_t mode);
void inode_touch(struct inode *ino, bool a, bool m, bool c); /* set to now */
void inode_touch_atime(struct inode *ino);                    /* relatime rule */
int64_t fs_now_ns(void);
bool cred_is_owner(struct inode *ino);
bool cred_is_root(void);
int inode_dirent_type(uint32_t mode);
long inode_path_from(struct inode *root, struct inode *ino, char *buf, size_t size);

/* namei.c: the path walker. */
struct nameidata {
	struct inode *root;   /* the task's root (one ref) */
	struct inode *dir;    /* the parent found by walk_parent (one ref) */
	char last[NAME_MAX + 1];
	size_t last_len;
	int last_type;        /* LAST_NORM, LAST_DOT, LAST_DOTDOT */
	bool trailing_slash;
	int links;            /* symlinks followed so far */
	char *path;           /* PATH_MAX working copy (kmalloc) */
	size_t pos;           /* next byte of path to walk */
};
#define LAST_NORM 0
#define LAST_DOT 1
#define LAST_DOTDOT 2
#define LAST_ROOT 3 /* the path was only slashes: the result is nd->dir */
#define LAST_BIND 4 /* a magic link resolved straight to nd->dir */

#define WALK_FOLLOW 1    /* follow a final symlink */
#define WALK_EMPTY 2     /* "" names the start dir (AT_EMPTY_PATH) */
#define WALK_DIRECTORY 4 /* the result must be a directory */

/* The starting inode for dirfd: cwd for AT_FDCWD, else the fd's directory. */
int walk_start(int dirfd, const char *path, struct inode **out);
/* Resolve path relative to start (ref'd by the caller, borrowed here). */
int walk_path(struct inode *start, const char *path, int flags, struct inode **out);
/* Resolve all but the last component: fills nd->dir, last, last_type. */
int walk_parent(struct nameidata *nd, struct inode *start, const char *path);
/* Continue a walk_parent whose last component is a symlink: resolves the
 * link's target to a new (dir, last). */
int walk_parent_follow(struct nameidata *nd, struct inode *link);
void nd_release(struct nameidata *nd);
/* Look one name up in dir, crossing mount points and handling "..". */
int walk_lookup(struct inode *root, struct inode *dir, const char *name, size_t len,
		struct inode **out);
/* Resolve (dirfd, user-copied path) with AT_* flags: the common *at helper. */
int walk_at(int dirfd, const char *path, int atflags, struct inode **out);

/* dirops.c: directory-changing operations relative to a start directory
 * (ref'd by the caller). mode carries the file type; no umask is applied. */
int vfs_mknod_at(struct inode *start, const char *path, uint32_t mode, uint32_t rdev);
int vfs_symlink_at(const char *target, struct inode *start, const char *path);
int vfs_link_at(struct inode *ostart, const char *opath, int flags, struct inode *nstart,
		const char *npath);
int vfs_unlink_at(struct inode *start, const char *path, bool rmdir);
int vfs_rename_at(struct inode *ostart, const char *opath, struct inode *nstart,
		  const char *npath, unsigned int flags);

/* mount.c */
extern struct list_head mount_table;
extern struct inode *vfs_root; /* the root of the root filesystem */
const struct fs_type *fs_type_find(const char *name);
struct super_block *sb_new(const struct fs_type *type);
int vfs_mount_sb(struct super_block *sb, struct inode *dir, const char *source);
int vfs_umount(struct inode *root, int flags);
bool inode_is_mountpoint(struct inode *ino);

/* fdtable.c */
int fd_install_at(struct fdtable *t, int fd, struct file *f, bool cloexec);
int fd_close(struct fdtable *t, int fd);

/* file.c */
int vfs_open_at(int dirfd, const char *path, int flags, uint32_t mode, struct file **out);
int vfs_truncate(struct inode *ino, uint64_t size);
int64_t generic_llseek(struct file *f, int64_t off, int whence);
extern const struct file_ops dir_file_ops;
extern const struct file_ops reg_file_ops;

/* ramfs.c */
extern const struct fs_type ramfs_type, tmpfs_type;
struct super_block *ramfs_new_sb(const struct fs_type *type);
extern uint64_t ramfs_pages; /* pages of file data held, for meminfo */

/* devfs.c */
extern const struct fs_type devtmpfs_type;
const struct file_ops *chrdev_find(uint32_t rdev);
void devfs_init(void);

/* procfs.c */
extern const struct fs_type procfs_type;
void procfs_init(void);

/* pipe.c */
int pipe_create(struct file **rd, struct file **wr, int flags);
const struct file_ops *fifo_file_ops(void);
/* F_GETPIPE_SZ (size < 0) / F_SETPIPE_SZ: the ring's size or -errno. */
long pipe_set_size(struct file *f, long size);

/* cpio.c */
int cpio_unpack(struct inode *root, const void *buf, size_t len);

/* struct timespec / struct timeval as user space lays them out. */
struct ktimespec {
	int64_t sec, nsec;
};

/* sys_common.c */
int path_from_user(uintptr_t upath, bool null_ok, char **out);
int user_walk_at(int dirfd, uintptr_t upath, int flags, struct inode **out);
int walk_flags_at(int atflags);
struct file *fd_get_io(int fd);
struct fdtable *cur_fdtable(void);
struct fs_context *cur_fs(void);

/* sys_poll.c */
struct poll_entry;
struct poll_table {
	struct poll_entry *entries;
	int n, max;
};

#endif

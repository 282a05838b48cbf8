/* sys_stat.c: stat, lstat, fstat, newfstatat, statx, statfs, fstatfs, with
 * the Linux x86_64 structure layouts. */
#include "fs/fs_internal.h"
#include "fs/syscalls.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/uaccess.h"
#include "mm/pmm.h"

struct linux_stat {
	uint64_t st_dev;
	uint64_t st_ino;
	uint64_t st_nlink;
	uint32_t st_mode;
	uint32_t st_uid;
	uint32_t st_gid;
	int32_t pad0;
	uint64_t st_rdev;
	int64_t st_size;
	int64_t st_blksize;
	int64_t st_blocks;
	int64_t st_atime_sec, st_atime_nsec;
	int64_t st_mtime_sec, st_mtime_nsec;
	int64_t st_ctime_sec, st_ctime_nsec;
	int64_t unused[3];
};
_Static_assert(sizeof(struct linux_stat) == 144, "struct stat is 144 bytes");
_Static_assert(offsetof(struct linux_stat, st_mode) == 24, "st_mode");
_Static_assert(offsetof(struct linux_stat, st_rdev) == 40, "st_rdev");
_Static_assert(offsetof(struct linux_stat, st_size) == 48, "st_size");
_Static_assert(offsetof(struct linux_stat, st_atime_sec) == 72, "st_atime");
_Static_assert(offsetof(struct linux_stat, st_mtime_sec) == 88, "st_mtime");
_Static_assert(offsetof(struct linux_stat, st_ctime_sec) == 104, "st_ctime");

struct statx_timestamp {
	int64_t tv_sec;
	uint32_t tv_nsec;
	int32_t reserved;
};

struct linux_statx {
	uint32_t stx_mask;
	uint32_t stx_blksize;
	uint64_t stx_attributes;
	uint32_t stx_nlink;
	uint32_t stx_uid;
	uint32_t stx_gid;
	uint16_t stx_mode;
	uint16_t spare0;
	uint64_t stx_ino;
	uint64_t stx_size;
	uint64_t stx_blocks;
	uint64_t stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	uint32_t stx_rdev_major, stx_rdev_minor;
	uint32_t stx_dev_major, stx_dev_minor;
	uint64_t stx_mnt_id;
	uint32_t stx_dio_mem_align, stx_dio_offset_align;
	uint64_t spare3[12];
};
_Static_assert(sizeof(struct linux_statx) == 256, "struct statx is 256 bytes");
_Static_assert(offsetof(struct linux_statx, stx_ino) == 32, "stx_ino");
_Static_assert(offsetof(struct linux_statx, stx_atime) == 64, "stx_atime");
_Static_assert(offsetof(struct linux_statx, stx_mtime) == 112, "stx_mtime");
_Static_assert(offsetof(struct linux_statx, stx_rdev_major) == 128, "stx_rdev_major");
_Static_assert(offsetof(struct linux_statx, stx_mnt_id) == 144, "stx_mnt_id");

struct linux_statfs {
	int64_t f_type;
	int64_t f_bsize;
	uint64_t f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	int32_t f_fsid[2];
	int64_t f_namelen;
	int64_t f_frsize;
	int64_t f_flags;
	int64_t f_spare[4];
};
_Static_assert(sizeof(struct linux_statfs) == 120, "struct statfs is 120 bytes");
_Static_assert(offsetof(struct linux_statfs, f_fsid) == 56, "f_fsid");

#define STATX_BASIC_STATS 0x7ffU
#define STATX_RESERVED 0x80000000U
#define AT_STATX_SYNC_TYPE 0x6000
#define ST_VALID 0x0020
#define ST_RELATIME 0x1000

/* Linux's new_encode_dev: the dev_t user space sees. */
static uint64_t encode_dev(uint32_t dev)
{
	uint32_t ma = MAJOR(dev), mi = MINOR(dev);

	return (mi & 0xff) | (ma << 8) | ((uint64_t)(mi & ~0xffu) << 12);
}

static int64_t sec_of(int64_t ns)
{
	return ns >= 0 ? ns / 1000000000 : -((-ns + 999999999) / 1000000000);
}

static int64_t nsec_of(int64_t ns)
{
	return ns - sec_of(ns) * 1000000000;
}

static void fill_stat(struct inode *ino, struct linux_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_dev = encode_dev(ino->sb->dev);
	st->st_ino = ino->ino;
	st->st_nlink = ino->nlink;
	st->st_mode = ino->mode;
	st->st_uid = ino->uid;
	st->st_gid = ino->gid;
	st->st_rdev = encode_dev(ino->rdev);
	st->st_size = (int64_t)ino->size;
	st->st_blksize = PAGE_SIZE;
	st->st_blocks = (int64_t)ino->blocks;
	st->st_atime_sec = sec_of(ino->atime_ns);
	st->st_atime_nsec = nsec_of(ino->atime_ns);
	st->st_mtime_sec = sec_of(ino->mtime_ns);
	st->st_mtime_nsec = nsec_of(ino->mtime_ns);
	st->st_ctime_sec = sec_of(ino->ctime_ns);
	st->st_ctime_nsec = nsec_of(ino->ctime_ns);
}

static long stat_out(struct inode *ino, uintptr_t ust)
{
	struct linux_stat st;

	fill_stat(ino, &st);
	inode_unref(ino);
	return copy_to_user(ust, &st, sizeof(st));
}

long sys_newfstatat(int dirfd, uintptr_t path, uintptr_t ust, int flags)
{
	struct inode *ino;
	int err;

	if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH))
		return -EINVAL;
	if ((err = user_walk_at(dirfd, path, walk_flags_at(flags), &ino)))
		return err;
	return stat_out(ino, ust);
}

long sys_stat(uintptr_t path, uintptr_t st)
{
	return sys_newfstatat(AT_FDCWD, path, st, 0);
}

long sys_lstat(uintptr_t path, uintptr_t st)
{
	return sys_newfstatat(AT_FDCWD, path, st, AT_SYMLINK_NOFOLLOW);
}

long sys_fstat(int fd, uintptr_t st)
{
	struct inode *ino;
	int err = vfs_fd_inode(fd, &ino);

	return err ? err : stat_out(ino, st);
}

static struct statx_timestamp stx_time(int64_t ns)
{
	return (struct statx_timestamp){ sec_of(ns), (uint32_t)nsec_of(ns), 0 };
}

long sys_statx(int dirfd, uintptr_t path, int flags, unsigned int mask, uintptr_t ustx)
{
	struct linux_statx stx;
	struct inode *ino;
	int err;

	if ((flags & ~(AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT | AT_EMPTY_PATH | AT_STATX_SYNC_TYPE)) ||
	    (flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE || (mask & STATX_RESERVED))
		return -EINVAL;
	if ((err = user_walk_at(dirfd, path, walk_flags_at(flags), &ino)))
		return err;
	memset(&stx, 0, sizeof(stx));
	stx.stx_mask = STATX_BASIC_STATS;
	stx.stx_blksize = PAGE_SIZE;
	stx.stx_nlink = ino->nlink;
	stx.stx_uid = ino->uid;
	stx.stx_gid = ino->gid;
	stx.stx_mode = (uint16_t)ino->mode;
	stx.stx_ino = ino->ino;
	stx.stx_size = ino->size;
	stx.stx_blocks = ino->blocks;
	stx.stx_atime = stx_time(ino->atime_ns);
	stx.stx_mtime = stx_time(ino->mtime_ns);
	stx.stx_ctime = stx_time(ino->ctime_ns);
	stx.stx_rdev_major = MAJOR(ino->rdev);
	stx.stx_rdev_minor = MINOR(ino->rdev);
	stx.stx_dev_major = MAJOR(ino->sb->dev);
	stx.stx_dev_minor = MINOR(ino->sb->dev);
	stx.stx_mnt_id = MINOR(ino->sb->dev);
	inode_unref(ino);
	return copy_to_user(ustx, &stx, sizeof(stx));
}

/* ramfs, devtmpfs and proc report no size (as Linux's simple_statfs);
 * tmpfs reports half of RAM, its default size limit. */
static long statfs_out(struct inode *ino, uintptr_t ubuf)
{
	struct super_block *sb = ino->sb;
	struct linux_statfs st;

	memset(&st, 0, sizeof(st));
	st.f_type = sb->type->magic;
	st.f_bsize = PAGE_SIZE;
	st.f_namelen = NAME_MAX;
	st.f_frsize = PAGE_SIZE;
	st.f_flags = ST_VALID | ST_RELATIME;
	st.f_fsid[0] = (int32_t)sb->dev;
	if (sb->type == &tmpfs_type) {
		st.f_blocks = pmm_total_count() / 2;
		st.f_bfree = pmm_free_count() < st.f_blocks ? pmm_free_count() : st.f_blocks;
		st.f_bavail = st.f_bfree;
	}
	inode_unref(ino);
	return copy_to_user(ubuf, &st, sizeof(st));
}

long sys_statfs(uintptr_t path, uintptr_t buf)
{
	struct inode *ino;
	int err = user_walk_at(AT_FDCWD, path, WALK_FOLLOW, &ino);

	return err ? err : statfs_out(ino, buf);
}

long sys_fstatfs(int fd, uintptr_t buf)
{
	struct inode *ino;
	int err = vfs_fd_inode(fd, &ino);

	return err ? err : statfs_out(ino, buf);
}

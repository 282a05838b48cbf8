/* t_efault.c: every pointer-taking system call the kernel implements, handed
 * bad pointers; each must fail with EFAULT exactly where Linux does, change
 * nothing, and leave the caller (and the kernel) alive.
 *
 * The bad pointers (enum kind): NULL; two kernel addresses (the direct map
 * at 0xffff800000000000 and the kernel image at 0xffffffff80000000); the
 * first non-canonical address 0x0000800000000000; a page that was unmapped;
 * a PROT_NONE page; an object that starts in a mapped page and runs into an
 * unmapped one ("half"); an object that starts in the last user page
 * 0x7fffffffe000 (mapped for the test) and runs past the top of user space
 * ("top"); an address so high that address + size wraps past 2^64; and, for
 * pointers the kernel writes through, a read-only page.
 *
 * EF(flags, size, expr) evaluates expr once per bad pointer P that applies
 * (IN: the kernel reads *P; OUT: it writes *P; STR: P is a path string;
 * NONULL: NULL means "none" for this argument and is skipped) and wants
 * -1 EFAULT each time. Where Linux answers differently (a partial count, a
 * success because the kernel never touched the bad part, another errno) the
 * case says so in a comment and checks Linux's answer explicitly; those
 * answers were learned by running this program on Linux 6.x as root. */
#include "utest.h"

#include <poll.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/statfs.h>
#include <sys/sysinfo.h>
#include <sys/time.h>
#include <sys/times.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <utime.h>

#define PAGE 4096ul
#define USER_TOP 0x00007ffffffff000ul
#define TOP_PAGE (USER_TOP - PAGE)
#define ARENA_HINT 0x0000000200000000ul
#define STATX_BASIC 0x7ffu
#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004

enum kind { K_NULL, K_KDIRECT, K_KTEXT, K_NONCANON, K_UNMAPPED, K_NONE, K_HALF, K_TOP, K_WRAP,
	    K_RO, NKIND };

static const char *const kind_name[NKIND] = {
	"NULL", "kernel 0xffff800000000000", "kernel 0xffffffff80000000",
	"non-canonical 0x800000000000", "unmapped page", "PROT_NONE page",
	"half-mapped (runs into an unmapped page)", "runs past the top of user space",
	"wraps past 2^64", "read-only page",
};

/* Which pointers apply: */
#define IN 1     /* the kernel reads the object */
#define OUT 2    /* the kernel writes it (a read-only page is bad too) */
#define STR 4    /* a NUL-terminated path: "half" is a string without a NUL */
#define NONULL 8 /* NULL is a valid "none" for this argument */
#define NOHALF 16 /* a partly mapped object ("half", "top") gets another answer
			* on Linux; the case checks it itself */

/* The arena: page 0 read-write (filled with 'a', no NUL), page 1 unmapped,
 * page 2 read-only, page 3 PROT_NONE. It sits far from the heap and from
 * where mmap places things, so nothing lands in the hole. */
static uint8_t *arena;
static bool top_mapped;

static void arena_init(void)
{
	if (arena)
		return;
	arena = mmap((void *)ARENA_HINT, 4 * PAGE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (arena == MAP_FAILED) {
		ut_fail_(__LINE__, "arena mmap: %s", u_errname(errno));
		exit(1);
	}
	memset(arena, 'a', PAGE);
	munmap(arena + PAGE, PAGE);
	mprotect(arena + 2 * PAGE, PAGE, PROT_READ);
	mprotect(arena + 3 * PAGE, PAGE, PROT_NONE);
	void *top = mmap((void *)TOP_PAGE, PAGE, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	top_mapped = top == (void *)TOP_PAGE;
	if (top_mapped)
		memset(top, 'a', PAGE);
	else if (top != MAP_FAILED)
		munmap(top, PAGE);
}

static bool kind_applies(int k, int flags)
{
	if (k == K_NULL && (flags & NONULL))
		return false;
	if ((k == K_HALF || k == K_TOP) && (flags & NOHALF))
		return false;
	if (k == K_RO && !(flags & OUT))
		return false;
	return true;
}

/* Returns bad pointer k for an object of size bytes (flags: how it is used). */
static void *bad_ptr(int k, int flags, size_t size)
{
	size_t half = (flags & STR) ? 8 : (size < 2 ? 1 : size / 2);

	arena_init();
	/* An earlier call may have written into the mapped part: refill it,
	 * so a "half" string never finds a NUL before the hole. */
	memset(arena, 'a', PAGE);
	if (top_mapped)
		memset((void *)TOP_PAGE, 'a', PAGE);
	switch (k) {
	case K_NULL: return NULL;
	case K_KDIRECT: return (void *)0xffff800000000000ul;
	case K_KTEXT: return (void *)0xffffffff80000000ul;
	case K_NONCANON: return (void *)0x0000800000000000ul;
	case K_UNMAPPED: return arena + PAGE + 64;
	case K_NONE: return arena + 3 * PAGE;
	case K_HALF: return arena + PAGE - half;
	case K_TOP: return (void *)(USER_TOP - half);
	case K_WRAP: return (void *)0xfffffffffffffff0ul;
	default: return arena + 2 * PAGE;
	}
}

/* Records the outcome of one call; true if it was -1 EFAULT. */
static bool ef_result(int line, const char *expr, int k, long r, int e)
{
	if (r == -1 && e == EFAULT)
		return true;
	return ut_fail_(line, "%s with P = %s: want -1 EFAULT, got %ld %s", expr, kind_name[k], r,
			r == -1 ? u_errname(e) : "");
}

#define EF(flags, size, expr)                                                                      \
	do {                                                                                       \
		for (int k_ = 0; k_ < NKIND; k_++) {                                               \
			if (!kind_applies(k_, (flags)))                                            \
				continue;                                                          \
			void *P = bad_ptr(k_, (flags), (size));                                    \
			errno = 0;                                                                 \
			long r_ = (long)(expr);                                                    \
			ef_result(__LINE__, #expr, k_, r_, errno);                                 \
		}                                                                                  \
	} while (0)

/* The half-mapped object of size bytes and how many of its bytes are mapped. */
#define HALF(size) ((void *)(arena + PAGE - (size) / 2))

/* A file "f" (64 bytes of 'x'), a directory "d", a symlink "lnk" -> "f";
 * returns an fd open read-write on f. */
static int setup_files(void)
{
	char buf[64];

	ut_scratch();
	arena_init();
	memset(buf, 'x', sizeof(buf));
	ut_write_file("f", buf, sizeof(buf), 0644);
	mkdir("d", 0755);
	symlink("f", "lnk");
	return (int)UT_OK(open("f", O_RDWR));
}

/* The lowest free fd must still be want: a failing call leaked none. */
static void check_no_fd_leak(int line, int want)
{
	int fd = dup(0);

	if (fd != want)
		ut_fail_(line, "lowest free fd is %d, want %d: a failed call leaked a descriptor",
			 fd, want);
	if (fd >= 0)
		close(fd);
}

/* ---- paths ---- */

UT_CASE(efault_path_calls, 20)
{
	struct stat st;
	struct statfs sfs;
	struct timespec ts2[2] = { { 0, 0 }, { 0, 0 } };
	struct timeval tv2[2] = { { 0, 0 }, { 0, 0 } };
	int fd = setup_files();
	int dfd = (int)UT_OK(open("d", O_RDONLY | O_DIRECTORY));
	char lbuf[64];

	EF(STR, 0, syscall(SYS_open, P, O_RDONLY));
	EF(STR, 0, syscall(SYS_open, P, O_RDWR | O_CREAT, 0644));
	EF(STR, 0, syscall(SYS_openat, AT_FDCWD, P, O_RDONLY));
	EF(STR, 0, syscall(SYS_openat, dfd, P, O_RDONLY));
	EF(STR, 0, syscall(SYS_creat, P, 0644));
	EF(STR, 0, syscall(SYS_mknod, P, S_IFIFO | 0644, 0));
	EF(STR, 0, syscall(SYS_mknodat, AT_FDCWD, P, S_IFIFO | 0644, 0));
	EF(STR, 0, syscall(SYS_stat, P, &st));
	EF(STR, 0, syscall(SYS_lstat, P, &st));
	EF(STR, 0, syscall(SYS_newfstatat, AT_FDCWD, P, &st, 0));
	EF(STR, 0, syscall(SYS_newfstatat, dfd, P, &st, AT_SYMLINK_NOFOLLOW));
	EF(STR, 0, syscall(SYS_statfs, P, &sfs));
	EF(STR, 0, syscall(SYS_mkdir, P, 0755));
	EF(STR, 0, syscall(SYS_mkdirat, AT_FDCWD, P, 0755));
	EF(STR, 0, syscall(SYS_rmdir, P));
	EF(STR, 0, syscall(SYS_chdir, P));
	EF(STR, 0, syscall(SYS_chroot, P));
	EF(STR, 0, syscall(SYS_unlink, P));
	EF(STR, 0, syscall(SYS_unlinkat, AT_FDCWD, P, 0));
	EF(STR, 0, syscall(SYS_unlinkat, AT_FDCWD, P, AT_REMOVEDIR));
	EF(STR, 0, syscall(SYS_rename, P, "g"));
	EF(STR, 0, syscall(SYS_rename, "f", P));
	EF(STR, 0, syscall(SYS_renameat, AT_FDCWD, P, AT_FDCWD, "g"));
	EF(STR, 0, syscall(SYS_renameat, AT_FDCWD, "f", AT_FDCWD, P));
	EF(STR, 0, syscall(SYS_renameat2, AT_FDCWD, P, AT_FDCWD, "g", 0));
	EF(STR, 0, syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, P, 0));
	EF(STR, 0, syscall(SYS_link, P, "g"));
	EF(STR, 0, syscall(SYS_link, "f", P));
	EF(STR, 0, syscall(SYS_linkat, AT_FDCWD, P, AT_FDCWD, "g", 0));
	EF(STR, 0, syscall(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, P, 0));
	EF(STR, 0, syscall(SYS_symlink, P, "g"));
	EF(STR, 0, syscall(SYS_symlink, "f", P));
	EF(STR, 0, syscall(SYS_symlinkat, P, AT_FDCWD, "g"));
	EF(STR, 0, syscall(SYS_symlinkat, "f", AT_FDCWD, P));
	EF(STR, 0, syscall(SYS_readlink, P, lbuf, sizeof(lbuf)));
	EF(STR, 0, syscall(SYS_readlinkat, AT_FDCWD, P, lbuf, sizeof(lbuf)));
	EF(STR, 0, syscall(SYS_access, P, F_OK));
	EF(STR, 0, syscall(SYS_faccessat, AT_FDCWD, P, R_OK));
	EF(STR, 0, syscall(SYS_faccessat2, AT_FDCWD, P, R_OK, 0));
	EF(STR, 0, syscall(SYS_chmod, P, 0644));
	EF(STR, 0, syscall(SYS_fchmodat, AT_FDCWD, P, 0644));
	EF(STR, 0, syscall(SYS_chown, P, 0, 0));
	EF(STR, 0, syscall(SYS_lchown, P, 0, 0));
	EF(STR, 0, syscall(SYS_fchownat, AT_FDCWD, P, 0, 0, 0));
	EF(STR, 0, syscall(SYS_truncate, P, 0));
	EF(STR, 0, syscall(SYS_utimes, P, tv2));
	EF(STR, 0, syscall(SYS_utime, P, NULL));
	EF(STR, 0, syscall(SYS_futimesat, AT_FDCWD, P, tv2));
	/* utimensat(AT_FDCWD, NULL, ...) is EFAULT; NULL with a real dirfd
	 * means "that fd" (checked below). */
	EF(STR, 0, syscall(SYS_utimensat, AT_FDCWD, P, ts2, 0));
	EF(STR, 0, syscall(SYS_umount2, P, 0));
	EF(STR, 0, syscall(SYS_mount, "none", P, "tmpfs", 0, NULL));
	/* The file system is as it was: no "g", f still 64 bytes, cwd kept. */
	UT_ERR(access("g", F_OK), ENOENT);
	UT_OK(stat("f", &st));
	UT_EQ(st.st_size, 64);
	UT_EQ(st.st_mode & 07777, 0644);
	UT_OK(stat("d", &st));
	UT_OK(access("lnk", F_OK));
	char cwd[PATH_MAX];
	UT_CHECK(getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, ut_scratch()));
	UT_OK(syscall(SYS_utimensat, fd, NULL, ts2, 0));
	close(dfd);
	close(fd);
	check_no_fd_leak(__LINE__, 3);
}

UT_CASE(efault_execve, 20)
{
	char *av[] = { (char *)"x", NULL };
	char mark[] = "still-here";

	/* NULL argv/envp are allowed by Linux (an empty list), so only other
	 * bad pointers go there; a bad string inside argv or envp too. */
	EF(STR, 0, syscall(SYS_execve, P, av, environ));
	EF(IN | NONULL, 16, syscall(SYS_execve, ut_self, P, environ));
	EF(IN | NONULL, 16, syscall(SYS_execve, ut_self, av, P));
	EF(STR | NONULL, 0, syscall(SYS_execve, ut_self, ((char *[]){ (char *)"x", P, NULL }), environ));
	EF(STR | NONULL, 0, syscall(SYS_execve, ut_self, av, ((char *[]){ (char *)"A=1", P, NULL })));
	UT_STREQ(mark, "still-here");
}

/* ---- reads and writes ---- */

UT_CASE(efault_read_write, 20)
{
	int fd = setup_files();
	int p[2];
	char buf[64];

	UT_OK(pipe(p));
	EF(OUT | NOHALF, 16, syscall(SYS_read, fd, P, 16));
	EF(OUT | NOHALF, 16, syscall(SYS_pread64, fd, P, 16, 0));
	EF(IN | NOHALF, 16, syscall(SYS_write, fd, P, 16));
	EF(IN | NOHALF, 16, syscall(SYS_pwrite64, fd, P, 16, 0));
	EF(IN | NOHALF, 16, syscall(SYS_write, p[1], P, 16));
	/* Nothing was written, the pipe is empty and the file unchanged. */
	UT_EQ(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
	UT_ERR(read(p[0], buf, sizeof(buf)), EAGAIN);
	UT_EQ(pread(fd, buf, sizeof(buf), 0), 64);
	UT_EQ(buf[0], 'x');
	UT_EQ(buf[63], 'x');
	UT_OK(write(p[1], "0123456789abcdef", 16));
	EF(OUT | NOHALF, 16, syscall(SYS_read, p[0], P, 16));
	/* A failed read from a pipe consumed nothing. */
	UT_EQ(read(p[0], buf, 16), 16);
	UT_CHECK(!memcmp(buf, "0123456789abcdef", 16));

	/* A zero-length transfer touches nothing, so even NULL is fine. */
	UT_EQ(syscall(SYS_read, fd, NULL, 0), 0);
	UT_EQ(syscall(SYS_write, fd, NULL, 0), 0);

	/* Half-mapped: Linux copies up to the hole and returns that many
	 * bytes; a transfer that cannot copy its first byte is EFAULT. */
	UT_EQ(syscall(SYS_pread64, fd, HALF(16), 16, 0), 8);
	UT_EQ(syscall(SYS_pwrite64, fd, arena + PAGE - 8, 16, 100), 8);
	struct stat st;
	UT_OK(fstat(fd, &st));
	UT_EQ(st.st_size, 108);
	/* Pipes are all or nothing here: EFAULT, and the 16 bytes stay in
	 * the pipe; a write from a half-mapped buffer adds nothing. */
	UT_OK(write(p[1], "0123456789abcdef", 16));
	UT_ERR(syscall(SYS_read, p[0], HALF(16), 16), EFAULT);
	UT_EQ(read(p[0], buf, 16), 16);
	UT_ERR(syscall(SYS_write, p[1], HALF(16), 16), EFAULT);
	UT_ERR(read(p[0], buf, 16), EAGAIN);
	close(p[0]);
	close(p[1]);
	close(fd);
	check_no_fd_leak(__LINE__, 3);
}

UT_CASE(efault_iovec, 20)
{
	int fd = setup_files();
	char buf[16];
	struct iovec good = { buf, sizeof(buf) };

	EF(IN, sizeof(struct iovec), syscall(SYS_readv, fd, P, 1));
	EF(IN, sizeof(struct iovec), syscall(SYS_writev, fd, P, 1));
	EF(IN, sizeof(struct iovec), syscall(SYS_preadv, fd, P, 1, 0, 0));
	EF(IN, sizeof(struct iovec), syscall(SYS_pwritev, fd, P, 1, 0, 0));
	/* Bad buffers inside good iovecs. */
	EF(OUT | NOHALF, 16, syscall(SYS_readv, fd, (&(struct iovec){ P, 16 }), 1));
	EF(IN | NOHALF, 16, syscall(SYS_writev, fd, (&(struct iovec){ P, 16 }), 1));
	EF(OUT | NOHALF, 16, syscall(SYS_preadv, fd, (&(struct iovec){ P, 16 }), 1, 0, 0));
	EF(IN | NOHALF, 16, syscall(SYS_pwritev, fd, (&(struct iovec){ P, 16 }), 1, 0, 0));
	/* A good first iovec and a kernel address in the second: every
	 * iov_base is checked against user space before any transfer, so
	 * EFAULT and nothing moved. */
	struct iovec two[2] = { good, { (void *)0xffff800000000000ul, 16 } };
	UT_ERR(syscall(SYS_preadv, fd, two, 2, 0, 0), EFAULT);
	UT_ERR(syscall(SYS_pwritev, fd, two, 2, 0, 0), EFAULT);
	/* A user address that is merely unmapped is found only while copying:
	 * Linux returns what the first iovec moved. */
	two[1].iov_base = arena + PAGE;
	UT_EQ(syscall(SYS_preadv, fd, two, 2, 0, 0), 16);
	UT_EQ(syscall(SYS_pwritev, fd, two, 2, 0, 0), 16);
	/* A huge iov_len that overflows the total: EINVAL before any copy. */
	struct iovec huge[2] = { { buf, 16 }, { buf, (size_t)-1 / 2 + 8 } };
	UT_ERR(syscall(SYS_readv, fd, huge, 2), EINVAL);
	UT_ERR(syscall(SYS_readv, fd, &good, -1), EINVAL);
	UT_ERR(syscall(SYS_readv, fd, &good, 1025), EINVAL);
	close(fd);
	check_no_fd_leak(__LINE__, 3);
}

UT_CASE(efault_sendfile, 10)
{
	int fd = setup_files();
	int out = (int)UT_OK(open("out", O_WRONLY | O_CREAT, 0644));

	/* *offp is read before and written after the transfer. */
	EF(IN | NONULL, sizeof(off_t), syscall(SYS_sendfile, out, fd, P, 8));
	struct stat st;
	UT_OK(fstat(out, &st));
	UT_EQ(st.st_size, 0);
	/* A read-only offset: Linux reads it, copies the 8 bytes, then fails
	 * to store the new offset and says EFAULT (the bytes stay written;
	 * either size is accepted here). */
	UT_ERR(syscall(SYS_sendfile, out, fd, arena + 2 * PAGE, 8), EFAULT);
	UT_OK(fstat(out, &st));
	UT_CHECK(st.st_size == 0 || st.st_size == 8);
	close(out);
	close(fd);
}

/* ---- stat family ---- */

UT_CASE(efault_stat, 20)
{
	int fd = setup_files();
	char stx[256]; /* struct statx: musl's headers may lack it */

	EF(OUT, sizeof(struct stat), syscall(SYS_stat, "f", P));
	EF(OUT, sizeof(struct stat), syscall(SYS_lstat, "lnk", P));
	EF(OUT, sizeof(struct stat), syscall(SYS_fstat, fd, P));
	EF(OUT, sizeof(struct stat), syscall(SYS_newfstatat, AT_FDCWD, "f", P, 0));
	EF(OUT, sizeof(struct stat), syscall(SYS_fstat, 0, P));
	EF(OUT, 256, syscall(SYS_statx, AT_FDCWD, "f", 0, STATX_BASIC, P));
	EF(OUT, sizeof(struct statfs), syscall(SYS_statfs, "/", P));
	EF(OUT, sizeof(struct statfs), syscall(SYS_fstatfs, fd, P));
	/* statx with a NULL path and no AT_EMPTY_PATH: EFAULT as well. */
	EF(STR, 0, syscall(SYS_statx, AT_FDCWD, P, 0, STATX_BASIC, stx));
	close(fd);
}

/* ---- directories ---- */

UT_CASE(efault_dirs, 20)
{
	int fd = setup_files();
	int dfd = (int)UT_OK(open(".", O_RDONLY | O_DIRECTORY));
	char cwd[PATH_MAX];

	for (int k = 0; k < NKIND; k++) {
		/* Rewind each time: a call that does read entries moves on. */
		if (!kind_applies(k, OUT | NOHALF))
			continue;
		lseek(dfd, 0, SEEK_SET);
		errno = 0;
		long r = syscall(SYS_getdents64, dfd, bad_ptr(k, OUT, 4096), 4096);
		ef_result(__LINE__, "getdents64(dfd, P, 4096)", k, r, errno);
	}
	lseek(dfd, 0, SEEK_SET);
	/* The failed calls did not move the directory position: a good
	 * read still sees every entry. */
	char dbuf[4096];
	long n = syscall(SYS_getdents64, dfd, dbuf, sizeof(dbuf));
	int names = 0;
	for (long off = 0; off < n;) {
		struct dirent64 {
			uint64_t ino;
			int64_t off;
			unsigned short reclen;
			unsigned char type;
			char name[];
		} *de = (void *)(dbuf + off);
		names++;
		off += de->reclen;
	}
	UT_EQ(names, 5); /* . .. f d lnk */

	/* getcwd writes only strlen(cwd)+1 bytes: with the whole string in
	 * the mapped half Linux succeeds; it fails where the string would
	 * cross into the hole. */
	EF(OUT | NOHALF, 0, syscall(SYS_getcwd, P, sizeof(cwd)));
	size_t len = strlen(ut_scratch()) + 1;
	UT_EQ(syscall(SYS_getcwd, arena + PAGE - len, 4096), (long)len);
	UT_ERR(syscall(SYS_getcwd, arena + PAGE - len + 1, 4096), EFAULT);
	/* readlink writes only the target's bytes ("f": 1 byte). */
	EF(OUT | NOHALF, 0, syscall(SYS_readlink, "lnk", P, 64));
	UT_EQ(syscall(SYS_readlink, "lnk", arena + PAGE - 1, 64), 1);
	UT_EQ(arena[PAGE - 1], 'f');
	arena[PAGE - 1] = 'a';
	UT_ERR(syscall(SYS_readlinkat, AT_FDCWD, "lnk", (void *)0xffffffff80000000ul, 64), EFAULT);
	UT_CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	close(dfd);
	close(fd);
}

/* getdents64 into a buffer whose second half is unmapped: Linux stops at
 * the first entry that does not fit the mapped part and returns the bytes
 * of the entries before it (all five here fit in 2 KiB). A fully bad
 * buffer is EFAULT. */
UT_CASE(efault_getdents_half, 10)
{
	setup_files();
	int dfd = (int)UT_OK(open(".", O_RDONLY | O_DIRECTORY));
	long n = syscall(SYS_getdents64, dfd, HALF(4096), 4096);
	UT_CHECK(n > 0 && n < 2048);
	/* An entry that would straddle the hole: only 8 bytes are mapped, not
	 * enough for even one entry. */
	UT_OK(lseek(dfd, 0, SEEK_SET));
	UT_ERR(syscall(SYS_getdents64, dfd, arena + PAGE - 8, 4096), EFAULT);
	memset(arena + PAGE - 2048, 'a', 2048);
	close(dfd);
}

/* ---- descriptors: pipe, fcntl, ioctl ---- */

UT_CASE(efault_fd_calls, 20)
{
	int fd = setup_files();
	int p[2];

	/* pipe: EFAULT, and the two descriptors it made are closed again. */
	EF(OUT, 2 * sizeof(int), syscall(SYS_pipe, P));
	EF(OUT, 2 * sizeof(int), syscall(SYS_pipe2, P, O_CLOEXEC));
	check_no_fd_leak(__LINE__, 4);
	/* fcntl record locks: the flock struct is read first. */
	EF(IN, sizeof(struct flock), syscall(SYS_fcntl, fd, F_SETLK, P));
	EF(IN, sizeof(struct flock), syscall(SYS_fcntl, fd, F_GETLK, P));
	UT_OK(pipe(p));
	/* FIONBIO reads an int; FIONREAD writes one. */
	EF(IN, sizeof(int), syscall(SYS_ioctl, p[0], FIONBIO, P));
	EF(OUT, sizeof(int), syscall(SYS_ioctl, p[0], FIONREAD, P));
	EF(OUT, sizeof(int), syscall(SYS_ioctl, fd, FIONREAD, P));
	/* The failed FIONBIO left the pipe blocking. */
	UT_EQ(fcntl(p[0], F_GETFL) & O_NONBLOCK, 0);
	close(p[0]);
	close(p[1]);
	close(fd);
	check_no_fd_leak(__LINE__, 3);
}

/* Opens a terminal for the ioctl checks: stdin if it is one, else the
 * console, else a pseudo-terminal master. Returns -1 if there is none. */
static int open_tty(void)
{
	struct termios t;

	if (tcgetattr(0, &t) == 0)
		return dup(0);
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd >= 0 && tcgetattr(fd, &t) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	fd = open("/dev/ptmx", O_RDWR | O_NOCTTY);
	if (fd >= 0 && tcgetattr(fd, &t) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

UT_CASE(efault_tty_ioctl, 10)
{
	/* The kernel's struct termios is 36 bytes (musl's is larger). */
	struct termios before, after;
	struct winsize wb, wa;
	int fd = open_tty();

	memset(&before, 0, sizeof(before));
	memset(&after, 0, sizeof(after));

	if (fd < 0) {
		UT_NOTE("no terminal here; skipped\n");
		return;
	}
	UT_OK(ioctl(fd, TCGETS, &before));
	UT_OK(ioctl(fd, TIOCGWINSZ, &wb));
	EF(OUT, 36, syscall(SYS_ioctl, fd, TCGETS, P));
	EF(IN, 36, syscall(SYS_ioctl, fd, TCSETS, P));
	EF(OUT, sizeof(struct winsize), syscall(SYS_ioctl, fd, TIOCGWINSZ, P));
	EF(IN, sizeof(struct winsize), syscall(SYS_ioctl, fd, TIOCSWINSZ, P));
	/* A failed set changed nothing, not even the bytes before the hole. */
	UT_OK(ioctl(fd, TCGETS, &after));
	UT_CHECK(!memcmp(&before, &after, sizeof(before)));
	UT_OK(ioctl(fd, TIOCGWINSZ, &wa));
	UT_CHECK(!memcmp(&wb, &wa, sizeof(wb)));
	close(fd);
}

/* ---- poll and select ---- */

UT_CASE(efault_poll_select, 20)
{
	int p[2];
	struct timespec ts0 = { 0, 0 };
	struct timeval tv0 = { 0, 0 };
	fd_set rs;
	uint64_t mask = 0;

	UT_OK(pipe(p));
	EF(IN | OUT, sizeof(struct pollfd), syscall(SYS_poll, P, 1, 0));
	EF(IN | OUT, sizeof(struct pollfd), syscall(SYS_ppoll, P, 1, &ts0, NULL, 8));
	EF(IN | NONULL, sizeof(struct timespec),
	   syscall(SYS_ppoll, (&(struct pollfd){ p[0], POLLIN, 0 }), 1, P, NULL, 8));
	EF(IN | NONULL, 8,
	   syscall(SYS_ppoll, (&(struct pollfd){ p[0], POLLIN, 0 }), 1, &ts0, P, 8));
	/* No fds: nothing is read, even through NULL. */
	UT_EQ(syscall(SYS_poll, NULL, 0, 0), 0);
	FD_ZERO(&rs);
	EF(IN | OUT | NONULL, 8, syscall(SYS_select, p[0] + 1, P, NULL, NULL, &tv0));
	EF(IN | OUT | NONULL, 8, syscall(SYS_select, p[0] + 1, NULL, P, NULL, &tv0));
	EF(IN | OUT | NONULL, 8, syscall(SYS_select, p[0] + 1, NULL, NULL, P, &tv0));
	/* The timeout is written back, but Linux ignores a failure to do so
	 * (a timeout in read-only memory must not turn a finished select
	 * into an error): IN only, and read-only memory works. */
	EF(IN | NONULL, sizeof(struct timeval), syscall(SYS_select, p[0] + 1, &rs, NULL, NULL, P));
	EF(IN | OUT | NONULL, 8, syscall(SYS_pselect6, p[0] + 1, P, NULL, NULL, &ts0, NULL));
	EF(IN | NONULL, sizeof(struct timespec),
	   syscall(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, P, NULL));
	/* The read-only page holds zeros: zero timeouts for these three. */
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	UT_EQ(syscall(SYS_select, p[0] + 1, &rs, NULL, NULL, arena + 2 * PAGE), 0);
	FD_SET(p[0], &rs);
	UT_EQ(syscall(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, arena + 2 * PAGE, NULL), 0);
	UT_EQ(syscall(SYS_ppoll, (&(struct pollfd){ p[0], POLLIN, 0 }), 1, arena + 2 * PAGE, NULL, 8),
	      0);
	/* pselect6's last argument points at { sigset pointer, size }. */
	EF(IN | NONULL, 16, syscall(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, &ts0, P));
	EF(IN | NONULL, 8,
	   syscall(SYS_pselect6, p[0] + 1, &rs, NULL, NULL, &ts0,
		   ((uint64_t[2]){ (uint64_t)(uintptr_t)P, 8 })));
	(void)mask;
	close(p[0]);
	close(p[1]);
}

/* ---- processes ---- */

/* Starts a child that exits with code 7 at once. */
static pid_t quick_child(void)
{
	return ut_spawn_helper(NULL, "exit7");
}

UT_HELPER(exit7)
{
	return 7;
}

UT_CASE(efault_wait4, 20)
{
	/* Linux reaps the child, then fails to store the status: EFAULT, and
	 * the child is gone. */
	for (int k = 0; k < NKIND; k++) {
		if (!kind_applies(k, OUT | NONULL))
			continue;
		pid_t pid = quick_child();
		if (pid < 0)
			return;
		u_sleep_ms(20);
		void *P = bad_ptr(k, OUT, sizeof(int));
		errno = 0;
		long r = syscall(SYS_wait4, pid, P, 0, NULL);
		ef_result(__LINE__, "wait4(pid, P, 0, NULL)", k, r, errno);
		UT_ERR(waitpid(pid, NULL, WNOHANG), ECHILD);
	}
	for (int k = 0; k < NKIND; k++) {
		if (!kind_applies(k, OUT | NONULL))
			continue;
		pid_t pid = quick_child();
		if (pid < 0)
			return;
		void *P = bad_ptr(k, OUT, sizeof(struct rusage));
		int st = 0;
		errno = 0;
		long r = syscall(SYS_wait4, pid, &st, 0, P);
		ef_result(__LINE__, "wait4(pid, &st, 0, P)", k, r, errno);
		UT_ERR(waitpid(pid, NULL, WNOHANG), ECHILD);
	}
}

UT_CASE(efault_ids, 20)
{
	uid_t u;
	gid_t groups[4];

	EF(OUT, sizeof(uid_t), syscall(SYS_getresuid, P, &u, &u));
	EF(OUT, sizeof(uid_t), syscall(SYS_getresuid, &u, &u, P));
	EF(OUT, sizeof(gid_t), syscall(SYS_getresgid, P, &u, &u));
	EF(OUT, sizeof(gid_t), syscall(SYS_getresgid, &u, P, &u));
	/* getgroups(0, ...) only counts; with room it writes. */
	int n = getgroups(4, groups);
	if (n > 0)
		EF(OUT, sizeof(gid_t) * n, syscall(SYS_getgroups, 4, P));
	UT_CHECK(syscall(SYS_getgroups, 0, (void *)0xffff800000000000ul) >= 0);
	/* setgroups reads the list first (so, as root, nothing changes). */
	EF(IN, sizeof(gid_t), syscall(SYS_setgroups, 1, P));
	UT_EQ(getgroups(4, groups), n);
}

UT_CASE(efault_limits, 20)
{
	struct rlimit before, after;

	UT_OK(getrlimit(RLIMIT_NOFILE, &before));
	EF(OUT, sizeof(struct rlimit), syscall(SYS_getrlimit, RLIMIT_NOFILE, P));
	EF(IN, sizeof(struct rlimit), syscall(SYS_setrlimit, RLIMIT_NOFILE, P));
	EF(IN | NONULL, sizeof(struct rlimit), syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, P, NULL));
	EF(OUT | NONULL, sizeof(struct rlimit), syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, P));
	UT_OK(getrlimit(RLIMIT_NOFILE, &after));
	UT_EQ(before.rlim_cur, after.rlim_cur);
	UT_EQ(before.rlim_max, after.rlim_max);
	EF(OUT, sizeof(struct rusage), syscall(SYS_getrusage, RUSAGE_SELF, P));
	EF(OUT, sizeof(struct rusage), syscall(SYS_getrusage, RUSAGE_CHILDREN, P));
	EF(OUT | NONULL, sizeof(struct tms), syscall(SYS_times, P));
	/* sched_getaffinity writes only the kernel's mask size (8 bytes with
	 * at most 64 CPUs), so the object here is 8 bytes. */
	EF(OUT, 8, syscall(SYS_sched_getaffinity, 0, 8, P));
	EF(OUT, 16, syscall(SYS_sched_getaffinity, 0, 128, P));
}

UT_CASE(efault_arch_prctl, 10)
{
	uint64_t fs;

	EF(OUT, 8, syscall(SYS_arch_prctl, ARCH_GET_FS, P));
	EF(OUT, 8, syscall(SYS_arch_prctl, ARCH_GET_GS, P));
	UT_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &fs));
	/* Setting FS or GS to a kernel or non-canonical base is refused
	 * (loading it would fault in the kernel); the old base stays. */
	UT_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0xffff800000000000ul), EPERM);
	UT_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0xffffffff80000000ul), EPERM);
	UT_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0x0000800000000000ul), EPERM);
	UT_ERR(syscall(SYS_arch_prctl, ARCH_SET_FS, 0x8000000000000000ul), EPERM);
	UT_ERR(syscall(SYS_arch_prctl, ARCH_SET_GS, 0xffff800000000000ul), EPERM);
	UT_ERR(syscall(SYS_arch_prctl, ARCH_SET_GS, 0x0000800000000000ul), EPERM);
	uint64_t now = 0;
	UT_OK(syscall(SYS_arch_prctl, ARCH_GET_FS, &now));
	UT_EQ(now, fs);
	/* And TLS still works after the refused calls (errno is in TLS). */
	errno = 0;
	UT_EQ(errno, 0);
}

UT_CASE(efault_prctl, 10)
{
	char name[16];

	EF(IN, 16, syscall(SYS_prctl, PR_SET_NAME, P, 0, 0, 0));
	EF(OUT, 16, syscall(SYS_prctl, PR_GET_NAME, P, 0, 0, 0));
	EF(OUT, sizeof(int), syscall(SYS_prctl, PR_GET_PDEATHSIG, P, 0, 0, 0));
	UT_OK(prctl(PR_GET_NAME, name, 0, 0, 0));
	UT_STREQ(name, "t_efault");
}

/* ---- signals ---- */

static void on_usr1(int sig)
{
	(void)sig;
}

UT_CASE(efault_signals, 20)
{
	struct sigaction sa, old;
	sigset_t set;
	stack_t ss;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	UT_OK(sigaction(SIGUSR1, &sa, NULL));
	/* The kernel's struct sigaction is 32 bytes (musl's is larger). */
	EF(IN | NONULL, 32, syscall(SYS_rt_sigaction, SIGUSR2, P, NULL, 8));
	EF(OUT | NONULL, 32, syscall(SYS_rt_sigaction, SIGUSR1, NULL, P, 8));
	UT_OK(sigaction(SIGUSR1, NULL, &old));
	UT_CHECK(old.sa_handler == on_usr1);
	UT_OK(sigaction(SIGUSR2, NULL, &old));
	UT_CHECK(old.sa_handler == SIG_DFL);

	EF(IN | NONULL, 8, syscall(SYS_rt_sigprocmask, SIG_BLOCK, P, NULL, 8));
	EF(OUT | NONULL, 8, syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, P, 8));
	UT_OK(sigprocmask(SIG_BLOCK, NULL, &set));
	UT_CHECK(!sigismember(&set, SIGUSR1));
	EF(OUT, 8, syscall(SYS_rt_sigpending, P, 8));
	/* rt_sigsuspend with a bad mask must fail at once, not sleep. */
	EF(IN, 8, syscall(SYS_rt_sigsuspend, P, 8));

	EF(IN | NONULL, sizeof(stack_t), syscall(SYS_sigaltstack, P, NULL));
	EF(OUT | NONULL, sizeof(stack_t), syscall(SYS_sigaltstack, NULL, P));
	UT_OK(sigaltstack(NULL, &ss));
	UT_EQ(ss.ss_flags, SS_DISABLE);

	struct timespec ts0 = { 0, 0 };
	uint64_t m = 1ul << (SIGUSR2 - 1);
	EF(IN, 8, syscall(SYS_rt_sigtimedwait, P, NULL, &ts0, 8));
	EF(IN | NONULL, sizeof(struct timespec), syscall(SYS_rt_sigtimedwait, &m, NULL, P, 8));
}

/* A pending signal that rt_sigtimedwait dequeues but cannot describe:
 * Linux takes it off the pending set and returns EFAULT. */
UT_CASE(efault_sigtimedwait_info, 10)
{
	sigset_t set;
	struct timespec ts0 = { 0, 0 };

	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	UT_OK(sigprocmask(SIG_BLOCK, &set, NULL));
	UT_OK(kill(getpid(), SIGUSR2));
	UT_ERR(syscall(SYS_rt_sigtimedwait, &set, (void *)0xffff800000000000ul, &ts0, 8), EFAULT);
	UT_OK(sigpending(&set));
	UT_CHECK(!sigismember(&set, SIGUSR2));
}

/* ---- time and system information ---- */

UT_CASE(efault_time, 20)
{
	struct timespec ts = { 0, 1000 };
	struct itimerval itv0 = { { 0, 0 }, { 0, 0 } };

	EF(OUT, sizeof(struct utsname), syscall(SYS_uname, P));
	EF(OUT, 112, syscall(SYS_sysinfo, P)); /* the kernel's struct sysinfo */
	EF(OUT, sizeof(struct timespec), syscall(SYS_clock_gettime, CLOCK_MONOTONIC, P));
	EF(OUT, sizeof(struct timespec), syscall(SYS_clock_gettime, CLOCK_REALTIME, P));
	EF(OUT | NONULL, sizeof(struct timespec), syscall(SYS_clock_getres, CLOCK_MONOTONIC, P));
	/* A bad new time is refused before anything is set. */
	EF(IN, sizeof(struct timespec), syscall(SYS_clock_settime, CLOCK_REALTIME, P));
	EF(OUT | NONULL, sizeof(struct timeval), syscall(SYS_gettimeofday, P, NULL));
	EF(OUT | NONULL, 8, syscall(SYS_gettimeofday, NULL, P));
	EF(IN | NONULL, sizeof(struct timeval), syscall(SYS_settimeofday, P, NULL));
	EF(OUT | NONULL, 8, syscall(SYS_time, P));
	EF(IN, sizeof(struct timespec), syscall(SYS_nanosleep, P, NULL));
	EF(IN, sizeof(struct timespec), syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, P, NULL));
	/* rem is written only when a sleep is cut short. */
	UT_OK(syscall(SYS_nanosleep, &ts, (void *)0xffff800000000000ul));
	/* setitimer with a NULL new value is "disarm" on Linux. */
	EF(IN | NONULL, sizeof(struct itimerval), syscall(SYS_setitimer, ITIMER_REAL, P, NULL));
	EF(OUT | NONULL, sizeof(struct itimerval), syscall(SYS_setitimer, ITIMER_REAL, &itv0, P));
	EF(OUT, sizeof(struct itimerval), syscall(SYS_getitimer, ITIMER_REAL, P));
	/* sethostname reads the name first: nothing is set. */
	struct utsname before, after;
	UT_OK(uname(&before));
	EF(IN, 8, syscall(SYS_sethostname, P, 8));
	UT_OK(uname(&after));
	UT_STREQ(before.nodename, after.nodename);
}

/* getrandom into a half-mapped buffer: Linux fills the mapped part and
 * returns its length; with nothing mappable, EFAULT. */
UT_CASE(efault_getrandom, 10)
{
	arena_init();
	EF(OUT | NOHALF, 16, syscall(SYS_getrandom, P, 16, 0));
	UT_EQ(syscall(SYS_getrandom, HALF(16), 16, 0), 8);
	UT_EQ(syscall(SYS_getrandom, NULL, 0, 0), 0);
	memset(arena + PAGE - 8, 'a', 8);
}

/* ---- addresses handed to the memory calls ---- */

/* No memory call may map, unmap or change a page outside user space. */
UT_CASE(hostile_mm_addresses, 20)
{
	static const uintptr_t kaddr[] = { 0xffff800000000000ul, 0xffffffff80000000ul,
					   0x0000800000000000ul, 0xfffffffffffff000ul };
	const int rw = PROT_READ | PROT_WRITE, anon = MAP_PRIVATE | MAP_ANONYMOUS;

	for (size_t i = 0; i < sizeof(kaddr) / sizeof(kaddr[0]); i++) {
		void *a = (void *)kaddr[i];
		UT_CHECK(mmap(a, PAGE, rw, anon | MAP_FIXED, -1, 0) == MAP_FAILED && errno == ENOMEM);
		/* A hint outside user space is only a hint. */
		void *h = mmap(a, PAGE, rw, anon, -1, 0);
		UT_CHECK(h != MAP_FAILED && (uintptr_t)h < USER_TOP);
		if (h != MAP_FAILED)
			munmap(h, PAGE);
		UT_ERR(munmap(a, PAGE), EINVAL);
		UT_ERR(mprotect(a, PAGE, rw), ENOMEM);
		UT_CHECK(mremap(a, PAGE, 2 * PAGE, MREMAP_MAYMOVE) == MAP_FAILED && errno == EFAULT);
		/* ENOMEM: not mapped; the last one wraps: EINVAL. */
		UT_ERR(madvise(a, PAGE, MADV_DONTNEED), i == 3 ? EINVAL : ENOMEM);
	}
	/* Ranges that run past the top of user space. */
	UT_CHECK(mmap((void *)(USER_TOP - PAGE), 2 * PAGE, rw, anon | MAP_FIXED, -1, 0) ==
		 MAP_FAILED && errno == ENOMEM);
	UT_ERR(munmap((void *)(USER_TOP - PAGE), 2 * PAGE), EINVAL);
	UT_ERR(munmap((void *)0x10000, (size_t)-PAGE), EINVAL);
	UT_ERR(mprotect((void *)0x10000, (size_t)-PAGE, rw), ENOMEM);
	/* Huge and zero lengths. */
	UT_CHECK(mmap(NULL, (size_t)-PAGE, rw, anon, -1, 0) == MAP_FAILED && errno == ENOMEM);
	UT_CHECK(mmap(NULL, 1ul << 62, rw, anon, -1, 0) == MAP_FAILED && errno == ENOMEM);
	UT_CHECK(mmap(NULL, 0, rw, anon, -1, 0) == MAP_FAILED && errno == EINVAL);
	/* brk outside user space fails quietly: the break stays. */
	long cur = syscall(SYS_brk, 0);
	UT_EQ(syscall(SYS_brk, 0xffff800000000000ul), cur);
	UT_EQ(syscall(SYS_brk, 0x0000800000000000ul), cur);
	UT_EQ(syscall(SYS_brk, (uintptr_t)-1), cur);
	/* The process is fine: a fresh mapping works. */
	char *m = mmap(NULL, PAGE, rw, anon, -1, 0);
	UT_CHECK(m != MAP_FAILED);
	if (m != MAP_FAILED) {
		m[0] = 1;
		munmap(m, PAGE);
	}
}

/* The kernel must not write through a pointer into this program's own
 * text (read-only, executable): uname() into main's code. */
UT_CASE(efault_into_text, 10)
{
	void *text = (void *)((uintptr_t)&ut_main & ~(PAGE - 1));
	struct timespec ts;

	UT_ERR(syscall(SYS_uname, text), EFAULT);
	UT_ERR(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, text), EFAULT);
	int fd = open("/proc/self/exe", O_RDONLY);
	if (fd >= 0) {
		UT_ERR(syscall(SYS_read, fd, text, 16), EFAULT);
		close(fd);
	}
	UT_OK(clock_gettime(CLOCK_MONOTONIC, &ts));
}

UT_MAIN()

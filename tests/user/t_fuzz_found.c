/* t_fuzz_found.c: regression tests for kernel bugs the system-call fuzzer
 * (tests/fuzz/) found, one case per bug, named after it, each with the
 * fuzz run that found it. A bug that panicked the kernel while unfixed
 * has its reproducer in t_hostile_crash instead (one case per boot); the
 * ones here are fixed, so they run with the rest of the hostile group.
 * Every expectation is Linux's. */
#include "utest.h"

#include <dirent.h>

/* Reads the directory at fd from where it stands; returns what getdents64
 * returned the first time. */
static long getdents_once(int fd)
{
	static char buf[4096];

	return syscall(SYS_getdents64, fd, buf, sizeof(buf));
}

/* A directory offset is whatever lseek set, and reading past the last
 * entry gives 0. Bug: /proc/<pid>/fd took the offset minus 2 as an int,
 * so a huge one turned negative, passed the "fd < table size" check and
 * indexed the fd table backwards: "page fault in kernel mode" in
 * procfs_readdir (fuzz seed 0x222, 60 s, 4 workers: lseek on a
 * /proc/self/fd descriptor to 0x8713ef44, then getdents64). /proc itself
 * wrapped the same way into listing every process again. */
UT_CASE(procfs_fd_readdir_huge_offset_oops, 10)
{
	static const char *const dirs[] = { "/proc/self/fd", "/proc", "/proc/self" };
	static const off_t offs[] = { 0x8713ef44, 0x80000001, 0x80000002, 0xffffffff,
				      0x100000002, 0x7fffffffffffffff };

	for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
		int fd = open(dirs[d], O_RDONLY | O_DIRECTORY);
		if (!UT_CHECK(fd >= 0))
			continue;
		for (size_t i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
			if (lseek(fd, offs[i], SEEK_SET) != offs[i])
				continue; /* an offset the directory refuses is fine too */
			long n = getdents_once(fd);
			if (!UT_EQ(n, 0))
				UT_NOTE("  %s at offset %#llx\n", dirs[d], (unsigned long long)offs[i]);
		}
		/* From the start again, it lists entries as before. */
		UT_EQ(lseek(fd, 0, SEEK_SET), 0);
		UT_CHECK(getdents_once(fd) > 0);
		close(fd);
	}
}

UT_MAIN()

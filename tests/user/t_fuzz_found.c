/* t_fuzz_found.c: regression tests for kernel bugs the system-call fuzzer
 * (tests/fuzz/) found, one case per bug, named after it, each with the
 * fuzz run that found it. A bug that panicked the kernel while unfixed
 * has its reproducer in t_hostile_crash instead (one case per boot); the
 * ones here are fixed, so they run with the rest of the hostile group.
 * Every expectation is Linux's. */
#include "utest.h"

#include <dirent.h>
#include <sched.h>

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

/* clone with CLONE_SETTLS and a thread pointer outside user space: Linux
 * refuses it (EPERM, as arch_prctl(ARCH_SET_FS) does). Bug: the kernel
 * took any value, and the first switch to the child loaded it into the FS
 * base with WRMSR, which raises #GP for a non-canonical address: "KERNEL
 * FAULT: exception in kernel mode (vector 13)" in task_switch (Bochs;
 * QEMU's WRMSR does not check). Found by tests/fuzz in Bochs (seed 0x1234,
 * 30 s: clone(SIGCHLD | CLONE_SETTLS | ..., tls 0x0d540ee61be19c7d)).
 * The child, should there be one, exits at once without touching its TLS. */
static long raw_clone_settls(uint64_t tls)
{
	long r;
	register uint64_t r10 __asm__("r10") = 0;
	register uint64_t r8 __asm__("r8") = tls;

	__asm__ volatile("syscall\n\t"
			 "test %%rax, %%rax\n\t"
			 "jnz 1f\n\t"
			 "mov $231, %%eax\n\t" /* exit_group(0) in the child */
			 "xor %%edi, %%edi\n\t"
			 "syscall\n"
			 "1:"
			 : "=a"(r)
			 : "a"(SYS_clone), "D"((uint64_t)(SIGCHLD | CLONE_SETTLS)), "S"(0UL),
			   "d"(0UL), "r"(r10), "r"(r8)
			 : "rcx", "r11", "memory");
	return r;
}

UT_CASE(clone_settls_noncanonical_wrmsr_gp, 10)
{
	static const uint64_t bad[] = { 0x0d540ee61be19c7dul, 0x0000800000000000ul,
					0xffff800000000000ul, 0xffffffff80000000ul,
					0x8000000000000000ul };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = raw_clone_settls(bad[i]);
		if (r > 0) {
			ut_wait((pid_t)r);
			ut_fail_(__LINE__, "clone with tls %#lx made child %ld", (unsigned long)bad[i], r);
		} else if (!UT_EQ(r, -EPERM)) {
			UT_NOTE("  (tls %#lx)\n", (unsigned long)bad[i]);
		}
	}
	/* A thread pointer inside user space is fine. */
	static char tls_area[64];
	long r = raw_clone_settls((uint64_t)(uintptr_t)tls_area);
	if (UT_CHECK(r > 0))
		UT_EXITED(ut_wait((pid_t)r), 0);
}

/* mremap that must move a region after mlockall(MCL_FUTURE): Linux moves
 * the pages (still locked) and fills the rest. Bug: as_map populated the
 * whole new region for MCL_FUTURE, then the move wrote the old pages'
 * entries over those zero pages: one frame lost per page and one count
 * too many in rss_pages, so the process's exit ended in "KERNEL PANIC:
 * assertion failed: as->rss_pages == 0" (fuzz seed 0xfeed15, QEMU, 4
 * minutes into a 900 s run). In a helper: its exit is where it panicked. */
UT_HELPER(mremap_locked)
{
	const size_t P = 4096;

	if (mlockall(MCL_CURRENT | MCL_FUTURE) != 0)
		return 2;
	char *a = mmap(NULL, 3 * P, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED)
		return 3;
	/* A read-only page right after two: the region cannot grow in place. */
	if (mprotect(a + 2 * P, P, PROT_READ) != 0)
		return 4;
	a[0] = 'x';
	a[P] = 'y';
	char *b = mremap(a, 2 * P, 8 * P, MREMAP_MAYMOVE);
	if (b == MAP_FAILED || b == a)
		return 5;
	if (b[0] != 'x' || b[P] != 'y' || b[2 * P] != 0 || b[7 * P] != 0)
		return 6;
	munmap(b, 8 * P);
	munmap(a + 2 * P, P);
	munlockall();
	return 0;
}

UT_CASE(mremap_after_mlockall_future_rss_panic, 20)
{
	UT_EXITED(ut_run_helper("mremap_locked"), 0);
}

UT_MAIN()

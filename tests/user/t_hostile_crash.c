/* t_hostile_crash.c: reproducers of kernel crashes found by the hostile
 * tests, one case per bug, named after it. Each passes on Linux; on a
 * kernel with the bug it panics the machine, so these run in their own
 * boot, one case per boot (tests/e2e/hostile.py), and a panic fails only
 * that case. When a bug is fixed its case keeps guarding against it.
 *
 * Group "crash" in the runner (not part of "hostile" or "all"). */
#include "utest.h"

#include <ucontext.h>

/* Runs path in a forked child; returns 100 + errno if execve failed,
 * or what the child did. */
static int exec_status(const char *path)
{
	char *av[] = { (char *)path, NULL };
	pid_t pid = fork();

	if (pid == 0) {
		execve(path, av, environ);
		_exit(100 + errno);
	}
	return ut_wait(pid);
}

/* A "#!" line whose interpreter name is empty: "#!" with no newline,
 * "#!" then blanks, "#!" then a NUL. Linux takes "" as the interpreter
 * and fails with EACCES. Bug: the kernel's shebang parser returned an
 * empty interpreter, exec's loop stopped without an image, and
 * commit_exec() dereferenced the NULL address space (proc/exec.c). */
UT_CASE(exec_shebang_empty_interp_null_as, 30)
{
	static const struct {
		const char *name, *text;
		size_t len;
	} files[] = {
		{ "nonl", "#!", 2 },
		{ "blanks", "#!  \t", 5 },
		{ "nul", "#!\0/nonexistent\n", 16 },
	};

	ut_scratch();
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		ut_write_file(files[i].name, files[i].text, (long)files[i].len, 0755);
		char path[PATH_MAX];
		u_fmt(path, sizeof(path), "%s/%s", ut_scratch(), files[i].name);
		int st = exec_status(path);
		if (!UT_CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 100 + EACCES))
			UT_NOTE("  %s: status 0x%x\n", files[i].name, st);
	}
}

/* Starts a helper that raises SIGUSR1 with its handler at handler (and a
 * valid restorer); returns its wait status. */
struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

static void restorer(void)
{
	syscall(SYS_exit_group, 7);
}

static uint64_t bad_handler;

/* Linux reports the #GP on the way to the handler as SI_KERNEL with
 * si_addr 0, and the context is the one the CPU refused: rip = handler. */
static void on_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	_exit(si->si_code == SI_KERNEL && !si->si_addr &&
			      (uint64_t)uc->uc_mcontext.gregs[REG_RIP] == bad_handler
		      ? 0
		      : 4);
}

/* argv[1] "catch": with a SIGSEGV handler that checks what it is told. */
UT_HELPER(raise_with_handler)
{
	struct k_sigaction ka = { strtoull(argv[0], NULL, 0), 0x04000000 /* SA_RESTORER */,
				  (uint64_t)(uintptr_t)restorer, 0 };

	bad_handler = ka.handler;
	if (argc > 1 && !strcmp(argv[1], "catch")) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_segv;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
	}
	if (syscall(SYS_rt_sigaction, SIGUSR1, &ka, NULL, 8) != 0)
		return 3;
	raise(SIGUSR1);
	return 1;
}

/* A signal handler at a non-canonical address (0x0000800000000000):
 * Linux accepts the sigaction and the delivery kills the process with
 * SIGSEGV. Bug: the kernel returns to user mode through IRET with that
 * RIP, and IRET raises #GP in ring 0 ("KERNEL FAULT: exception in kernel
 * mode (vector 13)" at trap_return) on CPUs that check it: Bochs, real
 * hardware. QEMU's TCG does not check, so there it passes. A SIGSEGV
 * handler sees what Linux reports: SI_KERNEL, and rip = the bad handler. */
UT_CASE(signal_handler_noncanonical_iret_gp, 30)
{
	static const char *const handlers[] = { "0x0000800000000000", "0x8000000000000000",
						"0xffff7fffffffffff" };

	for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
		int st = ut_run_helper("raise_with_handler", (char *)handlers[i]);
		if (!UT_SIGNALED(st, SIGSEGV))
			UT_NOTE("  (handler %s)\n", handlers[i]);
		st = ut_run_helper("raise_with_handler", (char *)handlers[i], "catch");
		if (!UT_EXITED(st, 0))
			UT_NOTE("  (handler %s, SIGSEGV caught)\n", handlers[i]);
	}
}

/* TF set through popf: a SIGTRAP after the next instruction, also when
 * that instruction is a system call. */
static int tf_syscall(void)
{
	__asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
			 "mov $39, %%eax\n\tsyscall\n\tnop\n\tnop"
			 :
			 :
			 : "rax", "rcx", "r11", "memory", "cc");
	return 1;
}

static volatile int steps, bad_steps;

/* Linux reports a single step as TRAP_TRACE at the next instruction. */
static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;

	(void)sig;
	if (si->si_code != TRAP_TRACE || si->si_addr != (void *)uc->uc_mcontext.gregs[REG_RIP])
		bad_steps++;
	if (++steps >= 20)
		uc->uc_mcontext.gregs[REG_EFL] &= ~0x100l;
}

/* Single-stepping through system calls with a handler that counts steps
 * and then clears TF in its frame. */
static int tf_stepping(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
	__asm__ volatile("pushfq\n\torq $0x100, (%%rsp)\n\tpopfq\n\t"
			 "mov $39, %%eax\n\tsyscall\n\t"
			 "mov $39, %%eax\n\tsyscall\n\t"
			 "mov $39, %%eax\n\tsyscall\n\t"
			 "nop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\t"
			 "nop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\tnop\n\t"
			 "nop\n\tnop\n\tnop\n\tnop\n\tnop"
			 :
			 :
			 : "rax", "rcx", "r11", "memory", "cc");
	return steps < 20 ? 12 : bad_steps ? 13 : 0;
}

/* The signal handler returns onto a SYSCALL (exit_group(0)) with TF set
 * and a stack pointer that maps nothing: a #DB the CPU raises at the
 * kernel's entry must not be pushed onto the user's stack. */
void tf_exit_insn(void);
__asm__(".text\n.globl tf_exit_insn\ntf_exit_insn:\n\tsyscall\n\tud2\n");

static void forge_tf_exit(int sig, siginfo_t *si, void *ucv)
{
	greg_t *g = ((ucontext_t *)ucv)->uc_mcontext.gregs;

	(void)sig;
	(void)si;
	g[REG_EFL] |= 0x100;
	g[REG_RSP] = 0x1000;
	g[REG_RAX] = SYS_exit_group;
	g[REG_RDI] = 0;
	g[REG_RIP] = (greg_t)(uintptr_t)tf_exit_insn;
}

static int tf_bad_stack(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forge_tf_exit;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	return 14;
}

UT_HELPER(tf)
{
	if (!strcmp(argv[0], "syscall"))
		return tf_syscall();
	return !strcmp(argv[0], "badstack") ? tf_bad_stack() : tf_stepping();
}

/* TF set in user mode (popf), then SYSCALL: Linux delivers SIGTRAP after
 * the instruction following it, in user mode; a handler can step through
 * system calls. Bug: Bochs (like some CPUs) raises the single-step #DB on
 * the first instruction of the SYSCALL entry, in ring 0, and the kernel
 * treats any #DB from kernel mode as fatal ("KERNEL FAULT: exception in
 * kernel mode (vector 1, debug)" at syscall_entry). QEMU passes. That #DB
 * comes before the entry has left the user's stack, so it needs a stack
 * of its own (the "badstack" helper). */
UT_CASE(syscall_with_tf_debug_trap_in_kernel, 30)
{
	UT_SIGNALED(ut_run_helper("tf", "syscall"), SIGTRAP);
	UT_EXITED(ut_run_helper("tf", "stepping"), 0);
	UT_EXITED(ut_run_helper("tf", "badstack"), 0);
}

/* mmap without MAP_FIXED, with a hint whose range covers an existing
 * mapping (but whose first and last pages are free), then fork, then the
 * child exits. Linux puts the new mapping elsewhere and all is well. Bug:
 * the kernel took the hint (it checked only the range's two ends), so two
 * regions overlapped; fork copied the shared pages once per region and
 * the child's exit found its page count off: "KERNEL PANIC: assertion
 * failed: as->rss_pages == 0 at mm/as.c:110 in as_put()" (from
 * sys_exit_group). */
UT_CASE(mmap_hint_overlap_fork_rss_panic, 30)
{
	char *base = (char *)0x0000000300000000ul;
	char *x = mmap(base + 4096, 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	char *y = mmap(base, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (!UT_CHECK(x != MAP_FAILED && y != MAP_FAILED))
		return;
	UT_CHECK(y + 4 * 4096 <= x || y >= x + 4096);
	x[0] = 1;
	for (int i = 0; i < 4; i++)
		y[i * 4096] = 2;
	/* mremap without MREMAP_FIXED ignores new_addr (Linux): moving a page
	 * to grow it must not land over x either (the raw call: musl's wrapper
	 * drops new_addr without MREMAP_FIXED). */
	char *z = mmap(NULL, 2 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	/* A different region right after z, so that z cannot grow in place. */
	if (UT_CHECK(z != MAP_FAILED && mprotect(z + 4096, 4096, PROT_NONE) == 0)) {
		z[0] = 3;
		z = (char *)syscall(SYS_mremap, z, 4096, 4 * 4096, MREMAP_MAYMOVE, base);
		if (UT_CHECK(z != MAP_FAILED))
			UT_CHECK((z + 4 * 4096 <= x || z >= x + 4096) && z[0] == 3);
	}
	UT_CHECK(x[0] == 1);
	pid_t pid = fork();
	if (pid == 0)
		_exit(x[0] == 1 && y[0] == 2 ? 0 : 1);
	UT_EXITED(ut_wait(pid), 0);
}

/* mremap to a length near 2^64. Linux 6.18 answers EINVAL for a new
 * length past user space (older kernels ENOMEM or EINVAL; musl's wrapper
 * says ENOMEM itself for lengths from 2^63 up, so the kernel is called
 * through syscall()). Bug: sys_mremap had no length check and find_free()
 * overflowed (USER_MIN + len wrapped), so the kernel "found" room at
 * 0x401000, inside the program's own text, made a region of ~2^64 bytes
 * there and moved the pages into it; growing in place wrapped the same
 * way; the process then ran on, broken, and its exit ended in "KERNEL
 * PANIC: assertion failed: as->rss_pages == 0 at mm/as.c:110 in
 * as_put()". Found by tests/fuzz (seed 0x1234, worker 3, generation 21,
 * call 264: mremap(0x10000001d000, 0xd1, 0xfffffffffffff000, MAYMOVE)).
 * The other calls' lengths are audited the same way: each errno below is
 * what Linux 6.18 gives. */
static bool huge_len_refused(long r, const char *what, uint64_t len)
{
	if (r == -1 && (errno == EINVAL || errno == ENOMEM))
		return true;
	u_out("# %s %#lx bytes: %#lx %s\n", what, (unsigned long)len, (unsigned long)r,
	      r == -1 ? u_errname(errno) : "");
	return false;
}

/* Returns true if the call failed with err. */
static bool fails_with(long r, int err, const char *what)
{
	if (r == -1 && errno == err)
		return true;
	u_out("# %s: %#lx %s, want %s\n", what, (unsigned long)r, r == -1 ? u_errname(errno) : "",
	      u_errname(err));
	return false;
}

/* mmap, munmap, mprotect, madvise, msync with lengths that wrap once
 * rounded up to a page, or once added to the address. */
static int other_calls_wrap(char *p)
{
	int bad = 0;

	bad += !fails_with(syscall(SYS_mmap, 0, -4096l, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
			   ENOMEM, "mmap len -4096");
	bad += !fails_with(syscall(SYS_mmap, 0, -1l, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
			   ENOMEM, "mmap len -1");
	bad += !fails_with(syscall(SYS_mmap, -4096l, 8192, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0),
			   ENOMEM, "mmap MAP_FIXED at -4096");
	bad += !fails_with(syscall(SYS_mmap, -4096l, 8192, PROT_READ,
				   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0),
			   ENOMEM, "mmap MAP_FIXED_NOREPLACE at -4096");
	bad += !fails_with(syscall(SYS_munmap, p, -4096l), EINVAL, "munmap len -4096");
	bad += !fails_with(syscall(SYS_munmap, -4096l, 4096), EINVAL, "munmap at -4096");
	bad += !fails_with(syscall(SYS_mprotect, p, -4096l, PROT_READ), ENOMEM, "mprotect len -4096");
	bad += !fails_with(syscall(SYS_mprotect, p, -1l, PROT_READ), ENOMEM, "mprotect len -1");
	bad += !fails_with(syscall(SYS_mprotect, -4096l, 4096, PROT_READ), ENOMEM,
			   "mprotect at -4096");
	bad += !fails_with(syscall(SYS_madvise, p, -4096l, MADV_DONTNEED), EINVAL,
			   "madvise len -4096");
	bad += !fails_with(syscall(SYS_madvise, p, -1l, MADV_DONTNEED), EINVAL, "madvise len -1");
	bad += !fails_with(syscall(SYS_madvise, -4096l, 4096, MADV_DONTNEED), EINVAL,
			   "madvise at -4096");
	bad += !fails_with(syscall(SYS_msync, p, -4096l, MS_SYNC), ENOMEM, "msync len -4096");
	bad += !fails_with(syscall(SYS_msync, -4096l, 4096, MS_SYNC), ENOMEM, "msync at -4096");
	errno = 0;
	bad += syscall(SYS_msync, p, -1l, MS_SYNC) != 0; /* rounds to 0 bytes: nothing to do */
	return bad;
}

UT_HELPER(mremap_huge)
{
	/* Two pages: moving the first page can neither grow in place (the
	 * second page follows) nor fit anywhere. */
	char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	static const uint64_t lens[] = { 0xfffffffffffff000ul, 0x8000000000000000ul,
					 0xfffffffffffffffful, 0x0000800000000000ul };
	int bad = 0;

	p[0] = 1;
	p[4096] = 2;
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		errno = 0;
		bad += !huge_len_refused(syscall(SYS_mremap, p, 0xd1, lens[i], MREMAP_MAYMOVE),
					 "mremap to", lens[i]);
		/* The same at the end of the region (where growing in place is
		 * tried), and without MREMAP_MAYMOVE. */
		bad += !huge_len_refused(syscall(SYS_mremap, p + 4096, 4096, lens[i], MREMAP_MAYMOVE),
					 "mremap (end of region) to", lens[i]);
		bad += !huge_len_refused(syscall(SYS_mremap, p + 4096, 4096, lens[i], 0),
					 "mremap (in place) to", lens[i]);
	}
	/* A huge old length: it rounds up to 0 (-1), or runs out of user space. */
	bad += !fails_with(syscall(SYS_mremap, p, -1l, 8192, MREMAP_MAYMOVE), EINVAL,
			   "mremap old len -1");
	bad += !fails_with(syscall(SYS_mremap, p, -4096l, 4096, 0), EINVAL, "mremap old len -4096");
	/* musl's own answer, for the record. */
	errno = 0;
	bad += !(mremap(p, 0xd1, 0xfffffffffffff000ul, MREMAP_MAYMOVE) == MAP_FAILED &&
		 errno == ENOMEM);
	bad += other_calls_wrap(p);
	if (bad)
		return 1;
	/* Nothing moved or was unmapped; a fork and the child's exit agree. */
	pid_t pid = fork();
	if (pid == 0)
		_exit(p[0] == 1 && p[4096] == 2 ? 0 : 1);
	if (ut_wait(pid) != 0)
		return 2;
	return p[0] == 1 && p[4096] == 2 ? 0 : 3;
}

UT_CASE(mremap_huge_len_wraps_rss_panic, 30)
{
	UT_EXITED(ut_run_helper("mremap_huge"), 0);
}

/* The same bug without the fork: a hint is only a hint, and when the
 * range it names is not free, mmap without MAP_FIXED must go elsewhere
 * and leave the old mapping alone. With the bug the new mapping covered
 * the old one (writes went to both, munmap of the new one took the old,
 * and the next access to it died of SIGSEGV). No panic, but the same
 * bug, so it lives here with its crash. */
UT_CASE(mmap_hint_over_existing_mapping, 10)
{
	char *base = (char *)0x0000000300000000ul;
	char *old = mmap(base + 4096, 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);

	if (!UT_CHECK(old == base + 4096))
		return;
	memset(old, 'X', 4096);
	char *n = mmap(base, 3 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (!UT_CHECK(n != MAP_FAILED))
		return;
	if (!UT_CHECK(n + 3 * 4096 <= old || n >= old + 4096)) {
		UT_NOTE("new mapping %p..%p covers the old one at %p\n", n, n + 3 * 4096, old);
		_exit(1); /* the checks below would only die of SIGSEGV */
	}
	memset(n, 'Y', 3 * 4096);
	UT_CHECK(old[0] == 'X' && old[4095] == 'X');
	munmap(n, 3 * 4096);
	UT_CHECK(old[0] == 'X' && old[4095] == 'X');
	munmap(old, 4096);
}

/* getdents64 on /proc/self/fd after lseek to a large position: Linux lists
 * nothing (the position is past every descriptor). Bug: the kernel turned
 * the position into an int index (pos - 2), negative from 2^31 on, and read
 * the descriptor table far below its start: "KERNEL FAULT: page fault in
 * kernel mode" in procfs_readdir (readdir_fddir). Found by tests/fuzz. */
UT_CASE(procfs_fd_readdir_lseek_negative_index, 30)
{
	static const uint64_t pos[] = { 0x80000002ul, 0xfffffff0ul, 0x100000001ul, 1ul << 40 };
	char buf[512];
	int fd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY);

	if (!UT_CHECK(fd >= 0))
		return;
	for (size_t i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
		if (lseek(fd, (off_t)pos[i], SEEK_SET) != (off_t)pos[i])
			continue; /* a kernel may refuse the position; then nothing to read */
		long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
		if (!UT_CHECK(n == 0))
			UT_NOTE("  getdents64 at %#lx: %ld\n", (unsigned long)pos[i], n);
	}
	close(fd);
}

UT_MAIN()

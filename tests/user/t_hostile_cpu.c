/* t_hostile_cpu.c: user space playing with the CPU state the kernel must
 * guard: forged signal frames (kernel and non-canonical RIP/RSP, privileged
 * RFLAGS bits, kernel selectors, bad FPU state), signal handlers and
 * restorers at addresses the CPU refuses to return to, system calls made
 * with a kernel or non-canonical stack pointer, with DF, TF or NT set in
 * RFLAGS, with nonsense numbers, and unmasked floating-point exceptions.
 *
 * Each trick runs in a helper process (`t_hostile_cpu --helper cpu MODE`)
 * and the parent checks how it ended: killed by the signal Linux sends, or
 * exited with the code that says "the kernel held". The answers were
 * learned on Linux 6.x (x86_64). The worst outcome, a kernel fault, shows
 * up as a KERNEL PANIC on the guest's console and a lost test run. */
#include "utest.h"

#include <fenv.h>
#include <setjmp.h>
#include <ucontext.h>

#define NONCANON 0x0000800000000000ul
#define KTEXT 0xffffffff80100000ul
#define KDIRECT 0xffff800000000000ul

/* Landing pads for forged frames: they use no stack and leave through a
 * raw exit_group. */
void land_exit7(void);
void land_check_ring3(void);
void land_check_flags(void);
void land_cli(void);
__asm__(".text\n"
	"land_exit7:\n\tmov $231, %eax\n\tmov $7, %edi\n\tsyscall\n\tud2\n"
	/* exit 0 when CS and SS have RPL 3, else 99 */
	"land_check_ring3:\n\tmov %cs, %eax\n\tand $3, %eax\n\tcmp $3, %eax\n\tjne 1f\n"
	"\tmov %ss, %eax\n\tand $3, %eax\n\tcmp $3, %eax\n\tjne 1f\n"
	"\tmov $231, %eax\n\txor %edi, %edi\n\tsyscall\n"
	"1:\tmov $231, %eax\n\tmov $99, %edi\n\tsyscall\n\tud2\n"
	/* exit 0 when IOPL is 0 and IF is set, 97 for IOPL, 98 for IF */
	"land_check_flags:\n\tpushfq\n\tpop %rax\n\tmov $97, %edi\n\ttest $0x3000, %eax\n\tjnz 2f\n"
	"\tmov $98, %edi\n\ttest $0x200, %eax\n\tjz 2f\n\txor %edi, %edi\n"
	"2:\tmov $231, %eax\n\tsyscall\n\tud2\n"
	/* cli must fault in ring 3 */
	"land_cli:\n\tcli\n\tmov $231, %eax\n\tmov $99, %edi\n\tsyscall\n\tud2\n");

/* ---- forged signal frames ---- */

static const char *forge_mode;

/* Rewrites the interrupted context as forge_mode says, then returns, so
 * rt_sigreturn loads the forgery. */
static void forge(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	const char *m = forge_mode;

	(void)sig;
	(void)si;
	if (!strcmp(m, "rip_noncanon"))
		g[REG_RIP] = (greg_t)NONCANON;
	else if (!strcmp(m, "rip_kernel"))
		g[REG_RIP] = (greg_t)KTEXT;
	else if (!strcmp(m, "rip_top"))
		g[REG_RIP] = (greg_t)0x00007ffffffffffeul;
	else if (!strcmp(m, "rsp_noncanon"))
		g[REG_RSP] = (greg_t)NONCANON, g[REG_RIP] = (greg_t)land_exit7;
	else if (!strcmp(m, "rsp_kernel"))
		g[REG_RSP] = (greg_t)KDIRECT, g[REG_RIP] = (greg_t)land_exit7;
	else if (!strcmp(m, "eflags_iopl"))
		g[REG_EFL] = (greg_t)((g[REG_EFL] | 0x3000) & ~0x200ul),
		g[REG_RIP] = (greg_t)land_check_flags;
	else if (!strcmp(m, "eflags_iopl_cli"))
		g[REG_EFL] = (greg_t)(g[REG_EFL] | 0x3000), g[REG_RIP] = (greg_t)land_cli;
	else if (!strcmp(m, "eflags_all"))
		g[REG_EFL] = (greg_t)(0xffffffffffffffffl & ~0x100l), /* all but TF */
		g[REG_RIP] = (greg_t)land_check_flags;
	else if (!strcmp(m, "cs_kernel"))
		/* CSGSFS: cs in bits 0-15, then gs, fs, ss */
		g[REG_CSGSFS] = (greg_t)(((uint64_t)g[REG_CSGSFS] & ~0xfffful) | 0x08),
		g[REG_RIP] = (greg_t)land_check_ring3;
	else if (!strcmp(m, "ss_kernel"))
		g[REG_CSGSFS] = (greg_t)(((uint64_t)g[REG_CSGSFS] & ~(0xfffful << 48)) |
					 (0x10ul << 48)),
		g[REG_RIP] = (greg_t)land_check_ring3;
	else if (!strcmp(m, "fpstate_kernel"))
		uc->uc_mcontext.fpregs = (void *)KDIRECT;
	else if (!strcmp(m, "fpstate_noncanon"))
		uc->uc_mcontext.fpregs = (void *)NONCANON;
	else if (!strcmp(m, "mxcsr_reserved"))
		uc->uc_mcontext.fpregs->mxcsr = 0xffffffffu;
	else if (!strcmp(m, "sigmask_kill"))
		memset(&uc->uc_sigmask, 0xff, 8);
}

/* Raises SIGUSR1 with the forging handler installed; returns only if the
 * kernel resumed the (forged) context at the original place. */
static int forged_sigreturn(const char *mode)
{
	struct sigaction sa;

	forge_mode = mode;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forge;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	if (!strcmp(mode, "sigmask_kill")) {
		/* SIGKILL and SIGSTOP stay unblockable whatever the frame said. */
		sigset_t set;
		sigprocmask(SIG_BLOCK, NULL, &set);
		return sigismember(&set, SIGKILL) || sigismember(&set, SIGSTOP) ? 2 : 0;
	}
	return 0;
}

/* rt_sigreturn with no frame at all: the stack holds zeros, or the stack
 * pointer is a kernel address. */
static int raw_sigreturn(const char *mode)
{
	static uint64_t zeros[1024] __attribute__((aligned(16)));
	uint64_t sp = !strcmp(mode, "raw_sigreturn_zeros") ? (uint64_t)&zeros[512] : KDIRECT;

	__asm__ volatile("mov %0, %%rsp\n\tmov $15, %%eax\n\tsyscall" : : "r"(sp) : "memory");
	return 1;
}

/* ---- handlers and restorers the CPU cannot return to ---- */

struct k_sigaction {
	uint64_t handler, flags, restorer, mask;
};

static void on_usr1_plain(int sig)
{
	(void)sig;
}

static int bad_handler(const char *mode)
{
	struct k_sigaction ka = { 0, 0x04000000 /* SA_RESTORER */, 0, 0 };

	if (!strcmp(mode, "handler_noncanon"))
		ka.handler = NONCANON;
	else if (!strcmp(mode, "handler_kernel"))
		ka.handler = KTEXT;
	else if (!strcmp(mode, "handler_top"))
		ka.handler = 0x00007ffffffffffful;
	else
		ka.handler = (uint64_t)on_usr1_plain;
	if (!strcmp(mode, "restorer_noncanon"))
		ka.restorer = NONCANON;
	else if (!strcmp(mode, "restorer_kernel"))
		ka.restorer = KTEXT;
	else
		ka.restorer = (uint64_t)land_exit7;
	if (syscall(SYS_rt_sigaction, SIGUSR1, &ka, NULL, 8) != 0)
		return 3;
	raise(SIGUSR1);
	return 1;
}

/* ---- system calls with a hostile register state ---- */

/* getpid then exit_group(5) with rsp = sp; no stack is used. */
static int syscall_with_rsp(uint64_t sp)
{
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "mov $39, %%eax\n\tsyscall\n\t"
			 "mov $231, %%eax\n\tmov $5, %%edi\n\tsyscall\n\tud2"
			 :
			 : "r"(sp)
			 : "memory", "rax", "rcx", "r11", "rdi");
	return 1;
}

/* A signal becomes deliverable while rsp is unusable: the frame cannot be
 * written and the process dies of SIGSEGV. */
static int signal_with_rsp(uint64_t sp)
{
	static uint64_t set = 1ul << (SIGUSR1 - 1);

	signal(SIGUSR1, on_usr1_plain);
	sigprocmask(SIG_BLOCK, &(sigset_t){ { set } }, NULL);
	raise(SIGUSR1);
	/* rt_sigprocmask(SIG_UNBLOCK, &set, NULL, 8), then exit_group(6). */
	__asm__ volatile("mov %0, %%rsp\n\t"
			 "mov $14, %%eax\n\tmov $1, %%edi\n\tmov %1, %%rsi\n\txor %%edx, %%edx\n\t"
			 "mov $8, %%r10d\n\tsyscall\n\t"
			 "mov $231, %%eax\n\tmov $6, %%edi\n\tsyscall\n\tud2"
			 :
			 : "r"(sp), "r"(&set)
			 : "memory", "rax", "rcx", "r11", "rdi", "rsi", "rdx", "r10");
	return 1;
}

/* std before a system call: the kernel must copy forwards anyway. */
static int df_syscall(void)
{
	char buf[64] = { 0 };
	long r;

	__asm__ volatile("std\n\tsyscall\n\tcld"
			 : "=a"(r)
			 : "a"(SYS_getcwd), "D"(buf), "S"(sizeof(buf))
			 : "rcx", "r11", "memory");
	if (r <= 0 || buf[0] != '/')
		return 10;
	/* And a timer interrupt with DF set: spin a while. */
	long long end = u_now_ms() + 30;
	while (u_now_ms() < end)
		__asm__ volatile("std\n\tpause\n\tpause\n\tcld");
	return 0;
}

static volatile int handler_df;

static void on_usr1_df(int sig)
{
	unsigned long fl;

	(void)sig;
	__asm__ volatile("pushfq\n\tpop %0" : "=r"(fl));
	handler_df = (fl & 0x400) != 0;
}

/* A handler must start with DF clear, whatever the interrupted code had. */
static int df_handler(void)
{
	signal(SIGUSR1, on_usr1_df);
	handler_df = -1;
	__asm__ volatile("std\n\tsyscall\n\tcld"
			 :
			 : "a"(SYS_kill), "D"(getpid()), "S"(SIGUSR1)
			 : "rcx", "r11", "memory");
	return handler_df == 0 ? 0 : 11;
}

/* NT set in user mode through popf, then system calls, interrupts and a
 * signal: all must work and the process exits normally. */
static int nt_flag(void)
{
	__asm__ volatile("pushfq\n\torq $0x4000, (%%rsp)\n\tpopfq" : : : "memory", "cc");
	getpid();
	signal(SIGUSR1, on_usr1_plain);
	raise(SIGUSR1);
	long long end = u_now_ms() + 30;
	while (u_now_ms() < end)
		;
	u_sleep_ms(5);
	__asm__ volatile("pushfq\n\tandq $~0x4000, (%%rsp)\n\tpopfq" : : : "memory", "cc");
	return 0;
}

/* Unmasked floating-point exceptions: SSE divide by zero raises #XM and
 * x87 raises #MF at the next x87 instruction; both are SIGFPE. */
static int sse_div0(void)
{
	unsigned int csr = 0x1f80 & ~0x200u; /* unmask divide-by-zero */
	volatile float a = 1.0f, b = 0.0f, c;

	__asm__ volatile("ldmxcsr %0" : : "m"(csr));
	c = a / b;
	return c > 0 ? 1 : 2;
}

static int x87_div0(void)
{
	unsigned short cw = 0x037f & ~0x4; /* unmask zero divide */
	volatile long double a = 1.0L, b = 0.0L, c;

	__asm__ volatile("fldcw %0" : : "m"(cw));
	c = a / b;
	__asm__ volatile("fwait");
	return c > 0 ? 1 : 2;
}

/* System call numbers nobody implements: ENOSYS. (Not 335-470: newer
 * Linux uses some of them, 335 is uretprobe and raises SIGILL; and not
 * numbers with bits 32-62 set, which Linux truncates to 32 bits.) */
static int bad_numbers(void)
{
	static const long nrs[] = { -1, -4096, 511, 512, 547, 1000, 0x7fffffff, 0x40000027,
				    0xffffffff };

	for (size_t i = 0; i < sizeof(nrs) / sizeof(nrs[0]); i++) {
		long r;
		__asm__ volatile("syscall" : "=a"(r) : "a"(nrs[i]) : "rcx", "r11", "memory");
		if (r != -ENOSYS) {
			u_out("syscall %#lx returned %ld\n", nrs[i], r);
			return 20 + (int)i;
		}
	}
	return 0;
}

UT_HELPER(cpu)
{
	const char *m = argv[0];

	if (!strncmp(m, "raw_sigreturn", 13))
		return raw_sigreturn(m);
	if (!strncmp(m, "handler_", 8) || !strncmp(m, "restorer_", 9))
		return bad_handler(m);
	if (!strcmp(m, "syscall_rsp_kernel"))
		return syscall_with_rsp(KDIRECT);
	if (!strcmp(m, "syscall_rsp_noncanon"))
		return syscall_with_rsp(NONCANON);
	if (!strcmp(m, "syscall_rsp_zero"))
		return syscall_with_rsp(0);
	if (!strcmp(m, "signal_rsp_kernel"))
		return signal_with_rsp(KDIRECT);
	if (!strcmp(m, "signal_rsp_noncanon"))
		return signal_with_rsp(NONCANON);
	if (!strcmp(m, "df_syscall"))
		return df_syscall();
	if (!strcmp(m, "df_handler"))
		return df_handler();
	if (!strcmp(m, "nt_flag"))
		return nt_flag();
	if (!strcmp(m, "sse_div0"))
		return sse_div0();
	if (!strcmp(m, "x87_div0"))
		return x87_div0();
	if (!strcmp(m, "bad_numbers"))
		return bad_numbers();
	return forged_sigreturn(m);
}

/* ---- cases ---- */

/* mode, and how Linux ends it: killed by sig (exit ignored) or exit code. */
struct outcome {
	const char *mode;
	int sig, code;
};

static void check_outcomes(const struct outcome *o, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int st = ut_run_helper("cpu", (char *)o[i].mode);
		bool ok = o[i].sig ? UT_SIGNALED(st, o[i].sig) : UT_EXITED(st, o[i].code);
		if (!ok)
			UT_NOTE("  (mode %s)\n", o[i].mode);
	}
	/* We are fine, and so is the kernel: a child still runs. */
	UT_EXITED(ut_run_helper("cpu", (char *)"nt_flag"), 0);
}

#define NOUT(a) (sizeof(a) / sizeof((a)[0]))

/* A forged frame cannot take the CPU out of user mode: a kernel or
 * non-canonical RIP faults in user mode (SIGSEGV), and a non-canonical or
 * kernel RSP is loaded as is (the landing pad uses no stack and exits). */
UT_CASE(sigreturn_bad_rip_rsp, 30)
{
	static const struct outcome o[] = {
		{ "rip_noncanon", SIGSEGV, 0 }, { "rip_kernel", SIGSEGV, 0 },
		{ "rip_top", SIGSEGV, 0 },      { "rsp_noncanon", 0, 7 },
		{ "rsp_kernel", 0, 7 },
	};
	check_outcomes(o, NOUT(o));
}

/* RFLAGS from a frame: IOPL and IF are not the user's to set (cli still
 * faults, IF stays on); the rest of the bits are filtered too. */
UT_CASE(sigreturn_privileged_flags, 30)
{
	static const struct outcome o[] = {
		{ "eflags_iopl", 0, 0 },
		{ "eflags_iopl_cli", SIGSEGV, 0 },
		{ "eflags_all", 0, 0 },
	};
	check_outcomes(o, NOUT(o));
}

/* Kernel selectors in the frame: Linux fails the return to user mode and
 * sends SIGSEGV; a kernel that forces the user selectors instead resumes
 * in ring 3 (exit 0). Running in ring 0 (exit 99) is the bug. */
UT_CASE(sigreturn_kernel_selectors, 30)
{
	static const char *const modes[] = { "cs_kernel", "ss_kernel" };

	for (size_t i = 0; i < NOUT(modes); i++) {
		int st = ut_run_helper("cpu", (char *)modes[i]);
		if (!UT_CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) ||
			      (WIFEXITED(st) && WEXITSTATUS(st) == 0)))
			UT_NOTE("  (mode %s): status 0x%x\n", modes[i], st);
	}
}

/* The FPU state pointer and contents: a pointer outside user space and
 * reserved MXCSR bits both make the return fail with SIGSEGV. */
UT_CASE(sigreturn_bad_fpstate, 30)
{
	static const struct outcome o[] = {
		{ "fpstate_kernel", SIGSEGV, 0 },
		{ "fpstate_noncanon", SIGSEGV, 0 },
		{ "mxcsr_reserved", SIGSEGV, 0 },
	};
	check_outcomes(o, NOUT(o));
}

UT_CASE(sigreturn_unblock_kill, 10)
{
	static const struct outcome o[] = { { "sigmask_kill", 0, 0 } };
	check_outcomes(o, NOUT(o));
}

/* rt_sigreturn without a signal: garbage frames kill with SIGSEGV. */
UT_CASE(sigreturn_without_signal, 30)
{
	static const struct outcome o[] = {
		{ "raw_sigreturn_zeros", SIGSEGV, 0 },
		{ "raw_sigreturn_kernel_sp", SIGSEGV, 0 },
	};
	check_outcomes(o, NOUT(o));
}

/* Handlers and restorers the CPU cannot jump to: SIGSEGV, never a kernel
 * fault on the way out to them. (A non-canonical handler is in
 * t_hostile_crash: it panics the kernel on CPUs that check IRET's RIP.) */
UT_CASE(signal_bad_handler_address, 30)
{
	static const struct outcome o[] = {
		{ "handler_kernel", SIGSEGV, 0 },
		{ "handler_top", SIGSEGV, 0 },       { "restorer_noncanon", SIGSEGV, 0 },
		{ "restorer_kernel", SIGSEGV, 0 },   { "restorer_ok", 0, 7 },
	};
	check_outcomes(o, NOUT(o));
}

/* The kernel never uses the user's stack pointer: system calls work with
 * any RSP; a signal that then needs a frame kills with SIGSEGV. */
UT_CASE(syscall_hostile_rsp, 30)
{
	static const struct outcome o[] = {
		{ "syscall_rsp_kernel", 0, 5 },   { "syscall_rsp_noncanon", 0, 5 },
		{ "syscall_rsp_zero", 0, 5 },     { "signal_rsp_kernel", SIGSEGV, 0 },
		{ "signal_rsp_noncanon", SIGSEGV, 0 },
	};
	check_outcomes(o, NOUT(o));
}

/* DF and NT in the user's RFLAGS do not leak into the kernel. (TF with
 * SYSCALL is in t_hostile_crash: on Bochs it panics the kernel.) */
UT_CASE(syscall_hostile_rflags, 30)
{
	static const struct outcome o[] = {
		{ "df_syscall", 0, 0 },
		{ "df_handler", 0, 0 },
		{ "nt_flag", 0, 0 },
	};
	check_outcomes(o, NOUT(o));
}

/* True on QEMU's emulated CPUs (the brand string says so). */
static bool cpu_is_qemu(void)
{
	uint32_t r[12];

	for (uint32_t i = 0; i < 3; i++)
		__asm__ volatile("cpuid"
				 : "=a"(r[i * 4]), "=b"(r[i * 4 + 1]), "=c"(r[i * 4 + 2]),
				   "=d"(r[i * 4 + 3])
				 : "a"(0x80000002 + i), "c"(0));
	return memmem(r, sizeof(r), "QEMU", 4) != NULL;
}

UT_CASE(fpu_exceptions_unmasked, 20)
{
	static const struct outcome x87[] = { { "x87_div0", SIGFPE, 0 } };
	static const struct outcome sse[] = { { "sse_div0", SIGFPE, 0 } };

	check_outcomes(x87, NOUT(x87));
	/* QEMU's TCG never raises SIMD floating-point exceptions (#XM). */
	if (cpu_is_qemu())
		UT_NOTE("QEMU CPU: the SSE case is not checked (TCG raises no #XM)\n");
	else
		check_outcomes(sse, NOUT(sse));
}

UT_CASE(syscall_bad_numbers, 10)
{
	static const struct outcome o[] = { { "bad_numbers", 0, 0 } };
	check_outcomes(o, NOUT(o));
}

UT_MAIN()

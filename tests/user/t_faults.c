/* t_faults.c: every kind of user fault becomes the signal Linux sends, with
 * Linux's si_code and si_addr, delivered to the faulting process only.
 *
 * Each fault runs in a helper process (`t_faults --helper fault NAME MODE`):
 *   MODE die   the default action: the parent wants WTERMSIG == the signal;
 *   MODE info  an SA_SIGINFO handler records signo, si_code and si_addr and
 *              siglongjmps out; the helper prints
 *              "sig S code C addr A want W alt N" and exits 0, where W is
 *              the address Linux reports for this fault (the helper knows it:
 *              the faulting instruction, page, or 0) and N says whether the
 *              handler ran on the alternate signal stack.
 * The parent compares with the table below (learned on Linux 6.x, x86_64),
 * then checks that it got no signal itself and still works. */
#include "utest.h"

#include <setjmp.h>
#include <sys/resource.h>
#include <ucontext.h>

#define PAGE 4096ul
#ifndef SI_KERNEL
#define SI_KERNEL 0x80
#endif

/* ---- the faults (run in the helper) ---- */

static void *volatile want_addr;   /* what si_addr should be */
static volatile uintptr_t sink;

static volatile int *addr(uintptr_t a)
{
	__asm__ volatile("" : "+r"(a));
	return (volatile int *)a;
}

static void f_null_read(void) { want_addr = 0; sink = (uintptr_t)*addr(0); }
static void f_null_write(void) { want_addr = 0; *addr(0) = 1; }
static void f_low_read(void) { want_addr = (void *)0x1000; sink = (uintptr_t)*addr(0x1000); }
static void f_kernel_read(void)
{
	want_addr = (void *)0xffff800000000000ul;
	sink = (uintptr_t)*addr(0xffff800000000000ul);
}
static void f_kernel_write(void)
{
	want_addr = (void *)0xffffffff80001000ul;
	*addr(0xffffffff80001000ul) = 1;
}
/* A non-canonical address is a general-protection fault, not a page
 * fault: Linux reports si_code SI_KERNEL and si_addr 0. */
static void f_noncanon_read(void) { want_addr = 0; sink = (uintptr_t)*addr(0x0000800000000000ul); }
static void f_noncanon_write(void) { want_addr = 0; *addr(0x8000000000000000ul) = 1; }

static void f_write_text(void)
{
	uintptr_t a = (uintptr_t)&f_write_text;
	want_addr = (void *)a;
	*addr(a) = 0xcc;
}

static void f_write_rodata(void)
{
	static const int ro = 42;
	want_addr = (void *)&ro;
	*addr((uintptr_t)&ro) = 1;
}

/* Jumps to code: a "ret" placed at p. */
static void call_at(void *p)
{
	((void (*)(void))p)();
}

static void f_exec_data(void)
{
	uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	p[0] = 0xc3;
	want_addr = p;
	call_at(p);
}

static void f_exec_stack(void)
{
	volatile uint8_t code[16] = { 0xc3 };
	want_addr = (void *)code;
	call_at((void *)code);
}

static void f_exec_unmapped(void)
{
	uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(p, PAGE);
	want_addr = p;
	call_at(p);
}

static void f_exec_kernel(void)
{
	want_addr = (void *)0xffffffff80100000ul;
	call_at((void *)0xffffffff80100000ul);
}

/* The instruction's own address goes to want_addr before it runs; setup
 * (which must leave r11 alone) runs first. */
#define FAULT_AT(setup, insn)                                                                      \
	__asm__ volatile(setup "\n\tlea 1f(%%rip), %%r11\n\tmov %%r11, %0\n1:\t" insn          \
			 : "=m"(want_addr) : : "rax", "rcx", "rdx", "r11", "memory")
#define FAULT_INSN(insn) FAULT_AT("", insn)

static void f_ud2(void) { FAULT_INSN("ud2"); }
/* For faults Linux reports with si_addr 0. */
#define FAULT_INSN0(insn) (want_addr = 0, ({ __asm__ volatile(insn ::: "rax", "rcx", "rdx", "memory"); }))

/* Privileged instructions: #GP, si_code SI_KERNEL, si_addr 0. */
static void f_hlt(void) { FAULT_INSN0("hlt"); }
static void f_cli(void) { FAULT_INSN0("cli"); }
static void f_sti(void) { FAULT_INSN0("sti"); }
static void f_inb(void) { FAULT_INSN0("inb $0x80, %%al"); }
static void f_outb(void) { FAULT_INSN0("outb %%al, $0x80"); }
static void f_inw_dx(void) { FAULT_INSN0("mov $0x3f8, %%dx\n\tinw %%dx, %%ax"); }
static void f_rdmsr(void) { FAULT_INSN0("xor %%ecx, %%ecx\n\trdmsr"); }
static void f_wrcr3(void) { FAULT_INSN0("xor %%eax, %%eax\n\tmov %%rax, %%cr3"); }
static void f_lgdt(void) { FAULT_INSN0("lgdt (%%rsp)"); }
static void f_invlpg(void) { FAULT_INSN0("invlpg (%%rsp)"); }
static void f_wbinvd(void) { FAULT_INSN0("wbinvd"); }
/* Software interrupts through gates user mode may not use: #GP. */
static void f_int_0e(void) { FAULT_INSN0("int $0x0e"); }
static void f_int_20(void) { FAULT_INSN0("int $0x20"); }
static void f_int_08(void) { FAULT_INSN0("int $0x08"); }
static void f_int_ff(void) { FAULT_INSN0("int $0xff"); }
/* A far call through a null selector: #GP. */
static void f_ljmp_null(void)
{
	static const struct { uint32_t off; uint16_t sel; } __attribute__((packed)) far = { 0, 0 };
	want_addr = 0;
	__asm__ volatile("ljmpl *%0" : : "m"(far));
}
/* Loading a kernel data selector into DS: #GP. */
static void f_load_kernel_ds(void) { FAULT_INSN0("mov $0x10, %%eax\n\tmov %%eax, %%ds"); }

static void f_div0(void)
{
	FAULT_AT("xor %%ecx, %%ecx\n\tmov $1, %%eax\n\tcltd", "idiv %%ecx");
}

static void f_divmin(void)
{
	FAULT_AT("mov $-1, %%ecx\n\tmov $0x80000000, %%eax\n\tcltd", "idiv %%ecx");
}

/* int3 traps after the instruction: si_addr is 0 (SI_KERNEL) on Linux. */
static void f_int3(void) { FAULT_INSN0("int3"); }

/* movaps on an address that is not 16-byte aligned: #GP. */
static void f_movaps(void)
{
	static char buf[64] __attribute__((aligned(16)));
	want_addr = 0;
	__asm__ volatile("movaps (%0), %%xmm0" : : "r"(buf + 1) : "xmm0");
}

static volatile int depth_limit = 1 << 30; /* never reached: hides the recursion */

static int deep(int n)
{
	volatile char pad[512];

	pad[0] = (char)n;
	if (n > depth_limit)
		return 0;
	return deep(n + 1) + pad[0];
}

static void f_stack_overflow(void)
{
	struct rlimit rl = { 8 << 20, 8 << 20 };

	/* Keep a host with an unlimited stack from eating its memory. */
	setrlimit(RLIMIT_STACK, &rl);
	want_addr = (void *)1; /* somewhere below the stack: not checked */
	sink = (uintptr_t)deep(0);
}

/* A file mapping past the end of its file: SIGBUS, BUS_ADRERR. */
static void f_sigbus(void)
{
	char path[64];

	u_fmt(path, sizeof(path), "/tmp/utest.%d.bus", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink(path);
	if (fd < 0 || write(fd, "x", 1) != 1)
		_exit(3);
	volatile char *m = mmap(NULL, 2 * PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	if (m == MAP_FAILED)
		_exit(4);
	/* The rest of the first page reads as zeros. */
	if (m[0] != 'x' || m[100] != 0)
		_exit(5);
	want_addr = (void *)(m + PAGE);
	sink = (uintptr_t)m[PAGE];
}

static const struct fault {
	const char *name;
	void (*fn)(void);
	int sig, code; /* Linux's signal and si_code */
	bool check_addr;
} faults[] = {
	{ "null_read", f_null_read, SIGSEGV, SEGV_MAPERR, true },
	{ "null_write", f_null_write, SIGSEGV, SEGV_MAPERR, true },
	{ "low_read", f_low_read, SIGSEGV, SEGV_MAPERR, true },
	{ "kernel_read", f_kernel_read, SIGSEGV, SEGV_MAPERR, true },
	{ "kernel_write", f_kernel_write, SIGSEGV, SEGV_MAPERR, true },
	{ "noncanon_read", f_noncanon_read, SIGSEGV, SI_KERNEL, true },
	{ "noncanon_write", f_noncanon_write, SIGSEGV, SI_KERNEL, true },
	{ "write_text", f_write_text, SIGSEGV, SEGV_ACCERR, true },
	{ "write_rodata", f_write_rodata, SIGSEGV, SEGV_ACCERR, true },
	{ "exec_data", f_exec_data, SIGSEGV, SEGV_ACCERR, true },
	{ "exec_stack", f_exec_stack, SIGSEGV, SEGV_ACCERR, true },
	{ "exec_unmapped", f_exec_unmapped, SIGSEGV, SEGV_MAPERR, true },
	{ "exec_kernel", f_exec_kernel, SIGSEGV, SEGV_MAPERR, true },
	{ "ud2", f_ud2, SIGILL, ILL_ILLOPN, true },
	{ "hlt", f_hlt, SIGSEGV, SI_KERNEL, true },
	{ "cli", f_cli, SIGSEGV, SI_KERNEL, true },
	{ "sti", f_sti, SIGSEGV, SI_KERNEL, true },
	{ "inb", f_inb, SIGSEGV, SI_KERNEL, true },
	{ "outb", f_outb, SIGSEGV, SI_KERNEL, true },
	{ "inw_dx", f_inw_dx, SIGSEGV, SI_KERNEL, true },
	{ "rdmsr", f_rdmsr, SIGSEGV, SI_KERNEL, true },
	{ "write_cr3", f_wrcr3, SIGSEGV, SI_KERNEL, true },
	{ "lgdt", f_lgdt, SIGSEGV, SI_KERNEL, true },
	{ "invlpg", f_invlpg, SIGSEGV, SI_KERNEL, true },
	{ "wbinvd", f_wbinvd, SIGSEGV, SI_KERNEL, true },
	{ "int_0e", f_int_0e, SIGSEGV, SI_KERNEL, true },
	{ "int_20", f_int_20, SIGSEGV, SI_KERNEL, true },
	{ "int_08", f_int_08, SIGSEGV, SI_KERNEL, true },
	{ "int_ff", f_int_ff, SIGSEGV, SI_KERNEL, true },
	{ "ljmp_null", f_ljmp_null, SIGSEGV, SI_KERNEL, true },
	{ "load_kernel_ds", f_load_kernel_ds, SIGSEGV, SI_KERNEL, true },
	{ "div0", f_div0, SIGFPE, FPE_INTDIV, true },
	{ "divmin", f_divmin, SIGFPE, FPE_INTDIV, true },
	{ "int3", f_int3, SIGTRAP, SI_KERNEL, true },
	{ "movaps", f_movaps, SIGSEGV, SI_KERNEL, true },
	{ "sigbus_past_eof", f_sigbus, SIGBUS, BUS_ADRERR, true },
	{ "stack_overflow", f_stack_overflow, SIGSEGV, 0, false },
};

#define NFAULTS (sizeof(faults) / sizeof(faults[0]))

static const struct fault *find_fault(const char *name)
{
	for (size_t i = 0; i < NFAULTS; i++)
		if (!strcmp(faults[i].name, name))
			return &faults[i];
	return NULL;
}

/* ---- the helper ---- */

static sigjmp_buf jb;
static volatile int got_sig, got_code, got_alt;
static void *volatile got_addr;
static char *alt_base;
static size_t alt_size;

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	char here;

	(void)uc;
	got_sig = sig;
	got_code = si->si_code;
	got_addr = si->si_addr;
	got_alt = alt_base && &here >= alt_base && &here < alt_base + alt_size;
	siglongjmp(jb, 1);
}

/* argv: NAME MODE (die | info | info-alt | handler-noalt). */
UT_HELPER(fault)
{
	const struct fault *f = argc >= 2 ? find_fault(argv[0]) : NULL;
	const char *mode = argc >= 2 ? argv[1] : "";
	struct sigaction sa;

	if (!f)
		return 100;
	if (strcmp(mode, "die")) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_fault;
		sa.sa_flags = SA_SIGINFO;
		if (!strcmp(mode, "info-alt")) {
			alt_size = 64 * 1024;
			alt_base = mmap(NULL, alt_size, PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
			stack_t ss = { .ss_sp = alt_base, .ss_size = alt_size };
			if (sigaltstack(&ss, NULL) != 0)
				return 101;
			sa.sa_flags |= SA_ONSTACK;
		}
		int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
		for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
			sigaction(sigs[i], &sa, NULL);
	}
	if (sigsetjmp(jb, 1) == 0) {
		f->fn();
		u_out("survived\n");
		return 1;
	}
	u_out("sig %d code %d addr %p want %p alt %d\n", got_sig, got_code, got_addr, want_addr,
	      got_alt);
	return 0;
}

/* ---- the cases ---- */

/* Runs `fault NAME MODE`; returns the wait status and the output in out. */
static int run_fault(const char *name, const char *mode, char *out, size_t size)
{
	char *av[] = { ut_self, (char *)"--helper", (char *)"fault", (char *)name, (char *)mode,
		       NULL };
	return ut_capture(ut_self, av, out, size);
}

/* Nothing reached us: no pending signal, and we still run normally. */
static void check_parent_fine(void)
{
	sigset_t set;

	UT_OK(sigpending(&set));
	for (int s = 1; s < 32; s++)
		if (sigismember(&set, s))
			ut_fail_(__LINE__, "signal %d is pending in the parent", s);
	UT_EQ(getppid() > 0, 1);
}

/* The fault kills with its signal (default action), and with a handler
 * the handler sees Linux's si_code and si_addr. */
static void check_fault(const char *name)
{
	const struct fault *f = find_fault(name);
	char out[256];
	int sig, code, alt;
	void *a, *want;

	if (!UT_CHECK(f != NULL))
		return;
	int st = run_fault(name, "die", out, sizeof(out));
	if (!UT_SIGNALED(st, f->sig))
		UT_NOTE("  (fault %s, default action) output: %s\n", name, out);
	st = run_fault(name, "info", out, sizeof(out));
	if (!UT_EXITED(st, 0) ||
	    sscanf(out, "sig %d code %d addr %p want %p alt %d", &sig, &code, &a, &want, &alt) != 5) {
		UT_NOTE("  (fault %s, with a handler) output: %s\n", name, out);
		return;
	}
	if (!UT_EQ(sig, f->sig) || !UT_EQ(code, f->code) || (f->check_addr && !UT_EQ(a, want)))
		UT_NOTE("  (fault %s) handler saw: %s", name, out);
	check_parent_fine();
}

#define FAULT_CASE(n)                                                                              \
	UT_CASE(fault_##n, 20)                                                                     \
	{                                                                                          \
		check_fault(#n);                                                                   \
	}

FAULT_CASE(null_read)
FAULT_CASE(null_write)
FAULT_CASE(low_read)
FAULT_CASE(kernel_read)
FAULT_CASE(kernel_write)
FAULT_CASE(noncanon_read)
FAULT_CASE(noncanon_write)
FAULT_CASE(write_text)
FAULT_CASE(write_rodata)
FAULT_CASE(exec_data)
FAULT_CASE(exec_stack)
FAULT_CASE(exec_unmapped)
FAULT_CASE(exec_kernel)
FAULT_CASE(ud2)
FAULT_CASE(int3)
FAULT_CASE(div0)
FAULT_CASE(divmin)
FAULT_CASE(movaps)
FAULT_CASE(sigbus_past_eof)

/* Privileged instructions and forbidden gates, all #GP: SIGSEGV with
 * SI_KERNEL and si_addr 0. One case for the lot. */
UT_CASE(fault_privileged, 60)
{
	static const char *const names[] = { "hlt", "cli", "sti", "inb", "outb", "inw_dx",
					     "rdmsr", "write_cr3", "lgdt", "invlpg", "wbinvd",
					     "int_0e", "int_20", "int_08", "int_ff", "ljmp_null",
					     "load_kernel_ds" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		check_fault(names[i]);
}

/* Deep recursion runs into the stack limit: SIGSEGV. */
UT_CASE(fault_stack_overflow, 60)
{
	char out[256];

	UT_SIGNALED(run_fault("stack_overflow", "die", out, sizeof(out)), SIGSEGV);
	/* With a handler but no alternate stack there is nowhere to put the
	 * signal frame: the process dies of SIGSEGV all the same. */
	UT_SIGNALED(run_fault("stack_overflow", "info", out, sizeof(out)), SIGSEGV);
	check_parent_fine();
}

/* With sigaltstack and SA_ONSTACK the handler runs on the alternate stack
 * and sees SIGSEGV. */
UT_CASE(fault_stack_overflow_altstack, 60)
{
	char out[256];
	int sig, code, alt;
	void *a, *want;

	int st = run_fault("stack_overflow", "info-alt", out, sizeof(out));
	if (!UT_EXITED(st, 0) ||
	    !UT_CHECK(sscanf(out, "sig %d code %d addr %p want %p alt %d", &sig, &code, &a, &want,
			     &alt) == 5)) {
		UT_NOTE("  output: %s\n", out);
		return;
	}
	UT_EQ(sig, SIGSEGV);
	UT_EQ(alt, 1);
	/* Any other fault on the alternate stack, too. */
	st = run_fault("null_read", "info-alt", out, sizeof(out));
	UT_EXITED(st, 0);
	UT_CHECK(strstr(out, "alt 1") != NULL);
	check_parent_fine();
}

/* A blocked or ignored fault signal cannot be ignored: the process dies. */
UT_HELPER(fault_blocked)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGSEGV);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (!strcmp(argv[0], "ignored"))
		signal(SIGSEGV, SIG_IGN);
	f_null_read();
	return 1;
}

UT_CASE(fault_blocked_or_ignored, 20)
{
	UT_SIGNALED(ut_run_helper("fault_blocked", "blocked"), SIGSEGV);
	UT_SIGNALED(ut_run_helper("fault_blocked", "ignored"), SIGSEGV);
	check_parent_fine();
}

/* A handler that returns without fixing anything faults again, forever;
 * the second time round it is told to leave: count the re-entries. */
static volatile int reentries;

static void on_segv_count(int sig)
{
	(void)sig;
	if (++reentries == 100) {
		signal(SIGSEGV, SIG_DFL);
	}
}

UT_HELPER(fault_refault)
{
	signal(SIGSEGV, on_segv_count);
	f_null_read();
	return 1;
}

UT_CASE(fault_handler_returns, 20)
{
	UT_SIGNALED(ut_run_helper("fault_refault"), SIGSEGV);
	check_parent_fine();
}

/* Many faulting children at once, while the parent keeps working. */
UT_CASE(fault_many_children, 60)
{
	static const char *const names[] = { "null_read", "ud2", "div0", "hlt", "int3",
					     "exec_data", "movaps", "noncanon_read" };
	pid_t pids[32];
	int n = 0;

	for (int i = 0; i < 32; i++) {
		const struct fault *f = find_fault(names[i % 8]);
		pids[n] = ut_spawn_helper(NULL, "fault", (char *)f->name, (char *)"die");
		if (pids[n] > 0)
			n++;
	}
	for (int i = 0; i < n; i++) {
		const struct fault *f = find_fault(names[i % 8]);
		UT_SIGNALED(ut_wait(pids[i]), f->sig);
	}
	check_parent_fine();
}

UT_MAIN()

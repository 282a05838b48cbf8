/* signal.h: POSIX signals with Linux's numbering, frame layout and rules. */
#ifndef PROC_SIGNAL_H
#define PROC_SIGNAL_H

#include <stdbool.h>
#include <stdint.h>

#define SIGHUP 1
#define SIGINT 2
#define SIGQUIT 3
#define SIGILL 4
#define SIGTRAP 5
#define SIGABRT 6
#define SIGBUS 7
#define SIGFPE 8
#define SIGKILL 9
#define SIGUSR1 10
#define SIGSEGV 11
#define SIGUSR2 12
#define SIGPIPE 13
#define SIGALRM 14
#define SIGTERM 15
#define SIGCHLD 17
#define SIGCONT 18
#define SIGSTOP 19
#define SIGTSTP 20
#define SIGTTIN 21
#define SIGTTOU 22
#define SIGURG 23
#define SIGXCPU 24
#define SIGXFSZ 25
#define SIGVTALRM 26
#define SIGPROF 27
#define SIGWINCH 28
#define SIGSYS 31
#define NSIG 64

#define SIG_DFL 0UL
#define SIG_IGN 1UL

#define SA_NOCLDSTOP 0x00000001UL
#define SA_NOCLDWAIT 0x00000002UL
#define SA_SIGINFO 0x00000004UL
#define SA_RESTORER 0x04000000UL
#define SA_ONSTACK 0x08000000UL
#define SA_RESTART 0x10000000UL
#define SA_NODEFER 0x40000000UL
#define SA_RESETHAND 0x80000000UL

#define SS_ONSTACK 1
#define SS_DISABLE 2
#define MINSIGSTKSZ 2048

/* si_code values. */
#define SI_USER 0
#define SI_KERNEL 0x80
#define SI_TKILL (-6)
#define SEGV_MAPERR 1
#define SEGV_ACCERR 2
#define ILL_ILLOPN 2
#define FPE_INTDIV 1
#define FPE_FLTDIV 3
#define FPE_FLTOVF 4
#define FPE_FLTUND 5
#define FPE_FLTRES 6
#define FPE_FLTINV 7
#define BUS_ADRALN 1
#define BUS_ADRERR 2
#define TRAP_BRKPT 1
#define TRAP_TRACE 2
#define CLD_EXITED 1
#define CLD_KILLED 2
#define CLD_DUMPED 3
#define CLD_STOPPED 5
#define CLD_CONTINUED 6

#define SIGBIT(sig) (1ULL << ((sig) - 1))

/* The kernel's struct sigaction for rt_sigaction (Linux x86_64 layout). */
struct k_sigaction {
	uint64_t handler;
	uint64_t flags;
	uint64_t restorer;
	uint64_t mask;
};
_Static_assert(sizeof(struct k_sigaction) == 32, "struct sigaction (kernel ABI)");

struct ksiginfo {
	int signo, code;
	int pid;
	uint32_t uid;
	int status;
	uintptr_t addr;
};

/* Dispositions, shared by tasks created with CLONE_SIGHAND. */
struct signal_state {
	int refs;
	struct k_sigaction action[NSIG];
};

struct task;
struct trap_frame;

struct signal_state *signal_state_new(void);
struct signal_state *signal_state_copy(const struct signal_state *s);
void signal_state_put(struct signal_state *s);
/* execve: caught signals go back to SIG_DFL; ignored ones stay ignored. */
void signal_reset_on_exec(struct task *t);

/* Queue sig to t with the given details (one pending instance per signal). */
void signal_send_info(struct task *t, int sig, const struct ksiginfo *info);
/* A synchronous fault in user mode: queue sig with si_code code and
 * si_addr addr, unblocked and un-ignored as Linux's force_sig does, so the
 * fault cannot loop. */
void signal_user_fault(int sig, int code, uintptr_t addr);
/* Deliver pending signals before returning to user mode (handlers get an
 * rt_sigframe; default actions terminate, stop or are ignored here). */
void signal_deliver(struct trap_frame *tf);
/* True if sig has a handler that is neither SIG_DFL nor SIG_IGN... */
bool signal_is_ignored(struct task *t, int sig);

/* ppoll/pselect6: install a temporary blocked set; restore it at once, or
 * after the interrupting signal is delivered (deliver_first). */
void proc_sigmask_set_temp(uint64_t mask);
void proc_sigmask_restore_temp(bool deliver_first);

/* Syscalls. */
long sys_rt_sigaction(int sig, uintptr_t act, uintptr_t oact, uint64_t sigsetsize);
long sys_rt_sigprocmask(int how, uintptr_t set, uintptr_t oset, uint64_t sigsetsize);
long sys_rt_sigreturn(void);
long sys_rt_sigpending(uintptr_t set, uint64_t sigsetsize);
long sys_rt_sigsuspend(uintptr_t set, uint64_t sigsetsize);
long sys_sigaltstack(uintptr_t ss, uintptr_t oss);
long sys_kill(int pid, int sig);
long sys_tkill(int tid, int sig);
long sys_tgkill(int tgid, int tid, int sig);
long sys_pause(void);
long sys_rt_sigtimedwait(uintptr_t set, uintptr_t info, uintptr_t ts, uint64_t sigsetsize);

#endif

/* syscalls.h: prototypes of the system calls outside fs/, and the table
 * entries each subsystem contributes (see kernel/syscall.c). */
#ifndef KERNEL_SYSCALLS_H
#define KERNEL_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

/* proc/ */
long sys_fork(void);
long sys_vfork(void);
long sys_clone(uint64_t flags, uintptr_t newsp, uintptr_t ptid, uintptr_t ctid, uintptr_t tls);
long sys_execve(uintptr_t path, uintptr_t argv, uintptr_t envp);
long sys_exit(int code);
long sys_exit_group(int code);
long sys_wait4(int pid, uintptr_t status, int options, uintptr_t rusage);
long sys_waitid(int idtype, int id, uintptr_t infop, int options, uintptr_t rusage);
long sys_getpid(void);
long sys_getppid(void);
long sys_gettid(void);
long sys_set_tid_address(uintptr_t tidptr);
long sys_getuid(void);
long sys_geteuid(void);
long sys_getgid(void);
long sys_getegid(void);
long sys_setuid(uint32_t uid);
long sys_setgid(uint32_t gid);
long sys_setreuid(uint32_t ruid, uint32_t euid);
long sys_setregid(uint32_t rgid, uint32_t egid);
long sys_setresuid(uint32_t r, uint32_t e, uint32_t s);
long sys_setresgid(uint32_t r, uint32_t e, uint32_t s);
long sys_getresuid(uintptr_t r, uintptr_t e, uintptr_t s);
long sys_getresgid(uintptr_t r, uintptr_t e, uintptr_t s);
long sys_getgroups(int size, uintptr_t list);
long sys_setgroups(int size, uintptr_t list);
long sys_setpgid(int pid, int pgid);
long sys_getpgid(int pid);
long sys_getpgrp(void);
long sys_setsid(void);
long sys_getsid(int pid);
long sys_arch_prctl(int code, uint64_t addr);
long sys_prctl(int option, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5);
long sys_prlimit64(int pid, int resource, uintptr_t newlim, uintptr_t oldlim);
long sys_getrlimit(int resource, uintptr_t rlim);
long sys_setrlimit(int resource, uintptr_t rlim);
long sys_getrusage(int who, uintptr_t usage);
long sys_times(uintptr_t buf);
long sys_sched_yield(void);
long sys_sched_getaffinity(int pid, size_t len, uintptr_t mask);
long sys_getpriority(int which, int who);
long sys_futex(uintptr_t uaddr, int op, uint32_t val, uintptr_t utime, uintptr_t uaddr2,
	       uint32_t val3);
long sys_setpriority(int which, int who, int prio);

#define SYSCALLS_PROC                                                                              \
	SC(fork), SC(vfork), SC(clone), SC(execve), SC(exit), SC(exit_group), SC(wait4),      \
	SC(waitid),           \
	SC(getpid), SC(getppid), SC(gettid), SC(set_tid_address), SC(getuid), SC(geteuid),         \
	SC(getgid), SC(getegid), SC(setuid), SC(setgid), SC(setreuid), SC(setregid),               \
	SC(setresuid), SC(setresgid), SC(getresuid), SC(getresgid), SC(getgroups),                 \
	SC(setgroups), SC(setpgid), SC(getpgid), SC(getpgrp), SC(setsid), SC(getsid),              \
	SC(arch_prctl), SC(prctl), SC(prlimit64), SC(getrlimit), SC(setrlimit), SC(getrusage),     \
	SC(times), SC(sched_yield), SC(sched_getaffinity), SC(getpriority), SC(setpriority),        \
	SC(rt_sigaction), SC(rt_sigprocmask), SC(rt_sigreturn), SC(rt_sigpending),                 \
	SC(rt_sigsuspend), SC(sigaltstack), SC(kill), SC(tkill), SC(tgkill), SC(pause),            \
	SC(rt_sigtimedwait), SC(futex),

/* mm/ */
long sys_brk(uintptr_t addr);
long sys_mmap(uintptr_t addr, size_t len, int prot, int flags, int fd, uint64_t off);
long sys_munmap(uintptr_t addr, size_t len);
long sys_mprotect(uintptr_t addr, size_t len, int prot);
long sys_mremap(uintptr_t old, size_t old_len, size_t new_len, int flags, uintptr_t new_addr);
long sys_madvise(uintptr_t addr, size_t len, int advice);
long sys_msync(uintptr_t addr, size_t len, int flags);
/* mm/mlock.c */
long sys_mlock(uintptr_t addr, size_t len);
long sys_mlock2(uintptr_t addr, size_t len, unsigned flags);
long sys_munlock(uintptr_t addr, size_t len);
long sys_mlockall(int flags);
long sys_munlockall(void);
long sys_mincore(uintptr_t addr, size_t len, uintptr_t vec);

#define SYSCALLS_MM                                                                                \
	SC(brk), SC(mmap), SC(munmap), SC(mprotect), SC(mremap), SC(madvise), SC(msync),          \
	SC(mlock), SC(mlock2), SC(munlock), SC(mlockall), SC(munlockall), SC(mincore),

/* kernel/: time and system information */
long sys_uname(uintptr_t buf);
long sys_sysinfo(uintptr_t info);
long sys_getrandom(uintptr_t buf, size_t len, unsigned flags);
long sys_clock_gettime(int clk, uintptr_t ts);
long sys_clock_getres(int clk, uintptr_t ts);
long sys_clock_settime(int clk, uintptr_t ts);
long sys_gettimeofday(uintptr_t tv, uintptr_t tz);
long sys_settimeofday(uintptr_t tv, uintptr_t tz);
long sys_time(uintptr_t t);
long sys_nanosleep(uintptr_t req, uintptr_t rem);
long sys_clock_nanosleep(int clk, int flags, uintptr_t req, uintptr_t rem);
long sys_alarm(unsigned seconds);
long sys_setitimer(int which, uintptr_t nv, uintptr_t ov);
long sys_getitimer(int which, uintptr_t cur);
long sys_reboot(int magic1, int magic2, unsigned cmd, uintptr_t arg);
long sys_sethostname(uintptr_t name, size_t len);
long sys_syslog(int type, uintptr_t buf, int len);

#define SYSCALLS_MISC                                                                              \
	SC(uname), SC(sysinfo), SC(getrandom), SC(clock_gettime), SC(clock_getres),                \
	SC(clock_settime), SC(gettimeofday), SC(settimeofday), SC(time), SC(nanosleep),            \
	SC(clock_nanosleep), SC(alarm), SC(setitimer), SC(getitimer), SC(reboot),                  \
	SC(sethostname), SC(syslog),

#endif

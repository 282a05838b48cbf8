/* t_thread.c: POSIX threads through musl's pthreads: create/join/detach/
 * exit, mutexes and condition variables, thread ids and the process id,
 * signals to a thread and to the process, exit_group from a thread, execve
 * and fork from a thread, wait4 from another thread, stops of a threaded
 * process, /proc showing processes rather than threads, many threads
 * without a leak, and futex(2) itself (errors, wake, requeue, shared). */
#include "utest.h"

#include <pthread.h>
#include <sys/wait.h>

/* <linux/futex.h> is not in musl's headers. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY (-1)

static long futex(volatile int *uaddr, int op, int val, const struct timespec *ts,
		  volatile int *uaddr2, int val3)
{
	return syscall(SYS_futex, uaddr, op, val, ts, uaddr2, val3);
}

static pid_t tid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/* Spin (politely) until *flag becomes nonzero, at most ms milliseconds. */
static bool wait_flag(volatile int *flag, long ms)
{
	for (long i = 0; i < ms && !*flag; i++)
		u_sleep_ms(1);
	return *flag != 0;
}

/* ---- helpers (run as `t_thread --helper NAME ...`) ---- */

static void *sleeper(void *arg)
{
	(void)arg;
	for (;;)
		pause();
	return NULL;
}

static void *exit_7(void *arg)
{
	(void)arg;
	u_sleep_ms(20);
	exit(7); /* exit_group: the whole process ends */
}

UT_HELPER(exit_in_thread)
{
	pthread_t a, b;

	pthread_create(&a, NULL, sleeper, NULL);
	pthread_create(&b, NULL, exit_7, NULL);
	for (;;)
		pause();
	return 1;
}

static void *late_exit(void *arg)
{
	(void)arg;
	u_sleep_ms(300);
	return NULL; /* the last thread: the process exits 0 */
}

UT_HELPER(main_pthread_exit)
{
	pthread_t t;

	pthread_create(&t, NULL, late_exit, NULL);
	pthread_exit(NULL);
}

UT_HELPER(pid_is)
{
	return getpid() == atoi(argv[0]) ? 0 : 1;
}

static void *exec_self(void *arg)
{
	char pid[16];

	(void)arg;
	u_fmt(pid, sizeof(pid), "%d", (int)getpid());
	u_sleep_ms(20);
	execl(ut_self, ut_self, "--helper", "pid_is", pid, (char *)NULL);
	_exit(99);
}

UT_HELPER(exec_in_thread)
{
	pthread_t a, b;

	pthread_create(&a, NULL, sleeper, NULL);
	pthread_create(&b, NULL, exec_self, NULL);
	for (;;)
		pause();
	return 1;
}

static volatile int *volatile null_ptr;

static void *segv(void *arg)
{
	(void)arg;
	u_sleep_ms(20);
	*null_ptr = 1;
	return NULL;
}

UT_HELPER(segv_in_thread)
{
	pthread_t a, b;

	pthread_create(&a, NULL, sleeper, NULL);
	pthread_create(&b, NULL, segv, NULL);
	for (;;)
		pause();
	return 1;
}

static void *busy_sleeper(void *arg)
{
	(void)arg;
	for (;;)
		u_sleep_ms(5);
	return NULL;
}

UT_HELPER(threads_sleep)
{
	pthread_t a, b;

	pthread_create(&a, NULL, busy_sleeper, NULL);
	pthread_create(&b, NULL, busy_sleeper, NULL);
	for (;;)
		u_sleep_ms(5);
	return 1;
}

static void *churn(void *arg)
{
	for (;;) {
		pthread_t t;
		if (pthread_create(&t, NULL, arg, NULL) == 0)
			pthread_join(t, NULL);
	}
	return NULL;
}

static void *nothing(void *arg)
{
	return arg;
}

/* Threads that keep creating threads; one of them ends the process. */
UT_HELPER(exit_while_churning)
{
	pthread_t t;

	for (int i = 0; i < 4; i++)
		pthread_create(&t, NULL, churn, nothing);
	pthread_create(&t, NULL, exit_7, NULL);
	churn(nothing);
	return 1;
}

UT_HELPER(churn_forever)
{
	pthread_t t;

	for (int i = 0; i < 4; i++)
		pthread_create(&t, NULL, churn, nothing);
	churn(nothing);
	return 1;
}

/* Two threads exec at once: one wins, the process keeps its pid. */
UT_HELPER(exec_race)
{
	pthread_t a, b;

	pthread_create(&a, NULL, exec_self, NULL);
	pthread_create(&b, NULL, exec_self, NULL);
	for (;;)
		pause();
	return 1;
}

/* The leader is gone (pthread_exit) when another thread execs. */
UT_HELPER(exec_after_main_exit)
{
	pthread_t b;

	pthread_create(&b, NULL, exec_self, NULL);
	pthread_exit(NULL);
}

/* ---- create, join, ids ---- */

struct ids {
	pid_t pid, tid, ppid;
};

static void *get_ids(void *arg)
{
	struct ids *r = arg;

	r->pid = getpid();
	r->tid = tid();
	r->ppid = getppid();
	return (void *)(long)(r->tid & 0xffff);
}

UT_CASE(thread_create_join_ids, 10)
{
	pthread_t t[4];
	struct ids r[4];
	void *ret;

	for (int i = 0; i < 4; i++)
		UT_EQ(pthread_create(&t[i], NULL, get_ids, &r[i]), 0);
	for (int i = 0; i < 4; i++) {
		UT_EQ(pthread_join(t[i], &ret), 0);
		UT_EQ(r[i].pid, getpid());
		UT_EQ(r[i].ppid, getppid());
		UT_CHECK(r[i].tid != getpid());
		UT_EQ((long)ret, r[i].tid & 0xffff);
		for (int j = 0; j < i; j++)
			UT_CHECK(r[i].tid != r[j].tid);
	}
	UT_EQ(tid(), getpid());
}

static volatile int detached_ran;

static void *detached(void *arg)
{
	(void)arg;
	detached_ran = 1;
	pthread_exit(NULL);
}

UT_CASE(thread_detach_and_exit, 10)
{
	pthread_t t;

	UT_EQ(pthread_create(&t, NULL, detached, NULL), 0);
	UT_EQ(pthread_detach(t), 0);
	UT_CHECK(wait_flag(&detached_ran, 5000));
	u_sleep_ms(20); /* let it finish exiting before the leak check */
}

/* ---- mutexes and condition variables ---- */

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static long counter;
static int go, waiting;

static void *add_many(void *arg)
{
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&lock);
		long v = counter;
		if ((i & 63) == 0)
			sched_yield(); /* holding the lock: others must block */
		counter = v + 1;
		pthread_mutex_unlock(&lock);
	}
	return arg;
}

UT_CASE(thread_mutex_counter, 30)
{
	pthread_t t[6];

	for (int i = 0; i < 6; i++)
		UT_EQ(pthread_create(&t[i], NULL, add_many, NULL), 0);
	for (int i = 0; i < 6; i++)
		UT_EQ(pthread_join(t[i], NULL), 0);
	UT_EQ(counter, 6 * 2000);
}

static void *wait_go(void *arg)
{
	pthread_mutex_lock(&lock);
	waiting++;
	while (!go)
		pthread_cond_wait(&cond, &lock);
	waiting--;
	pthread_mutex_unlock(&lock);
	return arg;
}

UT_CASE(thread_condvar_broadcast, 20)
{
	pthread_t t[8];
	int n;

	for (int i = 0; i < 8; i++)
		UT_EQ(pthread_create(&t[i], NULL, wait_go, NULL), 0);
	for (int i = 0; i < 5000; i++) {
		pthread_mutex_lock(&lock);
		n = waiting;
		pthread_mutex_unlock(&lock);
		if (n == 8)
			break;
		u_sleep_ms(1);
	}
	UT_EQ(n, 8);
	pthread_mutex_lock(&lock);
	go = 1;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < 8; i++)
		UT_EQ(pthread_join(t[i], NULL), 0);
	UT_EQ(waiting, 0);
}

UT_CASE(thread_many_create_join, 60)
{
	for (int round = 0; round < 3; round++) {
		pthread_t t[50];
		struct ids r[50];
		for (int i = 0; i < 50; i++)
			if (!UT_EQ(pthread_create(&t[i], NULL, get_ids, &r[i]), 0))
				return;
		for (int i = 0; i < 50; i++)
			UT_EQ(pthread_join(t[i], NULL), 0);
	}
}

/* ---- signals ---- */

static volatile pid_t handler_tid;

static void record_tid(int sig)
{
	(void)sig;
	handler_tid = tid();
}

static volatile int stop_spin;
static volatile pid_t spinner_tid;

static void *spin(void *arg)
{
	spinner_tid = tid();
	while (!stop_spin)
		u_sleep_ms(1);
	return arg;
}

UT_CASE(thread_pthread_kill_targets_thread, 10)
{
	pthread_t t;

	signal(SIGUSR1, record_tid);
	UT_EQ(pthread_create(&t, NULL, spin, NULL), 0);
	UT_CHECK(wait_flag((volatile int *)&spinner_tid, 5000));
	UT_EQ(pthread_kill(t, SIGUSR1), 0);
	UT_CHECK(wait_flag((volatile int *)&handler_tid, 5000));
	UT_EQ(handler_tid, spinner_tid);
	stop_spin = 1;
	UT_EQ(pthread_join(t, NULL), 0);
	UT_EQ(syscall(SYS_tgkill, getpid(), 999999, SIGUSR1), -1);
}

static void *unblock_and_spin(void *arg)
{
	sigset_t s;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	return spin(arg);
}

UT_CASE(thread_kill_process_goes_to_unblocked_thread, 10)
{
	pthread_t a, b;
	sigset_t s;

	signal(SIGUSR1, record_tid);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL); /* inherited by a, undone in b */
	UT_EQ(pthread_create(&a, NULL, spin, NULL), 0);
	UT_CHECK(wait_flag((volatile int *)&spinner_tid, 5000));
	pid_t a_tid = spinner_tid;
	spinner_tid = 0;
	UT_EQ(pthread_create(&b, NULL, unblock_and_spin, NULL), 0);
	UT_CHECK(wait_flag((volatile int *)&spinner_tid, 5000));
	UT_OK(kill(getpid(), SIGUSR1));
	UT_CHECK(wait_flag((volatile int *)&handler_tid, 5000));
	UT_EQ(handler_tid, spinner_tid);
	UT_CHECK(handler_tid != a_tid && handler_tid != getpid());
	stop_spin = 1;
	UT_EQ(pthread_join(a, NULL), 0);
	UT_EQ(pthread_join(b, NULL), 0);
}

static volatile int may_unblock;

static void *unblock_later(void *arg)
{
	sigset_t s;

	spinner_tid = tid();
	while (!may_unblock)
		u_sleep_ms(1);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL); /* takes the process's signal */
	while (!stop_spin)
		u_sleep_ms(1);
	return arg;
}

UT_CASE(thread_signal_blocked_by_all_waits_for_a_thread, 10)
{
	pthread_t t;
	sigset_t s, pend;

	signal(SIGUSR1, record_tid);
	sigemptyset(&s);
	sigaddset(&s, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	UT_EQ(pthread_create(&t, NULL, unblock_later, NULL), 0);
	UT_CHECK(wait_flag((volatile int *)&spinner_tid, 5000));
	UT_OK(kill(getpid(), SIGUSR1));
	u_sleep_ms(20);
	UT_EQ(handler_tid, 0);
	sigpending(&pend);
	UT_CHECK(sigismember(&pend, SIGUSR1));
	may_unblock = 1;
	UT_CHECK(wait_flag((volatile int *)&handler_tid, 5000));
	UT_EQ(handler_tid, spinner_tid);
	sigpending(&pend);
	UT_CHECK(!sigismember(&pend, SIGUSR1));
	stop_spin = 1;
	UT_EQ(pthread_join(t, NULL), 0);
}

static void *do_sigwait(void *arg)
{
	(void)arg;
	sigset_t s;
	int sig = 0;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	sigwait(&s, &sig);
	return (void *)(long)sig;
}

UT_CASE(thread_sigwait_gets_process_signal, 10)
{
	pthread_t t;
	sigset_t s;
	void *ret;

	sigemptyset(&s);
	sigaddset(&s, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	UT_EQ(pthread_create(&t, NULL, do_sigwait, NULL), 0);
	u_sleep_ms(50);
	UT_OK(kill(getpid(), SIGUSR2));
	UT_EQ(pthread_join(t, &ret), 0);
	UT_EQ((long)ret, SIGUSR2);
	/* Sent before anyone waits: it waits for the process's sigwait. */
	UT_OK(kill(getpid(), SIGUSR2));
	UT_EQ(pthread_create(&t, NULL, do_sigwait, NULL), 0);
	UT_EQ(pthread_join(t, &ret), 0);
	UT_EQ((long)ret, SIGUSR2);
}

UT_CASE(thread_exit_group_from_thread, 10)
{
	UT_EXITED(ut_run_helper("exit_in_thread"), 7);
}

UT_CASE(thread_exit_group_while_churning, 30)
{
	/* Enough rounds that the kernel's caches reach the churn's peak
	 * during the first run of the case (the runner's leak check). */
	for (int i = 0; i < 15; i++)
		UT_EXITED(ut_run_helper("exit_while_churning"), 7);
}

UT_CASE(thread_sigkill_while_churning, 30)
{
	for (int i = 0; i < 5; i++) {
		pid_t pid = ut_spawn_helper(NULL, "churn_forever");
		u_sleep_ms(30 + 10 * i);
		UT_OK(kill(pid, SIGKILL));
		UT_SIGNALED(ut_wait(pid), SIGKILL);
	}
}

UT_CASE(thread_execve_races, 30)
{
	for (int i = 0; i < 3; i++) {
		UT_EXITED(ut_run_helper("exec_race"), 0);
		UT_EXITED(ut_run_helper("exec_after_main_exit"), 0);
	}
}

UT_CASE(thread_fault_kills_process, 10)
{
	UT_SIGNALED(ut_run_helper("segv_in_thread"), SIGSEGV);
}

UT_CASE(thread_main_pthread_exit_waits_for_others, 10)
{
	pid_t pid = ut_spawn_helper(NULL, "main_pthread_exit");
	int st = 0;

	u_sleep_ms(100);
	UT_EQ(waitpid(pid, &st, WNOHANG), 0); /* the process is still alive */
	UT_EXITED(ut_wait(pid), 0);
}

UT_CASE(thread_execve_from_thread, 10)
{
	UT_EXITED(ut_run_helper("exec_in_thread"), 0);
}

UT_CASE(thread_stop_continue_kill, 20)
{
	pid_t pid = ut_spawn_helper(NULL, "threads_sleep");
	int st = 0;

	u_sleep_ms(50);
	UT_OK(kill(pid, SIGSTOP));
	UT_EQ(waitpid(pid, &st, WUNTRACED), pid);
	UT_CHECK(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP);
	UT_OK(kill(pid, SIGCONT));
	UT_EQ(waitpid(pid, &st, WCONTINUED), pid);
	UT_CHECK(WIFCONTINUED(st));
	UT_OK(kill(pid, SIGKILL));
	UT_SIGNALED(ut_wait(pid), SIGKILL);
}

/* ---- fork and wait with threads ---- */

static void *fork_and_wait(void *arg)
{
	pid_t pid = fork();

	(void)arg;
	if (pid == 0) {
		pthread_t t;
		struct ids r;
		/* Only the forking thread lives on; a new thread still works. */
		if (pthread_create(&t, NULL, get_ids, &r) || pthread_join(t, NULL))
			_exit(1);
		_exit(r.pid == getpid() ? 9 : 2);
	}
	int st = 0;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return (void *)-1L;
	return (void *)(long)st;
}

UT_CASE(thread_fork_from_thread, 10)
{
	pthread_t a, t;
	void *st;

	stop_spin = 0;
	UT_EQ(pthread_create(&a, NULL, spin, NULL), 0);
	UT_EQ(pthread_create(&t, NULL, fork_and_wait, NULL), 0);
	UT_EQ(pthread_join(t, &st), 0);
	UT_EXITED((int)(long)st, 9);
	stop_spin = 1;
	UT_EQ(pthread_join(a, NULL), 0);
}

static void *wait_any(void *arg)
{
	int st = 0;
	pid_t r = waitpid(*(pid_t *)arg, &st, 0);

	return (void *)(long)(r == *(pid_t *)arg ? st : -1);
}

UT_CASE(thread_waits_for_main_threads_child, 10)
{
	pid_t pid = fork();
	pthread_t t;
	void *st;

	if (pid == 0) {
		u_sleep_ms(30);
		_exit(4);
	}
	UT_CHECK(pid > 0);
	UT_EQ(pthread_create(&t, NULL, wait_any, &pid), 0);
	UT_EQ(pthread_join(t, &st), 0);
	UT_EXITED((int)(long)st, 4);
}

static void *spawn_echo(void *arg)
{
	char path[PATH_MAX];

	(void)arg;
	u_fmt(path, sizeof(path), "%s/utest_echo", ut_bindir);
	int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	pid_t pid = u_spawn(path, (char *[]){ path, NULL }, environ, (int[3]){ -1, null, -1 });
	int st = 0;
	close(null);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return (void *)-1L;
	return (void *)(long)st;
}

UT_CASE(thread_posix_spawn_from_thread, 10)
{
	pthread_t a, t;
	void *st;

	stop_spin = 0;
	UT_EQ(pthread_create(&a, NULL, spin, NULL), 0);
	UT_EQ(pthread_create(&t, NULL, spawn_echo, NULL), 0);
	UT_EQ(pthread_join(t, &st), 0);
	UT_EXITED((int)(long)st, 0);
	stop_spin = 1;
	UT_EQ(pthread_join(a, NULL), 0);
}

UT_CASE(thread_clone_flag_rules, 10)
{
	/* CLONE_THREAD needs CLONE_SIGHAND, which needs CLONE_VM. */
	UT_ERR(syscall(SYS_clone, 0x00010000UL | SIGCHLD, 0, 0, 0, 0), EINVAL);
	UT_ERR(syscall(SYS_clone, 0x00010000UL | 0x00000800UL, 0, 0, 0, 0), EINVAL);
	UT_ERR(syscall(SYS_clone, 0x00000800UL | SIGCHLD, 0, 0, 0, 0), EINVAL);
}

/* ---- /proc ---- */

static volatile pid_t seen_self;

static void *read_self(void *arg)
{
	char buf[32] = "";

	if (readlink("/proc/self", buf, sizeof(buf) - 1) > 0)
		seen_self = atoi(buf);
	spinner_tid = tid();
	while (!stop_spin)
		u_sleep_ms(1);
	return arg;
}

UT_CASE(thread_procfs_lists_processes, 10)
{
	pthread_t t;
	char path[64];
	bool found_pid = false, found_tid = false;

	stop_spin = 0;
	UT_EQ(pthread_create(&t, NULL, read_self, NULL), 0);
	UT_CHECK(wait_flag((volatile int *)&spinner_tid, 5000));
	UT_EQ(seen_self, getpid());
	DIR *d = opendir("/proc");
	UT_CHECK(d != NULL);
	for (struct dirent *de; d && (de = readdir(d));) {
		found_pid |= atoi(de->d_name) == getpid();
		found_tid |= atoi(de->d_name) == spinner_tid;
	}
	if (d)
		closedir(d);
	UT_CHECK(found_pid);
	UT_CHECK(!found_tid);
	u_fmt(path, sizeof(path), "/proc/%d/status", (int)getpid());
	UT_CHECK(access(path, R_OK) == 0);
	/* /proc/<pid>/task has one directory per thread. */
	u_fmt(path, sizeof(path), "/proc/%d/task", (int)getpid());
	found_pid = found_tid = false;
	d = opendir(path);
	UT_CHECK(d != NULL);
	for (struct dirent *de; d && (de = readdir(d));) {
		found_pid |= atoi(de->d_name) == getpid();
		found_tid |= atoi(de->d_name) == spinner_tid;
	}
	if (d)
		closedir(d);
	UT_CHECK(found_pid && found_tid);
	char buf[2048];
	u_fmt(path, sizeof(path), "/proc/%d/status", (int)getpid());
	int fd = open(path, O_RDONLY);
	long n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = 0;
	UT_CHECK(strstr(buf, "\nThreads:\t2\n") != NULL);
	u_fmt(path, sizeof(path), "/proc/%d/task/%d/stat", (int)getpid(), (int)spinner_tid);
	UT_CHECK(access(path, R_OK) == 0);
	u_fmt(path, sizeof(path), "/proc/%d/task/%d", (int)getpid(), (int)getppid());
	UT_CHECK(access(path, F_OK) != 0);
	stop_spin = 1;
	UT_EQ(pthread_join(t, NULL), 0);
}

/* ---- futex(2) ---- */

UT_CASE(futex_errors, 10)
{
	static int word = 1;
	struct timespec ts = { 0, 20 * 1000000 }, bad = { 0, 1000000000 };

	UT_ERR(futex(&word, FUTEX_WAIT_PRIVATE, 2, NULL, NULL, 0), EAGAIN);
	UT_ERR(futex(&word, FUTEX_WAIT_PRIVATE, 1, &ts, NULL, 0), ETIMEDOUT);
	UT_ERR(futex(&word, FUTEX_WAIT, 1, &ts, NULL, 0), ETIMEDOUT);
	UT_ERR(futex((int *)8, FUTEX_WAIT, 1, NULL, NULL, 0), EFAULT);
	UT_ERR(futex((int *)((char *)&word + 1), FUTEX_WAIT, 1, NULL, NULL, 0), EINVAL);
	UT_ERR(futex(&word, FUTEX_WAIT, 1, &bad, NULL, 0), EINVAL);
	UT_ERR(futex(&word, FUTEX_WAIT_BITSET, 1, NULL, NULL, 0), EINVAL);
	UT_ERR(futex(&word, FUTEX_CMP_REQUEUE, 1, (void *)1, &word, 5), EAGAIN);
	UT_ERR(futex(&word, 99, 1, NULL, NULL, 0), ENOSYS);
	UT_EQ(futex(&word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0), 0);
}

UT_CASE(futex_wait_bitset_absolute_timeout, 10)
{
	static int word;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	now.tv_nsec += 20 * 1000000;
	if (now.tv_nsec >= 1000000000) {
		now.tv_sec++;
		now.tv_nsec -= 1000000000;
	}
	UT_ERR(futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &now, NULL, FUTEX_BITSET_MATCH_ANY),
	       ETIMEDOUT);
	clock_gettime(CLOCK_REALTIME, &now);
	now.tv_sec -= 1; /* already past */
	UT_ERR(futex(&word, FUTEX_WAIT_BITSET_PRIVATE | FUTEX_CLOCK_REALTIME, 0, &now, NULL,
		     FUTEX_BITSET_MATCH_ANY),
	       ETIMEDOUT);
}

static volatile int fword, fword2, fwaiting;

static void *futex_waiter(void *arg)
{
	__atomic_add_fetch(&fwaiting, 1, __ATOMIC_SEQ_CST);
	while (fword == 0)
		futex(&fword, FUTEX_WAIT_PRIVATE, 0, NULL, NULL, 0);
	return arg;
}

UT_CASE(futex_wake_and_requeue, 20)
{
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		UT_EQ(pthread_create(&t[i], NULL, futex_waiter, NULL), 0);
	while (fwaiting < 4)
		u_sleep_ms(1);
	u_sleep_ms(50); /* all four asleep in FUTEX_WAIT */
	/* Wake one, move two to fword2, leave one. */
	fword = 1;
	UT_EQ(futex(&fword, FUTEX_CMP_REQUEUE_PRIVATE, 1, (void *)2, &fword2, 1), 3);
	UT_EQ(futex(&fword, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0), 1);
	UT_EQ(futex(&fword2, FUTEX_WAKE_PRIVATE, 10, NULL, NULL, 0), 2);
	for (int i = 0; i < 4; i++)
		UT_EQ(pthread_join(t[i], NULL), 0);
}

UT_CASE(futex_shared_across_fork, 10)
{
	int *w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int st = 0;

	UT_CHECK(w != MAP_FAILED);
	w[0] = 0;
	w[1] = 0;
	pid_t pid = fork();
	if (pid == 0) {
		__atomic_store_n(&w[1], 1, __ATOMIC_SEQ_CST);
		while (__atomic_load_n(&w[0], __ATOMIC_SEQ_CST) == 0)
			futex(&w[0], FUTEX_WAIT, 0, NULL, NULL, 0);
		_exit(3);
	}
	while (!__atomic_load_n(&w[1], __ATOMIC_SEQ_CST))
		u_sleep_ms(1);
	u_sleep_ms(50);
	__atomic_store_n(&w[0], 1, __ATOMIC_SEQ_CST);
	UT_EQ(futex(&w[0], FUTEX_WAKE, 1, NULL, NULL, 0), 1);
	UT_EQ(waitpid(pid, &st, 0), pid);
	UT_EXITED(st, 3);
	munmap(w, 4096);
}

UT_MAIN()

/* sys_time.c: clocks, sleeps and interval timers. */
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/syscalls.h"
#include "kernel/uaccess.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/task.h"

#define NS 1000000000ULL
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define TIMER_ABSTIME 1
#define ITIMER_REAL 0

struct timespec_k {
	int64_t sec, nsec;
};
struct timeval_k {
	int64_t sec, usec;
};
struct itimerval_k {
	struct timeval_k interval, value;
};

/* The clock's current value in ns, or -EINVAL for an unknown clock. */
static int64_t clock_read(int clk)
{
	struct task *t = proc_current();

	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
		return (int64_t)clock_realtime_ns();
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
		return (int64_t)clock_monotonic_ns();
	case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID:
		return (int64_t)((t->utime_ticks + t->stime_ticks) * (NS / HZ));
	}
	return -EINVAL;
}

static int put_ts(uint64_t ns, uintptr_t uts)
{
	struct timespec_k ts = { (int64_t)(ns / NS), (int64_t)(ns % NS) };

	return copy_to_user(uts, &ts, sizeof(ts));
}

/* Read a timespec and check it; the value in ns through *ns. */
static int get_ts(uintptr_t uts, uint64_t *ns)
{
	struct timespec_k ts;

	if (copy_from_user(&ts, uts, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NS)
		return -EINVAL;
	*ns = (uint64_t)ts.sec > UINT64_MAX / NS / 2 ? UINT64_MAX / 2
						    : (uint64_t)ts.sec * NS + (uint64_t)ts.nsec;
	return 0;
}

long sys_clock_gettime(int clk, uintptr_t uts)
{
	int64_t ns = clock_read(clk);

	if (ns < 0)
		return ns;
	return put_ts((uint64_t)ns, uts);
}

long sys_clock_getres(int clk, uintptr_t uts)
{
	if (clock_read(clk) < 0)
		return -EINVAL;
	return uts ? put_ts(1000, uts) : 0; /* the PIT counts in ~838 ns steps */
}

long sys_clock_settime(int clk, uintptr_t uts)
{
	uint64_t ns;
	int err;

	if (clk != CLOCK_REALTIME)
		return -EINVAL;
	if (proc_current()->cred.euid != 0)
		return -EPERM;
	if ((err = get_ts(uts, &ns)))
		return err;
	clock_set_realtime_ns(ns);
	return 0;
}

long sys_gettimeofday(uintptr_t utv, uintptr_t utz)
{
	uint64_t ns = clock_realtime_ns();
	struct timeval_k tv = { (int64_t)(ns / NS), (int64_t)(ns % NS / 1000) };
	int32_t tz[2] = { 0, 0 };

	if (utv && copy_to_user(utv, &tv, sizeof(tv)))
		return -EFAULT;
	if (utz && copy_to_user(utz, tz, sizeof(tz)))
		return -EFAULT;
	return 0;
}

long sys_settimeofday(uintptr_t utv, uintptr_t utz)
{
	struct timeval_k tv;

	if (proc_current()->cred.euid != 0)
		return -EPERM;
	if (!utv)
		return 0;
	if (copy_from_user(&tv, utv, sizeof(tv)))
		return -EFAULT;
	if (tv.sec < 0 || tv.usec < 0 || tv.usec >= 1000000)
		return -EINVAL;
	clock_set_realtime_ns((uint64_t)tv.sec * NS + (uint64_t)tv.usec * 1000);
	return 0;
}

long sys_time(uintptr_t ut)
{
	int64_t s = (int64_t)(clock_realtime_ns() / NS);

	if (ut && put_user(s, ut))
		return -EFAULT;
	return s;
}

/* Sleep until deadline on the monotonic clock; on a signal, store the time
 * left in urem (relative sleeps) and ask for EINTR. */
static long sleep_until(uint64_t deadline, uintptr_t urem)
{
	uint64_t now;

	if (!sched_sleep_until(deadline))
		return 0;
	now = clock_monotonic_ns();
	if (urem && put_ts(deadline > now ? deadline - now : 0, urem))
		return -EFAULT;
	return -EINTR;
}

long sys_nanosleep(uintptr_t ureq, uintptr_t urem)
{
	uint64_t ns;
	int err;

	if ((err = get_ts(ureq, &ns)))
		return err;
	return sleep_until(clock_monotonic_ns() + ns, urem);
}

long sys_clock_nanosleep(int clk, int flags, uintptr_t ureq, uintptr_t urem)
{
	int64_t now = clock_read(clk);
	uint64_t ns, deadline;
	int err;

	if (now < 0 || clk == CLOCK_THREAD_CPUTIME_ID)
		return -EINVAL;
	if ((err = get_ts(ureq, &ns)))
		return err;
	if (flags & TIMER_ABSTIME) {
		deadline = ns > (uint64_t)now ? clock_monotonic_ns() + (ns - (uint64_t)now)
					      : clock_monotonic_ns();
		urem = 0;
	} else {
		deadline = clock_monotonic_ns() + ns;
	}
	return sleep_until(deadline, urem);
}

/* ---- ITIMER_REAL and alarm: checked from the timer tick ---- */

static int itimers_armed;

void itimer_tick(void)
{
	uint64_t now;
	struct list_head *pos;

	if (!itimers_armed)
		return;
	now = clock_monotonic_ns();
	list_for_each(pos, &task_list) {
		struct task *t = list_entry(pos, struct task, all);
		if (!t->itimer_real_deadline_ns || t->itimer_real_deadline_ns > now)
			continue;
		proc_send_signal(t, SIGALRM);
		t->itimer_real_deadline_ns = t->itimer_real_interval_ns
						     ? now + t->itimer_real_interval_ns
						     : 0;
		if (!t->itimer_real_deadline_ns)
			itimers_armed--;
	}
}

/* Arm (value 0 disarms) the real timer; returns the old remaining ns. */
static uint64_t itimer_set(struct task *t, uint64_t value, uint64_t interval)
{
	uint64_t now = clock_monotonic_ns(), old = 0;
	uint64_t f = irq_save();

	if (t->itimer_real_deadline_ns) {
		old = t->itimer_real_deadline_ns > now ? t->itimer_real_deadline_ns - now : 1;
		itimers_armed--;
	}
	t->itimer_real_deadline_ns = value ? now + value : 0;
	t->itimer_real_interval_ns = interval;
	if (value)
		itimers_armed++;
	irq_restore(f);
	return old;
}

long sys_alarm(unsigned seconds)
{
	uint64_t old = itimer_set(proc_current(), (uint64_t)seconds * NS, 0);

	return (long)((old + NS / 2) / NS) + (old && old < NS / 2);
}

static int get_tv(const struct timeval_k *tv, uint64_t *ns)
{
	if (tv->sec < 0 || tv->usec < 0 || tv->usec >= 1000000)
		return -EINVAL;
	*ns = (uint64_t)tv->sec * NS + (uint64_t)tv->usec * 1000;
	return 0;
}

static struct timeval_k ns_to_tv(uint64_t ns)
{
	struct timeval_k tv = { (int64_t)(ns / NS), (int64_t)(ns % NS / 1000) };

	return tv;
}

long sys_getitimer(int which, uintptr_t ucur)
{
	struct task *t = proc_current();
	uint64_t now = clock_monotonic_ns(), left = 0;
	struct itimerval_k v;

	if (which != ITIMER_REAL)
		return which >= 0 && which <= 2 ? -ENOSYS : -EINVAL;
	if (t->itimer_real_deadline_ns)
		left = t->itimer_real_deadline_ns > now ? t->itimer_real_deadline_ns - now : 1000;
	v.interval = ns_to_tv(t->itimer_real_interval_ns);
	v.value = ns_to_tv(left);
	return copy_to_user(ucur, &v, sizeof(v)) ? -EFAULT : 0;
}

long sys_setitimer(int which, uintptr_t unv, uintptr_t uov)
{
	struct itimerval_k nv = { { 0, 0 }, { 0, 0 } };
	uint64_t value, interval;
	long err;

	if (which != ITIMER_REAL)
		return which >= 0 && which <= 2 ? -ENOSYS : -EINVAL;
	if (unv && copy_from_user(&nv, unv, sizeof(nv)))
		return -EFAULT;
	if ((err = get_tv(&nv.value, &value)) || (err = get_tv(&nv.interval, &interval)))
		return err;
	if (uov && (err = sys_getitimer(which, uov)))
		return err;
	itimer_set(proc_current(), value, interval);
	return 0;
}

void itimer_cancel(struct task *t)
{
	itimer_set(t, 0, 0);
}

/* futex.c: futex(2), the sleep/wake primitive under pthread mutexes,
 * condition variables and pthread_join.
 *
 * Theory of operation.
 * A waiter is a struct futex_waiter on the sleeping task's kernel stack,
 * linked on one global list while it waits. It names the word it waits on
 * by a key:
 *   private  (address space, user address): FUTEX_PRIVATE_FLAG, or a word
 *            in private memory;
 *   shared   (0, physical address) for a word in a MAP_SHARED mapping, so
 *            processes sharing the frame meet on it.
 * States of a waiter: queued (on the list, woken false) -> woken (taken off
 * the list by a waker, woken true) or gone (the waiter took itself off after
 * a timeout or a signal). Only the waker or the waiter itself unlinks it,
 * and the waiter leaves only after unlinking, so the list never points at a
 * dead stack. Requeue changes a queued waiter's key in place.
 * Lock rule: one CPU and a non-preemptive kernel: reading the user word and
 * queueing the waiter happen with no switch in between, so a wake cannot
 * fall between the value check and the sleep (Linux's hash-bucket lock).
 * No frame references are held: a key is only compared, never followed.
 * Not implemented (ENOSYS, logged once): FUTEX_WAKE_OP and the PI ops. */
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/uaccess.h"
#include "mm/as.h"
#include "mm/vmm.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/thread.h"

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_BITSET_ALL 0xFFFFFFFFu
#define NSEC 1000000000ULL

struct futex_key {
	uintptr_t space; /* the struct as, or 0 for a shared (physical) key */
	uintptr_t addr;
};

struct futex_waiter {
	struct list_head link;
	struct futex_key key;
	uint32_t bitset;
	bool woken;
	struct waitq wq;
};

static struct list_head waiters = LIST_HEAD_INIT(waiters);

static bool key_eq(const struct futex_key *a, const struct futex_key *b)
{
	return a->space == b->space && a->addr == b->addr;
}

/* The key of the word at uaddr. Shared keys need the page present, so
 * they read the word first (faulting it in). Returns 0, -EINVAL when
 * misaligned, -EFAULT when unmapped. */
static int get_key(uintptr_t uaddr, bool private, struct futex_key *k)
{
	struct as *as = proc_current()->as;
	struct vma *v;
	uint32_t val;
	paddr_t pa;

	if (uaddr & 3)
		return -EINVAL;
	k->space = (uintptr_t)as;
	k->addr = uaddr;
	if (private)
		return 0;
	if (get_user(val, uaddr))
		return -EFAULT;
	v = as_find_vma(as, uaddr);
	if (!v || !(v->flags & VMA_SHARED))
		return 0;
	if (!vmm_translate(as->pml4, uaddr, &pa, NULL))
		return -EFAULT;
	k->space = 0;
	k->addr = pa;
	return 0;
}

/* Wake up to n waiters on k whose bitset meets bitset (at least one, as
 * Linux does for n <= 0). Returns the number woken. */
static int wake_key(const struct futex_key *k, int n, uint32_t bitset)
{
	struct list_head *pos, *next;
	int woken = 0;

	list_for_each_safe(pos, next, &waiters) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);
		if (!key_eq(&w->key, k) || !(w->bitset & bitset))
			continue;
		list_del(&w->link);
		w->woken = true;
		waitq_wake_all(&w->wq);
		if (++woken >= n)
			break;
	}
	return woken;
}

int futex_wake_addr(uintptr_t uaddr, int n)
{
	struct futex_key k;

	if (get_key(uaddr, false, &k))
		return 0;
	return wake_key(&k, n, FUTEX_BITSET_ALL);
}

/* Sleep on uaddr while it holds val, until woken, the monotonic deadline
 * (0: none) or a signal. Returns 0, -EAGAIN, -ETIMEDOUT, -EINTR or
 * -ERESTARTSYS (untimed waits restart), -EFAULT, -EINVAL. */
static int futex_wait(uintptr_t uaddr, bool private, uint32_t val, uint64_t deadline,
		      uint32_t bitset)
{
	struct futex_waiter w = { .bitset = bitset };
	uint32_t cur;
	int err;

	if (!bitset)
		return -EINVAL;
	if ((err = get_key(uaddr, private, &w.key)))
		return err;
	if (get_user(cur, uaddr))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	waitq_init(&w.wq);
	list_add_tail(&w.link, &waiters);
	err = WAIT_EVENT_DEADLINE(&w.wq, w.woken, deadline);
	if (w.woken)
		return 0;
	list_del(&w.link);
	if (err == -ERESTARTSYS && deadline)
		return -EINTR;
	return err;
}

/* Wake nr_wake waiters on uaddr and move up to nr_requeue more to uaddr2;
 * with cmp, only if *uaddr == cmpval (else -EAGAIN). Returns how many were
 * woken or moved. */
static long futex_requeue(uintptr_t uaddr, uintptr_t uaddr2, bool private, int nr_wake,
			  int nr_requeue, bool cmp, uint32_t cmpval)
{
	struct futex_key k1, k2;
	struct list_head *pos, *next;
	uint32_t cur;
	long done;
	int err;

	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	if ((err = get_key(uaddr, private, &k1)) || (err = get_key(uaddr2, private, &k2)))
		return err;
	if (cmp && get_user(cur, uaddr))
		return -EFAULT;
	if (cmp && cur != cmpval)
		return -EAGAIN;
	done = nr_wake ? wake_key(&k1, nr_wake, FUTEX_BITSET_ALL) : 0;
	list_for_each_safe(pos, next, &waiters) {
		struct futex_waiter *w = list_entry(pos, struct futex_waiter, link);
		if (nr_requeue <= 0)
			break;
		if (!key_eq(&w->key, &k1))
			continue;
		w->key = k2;
		nr_requeue--;
		done++;
	}
	return done;
}

/* The deadline (monotonic ns, never 0) for the timeout at utime: relative
 * for FUTEX_WAIT, absolute on the chosen clock for FUTEX_WAIT_BITSET. */
static int get_deadline(uintptr_t utime, bool absolute, bool realtime, uint64_t *out)
{
	struct { int64_t sec, nsec; } ts;
	uint64_t now = clock_monotonic_ns(), t;

	*out = 0;
	if (!utime)
		return 0;
	if (copy_from_user(&ts, utime, sizeof(ts)))
		return -EFAULT;
	if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= (int64_t)NSEC)
		return -EINVAL;
	if ((uint64_t)ts.sec > (UINT64_MAX / 4) / NSEC)
		t = UINT64_MAX / 4; /* far enough to be never */
	else
		t = (uint64_t)ts.sec * NSEC + (uint64_t)ts.nsec;
	if (!absolute)
		t += now;
	else if (realtime)
		t = t > clock_realtime_ns() ? t - clock_realtime_ns() + now : now;
	*out = t ? t : 1;
	return 0;
}

/* Log an op this kernel leaves out, once per op. */
static long futex_unsupported(int cmd)
{
	static uint64_t logged;

	if (cmd < 64 && !(logged & (1ULL << cmd))) {
		logged |= 1ULL << cmd;
		kprintf("futex: op %d not implemented (ENOSYS)\n", cmd);
	}
	return -ENOSYS;
}

long sys_futex(uintptr_t uaddr, int op, uint32_t val, uintptr_t utime, uintptr_t uaddr2,
	       uint32_t val3)
{
	int cmd = op & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME);
	bool private = op & FUTEX_PRIVATE_FLAG, rt = op & FUTEX_CLOCK_REALTIME;
	uint64_t deadline;
	int err;

	if (rt && cmd != FUTEX_WAIT_BITSET)
		return -ENOSYS; /* Linux: CLOCK_REALTIME only where a time is absolute */
	switch (cmd) {
	case FUTEX_WAIT:
	case FUTEX_WAIT_BITSET:
		if ((err = get_deadline(utime, cmd == FUTEX_WAIT_BITSET, rt, &deadline)))
			return err;
		return futex_wait(uaddr, private, val, deadline,
				  cmd == FUTEX_WAIT ? FUTEX_BITSET_ALL : val3);
	case FUTEX_WAKE:
	case FUTEX_WAKE_BITSET: {
		struct futex_key k;
		uint32_t bits = cmd == FUTEX_WAKE ? FUTEX_BITSET_ALL : val3;
		if (!bits)
			return -EINVAL;
		if ((err = get_key(uaddr, private, &k)))
			return err;
		return wake_key(&k, (int)val, bits);
	}
	case FUTEX_REQUEUE:
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, uaddr2, private, (int)val, (int)utime,
				     cmd == FUTEX_CMP_REQUEUE, val3);
	default:
		return futex_unsupported(cmd);
	}
}

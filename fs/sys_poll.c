/* sys_poll.c: poll, ppoll, select, pselect6.
 *
 * One engine serves all four: scan every descriptor asking its file_ops->poll
 * for a mask, with interrupts off, while each poll registers the task on the
 * wait queues that could change its answer (poll_wait). If nothing is ready
 * and time remains, the task blocks (until a wake-up or the deadline) and
 * the scan repeats. Registering before the check, with interrupts off,
 * means a wake-up between check and sleep cannot be lost. Each pass holds a
 * reference on every file it polled until it has left their queues. */
#include "fs/fs_internal.h"
#include "fs/syscalls.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/uaccess.h"
#include "mm/kheap.h"
#include "proc/signal.h"
#include "proc/wait.h"

#define POLL_ENTRIES_PER_FD 2
#define NO_DEADLINE UINT64_MAX
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
#define POLLRDBAND 0x080
#define POLLWRBAND 0x200
#define POLLIN_SET (POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR)
#define POLLOUT_SET (POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR)
#define POLLEX_SET POLLPRI

struct poll_entry {
	struct waitq *wq;
	struct waitq_entry e;
};

struct pollfd_k {
	int fd;
	int16_t events, revents;
};
_Static_assert(sizeof(struct pollfd_k) == 8, "struct pollfd is 8 bytes");

void poll_wait(struct poll_table *pt, struct waitq *wq)
{
	if (!pt || pt->n >= pt->max)
		return;
	pt->entries[pt->n].wq = wq;
	waitq_prepare(wq, &pt->entries[pt->n].e);
	pt->n++;
}

static void poll_table_finish(struct poll_table *pt)
{
	for (int i = 0; i < pt->n; i++)
		waitq_finish(pt->entries[i].wq, &pt->entries[i].e);
	pt->n = 0;
}

/* One pass over fds; files[] receives the files polled (with references).
 * Returns how many have events. */
static int poll_scan(struct pollfd_k *fds, unsigned int n, struct file **files,
		     struct poll_table *pt)
{
	int ready = 0;

	for (unsigned int i = 0; i < n; i++) {
		unsigned int mask;

		files[i] = NULL;
		fds[i].revents = 0;
		if (fds[i].fd < 0)
			continue;
		files[i] = fd_get(fds[i].fd);
		if (!files[i])
			mask = POLLNVAL;
		else if (files[i]->ops && files[i]->ops->poll && !(files[i]->flags & O_PATH))
			mask = files[i]->ops->poll(files[i], pt);
		else
			mask = DEFAULT_POLLMASK;
		fds[i].revents = (int16_t)(mask & ((uint16_t)fds[i].events | POLLERR | POLLHUP |
						   POLLNVAL));
		if (fds[i].revents)
			ready++;
	}
	return ready;
}

/* Poll fds until one is ready, the deadline (monotonic ns) passes, or a
 * signal arrives. Returns the ready count, or -EINTR / -ENOMEM. */
static int do_poll(struct pollfd_k *fds, unsigned int n, uint64_t deadline)
{
	struct file **files = kmalloc((n ? n : 1) * sizeof(*files));
	struct poll_table pt = { kmalloc((n ? n : 1) * POLL_ENTRIES_PER_FD *
					 sizeof(struct poll_entry)),
				 0, (int)n * POLL_ENTRIES_PER_FD };
	int ready;

	if (!files || !pt.entries) {
		kfree(files);
		kfree(pt.entries);
		return -ENOMEM;
	}
	for (;;) {
		uint64_t fl = irq_save();
		bool expired = deadline != NO_DEADLINE && clock_monotonic_ns() >= deadline;

		ready = poll_scan(fds, n, files, expired ? NULL : &pt);
		if (!ready && !expired && proc_signal_pending())
			ready = -EINTR;
		else if (!ready && !expired && deadline == NO_DEADLINE)
			waitq_block();
		else if (!ready && !expired)
			waitq_block_until(deadline);
		poll_table_finish(&pt);
		irq_restore(fl);
		for (unsigned int i = 0; i < n; i++)
			file_unref(files[i]);
		if (ready || expired)
			break;
	}
	kfree(files);
	kfree(pt.entries);
	return ready;
}

/* now + the timeout; -EINVAL for a negative or malformed one. */
static int deadline_from(const struct ktimespec *ts, uint64_t *deadline)
{
	uint64_t now = clock_monotonic_ns(), ns;

	if (ts->sec < 0 || ts->nsec < 0 || ts->nsec >= 1000000000)
		return -EINVAL;
	if ((uint64_t)ts->sec > (NO_DEADLINE - now) / 1000000000 - 1) {
		*deadline = NO_DEADLINE;
		return 0;
	}
	ns = (uint64_t)ts->sec * 1000000000 + (uint64_t)ts->nsec;
	*deadline = now + ns;
	return 0;
}

/* The time left until deadline, for the timeout write-back. */
static struct ktimespec time_left(uint64_t deadline)
{
	uint64_t now = clock_monotonic_ns(), left = deadline > now ? deadline - now : 0;

	return (struct ktimespec){ (int64_t)(left / 1000000000), (int64_t)(left % 1000000000) };
}

static long poll_user(uintptr_t ufds, unsigned int nfds, uint64_t deadline)
{
	struct fdtable *t = cur_fdtable();
	struct pollfd_k *fds;
	long ret;

	if (nfds > (unsigned int)(t ? t->limit : NOFILE_DEFAULT))
		return -EINVAL;
	fds = kmalloc((nfds ? nfds : 1) * sizeof(*fds));
	if (!fds)
		return -ENOMEM;
	if (copy_from_user(fds, ufds, nfds * sizeof(*fds)))
		ret = -EFAULT;
	else
		ret = do_poll(fds, nfds, deadline);
	for (unsigned int i = 0; ret >= 0 && i < nfds; i++)
		if (put_user(fds[i].revents, ufds + i * sizeof(*fds) + 6))
			ret = -EFAULT;
	kfree(fds);
	return ret;
}

long sys_poll(uintptr_t fds, unsigned int nfds, int timeout_ms)
{
	uint64_t deadline = NO_DEADLINE;

	if (timeout_ms >= 0)
		deadline = clock_monotonic_ns() + (uint64_t)timeout_ms * 1000000;
	return poll_user(fds, nfds, deadline);
}

/* Install a user sigmask for the call (ppoll/pselect6). 0 or -errno;
 * *set tells whether one was installed. */
static int sigmask_enter(uintptr_t usig, size_t sigsetsize, bool *set)
{
	uint64_t mask;

	*set = false;
	if (!usig)
		return 0;
	if (sigsetsize != sizeof(uint64_t))
		return -EINVAL;
	if (get_user(mask, usig))
		return -EFAULT;
	proc_sigmask_set_temp(mask);
	*set = true;
	return 0;
}

long sys_ppoll(uintptr_t fds, unsigned int nfds, uintptr_t tsp, uintptr_t sigmask,
	       size_t sigsetsize)
{
	struct ktimespec ts;
	uint64_t deadline = NO_DEADLINE;
	bool masked;
	long ret;

	if (tsp && copy_from_user(&ts, tsp, sizeof(ts)))
		return -EFAULT;
	if (tsp && (ret = deadline_from(&ts, &deadline)))
		return ret;
	if ((ret = sigmask_enter(sigmask, sigsetsize, &masked)))
		return ret;
	ret = poll_user(fds, nfds, deadline);
	if (ret == -EINTR)
		ret = -ERESTARTNOHAND;
	if (masked)
		proc_sigmask_restore_temp(ret == -ERESTARTNOHAND);
	if (tsp && deadline != NO_DEADLINE) {
		ts = time_left(deadline);
		copy_to_user(tsp, &ts, sizeof(ts)); /* Linux ignores a failure here */
	}
	return ret;
}

/* --- select --- */

#define FDSET_WORDS(n) (((size_t)(n) + 63) / 64)

static bool bit_is_set(const uint64_t *set, int fd)
{
	return set && (set[fd / 64] >> (fd % 64)) & 1;
}

/* Turn the three sets into pollfds (only fds in some set), noting in
 * which[] the sets each came from; -EBADF if one of them is not open. */
static int sets_to_pollfds(int n, uint64_t *sets[3], struct pollfd_k *fds, uint8_t *which,
			   unsigned int *count)
{
	static const int16_t ev[3] = { POLLIN_SET, POLLOUT_SET, POLLEX_SET };
	struct file *f;

	*count = 0;
	for (int fd = 0; fd < n; fd++) {
		int16_t events = 0;
		uint8_t in = 0;

		for (int k = 0; k < 3; k++)
			if (bit_is_set(sets[k], fd)) {
				events |= ev[k];
				in |= (uint8_t)(1 << k);
			}
		if (!events)
			continue;
		if (!(f = fd_get(fd)))
			return -EBADF;
		file_unref(f);
		which[*count] = in;
		fds[(*count)++] = (struct pollfd_k){ fd, events, 0 };
	}
	return 0;
}

/* Rebuild the sets from the results; returns the number of bits set. */
static int pollfds_to_sets(int n, uint64_t *sets[3], const struct pollfd_k *fds,
			   const uint8_t *which, unsigned int count)
{
	static const int16_t ev[3] = { POLLIN_SET, POLLOUT_SET, POLLEX_SET };
	int bits = 0;

	for (int k = 0; k < 3; k++)
		if (sets[k])
			memset(sets[k], 0, FDSET_WORDS(n) * 8);
	for (unsigned int i = 0; i < count; i++)
		for (int k = 0; k < 3; k++) {
			if (!(which[i] & (1 << k)) || !(fds[i].revents & ev[k]))
				continue;
			sets[k][fds[i].fd / 64] |= 1ULL << (fds[i].fd % 64);
			bits++;
		}
	return bits;
}

static long do_select(int n, uintptr_t uset[3], uint64_t deadline)
{
	struct fdtable *t = cur_fdtable();
	size_t words, bytes;
	uint64_t *buf, *sets[3] = { NULL, NULL, NULL };
	struct pollfd_k *fds;
	uint8_t *which;
	unsigned int count = 0;
	long ret = 0;

	if (n < 0)
		return -EINVAL;
	if (t && n > t->size)
		n = t->size;
	words = FDSET_WORDS(n);
	bytes = words * 8;
	buf = kzalloc(3 * (bytes ? bytes : 8));
	fds = kmalloc((n ? (size_t)n : 1) * (sizeof(*fds) + 1));
	which = (uint8_t *)(fds + (n ? n : 1));
	if (!buf || !fds) {
		ret = -ENOMEM;
		goto out;
	}
	for (int k = 0; k < 3 && !ret; k++) {
		if (!uset[k])
			continue;
		sets[k] = buf + k * words;
		if (copy_from_user(sets[k], uset[k], bytes))
			ret = -EFAULT;
	}
	if (!ret)
		ret = sets_to_pollfds(n, sets, fds, which, &count);
	if (!ret)
		ret = do_poll(fds, count, deadline);
	if (ret >= 0)
		ret = pollfds_to_sets(n, sets, fds, which, count);
	for (int k = 0; k < 3 && ret >= 0; k++)
		if (sets[k] && copy_to_user(uset[k], sets[k], bytes))
			ret = -EFAULT;
out:
	kfree(buf);
	kfree(fds);
	return ret;
}

long sys_select(int n, uintptr_t inp, uintptr_t outp, uintptr_t exp, uintptr_t tvp)
{
	uintptr_t uset[3] = { inp, outp, exp };
	struct ktimespec tv, ts;
	uint64_t deadline = NO_DEADLINE;
	long ret;

	if (tvp) {
		if (copy_from_user(&tv, tvp, sizeof(tv)))
			return -EFAULT;
		if (tv.sec < 0 || tv.nsec < 0)
			return -EINVAL;
		ts = (struct ktimespec){ tv.sec + tv.nsec / 1000000, (tv.nsec % 1000000) * 1000 };
		if ((ret = deadline_from(&ts, &deadline)))
			return ret;
	}
	ret = do_select(n, uset, deadline);
	if (ret == -EINTR)
		ret = -ERESTARTNOHAND;
	if (tvp && deadline != NO_DEADLINE) {
		ts = time_left(deadline);
		tv = (struct ktimespec){ ts.sec, ts.nsec / 1000 };
		copy_to_user(tvp, &tv, sizeof(tv));
	}
	return ret;
}

long sys_pselect6(int n, uintptr_t inp, uintptr_t outp, uintptr_t exp, uintptr_t tsp,
		  uintptr_t sig)
{
	uintptr_t uset[3] = { inp, outp, exp };
	struct ktimespec ts;
	uint64_t deadline = NO_DEADLINE, sigarg[2] = { 0, 0 };
	bool masked = false;
	long ret;

	if (tsp && copy_from_user(&ts, tsp, sizeof(ts)))
		return -EFAULT;
	if (tsp && (ret = deadline_from(&ts, &deadline)))
		return ret;
	if (sig && copy_from_user(sigarg, sig, sizeof(sigarg)))
		return -EFAULT;
	if ((ret = sigmask_enter((uintptr_t)sigarg[0], (size_t)sigarg[1], &masked)))
		return ret;
	ret = do_select(n, uset, deadline);
	if (ret == -EINTR)
		ret = -ERESTARTNOHAND;
	if (masked)
		proc_sigmask_restore_temp(ret == -ERESTARTNOHAND);
	if (tsp && deadline != NO_DEADLINE) {
		ts = time_left(deadline);
		copy_to_user(tsp, &ts, sizeof(ts));
	}
	return ret;
}

/* sys_log.c: syslog(2), the kernel log as dmesg reads it. */
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/printk.h"
#include "kernel/syscalls.h"
#include "kernel/uaccess.h"
#include "mm/kheap.h"
#include "proc/proc.h"
#include "proc/sched.h"

#define SYSLOG_ACTION_CLOSE 0
#define SYSLOG_ACTION_OPEN 1
#define SYSLOG_ACTION_READ 2
#define SYSLOG_ACTION_READ_ALL 3
#define SYSLOG_ACTION_READ_CLEAR 4
#define SYSLOG_ACTION_CLEAR 5
#define SYSLOG_ACTION_CONSOLE_OFF 6
#define SYSLOG_ACTION_CONSOLE_ON 7
#define SYSLOG_ACTION_CONSOLE_LEVEL 8
#define SYSLOG_ACTION_SIZE_UNREAD 9
#define SYSLOG_ACTION_SIZE_BUFFER 10

static uint64_t read_pos; /* SYSLOG_ACTION_READ's position */

/* SYSLOG_ACTION_READ blocks until something is unread. printk runs in any
 * context (faults, panics), so it wakes nobody; the reader looks again
 * every 100 ms, and a signal interrupts the wait. */
static long wait_for_log(void)
{
	while (printk_log_end() <= read_pos) {
		int err = sched_sleep_until(clock_monotonic_ns() + 100000000ULL);
		if (err)
			return err;
	}
	return 0;
}

/* Copy the log from position from into the user's buffer: count or -errno. */
static long copy_log(uint64_t from, uintptr_t ubuf, int len)
{
	char *tmp;
	size_t n;
	long ret;

	if (!ubuf || len < 0)
		return -EINVAL;
	if (!len)
		return 0;
	uint64_t avail = printk_log_end() - from;
	if ((uint64_t)len > avail) /* READ_ALL: the newest len bytes */
		len = (int)avail;
	if (!(tmp = kmalloc((size_t)len)))
		return -ENOMEM;
	n = printk_log_read(from, tmp, (size_t)len);
	ret = copy_to_user(ubuf, tmp, n) ? -EFAULT : (long)n;
	kfree(tmp);
	return ret;
}

long sys_syslog(int type, uintptr_t ubuf, int len)
{
	uint64_t start = printk_log_start(), end = printk_log_end();
	long ret;

	if (type != SYSLOG_ACTION_READ_ALL && type != SYSLOG_ACTION_SIZE_BUFFER &&
	    proc_current()->cred.euid != 0)
		return -EPERM;
	switch (type) {
	case SYSLOG_ACTION_CLOSE:
	case SYSLOG_ACTION_OPEN:
	case SYSLOG_ACTION_CONSOLE_OFF:
	case SYSLOG_ACTION_CONSOLE_ON:
		return 0;
	case SYSLOG_ACTION_CONSOLE_LEVEL:
		return len < 1 || len > 8 ? -EINVAL : 0;
	case SYSLOG_ACTION_READ:
		if (read_pos < start)
			read_pos = start;
		if (len > 0 && (ret = wait_for_log()))
			return ret;
		ret = copy_log(read_pos, ubuf, len);
		if (ret > 0)
			read_pos += (uint64_t)ret;
		return ret;
	case SYSLOG_ACTION_READ_ALL:
	case SYSLOG_ACTION_READ_CLEAR:
		if (len < 0)
			return -EINVAL;
		ret = copy_log(end - start > (uint64_t)len ? end - (uint64_t)len : start, ubuf, len);
		if (ret >= 0 && type == SYSLOG_ACTION_READ_CLEAR)
			printk_log_clear();
		return ret;
	case SYSLOG_ACTION_CLEAR:
		printk_log_clear();
		return 0;
	case SYSLOG_ACTION_SIZE_UNREAD:
		return (long)(end - (read_pos > start ? read_pos : start));
	case SYSLOG_ACTION_SIZE_BUFFER:
		return 16384;
	}
	return -EINVAL;
}

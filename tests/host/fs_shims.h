/* fs_shims.h: host stand-ins for what fs/ uses from the rest of the kernel,
 * and the fs/ sources themselves, for the host tests (test_fs*.c,
 * test_cpio*.c, test_path*.c).
 *
 * User memory is host memory: a "user pointer" is an ordinary pointer, and
 * any address below 4096 faults (-EFAULT), so EFAULT paths can be tested.
 * Blocking is not possible in a single-threaded host test: waitq_block
 * aborts, and waitq_block_until advances the fake clock to the deadline
 * (so poll timeouts "elapse" at once). */
#ifndef FS_SHIMS_H
#define FS_SHIMS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/arch.h"
#include "kernel/errno.h"
#include "kernel/uaccess.h"
#include "mm/pmm.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/wait.h"

/* cli/sti are privileged: no interrupts to mask on the host. */
#define irq_save() ((uint64_t)0)
#define irq_restore(f) ((void)(f))

uintptr_t host_phys_base;
bool cpu_has_smap;

/* --- heap and frames --- */
void *kmalloc(size_t size) { return malloc(size ? size : 1); }
void *kzalloc(size_t size) { return calloc(1, size ? size : 1); }
void kfree(void *p) { free(p); }

static size_t host_frames_used;
paddr_t pmm_alloc(void)
{
	void *p = aligned_alloc(4096, 4096);

	if (!p)
		return 0;
	memset(p, 0, 4096);
	host_frames_used++;
	return (paddr_t)(uintptr_t)p;
}
paddr_t pmm_alloc_nozero(void) { return pmm_alloc(); }
uint32_t pmm_unref(paddr_t pa)
{
	free((void *)(uintptr_t)pa);
	host_frames_used--;
	return 0;
}
void pmm_ref(paddr_t pa) { (void)pa; }
size_t pmm_total_count(void) { return 1024; }
size_t pmm_free_count(void) { return 1024 - host_frames_used; }
size_t pmm_shared_count(void) { return 3; }
size_t kheap_frames(void) { return 5; }
size_t vmm_kstack_frames(void) { return 6; }
size_t vmm_table_frames(void) { return 7; }

/* --- user memory --- */
#define HOST_BAD_PTR 16 /* below 4096: always faults */
bool uaccess_range_ok(uintptr_t addr, size_t len)
{
	return addr >= 4096 && addr + len >= addr;
}
int copy_from_user(void *dst, uintptr_t src, size_t n)
{
	if (n && !uaccess_range_ok(src, n))
		return -EFAULT;
	memcpy(dst, (const void *)src, n);
	return 0;
}
int copy_to_user(uintptr_t dst, const void *src, size_t n)
{
	if (n && !uaccess_range_ok(dst, n))
		return -EFAULT;
	memcpy((void *)dst, src, n);
	return 0;
}
size_t copy_from_user_partial(void *dst, uintptr_t src, size_t n)
{
	return copy_from_user(dst, src, n) ? 0 : n;
}
size_t copy_to_user_partial(uintptr_t dst, const void *src, size_t n)
{
	return copy_to_user(dst, src, n) ? 0 : n;
}
int clear_user(uintptr_t dst, size_t n)
{
	if (n && !uaccess_range_ok(dst, n))
		return -EFAULT;
	memset((void *)dst, 0, n);
	return 0;
}
long strncpy_from_user(char *dst, uintptr_t src, size_t max)
{
	if (!uaccess_range_ok(src, 1))
		return -EFAULT;
	for (size_t i = 0; i < max; i++) {
		dst[i] = ((const char *)src)[i];
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}

/* --- console --- */
int printk_quiet;
int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	return vsnprintf(buf, size, fmt, ap);
}
int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
static int host_kprintf_count;
void kprintf(const char *fmt, ...)
{
	va_list ap;

	host_kprintf_count++;
	va_start(ap, fmt);
	printf("# kernel: ");
	vprintf(fmt, ap);
	va_end(ap);
}
void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	abort();
}
void kassert_fail(const char *expr, const char *file, int line, const char *func)
{
	printf("KASSERT(%s) failed at %s:%d in %s\n", expr, file, line, func);
	abort();
}

/* --- clock --- */
static uint64_t host_now_ns = 1000000000ULL;
uint64_t clock_monotonic_ns(void) { return host_now_ns; }
uint64_t clock_realtime_ns(void) { return 1700000000ULL * 1000000000ULL + host_now_ns; }
struct sched_stats sched_stats; /* /proc/uptime's idle time */

/* --- tasks, signals, wait queues --- */
static struct task host_task = { .pid = 42 };
struct task *proc_current_task = &host_task;
static int host_last_signal;
void proc_send_signal(struct task *t, int sig) { (void)t; host_last_signal = sig; }
bool proc_signal_pending(void) { return false; }
void waitq_init(struct waitq *wq) { list_init(&wq->sleepers); }
static int host_wakeups;
void waitq_wake_all(struct waitq *wq) { (void)wq; host_wakeups++; }
void waitq_prepare(struct waitq *wq, struct waitq_entry *e)
{
	e->task = proc_current();
	list_add_tail(&e->link, &wq->sleepers);
}
void waitq_finish(struct waitq *wq, struct waitq_entry *e) { (void)wq; list_del(&e->link); }
void waitq_block(void)
{
	printf("# host test would block forever\n");
	abort();
}
void waitq_block_until(uint64_t deadline_ns)
{
	if (host_now_ns < deadline_ns)
		host_now_ns = deadline_ns;
}
static uint64_t host_temp_mask;
static int host_temp_mask_depth;
void proc_sigmask_set_temp(uint64_t mask) { host_temp_mask = mask; host_temp_mask_depth++; }
void proc_sigmask_restore_temp(bool deliver_first) { (void)deliver_first; host_temp_mask_depth--; }

/* --- the code under test --- */
#include "fs/cpio.c"
#include "fs/devfs.c"
#include "fs/dirops.c"
#include "fs/fdtable.c"
#include "fs/file.c"
#include "fs/flock.c"
#include "fs/fs_init.c"
#include "fs/inode.c"
#include "fs/mount.c"
#include "fs/namei.c"
#include "fs/pipe.c"
#include "fs/procfs.c"
#include "fs/ramfs.c"
#include "fs/random.c"
#include "fs/sys_attr.c"
#include "fs/sys_common.c"
#include "fs/sys_dir.c"
#include "fs/sys_fd.c"
#include "fs/sys_link.c"
#include "fs/sys_mount.c"
#include "fs/sys_open.c"
#include "fs/sys_poll.c"
#include "fs/sys_rw.c"
#include "fs/sys_stat.c"

/* Boot the filesystem once and give the host task fresh tables. */
static void host_fs_setup(void)
{
	static bool booted;

	if (!booted) {
		fs_init();
		booted = true;
	}
	fdtable_put(host_task.files);
	fs_context_put(host_task.fs);
	host_task.files = fdtable_new();
	host_task.fs = fs_context_new();
	host_task.cred = (struct cred){ 0 };
}

#define U(p) ((uintptr_t)(p)) /* a host pointer as a "user" pointer */

#endif

/* sys_info.c: uname, sysinfo, getrandom, hostname and reboot. */
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/lib/string.h"
#include "kernel/power.h"
#include "kernel/printk.h"
#include "fs/vfs.h"
#include "kernel/syscalls.h"
#include "kernel/uaccess.h"
#include "kernel/version.h"
#include "mm/pmm.h"
#include "proc/proc.h"
#include "proc/sched.h"
#include "proc/task.h"

static char hostname[65] = "kernel";

const char *uname_nodename(void)
{
	return hostname;
}

struct utsname_k {
	char sysname[65], nodename[65], release[65], version[65], machine[65], domain[65];
};

long sys_uname(uintptr_t buf)
{
	struct utsname_k u;

	memset(&u, 0, sizeof(u));
	strlcpy(u.sysname, "Linux", sizeof(u.sysname));
	strlcpy(u.nodename, hostname, sizeof(u.nodename));
	strlcpy(u.release, KERNEL_RELEASE, sizeof(u.release));
	strlcpy(u.version, KERNEL_VERSION_STRING, sizeof(u.version));
	strlcpy(u.machine, "x86_64", sizeof(u.machine));
	strlcpy(u.domain, "(none)", sizeof(u.domain));
	return copy_to_user(buf, &u, sizeof(u)) ? -EFAULT : 0;
}

long sys_sethostname(uintptr_t name, size_t len)
{
	char buf[65];

	if (proc_current()->cred.euid != 0)
		return -EPERM;
	if (len >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, name, len))
		return -EFAULT;
	buf[len] = 0;
	memcpy(hostname, buf, len + 1);
	return 0;
}

struct sysinfo_k {
	int64_t uptime;
	uint64_t loads[3];
	uint64_t totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	uint16_t procs, pad;
	uint32_t pad2;
	uint64_t totalhigh, freehigh;
	uint32_t mem_unit;
	char reserved[4];
};
_Static_assert(sizeof(struct sysinfo_k) == 112, "struct sysinfo (Linux x86_64)");

long sys_sysinfo(uintptr_t info)
{
	struct sysinfo_k s;
	unsigned long avg[3];

	memset(&s, 0, sizeof(s));
	/* Rounded up, as Linux does: never 0 once the machine runs
	 * (regression: sysinfo_uptime_zero_first_second). */
	s.uptime = (int64_t)((clock_monotonic_ns() + 999999999ULL) / 1000000000ULL);
	loadavg_get(avg);
	for (int i = 0; i < 3; i++)
		s.loads[i] = avg[i] << (16 - LOADAVG_FSHIFT); /* SI_LOAD_SHIFT */
	s.totalram = pmm_total_count();
	s.freeram = pmm_free_count();
	s.sharedram = pmm_shared_count();
	s.procs = (uint16_t)task_count;
	s.mem_unit = PAGE_SIZE;
	return copy_to_user(info, &s, sizeof(s)) ? -EFAULT : 0;
}

#define GRND_NONBLOCK 1
#define GRND_RANDOM 2
#define GRND_INSECURE 4

long sys_getrandom(uintptr_t buf, size_t len, unsigned flags)
{
	uint8_t chunk[256];
	size_t done = 0;

	if (flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if ((flags & GRND_RANDOM) && (flags & GRND_INSECURE))
		return -EINVAL;
	if (len > 0x1FFFFFF)
		len = 0x1FFFFFF; /* Linux caps one call at 32 MiB - 1 */
	while (done < len) {
		size_t n = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		random_bytes(chunk, n);
		if (copy_to_user(buf + done, chunk, n))
			return done ? (long)done : -EFAULT;
		done += n;
	}
	return (long)done;
}

#define REBOOT_MAGIC1 0xfee1dead
#define REBOOT_CMD_POWER_OFF 0x4321FEDC
#define REBOOT_CMD_HALT 0xCDEF0123
#define REBOOT_CMD_RESTART 0x01234567
#define REBOOT_CMD_CAD_ON 0x89ABCDEF
#define REBOOT_CMD_CAD_OFF 0x00000000

long sys_reboot(int magic1, int magic2, unsigned cmd, uintptr_t arg)
{
	if (proc_current()->cred.euid != 0)
		return -EPERM;
	if ((uint32_t)magic1 != REBOOT_MAGIC1 ||
	    (magic2 != 672274793 && magic2 != 85072278 && magic2 != 369367448 &&
	     magic2 != 537993216))
		return -EINVAL;
	switch (cmd) {
	case REBOOT_CMD_CAD_ON:
	case REBOOT_CMD_CAD_OFF:
		return 0; /* no Ctrl-Alt-Del handling to switch */
	case REBOOT_CMD_POWER_OFF:
	case REBOOT_CMD_HALT:
	case REBOOT_CMD_RESTART:
		kprintf("kernel: reboot(2) asked to stop the machine; powering off\n");
		power_off();
	}
	return -EINVAL;
}

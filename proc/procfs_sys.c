/* procfs_sys.c: the system-wide /proc files that describe processes, the
 * CPU and the kernel: stat, loadavg, cpuinfo, version, cmdline, devices,
 * swaps and sys/kernel/. Formats are Linux's (proc(5)); what we do not
 * measure is left out rather than made up (no bogomips, no cpu MHz, no
 * interrupt counts). Each file is generated whole at open. */
#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/cpu.h"
#include "kernel/errno.h"
#include "kernel/version.h"
#include "proc/procfs_internal.h"
#include "proc/sched.h"
#include "proc/task.h"

#define USER_HZ 100
#define CR0_NE (1UL << 5)

static unsigned long jiffies_user(uint64_t ticks)
{
	return (unsigned long)(ticks * USER_HZ / HZ);
}

/* --- /proc/stat --- */

static int gen_stat(struct seqbuf *sb)
{
	struct sched_stats s = sched_stats;
	uint64_t boot_ns = clock_realtime_ns() - clock_monotonic_ns();
	unsigned long u = jiffies_user(s.user), n = jiffies_user(s.nice);
	unsigned long sy = jiffies_user(s.system), id = jiffies_user(s.idle);

	seq_printf(sb, "cpu  %lu %lu %lu %lu 0 0 0 0 0 0\n", u, n, sy, id);
	seq_printf(sb, "cpu0 %lu %lu %lu %lu 0 0 0 0 0 0\n", u, n, sy, id);
	seq_printf(sb, "ctxt %lu\nbtime %lu\nprocesses %lu\n", (unsigned long)s.ctxt,
		   (unsigned long)(boot_ns / 1000000000UL), (unsigned long)task_forks);
	seq_printf(sb, "procs_running %u\nprocs_blocked 0\n", sched_nr_running());
	return 0;
}

/* --- /proc/loadavg --- */

static int gen_loadavg(struct seqbuf *sb)
{
	const unsigned long fixed_1 = 1UL << LOADAVG_FSHIFT;
	unsigned long avg[3], ip[3], fp[3];

	loadavg_get(avg);
	for (int i = 0; i < 3; i++) {
		unsigned long a = avg[i] + fixed_1 / 200; /* round to 0.01 */
		ip[i] = a >> LOADAVG_FSHIFT;
		fp[i] = ((a & (fixed_1 - 1)) * 100) >> LOADAVG_FSHIFT;
	}
	seq_printf(sb, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%d %d\n", ip[0], fp[0], ip[1], fp[1], ip[2],
		   fp[2], sched_nr_running(), task_count, task_last_pid());
	return 0;
}

/* --- /proc/cpuinfo --- */

/* Feature names by CPUID bit, as Linux prints them (cpufeatures.h);
 * NULL for bits Linux does not name or does not show. */
static const char *const flags_1_edx[32] = {
	"fpu", "vme", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", NULL, "sep",
	"mtrr", "pge", "mca", "cmov", "pat", "pse36", "pn", "clflush", NULL, "dts", "acpi",
	"mmx", "fxsr", "sse", "sse2", "ss", "ht", "tm", "ia64", "pbe",
};
static const char *const flags_ext_edx[32] = {
	[11] = "syscall", [19] = "mp", [20] = "nx", [22] = "mmxext", [25] = "fxsr_opt",
	[26] = "pdpe1gb", [27] = "rdtscp", [29] = "lm", [30] = "3dnowext", [31] = "3dnow",
};
static const char *const flags_1_ecx[32] = {
	"pni", "pclmulqdq", "dtes64", "monitor", "ds_cpl", "vmx", "smx", "est", "tm2", "ssse3",
	"cid", "sdbg", "fma", "cx16", "xtpr", "pdcm", NULL, "pcid", "dca", "sse4_1", "sse4_2",
	"x2apic", "movbe", "popcnt", "tsc_deadline_timer", "aes", "xsave", NULL, "avx", "f16c",
	"rdrand", "hypervisor",
};
static const char *const flags_ext_ecx[32] = {
	"lahf_lm", "cmp_legacy", "svm", "extapic", "cr8_legacy", "abm", "sse4a", "misalignsse",
	"3dnowprefetch", "osvw", "ibs", "xop", "skinit", "wdt", NULL, "lwp", "fma4", "tce", NULL,
	"nodeid_msr", NULL, "tbm", "topoext", "perfctr_core", "perfctr_nb", NULL, "bpext",
	"ptsc", "perfctr_llc", "mwaitx",
};
static const char *const flags_7_ebx[32] = {
	"fsgsbase", "tsc_adjust", "sgx", "bmi1", "hle", "avx2", NULL, "smep", "bmi2", "erms",
	"invpcid", "rtm", "cqm", NULL, "mpx", "rdt_a", "avx512f", "avx512dq", "rdseed", "adx",
	"smap", "avx512ifma", NULL, "clflushopt", "clwb", "intel_pt", "avx512pf", "avx512er",
	"avx512cd", "sha_ni", "avx512bw", "avx512vl",
};
static const char *const flags_d1_eax[32] = { "xsaveopt", "xsavec", "xgetbv1", "xsaves" };
static const char *const flags_7_ecx[32] = {
	[1] = "avx512vbmi", [2] = "umip", [3] = "pku", [4] = "ospke", [5] = "waitpkg",
	[6] = "avx512_vbmi2", [8] = "gfni", [9] = "vaes", [10] = "vpclmulqdq",
	[11] = "avx512_vnni", [12] = "avx512_bitalg", [13] = "tme", [14] = "avx512_vpopcntdq",
	[16] = "la57", [22] = "rdpid", [24] = "bus_lock_detect", [25] = "cldemote",
	[27] = "movdiri", [28] = "movdir64b", [29] = "enqcmd", [30] = "sgx_lc",
};
static const char *const flags_7_edx[32] = {
	[2] = "avx512_4vnniw", [3] = "avx512_4fmaps", [4] = "fsrm", [8] = "avx512_vp2intersect",
	[10] = "md_clear", [14] = "serialize", [16] = "tsxldtrk", [18] = "pconfig",
	[19] = "arch_lbr", [22] = "amx_bf16", [23] = "avx512_fp16", [24] = "amx_tile",
	[25] = "amx_int8", [28] = "flush_l1d", [29] = "arch_capabilities",
};

/* One CPUID register's worth of flags, in Linux's word order. */
struct flag_word {
	uint32_t leaf, sub;
	int reg; /* 0 eax, 1 ebx, 2 ecx, 3 edx */
	const char *const *names;
};

static const struct flag_word flag_words[] = {
	{ 1, 0, 3, flags_1_edx },          { 0x80000001, 0, 3, flags_ext_edx },
	{ 1, 0, 2, flags_1_ecx },          { 0x80000001, 0, 2, flags_ext_ecx },
	{ 7, 0, 1, flags_7_ebx },          { 0xd, 1, 0, flags_d1_eax },
	{ 7, 0, 2, flags_7_ecx },          { 7, 0, 3, flags_7_edx },
};

/* The register of a leaf, or 0 when the CPU does not have the leaf. */
static uint32_t cpuid_reg(uint32_t leaf, uint32_t sub, int reg)
{
	uint32_t r[4], max;

	cpuid(leaf & 0x80000000, 0, &max, &r[1], &r[2], &r[3]);
	if (leaf > max)
		return 0;
	cpuid(leaf, sub, &r[0], &r[1], &r[2], &r[3]);
	return r[reg];
}

static void cpuinfo_flags(struct seqbuf *sb)
{
	seq_printf(sb, "flags\t\t:");
	for (size_t w = 0; w < sizeof(flag_words) / sizeof(flag_words[0]); w++) {
		const struct flag_word *fw = &flag_words[w];
		uint32_t bits = cpuid_reg(fw->leaf, fw->sub, fw->reg);

		for (int i = 0; i < 32; i++)
			if ((bits & (1u << i)) && fw->names[i])
				seq_printf(sb, " %s", fw->names[i]);
	}
	seq_write(sb, "\n", 1);
}

static void cpuinfo_ids(struct seqbuf *sb)
{
	uint32_t sig = cpuid_reg(1, 0, 0), family = (sig >> 8) & 0xf, model = (sig >> 4) & 0xf;
	const char *name = cpu_features.model;

	if (family == 0xf)
		family += (sig >> 20) & 0xff;
	if (family >= 6)
		model += ((sig >> 16) & 0xf) << 4;
	while (*name == ' ')
		name++;
	seq_printf(sb, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\nmodel\t\t: %u\n",
		   cpu_features.vendor, family, model);
	seq_printf(sb, "model name\t: %s\nstepping\t: %u\n", *name ? name : "unknown", sig & 0xf);
}

static int gen_cpuinfo(struct seqbuf *sb)
{
	uint32_t ebx = cpuid_reg(1, 0, 1), edx = cpuid_reg(1, 0, 3);
	uint32_t addr = cpuid_reg(0x80000008, 0, 0), clflush = ((ebx >> 8) & 0xff) * 8;
	uint64_t cr0 = read_cr0();

	cpuinfo_ids(sb);
	seq_printf(sb, "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n");
	seq_printf(sb, "apicid\t\t: %u\ninitial apicid\t: %u\n", ebx >> 24, ebx >> 24);
	seq_printf(sb, "fpu\t\t: %s\nfpu_exception\t: %s\ncpuid level\t: %u\nwp\t\t: %s\n",
		   edx & 1 ? "yes" : "no", cr0 & CR0_NE ? "yes" : "no", cpuid_reg(0, 0, 0),
		   cr0 & CR0_WP ? "yes" : "no");
	cpuinfo_flags(sb);
	if (edx & (1u << 19))
		seq_printf(sb, "clflush size\t: %u\ncache_alignment\t: %u\n", clflush, clflush);
	if (addr)
		seq_printf(sb, "address sizes\t: %u bits physical, %u bits virtual\n", addr & 0xff,
			   (addr >> 8) & 0xff);
	seq_printf(sb, "power management:\n\n");
	return 0;
}

/* --- kernel identity and configuration --- */

static int gen_version(struct seqbuf *sb)
{
	seq_printf(sb, "Linux version %s (builder@cowkernel) (gcc version %s) %s\n", KERNEL_RELEASE,
		   __VERSION__, KERNEL_VERSION_STRING);
	return 0;
}

static int gen_cmdline(struct seqbuf *sb)
{
	seq_printf(sb, "%s\n", cmdline_get());
	return 0;
}

/* The character devices the kernel registers (fs/devfs.c, kernel/tty.c). */
static int gen_devices(struct seqbuf *sb)
{
	seq_printf(sb, "Character devices:\n  1 mem\n  4 ttyS\n  5 /dev/tty\n  5 /dev/console\n");
	seq_printf(sb, "\nBlock devices:\n");
	return 0;
}

static int gen_swaps(struct seqbuf *sb)
{
	seq_printf(sb, "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n");
	return 0;
}

static int gen_hostname(struct seqbuf *sb)
{
	seq_printf(sb, "%s\n", uname_nodename());
	return 0;
}

static int gen_ostype(struct seqbuf *sb)
{
	seq_printf(sb, "Linux\n");
	return 0;
}

static int gen_osrelease(struct seqbuf *sb)
{
	seq_printf(sb, "%s\n", KERNEL_RELEASE);
	return 0;
}

/* /proc/sys/vm/drop_caches: 1 (page cache), 2 (slab), 3 (both) or 4
 * (quiet from now on), Linux's range. The file data of the ramfs
 * is not a cache and stays; the kernel's kept objects (the task cache) go,
 * so MemFree can be compared before and after a program exactly. It is
 * write-only (0200), as on Linux. */
static int drop_caches_store(const char *buf, size_t n)
{
	long v = 0;
	size_t i = 0;

	while (i < n && buf[i] >= '0' && buf[i] <= '9' && v < 100)
		v = v * 10 + (buf[i++] - '0');
	if (!i || (i < n && buf[i] != '\n') || v < 1 || v > 4)
		return -EINVAL;
	if (v & 2)
		task_cache_drain();
	return 0;
}

void procfs_sys_init(void)
{
	procfs_register_rw("sys/vm/drop_caches", NULL, drop_caches_store);
	procfs_register("stat", gen_stat);
	procfs_register("loadavg", gen_loadavg);
	procfs_register("cpuinfo", gen_cpuinfo);
	procfs_register("version", gen_version);
	procfs_register("cmdline", gen_cmdline);
	procfs_register("devices", gen_devices);
	procfs_register("swaps", gen_swaps);
	procfs_register("sys/kernel/hostname", gen_hostname);
	procfs_register("sys/kernel/ostype", gen_ostype);
	procfs_register("sys/kernel/osrelease", gen_osrelease);
}

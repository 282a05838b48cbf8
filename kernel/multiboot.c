/* multiboot.c: copy the Multiboot v1 information into the kernel and turn
 * its memory map into the ranges the physical allocator takes.
 *
 * Every boot-loader structure is read through phys_to_virt while the boot
 * tables map physical 0..BOOT_MAP_LIMIT, so anything reaching above that is
 * skipped with a message instead of read. Everything we keep is copied;
 * the originals are still reserved from pmm so that nothing is lost should
 * someone look at them again. Modules are recorded, not copied: their memory
 * stays reserved until the owner hands it back with pmm_release. */
#include "kernel/multiboot.h"

#include "kernel/lib/string.h"
#include "kernel/printk.h"

#define MBI_MEM (1u << 0)
#define MBI_CMDLINE (1u << 2)
#define MBI_MODS (1u << 3)
#define MBI_MMAP (1u << 6)

#define MBI_FULL_SIZE 116 /* the v1 structure up to its framebuffer fields */

#define MMAP_USABLE 1
#define MMAP_ACPI 3
#define MMAP_NVS 4
#define MAX_RANGES 128

struct mb_info {
	uint32_t flags;
	uint32_t mem_lower, mem_upper; /* KiB below 1 MiB and above it */
	uint32_t boot_device;
	uint32_t cmdline;
	uint32_t mods_count, mods_addr;
	uint32_t syms[4];
	uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

struct mb_mmap_entry {
	uint32_t size; /* of the rest of the entry */
	uint64_t base, len;
	uint32_t type;
} __attribute__((packed));

struct mb_module {
	uint32_t start, end, string, reserved;
} __attribute__((packed));

static struct pmm_range usable[MAX_RANGES], reserved[MAX_RANGES];
static size_t nusable, nreserved;
static paddr_t max_phys;
static char cmdline[MULTIBOOT_CMDLINE_MAX];
static struct multiboot_module modules[MULTIBOOT_MAX_MODULES];
static size_t nmodules;

#ifdef HOST_TEST
extern paddr_t host_kernel_start, host_kernel_end;
static void kernel_image(paddr_t *start, paddr_t *end)
{
	*start = host_kernel_start;
	*end = host_kernel_end;
}
#else
extern char _load_start_phys[], _bss_end_phys[];
static void kernel_image(paddr_t *start, paddr_t *end)
{
	*start = (paddr_t)_load_start_phys;
	*end = (paddr_t)_bss_end_phys;
}
#endif

static void add_range(struct pmm_range *r, size_t *n, paddr_t base, uint64_t len)
{
	if (len == 0)
		return;
	if (*n == MAX_RANGES)
		panic("multiboot: more than %d memory ranges", MAX_RANGES);
	r[*n].base = base;
	r[*n].len = len;
	(*n)++;
}

/* A pointer to [pa, pa + len) if the boot tables map all of it, else NULL. */
static const void *boot_ptr(paddr_t pa, uint64_t len, const char *what)
{
	if (pa >= BOOT_MAP_LIMIT || len > BOOT_MAP_LIMIT - pa) {
		kprintf("multiboot: %s at %lx lies above 1 GiB; ignored\n", what,
			(unsigned long)pa);
		return NULL;
	}
	return phys_to_virt(pa);
}

/* Copy the NUL-terminated string at pa into dst (truncating) and reserve it. */
static void copy_string(char *dst, size_t size, paddr_t pa, const char *what)
{
	const char *s = boot_ptr(pa, 1, what);
	size_t n;

	dst[0] = '\0';
	if (!s)
		return;
	n = strnlen(s, BOOT_MAP_LIMIT - pa);
	if (n == BOOT_MAP_LIMIT - pa)
		return;
	add_range(reserved, &nreserved, pa, n + 1);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static void note_map_entry(const struct mb_mmap_entry *e)
{
	uint64_t end = e->base + e->len;

	if (e->len == 0 || end < e->base)
		return;
	/* RAM and ACPI tables need the direct map; firmware holes above 4 GiB
	 * (QEMU reports one just below 1 TiB) do not. */
	if ((e->type == MMAP_USABLE || e->type == MMAP_ACPI || e->type == MMAP_NVS) &&
	    end > max_phys)
		max_phys = end;
	if (e->type != MMAP_USABLE) {
		add_range(reserved, &nreserved, e->base, e->len);
		return;
	}
	if (e->base >= MULTIBOOT_MAX_PHYS)
		return;
	if (end > MULTIBOOT_MAX_PHYS)
		end = MULTIBOOT_MAX_PHYS;
	add_range(usable, &nusable, e->base, end - e->base);
}

static void parse_mmap(const struct mb_info *mbi)
{
	const uint8_t *buf = boot_ptr(mbi->mmap_addr, mbi->mmap_length, "memory map");
	uint32_t off = 0;

	if (!buf)
		return;
	add_range(reserved, &nreserved, mbi->mmap_addr, mbi->mmap_length);
	while (off + sizeof(struct mb_mmap_entry) <= mbi->mmap_length) {
		struct mb_mmap_entry e;

		memcpy(&e, buf + off, sizeof(e));
		if (e.size < sizeof(e) - sizeof(e.size))
			break;
		note_map_entry(&e);
		off += e.size + sizeof(e.size);
	}
}

/* Without a memory map: conventional memory and the block above 1 MiB. */
static void parse_mem_fields(const struct mb_info *mbi)
{
	add_range(usable, &nusable, 0, (uint64_t)mbi->mem_lower << 10);
	add_range(usable, &nusable, 1UL << 20, (uint64_t)mbi->mem_upper << 10);
	max_phys = (1UL << 20) + ((uint64_t)mbi->mem_upper << 10);
}

static void parse_modules(const struct mb_info *mbi)
{
	uint64_t bytes = (uint64_t)mbi->mods_count * sizeof(struct mb_module);
	const struct mb_module *m = boot_ptr(mbi->mods_addr, bytes, "module list");

	if (!m)
		return;
	add_range(reserved, &nreserved, mbi->mods_addr, bytes);
	if (mbi->mods_count > MULTIBOOT_MAX_MODULES)
		kprintf("multiboot: %u modules, only the first %d are used\n", mbi->mods_count,
			MULTIBOOT_MAX_MODULES);
	for (uint32_t i = 0; i < mbi->mods_count && nmodules < MULTIBOOT_MAX_MODULES; i++) {
		struct multiboot_module *mod = &modules[nmodules++];

		mod->start = m[i].start;
		mod->end = m[i].end > m[i].start ? m[i].end : m[i].start;
		add_range(reserved, &nreserved, mod->start, mod->end - mod->start);
		mod->cmdline[0] = '\0';
		if (m[i].string)
			copy_string(mod->cmdline, sizeof(mod->cmdline), m[i].string,
				    "module string");
	}
}

static void reserve_kernel_and_low(paddr_t mbi_phys)
{
	paddr_t kstart, kend;

	kernel_image(&kstart, &kend);
	add_range(reserved, &nreserved, 0, 1UL << 20);
	add_range(reserved, &nreserved, kstart, kend - kstart);
	add_range(reserved, &nreserved, mbi_phys, MBI_FULL_SIZE);
}

static paddr_t round_max_phys(paddr_t end)
{
	const paddr_t align = 2UL << 20;

	if (end < (4UL << 30))
		end = 4UL << 30;
	if (end > MULTIBOOT_MAX_PHYS)
		end = MULTIBOOT_MAX_PHYS;
	return (end + align - 1) & ~(align - 1);
}

void multiboot_parse(uint32_t magic, paddr_t mbi_phys)
{
	const struct mb_info *mbi;

	if (magic != MULTIBOOT_BOOT_MAGIC)
		panic("multiboot: bad boot magic %x", magic);
	mbi = boot_ptr(mbi_phys, sizeof(*mbi), "information");
	if (!mbi)
		panic("multiboot: information structure unreachable");
	nusable = nreserved = nmodules = 0;
	max_phys = 0;
	cmdline[0] = '\0';
	reserve_kernel_and_low(mbi_phys);

	if (mbi->flags & MBI_MMAP)
		parse_mmap(mbi);
	if (nusable == 0 && (mbi->flags & MBI_MEM))
		parse_mem_fields(mbi);
	if (nusable == 0)
		panic("multiboot: no memory information from the boot loader");
	max_phys = round_max_phys(max_phys);
	if (mbi->flags & MBI_CMDLINE)
		copy_string(cmdline, sizeof(cmdline), mbi->cmdline, "command line");
	if (mbi->flags & MBI_MODS)
		parse_modules(mbi);
	kinfo("multiboot: %lu usable ranges, %lu modules, direct map to %lx, cmdline \"%s\"\n",
	      (unsigned long)nusable, (unsigned long)nmodules, (unsigned long)max_phys, cmdline);
}

const struct pmm_range *multiboot_usable(size_t *n)
{
	*n = nusable;
	return usable;
}

const struct pmm_range *multiboot_reserved(size_t *n)
{
	*n = nreserved;
	return reserved;
}

paddr_t multiboot_max_phys(void)
{
	return max_phys;
}

const char *multiboot_cmdline(void)
{
	return cmdline;
}

const struct multiboot_module *multiboot_modules(size_t *n)
{
	*n = nmodules;
	return modules;
}

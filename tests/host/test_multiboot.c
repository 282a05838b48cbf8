/* test_multiboot.c: Multiboot v1 parsing from synthetic boot-loader data in
 * fake physical memory, and pmm fed with the ranges it produces. */
#include "kernel/multiboot.c"
#include "mm/pmm.c"

#include <string.h>

#include "mm_host_stubs.h"

#define MiB (1UL << 20)
#define GiB (1UL << 30)
#define PHYS_SIZE (8 * MiB)
#define MBI 0x9000
#define MMAP 0x9100
#define CMDLINE 0x9400
#define MODS 0x9800
#define MODSTR 0x9A00

paddr_t host_kernel_start = MiB, host_kernel_end = MiB + 256 * 1024;

static uint8_t *mem;
static struct mb_info *mbi;
static uint32_t mmap_len, mmap_entry_size;

static void reset(void)
{
	if (!mem)
		mem = host_phys_alloc(PHYS_SIZE);
	memset(mem, 0, PHYS_SIZE);
	mbi = (struct mb_info *)(mem + MBI);
	mmap_len = 0;
	mmap_entry_size = 20;
}

static void add_entry(uint64_t base, uint64_t len, uint32_t type)
{
	struct mb_mmap_entry e = { mmap_entry_size, base, len, type };

	memcpy(mem + MMAP + mmap_len, &e, sizeof(e));
	mmap_len += mmap_entry_size + 4;
	mbi->flags |= MBI_MMAP;
	mbi->mmap_addr = MMAP;
	mbi->mmap_length = mmap_len;
}

static void set_cmdline(const char *s)
{
	strcpy((char *)mem + CMDLINE, s);
	mbi->flags |= MBI_CMDLINE;
	mbi->cmdline = CMDLINE;
}

static void add_module(uint32_t start, uint32_t end, const char *s)
{
	struct mb_module *m = (struct mb_module *)(mem + MODS) + mbi->mods_count;
	char *str = (char *)mem + MODSTR + 64 * mbi->mods_count;

	strcpy(str, s);
	m->start = start;
	m->end = end;
	m->string = (uint32_t)(str - (char *)mem);
	mbi->mods_count++;
	mbi->flags |= MBI_MODS;
	mbi->mods_addr = MODS;
}

/* A QEMU-like machine with 8 MiB of RAM, a command line and two modules. */
static void qemu_like(void)
{
	reset();
	add_entry(0, 0x9FC00, 1);
	add_entry(0x9FC00, 0x400, 2);
	add_entry(0xF0000, 0x10000, 2);
	add_entry(MiB, 7 * MiB - 0x20000, 1);
	add_entry(8 * MiB - 0x20000, 0x20000, 2); /* ACPI tables live here */
	add_entry(0xFFFC0000, 0x40000, 2);
	add_entry(0xFD00000000UL, 0x300000000UL, 2); /* HyperTransport hole */
	set_cmdline("/boot/kernel.elf selftest init=/bin/sh quiet");
	add_module(2 * MiB, 2 * MiB + 5000, "initramfs.cpio");
	add_module(3 * MiB, 3 * MiB + 100, "");
	multiboot_parse(MULTIBOOT_BOOT_MAGIC, MBI);
}

static bool has_range(const struct pmm_range *r, size_t n, paddr_t base, uint64_t len)
{
	for (size_t i = 0; i < n; i++)
		if (r[i].base == base && r[i].len == len)
			return true;
	return false;
}

HTEST(multiboot_memory_map_and_reservations)
{
	const struct pmm_range *u, *r;
	size_t nu, nr;

	qemu_like();
	u = multiboot_usable(&nu);
	r = multiboot_reserved(&nr);
	HCHECK(nu == 2);
	HCHECK(has_range(u, nu, 0, 0x9FC00) && has_range(u, nu, MiB, 7 * MiB - 0x20000));
	HCHECK(has_range(r, nr, 0, MiB));
	HCHECK(has_range(r, nr, MiB, 256 * 1024));                 /* kernel image */
	HCHECK(has_range(r, nr, MBI, MBI_FULL_SIZE));               /* the mbi */
	HCHECK(has_range(r, nr, MMAP, mmap_len));                   /* the map */
	HCHECK(has_range(r, nr, CMDLINE, strlen((char *)mem + CMDLINE) + 1));
	HCHECK(has_range(r, nr, MODS, 2 * sizeof(struct mb_module))); /* module list */
	HCHECK(has_range(r, nr, 2 * MiB, 5000) && has_range(r, nr, 3 * MiB, 100));
	HCHECK(has_range(r, nr, MODSTR, strlen("initramfs.cpio") + 1));
	HCHECK(has_range(r, nr, 8 * MiB - 0x20000, 0x20000));
	HCHECK(multiboot_max_phys() == 4 * GiB); /* the 1 TiB hole does not count */
}

HTEST(multiboot_cmdline_and_modules)
{
	const struct multiboot_module *m;
	size_t n;

	qemu_like();
	HCHECK(!strcmp(multiboot_cmdline(), "/boot/kernel.elf selftest init=/bin/sh quiet"));
	m = multiboot_modules(&n);
	HCHECK(n == 2);
	HCHECK(m[0].start == 2 * MiB && m[0].end == 2 * MiB + 5000);
	HCHECK(!strcmp(m[0].cmdline, "initramfs.cpio") && m[1].cmdline[0] == '\0');
	/* The copies outlive the boot loader's memory. */
	memset(mem + CMDLINE, 0, 64);
	memset(mem + MODSTR, 0, 64);
	HCHECK(!strcmp(multiboot_cmdline(), "/boot/kernel.elf selftest init=/bin/sh quiet"));
	HCHECK(!strcmp(m[0].cmdline, "initramfs.cpio"));
}

/* Every frame pmm hands out lies in usable RAM outside every reservation. */
HTEST(multiboot_ranges_feed_pmm)
{
	const struct pmm_range *u, *r;
	size_t nu, nr, bad = 0, n = 0;
	paddr_t pa;

	qemu_like();
	u = multiboot_usable(&nu);
	r = multiboot_reserved(&nr);
	pmm_init(u, nu, r, nr);
	while ((pa = pmm_alloc_nozero()) != 0) {
		bad += pa < MiB || (pa >= MiB && pa < MiB + 256 * 1024);
		bad += (pa >= 2 * MiB && pa < 2 * MiB + 8192) || pa == 3 * MiB;
		bad += pa + PAGE_SIZE > 8 * MiB - 0x20000;
		n++;
	}
	HCHECK(bad == 0);
	HCHECK(n == pmm_total_count() && n > 1000);
}

HTEST(multiboot_max_phys_rules)
{
	reset();
	add_entry(MiB, 7 * MiB, 1);
	add_entry(4 * GiB, GiB + 4096, 1); /* RAM above 4 GiB, odd end */
	multiboot_parse(MULTIBOOT_BOOT_MAGIC, MBI);
	HCHECK(multiboot_max_phys() == 5 * GiB + 2 * MiB);

	reset();
	add_entry(MiB, 7 * MiB, 1);
	add_entry(8 * GiB, 2 * MiB, 3); /* ACPI tables high up */
	multiboot_parse(MULTIBOOT_BOOT_MAGIC, MBI);
	HCHECK(multiboot_max_phys() == 8 * GiB + 2 * MiB);

	reset();
	add_entry(MiB, 7 * MiB, 1);
	add_entry(60 * GiB, 40 * GiB, 1); /* past the cap: clipped */
	add_entry(200 * GiB, GiB, 1);     /* wholly past the cap: dropped */
	multiboot_parse(MULTIBOOT_BOOT_MAGIC, MBI);
	{
		size_t n;
		const struct pmm_range *u = multiboot_usable(&n);
		HCHECK(n == 2 && u[1].base == 60 * GiB && u[1].len == 4 * GiB);
	}
	HCHECK(multiboot_max_phys() == MULTIBOOT_MAX_PHYS);
}

HTEST(multiboot_odd_entry_size_and_fallback)
{
	size_t n;
	const struct pmm_range *u;

	reset();
	mmap_entry_size = 24; /* entries may be bigger than 20 bytes */
	add_entry(0, 0x9F000, 1);
	add_entry(MiB, 3 * MiB, 1);
	multiboot_parse(MULTIBOOT_BOOT_MAGIC, MBI);
	u = multiboot_usable(&n);
	HCHECK(n == 2 && u[1].base == MiB && u[1].len == 3 * MiB);

	reset(); /* no map: mem_lower / mem_upper */
	mbi->flags = MBI_MEM;
	mbi->mem_lower = 639;
	mbi->mem_upper = 15 * 1024;
	multiboot_parse(MULTIBOOT_BOOT_MAGIC, MBI);
	u = multiboot_usable(&n);
	HCHECK(n == 2 && u[0].len == 639 * 1024 && u[1].base == MiB && u[1].len == 15 * MiB);
	HCHECK(multiboot_max_phys() == 4 * GiB);
	HCHECK(multiboot_cmdline()[0] == '\0');
}

HTEST(multiboot_bad_input)
{
	size_t n;

	reset();
	add_entry(MiB, 7 * MiB, 1);
	EXPECT_PANIC(multiboot_parse(0x1BADB002, MBI)); /* wrong magic */
	reset();
	EXPECT_PANIC(multiboot_parse(MULTIBOOT_BOOT_MAGIC, MBI)); /* no memory info */
	EXPECT_PANIC(multiboot_parse(MULTIBOOT_BOOT_MAGIC, 0x7FFFFFFF)); /* above 1 GiB */

	reset(); /* a map beyond the boot tables is skipped, not read */
	mbi->flags = MBI_MMAP | MBI_MEM;
	mbi->mmap_addr = 0x50000000;
	mbi->mmap_length = 48;
	mbi->mem_upper = 7 * 1024;
	multiboot_parse(MULTIBOOT_BOOT_MAGIC, MBI);
	multiboot_usable(&n);
	HCHECK(n == 1);

	reset(); /* too many modules, an over-long command line */
	add_entry(MiB, 7 * MiB, 1);
	for (int i = 0; i < 20; i++)
		add_module(4 * MiB + i * 4096, 4 * MiB + i * 4096 + 10, "m");
	memset(mem + 0x20000, 'x', 3000);
	mem[0x20000 + 3000] = '\0';
	mbi->flags |= MBI_CMDLINE;
	mbi->cmdline = 0x20000;
	multiboot_parse(MULTIBOOT_BOOT_MAGIC, MBI);
	multiboot_modules(&n);
	HCHECK(n == MULTIBOOT_MAX_MODULES);
	HCHECK(!strcmp(multiboot_modules(&n)[15].cmdline, "m"));
	HCHECK(strlen(multiboot_cmdline()) == MULTIBOOT_CMDLINE_MAX - 1);
}

HTEST_MAIN()

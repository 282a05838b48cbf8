/* multiboot.h: what the Multiboot v1 boot loader told us, copied into the
 * kernel: the memory map as pmm ranges, the command line and the modules. */
#ifndef KERNEL_MULTIBOOT_H
#define KERNEL_MULTIBOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/arch.h"
#include "mm/pmm.h"

#define MULTIBOOT_BOOT_MAGIC 0x2BADB002
#define MULTIBOOT_MAX_MODULES 16
#define MULTIBOOT_CMDLINE_MAX 1024
#define MULTIBOOT_MODULE_CMDLINE_MAX 128

/* The direct map never reaches beyond this; RAM above it is not used. */
#define MULTIBOOT_MAX_PHYS (64UL << 30)

struct multiboot_module {
	paddr_t start, end; /* physical, end exclusive */
	char cmdline[MULTIBOOT_MODULE_CMDLINE_MAX];
};

/* Copy everything we need out of the Multiboot information at mbi_phys and
 * build the usable and reserved ranges for pmm_init.
 * => called once, while the boot page tables map physical 0..1 GiB.
 *    Panics if magic is wrong or there is no memory information. */
void multiboot_parse(uint32_t magic, paddr_t mbi_phys);

/* RAM the boot loader reported usable (capped at MULTIBOOT_MAX_PHYS). */
const struct pmm_range *multiboot_usable(size_t *n);
/* What pmm must never hand out: the first MiB, the kernel image, the boot
 * loader's structures, every module, and every non-usable map entry. */
const struct pmm_range *multiboot_reserved(size_t *n);

/* One past the highest physical address to direct-map: the end of the
 * highest RAM or ACPI (types 1, 3, 4) memory-map entry, but at least 4 GiB,
 * so that everything below 4 GiB is covered: the ACPI tables that firmware
 * puts in "reserved" memory at the top of low RAM (QEMU, Bochs), the BIOS
 * areas and the PCI/APIC hole. Reserved entries above 4 GiB (QEMU lists a
 * HyperTransport hole below 1 TiB) do not count. Rounded up to 2 MiB and
 * capped at MULTIBOOT_MAX_PHYS. */
paddr_t multiboot_max_phys(void);

/* The kernel command line ("" if none). QEMU puts the kernel's path first. */
const char *multiboot_cmdline(void);

/* The boot modules, in the order the boot loader listed them. */
const struct multiboot_module *multiboot_modules(size_t *n);

#endif

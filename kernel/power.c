/* power.c: power-off through ACPI S5, with the emulators' fallback ports.
 *
 * The PM1a control port and the S5 sleep type come from the tables: RSDP
 * (EBDA or the BIOS area) -> RSDT/XSDT -> FADT ("FACP") -> DSDT, in which the
 * \_S5_ package is found by a bounded byte scan (Bochs puts it in the very
 * last bytes of its DSDT). When anything is missing we fall back to QEMU's
 * 0x604 and Bochs's 0xB004 ports and then to Bochs's 0x8900 "Shutdown". */
#include "kernel/power.h"

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/serial.h"

struct acpi_header {
	char sig[4];
	uint32_t length;
	uint8_t revision;
	uint8_t checksum;
	char oem[6];
	char oem_table[8];
	uint32_t oem_rev;
	uint32_t creator;
	uint32_t creator_rev;
} __attribute__((packed));

static uint16_t pm1a_cnt;
static uint16_t slp_typa;
static bool acpi_ok;

static bool checksum_ok(const void *p, uint32_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	for (uint32_t i = 0; i < len; i++)
		sum += b[i];
	return sum == 0;
}

static const uint8_t *find_rsdp_in(paddr_t start, paddr_t end)
{
	for (paddr_t pa = start; pa + 20 <= end; pa += 16) {
		const uint8_t *p = phys_to_virt(pa);
		if (!memcmp(p, "RSD PTR ", 8) && checksum_ok(p, 20))
			return p;
	}
	return NULL;
}

static const uint8_t *find_rsdp(void)
{
	paddr_t ebda = (paddr_t)(*(uint16_t *)phys_to_virt(0x40E)) << 4;
	const uint8_t *r = NULL;

	if (ebda >= 0x80000 && ebda < 0xA0000)
		r = find_rsdp_in(ebda, ebda + 1024);
	return r ? r : find_rsdp_in(0xE0000, 0x100000);
}

/* Find the table with signature sig through the RSDT (or XSDT). */
static const struct acpi_header *find_table(const uint8_t *rsdp, const char *sig)
{
	bool xsdt = rsdp[15] >= 2 && *(uint64_t *)(rsdp + 24);
	paddr_t root = xsdt ? *(uint64_t *)(rsdp + 24) : *(uint32_t *)(rsdp + 16);
	const struct acpi_header *h = phys_to_virt(root);
	unsigned esz = xsdt ? 8 : 4;
	unsigned n = (h->length - sizeof(*h)) / esz;

	for (unsigned i = 0; i < n; i++) {
		const uint8_t *ent = (const uint8_t *)(h + 1) + i * esz;
		paddr_t pa = xsdt ? *(uint64_t *)ent : *(uint32_t *)ent;
		const struct acpi_header *t = phys_to_virt(pa);
		if (!memcmp(t->sig, sig, 4))
			return t;
	}
	return NULL;
}

/* Decode an AML integer at p (byte/word prefix or a bare small constant). */
static int aml_int(const uint8_t *p, const uint8_t *end, uint16_t *out)
{
	if (p >= end)
		return -1;
	if (*p == 0x0A && p + 1 < end) { /* BytePrefix */
		*out = p[1];
		return 0;
	}
	if (*p == 0x0B && p + 2 < end) { /* WordPrefix */
		*out = (uint16_t)(p[1] | (p[2] << 8));
		return 0;
	}
	if (*p <= 1) { /* ZeroOp, OneOp */
		*out = *p;
		return 0;
	}
	return -1;
}

static int parse_s5(const struct acpi_header *dsdt)
{
	const uint8_t *p = (const uint8_t *)dsdt + sizeof(*dsdt);
	const uint8_t *end = (const uint8_t *)dsdt + dsdt->length;

	for (; p + 4 <= end; p++) {
		if (memcmp(p, "_S5_", 4))
			continue;
		const uint8_t *q = p + 4;
		if (q >= end || *q != 0x12) /* PackageOp */
			continue;
		q++;
		if (q >= end)
			return -1;
		q += ((*q >> 6) & 3) + 1; /* PkgLength */
		q++;                      /* NumElements */
		return aml_int(q, end, &slp_typa);
	}
	return -1;
}

void power_init(void)
{
	const uint8_t *rsdp = find_rsdp();
	const struct acpi_header *fadt, *dsdt;

	if (!rsdp || !(fadt = find_table(rsdp, "FACP"))) {
		kinfo("acpi: no FADT; power-off uses emulator ports\n");
		return;
	}
	pm1a_cnt = (uint16_t)*(const uint32_t *)((const uint8_t *)fadt + 64);
	dsdt = phys_to_virt(*(const uint32_t *)((const uint8_t *)fadt + 40));
	if (memcmp(dsdt->sig, "DSDT", 4) || parse_s5(dsdt) < 0) {
		kinfo("acpi: no \\_S5_; power-off uses emulator ports\n");
		return;
	}
	acpi_ok = true;
	kinfo("acpi: PM1a_CNT %x, S5 type %u\n", pm1a_cnt, slp_typa);
}

void power_off(void)
{
	irq_disable();
	serial_drain(); /* Bochs drops bytes still in the UART at power-off */
	if (acpi_ok)
		outw(pm1a_cnt, (uint16_t)((slp_typa << 10) | (1 << 13)));
	outw(0x604, 0x2000);  /* QEMU */
	outw(0xB004, 0x2000); /* Bochs */
	for (const char *s = "Shutdown"; *s; s++)
		outb(0x8900, (uint8_t)*s);
	for (;;)
		cpu_halt();
}

/* cpu.c: CPUID feature detection and CR0/CR4/EFER set-up.
 *
 * Emulators raise #GP for CR4/EFER bits the CPU model does not advertise
 * (Bochs's athlon64_clawhammer has no CPUID leaf 7, so no SMEP/SMAP), so every
 * bit we set is gated on CPUID. PCID is detected and reported but not used:
 * the kernel flushes on CR3 switches. */
#include "kernel/cpu.h"

#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"

struct cpu_features cpu_features;
bool cpu_has_smap;

static void read_features(struct cpu_features *f)
{
	uint32_t a, b, c, d, max, maxext;

	cpuid(0, 0, &max, &b, &c, &d);
	memcpy(f->vendor, &b, 4);
	memcpy(f->vendor + 4, &d, 4);
	memcpy(f->vendor + 8, &c, 4);
	cpuid(1, 0, &a, &b, &c, &d);
	f->pge = d & (1u << 13);
	f->fxsr = d & (1u << 24);
	f->sse = d & (1u << 25);
	f->sse2 = d & (1u << 26);
	f->pcid = c & (1u << 17);
	f->rdrand = c & (1u << 30);
	if (max >= 7) {
		cpuid(7, 0, &a, &b, &c, &d);
		f->fsgsbase = b & (1u << 0);
		f->smep = b & (1u << 7);
		f->invpcid = b & (1u << 10);
		f->smap = b & (1u << 20);
	}
	cpuid(0x80000000, 0, &maxext, &b, &c, &d);
	if (maxext >= 0x80000001) {
		cpuid(0x80000001, 0, &a, &b, &c, &d);
		f->nx = d & (1u << 20);
		f->gbpages = d & (1u << 26);
	}
	if (maxext >= 0x80000004) {
		uint32_t *m = (uint32_t *)f->model;
		for (uint32_t leaf = 0; leaf < 3; leaf++)
			cpuid(0x80000002 + leaf, 0, &m[leaf * 4], &m[leaf * 4 + 1],
			      &m[leaf * 4 + 2], &m[leaf * 4 + 3]);
	}
}

static const char *onoff(bool found, bool used)
{
	return !found ? "-" : used ? "on" : "found";
}

void cpu_init(void)
{
	struct cpu_features *f = &cpu_features;
	uint64_t cr4 = read_cr4();
	const char *model = f->model;

	read_features(f);
	KASSERT(f->fxsr && f->sse2); /* every x86-64 CPU has them */
	write_cr0((read_cr0() | CR0_WP | (1UL << 1)) & ~(1UL << 2)); /* WP, MP; no EM */
	cr4 |= CR4_OSFXSR | CR4_OSXMMEXCPT;
	if (f->pge)
		cr4 |= CR4_PGE;
	if (f->smep)
		cr4 |= CR4_SMEP;
	if (f->smap)
		cr4 |= CR4_SMAP;
	write_cr4(cr4);
	cpu_has_smap = f->smap;
	if (f->nx)
		wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
	while (*model == ' ')
		model++;
	kprintf("cpu: %s \"%s\" features: nx=%s pge=%s smep=%s smap=%s pcid=%s 1gpages=%s "
		"rdrand=%s\n",
		f->vendor, model, onoff(f->nx, f->nx), onoff(f->pge, f->pge),
		onoff(f->smep, f->smep), onoff(f->smap, f->smap), onoff(f->pcid, false),
		onoff(f->gbpages, f->gbpages), onoff(f->rdrand, f->rdrand));
}

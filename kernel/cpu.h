/* cpu.h: CPU feature detection and the control-register set-up it allows. */
#ifndef KERNEL_CPU_H
#define KERNEL_CPU_H

#include <stdbool.h>

struct cpu_features {
	bool nx, pge, pcid, smep, smap, gbpages, fxsr, sse, sse2, rdrand, invpcid, fsgsbase;
	char vendor[13];
	char model[49];
};

extern struct cpu_features cpu_features;

/* Read CPUID and turn on only what it advertises: NX, PGE, SMEP, SMAP,
 * FXSR/SSE for user space, WP. Prints one line naming what was found and
 * what was enabled. */
void cpu_init(void);

#endif

/* power.h: turning the machine off. */
#ifndef KERNEL_POWER_H
#define KERNEL_POWER_H

/* Find the ACPI power-off registers (FADT PM1a_CNT, DSDT \_S5). */
void power_init(void);
/* Power off through ACPI S5, then the emulators' own exits; never returns. */
__attribute__((noreturn)) void power_off(void);

#endif

/* cmdline.h: the kernel command line ("selftest quiet rdinit=/bin/sh"). */
#ifndef KERNEL_CMDLINE_H
#define KERNEL_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Keep a copy of the command line. A first word "kernel.elf" or a path
 * ending in "/kernel.elf" (QEMU passes the kernel's own path) is skipped. */
void cmdline_set(const char *s);
const char *cmdline_get(void);
/* True if the bare word is present. */
bool cmdline_has(const char *word);
/* Copy the value of key=value into buf; false if the key is absent. */
bool cmdline_value(const char *key, char *buf, size_t size);

#endif

/* vga.h: the 80x25 VGA text screen. */
#ifndef KERNEL_VGA_H
#define KERNEL_VGA_H

#include <stddef.h>

void vga_init(void);
/* Write text at the cursor, scrolling as needed. */
void vga_write(const char *s, size_t n);

#endif

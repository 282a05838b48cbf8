/* vga.h: the 80x25 VGA text screen: kernel messages and tty1's terminal. */
#ifndef KERNEL_VGA_H
#define KERNEL_VGA_H

#include <stddef.h>

#define VGA_ROWS 25
#define VGA_COLS 80

struct tty;

/* Clear the screen and take over the text memory and the cursor. */
void vga_init(void);
/* Kernel messages: plain text at the cursor in the normal colours, '\n'
 * starting a new line; escape sequences are not interpreted. */
void vga_write(const char *s, size_t n);
/* tty1's output: through the VT100/Linux-console emulator (kernel/vt.h).
 * Answers to terminal queries (DSR, DA) go to the tty set by
 * vga_attach_tty as input. Never blocks; callable from interrupts. */
void vga_tty_write(const char *s, size_t n);
void vga_attach_tty(struct tty *t);

#endif

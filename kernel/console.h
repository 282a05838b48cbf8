/* console.h: the kernel's own output path to the serial port and VGA screen. */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stddef.h>

/* Bring up COM1 and the VGA text screen for kernel messages. */
void console_init(void);

/* Write kernel text to every console; '\n' becomes "\r\n" on serial.
 * => safe from any context, including fault handlers (interrupts are saved
 *    and disabled for the duration so lines do not interleave). */
void console_write_kernel(const char *s, size_t n);

#endif

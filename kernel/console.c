/* console.c: kernel message output to serial and VGA. */
#include "kernel/console.h"

#include "kernel/arch.h"
#include "kernel/serial.h"
#include "kernel/vga.h"

void console_init(void)
{
	serial_init();
	vga_init();
}

void console_write_kernel(const char *s, size_t n)
{
	uint64_t flags = irq_save();

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			serial_putc('\r');
		serial_putc(s[i]);
	}
	vga_write(s, n);
	irq_restore(flags);
}

/* serial.c: polled output and interrupt-driven input on COM1. */
#include "kernel/serial.h"

#include "kernel/arch.h"
#include "kernel/irq.h"

#define COM1 0x3F8
#define REG_DATA 0
#define REG_IER 1
#define REG_FCR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LSR_TEMT 0x40

static void (*rx_handler)(char c);

void serial_init(void)
{
	outb(COM1 + REG_IER, 0x00);
	outb(COM1 + REG_LCR, 0x80); /* divisor latch */
	outb(COM1 + 0, 0x01);       /* 115200 baud */
	outb(COM1 + 1, 0x00);
	outb(COM1 + REG_LCR, 0x03); /* 8N1 */
	outb(COM1 + REG_FCR, 0xC7); /* FIFO on, cleared, 14-byte threshold */
	outb(COM1 + REG_MCR, 0x0B); /* DTR, RTS, OUT2 (IRQ line enable) */
}

void serial_putc(char c)
{
	while (!(inb(COM1 + REG_LSR) & LSR_THRE))
		cpu_pause();
	outb(COM1 + REG_DATA, (uint8_t)c);
}

void serial_drain(void)
{
	for (int i = 0; i < 1000000 && !(inb(COM1 + REG_LSR) & LSR_TEMT); i++)
		cpu_pause();
}

int serial_try_getc(void)
{
	if (!(inb(COM1 + REG_LSR) & LSR_DR))
		return -1;
	return inb(COM1 + REG_DATA);
}

static void serial_irq(void)
{
	int c;

	while ((c = serial_try_getc()) >= 0)
		if (rx_handler)
			rx_handler((char)c);
}

void serial_enable_rx_irq(void (*handler)(char c))
{
	rx_handler = handler;
	irq_register(4, serial_irq);
	outb(COM1 + REG_IER, 0x01);
	irq_unmask(4);
}

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

static bool (*rx_has_room)(void);
static bool rx_throttled;

/* Hand waiting bytes to the receiver while it has room; the receive
 * interrupt stays on only while it does. => interrupts off */
static void rx_drain(void)
{
	bool throttled = false;
	int c;

	while (!(throttled = !rx_has_room()) && (c = serial_try_getc()) >= 0)
		rx_handler((char)c);
	if (throttled != rx_throttled)
		outb(COM1 + REG_IER, throttled ? 0x00 : 0x01);
	rx_throttled = throttled;
}

static void serial_irq(void)
{
	if (rx_handler)
		rx_drain();
}

void serial_rx_unthrottle(void)
{
	uint64_t f = irq_save();

	if (rx_handler && rx_throttled)
		rx_drain();
	irq_restore(f);
}

void serial_enable_rx_irq(void (*handler)(char c), bool (*has_room)(void))
{
	rx_has_room = has_room;
	rx_handler = handler;
	irq_register(4, serial_irq);
	outb(COM1 + REG_IER, 0x01);
	irq_unmask(4);
}

/* serial.h: the 16550 UART on COM1. */
#ifndef KERNEL_SERIAL_H
#define KERNEL_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

void serial_init(void);
/* Send one byte, polling "transmitter holding register empty" first
 * (Bochs sends at the emulated baud rate). */
void serial_putc(char c);
/* Wait (bounded) until the transmitter has sent everything. */
void serial_drain(void);
/* Receive one byte if one is waiting; returns -1 otherwise. */
int serial_try_getc(void);
/* Turn on the receive interrupt (IRQ 4); handler gets each byte while
 * has_room says the receiver can take one. When it cannot, the receiver is
 * throttled: the interrupt goes off and the bytes wait in the UART, where
 * the emulator holds back the rest (its FIFO full, it stops reading its
 * input), so nothing typed or pasted is lost. */
void serial_enable_rx_irq(void (*handler)(char c), bool (*has_room)(void));
/* The receiver has room again: take what waits and let interrupts in. */
void serial_rx_unthrottle(void);

#endif

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
/* Turn on the receive interrupt (IRQ 4); handler gets each byte. */
void serial_enable_rx_irq(void (*handler)(char c));

#endif

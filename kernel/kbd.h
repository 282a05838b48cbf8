/* kbd.h: the PS/2 keyboard (8042 controller, IRQ 1) as terminal input. */
#ifndef KERNEL_KBD_H
#define KERNEL_KBD_H

#include <stdint.h>

struct tty;

/* Set up the controller and the keyboard and unmask IRQ 1; keys then reach
 * t through tty_receive as the bytes a Linux console sends. Without a
 * controller or a keyboard it prints a line and returns: every wait is
 * bounded. => called once, with interrupts enabled (the waits use the clock). */
void kbd_init(struct tty *t);

/* For self-tests. kbd_redirect: the bytes go to fn instead of the terminal
 * (NULL: back to the terminal). kbd_inject: the controller delivers code as
 * if the keyboard had sent it (8042 command D2), through the interrupt;
 * returns once the handler took it: 0, -ENODEV or -ETIMEDOUT. */
void kbd_redirect(void (*fn)(char c));
int kbd_inject(uint8_t code);

#endif

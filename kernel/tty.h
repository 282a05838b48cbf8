/* tty.h: terminals: a line discipline over a character device. */
#ifndef KERNEL_TTY_H
#define KERNEL_TTY_H

#include <stdint.h>

struct tty;

/* Create the serial terminal (ttyS0, also /dev/console) and /dev/tty. */
void tty_init(void);
/* A byte arrived from the device (interrupt context). */
void tty_receive(struct tty *tty, char c);

#endif

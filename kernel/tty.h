/* tty.h: terminals: a line discipline over a character device. */
#ifndef KERNEL_TTY_H
#define KERNEL_TTY_H

#include <stddef.h>
#include <stdint.h>

struct tty;

/* Create the serial terminal (ttyS0), the VGA one (tty1, also /dev/tty0)
 * with the keyboard, /dev/console (ttyS0, or tty1 with console=tty1 or
 * console=tty0 on the command line) and /dev/tty. */
void tty_init(void);
/* Add a terminal: /dev/<name> with the given device numbers, writing its
 * output through out (which must not block). */
struct tty *tty_register(const char *name, uint32_t major, uint32_t minor,
			 void (*out)(const char *s, size_t n));
/* Set the size TIOCGWINSZ reports (no SIGWINCH: for setting up). */
void tty_set_winsize(struct tty *t, uint16_t rows, uint16_t cols);
/* Make t the terminal behind /dev/console. */
void tty_set_console(struct tty *t);
/* A byte arrived from the device (interrupt context). */
void tty_receive(struct tty *tty, char c);

#endif

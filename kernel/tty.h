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
/* The controlling process of session sid exits: its terminal's foreground
 * group gets SIGHUP and SIGCONT, and the session loses the terminal. */
void tty_session_leader_exit(struct tty *t, int sid);
/* A byte arrived from the device (interrupt context). */
void tty_receive(struct tty *tty, char c);
/* For /proc/<pid>/stat: a controlling terminal's device number
 * (MKDEV form) and its foreground process group. */
uint32_t tty_devnum(struct tty *t);
int tty_fg_pgrp(struct tty *t);

#endif

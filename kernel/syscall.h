/* syscall.h: the system-call entry set-up and dispatcher. */
#ifndef KERNEL_SYSCALL_H
#define KERNEL_SYSCALL_H

/* Program STAR/LSTAR/SFMASK and enable SYSCALL in EFER. */
void syscall_init(void);

#endif

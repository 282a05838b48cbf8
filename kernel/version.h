/* version.h: what uname reports. The release looks like Linux's so that
 * programs checking for a minimum kernel version accept it. */
#ifndef KERNEL_VERSION_H
#define KERNEL_VERSION_H

#define KERNEL_RELEASE "6.1.0-cowkernel"
#define KERNEL_VERSION_STRING "#1 SMP PREEMPT_DYNAMIC"

/* The host name sethostname set (uname's nodename). */
const char *uname_nodename(void);

#endif

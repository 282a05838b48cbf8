/* exec.h: replacing a process image (execve). */
#ifndef PROC_EXEC_H
#define PROC_EXEC_H

#include <stdint.h>

/* execve from the kernel (pid 1's first program): argv and envp are kernel
 * strings. Returns 0 with the current task's trap frame set to enter the new
 * image, or -errno with the task unchanged. */
int exec_kernel(const char *path, char *const argv[], char *const envp[]);

#endif

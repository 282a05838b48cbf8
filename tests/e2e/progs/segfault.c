/* segfault.c: writes through a null pointer, so the kernel kills it with
 * SIGSEGV. The shell e2e test (tests/e2e/shell.py) runs it from the BusyBox
 * shell, which must print "Segmentation fault" and go on. */
#include <stdio.h>

int main(void)
{
	volatile int *p = (volatile int *)0;

	printf("segfault: writing to address 0\n");
	fflush(stdout);
	*p = 1;
	printf("segfault: still alive\n");
	return 0;
}

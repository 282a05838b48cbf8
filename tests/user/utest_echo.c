/* utest_echo.c: prints its arguments, one per line, for the exec tests.
 *
 * Output: "argc=N" then "argv[i]=<arg>" for each argument. Used as the
 * interpreter of the `#!` script tests and as a plain exec target. With
 * UTEST_ECHO_ENV=NAME in the environment it also prints "env=<value of NAME>". */
#include "ulib.h"

int main(int argc, char **argv)
{
	u_out("argc=%d\n", argc);
	for (int i = 0; i < argc; i++)
		u_out("argv[%d]=%s\n", i, argv[i]);
	const char *name = getenv("UTEST_ECHO_ENV");
	if (name) {
		const char *v = getenv(name);
		u_out("env=%s\n", v ? v : "(unset)");
	}
	return 0;
}

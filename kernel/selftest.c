/* selftest.c: run the self-tests registered in the .selftests section and
 * print KTAP lines. (A minimal runner; the lead's version replaces it.) */
#include "kernel/selftest.h"

#include "kernel/printk.h"

extern const struct selftest __selftests_start[], __selftests_end[];

static int current_failures;

void selftest_check(bool ok, const char *expr, const char *file, int line)
{
	if (ok)
		return;
	current_failures++;
	kprintf("# check failed: %s at %s:%d\n", expr, file, line);
}

int selftest_run_all(void)
{
	int n = (int)(__selftests_end - __selftests_start);
	int failed = 0;

	kprintf("KTAP version 1\n1..%d\n", n);
	for (int i = 0; i < n; i++) {
		current_failures = 0;
		__selftests_start[i].fn();
		failed += current_failures != 0;
		kprintf("%sok %d - %s\n", current_failures ? "not " : "", i + 1,
			__selftests_start[i].name);
	}
	kprintf("# selftest: %d passed, %d failed\n", n - failed, failed);
	return failed;
}

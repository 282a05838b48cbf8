/* selftest.c: runs the SELFTEST() functions registered in the .selftests
 * section and prints KTAP: one "ok N - name" or "not ok N - name" line each,
 * and a final "# selftest: P passed, F failed" summary. */
#include "kernel/selftest.h"

#include "kernel/printk.h"

extern const struct selftest __selftests_start[], __selftests_end[];

static int failures_in_current;

void selftest_check(bool ok, const char *expr, const char *file, int line)
{
	if (ok)
		return;
	failures_in_current++;
	kprintf("# check failed: %s at %s:%d\n", expr, file, line);
}

int selftest_run_all(void)
{
	int n = (int)(__selftests_end - __selftests_start), failed = 0;

	kprintf("KTAP version 1\n1..%d\n", n);
	for (int i = 0; i < n; i++) {
		const struct selftest *t = &__selftests_start[i];
		failures_in_current = 0;
		t->fn();
		if (failures_in_current)
			failed++;
		kprintf("%sok %d - %s\n", failures_in_current ? "not " : "", i + 1, t->name);
	}
	kprintf("# selftest: %d passed, %d failed\n", n - failed, failed);
	return failed;
}

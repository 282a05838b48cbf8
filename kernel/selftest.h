/* selftest.h: in-kernel self-tests, registered through a linker section and
 * run when "selftest" is on the command line. Each prints a KTAP line. */
#ifndef KERNEL_SELFTEST_H
#define KERNEL_SELFTEST_H

#include <stdbool.h>

struct selftest {
	const char *name;
	void (*fn)(void);
};

/* Define a self-test: SELFTEST(pmm_alloc_free) { ST_CHECK(...); } */
#define SELFTEST(tname)                                                                            \
	static void selftest_fn_##tname(void);                                                     \
	static const struct selftest selftest_##tname                                              \
		__attribute__((used, section(".selftests"), aligned(8))) = { #tname,               \
									   selftest_fn_##tname };  \
	static void selftest_fn_##tname(void)

/* Record a failed check (with the expression and place) in the running test. */
void selftest_check(bool ok, const char *expr, const char *file, int line);
#define ST_CHECK(e) selftest_check(!!(e), #e, __FILE__, __LINE__)

/* Run every registered test; returns the number that failed. */
int selftest_run_all(void);

#endif

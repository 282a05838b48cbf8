/* htest.h: a tiny unit-test harness for host-built tests (ASan + UBSan).
 *
 * HTEST(name) { HCHECK(expr); ... } registers a test; HTEST_MAIN() runs them
 * all and prints KTAP-style lines ("ok N - name" / "not ok N - name"), the
 * same format as the in-kernel self-tests, so one counter reads both. */
#ifndef HTEST_H
#define HTEST_H

#include <stdio.h>
#include <stdlib.h>

struct htest {
	const char *name;
	void (*fn)(void);
};

#define HTEST_MAX 256
extern struct htest htest_table[HTEST_MAX];
extern int htest_count, htest_failed_checks;

#define HTEST(tname)                                                                               \
	static void htest_fn_##tname(void);                                                        \
	__attribute__((constructor)) static void htest_reg_##tname(void)                           \
	{                                                                                          \
		htest_table[htest_count].name = #tname;                                            \
		htest_table[htest_count++].fn = htest_fn_##tname;                                  \
	}                                                                                          \
	static void htest_fn_##tname(void)

#define HCHECK(e)                                                                                  \
	do {                                                                                       \
		if (!(e)) {                                                                        \
			printf("# check failed: %s at %s:%d\n", #e, __FILE__, __LINE__);          \
			htest_failed_checks++;                                                     \
		}                                                                                  \
	} while (0)

#define HTEST_MAIN()                                                                               \
	struct htest htest_table[HTEST_MAX];                                                       \
	int htest_count, htest_failed_checks;                                                      \
	int main(void)                                                                             \
	{                                                                                          \
		int failed = 0;                                                                    \
		setvbuf(stdout, NULL, _IOLBF, 0); /* lines survive a sanitizer abort */            \
		printf("KTAP version 1\n1..%d\n", htest_count);                                    \
		for (int i = 0; i < htest_count; i++) {                                            \
			int before = htest_failed_checks;                                          \
			htest_table[i].fn();                                                       \
			int bad = htest_failed_checks != before;                                   \
			failed += bad;                                                             \
			printf("%sok %d - %s\n", bad ? "not " : "", i + 1, htest_table[i].name);   \
		}                                                                                  \
		return failed ? 1 : 0;                                                             \
	}

#endif

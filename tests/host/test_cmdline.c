/* test_cmdline.c: the kernel command line: words, key=value, and QEMU's
 * leading kernel path. */
#include <string.h>

#include "htest.h"
#include "kernel/cmdline.c"
#include "kernel/lib/string.h"

#include "kernel/lib/strlcpy.c" /* glibc 2.36 has none */

HTEST(cmdline_words_and_values)
{
	char v[32];

	cmdline_set("selftest rdinit=/bin/sh quiet mem=64M");
	HCHECK(cmdline_has("selftest") && cmdline_has("quiet"));
	HCHECK(!cmdline_has("self") && !cmdline_has("test") && !cmdline_has("rdinit"));
	HCHECK(!cmdline_has(""));
	HCHECK(cmdline_value("rdinit", v, sizeof(v)) && !strcmp(v, "/bin/sh"));
	HCHECK(cmdline_value("mem", v, sizeof(v)) && !strcmp(v, "64M"));
	HCHECK(!cmdline_value("selftest", v, sizeof(v)) && !cmdline_value("rd", v, sizeof(v)));
}

HTEST(cmdline_skips_qemu_kernel_path)
{
	cmdline_set("/work/build/kernel.elf selftest");
	HCHECK(!strcmp(cmdline_get(), "selftest"));
	cmdline_set("  kernel.elf selftest"); /* QEMU started from build/ */
	HCHECK(!strcmp(cmdline_get(), "selftest"));
	cmdline_set("mykernel.elf selftest"); /* not our image's name: kept */
	HCHECK(!strcmp(cmdline_get(), "mykernel.elf selftest"));
	cmdline_set("");
	HCHECK(!strcmp(cmdline_get(), "") && !cmdline_has("selftest"));
}

HTEST(cmdline_value_truncates_to_buffer)
{
	char v[4];

	cmdline_set("rdinit=/bin/busybox");
	HCHECK(cmdline_value("rdinit", v, sizeof(v)) && !strcmp(v, "/bi"));
	HCHECK(cmdline_value("rdinit", NULL, 0));
}

HTEST(cmdline_tabs_and_repeats)
{
	char v[16];

	cmdline_set("a=1\tquiet  a=2");
	HCHECK(cmdline_has("quiet"));
	HCHECK(cmdline_value("a", v, sizeof(v)) && !strcmp(v, "1")); /* the first wins */
}

HTEST_MAIN()

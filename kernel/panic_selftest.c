/* panic_selftest.c: in-kernel self-tests of the stack protector's set-up. */
#include "kernel/printk.h"
#include "kernel/selftest.h"

/* The canary is no longer the link-time constant, and its low byte is zero
 * (kmain's stack_guard_init). That it fires is shown by "crashtest=stack"
 * (tests/e2e/crashtest.py). */
SELFTEST(stack_guard_is_random)
{
	ST_CHECK(__stack_chk_guard != 0x5d1e57ac4c0ffee5UL);
	ST_CHECK((__stack_chk_guard & 0xFF) == 0);
	ST_CHECK((__stack_chk_guard >> 8) != 0);
}

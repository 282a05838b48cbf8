/* kbd_selftest.c: the keyboard path through the real controller: scancodes
 * put in the 8042's output buffer (command D2) raise IRQ 1 and come out as
 * terminal bytes. */
#include "kernel/kbd.h"
#include "kernel/lib/string.h"
#include "kernel/selftest.h"

static char got[32];
static int ngot;

static void record(char c)
{
	if (ngot < (int)sizeof(got))
		got[ngot++] = c;
}

SELFTEST(kbd_scancodes_through_8042_and_irq1)
{
	static const uint8_t codes[] = {
		0x2a, 0x1e, 0x9e, 0xaa, 0x1e, 0x9e,     /* Shift+a, a */
		0xe0, 0x48, 0xe0, 0xc8,                 /* Up */
		0x1d, 0x2e, 0xae, 0x9d,                 /* Ctrl+c */
		0xe0, 0x53, 0xe0, 0xd3, 0x1c, 0x9c,     /* Delete, Enter */
	};
	static const char want[] = "Aa\033[A\003\033[3~\r";
	int err = 0;

	ngot = 0;
	kbd_redirect(record);
	for (size_t i = 0; i < sizeof(codes) && !err; i++)
		err = kbd_inject(codes[i]);
	kbd_redirect(NULL);
	ST_CHECK(err == 0);
	ST_CHECK(ngot == (int)sizeof(want) - 1 && !memcmp(got, want, sizeof(want) - 1));
}

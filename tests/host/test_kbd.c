/* test_kbd.c: the keyboard's keymap (scancode set 1 to terminal bytes),
 * without the controller. Expected bytes are what the Linux console sends
 * (xterm's for F1-F4 and Shift+Tab). */
#include "kernel/kbd.c"

#include <string.h>

#include "htest.h"

/* What kbd.c needs from the rest of the kernel; the tests never reach the
 * hardware half, so these only have to link. */
int printk_quiet = 1;
void kprintf(const char *fmt, ...) { (void)fmt; }
uint64_t clock_monotonic_ns(void) { return 0; }
void irq_register(int irq, void (*handler)(void)) { (void)irq; (void)handler; }
void irq_unmask(int irq) { (void)irq; }
void tty_receive(struct tty *t, char c) { (void)t; (void)c; }

static struct kbd_state k;
static char got[256];
static size_t got_len;

/* Run the scancode bytes through the keymap; got holds what came out. */
static void keys(const char *codes, size_t n)
{
	char out[KBD_SEQ_MAX];

	got_len = 0;
	for (size_t i = 0; i < n; i++) {
		size_t m = kbd_key(&k, (uint8_t)codes[i], out);
		HCHECK(m <= KBD_SEQ_MAX);
		memcpy(got + got_len, out, m);
		got_len += m;
	}
	got[got_len] = 0;
}

#define KEYS(lit) keys(lit, sizeof(lit) - 1)
#define GOT(lit) (got_len == sizeof(lit) - 1 && !memcmp(got, lit, sizeof(lit) - 1))

static void reset(void)
{
	memset(&k, 0, sizeof(k));
}

HTEST(kbd_letters_digits_and_release)
{
	reset();
	KEYS("\x1e\x9e\x30\xb0\x02\x82\x0b\x8b\x39\xb9");
	HCHECK(GOT("ab10 "));
	KEYS("\x1e\x1e\x1e\x9e"); /* typematic repeat: three make codes */
	HCHECK(GOT("aaa"));
}

HTEST(kbd_shift_punctuation_us_layout)
{
	reset();
	KEYS("\x0c\x0d\x1a\x1b\x27\x28\x29\x2b\x33\x34\x35");
	HCHECK(GOT("-=[];'`\\,./"));
	KEYS("\x2a\x0c\x0d\x1a\x1b\x27\x28\x29\x2b\x33\x34\x35\x02\x03\x0b\x1e\xaa\x1e");
	HCHECK(GOT("_+{}:\"~|<>?!@)Aa"));
	KEYS("\x36\x10\xb6\x10"); /* right shift */
	HCHECK(GOT("Qq"));
}

HTEST(kbd_caps_lock_letters_only_and_no_repeat_toggle)
{
	reset();
	KEYS("\x3a\x3a\x3a\xba\x1e\x02");
	HCHECK(GOT("A1") && (k.locks & LED_CAPS) && k.leds_dirty);
	KEYS("\x2a\x1e\xaa"); /* Shift undoes Caps Lock for letters */
	HCHECK(GOT("a"));
	KEYS("\x3a\xba\x1e");
	HCHECK(GOT("a") && !(k.locks & LED_CAPS));
}

HTEST(kbd_control_keys)
{
	reset();
	KEYS("\x1c\x0e\x0f\x01");
	HCHECK(GOT("\r\x7f\t\033"));
	KEYS("\x1d\x2e\x1e\x2c\x1a\x2b\x1b\x03\x39\x07\x0c\x9d\x2e");
	HCHECK(GOT("\x03\x01\x1a\033\034\035\0\0\036\037c"));
	KEYS("\xe0\x1d\x20\xe0\x9d\x20"); /* right Ctrl */
	HCHECK(GOT("\x04" "d"));
	KEYS("\x1d\x2a\x1e\xaa\x9d"); /* Ctrl+Shift+A is still ^A */
	HCHECK(GOT("\x01"));
}

HTEST(kbd_alt_sends_esc_prefix)
{
	reset();
	KEYS("\x38\x2d\xb8\x2d");
	HCHECK(GOT("\033xx"));
	KEYS("\xe0\x38\x2a\x2d\xaa\xe0\xb8"); /* right Alt, Shift */
	HCHECK(GOT("\033X"));
}

HTEST(kbd_cursor_and_editing_keys)
{
	reset();
	KEYS("\xe0\x48\xe0\xc8\xe0\x50\xe0\x4d\xe0\x4b");
	HCHECK(GOT("\033[A\033[B\033[C\033[D"));
	KEYS("\xe0\x47\xe0\x4f\xe0\x49\xe0\x51\xe0\x52\xe0\x53");
	HCHECK(GOT("\033[1~\033[4~\033[5~\033[6~\033[2~\033[3~"));
	KEYS("\xe0\x1c\xe0\x35"); /* keypad Enter and / */
	HCHECK(GOT("\r/"));
}

HTEST(kbd_fake_shifts_around_grey_keys)
{
	reset();
	KEYS("\xe0\x2a\xe0\x48\xe0\xc8\xe0\xaa\x1e");
	HCHECK(GOT("\033[Aa"));
	HCHECK(k.mods == 0);
}

HTEST(kbd_keypad_follows_num_lock)
{
	reset();
	KEYS("\x48\x4c\x52\x53\x4a\x4e\x37");
	HCHECK(GOT("\033[A\033[G\033[2~\033[3~-+*"));
	KEYS("\x45\xc5\x47\x48\x49\x4b\x4c\x4d\x4f\x50\x51\x52\x53");
	HCHECK(GOT("7894561230.") && (k.locks & LED_NUM));
	KEYS("\xe0\x48"); /* the grey arrows ignore Num Lock */
	HCHECK(GOT("\033[A"));
}

HTEST(kbd_function_keys)
{
	reset();
	KEYS("\x3b\x3c\x3d\x3e\x3f");
	HCHECK(GOT("\033OP\033OQ\033OR\033OS\033[15~"));
	KEYS("\x44\x57\x58");
	HCHECK(GOT("\033[21~\033[23~\033[24~"));
}

HTEST(kbd_pause_and_unknown_codes_send_nothing)
{
	reset();
	KEYS("\xe1\x1d\x45\xe1\x9d\xc5\x1e");
	HCHECK(GOT("a") && !(k.locks & LED_NUM));
	KEYS("\xe0\x5b\xe0\xdb\x54\x56\x59\x7f");
	HCHECK(GOT(""));
}

HTEST(kbd_shift_tab_is_back_tab)
{
	reset();
	KEYS("\x2a\x0f\xaa\x0f");
	HCHECK(GOT("\033[Z\t"));
}

HTEST_MAIN()

/* kbd.c: the PS/2 keyboard on the 8042 controller, as a Linux console's input.
 *
 * Theory of operation. The controller translates the keyboard's scancode
 * set 2 into set 1 (configuration bit 6: the BIOS sets it, kbd_init keeps it
 * set), so a key sends a make code (bit 7 clear) when pressed, again while
 * it repeats, and a break code (bit 7 set) when released; the grey keys
 * carry an E0 prefix, and Pause sends E1 1D 45 E1 9D C5 with no break code.
 *
 * kbd_key() is the whole keymap, with no hardware in it: it tracks the
 * Shift, Ctrl and Alt keys and the three locks, and turns a make code into
 * the bytes the Linux console (or xterm) would send: US-layout ASCII, Enter
 * as '\r' (the tty's ICRNL makes it '\n'), Backspace as DEL, Ctrl+letter as
 * 1-26, Alt as an ESC prefix, "ESC [ A".."D" for the arrows, "ESC [ n ~" for
 * the editing keys, "ESC O P".."S" and "ESC [ nn ~" for F1-F12. With Num
 * Lock off (the default) the keypad is a second set of cursor keys.
 *
 * The interrupt handler drains the controller and hands each byte to
 * kbd_key, then the bytes to the terminal. Controller and keyboard replies
 * (FA acknowledge, FE resend, EE echo, 00/FF errors) are not keys. The LEDs
 * follow the locks without waiting in the interrupt: "ED" is sent, and the
 * LED byte when the keyboard acknowledges it. Every other wait on the
 * controller is bounded, so a machine without a keyboard (or without a
 * controller: the status port reads FF) boots anyway. */
#include "kernel/kbd.h"

#include <stdbool.h>
#include <stddef.h>

#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/errno.h"
#include "kernel/irq.h"
#include "kernel/printk.h"
#include "kernel/tty.h"

/* ---- the keymap (no hardware below this line until the next one) ---- */

#define KBD_SEQ_MAX 8

#define MOD_LSHIFT 0x01
#define MOD_RSHIFT 0x02
#define MOD_LCTRL 0x04
#define MOD_RCTRL 0x08
#define MOD_LALT 0x10
#define MOD_RALT 0x20
#define MOD_SHIFT (MOD_LSHIFT | MOD_RSHIFT)
#define MOD_CTRL (MOD_LCTRL | MOD_RCTRL)
#define MOD_ALT (MOD_LALT | MOD_RALT)

#define LED_SCROLL 0x01
#define LED_NUM 0x02
#define LED_CAPS 0x04

struct kbd_state {
	unsigned mods;     /* MOD_* keys held */
	uint8_t locks;     /* LED_* locks on */
	uint8_t locks_held; /* lock keys held down (their repeats do nothing) */
	bool leds_dirty;   /* locks changed since the LEDs were last sent */
	bool e0;           /* the previous byte was the E0 prefix */
	int e1_left;       /* bytes of the Pause sequence still to drop */
};

/* Set 1 make codes 00-39: unshifted and shifted (0: not a character key). */
static const char plain_map[] = "\0\0331234567890-=\177\tqwertyuiop[]\r\0"
				"asdfghjkl;'`\0\\zxcvbnm,./\0*\0 ";
static const char shift_map[] = "\0\033!@#$%^&*()_+\177\tQWERTYUIOP{}\r\0"
				"ASDFGHJKL:\"~\0|ZXCVBNM<>?\0*\0 ";
_Static_assert(sizeof(plain_map) == 0x3a + 1 && sizeof(shift_map) == 0x3a + 1,
	       "keymaps cover make codes 00-39");

/* Keypad 47-53 as cursor keys (Num Lock off, and the grey E0 keys). */
static const char *const keypad_nav[] = {
	"\033[1~", "\033[A", "\033[5~", "-", "\033[D", "\033[G", "\033[C", "+",
	"\033[4~", "\033[B", "\033[6~", "\033[2~", "\033[3~",
};
static const char keypad_num[] = "789-456+1230.";

/* F1-F10 are 3b-44, F11 and F12 are 57 and 58. */
static const char *const fkeys[] = {
	"\033OP", "\033OQ", "\033OR", "\033OS", "\033[15~", "\033[17~",
	"\033[18~", "\033[19~", "\033[20~", "\033[21~", "\033[23~", "\033[24~",
};

static size_t put_str(char *out, const char *s)
{
	size_t n = 0;

	while (s[n] && n < KBD_SEQ_MAX) {
		out[n] = s[n];
		n++;
	}
	return n;
}

/* Ctrl with a character key: letters and @[\]^_ become 0-31, as do the
 * Linux console's aliases (Ctrl+2 NUL ... Ctrl+8 DEL, Ctrl+- and Ctrl+/ ^_,
 * Ctrl+Space NUL). */
static char ctrl_char(char c)
{
	static const char digits[] = "\0\0\0\033\034\035\036\037\177"; /* '0'..'8' */

	if ((c >= 'a' && c <= 'z') || (c >= '@' && c <= '_'))
		return (char)(c & 0x1f);
	if (c >= '2' && c <= '8')
		return digits[c - '0'];
	if (c == ' ')
		return 0;
	if (c == '/' || c == '-')
		return 037;
	if (c == '?')
		return 0177;
	return c;
}

/* Shift, Ctrl, Alt and the locks; true when code was one of them. */
static bool modifier_key(struct kbd_state *k, uint8_t code, bool ext, bool up)
{
	unsigned bit;
	uint8_t lock;

	switch (code) {
	case 0x2a: bit = MOD_LSHIFT; break;
	case 0x36: bit = MOD_RSHIFT; break;
	case 0x1d: bit = ext ? MOD_RCTRL : MOD_LCTRL; break;
	case 0x38: bit = ext ? MOD_RALT : MOD_LALT; break;
	case 0x3a: lock = LED_CAPS; goto toggle;
	case 0x45: lock = LED_NUM; goto toggle;
	case 0x46: lock = LED_SCROLL; goto toggle;
	default: return false;
	}
	if (up)
		k->mods &= ~bit;
	else
		k->mods |= bit;
	return true;
toggle:
	if (ext) /* E0 46 is Ctrl+Break: nothing */
		return true;
	if (up) {
		k->locks_held &= (uint8_t)~lock;
	} else if (!(k->locks_held & lock)) {
		k->locks_held |= lock;
		k->locks ^= lock;
		k->leds_dirty = true;
	}
	return true;
}

/* A key of the main block (make codes 00-39). */
static size_t char_key(struct kbd_state *k, uint8_t code, char *out)
{
	bool shift = k->mods & MOD_SHIFT;
	char c;
	size_t n = 0;

	if (code >= sizeof(plain_map) - 1)
		return 0;
	c = plain_map[code];
	if (c >= 'a' && c <= 'z' && (k->locks & LED_CAPS))
		shift = !shift;
	if (shift)
		c = shift_map[code];
	if (code == 0x0f && shift)
		return put_str(out, "\033[Z"); /* Shift+Tab: back tab */
	if (!c)
		return 0;
	if (k->mods & MOD_CTRL)
		c = ctrl_char(c);
	if (k->mods & MOD_ALT)
		out[n++] = '\033';
	out[n++] = c;
	return n;
}

/* Keypad 47-53 without E0: digits with Num Lock, cursor keys without. */
static size_t keypad_key(struct kbd_state *k, uint8_t code, char *out)
{
	if (k->locks & LED_NUM) {
		out[0] = keypad_num[code - 0x47];
		return 1;
	}
	return put_str(out, keypad_nav[code - 0x47]);
}

/* The grey keys (E0 prefix). */
static size_t ext_key(uint8_t code, char *out)
{
	if (code == 0x1c)
		return put_str(out, "\r"); /* keypad Enter */
	if (code == 0x35)
		return put_str(out, "/"); /* keypad / */
	if (code >= 0x47 && code <= 0x53 && code != 0x4a && code != 0x4c && code != 0x4e)
		return put_str(out, keypad_nav[code - 0x47]);
	return 0; /* Windows, Menu, multimedia keys */
}

/* Run one scancode byte through the key state; the bytes the key sends (at
 * most KBD_SEQ_MAX) go to out. Returns how many. */
static size_t kbd_key(struct kbd_state *k, uint8_t b, char *out)
{
	bool ext = k->e0, up = b & 0x80;
	uint8_t code = b & 0x7f;

	k->e0 = false;
	if (k->e1_left) {
		k->e1_left--;
		return 0;
	}
	if (b == 0xe0) {
		k->e0 = true;
		return 0;
	}
	if (b == 0xe1) {
		k->e1_left = 5;
		return 0;
	}
	if (ext && (code == 0x2a || code == 0x36))
		return 0; /* the fake shifts around grey keys */
	if (modifier_key(k, code, ext, up) || up)
		return 0;
	if (ext)
		return ext_key(code, out);
	if (code >= 0x47 && code <= 0x53 && code != 0x4a && code != 0x4e)
		return keypad_key(k, code, out);
	if (code >= 0x3b && code <= 0x44)
		return put_str(out, fkeys[code - 0x3b]);
	if (code == 0x57 || code == 0x58)
		return put_str(out, fkeys[code - 0x57 + 10]);
	if (code == 0x4a || code == 0x4e)
		return put_str(out, code == 0x4a ? "-" : "+");
	return char_key(k, code, out);
}

/* ---- the 8042 controller ---- */

#define KBD_DATA 0x60
#define KBD_STATUS 0x64 /* read */
#define KBD_CMD 0x64    /* write */
#define ST_OBF 0x01     /* output buffer full: a byte to read */
#define ST_IBF 0x02     /* input buffer full: do not write yet */
#define ST_AUX 0x20     /* the byte is from the mouse port */
#define CFG_IRQ1 0x01
#define CFG_IRQ12 0x02
#define CFG_KBD_OFF 0x10
#define CFG_AUX_OFF 0x20
#define CFG_XLATE 0x40
#define ACK 0xfa

static struct kbd_state kbd;
static struct tty *kbd_tty;
static void (*redirect)(char c);
static bool present;
static int led_stage; /* 0 idle, 1 "ED" sent, 2 LED byte sent */

/* Wait (bounded, no clock: also used in the interrupt) until the controller
 * takes a byte; false if it never does. */
static bool wait_writable(void)
{
	for (int i = 0; i < 100000; i++) {
		if (!(inb(KBD_STATUS) & ST_IBF))
			return true;
		cpu_pause();
	}
	return false;
}

static bool ctl_write(uint16_t port, uint8_t v)
{
	if (!wait_writable())
		return false;
	outb(port, v);
	return true;
}

/* A byte from the controller within ms milliseconds, or -1. */
static int ctl_read(unsigned ms)
{
	uint64_t end = clock_monotonic_ns() + (uint64_t)ms * 1000000;

	for (long i = 0; i < 20000000; i++) {
		if (inb(KBD_STATUS) & ST_OBF)
			return inb(KBD_DATA);
		if ((i & 255) == 0 && clock_monotonic_ns() > end)
			break;
		cpu_pause();
	}
	return -1;
}

/* A controller command with a one-byte answer, or -1. */
static int ctl_query(uint8_t cmd)
{
	if (!ctl_write(KBD_CMD, cmd))
		return -1;
	return ctl_read(50);
}

/* Send the keyboard a byte and wait for its acknowledgement. */
static bool kbd_command(uint8_t v)
{
	return ctl_write(KBD_DATA, v) && ctl_read(50) == ACK;
}

static void deliver(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (redirect)
			redirect(s[i]);
		else if (kbd_tty)
			tty_receive(kbd_tty, s[i]);
	}
}

/* The LED handshake, one step per acknowledgement (see the top). */
static void leds_step(bool acked)
{
	if (acked && led_stage == 1) {
		led_stage = 2;
		ctl_write(KBD_DATA, kbd.locks);
		return;
	}
	if (acked && led_stage == 2)
		led_stage = 0;
	if (led_stage == 0 && kbd.leds_dirty) {
		kbd.leds_dirty = false;
		led_stage = 1;
		ctl_write(KBD_DATA, 0xed);
	}
}

static void kbd_byte(uint8_t b)
{
	char out[KBD_SEQ_MAX];

	if (b == ACK) {
		leds_step(true);
		return;
	}
	if (b == 0xfe) /* resend: give up on this LED update */
		led_stage = 0;
	if (b == 0xfe || b == 0xee || b == 0x00 || b == 0xff)
		return;
	deliver(out, kbd_key(&kbd, b, out));
	leds_step(false);
}

/* => interrupts off */
static void kbd_irq(void)
{
	for (int i = 0; i < 32; i++) {
		uint8_t st = inb(KBD_STATUS);
		if (!(st & ST_OBF))
			break;
		uint8_t b = inb(KBD_DATA);
		if (!(st & ST_AUX))
			kbd_byte(b);
	}
}

/* Program the controller: keyboard port on with IRQ 1 and translation, the
 * mouse port off. Returns the configuration byte, or -1. */
static int setup_controller(void)
{
	int cfg;

	ctl_write(KBD_CMD, 0xad); /* keyboard port off while we change things */
	ctl_write(KBD_CMD, 0xa7); /* mouse port off */
	for (int i = 0; i < 64 && (inb(KBD_STATUS) & ST_OBF); i++)
		inb(KBD_DATA); /* keys typed during boot */
	if ((cfg = ctl_query(0x20)) < 0)
		return -1;
	cfg = (cfg | CFG_IRQ1 | CFG_XLATE | CFG_AUX_OFF) & ~(CFG_IRQ12 | CFG_KBD_OFF);
	if (!ctl_write(KBD_CMD, 0x60) || !ctl_write(KBD_DATA, (uint8_t)cfg))
		return -1;
	ctl_write(KBD_CMD, 0xae);
	return ctl_query(0x20);
}

void kbd_init(struct tty *t)
{
	int cfg;
	bool scanning, leds;

	kbd_tty = t;
	if (inb(KBD_STATUS) == 0xff) {
		kinfo("kbd: no 8042 controller\n");
		return;
	}
	if ((cfg = setup_controller()) < 0) {
		kinfo("kbd: the 8042 controller does not answer; no keyboard\n");
		return;
	}
	scanning = kbd_command(0xf4); /* enable scanning, in case it was off */
	leds = kbd_command(0xed) && kbd_command(0);
	present = true;
	irq_register(1, kbd_irq);
	irq_unmask(1);
	kinfo("kbd: PS/2 keyboard on IRQ 1, config %x, scancode set %s%s\n", cfg,
	      (cfg & CFG_XLATE) ? "1 (translated)" : "2 (untranslated: keys will be wrong)",
	      scanning && leds ? "" : ", keyboard silent");
}

void kbd_redirect(void (*fn)(char c))
{
	uint64_t f = irq_save();

	redirect = fn;
	irq_restore(f);
}

int kbd_inject(uint8_t code)
{
	uint64_t end;

	if (!present)
		return -ENODEV;
	if (!ctl_write(KBD_CMD, 0xd2) || !ctl_write(KBD_DATA, code))
		return -ETIMEDOUT;
	end = clock_monotonic_ns() + 200 * 1000000ULL;
	while (inb(KBD_STATUS) & ST_OBF) {
		if (clock_monotonic_ns() > end)
			return -ETIMEDOUT;
		cpu_pause();
	}
	return 0;
}

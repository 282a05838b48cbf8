/* vt_selftest.c: in-kernel self-tests of the terminal emulator on a screen in
 * memory, and of tty1's output reaching the VGA text memory and cursor. */
#include "kernel/arch.h"
#include "kernel/lib/string.h"
#include "kernel/selftest.h"
#include "kernel/vga.h"
#include "kernel/vt.h"

static struct vt tvt;
static uint16_t tcells[VT_MAX_ROWS * VT_MAX_COLS];

static void feed(const char *s)
{
	vt_write(&tvt, s, strlen(s));
}

static bool row_is(int y, const char *s)
{
	size_t n = strlen(s);

	for (int x = 0; x < tvt.cols; x++)
		if ((char)(tcells[y * tvt.cols + x] & 0xff) != ((size_t)x < n ? s[x] : ' '))
			return false;
	return true;
}

SELFTEST(vt_cursor_erase_and_colours)
{
	vt_init(&tvt, tcells, 5, 10);
	feed("abcdefghij\r\n12345\033[1;3H\033[K\033[2;2H\033[2P\033[3;4H\033[31;1mR\033[m");
	ST_CHECK(row_is(0, "ab"));
	ST_CHECK(row_is(1, "145"));
	ST_CHECK(row_is(2, "   R") && tcells[2 * 10 + 3] == VT_CELL('R', 0x0C));
	ST_CHECK(tvt.y == 2 && tvt.x == 4);
	feed("\033[?25l\033[99;99H");
	ST_CHECK(!tvt.cursor_on && tvt.y == 4 && tvt.x == 9);
}

SELFTEST(vt_region_scroll_and_alternate_screen)
{
	vt_init(&tvt, tcells, 5, 10);
	feed("0\r\n1\r\n2\r\n3\r\n4\033[2;4r\033[4;1H\n\033[2;1H\033M");
	ST_CHECK(row_is(0, "0") && row_is(1, "") && row_is(2, "2"));
	ST_CHECK(row_is(3, "3") && row_is(4, "4"));
	feed("\033[r\033[?1049h\033[Hvi\033[?1049l");
	ST_CHECK(row_is(0, "0") && tvt.y == 0 && tvt.x == 0);
}

SELFTEST(vt_unknown_sequences_and_queries)
{
	char buf[16];

	vt_init(&tvt, tcells, 5, 20);
	feed("a\033]0;t\007b\033[?2004hc\033(Bd\033[>0;1ce\033[2;3H\033[6n");
	ST_CHECK(row_is(0, "abcde"));
	size_t n = vt_take_reply(&tvt, buf, sizeof(buf));
	ST_CHECK(n == 6 && !memcmp(buf, "\033[2;3R", 6));
}

static uint8_t crtc_read(uint8_t reg)
{
	outb(0x3D4, reg);
	return inb(0x3D5);
}

/* The real screen: what tty1 prints lands in the text memory (from the CRTC
 * start address on) with the attribute SGR asked for, the CRTC cursor
 * follows, and a whole-screen scroll moves the start address. */
SELFTEST(vga_tty_output_reaches_text_memory)
{
	const volatile uint16_t *text = phys_to_virt(0xB8000);
	const char draw[] = "\033[25;1H\033[2K\033[1;33mvt\033[44mok\033[m";
	uint16_t start, pos, last;

	vga_tty_write(draw, sizeof(draw) - 1);
	start = (uint16_t)(crtc_read(0x0C) << 8 | crtc_read(0x0D));
	last = (uint16_t)(start + 24 * 80);
	ST_CHECK(text[last + 0] == VT_CELL('v', 0x0E));
	ST_CHECK(text[last + 2] == VT_CELL('o', 0x1E));
	ST_CHECK(text[last + 4] == VT_CELL(' ', 0x07));
	pos = (uint16_t)(crtc_read(0x0E) << 8 | crtc_read(0x0F));
	ST_CHECK(pos == last + 4);
	vga_tty_write("\r\n", 2);
	ST_CHECK((uint16_t)(crtc_read(0x0C) << 8 | crtc_read(0x0D)) == start + 80 ||
		 start + 80 + 25 * 80 > 16384); /* or wrapped back to 0 */
	start = (uint16_t)(crtc_read(0x0C) << 8 | crtc_read(0x0D));
	ST_CHECK(text[start + 23 * 80 + 1] == VT_CELL('t', 0x0E));
	vga_tty_write("\033[?25l", 6);
	ST_CHECK(crtc_read(0x0A) & 0x20);
	vga_tty_write("\033[?25h", 6);
	ST_CHECK(!(crtc_read(0x0A) & 0x20));
}

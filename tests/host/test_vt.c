/* test_vt.c: the terminal emulator's parser and screen operations, on a
 * screen in memory. Expected results follow the Linux console and xterm
 * (checked by hand against both for the sequences BusyBox ash, vi and less
 * send). */
#include "kernel/vt.c"

#include <string.h>

#include "htest.h"

static struct vt vt;
static uint16_t cells[VT_MAX_ROWS * VT_MAX_COLS + 8]; /* a guard after */

static void setup(int rows, int cols)
{
	memset(cells, 0xAB, sizeof(cells));
	vt_init(&vt, cells, rows, cols);
}

static void feed(const char *s)
{
	vt_write(&vt, s, strlen(s));
}

/* Feed one byte per call: sequences split anywhere must work the same. */
static void feed_bytes(const char *s)
{
	for (; *s; s++)
		vt_write(&vt, s, 1);
}

static char ch(int y, int x)
{
	return (char)(cells[y * vt.cols + x] & 0xff);
}

static uint8_t attr(int y, int x)
{
	return (uint8_t)(cells[y * vt.cols + x] >> 8);
}

/* Row y as text, trailing blanks dropped. */
static const char *row(int y)
{
	static char buf[VT_MAX_COLS + 1];
	int n = 0;

	for (int x = 0; x < vt.cols; x++)
		buf[n++] = ch(y, x);
	while (n && buf[n - 1] == ' ')
		n--;
	buf[n] = 0;
	return buf;
}

static bool at(int y, int x)
{
	return vt.y == y && vt.x == x;
}

HTEST(vt_init_clears_with_normal_attribute)
{
	setup(25, 80);
	HCHECK(cells[0] == 0x0720 && cells[25 * 80 - 1] == 0x0720);
	HCHECK(cells[25 * 80] == 0xABAB); /* nothing past the screen */
	HCHECK(at(0, 0) && vt.cursor_on);
}

HTEST(vt_text_wraps_late_at_last_column)
{
	setup(5, 10);
	feed("0123456789");
	HCHECK(!strcmp(row(0), "0123456789"));
	HCHECK(at(0, 9) && vt.wrap_next); /* not yet on the next line */
	feed("\r\n");
	HCHECK(at(1, 0)); /* a full line then CR LF: no blank line */
	feed("0123456789A");
	HCHECK(!strcmp(row(2), "A") && at(2, 1));
}

HTEST(vt_controls_cr_lf_bs_tab_bel)
{
	setup(5, 20);
	feed("ab\bX\tY\a\rZ\n!");
	HCHECK(!strcmp(row(0), "ZX      Y"));
	HCHECK(!strcmp(row(1), " !")); /* LF keeps the column */
	feed("\r\t\t\t\t\t\t");
	HCHECK(at(1, 19)); /* tabs stop at the last column */
}

HTEST(vt_scrolls_at_bottom)
{
	setup(3, 10);
	feed("1\r\n2\r\n3\r\n4");
	HCHECK(!strcmp(row(0), "2") && !strcmp(row(1), "3") && !strcmp(row(2), "4"));
	HCHECK(at(2, 1));
}

HTEST(vt_cursor_moves_and_clamps)
{
	setup(10, 20);
	feed("\033[5;7H");
	HCHECK(at(4, 6));
	feed("\033[2A");
	HCHECK(at(2, 6));
	feed("\033[B");
	HCHECK(at(3, 6));
	feed("\033[3C");
	HCHECK(at(3, 9));
	feed("\033[100D");
	HCHECK(at(3, 0));
	feed("\033[100;100H");
	HCHECK(at(9, 19));
	feed("\033[H");
	HCHECK(at(0, 0));
	feed("\033[12G");
	HCHECK(at(0, 11));
	feed("\033[4d");
	HCHECK(at(3, 11));
	feed("\033[2;3f");
	HCHECK(at(1, 2));
	feed("\033[0A"); /* 0 means 1 */
	HCHECK(at(0, 2));
	feed("\033[3E");
	HCHECK(at(3, 0));
	feed("\033[;5H"); /* empty row parameter */
	HCHECK(at(0, 4));
}

HTEST(vt_erase_display_and_line)
{
	setup(4, 6);
	feed("aaaaaabbbbbbccccccdddd");
	feed("\033[2;3H\033[K");
	HCHECK(!strcmp(row(1), "bb") && !strcmp(row(0), "aaaaaa"));
	feed("\033[3;3H\033[1K");
	HCHECK(!strcmp(row(2), "   ccc"));
	feed("\033[2K");
	HCHECK(!strcmp(row(2), ""));
	feed("\033[1;2H\033[1J");
	HCHECK(!strcmp(row(0), "  aaaa"));
	feed("\033[4;2H\033[J");
	HCHECK(!strcmp(row(3), "d") && !strcmp(row(0), "  aaaa"));
	feed("\033[2J");
	for (int y = 0; y < 4; y++)
		HCHECK(!strcmp(row(y), ""));
	HCHECK(at(3, 1)); /* ED does not move the cursor */
}

HTEST(vt_insert_delete_erase_chars)
{
	setup(3, 10);
	feed("abcdefghij\r\033[2C\033[3@");
	HCHECK(!strcmp(row(0), "ab   cdefg"));
	feed("\033[2P");
	HCHECK(!strcmp(row(0), "ab cdefg"));
	feed("\033[2X");
	HCHECK(!strcmp(row(0), "ab  defg"));
	feed("\033[100P");
	HCHECK(!strcmp(row(0), "ab"));
	HCHECK(at(0, 2));
	feed("\r\033[4hXY\033[4l"); /* insert mode */
	HCHECK(!strcmp(row(0), "XYab"));
	feed("Z");
	HCHECK(!strcmp(row(0), "XYZb"));
}

HTEST(vt_insert_delete_lines_in_region)
{
	setup(6, 5);
	feed("0\r\n1\r\n2\r\n3\r\n4\r\n5");
	feed("\033[2;5r"); /* rows 1-4 scroll; cursor homes */
	HCHECK(at(0, 0));
	feed("\033[3;1H\033[L");
	HCHECK(!strcmp(row(1), "1") && !strcmp(row(2), "") && !strcmp(row(3), "2"));
	HCHECK(!strcmp(row(4), "3") && !strcmp(row(5), "5")); /* 4 fell off the region */
	feed("\033[2M");
	HCHECK(!strcmp(row(2), "3") && !strcmp(row(3), "") && !strcmp(row(4), ""));
	HCHECK(!strcmp(row(5), "5"));
	feed("\033[1;1H\033[L"); /* outside the region: nothing */
	HCHECK(!strcmp(row(0), "0") && !strcmp(row(1), "1"));
}

HTEST(vt_region_index_and_reverse_index)
{
	setup(6, 5);
	feed("0\r\n1\r\n2\r\n3\r\n4\r\n5");
	feed("\033[2;4r\033[4;1H\n");
	HCHECK(!strcmp(row(0), "0") && !strcmp(row(1), "2") && !strcmp(row(2), "3"));
	HCHECK(!strcmp(row(3), "") && !strcmp(row(4), "4") && at(3, 0));
	feed("\033D"); /* IND at the bottom margin scrolls again */
	HCHECK(!strcmp(row(1), "3") && at(3, 0));
	feed("\033[2;1H\033M"); /* RI at the top margin scrolls down */
	HCHECK(!strcmp(row(1), "") && !strcmp(row(2), "3") && at(1, 0));
	feed("\033[1;1H\033M"); /* above the region: cursor stays at the top */
	HCHECK(at(0, 0) && !strcmp(row(0), "0"));
	feed("\033[6;1H\n\n"); /* below the region: the last row does not scroll */
	HCHECK(at(5, 0) && !strcmp(row(5), "5") && !strcmp(row(4), "4"));
	feed("\033[3;1H\033[5A"); /* CUU stops at the top margin */
	HCHECK(at(1, 0));
	feed("\033[10B");
	HCHECK(at(3, 0));
	feed("\033[r"); /* back to the full screen */
	HCHECK(vt.top == 0 && vt.bot == 5 && at(0, 0));
	feed("\033[4;2r"); /* top >= bottom: ignored */
	HCHECK(vt.top == 0 && vt.bot == 5);
	feed("\033[2;3r\033[2S");
	HCHECK(!strcmp(row(1), "") && !strcmp(row(2), ""));
}

HTEST(vt_origin_mode)
{
	setup(6, 5);
	feed("\033[3;5r\033[?6h");
	HCHECK(at(2, 0));
	feed("\033[2;2H");
	HCHECK(at(3, 1));
	feed("\033[9;1H");
	HCHECK(at(4, 0)); /* kept inside the region */
	feed("\033[6n");
	HCHECK(vt.reply_len == 6 && !memcmp(vt.reply, "\033[3;1R", 6));
	feed("\033[?6l");
	HCHECK(at(0, 0));
}

HTEST(vt_sgr_colours)
{
	setup(2, 20);
	feed("a\033[1;31mb\033[0mc\033[7md\033[27;44me\033[m");
	HCHECK(attr(0, 0) == 0x07);
	HCHECK(attr(0, 1) == 0x0C); /* bright red */
	HCHECK(attr(0, 2) == 0x07);
	HCHECK(attr(0, 3) == 0x70);
	HCHECK(attr(0, 4) == 0x17); /* grey on blue */
	feed("\033[1;7mf\033[22;32;43mg\033[39;49mh\033[4mi\033[24m");
	HCHECK(attr(0, 5) == 0x78); /* bold reverse, as Linux draws it */
	HCHECK(attr(0, 6) == 0x26); /* green on brown, reversed */
	HCHECK(attr(0, 7) == 0x70);
	feed("\033[m");
	HCHECK(attr(0, 8) == 0x30); /* underline shows cyan; reversed */
	feed("\033[38;5;1mj\033[38;5;200mk\033[38;2;1;2;3;44ml\033[m\033[95;100mm\033[m");
	HCHECK(attr(0, 9) == 0x04);
	HCHECK(attr(0, 10) == 0x04); /* 256-colour entries past 15: unchanged */
	HCHECK(attr(0, 11) == 0x14); /* true colour skipped, then blue bg */
	HCHECK(attr(0, 12) == 0x0D); /* bright magenta; bright bg not blinking */
	HCHECK(!strcmp(row(0), "abcdefghijklm"));
}

HTEST(vt_erase_uses_background_colour)
{
	setup(2, 10);
	feed("\033[1;44m\033[2J\033[K");
	HCHECK(cells[0] == 0x1720 && cells[19] == 0x1720);
}

HTEST(vt_save_restore_cursor)
{
	setup(5, 10);
	feed("\033[2;3H\033[31m\0337\033[5;5H\033[m\0338x");
	HCHECK(ch(1, 2) == 'x' && attr(1, 2) == 0x04 && at(1, 3));
	feed("\033[m\033[4;4H\033[s\033[H\033[u");
	HCHECK(at(3, 3));
}

HTEST(vt_cursor_visibility)
{
	setup(5, 10);
	feed("\033[?25l");
	HCHECK(!vt.cursor_on);
	feed("\033[?25h");
	HCHECK(vt.cursor_on);
	feed("\033[?1c\033[?0c"); /* Linux cursor shape: no DA answer */
	HCHECK(vt.reply_len == 0);
}

HTEST(vt_alternate_screen)
{
	setup(4, 10);
	feed("main\033[2;3H");
	feed("\033[?1049h");
	HCHECK(!strcmp(row(0), "") && vt.alt_active);
	feed("\033[Halt screen\033[3;1Hmore");
	feed("\033[?1049l");
	HCHECK(!strcmp(row(0), "main") && !strcmp(row(2), ""));
	HCHECK(at(1, 2) && !vt.alt_active);
	feed("\033[?1049l"); /* already out: nothing */
	HCHECK(!strcmp(row(0), "main"));
	feed("\033[?47hX\033[?47l");
	HCHECK(!strcmp(row(0), "main"));
}

HTEST(vt_unknown_sequences_draw_nothing)
{
	setup(3, 40);
	feed("a\033[?2004hb\033]0;title\ac\033]2;t\033\\d\033P1$r\033\\e\033(Bf\033)0g");
	feed("h\033[>cj\033[1 qk\033]P0123456l\033]Rm\033=n\033>o\033[5~p\033%Gq");
	feed("\033[1;2;3;4;5;6;7;8;9;10;11;12;13;14;15;16;17;18;19;20;21mr\033[m");
	feed("\033[?1000;1006hs\033[!pt\033#3u\033Ov\033[zw\033[?");
	HCHECK(!strcmp(row(0), "abcdefghjklmnopqrstuvw"));
	HCHECK(vt.reply_len == 0 && vt.state == S_CSI);
	feed("1;2y"); /* the open "ESC [ ?" ends at the final 'y' */
	HCHECK(vt.state == S_GROUND && !strcmp(row(0), "abcdefghjklmnopqrstuvw"));
}

HTEST(vt_can_and_esc_abort_sequences)
{
	setup(2, 20);
	feed("a\033[12\030b\033[3\033[1;1Hc");
	HCHECK(!strcmp(row(0), "cb"));
}

HTEST(vt_controls_inside_csi_run)
{
	setup(3, 20);
	feed("abc\033[\b2Dx"); /* BS runs, then CUB 2 */
	HCHECK(!strcmp(row(0), "xbc"));
}

HTEST(vt_split_sequences)
{
	setup(5, 20);
	feed_bytes("\033[3;4H\033[1;32mhi\033[m\033]0;x\033\\\033[?25l!");
	HCHECK(ch(2, 3) == 'h' && attr(2, 3) == 0x0A && ch(2, 5) == '!' && attr(2, 5) == 0x07);
	HCHECK(!vt.cursor_on);
}

HTEST(vt_status_and_attribute_reports)
{
	char buf[64];

	setup(10, 20);
	feed("\033[3;5H\033[6n\033[5n\033[c\033[>c\033[0c");
	size_t n = vt_take_reply(&vt, buf, 3);
	HCHECK(n == 3 && !memcmp(buf, "\033[3", 3));
	n = vt_take_reply(&vt, buf, sizeof(buf));
	buf[n] = 0;
	HCHECK(!strcmp(buf, ";5R\033[0n\033[?6c\033[?6c"));
	HCHECK(vt_take_reply(&vt, buf, sizeof(buf)) == 0);
	for (int i = 0; i < 20; i++)
		feed("\033[6n"); /* more than fits: dropped, not overflowed */
	HCHECK(vt.reply_len <= VT_REPLY_MAX);
}

HTEST(vt_utf8_to_cp437)
{
	setup(2, 20);
	feed("\xc3\xa9|\xe2\x94\x80|\xe2\x82\xac|\xff|\xc3|\xe2\x94x");
	HCHECK((uint8_t)ch(0, 0) == 0x82);
	HCHECK((uint8_t)ch(0, 2) == 0xc4);
	HCHECK(ch(0, 4) == '?'); /* no euro sign in code page 437 */
	HCHECK(ch(0, 6) == '?');
	HCHECK(ch(0, 8) == '?' && ch(0, 9) == '|'); /* cut short */
	HCHECK(ch(0, 10) == '?' && ch(0, 11) == 'x');
}

HTEST(vt_kernel_text_leaves_parser_alone)
{
	setup(5, 20);
	feed("\033[3");
	vt_put_text(&vt, "kmsg\n", 5);
	feed("1mR");
	HCHECK(!strcmp(row(0), "kmsg") && attr(0, 0) == 0x07);
	HCHECK(ch(1, 0) == 'R' && attr(1, 0) == 0x04);
	feed("\033[44m");
	vt_put_text(&vt, "k", 1);
	HCHECK(attr(1, 1) == 0x07); /* kernel text in the normal colours */
}

HTEST(vt_tab_stops)
{
	setup(2, 40);
	feed("\033[3g\033[5G\033H\033[1G\tx");
	HCHECK(ch(0, 4) == 'x');
	feed("\033[1G\033[2I");
	HCHECK(at(0, 39)); /* no stop after 4 any more */
	feed("\033[Z");
	HCHECK(at(0, 4));
	feed("\033[g\033[1G\t");
	HCHECK(at(0, 39));
}

HTEST(vt_reset)
{
	setup(4, 10);
	feed("\033[2;3r\033[31m\033[?25lxyz\033c");
	HCHECK(at(0, 0) && vt.cursor_on && vt.top == 0 && vt.bot == 3);
	HCHECK(!strcmp(row(0), "") && vt.attr == 0x07);
	feed("\033#8");
	HCHECK(!strcmp(row(3), "EEEEEEEEEE"));
}

HTEST(vt_autowrap_off)
{
	setup(3, 5);
	feed("\033[?7labcdefg");
	HCHECK(!strcmp(row(0), "abcdg") && !strcmp(row(1), ""));
	feed("\033[?7h\rabcdefg");
	HCHECK(!strcmp(row(0), "abcde") && !strcmp(row(1), "fg"));
}

HTEST(vt_dirty_rows_and_whole_screen_scrolls)
{
	int sc;

	setup(5, 10);
	HCHECK(vt_take_dirty(&vt, &sc) == 0x1f && sc == 0); /* vt_init cleared all */
	HCHECK(vt_take_dirty(&vt, &sc) == 0);
	feed("\033[3;1Hx\033[?25l\033[H");
	HCHECK(vt_take_dirty(&vt, &sc) == 1u << 2 && sc == 0);
	feed("\033[5;1Ha\nb"); /* 'a' moves up to row 3 with its dirty bit */
	HCHECK(vt_take_dirty(&vt, &sc) == (1u << 3 | 1u << 4) && sc == 1);
	feed("\033[2;4r\033[4;1H\n"); /* a region scroll is not a screen scroll */
	HCHECK(vt_take_dirty(&vt, &sc) == (1u << 1 | 1u << 2 | 1u << 3) && sc == 0);
	feed("\033[r\033[5;1H\n\n\n\n\n\n\n");
	HCHECK(vt_take_dirty(&vt, &sc) == 0x1f && sc >= 5);
	feed("\033[2;2H\033[@\033[3;1H\033[P");
	HCHECK(vt_take_dirty(&vt, &sc) == (1u << 1 | 1u << 2) && sc == 0);
	feed("\033[?1049h");
	HCHECK(vt_take_dirty(&vt, &sc) == 0x1f);
	feed("\033[?1049l");
	HCHECK(vt_take_dirty(&vt, &sc) == 0x1f);
}

/* What BusyBox vi draws for a two-line file, then a scroll with a region. */
HTEST(vt_busybox_vi_like_session)
{
	setup(6, 20);
	feed("$ vi f\r\n");
	feed("\033[?1049h\033[H\033[J");
	feed("\033[1;1Hline one\033[K\r\nline two\033[K\r\n~\033[K\r\n~\033[K\r\n~\033[K");
	feed("\033[6;1H\033[7m\"f\" 2L, 18C\033[m\033[K\033[1;6H");
	HCHECK(!strcmp(row(0), "line one") && !strcmp(row(1), "line two"));
	HCHECK(!strcmp(row(2), "~") && attr(5, 0) == 0x70 && attr(5, 12) == 0x07);
	HCHECK(at(0, 5));
	feed("\033[1;5r\033[5;1H\n\033[r\033[5;1Hline six\033[K");
	HCHECK(!strcmp(row(0), "line two") && !strcmp(row(4), "line six"));
	HCHECK(!strcmp(row(5), "\"f\" 2L, 18C"));
	feed("\033[6;1H\033[K\033[?1049l");
	HCHECK(!strcmp(row(0), "$ vi f") && at(1, 0));
}

HTEST_MAIN()

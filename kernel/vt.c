/* vt.c: the terminal emulator: an escape-sequence parser over a cell grid.
 *
 * Theory of operation. Output bytes drive a small state machine (after the
 * DEC/xterm parser):
 *
 *   GROUND   glyphs are drawn, C0 controls run (BS HT LF VT FF CR; BEL,
 *            SO, SI and the rest are ignored); bytes >= 0x80 are UTF-8
 *   ESC      after ESC: a one-byte escape (IND NEL RI DECSC DECRC RIS HTS),
 *            or the start of CSI, OSC or another string
 *   ESC_INT  ESC and an intermediate (charset "ESC ( B", "ESC # 8"): one
 *            more byte ends it
 *   CSI      "ESC [": parameters, a private marker, intermediates, until a
 *            final byte in 0x40-0x7e, then csi_dispatch
 *   OSC      "ESC ]": Linux's fixed-length palette forms (ESC ] P nrrggbb,
 *            ESC ] R) or an xterm string
 *   STRING   OSC/DCS/PM/APC bodies, swallowed up to BEL or ESC \
 *   SKIP     a fixed number of bytes to swallow
 *
 * Every byte of a sequence is consumed: an unknown or malformed sequence is
 * dropped without drawing anything. CAN and SUB abort a sequence; ESC inside
 * one starts a new one; C0 controls inside CSI still run, as on a VT100.
 *
 * Invariants: 0 <= x < cols and 0 <= y < rows; 0 <= top < bot < rows.
 * Writing the last column sets wrap_next instead of moving past it (the
 * deferred wrap of xterm and the Linux console), so a full line does not
 * scroll until the next glyph arrives; any cursor motion clears it.
 * Where xterm and the Linux console differ, this follows Linux (TERM=linux).
 * Erasing fills with blanks in the current colours (bce). Every change to
 * the cells marks its rows in vt->dirty, so the display driver copies only
 * those. */
#include "kernel/vt.h"

#include "kernel/lib/string.h"

enum { S_GROUND, S_ESC, S_ESC_INT, S_CSI, S_OSC, S_STRING, S_STRING_ESC, S_SKIP };

#define ESC 0x1b
#define CAN 0x18
#define SUB 0x1a
#define PARAM_MAX 9999

static int min_int(int a, int b)
{
	return a < b ? a : b;
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

/* ---- rendition ---- */

/* ANSI colour order (black red green yellow blue magenta cyan white) to
 * the VGA palette's (black blue green cyan red magenta brown grey). */
static uint8_t vga_colour(int c)
{
	static const uint8_t map[8] = { 0, 4, 2, 6, 1, 5, 3, 7 };

	return (uint8_t)(map[c & 7] | (c & 8));
}

/* The VGA attribute for a pen. As on the Linux console, underline shows as
 * cyan when the colour is the default, and reverse swaps the colours but
 * keeps the intensity bits in place. Bit 7 (blink) is never set. */
static uint8_t pen_attr(const struct vt_pen *p, bool erase)
{
	int fg = p->fg;
	uint8_t a;

	if (!erase && p->underline && fg == 7)
		fg = 6;
	if (!erase && p->bold)
		fg |= 8;
	a = (uint8_t)(vga_colour(p->bg) << 4 | vga_colour(fg));
	if (p->reverse)
		a = (uint8_t)((a & 0x88) | ((a & 0x70) >> 4) | ((a & 0x07) << 4));
	return a & 0x7f;
}

static void update_attr(struct vt *vt)
{
	vt->attr = pen_attr(&vt->pen, false);
	vt->erase_attr = pen_attr(&vt->pen, true);
}

static void pen_reset(struct vt *vt)
{
	vt->pen = (struct vt_pen){ .fg = 7, .bg = 0 };
	update_attr(vt);
}

/* ---- screen operations ---- */

static uint16_t blank(const struct vt *vt)
{
	return VT_CELL(' ', vt->erase_attr);
}

static uint16_t *cell(struct vt *vt, int y, int x)
{
	return &vt->cells[y * vt->cols + x];
}

/* Rows y0..y1 (inclusive) changed. */
static void touch(struct vt *vt, int y0, int y1)
{
	for (int y = y0; y <= y1; y++)
		vt->dirty |= 1u << y;
}

uint32_t vt_take_dirty(struct vt *vt, int *scrolled)
{
	uint32_t d = vt->dirty;

	*scrolled = vt->scrolled;
	vt->dirty = 0;
	vt->scrolled = 0;
	return d;
}

/* Blank the cells [from, to) in reading order. */
static void erase_cells(struct vt *vt, int from, int to)
{
	uint16_t b = blank(vt);

	if (from < to)
		touch(vt, from / vt->cols, (to - 1) / vt->cols);
	for (int i = from; i < to; i++)
		vt->cells[i] = b;
}

/* Move rows top+n..bot up by n inside [top, bot]; blank the n rows freed. */
static void scroll_up(struct vt *vt, int top, int bot, int n)
{
	int c = vt->cols;

	n = min_int(n, bot - top + 1);
	if (top == 0 && bot == vt->rows - 1 && vt->scrolled < vt->rows) {
		vt->scrolled += n; /* the rows and their dirty bits move up */
		vt->dirty >>= n;
	} else {
		touch(vt, top, bot);
	}
	memmove(cell(vt, top, 0), cell(vt, top + n, 0), (size_t)((bot - top + 1 - n) * c) * 2);
	erase_cells(vt, (bot + 1 - n) * c, (bot + 1) * c);
}

/* Move rows top..bot-n down by n inside [top, bot]; blank the n rows freed. */
static void scroll_down(struct vt *vt, int top, int bot, int n)
{
	int c = vt->cols;

	n = min_int(n, bot - top + 1);
	touch(vt, top, bot);
	memmove(cell(vt, top + n, 0), cell(vt, top, 0), (size_t)((bot - top + 1 - n) * c) * 2);
	erase_cells(vt, top * c, (top + n) * c);
}

/* Cursor to (x, y), clamped to the screen. */
static void move_to(struct vt *vt, int x, int y)
{
	vt->x = max_int(0, min_int(x, vt->cols - 1));
	vt->y = max_int(0, min_int(y, vt->rows - 1));
	vt->wrap_next = false;
}

/* Cursor to row y counted as CUP/VPA count it: from the region's top in
 * origin mode (and kept inside the region), from the screen's top otherwise. */
static void move_to_row(struct vt *vt, int x, int y)
{
	if (vt->origin)
		y = min_int(vt->top + max_int(y, 0), vt->bot);
	move_to(vt, x, y);
}

/* IND: down one row, scrolling the region when at its bottom. */
static void line_feed(struct vt *vt)
{
	if (vt->y == vt->bot)
		scroll_up(vt, vt->top, vt->bot, 1);
	else if (vt->y < vt->rows - 1)
		vt->y++;
	vt->wrap_next = false;
}

/* RI: up one row, scrolling the region down when at its top. */
static void reverse_index(struct vt *vt)
{
	if (vt->y == vt->top)
		scroll_down(vt, vt->top, vt->bot, 1);
	else if (vt->y > 0)
		vt->y--;
	vt->wrap_next = false;
}

static void insert_blanks(struct vt *vt, int n)
{
	uint16_t *row = cell(vt, vt->y, 0);

	n = min_int(n, vt->cols - vt->x);
	touch(vt, vt->y, vt->y);
	memmove(row + vt->x + n, row + vt->x, (size_t)(vt->cols - vt->x - n) * 2);
	erase_cells(vt, vt->y * vt->cols + vt->x, vt->y * vt->cols + vt->x + n);
	vt->wrap_next = false;
}

static void delete_chars(struct vt *vt, int n)
{
	uint16_t *row = cell(vt, vt->y, 0);

	n = min_int(n, vt->cols - vt->x);
	touch(vt, vt->y, vt->y);
	memmove(row + vt->x, row + vt->x + n, (size_t)(vt->cols - vt->x - n) * 2);
	erase_cells(vt, (vt->y + 1) * vt->cols - n, (vt->y + 1) * vt->cols);
	vt->wrap_next = false;
}

static void put_glyph(struct vt *vt, uint8_t ch, uint8_t attr)
{
	if (vt->wrap_next) {
		vt->x = 0;
		line_feed(vt);
	}
	if (vt->insert)
		insert_blanks(vt, 1);
	*cell(vt, vt->y, vt->x) = VT_CELL(ch, attr);
	vt->dirty |= 1u << vt->y;
	if (vt->x == vt->cols - 1)
		vt->wrap_next = vt->autowrap;
	else
		vt->x++;
}

static void tab_forward(struct vt *vt, int n)
{
	while (n-- > 0 && vt->x < vt->cols - 1) {
		do
			vt->x++;
		while (vt->x < vt->cols - 1 && !vt->tabs[vt->x]);
	}
}

static void tab_back(struct vt *vt, int n)
{
	while (n-- > 0 && vt->x > 0) {
		do
			vt->x--;
		while (vt->x > 0 && !vt->tabs[vt->x]);
	}
	vt->wrap_next = false;
}

static void save_cursor(struct vt *vt, struct vt_cursor_state *s)
{
	*s = (struct vt_cursor_state){ vt->x, vt->y, vt->wrap_next, vt->origin, vt->pen };
}

static void restore_cursor(struct vt *vt, const struct vt_cursor_state *s)
{
	move_to(vt, s->x, s->y);
	vt->wrap_next = s->wrap_next && vt->x == vt->cols - 1;
	vt->origin = s->origin;
	vt->pen = s->pen;
	update_attr(vt);
}

/* DECSTR and the common part of RIS: modes, margins, pen, saved cursor. */
static void soft_reset(struct vt *vt)
{
	vt->cursor_on = true;
	vt->autowrap = true;
	vt->origin = false;
	vt->insert = false;
	vt->top = 0;
	vt->bot = vt->rows - 1;
	pen_reset(vt);
	save_cursor(vt, &vt->saved);
	vt->saved.x = vt->saved.y = 0;
}

/* ?47, ?1047 and ?1049: switch to or from the alternate screen. The normal
 * screen's cells are kept in vt->main meanwhile; the alternate one starts
 * blank. ?1049 also saves and restores the cursor. */
static void alt_screen(struct vt *vt, bool on, bool with_cursor)
{
	size_t bytes = (size_t)vt->rows * (size_t)vt->cols * 2;

	if (on == vt->alt_active)
		return;
	if (on) {
		if (with_cursor)
			save_cursor(vt, &vt->alt_saved);
		memcpy(vt->main, vt->cells, bytes);
		erase_cells(vt, 0, vt->rows * vt->cols);
	} else {
		memcpy(vt->cells, vt->main, bytes);
		touch(vt, 0, vt->rows - 1);
		if (with_cursor)
			restore_cursor(vt, &vt->alt_saved);
	}
	vt->alt_active = on;
}

/* ---- replies ---- */

static void reply_str(struct vt *vt, const char *s)
{
	size_t n = strlen(s);

	if (vt->reply_len + n <= VT_REPLY_MAX) {
		memcpy(vt->reply + vt->reply_len, s, n);
		vt->reply_len += n;
	}
}

static void reply_num(struct vt *vt, int v)
{
	char buf[12];
	int i = sizeof(buf) - 1;

	buf[i] = 0;
	do
		buf[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	reply_str(vt, buf + i);
}

/* DSR 6: the cursor position, region-relative in origin mode. */
static void reply_cursor(struct vt *vt)
{
	reply_str(vt, "\033[");
	reply_num(vt, vt->y + 1 - (vt->origin ? vt->top : 0));
	reply_str(vt, ";");
	reply_num(vt, vt->x + 1);
	reply_str(vt, "R");
}

size_t vt_take_reply(struct vt *vt, char *buf, size_t size)
{
	size_t n = vt->reply_len < size ? vt->reply_len : size;

	memcpy(buf, vt->reply, n);
	memmove(vt->reply, vt->reply + n, vt->reply_len - n);
	vt->reply_len -= n;
	return n;
}

/* ---- CSI sequences ---- */

/* Parameter i, or def when it is absent or 0. */
static int par(const struct vt *vt, int i, int def)
{
	return i < vt->nparams && vt->params[i] ? vt->params[i] : def;
}

/* SGR 38/48: "5;n" (256 colours, of which the first 16 are shown) or
 * "2;r;g;b" (ignored). Returns how many parameters after i it used. */
static int sgr_extended(struct vt *vt, int i, uint8_t *colour)
{
	if (i + 2 < vt->nparams && vt->params[i + 1] == 5) {
		if (vt->params[i + 2] < 16)
			*colour = (uint8_t)vt->params[i + 2];
		return 2;
	}
	if (i + 1 < vt->nparams && vt->params[i + 1] == 2)
		return min_int(4, vt->nparams - 1 - i);
	return vt->nparams - 1 - i; /* malformed: drop the rest */
}

static void sgr(struct vt *vt)
{
	struct vt_pen *p = &vt->pen;

	for (int i = 0; i < vt->nparams; i++) {
		int v = vt->params[i];
		if (v == 0)
			pen_reset(vt);
		else if (v == 1)
			p->bold = true;
		else if (v == 4)
			p->underline = true;
		else if (v == 7)
			p->reverse = true;
		else if (v == 21 || v == 22)
			p->bold = false;
		else if (v == 24)
			p->underline = false;
		else if (v == 27)
			p->reverse = false;
		else if (v >= 30 && v <= 37)
			p->fg = (uint8_t)(v - 30);
		else if (v == 38)
			i += sgr_extended(vt, i, &p->fg);
		else if (v == 39)
			p->fg = 7;
		else if (v >= 40 && v <= 47)
			p->bg = (uint8_t)(v - 40);
		else if (v == 48)
			i += sgr_extended(vt, i, &p->bg);
		else if (v == 49)
			p->bg = 0;
		else if (v >= 90 && v <= 97)
			p->fg = (uint8_t)(v - 90 + 8);
		else if (v >= 100 && v <= 107)
			p->bg = (uint8_t)(v - 100 + 8);
		/* 2 dim, 3 italic, 5 blink, 8 hidden, 10-12 fonts: not shown */
	}
	update_attr(vt);
}

/* SM/RM (h/l): DEC private modes after '?', ANSI modes otherwise. */
static void set_modes(struct vt *vt, bool on)
{
	for (int i = 0; i < vt->nparams; i++) {
		int m = vt->params[i];
		if (vt->priv == 0 && m == 4) {
			vt->insert = on;
		} else if (vt->priv != '?') {
		} else if (m == 6) {
			vt->origin = on;
			move_to_row(vt, 0, 0);
		} else if (m == 7) {
			vt->autowrap = on;
		} else if (m == 25) {
			vt->cursor_on = on;
		} else if (m == 47 || m == 1047 || m == 1049) {
			alt_screen(vt, on, m == 1049);
		} else if (m == 1048) {
			if (on)
				save_cursor(vt, &vt->alt_saved);
			else
				restore_cursor(vt, &vt->alt_saved);
		}
		/* others (?1 cursor keys, ?2004 paste, mouse...): ignored */
	}
}

/* ED: 0 cursor to end, 1 start to cursor, 2 (and 3) the whole screen. */
static void erase_display(struct vt *vt, int mode)
{
	int here = vt->y * vt->cols + vt->x, end = vt->rows * vt->cols;

	if (mode == 0)
		erase_cells(vt, here, end);
	else if (mode == 1)
		erase_cells(vt, 0, here + 1);
	else if (mode == 2 || mode == 3)
		erase_cells(vt, 0, end);
}

/* EL: 0 cursor to end of line, 1 start of line to cursor, 2 the line. */
static void erase_line(struct vt *vt, int mode)
{
	int start = vt->y * vt->cols, here = start + vt->x;

	if (mode == 0)
		erase_cells(vt, here, start + vt->cols);
	else if (mode == 1)
		erase_cells(vt, start, here + 1);
	else if (mode == 2)
		erase_cells(vt, start, start + vt->cols);
}

/* IL/DL: only inside the scrolling region. */
static void insert_lines(struct vt *vt, int n, bool insert)
{
	if (vt->y < vt->top || vt->y > vt->bot)
		return;
	if (insert)
		scroll_down(vt, vt->y, vt->bot, n);
	else
		scroll_up(vt, vt->y, vt->bot, n);
	vt->wrap_next = false;
}

static void set_region(struct vt *vt)
{
	int t = par(vt, 0, 1), b = par(vt, 1, vt->rows);

	if (t >= b || b > vt->rows)
		return;
	vt->top = t - 1;
	vt->bot = b - 1;
	move_to_row(vt, 0, 0);
}

/* Vertical moves stop at the region's margin when they start inside it. */
static void cursor_up(struct vt *vt, int n)
{
	int limit = vt->y >= vt->top ? vt->top : 0;

	move_to(vt, vt->x, max_int(vt->y - n, limit));
}

static void cursor_down(struct vt *vt, int n)
{
	int limit = vt->y <= vt->bot ? vt->bot : vt->rows - 1;

	move_to(vt, vt->x, min_int(vt->y + n, limit));
}

static void csi_report(struct vt *vt, char final)
{
	if (vt->priv)
		return; /* "CSI ? 1 c" is the Linux cursor shape, not DA */
	if (final == 'c' && par(vt, 0, 0) == 0)
		reply_str(vt, "\033[?6c"); /* a VT102, like the Linux console */
	else if (final == 'n' && par(vt, 0, 0) == 5)
		reply_str(vt, "\033[0n");
	else if (final == 'n' && par(vt, 0, 0) == 6)
		reply_cursor(vt);
}

/* Cursor motion finals; returns false if final is not one of them. */
static bool csi_motion(struct vt *vt, char final)
{
	int n = par(vt, 0, 1);

	switch (final) {
	case 'A': cursor_up(vt, n); break;
	case 'B': case 'e': cursor_down(vt, n); break;
	case 'C': case 'a': move_to(vt, vt->x + n, vt->y); break;
	case 'D': move_to(vt, vt->x - n, vt->y); break;
	case 'E': cursor_down(vt, n); vt->x = 0; break;
	case 'F': cursor_up(vt, n); vt->x = 0; break;
	case 'G': case '`': move_to(vt, n - 1, vt->y); break;
	case 'H': case 'f': move_to_row(vt, par(vt, 1, 1) - 1, n - 1); break;
	case 'd': move_to_row(vt, vt->x, n - 1); break;
	case 'I': tab_forward(vt, n); break;
	case 'Z': tab_back(vt, n); break;
	default: return false;
	}
	return true;
}

static void csi_dispatch(struct vt *vt, char final)
{
	int n = par(vt, 0, 1);

	if (vt->inter) {
		if (vt->inter == '!' && final == 'p')
			soft_reset(vt);
		return; /* cursor style (SP q) and the like: ignored */
	}
	if (final == 'h' || final == 'l') {
		set_modes(vt, final == 'h');
		return;
	}
	if (final == 'c' || final == 'n') {
		csi_report(vt, final);
		return;
	}
	if (vt->priv || csi_motion(vt, final))
		return;
	switch (final) {
	case 'J': erase_display(vt, par(vt, 0, 0)); break;
	case 'K': erase_line(vt, par(vt, 0, 0)); break;
	case 'L': insert_lines(vt, n, true); break;
	case 'M': insert_lines(vt, n, false); break;
	case '@': insert_blanks(vt, n); break;
	case 'P': delete_chars(vt, n); break;
	case 'X': erase_cells(vt, vt->y * vt->cols + vt->x,
			      vt->y * vt->cols + min_int(vt->x + n, vt->cols)); break;
	case 'S': scroll_up(vt, vt->top, vt->bot, n); break;
	case 'T': scroll_down(vt, vt->top, vt->bot, n); break;
	case 'm': sgr(vt); break;
	case 'r': set_region(vt); break;
	case 's': save_cursor(vt, &vt->saved); break;
	case 'u': restore_cursor(vt, &vt->saved); break;
	case 'g':
		if (par(vt, 0, 0) == 0)
			vt->tabs[vt->x] = false;
		else if (par(vt, 0, 0) == 3)
			memset(vt->tabs, 0, sizeof(vt->tabs));
		break;
	}
}

/* ---- the parser ---- */

static void start_csi(struct vt *vt)
{
	vt->state = S_CSI;
	memset(vt->params, 0, sizeof(vt->params));
	vt->nparams = 1; /* "CSI m" reads as "CSI 0 m" */
	vt->priv = 0;
	vt->inter = 0;
}

/* C0 control characters (never ESC, CAN or SUB: the caller took those). */
static void control(struct vt *vt, char c)
{
	switch (c) {
	case '\b':
		if (vt->x > 0)
			vt->x--;
		vt->wrap_next = false;
		break;
	case '\t':
		tab_forward(vt, 1);
		break;
	case '\n': case '\v': case '\f':
		line_feed(vt);
		break;
	case '\r':
		vt->x = 0;
		vt->wrap_next = false;
		break;
	}
}

static void esc_dispatch(struct vt *vt, char c)
{
	if ((uint8_t)c < 0x20) {
		control(vt, c); /* runs, and the escape goes on */
		return;
	}
	vt->state = S_GROUND;
	switch (c) {
	case '[': start_csi(vt); break;
	case ']': vt->state = S_OSC; break;
	case 'P': case 'X': case '^': case '_': vt->state = S_STRING; break;
	case 'D': line_feed(vt); break;
	case 'E': vt->x = 0; line_feed(vt); break;
	case 'M': reverse_index(vt); break;
	case '7': save_cursor(vt, &vt->saved); break;
	case '8': restore_cursor(vt, &vt->saved); break;
	case 'H': vt->tabs[vt->x] = true; break;
	case 'Z': reply_str(vt, "\033[?6c"); break;
	case 'c':
		vt_init(vt, vt->cells, vt->rows, vt->cols);
		break;
	default:
		if (c >= 0x20 && c <= 0x2f) {
			vt->inter = c;
			vt->state = S_ESC_INT;
		}
		/* '=' '>' (keypad modes) and unknown finals: ignored */
	}
}

/* ESC <intermediate> <final>: only DECALN (ESC # 8) does anything. */
static void esc_int_dispatch(struct vt *vt, char c)
{
	vt->state = S_GROUND;
	if (vt->inter == '#' && c == '8') {
		for (int i = 0; i < vt->rows * vt->cols; i++)
			vt->cells[i] = VT_CELL('E', VT_ATTR_NORMAL);
		touch(vt, 0, vt->rows - 1);
		move_to(vt, 0, 0);
	}
}

static void csi_byte(struct vt *vt, char c)
{
	int *p = &vt->params[vt->nparams - 1];

	if (c >= '0' && c <= '9') {
		*p = min_int(*p * 10 + (c - '0'), PARAM_MAX);
	} else if (c == ';' || c == ':') {
		if (vt->nparams < VT_MAX_PARAMS)
			vt->nparams++;
	} else if (c >= 0x3c && c <= 0x3f) {
		vt->priv = c;
	} else if (c >= 0x20 && c <= 0x2f) {
		vt->inter = c;
	} else if (c >= 0x40 && c <= 0x7e) {
		vt->state = S_GROUND;
		csi_dispatch(vt, c);
	} else if ((uint8_t)c < 0x20) {
		control(vt, c);
	}
}

/* ESC ]: Linux's "P nrrggbb" (set palette) and "R" (reset palette) have no
 * terminator; anything else is an xterm string ended by BEL or ST. */
static void osc_byte(struct vt *vt, char c)
{
	if (c == 'P') {
		vt->skip = 7;
		vt->state = S_SKIP;
	} else if (c == 'R') {
		vt->state = S_GROUND;
	} else {
		vt->state = S_STRING;
	}
}

/* A code point to a code page 437 glyph; '?' when there is none. */
static uint8_t cp437(uint32_t cp)
{
	static const struct { uint16_t cp; uint8_t g; } map[] = {
		{ 0xa0, ' ' }, { 0xa1, 0xad }, { 0xa2, 0x9b }, { 0xa3, 0x9c }, { 0xa5, 0x9d },
		{ 0xa7, 0x15 }, { 0xaa, 0xa6 }, { 0xab, 0xae }, { 0xac, 0xaa }, { 0xb0, 0xf8 },
		{ 0xb1, 0xf1 }, { 0xb2, 0xfd }, { 0xb5, 0xe6 }, { 0xb6, 0x14 }, { 0xb7, 0xfa },
		{ 0xba, 0xa7 }, { 0xbb, 0xaf }, { 0xbc, 0xac }, { 0xbd, 0xab }, { 0xbf, 0xa8 },
		{ 0xc4, 0x8e }, { 0xc5, 0x8f }, { 0xc6, 0x92 }, { 0xc7, 0x80 }, { 0xc9, 0x90 },
		{ 0xd1, 0xa5 }, { 0xd6, 0x99 }, { 0xdc, 0x9a }, { 0xdf, 0xe1 }, { 0xe0, 0x85 },
		{ 0xe1, 0xa0 }, { 0xe2, 0x83 }, { 0xe4, 0x84 }, { 0xe5, 0x86 }, { 0xe6, 0x91 },
		{ 0xe7, 0x87 }, { 0xe8, 0x8a }, { 0xe9, 0x82 }, { 0xea, 0x88 }, { 0xeb, 0x89 },
		{ 0xec, 0x8d }, { 0xed, 0xa1 }, { 0xee, 0x8c }, { 0xef, 0x8b }, { 0xf1, 0xa4 },
		{ 0xf2, 0x95 }, { 0xf3, 0xa2 }, { 0xf4, 0x93 }, { 0xf6, 0x94 }, { 0xf7, 0xf6 },
		{ 0xf9, 0x97 }, { 0xfa, 0xa3 }, { 0xfb, 0x96 }, { 0xfc, 0x81 }, { 0xff, 0x98 },
		{ 0x2022, 0x07 }, { 0x2190, 0x1b }, { 0x2191, 0x18 }, { 0x2192, 0x1a },
		{ 0x2193, 0x19 }, { 0x2500, 0xc4 }, { 0x2502, 0xb3 }, { 0x250c, 0xda },
		{ 0x2510, 0xbf }, { 0x2514, 0xc0 }, { 0x2518, 0xd9 }, { 0x251c, 0xc3 },
		{ 0x2524, 0xb4 }, { 0x252c, 0xc2 }, { 0x2534, 0xc1 }, { 0x253c, 0xc5 },
		{ 0x2550, 0xcd }, { 0x2551, 0xba }, { 0x2588, 0xdb }, { 0x2591, 0xb0 },
		{ 0x2592, 0xb1 }, { 0x2593, 0xb2 }, { 0x25a0, 0xfe },
	};

	if (cp < 0x80)
		return (uint8_t)cp;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].cp == cp)
			return map[i].g;
	return '?';
}

/* A byte >= 0x80 in GROUND: UTF-8. A malformed sequence shows as '?'. */
static void utf8_byte(struct vt *vt, uint8_t b)
{
	if (b >= 0x80 && b <= 0xbf && vt->utf8_left) {
		vt->utf8_cp = vt->utf8_cp << 6 | (b & 0x3f);
		if (--vt->utf8_left == 0)
			put_glyph(vt, cp437(vt->utf8_cp), vt->attr);
		return;
	}
	if (vt->utf8_left) {
		vt->utf8_left = 0;
		put_glyph(vt, '?', vt->attr);
	}
	if (b >= 0xc2 && b <= 0xdf) {
		vt->utf8_cp = b & 0x1f;
		vt->utf8_left = 1;
	} else if (b >= 0xe0 && b <= 0xef) {
		vt->utf8_cp = b & 0x0f;
		vt->utf8_left = 2;
	} else if (b >= 0xf0 && b <= 0xf4) {
		vt->utf8_cp = b & 0x07;
		vt->utf8_left = 3;
	} else {
		put_glyph(vt, '?', vt->attr);
	}
}

static void ground_byte(struct vt *vt, uint8_t b)
{
	if (b >= 0x80) {
		utf8_byte(vt, b);
		return;
	}
	if (vt->utf8_left) { /* a sequence cut short */
		vt->utf8_left = 0;
		put_glyph(vt, '?', vt->attr);
	}
	if (b < 0x20)
		control(vt, (char)b);
	else if (b != 0x7f)
		put_glyph(vt, b, vt->attr);
}

static void vt_byte(struct vt *vt, char c)
{
	if (c == CAN || c == SUB) {
		vt->state = S_GROUND;
		return;
	}
	if (c == ESC) {
		vt->state = vt->state == S_STRING ? S_STRING_ESC : S_ESC;
		vt->inter = 0;
		return;
	}
	switch (vt->state) {
	case S_GROUND: ground_byte(vt, (uint8_t)c); break;
	case S_ESC: esc_dispatch(vt, c); break;
	case S_ESC_INT: esc_int_dispatch(vt, c); break;
	case S_CSI: csi_byte(vt, c); break;
	case S_OSC: osc_byte(vt, c); break;
	case S_STRING:
		if (c == '\a')
			vt->state = S_GROUND;
		break;
	case S_STRING_ESC: /* ST is ESC \; another ESC sequence also ends it */
		vt->state = S_ESC;
		if (c != '\\')
			esc_dispatch(vt, c);
		else
			vt->state = S_GROUND;
		break;
	case S_SKIP:
		if (--vt->skip <= 0)
			vt->state = S_GROUND;
		break;
	}
}

void vt_write(struct vt *vt, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vt_byte(vt, s[i]);
}

void vt_put_text(struct vt *vt, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t b = (uint8_t)s[i];
		if (b == '\n') {
			vt->x = 0;
			line_feed(vt);
		} else if (b < 0x20) {
			control(vt, (char)b);
		} else if (b != 0x7f) {
			put_glyph(vt, b, VT_ATTR_NORMAL);
		}
	}
}

void vt_init(struct vt *vt, uint16_t *cells, int rows, int cols)
{
	vt->cells = cells;
	vt->rows = rows < VT_MAX_ROWS ? rows : VT_MAX_ROWS;
	vt->cols = cols < VT_MAX_COLS ? cols : VT_MAX_COLS;
	vt->x = vt->y = 0;
	vt->wrap_next = false;
	soft_reset(vt);
	for (int i = 0; i < VT_MAX_COLS; i++)
		vt->tabs[i] = i && i % 8 == 0;
	vt->state = S_GROUND;
	vt->utf8_left = 0;
	vt->alt_active = false;
	vt->reply_len = 0;
	vt->scrolled = 0;
	vt->dirty = 0;
	erase_cells(vt, 0, vt->rows * vt->cols); /* and every row is dirty */
}

/* vt.h: a VT100/ANSI (Linux console flavoured) terminal emulator over a grid
 * of VGA text cells. It knows nothing of hardware: the cells may be the VGA
 * text memory or a buffer in RAM (self-tests, host tests). */
#ifndef KERNEL_VT_H
#define KERNEL_VT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VT_MAX_ROWS 25
#define VT_MAX_COLS 80
#define VT_MAX_PARAMS 16
_Static_assert(VT_MAX_ROWS <= 32, "struct vt's dirty mask has a bit per row");
#define VT_REPLY_MAX 32

/* Cell format: character (code page 437) in the low byte, VGA attribute
 * (background << 4 | foreground) in the high byte. */
#define VT_CELL(ch, attr) ((uint16_t)(((attr) << 8) | (uint8_t)(ch)))
#define VT_ATTR_NORMAL 0x07

/* Character rendition: what SGR sets, and what DECSC saves. */
struct vt_pen {
	uint8_t fg, bg; /* ANSI colour numbers 0-15 (8-15: bright) */
	bool bold, underline, reverse;
};

struct vt_cursor_state {
	int x, y;
	bool wrap_next, origin;
	struct vt_pen pen;
};

/* Everything below is private to vt.c except cells, x, y and cursor_on,
 * which the display driver and the tests read. */
struct vt {
	uint16_t *cells; /* rows * cols, row-major */
	int rows, cols;
	uint32_t dirty;  /* bit y: row y changed since vt_take_dirty */
	int scrolled;    /* whole-screen scrolls up since then (rows) */
	int x, y;        /* cursor; always on screen */
	bool cursor_on;  /* DECTCEM */
	bool wrap_next;  /* last column written: the next glyph wraps first */
	bool autowrap, origin, insert;
	int top, bot;    /* scrolling region, inclusive rows */
	struct vt_pen pen;
	uint8_t attr, erase_attr; /* the pen as VGA attributes */
	struct vt_cursor_state saved;
	bool tabs[VT_MAX_COLS];

	/* Escape-sequence parser. */
	int state;
	int params[VT_MAX_PARAMS];
	int nparams;
	char priv;  /* CSI private marker: '?', '>', '=', '<' or 0 */
	char inter; /* intermediate byte (0x20-0x2f) or 0 */
	int skip;   /* bytes of a fixed-length OSC (Linux palette) still to eat */
	uint32_t utf8_cp;
	int utf8_left;

	/* Alternate screen: while it is shown, main holds the normal screen. */
	bool alt_active;
	uint16_t main[VT_MAX_ROWS * VT_MAX_COLS];
	struct vt_cursor_state alt_saved;

	/* Answers to DSR/DA queries, for the driver to feed back as input. */
	char reply[VT_REPLY_MAX];
	size_t reply_len;
};

/* Reset vt to power-on state over cells (rows x cols, at most
 * VT_MAX_ROWS x VT_MAX_COLS) and clear them. */
void vt_init(struct vt *vt, uint16_t *cells, int rows, int cols);
/* Interpret output bytes: text, control characters, escape sequences. A
 * sequence may be split across calls. */
void vt_write(struct vt *vt, const char *s, size_t n);
/* Draw kernel message text at the cursor in the normal colours: '\n' starts a
 * new line, no escape sequences; the parser and the pen are left alone. */
void vt_put_text(struct vt *vt, const char *s, size_t n);
/* What changed since the last call, then forget it: the screen scrolled up
 * by *scrolled rows as a whole (the display may move its origin rather than
 * the cells), and after that the rows in the returned mask (bit y for row y)
 * changed. */
uint32_t vt_take_dirty(struct vt *vt, int *scrolled);
/* Take up to size bytes of pending query answers; returns how many. */
size_t vt_take_reply(struct vt *vt, char *buf, size_t size);

#endif

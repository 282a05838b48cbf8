/* vga.c: the VGA text screen at 0xB8000 and its hardware cursor.
 *
 * One terminal emulator (kernel/vt.c) draws for two writers, as on the
 * Linux console: tty1's output goes through its escape-sequence parser,
 * kernel messages are drawn as plain text at the same cursor without
 * disturbing a sequence the parser is in the middle of.
 *
 * The emulator draws in a copy of the screen in RAM (cells); after each
 * write, the rows it marked dirty are copied to the text memory, 8 bytes a
 * store. Emulators trap every access to the text memory, so scrolling
 * by copying the screen there is slow. Instead, as Linux's vgacon does, a
 * whole-screen scroll moves the CRTC start address (origin) down the 32 KiB
 * of text memory and only the new rows are written; when the window would
 * run past the end, or the whole screen is redrawn anyway, it goes back to
 * the start. The cursor address counts from the start of text memory too.
 * Then the hardware cursor (CRTC registers) is moved to the emulator's
 * cursor and shown or hidden as ESC [ ? 25 h/l asked.
 * Lock rule: the emulator is touched only with interrupts off, because the
 * keyboard interrupt echoes through it. */
#include "kernel/vga.h"

#include <stdbool.h>
#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/tty.h"
#include "kernel/vt.h"

#define VGA_TEXT 0xB8000
#define TEXT_CELLS (32768 / 2)
#define SCREEN_CELLS (VGA_ROWS * VGA_COLS)
#define ALL_ROWS ((1u << VGA_ROWS) - 1)
#define CRTC_INDEX 0x3D4
#define CRTC_DATA 0x3D5
#define CRTC_MAX_SCAN 0x09
#define CRTC_CURSOR_START 0x0A
#define CRTC_CURSOR_END 0x0B
#define CRTC_START_HI 0x0C
#define CRTC_START_LO 0x0D
#define CRTC_CURSOR_HI 0x0E
#define CRTC_CURSOR_LO 0x0F
#define CURSOR_OFF 0x20

static struct vt screen;
/* flush copies rows 4 cells (a uint64_t) at a time. */
static uint16_t cells[VGA_ROWS * VGA_COLS] __attribute__((aligned(8)));
static volatile uint64_t *text;
static int origin; /* cell of text memory shown top left */
_Static_assert(VGA_COLS % 4 == 0, "flush copies rows in groups of 4 cells");
_Static_assert(VGA_ROWS <= 32, "one dirty bit per row");
static struct tty *screen_tty;
static uint8_t cursor_start; /* scan line the underline cursor starts on */
static int hw_pos = -1;      /* where the hardware cursor is */
static bool hw_on;

static uint8_t crtc_read(uint8_t reg)
{
	outb(CRTC_INDEX, reg);
	return inb(CRTC_DATA);
}

static void crtc_write(uint8_t reg, uint8_t v)
{
	outb(CRTC_INDEX, reg);
	outb(CRTC_DATA, v);
}

/* Make the hardware cursor match the emulator's. */
static void sync_cursor(void)
{
	int pos = origin + screen.y * screen.cols + screen.x;

	if (screen.cursor_on != hw_on) {
		hw_on = screen.cursor_on;
		crtc_write(CRTC_CURSOR_START, hw_on ? cursor_start : cursor_start | CURSOR_OFF);
	}
	if (pos != hw_pos) {
		hw_pos = pos;
		crtc_write(CRTC_CURSOR_LO, (uint8_t)(pos & 0xff));
		crtc_write(CRTC_CURSOR_HI, (uint8_t)(pos >> 8));
	}
}

/* The new origin after the screen scrolled up by n rows; every row must be
 * rewritten (*dirty) when it goes back to the start. */
static int scroll_origin(int n, uint32_t *dirty)
{
	if (*dirty == ALL_ROWS || n >= VGA_ROWS ||
	    origin + (n + VGA_ROWS) * VGA_COLS > TEXT_CELLS) {
		*dirty = ALL_ROWS;
		return 0;
	}
	return origin + n * VGA_COLS;
}

/* Copy the changed rows to the text memory, then move the origin and the
 * cursor. */
static void flush(void)
{
	const uint64_t *src = (const uint64_t *)cells;
	int scrolled, new_origin;
	uint32_t dirty = vt_take_dirty(&screen, &scrolled);

	new_origin = scroll_origin(scrolled, &dirty);
	for (int y = 0; dirty >> y; y++) {
		if (!(dirty & (1u << y)))
			continue;
		volatile uint64_t *dst = text + (new_origin + y * VGA_COLS) / 4;
		for (int i = 0; i < VGA_COLS / 4; i++)
			dst[i] = src[(y * VGA_COLS) / 4 + i];
	}
	if (new_origin != origin) {
		origin = new_origin;
		crtc_write(CRTC_START_HI, (uint8_t)(origin >> 8));
		crtc_write(CRTC_START_LO, (uint8_t)(origin & 0xff));
	}
	sync_cursor();
}

void vga_init(void)
{
	/* An underline cursor on the last two scan lines of the font. */
	uint8_t last = crtc_read(CRTC_MAX_SCAN) & 0x1f;

	cursor_start = last ? last - 1 : 0;
	crtc_write(CRTC_CURSOR_END, (uint8_t)((crtc_read(CRTC_CURSOR_END) & 0xe0) | last));
	text = phys_to_virt(VGA_TEXT);
	vt_init(&screen, cells, VGA_ROWS, VGA_COLS);
	hw_on = !screen.cursor_on; /* so that sync_cursor writes the shape */
	origin = -1;               /* so that flush writes the start address */
	flush();
}

void vga_write(const char *s, size_t n)
{
	uint64_t f;

	if (!screen.cells)
		return;
	f = irq_save();
	vt_put_text(&screen, s, n);
	flush();
	irq_restore(f);
}

/* Interrupts stay off for at most this many bytes of output, so that a
 * long write cannot hold up the serial port's receive interrupt. */
#define PIECE 128

void vga_tty_write(const char *s, size_t n)
{
	char reply[VT_REPLY_MAX];
	size_t len;
	uint64_t f;

	if (!screen.cells)
		return;
	for (size_t done = 0; done < n; done += PIECE) {
		f = irq_save();
		vt_write(&screen, s + done, n - done < PIECE ? n - done : PIECE);
		flush();
		/* Taken first: the echo of the answer comes back through here. */
		len = vt_take_reply(&screen, reply, sizeof(reply));
		for (size_t i = 0; i < len && screen_tty; i++)
			tty_receive(screen_tty, reply[i]);
		irq_restore(f);
	}
}

void vga_attach_tty(struct tty *t)
{
	screen_tty = t;
}

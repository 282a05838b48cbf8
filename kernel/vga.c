/* vga.c: a minimal VGA text-mode writer with scrolling and a hardware cursor. */
#include "kernel/vga.h"

#include <stdint.h>

#include "kernel/arch.h"
#include "kernel/lib/string.h"

#define COLS 80
#define ROWS 25
#define ATTR 0x07

static volatile uint16_t *screen;
static int row, col;

static void vga_move_cursor(void)
{
	uint16_t pos = (uint16_t)(row * COLS + col);

	outb(0x3D4, 0x0F);
	outb(0x3D5, pos & 0xFF);
	outb(0x3D4, 0x0E);
	outb(0x3D5, pos >> 8);
}

static void vga_scroll(void)
{
	for (int i = 0; i < (ROWS - 1) * COLS; i++)
		screen[i] = screen[i + COLS];
	for (int i = (ROWS - 1) * COLS; i < ROWS * COLS; i++)
		screen[i] = (ATTR << 8) | ' ';
	row = ROWS - 1;
}

void vga_init(void)
{
	screen = phys_to_virt(0xB8000);
	for (int i = 0; i < ROWS * COLS; i++)
		screen[i] = (ATTR << 8) | ' ';
	row = col = 0;
	vga_move_cursor();
}

static void vga_putc(char c)
{
	switch (c) {
	case '\n':
		col = 0;
		row++;
		break;
	case '\r':
		col = 0;
		break;
	case '\b':
		if (col)
			col--;
		break;
	case '\t':
		col = (col + 8) & ~7;
		break;
	default:
		screen[row * COLS + col] = (uint16_t)((ATTR << 8) | (uint8_t)c);
		col++;
	}
	if (col >= COLS) {
		col = 0;
		row++;
	}
	if (row >= ROWS)
		vga_scroll();
}

void vga_write(const char *s, size_t n)
{
	if (!screen)
		return;
	for (size_t i = 0; i < n; i++)
		vga_putc(s[i]);
	vga_move_cursor();
}

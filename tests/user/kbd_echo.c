/* kbd_echo.c: the VGA terminal's e2e driver (tests/e2e/vga.py), run as pid 1.
 * Not a test case: no runner group lists it.
 *
 *   1. Writes "kbd_echo: hello console" to stdout, i.e. /dev/console:
 *      where it shows says which terminal the console is.
 *   2. Opens /dev/tty1 (the VGA screen and keyboard), draws a test pattern
 *      of escape sequences on rows 15-23 and puts the cursor on row 24.
 *   3. Reports, on /dev/ttyS0 (always the serial line), each step:
 *        kbd_echo: ready rows=25 cols=80        TIOCGWINSZ of tty1
 *        kbd_echo: dsr 1b 5b ... 52             the answer to ESC [ 6 n
 *        kbd_echo: cooked                       back in canonical mode: type
 *        kbd_echo: line 68 69 0a                a line read in canonical mode
 *        kbd_echo: raw                          raw mode is on
 *        kbd_echo: bytes 1b 5b 41               each read in raw mode
 *        kbd_echo: done                         after a 'q'; then it exits
 *   Arguments: "noinput" stops after "ready" and the DSR answer (Bochs has
 *   no way to type keys from outside); "scroll" first prints 40 numbered
 *   lines on tty1, so that the pattern is drawn on a scrolled screen. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

static int report_fd = 1;

__attribute__((format(printf, 1, 2))) static void report(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(report_fd, buf, (size_t)n) < 0)
		_exit(3);
}

static void report_hex(const char *what, const unsigned char *b, size_t n)
{
	char hex[3 * 256 + 1];
	size_t len = 0;

	for (size_t i = 0; i < n && i < 256; i++)
		len += (size_t)snprintf(hex + len, sizeof(hex) - len, " %02x", b[i]);
	hex[len] = 0;
	report("kbd_echo: %s%s", what, hex);
}

static const char pattern[] =
	"\033[15;1H\033[J"
	"\033[15;1HPLAIN"
	"\033[16;1H\033[1;31mRED\033[m \033[7mREV\033[m \033[32;44mGB\033[m"
	"\033[17;1Habcdef\033[17;3H\033[2P"
	"\033[18;1Hxyz\033[18;2H\033[2@"
	"\033[19;1Hkeep-this\033[19;5H\033[K"
	"\033[20;1Hline20\033[21;1Hline21\033[22;1Hline22\033[20;22r\033[22;1H\n\033[r"
	"\033[?1049h\033[2J\033[HALTSCREEN\033[?1049l"
	"\033]0;title\007\033[?2004h\033[?2004l\033[>c\033(B"
	"\033[23;1H\xc3\xa9t\xc3\xa9"
	"\033[24;1H";

static int write_all(int fd, const char *s, size_t n)
{
	while (n) {
		ssize_t w = write(fd, s, n);
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Ask tty1 where its cursor is (raw mode, 2 s at most). */
static void query_cursor(int tty, struct termios *raw)
{
	unsigned char buf[32];
	size_t n = 0;

	raw->c_cc[VMIN] = 0;
	raw->c_cc[VTIME] = 20;
	tcsetattr(tty, TCSANOW, raw);
	write_all(tty, "\033[6n", 4);
	while (n < sizeof(buf)) {
		ssize_t r = read(tty, buf + n, sizeof(buf) - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		if (buf[n - 1] == 'R')
			break;
	}
	report_hex("dsr", buf, n);
	raw->c_cc[VMIN] = 1;
	raw->c_cc[VTIME] = 0;
}

/* Raw mode: report every read until a 'q'. */
static void echo_raw(int tty, struct termios *raw)
{
	unsigned char buf[64];

	tcsetattr(tty, TCSANOW, raw);
	report("kbd_echo: raw");
	for (;;) {
		ssize_t r = read(tty, buf, sizeof(buf));
		if (r <= 0) {
			report("kbd_echo: read failed");
			return;
		}
		report_hex("bytes", buf, (size_t)r);
		if (memchr(buf, 'q', (size_t)r))
			return;
	}
}

static bool has_arg(int argc, char **argv, const char *word)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], word))
			return true;
	return false;
}

static void scroll_lines(int tty)
{
	char buf[32];

	for (int i = 1; i <= 40; i++) {
		int n = snprintf(buf, sizeof(buf), "scroll %d\n", i);
		write_all(tty, buf, (size_t)n);
	}
}

int main(int argc, char **argv)
{
	struct termios cooked, raw;
	struct winsize ws = { 0 };
	unsigned char line[256];
	int tty;

	write_all(1, "kbd_echo: hello console\n", 24);
	report_fd = open("/dev/ttyS0", O_WRONLY | O_NOCTTY);
	tty = open("/dev/tty1", O_RDWR | O_NOCTTY);
	if (report_fd < 0 || tty < 0) {
		report_fd = report_fd < 0 ? 1 : report_fd;
		report("kbd_echo: cannot open /dev/ttyS0 or /dev/tty1");
		return 1;
	}
	ioctl(tty, TIOCGWINSZ, &ws);
	if (has_arg(argc, argv, "scroll"))
		scroll_lines(tty);
	if (tcgetattr(tty, &cooked) || write_all(tty, pattern, sizeof(pattern) - 1)) {
		report("kbd_echo: tcgetattr or write on tty1 failed");
		return 1;
	}
	raw = cooked;
	cfmakeraw(&raw);
	report("kbd_echo: ready rows=%d cols=%d", ws.ws_row, ws.ws_col);
	query_cursor(tty, &raw);
	tcsetattr(tty, TCSANOW, &cooked);
	if (has_arg(argc, argv, "noinput"))
		return 0;
	report("kbd_echo: cooked");
	ssize_t n = read(tty, line, sizeof(line));
	report_hex("line", line, n > 0 ? (size_t)n : 0);
	echo_raw(tty, &raw);
	tcsetattr(tty, TCSANOW, &cooked);
	report("kbd_echo: done");
	return 0;
}

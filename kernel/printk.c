/* printk.c: formatted output to the kernel consoles. */
#include "kernel/printk.h"

#include <stdbool.h>

#include "kernel/arch.h"
#include "kernel/console.h"
#include "kernel/lib/string.h"

int printk_quiet;

/* The kernel log: everything printed, in a ring that keeps the newest
 * LOG_SIZE bytes; log_end counts every byte ever written. */
#define LOG_SIZE 16384
static char log_ring[LOG_SIZE];
static uint64_t log_end, log_cleared;

static void log_append(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		log_ring[log_end++ % LOG_SIZE] = s[i];
}

uint64_t printk_log_end(void)
{
	return log_end;
}

uint64_t printk_log_start(void)
{
	uint64_t oldest = log_end > LOG_SIZE ? log_end - LOG_SIZE : 0;

	return log_cleared > oldest ? log_cleared : oldest;
}

size_t printk_log_read(uint64_t from, char *dst, size_t n)
{
	size_t done = 0;

	if (from < printk_log_start())
		from = printk_log_start();
	for (; done < n && from < log_end; done++, from++)
		dst[done] = log_ring[from % LOG_SIZE];
	return done;
}

void printk_log_clear(void)
{
	log_cleared = log_end;
}

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_str(struct out *o, const char *s, int width, bool left)
{
	int n = (int)strlen(s);

	for (; !left && n < width; width--)
		out_char(o, ' ');
	while (*s)
		out_char(o, *s++);
	for (; left && n < width; width--)
		out_char(o, ' ');
}

static void out_num(struct out *o, uint64_t v, bool neg, unsigned base, bool upper, int width,
		    char pad, bool left)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (neg && pad == '0') {
		out_char(o, '-');
		width--;
	} else if (neg) {
		tmp[n++] = '-';
	}
	for (; !left && n < width; width--)
		out_char(o, pad);
	for (int i = n - 1; i >= 0; i--)
		out_char(o, tmp[i]);
	for (; left && n < width; width--)
		out_char(o, ' ');
}

/* Fetch an integer argument of the size the length modifier names. */
static uint64_t fetch_arg(va_list *ap, int lng, bool is_signed, bool *neg)
{
	int64_t s;

	*neg = false;
	if (!is_signed)
		return lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned int);
	s = lng ? va_arg(*ap, int64_t) : va_arg(*ap, int);
	if (s < 0) {
		*neg = true;
		return -(uint64_t)s;
	}
	return (uint64_t)s;
}

int kvsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list aq;

	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		bool left = false, neg;
		char pad = ' ';
		int width = 0, lng = 0;
		uint64_t v;

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		fmt++;
		for (; *fmt == '-' || *fmt == '0'; fmt++) {
			if (*fmt == '-')
				left = true;
			else
				pad = '0';
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng = 1;
		switch (*fmt) {
		case 'd':
		case 'i':
			v = fetch_arg(&aq, lng, true, &neg);
			out_num(&o, v, neg, 10, false, width, pad, left);
			break;
		case 'u':
			v = fetch_arg(&aq, lng, false, &neg);
			out_num(&o, v, false, 10, false, width, pad, left);
			break;
		case 'x':
		case 'X':
			v = fetch_arg(&aq, lng, false, &neg);
			out_num(&o, v, false, 16, *fmt == 'X', width, pad, left);
			break;
		case 'p':
			out_str(&o, "0x", 0, false);
			out_num(&o, (uint64_t)va_arg(aq, void *), false, 16, false, 16, '0', false);
			break;
		case 's': {
			const char *s = va_arg(aq, const char *);
			out_str(&o, s ? s : "(null)", width, left);
			break;
		}
		case 'c':
			out_char(&o, (char)va_arg(aq, int));
			break;
		case '%':
			out_char(&o, '%');
			break;
		case 0:
			fmt--;
			break;
		default:
			out_char(&o, '%');
			out_char(&o, *fmt);
		}
	}
	va_end(aq);
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int ksnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void kvprintf(const char *fmt, va_list ap)
{
	char buf[512];
	int n = kvsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	uint64_t f = irq_save();
	log_append(buf, (size_t)n);
	irq_restore(f);
	console_write_kernel(buf, (size_t)n);
}

void kprintf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kvprintf(fmt, ap);
	va_end(ap);
}

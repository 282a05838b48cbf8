/* cmdline.c: word and key=value look-up in the kernel command line. */
#include "kernel/cmdline.h"

#include "kernel/lib/string.h"

static char line[1024];

static const char *skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static size_t word_len(const char *s)
{
	size_t n = 0;

	while (s[n] && s[n] != ' ' && s[n] != '\t')
		n++;
	return n;
}

void cmdline_set(const char *s)
{
	size_t n;

	s = skip_spaces(s);
	n = word_len(s);
	/* QEMU's -kernel puts the image's path, as typed, first. */
	if (n >= 10 && !strncmp(s + n - 10, "kernel.elf", 10) && (n == 10 || s[n - 11] == '/'))
		s = skip_spaces(s + n);
	strlcpy(line, s, sizeof(line));
}

const char *cmdline_get(void)
{
	return line;
}

/* Find the word starting with prefix of length plen, ending at plen or '='. */
static const char *find_word(const char *key, size_t klen, bool want_value)
{
	for (const char *s = skip_spaces(line); *s; s = skip_spaces(s + word_len(s))) {
		size_t n = word_len(s);
		if (n < klen || strncmp(s, key, klen))
			continue;
		if (want_value ? s[klen] == '=' : n == klen)
			return s;
	}
	return NULL;
}

bool cmdline_has(const char *word)
{
	return find_word(word, strlen(word), false) != NULL;
}

bool cmdline_value(const char *key, char *buf, size_t size)
{
	size_t klen = strlen(key);
	const char *s = find_word(key, klen, true);
	size_t n;

	if (!s)
		return false;
	s += klen + 1;
	n = word_len(s);
	if (size) {
		if (n >= size)
			n = size - 1;
		memcpy(buf, s, n);
		buf[n] = 0;
	}
	return true;
}

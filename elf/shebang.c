/* shebang.c: the "#!" line of a script, parsed as Linux's binfmt_script.
 *
 * Theory of operation. The format handlers see the first BINPRM_BUF_SIZE
 * bytes of the file, zero-padded when the file is shorter. The line ends at
 * the first '\n' met before any NUL. Without one, the line is the whole
 * buffer but its last byte, and it is accepted only if a space, tab or NUL
 * follows the interpreter name inside the buffer: a path that fills the
 * buffer may be cut off, and running a truncated path is refused. Spaces
 * and tabs around the line are dropped. The interpreter name runs up to the
 * first space, tab or NUL; everything after the blanks that follow it, up
 * to the end of the line, is ONE argument (blanks inside kept; a NUL cuts
 * it short, so it may even be empty). The name itself is empty when a NUL
 * follows "#!" and the blanks (proc/exec.c resolves it as Linux does, to a
 * directory: EACCES); a line with no name at all is ENOEXEC. The caller
 * then rewrites argv to interp, [arg], script path, argv[1..]
 * (execargs_shebang) and runs the interpreter, at most EXEC_MAX_DEPTH
 * times in a row. */
#include "elf/elf.h"

#include "kernel/errno.h"
#include "kernel/lib/string.h"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* First non-blank in [first, last], or NULL. */
static const char *skip_blanks(const char *first, const char *last)
{
	for (; first <= last; first++)
		if (!is_blank(*first))
			return first;
	return NULL;
}

/* First blank or NUL in [first, last], or NULL. */
static const char *find_end_of_word(const char *first, const char *last)
{
	for (; first <= last; first++)
		if (is_blank(*first) || !*first)
			return first;
	return NULL;
}

/* The '\n' ending the line, searching until a NUL like strnchr(). */
static const char *find_newline(const char *buf, size_t n)
{
	for (size_t i = 0; i < n && buf[i]; i++)
		if (buf[i] == '\n')
			return buf + i;
	return NULL;
}

bool shebang_match(const char *buf, size_t n)
{
	return n >= 2 && buf[0] == '#' && buf[1] == '!';
}

/* Where the line ends (exclusive, trailing blanks dropped), or NULL if the
 * interpreter path might be truncated or is missing. */
static const char *line_end(const char *line)
{
	const char *last = line + BINPRM_BUF_SIZE - 1;
	const char *end = find_newline(line, BINPRM_BUF_SIZE);

	if (!end) {
		end = skip_blanks(line + 2, last);
		if (!end || !find_end_of_word(end, last))
			return NULL;
		end = last;
	}
	while (is_blank(end[-1]))
		end--;
	return end;
}

int shebang_parse(struct shebang *sb, const char *buf, size_t n)
{
	const char *name, *sep, *end;
	char *line = sb->line;

	if (!shebang_match(buf, n))
		return -ENOEXEC;
	if (n > BINPRM_BUF_SIZE)
		n = BINPRM_BUF_SIZE;
	memset(line, 0, BINPRM_BUF_SIZE);
	memcpy(line, buf, n);
	sb->interp = NULL;
	sb->arg = NULL;

	end = line_end(line);
	if (!end)
		return -ENOEXEC;
	name = skip_blanks(line + 2, end);
	if (!name || name == end)
		return -ENOEXEC;
	sep = find_end_of_word(name, end);
	if (sep && *sep)
		sb->arg = skip_blanks(sep, end);
	line[end - line] = '\0';
	if (sep)
		line[sep - line] = '\0';
	sb->interp = name;
	return 0;
}

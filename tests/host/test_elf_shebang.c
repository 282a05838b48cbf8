/* test_elf_shebang.c: "#!" lines. Each expectation is what a Linux 6.18
 * kernel did with the same script (the argv its interpreter received). */
#include "elf/shebang.c"

#include <stdlib.h>
#include <string.h>

#include "htest.h"

static struct shebang sb;

static int parse(const char *s, size_t n)
{
	return shebang_parse(&sb, s, n);
}

/* Parse a C string (no NULs inside) and compare interp and arg. */
static bool gives(const char *s, const char *interp, const char *arg)
{
	if (parse(s, strlen(s)) != 0)
		return false;
	if (strcmp(sb.interp, interp) != 0)
		return false;
	if (!arg || !sb.arg)
		return arg == sb.arg;
	return strcmp(sb.arg, arg) == 0;
}

HTEST(shebang_simple)
{
	HCHECK(gives("#!/bin/sh\n", "/bin/sh", NULL));
	HCHECK(gives("#!/bin/sh\necho hi\n", "/bin/sh", NULL));
	HCHECK(gives("#!/bin/sh -x\n", "/bin/sh", "-x"));
	HCHECK(gives("#!/bin/sh", "/bin/sh", NULL)); /* no newline, short file */
}

HTEST(shebang_blanks)
{
	HCHECK(gives("#!  /p  -x  y \t\nrest", "/p", "-x  y"));
	HCHECK(gives("#!\t/p\t-a\tb\n", "/p", "-a\tb"));
	HCHECK(gives("#! /usr/bin/env  python3 -u  \n", "/usr/bin/env", "python3 -u"));
	HCHECK(gives("#!/p \t \n", "/p", NULL));
	HCHECK(gives("#!/p a b", "/p", "a b"));    /* no newline */
	HCHECK(gives("#!/p -x\r\n", "/p", "-x\r")); /* CR is not a blank */
}

HTEST(shebang_no_interpreter)
{
	HCHECK(parse("#!\n", 3) == -ENOEXEC);
	HCHECK(parse("#!  \t \n", 7) == -ENOEXEC);
	HCHECK(parse("#!", 1) == -ENOEXEC);
	HCHECK(parse("#x/bin/sh\n", 10) == -ENOEXEC);
	HCHECK(parse("\x7f" "ELF", 4) == -ENOEXEC);
	HCHECK(parse("", 0) == -ENOEXEC);
	/* A file that is only "#!" or "#! ": the name is the padding's NUL, so
	 * Linux looks up "" (and fails there, EACCES on 6.18). */
	HCHECK(gives("#!", "", NULL));
	HCHECK(gives("#! ", "", NULL));
}

HTEST(shebang_nul_bytes)
{
	static const char a[] = "#!/p\0 -x\n";
	static const char b[] = "#!/p \0x\n";
	static const char c[] = "#!/p ab\0cd\n";

	/* The newline search stops at a NUL; the NUL ends the name. */
	HCHECK(parse(a, sizeof(a) - 1) == 0 && strcmp(sb.interp, "/p") == 0 && !sb.arg);
	/* A NUL right after the blanks: an empty argument is passed. */
	HCHECK(parse(b, sizeof(b) - 1) == 0 && strcmp(sb.interp, "/p") == 0 && sb.arg &&
	       strcmp(sb.arg, "") == 0);
	HCHECK(parse(c, sizeof(c) - 1) == 0 && strcmp(sb.arg, "ab") == 0);
}

HTEST(shebang_long_lines)
{
	char buf[600];

	/* Interpreter path cut off by the buffer: refused. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "#!/", 3);
	HCHECK(parse(buf, sizeof(buf)) == -ENOEXEC);
	buf[300] = '\n';
	HCHECK(parse(buf, sizeof(buf)) == -ENOEXEC); /* the newline is too far */
	/* A path filling all 256 bytes, no blank: refused. */
	HCHECK(parse(buf, BINPRM_BUF_SIZE) == -ENOEXEC);
	/* Path ends in the buffer, argument runs past it: the argument is cut,
	 * and the buffer's last byte is never part of it. */
	memcpy(buf, "#!/p ", 5);
	memset(buf + 5, 'A', sizeof(buf) - 5);
	buf[400] = '\n';
	HCHECK(parse(buf, sizeof(buf)) == 0 && strcmp(sb.interp, "/p") == 0);
	HCHECK(sb.arg && strlen(sb.arg) == BINPRM_BUF_SIZE - 1 - 5);
	/* A blank at the very last byte is enough to accept the path. */
	memset(buf, 'a', sizeof(buf));
	memcpy(buf, "#!/", 3);
	buf[BINPRM_BUF_SIZE - 1] = ' ';
	HCHECK(parse(buf, sizeof(buf)) == 0 && strlen(sb.interp) == BINPRM_BUF_SIZE - 3);
	HCHECK(!sb.arg);
	/* A newline at the last byte: the line ends there. */
	buf[BINPRM_BUF_SIZE - 1] = '\n';
	HCHECK(parse(buf, sizeof(buf)) == 0 && strlen(sb.interp) == BINPRM_BUF_SIZE - 3);
}

HTEST(shebang_input_untouched)
{
	static const char s[] = "#!/bin/sh -e\n";
	char copy[sizeof(s)];

	memcpy(copy, s, sizeof(s));
	HCHECK(parse(copy, sizeof(copy) - 1) == 0);
	HCHECK(memcmp(copy, s, sizeof(s)) == 0);
	HCHECK(sb.interp >= sb.line && sb.interp < sb.line + BINPRM_BUF_SIZE);
	HCHECK(shebang_match("#!", 2) && !shebang_match("#", 1) && !shebang_match("!#", 2));
}

HTEST_MAIN()

/* procfs_selftest.c: in-kernel tests of /proc/<pid>/ generation on a fake
 * task with a small address space of its own: the 52 stat fields in order,
 * the status lines, and cmdline read through the page tables (stopping at
 * a page that is not present; setproctitle's one-string rule). */
#include "fs/vfs.h"
#include "kernel/lib/string.h"
#include "kernel/selftest.h"
#include "mm/as.h"
#include "mm/kheap.h"
#include "mm/pmm.h"
#include "proc/procfs_internal.h"
#include "proc/proc.h"

#define ARGS_VA 0x400000UL
#define STACK_VA 0x7000000UL

static const char fake_args[] = "prog\0-x\0a b"; /* and the final NUL */
#define ARGS_LEN sizeof(fake_args)

struct fake {
	struct task *t, *parent;
	struct as *as;
};

/* Two data pages (the strings end the first; the second is never touched,
 * so not present) and a two-page stack. */
static struct as *fake_space(void)
{
	struct as *as = as_create();
	uintptr_t at = ARGS_VA + PAGE_SIZE - ARGS_LEN;

	if (!as)
		return NULL;
	as_map(as, ARGS_VA, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, 0, true, NULL, 0);
	as_map(as, STACK_VA, 2 * PAGE_SIZE, PROT_READ | PROT_WRITE, VMA_GROWSDOWN, true, NULL, 0);
	as_copy_out(as, at, fake_args, ARGS_LEN);
	as->arg_start = at;
	as->arg_end = as->env_start = as->env_end = at + ARGS_LEN;
	as->start_stack = STACK_VA + PAGE_SIZE;
	return as;
}

static bool fake_make(struct fake *f)
{
	f->t = kzalloc(sizeof(*f->t));
	f->parent = kzalloc(sizeof(*f->parent));
	f->as = fake_space();
	if (!f->t || !f->parent || !f->as)
		return false;
	f->parent->pid = 7;
	*f->t = (struct task){ .pid = 4242, .pgid = 4242, .sid = 7, .state = TASK_SLEEPING,
			       .parent = f->parent, .as = f->as, .utime_ticks = 250,
			       .stime_ticks = 30, .cutime_ticks = 5, .nice = 3,
			       .start_ns = 2500000000UL, .exit_signal = SIGCHLD, .did_exec = true,
			       .sig_blocked = 2 };
	for (int i = 0; i < RLIM_NLIMITS; i++)
		f->t->rlimits[i] = (struct rlimit64){ RLIM_INFINITY, RLIM_INFINITY };
	strlcpy(f->t->comm, "we (ird) x", sizeof(f->t->comm));
	return true;
}

static void fake_free(struct fake *f)
{
	if (f->as)
		as_put(f->as);
	kfree(f->t);
	kfree(f->parent);
}

/* Field k (1-based) of a stat line, splitting the comm off at the last ')'
 * as parsers must; copied into out. False if there is no such field. */
static bool stat_field(const char *line, int k, char *out, size_t size)
{
	const char *p = strrchr(line, ')'), *end;

	if (k <= 2) { /* pid, or comm without its parentheses */
		p = k == 1 ? line : strchr(line, '(') + 1;
		end = k == 1 ? strchr(line, ' ') : strrchr(line, ')');
	} else {
		for (int i = 2; p && i < k; i++)
			p = strchr(p + 1, ' ');
		if (!p)
			return false;
		p++;
		for (end = p; *end && *end != ' ' && *end != '\n'; end++)
			;
	}
	if ((size_t)(end - p) >= size)
		return false;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = 0;
	return true;
}

static bool field_is(const char *line, int k, const char *want)
{
	char buf[32];

	return stat_field(line, k, buf, sizeof(buf)) && !strcmp(buf, want);
}

static int count_fields(const char *line)
{
	int n = 2;

	for (const char *p = strrchr(line, ')') + 1; *p; p++)
		n += *p == ' ';
	return n;
}

/* sb's text has the substring s. */
static bool has_text(const struct seqbuf *sb, const char *s)
{
	size_t n = strlen(s);

	for (size_t i = 0; i + n <= sb->len; i++)
		if (!memcmp(sb->buf + i, s, n))
			return true;
	return false;
}

/* Generate with gen into a fresh NUL-terminated buffer. */
static void gen(struct seqbuf *sb, int (*fn)(struct task *, struct seqbuf *), struct task *t)
{
	memset(sb, 0, sizeof(*sb));
	ST_CHECK(fn(t, sb) == 0 && !sb->overflow);
	seq_write(sb, "", 1);
	sb->len--;
}

SELFTEST(procfs_stat_fields)
{
	size_t free0 = pmm_free_count();
	struct fake f = { 0 };
	struct seqbuf sb;

	if (!fake_make(&f)) {
		ST_CHECK(!"out of memory");
		goto out;
	}
	gen(&sb, procfs_pid_stat, f.t);
	ST_CHECK(count_fields(sb.buf) == 52);
	ST_CHECK(sb.len && sb.buf[sb.len - 1] == '\n');
	ST_CHECK(field_is(sb.buf, 1, "4242") && field_is(sb.buf, 2, "we (ird) x"));
	ST_CHECK(field_is(sb.buf, 3, "S") && field_is(sb.buf, 4, "7"));
	ST_CHECK(field_is(sb.buf, 5, "4242") && field_is(sb.buf, 6, "7"));
	ST_CHECK(field_is(sb.buf, 7, "0") && field_is(sb.buf, 8, "-1"));
	ST_CHECK(field_is(sb.buf, 14, "250") && field_is(sb.buf, 15, "30"));
	ST_CHECK(field_is(sb.buf, 16, "5") && field_is(sb.buf, 18, "23"));
	ST_CHECK(field_is(sb.buf, 19, "3") && field_is(sb.buf, 20, "1"));
	ST_CHECK(field_is(sb.buf, 22, "250"));
	ST_CHECK(field_is(sb.buf, 23, "16384") && field_is(sb.buf, 24, "1"));
	ST_CHECK(field_is(sb.buf, 25, "18446744073709551615"));
	ST_CHECK(field_is(sb.buf, 32, "2") && field_is(sb.buf, 38, "17"));
	ST_CHECK(field_is(sb.buf, 52, "0"));
	kfree(sb.buf);

	f.t->state = TASK_ZOMBIE;
	f.t->exit_code = 3 << 8;
	f.t->as = NULL;
	gen(&sb, procfs_pid_stat, f.t);
	ST_CHECK(count_fields(sb.buf) == 52);
	ST_CHECK(field_is(sb.buf, 3, "Z") && field_is(sb.buf, 23, "0"));
	ST_CHECK(field_is(sb.buf, 52, "768"));
	kfree(sb.buf);
out:
	fake_free(&f);
	ST_CHECK(pmm_free_count() == free0);
}

SELFTEST(procfs_status_lines)
{
	struct fake f = { 0 };
	struct seqbuf sb;

	if (!fake_make(&f)) {
		ST_CHECK(!"out of memory");
		goto out;
	}
	gen(&sb, procfs_pid_status, f.t);
	ST_CHECK(has_text(&sb, "Name:\twe (ird) x\n"));
	ST_CHECK(has_text(&sb, "\nState:\tS (sleeping)\n"));
	ST_CHECK(has_text(&sb, "\nTgid:\t4242\n") && has_text(&sb, "\nPid:\t4242\n"));
	ST_CHECK(has_text(&sb, "\nPPid:\t7\n") && has_text(&sb, "\nUid:\t0\t0\t0\t0\n"));
	ST_CHECK(has_text(&sb, "\nVmSize:\t      16 kB\n") && has_text(&sb, "\nVmStk:\t       8 kB\n"));
	ST_CHECK(has_text(&sb, "\nSigBlk:\t0000000000000002\n"));
	kfree(sb.buf);
	f.t->as = NULL;
	f.t->state = TASK_ZOMBIE;
	gen(&sb, procfs_pid_status, f.t);
	ST_CHECK(has_text(&sb, "\nState:\tZ (zombie)\n") && !has_text(&sb, "VmSize"));
	kfree(sb.buf);
out:
	fake_free(&f);
}

SELFTEST(procfs_cmdline_through_page_tables)
{
	struct fake f = { 0 };
	struct seqbuf sb;
	char x = 'X';

	if (!fake_make(&f)) {
		ST_CHECK(!"out of memory");
		goto out;
	}
	gen(&sb, procfs_pid_cmdline, f.t);
	ST_CHECK(sb.len == ARGS_LEN && !memcmp(sb.buf, fake_args, ARGS_LEN));
	kfree(sb.buf);
	/* The range runs on into a page that is not present: cut there. */
	f.as->arg_end += 100;
	gen(&sb, procfs_pid_cmdline, f.t);
	ST_CHECK(sb.len == ARGS_LEN && f.as->rss_pages == 1);
	kfree(sb.buf);
	/* setproctitle overwrote the last NUL: one string only. */
	f.as->arg_end -= 100;
	as_copy_out(f.as, f.as->arg_end - 1, &x, 1);
	gen(&sb, procfs_pid_cmdline, f.t);
	ST_CHECK(sb.len == 5 && !memcmp(sb.buf, "prog", 5));
	kfree(sb.buf);
out:
	fake_free(&f);
}

/* tty.c: the terminal line discipline, termios and job-control checks.
 *
 * Input path (interrupt context): device byte -> tty_receive -> input
 * processing (ICRNL/INLCR/IGNCR, ISIG characters send signals to the
 * foreground process group, canonical editing with ERASE/KILL/WERASE/EOF)
 * -> the input ring, with echo. In canonical mode a read sees only complete
 * lines (count in tty->lines); otherwise VMIN/VTIME decide. Switching to
 * canonical mode turns raw input already in the ring into lines.
 * Flow control: while the ring (or, canonical, the line slots) is full the
 * serial device is throttled and keeps its bytes; reads and flushes let it
 * send again. Nothing typed ahead is dropped (regression:
 * tty_paste_lost_input); the keyboard has no such brake.
 * Output path: write -> OPOST/ONLCR -> the device.
 * Job control: a background process group reading its controlling terminal
 * gets SIGTTIN (EIO if it ignores or blocks it); writing with TOSTOP set
 * gets SIGTTOU. Lock rule: the ring is touched with interrupts off. */
#include "kernel/tty.h"

#include "fs/vfs.h"
#include "kernel/arch.h"
#include "kernel/clock.h"
#include "kernel/cmdline.h"
#include "kernel/errno.h"
#include "kernel/kbd.h"
#include "kernel/lib/string.h"
#include "kernel/printk.h"
#include "kernel/serial.h"
#include "kernel/uaccess.h"
#include "kernel/vga.h"
#include "proc/proc.h"
#include "proc/signal.h"
#include "proc/task.h"
#include "proc/thread.h"
#include "proc/wait.h"

/* termios (Linux x86_64 kernel ABI: struct termios, NCCS 19). */
#define NCCS 19
struct termios_k {
	uint32_t iflag, oflag, cflag, lflag;
	uint8_t line;
	uint8_t cc[NCCS];
};
_Static_assert(sizeof(struct termios_k) == 36, "struct termios (Linux x86_64)");

struct winsize_k {
	uint16_t row, col, xpixel, ypixel;
};

#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSTART 8
#define VSTOP 9
#define VSUSP 10
#define VEOL 11
#define VREPRINT 12
#define VWERASE 14
#define VLNEXT 15
#define VEOL2 16

#define IGNCR 0000200
#define ICRNL 0000400
#define INLCR 0000100
#define ISTRIP 0000040
#define IXON 0002000
#define OPOST 0000001
#define ONLCR 0000004
#define ISIG 0000001
#define ICANON 0000002
#define ECHO 0000010
#define ECHOE 0000020
#define ECHOK 0000040
#define ECHONL 0000100
#define NOFLSH 0000200
#define TOSTOP 0000400
#define ECHOCTL 0001000
#define ECHOKE 0004000
#define IEXTEN 0100000

#define TCGETS 0x5401
#define TCSETS 0x5402
#define TCSETSW 0x5403
#define TCSETSF 0x5404
#define TCFLSH 0x540B
#define TIOCSCTTY 0x540E
#define TIOCGPGRP 0x540F
#define TIOCSPGRP 0x5410
#define TIOCOUTQ 0x5411
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD 0x541B
#define TIOCNOTTY 0x5422
#define TIOCGSID 0x5429
#define TCXONC 0x540A
#define TCSBRK 0x5409

#define RING 4096

struct tty {
	const char *name;
	uint32_t rdev;
	void (*out)(const char *s, size_t n);
	struct termios_k tio;
	struct winsize_k ws;
	char ring[RING];     /* input: committed bytes readable now */
	unsigned head, tail; /* ring[tail..head) */
	char line[RING];     /* canonical line being edited */
	unsigned line_len;
	unsigned lines;      /* complete lines (or EOFs) in the ring */
	unsigned line_end[64]; /* ring index just past each complete line */
	unsigned first_line;   /* line_end[first_line % 64] is the oldest */
	int pgrp, sid;
	struct waitq readers;
	void (*unthrottle)(void); /* the device may send again (serial) */
};

#define MAX_TTYS 4
static struct tty ttys[MAX_TTYS];
static int ntty;
static struct tty *console_tty; /* /dev/console */
static struct tty *serial_tty;  /* ttyS0 */
static struct tty *vga_tty;     /* tty1, also /dev/tty0 */

static void tty_default_termios(struct tty *t)
{
	static const uint8_t cc[NCCS] = { [VINTR] = 3, [VQUIT] = 28, [VERASE] = 127,
					  [VKILL] = 21, [VEOF] = 4, [VTIME] = 0, [VMIN] = 1,
					  [VSTART] = 17, [VSTOP] = 19, [VSUSP] = 26,
					  [VREPRINT] = 18, [VWERASE] = 23, [VLNEXT] = 22 };

	t->tio.iflag = ICRNL | IXON;
	t->tio.oflag = OPOST | ONLCR;
	t->tio.cflag = 0000277 | 0002000; /* B38400 | CS8 | CREAD(0200) */
	t->tio.lflag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN;
	memcpy(t->tio.cc, cc, sizeof(cc));
	t->ws.row = 24;
	t->ws.col = 80;
}

/* Output one byte with OPOST processing. */
static void tty_put(struct tty *t, char c)
{
	if ((t->tio.oflag & OPOST) && (t->tio.oflag & ONLCR) && c == '\n')
		t->out("\r\n", 2);
	else
		t->out(&c, 1);
}

/* Output bytes with OPOST processing, in as few device calls as possible
 * (the VGA terminal redraws once per call, not once per byte). */
static void tty_put_chunk(struct tty *t, const char *s, size_t n)
{
	bool onlcr = (t->tio.oflag & OPOST) && (t->tio.oflag & ONLCR);
	char out[512];
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		if (len + 2 > sizeof(out)) {
			t->out(out, len);
			len = 0;
		}
		if (s[i] == '\n' && onlcr)
			out[len++] = '\r';
		out[len++] = s[i];
	}
	if (len)
		t->out(out, len);
}

static void echo_char(struct tty *t, char c)
{
	if (!(t->tio.lflag & ECHO)) {
		if (c == '\n' && (t->tio.lflag & ECHONL))
			tty_put(t, c);
		return;
	}
	if ((t->tio.lflag & ECHOCTL) && (uint8_t)c < 32 && c != '\n' && c != '\t') {
		char s[2] = { '^', (char)(c + 64) };
		t->out(s, 2);
		return;
	}
	tty_put(t, c);
}

static unsigned ring_count(struct tty *t)
{
	return t->head - t->tail;
}

static void ring_put(struct tty *t, char c)
{
	if (ring_count(t) < RING)
		t->ring[t->head++ % RING] = c;
}

static void flush_input(struct tty *t)
{
	t->head = t->tail = 0;
	t->line_len = 0;
	t->lines = 0;
	t->first_line = 0;
}

static void signal_pgrp(struct tty *t, int sig)
{
	struct list_head *pos;

	list_for_each(pos, &task_list) {
		struct task *p = list_entry(pos, struct task, all);
		if (t->pgrp > 0 && p->pgid == t->pgrp && thread_is_leader(p))
			proc_send_signal(p, sig);
	}
}

static bool handle_isig(struct tty *t, char c)
{
	int sig = 0;

	if (!(t->tio.lflag & ISIG))
		return false;
	if (c == (char)t->tio.cc[VINTR])
		sig = SIGINT;
	else if (c == (char)t->tio.cc[VQUIT])
		sig = SIGQUIT;
	else if (c == (char)t->tio.cc[VSUSP])
		sig = SIGTSTP;
	if (!sig)
		return false;
	if (!(t->tio.lflag & NOFLSH))
		flush_input(t);
	echo_char(t, c);
	signal_pgrp(t, sig);
	return true;
}

static void erase_one(struct tty *t)
{
	if (!t->line_len)
		return;
	char c = t->line[--t->line_len];
	if ((t->tio.lflag & ECHO) && (t->tio.lflag & ECHOE)) {
		t->out("\b \b", 3);
		if ((t->tio.lflag & ECHOCTL) && (uint8_t)c < 32 && c != '\t')
			t->out("\b \b", 3);
	}
}

/* Canonical editing; returns true when c was consumed as an edit key. */
static bool handle_edit(struct tty *t, char c)
{
	const uint8_t *cc = t->tio.cc;

	if (c == (char)cc[VERASE] || c == '\b') {
		erase_one(t);
		return true;
	}
	if (c == (char)cc[VWERASE] && (t->tio.lflag & IEXTEN)) {
		while (t->line_len && t->line[t->line_len - 1] == ' ')
			erase_one(t);
		while (t->line_len && t->line[t->line_len - 1] != ' ')
			erase_one(t);
		return true;
	}
	if (c == (char)cc[VKILL]) {
		while (t->line_len)
			erase_one(t);
		return true;
	}
	return false;
}

/* End the canonical line: move it to the ring (EOF adds no byte). */
static void commit_line(struct tty *t, bool eof, char c)
{
	if (t->lines == 64)
		return; /* too many unread lines: drop this one, as a full ring */
	for (unsigned i = 0; i < t->line_len; i++)
		ring_put(t, t->line[i]);
	if (!eof)
		ring_put(t, c);
	t->line_len = 0;
	t->line_end[(t->first_line + t->lines) % 64] = t->head;
	t->lines++;
}

void tty_receive(struct tty *t, char c)
{
	uint32_t ifl = t->tio.iflag;

	if (ifl & ISTRIP)
		c &= 0x7f;
	if (c == '\r' && (ifl & IGNCR))
		return;
	if (c == '\r' && (ifl & ICRNL))
		c = '\n';
	else if (c == '\n' && (ifl & INLCR))
		c = '\r';
	if (handle_isig(t, c))
		goto wake;
	if (!(t->tio.lflag & ICANON)) {
		ring_put(t, c);
		echo_char(t, c);
		goto wake;
	}
	if (handle_edit(t, c))
		return;
	if (c == (char)t->tio.cc[VEOF]) {
		commit_line(t, true, c);
		goto wake;
	}
	if (c == '\n' || (c && c == (char)t->tio.cc[VEOL]) || (c && c == (char)t->tio.cc[VEOL2])) {
		echo_char(t, c);
		commit_line(t, false, c);
		goto wake;
	}
	if (t->line_len < RING - 1) {
		t->line[t->line_len++] = c;
		echo_char(t, c);
	}
	return;
wake:
	waitq_wake_all(&t->readers);
	waitq_wake_all(&poll_waitq);
}

static void serial_rx(char c)
{
	tty_receive(serial_tty, c);
}

/* Whether t can take another input byte. Canonical input needs room for
 * the line being edited as well as a free line slot; with nothing left to
 * read, a byte is always taken, so that an over-long line can still end. */
static bool tty_has_room(struct tty *t)
{
	if (!ring_count(t))
		return true;
	if (t->tio.lflag & ICANON)
		return t->lines < 64 && ring_count(t) + t->line_len < RING - 1;
	return ring_count(t) < RING;
}

static bool serial_has_room(void)
{
	return tty_has_room(serial_tty);
}

/* Input was consumed or flushed: a throttled device may send again. */
static void tty_unthrottle(struct tty *t)
{
	if (t->unthrottle)
		t->unthrottle();
}

/* ---- job control ---- */

static bool is_ctty(struct tty *t)
{
	return proc_current()->ctty == t;
}

/* Background access to the controlling terminal: 0 to go ahead, or the
 * error after signalling the process group. */
static int job_check(struct tty *t, int sig)
{
	struct task *cur = proc_current();

	if (!is_ctty(t) || !t->pgrp || cur->pgid == t->pgrp)
		return 0;
	if (signal_is_ignored(cur, sig) || (cur->sig_blocked & SIGBIT(sig)))
		return sig == SIGTTIN ? -EIO : 0;
	/* An orphaned group would never be continued: fail, as Linux does. */
	if (proc_pgrp_is_orphaned(cur->pgid, NULL))
		return -EIO;
	for (struct list_head *pos = task_list.next; pos != &task_list; pos = pos->next) {
		struct task *p = list_entry(pos, struct task, all);
		if (p->pgid == cur->pgid && thread_is_leader(p))
			proc_send_signal(p, sig);
	}
	return -ERESTARTSYS;
}

/* ---- file operations ---- */

static bool readable(struct tty *t)
{
	if (t->tio.lflag & ICANON)
		return t->lines > 0;
	return ring_count(t) >= (t->tio.cc[VMIN] ? t->tio.cc[VMIN] : 1);
}

/* Wait as VMIN/VTIME (or canonical mode) say. 0 or -errno. */
static int wait_input(struct tty *t, struct file *f)
{
	uint64_t deadline = 0;
	int err;

	if (readable(t))
		return 0;
	if (f->flags & O_NONBLOCK)
		return ring_count(t) && !(t->tio.lflag & ICANON) ? 0 : -EAGAIN;
	if (!(t->tio.lflag & ICANON) && t->tio.cc[VTIME])
		deadline = clock_monotonic_ns() + (uint64_t)t->tio.cc[VTIME] * 100000000ULL;
	if (!(t->tio.lflag & ICANON) && !t->tio.cc[VMIN]) {
		if (!deadline)
			return 0;
		err = WAIT_EVENT_DEADLINE(&t->readers, ring_count(t) > 0, deadline);
	} else {
		err = WAIT_EVENT_DEADLINE(&t->readers, readable(t) ||
				(deadline && ring_count(t) && !(t->tio.lflag & ICANON)), deadline);
	}
	return err == -ETIMEDOUT ? 0 : err;
}

/* Bytes a read may take now: up to the end of the oldest line in
 * canonical mode, everything otherwise. */
static unsigned readable_now(struct tty *t)
{
	if (t->tio.lflag & ICANON)
		return t->lines ? t->line_end[t->first_line % 64] - t->tail : 0;
	return ring_count(t);
}

static long tty_read(struct file *f, struct uio *u, uint64_t *pos)
{
	struct tty *t = f->priv;
	char buf[256];
	size_t done = 0;
	int err;

	if ((err = job_check(t, SIGTTIN)) || (err = wait_input(t, f)))
		return err;
	uint64_t fl = irq_save();
	size_t want = readable_now(t) < u->len ? readable_now(t) : u->len;
	while (done < want) {
		size_t n = want - done < sizeof(buf) ? want - done : sizeof(buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = t->ring[(t->tail + i) % RING];
		if (uio_copy_out(u, done, buf, n))
			break;
		t->tail += n;
		done += n;
	}
	if ((t->tio.lflag & ICANON) && t->lines && t->tail == t->line_end[t->first_line % 64]) {
		t->first_line++; /* the line (or EOF) is used up */
		t->lines--;
	}
	irq_restore(fl);
	tty_unthrottle(t);
	return done || !want ? (long)done : -EFAULT;
}

static long tty_write(struct file *f, struct uio *u, uint64_t *pos)
{
	struct tty *t = f->priv;
	char buf[256];
	size_t done = 0;
	int err;

	if ((t->tio.lflag & TOSTOP) && (err = job_check(t, SIGTTOU)))
		return err;
	while (done < u->len) {
		size_t n = u->len - done < sizeof(buf) ? u->len - done : sizeof(buf);
		if (uio_copy_in(buf, u, done, n))
			return done ? (long)done : -EFAULT;
		tty_put_chunk(t, buf, n);
		done += n;
	}
	return (long)done;
}

static bool is_eol(const struct tty *t, char c)
{
	const uint8_t *cc = t->tio.cc;

	return c == '\n' || (c && (c == (char)cc[VEOL] || c == (char)cc[VEOL2]));
}

/* Input taken raw becomes canonical (as Linux's n_tty re-reads its
 * buffer): complete lines in the ring count as lines, and the bytes after
 * the last one become the line being edited. Regression:
 * raw_input_lost_to_canonical_reader. => interrupts off */
static void raw_to_canon(struct tty *t)
{
	unsigned end = t->tail;

	t->lines = t->first_line = 0;
	for (unsigned i = t->tail; i != t->head && t->lines < 64; i++) {
		if (is_eol(t, t->ring[i % RING])) {
			end = i + 1;
			t->line_end[t->lines++] = end;
		}
	}
	t->line_len = 0;
	for (unsigned i = end; i != t->head; i++)
		t->line[t->line_len++] = t->ring[i % RING];
	t->head = end;
}

static long set_termios(struct tty *t, uintptr_t arg, bool flush)
{
	struct termios_k tio;

	if (copy_from_user(&tio, arg, sizeof(tio)))
		return -EFAULT;
	uint64_t fl = irq_save();
	bool was_canon = t->tio.lflag & ICANON;
	t->tio = tio;
	if (flush)
		flush_input(t);
	if (was_canon && !(tio.lflag & ICANON)) {
		/* The partial line becomes readable input. */
		for (unsigned i = 0; i < t->line_len; i++)
			ring_put(t, t->line[i]);
		t->line_len = 0;
		t->lines = 0;
		t->first_line = 0;
	} else if (!was_canon && (tio.lflag & ICANON)) {
		raw_to_canon(t);
	}
	irq_restore(fl);
	tty_unthrottle(t);
	waitq_wake_all(&t->readers);
	return 0;
}

/* TIOCSPGRP: only for our controlling tty, to a group in our session. */
static long set_pgrp(struct tty *t, uintptr_t arg)
{
	struct task *cur = proc_current();
	int pgrp, err;

	if (!is_ctty(t) || t->sid != cur->sid)
		return -ENOTTY;
	if ((err = get_user(pgrp, arg)))
		return err;
	if (pgrp < 0)
		return -EINVAL;
	if ((err = job_check(t, SIGTTOU)) && err != -EIO)
		return err;
	for (struct list_head *pos = task_list.next; pos != &task_list; pos = pos->next) {
		struct task *p = list_entry(pos, struct task, all);
		if (p->pgid == pgrp) {
			if (p->sid != cur->sid)
				return -EPERM;
			t->pgrp = pgrp;
			return 0;
		}
	}
	return -ESRCH;
}

/* Make t the controlling terminal of the caller's session. */
static long set_ctty(struct tty *t, int force)
{
	struct task *cur = proc_current();

	if (cur->ctty == t)
		return 0;
	if (cur->sid != cur->pid || cur->ctty)
		return -EPERM;
	if (t->sid && !(force && cur->cred.euid == 0))
		return -EPERM;
	t->sid = cur->sid;
	t->pgrp = cur->pgid;
	for (struct list_head *pos = task_list.next; pos != &task_list; pos = pos->next) {
		struct task *p = list_entry(pos, struct task, all);
		if (p->sid == cur->sid)
			p->ctty = t;
	}
	return 0;
}

void tty_session_leader_exit(struct tty *t, int sid)
{
	if (t->sid != sid)
		return;
	if (t->pgrp > 0) {
		signal_pgrp(t, SIGHUP);
		signal_pgrp(t, SIGCONT);
	}
	for (struct list_head *pos = task_list.next; pos != &task_list; pos = pos->next) {
		struct task *p = list_entry(pos, struct task, all);
		if (p->sid == sid)
			p->ctty = NULL;
	}
	t->sid = 0;
	t->pgrp = 0;
}

static long tty_ioctl(struct file *f, unsigned int cmd, uintptr_t arg)
{
	struct tty *t = f->priv;
	struct task *cur = proc_current();
	int n;

	switch (cmd) {
	case TCGETS:
		return copy_to_user(arg, &t->tio, sizeof(t->tio)) ? -EFAULT : 0;
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return set_termios(t, arg, cmd == TCSETSF);
	case TIOCGWINSZ:
		return copy_to_user(arg, &t->ws, sizeof(t->ws)) ? -EFAULT : 0;
	case TIOCSWINSZ:
		if (copy_from_user(&t->ws, arg, sizeof(t->ws)))
			return -EFAULT;
		if (t->pgrp)
			signal_pgrp(t, SIGWINCH);
		return 0;
	case TIOCGPGRP:
		if (!is_ctty(t))
			return -ENOTTY;
		return put_user(t->pgrp, arg);
	case TIOCSPGRP:
		return set_pgrp(t, arg);
	case TIOCGSID:
		if (!is_ctty(t) || !t->sid)
			return -ENOTTY;
		return put_user(t->sid, arg);
	case TIOCSCTTY:
		return set_ctty(t, (int)arg);
	case TIOCNOTTY:
		if (!is_ctty(t))
			return -ENOTTY;
		cur->ctty = NULL;
		return 0;
	case FIONREAD:
		n = (int)readable_now(t);
		return put_user(n, arg);
	case TIOCOUTQ:
		return put_user((int)0, arg);
	case TCFLSH:
		if (arg > 2)
			return -EINVAL;
		if (arg != 1) { /* TCIFLUSH or TCIOFLUSH */
			uint64_t fl = irq_save();
			flush_input(t);
			irq_restore(fl);
			tty_unthrottle(t);
		}
		return 0;
	case TCXONC:
	case TCSBRK:
		return 0; /* output is never held back, and is always drained */
	}
	return -ENOTTY;
}

static unsigned int tty_poll(struct file *f, struct poll_table *pt)
{
	struct tty *t = f->priv;

	poll_wait(pt, &t->readers);
	return (readable(t) ? POLLIN | POLLRDNORM : 0) | POLLOUT | POLLWRNORM;
}

/* The terminal a device node names: by minor for ttyS0/ttyN, the VGA
 * terminal for tty0 (4,0), the console for (5,1). */
static struct tty *tty_of_inode(struct inode *ino)
{
	if (ino->rdev == MKDEV(4, 0) && vga_tty)
		return vga_tty;
	for (int i = 0; i < ntty; i++)
		if (ttys[i].rdev == ino->rdev)
			return &ttys[i];
	return console_tty;
}

static int tty_open(struct inode *ino, struct file *f)
{
	struct task *cur = proc_current();
	struct tty *t = tty_of_inode(ino);

	f->priv = t;
	/* A session leader without a terminal acquires it on open. */
	if (!(f->flags & O_NOCTTY) && cur->sid == cur->pid && !cur->ctty && !t->sid)
		set_ctty(t, 0);
	return 0;
}

/* /dev/tty: the caller's controlling terminal, or ENXIO. */
static int devtty_open(struct inode *ino, struct file *f)
{
	struct tty *t = proc_current()->ctty;

	if (!t)
		return -ENXIO;
	f->priv = t;
	return 0;
}

static const struct file_ops tty_ops = {
	.open = tty_open,
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
};

static const struct file_ops devtty_ops = {
	.open = devtty_open,
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
};

struct tty *tty_register(const char *name, uint32_t major, uint32_t minor,
			 void (*out)(const char *s, size_t n))
{
	struct tty *t;

	KASSERT(ntty < MAX_TTYS);
	t = &ttys[ntty++];
	t->name = name;
	t->out = out;
	t->rdev = MKDEV(major, minor);
	tty_default_termios(t);
	waitq_init(&t->readers);
	devfs_register_char(name, major, minor, &tty_ops);
	return t;
}

/* The serial line writes to the serial port only: the screen belongs to
 * tty1 (kernel messages go to both anyway, through the console). */
static void serial_only_out(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		serial_putc(s[i]);
}

void tty_set_winsize(struct tty *t, uint16_t rows, uint16_t cols)
{
	t->ws.row = rows;
	t->ws.col = cols;
}

void tty_set_console(struct tty *t)
{
	console_tty = t;
}

uint32_t tty_devnum(struct tty *t)
{
	return t->rdev;
}

int tty_fg_pgrp(struct tty *t)
{
	return t->pgrp;
}

/* tty1 on the VGA screen and the keyboard; /dev/tty0 names it too. */
static void vga_tty_init(void)
{
	vga_tty = tty_register("tty1", 4, 1, vga_tty_write);
	tty_set_winsize(vga_tty, VGA_ROWS, VGA_COLS);
	vga_attach_tty(vga_tty);
	devfs_register_char("tty0", 4, 0, &tty_ops);
	kbd_init(vga_tty);
}

void tty_init(void)
{
	char con[16];

	console_tty = serial_tty = tty_register("ttyS0", 4, 64, serial_only_out);
	serial_tty->unthrottle = serial_rx_unthrottle;
	vga_tty_init();
	devfs_register_char("console", 5, 1, &tty_ops);
	devfs_register_char("tty", 5, 0, &devtty_ops);
	serial_enable_rx_irq(serial_rx, serial_has_room);
	if (!cmdline_value("console", con, sizeof(con)))
		return;
	if (strchr(con, ','))
		*strchr(con, ',') = 0; /* "ttyS0,115200n8" */
	if (!strcmp(con, "tty1") || !strcmp(con, "tty0"))
		tty_set_console(vga_tty);
	else if (strcmp(con, "ttyS0"))
		kinfo("tty: console=%s: no such terminal; the console is ttyS0\n", con);
}

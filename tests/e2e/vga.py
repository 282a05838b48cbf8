#!/usr/bin/env python3
"""vga.py: tty1, the VGA text terminal with the PS/2 keyboard, driven from
outside. /bin/kbd_echo (tests/user/kbd_echo.c) runs as pid 1: it draws an
escape-sequence pattern on /dev/tty1, asks tty1 where its cursor is (DSR),
reads a line, then echoes raw key bytes as hex on the serial line.

QEMU: keys are typed with the monitor's `sendkey` and the screen is read
with `pmemsave` of the text memory at 0xB8000, so this checks the drawing,
the hardware keyboard path (8042, IRQ 1, scancode translation) and which
terminal /dev/console is. Bochs cannot type keys from outside; its run
checks tty1's size, the DSR answer through the real screen and console=tty1
(the keyboard itself is covered in Bochs by the kbd self-test, which feeds
the 8042 with its D2 command)."""
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import e2e  # noqa: E402

ROWS, COLS = 25, 80
DSR_ROW24 = "1b 5b 32 34 3b 31 52"  # ESC [ 2 4 ; 1 R

# (QEMU sendkey name, the bytes tty1 must read in raw mode)
KEYS = [
    ("a", "61"), ("shift-a", "41"), ("1", "31"), ("shift-1", "21"),
    ("minus", "2d"), ("shift-minus", "5f"), ("bracket_left", "5b"), ("semicolon", "3b"),
    ("apostrophe", "27"), ("grave_accent", "60"), ("backslash", "5c"), ("comma", "2c"),
    ("dot", "2e"), ("slash", "2f"), ("shift-slash", "3f"), ("spc", "20"),
    ("ret", "0d"), ("backspace", "7f"), ("tab", "09"), ("esc", "1b"),
    ("ctrl-c", "03"), ("ctrl-z", "1a"), ("ctrl-d", "04"), ("alt-x", "1b 78"),
    ("up", "1b 5b 41"), ("down", "1b 5b 42"), ("right", "1b 5b 43"), ("left", "1b 5b 44"),
    ("home", "1b 5b 31 7e"), ("end", "1b 5b 34 7e"), ("insert", "1b 5b 32 7e"),
    ("delete", "1b 5b 33 7e"), ("pgup", "1b 5b 35 7e"), ("pgdn", "1b 5b 36 7e"),
    ("f1", "1b 4f 50"), ("f5", "1b 5b 31 35 7e"), ("kp_8", "1b 5b 41"),
    ("caps_lock", ""), ("b", "42"), ("shift-b", "62"), ("caps_lock", ""), ("b", "62"),
    ("q", "71"),
]


class Screen:
    """The 80x25 text memory: (character, attribute) cells."""

    def __init__(self, data):
        self.data = data

    def cell(self, row, col):
        """Row and col count from 1, as in CUP."""
        i = ((row - 1) * COLS + col - 1) * 2
        return self.data[i], self.data[i + 1]

    def text(self, row):
        chars = [self.cell(row, c)[0] for c in range(1, COLS + 1)]
        return "".join(chr(b) if 32 <= b < 127 else "." for b in chars).rstrip()

    def dump(self):
        return "\n".join(f"{r:2}|{self.text(r)}" for r in range(1, ROWS + 1))

    def contains(self, s):
        return any(s in self.text(r) for r in range(1, ROWS + 1))


def crtc(g, reg):
    """A CRTC register, read through the monitor (call it only while the
    guest waits for input: it sets the index register under the guest)."""
    g.monitor(f"o /b 0x3d4 {reg:#x}")
    return int(g.monitor("i /b 0x3d5").split("=")[-1], 16)


def read_screen(g):
    """The screen as shown: from the CRTC start address (the kernel scrolls
    by moving it) in the 32 KiB of text memory."""
    start = crtc(g, 0x0C) << 8 | crtc(g, 0x0D)
    path = os.path.join(os.path.dirname(g.monitor_path()), "screen.bin")
    g.monitor(f'pmemsave 0xb8000 32768 "{path}"')
    with open(path, "rb") as f:
        return Screen(f.read()[start * 2:(start + ROWS * COLS) * 2])


def hexline(g, what, timeout=20):
    """The hex bytes of the next "kbd_echo: WHAT ..." report."""
    m = g.expect(rf"kbd_echo: {what}( [0-9a-f ]*)?\n", e2e.scaled(timeout))
    return (m.group(1) or "").strip()


def check_pattern(report, label, s):
    """What kbd_echo's pattern must have drawn (see tests/user/kbd_echo.c)."""
    checks = [
        ("plain text", s.text(15) == "PLAIN"),
        ("SGR bold red", s.cell(16, 1) == (ord("R"), 0x0C)),
        ("SGR reset", s.cell(16, 4) == (ord(" "), 0x07)),
        ("SGR reverse", s.cell(16, 5) == (ord("R"), 0x70)),
        ("SGR green on blue", s.cell(16, 9) == (ord("G"), 0x12)),
        ("DCH", s.text(17) == "abef"),
        ("ICH", s.text(18) == "x  yz"),
        ("EL", s.text(19) == "keep"),
        ("scroll region", s.text(20) == "line21" and s.text(21) == "line22" and s.text(22) == ""),
        ("alternate screen restored", not s.contains("ALTSCREEN")),
        ("UTF-8 to code page 437", [s.cell(23, c)[0] for c in (1, 2, 3)] == [0x82, ord("t"), 0x82]),
        ("unknown sequences draw nothing", not s.contains("title") and s.text(16) == "RED REV GB"),
    ]
    for name, ok in checks:
        report.result(ok, f"{label}: screen: {name}")
    if not all(ok for _, ok in checks):
        report.comment(s.dump())


def qemu_keyboard(report):
    label = "qemu/qemu64 vga"
    with e2e.boot(label, 90, emu="qemu", append="rdinit=/bin/kbd_echo scroll", monitor=True) as g:
        m = g.expect(r"kbd_echo: ready rows=(\d+) cols=(\d+)\n", e2e.scaled(30))
        report.result(m.group(1, 2) == ("25", "80"), f"{label}: tty1 winsize 25x80")
        report.result(hexline(g, "dsr") == DSR_ROW24, f"{label}: DSR answer ESC[24;1R")
        s = read_screen(g)
        check_pattern(report, label, s)
        report.result(s.text(1) == "scroll 17" and s.text(14) == "scroll 30",
                      f"{label}: screen scrolled (CRTC start address moved)")
        report.result(not s.contains("hello console") and "hello console" in g.text,
                      f"{label}: console=ttyS0 output on serial only")
        g.expect("kbd_echo: cooked\n", e2e.scaled(10))
        for k in ("h", "i", "ret"):
            g.monitor("sendkey " + k)
        report.result(hexline(g, "line") == "68 69 0a", f"{label}: cooked line, Enter is CR->NL")
        report.result(read_screen(g).text(24) == "hi", f"{label}: echo drawn on tty1")
        g.expect("kbd_echo: raw\n", e2e.scaled(10))
        for k, _ in KEYS:
            g.monitor("sendkey " + k)
        g.expect("kbd_echo: done\n", e2e.scaled(30))
        got = " ".join(m.strip() for m in
                       re.findall(r"kbd_echo: bytes ([0-9a-f ]+)\n", g.before))
        want = " ".join(b for _, b in KEYS if b)
        report.result(got == want, f"{label}: {len(KEYS)} keys give Linux console bytes",
                      diag=None if got == want else f"want {want}\ngot  {got}")
        g.wait_exit(e2e.scaled(10))


def console_on_tty1(emu, timeout):
    label = f"{emu}/{e2e.guest.DEFAULT_CPU[emu]} vga console=tty1"

    def run(report):
        noinput = " noinput" if emu == "bochs" else ""
        kw = {"monitor": True} if emu == "qemu" else {}
        with e2e.boot(label, timeout, emu=emu, append=f"console=tty1 rdinit=/bin/kbd_echo{noinput}",
                      **kw) as g:
            g.expect(r"kbd_echo: ready rows=25 cols=80\n", e2e.scaled(timeout))
            report.result(hexline(g, "dsr", timeout) == DSR_ROW24, f"{label}: DSR answer")
            if emu == "qemu":
                s = read_screen(g)
                report.result(s.contains("kbd_echo: hello console"),
                              f"{label}: /dev/console output on the screen")
                report.result(s.contains('kernel: command line "console=tty1'),
                              f"{label}: kernel messages on the screen")
                g.expect("kbd_echo: cooked\n", e2e.scaled(10))
                g.monitor("sendkey ret")
                g.expect("kbd_echo: raw\n", e2e.scaled(10))
                g.monitor("sendkey q")
            g.wait_exit(e2e.scaled(timeout))
            report.result("hello console" not in g.text, f"{label}: nothing of it on serial")
            ok = g.status == "poweroff"
            report.result(ok, f"{label}: ran to the end",
                          diag=None if ok else f"status {g.status}; serial log {g.log_path}")
    run.__name__ = label
    return run


def main(report):
    qemu_keyboard.__name__ = "qemu vga keyboard"
    e2e.run_parallel(report, [qemu_keyboard, console_on_tty1("qemu", 60),
                              console_on_tty1("bochs", 120)])


e2e.run(main)

#!/usr/bin/env python3
"""test_tooling.py: checks of the build and test tooling itself, without an
emulator: the cpio writer, the KTAP reader, the shell-session helper (against
a scripted fake shell), the terminal escape filter and GRUB quoting."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "tests", "e2e", "lib"))
import e2e  # noqa: E402  (also puts tools/ on the path)
import boot  # noqa: E402
import mkcpio  # noqa: E402
import mkiso  # noqa: E402

TESTS = []


def test(fn):
    TESTS.append(fn)
    return fn


def newc_entries(data):
    """Parse a (possibly concatenated) newc archive: [(name, mode, size)]."""
    out, off = [], 0
    while off + 110 <= len(data):
        if data[off:off + 6] != b"070701":
            raise ValueError(f"bad magic at {off}")
        f = [int(data[off + 6 + 8 * i:off + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = f[1], f[6], f[11]
        name = data[off + 110:off + 110 + namesize - 1].decode()
        off += 110 + namesize
        off += (4 - off % 4) % 4
        off += size + (4 - size % 4) % 4
        out.append((name, mode, size))
    if off != len(data):
        raise ValueError(f"{len(data) - off} stray bytes at the end")
    return out


def make_tree(root):
    os.makedirs(os.path.join(root, "b", "c"))
    os.makedirs(os.path.join(root, "empty"))
    with open(os.path.join(root, "b", "c", "run"), "w") as f:
        f.write("#!/bin/sh\n")
    os.chmod(os.path.join(root, "b", "c", "run"), 0o775)
    with open(os.path.join(root, "a.txt"), "w") as f:
        f.write("x")
    os.chmod(os.path.join(root, "a.txt"), 0o664)
    open(os.path.join(root, "empty", ".keep"), "w").close()
    os.symlink("a.txt", os.path.join(root, "link"))


@test
def cpio_deterministic_and_sorted():
    with tempfile.TemporaryDirectory() as t:
        make_tree(os.path.join(t, "r"))
        a = mkcpio.build([os.path.join(t, "r") + ":/"], ["/dev/console:c:5:1"], ["/empty:1777"])
        os.utime(os.path.join(t, "r", "a.txt"), (1, 1))
        b = mkcpio.build([os.path.join(t, "r") + ":/"], ["/dev/console:c:5:1"], ["/empty:1777"])
        names = [e[0] for e in newc_entries(a)]
        modes = {e[0]: e[1] for e in newc_entries(a)}
        return (a == b and names[-1] == "TRAILER!!!" and names[:-1] == sorted(names[:-1])
                and "empty/.keep" not in names and modes["a.txt"] == 0o100644
                and modes["b/c/run"] == 0o100755 and modes["empty"] == 0o41777
                and modes["link"] == 0o120777 and modes["dev/console"] == 0o20600
                and "dev" in names and len(a) % 4 == 0)


@test
def cpio_readable_by_gnu_cpio():
    if not shutil.which("cpio"):
        return True
    with tempfile.TemporaryDirectory() as t:
        make_tree(os.path.join(t, "r"))
        data = mkcpio.build([os.path.join(t, "r") + ":/", os.path.join(t, "r", "a.txt") + ":/bin/x"])
        r = subprocess.run(["cpio", "-it", "--quiet"], input=data, stdout=subprocess.PIPE)
        listed = r.stdout.decode().split()
        return r.returncode == 0 and listed == sorted(listed) and "bin/x" in listed


@test
def cpio_concatenates():
    with tempfile.TemporaryDirectory() as t:
        make_tree(os.path.join(t, "r"))
        one = mkcpio.build([os.path.join(t, "r") + ":/"])
        two = mkcpio.build([os.path.join(t, "r", "a.txt") + ":/etc/a"])
        names = [e[0] for e in newc_entries(one + two)]
        return names.count("TRAILER!!!") == 2 and names[-2] == "etc/a"


@test
def ktap_counts_and_problems():
    good = e2e.Ktap("boot\nKTAP version 1\n1..3\nok 1 - a\nnot ok 2 - b\n"
                    "ok 3 - c # SKIP no pcid\n    ok 1 - nested\n# selftest: 2 passed, 1 failed")
    tests_ok = [(t[0], t[2], t[3]) for t in good.tests] == [
        (True, "a", None), (False, "b", None), (True, "c", "no pcid")]
    cut = e2e.Ktap("1..3\nok 1 - a\nKERNEL PANIC: x\n")
    wrong = e2e.Ktap("1..1\nok 1 - a\n# selftest: 0 passed, 1 failed\n")
    return (tests_ok and good.problems() == [] and
            cut.problems() == ["KERNEL PANIC", "no summary line", "plan 1..3 but 1 results"] and
            len(wrong.problems()) == 1)


class FakeShellGuest(e2e.Guest):
    """A Guest with a scripted shell behind it instead of an emulator: it
    echoes input like a terminal and understands echo, true, false and PS1."""

    def __init__(self):
        super().__init__(name="fake")
        self._t0 = 0.0
        self.ps1 = "# "
        self.rc = 0
        self.line = ""
        self._got(b"Welcome\r\n# ")

    def send(self, data):
        for ch in data if isinstance(data, str) else data.decode():
            if ch != "\r":
                self.line += ch
                continue
            out = self.line + "\r\n" + self.execute(self.line) + self.ps1
            self.line = ""
            self._got(out.replace("\n", "\r\n").replace("\r\r", "\r").encode())

    def execute(self, line):
        out = ""
        for cmd in line.split("; "):
            m = re.match(r"PS1='(.*)'$", cmd)
            if m:
                self.ps1 = m.group(1).replace("''", "")
            elif cmd.startswith("echo "):
                out += cmd[5:].replace("$?", str(self.rc)) + "\n"
                self.rc = 0
            else:
                self.rc = {"true": 0, "false": 1}.get(cmd, 127)
        return out

    def pump(self, timeout=None, fds=()):
        self.status = self.status or "poweroff"  # nothing more will come
        return []


@test
def shell_session_helper():
    g = FakeShellGuest()
    sh = e2e.Shell(g, timeout=1)
    sh.start(timeout=1)
    r1 = sh.run("echo hello")
    r2 = sh.run("false")
    out = sh.cmd("echo one; echo two")
    return g.ps1 == "e2e$ " and r1 == (0, "hello\n") and r2 == (1, "") and out == "one\ntwo\n"


@test
def expect_raises_when_the_guest_is_gone():
    g = FakeShellGuest()
    try:
        g.expect("never printed", timeout=1)
    except e2e.GuestExited:
        return True
    return False


@test
def terminal_escape_keys():
    k = boot.Keys()
    sent = k.filter(b"ab\x01\x01c\x01") + k.filter(b"d")
    try:
        k.filter(b"\x01x")
    except boot.Stop as s:
        return sent == b"ab\x01c\x01d" and s.code == 0
    return False


@test
def grub_quoting():
    cfg = mkiso.grub_cfg("selftest a'b $x")
    return ("multiboot /boot/kernel.elf 'selftest' 'a'\\''b' '$x'" in cfg
            and mkiso.BOOT_MARKER in cfg)


def main(report):
    for fn in TESTS:
        try:
            ok = bool(fn())
            report.result(ok, fn.__name__)
        except Exception as ex:  # report the broken check, go on
            report.result(False, fn.__name__, diag=f"{type(ex).__name__}: {ex}")


e2e.run(main)

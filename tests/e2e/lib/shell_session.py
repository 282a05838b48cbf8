"""shell_session.py: scripted sessions with an interactive BusyBox shell.

Theory of operation. A terminal is anything with the Guest API subset used
here: send(), sendline(), expect(), expect_any(), before, read_new(),
wait_exit(), status and close(). Two kinds exist:

  Guest     the kernel in QEMU or Bochs; the shell is BusyBox init's
            "ttyS0::respawn:-/bin/sh" on the serial console
  HostTerm  this Linux machine: the same static BusyBox's sh on a
            pseudo-terminal it holds as its controlling terminal, so a
            check can be run on Linux to prove its expected output right

A Session sets a known prompt (PS1 "e2e$ "), widens the terminal so that
line editing never wraps a command line, and runs commands framed by
markers, so the output is exactly what the command printed:

    __b; COMMAND; echo __E"="$?__

where the shell function __b prints "__B__" and keeps $? as it was. The
echo of the line itself never matches the markers (the quotes split them).
A multi-line command (a here-document) goes in a brace group, sent line by
line after each continuation prompt, with the same markers. Output is
compared after taking out the kernel's "unimplemented syscall" log lines
(reported with the check); a kernel panic or fault fails the check.

A Check is one named test of a few applets; run_checks() runs a list of
them in one terminal, reports each as "ok/not ok - LABEL shell: NAME",
gets the shell back after a failure (^C, leaving vi, or a fresh boot), and
returns the results for docs/APPLETS.md (tools/applets_md.py).
"""
import fcntl
import json
import os
import pty
import re
import select
import signal
import struct
import termios
import time
import traceback

import e2e
from guest import ExpectTimeout, GuestError, GuestExited

PS1 = "e2e$ "
PROMPT = re.compile(re.escape(PS1) + r"$")
PS2 = re.compile(r"> $")
BEGIN = re.compile(r"(?m)^__B__\n")
END = re.compile(r"__E=(\d+)__\n")
# Kernel log lines that can land in the middle of a command's output. They
# are taken out before comparing and reported with the check.
KERNEL_NOTE = re.compile(r"kernel: (?:unimplemented syscall|syscall number)[^\n]*\n")
KERNEL_DEATH = re.compile(r"KERNEL (?:PANIC|FAULT)")
COLUMNS = 200


class CheckFailed(Exception):
    """A check saw the wrong output; the message says what and how."""


# ---- the terminal on this machine -------------------------------------------

class HostTerm:
    """A program on a pseudo-terminal of this machine, with the part of the
    Guest API that sessions use. The child is a session leader with the
    pty as its controlling terminal, like init's shell on ttyS0."""

    def __init__(self, argv, env, cwd, timeout=None, log=None, rows=24, cols=80):
        self.name = "host"
        self.text = ""
        self.before = ""
        self.status = None
        self.exit_message = ""
        self._pos = 0
        self._log = open(log, "wb") if log else None
        self._deadline = time.monotonic() + timeout if timeout else None
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # child: the pty is already stdio and the ctty
            try:
                # Python ignores SIGPIPE and SIGXFSZ; a shell on Linux does not.
                for sig in (signal.SIGPIPE, signal.SIGXFSZ):
                    signal.signal(sig, signal.SIG_DFL)
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.chdir(cwd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        while data and self.status is None:
            try:
                n = os.write(self.fd, data)
            except OSError:
                return
            data = data[n:]

    def sendline(self, line=""):
        self.send(line + "\r")

    def pump(self, timeout):
        if self.status is not None:
            return
        if self._deadline is not None:
            left = self._deadline - time.monotonic()
            if left <= 0:
                self.status = "timeout"
                self.close()
                return
            timeout = min(timeout, left)
        r, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not r:
            return
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            self.status = "exited"
            return
        if self._log:
            self._log.write(data)
            self._log.flush()
        self.text += data.decode(errors="replace").replace("\r", "")

    def _wait_until(self, cond, timeout):
        end = time.monotonic() + timeout
        while not cond() and self.status is None:
            left = end - time.monotonic()
            if left <= 0:
                break
            self.pump(min(left, 0.5))
        return cond()

    def expect_any(self, patterns, timeout=30):
        regs = [re.compile(p) if isinstance(p, str) else p for p in patterns]
        found = []

        def search():
            hits = [(m.start(), i, m) for i, r in enumerate(regs)
                    for m in [r.search(self.text, self._pos)] if m]
            if hits:
                found.append(min(hits, key=lambda h: (h[0], h[1])))
            return bool(hits)

        if not self._wait_until(search, timeout):
            tail = self.text[self._pos:][-800:]
            what = [r.pattern for r in regs]
            if self.status is not None:
                raise GuestExited(f"host: {self.status} while waiting for {what}; "
                                  f"last output:\n{tail}")
            raise ExpectTimeout(f"host: no {what} within {timeout} s; last output:\n{tail}")
        _, i, m = found[-1]
        self.before = self.text[self._pos:m.start()]
        self._pos = m.end()
        return i, m

    def expect(self, pattern, timeout=30):
        return self.expect_any([pattern], timeout)[1]

    def read_new(self):
        s = self.text[self._pos:]
        self._pos = len(self.text)
        return s

    def wait_exit(self, timeout=None):
        self._wait_until(lambda: False, timeout if timeout is not None else 1e9)
        return self.status

    def _session_pids(self):
        """Every process of the child's session (jobs have groups of their own)."""
        pids = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    if os.getsid(int(d)) == self.pid:
                        pids.append(int(d))
                except OSError:
                    pass
        return pids

    def close(self):
        if self.pid:
            for p in self._session_pids():
                try:
                    os.kill(p, signal.SIGKILL)
                except OSError:
                    pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            self.pid = 0
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        if self._log:
            self._log.close()
            self._log = None
        if self.status is None:
            self.status = "killed"


# ---- the session ------------------------------------------------------------

class Session:
    """An interactive shell on a terminal, driven like a person would.
    Timeouts are seconds on QEMU's scale, multiplied by scale (and by
    $E2E_TIMEOUT_SCALE)."""

    def __init__(self, term, scale=1.0, workdir="/tmp/e2e"):
        self.term = term
        self.scale = scale
        self.workdir = workdir
        self.kernel_notes = []
        self.started = False
        self.has_prompt = False
        self.boot_text = ""
        self.first_prompt = ""  # the line of the shell's first prompt

    def t(self, seconds):
        """Return a timeout scaled for this emulator."""
        return e2e.scaled(seconds * self.scale)

    def start(self):
        """After the shell's first prompt: set_prompt(), then widen the
        terminal and make and enter the work folder."""
        if not self.has_prompt:
            self.set_prompt()
        self.must(f"stty cols {COLUMNS} && mkdir -p {self.workdir} && cd {self.workdir}")
        self.started = True

    def set_prompt(self):
        """Set PS1 and define the begin marker's function; run() works after
        this (on an 80-column line: keep commands short until start())."""
        # Quoted in two pieces so that the echo of this line does not match.
        self.term.sendline("PS1='" + PS1[:2] + "''" + PS1[2:] + "'")
        self.prompt()
        # The begin marker, printed without changing $?.
        self.term.sendline("__b() { __r=$?; printf '%s\\n' __B__; return $__r; }")
        self.prompt()
        self.has_prompt = True

    def enter(self, name):
        """Make and enter an empty folder name in the work folder."""
        self.must(f"cd {self.workdir} && rm -rf {name} && mkdir {name} && cd {name}")

    def prompt(self, timeout=20):
        """Wait for the prompt; returns what came before it."""
        self.term.expect(PROMPT, self.t(timeout))
        return self.term.before

    def pause(self, seconds):
        """Let seconds (scaled) pass while output keeps coming in."""
        self.term.wait_exit(self.t(seconds))

    def send(self, keys):
        self.term.send(keys)

    def _clean(self, text):
        """Drop the kernel's log lines (kept in kernel_notes)."""
        for m in KERNEL_NOTE.finditer(text):
            self.kernel_notes.append(m.group(0).strip())
        if KERNEL_DEATH.search(text):
            raise CheckFailed("the kernel died:\n" + e2e.tail(text))
        return KERNEL_NOTE.sub("", text)

    def run(self, command, timeout=20):
        """Run command (one line, or several: a here-document); return
        (exit status, output)."""
        lines = command.split("\n")
        if len(lines) == 1:
            self.term.sendline("__b; " + command + '; echo __E"="$?__')
        else:
            self.term.sendline("{ __b")
            for line in lines:
                self.term.expect(PS2, self.t(timeout))
                self.term.sendline(line)
            self.term.expect(PS2, self.t(timeout))
            self.term.sendline('}; echo __E"="$?__')
        self.term.expect(BEGIN, self.t(timeout))
        m = self.term.expect(END, self.t(timeout))
        out = self.term.before
        self.prompt(timeout)
        return int(m.group(1)), self._clean(out)

    def must(self, command, timeout=20):
        """Run a set-up command that has to succeed and print nothing."""
        rc, out = self.run(command, timeout)
        if rc != 0 or out:
            raise CheckFailed(f"set-up failed: {' / '.join(out.strip().splitlines()) or 'no output'} "
                              f"(exit status {rc}, command: {command})")

    def check(self, command, want, rc=0, timeout=20):
        """Run command; its output must equal want (a string) or match it
        (a compiled regex, whole output), and its status must be rc."""
        got_rc, out = self.run(command, timeout)
        ok = want.fullmatch(out) if isinstance(want, re.Pattern) else out == want
        if not ok or got_rc != rc:
            raise CheckFailed(mismatch(command, want, rc, out, got_rc))
        return out

    def recover(self):
        """Try to get back to the prompt after a failed check: ^C, then
        leaving vi or less. Returns True when the shell answers again."""
        if not self.started:
            return False
        for keys in ("\x03", "\x1b\x1b:q!\r", "q", "\x03\r"):
            if self.term.status is not None:
                return False
            self.term.read_new()
            self.send(keys)
            self.pause(1)
            self.term.sendline('echo __alive"="$$__')
            try:
                self.term.expect(r"__alive=\d+__\n", self.t(4))
                self.prompt(4)
                # No jobs left over for the next check.
                self.run(f"cd {self.workdir}; kill -9 $(jobs -p) 2>/dev/null; wait", timeout=5)
                return True
            except GuestError:
                continue
        return False


def mismatch(command, want, rc, out, got_rc):
    """Describe a wrong result."""
    lines = [f"command: {command}"]
    if got_rc != rc:
        lines.append(f"exit status {got_rc}, expected {rc}")
    if isinstance(want, re.Pattern):
        lines.append(f"expected output matching: {want.pattern!r}")
    else:
        lines.append(f"expected output: {want!r}")
    lines.append(f"actual output:   {out!r}")
    return "\n".join(lines)


# ---- checks -----------------------------------------------------------------

class Check:
    """One named check: fn(session) raises CheckFailed (or a GuestError) to
    fail. applets: the BusyBox applets it tries. guest_only: it depends on
    the guest's own set-up (init, /etc files), so it is not run on the host."""

    def __init__(self, name, applets, fn, guest_only=False, fresh=False):
        self.name = name
        self.applets = list(applets)
        self.fn = fn
        self.guest_only = guest_only
        self.fresh = fresh  # runs on the shell init started, before any other check
        self.slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


def run_checks(report, label, checks, open_term, scale, workdir="/tmp/e2e",
               first_prompt=r"# $", boot_timeout=120):
    """Run checks in order in terminals from open_term(); a check that
    leaves the shell unusable costs a new terminal (a new boot) for the
    next. A "fresh" check gets the shell as init started it, before
    Session.start(). Reports "LABEL shell: NAME" for each check; returns
    [{name, applets, ok, detail}]."""
    results = []
    sess = None
    t0 = time.monotonic()
    boots = 0
    dead = None  # why no session can be set up: the remaining checks are not run
    for c in checks:
        detail = None
        if dead:
            report.result(False, f"{label} shell: {c.name}", diag=f"not run: {dead}")
            results.append({"name": c.name, "applets": c.applets, "ok": False,
                            "detail": f"not run: {dead}"})
            continue
        try:
            if c.fresh and sess is not None and sess.started:
                sess.term.close()
                sess = None
            if sess is None:
                boots += 1
                sess = Session(open_term(), scale, workdir)
                try:
                    m = sess.term.expect(first_prompt, sess.t(boot_timeout))
                    sess.boot_text = sess.term.before
                    sess.first_prompt = sess.term.before.rpartition("\n")[2] + m.group(0)
                except GuestError as e:
                    raise CheckFailed(f"no shell prompt after boot: {e}")
            sess.kernel_notes = []
            if not c.fresh:
                if not sess.started:
                    try:
                        sess.start()
                    except (CheckFailed, GuestError) as e:
                        dead = f"no session after a boot: {e}"
                        raise CheckFailed(dead)
                sess.enter(c.slug)
            c.fn(sess)
            ok = True
        except CheckFailed as e:
            ok, detail = False, str(e)
        except GuestError as e:
            ok, detail = False, f"{type(e).__name__}: {e}"
        except Exception:
            ok, detail = False, traceback.format_exc()
        notes = sess.kernel_notes if sess else []
        if notes:
            detail = (detail + "\n" if detail else "") + "kernel said:\n" + "\n".join(notes)
        report.result(ok, f"{label} shell: {c.name}", diag=detail)
        results.append({"name": c.name, "applets": c.applets, "ok": ok,
                        "detail": None if ok else detail})
        if sess is not None and sess.term.status is not None:  # powered off, crashed
            sess.term.close()
            sess = None
        last = c is checks[-1]
        if sess is not None and not ok and (last or not sess.recover()):
            if last:
                break
            if not dead:
                report.comment(f"{label}: no answer from the shell after '{c.name}': "
                               "a new boot")
            sess.term.close()
            sess = None
    if sess is not None:
        sess.term.close()
    report.comment(f"{label}: {len(checks)} checks in {time.monotonic() - t0:.1f} s, "
                   f"{boots} boot(s)")
    return results


def write_results(path, emulator, label, results, seconds):
    """Save results as JSON for tools/applets_md.py."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"emulator": emulator, "label": label, "seconds": round(seconds, 1),
                   "checks": results}, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)

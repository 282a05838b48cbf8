"""e2e.py: helpers for end-to-end tests that boot the kernel headless.

A test script (tests/e2e/NAME.py) reports on stdout, one line per result:

    ok - NAME                 a pass
    not ok - NAME             a failure
    ok - NAME # SKIP reason   a skip
    # text                    a comment (diagnostics)

and exits 0 (tests/run.py numbers the results and adds the layer prefix;
a script that exits non-zero without reporting a failure counts as one).

Typical use:

    import e2e

    def main(report):
        e2e.boot_ktap(report, "qemu/qemu64 selftest", emu="qemu", cpu="qemu64",
                      append="selftest", timeout=60)

    e2e.run(main)

Scripted shell sessions:

    with e2e.boot(emu="qemu", append="console=ttyS0", timeout=120, label="sh") as g:
        sh = e2e.Shell(g)
        sh.start()                          # first prompt, then a known PS1
        rc, out = sh.run("echo hi; ls /")   # exit status and output
        g.sendline("cat"); g.expect("...")  # or drive the Guest directly

Timeouts given here are multiplied by $E2E_TIMEOUT_SCALE (default 1). Serial
logs go to $TEST_LOG_DIR (default build/test-logs), one file per boot.
"""
import concurrent.futures
import os
import re
import signal
import sys
import threading
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, os.path.join(REPO, "tools"))

import guest  # noqa: E402
from guest import BootError, ExpectTimeout, Guest, GuestError, GuestExited  # noqa: E402,F401

LOG_DIR = os.environ.get("TEST_LOG_DIR", os.path.join(REPO, "build", "test-logs"))


def scaled(seconds):
    """Return a timeout scaled by $E2E_TIMEOUT_SCALE."""
    return seconds * float(os.environ.get("E2E_TIMEOUT_SCALE", "1"))


def jobs():
    """How many boots may run at once ($E2E_JOBS, default: the CPU count)."""
    return max(1, int(os.environ.get("E2E_JOBS", os.cpu_count() or 1)))


def log_path(label):
    """Return the serial log file for a boot called label."""
    os.makedirs(LOG_DIR, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", label).strip("-")
    return os.path.join(LOG_DIR, safe + ".log")


def tail(text, lines=25):
    return "\n".join(text.rstrip("\n").split("\n")[-lines:])


# ---- reporting ---------------------------------------------------------------

class Report:
    """Result lines for tests/run.py. A buffered Report keeps its lines until
    merged into another, so parallel boots print in a fixed order."""

    def __init__(self, buffered=False):
        self.buffered = buffered
        self.lines = []
        self.failed = 0
        self._lock = threading.Lock()

    def _emit(self, line):
        with self._lock:
            if self.buffered:
                self.lines.append(line)
            else:
                print(line, flush=True)

    def result(self, ok, name, diag=None, skip=None):
        """Report one test; diag (text) is printed as comments under it."""
        line = f"{'ok' if ok else 'not ok'} - {name}"
        if skip:
            line += f" # SKIP {skip}"
        self._emit(line)
        if not ok:
            self.failed += 1
        if diag:
            self.comment(diag)
        return ok

    def comment(self, text):
        for ln in str(text).rstrip("\n").split("\n"):
            self._emit("# " + ln if ln else "#")

    def merge(self, other):
        for line in other.lines:
            self._emit(line)
        self.failed += other.failed


def run_parallel(report, tasks, max_jobs=None):
    """Run tasks (callables taking a Report) at most max_jobs at a time;
    their lines appear in the order of tasks. A task that raises counts as
    a failure named after the exception."""
    def call(task):
        sub = Report(buffered=True)
        try:
            task(sub)
        except Exception:  # a bug in the test itself: report, go on
            sub.result(False, f"{getattr(task, '__name__', 'task')}: raised",
                       diag=traceback.format_exc())
        return sub

    with concurrent.futures.ThreadPoolExecutor(max_jobs or jobs()) as ex:
        for fut in [ex.submit(call, t) for t in tasks]:
            report.merge(fut.result())


def _on_signal(signum, frame):
    guest.abort_all()
    raise SystemExit(128 + signum)


def run(main):
    """Run main(report) as a test script: emulators are killed on SIGTERM or
    SIGINT, and an exception is reported as a failure."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    report = Report()
    try:
        main(report)
    except Exception:
        report.result(False, f"{os.path.basename(sys.argv[0])}: raised",
                      diag=traceback.format_exc())
    sys.exit(0)


# ---- booting -----------------------------------------------------------------

def boot(label, timeout, **kw):
    """Return a started Guest (use it with `with`) whose serial output is
    logged; timeout is scaled and bounds the whole run."""
    g = Guest(timeout=scaled(timeout), log=log_path(label), name=label, **kw)
    return g.start()


class Ktap:
    """What a KTAP run printed: tests [(ok, number, name, skip)], the plan,
    the "# selftest: P passed, F failed" summary, and whether it panicked."""

    TEST = re.compile(r"^(not )?ok(?:\s+(\d+))?(?:\s*-)?\s*(.*?)\s*$")
    SKIP = re.compile(r"\s*#\s*SKIP\b\s*(.*)$", re.I)
    PLAN = re.compile(r"^1\.\.(\d+)")
    SUMMARY = re.compile(r"^# (?:selftest|utest|fuzz): (\d+) passed, (\d+) failed")

    def __init__(self, text):
        self.tests = []
        self.plan = None
        self.summary = None
        self.panic = "KERNEL PANIC" in text
        for line in text.split("\n"):
            self._line(line)

    def _line(self, line):
        m = self.TEST.match(line)
        if m:
            name, skip = m.group(3), None
            s = self.SKIP.search(name)
            if s:
                name, skip = name[:s.start()], s.group(1) or "skipped"
            self.tests.append((not m.group(1), m.group(2), name, skip))
            return
        m = self.PLAN.match(line)
        if m:
            self.plan = int(m.group(1))
            return
        m = self.SUMMARY.match(line)
        if m:
            self.summary = (int(m.group(1)), int(m.group(2)))

    def problems(self):
        """Return what is wrong with the run as a whole (empty: nothing)."""
        out = []
        if self.panic:
            out.append("KERNEL PANIC")
        if self.summary is None:
            out.append("no summary line")
        else:
            passed = sum(1 for t in self.tests if t[0])
            failed = len(self.tests) - passed
            if self.summary != (passed, failed):
                out.append(f"summary {self.summary[0]} passed, {self.summary[1]} failed "
                           f"but {passed} ok and {failed} not ok lines")
        if self.plan is not None and self.plan != len(self.tests):
            out.append(f"plan 1..{self.plan} but {len(self.tests)} results")
        return out


def run_problems(g):
    """Return what went wrong with a finished boot itself."""
    if g.status == "poweroff":
        return []
    if g.status == "timeout":
        return [f"timeout after {g.timeout:g} s"]
    return [f"{g.status}: {g.exit_message.strip().splitlines()[0] if g.exit_message.strip() else ''}"]


def boot_ktap(report, label, timeout, **kw):
    """Boot, let the kernel run its KTAP self-tests and power off, then
    report each test as "LABEL: NAME" plus one failure "LABEL: run (...)" if
    the run crashed, panicked, timed out or printed no (or a wrong) summary.
    Returns the Ktap."""
    try:
        with boot(label, timeout, **kw) as g:
            g.wait_exit()
    except BootError as e:
        report.result(False, f"{label}: boot", diag=str(e))
        return None
    k = Ktap(g.text)
    for ok, _, name, skip in k.tests:
        report.result(ok, f"{label}: {name}", skip=skip)
    problems = run_problems(g) + k.problems()
    if problems:
        report.result(False, f"{label}: run ({'; '.join(problems)})",
                      diag=f"serial log: {g.log_path}\nlast lines:\n{tail(g.text)}")
    report.comment(f"{label}: {g.status} after {g.duration:.1f} s")
    return k


# ---- shell sessions -----------------------------------------------------------

class Shell:
    """A shell on the guest's serial console, driven like a person would.

    start() waits for the first prompt and sets PS1 to a known string;
    run(cmd) returns (exit status, output); cmd(line) returns the output up
    to the next prompt. Timeouts are in seconds (scaled)."""

    PS1 = "e2e$ "

    def __init__(self, g, timeout=30):
        self.g = g
        self.timeout = timeout
        self.prompt = re.escape(self.PS1)

    def start(self, first_prompt=r"[#$] $", timeout=120):
        """Wait for the shell's own prompt, then switch to PS1."""
        self.g.expect(first_prompt, scaled(timeout))
        # Quoted in two pieces so that the echo of this line does not match.
        self.g.sendline("PS1='" + self.PS1[:2] + "''" + self.PS1[2:] + "'")
        self.g.expect(self.prompt, scaled(self.timeout))

    def cmd(self, line, timeout=None):
        """Send line; return what was printed before the next prompt, without
        the echo of the line itself."""
        self.g.sendline(line)
        self.g.expect(self.prompt, scaled(timeout or self.timeout))
        return self._strip_echo(self.g.before, line)

    def run(self, command, timeout=None):
        """Run command; return (exit status, output)."""
        line = command + "; echo __rc=$?__"
        self.g.sendline(line)
        m = self.g.expect(r"__rc=(\d+)__\n", scaled(timeout or self.timeout))
        out = self._strip_echo(self.g.before, line)
        self.g.expect(self.prompt, scaled(self.timeout))
        return int(m.group(1)), out

    @staticmethod
    def _strip_echo(text, line):
        """Drop the echoed command line (up to its first newline)."""
        key = line[-12:]
        i = text.find(key)
        if i >= 0:
            j = text.find("\n", i)
            return text[j + 1:] if j >= 0 else ""
        return text.split("\n", 1)[1] if "\n" in text else text

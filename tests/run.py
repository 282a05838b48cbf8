#!/usr/bin/env python3
"""run.py: `make test`. Builds, runs every test layer, prints one summary.

Layers, in order:
  tools each tests/tools/*.py: checks of this tooling itself (no emulator).
  host  each tests/host/test_*.c, built by `make host-tests` with ASan and
        UBSan and run here; it prints KTAP ("ok N - name").
  e2e   each tests/e2e/*.py or *.sh (lib/ excluded), after `make all`; they
        boot the kernel and print "ok - name" / "not ok - name" lines.

Every "ok" line counts a pass and every "not ok" a failure ("# SKIP" lines
count as skipped). A test program or script that crashes, times out, exits
non-zero without having reported a failure, or reports nothing at all counts
as one extra failure named after it; so does a build that fails. Results are
numbered across layers and prefixed with the layer:

    [host] ok 1 - test_pmm: alloc_free
    [e2e/selftest] not ok 7 - bochs/athlon64_clawhammer selftest: run (timeout after 180 s)

The last line is exactly "N passed, M failed"; skipped results (not in
either count) are counted on the line before it. The exit status is 1 when
M > 0. Serial logs are under build/test-logs/.

Environment: HOST_TEST_TIMEOUT (s, default 300), E2E_SCRIPT_TIMEOUT (s,
default 2400), E2E_TIMEOUT_SCALE, E2E_JOBS (see tests/e2e/lib/e2e.py),
TESTS (a regex: run only the host tests and e2e scripts whose name matches).
"""
import glob
import os
import re
import select
import signal
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(REPO, "build")
RESULT = re.compile(r"^(not )?ok\b(?:\s+\d+)?(?:\s*-)?\s*(.*)$")
SKIP = re.compile(r"#\s*SKIP\b", re.I)


_current = None  # the test program running now (for the signal handler)


def on_signal(signum, frame):
    if _current is not None:
        kill_group(_current)
    print(f"# interrupted by signal {signum}", flush=True)
    sys.exit(128 + signum)


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.number = 0

    def add(self, layer, ok, name):
        """Print one numbered result line and count it."""
        self.number += 1
        if not ok:
            self.failed += 1
        elif SKIP.search(name):
            self.skipped += 1
        else:
            self.passed += 1
        print(f"[{layer}] {'ok' if ok else 'not ok'} {self.number} - {name}", flush=True)

    def summary(self):
        s = f"{self.passed} passed, {self.failed} failed"
        return (f"# {self.skipped} skipped\n" if self.skipped else "") + s


def comment(text):
    for line in text.rstrip("\n").split("\n"):
        print("# " + line, flush=True)


def selected(name):
    pat = os.environ.get("TESTS")
    return not pat or re.search(pat, name)


def make(*targets):
    """Run make quietly; returns (ok, output)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    r = subprocess.run(["make", f"-j{os.cpu_count() or 1}", *targets], cwd=REPO, env=env,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return r.returncode == 0, r.stdout.decode(errors="replace")


def build_step(tally, what, *targets):
    t0 = time.monotonic()
    ok, out = make(*targets)
    if ok:
        comment(f"build: {what}: done in {time.monotonic() - t0:.1f} s")
    else:
        tally.add("build", False, f"{what} (make {' '.join(targets)})")
        comment("\n".join(out.rstrip("\n").split("\n")[-40:]))
    return ok


def kill_group(proc):
    """TERM the process group, then KILL it if it lingers."""
    for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            pass


def run_program(tally, layer, name, argv, timeout, prefix=""):
    """Run one test program, relaying its result lines as they come.
    Adds one failure named after it if it misbehaves."""
    global _current
    t0 = time.monotonic()
    proc = subprocess.Popen(argv, cwd=REPO, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    _current = proc
    failed_before, count, timed_out, buf = tally.failed, 0, False, b""
    while True:
        left = t0 + timeout - time.monotonic()
        if left <= 0:
            timed_out = True
            kill_group(proc)
            break
        r, _, _ = select.select([proc.stdout], [], [], min(left, 1.0))
        if not r:
            continue
        data = os.read(proc.stdout.fileno(), 65536)
        if not data:
            break
        buf += data
        *lines, buf = buf.split(b"\n")
        for raw in lines:
            count += handle_line(tally, layer, prefix, raw.decode(errors="replace").rstrip("\r"))
    if buf:
        count += handle_line(tally, layer, prefix, buf.decode(errors="replace"))
    rc = proc.wait()
    _current = None
    problem = None
    if timed_out:
        problem = f"timeout after {timeout} s"
    elif rc < 0:
        problem = f"killed by signal {-rc}"
    elif rc != 0 and tally.failed == failed_before:
        problem = f"exit status {rc}"
    elif count == 0:
        problem = "reported no result"
    if problem:
        tally.add(layer, False, f"{name} ({problem})")
    comment(f"{name}: {time.monotonic() - t0:.1f} s")


def handle_line(tally, layer, prefix, line):
    """Count a result line, print anything else as a comment. Returns 1 for
    a result line."""
    m = RESULT.match(line)
    if m:
        tally.add(layer, not m.group(1), prefix + m.group(2))
        return 1
    if line.strip() and not line.startswith("KTAP version") and not re.match(r"^1\.\.\d+$", line):
        print(line if line.startswith("#") else "# " + line, flush=True)
    return 0


def host_layer(tally):
    sources = sorted(glob.glob(os.path.join(REPO, "tests", "host", "test_*.c")))
    names = [os.path.basename(s)[:-2] for s in sources]
    names = [n for n in names if selected(n)]
    if not names:
        return
    if not build_step(tally, "host tests", "host-tests"):
        return
    timeout = float(os.environ.get("HOST_TEST_TIMEOUT", "300"))
    for n in names:
        run_program(tally, "host", n, [os.path.join(BUILD, "host", n)], timeout, prefix=n + ": ")


def scripts_in(folder):
    found = []
    for path in sorted(glob.glob(os.path.join(REPO, "tests", folder, "*"))):
        name, ext = os.path.splitext(os.path.basename(path))
        if os.path.isfile(path) and ext in (".py", ".sh") and selected(name):
            found.append((name, [sys.executable if ext == ".py" else "bash", path]))
    return found


def tools_layer(tally):
    for name, argv in scripts_in("tools"):
        run_program(tally, f"tools/{name}", name, argv, 300)


def e2e_layer(tally):
    scripts = scripts_in("e2e")
    if not scripts:
        return
    if not build_step(tally, "kernel, initramfs, ISO", "all"):
        for name, _ in scripts:
            tally.add(f"e2e/{name}", False, f"{name} (not run: the build failed)")
        return
    timeout = float(os.environ.get("E2E_SCRIPT_TIMEOUT", "2400"))
    for name, argv in scripts:
        run_program(tally, f"e2e/{name}", name, argv, timeout)


def main():
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    os.environ.setdefault("TEST_LOG_DIR", os.path.join(BUILD, "test-logs"))
    os.environ["PYTHONUNBUFFERED"] = "1"
    tally = Tally()
    t0 = time.monotonic()
    tools_layer(tally)
    host_layer(tally)
    e2e_layer(tally)
    comment(f"total: {time.monotonic() - t0:.0f} s; serial logs in {os.environ['TEST_LOG_DIR']}")
    print(tally.summary(), flush=True)
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""compat.py: `make compat`: one kernel image on every x86-64 CPU model of
Bochs 2.7 and on a set of QEMU 7.2 models, through each boot path, with
16 MiB, 64 MiB and 1 GiB of RAM. Prints a matrix and writes docs/COMPAT.md.

Theory of operation. A *cell* is (emulator, CPU model, boot path, RAM). Each
cell gets the smoke set, one boot per check:

  selftest  `selftest` on the command line: the kernel's KTAP self-tests.
            This boot also yields the boot time (emulator start to the first
            complete kernel line), the kernel's `cpu:` features line, the
            memory it found (`mm: N KiB total`) and the emulator's own view of
            the CPU (Bochs: the CPUID dump in its log; QEMU: the model's
            definition from QMP minus the features TCG warns it drops).
  cow       /bin/utest-runner as pid 1 with the fork/copy-on-write group.
  shell     BusyBox's init and a shell on the console, a few commands
            (only when the initramfs has /bin/sh; otherwise "n/a").

A check passes, fails, or is *limited*: a case that cannot run in this much
RAM (it failed with ENOMEM and is listed in MEMORY_BOUND). Limited cases are
reported as skips with what the guest printed, never as passes. CPUs without
long mode get one boot each: the kernel must say so in full on the console.

Boots run E2E_JOBS at a time (default: the CPU count), longest first; every
boot has a time limit (scaled by E2E_TIMEOUT_SCALE). Serial logs go to
build/test-logs/compat/. Exit status 0 when nothing failed.

Every run saves its results to build/compat/results.json (a run with
--only: results-only.json); --render makes the matrix and the document from
such a file again without booting.

Usage: compat.py [--only REGEX] [--checks selftest,cow,shell,nolm] [--doc PATH | --no-doc]
                 [--build DIR] [--list]
       compat.py --render build/compat/results.json [--doc PATH | --no-doc]
"""
import argparse
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(REPO, "tests", "e2e", "lib"))
os.environ.setdefault("TEST_LOG_DIR", os.path.join(REPO, "build", "test-logs", "compat"))

import e2e  # noqa: E402
import guest  # noqa: E402
import mkiso  # noqa: E402

# ---- what is tested -----------------------------------------------------------

# Every Bochs 2.7 model with long mode (`bochs -help cpu`, in its order);
# bx_generic is the configurable model with Bochs's default cpuid: options.
BOCHS_X86_64 = [
    "p4_prescott_celeron_336", "athlon64_clawhammer", "athlon64_venice", "turion64_tyler",
    "phenom_8650_toliman", "core2_penryn_t9600", "corei5_lynnfield_750",
    "corei5_arrandale_m520", "corei7_sandy_bridge_2600k", "zambezi", "trinity_apu", "ryzen",
    "corei7_ivy_bridge_3770k", "corei7_haswell_4770", "broadwell_ult", "corei7_skylake_x",
    "corei3_cnl", "corei7_icelake_u", "tigerlake", "bx_generic",
]
# The Bochs models without long mode, and two QEMU ones.
BOCHS_NO_LM = ["pentium", "pentium_mmx", "amd_k6_2_chomper", "p2_klamath", "p3_katmai",
               "p4_willamette", "core_duo_t2400_yonah", "atom_n270"]
QEMU_X86_64 = ["qemu64", "max", "Nehalem", "Haswell", "Skylake-Server", "EPYC"]
QEMU_NO_LM = ["qemu32", "n270"]
RAMS = [16, 64, 1024]
PATHS = {"qemu": ["kernel", "iso"], "bochs": ["iso"]}
FEATURES = ["nx", "pge", "smep", "smap", "pcid", "1gpages", "rdrand"]
NO_LM_MESSAGE = "This CPU has no 64-bit long mode; cannot boot."

# Time limits in seconds (before E2E_TIMEOUT_SCALE) and the user tests'
# UTEST_TIMEOUT_SCALE. Measured alone: QEMU boots take 0.4-9 s, Bochs
# self-tests 3 s, the Bochs CoW group 13 s (16 MiB) to 60 s (1 GiB).
TIMEOUTS = {
    ("qemu", "selftest"): 30, ("qemu", "cow"): 180, ("qemu", "shell"): 90,
    ("qemu", "nolm"): 20,
    ("bochs", "selftest"): 120, ("bochs", "cow"): 600, ("bochs", "shell"): 400,
    ("bochs", "nolm"): 60,
}
UTEST_SCALE = {"qemu": 3, "bochs": 10}

# User-test cases that need more memory than small machines have, and why.
# A failure of one of these that shows memory running out (OUT_OF_MEMORY:
# fork's ENOMEM, or EAGAIN, which the kernel's fork returns when the task
# itself cannot be allocated, or the SIGKILL for a page fault without a
# frame) at a RAM size up to the limit given is "limited", not a pass and
# not a failure.
MEMORY_BOUND = {
    "t_cow:shared_by_1000": (64, "1000 processes sharing one page do not fit"),
}

# Shell commands (when BusyBox is in the initramfs): (command, exit status,
# output). Pipes, fork+exec, arithmetic, the kernel's uname.
SHELL_CHECKS = [
    ("echo $((6*7))", 0, "42\n"),
    ("uname -sm", 0, "Linux x86_64\n"),
    ("echo abc | tr a-z A-Z", 0, "ABC\n"),
    ("sh -c 'exit 3'", 3, ""),
    ("seq 1 300 | wc -l", 0, "300\n"),
]


class Cell:
    """One (emulator, model, boot path, RAM) combination and its results."""

    def __init__(self, emu, cpu, path, mem):
        self.emu, self.cpu, self.path, self.mem = emu, cpu, path, mem
        self.runs = {}  # check name -> Run

    @property
    def name(self):
        return f"{self.emu}/{self.cpu} {self.path} {mem_label(self.mem)}"


class Run:
    """The result of one boot: verdict "pass", "fail", "limited", "n/a"."""

    def __init__(self, check):
        self.check = check
        self.verdict = "fail"
        self.problems = []   # why it failed, one line each
        self.limited = []    # (case, why) that cannot run in this RAM
        self.passed = self.total = 0
        self.status = None
        self.duration = 0.0
        self.boot_time = None
        self.cpu_line = None
        self.kernel_features = {}
        self.emu_features = None
        self.mem_kib = None
        self.warnings = []
        self.log = None
        self.tail = ""
        self.skipped = []    # self-test names the kernel skipped

    def summary(self):
        """One short line for the matrix and the failure list."""
        if self.verdict == "n/a":
            return "n/a"
        s = f"{self.passed}/{self.total}" if self.total else self.verdict
        if self.limited:
            s += f" ({len(self.limited)} need more RAM)"
        if self.problems:
            s += ": " + "; ".join(self.problems)
        return s


def mem_label(mib):
    return f"{mib // 1024} GiB" if mib >= 1024 and mib % 1024 == 0 else f"{mib} MiB"


def cells(only=None):
    """Return every x86-64 cell, filtered by the regex only (on Cell.name)."""
    out = []
    for emu, models in (("bochs", BOCHS_X86_64), ("qemu", QEMU_X86_64)):
        for cpu in models:
            for path in PATHS[emu]:
                for mem in RAMS:
                    c = Cell(emu, cpu, path, mem)
                    if not only or re.search(only, c.name):
                        out.append(c)
    return out


# ---- looking at what the guest printed ------------------------------------------

CPU_LINE = re.compile(r"^cpu: (\S+) \"(.*?)\s*\" features: (.*)$", re.M)
MM_LINE = re.compile(r"^mm: (\d+) KiB total, (\d+) KiB free", re.M)


def parse_cpu_line(text):
    """Return (line, {feature: "-"|"found"|"on"}) from the kernel's cpu:
    line, or (None, {})."""
    m = CPU_LINE.search(text)
    if not m:
        return None, {}
    feats = dict(kv.split("=", 1) for kv in m.group(3).split() if "=" in kv)
    return m.group(0), feats


def kernel_text(g):
    """Return what the kernel printed (after GRUB's marker line, if any)."""
    i = g.text.find(mkiso.BOOT_MARKER)
    if i < 0:
        return g.text
    j = g.text.find("\n", i)
    return g.text[j + 1:] if j >= 0 else ""


def ktap_cases(text):
    """Return [(ok, name, skip, diag_lines)] from KTAP text; diag_lines are
    the "# ..." lines printed just before the result line."""
    cases, diag = [], []
    for line in text.split("\n"):
        if line.startswith("#"):
            diag.append(line[1:].strip())
            continue
        m = e2e.Ktap.TEST.match(line)
        if not m:
            continue
        name, skip = m.group(3), None
        s = e2e.Ktap.SKIP.search(name)
        if s:
            name, skip = name[:s.start()], s.group(1) or "skipped"
        cases.append((not m.group(1), name, skip, diag))
        diag = []
    return cases


# ---- what the emulator says the CPU has ------------------------------------------

BOCHS_CPUID = re.compile(r"CPUID\[0x([0-9a-f]{8})\]: ([0-9a-f]{8}) ([0-9a-f]{8}) "
                         r"([0-9a-f]{8}) ([0-9a-f]{8})")
# feature -> (leaf, register index 0..3 = eax..edx, bit)
CPUID_BITS = {
    "nx": (0x80000001, 3, 20), "pge": (1, 3, 13), "smep": (7, 1, 7), "smap": (7, 1, 20),
    "pcid": (1, 2, 17), "1gpages": (0x80000001, 3, 26), "rdrand": (1, 2, 30),
    "lm": (0x80000001, 3, 29),
}


def bochs_features(log):
    """Decode the CPUID table Bochs writes into its log: {feature: bool},
    or None without a table. A leaf above the CPU's maximum reads as zero."""
    leaves = {}
    for m in BOCHS_CPUID.finditer(log):
        leaves.setdefault(int(m.group(1), 16), [int(m.group(k), 16) for k in range(2, 6)])
    if 0 not in leaves:
        return None
    max_basic = leaves[0][0]
    max_ext = leaves.get(0x80000000, [0])[0]
    out = {}
    for feat, (leaf, reg, bit) in CPUID_BITS.items():
        top = max_ext if leaf >= 0x80000000 else max_basic
        regs = leaves.get(leaf) if leaf <= top else None
        out[feat] = bool(regs and regs[reg] >> bit & 1)
    return out


QMP_PROPS = {"nx": "nx", "pge": "pge", "smep": "smep", "smap": "smap", "pcid": "pcid",
             "1gpages": "pdpe1gb", "rdrand": "rdrand", "lm": "lm"}
TCG_WARNING = re.compile(r"TCG doesn't support requested feature: (\S+)\.([\w-]+) \[bit \d+\]")
_qmp_cache = {}
_qmp_lock = threading.Lock()


def qemu_model_features(cpu):
    """Return {feature: bool} from QEMU's own definition of the model
    (QMP query-cpu-model-expansion, TCG), or None if QEMU would not say."""
    with _qmp_lock:
        if cpu in _qmp_cache:
            return _qmp_cache[cpu]
        cmds = [{"execute": "qmp_capabilities"},
                {"execute": "query-cpu-model-expansion",
                 "arguments": {"type": "full", "model": {"name": cpu}}},
                {"execute": "quit"}]
        props = None
        try:
            r = subprocess.run(["qemu-system-x86_64", "-machine", "none", "-accel", "tcg",
                                "-display", "none", "-nodefaults", "-qmp", "stdio"],
                               input="".join(json.dumps(c) + "\n" for c in cmds).encode(),
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=30)
            for line in r.stdout.decode(errors="replace").split("\n"):
                try:
                    ret = json.loads(line).get("return")
                except ValueError:
                    continue
                if isinstance(ret, dict) and "model" in ret:
                    props = ret["model"].get("props", {})
        except (OSError, subprocess.TimeoutExpired):
            pass
        feats = None if props is None else {f: bool(props.get(p)) for f, p in QMP_PROPS.items()}
        _qmp_cache[cpu] = feats
        return feats


def qemu_features(cpu, emulator_output):
    """What a QEMU guest sees: the model's definition less what TCG said it
    dropped. Returns ({feature: bool} or None, [TCG warnings])."""
    warned = TCG_WARNING.findall(emulator_output)
    model = qemu_model_features(cpu)
    if model is None:
        return None, warned
    dropped = {name for _, name in warned}
    seen = {f: v and QMP_PROPS[f] not in dropped for f, v in model.items()}
    return seen, [f"{leaf}.{name}" for leaf, name in warned]


# ---- booting -----------------------------------------------------------------------

def initramfs_has(path, member):
    """True if the newc archive at path (or one appended to it, as overlays
    are) holds member (no leading slash)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    i = data.find(b"070701")
    while 0 <= i and i + 110 <= len(data):
        namesize = int(data[i + 94:i + 102], 16)
        filesize = int(data[i + 54:i + 62], 16)
        name = data[i + 110:i + 110 + namesize - 1].decode(errors="replace")
        if name == member:
            return True
        i = (i + 110 + namesize + 3) & ~3
        i = (i + filesize + 3) & ~3
        if name == "TRAILER!!!" or data[i:i + 6] != b"070701":
            i = data.find(b"070701", i)  # the next archive, after padding
    return False


class Images:
    """The kernel and initramfs under test (default: build/)."""

    def __init__(self, build=None):
        build = os.path.abspath(build or os.path.join(REPO, "build"))
        self.kernel = os.path.join(build, "kernel.elf")
        self.initramfs = os.path.join(build, "initramfs.cpio")
        self.has_shell = initramfs_has(self.initramfs, "bin/sh")


def first_line_timer(g, t):
    """Return an on_output callback that stores in t["at"] when the first
    complete kernel line arrived."""
    def on_output(_data):
        if "at" in t:
            return
        text = kernel_text(g) if (g.iso and mkiso.BOOT_MARKER in g.text) or not g.iso else ""
        if text.lstrip("\n").find("\n") >= 0:
            t["at"] = time.monotonic()
    return on_output


def boot(cell, check, images, append, timeout):
    """Start a Guest for cell; returns (guest, first-line timer dict)."""
    label = f"compat {cell.name} {check}"
    t = {}
    g = guest.Guest(emu=cell.emu, cpu=cell.cpu, mem=cell.mem, append=append,
                    iso=cell.path == "iso", kernel=images.kernel, initramfs=images.initramfs,
                    timeout=e2e.scaled(timeout), log=e2e.log_path(label), name=label)
    g.on_output = first_line_timer(g, t)
    return g, t


def finish(run, g, t):
    """Fill in what every boot reports: status, time, features, memory."""
    run.status = g.status
    run.duration = g.duration
    run.log = g.log_path
    run.tail = e2e.tail(g.text, 30)
    if "at" in t and g.spawned_at:
        run.boot_time = t["at"] - g.spawned_at
    text = kernel_text(g)
    run.cpu_line, run.kernel_features = parse_cpu_line(text)
    m = ([None] + list(MM_LINE.finditer(text)))[-1]  # the last: after the modules' release
    run.mem_kib = int(m.group(1)) if m else None
    if g.emu == "bochs":
        run.emu_features = bochs_features(g.emulator_log)
    else:
        run.emu_features, run.warnings = qemu_features(g.cpu, g.emulator_output)
    if "KERNEL PANIC" in g.text:
        run.problems.append("KERNEL PANIC")


def check_features(run, cell):
    """The kernel must find exactly the features the emulator offers, and
    see about as much memory as the machine has."""
    if run.cpu_line is None:
        run.problems.append("no cpu: line")
        return
    if run.emu_features is not None:
        for f in FEATURES:
            has = run.kernel_features.get(f, "?") != "-"
            if f not in run.kernel_features or has != run.emu_features[f]:
                run.problems.append(f"{f}={run.kernel_features.get(f, 'missing')} but the "
                                    f"emulator's CPUID says {'yes' if run.emu_features[f] else 'no'}")
    if run.mem_kib is None:
        run.problems.append("no mm: line")
    elif not 0.75 * cell.mem * 1024 <= run.mem_kib <= cell.mem * 1024:
        run.problems.append(f"found {run.mem_kib} KiB of {cell.mem * 1024} KiB")


def judge_ktap(run, g, cell):
    """Count KTAP results; classify memory-bound failures; set verdict."""
    cases = ktap_cases(kernel_text(g))
    k = e2e.Ktap(kernel_text(g))
    run.total = len(cases)
    for ok, name, skip, diag in cases:
        if ok and skip:
            run.skipped.append(f"{name} ({skip})")
        if ok:
            run.passed += 1
        elif limited_by_memory(name, diag, cell.mem):
            run.limited.append((name, memory_note(name, diag)))
        else:
            why = next((d for d in diag if re.search(r"\.c:\d+:|timed out|child ended", d)), "")
            run.problems.append(f"not ok {name}" + (f" ({why})" if why else ""))
    run.problems += [p for p in e2e.run_problems(g) + k.problems() if p != "KERNEL PANIC"]


# What a case printed when memory ran out: fork's error, or the SIGKILL the
# kernel sends for a page fault it has no frame for (kernel/trap.c).
OUT_OF_MEMORY = re.compile(r"ENOMEM|EAGAIN|signal 9 \(Killed\)")


def limited_by_memory(name, diag, mem):
    bound = MEMORY_BOUND.get(name)
    return bool(bound) and mem <= bound[0] and any(OUT_OF_MEMORY.search(d) for d in diag)


def memory_note(name, diag):
    """Explain a memory-limited case with what the guest printed."""
    def find(pattern):
        return next((m for d in diag for m in [re.search(pattern, d)] if m), None)
    forks = find(r"fork (\d+): (ENOMEM|EAGAIN)")
    mem = find(r"MemFree (\d+) kB before")
    kib = int(mem.group(1)) if mem else None
    note = MEMORY_BOUND[name][1]
    if forks and kib and int(forks.group(1)):
        n = int(forks.group(1))
        note += (f": fork {forks.group(2)} after {n} children with {kib} kB free "
                 f"(about {kib // n} kB each; 1000 need about {kib // n * 1000 // 1024} MiB)")
    if find(r"signal 9 \(Killed\)"):
        note += ("; " if forks else ": ") + "the case was killed by SIGKILL (no frame for a page fault)"
        if kib and not forks:
            note += f" with {kib} kB free, before any fork failed"
    return note


def run_selftest(cell, images):
    run = Run("selftest")
    g, t = boot(cell, "selftest", images, "selftest", TIMEOUTS[(cell.emu, "selftest")])
    with g.start():
        g.wait_exit()
    finish(run, g, t)
    judge_ktap(run, g, cell)
    check_features(run, cell)
    run.verdict = "fail" if run.problems else "pass"
    return run


def run_cow(cell, images):
    run = Run("cow")
    append = (f"rdinit=/bin/utest-runner UTEST_GUEST=1 "
              f"UTEST_TIMEOUT_SCALE={UTEST_SCALE[cell.emu]} cow")
    g, t = boot(cell, "cow", images, append, TIMEOUTS[(cell.emu, "cow")])
    with g.start():
        g.wait_exit()
    finish(run, g, t)
    judge_ktap(run, g, cell)
    run.verdict = "fail" if run.problems else "limited" if run.limited else "pass"
    return run


def run_shell(cell, images):
    """BusyBox's init, a shell on the console, SHELL_CHECKS, poweroff -f."""
    run = Run("shell")
    if not images.has_shell:
        run.verdict = "n/a"
        run.problems = []
        return run
    g, t = boot(cell, "shell", images, "", TIMEOUTS[(cell.emu, "shell")])
    step_timeout = 60 if cell.emu == "bochs" else 20
    with g.start():
        try:
            sh = e2e.Shell(g, timeout=step_timeout)
            sh.start(timeout=TIMEOUTS[(cell.emu, "shell")] / 2)
            for cmd, want_rc, want_out in SHELL_CHECKS:
                run.total += 1
                rc, out = sh.run(cmd)
                if rc == want_rc and out == want_out:
                    run.passed += 1
                else:
                    run.problems.append(f"{cmd!r}: status {rc}, output {out!r}; "
                                        f"want {want_rc}, {want_out!r}")
            g.sendline("poweroff -f")
            if g.wait_exit(e2e.scaled(step_timeout)) != "poweroff":
                run.problems.append(f"poweroff -f: no power-off ({g.status or 'still running'})")
        except guest.GuestError as e:
            run.problems.append(str(e).split("\n")[0])
    finish(run, g, t)
    run.verdict = "fail" if run.problems else "pass"
    return run


def run_nolm(cell, images):
    """A CPU without long mode: the kernel must print NO_LM_MESSAGE whole.
    The machine halts for good after it, so we stop once the message is
    there or the console has been quiet for a while."""
    run = Run("nolm")
    g, t = boot(cell, "nolm", images, "", TIMEOUTS[(cell.emu, "nolm")])
    quiet = 10 if cell.emu == "bochs" else 3
    with g.start():
        seen, last = 0, time.monotonic()
        while g.status is None and NO_LM_MESSAGE not in g.text:
            g.pump(0.5)
            if len(g.output) != seen:
                seen, last = len(g.output), time.monotonic()
            elif kernel_text(g).strip() and time.monotonic() - last > quiet:
                break
    finish(run, g, t)
    text = kernel_text(g).strip()
    if NO_LM_MESSAGE not in text:
        run.problems.append(f"printed {text[:120]!r}" + (", then nothing" if text else ""))
    if run.emu_features and run.emu_features.get("lm"):
        run.problems.append("the emulator's CPUID has long mode")
    run.verdict = "fail" if run.problems else "pass"
    return run


CHECKS = {"selftest": run_selftest, "cow": run_cow, "shell": run_shell}
ALL_CHECKS = list(CHECKS) + ["nolm"]  # nolm: the CPUs without long mode


def cost(cell, check):
    """Rough seconds one boot takes alone, to start the long ones first."""
    if cell.emu == "bochs":
        return {"selftest": 3, "cow": 13 + cell.mem * 0.045, "shell": 30}[check]
    return {"selftest": 0.5, "cow": 2 + cell.mem * 0.006, "shell": 3}[check]


# ---- running the matrix ------------------------------------------------------------

_stopping = threading.Event()


def nolm_cells(only=None):
    out = [Cell("bochs", cpu, "iso", 16) for cpu in BOCHS_NO_LM]
    out += [Cell("qemu", cpu, path, 16) for cpu in QEMU_NO_LM for path in PATHS["qemu"]]
    return [c for c in out if not only or re.search(only, c.name)]


def run_task(cell, check, images):
    """Run one boot; an exception in the tooling counts as a failed run."""
    if _stopping.is_set():
        run = Run(check)
        run.problems.append("not run: interrupted")
        return run
    try:
        return (run_nolm if check == "nolm" else CHECKS[check])(cell, images)
    except Exception as e:  # noqa: BLE001 - a bug here must not stop the matrix
        run = Run(check)
        run.problems.append(f"the tool raised {type(e).__name__}: {e}")
        return run


def run_matrix(cell_list, nolm_list, images, jobs, checks=tuple(CHECKS), progress=sys.stderr):
    """Run the checks of every cell, jobs boots at a time, longest first.
    Fills cell.runs; returns the wall time in seconds."""
    tasks = [(c, k) for c in cell_list for k in checks]
    tasks.sort(key=lambda t: -cost(*t))
    tasks += [(c, "nolm") for c in nolm_list]
    t0, done = time.monotonic(), 0
    with concurrent.futures.ThreadPoolExecutor(jobs) as ex:
        futs = {ex.submit(run_task, c, k, images): (c, k) for c, k in tasks}
        for fut in concurrent.futures.as_completed(futs):
            c, k = futs[fut]
            run = c.runs[k] = fut.result()
            done += 1
            if progress and run.verdict != "n/a":
                print(f"[{done}/{len(tasks)} {time.monotonic() - t0:5.0f} s] {c.name} {k}: "
                      f"{run.verdict} ({run.summary()}; {run.duration:.1f} s)",
                      file=progress, flush=True)
    return time.monotonic() - t0


def tally(all_cells):
    """Return (passed, failed, skipped) over every run; limited and n/a
    runs count as skipped."""
    p = f = s = 0
    for c in all_cells:
        for r in c.runs.values():
            if r.verdict == "pass":
                p += 1
            elif r.verdict == "fail":
                f += 1
            else:
                s += 1
    return p, f, s


# ---- rendering -----------------------------------------------------------------------

def fmt_time(t):
    return "-" if t is None else f"{t:.2f} s"


def cell_text(c):
    """Short matrix entry: pass (with * if a case needs more RAM) and the
    boot time, or FAIL and the failed checks."""
    failed = [k for k, r in c.runs.items() if r.verdict == "fail"]
    if failed:
        return "**FAIL** (" + ", ".join(failed) + ")"
    mark = "*" if any(r.limited for r in c.runs.values()) else ""
    st = c.runs.get("selftest")
    return f"pass{mark} {fmt_time(st.boot_time if st else None)}"


def matrix_table(cell_list):
    """Markdown: one row per emulator/model/path, one column per RAM size."""
    rows = {}
    for c in cell_list:
        rows.setdefault((c.emu, c.cpu, c.path), {})[c.mem] = c
    mems = sorted({c.mem for c in cell_list})
    out = ["| emulator | model | boot path | " + " | ".join(mem_label(m) for m in mems) + " |",
           "|---|---|---|" + "---|" * len(mems)]
    for (emu, cpu, path), by_mem in rows.items():
        out.append(f"| {emu} | {cpu} | {path_label(path)} | " +
                   " | ".join(cell_text(by_mem[m]) if m in by_mem else "" for m in mems) + " |")
    return "\n".join(out)


def path_label(path):
    return {"iso": "GRUB ISO", "kernel": "-kernel"}[path]


def run_text(r):
    if r is None:
        return "not run"
    if r.verdict == "n/a":
        return "n/a (no BusyBox in this build)"
    return ("**FAIL** " if r.verdict == "fail" else "") + r.summary()


def detail_table(cell_list):
    out = ["| emulator | model | boot path | RAM | first kernel line | memory found | "
           "self-tests | fork/CoW group | shell | time (all boots) |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for c in cell_list:
        st = c.runs.get("selftest")
        mem = f"{st.mem_kib} KiB" if st and st.mem_kib else "-"
        total = sum(r.duration for r in c.runs.values())
        out.append(f"| {c.emu} | {c.cpu} | {path_label(c.path)} | {mem_label(c.mem)} | "
                   f"{fmt_time(st.boot_time if st else None)} | {mem} | {run_text(st)} | "
                   f"{run_text(c.runs.get('cow'))} | {run_text(c.runs.get('shell'))} | "
                   f"{total:.1f} s |")
    return "\n".join(out)


def model_runs(cell_list):
    """{(emu, cpu): [selftest Run...]} for runs that printed a cpu: line."""
    out = {}
    for c in cell_list:
        r = c.runs.get("selftest")
        if r and r.cpu_line:
            out.setdefault((c.emu, c.cpu), []).append(r)
    return out


def feature_cell(state, emu_has):
    if emu_has is None or (state != "-") == emu_has:
        return state
    return f"**{state}** (CPUID: {'yes' if emu_has else 'no'})"


def features_table(cell_list):
    """One row per model: the kernel's verdict per feature, checked against
    the emulator's own CPUID, and whether every boot printed the same."""
    out = ["| emulator | model | CPU (vendor, name) | " + " | ".join(FEATURES) +
           " | emulator agrees | same on every boot |",
           "|---|---|---|" + "---|" * len(FEATURES) + "---|---|"]
    for (emu, cpu), runs in model_runs(cell_list).items():
        r = runs[0]
        m = CPU_LINE.search(r.cpu_line)
        emu_f = r.emu_features or {}
        agree = ("unknown" if r.emu_features is None else
                 "yes" if all((r.kernel_features.get(f) != "-") == emu_f[f] for f in FEATURES)
                 else "**no**")
        same = "yes" if all(x.kernel_features == r.kernel_features for x in runs) else "**no**"
        out.append(f"| {emu} | {cpu} | {m.group(1)} \"{m.group(2)}\" | " +
                   " | ".join(feature_cell(r.kernel_features.get(f, "?"), emu_f.get(f))
                              for f in FEATURES) + f" | {agree} | {same} |")
    return "\n".join(out)


def tcg_table(cell_list):
    out = ["| QEMU model | features TCG drops (its warnings) |", "|---|---|"]
    for (emu, cpu), runs in model_runs(cell_list).items():
        if emu == "qemu":
            out.append(f"| {cpu} | {', '.join(runs[0].warnings) or 'none'} |")
    return "\n".join(out)


# Bochs and QEMU models of the same CPU family.
PAIRS = [("corei5_lynnfield_750", "Nehalem"), ("corei7_haswell_4770", "Haswell"),
         ("corei7_skylake_x", "Skylake-Server"), ("ryzen", "EPYC")]


def pair_reason(feat, bochs_state, qemu_cpu, qemu_warnings):
    model = qemu_model_features(qemu_cpu) or {}
    if bochs_state == "-":
        return "Bochs's model does not have it"
    if model.get(feat) and QMP_PROPS[feat] in {w.split(".")[-1] for w in qemu_warnings}:
        return "QEMU's model has it, but TCG cannot emulate it and drops it (warning at start)"
    if not model.get(feat):
        return "QEMU's model definition does not have it"
    return "?"


def pairs_table(cell_list):
    runs = model_runs(cell_list)
    out = ["| Bochs model | QEMU model | feature | Bochs | QEMU | why |",
           "|---|---|---|---|---|---|"]
    for b, q in PAIRS:
        if ("bochs", b) not in runs or ("qemu", q) not in runs:
            continue
        rb, rq = runs[("bochs", b)][0], runs[("qemu", q)][0]
        diffs = [f for f in FEATURES if rb.kernel_features.get(f) != rq.kernel_features.get(f)]
        for f in diffs:
            out.append(f"| {b} | {q} | {f} | {rb.kernel_features.get(f)} | "
                       f"{rq.kernel_features.get(f)} | "
                       f"{pair_reason(f, rb.kernel_features.get(f), q, rq.warnings)} |")
        if not diffs:
            out.append(f"| {b} | {q} | (none) | | | the same features |")
    return "\n".join(out)


def limited_table(cell_list):
    out = ["| cell | case | what the guest printed |", "|---|---|---|"]
    rows = [f"| {c.name} | {case} | {note} |" for c in cell_list for r in c.runs.values()
            for case, note in r.limited]
    return "\n".join(out + rows) if rows else "None: every case ran in every RAM size."


def nolm_table(nolm_list):
    out = ["| emulator | model | boot path | result | what the console showed |",
           "|---|---|---|---|---|"]
    for c in nolm_list:
        r = c.runs.get("nolm")
        if not r:
            continue
        shown = kernel_text_of(r)
        out.append(f"| {c.emu} | {c.cpu} | {path_label(c.path)} | "
                   f"{'pass' if r.verdict == 'pass' else '**FAIL**'} | `{shown}` |")
    return "\n".join(out)


def kernel_text_of(r):
    """The kernel's part of a run's last lines, on one line."""
    t = r.tail
    i = t.find(mkiso.BOOT_MARKER)
    if i >= 0:
        t = t[t.find("\n", i) + 1:]
    return " ".join(t.split())[:100]


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2] if xs else None


def boot_time_table(cell_list):
    """Boot time (emulator start to the first complete kernel line) over the
    self-test boots, by emulator, path and RAM."""
    groups = {}
    for c in cell_list:
        r = c.runs.get("selftest")
        if r and r.boot_time is not None:
            groups.setdefault((c.emu, c.path, c.mem), []).append(r.boot_time)
    out = ["| emulator | boot path | RAM | boots | min | median | max |",
           "|---|---|---|---|---|---|---|"]
    for (emu, path, mem), ts in sorted(groups.items()):
        out.append(f"| {emu} | {path_label(path)} | {mem_label(mem)} | {len(ts)} | "
                   f"{min(ts):.2f} s | {median(ts):.2f} s | {max(ts):.2f} s |")
    return "\n".join(out)


def failures_text(all_cells):
    """Every failed run with its exact symptoms and the end of its log."""
    out = []
    for c in all_cells:
        for k, r in c.runs.items():
            if r.verdict != "fail":
                continue
            out.append(f"- **{c.name} {k}**: {'; '.join(r.problems) or 'failed'} "
                       f"(status {r.status}, {r.duration:.1f} s"
                       + (f", log `{os.path.relpath(r.log, REPO)}`" if r.log else "") + ")")
            if r.tail:
                out.append("\n  ```\n" + "\n".join("  " + ln for ln in r.tail.split("\n")[-12:])
                           + "\n  ```")
    return "\n".join(out) if out else "None."


def versions():
    """Return one line naming the kernel commit and the emulators."""
    def first_line(argv):
        try:
            return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  timeout=20).stdout.decode(errors="replace").split("\n")[0]
        except (OSError, subprocess.TimeoutExpired):
            return "?"
    tree = first_line(["git", "-C", REPO, "describe", "--always", "--dirty"])
    kernel = first_line(["git", "-C", REPO, "log", "-1", "--format=%h %s", "--",
                         "boot", "kernel", "mm", "proc", "elf", "fs", "initramfs", "tests/user"])
    qemu = first_line(["qemu-system-x86_64", "--version"])
    grub = first_line(["grub-mkrescue", "--version"])
    bochs = "?"
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "bochs"],
                             stdout=subprocess.PIPE, timeout=20).stdout.decode()
        bochs = "Bochs " + out if out else "?"
    except (OSError, subprocess.TimeoutExpired):
        pass
    return (f"tree `{tree}`, whose kernel and user tests last changed in `{kernel}`; "
            f"{qemu}; {bochs} (Debian package); {grub}")


# ---- saving results -------------------------------------------------------------------

RESULTS = os.path.join(REPO, "build", "compat", "results.json")             # full runs
RESULTS_PART = os.path.join(REPO, "build", "compat", "results-only.json")  # --only runs


def save_results(path, all_cells, meta):
    """Write every run to path (JSON), so the document can be made again
    without booting (--render)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    data = {"meta": meta, "cells": [
        {"emu": c.emu, "cpu": c.cpu, "path": c.path, "mem": c.mem,
         "runs": {k: vars(r) for k, r in c.runs.items()}} for c in all_cells]}
    with open(path, "w") as f:
        json.dump(data, f, indent=1)


def load_results(path):
    """Return (x86-64 cells, no-long-mode cells, meta) saved by save_results."""
    with open(path) as f:
        data = json.load(f)
    cell_list, nolm_list = [], []
    for d in data["cells"]:
        c = Cell(d["emu"], d["cpu"], d["path"], d["mem"])
        for k, rd in d["runs"].items():
            r = Run(k)
            r.__dict__.update(rd)
            r.limited = [tuple(x) for x in r.limited]
            c.runs[k] = r
        (nolm_list if "nolm" in c.runs else cell_list).append(c)
    return cell_list, nolm_list, data["meta"]


# ---- the document and the command ------------------------------------------------

TEMPLATE = os.path.join(REPO, "tests", "compat", "COMPAT.md.in")


def verdict_text(cell_list, nolm_list):
    """One sentence per part of the matrix: how many cells passed."""
    ok = [c for c in cell_list if all(r.verdict != "fail" for r in c.runs.values())]
    lim = [c for c in ok if any(r.limited for r in c.runs.values())]
    nolm_ok = [c for c in nolm_list if c.runs.get("nolm") and c.runs["nolm"].verdict == "pass"]
    failed_nolm = sorted({c.emu for c in nolm_list if c not in nolm_ok})
    s = (f"x86-64 cells: {len(ok)} of {len(cell_list)} passed"
         f" ({len(lim)} of them with a fork/CoW case that needs more RAM).")
    if nolm_list:
        s += (f" CPUs without long mode: {len(nolm_ok)} of {len(nolm_list)} passed"
              + (f" (failed: the {' and '.join(failed_nolm)} ones, see below)." if failed_nolm
                 else "."))
    return s


def render_doc(cell_list, nolm_list, meta):
    """Fill tests/compat/COMPAT.md.in: each @NAME@ becomes a generated block."""
    all_cells = cell_list + nolm_list
    p, f, s = tally(all_cells)
    boots = sum(1 for c in all_cells for r in c.runs.values() if r.verdict != "n/a")
    busy = sum(r.duration for c in all_cells for r in c.runs.values())
    wall = meta["wall"]
    blocks = {
        "VERSIONS": meta["versions"],
        "SUMMARY": f"{p} passed, {f} failed, {s} skipped",
        "VERDICT": verdict_text(cell_list, nolm_list),
        "RUNTIME": (f"{wall / 60:.1f} minutes ({wall:.0f} s) of wall time for {boots} boots, "
                    f"{meta['jobs']} at a time ({busy:.0f} s of boot time added up), on "
                    f"{meta['cpus']} cores with a load average of {meta['load_before']:.1f} "
                    f"before and {meta['load_after']:.1f} after (other work shared the "
                    f"machine)"),
        "SHELL": ("BusyBox is in this build: the shell column ran." if meta["has_shell"] else
                  "**n/a (no BusyBox in this build)**: the initramfs has no /bin/sh, so the "
                  "shell column did not run. The code is ready (`run_shell` and "
                  "`SHELL_CHECKS` in tools/compat.py) and runs as soon as /bin/sh is there."),
        "MATRIX": matrix_table(cell_list),
        "DETAILS": detail_table(cell_list),
        "FEATURES": features_table(cell_list),
        "TCG": tcg_table(cell_list),
        "PAIRS": pairs_table(cell_list),
        "LIMITED": limited_table(cell_list),
        "NOLM": nolm_table(nolm_list),
        "BOOTTIMES": boot_time_table(cell_list),
        "FAILURES": failures_text(all_cells),
    }
    with open(TEMPLATE) as fh:
        text = fh.read()
    return re.sub(r"@([A-Z]+)@", lambda m: blocks.get(m.group(1), m.group(0)), text)


def print_report(cell_list, nolm_list, meta):
    """The matrix, the features, the failures and one summary line."""
    all_cells = cell_list + nolm_list
    print(matrix_table(cell_list))
    print()
    print(features_table(cell_list))
    if nolm_list:
        print()
        print(nolm_table(nolm_list))
    print("\nMemory-limited cases:\n" + limited_table(cell_list))
    print("\nFailures:\n" + failures_text(all_cells))
    print("\n" + verdict_text(cell_list, nolm_list))
    p, f, s = tally(all_cells)
    print(f"# total: {meta['wall']:.0f} s wall time, {meta['jobs']} boots at a time")
    print(f"compat: {p} passed, {f} failed" + (f", {s} skipped" if s else ""))
    return f


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="compat.py", description=__doc__.split("\n")[0])
    ap.add_argument("--only", help="run only cells whose name matches this regex "
                    "(e.g. 'bochs/ryzen' or 'qemu/max kernel 16 MiB'); no doc unless --doc")
    ap.add_argument("--doc", help="write the document here (default docs/COMPAT.md on a full run)")
    ap.add_argument("--no-doc", action="store_true", help="do not write the document")
    ap.add_argument("--build", help="folder with kernel.elf and initramfs.cpio (build/)")
    ap.add_argument("--checks", default=",".join(ALL_CHECKS),
                    help="comma-separated checks to run (%(default)s); with fewer, no doc "
                    "unless --doc")
    ap.add_argument("--list", action="store_true", help="list the cells and exit")
    ap.add_argument("--render", metavar="JSON",
                    help="boot nothing: print and write the document from saved results "
                    "(build/compat/results.json is saved by every run)")
    return ap.parse_args(argv)


def on_signal(signum, frame):
    _stopping.set()
    guest.abort_all()
    raise SystemExit(128 + signum)


def main(argv):
    args = parse_args(argv)
    if args.render:
        cell_list, nolm_list, meta = load_results(args.render)
    else:
        cell_list, nolm_list = cells(args.only), nolm_cells(args.only)
        if args.list:
            for c in cell_list:
                print(c.name, " ".join(CHECKS))
            for c in nolm_list:
                print(c.name, "nolm")
            return 0
        meta = run_all(cell_list, nolm_list, args)
        partial = args.only or set(args.checks.split(",")) != set(ALL_CHECKS)
        save_results(RESULTS_PART if partial else RESULTS, cell_list + nolm_list, meta)
    failed = print_report(cell_list, nolm_list, meta)
    partial = args.only or set(args.checks.split(",")) != set(ALL_CHECKS)
    doc = args.doc or (None if partial and not args.render else
                       os.path.join(REPO, "docs", "COMPAT.md"))
    if doc and not args.no_doc:
        with open(doc, "w") as fh:
            fh.write(render_doc(cell_list, nolm_list, meta))
        print(f"# wrote {os.path.relpath(doc, REPO)}")
    return 1 if failed else 0


def run_all(cell_list, nolm_list, args):
    """Boot the whole matrix; returns the facts about the run itself."""
    images = Images(args.build)
    for f in (images.kernel, images.initramfs):
        if not os.path.isfile(f):
            sys.exit(f"compat: {f} is missing: run make first")
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    checks = [k for k in args.checks.split(",") if k]
    unknown = [k for k in checks if k not in ALL_CHECKS]
    if unknown:
        sys.exit(f"compat: unknown check {unknown[0]!r}: want {', '.join(ALL_CHECKS)}")
    if "nolm" not in checks:
        nolm_list[:] = []
    checks = [k for k in checks if k in CHECKS]
    jobs = e2e.jobs()
    print(f"# compat: {len(cell_list)} cells x {len(checks)} checks + {len(nolm_list)} CPUs "
          f"without long mode, {jobs} at a time; logs in {e2e.LOG_DIR}", file=sys.stderr)
    load_before = os.getloadavg()[0]
    wall = run_matrix(cell_list, nolm_list, images, jobs, checks)
    return {"wall": wall, "jobs": jobs, "cpus": os.cpu_count(), "has_shell": images.has_shell,
            "load_before": load_before, "load_after": os.getloadavg()[0],
            "versions": versions()}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

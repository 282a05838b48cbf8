#!/usr/bin/env python3
"""bench.py: `make bench`: this kernel against Debian's stock Linux kernel.

Theory of operation. Both kernels boot in QEMU with the same options (the
tools/guest.py command line: -m, -cpu, -kernel, -initrd, -append) and the
same initramfs (build/bench/initramfs.cpio: tests/bench/bench.c as /init,
its helper programs, BusyBox's sh when it was built). /init prints the
marker line "bench-init# " as soon as it runs, then one line per in-guest
figure ("BENCH name ns-per-op ops [note]"), and powers off.

  boot_ms    host clock, from the emulator's start to the marker on serial
  in-guest   ns per operation, timed by /init with CLOCK_MONOTONIC
  min_ram    smallest -m (MiB) with which the marker still comes up,
             bisected per kernel with BENCH_MODE=boot (marker, power-off)

Rounds alternate the kernels (this, Linux, this, Linux, ...) so that slow
stretches of the host hit both; the table shows medians and the ratio
this/Linux (every figure is a cost: above 1 means this kernel is slower or
needs more). The same runs of this kernel in Bochs are reported beside
(Linux is not run in Bochs).

Linux: the package the linux-image-amd64 metapackage depends on, fetched
with `apt-get download` and unpacked with `dpkg -x` into build/linux/
(kept: only its boot/ files). Nothing is installed.

Outputs: the table on stdout, build/bench/results.json (every round),
the results section of docs/BENCHMARKS.md and docs/bench-ratios.png
(gnuplot).
"""
import argparse
import datetime
import glob
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import guest as guestlib  # noqa: E402

REPO = os.path.dirname(HERE)
BUILD = os.path.join(REPO, "build")
MARKER = b"bench-init# "
PANIC = r"KERNEL PANIC|Kernel panic|end Kernel panic"
QEMU_CPU = "qemu64"
MEM = 256
APPEND = "console=ttyS0 quiet BENCH_MODE={mode}"
DOC = os.path.join(REPO, "docs", "BENCHMARKS.md")
CHART = os.path.join(REPO, "docs", "bench-ratios.png")
BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"

# (key, label, unit). In-guest keys are bench.c's names, values ns per
# operation; boot_ms is in ns here too; min_ram is in MiB.
FIGURES = [
    ("boot_ms", "boot to prompt marker (host clock)", "ms"),
    ("getppid", "null syscall (getppid)", "ns"),
    ("fork_exit_wait", "fork + exit + wait", "us"),
    ("vfork_exit_wait", "vfork + exit + wait", "us"),
    ("fork_exec_wait", "fork + exec + wait (static nop)", "us"),
    ("shell_loop_cmd", "shell loop of 200 external commands, per command", "us"),
    ("cow_fault", "one copy-on-write fault", "us"),
    ("zero_fault", "one demand-zero fault", "us"),
    ("fork_64mib", "fork + exit + wait, 64 MiB touched", "ms"),
    ("pipe_rtt", "pipe round trip, 1 byte, 2 processes", "us"),
    ("pipe_64kib", "pipe throughput, per 64 KiB", "us"),
    ("ctxsw_yield", "context switch (sched_yield handoff)", "us"),
    ("min_ram", "smallest RAM with the prompt marker", "MiB"),
]
GUEST_KEYS = [k for k, _, _ in FIGURES if k not in ("boot_ms", "min_ram")]
# The targets this kernel has to meet (ratio this/Linux at most this much;
# min_ram: at most this many MiB of its own).
TARGETS = {"boot_ms": 0.1, "getppid": 1.0, "fork_exit_wait": 0.33, "vfork_exit_wait": 0.5,
           "fork_exec_wait": 0.5, "cow_fault": 0.5, "fork_64mib": 0.2, "pipe_rtt": 1.0,
           "pipe_64kib": 1.0, "ctxsw_yield": 1.0, "min_ram": 16}
UNIT_NS = {"ns": 1, "us": 1e3, "ms": 1e6, "MiB": 1}
LINE = re.compile(r"^BENCH (\S+) (\S+) (\d+)(?: (\S+))?\s*$", re.M)


def log(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


# ---- Debian's Linux kernel ---------------------------------------------------------

def run(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


def apt_update():
    if os.geteuid() != 0:
        raise SystemExit("bench: apt-get update is needed and needs root")
    log("apt-get update")
    r = run(["apt-get", "update", "-qq"])
    if r.returncode:
        raise SystemExit(f"bench: apt-get update failed:\n{r.stdout}")


def linux_package():
    """Return the package linux-image-amd64 depends on (linux-image-X-amd64)."""
    for attempt in (0, 1):
        r = run(["apt-cache", "depends", "linux-image-amd64"])
        m = re.search(r"^\s*\|?Depends:\s*(linux-image-\S+)", r.stdout, re.M)
        if m:
            return m.group(1)
        if attempt == 0:
            apt_update()
    raise SystemExit(f"bench: no dependency of linux-image-amd64 found:\n{r.stdout}")


def fetch_linux():
    """Return (vmlinuz path, description) of Debian's kernel under build/linux/,
    downloading and unpacking it the first time."""
    pkg = linux_package()
    dest = os.path.join(BUILD, "linux", pkg)
    vmlinuz = os.path.join(dest, "vmlinuz")
    info = os.path.join(dest, "version")
    if not os.path.isfile(vmlinuz):
        work = os.path.join(BUILD, "linux", "download")
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        opts = ["-o", "APT::Sandbox::User=root"] if os.geteuid() == 0 else []
        log(f"apt-get download {pkg}")
        r = run(["apt-get", "download", "-q", *opts, pkg], cwd=work)
        if r.returncode:
            apt_update()
            r = run(["apt-get", "download", "-q", *opts, pkg], cwd=work)
            if r.returncode:
                raise SystemExit(f"bench: apt-get download {pkg} failed:\n{r.stdout}")
        deb = glob.glob(os.path.join(work, "*.deb"))[0]
        version = run(["dpkg-deb", "-f", deb, "Version"]).stdout.strip()
        tree = os.path.join(work, "tree")
        r = run(["dpkg", "-x", deb, tree])
        found = glob.glob(os.path.join(tree, "boot", "vmlinuz-*"))
        if r.returncode or not found:
            raise SystemExit(f"bench: dpkg -x {deb} gave no boot/vmlinuz-*:\n{r.stdout}")
        os.makedirs(dest + ".tmp", exist_ok=True)
        shutil.copy(found[0], os.path.join(dest + ".tmp", "vmlinuz"))
        for cfg in glob.glob(os.path.join(tree, "boot", "config-*")):
            shutil.copy(cfg, os.path.join(dest + ".tmp", "config"))
        with open(os.path.join(dest + ".tmp", "version"), "w") as f:
            f.write(f"{pkg} {version}\n")
        shutil.rmtree(dest, ignore_errors=True)
        os.replace(dest + ".tmp", dest)
        shutil.rmtree(work)  # the modules (400 MB) and the .deb are not needed
    with open(info) as f:
        return vmlinuz, f.read().strip()


# ---- boots -------------------------------------------------------------------------

class TimedGuest(guestlib.Guest):
    """A Guest that notes when the emulator process started (t_spawn) and
    when the marker first came over serial (t_marker), both host monotonic."""

    def __init__(self, **kw):
        self.t_spawn = None
        self.t_marker = None
        super().__init__(on_output=self._seen, **kw)

    def _spawn(self, argv, env=None):
        # After the images are ready (Bochs: the GRUB ISO), just before exec.
        self.t_spawn = time.monotonic()
        super()._spawn(argv, env)

    def _seen(self, data):
        if self.t_marker is None and MARKER in self.output[-(len(data) + len(MARKER)):]:
            self.t_marker = time.monotonic()


class Kernel:
    def __init__(self, name, path, emu="qemu"):
        self.name, self.path, self.emu = name, path, emu


def boot(kernel, initramfs, mode, mem, timeout, label, log_dir):
    """Boot once; return (figures dict or None, problem text). Figures hold
    ns per op, plus boot_ms (ns from emulator start to the marker)."""
    g = TimedGuest(emu=kernel.emu, cpu=None if kernel.emu == "bochs" else QEMU_CPU, mem=mem,
                   append=APPEND.format(mode=mode), kernel=kernel.path, initramfs=initramfs,
                   timeout=timeout, log=os.path.join(log_dir, label + ".log"), name=label)
    try:
        with g:
            want = r"bench-init# " if mode == "boot" else r"BENCH-END"
            i, m = g.expect_any([want, PANIC], timeout)
            if i == 1:
                g.wait_exit(1)  # the rest of the panic message
                return None, "panic: " + g.text[m.start():].strip()[:300]
            if mode != "boot":
                g.wait_exit(30)
    except guestlib.GuestError as e:
        return None, str(e).strip().splitlines()[0]
    if g.t_marker is None:
        return None, "no marker"
    figs = {"boot_ms": (g.t_marker - g.t_spawn) * 1e9}
    notes = {}
    for m in LINE.finditer(g.text):
        figs[m.group(1)] = float(m.group(2))
        if m.group(4):
            notes[m.group(1)] = m.group(4)
    errors = re.findall(r"^BENCH-ERROR .*$", g.text, re.M)
    figs["_notes"] = notes
    return figs, "; ".join(errors)


def min_ram(kernel, initramfs, hi, timeout, log_dir, out):
    """Bisect the smallest -m (MiB) that brings the marker up; hi must work.
    Stores (MiB, [(mem, ok)...]) in out[kernel.name]."""
    lo, tried = 0, []
    figs, why = boot(kernel, initramfs, "boot", hi, timeout, f"minram-{kernel.name}-{hi}", log_dir)
    tried.append((hi, figs is not None))
    if figs is None:
        out[kernel.name] = (None, tried, why)
        return
    while hi - lo > 1:
        mid = (lo + hi) // 2
        figs, _ = boot(kernel, initramfs, "boot", mid, timeout, f"minram-{kernel.name}-{mid}",
                       log_dir)
        tried.append((mid, figs is not None))
        if figs is not None:
            hi = mid
        else:
            lo = mid
    out[kernel.name] = (hi, tried, "")


# ---- statistics and output -------------------------------------------------------

def finite(vals):
    return [v for v in vals if v is not None and math.isfinite(v)]


def median(vals):
    vals = finite(vals)
    return statistics.median(vals) if vals else None


def spread(vals):
    """(max - min) / median of vals, as "12%", or "-" for fewer than two."""
    vals = finite(vals)
    if len(vals) < 2 or not statistics.median(vals):
        return "-"
    return f"{(max(vals) - min(vals)) / statistics.median(vals) * 100:.0f}%"


def fmt(v, unit):
    if v is None:
        return "-"
    x = v / UNIT_NS[unit]
    digits = 0 if x >= 100 else 1 if x >= 10 else 2 if x >= 1 else 3
    return f"{x:.{digits}f} {unit}".replace("us", "µs")


def mib_s(ns):
    return f"{65536 / (ns / 1e9) / (1 << 20):.0f} MiB/s" if ns else ""


def target_cell(key, s):
    """The target of a figure and whether this run met it."""
    if key not in TARGETS:
        return "-"
    if key == "min_ram":
        value, want = s["ours"], f"≤ {TARGETS[key]} MiB"
    else:
        value, want = s["ratio"], f"≤ {TARGETS[key]}"
    if not value:
        return want
    return f"{want}: {'met' if value <= TARGETS[key] else '**missed**'}"


def table(summary, linux_desc, shell_via, rounds, bochs_runs):
    """Return the results table (markdown) as a list of lines."""
    rows = ["| figure | this kernel | Linux | this/Linux | target | spread this / Linux "
            "| this kernel in Bochs |", "|---|---:|---:|---:|---|---:|---:|"]
    for key, label, unit in FIGURES:
        s = summary[key]
        ours, lin, bx = s["ours"], s["linux"], s["bochs"]
        ratio = f"{s['ratio']:.2f}" if s["ratio"] else "-"
        if key == "shell_loop_cmd":
            label += f" ({shell_via})"
        cells = [fmt(ours, unit), fmt(lin, unit), ratio, target_cell(key, s), s["spread"],
                 fmt(bx, unit)]
        if key == "pipe_64kib":
            for i, v in ((0, ours), (1, lin), (5, bx)):
                cells[i] += f" ({mib_s(v)})" if v else ""
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    rows.append("")
    rows.append(f"Medians of {rounds} QEMU rounds per kernel (alternating), "
                f"{bochs_runs} Bochs run(s); Linux is {linux_desc}. Spread: (max - min) / "
                "median over the rounds. min RAM: one bisection per kernel.")
    return rows


def chart(summary, path):
    """Draw the ratios as a bar chart PNG with gnuplot; returns an error or ''."""
    if not shutil.which("gnuplot"):
        return "gnuplot not found (./build.sh deps gnuplot-nox)"
    data = path + ".dat"
    ratios = [(key, summary[key]["ratio"]) for key, _, _ in FIGURES if summary[key]["ratio"]]
    if not ratios:
        return "no ratios to draw"
    with open(data, "w") as f:
        for key, r in ratios:
            f.write(f'"{key}" {r:.4f}\n')
    # Powers of two around the bars, with room for the labels above them.
    lo = 2 ** math.floor(math.log2(min(min(r for _, r in ratios), 1) / 1.2))
    hi = 2 ** math.ceil(math.log2(max(max(r for _, r in ratios), 1) * 1.6))
    script = f"""set terminal pngcairo size 1000,560 font "DejaVu Sans,11" noenhanced
set output "{path}"
set title "This kernel / Linux {summary['_linux']} in QEMU (lower is better; 1 = same)"
set style data histograms
set style fill solid 0.8 border -1
set boxwidth 0.7
set logscale y 2
set yrange [{lo}:{hi}]
set ylabel "ratio this/Linux (log scale)"
set xtics rotate by -35 left
set grid ytics
set key off
set bmargin 7
set rmargin 6
plot "{data}" using 2:xtic(1) linecolor rgb "#4477aa", \\
     "" using 0:2:(sprintf("%.2f", $2)) with labels offset 0,0.8, \\
     1 with lines dashtype 2 linecolor rgb "#cc3311"
"""
    r = run(["gnuplot"], input=script)
    os.unlink(data)
    return "" if r.returncode == 0 and os.path.isfile(path) else f"gnuplot failed:\n{r.stdout}"


def update_doc(lines, meta, chart_ok):
    """Rewrite the results section of docs/BENCHMARKS.md."""
    body = [BEGIN, "", f"Run on {meta['date']} at commit `{meta['commit']}`; host: "
            f"{meta['host']}; {meta['qemu']}; the runs took {meta['runtime']}.", ""]
    body += lines
    if chart_ok:
        body += ["", "![ratios this/Linux](bench-ratios.png)"]
    body += ["", END]
    try:
        with open(DOC) as f:
            text = f.read()
    except FileNotFoundError:
        text = f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in text or END not in text:
        text = text.rstrip("\n") + f"\n\n{BEGIN}\n{END}\n"
    a, b = text.index(BEGIN), text.index(END) + len(END)
    with open(DOC, "w") as f:
        f.write(text[:a] + "\n".join(body) + text[b:])


def git_commit():
    r = run(["git", "-C", REPO, "describe", "--always", "--dirty", "--abbrev=12"])
    return r.stdout.strip() if r.returncode == 0 else "unknown"


# ---- main ----------------------------------------------------------------------------

def parse_args(argv):
    ap = argparse.ArgumentParser(prog="tools/bench.py", description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 7)))
    ap.add_argument("--bochs-runs", type=int, default=int(os.environ.get("BENCH_BOCHS_RUNS", 1)))
    ap.add_argument("--mode", default="full", choices=("full", "quick"),
                    help="in-guest iteration budget (quick: for trying the tool)")
    ap.add_argument("--mem", type=int, default=MEM, help="RAM in MiB for the timed runs")
    ap.add_argument("--kernel", default=os.path.join(BUILD, "kernel.elf"))
    ap.add_argument("--initramfs", default=os.path.join(BUILD, "bench", "initramfs.cpio"))
    ap.add_argument("--linux", help="a Linux bzImage instead of Debian's (no download)")
    ap.add_argument("--no-min-ram", action="store_true")
    ap.add_argument("--no-doc", action="store_true",
                    help="leave docs/ alone (so does --mode quick)")
    ap.add_argument("--replot", action="store_true",
                    help="no runs: table, docs and chart again from build/bench/results.json")
    return ap.parse_args(argv)


def timed_rounds(kernels, args, log_dir, results, problems):
    for r in range(args.rounds):
        for k in kernels:
            label = f"r{r + 1}-{k.name}"
            t0 = time.monotonic()
            figs, why = boot(k, args.initramfs, args.mode, args.mem, 300, label, log_dir)
            log(f"round {r + 1}/{args.rounds} {k.name}: "
                f"{'ok' if figs else 'FAILED'} in {time.monotonic() - t0:.1f} s"
                + (f" ({why})" if why else ""))
            if why:
                problems.append(f"{label}: {why}")
            results[k.name].append(figs)


def summarize(results, ram, linux_desc):
    summary = {"_linux": linux_desc.split()[0].replace("linux-image-", "")}
    notes = {}
    for runs in results.values():
        for f in runs:
            if f:
                notes.update(f.get("_notes", {}))
    for key, _, _ in FIGURES:
        if key == "min_ram":
            ours, lin = (ram.get(n, (None,))[0] for n in ("ours", "linux"))
            bx, spr = None, "-"
        else:
            vals = {n: [f.get(key) for f in results[n] if f] for n in ("ours", "linux", "bochs")}
            ours, lin, bx = (median(vals[n]) for n in ("ours", "linux", "bochs"))
            spr = f"{spread(vals['ours'])} / {spread(vals['linux'])}"
        ratio = ours / lin if ours and lin else None
        summary[key] = {"ours": ours, "linux": lin, "bochs": bx, "ratio": ratio, "spread": spr}
    return summary, notes.get("shell_loop_cmd", "?")


def search_min_ram(kernels, args, log_dir, results):
    """Both bisections side by side (one core each); returns {name: (MiB,
    [(mem, ok)...], problem)}."""
    ram = {}
    t0 = time.monotonic()
    boots = [b["boot_ms"] for n in ("ours", "linux") for b in results[n] if b]
    timeout = max(20.0, 5 * max(boots) / 1e9) if boots else 60.0
    threads = [threading.Thread(target=min_ram, args=(k, args.initramfs, args.mem, timeout,
                                                       log_dir, ram)) for k in kernels]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for name, (mib, tried, why) in ram.items():
        steps = ", ".join(f"{m}{'+' if ok else '-'}" for m, ok in tried)
        log(f"min RAM {name}: {mib} MiB (tried {steps})" + (f" ({why})" if why else ""))
    log(f"min RAM search took {time.monotonic() - t0:.0f} s")
    return ram


def bochs_runs(args, log_dir, results, problems):
    bochs = Kernel("bochs", args.kernel, emu="bochs")
    for r in range(args.bochs_runs):
        t0 = time.monotonic()
        figs, why = boot(bochs, args.initramfs, args.mode, args.mem, 900, f"bochs-{r + 1}", log_dir)
        log(f"bochs run {r + 1}: {'ok' if figs else 'FAILED'} in {time.monotonic() - t0:.1f} s"
            + (f" ({why})" if why else ""))
        if why:
            problems.append(f"bochs-{r + 1}: {why}")
        results["bochs"].append(figs)


def collect(args, t_start):
    """Run everything; returns the state that results.json keeps."""
    log_dir = os.path.join(BUILD, "bench", "logs")
    os.makedirs(log_dir, exist_ok=True)
    for f in (args.kernel, args.initramfs):
        if not os.path.isfile(f):
            raise SystemExit(f"bench: {f} is missing: run make first")
    if args.linux:
        linux_path, linux_desc = args.linux, os.path.basename(args.linux)
    else:
        linux_path, linux_desc = fetch_linux()
    log(f"Linux: {linux_desc}")
    ours, linux = Kernel("ours", args.kernel), Kernel("linux", linux_path)
    results = {"ours": [], "linux": [], "bochs": []}
    problems = []
    timed_rounds([ours, linux], args, log_dir, results, problems)
    ram = {} if args.no_min_ram else search_min_ram([ours, linux], args, log_dir, results)
    bochs_runs(args, log_dir, results, problems)
    runtime = time.monotonic() - t_start
    meta = {"date": datetime.date.today().isoformat(), "commit": git_commit(),
            "host": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "qemu": run(["qemu-system-x86_64", "--version"]).stdout.splitlines()[0],
            "runtime": f"{runtime / 60:.1f} min", "rounds": args.rounds,
            "bochs_runs": args.bochs_runs, "mode": args.mode}
    state = {"meta": meta, "linux": linux_desc, "runs": results, "min_ram": ram,
             "problems": problems}
    with open(os.path.join(BUILD, "bench", "results.json"), "w") as f:
        json.dump(state, f, indent=1)
    return state


def report(state, write_doc):
    """Print the table; update docs/ unless told not to."""
    meta = state["meta"]
    summary, shell_via = summarize(state["runs"], state["min_ram"], state["linux"])
    shell_via = {"sh": "BusyBox sh", "posix_spawn": "posix_spawn loop, no sh"}.get(shell_via,
                                                                                    shell_via)
    lines = table(summary, state["linux"], shell_via, meta["rounds"], meta["bochs_runs"])
    print()
    print("\n".join(lines))
    for p in state["problems"]:
        print(f"problem: {p}")
    if write_doc:
        err = chart(summary, CHART)
        if err:
            log(err)
        update_doc(lines, meta, not err)
        log(f"wrote {os.path.relpath(DOC, REPO)}" + ("" if err else
                                                     f" and {os.path.relpath(CHART, REPO)}"))


def main(argv):
    t_start = time.monotonic()
    args = parse_args(argv)
    if args.replot:
        with open(os.path.join(BUILD, "bench", "results.json")) as f:
            state = json.load(f)
    else:
        state = collect(args, t_start)
    report(state, not args.no_doc and (args.mode == "full" or args.replot))
    log(f"done in {time.monotonic() - t_start:.0f} s")
    return 1 if state["problems"] else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

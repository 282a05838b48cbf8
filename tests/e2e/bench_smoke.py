#!/usr/bin/env python3
"""bench_smoke.py: the benchmark programs (tests/bench/) in quick mode on this
kernel in QEMU, so that they cannot rot while `make bench` is not run: the
marker comes up, every in-guest figure of tools/bench.py is printed once with
a positive, finite value, no BENCH-ERROR, and the guest powers off."""
import math
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import e2e  # noqa: E402

import bench  # noqa: E402  (tools/bench.py; e2e puts tools/ on the path)

INITRAMFS = os.path.join(e2e.REPO, "build", "bench", "initramfs.cpio")
LABEL = "qemu/qemu64 bench quick"


def main(report):
    if not os.path.isfile(INITRAMFS):
        report.result(False, f"{LABEL}: {INITRAMFS} missing (make bench-progs)")
        return
    try:
        with e2e.boot(LABEL, 120, emu="qemu", cpu="qemu64", mem=bench.MEM,
                      append=bench.APPEND.format(mode="quick"), initramfs=INITRAMFS) as g:
            g.wait_exit()
    except e2e.BootError as e:
        report.result(False, f"{LABEL}: boot", diag=str(e))
        return
    text = g.text
    report.result(bench.MARKER.decode() in text, f"{LABEL}: marker line")
    values = {}
    for m in bench.LINE.finditer(text):
        values.setdefault(m.group(1), []).append(m.group(2))
    for key in bench.GUEST_KEYS:
        got = values.get(key, [])
        try:
            v = float(got[0]) if len(got) == 1 else None
        except ValueError:
            v = None
        ok = v is not None and math.isfinite(v) and v > 0
        report.result(ok, f"{LABEL}: {key}", diag=None if ok else f"printed: {got}")
    errors = re.findall(r"^BENCH-ERROR .*$", text, re.M)
    problems = e2e.run_problems(g) + errors + (["KERNEL PANIC"] if "KERNEL PANIC" in text else [])
    if "BENCH-END" not in text:
        problems.append("no BENCH-END line")
    report.result(not problems, f"{LABEL}: run" + (f" ({'; '.join(problems)})" if problems else ""),
                  diag=None if not problems else
                  f"serial log: {g.log_path}\nlast lines:\n{e2e.tail(text)}")
    report.comment(f"{LABEL}: {g.status} after {g.duration:.1f} s")


e2e.run(main)

#!/usr/bin/env python3
"""compat_slice.py: the slice of `make compat` (tools/compat.py) that `make
test` keeps: the self-tests and the fork/CoW group with 16 MiB of RAM on two
Bochs models from the GRUB ISO, ryzen (SMEP and SMAP, no PCID) and
corei7_skylake_x (SMEP, SMAP and PCID), and on QEMU max and qemu64 with
-kernel. The self-test boot also checks the kernel's `cpu:` features line
against the emulator's own CPUID and the memory the kernel found. A CoW
case that cannot run in 16 MiB (tools/compat.py MEMORY_BOUND) is a skip
that names what the guest printed."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import e2e  # noqa: E402
import compat  # noqa: E402  (tools/ is on the path through e2e)

SLICE = [
    ("bochs", "ryzen", "iso", 16),
    ("bochs", "corei7_skylake_x", "iso", 16),
    ("qemu", "max", "kernel", 16),
    ("qemu", "qemu64", "kernel", 16),
]


def report_run(report, cell, run):
    """One result line per boot, plus one skip per memory-bound case."""
    what = {"selftest": "self-tests, features, memory", "cow": "fork/CoW group"}[run.check]
    name = f"compat {cell.name}: {what} ({run.summary()})"
    diag = None
    if run.verdict == "fail":
        diag = f"serial log: {run.log}\nlast lines:\n{run.tail}"
    report.result(run.verdict != "fail", name, diag=diag)
    for case, note in run.limited:
        report.result(True, f"compat {cell.name}: {case}",
                      skip=f"cannot run in {compat.mem_label(cell.mem)}: {note}")
    if run.cpu_line:
        report.comment(f"{cell.name}: {run.cpu_line}")
    report.comment(f"{cell.name} {run.check}: {run.status} after {run.duration:.1f} s")


def task(cell, check, images):
    def run_one(report):
        report_run(report, cell, compat.run_task(cell, check, images))
    run_one.__name__ = f"compat {cell.name} {check}"
    return run_one


def main(report):
    images = compat.Images()
    runs = [(compat.Cell(*s), check) for s in SLICE for check in ("selftest", "cow")]
    runs.sort(key=lambda t: -compat.cost(*t))
    e2e.run_parallel(report, [task(c, k, images) for c, k in runs])


e2e.run(main)

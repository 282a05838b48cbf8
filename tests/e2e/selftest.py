#!/usr/bin/env python3
"""selftest.py: the kernel's KTAP self-tests (`selftest` on the command line)
in QEMU and in Bochs on two CPU models that differ in features (Haswell has
PCID, SMEP and 1 GiB pages; the Athlon 64 has none of them, nor SSE3)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import e2e  # noqa: E402

# (emulator, CPU model, timeout in seconds before E2E_TIMEOUT_SCALE)
RUNS = [
    ("qemu", "qemu64", 30),
    ("bochs", "corei7_haswell_4770", 90),
    ("bochs", "athlon64_clawhammer", 90),
]


def task(emu, cpu, timeout):
    def run_one(report):
        e2e.boot_ktap(report, f"{emu}/{cpu} selftest", timeout, emu=emu, cpu=cpu,
                      append="selftest")
    run_one.__name__ = f"{emu}/{cpu} selftest"
    return run_one


def main(report):
    e2e.run_parallel(report, [task(*r) for r in RUNS])


e2e.run(main)

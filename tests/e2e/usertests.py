#!/usr/bin/env python3
"""usertests.py: the static musl test programs of tests/user/, run by
/bin/utest-runner as pid 1 in QEMU and in Bochs: the base group (files,
pipes, memory, processes, time), the fork/copy-on-write group and the
POSIX threads group. Each case
runs in its own child and the runner compares MemFree before and after it,
so a leaked frame fails the case (UTEST_GUEST=1 turns the check on).
The crash reproducers (t_hostile_crash: each once panicked the kernel) run
in tests/e2e/hostile.py, one boot per case: should one panic again, only
that case fails."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import e2e  # noqa: E402

# (emulator, CPU model, group, MiB of RAM, time-limit scale, timeout in s)
RUNS = [
    ("qemu", "qemu64", "base", 128, 1, 240),
    ("qemu", "qemu64", "cow", 256, 1, 300),
    ("qemu", "qemu64", "thread", 128, 1, 240),
    ("bochs", "corei7_sandy_bridge_2600k", "base", 128, 10, 900),
    ("bochs", "corei7_sandy_bridge_2600k", "cow", 128, 10, 900),
    ("bochs", "corei7_sandy_bridge_2600k", "thread", 128, 10, 900),
]


def task(emu, cpu, group, mem, scale, timeout):
    label = f"{emu}/{cpu} utest {group}"

    def run_one(report):
        e2e.boot_ktap(report, label, timeout, emu=emu, cpu=cpu, mem=mem,
                      append=f"rdinit=/bin/utest-runner UTEST_GUEST=1 "
                             f"UTEST_TIMEOUT_SCALE={scale} {group}")
    run_one.__name__ = label
    return run_one


def main(report):
    e2e.run_parallel(report, [task(*r) for r in RUNS])


e2e.run(main)

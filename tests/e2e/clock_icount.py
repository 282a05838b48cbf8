#!/usr/bin/env python3
"""clock_icount.py: the monotonic clock under QEMU's -icount (guest time is
the instruction count, so it differs most from the host's), where it once
nearly stood still while a program computed (clock_lost_periods_icount),
and the clock's other cases with it."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import e2e  # noqa: E402

CASES = "t_misc:clock_lost_periods_icount t_misc:clock_froze_near_tick"


def main(report):
    e2e.boot_ktap(report, "qemu/icount clock", 120, emu="qemu", mem=128,
                  qemu_args=["-icount", "shift=0,sleep=off"],
                  append=f"rdinit=/bin/utest-runner UTEST_GUEST=1 {CASES}")


e2e.run(main)

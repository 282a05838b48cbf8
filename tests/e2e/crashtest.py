#!/usr/bin/env python3
"""crashtest.py: `crashtest` on the command line makes the kernel fault on
purpose; it must print a symbolised backtrace and power off before the
timeout, in each emulator (one test per emulator). `crashtest=stack`
overruns a stack buffer: the stack protector must catch it ("stack
protector: kernel stack smashed"), with the same report."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import e2e  # noqa: E402

# (emulator, CPU model, command line, what the report must say, timeout in s)
RUNS = [("qemu", None, "crashtest", "backtrace", 30),
        ("bochs", None, "crashtest", "backtrace", 60),
        ("qemu", None, "crashtest=stack", "stack protector: kernel stack smashed", 30),
        ("bochs", None, "crashtest=stack", "stack protector: kernel stack smashed", 60)]


def task(emu, cpu, append, must_say, timeout):
    label = f"{emu}/{cpu or e2e.guest.DEFAULT_CPU[emu]} {append}"

    def run_one(report):
        try:
            with e2e.boot(label, timeout, emu=emu, cpu=cpu, append=append) as g:
                g.wait_exit()
        except e2e.BootError as e:
            report.result(False, f"{label}: boot", diag=str(e))
            return
        problems = []
        for want in ("backtrace", must_say):
            if want not in g.text:
                problems.append(f"no {want!r}")
        if g.status != "poweroff":
            problems.extend(e2e.run_problems(g))
        diag = None
        if problems:
            diag = f"serial log: {g.log_path}\nlast lines:\n{e2e.tail(g.text)}"
        report.result(not problems, label + (f" ({'; '.join(problems)})" if problems else ""),
                      diag=diag)
        report.comment(f"{label}: {g.status} after {g.duration:.1f} s")
    run_one.__name__ = label
    return run_one


def main(report):
    e2e.run_parallel(report, [task(*r) for r in RUNS])


e2e.run(main)

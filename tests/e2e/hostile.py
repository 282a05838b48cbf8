#!/usr/bin/env python3
"""hostile.py: a hostile user space, in QEMU and in Bochs.

1. The runner's "hostile" group (tests/user: bad pointers to every
   pointer-taking call, every kind of user fault, forged CPU state through
   sigreturn, running out of processes, memory, descriptors and stack,
   broken executables, bugs the fuzzer found), each case in its own child
   with the runner's MemFree leak check, booted once per emulator (and once
   more in QEMU's "max" CPU, which has SMEP and SMAP).
2. The "crash" group (tests/user/t_hostile_crash.c): reproducers of kernel
   crashes, one boot per case, so that a kernel that still has one of the
   bugs panics in that boot only and fails that case only. Each result is
   "EMU/CPU crash CASE"; a panic is reported with the kernel's last lines.
3. Broken executables from the BusyBox shell: the corpus of t_hostile_elf
   written to /tmp/c, then some of it run through `sh -c`; the shell must
   print what the same BusyBox prints on Linux for the errno the kernel
   gives (ENOENT, EACCES, ELOOP) or the signal the program dies of.

The crash cases are listed by running the test program itself on this
machine (`t_hostile_crash --list`: a static binary, it runs here)."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import e2e  # noqa: E402

CRASH_PROG = os.path.join(e2e.REPO, "build", "user", "t_hostile_crash")

# (emulator, CPU model, MiB of RAM, time-limit scale, timeout in s)
GROUP_RUNS = [
    ("qemu", "qemu64", 128, 1, 300),
    ("qemu", "max", 128, 1, 300),
    ("bochs", "corei7_sandy_bridge_2600k", 128, 10, 1200),
]
CRASH_RUNS = [
    ("qemu", "qemu64", 128, 1, 60),
    ("bochs", "corei7_sandy_bridge_2600k", 128, 10, 300),
]


def runner_append(scale, selection):
    return f"rdinit=/bin/utest-runner UTEST_GUEST=1 UTEST_TIMEOUT_SCALE={scale} {selection}"


def group_task(emu, cpu, mem, scale, timeout):
    label = f"{emu}/{cpu} utest hostile"

    def run_one(report):
        e2e.boot_ktap(report, label, timeout, emu=emu, cpu=cpu, mem=mem,
                      append=runner_append(scale, "hostile"))
    run_one.__name__ = label
    return run_one


def crash_task(emu, cpu, mem, scale, timeout, case):
    label = f"{emu}/{cpu} crash {case}"

    def run_one(report):
        try:
            with e2e.boot(label, timeout, emu=emu, cpu=cpu, mem=mem,
                          append=runner_append(scale, f"t_hostile_crash:{case}")) as g:
                g.wait_exit()
        except e2e.BootError as e:
            report.result(False, f"{label} (boot)", diag=str(e))
            return
        k = e2e.Ktap(g.text)
        ok = [t[0] for t in k.tests if t[2] == f"t_hostile_crash:{case}"]
        problems = e2e.run_problems(g) + k.problems()
        if ok != [True]:
            problems.insert(0, "the case failed" if ok else "no result")
        diag = None
        if problems:
            diag = f"serial log: {g.log_path}\nlast lines:\n{e2e.tail(g.text)}"
        report.result(not problems, label + (f" ({'; '.join(problems)})" if problems else ""),
                      diag=diag)
    run_one.__name__ = label
    return run_one


# What BusyBox sh prints on Linux (6.x) for each file of the corpus, run as
# `sh -c '/tmp/c/NAME; echo rc=$?'` (checked with this BusyBox on the host).
SHELL_RUNS = [("qemu", "qemu64", 1, 300), ("bochs", "corei7_sandy_bridge_2600k", 4, 900)]
SHELL_EXECS = [
    ("good", "rc=42"),
    ("noexec", "sh: /tmp/c/noexec: Permission denied\nrc=126"),
    ("sh_dir", "sh: /tmp/c/sh_dir: Permission denied\nrc=126"),
    ("sh_missing", "sh: /tmp/c/sh_missing: not found\nrc=127"),
    ("sh_self", "sh: /tmp/c/sh_self: Symbolic link loop\nrc=127"),
    ("interp_missing", "sh: /tmp/c/interp_missing: not found\nrc=127"),
    ("no_load", "Segmentation fault\nrc=139"),
    ("trunc_120", "Segmentation fault\nrc=139"),
]


def shell_task(emu, cpu, scale, timeout):
    label = f"{emu}/{cpu} shell runs broken executables"

    def run_one(report):
        bad, text = [], ""
        try:
            with e2e.boot(label, timeout, emu=emu, cpu=cpu) as g:
                try:
                    sh = e2e.Shell(g, timeout=30 * scale)
                    sh.start(timeout=120 * scale)
                    rc, out = sh.run("t_hostile_elf --helper corpus /tmp/c && "
                                     "cp /tmp/c/good /tmp/c/noexec && chmod a-x /tmp/c/noexec")
                    if rc != 0:
                        bad.append(f"writing the corpus: rc {rc}: {out!r}")
                    for name, want in SHELL_EXECS if rc == 0 else []:
                        command = f"sh -c '/tmp/c/{name}; echo rc=$?'"
                        rc, out = sh.run(command)
                        if out.strip("\n") != want:
                            bad.append(f"$ {command}\nwant: {want!r}\ngot:  {out.strip()!r}")
                    g.sendline("poweroff")
                    g.wait_exit()
                except (e2e.ExpectTimeout, e2e.GuestExited) as e:
                    bad.append(str(e))
                text = g.text
        except e2e.BootError as e:
            bad.append(str(e))
        if "KERNEL PANIC" in text:
            bad.append("KERNEL PANIC")
        report.result(not bad, label, diag="\n".join(bad) or None)
    run_one.__name__ = label
    return run_one


def crash_cases():
    """The case names of t_hostile_crash, from the program itself."""
    out = subprocess.run([CRASH_PROG, "--list"], stdout=subprocess.PIPE, check=True,
                         timeout=30).stdout.decode()
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def main(report):
    tasks = [group_task(*r) for r in GROUP_RUNS] + [shell_task(*r) for r in SHELL_RUNS]
    cases = crash_cases()
    for r in CRASH_RUNS:
        tasks += [crash_task(*r, case) for case in cases]
    e2e.run_parallel(report, tasks)


e2e.run(main)

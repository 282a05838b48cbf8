#!/usr/bin/env python3
"""mkiso.py: a BIOS-bootable GRUB ISO holding the kernel and its initramfs.

GRUB 2.06 loads the Multiboot v1 ELF64 kernel with `multiboot` and the
initramfs as the first module. Its console is COM1 with the "dumb" terminfo,
so the only bytes GRUB itself puts on the serial line are the BOOT_MARKER
line (and error messages, if the kernel or the module cannot be loaded).
Everything after the marker line comes from the kernel; the boot tool holds
back input until then.

Usage: mkiso.py -o OUT --kernel ELF --initramfs CPIO [--append CMDLINE]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

BOOT_MARKER = "grub: starting the kernel"
BOOT_FAILED = "grub: boot failed"
GRUB_PLATFORM_DIR = "/usr/lib/grub/i386-pc"
GRUB_MODULES = "multiboot normal serial terminfo echo halt"


def grub_quote(word):
    """Quote one command-line word so GRUB passes it through unchanged."""
    return "'" + word.replace("'", "'\\''") + "'"


def grub_cfg(cmdline):
    """Return grub.cfg text: no menu, serial console, boot at once."""
    args = " ".join(grub_quote(w) for w in cmdline.split())
    return f"""set timeout=0
serial --unit=0 --speed=115200
terminfo serial dumb
terminal_input serial
terminal_output serial
echo "{BOOT_MARKER}"
multiboot /boot/kernel.elf {args}
module /boot/initramfs.cpio
boot
echo "{BOOT_FAILED}"
halt
"""


def make_iso(kernel, initramfs, cmdline, out, workdir=None):
    """Write the ISO to out. Raises RuntimeError with grub-mkrescue's output
    when it fails. A temporary staging folder is made in workdir."""
    stage = tempfile.mkdtemp(prefix="iso-", dir=workdir)
    try:
        os.makedirs(os.path.join(stage, "boot", "grub"))
        shutil.copyfile(kernel, os.path.join(stage, "boot", "kernel.elf"))
        shutil.copyfile(initramfs, os.path.join(stage, "boot", "initramfs.cpio"))
        with open(os.path.join(stage, "boot", "grub", "grub.cfg"), "w") as f:
            f.write(grub_cfg(cmdline))
        env = dict(os.environ, SOURCE_DATE_EPOCH="0")
        cmd = ["grub-mkrescue", "-d", GRUB_PLATFORM_DIR, "--fonts=", "--locales=",
               "--themes=", "--install-modules=" + GRUB_MODULES, "-o", out, stage]
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
        if r.returncode != 0:
            raise RuntimeError("grub-mkrescue failed:\n" + r.stdout.decode(errors="replace"))
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description="Build a GRUB ISO for the kernel.")
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--initramfs", required=True)
    ap.add_argument("--append", default="", help="kernel command line")
    args = ap.parse_args()
    try:
        make_iso(args.kernel, args.initramfs, args.append, args.output)
    except (OSError, RuntimeError) as e:
        sys.exit(f"mkiso: {e}")


if __name__ == "__main__":
    main()

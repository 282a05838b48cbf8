#!/usr/bin/env python3
"""boot.py: boot the kernel headless with its serial console on this terminal.

Guest output goes to stdout; stdin goes to the guest. On a terminal, stdin is
put in raw mode (restored on exit) and Ctrl-A x quits, Ctrl-A Ctrl-A sends a
Ctrl-A. From a pipe or /dev/null, end of input does not end the session:
output is relayed until the guest powers off or the time limit passes.

Exit status: 0 the guest powered off (or the user quit with Ctrl-A x),
1 the emulator failed or GRUB could not load the kernel, 3 the machine
crashed (triple fault, emulator panic), 124 timeout (the emulator was
killed), 128+N killed by signal N. No emulator process outlives the tool.
"""
import argparse
import os
import signal
import sys
import termios

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import guest as guestlib  # noqa: E402

ESCAPE = 0x01  # Ctrl-A
EXIT_CODES = {"poweroff": 0, "error": 1, "crashed": 3, "timeout": 124}


class Stop(Exception):
    def __init__(self, code):
        super().__init__(code)
        self.code = code


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="build.sh boot",
                                 description="Boot the kernel headless; serial console on stdio.")
    ap.add_argument("--emu", choices=("qemu", "bochs"), default="qemu")
    ap.add_argument("--cpu", help="CPU model (default qemu64 / corei7_sandy_bridge_2600k)")
    ap.add_argument("--mem", type=int, default=guestlib.DEFAULT_MEM, help="RAM in MiB (128)")
    ap.add_argument("--append", default="", help="kernel command line")
    ap.add_argument("--overlay", help="folder added over the initramfs for this boot")
    ap.add_argument("--timeout", type=float, default=60,
                    help="seconds before the emulator is killed (0: none; default 60)")
    ap.add_argument("--iso", action="store_true", help="QEMU: boot the GRUB ISO")
    ap.add_argument("--kernel", help="kernel ELF (build/kernel.elf)")
    ap.add_argument("--initramfs", help="initramfs cpio (build/initramfs.cpio)")
    ap.add_argument("--log", help="also write the serial output to this file")
    ap.add_argument("--gdb", type=int, metavar="PORT",
                    help="QEMU: gdb stub on 127.0.0.1:PORT, CPU halted until continued")
    return ap.parse_args(argv)


def write_out(data):
    """Write all of data to stdout; a closed stdout ends the session."""
    view = memoryview(data)
    while view:
        try:
            n = os.write(1, view)
        except BrokenPipeError:
            raise Stop(141)
        view = view[n:]


def raw_mode(fd):
    """Put terminal fd in raw mode but keep output processing (so a bare
    "\\n" still starts a new line). Returns the settings to restore."""
    old = termios.tcgetattr(fd)
    new = termios.tcgetattr(fd)
    new[0] &= ~(termios.BRKINT | termios.ICRNL | termios.INPCK | termios.ISTRIP |
                termios.IXON | termios.INLCR | termios.IGNCR)
    new[2] = (new[2] & ~(termios.CSIZE | termios.PARENB)) | termios.CS8
    new[3] &= ~(termios.ECHO | termios.ICANON | termios.IEXTEN | termios.ISIG)
    new[6][termios.VMIN] = 1
    new[6][termios.VTIME] = 0
    termios.tcsetattr(fd, termios.TCSANOW, new)
    return old


class Keys:
    """Ctrl-A escape handling for terminal input."""

    def __init__(self):
        self.after_escape = False

    def filter(self, data):
        """Return the bytes to send; raises Stop on Ctrl-A x."""
        out = bytearray()
        for b in data:
            if self.after_escape:
                self.after_escape = False
                if b in (ord("x"), ord("X"), 0x18):
                    raise Stop(0)
                if b in (ord("h"), ord("?")):
                    sys.stderr.write("\r\nboot: Ctrl-A x quit, Ctrl-A Ctrl-A send Ctrl-A\r\n")
                    continue
                out.append(ESCAPE)
                if b != ESCAPE:
                    out.append(b)
            elif b == ESCAPE:
                self.after_escape = True
            else:
                out.append(b)
        return bytes(out)


def relay(g, interactive):
    """Move bytes between stdio and the guest until the run ends."""
    stdin_open = True
    keys = Keys()
    while g.status is None:
        ready = g.pump(None, [0] if stdin_open else [])
        if 0 not in ready:
            continue
        try:
            data = os.read(0, 4096)
        except OSError:
            data = b""
        if not data:
            stdin_open = False  # EOF: keep relaying output
            continue
        g.send(keys.filter(data) if interactive else data)


def on_signal(signum, frame):
    raise Stop(128 + signum)


def main(argv):
    args = parse_args(argv)
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    interactive = os.isatty(0)
    saved = None
    g = guestlib.Guest(emu=args.emu, cpu=args.cpu, mem=args.mem, append=args.append,
                       overlay=args.overlay, iso=args.iso, kernel=args.kernel,
                       initramfs=args.initramfs, timeout=args.timeout, log=args.log,
                       on_output=write_out, gdb_port=args.gdb)
    code = 1
    try:
        g.start()
        if interactive:
            saved = raw_mode(0)
            sys.stderr.write("boot: Ctrl-A x quits\r\n")
        relay(g, interactive)
        code = EXIT_CODES.get(g.status, 1)
    except Stop as s:
        code = s.code
    except guestlib.GuestError as e:
        sys.stderr.write(f"boot: {e}\n")
        code = 1
    finally:
        g.close()
        if saved is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, saved)
    if g.status == "timeout":
        sys.stderr.write(f"\nboot: timeout: {g.exit_message}; emulator killed\n")
    elif g.status in ("error", "crashed"):
        sys.stderr.write(f"\nboot: {g.status}: {g.exit_message}\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""guest.py: boot the kernel headless in QEMU or Bochs and talk to its serial port.

Theory of operation. A Guest owns one emulator process (in a process group of
its own, so one killpg ends it and anything it started) and one TCP
connection to the guest's COM1 on 127.0.0.1. We listen on a port the kernel
picks (bind to port 0) before starting the emulator, and the emulator
connects to us while it sets up its devices, before the machine runs:

  QEMU   `-serial tcp:127.0.0.1:PORT` (client mode).
  Bochs  `com1: mode=socket-client, dev=127.0.0.1:PORT`. (socket-server mode
         makes us pick a "free" port and connect to it; another process can
         take the port in between, and then Bochs dies of SIGSEGV while we
         are connected to the wrong listener. Client mode has no such race.)

Bochs always boots a GRUB ISO built for the run; QEMU boots with
-kernel/-initrd unless iso=True.

Everything the guest prints is appended to `output` (bytes) and to `text`
(decoded, with every "\\r" dropped) and passed to `on_output`. Input given to
send() before the guest has printed anything of its own is held back and
sent when it has, because bytes that arrive before the kernel resets the UART
FIFO are lost (in the ISO path, GRUB's marker line does not count).

A run ends in one `status`:
  "poweroff"  the guest powered the machine off (or rebooted it: -no-reboot)
  "crashed"   the machine stopped on a triple fault or an emulator panic
  "error"     the emulator failed, or GRUB could not load the kernel
  "timeout"   the time limit passed; the emulator was killed
  "killed"    close() ended a running emulator
Judge a test by what the guest printed, not by the status alone.

After the run, `duration` is its length, `spawned_at` the monotonic time
the emulator was started (to time the boot without the ISO build), and
`emulator_output` / `emulator_log` keep the emulator's own messages (QEMU's
TCG warnings; Bochs's log with its CPUID table) after the temporary folder
is gone.

Contract: call close() (or use `with`) so the emulator and the temporary
folder go away; an atexit hook and PR_SET_PDEATHSIG are the safety nets.
PDEATHSIG fires when the *thread* that started the guest exits, so start and
use a Guest in one thread.
"""
import atexit
import codecs
import ctypes
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import mkcpio
import mkiso

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CPU = {"qemu": "qemu64", "bochs": "corei7_sandy_bridge_2600k"}
DEFAULT_MEM = 128
BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest"
BOCHS_VGABIOS = "/usr/share/vgabios/vgabios.bin"
BOCHS_IPS = 50000000
CONNECT_TIMEOUT = 30.0

_live = set()


class GuestError(Exception):
    """Base of every error raised by a Guest."""


class BootError(GuestError):
    """The emulator could not be started or connected to."""


class ExpectTimeout(GuestError):
    """expect() did not see its pattern in time."""


class GuestExited(GuestError):
    """The emulator stopped while expect() was still waiting."""


def free_port():
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    """In the child: get SIGKILL when the thread that started us exits."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@atexit.register
def _kill_all():
    for g in list(_live):
        g.close()


def abort_all():
    """Kill every running emulator of this process (for signal handlers:
    threads waiting on them then see the run end and return)."""
    for g in list(_live):
        p = g._proc
        if p and p.poll() is None:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


class Guest:
    """One headless boot of the kernel. See the module comment."""

    def __init__(self, emu="qemu", cpu=None, mem=DEFAULT_MEM, append="", overlay=None,
                 iso=False, kernel=None, initramfs=None, timeout=None, log=None,
                 on_output=None, newline="\r", gdb_port=None, name=None, monitor=False,
                 qemu_args=()):
        if emu not in DEFAULT_CPU:
            raise ValueError(f"unknown emulator {emu!r}: want qemu or bochs")
        if (gdb_port or monitor or qemu_args) and emu != "qemu":
            raise ValueError("the gdb stub, the monitor and QEMU options need QEMU")
        self.emu = emu
        self.cpu = cpu or DEFAULT_CPU[emu]
        self.qemu_args = list(qemu_args)  # more QEMU options (tests: -icount)
        self.mem = int(mem)
        self.append = append or ""
        # Absolute: the emulator runs in the temporary folder.
        self.overlay = overlay and os.path.abspath(overlay)
        self.iso = iso or emu == "bochs"
        self.kernel = os.path.abspath(kernel or os.path.join(REPO, "build", "kernel.elf"))
        self.initramfs = os.path.abspath(initramfs or os.path.join(REPO, "build", "initramfs.cpio"))
        self.timeout = timeout if timeout and timeout > 0 else None
        self.log_path = log
        self.on_output = on_output
        self.newline = newline
        self.gdb_port = gdb_port
        self.monitor_wanted = monitor
        self._mon = None
        self.name = name or f"{emu}/{self.cpu}"
        self.output = bytearray()
        self.text = ""
        self.before = ""
        self.status = None
        self.exit_message = ""
        self.duration = 0.0
        self.spawned_at = None       # monotonic time the emulator was started
        self.emulator_output = ""    # its own stdout/stderr (QEMU's TCG warnings)
        self.emulator_log = ""       # Bochs's log file (its CPUID dump, etc.)
        self._pos = 0
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._pending = b""
        self._ready = False
        self._proc = None
        self._sock = None
        self._tmp = None
        self._log = None
        self._emu_log = None
        self._t0 = None
        self._deadline = None

    # ---- life cycle -------------------------------------------------------

    def __enter__(self):
        if self._t0 is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.close()

    def start(self):
        """Prepare the images, start the emulator and connect to its serial
        port. Raises BootError (after cleaning up) when that fails."""
        if self._t0 is not None:
            raise GuestError("a Guest boots only once")
        self._t0 = time.monotonic()
        if self.timeout:
            self._deadline = self._t0 + self.timeout
        _live.add(self)
        try:
            self._tmp = tempfile.mkdtemp(prefix="boot-")
            if self.log_path:
                self._log = open(self.log_path, "wb")
            initramfs = self._initramfs()
            if self.emu == "qemu":
                self._start_qemu(initramfs)
            else:
                self._start_bochs(initramfs)
        except BaseException:
            self.close()
            raise
        return self

    def close(self):
        """Kill the emulator if it still runs and remove the temporary files.
        Safe to call more than once."""
        if self._proc and self._proc.poll() is None:
            self._kill()
            if self.status is None:
                self.status = "killed"
        if self._sock:
            self._sock.close()
            self._sock = None
        if self._mon:
            self._mon.close()
            self._mon = None
        if self._log:
            self._log.close()
            self._log = None
        if self._tmp:
            self._keep_emulator_logs()
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None
        if self._t0 is not None and not self.duration:
            self.duration = time.monotonic() - self._t0
        _live.discard(self)

    def _keep_emulator_logs(self):
        """Keep the emulator's own messages after the temporary folder goes:
        its stdout/stderr (first 64 KiB) and Bochs's log (first 256 KiB)."""
        for attr, path, limit in (("emulator_output", self._emu_log, 1 << 16),
                                  ("emulator_log", os.path.join(self._tmp, "bochs.log"), 1 << 18)):
            try:
                with open(path, "rb") as f:
                    setattr(self, attr, f.read(limit).decode(errors="replace"))
            except (OSError, TypeError):
                pass

    @property
    def running(self):
        return self.status is None and self._proc is not None

    # ---- images -----------------------------------------------------------

    def _initramfs(self):
        """Return the initramfs path for this run: the built one, or a copy
        with the overlay folder's archive appended."""
        for f in (self.kernel, self.initramfs):
            if not os.path.isfile(f):
                raise BootError(f"{f} is missing: run make first")
        if not self.overlay:
            return self.initramfs
        if not os.path.isdir(self.overlay):
            raise BootError(f"overlay {self.overlay} is not a folder")
        path = os.path.join(self._tmp, "initramfs.cpio")
        with open(path, "wb") as out, open(self.initramfs, "rb") as base:
            shutil.copyfileobj(base, out)
            out.write(mkcpio.build([self.overlay + ":/"]))
        return path

    def _iso(self, initramfs):
        path = os.path.join(self._tmp, "boot.iso")
        try:
            mkiso.make_iso(self.kernel, initramfs, self.append, path, workdir=self._tmp)
        except (OSError, RuntimeError) as e:
            raise BootError(str(e)) from e
        return path

    # ---- starting the emulators --------------------------------------------

    def _spawn(self, argv, env=None):
        self._emu_log = os.path.join(self._tmp, f"{self.emu}.out")
        self.spawned_at = time.monotonic()
        with open(self._emu_log, "wb") as out:
            self._proc = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=env, cwd=self._tmp, start_new_session=True, preexec_fn=_die_with_parent)

    def _start_qemu(self, initramfs):
        listener = socket.socket()
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            port = listener.getsockname()[1]
            mon = f"unix:{self.monitor_path()},server=on,wait=off" if self.monitor_wanted else "none"
            argv = ["qemu-system-x86_64", "-display", "none", "-no-reboot", "-monitor", mon,
                    "-nic", "none", "-parallel", "none", "-m", str(self.mem), "-cpu", self.cpu,
                    "-serial", f"tcp:127.0.0.1:{port},nodelay=on",
                    "-d", "cpu_reset", "-D", os.path.join(self._tmp, "qemu-debug.log")]
            if self.iso:
                argv += ["-cdrom", self._iso(initramfs), "-boot", "d"]
            else:
                argv += ["-kernel", self.kernel, "-initrd", initramfs]
                if self.append:
                    argv += ["-append", self.append]
            argv += self.qemu_args
            if self.gdb_port:
                argv += ["-gdb", f"tcp:127.0.0.1:{self.gdb_port}", "-S"]
            self._spawn(argv)
            self._sock = self._accept(listener)
        finally:
            listener.close()

    def _accept(self, listener):
        end = time.monotonic() + CONNECT_TIMEOUT
        listener.settimeout(0.1)
        while time.monotonic() < end:
            try:
                conn, _ = listener.accept()
                conn.setblocking(False)
                return conn
            except socket.timeout:
                if self._proc.poll() is not None:
                    break
        raise BootError(f"{self.emu} did not connect to our serial port\n{self._emu_summary()}")

    def _bochsrc(self, iso, port):
        return f"""megs: {self.mem}
cpu: model={self.cpu}, ips={BOCHS_IPS}, reset_on_triple_fault=0
clock: sync=realtime, time0=local
romimage: file={BOCHS_BIOS}, options=fastboot
vgaromimage: file={BOCHS_VGABIOS}
display_library: sdl2
pci: enabled=1, chipset=i440fx
ata0: enabled=1, ioaddr1=0x1f0, ioaddr2=0x3f0, irq=14
ata0-slave: type=cdrom, path={iso}, status=inserted
boot: cdrom
com1: enabled=1, mode=socket-client, dev=127.0.0.1:{port}
mouse: enabled=0
log: {os.path.join(self._tmp, "bochs.log")}
panic: action=fatal
error: action=report
info: action=report
debug: action=ignore
config_interface: textconfig
"""

    def _start_bochs(self, initramfs):
        iso = self._iso(initramfs)
        script = os.path.join(self._tmp, "debugger.rc")
        with open(script, "w") as f:
            f.write("c\n")
        env = dict(os.environ, SDL_VIDEODRIVER="dummy")
        rc = os.path.join(self._tmp, "bochsrc")
        listener = socket.socket()
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(1)
            with open(rc, "w") as f:
                f.write(self._bochsrc(iso, listener.getsockname()[1]))
            self._spawn(["bochs", "-q", "-f", rc, "-rc", script], env=env)
            self._sock = self._accept(listener)
        finally:
            listener.close()

    # ---- the QEMU monitor (monitor=True) ----------------------------------------

    def monitor_path(self):
        """The monitor's Unix socket (also a folder for files it writes)."""
        return os.path.join(self._tmp, "monitor.sock")

    def _monitor_until_prompt(self, timeout):
        data, end = b"", time.monotonic() + timeout
        while not data.endswith(b"(qemu) "):
            left = end - time.monotonic()
            if left <= 0 or not select.select([self._mon], [], [], left)[0]:
                raise GuestError(f"{self.name}: no monitor prompt; got {data[-200:]!r}")
            chunk = self._mon.recv(65536)
            if not chunk:
                raise GuestError(f"{self.name}: the monitor closed")
            data += chunk
        return data

    def monitor(self, command, timeout=10):
        """Run a QEMU human-monitor command ("sendkey ctrl-c", "pmemsave ...");
        returns its output without the echo, prompt and terminal escapes."""
        if not self.monitor_wanted or self.status is not None:
            raise GuestError(f"{self.name}: no monitor (monitor=True, and a running QEMU)")
        if self._mon is None:
            self._mon = socket.socket(socket.AF_UNIX)
            self._mon.connect(self.monitor_path())
            self._monitor_until_prompt(timeout)  # the banner
        self._mon.sendall(command.encode() + b"\n")
        out = self._monitor_until_prompt(timeout).decode(errors="replace")
        out = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", out).replace("\r", "")
        lines = out.split("\n")[1:-1]  # drop the echo and the prompt
        return "\n".join(lines)

    # ---- ending ------------------------------------------------------------

    def _kill(self):
        """End the emulator's whole process group: TERM, then KILL."""
        for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
            try:
                os.killpg(self._proc.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self._proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        # Anything left in the group (the leader is gone) gets KILL too.
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def _emu_summary(self):
        """Return why the emulator stopped, in a few lines of its output."""
        out = self._emu_output()
        m = re.search(r"Bochs is exiting with the following message:\s*\n(.*)", out)
        if m:
            return m.group(1).strip()
        return "\n".join(out.rstrip("\n").split("\n")[-15:])

    def _emu_output(self):
        """Return the emulator's own stdout and stderr (the tail of it)."""
        try:
            with open(self._emu_log, "rb") as f:
                data = f.read()
        except (OSError, TypeError):
            return ""
        return data[-4000:].decode(errors="replace")

    def _classify(self):
        """Set status and exit_message once the emulator has exited by itself."""
        rc = self._proc.returncode
        out = self._emu_output()
        if mkiso.BOOT_FAILED.encode() in self.output:
            self.status, self.exit_message = "error", "GRUB could not load the kernel"
        elif self.emu == "qemu":
            crashed = False
            try:
                with open(os.path.join(self._tmp, "qemu-debug.log"), "rb") as f:
                    crashed = b"Triple fault" in f.read()
            except OSError:
                pass
            if rc != 0:
                self.status, self.exit_message = "error", f"qemu exited with status {rc}\n{out}"
            elif crashed:
                self.status, self.exit_message = "crashed", "triple fault"
            else:
                self.status = "poweroff"
        else:
            m = re.search(r"Bochs is exiting with the following message:\s*\n(.*)", out)
            msg = m.group(1).strip() if m else ""
            self.exit_message = msg
            if "soft power off" in msg or "shutdown requested" in msg or (not msg and rc == 0):
                self.status = "poweroff"
            elif "exception" in msg or "Triple" in msg:
                self.status = "crashed"
            else:
                self.status = "error"
                self.exit_message = f"bochs exited with status {rc}: {msg}\n{out}"

    def _finish(self):
        """The serial connection closed or the emulator exited: collect the
        last bytes and the exit status."""
        try:
            self._proc.wait(10)
        except subprocess.TimeoutExpired:
            self._kill()
            self.status, self.exit_message = "error", "serial port closed but the emulator ran on"
        self._drain()
        if self.status is None:
            self._classify()
        self.close()

    def _drain(self):
        while self._sock:
            try:
                data = self._sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                break
            if not data:
                break
            self._got(data)

    # ---- I/O ----------------------------------------------------------------

    def _got(self, data):
        self.output += data
        self.text += self._decoder.decode(data).replace("\r", "")
        if self._log:
            self._log.write(data)
            self._log.flush()
        if self.on_output:
            self.on_output(data)
        if not self._ready and self._guest_has_spoken():
            self._ready = True
            self._flush()

    def _guest_has_spoken(self):
        """True once the kernel (not GRUB) has printed something."""
        if not self.iso:
            return len(self.output) > 0
        i = self.output.find(mkiso.BOOT_MARKER.encode())
        if i < 0:
            return False
        return len(self.output[i + len(mkiso.BOOT_MARKER):].lstrip(b"\r\n")) > 0

    def _flush(self):
        while self._pending and self._sock:
            try:
                n = self._sock.send(self._pending)
            except (BlockingIOError, InterruptedError):
                select.select([], [self._sock], [], 1)
                continue
            except OSError:
                self._pending = b""
                break
            self._pending = self._pending[n:]

    def send(self, data):
        """Send bytes (or str, as UTF-8) to the guest's serial port. Held back
        until the guest has printed something."""
        if isinstance(data, str):
            data = data.encode()
        if self.status is not None:
            return
        self._pending += data
        if self._ready:
            self._flush()

    def sendline(self, line=""):
        """Send line and the Enter key (newline, "\\r" by default)."""
        self.send(line + self.newline)

    def elapsed(self):
        return time.monotonic() - self._t0 if self._t0 else 0.0

    def pump(self, timeout=None, fds=()):
        """Wait up to timeout seconds (None: until the run's deadline) for
        guest output or for one of fds to be readable. Handles the output,
        the emulator's exit and the deadline. Returns the readable fds."""
        if self.status is not None:
            return []
        now = time.monotonic()
        if self._deadline is not None:
            if now >= self._deadline:
                self._kill()
                self.status = "timeout"
                self.exit_message = f"no power-off after {self.timeout:g} s"
                self._drain()
                self.close()
                return []
            left = self._deadline - now
            timeout = left if timeout is None else min(timeout, left)
        if timeout is None or timeout > 0.5:
            timeout = 0.5  # also notice an emulator that exits without closing
        r, _, _ = select.select([self._sock] + list(fds), [], [], max(timeout, 0))
        if self._sock in r:
            try:
                data = self._sock.recv(65536)
            except (BlockingIOError, InterruptedError):
                data = None
            except OSError:
                data = b""
            if data:
                self._got(data)
            elif data == b"":
                self._finish()
        elif self._proc.poll() is not None:
            self._finish()
        return [f for f in r if f is not self._sock]

    def _wait_until(self, cond, timeout):
        """Pump until cond() holds, the emulator stops or timeout passes.
        Returns cond()'s last value."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            v = cond()
            if v or self.status is not None:
                return v
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                return v
            self.pump(left)

    def expect_any(self, patterns, timeout=30):
        """Wait for the first of patterns (regex strings or compiled) to
        appear in text after the previous match. Returns (index, match);
        sets before to the text between. Raises ExpectTimeout after timeout
        seconds and GuestExited when the emulator stops first."""
        regs = [re.compile(p) if isinstance(p, str) else p for p in patterns]
        found = []

        def search():
            hits = [(m.start(), i, m) for i, r in enumerate(regs)
                    for m in [r.search(self.text, self._pos)] if m]
            if hits:
                found.append(min(hits, key=lambda h: (h[0], h[1])))
            return bool(hits)

        if not self._wait_until(search, timeout):
            tail = self.text[self._pos:][-800:]
            if self.status is not None:
                raise GuestExited(f"{self.name}: {self.status} while waiting for "
                                  f"{[r.pattern for r in regs]}; last output:\n{tail}")
            raise ExpectTimeout(f"{self.name}: no {[r.pattern for r in regs]} within "
                                f"{timeout} s; last output:\n{tail}")
        _, i, m = found[-1]
        self.before = self.text[self._pos:m.start()]
        self._pos = m.end()
        return i, m

    def expect(self, pattern, timeout=30):
        """expect_any with one pattern; returns the match."""
        return self.expect_any([pattern], timeout)[1]

    def wait_exit(self, timeout=None):
        """Relay output until the emulator stops or timeout seconds pass (the
        run's own deadline still applies). Returns status (None: running)."""
        self._wait_until(lambda: False, timeout)
        return self.status

    def read_new(self):
        """Return the text after the previous match and move past it."""
        s = self.text[self._pos:]
        self._pos = len(self.text)
        return s

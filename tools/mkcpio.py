#!/usr/bin/env python3
"""mkcpio.py: write a deterministic newc ("070701") cpio archive.

The archive is the same bytes for the same input on any machine: entries
sorted by path, every mtime 0, owner root (uid 0, gid 0), inode numbers
counted from 1, and modes normalised (directories 0755, files 0755 if any
execute bit is set and 0644 otherwise, symlinks 0777) so that the umask of
the checkout does not leak in. Names are stored without a leading "/" or
"./" ("etc/passwd"), parents are added when missing, and a later source for
the same path replaces an earlier one. A file named ".keep" is left out (it
only keeps an empty folder in git). The archive ends with the
"TRAILER!!!" entry padded to 4 bytes, so that archives can be concatenated.

Usage:
  mkcpio.py -o OUT [SRC[:DEST]]... [--node DEST:c|b:MAJOR:MINOR[:MODE]]...
            [--chmod DEST:MODE]...

SRC may be a directory (its contents go under DEST, default "/") or a file
(stored as DEST, default "/" + its base name).
"""
import argparse
import os
import stat
import sys

MAGIC = b"070701"


class Entry:
    def __init__(self, mode, data=b"", rdev=(0, 0)):
        self.mode = mode
        self.data = data
        self.rdev = rdev


def norm_path(p):
    """Return p as stored in the archive: no leading "/" or "./", no "." parts."""
    parts = [x for x in p.replace("\\", "/").split("/") if x not in ("", ".")]
    if ".." in parts:
        raise ValueError(f"'..' in archive path: {p}")
    return "/".join(parts)


def file_entry(path):
    """Return the Entry for one host file, directory or symlink, or None."""
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        return Entry(stat.S_IFLNK | 0o777, os.readlink(path).encode())
    if stat.S_ISDIR(st.st_mode):
        return Entry(stat.S_IFDIR | 0o755)
    if stat.S_ISREG(st.st_mode):
        perm = 0o755 if st.st_mode & 0o111 else 0o644
        with open(path, "rb") as f:
            return Entry(stat.S_IFREG | perm, f.read())
    print(f"mkcpio: skipping {path}: not a file, directory or symlink", file=sys.stderr)
    return None


def add_tree(entries, src, dest):
    """Add host path src (a tree or a single file) under archive path dest."""
    if not os.path.isdir(src) or os.path.islink(src):
        e = file_entry(src)
        if e:
            entries[norm_path(dest)] = e
        return
    if norm_path(dest):
        entries[norm_path(dest)] = Entry(stat.S_IFDIR | 0o755)
    for root, dirs, files in os.walk(src):
        dirs.sort()
        rel = os.path.relpath(root, src)
        for name in sorted(dirs + files):
            if name == ".keep":
                continue
            e = file_entry(os.path.join(root, name))
            if e:
                entries[norm_path(os.path.join(dest, rel, name))] = e


def add_node(entries, spec):
    """Add a device node from "DEST:c|b:MAJOR:MINOR[:MODE]"."""
    f = spec.split(":")
    if len(f) not in (4, 5) or f[1] not in ("c", "b"):
        raise ValueError(f"bad --node {spec!r}: want DEST:c|b:MAJOR:MINOR[:MODE]")
    kind = stat.S_IFCHR if f[1] == "c" else stat.S_IFBLK
    perm = int(f[4], 8) if len(f) == 5 else 0o600
    entries[norm_path(f[0])] = Entry(kind | perm, rdev=(int(f[2]), int(f[3])))


def set_mode(entries, spec):
    """Set the permission bits of an entry from "DEST:MODE" (octal)."""
    dest, sep, mode = spec.rpartition(":")
    e = entries.get(norm_path(dest))
    if not sep or e is None:
        raise ValueError(f"bad --chmod {spec!r}: want DEST:MODE for a path in the archive")
    e.mode = (e.mode & ~0o7777) | int(mode, 8)


def add_parents(entries):
    """Give every entry's parent directories an entry of their own."""
    for name in list(entries):
        parts = name.split("/")
        for i in range(1, len(parts)):
            entries.setdefault("/".join(parts[:i]), Entry(stat.S_IFDIR | 0o755))


def pad4(n):
    return (4 - n % 4) % 4


def header(ino, name, e):
    fields = (ino, e.mode, 0, 0, 1, 0, len(e.data), 0, 0, e.rdev[0], e.rdev[1], len(name) + 1, 0)
    return MAGIC + b"".join(b"%08X" % v for v in fields)


def archive(entries):
    """Return the archive bytes for entries, a dict of archive path -> Entry."""
    entries = dict(entries)
    entries.pop("", None)
    add_parents(entries)
    out = bytearray()
    items = sorted(entries.items()) + [("TRAILER!!!", Entry(0))]
    for ino, (name, e) in enumerate(items, 1):
        bname = name.encode()
        out += header(0 if name == "TRAILER!!!" else ino, bname, e)
        out += bname + b"\0" + b"\0" * pad4(110 + len(bname) + 1)
        out += e.data + b"\0" * pad4(len(e.data))
    return bytes(out)


def split_spec(spec):
    """Split "SRC[:DEST]" (DEST defaults to "/" for a directory, "/NAME" for a file)."""
    src, sep, dest = spec.partition(":")
    if not sep:
        dest = "/" if os.path.isdir(src) else "/" + os.path.basename(src)
    return src, dest


def build(sources=(), nodes=(), modes=()):
    """Return the archive for lists of "SRC[:DEST]", node and chmod specs."""
    entries = {}
    for spec in sources:
        src, dest = split_spec(spec)
        if not os.path.lexists(src):
            raise FileNotFoundError(f"mkcpio: {src}: no such file or directory")
        add_tree(entries, src, dest)
    for spec in nodes:
        add_node(entries, spec)
    for spec in modes:
        set_mode(entries, spec)
    return archive(entries)


def main():
    ap = argparse.ArgumentParser(description="Write a deterministic newc cpio archive.")
    ap.add_argument("-o", "--output", required=True, help="archive to write ('-' for stdout)")
    ap.add_argument("--node", action="append", default=[], help="DEST:c|b:MAJOR:MINOR[:MODE]")
    ap.add_argument("--chmod", action="append", default=[], help="DEST:MODE (octal)")
    ap.add_argument("sources", nargs="*", help="SRC[:DEST]")
    args = ap.parse_args()
    try:
        data = build(args.sources, args.node, args.chmod)
    except (OSError, ValueError) as e:
        sys.exit(str(e))
    if args.output == "-":
        sys.stdout.buffer.write(data)
        return
    tmp = args.output + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, args.output)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""shell.py: the BusyBox shell on the serial console, driven like a person.

Boots the default image (BusyBox init, "ttyS0::respawn:-/bin/sh") in QEMU
and in Bochs, waits for the login shell's prompt and types commands: the
shell language, file work in /tmp, text tools, processes, job control (^C,
^Z, jobs, fg, bg), vi and less, a nested shell, a program that segfaults.
One result per check; each check asserts the exact output that the same
BusyBox prints on Linux (run `tests/e2e/shell.py --host` to see them pass
on this machine's Linux, in a pseudo-terminal).

Results also go to build/test-results/shell-EMU.json, from which
tools/applets_md.py renders docs/APPLETS.md (make test does both).

    tests/e2e/shell.py                 QEMU and Bochs (what make test runs)
    tests/e2e/shell.py --host          every check that can run on Linux
    tests/e2e/shell.py --emu qemu      one emulator
    SHELL_CHECKS=REGEX                 only the checks whose name matches
"""
import argparse
import os
import re
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
import e2e  # noqa: E402
import shell_session as ss  # noqa: E402
from shell_session import CheckFailed  # noqa: E402

REPO = e2e.REPO
BUSYBOX = os.path.join(REPO, "build", "busybox", "obj", "busybox")
RESULTS = os.environ.get("TEST_RESULTS_DIR", os.path.join(REPO, "build", "test-results"))

# (emulator, CPU model, time scale, time limit for the whole boot in s)
EMULATORS = {
    "qemu": ("qemu", "qemu64", 1, 900),
    "bochs": ("bochs", "corei7_sandy_bridge_2600k", 4, 1800),
}

CHECKS = []


def check(name, applets, guest_only=False, fresh=False):
    """Register fn(session) as a check."""
    def register(fn):
        CHECKS.append(ss.Check(name, applets, fn, guest_only, fresh))
        return fn
    return register


def cmd(name, applets, command, want, rc=0, guest_only=False, timeout=20):
    """Register a check that runs one command and compares its output."""
    def fn(s):
        s.check(command, want, rc, timeout)
    CHECKS.append(ss.Check(name, applets, fn, guest_only))


def rx(pattern):
    return re.compile(pattern)


def plain(screen):
    """Return terminal output without its escape sequences."""
    return re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|[()][A-Z0-9])", "", screen)


def expect_in(text, pattern, what):
    """Fail unless regex pattern occurs in text."""
    if not re.search(pattern, text):
        raise CheckFailed(f"{what}: expected to see {pattern!r}\nactual: {text!r}")


# ---- init, the login shell and the root filesystem ---------------------------

@check("init: login shell on ttyS0 with the profile's prompt", ["init", "sh"],
       guest_only=True, fresh=True)
def login_shell(s):
    if s.first_prompt != "~ # ":
        raise CheckFailed(f"first prompt {s.first_prompt!r}, expected '~ # ' "
                          f"(PS1='\\w \\$ ' in /root)\nboot output:\n{e2e.tail(s.boot_text)}")
    for bad in ("can't", "not found", "No such file"):
        if bad in s.boot_text.split("init: cannot run /init")[-1]:
            raise CheckFailed(f"{bad!r} in the boot output:\n{e2e.tail(s.boot_text)}")
    s.set_prompt()  # shell built-ins only: the next check's set-up runs programs
    s.check("echo $HOME $PATH; pwd; echo $0",
            "/root /sbin:/usr/sbin:/bin:/usr/bin\n/root\n-/bin/sh\n")


cmd("init: process 1 is BusyBox init", ["init", "ps"],
    "ps | awk '$1 == 1 { print $NF }'", rx(r"(/sbin/)?init\n"), guest_only=True)
cmd("tty: the shell's terminal is /dev/ttyS0", ["tty"], "tty", "/dev/ttyS0\n", guest_only=True)
cmd("profile: TERM for the serial console", ["sh"], "echo $TERM", "vt102\n", guest_only=True)
cmd("rootfs: a link for every applet", ["busybox"],
    "busybox --list-full | while read p; do [ -x /$p ] || echo missing /$p; done; "
    "busybox --list | wc -l; for f in /bin/ls /usr/bin/awk /sbin/init; do readlink $f; done",
    "398\n/bin/busybox\n/bin/busybox\n/bin/busybox\n", guest_only=True)
cmd("rootfs: /etc files, hostname, id", ["hostname", "id", "whoami"],
    "hostname; cat /etc/hostname; id; whoami; id user",
    "cowkernel\ncowkernel\nuid=0(root) gid=0(root)\nroot\n"
    "uid=1000(user) gid=1000(user) groups=1000(user),100(users)\n", guest_only=True)
cmd("mount: /proc/mounts after init's mount -a", ["mount"],
    "mount | grep -c '^tmpfs on /dev/shm type tmpfs'; grep -c '^proc /proc proc' /proc/mounts",
    "1\n1\n", guest_only=True)
cmd("uname: Linux ABI", ["uname"], "uname -s -m; uname -r | grep -c '^6\\.'",
    "Linux x86_64\n1\n", guest_only=True)
cmd("dmesg: the kernel's log", ["dmesg"],
    "dmesg | grep -c 'ramfs on /'", "1\n", guest_only=True)
cmd("su: run a command as the normal user", ["su"],
    "su user -c id", rx(r"uid=1000\(user\) gid=1000\(user\) groups="
                        r"(1000\(user\),100\(users\)|100\(users\),1000\(user\))\n"),
    guest_only=True)

# ---- the shell language ---------------------------------------------------------

cmd("sh: pipeline", ["sh", "sort", "uniq", "head", "tr"],
    "printf 'b\\na\\nb\\nc\\nb\\n' | sort | uniq -c | sort -rn | head -n 1 | tr -s ' '",
    " 3 b\n")
cmd("sh: redirections", ["sh", "cat"],
    "echo one > f; echo two >> f; cat < f; ls nosuch 2> err; wc -l < err; "
    "cat f nosuch 2>&1 >/dev/null | grep -c nosuch; exec 3> g; echo three >&3; "
    "exec 3>&-; cat g; cat f - < g > h; cat h",
    "one\ntwo\n1\n1\nthree\none\ntwo\nthree\n")
cmd("sh: command substitution", ["sh", "expr"],
    "a=$(echo hi | tr a-z A-Z); b=`expr 6 \\* 7`; echo \"$a $b $(echo $(echo nested))\"; "
    "echo ${#a}", "HI 42 nested\n2\n")
cmd("sh: parameters and arithmetic", ["sh"],
    "x=abc.tar.gz; echo ${x%%.*} ${x#*.} ${x:-d} ${u:-def} $((3 * (4 + 5) % 7)) $((0x10)); "
    "set -- a 'b c' d; echo $# \"$2\" ${3}", "abc tar.gz abc.tar.gz def 6 16\n3 b c d\n")
cmd("sh: loops", ["sh", "test", "["],
    "for i in 1 2 3; do printf '%s,' $i; done; echo; i=0; while [ $i -lt 5 ]; do "
    "i=$((i+1)); done; echo $i; until [ $i -eq 0 ]; do i=$((i-1)); done; echo $i; "
    "for f in a b c; do [ $f = b ] && continue; echo $f; done",
    "1,2,3,\n5\n0\na\nc\n")
cmd("sh: case, if and functions", ["sh"],
    "f() { case $1 in a*) echo A;; [0-9]) echo digit;; *) echo other;; esac; return 3; }; "
    "f abc; f 7; f zz; echo $?; if f x >/dev/null; then echo yes; else echo no; fi",
    "A\ndigit\nother\n3\nno\n")
cmd("sh: here-documents", ["sh"],
    "n=5\n"
    "cat <<EOF | sed 's/^/| /'\n"
    "n is $n, twice $((n * 2))\n"
    "$(echo substituted)\n"
    "EOF\n"
    "cat <<'EOF'\n"
    "$n stays $n\n"
    "EOF\n"
    "tr a-z A-Z <<EOF\n"
    "last\n"
    "EOF",
    "| n is 5, twice 10\n| substituted\n$n stays $n\nLAST\n")
cmd("sh: sh -c and a script on stdin", ["sh"],
    "sh -c 'echo \"$0|$1|$#\"; exit 3' zero one two; echo rc=$?; "
    "echo 'echo from stdin; exit 4' | sh; echo rc=$?",
    "zero|one|2\nrc=3\nfrom stdin\nrc=4\n")
cmd("sh: shebang scripts", ["sh", "awk"],
    "cat > script <<'EOF'\n"
    "#!/bin/sh\n"
    "echo \"I am $0 with $# args: $*\"\n"
    "for a; do echo \"arg: $a\"; done\n"
    "exit 7\n"
    "EOF\n"
    "cat > count <<'EOF'\n"
    "#!/usr/bin/awk -f\n"
    "{ n += NF } END { print n \" words\" }\n"
    "EOF\n"
    "chmod +x script count\n"
    "./script one 'two words'; echo rc=$?\n"
    "echo 'a b c' | ./count",
    "I am ./script with 2 args: one two words\narg: one\narg: two words\nrc=7\n3 words\n")
cmd("sh: subshells, groups and status", ["sh", "pwd"],
    "(exit 4); echo $?; (cd /; pwd); pwd | grep -c e2e; ! true; echo $?; "
    "false || echo or; true && echo and; { echo grouped; echo twice; } | cat",
    "4\n/\n1\n1\nor\nand\ngrouped\ntwice\n")
cmd("sh: traps", ["sh", "kill"],
    "trap 'echo got USR1' USR1; kill -USR1 $$; trap - USR1; "
    "sh -c 'trap \"echo child exits\" EXIT; true'; "
    "sh -c 'trap \"echo TERM caught; exit 9\" TERM; kill -TERM $$; sleep 5'; echo rc=$?",
    "got USR1\nchild exits\nTERM caught\nrc=9\n")

# ---- files in /tmp -----------------------------------------------------------------

cmd("files: mkdir, cp, mv, rm, ln, chmod", ["mkdir", "cp", "mv", "rm", "rmdir", "ln", "chmod",
                                            "find", "stat"],
    "umask 022 && mkdir -p a/b/c && echo data > a/b/c/f && cp -r a a2 && mv a2/b/c/f a2/g && "
    "ln -s g a2/s && ln a2/g a2/h && chmod 640 a2/g && rm -r a/b && rmdir a2/b/c && "
    "find . | sort && cat a2/s && stat -c '%n %a %h %F' a2/g a2/s a2/b",
    ".\n./a\n./a2\n./a2/b\n./a2/g\n./a2/h\n./a2/s\ndata\n"
    "a2/g 640 2 regular file\na2/s 777 1 symbolic link\na2/b 755 2 directory\n")
cmd("files: find", ["find", "xargs", "touch"],
    "mkdir -p d/sub && echo 1 > d/x.txt && echo 22 > d/sub/y.txt && "
    "head -c 2000 /dev/zero > d/big && find . -name '*.txt' | sort && "
    "find . -type d | sort && find . -type f -size +1k && find . -name 'x*' -exec cat {} \\; && "
    "find d -type f | sort | xargs cat | wc -c && touch -d '2001-02-03' d/x.txt && "
    "find d -newer d/x.txt | sort",
    "./d/sub/y.txt\n./d/x.txt\n.\n./d\n./d/sub\n./d/big\n1\n2005\nd\nd/big\nd/sub\n"
    "d/sub/y.txt\n")
cmd("files: tar", ["tar"],
    "mkdir -p t/in && echo hello > t/in/a && echo world > t/b && tar cf t.tar t && "
    "tar tf t.tar | sort && mkdir x && tar xf t.tar -C x && cat x/t/in/a x/t/b && "
    "tar czf t.tgz -C t . && tar tzf t.tgz | sort && tar xzOf t.tgz ./b",
    "t/\nt/b\nt/in/\nt/in/a\nhello\nworld\n./\n./b\n./in/\n./in/a\nworld\n")
cmd("files: gzip, gunzip, zcat", ["gzip", "gunzip", "zcat", "md5sum", "ls"],
    "seq 1000 > n && md5sum n > n.md5 && gzip -9 n && ls | cat && gzip -t n.gz && "
    "zcat n.gz | tail -n 1 && gunzip n.gz && md5sum -c n.md5 && gzip -c n | gzip -dc | wc -l",
    "n.gz\nn.md5\n1000\nn: OK\n1000\n")
cmd("files: bzip2, xz, cpio", ["bzip2", "bunzip2", "bzcat", "xzcat", "cpio"],
    "seq 500 > s && bzip2 -k s && bunzip2 -c s.bz2 | tail -n 1 && bzcat s.bz2 | wc -l && "
    "printf '\\3757zXZ' | xzcat 2>/dev/null; echo xz=$? && "
    "echo s | cpio -o -H newc > a.cpio 2>/dev/null && mkdir c && cd c && "
    "cpio -i < ../a.cpio 2>/dev/null && wc -l < s",
    "500\n500\nxz=1\n500\n")
cmd("files: fifo, touch, stat, chown", ["mkfifo", "touch", "stat", "chown", "ls"],
    "mkfifo ff && (echo via fifo > ff &) && cat ff && "
    "TZ=UTC touch -d '2000-01-02 03:04:05' old && TZ=UTC stat -c '%y %s' old && "
    "chown 1000:100 old && stat -c '%u %g' old && ls -ln old | awk '{print $3, $4}' && "
    "stat -c %F ff",
    "via fifo\n2000-01-02 03:04:05.000000000 +0000 0\n1000 100\n1000 100\nfifo\n")
cmd("files: dd, truncate, split, cmp, diff", ["dd", "truncate", "split", "cmp", "diff"],
    "dd if=/dev/zero of=z bs=512 count=4 2>/dev/null; wc -c < z; truncate -s 100 z; "
    "wc -c < z; dd if=/dev/urandom bs=16 count=1 2>/dev/null | wc -c; split -b 40 z part; "
    "ls part* | cat; printf 'a\\nb\\n' > d1; printf 'a\\nc\\n' > d2; diff d1 d2 | tail -n +3; "
    "cmp d1 d2; cmp -s d1 d1 && echo same",
    "2048\n100\n16\npartaa\npartab\npartac\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n"
    "d1 d2 differ: char 3, line 2\nsame\n")
cmd("mount: tmpfs on a folder, umount", ["mount", "umount", "mountpoint"],
    "mkdir m && mount -t tmpfs none m && echo x > m/f && "
    "grep -c \" $PWD/m tmpfs \" /proc/mounts && mountpoint m && umount m && "
    "ls m | wc -l; mountpoint -q m; echo $?",
    "1\nm is a mountpoint\n0\n1\n")

cmd("files: install, mktemp, link, unlink, mknod, du, shred", ["install", "mktemp", "link",
                                                               "unlink", "mknod", "du", "shred"],
    "echo src > s && install -m 700 -D s dst/sub/f && stat -c %a dst/sub/f && "
    "f=$(mktemp -p .) && [ -f \"$f\" ] && echo made && echo x > l1 && link l1 l2 && unlink l1 && "
    "cat l2 && stat -c %h l2 && mknod nul c 1 3 && stat -c '%F %t %T' nul && "
    "head -c 10000 /dev/zero > z && du -k z && shred -u z && ls z 2>&1 | grep -c 'No such'",
    "700\nmade\nx\n1\ncharacter special file 1 3\n12\tz\n1\n")
cmd("files: fsync, sync, flock", ["fsync", "sync", "flock"],
    "echo data > fa && fsync fa && sync && echo synced && flock fa -c 'echo locked' && "
    "flock -n fa -c 'flock -n fa -c true || echo busy'",
    "synced\nlocked\nbusy\n")
cmd("files: fallocate", ["fallocate"], "fallocate -l 8192 fa && wc -c < fa", "8192\n")
cmd("files: chroot, stat -f", ["chroot", "stat"],
    "mkdir -p jail/bin && cp $(which busybox) jail/bin/ && "
    "chroot jail /bin/busybox sh -c 'echo inside; /bin/busybox ls / | /bin/busybox cat'; "
    "stat -f -c %T /proc",
    "inside\nbin\nproc\n")
cmd("files: mkfs.minix, fsck.minix on an image file", ["mkfs.minix", "fsck.minix"],
    "dd if=/dev/zero of=img bs=1k count=1024 2>/dev/null && mkfs.minix img && "
    "fsck.minix img >/dev/null && echo clean",
    "352 inodes\n1024 blocks\nFirstdatazone=15 (15)\nZonesize=1024\nMaxsize=268966912\n"
    "clean\n")
# "hello" compressed by xz and lzma on Linux, as printf escapes (BusyBox
# only decompresses these formats).
HELLO_XZ = ("\\375\\067\\172\\130\\132\\000\\000\\004\\346\\326\\264\\106\\002\\000\\041"
            "\\001\\026\\000\\000\\000\\164\\057\\345\\243\\001\\000\\004\\150\\145\\154"
            "\\154\\157\\000\\000\\000\\000\\261\\067\\271\\333\\345\\332\\036\\233\\000"
            "\\001\\035\\005\\270\\055\\200\\257\\037\\266\\363\\175\\001\\000\\000\\000"
            "\\000\\004\\131\\132")
HELLO_LZMA = ("\\135\\000\\000\\200\\000\\377\\377\\377\\377\\377\\377\\377\\377\\000"
              "\\064\\031\\111\\356\\216\\150\\041\\377\\377\\377\\271\\340\\000\\000")
cmd("files: xz, lzma and lzop streams", ["xzcat", "unxz", "unlzma", "lzop"],
    f"printf '{HELLO_XZ}' > h.xz && xzcat h.xz && echo && unxz h.xz && cat h && echo && "
    f"printf '{HELLO_LZMA}' > h.lzma && unlzma -c h.lzma && echo && "
    "seq 300 > q && lzop q && rm q && lzop -d q.lzo && tail -n 1 q",
    "hello\nhello\nhello\n300\n")

# ---- text tools ---------------------------------------------------------------------

FRUITS = "printf 'apple\\nBanana\\ncherry\\napricot\\n' > fr; "
cmd("text: grep", ["grep", "egrep", "fgrep"],
    FRUITS + "grep -c ap fr; grep -i banana fr; grep -v a fr; grep -E '^(a|c)' fr; "
    "grep -n rr fr; grep -o 'p*r' fr; grep -l ap fr; grep -q zzz fr; echo $?; "
    "egrep -c 'a|e' fr; fgrep -x cherry fr; grep -r apple . ",
    "2\nBanana\ncherry\napple\ncherry\napricot\n3:cherry\nr\nr\npr\nfr\n1\n4\ncherry\n"
    "./fr:apple\n")
cmd("text: sed", ["sed"],
    FRUITS + "sed -n '2,3p' fr; sed 's/a/A/g' fr | head -n 2; sed -e '/^B/d' -e 's/^/- /' fr; "
    "sed -i 's/cherry/CHERRY/' fr && grep CH fr; echo abc | sed 's/\\(a\\)\\(b\\)/\\2\\1/'; "
    "printf '1\\n2\\n3\\n' | sed '$!d'; printf 'x\\ny\\n' | sed '1i\\\nfirst'",
    "Banana\ncherry\nApple\nBAnAnA\n- apple\n- cherry\n- apricot\nCHERRY\nbac\n3\nfirst\nx\ny\n")
cmd("text: awk", ["awk", "printf"],
    "printf 'root:0\\nuser:1000\\nguest:1001\\n' > pw; awk -F: '$2 >= 1000 { print $1 }' pw; "
    "awk 'BEGIN { for (i = 1; i <= 10; i++) s += i; "
    "printf \"%d %.2f %s\\n\", s, s / 4, substr(\"hello\", 2, 3) }'; "
    "echo 'a b c' | awk '{ print NF, $2, toupper($3), length($0) }'; "
    "printf '3\\n1\\n2\\n' | awk '{ a[NR] = $1 } END { for (i = NR; i > 0; i--) "
    "printf \"%s \", a[i]; print \"\" }'; echo 'x=1,y=2' | awk -F, '{ split($2, p, \"=\"); "
    "print p[2] + 40 }'",
    "user\nguest\n55 13.75 ell\n3 b C 5\n2 1 3 \n42\n")
cmd("text: sort and uniq", ["sort", "uniq"],
    "printf '3 c\\n1 a\\n2 b\\n1 a\\n10 j\\n' > s; sort s | uniq; sort -n s | uniq -c | tr -s ' '; "
    "sort -k2 -r s | head -n 2; sort -u -t' ' -k1,1n s | wc -l; printf 'x\\nx\\ny\\n' | uniq -d",
    "1 a\n10 j\n2 b\n3 c\n 2 1 a\n 1 2 b\n 1 3 c\n 1 10 j\n10 j\n3 c\n4\nx\n")
cmd("text: wc, head, tail", ["wc", "head", "tail", "seq"],
    "seq 100 > n; wc -l < n; wc n; head -n 3 n; tail -n 2 n; tail -c 4 n; "
    "head -c 5 n | wc -c; tail -n +99 n",
    "100\n      100       100       292 n\n1\n2\n3\n99\n100\n100\n5\n99\n100\n")
cmd("text: xargs", ["xargs", "echo"],
    "seq 5 | xargs echo; seq 6 | xargs -n 2 echo; printf 'a b\\nc\\n' | xargs -I{} echo '<{}>'; "
    "printf 'p q\\0r\\0' | xargs -0 -n 1 echo; echo one two | xargs -t echo 2>&1",
    "1 2 3 4 5\n1 2\n3 4\n5 6\n<a b>\n<c>\np q\nr\necho one two\none two\n")
cmd("text: cut, tr, rev, nl, paste, tee, comm", ["cut", "tr", "rev", "nl", "paste", "tee", "comm"],
    "echo 'a:b:c' | cut -d: -f2,3; echo hello | cut -c2-4; echo hello | tr el ip; "
    "echo 'a  b' | tr -s ' '; echo abc | rev; printf 'x\\ny\\n' | nl; "
    "printf '1\\n2\\n' | paste -s -d,; echo hi | tee t1 > /dev/null; cat t1; "
    "printf 'a\\nb\\n' > p1; printf 'b\\nc\\n' > p2; comm -12 p1 p2",
    "b:c\nell\nhippo\na b\ncba\n     1\tx\n     2\ty\n1,2\nhi\nb\n")
cmd("text: tac, fold, expand, strings, od, hexdump", ["tac", "fold", "expand", "strings", "od",
                                                     "hexdump", "xxd"],
    "printf 'c\\nb\\na\\n' | tac; printf 'abcdef' | fold -w 2; echo; "
    "printf 'a\\tb\\n' | expand -t 4; "
    "printf 'x\\0hello world\\0' | strings; printf 'AB\\n' | od -c; printf 'AB' | hexdump -C; "
    "printf 'AB' | xxd",
    "a\nb\nc\nab\ncd\nef\na   b\nhello world\n0000000   A   B  \\n\n0000003\n"
    "00000000  41 42                                             |AB|\n00000002\n"
    "00000000: 4142                                     AB\n")
cmd("numbers: seq, expr, factor, dc, test", ["seq", "expr", "factor", "dc", "test", "["],
    "seq -s, 1 3 10; expr 7 \\* 6; expr length hello; factor 84; echo '2 3 + 4 * p' | dc; "
    "test 3 -gt 2 && [ -d / ] && [ ! -e /nonexistent ] && echo tests pass",
    "1,4,7,10\n42\n5\n84: 2 2 3 7\n20\ntests pass\n")
cmd("checksums and base64", ["md5sum", "sha1sum", "sha256sum", "cksum", "base64"],
    "printf abc | md5sum; printf abc | sha1sum; printf abc | sha256sum; printf abc | cksum; "
    "printf abc | base64; echo YWJj | base64 -d; echo",
    "900150983cd24fb0d6963f7d28e17f72  -\na9993e364706816aba3e25717850c26c9cd0d89d  -\n"
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  -\n"
    "1219131554 3\nYWJj\nabc\n")
cmd("names: basename, dirname, realpath, readlink", ["basename", "dirname", "realpath", "readlink"],
    "basename /a/b/c.txt .txt; dirname /a/b/c.txt; mkdir -p r/s && ln -s r/s sl && "
    "readlink sl && readlink -f sl | sed \"s|^$PWD/||\" && "
    "realpath r/s/../s | sed \"s|^$PWD/||\"",
    "c\n/a/b\nr/s\nr/s\nr/s\n")
cmd("env, date, sleep, timeout", ["env", "printenv", "date", "sleep", "timeout"],
    "env -i A=1 B=2 env | sort; A=x printenv A; TZ=UTC date -d @0 '+%Y-%m-%d %H:%M:%S'; "
    "[ $(date +%s) -gt 1600000000 ] && echo clock set; sleep 0.2 && echo slept; "
    "timeout 1 sleep 5; echo $?",
    "A=1\nB=2\nx\n1970-01-01 00:00:00\nclock set\nslept\nTerminated\n143\n", timeout=30)

cmd("text: uuencode, dos2unix, unexpand, shuf, sums, hd", ["uuencode", "uudecode", "dos2unix",
                                                            "unix2dos", "unexpand", "shuf", "sum",
                                                            "sha512sum", "sha3sum", "hd"],
    "echo hello | uuencode x | uudecode -o -; printf 'a\\r\\n' | dos2unix | od -An -c; "
    "printf 'a\\n' | unix2dos | od -An -c; printf '        x\\n' | unexpand | od -An -c; "
    "seq 5 | shuf | sort -n | tr '\\n' ' '; echo; printf abc | sum; "
    "printf abc | sha512sum | cut -c1-16; printf abc | sha3sum | cut -c1-16; printf AB | hd",
    "hello\n   a  \\n\n   a  \\r  \\n\n  \\t   x  \\n\n1 2 3 4 5 \n"
    "16556     1 \nddaf35a193617aba\ne642824c3f8cf24a\n"
    "00000000  41 42                                             |AB|\n00000002\n")
cmd("text: patch, ed", ["patch", "ed", "diff"],
    "printf 'one\\ntwo\\nthree\\n' > a; printf 'one\\n2\\nthree\\n' > b; "
    "diff -u a b > p.diff; patch a < p.diff && cmp a b && echo patched; "
    "printf '2d\\nw\\nq\\n' | ed a; cat a",
    "patching file a\npatched\n12\n10\none\nthree\n")
cmd("misc: true, false, yes, which, getopt, run-parts, mkpasswd",
    ["true", "false", "yes", "which", "getopt", "run-parts", "mkpasswd", "cryptpw"],
    "true && ! false && echo bools; yes ab | head -n 2; which sh | sed 's|.*/||'; "
    "getopt -o ab: -- -a -b x y; mkdir rp && printf '#!/bin/sh\\necho part1\\n' > rp/01a && "
    "chmod +x rp/01a && run-parts rp; mkpasswd -m md5 -S abcdefgh secret; "
    "cryptpw -m sha256 -S abcdefgh secret | cut -c1-20",
    "bools\nab\nab\nsh\n -a -b 'x' -- 'y'\npart1\n$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1\n"
    "$5$abcdefgh$gruCpC7V\n")
cmd("misc: arch, nproc, stty", ["arch", "nproc", "stty"],
    "arch; nproc | grep -c '^[1-9]'; stty size; s=$(stty -g) && stty -echo && stty -a | "
    "grep -o ' -echo ' && stty $s && stty -a | grep -o ' echo '",
    "x86_64\n1\n24 200\n -echo \n echo \n")
cmd("sysctl: /proc/sys", ["sysctl"], "sysctl kernel.ostype", "kernel.ostype = Linux\n")

# ---- processes ------------------------------------------------------------------

cmd("ps: lists processes", ["ps"],
    "sleep 77 & sleep 0.5; ps > ps.out; kill $!; head -n 1 ps.out; grep -c '[s]leep 77' ps.out; "
    "grep -c ' ps$' ps.out",
    "PID   USER     TIME  COMMAND\n1\n1\n")
cmd("free: memory, as /proc/meminfo says", ["free"],
    "free | head -n 1; free | awk '/^Mem:/ { print NF }'; "
    "t=$(free | awk '/^Mem:/ { print $2 }'); m=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo); "
    "[ \"$t\" = \"$m\" ] && [ $t -gt 0 ] && echo total matches /proc/meminfo",
    "              total        used        free      shared  buff/cache   available\n"
    "7\ntotal matches /proc/meminfo\n")
cmd("uptime", ["uptime"], "uptime",
    rx(r" \d\d:\d\d:\d\d up +(\d+ days?, +)?(\d+ min|\d+:\d\d), +(\d+ users?, +)?"
       r"load average: \d+\.\d\d, \d+\.\d\d, \d+\.\d\d\n"))
cmd("kill: signals to jobs", ["kill", "sh"],
    "sleep 100 & p=$!; (sleep 0.5; kill $p) & wait $p; echo $?; "
    "sleep 100 & p=$!; (sleep 0.5; kill -KILL $p) & wait $p; echo $?; "
    "kill -l 15; kill -0 $$ && echo self ok; kill -0 99999 2>/dev/null || echo no such process",
    "Terminated\n143\nKilled\n137\nTERM\nself ok\nno such process\n")
cmd("top: one batch screen", ["top"],
    "top -b -n 1 > top.out; head -n 1 top.out | grep -c '^Mem: '; grep -c '[t]op -b -n 1' top.out",
    "1\n1\n")
cmd("pgrep, pkill, pidof", ["pgrep", "pkill", "pidof"],
    "sleep 91 & sleep 0.5; [ \"$(pgrep -f 'sleep 91')\" = $! ] && echo pgrep ok; "
    "pidof sleep | grep -qw $! && echo pidof ok; pkill -f 'sleep 91' && echo pkill ok || kill $!; "
    "wait $! 2>/dev/null; echo $?",
    "pgrep ok\npidof ok\npkill ok\n143\n")

cmd("processes: nice, nohup, setsid, time, usleep", ["nice", "nohup", "setsid", "time",
                                                       "usleep"],
    "nice; nice -n 5 nice; nohup echo hi > out 2>&1; cat out; "
    "setsid sh -c 'echo x > /dev/tty' 2> se; sleep 0.5; grep -c 'No such device or address' se; "
    "time -p true 2>&1 | grep -c '^real '; usleep 1000 && echo usleep",
    "0\n5\nhi\n1\n1\nusleep\n")
cmd("pwdx: a process's folder", ["pwdx"], "pwdx $$ | sed \"s|^$$: $PWD\\$|same|\"", "same\n")
cmd("processes: killall, pstree", ["killall", "pstree"],
    "sleep 93 & sleep 0.5; pstree $$ | grep -c sleep; killall sleep && wait $! 2>/dev/null; "
    "echo $?", "1\n143\n", guest_only=True)
cmd("df: mounted file systems", ["df"],
    "df /dev/shm | tail -n 1 | awk '{ print $1, $6, ($2 > 0) }'",
    "tmpfs /dev/shm 1\n", guest_only=True)


@check("segfault: reported, the shell goes on", ["sh"])
def segfault(s):
    s.check("segfault; echo rc=$?",
            "segfault: writing to address 0\nSegmentation fault\nrc=139\n")
    s.check("sh -c 'kill -SEGV $$'; echo rc=$?", "Segmentation fault\nrc=139\n")
    s.check("echo still here", "still here\n")


# ---- the terminal: job control, editors, nested shells ------------------------------

@check("job control: ^C ends sleep 100", ["sh", "sleep"])
def ctrl_c(s):
    s.term.sendline("sleep 100")
    s.pause(1)
    t0 = time.monotonic()
    s.send("\x03")
    before = s.prompt(10)
    if not before.endswith("^C\n"):
        raise CheckFailed(f"expected ^C echoed, then the prompt; got {before!r}")
    s.check("echo $?", "130\n")
    if time.monotonic() - t0 > s.t(10):
        raise CheckFailed("the shell took too long to come back")


@check("job control: ^Z, jobs, bg, fg", ["sh", "sleep"])
def ctrl_z(s):
    s.term.sendline("sleep 100")
    s.pause(1)
    s.send("\x1a")
    before = s.prompt(10)
    expect_in(before, r"\^Z\n?\[\d+\]\+ +Stopped +sleep 100\n$", "after ^Z")
    s.check("jobs", rx(r"\[\d+\]\+ +Stopped +sleep 100\n"))
    s.check("bg", rx(r"\[\d+\] sleep 100\n"))
    s.check("jobs", rx(r"\[\d+\]\+ +Running +sleep 100\n"))
    s.term.sendline("fg")
    s.term.expect(r"\nsleep 100\n", s.t(10))
    s.pause(1)
    s.send("\x03")
    s.prompt(10)
    s.check("echo $?; jobs", "130\n")


@check("job control: a background job's output", ["sh"])
def background(s):
    s.term.sendline("(sleep 1; echo from the background) &")
    s.prompt()
    s.term.expect(r"from the background\n", s.t(10))
    s.term.sendline("")
    before = s.prompt()
    expect_in(before, r"\[\d+\]\+ +Done +\(sleep 1; echo from the background\)\n",
              "the next prompt")
    s.check("jobs; echo none left", "none left\n")


@check("tty: 300 lines pasted at once all run (tty_paste_lost_input)", ["sh", "awk"])
def paste(s):
    """Typed-ahead input beyond the terminal's buffer waits in the UART (the
    receiver is throttled) instead of being dropped. Each line appends to a
    file: what the terminal echoes meanwhile lands in the middle of the
    output (on Linux too), so the file is what is judged."""
    s.must("rm -f /tmp/pasted")
    s.term.read_new()
    s.send("".join(f"echo P{i} >> /tmp/pasted\r" for i in range(1, 301)) + "echo PAS''TED\r")
    s.term.expect(r"PASTED\n", s.t(120))
    s.prompt()
    s.check("awk '$0 != \"P\" NR { bad++ } END { print NR, bad + 0 }' /tmp/pasted; rm /tmp/pasted",
            "300 0\n")

@check("tty: a line typed in raw mode is read after going canonical "
       "(raw_input_lost_to_canonical_reader)", ["sh", "stty", "sleep"])
def raw_then_canon(s):
    s.term.sendline("stty -icanon; sleep 2; stty icanon; read x; echo got=$x")
    s.pause(1)
    s.term.sendline("hello")
    s.term.expect(r"got=hello\n", s.t(20))
    s.prompt()

@check("sh: exit from a nested shell", ["sh"])
def nested(s):
    outer = s.check("echo $$", rx(r"\d+\n")).strip()
    s.term.sendline("sh")
    s.term.expect(r"# $", s.t(10))
    s.term.sendline("echo inner $$; exit 3")
    m = s.term.expect(r"inner (\d+)\n", s.t(10))
    if m.group(1) == outer:
        raise CheckFailed(f"the nested shell has the outer shell's pid {outer}")
    s.prompt()
    s.check("echo $?; echo $$", f"3\n{outer}\n")
    s.check("sh -c 'sh -c \"exit 5\"; echo inner=$?; exit 6'; echo outer=$?",
            "inner=5\nouter=6\n")


@check("sh: line editing, history, completion", ["sh"])
def line_editing(s):
    s.term.sendline("echo one-two")
    s.term.expect(r"\none-two\n", s.t(10))
    s.prompt()
    s.send("\x1b[A")  # up: the last command again
    s.pause(0.3)
    s.send("\r")
    s.term.expect(r"\none-two\n", s.t(10))
    s.prompt()
    s.send("echo ac\x1b[Db")  # left, then insert b before c
    s.pause(0.3)
    s.send("\r")
    s.term.expect(r"\nabc\n", s.t(10))
    s.prompt()
    s.send("echo wrong\x17")  # ^W erases a word
    s.pause(0.3)
    s.send("right\r")
    s.term.expect(r"\nright\n", s.t(10))
    s.prompt()
    s.send("ech\t")  # tab completes the command name
    s.pause(0.5)
    s.send("completed\r")
    s.term.expect(r"\ncompleted\n", s.t(10))
    s.prompt()
    # The repeated line is stored once.
    s.check("history | tail -n 5 | head -n 4 | sed 's/^ *[0-9]* *//'",
            "echo one-two\necho abc\necho right\necho completed\n")


# vi's status line once it has drawn the file: mode, name, line/lines.
VI_STATUS = r"- %s\.txt \d+/\d+"


@check("vi: create a file", ["vi"])
def vi_new(s):
    s.term.sendline("vi new.txt")
    s.term.expect(VI_STATUS % "new", s.t(10))
    s.pause(0.5)
    for keys in ("i", "hello from vi", "\x1b", "o", "second line", "\x1b", ":wq\r"):
        s.send(keys)
        s.pause(0.3)
    s.prompt(10)
    s.check("cat new.txt", "hello from vi\nsecond line\n")


@check("vi: edit and save, quit without saving", ["vi"])
def vi_edit(s):
    s.must("printf 'one\\ntwo\\nthree\\n' > v.txt")
    s.term.sendline("vi v.txt")
    screen = s.term.expect(VI_STATUS % "v", s.t(10)) and s.term.before
    s.pause(0.5)
    screen += s.term.read_new()
    for word in ("one", "two", "three"):
        if word not in screen:
            raise CheckFailed(f"vi's screen does not show {word!r}: {screen!r}")
    for keys in ("j", "dd", "A", " end", "\x1b", ":1s/one/ONE/\r", ":wq\r"):
        s.send(keys)
        s.pause(0.3)
    s.prompt(10)
    s.check("cat v.txt", "ONE\nthree end\n")
    s.term.sendline("vi v.txt")
    s.term.expect(VI_STATUS % "v", s.t(10))
    s.pause(0.5)
    for keys in ("dG", ":q!\r"):
        s.send(keys)
        s.pause(0.3)
    s.prompt(10)
    s.check("cat v.txt", "ONE\nthree end\n")


@check("less: a file, q quits", ["less"])
def less_file(s):
    s.must("seq 100 > hundred")
    s.term.sendline("less hundred")
    s.term.expect(r"\x1b\[7mhundred", s.t(10))  # the status line, in reverse video
    screen = plain(s.term.before)
    if "\n".join(str(i) for i in range(1, 24)) + "\n" not in screen:
        raise CheckFailed(f"less's first screen is not lines 1 to 23: {screen!r}")
    s.send("G")
    s.term.expect(r"100", s.t(10))
    s.pause(0.3)
    s.send("q")
    s.prompt(10)
    s.check("echo $?", "0\n")


@check("less: a pipe, q quits", ["less"])
def less_pipe(s):
    s.term.sendline("echo from a pipe | less")
    s.term.expect(r"from a pipe\n(.*\n)*.*\x1b\[7mstandard input", s.t(10))
    s.pause(0.5)
    s.send("q")
    s.prompt(10)
    s.check("echo $?", "0\n")


@check("init: poweroff runs the shutdown actions and powers off", ["poweroff", "init"],
       guest_only=True)
def poweroff(s):
    s.term.sendline("poweroff")
    s.term.expect(r"The system is going down NOW!", s.t(20))
    s.term.expect(r"Requesting system poweroff", s.t(30))
    if s.term.wait_exit(s.t(30)) != "poweroff":
        raise CheckFailed(f"the machine did not power off: {s.term.status} "
                          f"{s.term.exit_message}\n{e2e.tail(s.term.text)}")


# ---- running the sessions -----------------------------------------------------------

def selected(checks, host):
    pat = os.environ.get("SHELL_CHECKS")
    return [c for c in checks if (not pat or re.search(pat, c.name)) and
            not (host and c.guest_only)]


def emulator_task(emu, checks):
    emu, cpu, scale, limit = EMULATORS[emu]
    label = f"{emu}/{cpu}"

    def run_one(report):
        t0 = time.monotonic()
        n = [0]

        def open_term():
            n[0] += 1
            return e2e.boot(f"{label} shell{'' if n[0] == 1 else n[0]}", limit,
                            emu=emu, cpu=cpu, mem=128)
        results = ss.run_checks(report, label, checks, open_term, scale)
        ss.write_results(os.path.join(RESULTS, f"shell-{emu}.json"), emu, label, results,
                         time.monotonic() - t0)
    run_one.__name__ = label
    return run_one


def rdinit_task(report):
    """rdinit=/bin/sh: a bare shell as process 1, no init."""
    label = "qemu/qemu64 rdinit=/bin/sh"
    try:
        with e2e.boot(label, 120, emu="qemu", cpu="qemu64", append="rdinit=/bin/sh") as g:
            s = ss.Session(g)
            g.expect(r"# $", 60)
            s.start()
            s.check("echo $$; [ -f /etc/inittab ] && echo has inittab", "1\nhas inittab\n")
        report.result(True, f"{label}: a bare shell as process 1")
    except (CheckFailed, e2e.GuestError) as e:
        report.result(False, f"{label}: a bare shell as process 1", diag=str(e))


def host_main(report, checks):
    """Every check that can run on Linux, in this machine's pseudo-terminal,
    with only BusyBox's applets (and segfault) on PATH."""
    if not os.path.exists(BUSYBOX):
        report.result(False, "host shell: build/busybox/obj/busybox is missing: make busybox")
        return
    with tempfile.TemporaryDirectory(prefix="bb-host-") as tmp:
        bindir = os.path.join(tmp, "bin")
        os.mkdir(bindir)
        for applet in os.popen(f"{BUSYBOX} --list").read().split() + ["busybox"]:
            os.symlink(BUSYBOX, os.path.join(bindir, applet))
        os.symlink(os.path.join(REPO, "build", "e2e-progs", "segfault"),
                   os.path.join(bindir, "segfault"))
        home = os.path.join(tmp, "home")
        os.mkdir(home)
        env = {"PATH": bindir, "HOME": home, "TERM": "vt102", "TZ": "UTC", "LANG": "C"}

        def open_term():
            return ss.HostTerm([os.path.join(bindir, "sh")], env, home, timeout=900,
                               log=e2e.log_path("host-shell"))
        ss.run_checks(report, "host", checks, open_term, 1, workdir=os.path.join(tmp, "e2e"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", action="store_true", help="run the checks on this Linux machine")
    ap.add_argument("--emu", choices=sorted(EMULATORS), action="append",
                    help="emulator (default: all)")
    args = ap.parse_args()

    def run(report):
        if args.host:
            host_main(report, selected(CHECKS, host=True))
            return
        checks = selected(CHECKS, host=False)
        tasks = [emulator_task(e, checks) for e in (args.emu or sorted(EMULATORS, reverse=True))]
        if not os.environ.get("SHELL_CHECKS") and "qemu" in (args.emu or EMULATORS):
            tasks.append(rdinit_task)
        e2e.run_parallel(report, tasks)
    e2e.run(run)


if __name__ == "__main__":
    main()

#!/bin/sh
# gen_ksyms.sh: turn `nm -n` output (on stdin, or nothing for /dev/null) into
# a NASM file holding the kernel's sorted text symbols, used for backtraces.
# Format: ksyms_count (u64), then ksyms_table of {u64 address, u64 name pointer}.
in=${1:--}
[ "$in" = /dev/null ] && in=/dev/null
awk '
$2 ~ /^[tTwW]$/ && $1 ~ /^ffffffff8/ { addr[n] = $1; name[n] = $3; n++ }
END {
	print "section .ksyms"
	print "global ksyms_count, ksyms_table"
	print "align 8"
	printf "ksyms_count: dq %d\n", n
	print "ksyms_table:"
	for (i = 0; i < n; i++)
		printf "\tdq 0x%s, ks_%d\n", addr[i], i
	for (i = 0; i < n; i++)
		printf "ks_%d: db \"%s\", 0\n", i, name[i]
}' "$in"

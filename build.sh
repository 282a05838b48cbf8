#!/usr/bin/env bash
# build.sh: install the tools from Debian's archive, build, boot headless.
#
#   ./build.sh                   deps, then make
#   ./build.sh deps [PKG...]     install missing Debian packages (and PKGs)
#   ./build.sh boot [OPTIONS]    boot headless, serial console on stdio
#                                (./build.sh boot --help for the options)
#   ./build.sh gdb [OPTIONS]     QEMU halted with a gdb stub, gdb attached
#   ./build.sh deb-src           add deb-src entries for Debian's sources
#   ./build.sh busybox-src DIR   unpack the pinned BusyBox source into DIR
#
# Nothing is downloaded except Debian packages through apt-get. Quiet when
# everything is already there.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"

PACKAGES=(
	gcc make binutils libc6-dev linux-libc-dev nasm python3 cpio
	qemu-system-x86 bochs bochsbios vgabios bochs-sdl
	grub-pc-bin grub-common xorriso mtools
	musl-tools dpkg-dev
)

# BusyBox: Debian's source package, pinned, with the .dsc's hash.
BUSYBOX_VERSION="1:1.35.0-4+deb12u1"
BUSYBOX_DSC_SHA256="9c01fe128b0eeded371c70e37d474fdb5055f71b5d0a778db44c6b0c62d3a7fa"

die() {
	echo "build.sh: $*" >&2
	exit 1
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Print the packages among "$@" that are not installed.
missing_packages() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^ii' || echo "$p"
	done
}

APT_UPDATED=
apt_update_once() {
	[ -n "$APT_UPDATED" ] && return 0
	apt-get update -qq >&2 || die "apt-get update failed"
	APT_UPDATED=1
}

# Install whatever of PACKAGES and "$@" is missing.
deps() {
	command -v dpkg-query >/dev/null || die "not a Debian system: install by hand: ${PACKAGES[*]} $*"
	local missing
	missing=$(missing_packages "${PACKAGES[@]}" "$@")
	[ -z "$missing" ] && return 0
	missing=$(echo $missing)
	if ! is_root; then
		echo "build.sh: missing Debian packages: $missing" >&2
		echo "build.sh: install them as root with:" >&2
		echo "  apt-get update && apt-get install -y --no-install-recommends $missing" >&2
		exit 1
	fi
	echo "build.sh: installing $missing" >&2
	apt_update_once
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >&2 ||
		die "apt-get install failed"
}

has_deb_src() {
	grep -qsE '^[[:space:]]*deb-src[[:space:]]|^Types:.*\bdeb-src\b' \
		/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources
}

# Make `apt-get source` work: a deb-src twin of the deb entries (BUSYBOX.md).
deb_src() {
	has_deb_src && return 0
	local dst
	if ! is_root; then
		echo "build.sh: no deb-src entry; as root, copy /etc/apt/sources.list.d/debian.sources" >&2
		echo "  to debian-src.sources with 'Types: deb-src', then run apt-get update" >&2
		exit 1
	fi
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		dst=/etc/apt/sources.list.d/debian-src.sources
		sed -E 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$dst"
	elif grep -qsE '^[[:space:]]*deb[[:space:]]' /etc/apt/sources.list; then
		dst=/etc/apt/sources.list.d/debian-src.list
		sed -nE 's/^[[:space:]]*deb[[:space:]]/deb-src /p' /etc/apt/sources.list >"$dst"
	else
		die "no Debian apt source found to copy as deb-src"
	fi
	echo "build.sh: added $dst" >&2
	APT_UPDATED=
	apt_update_once
}

# Fetch Debian's BusyBox source (pinned version, checked .dsc) and unpack it
# as DIR/busybox. Does nothing when DIR/busybox is already there.
busybox_src() {
	local dir=${1:?usage: build.sh busybox-src DIR} dsc sum
	[ -d "$dir/busybox" ] && return 0
	deps
	deb_src
	mkdir -p "$dir/download"
	(cd "$dir/download" && apt-get source -qq --download-only "busybox=$BUSYBOX_VERSION" >&2) ||
		die "apt-get source busybox=$BUSYBOX_VERSION failed"
	dsc=$(ls "$dir"/download/busybox_*.dsc)
	sum=$(sha256sum "$dsc" | cut -d' ' -f1)
	[ "$sum" = "$BUSYBOX_DSC_SHA256" ] ||
		die "$dsc: sha256 $sum, expected $BUSYBOX_DSC_SHA256"
	rm -rf "$dir/busybox.tmp"
	dpkg-source -q -x "$dsc" "$dir/busybox.tmp" >&2 || die "dpkg-source -x failed"
	mv "$dir/busybox.tmp" "$dir/busybox"
}

# The kernel and initramfs the boot tool uses, unless told other files.
build_images() {
	case " $* " in
	*" --kernel "* | *" --initramfs "* | *" -h "* | *" --help "*) return 0 ;;
	esac
	make -s build/kernel.elf build/initramfs.cpio
}

boot() {
	deps
	build_images "$@"
	exec python3 tools/boot.py "$@"
}

# QEMU waits for gdb on a fresh port; serial output goes to build/serial.log.
GDB_BOOT_PID=
gdb_session() {
	local port rc=0
	deps gdb
	build_images "$@"
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	python3 tools/boot.py --emu qemu --timeout 0 --gdb "$port" --log build/serial.log "$@" \
		</dev/null >/dev/null 2>build/gdb-boot.err &
	GDB_BOOT_PID=$!
	trap 'kill $GDB_BOOT_PID 2>/dev/null; wait $GDB_BOOT_PID 2>/dev/null' EXIT
	echo "build.sh: QEMU halted, gdb stub on 127.0.0.1:$port; serial output in build/serial.log" >&2
	gdb -q -x tools/kernel.gdb -ex "target remote 127.0.0.1:$port" || rc=$?
	kill "$GDB_BOOT_PID" 2>/dev/null || true
	wait "$GDB_BOOT_PID" 2>/dev/null || true
	trap - EXIT
	return $rc
}

usage() {
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

case "${1:-}" in
"")
	deps
	make -j"$(nproc)"
	;;
deps)
	shift
	deps "$@"
	;;
deb-src) deb_src ;;
busybox-src)
	shift
	busybox_src "$@"
	;;
boot)
	shift
	boot "$@"
	;;
gdb)
	shift
	gdb_session "$@"
	;;
-h | --help | help) usage ;;
*)
	usage >&2
	exit 2
	;;
esac

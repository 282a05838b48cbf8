# Makefile: the one, non-recursive build. build.sh installs the tools first.
#
#   make            kernel, initramfs, ISO and every test program
#   make run        boot QEMU with the serial console on this terminal
#   make run-bochs  boot Bochs
#   make test       host tests, in-guest tests, e2e tests; one summary line
#                   (then docs/APPLETS.md from the BusyBox shell test)
#   make busybox    only BusyBox (see the BusyBox section below)
#   make gdb        QEMU halted with a gdb stub, and gdb on the symbols
#   make clean

BUILD := build
CC := gcc
LD := ld
NASM := nasm
OBJCOPY := objcopy

KCFLAGS := -std=gnu11 -ffreestanding -fno-pic -fno-pie -mcmodel=kernel -mno-red-zone \
	-mno-mmx -mno-sse -mno-sse2 -mno-avx -mgeneral-regs-only \
	-fno-omit-frame-pointer -fno-optimize-sibling-calls -fno-strict-aliasing \
	-fno-common -fno-asynchronous-unwind-tables -fstack-protector-strong -mstack-protector-guard=global \
	-O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -I. -MMD -MP
KLDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	--no-warn-rwx-segments -T boot/kernel.ld

# Every C and NASM file under the kernel's folders is part of the kernel.
KDIRS := boot kernel mm proc elf fs
KSRC_C := $(sort $(shell find $(KDIRS) -name '*.c'))
KSRC_ASM := $(sort $(shell find $(KDIRS) -name '*.asm'))
KOBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(KSRC_C)) $(patsubst %.asm,$(BUILD)/obj/%.o,$(KSRC_ASM))

.PHONY: all kernel clean
all: kernel

kernel: $(BUILD)/kernel.elf

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) -f elf64 -g -F dwarf -o $@ $<

# Two-pass link: the first pass gives the addresses, the second carries the
# symbol table built from them. .ksyms sits after all code, so nothing moves.
$(BUILD)/obj/ksyms_empty.o: tools/gen_ksyms.sh
	@mkdir -p $(dir $@)
	tools/gen_ksyms.sh /dev/null > $(BUILD)/ksyms_empty.asm
	$(NASM) -f elf64 -o $@ $(BUILD)/ksyms_empty.asm

$(BUILD)/kernel.elf: $(KOBJ) $(BUILD)/obj/ksyms_empty.o boot/kernel.ld
	$(LD) $(KLDFLAGS) -o $(BUILD)/kernel.pass1.elf $(KOBJ) $(BUILD)/obj/ksyms_empty.o
	nm -n --defined-only $(BUILD)/kernel.pass1.elf | tools/gen_ksyms.sh > $(BUILD)/ksyms.asm
	$(NASM) -f elf64 -o $(BUILD)/obj/ksyms.o $(BUILD)/ksyms.asm
	$(LD) $(KLDFLAGS) -o $@ $(KOBJ) $(BUILD)/obj/ksyms.o
	@nm -n --defined-only $@ | tools/gen_ksyms.sh | cmp -s - $(BUILD)/ksyms.asm || \
		{ echo "ksyms: symbol addresses moved between link passes" >&2; rm -f $@; exit 1; }

# Host unit tests: each tests/host/test_*.c includes the kernel sources it
# tests and is built for this machine with ASan and UBSan.
HOST_CFLAGS := -std=gnu11 -g -O1 -DHOST_TEST -I. -Itests/host -fsanitize=address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-parameter
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(sort $(wildcard tests/host/test_*.c)))

.PHONY: host-tests
host-tests: $(HOST_TESTS)

$(BUILD)/host/%: tests/host/%.c
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -MMD -MP -o $@ $<

# In-guest user tests: every tests/user/*.c is one static musl program,
# build/user/<name>. USER_BINS lists them for the initramfs: install each as
# /bin/<name>, and runner also as /bin/utest-runner (it finds the others in
# its own directory, or in UTEST_BINDIR). user-tests-host runs them all on
# this Linux machine (as root, the reference) and wants 0 failures.
USER_CC := musl-gcc
USER_CFLAGS := -static -O2 -Wall -Wextra -Werror
USER_BINS := $(patsubst tests/user/%.c,$(BUILD)/user/%,$(sort $(wildcard tests/user/*.c)))

ROOTFS_EXTRA += $(foreach b,$(USER_BINS),$(b):/bin/$(notdir $(b))) \
	$(BUILD)/user/runner:/bin/utest-runner

.PHONY: user-tests user-tests-host
user-tests: $(USER_BINS)

$(BUILD)/user/%: tests/user/%.c $(wildcard tests/user/*.h)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

user-tests-host: $(USER_BINS)
	$(BUILD)/user/runner all | tee $(BUILD)/user/host.ktap
	@grep -q '^# utest: [0-9]* passed, 0 failed$$' $(BUILD)/user/host.ktap

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- Tools, initramfs, ISO, running and testing -----------------------------
# build.sh installs the Debian packages; every rule that runs a tool waits for
# its stamp. tools/boot.py boots headless (see README.md).

PYTHON := python3
BOOT := $(PYTHON) tools/boot.py
DEPS_STAMP := $(BUILD)/.deps-stamp

# What `make run`, `run-bochs`, `gdb` and build/os.iso boot with.
APPEND ?=
MEM ?= 128
CPU ?=
BOOT_ARGS = --mem $(MEM) $(if $(CPU),--cpu $(CPU)) --append "$(APPEND)"

$(DEPS_STAMP): build.sh
	./build.sh deps
	@mkdir -p $(dir $@)
	@touch $@

$(KOBJ) $(BUILD)/obj/ksyms_empty.o $(HOST_TESTS) $(USER_BINS): | $(DEPS_STAMP)

# The initramfs: the initramfs/ skeleton plus ROOTFS_EXTRA, a list of
# HOSTPATH:/path/in/rootfs (a file, or a folder taken whole). Add to it with
# `ROOTFS_EXTRA += build/user/foo:/bin/foo` anywhere in this Makefile; the host
# paths become prerequisites. Sorted, mtime 0, owner root: reproducible.
ROOTFS_EXTRA ?=
ROOTFS_SKELETON := $(shell find initramfs -mindepth 1 2>/dev/null)
ROOTFS_MODES := --chmod /tmp:1777 --chmod /root:0700
rootfs_sources = $(foreach e,$(ROOTFS_EXTRA),$(firstword $(subst :, ,$(e))))

.SECONDEXPANSION:
$(BUILD)/initramfs.cpio: tools/mkcpio.py $(ROOTFS_SKELETON) $$(rootfs_sources) | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(PYTHON) tools/mkcpio.py -o $@ initramfs:/ $(ROOTFS_EXTRA) $(ROOTFS_MODES)

# The ISO boots with APPEND; it is rebuilt when APPEND changes.
$(BUILD)/iso-cmdline: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(APPEND)' | cmp -s - $@ 2>/dev/null || printf '%s\n' '$(APPEND)' > $@

$(BUILD)/os.iso: $(BUILD)/kernel.elf $(BUILD)/initramfs.cpio $(BUILD)/iso-cmdline tools/mkiso.py
	$(PYTHON) tools/mkiso.py -o $@ --kernel $(BUILD)/kernel.elf \
		--initramfs $(BUILD)/initramfs.cpio --append "$(APPEND)"

.PHONY: initramfs iso run run-bochs gdb test FORCE
all: initramfs iso
initramfs: $(BUILD)/initramfs.cpio
iso: $(BUILD)/os.iso
FORCE:

# Serial console on this terminal; Ctrl-A x quits.
run: $(BUILD)/kernel.elf $(BUILD)/initramfs.cpio
	$(BOOT) --emu qemu --timeout 0 $(BOOT_ARGS)

run-bochs: $(BUILD)/kernel.elf $(BUILD)/initramfs.cpio
	$(BOOT) --emu bochs --timeout 0 $(BOOT_ARGS)

gdb: $(BUILD)/kernel.elf $(BUILD)/initramfs.cpio
	./build.sh gdb $(BOOT_ARGS)

# Builds what it needs itself, so that a build failure is counted as a failed
# test and the summary line is always printed. Then docs/APPLETS.md is
# rendered from the shell test's results (quietly: the summary stays last).
test: $(DEPS_STAMP)
	@rc=0; $(PYTHON) tests/run.py || rc=$$?; $(PYTHON) tools/applets_md.py --quiet; exit $$rc

# ---- Fuzzing --------------------------------------------------------------
# The system-call fuzzer (tests/fuzz/): /bin/fuzz, and /bin/fuzz-super, the
# pid 1 that runs it and then checks MemFree and that the kernel still runs
# programs. `make fuzz SECONDS=N [SEED=S] [WORKERS=W] [EMU=bochs] [AVOID=BUG]`
# boots with it (SEED unset: one from the clock, printed for replaying;
# AVOID: steer clear of a known bug, see tests/fuzz/fuzz.c);
# tests/e2e/fuzz.py makes a short fixed-seed run in `make test`.
FUZZ_BINS := $(BUILD)/fuzz/fuzz $(BUILD)/fuzz/fuzz-super
ROOTFS_EXTRA += $(BUILD)/fuzz/fuzz:/bin/fuzz $(BUILD)/fuzz/fuzz-super:/bin/fuzz-super
SECONDS ?= 60
WORKERS ?= 4
EMU ?= qemu
SEED ?=
AVOID ?=

.PHONY: fuzz fuzz-bins
fuzz-bins: $(FUZZ_BINS)

$(BUILD)/fuzz/fuzz: tests/fuzz/fuzz.c tests/user/ulib.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

$(BUILD)/fuzz/fuzz-super: tests/fuzz/super.c tests/user/ulib.h | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

fuzz: $(BUILD)/kernel.elf $(BUILD)/initramfs.cpio
	$(BOOT) --emu $(EMU) --mem $(MEM) --timeout $$(( $(SECONDS) * $(if $(filter bochs,$(EMU)),10,3) + 600 )) \
		--append "rdinit=/bin/fuzz-super FUZZ_SECONDS=$(SECONDS) FUZZ_WORKERS=$(WORKERS) $(if $(SEED),FUZZ_SEED=$(SEED)) $(if $(AVOID),FUZZ_AVOID=$(AVOID)) $(if $(filter bochs,$(EMU)),FUZZ_TIME_SCALE=10)" </dev/null

-include $(wildcard $(BUILD)/host/*.d)

# ---- BusyBox: the root filesystem's programs ---------------------------------
# Debian's BusyBox source package (version and .dsc hash pinned in build.sh),
# unpacked unmodified into build/busybox/busybox by `build.sh busybox-src`
# and built out of tree in build/busybox/obj: static, with musl-gcc, from the
# full configuration committed as busybox-config/busybox.config (see
# busybox-config/README.md and /work/shared/BUSYBOX.md). musl-gcc does not
# search the Linux UAPI headers, so build/busybox/include holds symlinks to
# them. Nothing is rebuilt when neither the pinned version nor the
# configuration changed. The rootfs gets /bin/busybox and a symlink for every
# applet at the path `busybox --list-full` names (the binary runs here).
#
#   make busybox             the binary, build/busybox/obj/busybox
#   make busybox-menuconfig  edit the configuration, then save it back to
#                            busybox-config/busybox.config (no date stamp)

BB_DIR := $(BUILD)/busybox
BB_SRC := $(BB_DIR)/busybox
BB_OBJ := $(BB_DIR)/obj
BB_INC := $(BB_DIR)/include
BB_BIN := $(BB_OBJ)/busybox
BB_ROOTFS := $(BB_DIR)/rootfs
BB_CONFIG := busybox-config/busybox.config
BB_VERSION := $(shell sed -n 's/^BUSYBOX_VERSION="\(.*\)"$$/\1/p' build.sh)
BB_UAPI := linux:/usr/include/linux asm-generic:/usr/include/asm-generic \
	mtd:/usr/include/mtd asm:/usr/include/x86_64-linux-gnu/asm
# BusyBox's own make, not ours: our flags and variables stay out of it.
BB_MAKE = MAKEFLAGS= KCONFIG_NOTIMESTAMP=1 $(MAKE) -C $(BB_SRC) O=$(abspath $(BB_OBJ)) \
	CC="musl-gcc -isystem $(abspath $(BB_INC))" BB_EXTRA_VERSION="Debian $(BB_VERSION)"

ROOTFS_EXTRA += $(BB_ROOTFS):/
ROOTFS_MODES += --chmod /etc/shadow:0600

.PHONY: busybox busybox-menuconfig
busybox: $(BB_BIN)
all: busybox

# Rewritten only when the pinned version changes; then the source is fetched
# again and the old objects are thrown away.
$(BB_DIR)/version: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(BB_VERSION)' | cmp -s - $@ 2>/dev/null || printf '%s\n' '$(BB_VERSION)' > $@

$(BB_SRC)/.unpacked: $(BB_DIR)/version | $(DEPS_STAMP)
	rm -rf $(BB_SRC) $(BB_OBJ) $(BB_DIR)/download $(BB_DIR)/busybox_*
	./build.sh busybox-src $(BB_DIR)
	touch $@

$(BB_INC)/.links: | $(DEPS_STAMP)
	@mkdir -p $(BB_INC)
	$(foreach l,$(BB_UAPI),ln -sfn $(word 2,$(subst :, ,$(l))) $(BB_INC)/$(word 1,$(subst :, ,$(l))) &&) true
	@touch $@

# The committed configuration must be complete: silentoldconfig may not
# change it (a new version with new options needs `make busybox-menuconfig`).
$(BB_BIN): $(BB_SRC)/.unpacked $(BB_INC)/.links $(BB_CONFIG)
	@mkdir -p $(BB_OBJ)
	cp $(BB_CONFIG) $(BB_OBJ)/.config
	$(BB_MAKE) -s silentoldconfig </dev/null
	@cmp -s $(BB_CONFIG) $(BB_OBJ)/.config || { diff -u $(BB_CONFIG) $(BB_OBJ)/.config; \
		echo "$(BB_CONFIG) is not complete for BusyBox $(BB_VERSION): make busybox-menuconfig" >&2; \
		exit 1; }
	$(BB_MAKE) -j2 busybox
	@touch $@

busybox-menuconfig: $(BB_SRC)/.unpacked $(BB_INC)/.links
	@mkdir -p $(BB_OBJ)
	cp $(BB_CONFIG) $(BB_OBJ)/.config
	$(BB_MAKE) menuconfig
	cp $(BB_OBJ)/.config $(BB_CONFIG)

# Symlinks are absolute (/bin/busybox): they dangle on this machine, which
# mkcpio does not mind. Built aside and renamed, so a failure leaves nothing.
$(BB_ROOTFS): $(BB_BIN)
	rm -rf $@ $@.tmp
	mkdir -p $@.tmp/bin
	cp $(BB_BIN) $@.tmp/bin/busybox
	$(BB_BIN) --list-full | while read -r p; do \
		case $$p in */*) mkdir -p "$@.tmp/$${p%/*}" ;; esac; \
		ln -s /bin/busybox "$@.tmp/$$p" || exit 1; \
	done
	mv $@.tmp $@

# Helper programs for the shell e2e test (tests/e2e/progs/*.c), static musl,
# installed as /usr/bin/NAME: segfault (dies of SIGSEGV).
E2E_PROGS := $(patsubst tests/e2e/progs/%.c,$(BUILD)/e2e-progs/%,$(sort $(wildcard tests/e2e/progs/*.c)))
ROOTFS_EXTRA += $(foreach p,$(E2E_PROGS),$(p):/usr/bin/$(notdir $(p)))
all: $(E2E_PROGS)

$(BUILD)/e2e-progs/%: tests/e2e/progs/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

# ---- Benchmark: make bench (tools/bench.py, tests/bench/, docs/BENCHMARKS.md) ----
# The bench programs are static musl binaries. build/bench/initramfs.cpio
# holds only them (tests/bench/bench.c as /init) and BusyBox as /bin/sh
# (BENCH_BUSYBOX= leaves it out: the shell loop then uses posix_spawn).
# `make all` builds them, so that `make test` smoke-runs them
# (tests/e2e/bench_smoke.py). `make bench` boots this kernel and
# Debian's Linux (fetched into build/linux/) under the same QEMU settings,
# prints the table and updates docs/BENCHMARKS.md and docs/bench-ratios.png.
# BENCH_ARGS go to tools/bench.py (e.g. BENCH_ARGS="--rounds 3 --no-min-ram").
BENCH_BUSYBOX ?= $(BB_BIN)
BENCH_BINS := $(BUILD)/bench/bench $(BUILD)/bench/bench-nop $(BUILD)/bench/bench-spawnloop
BENCH_ROOT := $(BUILD)/bench/rootfs
BENCH_ARGS ?=

.PHONY: bench bench-progs
all: bench-progs
bench-progs: $(BENCH_BINS) $(BUILD)/bench/initramfs.cpio

$(BUILD)/bench/bench: tests/bench/bench.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

$(BUILD)/bench/bench-%: tests/bench/%.c | $(DEPS_STAMP)
	@mkdir -p $(dir $@)
	$(USER_CC) $(USER_CFLAGS) -o $@ $<

# Rebuilds the archive when BusyBox comes or goes.
$(BUILD)/bench/busybox-path: FORCE
	@mkdir -p $(dir $@)
	@printf '%s\n' '$(BENCH_BUSYBOX)' | cmp -s - $@ 2>/dev/null || printf '%s\n' '$(BENCH_BUSYBOX)' > $@

$(BUILD)/bench/initramfs.cpio: $(BENCH_BINS) $(BENCH_BUSYBOX) $(BUILD)/bench/busybox-path tools/mkcpio.py
	rm -rf $(BENCH_ROOT)
	mkdir -p $(BENCH_ROOT)/bin $(BENCH_ROOT)/dev $(BENCH_ROOT)/proc $(BENCH_ROOT)/tmp
	cp $(BUILD)/bench/bench $(BENCH_ROOT)/init
	cp $(BUILD)/bench/bench-nop $(BUILD)/bench/bench-spawnloop $(BENCH_ROOT)/bin/
	$(if $(BENCH_BUSYBOX),cp $(BENCH_BUSYBOX) $(BENCH_ROOT)/bin/busybox && ln -s busybox $(BENCH_ROOT)/bin/sh)
	$(PYTHON) tools/mkcpio.py -o $@ $(BENCH_ROOT):/

bench: $(BUILD)/kernel.elf $(BUILD)/bench/initramfs.cpio
	@./build.sh deps gnuplot-nox || echo "bench: no gnuplot: the chart is left out" >&2
	$(PYTHON) tools/bench.py $(BENCH_ARGS)

# docs/APPLETS.md from the last results of tests/e2e/shell.py (make test
# does this too); shell-tests-host runs that test's checks on this Linux
# machine, with the same BusyBox, to show that their expected output is right.
.PHONY: applets-doc shell-tests-host
applets-doc:
	$(PYTHON) tools/applets_md.py

shell-tests-host: $(BB_BIN) $(E2E_PROGS)
	$(PYTHON) tests/e2e/shell.py --host

# ---- compat: the CPU-model matrix (tools/compat.py, docs/COMPAT.md) ---------
# Boots the image on every x86-64 CPU model of Bochs 2.7 and on QEMU's
# qemu64, max, Nehalem, Haswell, Skylake-Server and EPYC, through each boot
# path, with 16 MiB, 64 MiB and 1 GiB; runs the self-tests, the fork/CoW
# group and a shell session on each; prints the matrix and rewrites
# docs/COMPAT.md (from tests/compat/COMPAT.md.in). Boots E2E_JOBS at a time.
#   make compat                              everything (about 35 minutes on 2 cores)
#   make compat COMPAT_ONLY='bochs/ryzen'    the cells matching a regex, no document
COMPAT_ONLY ?=
.PHONY: compat
compat: all
	$(PYTHON) tools/compat.py $(if $(COMPAT_ONLY),--only '$(COMPAT_ONLY)')

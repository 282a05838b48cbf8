# Makefile: the one, non-recursive build. build.sh installs the tools first.
#
#   make            kernel, initramfs, ISO and every test program
#   make run        boot QEMU with the serial console on this terminal
#   make run-bochs  boot Bochs
#   make test       host tests, in-guest tests, e2e tests; one summary line
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
# test and the summary line is always printed.
test: $(DEPS_STAMP)
	@$(PYTHON) tests/run.py

-include $(wildcard $(BUILD)/host/*.d)

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

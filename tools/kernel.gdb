# kernel.gdb: symbols of build/kernel.elf for a QEMU gdb stub (`make gdb`).
# build.sh adds `target remote 127.0.0.1:PORT`. The CPU is halted before the
# BIOS; set breakpoints with hbreak (the kernel is not loaded yet), e.g.
#   hbreak kmain
#   continue
set confirm off
set pagination off
set disassembly-flavor intel
file build/kernel.elf
set architecture i386:x86-64

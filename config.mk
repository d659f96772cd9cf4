# Pecan build options: the one place for them. Override on the command line,
# e.g. `make KDB=0`.

# Kernel debugger: kdebug int3 protocol (PrintChar, PrintString, Enter,
# ReadChar) and the Pecan shutdown extension. 1 = on, 0 = off.
KDB ?= 1

# Most processors the kernel starts (1..64); threads run on up to 16 of
# them (docs/smp.md). 1 = never start another CPU, and the kernel lock
# compiles away. Boot option `nosmp` starts none at run time.
MAX_CPUS ?= 16

# Timer tick length in microseconds.
TICK_US ?= 1000

# Optimisation for kernel and user code.
OPT ?= -O2

# Kernel memory pool in MiB (0 = a quarter of RAM, clamped to 4..64 MiB).
KMEM_POOL_MB ?= 0

# Kernel memory one address space may make the kernel hold (page tables,
# mapping nodes and index, UTCB pages, I/O bitmap, FPU areas), in KiB.
# 0 = a sixteenth of the kernel pool (2 MiB with a 32 MiB pool). The root
# servers are not limited; the root task can change any space's limit
# (SpaceControl extension, docs/abi.md).
KMEM_SPACE_LIMIT_KB ?= 0

# Interrupt-latency instrumentation: the kernel records the longest stretch
# it runs with interrupts off (kdebug stat L4ABI_KDB_STAT_IRQOFF_MAX). It
# costs ~33 instructions per kernel entry, so the default kernel is built
# without it; the suite and the benchmark `latency` boot a second kernel
# built with it (build/irqoff/pecan.elf). 1 = on.
IRQOFF_STATS ?= 0

# Emulator memory for run/test (MiB).
QEMU_MEM ?= 128

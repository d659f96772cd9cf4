# Pecan build options: the one place for them. Override on the command line,
# e.g. `make KDB=0`.

# Kernel debugger: kdebug int3 protocol (PrintChar, PrintString, Enter,
# ReadChar) and the Pecan shutdown extension. 1 = on, 0 = off.
KDB ?= 1

# Number of processors the kernel is built for (only 1 is supported yet).
MAX_CPUS ?= 1

# Timer tick length in microseconds.
TICK_US ?= 1000

# Optimisation for kernel and user code.
OPT ?= -O2

# Kernel memory pool in MiB (0 = a quarter of RAM, clamped to 4..64 MiB).
KMEM_POOL_MB ?= 0

# Most mappings (4 KiB or 4 MiB pages) one address space may hold; each
# costs the kernel about 40 bytes. The root servers are not limited.
MAP_QUOTA ?= 65536

# Interrupt-latency instrumentation: the kernel records the longest stretch
# it runs with interrupts off (kdebug stat L4ABI_KDB_STAT_IRQOFF_MAX). It
# costs ~33 instructions per kernel entry, so the default kernel is built
# without it; the suite and the benchmark `latency` boot a second kernel
# built with it (build/irqoff/pecan.elf). 1 = on.
IRQOFF_STATS ?= 0

# Emulator memory for run/test (MiB).
QEMU_MEM ?= 128

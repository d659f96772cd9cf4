# Pecan build options: the one place for them. Override on the command line,
# e.g. `make KDB=0`.

# The interactive kernel debugger on the serial console (docs/kdb.md):
# break key, NMI, L4_KDB_Enter, faults and panics enter it. 1 = on, 0 = not
# a line of it in the kernel. The kdebug int3 protocol (PrintChar,
# PrintString, ReadChar, Stat, Shutdown; Enter then only prints its
# message) is the system console and stays either way.
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

# Kernel event trace and sampling profiler (docs/kdb.md): 1 = built in
# (off at run time until enabled: the IPC fast path pays one mask test,
# two instructions, per message; make bench prints it), 0 = every hook compiled away. Follows
# KDB by default: its controls are kdebug calls and debugger commands. TRACE_ENTRIES: records per CPU ring (power of two, 32 bytes
# each). PROF_BUCKETS: distinct sampled addresses kept (power of two).
TRACE ?= $(KDB)
TRACE_ENTRIES ?= 1024
PROF_BUCKETS ?= 1024

# Interrupt-latency instrumentation: the kernel records the longest stretch
# it runs with interrupts off (kdebug stat L4ABI_KDB_STAT_IRQOFF_MAX). It
# costs ~33 instructions per kernel entry, so the default kernel is built
# without it; the suite and the benchmark `latency` boot a second kernel
# built with it (build/irqoff/pecan.elf). 1 = on.
IRQOFF_STATS ?= 0

# Fast paths (docs/ipc.md "Fast path"): the assembly IPC path from the
# sysenter entry on, and the event paths (page faults, exceptions,
# interrupts). 0 = every event takes the general path; `make test` runs the
# core, mem, exc and irq suites and the IPC differential test on a
# FASTPATH=0 kernel too (build/nofast/pecan.elf). 2 = the fast path with
# one deliberate error (a wrong sender ID within a space), only for the
# check that the differential test catches it (test-ipcdiff-mutant).
FASTPATH ?= 1

# Event counters (kernel entries, CR3 loads, %gs reloads) for `make bench`,
# read through kdebug stats (kernel/stats.h). The benchmarks boot a second
# kernel built with them (build/stats/pecan.elf) for these columns; the
# instruction figures come from the normal kernel. 1 = on.
STATS ?= 0

# Emulator memory for run/test (MiB).
QEMU_MEM ?= 128

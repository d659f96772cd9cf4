/* System-call stubs. They live in the KIP page, which is mapped into
 * every space at the address SpaceControl chose, so they are position
 * independent. libl4 calls them through the KIP's system-call links. */
#include "syscall_vectors.h"

    .section .kip.text, "ax"
    .globl kip_stubs_start
kip_stubs_start:

/* Ipc/Lipc with sysenter: the kernel returns straight to our caller, so
 * the return address goes in %ebx and the caller's stack pointer in %ebp
 * (neither carries an input on ia32). */
    .globl kip_ipc_sysenter
kip_ipc_sysenter:
    popl %ebx
    movl %esp, %ebp
    sysenter

    .macro stub name, vector
    .globl kip_\name
kip_\name:
    int $\vector
    ret
    .endm

    stub ipc_int, SYS_IPC
    stub lipc_int, SYS_LIPC
    stub exchange_registers, SYS_EXCHANGE_REGISTERS
    stub thread_control, SYS_THREAD_CONTROL
    stub system_clock, SYS_SYSTEM_CLOCK
    stub thread_switch, SYS_THREAD_SWITCH
    stub schedule, SYS_SCHEDULE
    stub unmap, SYS_UNMAP
    stub space_control, SYS_SPACE_CONTROL
    stub processor_control, SYS_PROCESSOR_CONTROL
    stub memory_control, SYS_MEMORY_CONTROL

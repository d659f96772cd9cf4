/* The __L4_<Name> labels called by the inline wrappers in
 * <l4/ia32/syscalls.h>. Each is one indirect jump through a table that
 * __l4_init fills with KIP base + link offset, so the kernel stub sees
 * exactly the registers and stack the wrapper set up. */
#include "syslinks.h"

    .data
    .align 4
    .globl  __l4_syslinks
    .type   __l4_syslinks, @object
__l4_syslinks:
    .rept   L4LIB_NSYSCALLS
    .long   __l4_syscall_unset
    .endr
    .size   __l4_syslinks, . - __l4_syslinks

    .section .rodata
unset_msg:
    .asciz  "libl4: system call before __l4_init or not provided by the kernel"

    .text
#define STUB(name, slot)                        \
    .globl  __L4_##name;                        \
    .type   __L4_##name, @function;             \
__L4_##name:                                    \
    jmp     *(__l4_syslinks + 4 * (slot));      \
    .size   __L4_##name, . - __L4_##name

STUB(Ipc,               L4LIB_SYS_IPC)
STUB(Lipc,              L4LIB_SYS_LIPC)
STUB(ExchangeRegisters, L4LIB_SYS_EXCHANGEREGISTERS)
STUB(ThreadControl,     L4LIB_SYS_THREADCONTROL)
STUB(SystemClock,       L4LIB_SYS_SYSTEMCLOCK)
STUB(ThreadSwitch,      L4LIB_SYS_THREADSWITCH)
STUB(Schedule,          L4LIB_SYS_SCHEDULE)
STUB(Unmap,             L4LIB_SYS_UNMAP)
STUB(SpaceControl,      L4LIB_SYS_SPACECONTROL)
STUB(ProcessorControl,  L4LIB_SYS_PROCESSORCONTROL)
STUB(MemoryControl,     L4LIB_SYS_MEMORYCONTROL)

/* There is no sensible value to return, so stay in the debugger. */
    .type   __l4_syscall_unset, @function
__l4_syscall_unset:
    int3
    jmp     1f
    movl    $unset_msg, %eax
1:  jmp     __l4_syscall_unset
    .size   __l4_syscall_unset, . - __l4_syscall_unset

    .section .note.GNU-stack, "", @progbits

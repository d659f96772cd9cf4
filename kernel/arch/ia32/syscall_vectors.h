/* Interrupt vectors of the int-gate system-call path (the KIP stubs use
 * them; IPC uses sysenter where the CPU has it). */
#ifndef PECAN_IA32_SYSCALL_VECTORS_H
#define PECAN_IA32_SYSCALL_VECTORS_H
#define SYS_IPC                 0x80
#define SYS_LIPC                0x81
#define SYS_EXCHANGE_REGISTERS  0x82
#define SYS_THREAD_CONTROL      0x83
#define SYS_SYSTEM_CLOCK        0x84
#define SYS_THREAD_SWITCH       0x85
#define SYS_SCHEDULE            0x86
#define SYS_UNMAP               0x87
#define SYS_SPACE_CONTROL       0x88
#define SYS_PROCESSOR_CONTROL   0x89
#define SYS_MEMORY_CONTROL      0x8a
#define SYS_LAST                0x8a
#define SYSENTER_MARK           0x100
#endif

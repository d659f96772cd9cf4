/* Slots of the system-call link table shared by syscalls.S and init.c. */
#ifndef LIBL4_SYSLINKS_H
#define LIBL4_SYSLINKS_H

#define L4LIB_SYS_IPC               0
#define L4LIB_SYS_LIPC              1
#define L4LIB_SYS_EXCHANGEREGISTERS 2
#define L4LIB_SYS_THREADCONTROL     3
#define L4LIB_SYS_SYSTEMCLOCK       4
#define L4LIB_SYS_THREADSWITCH      5
#define L4LIB_SYS_SCHEDULE          6
#define L4LIB_SYS_UNMAP             7
#define L4LIB_SYS_SPACECONTROL      8
#define L4LIB_SYS_PROCESSORCONTROL  9
#define L4LIB_SYS_MEMORYCONTROL     10
#define L4LIB_NSYSCALLS             11

#endif

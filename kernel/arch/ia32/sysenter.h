/* The sysenter entry's frame (entry.S, fastipc_entry.S). */
#ifndef PECAN_IA32_SYSENTER_H
#define PECAN_IA32_SYSENTER_H

#include "layout.h"
#include "fastipc.h"

#ifdef __ASSEMBLER__
/* sysenter: esp = &tss.esp0 (MSR_SYSENTER_ESP, gdt.h), user esp in
 * %ebp, return eip in %ebx. Builds the struct trap_frame an int-gate
 * entry builds, marked SYSENTER_MARK, with every register saved. %ds and
 * %es are still the USER's afterwards (any selector the user loaded, a
 * small window, or null): the fast path addresses memory through %ss
 * (flat, loaded by sysenter) or %esp/%ebp (whose default segment is %ss),
 * and sysenter_general loads the kernel's before any C code. EFLAGS is
 * still the user's but for IF (and TF, see debug.c): the general path
 * loads the kernel's; the fast path needs only DF, for its word copy. */
    .macro SYSENTER_FRAME
    movl (%esp), %esp               /* the top of current's kernel stack */
    pushl $SEL_UDATA                /* ss */
    pushl %ebp                      /* user esp */
    pushfl
    orl  $0x200, (%esp)             /* user eflags had IF set */
    pushl $SEL_UCODE                /* cs */
    pushl %ebx                      /* return address */
    pushl $0                        /* error code */
    pushl $0x100                    /* SYSENTER_MARK: not an IDT vector */
    pushal
#if STATS
    movl $SEL_KDATA, %ebp           /* bench kernel: C code follows (the */
    movl %ebp, %ds                  /* exits load the user's segments) */
    movl %ebp, %es
    pushl %eax                      /* count the entry, */
    pushl %ecx                      /* keeping the fast path's registers */
    pushl %edx
    call stats_count_entry
    popl %edx
    popl %ecx
    popl %eax
#endif
    .endm

/* The kernel's %ds and %es (never trust the user's: its segments end at
 * its space's limit, small spaces, or it loaded something else).
 * Clobbers %eax (the frame holds the user's). */
    .macro KERNEL_DS
    movl $SEL_KDATA, %eax
    movl %eax, %ds
    movl %eax, %es
    .endm
#endif

#endif

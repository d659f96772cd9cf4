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
 * loads the kernel's; the fast path needs only DF, for its word copy.
 *
 * The frame's words and who reads them (docs/ipc.md "The sysenter frame"):
 *   ss      SEL_UDATA. iret exits (trap_return, the small-space fast
 *           exit); every sysexit exit loads %ds and %es from it (one
 *           instruction each: sysexit sets cs and ss itself).
 *   esp     user esp: the sysexit exits (into %ecx), iret, exregs, kdb.
 *   eflags  the user's, with IF CLEAR: see below.
 *   cs      SEL_UCODE: iret exits, trap_return's "from user" test.
 *   eip     return address: as esp.
 *   error   0: read by no one for this frame (kdb prints it).
 *   vector  SYSENTER_MARK: arch_ipc_wait_take (fastipc.h) believes the
 *           wait token only under such a frame.
 *   pushal  the registers: the general path's arguments (eax, ecx, edx,
 *           esi; ebx and ebp hold eip and esp again), results written
 *           over eax, esi, ebx, ebp; edi comes back as it entered; ecx and
 *           edx come back as they entered on iret exits only.
 * Every word is written here, in order, each by one push at the stack
 * pointer's own slot: an NMI (or a debug trap) taken in the middle pushes
 * its frame only below the words already written, and those below are
 * written after it returns, so no word is ever left as another entry's.
 *
 * EFLAGS.IF: the user's IF is always on (IOPL 0: cli/sti trap and are
 * emulated on the virtual IF, vif.c), and the saved word keeps the IF of
 * the moment after sysenter, clear. Invariant: the eflags word of a frame
 * marked SYSENTER_MARK has IF clear for as long as the thread is in the
 * kernel; every sysexit exit pops it with popfl and only then turns
 * interrupts on with sti, whose one-instruction shadow covers sysexit (a
 * set IF there would let an interrupt in between popfl and sysexit, on
 * the exiting thread's stack with the user's selectors loaded). Whoever
 * leaves such a frame by iret sets IF first (sysenter_exit's iret branch,
 * the small-space fast exit, arch_thread_resume_user); whoever writes the
 * word keeps IF as it was (ExchangeRegisters; debug.c, vif.c, kdb touch
 * other bits only); ExchangeRegisters reports IF on. */
    .macro SYSENTER_FRAME
    movl (%esp), %esp               /* the top of current's kernel stack */
    pushl $SEL_UDATA                /* ss */
    pushl %ebp                      /* user esp */
    pushfl                          /* IF clear: see above */
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

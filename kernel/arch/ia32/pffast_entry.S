/* The pager's reply's way in (pffast.c; docs/fastpaths-events.md, "Page-
 * fault round trip"). The assembly IPC path's first test sends every
 * message with typed items (or the p flag) here instead of straight to
 * sysenter_general: a message of exactly one typed item (a map item's two
 * words, the pager's usual reply), not propagated, whose `to` names a TCB
 * slot waiting in the page-fault fast path goes to pf_reply_sysenter (C)
 * with the kernel's segments and flags; everything else, and whatever
 * that C refuses, goes to sysenter_general with nothing changed (the
 * frame holds every argument, so any register may be clobbered).
 *
 * Entered from sysenter_entry (fastipc_entry.S) with its frame built:
 * eax = to, ecx = timeouts, edx = from-specifier, esi = MR0 (the tag),
 * edi scratch,
 * the user's %ds/%es still loaded (memory only through %ss here),
 * interrupts off, no lock taken. */
#include "fastipc.h"
#include "sysenter.h"
#include "layout.h"
#include "excfast_asm.h"

#if IPC_FASTPATH

#define PF_KERNEL_EFLAGS 0x2            /* entry.S KERNEL_EFLAGS */

    .text
    .globl pf_reply_entry
pf_reply_entry:
    /* The TCB slot `to` names as a global ID (any value selects a slot
     * of the TCB area; unused ones read as zeros) waits in the fast
     * path's page-fault IPC (tcb.exc_wait: excfast.h). First: every
     * other typed send, and a receive-only Ipc whose MR0 still holds a
     * received typed tag, leaves here (5 instructions). */
    movl %eax, %edi
    shrl $(FAST_TID_NO_SHIFT - 12), %edi            /* number * 4 KiB, */
    andl $(TCB_AREA_SIZE - TCB_SIZE), %edi          /* ... inside the area */
    cmpb $EXC2_WAIT_PAGEFAULT, %ss:TCB_AREA + TCB_EXC_WAIT(%edi)
    jne sysenter_general
    /* Exactly one typed item (t = 2), no p flag. */
    movl %esi, %edi
    andl $(FAST_TAG_T_MASK | FAST_TAG_PROPAGATED), %edi
    cmpl $(2 << FAST_TAG_T_SHIFT), %edi
    jne sysenter_general
    /* A receive phase follows (from-specifier not nilthread): a
     * send-only reply (sigma0's L4_Reply) leaves here. */
    testl %edx, %edx
    jz sysenter_general
    /* C code: the kernel's segments, DF and AC clear (as sysenter_general). */
    KERNEL_DS
    pushl $PF_KERNEL_EFLAGS
    popfl
    pushl %esp                                      /* the frame */
    call pf_reply_sysenter
    addl $4, %esp
    testb %al, %al
    jz sysenter_general         /* refused: the general path (lock mode says what is held) */
    jmp sysenter_exit           /* done: the results are in the frame, the lock let go */

#endif

/* The exception fast path's way into the handler (excfast.c): the handler
 * blocked in a sysenter Ipc that only has to return (the ipc_fast_resume
 * mark under its frame), so its kernel stack is dropped and it leaves
 * through sysexit from its frame, as the assembly IPC path leaves it
 * (fastipc_entry.S). The switch itself (CPU record, address space, %gs,
 * ring-0 stacks, FPU, debug registers) is done in C before the call.
 *
 * void exc_fast_exit(struct tcb *prev, struct tcb *next, struct cpu_local *me)
 *
 * prev (current) is saved as arch_switch saves it, so whoever switches to
 * it later returns from this call. Interrupts are off throughout. */
#include "fastipc.h"
#include "layout.h"

#if IPC_FASTPATH

/* Both exits start alike: (prev, next, me) from the C call; prev's switch
 * frame in arch_switch's layout (it resumes by ret), then this CPU lets
 * its word go (klock_release from LOCAL): prev's state is complete, and
 * nothing of next or of this CPU is touched after it but next's frame
 * and UTCB, which only next's own CPU uses. Leaves edx = next. */
    .macro SAVE_PREV_LET_GO
    movl 4(%esp), %eax                      /* prev */
    movl 8(%esp), %edx                      /* next */
    movl 12(%esp), %ecx                     /* me */
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl %esp, TCB_KSP(%eax)
#if MAX_CPUS > 1
    movb $FAST_KL_NONE, CPU_LOCK_MODE(%ecx)
    movl CPU_KWORD(%ecx), %ecx
    incl KW_OWNER(%ecx)                     /* a release store (TSO) */
#endif
    .endm

    .text
    .globl exc_fast_exit
exc_fast_exit:
    SAVE_PREV_LET_GO
    /* next's Ipc results (do_ipc): eax = from, esi = MR0, ebx = MR1,
     * ebp = MR2, edi as it entered; out by sysexit from its frame (esp at
     * its EFLAGS word), as sysenter_exit leaves. */
    leal FAST_FRAME + FRAME_EFLAGS(%edx), %esp
#define F(x) (x - FRAME_EFLAGS)(%esp)
    movl TCB_MR(%edx), %ecx
    movl TCB_IPC_FROM(%edx), %eax
    movl (%ecx), %esi
    movl 4(%ecx), %ebx
    movl 8(%ecx), %ebp
    movl F(FRAME_EDI), %edi
    movl F(FRAME_EIP), %edx
    movl $SEL_UDATA, %ecx                   /* the user's data segment */
    movl %ecx, %ds
    movl %ecx, %es
    movl F(FRAME_ESP), %ecx
    andl $~0x200, (%esp)                    /* IF stays off until sysexit */
    popfl                                   /* the user's flags */
    sti                                     /* takes effect after sysexit */
    sysexit
#undef F

/* void exc_fast_iret(struct tcb *prev, struct tcb *next, struct cpu_local *me)
 *
 * The same for the handler's reply: prev (the handler) saved as
 * arch_switch saves it, the word let go, next (the thread whose exception
 * it answered, its new registers already in its trap frame) leaves
 * through iret from that frame, as trap_return leaves; the rest of its
 * kernel stack (its wait in trap_exc_fast) is dropped. */
    .globl exc_fast_iret
exc_fast_iret:
    SAVE_PREV_LET_GO
    leal FAST_FRAME(%edx), %esp             /* next's trap frame */
    movl $SEL_UDATA, %eax                   /* the user's data segment: its */
    movl %eax, %ds                          /* space's window (smallspace.c) */
    movl %eax, %es
    popal
    addl $8, %esp                           /* vector, error code */
    iret

#endif

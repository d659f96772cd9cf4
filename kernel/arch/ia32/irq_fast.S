/* The interrupt fast path's entry and exit (irq_fast.h; docs/
 * fastpaths-events.md "Interrupts"). Every device vector (8259 lines at
 * IRQ_BASE, IO-APIC pins at APIC_VECTOR_BASE) comes here from its IDT stub
 * (entry.S) with the vector and a zero error code pushed. From user mode
 * it builds the trap frame trap_common builds and calls trap_irq (trap.c),
 * which either delivers the interrupt to a handler that waits in a
 * sysenter Ipc and does the switch but for the stack, or runs the general
 * path. A kernel-mode or virtual-8086 interrupt goes to trap_common. */
#include "irq_fast.h"
#include "layout.h"
#include "stats.h"

#if IRQ_FASTPATH

#define KERNEL_EFLAGS 0x2

    .text
    .globl irq_common
irq_common:
    /* esp -> vector, error, eip, cs, eflags [, esp, ss]. Interrupted in
     * v86 mode or in the kernel: the general entry (its frame differs, or
     * the kernel lock is already in some state). */
    testl $0x20000, 16(%esp)        /* EFLAGS.VM */
    jnz trap_common
    testl $3, 12(%esp)              /* cs RPL 3: from user mode */
    jz trap_common
    pushal                          /* the trap frame, as TRAP_SAVE */
    pushl $KERNEL_EFLAGS            /* clears DF and AC (the gate did the */
    popfl                           /* rest) */
    movl $SEL_KDATA, %eax           /* never trust the user's %ds/%es */
    movl %eax, %ds
    movl %eax, %es
    STAT_ENTRY_ASM                  /* bench kernel: count the entry */
    pushl %esp
    call trap_irq                   /* eax = handler, or 0: general path */
    addl $4, %esp
    testl %eax, %eax
    jz trap_return                  /* done as trap_common does */

    /* The interrupted thread (the TCB under this frame: esp is its frame
     * at the top of its page) stays runnable; its switch frame, four
     * registers that need no value and the return address, goes under
     * the trap frame so that arch_switch resumes it at irq_fast_resume. */
    movl $irq_fast_resume, -4(%esp)
    leal -20(%esp), %ecx
    movl %ecx, -FAST_FRAME + TCB_KSP(%esp)      /* prev->ksp */
    /* Onto the handler's frame: its kernel stack below it is only the
     * return of its Ipc, which is dropped. From here nothing of the
     * interrupted thread's stack is touched (another CPU may run it once
     * the lock is let go). */
    leal FAST_FRAME(%eax), %esp
    call kernel_exit                /* the lock let go (klock_release), as
                                     * sysenter_ipc does before its exit */
    jmp sysenter_exit               /* sysexit (iret: TF, PVI, small) */

/* The interrupted thread, switched to again by anyone (arch_switch
 * returned here, esp = its trap frame): what trap_dispatch does after
 * irq_entry's direct switch returns, i.e. the whole lock (the resumer may
 * have held this CPU's word alone), the return checks, the exit. */
    .globl irq_fast_resume
irq_fast_resume:
    call klock_ensure_full
    pushl %esp
    call return_to_user_checks
    addl $4, %esp
    jmp trap_return

#endif

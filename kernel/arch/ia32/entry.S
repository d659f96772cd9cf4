/* Kernel entry and exit. Every trap, interrupt and int-gate system call
 * builds a struct trap_frame on the current thread's kernel stack and calls
 * trap_dispatch; sysenter builds the same frame, so the rest of the kernel
 * sees one kind of user context. */
#include "layout.h"

/* Vectors where the CPU pushes an error code itself. */
#define HAS_ERROR(n) ((n) == 8 || ((n) >= 10 && (n) <= 14) || (n) == 17 || (n) == 21)

    .altmacro
    .macro vector n
    .align 8
vector\n:
    .if !HAS_ERROR(\n)
    pushl $0
    .endif
    pushl $\n
    jmp trap_common
    .endm

    .macro vector_ref n
    .long vector\n
    .endm

    .text
    .set i, 0
    .rept 256
    vector %i
    .set i, i + 1
    .endr

    .globl trap_common
trap_common:
    pushal
    cld
    movl $SEL_UDATA, %eax           /* never trust the user's %ds/%es */
    movl %eax, %ds
    movl %eax, %es
#if IRQOFF_STATS
    testl $0x200, 48(%esp)          /* frame eflags: IF was on before? */
    jz 1f
    call irqoff_begin
1:
#endif
    pushl %esp
    call trap_dispatch
    addl $4, %esp
    /* A thread created by the kernel starts its life here, too. */
    .globl trap_return
trap_return:
#if IRQOFF_STATS
    testl $0x200, 48(%esp)          /* the iret turns interrupts on */
    jz 1f
    call irqoff_end
1:
#endif
    popal
    addl $8, %esp                   /* vector, error code */
    iret

/* sysenter: esp = &tss.esp0 (MSR), user esp in %ebp, return eip in %ebx.
 * Build the frame an int-gate entry would have built. */
    .globl sysenter_entry
sysenter_entry:
    movl (%esp), %esp
    pushl $SEL_UDATA                /* ss */
    pushl %ebp                      /* user esp */
    pushfl
    orl  $0x200, (%esp)             /* user eflags had IF set */
    pushl $SEL_UCODE
    pushl %ebx                      /* return address */
    pushl $0
    pushl $0x100                    /* SYSENTER_MARK: not an IDT vector */
    pushal
    cld
    movl $SEL_UDATA, %eax
    movl %eax, %ds
    movl %eax, %es
#if IRQOFF_STATS
    call irqoff_begin
#endif
    pushl %esp
    call sysenter_ipc               /* IPC only: no generic dispatch */
    addl $4, %esp
    /* Leave with sysexit: edx = return eip, ecx = user esp (both clobbered
     * by the IPC ABI). A frame with TF set returns through iret so that the
     * single-step trap comes after the right instruction; with CR4.PVI
     * every frame does (sysexit_iret_mask is all ones), because popfl at
     * CPL 0 cannot restore the thread's VIF and VIP. */
    movl sysexit_iret_mask, %eax
    testl %eax, 48(%esp)            /* frame eflags */
    jnz trap_return
#if IRQOFF_STATS
    call irqoff_end
#endif
    popal
    movl 8(%esp), %edx              /* frame eip */
    movl 20(%esp), %ecx             /* frame esp */
    addl $16, %esp                  /* vector, error, eip, cs */
    andl $~0x200, (%esp)            /* IF stays off until sysexit */
    popfl
    sti                             /* takes effect after sysexit */
    sysexit

    .data
    .align 4
    .globl sysexit_iret_mask
sysexit_iret_mask:
    .long 0x100                     /* EFLAGS.TF */

    .section .rodata
    .align 4
    .globl trap_vectors
trap_vectors:
    .set i, 0
    .rept 256
    vector_ref %i
    .set i, i + 1
    .endr

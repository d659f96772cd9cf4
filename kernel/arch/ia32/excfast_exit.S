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
#include "excfast_asm.h"

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

/* The switch (excfast_direct.h's direct_switch) in its common case, for
 * the two exits below that switch first: prev's context is already
 * saved (its frame above us). esi = prev, ebx = next, ebp = me; eax,
 * ecx, edx, edi clobbered. Common case, tested before anything is
 * written: next's space large with an unpolluted directory, no small
 * segments loaded here, no iret forced (space_switch.h's common case),
 * next a user thread, no breakpoints to load (next's DR7, this CPU's),
 * lazy FPU; if its directory must be loaded, the directory already holds
 * both kernel stacks' entries (pd_sync_kernel has nothing to do) and
 * next's space uses the installed I/O bitmap. Anything else: the C
 * switch (direct_switch_out), which does the same steps and the rest. */
direct_switch_asm:
#if !STATS                                  /* STATS: the C switch counts */
    movl TCB_SPACE(%ebx), %edi              /* edi = s, next's space */
    movl CPU_SMALL_CPU(%ebp), %ecx          /* ecx = c, small_cpus[index] */
    movzbl SPACE_SMALL_POLLUTED(%edi), %eax
    orl SPACE_SMALL_BASE(%edi), %eax        /* s small or polluted, */
    orl SMALL_CPU_SEG_BASE(%ecx), %eax      /* small segments loaded, */
    movzbl SMALL_CPU_IRET_FORCED(%ecx), %edx
    orl %edx, %eax                          /* iret forced, */
    movzbl fpu_eager, %edx
    orl %edx, %eax                          /* eager FPU switching */
    jz 1f
#endif
    jmp 9f
/* The same entered where direct_ok (excfast_direct.h) passed for next:
 * its space large and unpolluted, no small segments here, no iret
 * forced, fast_off's mode byte clear (so lazy FPU). */
direct_switch_asm_ok:
#if !STATS
    movl TCB_SPACE(%ebx), %edi              /* edi = s, next's space */
    movl CPU_SMALL_CPU(%ebp), %ecx          /* ecx = c, small_cpus[index] */
1:  movl TCB_DR7(%ebx), %eax                /* next's breakpoints, */
    movzbl CPU_DR_LOADED(%ebp), %edx
    orl %edx, %eax                          /* this CPU's loaded */
    jnz 9f
    testb $EXC2_TF_KERNEL, TCB_FLAGS(%ebx)  /* a kernel thread: no %gs */
    jnz 9f
    cmpl SMALL_CPU_PD_SPACE(%ecx), %edi     /* its directory loaded? */
    je 2f
    movl SPACE_IO_BM0(%edi), %eax           /* no io_switch needed */
    cmpl CPU_IO_BM(%ebp), %eax
    jne 9f
    movl SPACE_PD(%edi), %edx               /* edx = s->pd */
    movl %ebx, %eax
    shrl $22, %eax                          /* next's stack's entry */
    testb $1, (%edx,%eax,4)                 /* present (PTE_P)? */
    jz 9f
    movl %esi, %eax
    shrl $22, %eax                          /* prev's stack's entry */
    testb $1, (%edx,%eax,4)
    jz 9f
    /* ---- Nothing failed: the switch. ---- space_load_pd: */
    subl $KERNEL_VBASE, %edx                /* virt_to_phys(s->pd) */
    movl %edx, %cr3
    movl %edi, SMALL_CPU_PD_SPACE(%ecx)     /* whose directory is loaded */
    incl small_stats + SMALL_STATS_CR3
2:  movl CPU_GDT(%ebp), %ecx                /* gdt_set_utcb: next's */
    movl TCB_GS_DESC(%ebx), %edi            /* UTCB segment, */
    movl %edi, (SEL_UTCB & ~7)(%ecx)
    movl TCB_GS_DESC + 4(%ebx), %edi
    movl %edi, (SEL_UTCB & ~7) + 4(%ecx)
    movl $SEL_UTCB, %edi
    movl %edi, %gs                          /* ... reloaded */
    incl CPU_CSW(%ebp)                      /* the CPU record */
    movl %ebx, CPU_RUNNING(%ebp)
    movl %ebp, TCB_ON_CPU(%ebx)
    leal TCB_SIZE(%ebx), %edi               /* next's ring-0 stack */
    movl %edi, CPU_TSS_ESP0(%ebp)
    /* Lazy FPU (fpu_switch_to): CR0.TS set unless next owns the FPU. */
    cmpl CPU_FPU_HOLDER(%ebp), %ebx
    je 3f
    cmpb $0, CPU_FPU_TS(%ebp)
    jne 4f
    movl %cr0, %eax                         /* someone else's: set TS */
    orl $FAST_CR0_TS, %eax
    movl %eax, %cr0
    movb $1, CPU_FPU_TS(%ebp)
    ret
3:  cmpb $0, CPU_FPU_TS(%ebp)               /* next's: TS clear */
    je 4f
    clts
    movb $0, CPU_FPU_TS(%ebp)
4:  ret
#endif
9:
    pushl %ebx                              /* next */
    pushl %esi                              /* prev */
    pushl %ebp                              /* me */
    call direct_switch_out
    addl $12, %esp
    ret

/* Both with the switch first (`sw`: direct_switch_asm, or its _ok entry
 * where direct_ok passed): prev saved, the switch, the word let go, then
 * the exit as below. Leaves edx = next. */
    .macro SAVE_PREV_SWITCH_LET_GO sw
    pushl %ebp
    pushl %ebx
    pushl %esi
    pushl %edi
    movl 20(%esp), %esi                     /* prev */
    movl 24(%esp), %ebx                     /* next */
    movl 28(%esp), %ebp                     /* me */
    movl %esp, TCB_KSP(%esi)
    call \sw
    movl %ebx, %edx
#if MAX_CPUS > 1
    movb $FAST_KL_NONE, CPU_LOCK_MODE(%ebp)
    movl CPU_KWORD(%ebp), %ecx
    incl KW_OWNER(%ecx)                     /* a release store (TSO) */
#endif
    .endm

    .text
/* void exc_fast_switch_exit(struct tcb *prev, struct tcb *next,
 *                           struct cpu_local *me)
 * direct_switch(me, prev, next), then exc_fast_exit; direct_ok(me, next)
 * passed (its only callers: direct_handoff's). */
    .globl exc_fast_switch_exit
exc_fast_switch_exit:
    SAVE_PREV_SWITCH_LET_GO direct_switch_asm_ok
    jmp exc_fast_exit_next

    .globl exc_fast_exit
exc_fast_exit:
    SAVE_PREV_LET_GO
exc_fast_exit_next:
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
    movw F(FRAME_SS), %ds                   /* the user's data segment (the */
    movw F(FRAME_SS), %es                   /* frame's ss word: SEL_UDATA) */
    movl F(FRAME_ESP), %ecx
    popfl                                   /* the user's flags, IF off (a */
                                            /* sysenter frame's: sysenter.h) */
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
exc_fast_iret_next:
    leal FAST_FRAME(%edx), %esp             /* next's trap frame */
    movl $SEL_UDATA, %eax                   /* the user's data segment: its */
    movl %eax, %ds                          /* space's window (smallspace.c) */
    movl %eax, %es
    popal
    addl $8, %esp                           /* vector, error code */
    iret

/* void exc_fast_switch_iret(struct tcb *prev, struct tcb *next,
 *                           struct cpu_local *me)
 * direct_switch(me, prev, next), then exc_fast_iret. */
    .globl exc_fast_switch_iret
exc_fast_switch_iret:
    SAVE_PREV_SWITCH_LET_GO direct_switch_asm
    jmp exc_fast_iret_next

/* The same from pffast_entry.S's commit, prev's switch frame already
 * made (it resumes at ipc_fast_resume; esp is that frame): esi = prev,
 * ebx = next, ebp = me, mode LOCAL. */
    .globl exc_fast_switch_iret_asm
exc_fast_switch_iret_asm:
    call direct_switch_asm
    movl %ebx, %edx
#if MAX_CPUS > 1
    movb $FAST_KL_NONE, CPU_LOCK_MODE(%ebp)
    movl CPU_KWORD(%ebp), %ecx
    incl KW_OWNER(%ecx)                     /* a release store (TSO) */
#endif
    jmp exc_fast_iret_next

#endif

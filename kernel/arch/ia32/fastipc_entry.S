/* The IPC fast path (docs/ipc.md "Fast path"): the sysenter entry, and for
 * the common call and reply-and-wait the whole IPC, switch and exit.
 *
 * It takes an IPC that the C path (ipc.c: ipc_syscall, ipc_fastpath, with
 * sched_handoff) would finish with a direct switch, and leaves exactly the
 * state that path leaves: TCB states, partners, ipc_from/ipc_error/
 * ipc_done, MR0 of both UTCBs and the copied words, the returned
 * registers, `current`, context_switches, the ring-0 stack pointers, the
 * %gs descriptor, CR3. Qualifies: untyped words only, no p flag, receive
 * timeout never, `to` a global or local ID of a thread that
 *   - waits for us or for anythread, blocked in a sysenter Ipc whose end
 *     is only its return to user mode (blocked by this fast path, or by
 *     the C fast path's handoff, which marks it: ipc_user_wait, ipc.h),
 *   - is queued, not halted, no wakeup armed, quantum left, no hardware
 *     breakpoints, no single step in its saved EFLAGS,
 *   - has at least our priority,
 * the from-specifier is `to` (call) or anythread with no sender queued on
 * us (reply and wait), a redirector of our space lets the send go direct
 * (ipc_redirect_exempt), no interrupt is
 * pending, no reschedule is due (lazy FPU switching: CR0.TS is set or
 * cleared here as fpu_switch_to does), no breakpoints are loaded, and
 * in another space its I/O bitmap is the installed one. The tests that
 * the common slow cases fail (typed items, receive-only, replies to
 * kernel IPCs, interrupt acknowledgements) come first. Everything else
 * goes to sysenter_general with the frame already built: nothing has
 * changed at that point.
 *
 * The sender stays blocked with a switch frame under its trap frame that
 * resumes at ipc_fast_resume: whoever completes its IPC, the fast path
 * (which checks for that return address and then drops the receiver's
 * kernel stack: it goes straight to user mode) or the general path
 * (arch_switch returns there and fastipc.c finishes the Ipc as
 * ipc_syscall would). A caller the C fast path blocked has the same word
 * under its frame while it sleeps (fastipc.h, arch_ipc_wait_mark); the
 * rest of its C stack is only the return of its results, which the fast
 * path does itself.
 *
 * Memory accesses use %ds after SYSENTER_FRAME loaded it; interrupts are
 * off throughout (sysenter cleared IF). */
#include "fastipc.h"
#include "sysenter.h"
#include "layout.h"

#if IPC_FASTPATH

#define SLOW sysenter_general

    .text
    .globl sysenter_entry
sysenter_entry:
    SYSENTER_FRAME
    /* eax = to, ecx = timeouts, edx = from-specifier, esi = MR0 (tag).
     * The frame holds them all: a jump to SLOW may clobber any register. */

    /* The message: untyped words only, not propagated. */
    testl $(FAST_TAG_T_MASK | FAST_TAG_PROPAGATED), %esi
    jnz SLOW
    /* Receive timeout never (the send phase needs none: the partner waits). */
    testw %cx, %cx
    jnz SLOW
#if TRACE
    /* Tracing IPC or switches (kernel/trace.h): the general path records
     * them; one byte test while tracing is off. */
    testb $(TRACE_FAST_KINDS), trace_mask
    jnz SLOW
#endif

    /* ebp = our CPU record (self->on_cpu; self's TCB is the page under
     * this frame). A small space's user segments loaded here (current is
     * small: its user addresses are window-relative): the general path
     * (space_switch.h). */
    movl -FAST_FRAME + TCB_ON_CPU(%esp), %ebp       /* me */
    movl CPU_INDEX(%ebp), %ebx
    shll $SMALL_CPU_SIZE_LOG2, %ebx                 /* our small_cpus record */
    cmpl $0, small_cpus + SMALL_CPU_SEG_BASE(%ebx)
    jne SLOW
#if MAX_CPUS > 1
    /* This CPU's kernel-lock word (klock.h klock_local; docs/smp.md,
     * "Fast-path contract"), before the first TCB is read. The lock mode
     * stays NONE while the word is held here: nothing reads it with
     * interrupts off, and every exit to the general path from here on
     * (SLOW, now fast_slow_locked) sets it to LOCAL first. */
    movl CPU_KWORD(%ebp), %ebx                      /* our word */
    movl $1, %edi
    lock xaddl %edi, KW_NEXT(%ebx)                  /* edi = our ticket */
    cmpl KW_OWNER(%ebx), %edi
    jne fast_lock_wait                              /* someone else has it */
#undef SLOW
#define SLOW fast_slow_locked
#endif

    /* The receiver: TCB of to's thread number. Any to selects a slot of
     * the TCB area (the mask wraps it); local IDs, nilthread, anythread
     * and out-of-range numbers fail the ID comparison (a never-used slot
     * reads as zeros), so tcb_lookup's range tests are folded into it. */
    movl %eax, %ebx
    shrl $(FAST_TID_NO_SHIFT - 12), %ebx     /* number * 4 KiB, */
    andl $(TCB_AREA_SIZE - TCB_SIZE), %ebx          /* ... inside the area */
    addl $TCB_AREA, %ebx                            /* ebx = dest */
    cmpl %eax, TCB_GID(%ebx)
    jne local_to                                    /* a local ID? */
have_dest:
    /* Blocked in a sysenter Ipc that only has to return: the word under
     * its frame is ipc_fast_resume (its switch frame's return address, or
     * the C fast path's mark). Any kernel entry overwrites that word (the
     * `pushl %esp` of every entry path lands there), so it means what it
     * says while the thread is in TS_RECV_WAIT. First, as replies to
     * kernel IPCs (exceptions, page faults) and acknowledgements to
     * interrupt threads leave here. */
    cmpl $ipc_fast_resume, FAST_RESUME_RET(%ebx)
    jne SLOW
    /* Receiving, queued (sched_handoff then has no queue work), and no
     * other flag (halted, kernel, interrupt, wakeup armed, quantum out,
     * starting): state and flags in one 16-bit compare. */
    cmpw $(FAST_TS_RECV_WAIT | FAST_TF_QUEUED << 8), TCB_STATE(%ebx)
    jne SLOW
    /* Its saved EFLAGS leaves by sysexit (no TF; PVI or eager FPU: never). */
    movl ipc_fast_mask, %ecx
    testl %ecx, FAST_FRAME + FRAME_EFLAGS(%ebx)
    jnz SLOW

    /* The sender: the TCB whose page holds this stack (esp = its frame,
     * at the top of the page; with SMP no global `current` is needed). */
    leal -FAST_FRAME(%esp), %edi                    /* edi = self */
    /* Receive phase: from dest (call), or anythread with nobody queued
     * on us (reply and wait); edx is then what our `partner` becomes. A
     * send-only IPC (nilthread) leaves here. */
    cmpl %eax, %edx
    je 2f
    cmpl $FAST_ANYTHREAD, %edx
    jne SLOW
    cmpl $0, TCB_SQ_HEAD(%edi)
    jne SLOW
2:  /* dest accepts us: waits for us, or for anythread (anylocalthread:
     * general path). */
    movl TCB_PARTNER(%ebx), %ecx
    cmpl TCB_GID(%edi), %ecx
    je 1f
    incl %ecx                                       /* anythread = -1 */
    jnz SLOW
1:  /* Redirection: none in our space, or the send stays direct. */
    cmpl $0, TCB_REDIRECTOR(%edi)
    jne redirected
direct:
    /* dest at least our priority: it is the thread to run once we block
     * (sched_can_handoff's first case). */
    movb TCB_PRIO(%edi), %cl
    cmpb %cl, TCB_PRIO(%ebx)
    jb SLOW
    /* SMP: both threads homed on this CPU (me = self->on_cpu; a waiting
     * dest is not running, so its home is where it will run). Otherwise
     * the general path, which takes the whole lock and wakes dest at its
     * home CPU. The lock word was taken at the entry; every "this CPU"
     * reference below goes through our CPU record (ebp). */
    movl TCB_ON_CPU(%edi), %ebp                     /* me */
    cmpl %ebp, TCB_CPU(%edi)
    jne SLOW
    cmpl %ebp, TCB_CPU(%ebx)
    jne SLOW
    /* Per-CPU state in one or-chain, zero if the switch needs nothing but
     * the fast path's own work: no interrupt pending, no reschedule due
     * on this CPU, no breakpoints loaded here and none for dest
     * (debug_switch_to). The FPU (fpu_switch_to) is done after the
     * commit. */
    movl irq_pending, %ecx
    orb CPU_RESCHED(%ebp), %cl
    orb CPU_DR_LOADED(%ebp), %cl
    orl TCB_DR7(%ebx), %ecx
    jnz SLOW
    /* Small spaces (space_switch.h's common case): dest's space large and
     * its directory never holding region copies, no iret forced here. */
    movl TCB_SPACE(%ebx), %eax
    movl SPACE_SMALL_BASE(%eax), %ecx
    orb SPACE_SMALL_POLLUTED(%eax), %cl
    movl CPU_INDEX(%ebp), %eax
    shll $SMALL_CPU_SIZE_LOG2, %eax
    orb small_cpus + SMALL_CPU_IRET_FORCED(%eax), %cl
    jnz SLOW

    /* Address space: same (from = our local ID, no CR3 load) or other
     * (from = our global ID; its I/O bitmap must be the installed one,
     * its page directory is the new CR3). dest's stack is mapped there:
     * dest ran in that space when it blocked. */
    movl TCB_SPACE(%ebx), %ecx
    cmpl %ecx, TCB_SPACE(%edi)
    jne 3f
    movl TCB_UTCB_UADDR(%edi), %eax
#if FASTPATH == 2
    addl $FAST_MR0_OFFSET + 4, %eax         /* deliberately wrong (config.mk) */
#else
    addl $FAST_MR0_OFFSET, %eax               /* tcb_id_for: local */
#endif
    xorl %ecx, %ecx                                 /* no CR3 load */
    jmp 4f
3:  movl SPACE_IO_BM0(%ecx), %eax   /* this CPU's I/O bitmap window */
    cmpl CPU_IO_BM(%ebp), %eax
    jne SLOW
    movl SPACE_PD(%ecx), %ecx
    subl $KERNEL_VBASE, %ecx                        /* ecx = new CR3 */
    movl TCB_GID(%edi), %eax                        /* tcb_id_for: global */
4:
    /* ---- Commit: nothing fails from here on. ----
     * eax = from (as dest sees us), ebx = dest, ecx = CR3 or 0,
     * edx = our receive specifier, esi = tag, edi = self. */
    movl TCB_MR(%edi), %ebp
    movl %esi, (%ebp)                       /* our MR0 = tag (do_ipc) */
    /* We block in our receive phase (ipc_fastpath's self stores). */
    movb $FAST_TS_RECV_WAIT, TCB_STATE(%edi)
    movl %edx, TCB_PARTNER(%edi)
    movl $FAST_NILTHREAD, TCB_IPC_FROM(%edi)
    movl $0, TCB_IPC_ERROR(%edi)
    movb $0, TCB_IPC_DONE(%edi)
    /* Our switch frame: arch_switch resumes us at ipc_fast_resume. */
    movl $ipc_fast_resume, -4(%esp)
    leal -20(%esp), %edx
    movl %edx, TCB_KSP(%edi)
    /* dest's IPC is done: sender, no error, runnable (still queued). */
    movl %eax, TCB_IPC_FROM(%ebx)
    movl $0, TCB_IPC_ERROR(%ebx)
    movb $1, TCB_IPC_DONE(%ebx)
    movb $FAST_TS_READY, TCB_STATE(%ebx)
    /* The message: MR0 as delivered (label and u), then MR1..MRu. */
    andl $(FAST_TAG_LABEL_MASK | FAST_TAG_U_MASK), %esi
    movl TCB_MR(%ebx), %edx                 /* edx = dest's MRs */
    movl %esi, (%edx)
    testl $FAST_TAG_U_MASK, %esi
    jnz copy_words
copied:
    /* From here edi = me, our CPU record (self->on_cpu; self's TCB is
     * still the page under esp). */
    movl -FAST_FRAME + TCB_ON_CPU(%esp), %edi
    /* Lazy FPU (fpu_switch_to): CR0.TS set unless dest owns the FPU. */
    movzbl CPU_FPU_TS(%edi), %ebp
    cmpl CPU_FPU_HOLDER(%edi), %ebx
    je fast_fpu_owner
    testl %ebp, %ebp
    jz fast_fpu_set_ts
fast_fpu_done:

    /* The switch (switch_to, arch_switch_to), on this CPU's record.
     * eax = from stays. */
    incl CPU_CSW(%edi)
    movl %ebx, CPU_RUNNING(%edi)
    movl %edi, TCB_ON_CPU(%ebx)             /* cpu_self() there is me */
    leal FAST_FRAME + FRAME_EFLAGS(%ebx), %esp  /* onto dest's frame */
    jecxz 5f                                /* same space: CR3 stays */
    movl %ecx, %cr3
    movl %ecx, CPU_LOADED_PD(%edi)          /* for TLB shootdown */
    movl CPU_INDEX(%edi), %ecx              /* whose directory is loaded */
    shll $SMALL_CPU_SIZE_LOG2, %ecx
    movl TCB_SPACE(%ebx), %ebp
    movl %ebp, small_cpus + SMALL_CPU_PD_SPACE(%ecx)
    incl small_stats + SMALL_STATS_CR3
#if STATS
    leal -64(%esp), %esp                   /* below dest's frame (its */
    pushal                                  /* old stack is dropped) */
    call stats_count_fast_cr3
    popal
    leal 64(%esp), %esp
#endif
5:
#if STATS
    leal -64(%esp), %esp                   /* below dest's frame (its */
    pushal                                  /* old stack is dropped) */
    call stats_count_fast_gs
    popal
    leal 64(%esp), %esp
#endif
    leal TCB_SIZE(%ebx), %ebp               /* dest's ring-0 stack */
    movl CPU_TSS(%edi), %ecx
    movl %ebp, TSS_ESP0(%ecx)
    movl CPU_SYSENTER(%edi), %ecx
    movl %ebp, SYSENTER_ESP0(%ecx)
    movl CPU_GDT(%edi), %ecx
    movl TCB_GS_DESC(%ebx), %ebp            /* dest's UTCB segment, */
    movl %ebp, (SEL_UTCB & ~7)(%ecx)
    movl TCB_GS_DESC + 4(%ebx), %ebp
    movl %ebp, (SEL_UTCB & ~7) + 4(%ecx)
    movl $SEL_UTCB, %ebp
    movl %ebp, %gs                          /* ... reloaded */
#if MAX_CPUS > 1
    /* This CPU lets its word go (klock_release; the mode is still
     * NONE): nothing of dest or of this CPU is touched below but the
     * frame that sysexit leaves by. */
    movl CPU_KWORD(%edi), %ecx
    incl KW_OWNER(%ecx)                     /* a release store (TSO) */
#endif
    /* dest's registers (do_ipc): eax = from, esi = MR0, ebx = MR1,
     * ebp = MR2, edi as it entered; out through sysexit as sysenter_exit
     * does, from the frame it entered with (esp at its EFLAGS word). */
#define F(x) (x - FRAME_EFLAGS)(%esp)
    movl 4(%edx), %ebx
    movl 8(%edx), %ebp
    movl F(FRAME_EDI), %edi
    movl F(FRAME_EIP), %edx
    movl $SEL_UDATA, %ecx                   /* the user's data segment */
    movl %ecx, %ds                          /* (the kernel ran on its own) */
    movl %ecx, %es
    movl F(FRAME_ESP), %ecx
    andl $~0x200, (%esp)                    /* IF stays off until sysexit */
    popfl                                   /* the user's flags */
    sti                                     /* takes effect after sysexit */
    sysexit
#undef F

/* to is not a global ID: maybe a local one (tcb_resolve). eax = to,
 * edx = from-specifier. A local ID is the address of the thread's MR0 in
 * our space: inside our UTCB area, on a UTCB boundary, a used slot. The
 * UTCB there (our space's memory, a kernel-owned page: mapped) names the
 * global ID that claims it; believe it if that thread lives in our space
 * at that UTCB. Then eax = its global ID, and a from-specifier equal to
 * `to` (a call) becomes it too, as ipc_fastpath's receive phase waits for
 * dest->gid; any other from-specifier but anythread: general path. */
local_to:
    testl %eax, %eax                                /* nilthread: a receive */
    jz SLOW
    leal -FAST_FRAME(%esp), %edi                    /* self */
    movl TCB_SPACE(%edi), %ecx
    leal -FAST_MR0_OFFSET(%eax), %ebx               /* the UTCB location */
    movl %ebx, %ebp
    subl SPACE_UTCB_BASE(%ecx), %ebp
    cmpl SPACE_UTCB_SIZE(%ecx), %ebp                /* in the area (also */
    jae SLOW                                        /* nil, any, anylocal) */
    testl $((1 << FAST_UTCB_SIZE_LOG2) - 1), %ebp   /* a UTCB boundary */
    jnz SLOW
    shrl $FAST_UTCB_SIZE_LOG2, %ebp
    btl %ebp, SPACE_UTCB_USED(%ecx)                 /* a used slot */
    jnc SLOW
    cmpl %eax, %edx                                 /* call: from = to */
    movl 4 * FAST_MYGLOBALID(%eax), %eax            /* its global ID */
    je 1f
    cmpl $FAST_ANYTHREAD, %edx
    jne SLOW
    jmp 2f
1:  movl %eax, %edx
2:  movl %eax, %ebp
    shrl $(FAST_TID_NO_SHIFT - 12), %ebp
    andl $(TCB_AREA_SIZE - TCB_SIZE), %ebp
    addl $TCB_AREA, %ebp                            /* its TCB */
    cmpl %eax, TCB_GID(%ebp)
    jne SLOW
    cmpl %ecx, TCB_SPACE(%ebp)                      /* our space */
    jne SLOW
    cmpl %ebx, TCB_UTCB_UADDR(%ebp)                 /* that UTCB */
    jne SLOW
    movl %ebp, %ebx
    jmp have_dest

/* The FPU switch, out of line (as fpu.c's fpu_set_ts): dest owns the FPU,
 * so CR0.TS must be clear; or someone else does and it must be set. */
fast_fpu_owner:
    testl %ebp, %ebp
    jz fast_fpu_done                                /* already clear */
    clts
    movb $0, CPU_FPU_TS(%edi)
    jmp fast_fpu_done
fast_fpu_set_ts:
    movl %cr0, %ebp
    orl $FAST_CR0_TS, %ebp
    movl %ebp, %cr0
    movb $1, CPU_FPU_TS(%edi)
    jmp fast_fpu_done

#if MAX_CPUS > 1
/* Our lock word is busy (another CPU holds the whole lock or waits for
 * it): wait in C, serving requests meanwhile, then take the general path
 * with the word held (sysenter_ipc sees lock_mode LOCAL). ebp = me,
 * edi = our ticket. */
fast_lock_wait:
    pushl %edi
    pushl %ebp
    call ipc_fast_lock_wait
    addl $8, %esp
    jmp sysenter_general

/* Every exit to the general path after the word was taken: the mode
 * says so to sysenter_ipc (which would take the word again otherwise).
 * esp is still the entry frame at every such exit (the fast path moves
 * it only after its last check), so self's TCB is the page under it. */
fast_slow_locked:
    movl -FAST_FRAME + TCB_ON_CPU(%esp), %ecx       /* me */
    movb $FAST_KL_LOCAL, CPU_LOCK_MODE(%ecx)
    jmp sysenter_general
#endif

/* Our space has a redirector (ipc_redirect_exempt): the send stays direct
 * if dest is in our space or in the redirector's (the redirector thread
 * still existing). eax = to, ebx = dest, edi = self. */
redirected:
    movl TCB_SPACE(%ebx), %ecx
    cmpl %ecx, TCB_SPACE(%edi)
    je direct                                       /* our own space */
    movl TCB_REDIRECTOR(%edi), %ebp
    shrl $(FAST_TID_NO_SHIFT - 12), %ebp
    andl $(TCB_AREA_SIZE - TCB_SIZE), %ebp
    addl $TCB_AREA, %ebp                            /* the redirector's TCB */
    movl TCB_GID(%ebp), %ecx
    cmpl %ecx, TCB_REDIRECTOR(%edi)                 /* still that thread */
    jne SLOW
    movl TCB_SPACE(%ebp), %ecx
    cmpl %ecx, TCB_SPACE(%ebx)                      /* dest in its space */
    jne SLOW
    jmp direct

/* MR1..MRu (u > 0) from our UTCB (ebp) to dest's (edx, MR0 written):
 * edi (self) is no longer needed, ecx (CR3) waits in ebp. */
copy_words:
    leal 4(%ebp), %esi                      /* from our MR1 */
    movl %ecx, %ebp                         /* keep CR3 */
    leal 4(%edx), %edi                      /* to dest's MR1 */
    movl (%edx), %ecx
    andl $FAST_TAG_U_MASK, %ecx             /* u words */
    cld                                     /* the user's DF is in the frame */
    rep movsl
    movl %ebp, %ecx
    movl (%edx), %esi                       /* the tag again */
    jmp copied

/* A thread this fast path blocked, switched to by the general path:
 * arch_switch returned here, esp = its frame. */
    .globl ipc_fast_resume
ipc_fast_resume:
    pushl %esp
    call ipc_fast_resumed
    addl $4, %esp
    jmp sysenter_exit

#endif

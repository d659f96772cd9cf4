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
 * Segments: the entry leaves the user's %ds and %es loaded (sysenter.h).
 * Every memory access here goes through %ss, the flat kernel segment
 * sysenter loaded: implicitly when based on %esp or %ebp, by an explicit
 * %ss: override otherwise; the word copy loads the kernel's %es for its
 * stores; the exit loads the user data segment into both, so the
 * receiver never sees the sender's selectors. Every way to C code (SLOW
 * is sysenter_general, fast_lock_wait) loads the kernel's first.
 *
 * Registers while checking: eax = to, ecx = timeouts then scratch,
 * edx = from-specifier, esi = MR0 (tag), ebx = dest, ebp = me (this CPU's
 * record, self->on_cpu), edi = scratch. self's TCB is the page under the
 * frame: its fields are SELF(field) = field - FAST_FRAME off %esp until
 * the stack moves to dest's frame. Interrupts are off throughout
 * (sysenter cleared IF). */
#include "fastipc.h"
#include "sysenter.h"
#include "layout.h"

#if IPC_FASTPATH

#define SLOW sysenter_general
#define SELF(field) (field - FAST_FRAME)(%esp)

    .text
    .globl sysenter_entry
sysenter_entry:
    SYSENTER_FRAME
    /* eax = to, ecx = timeouts, edx = from-specifier, esi = MR0 (tag).
     * The frame holds them all: a jump to SLOW may clobber any register. */

    /* The message: untyped words only, not propagated. Typed items: a
     * pager's map reply may take its own path (pffast_entry.S), anything
     * else goes on from there to the general path (SLOW). */
    testl $(FAST_TAG_T_MASK | FAST_TAG_PROPAGATED), %esi
    jnz pf_reply_entry
    /* Receive timeout never (the send phase needs none: the partner waits). */
    testw %cx, %cx
    jnz SLOW
    movl SELF(TCB_ON_CPU), %ebp                     /* ebp = me */
#if MAX_CPUS > 1
    /* This CPU's kernel-lock word (klock.h klock_local; docs/smp.md,
     * "Fast-path contract"), before the first TCB is read. The lock mode
     * stays NONE while the word is held here: nothing reads it with
     * interrupts off, and every exit to the general path from here on
     * (SLOW, now fast_slow_locked) sets it to LOCAL first. */
    movl $1, %edi                                   /* our word, in */
    lock xaddl %edi, CPU_KW + KW_NEXT(%ebp)         /* the record: edi = */
    cmpl CPU_KW + KW_OWNER(%ebp), %edi              /* our ticket */
    jne fast_lock_wait                              /* someone else has it */
#undef SLOW
#define SLOW fast_slow_locked
#endif
    /* This CPU's state in one or-chain, zero if the switch needs nothing
     * but the fast path's own work: no interrupt pending (any CPU's, as
     * ipc_fastpath), no reschedule due here, no breakpoints loaded here,
     * and fast_off clear: large user segments loaded (current is large:
     * its user addresses are linear ones, which local_to relies on), no
     * iret forced (so the loaded directory holds no small-space region
     * copies either: smallspace.c forces iret for every directory that
     * does), tracing of IPC and switches off, sysexit allowed at all.
     * Small-space state alone sends us to the small-space instance
     * (fast_off_small). */
    movl %ss:irq_pending, %ecx
    orw CPU_RESCHED(%ebp), %cx              /* resched and dr_loaded */
    orl CPU_FAST_OFF(%ebp), %ecx            /* last: its flags cover all */
    jnz fast_off_small

    /* The receiver: TCB of to's thread number. Any to selects a slot of
     * the TCB area (the mask wraps it); local IDs, nilthread, anythread
     * and out-of-range numbers fail the ID comparison (a never-used slot
     * reads as zeros), so tcb_lookup's range tests are folded into it. */
    movl %eax, %ebx
    shrl $(FAST_TID_NO_SHIFT - 12), %ebx     /* number * 4 KiB, */
    andl $(TCB_AREA_SIZE - TCB_SIZE), %ebx          /* ... inside the area */
    addl $TCB_AREA, %ebx                            /* ebx = dest */
    cmpl %eax, %ss:TCB_GID(%ebx)
    jne local_to                                    /* a local ID? */

/* The rest of the path, from the receiver found to the exit, in two
 * instances: FAST_BODY 0 (large spaces, the common case: everything in
 * assembly) and FAST_BODY 1 (small spaces: the same checks and commit;
 * the address-space part of the switch, space_switch.h's, done by C on
 * our stack, and the exit by iret when this CPU must leave that way).
 * The large instance hands a dest whose switch needs small-space work to
 * the small one at its other_space1 (all checks done, nothing changed). */
    .macro FAST_BODY small
have_dest\small:
    /* Blocked in a sysenter Ipc that only has to return: the word under
     * its frame is ipc_fast_resume (its switch frame's return address, or
     * the C fast path's mark). Any kernel entry overwrites that word (the
     * `pushl %esp` of every entry path lands there), so it means what it
     * says while the thread is in TS_RECV_WAIT. First, as replies to
     * kernel IPCs (exceptions, page faults) and acknowledgements to
     * interrupt threads leave here.
     * The mark also says that dest's saved EFLAGS has no TF, so it leaves
     * by sysexit (sysexit_iret_mask; the modes where that mask is more
     * are in fast_off). Every writer keeps that (fastipc.h, "The resume
     * mark's promise"): a sysenter with TF never comes here, it gets no
     * token for arch_ipc_wait_mark (syscall.c), and ExchangeRegisters
     * turns the mark into ipc_fast_resume_iret when it gives a marked
     * thread TF. */
    cmpl $ipc_fast_resume, %ss:FAST_RESUME_RET(%ebx)
    jne exc_fast_reply_asm\small               /* excfast_reply.S, or SLOW */
    /* Receiving, queued (sched_handoff then has no queue work), and no
     * other flag (halted, kernel, interrupt, wakeup armed, quantum out,
     * starting): state and flags in one 16-bit compare. */
    cmpw $(FAST_TS_RECV_WAIT | FAST_TF_QUEUED << 8), %ss:TCB_STATE(%ebx)
    jne SLOW

    /* Receive phase: from dest (call), or anythread with nobody queued
     * on us (reply and wait); edx is then what our `partner` becomes. A
     * send-only IPC (nilthread) leaves here. */
    cmpl %eax, %edx
    je 2f
    cmpl $FAST_ANYTHREAD, %edx
    jne SLOW
    cmpl $0, SELF(TCB_SQ_HEAD)
    jne SLOW
2:  /* dest accepts us: waits for us, or for anythread (anylocalthread:
     * general path). */
    movl %ss:TCB_PARTNER(%ebx), %ecx
    cmpl SELF(TCB_GID), %ecx
    je 1f
    incl %ecx                                       /* anythread = -1 */
    jnz SLOW
1:  /* Redirection: none in our space, or the send stays direct. */
    cmpl $0, SELF(TCB_REDIRECTOR)
    jne redirected\small
direct\small:
    /* dest at least our priority: it is the thread to run once we block
     * (sched_can_handoff's first case). */
    movb SELF(TCB_PRIO), %cl
    cmpb %cl, %ss:TCB_PRIO(%ebx)
    jb SLOW
    /* SMP: dest homed on this CPU (a waiting dest is not running, so its
     * home is where it will run); otherwise the general path, which takes
     * the whole lock and wakes dest at its home CPU. Our own home is this
     * CPU without a test: a running thread's home differs from its CPU
     * only after sched_migrate moved it, which also set that CPU's
     * resched under the whole lock, and resched stays set until the CPU
     * switches away from it; the or-chain (under our word) sent that
     * case to the general path (docs/smp.md, "Fast-path contract"; the
     * C path asserts it, ipc_fast.c). */
    cmpl %ebp, %ss:TCB_CPU(%ebx)
    jne SLOW
    /* No breakpoints for dest (debug_switch_to would load them). */
    cmpl $0, %ss:TCB_DR7(%ebx)
    jne SLOW

    /* Address space: same (from = our local ID; in the large instance no
     * CR3 load: the space is large and its directory unpolluted, as
     * fast_off said for the current one) or other (from = our global ID). */
    movl %ss:TCB_SPACE(%ebx), %edi                  /* edi = dest's space */
    cmpl %edi, SELF(TCB_SPACE)
    jne other_space\small
    movl SELF(TCB_UTCB_UADDR), %eax
#if FASTPATH == 2
    addl $FAST_MR0_OFFSET + 4, %eax         /* deliberately wrong (config.mk) */
#else
    addl $FAST_MR0_OFFSET, %eax               /* tcb_id_for: local */
#endif
    xorl %ecx, %ecx                                 /* no CR3 load */
commit\small:
    /* ---- Commit: nothing fails from here on. ----
     * eax = from (as dest sees us), ebx = dest, ecx = CR3 or 0 (large
     * instance), edx = our receive specifier, esi = tag, edi = dest's
     * space, ebp = me. */
    /* We block in our receive phase (ipc_fastpath's self stores, but for
     * ipc_from, ipc_error and ipc_done: see below). */
    movb $FAST_TS_RECV_WAIT, SELF(TCB_STATE)
    movl %edx, SELF(TCB_PARTNER)
    movl SELF(TCB_MR), %edx
    movl %esi, %ss:(%edx)                   /* our MR0 = tag (do_ipc; an */
                                            /* abort's result keeps it) */
    /* Our switch frame: arch_switch resumes us at ipc_fast_resume. */
    movl $ipc_fast_resume, -4(%esp)
    leal -20(%esp), %edx
    movl %edx, SELF(TCB_KSP)
    /* dest runnable (TF_QUEUED, tested: its place taken, linked or not).
     * ipc_from, ipc_error, ipc_done are written by neither side: they
     * are the result of a wait, "filled by whoever completes our IPC"
     * (thread.h), and every completion of a wait writes all three
     * (ipc.c finish, ipc_fastpath, event_fast.c, irq.c, strxfer.c) before
     * the waiter reads them (ipc_fast_resumed, ipc_syscall_end). dest
     * returns to user mode below with from in eax and no error; self's
     * wait is completed by one of those, or by this path, which gives it
     * its results in registers. Only kdb's thread display shows the
     * previous IPC's values for a thread this path blocked. */
    movb $FAST_TS_READY, %ss:TCB_STATE(%ebx)
    /* The message: MR0 as delivered (label and u), then MR1..MRu. */
    andl $(FAST_TAG_LABEL_MASK | FAST_TAG_U_MASK), %esi
    movl %ss:TCB_MR(%ebx), %edx             /* edx = dest's MRs */
    movl %esi, %ss:(%edx)
    testl $FAST_TAG_U_MASK, %esi
    jnz copy_words\small
copied\small:
    /* Lazy FPU (fpu_switch_to): CR0.TS set unless dest owns the FPU; in
     * the common case (someone else's, TS already set) two tests. */
    cmpl CPU_FPU_HOLDER(%ebp), %ebx
    je fast_fpu_owner\small
    cmpb $0, CPU_FPU_TS(%ebp)
    je fast_fpu_set_ts\small
fast_fpu_done\small:

    /* The switch (switch_to, arch_switch_to), on this CPU's record.
     * eax = from stays. */
    incl CPU_CSW(%ebp)
    movl %ebx, CPU_RUNNING(%ebp)
    movl %ebp, %ss:TCB_ON_CPU(%ebx)         /* cpu_self() there is me */
.if \small
    /* ---- Small spaces: the address-space part in C ----
     * space_switch(me, self, dest) as arch_switch_to calls it, on our
     * stack (current is still self there), below our switch frame, with
     * the kernel's segments and lock mode LOCAL (the word is held, as
     * under the C fast path's switch). It loads a directory if needed,
     * dest's user segments and rebased %gs descriptor, this CPU's I/O
     * bitmap window, and forces iret or not (fast_off's iret byte). */
    movl %eax, -24(%esp)                    /* from */
    movl %edx, -28(%esp)                    /* dest's MRs */
#if !STATS
    /* The common small-to-small case inline (activate's small branch,
     * then small_switch_slow's I/O test): dest's space small, iret
     * already forced here (force_iret(c, true) changes nothing), dest's
     * I/O bitmap the installed one (io_switch not needed), a user
     * directory loaded (it stays: no CR3 write). Anything else: C. The
     * user's %ds/%es are still loaded: every access is through %ss. */
    movl %esi, -32(%esp)                    /* tag, free esi */
    movl %ss:SPACE_SMALL_BASE(%edi), %edx   /* edx = dest's window base */
    testl %edx, %edx
    jz 7f                                   /* dest large */
    cmpb $0, CPU_FAST_OFF + FAST_OFF_IRET(%ebp)
    je 7f                                   /* iret not forced yet */
    movl %ss:SPACE_IO_BM0(%edi), %ecx
    cmpl CPU_IO_BM(%ebp), %ecx
    jne 7f                                  /* another I/O bitmap */
    movl CPU_SMALL_CPU(%ebp), %ecx          /* ecx = c (small_cpus[index]) */
    movl %ss:SMALL_CPU_PD_SPACE(%ecx), %eax
    cmpl $kernel_pd, %ss:SPACE_PD(%eax)
    je 7f                                   /* only the kernel's directory */
    /* ---- nothing goes to C from here on ---- */
    cmpl %ss:SMALL_CPU_SEG_BASE(%ecx), %edx /* the window's segments */
    jne 8f                                  /* loaded already? */
    movl %ss:SPACE_SMALL_SIZE(%edi), %eax
    cmpl %ss:SMALL_CPU_SEG_SIZE(%ecx), %eax
    jne 8f
9:  /* dest's %gs descriptor rebased by the window's base (edx),
     * gdt_desc_rebase: base = d0[31:16] | d1[7:0] << 16 | d1[31:24]. */
    movl %ss:TCB_GS_DESC(%ebx), %eax        /* eax = d0 */
    movl %ss:TCB_GS_DESC + 4(%ebx), %ecx    /* ecx = d1 */
    movl %ecx, %edi
    andl $0xff, %edi
    shll $16, %edi                          /* base bits 16..23 */
    movl %ecx, %esi
    andl $0xff000000, %esi
    orl %esi, %edi                          /* ... 24..31 */
    movl %eax, %esi
    shrl $16, %esi
    orl %esi, %edi                          /* ... 0..15: edi = base */
    addl %edx, %edi                         /* + the window's base */
    movl %edi, %esi
    shll $16, %esi
    movzwl %ax, %eax                        /* limit 0..15 stays */
    orl %esi, %eax                          /* eax = new d0 */
    andl $0x00ffff00, %ecx                  /* attributes, limit 16..19 */
    movl %edi, %esi
    andl $0xff000000, %esi
    orl %esi, %ecx                          /* base 24..31 */
    shrl $16, %edi
    andl $0xff, %edi
    orl %edi, %ecx                          /* base 16..23: ecx = new d1 */
    movl CPU_GDT(%ebp), %edx                /* into this CPU's GDT */
    movl %eax, %ss:(SEL_UTCB & ~7)(%edx)
    movl %ecx, %ss:(SEL_UTCB & ~7) + 4(%edx)
    movl -32(%esp), %esi                    /* tag */
    movl -28(%esp), %edx                    /* dest's MRs */
    movl -24(%esp), %eax                    /* from */
    leal FAST_FRAME + FRAME_EIP(%ebx), %esp /* onto dest's frame */
    jmp 10f
    /* load_segs: dest's window's user code and data descriptors into
     * this CPU's GDT, a user %fs dropped (its cached descriptor is the
     * old window's), c's seg_base/seg_size and fast_off's small byte
     * set, the segment loads counted. ecx = c, edx = base, edi = space. */
8:  movl %edx, %ss:SMALL_CPU_SEG_BASE(%ecx)
    movl %ss:SPACE_SMALL_SIZE(%edi), %eax
    movl %eax, %ss:SMALL_CPU_SEG_SIZE(%ecx)
    movb $1, CPU_FAST_OFF + FAST_OFF_SMALL(%ebp)
    incl %ss:small_stats + SMALL_STATS_SEG_LOADS
    movl CPU_GDT(%ebp), %ecx
    movl %ss:SPACE_SMALL_UCODE(%edi), %eax
    movl %eax, %ss:(SEL_UCODE & ~7)(%ecx)
    movl %ss:SPACE_SMALL_UCODE + 4(%edi), %eax
    movl %eax, %ss:(SEL_UCODE & ~7) + 4(%ecx)
    movl %ss:SPACE_SMALL_UDATA(%edi), %eax
    movl %eax, %ss:(SEL_UDATA & ~7)(%ecx)
    movl %ss:SPACE_SMALL_UDATA + 4(%edi), %eax
    movl %eax, %ss:(SEL_UDATA & ~7) + 4(%ecx)
    movw %fs, %ax
    testw %ax, %ax
    jz 9b
    xorl %eax, %eax
    movw %ax, %fs
    jmp 9b
7:  movl -32(%esp), %esi                    /* tag */
#endif
    KERNEL_DS                               /* C code follows */
    movb $FAST_KL_LOCAL, CPU_LOCK_MODE(%ebp)
    leal -FAST_FRAME(%esp), %ecx            /* self */
    leal -28(%esp), %esp
    pushl %ebx                              /* next */
    pushl %ecx                              /* prev */
    pushl %ebp                              /* me */
    call ipc_fast_space_switch
#if STATS
    call stats_count_fast_gs
#endif
    addl $12, %esp
    movb $FAST_KL_NONE, CPU_LOCK_MODE(%ebp)
    movl (%esp), %edx                       /* dest's MRs */
    movl 4(%esp), %eax                      /* from */
    leal FAST_FRAME + FRAME_EIP(%ebx), %esp /* onto dest's frame */
10:
.else
    leal FAST_FRAME + FRAME_EFLAGS(%ebx), %esp  /* onto dest's frame */
    jecxz 5f                                /* same space: CR3 stays */
    movl %ecx, %cr3
    movl CPU_SMALL_CPU(%ebp), %ecx          /* whose directory is loaded */
    movl %edi, %ss:SMALL_CPU_PD_SPACE(%ecx) /* (TLB shootdown too) */
    incl %ss:small_stats + SMALL_STATS_CR3
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
.endif
    leal TCB_SIZE(%ebx), %edi               /* dest's ring-0 stack: the */
    movl %edi, CPU_TSS_ESP0(%ebp)           /* record's tss.esp0 (gdt.h) */
.if \small == 0
    movl CPU_GDT(%ebp), %ecx
    movl %ss:TCB_GS_DESC(%ebx), %edi        /* dest's UTCB segment, */
    movl %edi, %ss:(SEL_UTCB & ~7)(%ecx)
    movl %ss:TCB_GS_DESC + 4(%ebx), %edi
    movl %edi, %ss:(SEL_UTCB & ~7) + 4(%ecx)
.endif
    movl $SEL_UTCB, %edi
    movl %edi, %gs                          /* ... reloaded */
#if MAX_CPUS > 1
    /* This CPU lets its word go (klock_release; the mode is still
     * NONE): nothing of dest or of this CPU is touched below but the
     * frame that sysexit leaves by. */
    incl CPU_KW + KW_OWNER(%ebp)            /* a release store (TSO) */
#endif
.if \small
    /* iret if this CPU must (smallspace.c force_iret: dest is small, or
     * large on a directory holding region copies): its frame's cs and ss
     * select the user segments space_switch just set up. */
    cmpb $0, CPU_FAST_OFF + FAST_OFF_IRET(%ebp)
    jne 6f
    addl $FRAME_EFLAGS - FRAME_EIP, %esp    /* sysexit below: at EFLAGS */
.endif
    /* dest's registers (do_ipc): eax = from, esi = MR0, ebx = MR1,
     * ebp = MR2, edi as it entered; out through sysexit as sysenter_exit
     * does, from the frame it entered with (esp at its EFLAGS word). */
#define F(x) (x - FRAME_EFLAGS)(%esp)
    movl %ss:4(%edx), %ebx
    movl %ss:8(%edx), %ebp
    movl F(FRAME_EDI), %edi
    movl F(FRAME_EIP), %edx
    movw F(FRAME_SS), %ds                   /* the user's data segment */
    movw F(FRAME_SS), %es                   /* (the frame's ss word: */
                                            /* SEL_UDATA), never the */
                                            /* sender's selectors */
    movl F(FRAME_ESP), %ecx
    popfl                                   /* the user's flags, IF off */
                                            /* (a sysenter frame's: */
                                            /* sysenter.h) */
    sti                                     /* takes effect after sysexit */
    sysexit
#undef F
.if \small
    /* The iret exit (trap_return's, from the frame dest entered with;
     * esp at its EIP word): eax = from, esi = MR0, ebx = MR1, ebp = MR2,
     * edi, ecx, edx as the frame holds them (the general path leaves
     * them so too); the user's IF on (the sysenter frame's is clear:
     * sysenter.h). */
#define F(x) (x - FRAME_EIP)(%esp)
6:  movl %ss:4(%edx), %ebx
    movl %ss:8(%edx), %ebp
    movl F(FRAME_EDI), %edi
    movw F(FRAME_SS), %ds                   /* the user's data segment */
    movw F(FRAME_SS), %es                   /* (its window's descriptor) */
    orl $0x200, F(FRAME_EFLAGS)
    movl F(FRAME_ECX), %ecx
    movl F(FRAME_EDX), %edx
    iret
#undef F
.endif

/* Another space (from = our global ID). Large instance: dest's space
 * large with an unpolluted directory (space_switch.h's common case), its
 * I/O bitmap the installed one; its page directory is the new CR3
 * (dest's stack is mapped there: dest ran in that space when it
 * blocked); anything else the small instance's switch does in C. Small
 * instance: C does it all. edi = dest's space. */
other_space\small:
.if \small == 0
    movzbl %ss:SPACE_SMALL_POLLUTED(%edi), %ecx
    orl %ss:SPACE_SMALL_BASE(%edi), %ecx    /* (the whole word: a window's */
    jnz other_space1                        /* base has a zero low byte) */
    movl %ss:SPACE_IO_BM0(%edi), %ecx       /* this CPU's I/O bitmap window */
    cmpl CPU_IO_BM(%ebp), %ecx
    jne other_space1
    movl %ss:SPACE_PD(%edi), %ecx
    subl $KERNEL_VBASE, %ecx                        /* ecx = new CR3 */
.endif
    movl SELF(TCB_GID), %eax                        /* tcb_id_for: global */
    jmp commit\small

/* The FPU switch, out of line (as fpu.c's fpu_set_ts): dest owns the FPU,
 * so CR0.TS must be clear; or someone else does and it must be set. */
fast_fpu_owner\small:
    cmpb $0, CPU_FPU_TS(%ebp)
    je fast_fpu_done\small                          /* already clear */
    clts
    movb $0, CPU_FPU_TS(%ebp)
    jmp fast_fpu_done\small
fast_fpu_set_ts\small:              /* every register is live: edi waits */
    movl %edi, -28(%esp)                /* below our switch frame */
    movl %cr0, %edi
    orl $FAST_CR0_TS, %edi
    movl %edi, %cr0
    movl -28(%esp), %edi
    movb $1, CPU_FPU_TS(%ebp)
    jmp fast_fpu_done\small

/* Our space has a redirector (ipc_redirect_exempt): the send stays direct
 * if dest is in our space or in the redirector's (the redirector thread
 * still existing). eax = to, ebx = dest, ebp = me. */
redirected\small:
    movl %ss:TCB_SPACE(%ebx), %ecx
    cmpl %ecx, SELF(TCB_SPACE)
    je direct\small                                 /* our own space */
    movl SELF(TCB_REDIRECTOR), %edi
    shrl $(FAST_TID_NO_SHIFT - 12), %edi
    andl $(TCB_AREA_SIZE - TCB_SIZE), %edi
    addl $TCB_AREA, %edi                            /* the redirector's TCB */
    movl %ss:TCB_GID(%edi), %ecx
    cmpl %ecx, SELF(TCB_REDIRECTOR)                 /* still that thread */
    jne SLOW
    movl %ss:TCB_SPACE(%edi), %ecx
    cmpl %ecx, %ss:TCB_SPACE(%ebx)                  /* dest in its space */
    jne SLOW
    jmp direct\small

/* MR1..MRu (u > 0) from our UTCB to dest's (edx, MR0 written). rep
 * movsl stores through %es: the kernel's is loaded for it (the exit loads
 * the user's). CR3 (ecx) and dest's space (edi) wait on the stack below
 * our switch frame (esp is still our entry frame; the switch frame, whose
 * top word is the ipc_fast_resume mark, is the 20 bytes under it). */
copy_words\small:
    movl %ecx, -24(%esp)                    /* keep CR3 */
    movl %edi, -28(%esp)                    /* and dest's space */
    movl $SEL_KDATA, %ecx
    movl %ecx, %es
    movl SELF(TCB_MR), %esi
    addl $4, %esi                           /* from our MR1 */
    leal 4(%edx), %edi                      /* to dest's MR1 */
    movl %ss:(%edx), %ecx
    andl $FAST_TAG_U_MASK, %ecx             /* u words */
    cld                                     /* the user's DF is in the frame */
    rep movsl %ss:(%esi), %es:(%edi)
    movl -24(%esp), %ecx
    movl -28(%esp), %edi
    movl %ss:(%edx), %esi                   /* the tag again */
    jmp copied\small
    .endm

    FAST_BODY 0

/* to is not a global ID: maybe a local one (tcb_resolve). eax = to,
 * edx = from-specifier. A local ID is the address of the thread's MR0 in
 * our space (UTCB location + FAST_MR0_OFFSET); tcb_resolve believes the
 * global ID that the UTCB there names if that thread lives in our space
 * at that UTCB, i.e. if it is the slot's holder. For the first
 * FAST_UTCB_TCB_SLOTS slots the space's utcb_tcb[] names the holder (set
 * and cleared with the slot's used bit, thread.c; threads never change
 * spaces, and a holder's UTCB is exactly its slot: space.h), so one load
 * finds the only thread tcb_resolve can answer, and it answers it iff
 * the UTCB's global-ID word (user-writable: read through the holder's
 * kernel pointer, no user address is dereferenced) is its global ID.
 * The slot: the offset in our area rotated right by the UTCB size's log,
 * which is the slot number for an offset on a UTCB boundary and at least
 * 2^(32 - FAST_UTCB_SIZE_LOG2) otherwise (the low bits rotate to the
 * top), so one unsigned compare rejects both an address off a boundary
 * and one past the tabled slots. Those (another slot, outside the area,
 * off a boundary, nilthread, anylocalthread: the UTCB area lies below 3
 * GiB, so they fall far outside) go to local_to_far, the bitmap-based
 * check. Then eax = its global ID, and a from-specifier equal to `to`
 * (a call) becomes it too, as ipc_fastpath's receive phase waits for
 * dest->gid; any other from-specifier but anythread: general path. ebp
 * (me) stays. */
local_to:
    movl SELF(TCB_SPACE), %ecx
    leal -FAST_MR0_OFFSET(%eax), %ebx               /* the UTCB location, */
    subl %ss:SPACE_UTCB_BASE(%ecx), %ebx            /* its offset in our area */
    rorl $FAST_UTCB_SIZE_LOG2, %ebx                 /* ebx = slot, or huge */
    cmpl $FAST_UTCB_TCB_SLOTS, %ebx
    jae local_to_far                                /* not a tabled slot */
    movl %ss:SPACE_UTCB_TCB(%ecx,%ebx,4), %ebx      /* the slot's holder */
    testl %ebx, %ebx
    jz SLOW                                         /* none */
    cmpl %eax, %edx                                 /* call: from = to */
    movl %ss:TCB_MR(%ebx), %eax
    movl %ss:4 * FAST_MYGLOBALID(%eax), %eax        /* the UTCB's global ID */
    je 1f
    cmpl $FAST_ANYTHREAD, %edx                      /* reply and wait */
    jne SLOW
2:  cmpl %eax, %ss:TCB_GID(%ebx)                    /* names the holder */
    je have_dest0
    jmp SLOW
1:  movl %eax, %edx                     /* a call waits for its global ID */
    jmp 2b

/* The other slots: the UTCB location in the area of our space ecx, on a
 * UTCB boundary (ebx, the rotated offset, is then the slot number below
 * the area's slot count; off a boundary it is far above), a used slot;
 * the UTCB there (our space's memory, a kernel-owned page: mapped;
 * current is large, fast_off said so, so the address is a linear one)
 * names the global ID that claims it; believe it if that thread lives in
 * our space at that UTCB. */
local_to_far:
    movl %ss:SPACE_UTCB_SIZE(%ecx), %edi
    shrl $FAST_UTCB_SIZE_LOG2, %edi                 /* the area's slots */
    cmpl %edi, %ebx                                 /* a slot of the area */
    jae SLOW
    btl %ebx, %ss:SPACE_UTCB_USED(%ecx)             /* a used slot */
    jnc SLOW
    leal -FAST_MR0_OFFSET(%eax), %edi               /* edi = the UTCB location */
    cmpl %eax, %edx                                 /* call: from = to */
    movl %ss:4 * FAST_MYGLOBALID(%eax), %eax        /* its global ID */
    je 1f
    cmpl $FAST_ANYTHREAD, %edx                      /* reply and wait */
    jne SLOW
2:  movl %eax, %ebx
    shrl $(FAST_TID_NO_SHIFT - 12), %ebx
    andl $(TCB_AREA_SIZE - TCB_SIZE), %ebx
    addl $TCB_AREA, %ebx                            /* ebx = its TCB */
    cmpl %eax, %ss:TCB_GID(%ebx)
    jne SLOW
    cmpl %ecx, %ss:TCB_SPACE(%ebx)                  /* our space */
    jne SLOW
    cmpl %edi, %ss:TCB_UTCB_UADDR(%ebx)             /* that UTCB */
    jne SLOW
    jmp have_dest0
1:  movl %eax, %edx                     /* a call waits for its global ID */
    jmp 2b

/* ==== Small spaces ====
 * fast_off is not zero: the small-space instance if only its small-space
 * bytes are set (this CPU holds a small window's segments, or must leave
 * by iret) and nothing else of the or-chain is. `to` must be a global ID
 * there (a small current's local IDs are window-relative addresses:
 * general path). */
fast_off_small:
    testl $0xffff0000, CPU_FAST_OFF(%ebp)   /* tracing, PVI, eager FPU */
    jnz SLOW
    movzwl CPU_RESCHED(%ebp), %ecx          /* resched and dr_loaded, */
    orl %ss:irq_pending, %ecx               /* every line's pending bit */
    jnz SLOW
    movl %eax, %ebx
    shrl $(FAST_TID_NO_SHIFT - 12), %ebx
    andl $(TCB_AREA_SIZE - TCB_SIZE), %ebx
    addl $TCB_AREA, %ebx                            /* ebx = dest */
    cmpl %eax, %ss:TCB_GID(%ebx)
    jne SLOW
    FAST_BODY 1

#if MAX_CPUS > 1
/* Our lock word is busy (another CPU holds the whole lock or waits for
 * it): wait in C, serving requests meanwhile, then take the general path
 * with the word held (sysenter_ipc sees lock_mode LOCAL). ebp = me,
 * edi = our ticket. C code: the kernel's segments first. */
fast_lock_wait:
    KERNEL_DS
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
    movl SELF(TCB_ON_CPU), %ecx                     /* me */
    movb $FAST_KL_LOCAL, %ss:CPU_LOCK_MODE(%ecx)
    jmp sysenter_general
#endif

/* A thread this fast path blocked, switched to by the general path:
 * arch_switch returned here, esp = its frame. */
    .globl ipc_fast_resume, ipc_fast_resume_iret
ipc_fast_resume_iret:       /* the same, but not the mark: its frame has */
    nop                     /* TF (ExchangeRegisters, fastipc.h) */
ipc_fast_resume:
    pushl %esp
    call ipc_fast_resumed
    addl $4, %esp
    jmp sysenter_exit

#endif

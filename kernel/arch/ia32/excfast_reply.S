/* The exception handler's reply in assembly (excfast.h, excfast.c's
 * exc_fast_reply_slow; docs/fastpaths-events.md, "The exception fast
 * path"). fastipc_entry.S comes here at the one place it gives up on a
 * receiver that is not blocked in a sysenter Ipc (its resume-mark test):
 * a reply to a thread waiting in the exception fast path's IPC is such a
 * receiver. If the reply is exactly the 12-word image, to that thread,
 * homed here with us, and the C reply would switch to it directly, this
 * does what that C path does (the image into the thread's trap frame,
 * EFLAGS only within EFL_USER_MASK; both threads' IPC state; BR0 back;
 * the switch) and the thread leaves through iret from its frame, its
 * kernel stack (the wait) dropped. We block in our receive phase exactly
 * as the assembly IPC path blocks a sender (the ipc_fast_resume switch
 * frame under our trap frame). Anything else goes to the general path
 * (sysenter_general) with nothing changed, where the C reply or the
 * general IPC path takes it.
 *
 * Entered with (fastipc_entry.S, large-space instance; all of its tests
 * before the resume mark passed): eax = to (a global ID), ebx = dest
 * (its TCB, gid == to), edx = from-specifier, esi = MR0 (the tag: no
 * typed items, not propagated), receive timeout never, ebp = me (this
 * CPU's record), this CPU's lock word held with lock mode NONE, esp =
 * our trap frame, interrupts off, no interrupt pending, no reschedule
 * due, no breakpoints loaded here, fast_off clear (large segments, no
 * iret forced, no IPC/switch tracing, sysexit mode: so lazy FPU). The
 * frame holds every argument: any register may be clobbered before a
 * jump to the general path. */
#include "fastipc.h"
#include "excfast_asm.h"
#include "layout.h"

#if IPC_FASTPATH

#define SELF(field) (field - FAST_FRAME)(%esp)
#define DFRAME(x) (FAST_FRAME + (x))(%ebx)      /* dest's trap frame */

    .text
/* The small-space instance of the IPC path: the C reply decides. */
    .globl exc_fast_reply_asm1
exc_fast_reply_asm1:
    jmp exc_reply_slow

    .globl exc_fast_reply_asm0
exc_fast_reply_asm0:
    /* dest waits in the exception fast path's IPC (first: every other
     * receiver the IPC path gives up on leaves here, two instructions
     * more than before) ... */
    cmpb $EXC2_WAIT_WAITING, %ss:TCB_EXC_WAIT(%ebx)
    jne exc_reply_slow
    movl $SEL_KDATA, %ecx                   /* the kernel's data segments: */
    movl %ecx, %ds                          /* no %ss: overrides below, and */
    movl %ecx, %es                          /* C (STATS) may be called */
    /* ... the reply is exactly the 12 words of the ia32 image (the
     * entry tested the rest of the tag) ... */
    movl %esi, %ecx
    andl $FAST_TAG_U_MASK, %ecx
    cmpl $EXC2_IMAGE_WORDS, %ecx
    jne exc_reply_slow
    /* ... receiving, queued, no other flag (halted, wakeup armed,
     * quantum out: the C reply's direct case, sched_can_handoff's flag
     * test), for us alone (its partner is its handler's global ID;
     * anything else: C, ipc_accepts) ... */
    cmpw $(FAST_TS_RECV_WAIT | FAST_TF_QUEUED << 8), TCB_STATE(%ebx)
    jne exc_reply_slow
    movl TCB_PARTNER(%ebx), %ecx
    cmpl SELF(TCB_GID), %ecx
    jne exc_reply_slow
    /* ... dest homed here (a waiting thread is not running: its home is
     * where it runs next; ours is here, as the IPC path's or-chain said:
     * no reschedule due, docs/smp.md "Fast-path contract"), no
     * redirector in our space (C decides), no hardware breakpoints for
     * dest (debug_switch_to would load them). */
    cmpl %ebp, TCB_CPU(%ebx)
    jne exc_reply_slow
    cmpl $0, SELF(TCB_REDIRECTOR)
    jne exc_reply_slow
    cmpl $0, TCB_DR7(%ebx)
    jne exc_reply_slow
    /* Our receive phase: from dest (call), or anythread with nobody
     * queued on us (reply and wait); edx is then our partner. */
    cmpl %eax, %edx
    je 2f
    cmpl $FAST_ANYTHREAD, %edx
    jne exc_reply_slow
    cmpl $0, SELF(TCB_SQ_HEAD)
    jne exc_reply_slow
2:  /* The handoff rule (sched_can_handoff_on; current is us): dest at
     * least our priority, or the lower-priority case below. */
    movzbl TCB_PRIO(%ebx), %ecx             /* ecx = p (dest) */
    movzbl SELF(TCB_PRIO), %edi             /* edi = c (us) */
    cmpl %edi, %ecx
    jb exc_reply_lower
exc_reply_prio_ok:
    /* Address space: the same (from = our local ID; no CR3 load: the
     * space is large and its directory unpolluted, as fast_off said for
     * ours). A handler in another space: the C reply (space_switch). */
    movl TCB_SPACE(%ebx), %edi
    cmpl %edi, SELF(TCB_SPACE)
    jne exc_reply_slow
    movl SELF(TCB_UTCB_UADDR), %eax
    addl $FAST_MR0_OFFSET, %eax             /* tcb_id_for: local */
    /* ---- Commit: nothing fails from here on. ----
     * eax = from (as dest sees us), ebx = dest, edx = our receive
     * specifier, esi = tag, ebp = me. */
    incl exc_fast_replies
    incl exc_fast_replies_asm
    /* We block in our receive phase (exc_fast_reply_slow's stores). */
    movb $FAST_TS_RECV_WAIT, SELF(TCB_STATE)
    movl %edx, SELF(TCB_PARTNER)
    movl $FAST_NILTHREAD, SELF(TCB_IPC_FROM)
    movl $0, SELF(TCB_IPC_ERROR)
    movb $0, SELF(TCB_IPC_DONE)
    movl SELF(TCB_MR), %edx                 /* edx = our MRs */
    movl %esi, (%edx)                       /* our MR0 = tag (do_ipc) */
    /* Our switch frame: arch_switch resumes us at ipc_fast_resume, and
     * the word is the mark the IPC fast path drops our stack for. */
    movl $ipc_fast_resume, -4(%esp)
    leal -20(%esp), %esi
    movl %esi, SELF(TCB_KSP)
    /* dest's receive is done, its wait over (what trap_exc_fast does
     * when it resumes REPLIED: BR0 back, exc_wait NONE). */
    movl %eax, TCB_IPC_FROM(%ebx)
    movl $0, TCB_IPC_ERROR(%ebx)
    movb $1, TCB_IPC_DONE(%ebx)
    movb $FAST_TS_READY, TCB_STATE(%ebx)
    movb $EXC2_WAIT_NONE, TCB_EXC_WAIT(%ebx)
    movl TCB_MR(%ebx), %edi
    movl TCB_EXC_BR0(%ebx), %eax
    movl %eax, EXC2_BR0_OFFSET(%edi)
    /* The image (our MR1..MR12) into dest's frame (exc_apply_reply):
     * eip; EFLAGS = old ^ ((old ^ new) & EFL_USER_MASK), so the user
     * never sets IOPL, IF, VM, VIF, VIP, NT, RF; the eight registers in
     * pushal's order, the fourth (esp) into the frame's user esp. The
     * exception-number and error-code words are ignored. */
    movl 4 * EXC2_MR_EIP(%edx), %eax
    movl %eax, DFRAME(FRAME_EIP)
    movl DFRAME(FRAME_EFLAGS), %esi
    movl 4 * EXC2_MR_EFLAGS(%edx), %eax
    xorl %esi, %eax
    andl $EXC2_EFL_USER_MASK, %eax
    xorl %esi, %eax
    movl %eax, DFRAME(FRAME_EFLAGS)
    movl 4 * (EXC2_MR_EDI + 0)(%edx), %eax
    movl %eax, DFRAME(FRAME_EDI)
    movl 4 * (EXC2_MR_EDI + 1)(%edx), %eax
    movl %eax, DFRAME(FRAME_EDI + 4)        /* esi */
    movl 4 * (EXC2_MR_EDI + 2)(%edx), %eax
    movl %eax, DFRAME(FRAME_EDI + 8)        /* ebp */
    movl 4 * (EXC2_MR_EDI + 3)(%edx), %eax
    movl %eax, DFRAME(FRAME_ESP)            /* the user esp */
    movl 4 * (EXC2_MR_EDI + 4)(%edx), %eax
    movl %eax, DFRAME(FRAME_EDI + 16)       /* ebx */
    movl 4 * (EXC2_MR_EDI + 5)(%edx), %eax
    movl %eax, DFRAME(FRAME_EDX)
    movl 4 * (EXC2_MR_EDI + 6)(%edx), %eax
    movl %eax, DFRAME(FRAME_ECX)
    movl 4 * (EXC2_MR_EDI + 7)(%edx), %eax
    movl %eax, DFRAME(FRAME_EDI + 28)       /* eax */

    /* Lazy FPU (fpu_switch_to): CR0.TS set unless dest owns the FPU. */
    cmpl CPU_FPU_HOLDER(%ebp), %ebx
    je exc_reply_fpu_owner
    cmpb $0, CPU_FPU_TS(%ebp)
    je exc_reply_fpu_set_ts
exc_reply_fpu_done:
    /* The switch (direct_switch), on this CPU's record. */
    incl CPU_CSW(%ebp)
    movl %ebx, CPU_RUNNING(%ebp)
    movl %ebp, TCB_ON_CPU(%ebx)
#if STATS
    leal -64(%esp), %esp
    call stats_count_fast_gs
    leal 64(%esp), %esp
#endif
    leal TCB_SIZE(%ebx), %edi               /* dest's ring-0 stack: the */
    movl %edi, CPU_TSS_ESP0(%ebp)           /* record's tss.esp0 (gdt.h) */
    movl CPU_GDT(%ebp), %ecx
    movl TCB_GS_DESC(%ebx), %edi            /* dest's UTCB segment, */
    movl %edi, (SEL_UTCB & ~7)(%ecx)
    movl TCB_GS_DESC + 4(%ebx), %edi
    movl %edi, (SEL_UTCB & ~7) + 4(%ecx)
    movl $SEL_UTCB, %edi
    movl %edi, %gs                          /* ... reloaded */
#if MAX_CPUS > 1
    /* This CPU lets its word go (the mode is still NONE): nothing of
     * dest or of this CPU is touched below but dest's frame. */
    movl CPU_KWORD(%ebp), %ecx
    incl KW_OWNER(%ecx)                     /* a release store (TSO) */
#endif
    /* dest out by iret from its frame, as trap_return (exc_fast_iret). */
    leal FAST_FRAME(%ebx), %esp
    movl $SEL_UDATA, %eax                   /* the user's data segment */
    movl %eax, %ds
    movl %eax, %es
    popal
    addl $8, %esp                           /* vector, error code */
    iret

/* dest has a lower priority than we (p = ecx < c = edi): it runs next
 * only if no level above p holds a queued thread once we block, our own
 * level not counted if we are its only entry (sched_can_handoff_on, the
 * same O(1) test). esi and edx are reloaded from our frame afterwards. */
exc_reply_lower:
    HANDOFF_LOWER_TEST %edi, %eax, exc_reply_slow
    movl FRAME_EDI + 4(%esp), %esi              /* the tag */
    movl FRAME_EDX(%esp), %edx              /* the from-specifier */
    movl FRAME_EDI + 28(%esp), %eax              /* to */
    jmp exc_reply_prio_ok

/* The FPU switch, out of line (fpu.c's fpu_set_ts). */
exc_reply_fpu_owner:
    cmpb $0, CPU_FPU_TS(%ebp)
    je exc_reply_fpu_done                   /* already clear */
    clts
    movb $0, CPU_FPU_TS(%ebp)
    jmp exc_reply_fpu_done
exc_reply_fpu_set_ts:
    movl %cr0, %edi
    orl $FAST_CR0_TS, %edi
    movl %edi, %cr0
    movb $1, CPU_FPU_TS(%ebp)
    jmp exc_reply_fpu_done

/* The general path, nothing changed: the lock mode says to sysenter_ipc
 * that this CPU's word is held (fastipc_entry.S fast_slow_locked). */
exc_reply_slow:
#if MAX_CPUS > 1
    movb $FAST_KL_LOCAL, CPU_LOCK_MODE(%ebp)
#endif
    jmp sysenter_general

#endif

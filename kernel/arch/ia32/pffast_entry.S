/* The pager's reply's way in (pffast.c; docs/fastpaths-events.md, "Page-
 * fault round trip"). The assembly IPC path's first test sends every
 * message with typed items (or the p flag) here instead of straight to
 * sysenter_general. A message of exactly one typed item (a map item's two
 * words, the pager's usual reply), not propagated, with a receive phase,
 * whose `to` names a TCB slot waiting in the page-fault fast path is a
 * candidate; everything else goes to sysenter_general with nothing
 * changed (the frame holds every argument, so any register may be
 * clobbered).
 *
 * A candidate, where one CPU schedules threads (so that the whole lock is
 * this CPU's word and the upgrade is only the mode), takes this CPU's
 * word, sets the user-wait token (sysenter_ipc's steps) and makes here
 * every test of pf_reply (pffast.c) before its mapping: the receive
 * timeout never, no interrupt pending, no reschedule due (so our home is
 * this CPU: docs/smp.md, "Fast-path contract"), the destination named by
 * its global ID, receiving, queued with no other flag, accepting us,
 * homed here, no string copy on either side, no redirector of our space,
 * we not being deleted, our receive phase one the general path would
 * block in at once, a receive window, the handoff rule, one map item of a
 * 4 KiB page within the message registers. Then map_item_page (C) maps,
 * and the commit follows here (in C, pf_reply_resched, where a
 * reschedule came up meanwhile). A test that fails goes to
 * sysenter_general with the word held (mode LOCAL) and the token set,
 * nothing else changed: the general path's result (the C reply's own
 * refusals leave the same). Tracing on, or a dest that is not queued:
 * the C reply with the word held (pf_reply_locked). On more than one
 * scheduling CPU the C reply (pf_reply_sysenter) does it all.
 *
 * Entered from sysenter_entry (fastipc_entry.S) with its frame built:
 * eax = to, ecx = timeouts, edx = from-specifier, esi = MR0 (the tag),
 * the user's %ds/%es still loaded (memory only through %ss until the
 * kernel's are loaded), interrupts off, no lock taken. */
#include "fastipc.h"
#include "sysenter.h"
#include "layout.h"
#include "excfast_asm.h"

#if IPC_FASTPATH

#define PF_KERNEL_EFLAGS 0x2            /* entry.S KERNEL_EFLAGS */
#define SELF(field) (field - FAST_FRAME)(%esp)

    .text
    .globl pf_reply_entry
pf_reply_entry:
    /* The TCB slot `to` names as a global ID (any value selects a slot
     * of the TCB area; unused ones read as zeros) waits in the fast
     * path's page-fault IPC (tcb.exc_wait: excfast.h). First: every
     * other typed send, and a receive-only Ipc whose MR0 still holds a
     * received typed tag, leaves here. */
    movl %eax, %ebx
    shrl $(FAST_TID_NO_SHIFT - 12), %ebx            /* number * 4 KiB, */
    andl $(TCB_AREA_SIZE - TCB_SIZE), %ebx          /* ... inside the area */
    cmpb $EXC2_WAIT_PAGEFAULT, %ss:TCB_AREA + TCB_EXC_WAIT(%ebx)
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
    addl $TCB_AREA, %ebx                            /* ebx = dest's slot */
    /* The kernel's segments (eax is still `to`), DF and AC clear (as
     * sysenter_general). */
    movl $SEL_KDATA, %edi
    movl %edi, %ds
    movl %edi, %es
    pushl $PF_KERNEL_EFLAGS
    popfl
    movl SELF(TCB_ON_CPU), %ebp                     /* ebp = me */
#if MAX_CPUS > 1
    /* One CPU schedules threads and it is this one, CPU 0 (the whole
     * lock is then its word: klock_local_to_full_on takes no other;
     * cpus_sched_end is set once, by smp_go before any thread runs);
     * otherwise the C reply. */
    cmpl $cpu_local + PF_CPU_LOCAL_SIZE, cpus_sched_end
    jne pf_reply_c
    cmpl $cpu_local, %ebp
    jne pf_reply_c
    /* This CPU's word (klock_local_on), mode LOCAL: from here on every
     * refusal leaves it to the general path (sysenter_ipc). */
    movl $1, %edi
    lock xaddl %edi, CPU_KW + KW_NEXT(%ebp)         /* edi = our ticket */
    cmpl CPU_KW + KW_OWNER(%ebp), %edi
    jne pf_lock_wait                                /* someone else has it */
    movb $FAST_KL_LOCAL, CPU_LOCK_MODE(%ebp)
#endif
    /* The user-wait token (sysenter_ipc's): the word under our frame. */
    leal -4(%esp), %edi
    movl %edi, CPU_IPC_USER_WAIT(%ebp)

    /* Receive timeout never; no interrupt to deliver (our receive phase
     * would take it); no reschedule due (sched_can_handoff's first test;
     * with it our home is this CPU, so no test of it). */
    testw %cx, %cx
    jnz pf_slow
    movzbl CPU_RESCHED(%ebp), %ecx
    orl irq_pending, %ecx
    jnz pf_slow
#if TRACE
    /* No IPC, map or switch tracing (the commit below makes no trace
     * records: the C reply makes them). */
    testb $PF_TRACE_BITS, trace_mask
    jnz pf_reply_held
#endif
    /* dest is the thread `to` names (a waiting thread is a live one, so
     * the global ID's equality is all resolve adds; a local ID fails
     * here), receiving, queued with no other flag (halted, wakeup armed,
     * quantum out: sched_can_handoff refuses those, fast_reply_end's
     * direct exit wants none), waiting for us or anythread
     * (anylocalthread: the general path), homed here. */
    cmpl %eax, TCB_GID(%ebx)
    jne pf_slow
    cmpb $EXC2_WAIT_PAGEFAULT, TCB_EXC_WAIT(%ebx)  /* (tested above before the word) */
    jne pf_slow
    cmpw $(FAST_TS_RECV_WAIT | FAST_TF_QUEUED << 8), TCB_STATE(%ebx)
    jne pf_reply_held           /* (not queued, say: the C reply decides) */
    movl TCB_PARTNER(%ebx), %ecx
    cmpl SELF(TCB_GID), %ecx
    je 1f
    incl %ecx                                       /* anythread = -1 */
    jnz pf_slow
1:  cmpl %ebp, TCB_CPU(%ebx)
    jne pf_slow
    /* No string copy of dest's or ours, no redirector in our space (C
     * or the general path decide), we are not being deleted. */
    movzbl SELF(TCB_DYING), %ecx
    orl TCB_XFER(%ebx), %ecx
    orl SELF(TCB_XFER), %ecx
    orl SELF(TCB_REDIRECTOR), %ecx
    jnz pf_slow
    /* The handoff rule (sched_can_handoff_on; current is us): dest at
     * least our priority, or the lower-priority case below. */
    movzbl TCB_PRIO(%ebx), %ecx                     /* ecx = p (dest) */
    movzbl SELF(TCB_PRIO), %eax                     /* eax = c (us) */
    cmpl %eax, %ecx
    jb pf_lower
pf_prio_ok:
    /* Our receive phase, as the general path takes it at once: from
     * dest (a call: edx = to = dest's gid), or anythread or
     * anylocalthread with nobody queued on us. edx is what our partner
     * becomes. */
    cmpl TCB_GID(%ebx), %edx
    je 2f
    cmpl $FAST_ANYTHREAD, %edx
    je 3f
    cmpl $PF_ANYLOCALTHREAD, %edx
    jne pf_slow
3:  cmpl $0, SELF(TCB_SQ_HEAD)
    jne pf_slow
2:  /* dest's receive window (its BR0 while it waits is the complete
     * fpage, but the general path reads it too). */
    movl TCB_MR(%ebx), %edi
    movl EXC2_BR0_OFFSET(%edi), %edi
    andl $PF_ACCEPT_WINDOW_MASK, %edi               /* edi = window */
    jz pf_slow
    /* One map item of a 4 KiB page after the u words, within the
     * message registers (u + 2 < 64). */
    movl %esi, %ecx
    andl $FAST_TAG_U_MASK, %ecx                     /* ecx = u */
    cmpl $(PF_NUM_MRS - 3), %ecx
    ja pf_slow
    movl SELF(TCB_MR), %eax
    movl 8(%eax,%ecx,4), %esi                       /* esi = fpage = MR(u+2) */
    movl 4(%eax,%ecx,4), %eax                       /* eax = item0 = MR(u+1) */
    movl %eax, %ecx
    andl $PF_ITEM_TYPE_MASK, %ecx
    cmpl $PF_ITEM_MAP, %ecx
    jne pf_slow
    movl %esi, %ecx
    andl $(0x3f << 4), %ecx                         /* the fpage's size */
    cmpl $(PF_PAGE_SHIFT << 4), %ecx
    jne pf_slow
#if MAX_CPUS > 1
    /* The whole lock: with one scheduling CPU, this CPU's word. */
    movb $FAST_KL_FULL, CPU_LOCK_MODE(%ebp)
#endif
    /* The mapping (the only step that may still refuse, with the whole
     * lock): map_item_page(self, dest, item0, fpage, window). False:
     * nothing mapped, the general path with the whole lock (the lock
     * mode says so). */
    pushl %edi                                      /* window */
    pushl %esi                                      /* fpage */
    pushl %eax                                      /* item0 */
    pushl %ebx                                      /* dest */
    leal 16 - FAST_FRAME(%esp), %eax                /* our TCB: under the frame */
    pushl %eax                                      /* self */
    call map_item_page
    addl $20, %esp
    testb %al, %al
    jz sysenter_general
    /* A reschedule that came up while we mapped: C commits and ends our
     * Ipc as pf_reply does (dest then goes through sched_handoff). */
    cmpb $0, CPU_RESCHED(%ebp)
    jne pf_map_resched

    /* ---- Commit: nothing fails from here on. ----
     * ebx = dest, ebp = me, esp = our frame. */
    incl pf_fast_replies
    incl fast_events + 4 * PF_FAST_MAP
    /* Our MR0 = the tag (do_ipc); the words after the item's u words'
     * start, MR3..MR(u+2), into dest's MRs where they outlast the fault
     * (the general path writes MR0..MR(u+2), fault_ipc_to restores
     * MR0..MR2, BR0 and ErrorCode). */
    movl FRAME_EDI + 4(%esp), %ecx                  /* the tag */
    movl SELF(TCB_MR), %esi
    movl %ecx, (%esi)
    andl $FAST_TAG_U_MASK, %ecx                     /* u words */
    addl $12, %esi                                  /* from our MR3 */
    movl TCB_MR(%ebx), %edi
    addl $12, %edi                                  /* to dest's MR3 */
    rep movsl
    /* dest's receive is done (ipc_complete: from = us as dest sees us,
     * tcb_id_for; no wakeup armed: its flags were QUEUED alone), its wait
     * over (pf_fast_send's REPLIED resume: BR0 back, exc_wait NONE). */
    movl SELF(TCB_GID), %eax
    movl SELF(TCB_SPACE), %ecx
    cmpl %ecx, TCB_SPACE(%ebx)
    jne 5f
    cmpl $0, SELF(TCB_MR)
    je 5f
    movl SELF(TCB_UTCB_UADDR), %eax
    addl $FAST_MR0_OFFSET, %eax                     /* our local ID */
5:  movl %eax, TCB_IPC_FROM(%ebx)
    movl $0, TCB_IPC_ERROR(%ebx)
    movb $1, TCB_IPC_DONE(%ebx)
    movb $FAST_TS_READY, TCB_STATE(%ebx)
    movb $EXC2_WAIT_NONE, TCB_EXC_WAIT(%ebx)
    movl TCB_MR(%ebx), %edi
    movl TCB_EXC_BR0(%ebx), %eax
    movl %eax, EXC2_BR0_OFFSET(%edi)
    /* We block in our receive phase (ipc_wait_for; our partner is the
     * from-specifier: dest's ID for a call, else anythread or
     * anylocalthread). */
    movb $FAST_TS_RECV_WAIT, SELF(TCB_STATE)
    movl FRAME_EDX(%esp), %eax
    movl %eax, SELF(TCB_PARTNER)
    movl $FAST_NILTHREAD, SELF(TCB_IPC_FROM)
    movl $0, SELF(TCB_IPC_ERROR)
    movb $0, SELF(TCB_IPC_DONE)
    /* The token taken (arch_ipc_wait_take) and our switch frame: we
     * resume at ipc_fast_resume, and the word is the mark the fast paths
     * drop our stack for. */
    movl $0, CPU_IPC_USER_WAIT(%ebp)
    movl $ipc_fast_resume, FAST_RESUME_RET - FAST_FRAME(%esp)
    leal FAST_KSP - FAST_FRAME(%esp), %eax          /* our switch frame */
    movl %eax, SELF(TCB_KSP)
    movl %eax, %esp                                 /* (the switch's calls go below it) */
#if MAX_CPUS > 1
    movb $FAST_KL_LOCAL, CPU_LOCK_MODE(%ebp)        /* klock_full_to_local_on */
#endif
    /* dest out by iret from its frame after the switch (excfast_exit.S),
     * our word let go there. */
    movl %esp, %esi
    andl $~(TCB_SIZE - 1), %esi                     /* esi = us (prev) */
    jmp exc_fast_switch_iret_asm

pf_map_resched:
    movl %ebx, %eax                                 /* dest */
    movl %esp, %edx                                 /* the frame */
    call pf_reply_resched                           /* regparm(2) */
    jmp sysenter_exit           /* done: the results are in the frame, the lock let go */

/* dest has a lower priority than we (p = ecx < c = eax): it runs next
 * only if no level above p holds a queued thread once we block, our own
 * level not counted if we are its only entry (sched_can_handoff_on's
 * O(1) test, as excfast_reply.S). esi and edx are reloaded from our
 * frame afterwards. */
pf_lower:
    HANDOFF_LOWER_TEST %eax, %edi, pf_slow
    movl FRAME_EDI + 4(%esp), %esi                  /* the tag */
    movl FRAME_EDX(%esp), %edx                      /* the from-specifier */
    jmp pf_prio_ok

/* A refusal with the word held (mode LOCAL) and the token set: the
 * general path, nothing else changed. */
pf_slow:
    jmp sysenter_general

/* The C reply (fn: true if it replied, with the frame's results set;
 * false having refused, the lock mode saying what is held): then the
 * exit, or the general path. */
    .macro PF_REPLY_IN_C fn
    pushl %esp                                      /* the frame */
    call \fn
    addl $4, %esp
    testb %al, %al
    jz sysenter_general
    jmp sysenter_exit
    .endm

/* Tracing on, or dest in another state or with other flags than the
 * assembly commit takes (a waiting thread the scheduler dropped from its
 * queue meanwhile has TF_QUEUED clear: the C reply's sched_handoff sets
 * it again): the C reply, with the word held (mode LOCAL) and the token
 * set. */
pf_reply_held:
    PF_REPLY_IN_C pf_reply_locked

#if MAX_CPUS > 1
/* The word was not free: wait for it (mode LOCAL), then the general
 * path (as fastipc_entry.S's fast_lock_wait). */
pf_lock_wait:
    pushl %edi
    pushl %ebp
    call ipc_fast_lock_wait
    addl $8, %esp
    jmp sysenter_general

/* More than one scheduling CPU: the C reply, nothing held yet. */
pf_reply_c:
    PF_REPLY_IN_C pf_reply_sysenter
#endif

#endif

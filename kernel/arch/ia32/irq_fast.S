/* The interrupt fast path (irq_fast.h; docs/fastpaths-events.md
 * "Interrupts"): a device interrupt taken in user mode, for a handler
 * blocked in a sysenter Ipc that only has to return, goes from the IDT
 * stub to the handler's sysexit here, leaving exactly what the general
 * path (trap_dispatch, irq_entry, irq_fast, sched_preempt_to, the
 * handler's return from its Ipc) leaves: the line in service (masked
 * unless lazy) and EOI'd, the message in the handler's UTCB and
 * registers, ipc_from/ipc_error/ipc_done, the counters (irq_stat_*,
 * fast_events[FAST_IRQ] as their readers see them: irq_stat_asm_entry;
 * context_switches), the handler runnable with its place taken but not
 * linked (lazy queueing, sched.c), the interrupted thread runnable and
 * linked with a switch frame that resumes it at irq_fast_resume,
 * `running`, on_cpu, the ring-0 stack pointers, the %gs descriptor, CR3,
 * CR0.TS.
 *
 * Qualifies: an IO-APIC vector of a plain device line (irq_fast_rec: not
 * the timer, the cascade, the break key's line), attached, whose
 * handler
 *   - waits in TS_RECV_WAIT for this line's thread or anythread, with no
 *     flag but TF_QUEUED (not halted, no wakeup armed, quantum left),
 *   - is blocked in a sysenter Ipc with only its return left (the word
 *     under its frame is IRQ_RECV_WAIT_MARK or ipc_fast_resume, which
 *     also promise no TF in its frame: fastipc.h), no string copy,
 *     virtual IF set, its saved EFLAGS fit for sysexit (fast_off: no
 *     PVI, no eager FPU),
 *   - outranks the interrupted thread, whose priority the line's
 *     interrupt thread does not rank below (X.2),
 *   - is homed on this CPU, as the interrupted thread is,
 * no interrupt is pending anywhere, no reschedule is due here, no
 * breakpoints are loaded here or wanted by the handler, no interrupt,
 * IPC or switch tracing is on (fast_off's trace byte), and the handler's space is large and
 * unpolluted with the CPU on large segments (small spaces: general).
 * Everything else goes to trap_irq (trap.c) with the frame built and
 * nothing changed: its C fast path (irq_fast_user) or the general path.
 *
 * SMP (docs/smp.md, "Fast-path contract"): this CPU's lock word is taken
 * before the first shared read (only the boot-time vector table is read
 * before it) and let go before sysexit; the handler
 * and the interrupted thread are homed here; the IO-APIC's register
 * window, which another CPU's fast path may use at the same time, is
 * taken with irqchip_fast_lock (as irqchip_unmask_fast does; every
 * other user holds the whole lock).
 * Memory accesses use %ds once loaded; interrupts are off throughout. */
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
    /* EFLAGS: the gate cleared IF, TF, NT and RF; the user's DF and AC
     * stay until the way leaves for C code (irq_slow, irq_lock_wait; the
     * bench kernel's counting calls) and clears them there (entry.S's
     * invariant: no C code runs with them). This path has no string
     * instruction, and AC means nothing at CPL 0 without SMAP; it ends in
     * the handler's popfl, and prev's flags are never saved (arch_switch):
     * nothing of them leaks. The same for %es: only %ds is the kernel's
     * here (no string instruction uses %es); the ways to C load %es too,
     * and the exit loads the user's into both. A kernel-mode entry (NMI)
     * meanwhile loads its own (TRAP_CALL). */
#if STATS
    pushl $KERNEL_EFLAGS            /* clears DF and AC before the */
    popfl                           /* counting calls */
#endif
    movw %ss:irqf_sel_kdata, %ds    /* never trust the user's %ds (the */
#if STATS                           /* selector read through %ss) */
    movw irqf_sel_kdata, %es        /* the counting calls are C */
#endif
    STAT_ENTRY_ASM                  /* bench kernel: count the entry */

    /* prev, the interrupted thread, is the TCB under this frame: PREV(x)
     * addresses its fields from the frame while esp stays there. ebp =
     * me, this CPU's record (prev->on_cpu: prev runs here). */
#define PREV(x) (x - FAST_FRAME)(%esp)
    movl PREV(TCB_ON_CPU), %ebp
    /* ecx = the line's record, for a plain IO-APIC line (its pin is the
     * same number): the error code the vector's stub pushed (entry.S),
     * read from the vector table, which changes only while the boot
     * processor sets up the controller. The timer, the 8259 and the rest
     * (NULL) go to trap_irq holding nothing, as trap_common would. */
    movl FRAME_VECTOR + 4(%esp), %ecx               /* the error word */
    testl %ecx, %ecx
    jz irq_slow
#if MAX_CPUS > 1
    /* This CPU's lock word (klock_local), before any shared read; the
     * mode stays NONE while it is held here (as in fastipc_entry.S). */
    movl $1, %eax                   /* (the word is in the record: kword) */
    lock xaddl %eax, CPU_KW + KW_NEXT(%ebp)         /* eax = our ticket */
    cmpl CPU_KW + KW_OWNER(%ebp), %eax
    jne irq_lock_wait
#define SLOW irq_slow_locked
#else
#define SLOW irq_slow
#endif

    /* ebx = the handler: the TCB slot of its global ID, kept in the line
     * record since the attach (a slot is a fixed address, mapped since the
     * ID was resolved), still that thread (tcb_lookup). A detached line's
     * slot is irq_nobody, whose ID is no detached line's handler (0): this
     * compare is the "attached?" test too. */
    movl IRQL_HTCB(%ecx), %ebx
    movl IRQL_HANDLER(%ecx), %eax
    cmpl %eax, TCB_GID(%ebx)
    jne SLOW
    /* Receiving, no flag but TF_QUEUED, the virtual IF set: state,
     * flags, priority and vif in one word, the priority and vif's other
     * bits masked off. No flag means no TF_KERNEL and no TF_STARTING: a
     * user thread that has run, so its UTCB (MRs) is there until its
     * deletion, which detaches its lines first (thread_destroy; then the
     * ID compare above refuses). */
    movl TCB_STATE(%ebx), %eax
    andl $~(FAST_TF_QUEUED << 8 | 0xff << 16 | (0xff & ~IRQF_VIF_CLEAR) << 24), %eax
    cmpl $FAST_TS_RECV_WAIT, %eax
    jne SLOW
    /* From this line's thread (the driver's usual wait) or anythread
     * (out of line). eax = the line's thread ID from here to the exit:
     * the handler's `from`, do_ipc's result register. */
    movl IRQL_GID(%ecx), %eax
    cmpl %eax, TCB_PARTNER(%ebx)
    jne irq_from_any
irq_from_ok:
    /* The handler outranks prev; the interrupt thread (TCB number line)
     * does not rank below prev. */
    movb PREV(TCB_PRIO), %dl
    cmpb %dl, TCB_PRIO(%ebx)
    jbe SLOW
    movl IRQL_ITCB(%ecx), %esi                      /* tcb_of_no(line) */
    cmpb %dl, TCB_PRIO(%esi)
    jb SLOW
    /* Only its return left: one of the two marks under its frame, whose
     * promise is also a frame without TF, which sysexit may leave by
     * (fastipc.h; no string copy, no PVI or eager FPU: the or-chain
     * below). The general receive's mark here, the IPC fast path's out
     * of line. */
    cmpl $IRQ_RECV_WAIT_MARK, FAST_RESUME_RET(%ebx)
    jne irq_mark_ipc
irq_mark_ok:
    /* The handler homed here (event_partner_local). prev's home is this
     * CPU unless sched_migrate moved it while it ran, which set our
     * resched (under the whole lock, so before we took our word): the
     * or-chain below tests that (docs/smp.md, "Fast-path contract"). */
    cmpl %ebp, TCB_CPU(%ebx)
    jne SLOW
    /* One or-chain into edx, zero if nothing else is in the way: this
     * CPU's fast_off word clear, i.e. (as the assembly IPC path reads it)
     * large segments loaded, no iret forced, no interrupt, IPC or switch
     * tracing (the general path's records here; other kinds record
     * nothing on this path),
     * sysexit allowed at all (no PVI or eager FPU); the handler's space
     * large, its directory never holding region copies (space_switch.h's
     * common case); no interrupt pending, no reschedule due
     * (sched_can_handoff), no breakpoints here or for the handler
     * (debug_switch_to), no string copy for the handler. Byte fields go
     * into dl, words into edx. */
    movl CPU_FAST_OFF(%ebp), %edx   /* (its trace byte: interrupt, IPC */
                                    /* or switch tracing, trace.c) */
    orb IRQL_INSVC(%ecx), %dl       /* the line not in service (irq.c) */
    movl TCB_SPACE(%ebx), %esi                      /* esi = its space */
    orb SPACE_SMALL_POLLUTED(%esi), %dl
    orl SPACE_SMALL_BASE(%esi), %edx
    orl irq_pending, %edx
    orw CPU_RESCHED(%ebp), %dx              /* resched and dr_loaded */
    orl TCB_DR7(%ebx), %edx
    orl TCB_XFER(%ebx), %edx
    jnz SLOW
    /* edx = the new CR3, 0 if the handler shares prev's space; in another
     * space its I/O bitmap must be this CPU's installed one. */
    cmpl %esi, PREV(TCB_SPACE)
    je 2f
    movl SPACE_IO_BM0(%esi), %edx
    cmpl CPU_IO_BM(%ebp), %edx
    jne SLOW
    movl SPACE_PD(%esi), %edx
    subl $KERNEL_VBASE, %edx
2:

    /* ---- Commit: nothing fails from here on. ----
     * eax = from, ebx = handler, ecx = line record, edx = CR3 or 0 (kept
     * there until the switch), ebp = me, prev under the frame (PREV); esi
     * and edi free. */
    /* The chip (irq_entry's lazy masking, irqchip_eoi): the line in
     * service; an edge-triggered line (lazy) stays unmasked, any other
     * is masked (out of line); then the local APIC's EOI. */
    /* One store and the test: the word at IRQL_EAGER is eager's byte and
     * insvc's (0: the or-chain tested it); or-ing 0x100 sets insvc and
     * leaves PF = the parity of eager's byte: even (0) is lazy. */
    orw $0x100, IRQL_EAGER(%ecx)    /* insvc = 1 */
    jnp irq_mask_pin                /* eager (1: odd parity): mask */
irq_pin_done:
    movl $0, IRQF_LAPIC_VA + IRQF_LAPIC_EOI
    /* irq_entry's probes: the entry's TSC (bench kernel only), the CPU
     * that took it. */
#if STATS
    pushl %eax
    pushl %edx
    rdtsc
    movl %eax, irq_entry_tsc
    movl %edx, irq_entry_tsc + 4
    popl %edx
    popl %eax
#endif
    movl %ebp, irq_stat_cpu_rec                     /* (its index, read) */
    /* The message (irq_fast): sync, the tag; async, the tag, the line's
     * bit and the raised count, this one included, then zero. */
    incl IRQL_RAISED(%ecx)
    movl TCB_MR(%ebx), %edi         /* the handler's MR0, until the exit */
    cmpb $IRQL_MODE_SYNC, IRQL_MODE(%ecx)
    jne irq_async_msg
    movl $IRQF_TAG_SYNC, (%edi)
irq_msg_done:
    /* The handler's IPC is done: from the line's thread (eax), no error,
     * in its registers at the exit. Its ipc_from, ipc_error and ipc_done
     * are left as they are, as the assembly IPC path leaves its
     * receiver's (fastipc_entry.S): they are a wait's results for whoever
     * resumes the waiter, and the handler returns to user mode from here;
     * its next wait writes all three before anyone reads them. */
    /* The counters (irq_fast's five): one word, which their readers
     * (main.c) add to irq_stat_raised, _delivered, _direct, _fast_entry
     * and fast_events[FAST_IRQ]. Another CPU's fast path may count at the
     * same time (the general path's counting holds the whole lock). */
    lock incl irq_stat_asm_entry
    /* Runnable (ipc_syscall_end) and its place taken but not linked
     * (sched_preempt_to, lazy queueing: sched.c): the state and flags
     * word at once, the flags being TF_QUEUED or nothing (tested above);
     * a handler still linked from before it blocked stays linked. */
    movw $(FAST_TS_READY | FAST_TF_QUEUED << 8), TCB_STATE(%ebx)
    /* prev stays runnable: linked at its level's tail if it ran unlinked
     * (a handler this path or a handoff switched to), as link_running
     * does (its TF_QUEUED is set: it runs, and is not idle, which never
     * runs in user mode). */
    cmpl $0, PREV(TCB_RQ)
    je irq_link_prev
irq_prev_linked:
    /* switch_to: the CPU's resched is clear (checked). */
    movl %ebx, CPU_RUNNING(%ebp)
    movl %ebp, TCB_ON_CPU(%ebx)
    incl CPU_CSW(%ebp)
    /* Lazy FPU (fpu_switch_to): CR0.TS set unless the handler owns it. */
    cmpl CPU_FPU_HOLDER(%ebp), %ebx
    je irq_fpu_owner
    cmpb $0, CPU_FPU_TS(%ebp)
    je irq_fpu_set_ts
irq_fpu_done:
    /* prev's switch frame under its trap frame (four registers that need
     * no value, then the return address irq_fast_resume), and its ksp. */
    movl $irq_fast_resume, -4(%esp)
    leal -20(%esp), %ecx
    movl %ecx, PREV(TCB_KSP)
    /* Onto the handler's frame, at its EFLAGS word (the rest of its
     * kernel stack, the return of its Ipc, is dropped). Nothing of prev
     * is touched below. */
    leal FAST_FRAME + FRAME_EFLAGS(%ebx), %esp
    testl %edx, %edx
    jz 5f                                           /* same space */
    movl %edx, %cr3
    movl CPU_SMALL_CPU(%ebp), %ecx                  /* small_cpus[index] */
    movl TCB_SPACE(%ebx), %esi
    movl %esi, SMALL_CPU_PD_SPACE(%ecx)     /* whose directory: shootdown */
    incl small_stats + SMALL_STATS_CR3
#if STATS
    leal -64(%esp), %esp                   /* below the handler's frame */
    pushal
    call stats_count_fast_cr3
    popal
    leal 64(%esp), %esp
#endif
5:
#if STATS
    leal -64(%esp), %esp
    pushal
    call stats_count_fast_gs
    popal
    leal 64(%esp), %esp
#endif
    /* arch_switch_to: the ring-0 stack pointer (in the record's TSS;
     * sysenter's too: gdt.h), the UTCB segment. */
    leal TCB_SIZE(%ebx), %ecx
    movl %ecx, CPU_TSS_ESP0(%ebp)
    movl CPU_GDT(%ebp), %ecx
    movl TCB_GS_DESC(%ebx), %esi
    movl %esi, (SEL_UTCB & ~7)(%ecx)
    movl TCB_GS_DESC + 4(%ebx), %esi
    movl %esi, (SEL_UTCB & ~7) + 4(%ecx)
    movw irqf_sel_utcb, %gs
    /* The handler's registers (do_ipc): eax = from (since the partner test),
     * esi = MR0, ebx = MR1, ebp = MR2, edi as it entered; this CPU lets
     * its word go
     * (klock_release) before the last of them, which come from the
     * handler's own UTCB and frame: the handler runs here now, and no
     * other CPU can take it off this one (delete it, free its UTCB)
     * before it has left; then it leaves as sysenter_exit leaves. */
#define F(x) (x - FRAME_EFLAGS)(%esp)
    movl (%edi), %esi
    movl 4(%edi), %ebx
#if MAX_CPUS > 1
    incl CPU_KW + KW_OWNER(%ebp)                    /* a release store */
#endif
    movl 8(%edi), %ebp
    movl F(FRAME_EDI), %edi
    movl F(FRAME_EIP), %edx
    movw F(FRAME_SS), %ds                           /* the user's data */
    movw F(FRAME_SS), %es                           /* segment (the frame's */
                                                    /* ss word: SEL_UDATA) */
    movl F(FRAME_ESP), %ecx
    popfl                                           /* IF off (a sysenter */
                                                    /* frame's: sysenter.h) */
    sti                                             /* until sysexit */
    sysexit
#undef F

/* prev ran unlinked: prioq_insert_tail(&me->ready, &prev->rq, prev->prio),
 * esi = its link, ecx = its level. eax (from), edx (CR3) and edi (MRs)
 * kept. */
irq_link_prev:
    leal PREV(TCB_RQ), %esi
    movzbl PREV(TCB_PRIO), %ecx
    pushl %eax
    movl CPU_READY(%ebp,%ecx,4), %eax               /* the level's head */
    testl %eax, %eax
    jz 1f
    pushl %ebx
    movl 4(%eax), %ebx                              /* head->prev, the tail */
    movl %ebx, 4(%esi)                              /* l->prev = tail */
    movl %eax, (%esi)                               /* l->next = head */
    movl %esi, (%ebx)                               /* tail->next = l */
    movl %esi, 4(%eax)                              /* head->prev = l */
    popl %ebx
    popl %eax
    jmp irq_prev_linked
1:  movl %esi, (%esi)                               /* alone: l <-> l */
    movl %esi, 4(%esi)
    movl %esi, CPU_READY(%ebp,%ecx,4)               /* the level's head */
    btsl %ecx, CPU_READY + PRIOQ_BITMAP(%ebp)       /* level non-empty */
    shrl $5, %ecx
    btsl %ecx, CPU_READY + PRIOQ_SUMMARY(%ebp)      /* its bitmap word */
    popl %eax
    jmp irq_prev_linked

/* A line that is not lazy (level-triggered): the pin masked in its cached
 * low word and through the IO-APIC's window, under the window's lock.
 * ecx = line record; eax (from), edx (CR3), ebx, ebp kept. */
irq_mask_pin:
#if MAX_CPUS > 1
1:  lock btsl $0, irqchip_fast_lock               /* CF = it was taken */
    jc 1b
#endif
    /* esi = the pin's low-word register (0x10 + 2 * pin), whose double
     * less 0x20 is the pin's offset in ioapic_rte_low. */
    movzbl IRQL_REGSEL(%ecx), %esi
    orl $IRQF_RTE_MASKED, ioapic_rte_low - 0x20(,%esi,2)
    movl ioapic_rte_low - 0x20(,%esi,2), %edi
    movl %esi, IRQF_IOAPIC_VA                       /* IOREGSEL */
    movl %edi, IRQF_IOAPIC_VA + 0x10                /* IOWIN */
#if MAX_CPUS > 1
    movl $0, irqchip_fast_lock                      /* a release store */
#endif
    jmp irq_pin_done

/* The selectors the path loads, read from memory: one instruction each
 * instead of an immediate through a register. */
    .section .rodata
    .align 2
irqf_sel_kdata: .word SEL_KDATA
irqf_sel_utcb:  .word SEL_UTCB
    .text

/* Asynchronous: MR1 = the line's bit, MR2 = the raised count (then 0).
 * ecx = line record, edi = the handler's MR0; eax (from), edx (CR3)
 * kept. */
irq_async_msg:
    movl $IRQF_TAG_ASYNC, (%edi)
    movl IRQL_BITMASK(%ecx), %esi                   /* 1 << bit */
    movl %esi, 4(%edi)
    movl IRQL_RAISED(%ecx), %esi
    movl %esi, 8(%edi)
    movl $0, IRQL_RAISED(%ecx)
    jmp irq_msg_done

/* The handler waits for anythread (the line's thread was tested first). */
irq_from_any:
    cmpl $FAST_ANYTHREAD, TCB_PARTNER(%ebx)
    je irq_from_ok
    jmp SLOW

/* The handler blocked in the assembly IPC path (ipc_fast_resume), not in
 * the general receive (IRQ_RECV_WAIT_MARK, tested first). */
irq_mark_ipc:
    cmpl $ipc_fast_resume, FAST_RESUME_RET(%ebx)
    je irq_mark_ok
    jmp SLOW

/* The FPU switch, out of line (as fastipc_entry.S's): the handler owns
 * the FPU, so CR0.TS must be clear; or someone else does and it must be
 * set. */
irq_fpu_owner:
    cmpb $0, CPU_FPU_TS(%ebp)
    je irq_fpu_done
    clts
    movb $0, CPU_FPU_TS(%ebp)
    jmp irq_fpu_done
irq_fpu_set_ts:
    movl %cr0, %ecx                 /* (eax: from, kept) */
    orl $FAST_CR0_TS, %ecx
    movl %ecx, %cr0
    movb $1, CPU_FPU_TS(%ebp)
    jmp irq_fpu_done

#if MAX_CPUS > 1
/* Our lock word is busy: wait for our ticket in C (serving requests),
 * then the general way with the word held. ebp = me, eax = ticket. */
irq_lock_wait:
    pushl $KERNEL_EFLAGS            /* C code: DF and AC clear */
    popfl
    pushl %eax
    movl $SEL_KDATA, %eax           /* and the kernel's %es */
    movl %eax, %es
    pushl %ebp
    call ipc_fast_lock_wait                         /* mode LOCAL after */
    addl $8, %esp
    jmp irq_slow
/* Every exit to the general path once the word is ours: the mode says
 * so to trap_irq, which takes the whole lock from there. */
irq_slow_locked:
    movb $FAST_KL_LOCAL, CPU_LOCK_MODE(%ebp)
#endif
/* trap_irq (trap.c): the C fast path or the general path, with the frame
 * built and nothing changed. It returns the handler to leave by, with
 * everything done but the stack switch, or 0 after the general path. */
irq_slow:
    pushl $KERNEL_EFLAGS            /* C code: DF and AC clear, the kernel's */
    popfl                           /* %es (irq_lock_wait did both already: */
    movl $SEL_KDATA, %eax           /* harmless) */
    movl %eax, %es
    pushl %esp
    call trap_irq
    addl $4, %esp
    testl %eax, %eax
    jz trap_return                  /* done as trap_common does */
    movl $irq_fast_resume, -4(%esp)
    leal -20(%esp), %ecx
    movl %ecx, -FAST_FRAME + TCB_KSP(%esp)      /* prev->ksp */
    leal FAST_FRAME(%eax), %esp     /* onto the handler's frame */
    call kernel_exit                /* the lock let go (klock_release), as */
    jmp sysenter_exit               /* sysenter_ipc does before its exit */

/* The interrupted thread, switched to again by anyone (arch_switch
 * returned here, esp = its trap frame): what trap_dispatch does after
 * irq_entry's direct switch returns, i.e. the whole lock (the resumer may
 * have held this CPU's word alone), the return checks, the exit. */
    .globl irq_fast_resume
irq_fast_resume:
#if MAX_CPUS > 1
    call klock_ensure_full          /* (a no-op on a one-CPU kernel) */
#endif
    pushl %esp
    call return_to_user_checks
    addl $4, %esp
    jmp trap_return

#endif

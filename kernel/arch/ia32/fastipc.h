/* The IPC fast path (fastipc_entry.S, docs/ipc.md "Fast path"): constants the
 * assembly needs, usable from C and assembly. Every structure offset here
 * is checked against the C definition in fastipc.c, so a change of
 * struct tcb, struct space or the trap frame fails the build instead of
 * breaking the fast path.
 *
 * IPC_FASTPATH: the assembly path is built (config.mk FASTPATH=1). The
 * interrupt-latency kernel (IRQOFF_STATS) leaves it out: its entry hooks
 * are in the general path only. */
#ifndef PECAN_IA32_FASTIPC_H
#define PECAN_IA32_FASTIPC_H

#include "layout.h"

#ifndef FASTPATH
#define FASTPATH 1
#endif
#define IPC_FASTPATH (FASTPATH && !IRQOFF_STATS)

/* The trace kinds the fast path leaves to the general path while they are
 * on (TRACE_HANDOFF_KINDS: IPC and switches; checked in fastipc.c). */
#define TRACE_FAST_KINDS 0x11

/* struct tcb */
#define TCB_GID         0
#define TCB_STATE       4       /* byte; TCB_FLAGS the byte after it */
#define TCB_FLAGS       5
#define TCB_PRIO        6
#define TCB_SPACE       8
#define TCB_KSP         12
#define TCB_PARTNER     60
#define TCB_SQ_HEAD     64
#define TCB_REDIRECTOR  112
#define TCB_IPC_FROM    116
#define TCB_IPC_ERROR   120
#define TCB_IPC_DONE    124     /* byte */
#define TCB_UTCB_UADDR  136
#define TCB_GS_DESC     144
#define TCB_MR          152
#define TCB_DR7         184
#define TCB_CPU         16       /* home CPU record (smp.h) */
#define TCB_ON_CPU      20       /* the CPU that runs it or ran it last */
/* struct cpu_local (smp.h) and struct klock_word (klock.h): the per-CPU
 * state the fast path uses instead of globals (docs/smp.md, "Fast-path
 * contract"). */
#define CPU_INDEX       0
#define CPU_GDT         16
#define CPU_TSS_ESP0    3460     /* tss.esp0: the TSS is the record's last field */
#define CPU_RUNNING     32
#define CPU_RESCHED     40       /* byte; with CPU_DR_LOADED one 16-bit word */
#define CPU_DR_LOADED   41       /* byte */
#define CPU_FPU_TS      42       /* byte */
#define CPU_LOCK_MODE   43       /* byte */
#define CPU_FPU_HOLDER  48
#define CPU_CSW         52       /* context_switches */
#define CPU_IO_BM       1140     /* io_bm (checked in fastipc.c) */
#define CPU_KWORD       56       /* pointer to its klock_word (C code) */
#define CPU_FAST_OFF    1220     /* fast_off: zero when the path may run */
#define CPU_SMALL_CPU   1224     /* &small_cpus[index] */
#define CPU_KW          1280     /* its klock_word itself, a line of its own */
/* fast_off's bytes, one per writer (smp.h): this CPU holds small-space
 * user segments (smallspace.c load_segs); this CPU leaves by iret only
 * (smallspace.c force_iret); tracing of IPC, switches or interrupts is on (trace.c,
 * every CPU's byte, by the holder of the whole lock); the kernel's mode
 * never allows sysexit from this path (CR4.PVI, eager FPU: fastipc.c at
 * boot). */
#define FAST_OFF_SMALL  0
#define FAST_OFF_IRET   1
#define FAST_OFF_TRACE  2
#define FAST_OFF_MODE   3
#define KW_SIZE_LOG2    6
#define KW_NEXT         0
#define KW_OWNER        4
#define FAST_KL_NONE    0
#define FAST_KL_LOCAL   1

/* struct space */
#define SPACE_PD        0
#define SPACE_UTCB_BASE 12
#define SPACE_UTCB_SIZE 16
#define SPACE_UTCB_USED 36
#define SPACE_UTCB_TCB  360     /* utcb_tcb[]: the first slots' threads */
#define FAST_UTCB_TCB_SLOTS 32  /* its length (space.h UTCB_TCB_SLOTS) */
#define SPACE_IO_BM0    304     /* io.bm.page[0] */
/* small spaces (smallspace.h): struct space's window, struct small_cpu,
 * struct small_stats */
#define SPACE_SMALL_BASE     320
#define SPACE_SMALL_SIZE     324
#define SPACE_SMALL_UCODE    332     /* its user code descriptor, */
#define SPACE_SMALL_UDATA    340     /* and its data one */
#define SPACE_SMALL_POLLUTED 348
#define SMALL_CPU_PD_SPACE   0
#define SMALL_CPU_SEG_BASE   4
#define SMALL_CPU_SEG_SIZE   8
#define SMALL_CPU_IRET_FORCED 12
#define SMALL_STATS_CR3      0
#define SMALL_STATS_SEG_LOADS 16
#define SMALL_CPU_SIZE_LOG2  5       /* sizeof(struct small_cpu), aligned */

/* struct trap_frame: size and offsets from its start */
#define FRAME_SIZE      60
#define FRAME_EDI       0
#define FRAME_EDX       20
#define FRAME_ECX       24
#define FRAME_EIP       40
#define FRAME_EFLAGS    48
#define FRAME_ESP       52
#define FRAME_SS        56
/* A thread the fast path blocked: its frame at the top of its TCB page,
 * right below it the switch frame arch_switch resumes (4 registers and
 * the return address ipc_fast_resume). */
#define FAST_FRAME      (TCB_SIZE - FRAME_SIZE)
#define FAST_RESUME_RET (FAST_FRAME - 4)
#define FAST_KSP        (FAST_FRAME - 20)

/* X.2 constants (<l4/abi.h>, which assembly cannot include) */
#define FAST_TAG_U_MASK     0x0000003f
#define FAST_TAG_T_MASK     0x00000fc0
#define FAST_TAG_PROPAGATED 0x00001000
#define FAST_TAG_T_SHIFT    6
#define FAST_TAG_LABEL_MASK 0xffff0000
#define FAST_TID_NO_SHIFT   14
#define FAST_NILTHREAD      0
#define FAST_ANYTHREAD      0xffffffff
#define FAST_MR0_OFFSET     256         /* local ID = UTCB location + this */
#define FAST_UTCB_SIZE_LOG2 9
#define FAST_MYGLOBALID     (-15)       /* UTCB word, from MR0 */

#define FAST_CR0_TS         0x00000008

/* thread states and flags (thread.h) */
#define FAST_TS_READY     2
#define FAST_TS_RECV_WAIT 4
#define FAST_TF_QUEUED    0x10
/* The receiver's flags must be TF_QUEUED alone (its place taken, linked
 * or not: the switch then needs no ready-queue work, as sched_handoff's;
 * halted, kernel, interrupt, wakeup armed, quantum out, starting must be
 * clear). */

/* The word under a sysenter frame (arch_ipc_wait_mark's) while its
 * thread sleeps in the general receive phase of a top-level user Ipc
 * (ipc.c, arch_recv_wait_mark in irq_fast.h): what remains of that Ipc is
 * its return alone, which the interrupt fast paths may do. Odd, so never
 * the frame address the word otherwise holds, nor ipc_fast_resume (the
 * asm IPC path's mark, which it keeps for itself). */
#define IRQ_RECV_WAIT_MARK 1

#ifndef __ASSEMBLER__
#include "trap.h"
#include "thread_arch.h"
#include "cpu.h"
#include "syscall_vectors.h"
#include "smp.h"
#include "../../thread.h"
/* An Ipc's results in the caller's registers (X.2 ia32): eax = from,
 * esi = MR0, ebx = MR1, ebp = MR2; the rest of the frame as it entered. */
static inline void ipc_results_to_frame(const struct tcb *t, struct trap_frame *f)
{
    f->eax = t->ipc_from;
    f->esi = t->mr[0];
    f->ebx = t->mr[1];
    f->ebp = t->mr[2];
}
/* Boot: the mode byte of every CPU's fast_off (CR4.PVI makes every exit
 * an iret; eager FPU switching is not done by the fast path). */
void ipc_fast_init(void);
/* trace.c: the IPC, switch or interrupt trace kinds went on or off (every CPU's
 * fast_off trace byte; the caller holds the whole kernel lock). */
void ipc_fast_trace(int on);
/* The small-space instance's switch of address space (space_switch.h's
 * space_switch, out of line): me holds its lock word, mode LOCAL. */
struct cpu_local;
struct tcb;
void ipc_fast_space_switch(struct cpu_local *me, struct tcb *prev, struct tcb *next);
/* A thread the fast path blocked, resumed by the general path
 * (arch_switch returns into ipc_fast_resume): the end of its Ipc. */
void ipc_fast_resumed(struct trap_frame *f);
void ipc_fast_resume(void);
void ipc_fast_resume_iret(void);     /* the same code, not the mark */

/* The resume marks' promise. ipc_fast_resume under a thread's frame
 * (FAST_RESUME_RET) says, besides "blocked in a sysenter Ipc that only
 * has to return", that its saved EFLAGS has no TF: sysexit is its exit.
 * IRQ_RECV_WAIT_MARK (irq_fast.h; written by arch_recv_wait_mark for the
 * same token's holder, while it sleeps in the general receive phase)
 * promises the same. The IPC and interrupt fast paths do not test TF in
 * their receiver; every writer of a mark and of a frame's TF keeps the
 * promise:
 *  - a sender the assembly paths block (fastipc_entry.S, excfast_reply.S)
 *    entered by sysenter without TF: a sysenter with TF takes #DB at the
 *    entry and resumes at sysenter_entry_step, which goes to the general
 *    path (debug.c);
 *  - arch_ipc_wait_mark (the C fast paths) marks only a token's holder,
 *    and sysenter_ipc (syscall.c) takes the token back from an entry whose
 *    TF debug_sysenter_fixup gave back;
 *  - TF in a waiting thread's frame: ExchangeRegisters alone writes it
 *    (kdb, exception replies, vif.c and the v86 paths write the frame of
 *    the thread that entered the kernel, whose word is its entry's), and
 *    calls arch_ipc_wait_flags, which turns the mark into
 *    ipc_fast_resume_iret (the same code for arch_switch's return, but
 *    not the mark: every reader then takes the general path), or
 *    IRQ_RECV_WAIT_MARK into the unmarked word (not a return address).
 * ipc_fastpath (ipc_fast.c) asserts it for marked receivers. */
static inline bool arch_ipc_mark_kept(const struct tcb *t)
{
    const struct trap_frame *f = tcb_frame(t);
    uint32_t w = ((const uint32_t *)f)[-1];
    return (w != (uint32_t)(uintptr_t)ipc_fast_resume && w != IRQ_RECV_WAIT_MARK) ||
           !(f->eflags & EFL_TF);
}

/* ExchangeRegisters wrote t's saved EFLAGS (t is not running; the whole
 * kernel lock is held): a mark whose promise TF breaks is dropped. */
static inline void arch_ipc_wait_flags(struct tcb *t)
{
#if IPC_FASTPATH
    struct trap_frame *f = tcb_frame(t);
    volatile uint32_t *w = (volatile uint32_t *)f - 1;
    if (!(f->eflags & EFL_TF))
        return;
    if (*w == (uint32_t)(uintptr_t)ipc_fast_resume)
        *w = (uint32_t)(uintptr_t)ipc_fast_resume_iret;
    else if (*w == IRQ_RECV_WAIT_MARK)
        *w = (uint32_t)(uintptr_t)w + 4;    /* unmarked (the receive */
                                            /* unmarks it so at its end) */
#else
    (void)t;
#endif
}

/* ipc.h's user-wait token (ipc_user_wait) on ia32: the word under the
 * sysenter frame, which holds the frame's address (sysenter_general's
 * argument to sysenter_ipc). While ipc_fastpath's handoff has the caller
 * blocked it holds ipc_fast_resume instead, the mark the assembly path
 * looks for (FAST_RESUME_RET); the thread's own code runs only after the
 * word is back. */
static inline void arch_ipc_wait_mark(void *w)
{
#if IPC_FASTPATH
    if (w)
        *(volatile uint32_t *)w = (uint32_t)(uintptr_t)ipc_fast_resume;
#else
    (void)w;
#endif
}

static inline void arch_ipc_wait_unmark(void *w)
{
    if (IPC_FASTPATH && w)
        *(volatile uint32_t *)w = (uint32_t)(uintptr_t)w + 4;
}

/* The token, taken by the Ipc it was set for (cleared either way, so
 * that kernel IPCs nested in it never see it). It is believed only if it
 * is the word under self's own frame and that frame is a sysenter Ipc's:
 * a token can outlive its Ipc. sysenter_ipc sets it and the Ipc takes it
 * only after the kernel lock (ipc_general after klock_ensure_full, the
 * pager's reply after its upgrade); a thread that this CPU leaves for
 * good meanwhile (deleted, or moved while serving the lock holder's
 * request) never takes it, and the next taker here, a kernel IPC of
 * another thread (a page fault) or of the same thread entered otherwise,
 * would mark a word of a stack that is not waiting in a sysenter Ipc.
 * The same thread's own later sysenter Ipc overwrites it first: every
 * sysenter Ipc writes the token, a single-stepped one NULL (syscall.c),
 * so a stale token never marks a frame with TF. */
static inline void *arch_ipc_wait_take(struct cpu_local *me, const struct tcb *self)
{
    void *w = me->ipc_user_wait;
    me->ipc_user_wait = NULL;
    const struct trap_frame *f = tcb_frame(self);
    if (w != (const uint32_t *)f - 1 || f->vector != SYSENTER_MARK)
        return NULL;
    return w;
}
#endif

#endif

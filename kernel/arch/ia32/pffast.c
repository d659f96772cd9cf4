/* The page-fault round trip's fast path (pffast.h; docs/fastpaths-events.md,
 * "Page-fault round trip: the fault's send and the reply's short path").
 * The same shape as the exception fast path (excfast.c).
 *
 * The send: a user #PF enters trap_pf (trap.c), which holds this CPU's
 * lock word only and tries pf_fast_send. If the fault needs nothing but
 * the page-fault IPC (a large space that is not sigma0's, an address below
 * the kernel's, no mapping the mdb would refill) and the thread's pager
 * waits for it, on this CPU, and may run next, the fault message (label
 * PAGEFAULT|rwx, u = 2: address, ip) goes straight into the pager's UTCB
 * and the CPU switches to it (direct exit through sysexit where the pager
 * blocked in a sysenter Ipc). The thread's MR0..MR2, BR0 and ErrorCode
 * stay saved on its stack as fault_ipc_to saves them; BR0 is the complete
 * fpage while it waits (tcb.exc_br0 keeps the user's, exc_wait says
 * EXC_WAIT_PAGEFAULT).
 *
 * The reply: the pager's call or reply-and-wait with one map item of one
 * 4 KiB page (after u untyped words) to a thread in that wait comes to
 * pf_fast_reply_slow (syscall.c's hook, before the Ipc's own paths). With
 * the whole lock for the mapping it does what the general path does for
 * that message (ipc.c's send phase, pf_reply_fast: the checks, the
 * mapping by map_item_page, the trace records, both threads' IPC state),
 * then lets all words but this CPU's go and leaves to the faulting thread
 * through iret from its trap frame, its kernel stack (the wait) dropped.
 * The thread's UTCB is then what the general path leaves: MR0..MR2, BR0
 * and ErrorCode as before the fault (the general path writes and restores
 * them), MR3.. the words the general path delivers there.
 *
 * Any other end of the wait (a general-path reply, a cancel, abort or
 * deletion of the pager) makes the thread runnable by the general path's
 * means; it resumes in pf_fast_send and finishes as pagefault() does.
 * Every check that fails returns before anything changed, and the general
 * path runs. FASTPATH=0 builds none of it. */
#include "pffast.h"
#include "excfast.h"
#include "excfast_direct.h"
#include "excfast_asm.h"
#include "klock.h"
#include "smp.h"
#include "layout.h"
#include "cpu.h"
#include "../../thread.h"
#include "../../sched.h"
#include "../../sched_handoff.h"
#include "../../ipc.h"
#include "../../irq.h"
#include "../../event_fast.h"
#include "../../pagefault.h"
#include "../../map.h"
#include "../../mdb.h"
#include "../../strxfer.h"
#include "../../string.h"
#include "../../trace.h"
#include "../../kernel.h"

uint32_t pf_fast_sends, pf_fast_replies;

/* pffast_entry.S tests the from-specifier for nilthread with testl. */
_Static_assert(L4ABI_NILTHREAD == 0, "nilthread is zero");

#if FASTPATH

#if IPC_FASTPATH
_Static_assert(EXC2_TF_KERNEL == TF_KERNEL, "excfast_asm.h: TF_KERNEL");
/* pffast_entry.S's constants (excfast_asm.h). */
_Static_assert(__builtin_offsetof(struct tcb, dying) == TCB_DYING &&
               __builtin_offsetof(struct tcb, xfer) == TCB_XFER, "tcb.dying, tcb.xfer");
_Static_assert(__builtin_offsetof(struct cpu_local, ipc_user_wait) == CPU_IPC_USER_WAIT,
               "cpu_local.ipc_user_wait");
_Static_assert(sizeof(struct cpu_local) == PF_CPU_LOCAL_SIZE, "sizeof(struct cpu_local)");
_Static_assert(KL_FULL == FAST_KL_FULL && KL_LOCAL == FAST_KL_LOCAL, "lock modes");
_Static_assert(L4ABI_ANYLOCALTHREAD == PF_ANYLOCALTHREAD &&
               L4ABI_ACCEPT_WINDOW_MASK == PF_ACCEPT_WINDOW_MASK &&
               L4ABI_NUM_MRS == PF_NUM_MRS && L4ABI_ITEM_TYPE_MASK == PF_ITEM_TYPE_MASK &&
               L4ABI_ITEM_MAP == PF_ITEM_MAP && PAGE_SHIFT == PF_PAGE_SHIFT &&
               L4ABI_FPAGE_LOG2(PF_PAGE_SHIFT << 4) == PF_PAGE_SHIFT, "X.2 constants");
_Static_assert(FAST_MAP == PF_FAST_MAP, "FAST_MAP");
#if TRACE
_Static_assert(PF_TRACE_BITS == (TRACE_BIT(TRACE_IPC) | TRACE_BIT(TRACE_MAP) |
                                 TRACE_BIT(TRACE_SWITCH)) &&
               (TRACE_HANDOFF_KINDS & ~PF_TRACE_BITS) == 0, "trace bits");
#endif

void direct_switch_out(struct cpu_local *me, struct tcb *t, struct tcb *h)
{
    direct_switch(me, t, h);
}
#endif

/* The send, holding this CPU's word. False: nothing changed. True: the
 * fault is over (the thread resumed, or was stopped as pagefault() stops
 * it); its frame holds what it runs next. */
static bool pf_fast_send(struct tcb *t, struct trap_frame *__restrict f)
{
    struct cpu_local *me = t->on_cpu;
    /* One test per disqualifier, cheapest first: a reschedule due (also
     * set for a thread being deleted or halted meanwhile), an interrupt
     * to deliver, page faults traced (user_page_fault records them). */
    if (me->resched || t->dying || irq_pending || TRACE_ON(TRACE_PF))
        return false;
    /* The fault needs nothing but the IPC: not sigma0's space (its faults
     * map memory), a large space (small_user_fault's region copies and
     * promotions), an address below the kernel's (a stale region entry,
     * the TCB area: small_user_fault, pagefault's kernel handling). */
    struct space *s = t->space;
    uint32_t addr = read_cr2();
    if (s->sigma0 || s->small.base || addr >= USER_LIMIT)
        return false;
    /* mdb_refill would not resolve it: no mapping of ours there with the
     * rights (one that has them, PTE missing or not, is the general
     * path's; a fault asks for write exactly if its error code says
     * so). Every mdb writer holds the whole lock, so our word keeps the
     * index still while we read it. */
    const struct mapnode *n = mdb_lookup_in(s->mdb, addr);     /* mdb_lookup, inline */
    if (n && (!(f->error & 2) || (n->rights & L4ABI_FPAGE_W)))
        return false;
    /* The pager, named by its global ID (resolve's inline case: the TCB
     * slot of the ID's thread number holds that ID; a local ID, a
     * missing or a self pager: the general path, which also stops the
     * thread where it must), receives (so it is live and not us), from
     * us (or any thread), homed here (our own home is here: no
     * reschedule is due, docs/smp.md "Fast-path contract"); no
     * redirection in the way. */
    uint32_t pid = UTCB(t, L4ABI_UTCB_PAGER);
    struct tcb *p = tcb_of_no(L4ABI_TID_THREADNO(pid) & (MAX_THREADS - 1));
    if (p->gid != pid || L4ABI_TID_IS_LOCAL(pid) || p->state != TS_RECV_WAIT ||
        !ipc_accepts(p, t) || p->cpu != me)
        return false;
    if (__builtin_expect(t->redirector != 0, 0) && !ipc_redirect_exempt(t, p))
        return false;
    /* The scheduler would run it next (sched_can_handoff_on, whose
     * reschedule test we made above: nobody sets it while we hold our
     * word): not halted, quantum left, at least our priority or the
     * lower-priority rule. */
    if ((p->flags & (TF_HALTED | TF_QUANTUM_OUT)) ||
        (p->prio < t->prio && !sched_can_handoff_on(me, p)))
        return false;

    /* ---- Commit. ---- */
    fast_events[FAST_FAULT]++;      /* before p runs: p may read the counts */
    pf_fast_sends++;

    /* The message, as fault_ipc_to and transfer build it, into p's UTCB. */
    uint32_t *__restrict m = p->mr;
    uint32_t ip = f->eip;
    /* The access: write, else execute (an instruction fetch: no
     * protection fault, the address is the ip), else read. */
    unsigned rwx = (f->error & 2) ? L4ABI_FPAGE_W : L4ABI_FPAGE_R;
    if (!(f->error & 1) && ip == addr)
        rwx = L4ABI_FPAGE_X | L4ABI_FPAGE_R;
    m[0] = L4ABI_TAG(L4ABI_LABEL_PAGEFAULT | rwx, 2, 0) &
           (L4ABI_TAG_LABEL_MASK | L4ABI_TAG_U_MASK);
    m[1] = addr;
    m[2] = ip;
    /* p's receive is done (finish). */
    ipc_complete(p, id_for(t, p), 0);

    /* Our message registers as fault_ipc_to saves them; BR0 the complete
     * fpage while we wait (the receive window is the whole space). */
    uint32_t *mr = t->mr;
    uint32_t saved0 = mr[0], saved1 = mr[1], saved2 = mr[2];
    uint32_t saved_err = mr[L4ABI_UTCB_ERRORCODE];
    uint8_t how = fast_send_wait(me, t, p, L4ABI_COMPLETE_FPAGE, EXC_WAIT_PAGEFAULT);
    if (how == EXC_WAIT_REPLIED) {
        /* pf_fast_reply_slow mapped the page and left MR0..MR2 and
         * ErrorCode alone; BR0 back, and the access runs again. */
        mr[L4ABI_UTCB_BR(0)] = t->exc_br0;   /* as saved (only our sends write it) */
        return true;
    }
    /* The general path ended it (with whatever lock): as event_fast_call,
     * fault_ipc_to and pagefault finish. */
    event_wait_ended(t);
    uint32_t err = t->ipc_error;
    mr[0] = saved0;
    mr[1] = saved1;
    mr[2] = saved2;
    mr[L4ABI_UTCB_BR(0)] = t->exc_br0;
    mr[L4ABI_UTCB_ERRORCODE] = saved_err;
    if (err && !fault_ipc_interrupted(err))
        thread_stop(t, "page-fault IPC to the pager failed", addr, ip);
    return true;
}

/* A user entry's frame is on its thread's stack, inside its TCB: the TCB
 * is the frame's address rounded down (current's step without its test
 * for the boot stack). */
static inline struct tcb *frame_tcb(const struct trap_frame *f)
{
    return (struct tcb *)((uintptr_t)f & ~(uintptr_t)(TCB_SIZE - 1));
}

bool trap_pf_fast(struct trap_frame *f)
{
    /* A fault from user mode (v86 mode went elsewhere: entry.S), or
     * trap_pf's (a kernel-mode one). */
    if (__builtin_expect((f->cs & 3) != 3, 0))
        return false;
    struct tcb *self = frame_tcb(f);    /* current (a user fault) */
    klock_local_on(self->on_cpu);
    if (pf_fast_send(self, f))
        return true;    /* trap_return lets the lock go (whichever) */
    klock_release();    /* the general path takes the whole lock itself */
    return false;
}

/* The reply's commit, after its tests and the mapping passed (pf_reply,
 * or pf_reply_resched after pffast_entry.S's): the whole lock held,
 * recv our receive phase's partner. Inline into both. */
static inline __attribute__((always_inline)) void pf_reply_commit(struct tcb *self,
                                                                  struct cpu_local *me,
                                                                  struct tcb *dest,
                                                                  struct trap_frame *f,
                                                                  uint32_t recv, uint32_t fpage)
{
    uint32_t tag = f->esi, u = L4ABI_TAG_U(tag);
    uint32_t *mr = self->mr;
    /* ---- Commit. ---- */
    pf_fast_replies++;
    fast_events[FAST_MAP]++;
    mr[0] = tag;                                /* do_ipc */
    /* The trace records transfer() and map_item make, in their order. */
    if (TRACE_ON(TRACE_IPC))
        trace_ipc(self->gid, dest->gid, tag, false);
    if (TRACE_ON(TRACE_MAP))
        trace_record(TT_MAP, self->gid, dest->gid, fpage, false);
    /* The message's words where they outlast the fault: the general path
     * writes MR0..MR(u+2) and fault_ipc_to restores MR0..MR2 (and BR0,
     * ErrorCode); MR3..MR(u+2) keep the reply's. */
    copy_words(dest->mr + 3, mr + 3, u);
    dest->exc_wait = EXC_WAIT_REPLIED;
    ipc_complete(dest, id_for(self, dest), 0);

    /* We block in our receive phase (reply_handoff's stores). */
    ipc_wait_for(self, recv);
    /* dest out by iret (pf_fast_send's REPLIED resume: BR0 back, the
     * wait over) after the whole lock is let go, unless a reschedule came
     * up while we held it or mapped; or the handoff; then our Ipc's end. */
    fast_reply_end(me, self, dest, f, true);
}

/* The reply (pffast.h): self = current, me = its CPU record, this CPU's
 * word held (lock mode LOCAL). Inline into both ways in, so that neither
 * pays a call and the stack-to-TCB step twice. */
static inline __attribute__((always_inline)) bool pf_reply(struct tcb *self, struct cpu_local *me,
                                                           struct trap_frame *f)
{
    /* The tag's type test and dest's slot passed (pffast.h). The receive
     * phase with timeout never; no interrupt to deliver to us (our
     * receive phase would take it). */
    if (L4ABI_TIMEOUTS_RCV(f->ecx) != L4ABI_TIME_NEVER || irq_pending)
        return false;

    /* The mapping needs the whole lock (mdb writes): taken before the
     * checks, since taking it may let our word go for a moment. From
     * here on a refusal leaves the general path the lock it takes anyway.
     * A thread being deleted goes no further (klock_ensure_full's end). */
    klock_local_to_full_on(me);
    if (__builtin_expect(self->dying, 0))
        sched_abandon();
    uint32_t to = f->eax, from_spec = f->edx;
    /* dest: the TCB slot the entry tested, named by its global ID (a
     * local ID is the general path's). A thread waiting as tested below
     * is a live one, so its ID equal to `to` is all resolve would add
     * (a never-used slot reads as zeros: exc_wait NONE). */
    struct tcb *dest = tcb_of_no(L4ABI_TID_THREADNO(to) & (MAX_THREADS - 1));
    /* dest waits in the fast path's page-fault IPC, for us, in no copy,
     * homed here (a waiting thread is not running: its home is where it
     * runs next); no copy of ours in progress. Our own home is here
     * unless a reschedule is due (docs/smp.md, "Fast-path contract"),
     * and then sched_can_handoff_on below refuses. */
    if (dest->gid != to || dest->exc_wait != EXC_WAIT_PAGEFAULT || dest->state != TS_RECV_WAIT ||
        dest->xfer || self->xfer || !ipc_accepts(dest, self) || dest->cpu != me)
        return false;
    if (__builtin_expect(self->redirector != 0, 0) && !ipc_redirect_exempt(self, dest))
        return false;
    /* Our receive phase, as the general path would take it at once: a
     * call, or anythread (anylocalthread) with nobody queued on us. */
    uint32_t recv;
    if (from_spec == to)
        recv = dest->gid;
    else if ((from_spec == L4ABI_ANYTHREAD || from_spec == L4ABI_ANYLOCALTHREAD) &&
             !self->sq_head)
        recv = from_spec;
    else
        return false;
    uint32_t window = dest->mr[L4ABI_UTCB_BR(0)] & L4ABI_ACCEPT_WINDOW_MASK;
    if (!window || !sched_can_handoff_on(me, dest))
        return false;
    /* One map item of a 4 KiB page after the u words, within the
     * message registers (read last: fewer values live across the tests
     * above). */
    uint32_t tag = f->esi, u = L4ABI_TAG_U(tag);
    uint32_t *mr = self->mr;
    if (u + 2 >= L4ABI_NUM_MRS)
        return false;
    uint32_t item0 = mr[u + 1], fpage = mr[u + 2];
    if ((item0 & L4ABI_ITEM_TYPE_MASK) != L4ABI_ITEM_MAP || L4ABI_FPAGE_LOG2(fpage) != PAGE_SHIFT)
        return false;
    /* The mapping: the only step that may still refuse (unchanged). */
    if (!map_item_page(self, dest, item0, fpage, window))
        return false;
    pf_reply_commit(self, me, dest, f, recv, fpage);
    return true;
}

#if !IPC_FASTPATH
bool pf_fast_reply_slow(struct trap_frame *f)
{
    struct tcb *self = current;     /* sysenter_ipc took this CPU's word */
    return pf_reply(self, self->on_cpu, f);
}
#else
bool pf_reply_sysenter(struct trap_frame *f)
{
    /* sysenter_ipc's steps for this Ipc: this CPU's word (nothing is held
     * yet: the assembly entry left before its lock), the mark of a
     * top-level user Ipc; then the reply, or back to the general path
     * with the lock mode saying what is held. (debug_sysenter_fixup has
     * nothing to do here: a single-stepped sysenter resumes at
     * sysenter_entry_step, which goes to sysenter_general.) */
    struct tcb *self = frame_tcb(f);    /* current (sysenter's frame) */
    struct cpu_local *me = self->on_cpu;
    klock_local_on(me);
    me->ipc_user_wait = (uint32_t *)f - 1;
    return pf_reply_locked(f);
}

bool pf_reply_locked(struct trap_frame *f)
{
    struct tcb *self = frame_tcb(f);    /* current (sysenter's frame) */
    if (!pf_reply(self, self->on_cpu, f))
        return false;
    /* Resumed, our Ipc over: sysenter_ipc's end. */
    if (__builtin_expect(self->on_cpu->resched, 0))
        return_to_user_checks(f);
    klock_release_on(self->on_cpu);
    return true;
}

/* pffast_entry.S, after every test of pf_reply before its mapping and
 * the mapping passed (one CPU schedules threads: the whole lock held,
 * mode FULL, the token set; no tracing) and a reschedule came up
 * meanwhile: the commit as pf_reply makes it (dest then goes through
 * sched_handoff); our Ipc is over and the lock let go on return. */
__attribute__((regparm(2))) void pf_reply_resched(struct tcb *dest, struct trap_frame *f)
{
    struct tcb *self = frame_tcb(f);    /* current (sysenter's frame) */
    uint32_t tag = f->esi, u = L4ABI_TAG_U(tag);
    /* our receive phase's partner: the from-specifier (a call's is `to`,
     * dest's ID) */
    pf_reply_commit(self, self->on_cpu, dest, f, f->edx, self->mr[u + 2]);
    if (self->on_cpu->resched)
        return_to_user_checks(f);
    klock_release_on(self->on_cpu);
}
#endif

#endif

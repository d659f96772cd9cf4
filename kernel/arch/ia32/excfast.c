/* The exception round trip's fast path (excfast.h; docs/fastpaths-events.md,
 * "Exception round trip").
 *
 * The send: a user #DE (or #OF, #BR, #MF, #AC, #XM: the vectors that the
 * general path turns into the exception IPC and nothing else) enters
 * trap_exc_fast from its own entry (entry.S, exc_common). If the thread's
 * exception handler waits for it, on this CPU, and may run next, the
 * message (label -5, 12 words) goes from the trap frame straight into the
 * handler's UTCB and the CPU switches to it, holding this CPU's lock word
 * only (docs/smp.md, "Fast-path contract"). The thread's MR0..MR17, BR0
 * and ErrorCode are saved on its stack as exception_ipc saves them, and
 * BR0 is nil while it waits, so a reply with map items maps nothing.
 *
 * The reply: the handler's Ipc with exactly 12 untyped words to a thread
 * waiting there, or in event_fast_call's exception IPC from exception_ipc
 * (tcb.exc_wait), writes the words into that thread's trap
 * frame as the general path applies a reply (exc_apply_reply: EFLAGS only
 * within EFL_USER_MASK), ends the thread's wait (BR0 back from exc_br0),
 * blocks the handler in its receive phase as the C IPC fast path does,
 * and switches; the thread leaves through iret from its frame
 * (exc_fast_iret; its kernel stack, the wait, is dropped) or, when that
 * is not possible, resumes in its wait and finds REPLIED. Its UTCB is
 * what the general path leaves there (MR0..MR17 and ErrorCode untouched,
 * BR0 back).
 *
 * Both directions leave without the general switch where they can
 * (excfast_exit.S): to a handler blocked in a sysenter Ipc that only has
 * to return, through sysexit from its frame (exc_fast_exit), as the
 * assembly IPC path does.
 *
 * Any other end of the wait (a general-path reply, with more words, map
 * items or a timeout; a cancel, abort or deletion of the handler) makes
 * the thread runnable by the general path's means; it resumes here and
 * finishes as exception_ipc does (exception_ipc_end). Every check that
 * fails returns before anything changed, and the general path runs. */
#include "excfast.h"
#include "klock.h"
#include "smp.h"
#include "thread_arch.h"
#include "../../thread.h"
#include "../../sched.h"
#include "../../sched_handoff.h"
#include "../../ipc.h"
#include "../../irq.h"
#include "../../exception.h"
#include "../../event_fast.h"
#include "../../strxfer.h"
#include "../../string.h"
#include "../../trace.h"
#include "../../kernel.h"
#include "fastipc.h"
#include "space_switch.h"
#include "fpu.h"
#include "debug.h"
#include "gdt.h"
#include "excfast_direct.h"

uint32_t exc_fast_sends, exc_fast_replies, exc_fast_replies_asm;

/* excfast_reply.S's constants (excfast_asm.h). */
#include "excfast_asm.h"
_Static_assert(__builtin_offsetof(struct tcb, rq) == TCB_RQ &&
               __builtin_offsetof(struct tcb, rq.next) == TCB_RQ, "tcb.rq");
_Static_assert(__builtin_offsetof(struct tcb, exc_wait) == TCB_EXC_WAIT &&
               sizeof(((struct tcb *)0)->exc_wait) == 1, "tcb.exc_wait");
_Static_assert(__builtin_offsetof(struct tcb, exc_br0) == TCB_EXC_BR0, "tcb.exc_br0");
_Static_assert(__builtin_offsetof(struct cpu_local, ready.bitmap) == CPU_READY_BITMAP &&
               __builtin_offsetof(struct cpu_local, ready.summary) == CPU_READY_SUMMARY &&
               sizeof(((struct cpu_local *)0)->ready.bitmap) == 8 * 4, "cpu_local.ready");
_Static_assert(EXC_WAIT_NONE == EXC2_WAIT_NONE && EXC_WAIT_WAITING == EXC2_WAIT_WAITING &&
               EXC_WAIT_PAGEFAULT == EXC2_WAIT_PAGEFAULT &&
               EXC_FAST_IMAGE_WORDS == EXC2_IMAGE_WORDS, "exc_wait states");
_Static_assert(L4ABI_EXC_MR_EIP == EXC2_MR_EIP && L4ABI_EXC_MR_EFLAGS == EXC2_MR_EFLAGS &&
               L4ABI_EXC_MR_EDI == EXC2_MR_EDI && L4ABI_UTCB_BR(0) * 4 == EXC2_BR0_OFFSET,
               "exception image words");
_Static_assert(EFL_USER_MASK == EXC2_EFL_USER_MASK, "EFL_USER_MASK");

#if FASTPATH

/* MR0..MR17: what exception_ipc saves for the ia32 image (u up to 17). */
#define SAVED (L4ABI_EXC_UNTYPED_DEBUG + 1)

/* The send, holding this CPU's word. False: nothing changed. True: the
 * thread blocked, was resumed, and its frame holds what it runs next. */
static bool exc_fast_send(struct tcb *t, struct trap_frame *__restrict f)
{
    struct cpu_local *me = t->on_cpu;
    /* One test per disqualifier, cheapest first: a reschedule due (also
     * set for a thread being deleted or halted meanwhile), an interrupt to
     * deliver, the exception traced (the general path records it). */
    if (me->resched || t->dying || irq_pending || TRACE_ON(TRACE_EXC))
        return false;
    /* The handler, named by its global ID (resolve's inline case: the
     * TCB slot of the ID's thread number holds that ID; a local ID, a
     * missing or a self handler: the general path, which also stops the
     * thread where it must), receives (so it is live and not us), from
     * us (or any thread), homed here (our own home is here: no
     * reschedule is due, docs/smp.md "Fast-path contract"); no
     * redirection in the way. */
    uint32_t hid = UTCB(t, L4ABI_UTCB_EXCEPTIONHANDLER);
    struct tcb *h = tcb_of_no(L4ABI_TID_THREADNO(hid) & (MAX_THREADS - 1));
    if (h->gid != hid || L4ABI_TID_IS_LOCAL(hid) || h->state != TS_RECV_WAIT ||
        !ipc_accepts(h, t) || h->cpu != me)
        return false;
    if (__builtin_expect(t->redirector != 0, 0) && !ipc_redirect_exempt(t, h))
        return false;
    /* The scheduler would run it next (sched_can_handoff_on, whose
     * reschedule test we made above: nobody sets it while we hold our
     * word): not halted, quantum left, at least our priority or the
     * lower-priority rule. */
    if ((h->flags & (TF_HALTED | TF_QUANTUM_OUT)) ||
        (h->prio < t->prio && !sched_can_handoff_on(me, h)))
        return false;

    /* ---- Commit. ---- */
    exception_ipcs++;
    fast_events[FAST_EXC]++;        /* before h runs: h may read the counts */
    exc_fast_sends++;

    /* The message, as deliver_flags builds it, into h's UTCB (transfer). */
    uint32_t *__restrict m = h->mr;     /* another thread's UTCB: not f */
    m[0] = L4ABI_TAG(L4ABI_LABEL_EXCEPTION, L4ABI_EXC_UNTYPED, 0) &
           (L4ABI_TAG_LABEL_MASK | L4ABI_TAG_U_MASK);
    m[L4ABI_EXC_MR_EIP] = f->eip;
    m[L4ABI_EXC_MR_EFLAGS] = f->eflags;
    m[L4ABI_EXC_MR_EXCNO] = f->vector;
    m[L4ABI_EXC_MR_ERRCODE] = f->error;
    /* edi .. eax in pushal's order (excfast.h), the 4th the user esp */
    copy_words(&m[L4ABI_EXC_MR_EDI], &f->edi, 8);
    m[L4ABI_EXC_MR_ESP] = f->esp;
    /* h's receive is done (finish). */
    ipc_complete(h, id_for(t, h), 0);

    /* Our message registers as exception_ipc saves them; BR0 nil while we
     * wait (no map item reaches us). */
    uint32_t saved[SAVED];
    copy_words(saved, t->mr, SAVED);
    uint32_t saved_br0 = t->mr[L4ABI_UTCB_BR(0)];
    uint32_t saved_err = t->mr[L4ABI_UTCB_ERRORCODE];
    uint8_t how = fast_send_wait(me, t, h, 0, EXC_WAIT_WAITING);
    if (how == EXC_WAIT_REPLIED) {
        /* exc_fast_reply wrote the frame and left our MRs alone; it holds
         * this CPU's word, which our exit lets go. */
        t->mr[L4ABI_UTCB_BR(0)] = saved_br0;
        return true;
    }
    /* The general path ended it (with whatever lock): as event_fast_call
     * and exception_ipc finish. */
    event_wait_ended(t);
    uint32_t w[L4ABI_EXC_UNTYPED_DEBUG];
    unsigned got;
    if (exception_ipc_end(t, t->ipc_error, w, L4ABI_EXC_UNTYPED, L4ABI_EXC_UNTYPED_DEBUG, &got,
                          saved, saved_br0, saved_err, trap_name(f->vector), f->eip) ==
        EXC_REPLIED)
        exc_apply_reply(f, w, got);
    return true;
}

void trap_exc_fast(struct trap_frame *f)
{
    if (!frame_from_user(f)) {
        trap_dispatch(f);       /* a kernel bug: reported there */
        return;
    }
    klock_local();
    if (!exc_fast_send(current, f)) {
        /* The general path, which takes the whole lock itself. */
        klock_release();
        trap_dispatch(f);
        return;
    }
    return_to_user_checks(f);   /* trap_return lets the lock go */
}

bool exc_fast_reply_slow(struct trap_frame *f)
{
    /* The tag and the timeouts passed (excfast.h); no interrupt to
     * deliver to us. */
    uint32_t tag = f->esi;
    if (irq_pending)
        return false;
    struct tcb *self = current;
    struct cpu_local *me = self->on_cpu;
    uint32_t to = f->eax, from_spec = f->edx;
    struct tcb *dest = resolve(self, to);
    /* dest waits in the fast path's exception IPC, for us, homed here
     * (a waiting thread is not running: its home is where it runs next).
     * Our own home is here unless a reschedule is due (docs/smp.md,
     * "Fast-path contract"), and then sched_can_handoff_on below
     * refuses. */
    if (!dest || dest->exc_wait != EXC_WAIT_WAITING || dest->state != TS_RECV_WAIT ||
        !ipc_accepts(dest, self) || dest->cpu != me)
        return false;
    if (__builtin_expect(self->redirector != 0, 0) && !ipc_redirect_exempt(self, dest))
        return false;
    /* Our receive phase, as ipc_fastpath takes it: a call, or anythread
     * (anylocalthread) with nobody queued on us. */
    uint32_t recv;
    if (from_spec == to)
        recv = dest->gid;
    else if ((from_spec == L4ABI_ANYTHREAD || from_spec == L4ABI_ANYLOCALTHREAD) &&
             !self->sq_head)
        recv = from_spec;
    else
        return false;
    if (!sched_can_handoff_on(me, dest))
        return false;

    /* ---- Commit. ---- */
    exc_fast_replies++;
    self->mr[0] = tag;                          /* do_ipc */
    /* The reply's words: dest's new registers (exception_ipc_end and
     * deliver_flags; dest's own MRs, which the general path would
     * overwrite and restore, stay as they are). */
    exc_apply_reply(tcb_frame(dest), self->mr + 1, L4ABI_EXC_UNTYPED);
    dest->exc_wait = EXC_WAIT_REPLIED;
    ipc_complete(dest, id_for(self, dest), 0);

    /* We block in our receive phase (ipc_fastpath's stores). */
    ipc_wait_for(self, recv);
    /* dest out by iret (trap_exc_fast's REPLIED resume: BR0 back, the
     * wait over), or the handoff; then our Ipc's end. */
    fast_reply_end(me, self, dest, f, false);
    return true;
}

#endif

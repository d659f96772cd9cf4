/* Fast paths for the kernel's own events (docs/exceptions.md, "Fast
 * paths"): a page fault, an I/O fault or an exception whose partner (pager,
 * exception handler) already waits for the faulting thread goes straight
 * to it, with a direct switch, instead of through the generic IPC system
 * call; an interrupt for a waiting handler that outranks the interrupted
 * thread is delivered the same way (irq.c). Each returns false before
 * changing anything when its case is not the common one, and the general
 * path then runs; both leave the same results. FASTPATH=0 (config.mk)
 * compiles them out. */
#ifndef PECAN_EVENT_FAST_H
#define PECAN_EVENT_FAST_H

#include "types.h"
#include "thread.h"
#include "sched.h"
#include "arch/ia32/smp.h"
#include "arch/ia32/klock.h"
#include "strxfer.h"

/* SMP: THE one spot that decides whether an event partner is homed on
 * this CPU, so that a direct switch to it is allowed (docs/smp.md,
 * "Fast-path contract"): p and the running thread both homed here. The
 * event paths run under the whole kernel lock (their entries take it);
 * a thread they block resumes with whatever lock its resumer held, so
 * they take the whole lock again after the hand-off (klock_ensure_full). */
static inline bool event_partner_local(const struct tcb *p)
{
    struct cpu_local *me = cpu_self();
    return p->cpu == me && current->cpu == me;
}

/* self, in its receive phase now, hands the CPU to dest (runnable, homed
 * here) and returns once its own wait has ended. Whoever ended it may be a
 * fast path holding only this CPU's word: take the whole lock again before
 * general code runs, and take part in a string copy if that is what the
 * answer started. */
static inline void event_handoff_wait(struct tcb *self, struct tcb *dest)
{
    sched_handoff(dest);
    klock_ensure_full();
    if (self->xfer)
        xfer_wait_turns(self);
}

/* t's kernel-made call is over (a reply, cancel, abort or deletion ended
 * its wait, maybe by a fast path holding only this CPU's word): the whole
 * lock again, its part in a string copy the reply started, and the error
 * flag and ErrorCode as set_result leaves them (the callers restore both,
 * for the same UTCB image). */
static inline void event_wait_ended(struct tcb *t)
{
    klock_ensure_full();
    if (t->xfer)
        xfer_wait_turns(t);
    t->state = TS_READY;
    if (t->ipc_error) {
        t->mr[L4ABI_UTCB_ERRORCODE] = t->ipc_error;
        t->mr[0] |= L4ABI_TAG_ERROR;
    } else {
        t->mr[0] &= ~L4ABI_TAG_ERROR;
    }
}

/* kdebug stats: events that took a fast path (always 0 with FASTPATH=0).
 * FAST_MAP: pagers' replies with one 4 KiB map item (pf_fast.c). */
enum { FAST_FAULT, FAST_EXC, FAST_IRQ, FAST_MAP, FAST_NKINDS };
extern uint32_t fast_events[FAST_NKINDS];

#if FASTPATH
/* A kernel-made call from t (== current) to partner p on t's behalf: if p
 * is waiting for t (receive phase, from-specifier accepting t, no pending
 * interrupt, no redirection in the way) and may run next, MR0 = tag and
 * MR1.. = words[0..n) go straight into p's UTCB, t's BR0 becomes `br0`,
 * t blocks receiving from p alone and p runs. Returns false without
 * changing anything otherwise; on true it counts the event in
 * fast_events[kind]. On true, *err is t's IPC error (0 or the
 * ErrorCode value) once p's reply or a cancel/abort ended t's wait; the
 * reply is in t's UTCB as the general path leaves it. The caller saves and
 * restores t's message registers around the exchange, as for the general
 * path. */
bool event_fast_call(struct tcb *t, struct tcb *p, uint32_t tag, const uint32_t *words,
                     unsigned n, uint32_t br0, unsigned kind, uint32_t *err);
#endif

#endif

/* The scheduler's handoff rule (sched_can_handoff, sched.h) inline, for
 * the fast paths that already know their CPU record me (= cpu_self()). */
#ifndef PECAN_SCHED_HANDOFF_H
#define PECAN_SCHED_HANDOFF_H

#include "sched.h"
#include "thread.h"
#include "arch/ia32/smp.h"

static inline bool sched_can_handoff_on(struct cpu_local *me, const struct tcb *t)
{
    struct tcb *cur = me->running;
    if (me->resched || (t->flags & (TF_HALTED | TF_QUANTUM_OUT)))
        return false;
    unsigned p = t->prio, c = cur->prio;
    if (p >= c)
        return true;
    /* A lower-priority partner runs next only if no level above its own
     * holds a queued thread once current leaves (stale entries make this
     * conservative: the general path then lets the scheduler sort them
     * out). O(1): the partner's bitmap word above its bit, the summary
     * above its word; current's own level does not count if current is
     * its only entry. */
    uint32_t pw = p / 32, cw = c / 32;
    uint32_t bits = me->ready.bitmap[pw] & ~((2u << (p % 32)) - 1);   /* 0 if p % 32 == 31 */
    uint32_t words = me->ready.summary & ~((2u << pw) - 1);           /* pw <= 7 */
    if ((cur->flags & TF_QUEUED) && cur->rq.next == &cur->rq) {
        if (cw == pw)
            bits &= ~(1u << (c % 32));
        else if (me->ready.bitmap[cw] == 1u << (c % 32))
            words &= ~(1u << cw);
    }
    return !(bits | words);
}

#endif

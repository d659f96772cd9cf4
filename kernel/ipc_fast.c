/* The IPC fast path: call and reply-and-wait with untyped words only, the
 * partner already waiting for us, no receive timeout to arm and no higher
 * priority thread in the way. The message is copied, the partner becomes
 * runnable, we block, and the CPU switches straight to the partner. Every
 * other case (typed items, timeouts, queued senders, local IDs, priority
 * inversion, a send that redirection diverts) returns false before
 * touching any state, and ipc.c's general path handles it; both paths
 * leave the same results in the TCBs. */
#include "ipc.h"
#include "thread.h"
#include "sched.h"
#include "string.h"
#include "irq.h"
#include "strxfer.h"
#include "console.h"
#include "arch/ia32/fastipc.h"
#include "arch/ia32/smp.h"
#include "arch/ia32/klock.h"

bool ipc_fastpath(struct tcb *self, uint32_t to, uint32_t from_spec, uint32_t timeouts)
{
    uint32_t tag = self->mr[0];
    /* SMP (docs/smp.md, "fast-path contract"): the caller holds this CPU's
     * lock word only, so self and dest must both be homed on this CPU. */
    struct cpu_local *me = self->on_cpu;

    if (irq_pending || (tag & (L4ABI_TAG_T_MASK | L4ABI_TAG_PROPAGATED)) ||
        L4ABI_TIMEOUTS_RCV(timeouts) != L4ABI_TIME_NEVER)
        return false;
    if (__builtin_expect(self->cpu != me, 0)) {
        /* Migrated while running (sched_migrate): this CPU must have a
         * reschedule due, which the assembly path relies on instead of
         * testing our home (docs/smp.md, "Fast-path contract"). */
        assert(me->resched);
        return false;
    }
    /* nilthread, anythread and anylocalthread resolve to no thread. */
    struct tcb *dest = tcb_resolve_inline(self, to);
    if (!dest || dest->state != TS_RECV_WAIT || dest->cpu != me || !ipc_accepts(dest, self))
        return false;
    /* Redirection (rare): only a send that stays direct may pass. */
    if (__builtin_expect(self->redirector != 0, 0) && !ipc_redirect_exempt(self, dest))
        return false;
    if (!sched_can_handoff(dest))
        return false;

    uint32_t recv;
    if (from_spec == to)
        recv = dest->gid;                           /* call */
    else if (from_spec == L4ABI_ANYLOCALTHREAD && !self->sq_head)
        recv = L4ABI_ANYLOCALTHREAD;
    else if (from_spec == L4ABI_ANYTHREAD && !self->sq_head)
        recv = L4ABI_ANYTHREAD;                     /* reply and wait */
    else
        return false;

#if IPC_FASTPATH && (STATS || !defined(__OPTIMIZE__))
    /* A receiver the assembly path would take keeps the resume mark's
     * promise: no TF in its frame (fastipc.h). Checked in the STATS
     * (bench) and -O0 (core-O0, threads-O0) kernels only: about 8
     * instructions, which the lowprio rows would pay on every call. */
    assert(arch_ipc_mark_kept(dest));
#endif
    uint32_t u = L4ABI_TAG_U(tag);
    dest->mr[0] = tag & (L4ABI_TAG_LABEL_MASK | L4ABI_TAG_U_MASK);
    copy_words(dest->mr + 1, self->mr + 1, u);

    ipc_complete(dest, tcb_id_for(self, dest), 0);
    ipc_wait_for(self, recv);
#if IPC_FASTPATH
    /* A top-level user Ipc: resumable by the arch's fast path (ipc.h). */
    void *w = arch_ipc_wait_take(me, self);
    arch_ipc_wait_mark(w);
    sched_handoff(dest);
    arch_ipc_wait_unmark(w);
#else
    sched_handoff(dest);
#endif
    if (self->xfer) {
        klock_ensure_full();
        xfer_wait_turns(self);  /* the reply copies strings to us */
    }
    return true;    /* resumed: our receive phase was completed for us */
}

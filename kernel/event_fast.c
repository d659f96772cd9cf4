/* The kernel-made call fast path (event_fast.h): page faults, I/O faults
 * and exceptions go to a partner that already waits for the faulting
 * thread without the generic IPC system call in between. It mirrors the
 * general path's "send to a waiting receiver, then receive from it alone,
 * no timeouts": the same partner checks (ipc_syscall), the same results
 * in both TCBs (finish, prepare_receive), and the scheduler's own
 * handoff rule (sched_can_handoff) for the direct switch. */
#include "event_fast.h"
#include "ipc.h"
#include "irq.h"
#include "string.h"
#include "strxfer.h"
#include "arch/ia32/klock.h"

uint32_t fast_events[FAST_NKINDS];

#if FASTPATH
bool event_fast_call(struct tcb *t, struct tcb *p, uint32_t tag, const uint32_t *words,
                     unsigned n, uint32_t br0, unsigned kind, uint32_t *err)
{
    /* One test per disqualifier, cheapest first: an interrupt waiting to
     * be delivered (the general receive phase would take it), a partner
     * not receiving or not from us, a redirected send, a partner the
     * scheduler would not run next, a partner on another CPU. */
    if (irq_pending || p->state != TS_RECV_WAIT || !ipc_accepts(p, t) ||
        (t->redirector && !ipc_redirect_exempt(t, p)) || !event_partner_local(p) ||
        !sched_can_handoff(p))
        return false;
    fast_events[kind]++;        /* before p runs: p may read the count */

    /* Send phase: what transfer() + finish() leave in p. */
    p->mr[0] = tag & (L4ABI_TAG_LABEL_MASK | L4ABI_TAG_U_MASK);
    copy_words(p->mr + 1, words, n);
    ipc_complete(p, tcb_id_for(t, p), 0);

    /* Receive phase from p alone, no timeout: what prepare_receive leaves. */
    t->mr[L4ABI_UTCB_BR(0)] = br0;
    ipc_wait_for(t, p->gid);
    sched_handoff(p);
    event_wait_ended(t);
    *err = t->ipc_error;
    return true;
}
#endif
